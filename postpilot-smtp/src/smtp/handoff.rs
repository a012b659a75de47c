//! A send's way to a connection and back (see ARCHITECTURE.md, "SMTP":
//! pipelining across emails): it waits as a rider for a free connection or
//! for one in use to take it on, takes its turn, then hands the connection
//! to the next email written on it, or back to the pool.

use std::collections::VecDeque;
use std::sync::Arc;

use postpilot_core::ports::{MailError, ServerReply};

use super::pool::Lease;
use super::riders::{Carried, Handoff, Rider, Written};
use super::session::{Progress, Session};
use super::transaction::Turn;
use super::SmtpMailer;
use crate::classify::{self, Aftermath, Failure, Stage};

/// Where a send got a connection.
// A local of one send, moved once: boxing the lease would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Seat<'a> {
    /// A free permit of the pool, with an idle connection or none.
    Own(Lease<'a, Session>),
    /// A connection handed over by the email before, this one's commands
    /// written.
    Carried(Box<Carried>),
}

impl SmtpMailer {
    /// Waits for a connection for `body` to `to`: a free one of the pool,
    /// or a turn on one in use that takes this email on.
    ///
    /// # Errors
    /// The failure of the connection that took the email on before its
    /// turn came (see [`lost`]).
    async fn seat(&self, to: &lettre::Address, body: &Arc<Vec<u8>>) -> Result<Seat<'_>, Failure> {
        let riders = &self.pool.riders;
        let not_started = || Failure {
            stage: Stage::Connect,
            error: MailError::NotStarted("the sender is stopping".into()),
            aftermath: Aftermath::Untouched,
        };
        let mut ticket = riders.join(to.clone(), Arc::clone(body));
        let handoff = tokio::select! {
            handoff = &mut ticket.handoff => handoff,
            () = riders.stop().stopped() => {
                if riders.withdraw(ticket.id) {
                    return Err(not_started());
                }
                // Taken on meanwhile: its handoff is coming.
                (&mut ticket.handoff).await
            }
            lease = self.pool.checkout() => {
                if riders.withdraw(ticket.id) {
                    if riders.stop().is_stopped() {
                        return Err(not_started());
                    }
                    return match lease {
                        Some(lease) => Ok(Seat::Own(lease)),
                        None => Err(lost(Written::Nothing, &MailError::Transient(format!(
                            "connection pool for {} is closed", self.inner.settings.server
                        )), &self.inner.settings.server)),
                    };
                }
                // Taken on meanwhile: its handoff is coming, and the idle
                // connection this permit came with stays in the pool.
                if let Some(lease) = lease {
                    close_off_path(lease.give_up());
                }
                (&mut ticket.handoff).await
            }
        };
        match handoff {
            Ok(Handoff::Carried(carried)) => Ok(Seat::Carried(carried)),
            Ok(Handoff::Lost(failure)) => Err(failure),
            // The send that took it on is gone, its connection with it.
            Err(_) => Err(lost(
                ticket.written(),
                &MailError::Transient("the connection was closed".into()),
                &self.inner.settings.server,
            )),
        }
    }

    /// Sends `body` to `to`: waits for a connection, takes its turn on it,
    /// then hands the connection to the next email written on it, or back
    /// to the pool.
    pub(super) async fn deliver(
        &self,
        to: &lettre::Address,
        body: &Arc<Vec<u8>>,
    ) -> Result<ServerReply, MailError> {
        let inner = &*self.inner;
        // A connection lost before anything of this message was written
        // is no try: it goes again (once) on another.
        let mut lost_before = false;
        loop {
            let (lease, mut slot, mut ahead, fresh, after_refusal) = match self.seat(to, body).await
            {
                Ok(Seat::Own(mut lease)) => {
                    close_off_path(lease.take_expired());
                    let pooled = lease.take();
                    (lease, pooled, VecDeque::new(), true, false)
                }
                Ok(Seat::Carried(carried)) => {
                    let carried = *carried;
                    (
                        self.pool.adopt(carried.permit),
                        Some(carried.session),
                        carried.ahead,
                        false,
                        carried.after_refusal,
                    )
                }
                Err(failure) if retry_lost(&failure) && !lost_before => {
                    lost_before = true;
                    continue;
                }
                Err(failure) => return Err(failure.error),
            };
            let turn = Turn {
                to,
                body,
                fresh,
                after_refusal,
                probe: false,
            };
            let mut progress = Progress::default();
            // Everything from connecting to the last reply runs under the one
            // deadline; when it passes, the future is dropped, and `progress`
            // says how far it got.
            let deadline = tokio::time::Instant::now() + inner.timeout;
            let outcome = tokio::time::timeout_at(
                deadline,
                inner.drive(
                    &mut slot,
                    &turn,
                    &mut ahead,
                    &self.pool.riders,
                    &mut progress,
                ),
            )
            .await;
            let (result, fit) = match outcome {
                Ok(Ok(reply)) => (Ok(reply), true),
                Ok(Err(failure)) => {
                    let fit = match failure.aftermath {
                        Aftermath::Rejected if ahead.is_empty() => match slot.as_mut() {
                            // Within what is left of the deadline.
                            Some(session) => tokio::time::timeout_at(deadline, session.reset())
                                .await
                                .unwrap_or(false),
                            None => false,
                        },
                        // The next emails' commands are written: their
                        // transactions begin where this one ended.
                        Aftermath::Rejected | Aftermath::Untouched => true,
                        Aftermath::Broken => false,
                    };
                    if !fit && retry_lost(&failure) && !fresh && !lost_before && ahead.is_empty() {
                        // Its envelope went with the email before, and the
                        // connection broke before its message was written.
                        lost_before = true;
                        drop(slot);
                        drop(lease);
                        continue;
                    }
                    (Err(failure.error), fit)
                }
                Err(_elapsed) => (
                    Err(progress.rejection.take().unwrap_or_else(|| {
                        classify::timed_out(progress.stage(), inner.timeout, &inner.settings.server)
                    })),
                    false,
                ),
            };
            let session = slot.filter(|_| fit);
            self.pass_on(lease, session, ahead, result.is_err());
            return result;
        }
    }

    /// After a turn: the connection (if still fit) goes to the first email
    /// written after this one, or back to the pool; if it is not fit,
    /// every email written after this one has lost it.
    fn pass_on(
        &self,
        lease: Lease<'_, Session>,
        session: Option<Session>,
        mut ahead: VecDeque<Rider>,
        refused: bool,
    ) {
        let server = &self.inner.settings.server;
        let Some(session) = session else {
            let cause = MailError::Transient("the connection failed".into());
            lose_all(&mut ahead, &cause, server);
            return;
        };
        let Some(next) = ahead.pop_front() else {
            lease.put_back(session);
            return;
        };
        let carried = Carried {
            session,
            permit: lease.into_permit(),
            ahead,
            after_refusal: refused,
        };
        if let Err(Handoff::Carried(mut carried)) = next.hand(Handoff::Carried(Box::new(carried))) {
            // Its send is gone while its commands are on the connection:
            // nobody will read their replies, so the connection is closed,
            // and the emails after it lose it.
            let cause = MailError::Transient("the connection was closed".into());
            lose_all(&mut carried.ahead, &cause, server);
        }
    }
}

