//! One send: its turn under the rate limit, the email, and the result to
//! record (ARCHITECTURE.md, "Delivery engine").

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::{self, Either};

use super::ledger::ClaimNo;
use super::{SendMailing, SendStore};
use crate::domain::visible;
use crate::domain::{
    AttemptStatus, Delivery, DeliveryResult, InstanceId, NextStep, RecipientId, RunId,
};
use crate::ports::{Clock, MailError, Mailer, OutgoingEmail, ServerReply};
use crate::usecases::letters::Letters;

/// A send back with its claim; `None` for one that never started (a stop
/// came while it waited for its turn under the rate, or for a connection).
pub(super) type Sent = (ClaimNo, Option<Attempted>);

/// A finished send: its result and what it says about going on.
pub(super) struct Attempted {
    pub(super) verdict: Verdict,
    pub(super) result: DeliveryResult,
}

/// What a send's outcome says about the sends after it.
pub(super) enum Verdict {
    Accepted,
    /// A temporary failure: one more toward `give_up_after`.
    Temporary,
    /// The server refused the login, with its reply: nothing more can be sent.
    LoginRefused(String),
    /// Any other failure: says nothing about the server.
    Failed,
}

impl<S: SendStore, M: Mailer, C: Clock> SendMailing<S, M, C> {
    /// One send, after waiting `wait` for its turn under the rate limit.
    pub(super) async fn attempt(
        &self,
        run: RunId,
        instance: Arc<InstanceId>,
        claim: ClaimNo,
        delivery: Delivery,
        letters: Arc<Letters>,
        wait: Duration,
    ) -> Sent {
        if !wait.is_zero() {
            let stopped = Box::pin(self.stop.stopped());
            if let Either::Right(_) = future::select(self.clock.sleep(wait), stopped).await {
                return (claim, None);
            }
        }
        // One HMAC per send: the same link goes into the body and the header.
        let unsubscribe_url = letters.unsubscribe_url(&delivery);
        let outcome = match letters.for_delivery(&delivery, unsubscribe_url.as_deref()) {
            Ok(content) => {
                let email = OutgoingEmail {
                    to: delivery.email.clone(),
                    to_name: delivery.full_name.clone(),
                    content,
                    message_key: OutgoingEmail::key_for(run, delivery.id, &instance),
                    unsubscribe_url,
                };
                self.mailer.send(&email).await
            }
            // Not sent: the same template fails for this recipient on every try.
            Err(unrenderable) => Err(unrenderable),
        };
        if let Err(MailError::NotStarted(_)) = outcome {
            // The mailer withdrew it on the stop before any of it was sent.
            return (claim, None);
        }
        if let (Err(MailError::AddressRefused(reply)), Some(recipient)) =
            (&outcome, delivery.recipient_id)
        {
            self.mark_bounced(recipient, reply).await;
        }
        let verdict = match &outcome {
            Ok(_) => Verdict::Accepted,
            Err(MailError::LoginFailed(reply)) => {
                Verdict::LoginRefused(visible(reply).into_owned())
            }
            Err(e) if e.is_transient() => Verdict::Temporary,
            Err(_) => Verdict::Failed,
        };
        let result = self.result_of(&delivery, outcome, self.clock.now());
        (claim, Some(Attempted { verdict, result }))
    }

    /// Marks a recipient whose address the server refused at RCPT, so
    /// later runs skip them. Done beside the run's records, not in them: a
    /// failure here is logged and loses only the mark (the delivery's
    /// failure is recorded as usual), so it never holds up the run.
    async fn mark_bounced(&self, recipient: RecipientId, reply: &str) {
        let reply = visible(reply);
        if let Err(e) = self
            .store
            .mark_bounced(recipient, self.clock.now(), &reply)
            .await
        {
            tracing::warn!(%recipient, error = %e, "could not mark the recipient as bouncing");
        }
    }

    /// Turns a send outcome into what is recorded; the retry decision is
    /// the policy's ([`super::SendPolicy::next_step`]).
    fn result_of(
        &self,
        delivery: &Delivery,
        outcome: Result<ServerReply, MailError>,
        at: DateTime<Utc>,
    ) -> DeliveryResult {
        let (status, response, next) = match outcome {
            // Whatever the mailer passes on of the server's text, what is
            // recorded holds no control character (`domain::visible`).
            Ok(reply) => (
                AttemptStatus::Success,
                visible(&reply.0).into_owned(),
                NextStep::Done,
            ),
            Err(err) => {
                let tries = delivery.tries.saturating_add(1);
                let next = self.policy.next_step(tries, &err, at);
                let response = visible(&err.to_string()).into_owned();
                tracing::warn!(delivery = %delivery.id, error = %response, "send failed");
                (AttemptStatus::Failure, response, next)
            }
        };
        DeliveryResult {
            delivery_id: delivery.id,
            attempt_at: at,
            status,
            response,
            next,
        }
    }
}

/// A claimed delivery that will not be sent, recorded as a failure with `reason`.
pub(super) fn not_sent(delivery: &Delivery, reason: &str, at: DateTime<Utc>) -> DeliveryResult {
    DeliveryResult {
        delivery_id: delivery.id,
        attempt_at: at,
        status: AttemptStatus::Failure,
        response: reason.to_owned(),
        next: NextStep::Done,
    }
}
