//! `postpilot mailing …` (sending, with its progress, in `send.rs`)

mod send;

use postpilot_core::ports::Store;
use postpilot_core::usecases::MailingView;
use postpilot_core::{
    Audience, MailingId, MailingPatch, NewMailing, RecipientIds, RecipientPage, RecipientsEdit,
    Selection, SendRun, Window,
};
use postpilot_http::json::{
    AttemptJson, LaunchJson, MailingJson, MailingSummaryJson, RecipientJson, RecipientsAddedJson,
    RecipientsRemovedJson, RunJson,
};
use postpilot_http::labels;
use serde::Serialize;

use crate::app::App;
use crate::cli::{MailingCmd, MailingRecipientsCmd, PageArgs, SelectionArgs};
use crate::error::CliError;
use crate::output::{clip, time, Output};

pub async fn run<S: Store + Clone + 'static>(
    app: &App<S>,
    cmd: MailingCmd,
    out: Output,
) -> Result<(), CliError> {
    let mailings = &app.uses.mailings;
    match cmd {
        MailingCmd::Add {
            message,
            start,
            end,
            recipients,
        } => {
            let ids = if recipients.all_recipients {
                app.uses.recipients.all_ids().await?
            } else {
                recipients.ids
            };
            let new = NewMailing {
                window: Window::new(start, end)?,
                message_id: message,
                recipient_ids: RecipientIds::new(ids)?,
            };
            let view = mailings.add(new).await?;
            let id = view.mailing.id;
            let json = MailingJson::new(view, mailings.recipient_ids(id).await?);
            out.created(&json, id.get())?;
        }
        MailingCmd::List(page) => {
            let all = mailings.list(page.page()).await?;
            let rows = all
                .iter()
                .map(|v| {
                    let m = &v.mailing;
                    vec![
                        m.id.to_string(),
                        status(v),
                        time(m.first_sent_at),
                        time(m.sent_completed_at),
                        m.message_id.to_string(),
                        m.recipient_count.to_string(),
                    ]
                })
                .collect();
            let json: Vec<MailingSummaryJson> = all.into_iter().map(Into::into).collect();
            out.list(
                &json,
                &[
                    "id",
                    "status",
                    "first_sent_at",
                    "sent_completed_at",
                    "message",
                    "recipients",
                ],
                rows,
            )?;
        }
        MailingCmd::Show { id } => show(app, id, out).await?,
        MailingCmd::Edit {
            id,
            message,
            start,
            end,
            recipients,
        } => {
            let edit = if recipients.all_recipients {
                RecipientsEdit::Replace(RecipientIds::new(app.uses.recipients.all_ids().await?)?)
            } else if recipients.ids.is_empty() {
                RecipientsEdit::Keep
            } else {
                RecipientsEdit::Replace(RecipientIds::new(recipients.ids)?)
            };
            let patch = MailingPatch {
                first_sent_at: start,
                sent_completed_at: end,
                message_id: message,
                recipients: edit,
            };
            mailings.edit(id, patch).await?;
            show(app, id, out).await?;
        }
        MailingCmd::Delete { id } => {
            mailings.delete(id).await?;
            out.done(&format!("mailing {id} deleted with its runs and attempts"))?;
        }
        MailingCmd::Send {
            id,
            detach,
            only_unsent,
        } => {
            let selection = if only_unsent {
                Audience::OnlyUnsent
            } else {
                Audience::Everyone
            };
            send::send(app, id, detach, selection, out).await?;
        }
        MailingCmd::Disable { id } => {
            mailings.set_disabled(&app.actor, id, true).await?;
            show(app, id, out).await?;
        }
        MailingCmd::Enable { id } => {
            mailings.set_disabled(&app.actor, id, false).await?;
            show(app, id, out).await?;
        }
        MailingCmd::Attempts { id, page } => attempts(app, id, page, out).await?,
        MailingCmd::Runs { id } => {
            let runs = app.uses.history.runs(id).await?;
            let launchers = launchers(app, &runs).await;
            let rows = runs.iter().zip(&launchers).map(run_row).collect();
            let json: Vec<RunJson> = runs.into_iter().map(Into::into).collect();
            out.list(&json, &RUN_HEADER, rows)?;
        }
        MailingCmd::Recipients(cmd) => recipients(app, cmd, out).await?,
    }
    Ok(())
}