/// Closes idle connections found too old, off the send's path, so they cost
/// it nothing.
pub(super) fn close_off_path(expired: Vec<Session>) {
    if !expired.is_empty() {
        tokio::spawn(futures::future::join_all(
            expired.into_iter().map(Session::quit),
        ));
    }
}

/// Tells every email in `ahead` that the connection was lost before its
/// turn, classified by what was written for it.
pub(super) fn lose_all(ahead: &mut VecDeque<Rider>, cause: &MailError, server: &str) {
    for rider in ahead.drain(..) {
        let failure = lost(rider.written(), cause, server);
        // Its send is waiting; if it is gone, nobody needs the news.
        let _ = rider.hand(Handoff::Lost(failure));
    }
}

/// The failure of an email whose connection was lost before its turn: its
/// outcome is unknown once its whole message was written, else it was not
/// sent.
fn lost(written: Written, cause: &MailError, server: &str) -> Failure {
    let stage = if written == Written::Message {
        Stage::AfterDot
    } else {
        Stage::Mail
    };
    classify::lost(stage, cause.reply(), server)
}

/// Whether a failure left nothing of the message written and the
/// connection gone, so the email may go on another connection at once.
fn retry_lost(failure: &Failure) -> bool {
    failure.aftermath == Aftermath::Broken
        && failure.stage < Stage::Body
        && failure.error.is_transient()
}
