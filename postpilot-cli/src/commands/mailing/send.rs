//! `postpilot mailing send`: launch a run and deliver it, with a progress
//! bar, stopping gracefully on Ctrl-C or SIGTERM.

use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use postpilot_core::ports::Store;
use postpilot_core::{Audience, MailingId, SendRun, Trigger};
use postpilot_http::json::LaunchJson;

use super::{skipped, SendSummary};
use crate::app::App;
use crate::error::CliError;
use crate::output::Output;

pub(super) async fn send<S: Store + Clone + 'static>(
    app: &App<S>,
    id: MailingId,
    detach: bool,
    selection: Audience,
    out: Output,
) -> Result<(), CliError> {
    let sender = app.sender()?;
    let started = Instant::now();
    if detach {
        let launch = sender.launch(id, Trigger::Cli, selection).await?;
        let r = &launch.run;
        if out.json {
            Output::json(&SendSummary {
                launch: LaunchJson {
                    run: r.clone().into(),
                    resumed: launch.resumed,
                },
                detached: true,
                elapsed_seconds: 0.0,
            })?;
        } else {
            let how = if launch.resumed { "resumed" } else { "queued" };
            println!(
                "mailing {id}: run {} {how} with {} deliveries ({} pending){}",
                r.id,
                r.total,
                r.pending(),
                skipped(r)
            );
        }
        return Ok(());
    }
    let bar = progress_bar(out);
    let on_progress = {
        let bar = bar.clone();
        move |r: &SendRun| {
            bar.set_length(r.total);
            bar.set_position(r.sent + r.failed);
            bar.set_message(format!("sent {} · failed {}", r.sent, r.failed));
        }
    };
    // Ctrl-C or SIGTERM (`app.stop`, which the sender watches): stop
    // claiming, finish and record the sends in flight, hand back the rest;
    // the run stays unfinished. At the latest after `cap`.
    let cap = app.stop_cap();
    let sent = crate::commands::within_cap(
        sender.send(id, Trigger::Cli, selection, &on_progress),
        &app.stop,
        cap,
    )
    .await;
    bar.finish_and_clear();
    let Some(sent) = sent else {
        crate::commands::cut_short(cap);
        return Err(anyhow::anyhow!(
            "stopped before the run was delivered; `postpilot mailing send {id}` resumes it"
        )
        .into());
    };
    let (launch, run) = sent?;
    let elapsed = started.elapsed().as_secs_f64();
    if out.json {
        Output::json(&SendSummary {
            launch: LaunchJson {
                run: run.clone().into(),
                resumed: launch.resumed,
            },
            detached: false,
            elapsed_seconds: elapsed,
        })?;
    } else {
        let how = if launch.resumed { " (resumed)" } else { "" };
        let ended = if run.is_finished() {
            "finished"
        } else {
            "stopped"
        };
        println!(
            "mailing {id}: run {}{how} {ended} in {elapsed:.1}s: {} sent, {} failed, {} pending of {}{}",
            run.id, run.sent, run.failed, run.pending(), run.total, skipped(&run)
        );
    }
    if !run.is_finished() && app.stop.is_stopped() {
        return Err(anyhow::anyhow!(
            "stopped before run {} finished: {} deliveries were not sent and were handed back; \
             `postpilot mailing send {id}` resumes the run",
            run.id,
            run.pending()
        )
        .into());
    }
    if let Some(reply) = app.mailer()?.login_refused() {
        return Err(anyhow::anyhow!(
            "the SMTP server refused the login: {reply}; sending stopped and the rest of \
             run {} is recorded as not sent. Check the user name and password of --smtp-url",
            run.id
        )
        .into());
    }
    if run.failed > 0 && app.uses.mailings.get(id).await?.mailing.is_disabled() {
        return Err(anyhow::anyhow!(
            "mailing {id} was disabled while it was being sent: sending stopped, and the {} \
             deliveries not made are recorded as failed (not sent); once it is enabled again, \
             `postpilot mailing send {id} --only-unsent` sends to them",
            run.failed
        )
        .into());
    }
    if run.failed > 0 {
        return Err(anyhow::anyhow!(
            "{} of {} deliveries failed; see `postpilot mailing attempts {id}`",
            run.failed,
            run.total
        )
        .into());
    }
    Ok(())
}

/// A bar on a terminal; nothing when stderr is piped or output is JSON.
fn progress_bar(out: Output) -> ProgressBar {
    if out.json {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    // Whole emails per second: indicatif's own `{per_sec}` shows four decimals.
    let style = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} · {rate} · ETA {eta}")
        .map(|style| {
            style.with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", state.per_sec());
                },
            )
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}
