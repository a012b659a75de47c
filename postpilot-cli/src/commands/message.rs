//! `postpilot message …`

use std::io::Read;
use std::path::Path;

use postpilot_core::ports::Store;
use postpilot_core::{visible, BodyHtml, BodyText, Message, MessagePatch, NewMessage};
use postpilot_http::json::{MessageJson, PreviewJson, TestSentJson};

use crate::app::App;
use crate::cli::MessageCmd;
use crate::error::CliError;
use crate::output::{clip, time, Output};

pub async fn run<S: Store + Clone + 'static>(
    app: &App<S>,
    cmd: MessageCmd,
    out: Output,
) -> Result<(), CliError> {
    let messages = &app.uses.messages;
    match cmd {
        MessageCmd::Add {
            subject,
            body,
            html,
        } => {
            let body_text = body_from(body.body, body.body_file.as_deref())?
                .ok_or_else(|| CliError::invalid("one of --body or --body-file is required"))?;
            let body_html = html_from(html.html, html.html_file.as_deref())?;
            let m = messages
                .add(NewMessage {
                    subject,
                    body_text,
                    body_html,
                })
                .await?;
            let id = m.id.get();
            out.created(&MessageJson::from(m), id)?;
        }
        MessageCmd::List(page) => {
            let all = messages.list(page.page()).await?;
            let rows = all
                .iter()
                .map(|m| {
                    vec![
                        m.id.to_string(),
                        m.subject.to_string(),
                        clip(m.body_text.as_str(), 40),
                        time(m.created_at),
                    ]
                })
                .collect();
            let json: Vec<MessageJson> = all.into_iter().map(Into::into).collect();
            out.list(&json, &["id", "subject", "body_text", "created_at"], rows)?;
        }
        MessageCmd::Show { id } => show(messages.get(id).await?, out)?,
        MessageCmd::Edit {
            id,
            subject,
            body,
            html,
            no_html,
        } => {
            let body_text = body_from(body.body, body.body_file.as_deref())?;
            let body_html = if no_html {
                Some(None)
            } else {
                html_from(html.html, html.html_file.as_deref())?.map(Some)
            };
            let patch = MessagePatch {
                subject,
                body_text,
                body_html,
            };
            show(messages.edit(id, patch).await?, out)?;
        }
        MessageCmd::Delete { id } => {
            messages.delete(id).await?;
            out.done(&format!("message {id} deleted"))?;
        }
        MessageCmd::Preview { id, recipient } => {
            let letter = app.previews()?.preview(id, recipient).await?;
            let json = PreviewJson::from(letter);
            out.record(
                &json,
                &[
                    ("to", format!("{} <{}>", json.to_name, json.to)),
                    ("subject", json.subject.clone()),
                    ("body_text", json.body_text.clone()),
                    (
                        "body_html",
                        json.body_html.as_deref().unwrap_or("(none)").to_owned(),
                    ),
                    // The email exactly as the mailer would send it.
                    ("raw", json.raw.replace("\r\n", "\n")),
                ],
            )?;
        }
        MessageCmd::Test { id, recipient, to } => {
            let (letter, reply) = app.previews()?.send_test(id, recipient, to).await?;
            app.close_mailer().await;
            if out.json {
                Output::json(&TestSentJson {
                    email: letter.into(),
                    reply: reply.0,
                })?;
            } else {
                println!("test email to {} sent: {}", letter.to, visible(&reply.0));
            }
        }
    }
    Ok(())
}

/// The body from `--body`, or read from `--body-file` (`-` is standard input).
fn body_from(body: Option<BodyText>, file: Option<&Path>) -> Result<Option<BodyText>, CliError> {
    let Some(path) = file else { return Ok(body) };
    let text = read_capped(path, "--body-file", "body_text")?;
    BodyText::parse(&text)
        .map(Some)
        .map_err(|e| CliError::invalid(format!("--body-file {}: {e}", path.display())))
}

/// The HTML version from `--html`, or read from `--html-file`.
fn html_from(html: Option<BodyHtml>, file: Option<&Path>) -> Result<Option<BodyHtml>, CliError> {
    let Some(path) = file else { return Ok(html) };
    let text = read_capped(path, "--html-file", "body_html")?;
    BodyHtml::parse(&text)
        .map(Some)
        .map_err(|e| CliError::invalid(format!("--html-file {}: {e}", path.display())))
}

/// The text of `path` (`-` is standard input) for `option`.
fn read_capped(path: &Path, option: &str, field: &str) -> Result<String, CliError> {
    // Read no more than the longest body can take (4 bytes a character),
    // so that `--body-file /dev/zero` is refused instead of eating memory.
    let cap = 4 * BodyText::MAX_CHARS as u64;
    let mut text = String::new();
    let read = if path == Path::new("-") {
        std::io::stdin().take(cap + 1).read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(cap + 1).read_to_string(&mut text))
    };
    read.map_err(|e| CliError::invalid(format!("{option} {}: {e}", path.display())))?;
    if text.len() as u64 > cap {
        return Err(CliError::invalid(format!(
            "{option} {}: {field}: must be at most {} characters",
            path.display(),
            BodyText::MAX_CHARS
        )));
    }
    Ok(text)
}

fn show(m: Message, out: Output) -> anyhow::Result<()> {
    let fields = [
        ("id", m.id.to_string()),
        ("subject", m.subject.to_string()),
        ("created_at", time(m.created_at)),
        ("body_text", m.body_text.to_string()),
        (
            "body_html",
            m.body_html
                .as_ref()
                .map_or_else(|| "(none)".to_owned(), ToString::to_string),
        ),
    ];
    out.record(&MessageJson::from(m), &fields)
}
