//! Sends waiting for a connection, which a connection in use may take on
//! (see ARCHITECTURE.md, "SMTP": pipelining across emails).
//!
//! Every send first queues here as a [`Rider`], then waits for whichever
//! comes first: a free connection of the pool (it then withdraws, and goes
//! on its own) or a send already on a connection that writes the rider's
//! commands with its own and later hands the connection over
//! ([`Handoff`]). Withdrawing and being taken on are decided under one
//! lock, so a rider is written by exactly one connection or none.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use lettre::Address;
use postpilot_core::usecases::StopSignal;
use tokio::sync::{oneshot, OwnedSemaphorePermit};

use super::session::Session;
use crate::classify::Failure;

/// How much of a rider's email a connection has written for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub(crate) enum Written {
    /// Nothing yet.
    Nothing = 0,
    /// MAIL, RCPT and DATA: nothing of the message itself.
    Envelope = 1,
    /// The whole message (`BDAT … LAST` and the body): it may be delivered.
    Message = 2,
}

/// What a rider is handed once a connection took it on.
pub(crate) enum Handoff {
    /// The connection, with the rider's commands written up to its next
    /// wait for replies, and the riders after it written too.
    Carried(Box<Carried>),
    /// The connection failed or refused before the rider's turn came; the
    /// failure is classified by what was written for it.
    Lost(Failure),
}

/// A connection handed to a rider.
pub(crate) struct Carried {
    pub(crate) session: Session,
    /// The pool's permit that goes with the connection.
    pub(crate) permit: OwnedSemaphorePermit,
    /// Riders whose commands follow this one's on the connection, in order.
    pub(crate) ahead: VecDeque<Rider>,
    /// The email before refused something: a server may then answer this
    /// one's MAIL with `503` (out of step) instead of taking it.
    pub(crate) after_refusal: bool,
}

/// A send waiting for a connection, as a connection in use sees it.
pub(crate) struct Rider {
    id: u64,
    pub(crate) to: Address,
    pub(crate) body: Arc<Vec<u8>>,
    written: Arc<AtomicU8>,
    handoff: oneshot::Sender<Handoff>,
}

impl Rider {
    /// Notes what was written for the rider, before the write: should the
    /// connection be lost, the rider must assume the worst.
    pub(crate) fn note_written(&self, written: Written) {
        self.written.store(written as u8, Ordering::Release);
    }

    /// What was written for the rider, as last noted.
    pub(crate) fn written(&self) -> Written {
        written(&self.written)
    }

    /// Hands the rider its turn. `Err` gives the handoff back when the
    /// rider's send is gone (its future dropped).
    pub(crate) fn hand(self, handoff: Handoff) -> Result<(), Handoff> {
        self.handoff.send(handoff)
    }
}

/// The rider's side: what it waits on.
pub(crate) struct Ticket {
    pub(crate) id: u64,
    pub(crate) handoff: oneshot::Receiver<Handoff>,
    written: Arc<AtomicU8>,
}

impl Ticket {
    /// What was written for this rider, as last noted.
    pub(crate) fn written(&self) -> Written {
        written(&self.written)
    }
}

fn written(noted: &AtomicU8) -> Written {
    match noted.load(Ordering::Acquire) {
        0 => Written::Nothing,
        1 => Written::Envelope,
        _ => Written::Message,
    }
}

/// The queue of riders of one pool. Once its stop signal is raised, no
/// rider is taken on any more: what was not written is not started.
#[derive(Default)]
pub(crate) struct Riders {
    next_id: AtomicU64,
    queue: Mutex<VecDeque<Rider>>,
    stop: StopSignal,
}

impl Riders {
    pub(crate) fn new(stop: StopSignal) -> Self {
        Self {
            stop,
            ..Self::default()
        }
    }

    /// The signal that stops the sending.
    pub(crate) fn stop(&self) -> &StopSignal {
        &self.stop
    }

    /// Queues a send of `body` to `to`.
    pub(crate) fn join(&self, to: Address, body: Arc<Vec<u8>>) -> Ticket {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let written = Arc::new(AtomicU8::new(Written::Nothing as u8));
        let (handoff, receiver) = oneshot::channel();
        self.lock().push_back(Rider {
            id,
            to,
            body,
            written: Arc::clone(&written),
            handoff,
        });
        Ticket {
            id,
            handoff: receiver,
            written,
        }
    }

    /// Takes the rider `id` out of the queue; `false` if a connection has
    /// taken it on already (its handoff is then coming).
    pub(crate) fn withdraw(&self, id: u64) -> bool {
        let mut queue = self.lock();
        match queue.iter().position(|rider| rider.id == id) {
            Some(at) => {
                queue.remove(at);
                true
            }
            None => false,
        }
    }

    /// The longest-waiting rider whose send is still there, for a
    /// connection to take on.
    pub(crate) fn take(&self) -> Option<Rider> {
        if self.stop.is_stopped() {
            return None;
        }
        let mut queue = self.lock();
        while let Some(rider) = queue.pop_front() {
            if !rider.handoff.is_closed() {
                return Some(rider);
            }
        }
        None
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Rider>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(n: u32) -> Address {
        format!("r{n}@example.com").parse().expect("address")
    }

    #[test]
    fn riders_are_taken_in_the_order_they_came() {
        let riders = Riders::default();
        let _a = riders.join(address(1), Arc::new(b"a".to_vec()));
        let _b = riders.join(address(2), Arc::new(b"b".to_vec()));
        assert_eq!(riders.take().map(|r| r.to), Some(address(1)));
        assert_eq!(riders.take().map(|r| r.to), Some(address(2)));
        assert!(riders.take().is_none());
    }

    #[test]
    fn a_withdrawn_rider_is_never_taken_and_a_taken_one_cannot_withdraw() {
        let riders = Riders::default();
        let a = riders.join(address(1), Arc::new(b"a".to_vec()));
        let b = riders.join(address(2), Arc::new(b"b".to_vec()));
        assert!(riders.withdraw(a.id), "still queued: withdrawn");
        let taken = riders.take().expect("b is queued");
        assert_eq!(taken.to, address(2));
        assert!(!riders.withdraw(b.id), "taken: its handoff is coming");
    }

    #[test]
    fn a_rider_whose_send_is_gone_is_skipped() {
        let riders = Riders::default();
        drop(riders.join(address(1), Arc::new(b"a".to_vec())));
        let _b = riders.join(address(2), Arc::new(b"b".to_vec()));
        assert_eq!(riders.take().map(|r| r.to), Some(address(2)));
    }

    #[test]
    fn once_stopped_no_rider_is_taken_on() {
        let (stopper, stop) = StopSignal::new();
        let riders = Riders::new(stop);
        let ticket = riders.join(address(1), Arc::new(b"a".to_vec()));
        stopper.stop();
        assert!(riders.take().is_none());
        assert!(riders.withdraw(ticket.id), "it is still there to withdraw");
    }

    #[test]
    fn what_was_written_is_seen_by_the_rider() {
        let riders = Riders::default();
        let ticket = riders.join(address(1), Arc::new(b"a".to_vec()));
        assert_eq!(ticket.written(), Written::Nothing);
        let rider = riders.take().expect("queued");
        rider.note_written(Written::Message);
        assert_eq!(ticket.written(), Written::Message);
    }
}
