//! Sending inside the server: one sender per process.
//!
//! A send from the API or the UI launches the run in the request (so its
//! answer carries the run, or 409 when the mailing is completed) and wakes
//! the server's one sender. That sender is the core's `Worker` over the
//! server's one mailer: it delivers every unfinished run, one at a time,
//! so the send policy's rate, concurrency and bound on unrecorded sends
//! hold for the whole process whatever launched the run. With
//! [`HttpConfig::schedule`](crate::HttpConfig::schedule) on it is also the
//! scheduler, launching each mailing whose first send time has come. When
//! [`HttpConfig::stop`](crate::HttpConfig::stop) is raised it stops
//! gracefully: no more claims, the sends in flight finish and are
//! recorded, the rest is handed back for the next sender.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use postpilot_core::ports::RunRepository;
use postpilot_core::usecases::Worker;
use postpilot_core::{Audience, Launch, MailingId, SendRun, Trigger};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::state::{AppState, Wiring};

/// The most unfinished runs the sender counts as in hand.
const IN_HAND_COUNTED: u32 = 100;

/// The server's sender, seen from outside: wake it, ask what it has in
/// hand, wait for it to stop. Cheap to clone; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Deliveries {
    inner: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    wake: Notify,
    task: Mutex<Task>,
    /// Unfinished runs in the sender's hands: the one it delivers, and
    /// those it comes back to (retries waiting).
    in_hand: AtomicUsize,
}

#[derive(Debug, Default)]
enum Task {
    #[default]
    NotStarted,
    Running(JoinHandle<()>),
    /// Waited for at shutdown: never started again.
    Closed,
}

impl Deliveries {
    /// Spawns the sender made by `sender`, unless it was started (or
    /// waited for) already.
    fn start_with<F: Future<Output = ()> + Send + 'static>(&self, sender: impl FnOnce() -> F) {
        let mut task = self
            .inner
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if matches!(*task, Task::NotStarted) {
            *task = Task::Running(tokio::spawn(sender()));
        }
    }

    /// Has the sender look for work now rather than after its poll interval.
    fn wake(&self) {
        self.inner.wake.notify_one();
    }

    fn set_in_hand(&self, runs: usize) {
        self.inner.in_hand.store(runs, Ordering::Relaxed);
    }

    /// How many unfinished runs the sender has in hand: the one it is
    /// delivering and those it will come back to.
    pub fn in_progress(&self) -> usize {
        self.inner.in_hand.load(Ordering::Relaxed)
    }

    /// Waits, once its stop signal has been raised, for the sender to stop:
    /// at most `grace`, after which it is cut short (its deliveries in
    /// flight are taken up again once their lease has passed). Returns
    /// whether it stopped by itself. A sender never started has nothing to
    /// wait for, and none is started afterwards.
    pub async fn wait(&self, grace: Duration) -> bool {
        let task = std::mem::replace(
            &mut *self
                .inner
                .task
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
            Task::Closed,
        );
        let Task::Running(mut handle) = task else {
            return true;
        };
        if tokio::time::timeout(grace, &mut handle).await.is_ok() {
            return true;
        }
        handle.abort();
        let _ = handle.await;
        false
    }
}

impl<W: Wiring> AppState<W> {
    /// Starts the server's one sender, unless it runs already: `serve`
    /// starts it with the server so that the scheduler runs; the first send
    /// from the API or the UI starts it otherwise.
    pub fn start_sending(&self) {
        let app = self.clone();
        self.deliveries().start_with(move || deliver(app));
    }
}

/// The sender: passes of the core's worker, each delivering what is due of
/// every unfinished run in turn (and, with the scheduler on, launching the
/// mailings whose time has come); between passes with nothing done it
/// waits for a wake, the next retry or the poll interval. Ends when the
/// stop signal is raised, once the pass under way has stopped gracefully.
async fn deliver<W: Wiring>(app: AppState<W>) {
    let config = app.config().clone();
    let stop = config.stop.clone();
    let mut worker = Worker::new(app.sender());
    worker.poll = config.poll;
    worker.schedule = config.schedule;
    let deliveries = app.deliveries().clone();
    let metrics = app.metrics().clone();
    let quiet = |_: &SendRun| {};
    while !stop.is_stopped() {
        if let Ok(runs) = app.store().unfinished_runs(IN_HAND_COUNTED).await {
            deliveries.set_in_hand(runs.len());
            metrics.deliveries_running(runs.len());
        }
        let busy = match worker.pass(&quiet).await {
            Ok(pass) => {
                metrics.pass_done(&pass);
                let left = pass.unfinished.saturating_sub(pass.finished);
                deliveries.set_in_hand(left);
                metrics.deliveries_running(left);
                pass.delivered > 0 || pass.launched > 0
            }
            // A long-running sender outlives a database hiccup.
            Err(e) => {
                tracing::error!(error = %crate::error::with_causes(&e), "sending pass failed; retrying");
                false
            }
        };
        if busy || stop.is_stopped() {
            continue;
        }
        let wait = worker.idle_wait().await.unwrap_or(config.poll);
        tokio::select! {
            () = deliveries.inner.wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
            () = stop.stopped() => {}
        }
    }
    deliveries.set_in_hand(0);
    metrics.deliveries_running(0);
    tracing::info!("the sender stopped");
}

/// Launches a run of `mailing` to the recipients `selection` takes (or
/// resumes its unfinished run) and has the server's sender deliver it at once.
///
/// # Errors
/// As `SendMailing::launch`: `MailingCompleted`, `NotFound`.
pub(crate) async fn launch<W: Wiring>(
    app: &AppState<W>,
    mailing: MailingId,
    trigger: Trigger,
    selection: Audience,
) -> postpilot_core::Result<Launch> {
    let launch = app.launcher().launch(mailing, trigger, selection).await?;
    app.metrics().run_launched(trigger, launch.resumed);
    if !app.config().stop.is_stopped() {
        // In hand from now on, before the sender's next pass counts it.
        app.deliveries()
            .inner
            .in_hand
            .fetch_max(1, Ordering::Relaxed);
    }
    app.start_sending();
    app.deliveries().wake();
    Ok(launch)
}
