//! `postpilot worker`: delivers queued runs (any number of workers may share
//! one PostgreSQL database) and launches mailings at their first send time.

use std::time::Duration;

use postpilot_core::ports::Store;
use postpilot_core::SendRun;

use crate::app::App;
use crate::error::CliError;
use crate::output::Output;

pub async fn run<S: Store + Clone + 'static>(
    app: &App<S>,
    until_idle: bool,
    poll: Duration,
    out: Output,
) -> Result<(), CliError> {
    // Ctrl-C or SIGTERM (`app.stop`): stop claiming, finish and record the
    // sends in flight, hand back the rest, exit; at the latest after `cap`.
    let worker = app.worker(poll)?;
    let stop = &app.stop;
    let cap = app.stop_cap();
    let report = |r: &SendRun| {
        tracing::info!(run = %r.id, sent = r.sent, failed = r.failed, pending = r.pending(), "progress");
    };
    if until_idle {
        let Some(total) = super::within_cap(worker.run_until_idle(&report), stop, cap).await else {
            super::cut_short(cap);
            return Err(anyhow::anyhow!("stopped before every run was delivered").into());
        };
        let total = total?;
        if stop.is_stopped() && total.unfinished > 0 {
            return Err(anyhow::anyhow!(
                "stopped with {} run(s) unfinished; unsent deliveries were handed back",
                total.unfinished
            )
            .into());
        }
        if out.json {
            Output::json(&serde_json::json!({
                "launched": total.launched,
                "delivered": total.delivered,
                "unfinished": total.unfinished,
            }))?;
        } else {
            println!(
                "worker idle: launched {} mailings, delivered {} emails",
                total.launched, total.delivered
            );
        }
        return Ok(());
    }
    eprintln!("postpilot worker: delivering queued runs; Ctrl-C to stop");
    match super::within_cap(worker.run(&report), stop, cap).await {
        Some(done) => {
            done?;
            eprintln!("postpilot worker: stopped; unsent deliveries were handed back");
        }
        None => super::cut_short(cap),
    }
    Ok(())
}
