//! The chunked turn (RFC 3030 with PIPELINING): MAIL, RCPT and `BDAT
//! <size> LAST` with the body in one write, several emails written ahead of
//! their replies (see ARCHITECTURE.md, "SMTP").

use std::collections::VecDeque;

use lettre::transport::smtp::response::Response;

use super::riders::{Rider, Riders, Written};
use super::session::{check, reply, send, Progress, Session, Settings};
use super::transaction::{note_written, Turn};
use crate::classify::{self, Aftermath, Failure, Stage};

impl Session {
    /// The chunked turn: the email's MAIL, RCPT and `BDAT … LAST` with its
    /// body, unless written already, and as many emails taken on as the
    /// depth allows, in one write; then the email's replies. On a probe,
    /// MAIL and RCPT go first and are answered before the message goes.
    pub(super) async fn chunked(
        &mut self,
        settings: &Settings,
        turn: &Turn<'_>,
        ahead: &mut VecDeque<Rider>,
        riders: &Riders,
        progress: &mut Progress,
    ) -> Result<Response, Failure> {
        let server = settings.server.as_str();
        let mut replies: &[Stage] = &[Stage::Mail, Stage::Rcpt, Stage::AfterDot];
        if turn.fresh {
            let mail = self.mail_command(settings, turn.to, turn.body)?;
            self.queue_envelope(&mail, turn.to);
            if turn.probe {
                send(&mut self.wire, Stage::Mail, server).await?;
                self.chunked_replies(&[Stage::Mail, Stage::Rcpt], turn, progress, server)
                    .await?;
                replies = &[Stage::AfterDot];
            }
            self.wire.queue_chunk(turn.body);
        }
        let room = self.depth().saturating_sub(ahead.len() + 1);
        let taken = self.take_on(settings, ahead, riders, room);
        if turn.fresh || taken > 0 {
            progress.enter(if turn.fresh {
                Stage::Body
            } else {
                Stage::AfterDot
            });
            send(&mut self.wire, progress.stage(), server).await?;
            note_written(ahead, taken, Written::Message);
        }
        // This email's message is written: from here on it may be delivered.
        progress.enter(Stage::AfterDot);
        self.chunked_replies(replies, turn, progress, server)
            .await?
            .ok_or_else(|| classify::lost(Stage::AfterDot, "no reply to the message", server))
    }

    /// The replies to the chunked commands of `stages`, read at the stage
    /// `progress` is at. The first refusal decides, but every reply is still
    /// read, so the connection stays in step for the next email. Returns
    /// the reply to the message, if its stage was among them.
    async fn chunked_replies(
        &mut self,
        stages: &[Stage],
        turn: &Turn<'_>,
        progress: &mut Progress,
        server: &str,
    ) -> Result<Option<Response>, Failure> {
        let mut refused: Option<Failure> = None;
        let mut answer = None;
        for &stage in stages {
            if stage < Stage::Body {
                progress.enter(progress.stage().max(stage));
            }
            let response = reply(&mut self.wire, progress.stage(), server).await?;
            if refused.is_some() {
                // The transaction failed already; the rest of its replies
                // are read only to stay in step.
                continue;
            }
            match check(stage, response, classify::is_completion, server) {
                Ok(response) => answer = (stage == Stage::AfterDot).then_some(response),
                Err(failure) if failure.aftermath == Aftermath::Rejected => {
                    progress.rejection = Some(failure.error.clone());
                    refused = Some(out_of_step(failure, turn.after_refusal, server));
                }
                Err(failure) => return Err(failure),
            }
        }
        refused.map_or(Ok(answer), Err)
    }
}

/// A refusal of MAIL with `503` (bad sequence) right after the email before
/// was refused: the server was still in that email's transaction, so this
/// one was never considered; worth trying again.
fn out_of_step(failure: Failure, after_refusal: bool, server: &str) -> Failure {
    let bad_sequence = failure.error.reply().starts_with("503");
    if after_refusal && failure.stage == Stage::Mail && bad_sequence {
        return Failure {
            error: postpilot_core::ports::MailError::Transient(format!(
                "{server} was out of step after refusing the email before: {}",
                failure.error.reply()
            )),
            ..failure
        };
    }
    failure
}