/// A page of recipients in JSON: the API's recipients and how many there
/// are in all (the API's pages also say their offset and limit).
#[derive(Serialize)]
struct RecipientPageJson {
    items: Vec<RecipientJson>,
    total: u64,
}

/// A page of recipients (a mailing's or a list's members): a table with
/// "N of TOTAL" under it, or `{items, total}` in JSON.
pub(crate) fn recipient_page(out: Output, found: RecipientPage) -> anyhow::Result<()> {
    let rows = found
        .items
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.email.to_string(),
                r.full_name.to_string(),
            ]
        })
        .collect();
    let shown = found.items.len();
    let json = RecipientPageJson {
        items: found.items.into_iter().map(Into::into).collect(),
        total: found.total,
    };
    out.list(&json, &["id", "email", "full_name"], rows)?;
    if !out.json {
        println!("{shown} of {}", json.total);
    }
    Ok(())
}

/// The one selection the options name (clap lets only one through).
pub(crate) fn selection(which: SelectionArgs) -> Result<Selection, CliError> {
    Ok(match (which.all, which.search, which.list) {
        (true, ..) => Selection::All,
        (false, Some(search), _) => Selection::Matching(search),
        (false, None, Some(list)) => Selection::List(list),
        (false, None, None) => Selection::Ids(RecipientIds::new(which.ids)?),
    })
}

async fn recipients<S: Store + Clone + 'static>(
    app: &App<S>,
    cmd: MailingRecipientsCmd,
    out: Output,
) -> Result<(), CliError> {
    let mailings = &app.uses.mailings;
    match cmd {
        MailingRecipientsCmd::Add { id, which } => {
            let added = mailings.add_recipients(id, &selection(which)?).await?;
            let recipient_count = mailings.get(id).await?.mailing.recipient_count;
            if out.json {
                Output::json(&RecipientsAddedJson {
                    added,
                    recipient_count,
                })?;
            } else {
                println!("{added} added to mailing {id}; it has {recipient_count} recipients");
            }
        }
        MailingRecipientsCmd::Remove { id, which } => {
            let removed = mailings.remove_recipients(id, &selection(which)?).await?;
            let recipient_count = mailings.get(id).await?.mailing.recipient_count;
            if out.json {
                Output::json(&RecipientsRemovedJson {
                    removed,
                    recipient_count,
                })?;
            } else {
                println!(
                    "{removed} removed from mailing {id}; it has {recipient_count} recipients"
                );
            }
        }
        MailingRecipientsCmd::List { id, search, page } => {
            let found = mailings
                .recipients(id, search.as_ref(), page.page())
                .await?;
            recipient_page(out, found)?;
        }
    }
    Ok(())
}

async fn show<S: Store + Clone + 'static>(
    app: &App<S>,
    id: MailingId,
    out: Output,
) -> Result<(), CliError> {
    let mailings = &app.uses.mailings;
    let view = mailings.get(id).await?;
    let recipient_ids = mailings.recipient_ids(id).await?;
    let runs = app.uses.history.runs(id).await?;
    let m = &view.mailing;
    let ids: Vec<String> = recipient_ids.iter().map(ToString::to_string).collect();
    let mut fields = vec![
        ("id", m.id.to_string()),
        ("status", status(&view)),
        ("first_sent_at", time(m.first_sent_at)),
        ("sent_completed_at", time(m.sent_completed_at)),
        ("message_id", m.message_id.to_string()),
        (
            "recipients",
            format!("{}: {}", ids.len(), clip(&ids.join(", "), 60)),
        ),
    ];
    for run in runs.iter().zip(&launchers(app, &runs).await) {
        fields.push(("run", run_row(run).join("  ")));
    }
    out.record(&MailingJson::new(view, recipient_ids), &fields)?;
    Ok(())
}

