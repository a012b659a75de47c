//! Sending from the API and the UI: launch the run in the request (so its
//! answer carries the run, or 409 when the mailing is completed), then
//! deliver it in the background, inside the server.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use postpilot_core::{Launch, MailingId, RunId, SendRun, Trigger};
use tokio_util::task::TaskTracker;

use crate::state::{AppClock, AppMailer, AppState, AppStore};

/// The deliveries running in the background. At shutdown the server waits
/// for them a while; a run cut short is resumed by the next send.
#[derive(Debug, Clone, Default)]
pub struct Deliveries {
    tracker: TaskTracker,
    running: Arc<Mutex<HashSet<RunId>>>,
}

/// Takes a run off the running set however its task ends.
struct Running {
    run: RunId,
    set: Arc<Mutex<HashSet<RunId>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.run);
    }
}

impl Deliveries {
    /// Runs `delivery` of `run` in the background unless this server is
    /// already delivering that run. Returns whether it was started.
    fn spawn<F>(&self, run: RunId, delivery: F) -> bool
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let fresh = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(run);
        if fresh {
            let guard = Running {
                run,
                set: Arc::clone(&self.running),
            };
            self.tracker.spawn(async move {
                let _guard = guard;
                delivery.await;
            });
        }
        fresh
    }

    /// How many runs are being delivered now.
    pub fn in_progress(&self) -> usize {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Waits until every background delivery has ended, at most `grace`.
    /// Returns whether they all ended.
    pub async fn wait(&self, grace: Duration) -> bool {
        self.tracker.close();
        let ended = tokio::time::timeout(grace, self.tracker.wait())
            .await
            .is_ok();
        self.tracker.reopen();
        ended
    }
}

/// Launches (or resumes) a run of `mailing` and delivers it in the background.
///
/// # Errors
/// As `SendMailing::launch`: `MailingCompleted`, `NotFound`.
pub(crate) async fn launch<S: AppStore, M: AppMailer, C: AppClock>(
    app: &AppState<S, M, C>,
    mailing: MailingId,
    trigger: Trigger,
) -> postpilot_core::Result<Launch> {
    let sender = app.sender();
    let launch = sender.launch(mailing, trigger).await?;
    let metrics = app.metrics().clone();
    metrics.run_launched(trigger, launch.resumed);
    let run = launch.run.id;
    let task_metrics = metrics.clone();
    let started = app.deliveries().spawn(run, async move {
        let progress = |_: &SendRun| {};
        task_metrics.delivery_started();
        let finished = match sender.deliver(run, &progress).await {
            Ok(done) => {
                tracing::info!(run = %run, sent = done.sent, failed = done.failed, "background delivery ended");
                done.is_finished()
            }
            Err(err) => {
                tracing::error!(run = %run, error = %err, "background delivery failed; the next send resumes it");
                false
            }
        };
        task_metrics.delivery_ended(finished);
    });
    if !started {
        tracing::debug!(run = %run, "run already being delivered here");
    }
    Ok(launch)
}
