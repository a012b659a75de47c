//! One mail transaction on a [`Session`] — one email's turn on the
//! connection — in the best way the server allows (see ARCHITECTURE.md,
//! "SMTP"):
//!
//! - **lockstep**: MAIL FROM, RCPT TO and DATA each awaiting its reply,
//!   then the body and its final `.`;
//! - **pipelined** (RFC 2920): MAIL, RCPT and DATA in one write, and the
//!   body with its `.` in another, together with the next email's MAIL,
//!   RCPT and DATA when one is waiting: one round trip per email;
//! - **chunked** (RFC 3030, with PIPELINING; `chunking.rs`): MAIL, RCPT,
//!   `BDAT <size> LAST` and the body in one write, several emails kept
//!   written ahead of their replies: no round trip per email.
//!
//! Emails taken on from the [`Riders`] queue go into `ahead`, in order; the
//! caller hands the connection to the first of them after this turn.

use std::collections::VecDeque;
use std::fmt::Display;

use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;
use lettre::Address;

use super::riders::{Handoff, Rider, Riders, Written};
use super::session::{check, reply, send, Progress, Session, Settings};
use crate::classify::{self, Aftermath, Failure, Stage};

/// Emails written ahead on one chunked connection, its own included: what
/// the pool's connections times this keeps in flight. Six rather than four:
/// the server takes a while over each message (Postfix's smtpd hands it to
/// its cleanup), so at 50 ms four left the connection idle part of every
/// round trip (400 emails over 8 connections into smtpd: 394 -> 460/s).
pub(crate) const CHUNKED_DEPTH: usize = 6;

/// The reply DATA calls for.
fn go_ahead(response: &Response) -> bool {
    response.has_code(354)
}

/// Whether a reply is the one a command calls for.
type Expected = fn(&Response) -> bool;

/// The envelope's commands, by stage, and the reply each calls for.
const ENVELOPE: [(Stage, Expected); 3] = [
    (Stage::Mail, classify::is_completion),
    (Stage::Rcpt, classify::is_completion),
    (Stage::Data, go_ahead),
];

/// How a connection carries mail, by what the server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Lockstep,
    Pipelined,
    Chunked,
}

/// One email's turn on a connection.
pub(crate) struct Turn<'a> {
    pub(crate) to: &'a Address,
    pub(crate) body: &'a [u8],
    /// Nothing was written for it yet (it was not taken on by the email
    /// before it on this connection).
    pub(crate) fresh: bool,
    /// The email before it on this connection refused something.
    pub(crate) after_refusal: bool,
    /// The connection comes from the idle pool: a chunked email's MAIL and
    /// RCPT go first and are answered before its message goes, so a
    /// connection the server closed meanwhile is found before any message
    /// is written, and the email can go on a new one.
    pub(crate) probe: bool,
}

impl Session {
    /// How this connection carries mail.
    pub(crate) fn mode(&self) -> Mode {
        match (self.offers.pipelining, self.offers.chunking) {
            (true, true) => Mode::Chunked,
            (true, false) => Mode::Pipelined,
            (false, _) => Mode::Lockstep,
        }
    }

    /// Emails this connection keeps in flight at once, at most.
    pub(crate) fn depth(&self) -> usize {
        match self.mode() {
            Mode::Lockstep => 1,
            Mode::Pipelined => 2,
            Mode::Chunked => CHUNKED_DEPTH,
        }
    }

    /// One mail transaction of one email, with nothing taken on: what the
    /// tests of the session use.
    #[cfg(test)]
    pub(crate) async fn transaction(
        &mut self,
        settings: &Settings,
        to: &Address,
        body: &[u8],
        progress: &mut Progress,
    ) -> Result<Response, Failure> {
        let turn = Turn {
            to,
            body,
            fresh: true,
            after_refusal: false,
            probe: false,
        };
        let mut ahead = VecDeque::new();
        self.turn(settings, &turn, &mut ahead, &Riders::default(), progress)
            .await
    }