/// `Запущена (running)`, and `, disabled since …` while it is.
fn status(view: &MailingView) -> String {
    let status = view.status;
    let mut text = format!("{} ({})", labels::mailing_status(status), status.code());
    if let Some(disabled) = &view.mailing.disabled {
        text.push_str(&format!(", disabled since {}", time(disabled.at)));
    }
    text
}

const RUN_HEADER: [&str; 9] = [
    "run",
    "trigger",
    "launched_by",
    "started_at",
    "finished_at",
    "total",
    "sent",
    "failed",
    "pending",
];

fn run_row((r, launcher): (&SendRun, &String)) -> Vec<String> {
    vec![
        r.id.to_string(),
        r.trigger.to_string(),
        launcher.clone(),
        time(r.started_at),
        r.finished_at.map_or_else(|| "-".into(), time),
        r.total.to_string(),
        r.sent.to_string(),
        r.failed.to_string(),
        r.pending().to_string(),
    ]
}

/// Who launched each of `runs`: `anna@example.com`, `anna@example.com via
/// API token "ci" (id 3)`, or `system` (the CLI without `--as`, the
/// server's token, the scheduler); each user read once.
async fn launchers<S: Store + Clone + 'static>(app: &App<S>, runs: &[SendRun]) -> Vec<String> {
    let mut known = std::collections::HashMap::new();
    let mut launchers = Vec::with_capacity(runs.len());
    for run in runs {
        let user = match (run.launched_by, known.get(&run.launched_by)) {
            (_, Some(user)) => String::clone(user),
            (None, None) => "system".to_owned(),
            (Some(id), None) => match app.uses.accounts.get(id).await {
                Ok(user) => user.email.to_string(),
                Err(_) => format!("user {id}"),
            },
        };
        known.insert(run.launched_by, user.clone());
        launchers.push(match &run.launched_via {
            Some(token) => format!(
                "{user} via API token {:?} (id {})",
                token.name.as_str(),
                token.id
            ),
            None => user,
        });
    }
    launchers
}

async fn attempts<S: Store + Clone + 'static>(
    app: &App<S>,
    id: MailingId,
    page: PageArgs,
    out: Output,
) -> Result<(), CliError> {
    let all = app.uses.history.attempts(id, page.page()).await?;
    let rows = all
        .iter()
        .map(|a| {
            vec![
                a.id.to_string(),
                time(a.attempt_at),
                a.email.to_string(),
                format!("{} ({})", labels::attempt_status(a.status), a.status.code()),
                clip(&a.response, 70),
            ]
        })
        .collect();
    let json: Vec<AttemptJson> = all.into_iter().map(Into::into).collect();
    out.list(
        &json,
        &["id", "attempt_at", "email", "status", "response"],
        rows,
    )?;
    Ok(())
}

/// What `mailing send` prints in JSON: the API's answer to a send (the run
/// and whether it was resumed), and how the command went.
#[derive(Debug, Serialize)]
pub(super) struct SendSummary {
    #[serde(flatten)]
    pub(super) launch: LaunchJson,
    pub(super) detached: bool,
    pub(super) elapsed_seconds: f64,
}

/// `; skipped N unsubscribed, M bouncing` when the launch left anyone out.
pub(super) fn skipped(run: &SendRun) -> String {
    if run.skipped_unsubscribed == 0 && run.skipped_bounced == 0 {
        return String::new();
    }
    format!(
        "; skipped {} unsubscribed, {} bouncing",
        run.skipped_unsubscribed, run.skipped_bounced
    )
}
