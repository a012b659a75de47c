//! The engine's handling of sends that came back: each result kept for
//! the store, and what its outcome means for the sends after it
//! (ARCHITECTURE.md, "Delivery engine").

use futures::FutureExt;
use futures::StreamExt;

use super::super::attempt::{Attempted, Sent, Verdict};
use super::super::stop::Stop;
use super::super::SendStore;
use super::Engine;
use crate::domain::DeliveryResult;
use crate::ports::{Clock, Mailer};

impl<S: SendStore, M: Mailer, C: Clock> Engine<'_, S, M, C> {
    /// A send came back; whatever else is back already joins it, each
    /// result noted and left to be recorded. A send that never started
    /// (stopped while waiting for its turn) stays leased, to be handed back.
    pub(super) fn take_back(&mut self, first: Option<Sent>) {
        let mut back: Vec<_> = first.into_iter().collect();
        while let Some(Some(more)) = self.in_flight.next().now_or_never() {
            back.push(more);
        }
        for (claim, attempted) in back {
            if let Some(Attempted { verdict, result }) = attempted {
                self.note(verdict, &result);
                self.ledger.add(claim, result);
            }
        }
    }

    /// What a send's outcome means for the sends after it.
    fn note(&mut self, verdict: Verdict, result: &DeliveryResult) {
        match verdict {
            Verdict::Accepted => self.failures_in_a_row = 0,
            // Every further send would fail the same way (and lock the
            // account on many servers).
            Verdict::LoginRefused(reply) => {
                if !matches!(self.stop, Some(Stop::LoginRefused { .. } | Stop::Shutdown)) {
                    tracing::error!(run = %self.run, reply = %reply,
                        "the server refused the login; sending stopped");
                    self.stop = Some(Stop::LoginRefused { reply });
                }
            }
            Verdict::Temporary => {
                self.failures_in_a_row = self.failures_in_a_row.saturating_add(1);
                if self.failures_in_a_row >= self.send.policy.give_up_after && self.stop.is_none() {
                    self.stop = Some(Stop::ServerDown {
                        failures: self.failures_in_a_row,
                        last: result.response.clone(),
                    });
                }
            }
            Verdict::Failed => {}
        }
    }
}
