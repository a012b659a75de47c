//! Dispatch of the command tree onto the use cases the composition root
//! (`app`) built.

pub mod dkim;
mod list;
mod mailing;
mod message;
mod recipient;
mod serve;
mod stats;
mod user;
mod worker;

pub use serve::os_signal;

use crate::app::App;
use crate::cli::Command;
use crate::error::CliError;
use crate::output::Output;

use postpilot_core::ports::Store;

/// Runs `work` to its end, but once `stop` is raised gives it at most `cap`
/// more: `None` when it was cut short. Sends finish within the SMTP
/// deadline once a sender is asked to stop; the cap bounds the rest.
async fn within_cap<T>(
    work: impl std::future::Future<Output = T>,
    stop: &postpilot_core::usecases::StopSignal,
    cap: std::time::Duration,
) -> Option<T> {
    let deadline = async {
        stop.stopped().await;
        tokio::time::sleep(cap).await;
    };
    tokio::select! {
        done = work => Some(done),
        () = deadline => None,
    }
}

/// Says that the sends in flight were cut short after `cap`.
fn cut_short(cap: std::time::Duration) {
    eprintln!(
        "postpilot: sends still in flight {cap:?} after the stop; exiting anyway: \
         their deliveries are taken up again once their lease has passed"
    );
}

pub async fn dispatch<S: Store + Clone + 'static>(
    app: &App<S>,
    command: Command,
) -> Result<(), CliError> {
    let out = Output {
        json: app.global.json,
    };
    match command {
        Command::Recipient(cmd) => recipient::run(app, cmd, out).await,
        Command::Message(cmd) => message::run(app, cmd, out).await,
        Command::Mailing(cmd) => mailing::run(app, cmd, out).await,
        Command::List(cmd) => list::run(app, cmd, out).await,
        Command::Stats => stats::run(app, out).await,
        Command::User(cmd) => user::run(app, cmd, out).await,
        Command::Serve(args) => serve::run(app, args).await,
        Command::Worker { until_idle, poll } => worker::run(app, until_idle, poll, out).await,
        Command::Migrate | Command::Completions { .. } | Command::Dkim(_) => Ok(()),
    }
}
