//! `postpilot recipient …`

use postpilot_core::ports::Store;
use postpilot_core::{Recipient, RecipientPatch, Suppression};
use postpilot_http::json::{RecipientJson, SuppressedJson, SuppressionJson};
use serde::Serialize;

use crate::app::App;
use crate::cli::RecipientCmd;
use crate::csv_io;
use crate::error::CliError;
use crate::output::{clip, Output};

pub async fn run<S: Store + Clone + 'static>(
    app: &App<S>,
    cmd: RecipientCmd,
    out: Output,
) -> Result<(), CliError> {
    let recipients = &app.uses.recipients;
    match cmd {
        RecipientCmd::Add {
            email,
            name,
            comment,
        } => {
            let new = postpilot_core::NewRecipient {
                email,
                full_name: name,
                comment: comment.unwrap_or_default(),
            };
            let r = recipients.add(new).await?;
            let id = r.id.get();
            out.created(&RecipientJson::from(r), id)?;
        }
        RecipientCmd::List(page) => {
            let all = recipients.list(page.page()).await?;
            let rows = all
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.email.to_string(),
                        r.full_name.to_string(),
                        clip(r.comment.as_str(), 40),
                    ]
                })
                .collect();
            let json: Vec<RecipientJson> = all.into_iter().map(Into::into).collect();
            out.list(&json, &["id", "email", "full_name", "comment"], rows)?;
        }
        RecipientCmd::Show { id } => {
            let r = recipients.get(id).await?;
            show(r, app.uses.store().suppression(id).await?, out)?;
        }
        RecipientCmd::Edit {
            id,
            email,
            name,
            comment,
        } => {
            let patch = RecipientPatch {
                email,
                full_name: name,
                comment,
            };
            let r = recipients.edit(id, patch).await?;
            show(r, app.uses.store().suppression(id).await?, out)?;
        }
        RecipientCmd::Delete { id } => {
            recipients.delete(id).await?;
            out.done(&format!("recipient {id} deleted"))?;
        }
        RecipientCmd::Import { file } => csv_io::import(recipients, &file, out).await?,
        RecipientCmd::Export { file } => csv_io::export(recipients, file.as_deref(), out).await?,
        RecipientCmd::Suppressed(page) => {
            let all = app.uses.store().suppressed(page.page()).await?;
            let rows = all
                .iter()
                .map(|(r, marks)| {
                    let [unsubscribed_at, bounced_at, bounce_reply] = mark_fields(marks);
                    vec![
                        r.id.to_string(),
                        r.email.to_string(),
                        unsubscribed_at,
                        bounced_at,
                        bounce_reply,
                    ]
                })
                .collect();
            let json: Vec<SuppressedJson> = all.into_iter().map(Into::into).collect();
            out.list(
                &json,
                &[
                    "id",
                    "email",
                    "unsubscribed_at",
                    "bounced_at",
                    "bounce_reply",
                ],
                rows,
            )?;
        }
        RecipientCmd::Resubscribe { id } => {
            app.uses.store().resubscribe(id).await?;
            out.done(&format!(
                "recipient {id} resubscribed: later runs send to them again"
            ))?;
        }
    }
    Ok(())
}

/// A recipient with its unsubscribe and bounce marks, as JSON shows it: the
/// API's recipient (`GET /api/v1/recipients/{id}`) and, beside its fields,
/// the API's marks (`GET /api/v1/recipients/{id}/suppression`).
#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    recipient: RecipientJson,
    #[serde(flatten)]
    marks: SuppressionJson,
}

/// `unsubscribed_at`, `bounced_at`, `bounce_reply` as text (empty: unset).
fn mark_fields(marks: &Suppression) -> [String; 3] {
    let time =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    [
        time(marks.unsubscribed_at),
        time(marks.bounced_at),
        clip(marks.bounce_reply.as_deref().unwrap_or_default(), 60),
    ]
}

/// The recipient; the marks too (as a table, only when there are any:
/// JSON always has them).
fn show(r: Recipient, marks: Suppression, out: Output) -> anyhow::Result<()> {
    let mut fields = vec![
        ("id", r.id.to_string()),
        ("email", r.email.to_string()),
        ("full_name", r.full_name.to_string()),
        ("comment", r.comment.to_string()),
    ];
    if !marks.is_clear() {
        let [unsubscribed_at, bounced_at, bounce_reply] = mark_fields(&marks);
        fields.extend([
            ("unsubscribed_at", unsubscribed_at),
            ("bounced_at", bounced_at),
            ("bounce_reply", bounce_reply),
        ]);
    }
    out.record(
        &Shown {
            recipient: r.into(),
            marks: marks.into(),
        },
        &fields,
    )
}
