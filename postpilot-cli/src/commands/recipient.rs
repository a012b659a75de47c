//! `postpilot recipient …`

use postpilot_core::ports::Store;
use postpilot_core::{Recipient, RecipientPatch};

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
    let recipients = app.recipients();
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
            out.created(&r, r.id.get())?;
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
            out.list(&all, &["id", "email", "full_name", "comment"], rows)?;
        }
        RecipientCmd::Show { id } => show(&recipients.get(id).await?, out)?,
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
            show(&recipients.edit(id, patch).await?, out)?;
        }
        RecipientCmd::Delete { id } => {
            recipients.delete(id).await?;
            out.done(&format!("recipient {id} deleted"))?;
        }
        RecipientCmd::Import { file } => csv_io::import(&recipients, &file, out).await?,
        RecipientCmd::Export { file } => csv_io::export(&recipients, file.as_deref(), out).await?,
    }
    Ok(())
}

fn show(r: &Recipient, out: Output) -> anyhow::Result<()> {
    out.record(
        r,
        &[
            ("id", r.id.to_string()),
            ("email", r.email.to_string()),
            ("full_name", r.full_name.to_string()),
            ("comment", r.comment.to_string()),
        ],
    )
}