    /// One email's turn: writes what is still to be written for it (and,
    /// when the server pipelines, for the emails it takes on from
    /// `riders` into `ahead`) and reads its replies. Returns the server's
    /// reply to the message.
    ///
    /// # Errors
    /// The [`Failure`] of the stage that failed.
    pub(crate) async fn turn(
        &mut self,
        settings: &Settings,
        turn: &Turn<'_>,
        ahead: &mut VecDeque<Rider>,
        riders: &Riders,
        progress: &mut Progress,
    ) -> Result<Response, Failure> {
        let server = settings.server.as_str();
        progress.enter(Stage::Mail);
        if turn.fresh && self.wire.has_unread() {
            // A reply no command asked for: every later one would be read
            // as the answer to the wrong command. Nothing was sent yet.
            return Err(classify::lost(
                Stage::Mail,
                "the server sent a reply no command asked for",
                server,
            ));
        }
        let mode = self.mode();
        match mode {
            Mode::Chunked => self.chunked(settings, turn, ahead, riders, progress).await,
            mode => {
                if turn.fresh {
                    let mail = self.mail_command(settings, turn.to, turn.body)?;
                    if mode == Mode::Pipelined {
                        self.queue_envelope(&mail, turn.to);
                        self.wire.queue(&Data);
                        send(&mut self.wire, Stage::Mail, server).await?;
                    } else {
                        let rcpt = Rcpt::new(turn.to.clone(), Vec::new());
                        self.envelope_lockstep(&mail, &rcpt, progress, server)
                            .await?;
                    }
                }
                if mode == Mode::Pipelined {
                    self.envelope_replies(progress, server).await?;
                }

                progress.enter(Stage::Body);
                self.wire.queue_message(turn.body);
                // One email taken on, its envelope written with this body.
                let room = usize::from(mode == Mode::Pipelined);
                let taken = self.take_on(settings, ahead, riders, room);
                send(&mut self.wire, Stage::Body, server).await?;
                note_written(ahead, taken, Written::Envelope);
                // Written and flushed: from here on the message may be delivered.
                progress.enter(Stage::AfterDot);
                let response = reply(&mut self.wire, Stage::AfterDot, server).await?;
                check(Stage::AfterDot, response, classify::is_completion, server)
            }
        }
    }

    /// Takes on up to `room` waiting emails: queues their commands (the
    /// envelope when pipelined, everything when chunked) and puts them
    /// into `ahead`. An email the server cannot take (e.g. SMTPUTF8 not
    /// offered) gets its failure at once. Returns how many were queued.
    pub(super) fn take_on(
        &mut self,
        settings: &Settings,
        ahead: &mut VecDeque<Rider>,
        riders: &Riders,
        room: usize,
    ) -> usize {
        let mut taken = 0;
        while taken < room {
            let Some(rider) = riders.take() else { break };
            match self.mail_command(settings, &rider.to, &rider.body) {
                Ok(mail) => {
                    self.queue_envelope(&mail, &rider.to);
                    if self.mode() == Mode::Chunked {
                        self.wire.queue_chunk(&rider.body);
                    } else {
                        self.wire.queue(&Data);
                    }
                    ahead.push_back(rider);
                    taken += 1;
                }
                Err(failure) => {
                    // Its send is waiting; if it is gone, nobody needs the news.
                    let _ = rider.hand(Handoff::Lost(failure));
                }
            }
        }
        taken
    }

    /// Queues MAIL FROM and RCPT TO: what DATA or BDAT follows.
    pub(super) fn queue_envelope(&mut self, mail: &Mail, to: &Address) {
        self.wire.queue(mail);
        self.wire.queue(&Rcpt::new(to.clone(), Vec::new()));
    }

    /// MAIL FROM with the parameters `body` and the addresses need.
    pub(super) fn mail_command(
        &self,
        settings: &Settings,
        to: &Address,
        body: &[u8],
    ) -> Result<Mail, Failure> {
        Ok(Mail::new(
            Some(settings.from.clone()),
            self.mail_parameters(settings, to, body)?,
        ))
    }

