//! One mail transaction on a [`Session`]: MAIL FROM, RCPT TO and DATA,
//! pipelined in one write when the server offers PIPELINING (RFC 2920),
//! else one by one; then the body and its final `.` in one write.

use std::fmt::Display;

use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::response::Response;
use lettre::Address;

use super::session::{check, reply, send, Progress, Session, Settings};
use crate::classify::{self, Aftermath, Failure, Stage};

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

impl Session {
    /// One mail transaction. Returns the server's reply to the final `.`.
    ///
    /// # Errors
    /// The [`Failure`] of the stage that failed.
    pub(crate) async fn transaction(
        &mut self,
        settings: &Settings,
        to: &Address,
        body: &[u8],
        progress: &mut Progress,
    ) -> Result<Response, Failure> {
        let server = settings.server.as_str();
        progress.enter(Stage::Mail);
        if self.wire.has_unread() {
            // A reply no command asked for: every later one would be read
            // as the answer to the wrong command. Nothing was sent yet.
            return Err(classify::lost(
                Stage::Mail,
                "the server sent a reply no command asked for",
                server,
            ));
        }
        let mail = Mail::new(
            Some(settings.from.clone()),
            self.mail_parameters(settings, to, body)?,
        );
        let rcpt = Rcpt::new(to.clone(), Vec::new());
        if self.pipelining {
            self.envelope_pipelined(&mail, &rcpt, progress, server)
                .await?;
        } else {
            self.envelope_lockstep(&mail, &rcpt, progress, server)
                .await?;
        }

        progress.enter(Stage::Body);
        self.wire.queue_message(body);
        send(&mut self.wire, Stage::Body, server).await?;
        // Written and flushed: from here on the message may be delivered.
        progress.enter(Stage::AfterDot);
        let response = reply(&mut self.wire, Stage::AfterDot, server).await?;
        check(Stage::AfterDot, response, classify::is_completion, server)
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

    /// MAIL, RCPT and DATA in one write, then their three replies. The first
    /// refusal decides the outcome, but every reply is still read (and a
    /// DATA the server took anyway is ended with a lone `.`), so the
    /// connection stays in step for RSET and the next message.
    async fn envelope_pipelined(
        &mut self,
        mail: &Mail,
        rcpt: &Rcpt,
        progress: &mut Progress,
        server: &str,
    ) -> Result<(), Failure> {
        let wire = &mut self.wire;
        wire.queue(mail);
        wire.queue(rcpt);
        wire.queue(&Data);
        send(wire, Stage::Mail, server).await?;

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
