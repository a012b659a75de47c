//! A request to stop gracefully (SIGTERM, Ctrl-C), seen by every
//! long-running use case: senders stop claiming, finish and record what is
//! in flight, hand back what they had not started, and return. See
//! ARCHITECTURE.md, "Shutdown".

use std::future::Future;

use futures::channel::oneshot;
use futures::future::{BoxFuture, FutureExt, Shared};

/// Cheap to clone; every clone sees the same request.
#[derive(Clone)]
pub struct StopSignal(Shared<BoxFuture<'static, ()>>);

impl std::fmt::Debug for StopSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopSignal")
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

/// Raises its [`StopSignal`]. Dropping it raises nothing.
#[derive(Debug)]
pub struct Stopper(Option<oneshot::Sender<()>>);

impl Stopper {
    /// Asks everything watching the signal to stop.
    pub fn stop(mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

impl StopSignal {
    /// A signal and the handle that raises it.
    pub fn new() -> (Stopper, Self) {
        let (tx, rx) = oneshot::channel::<()>();
        let raised = async move {
            // A dropped `Stopper` never raises the signal.
            if rx.await.is_err() {
                futures::future::pending::<()>().await;
            }
        };
        (Stopper(Some(tx)), Self(raised.boxed().shared()))
    }

    /// Raised when `future` completes (for example on a signal from the OS).
    pub fn on(future: impl Future<Output = ()> + Send + 'static) -> Self {
        Self(future.boxed().shared())
    }

    /// A signal that is never raised: what embedders get by default.
    pub fn never() -> Self {
        Self(futures::future::pending::<()>().boxed().shared())
    }

    /// Whether a stop has been asked for.
    pub fn is_stopped(&self) -> bool {
        self.0.clone().now_or_never().is_some()
    }

    /// Completes once a stop has been asked for.
    pub async fn stopped(&self) {
        self.0.clone().await;
    }
}

impl Default for StopSignal {
    fn default() -> Self {
        Self::never()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_signal_is_not_raised_until_its_stopper_stops() {
        let (stopper, signal) = StopSignal::new();
        let watcher = signal.clone();
        assert!(!signal.is_stopped());
        stopper.stop();
        assert!(signal.is_stopped());
        assert!(watcher.is_stopped(), "every clone sees the stop");
        assert_eq!(watcher.stopped().now_or_never(), Some(()));
    }

    #[test]
    fn dropping_the_stopper_raises_nothing() {
        let (stopper, signal) = StopSignal::new();
        drop(stopper);
        assert!(!signal.is_stopped());
        assert!(!StopSignal::never().is_stopped());
    }

    #[test]
    fn a_signal_on_a_future_is_raised_when_it_completes() {
        let (tx, rx) = oneshot::channel::<()>();
        let signal = StopSignal::on(async move {
            let _ = rx.await;
        });
        assert!(!signal.is_stopped());
        tx.send(()).expect("receiver alive");
        assert!(signal.is_stopped());
    }
}