    /// MAIL, RCPT and DATA, each awaiting its reply.
    async fn envelope_lockstep(
        &mut self,
        mail: &Mail,
        rcpt: &Rcpt,
        progress: &mut Progress,
        server: &str,
    ) -> Result<(), Failure> {
        self.command(Stage::Mail, mail, classify::is_completion, progress, server)
            .await?;
        self.command(Stage::Rcpt, rcpt, classify::is_completion, progress, server)
            .await?;
        self.command(Stage::Data, &Data, go_ahead, progress, server)
            .await
    }

    /// One command at `stage` and its reply, which must be `ok`.
    async fn command(
        &mut self,
        stage: Stage,
        command: &impl Display,
        ok: Expected,
        progress: &mut Progress,
        server: &str,
    ) -> Result<(), Failure> {
        progress.enter(stage);
        self.wire.queue(command);
        send(&mut self.wire, stage, server).await?;
        let response = reply(&mut self.wire, stage, server).await?;
        check(stage, response, ok, server).map(drop)
    }

    /// The replies to a pipelined MAIL, RCPT and DATA. The first refusal
    /// decides the outcome, but every reply is still read (and a DATA the
    /// server took anyway is ended with a lone `.`), so the connection
    /// stays in step for RSET and the next message.
    async fn envelope_replies(
        &mut self,
        progress: &mut Progress,
        server: &str,
    ) -> Result<(), Failure> {
        let wire = &mut self.wire;
        let mut refused: Option<Failure> = None;
        for (stage, ok) in ENVELOPE {
            if refused.is_none() {
                progress.enter(stage);
                match check(stage, reply(wire, stage, server).await?, ok, server) {
                    Ok(_) => {}
                    Err(failure) if failure.aftermath == Aftermath::Rejected => {
                        // The result, should the deadline pass while the
                        // remaining replies are read.
                        progress.rejection = Some(failure.error.clone());
                        refused = Some(failure);
                    }
                    // 421, or a reply out of protocol: nothing to keep in step.
                    Err(failure) => return Err(failure),
                }
                continue;
            }
            // Any failure from here on leaves the wire broken, and so the
            // session unfit for RSET; the first refusal is still the result.
            let Ok(response) = wire.reply().await else {
                break;
            };
            if stage == Stage::Data && go_ahead(&response) {
                // RFC 2920 §3.1: the server takes the DATA although it
                // refused a command before; an empty message ends it.
                tracing::debug!(%server, "ending a DATA accepted after a refusal");
                wire.queue_empty_message();
                if wire.send().await.is_ok() {
                    let _ = wire.reply().await;
                }
            }
        }
        refused.map_or(Ok(()), Err)
    }

    /// The MAIL FROM parameters `body` and the addresses need, as lettre's
    /// own transport chooses them.
    fn mail_parameters(
        &self,
        settings: &Settings,
        to: &Address,
        body: &[u8],
    ) -> Result<Vec<MailParameter>, Failure> {
        let info = &self.info;
        let mut parameters = Vec::new();
        let ascii = |a: &Address| <Address as AsRef<str>>::as_ref(a).is_ascii();
        if !(ascii(&settings.from) && ascii(to)) {
            if !info.supports_feature(Extension::SmtpUtfEight) {
                return Err(classify::refused(
                    Stage::Mail,
                    format!(
                        "{} does not support SMTPUTF8, which a non-ASCII address needs",
                        settings.server
                    ),
                    Aftermath::Untouched,
                ));
            }
            parameters.push(MailParameter::SmtpUtfEight);
        }
        if !body.is_ascii() {
            if !info.supports_feature(Extension::EightBitMime) {
                return Err(classify::refused(
                    Stage::Mail,
                    format!(
                        "{} does not support 8BITMIME, which the message needs",
                        settings.server
                    ),
                    Aftermath::Untouched,
                ));
            }
            parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        Ok(parameters)
    }
}

/// Notes what was written for the last `taken` emails of `ahead`, once
/// their write went through.
pub(super) fn note_written(ahead: &VecDeque<Rider>, taken: usize, written: Written) {
    for rider in ahead.iter().rev().take(taken) {
        rider.note_written(written);
    }
}
