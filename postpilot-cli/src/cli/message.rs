//! `postpilot message …` and where a body comes from.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use postpilot_core::{BodyHtml, BodyText, EmailAddress, MessageId, RecipientId, Subject};

use super::page::PageArgs;
use crate::parse::{self, Text};

#[derive(Debug, Subcommand)]
pub enum MessageCmd {
    /// Add a message; prints its id.
    Add {
        /// Тема письма: one line, at most 100 characters.
        #[arg(long, value_parser = Text(parse::subject))]
        subject: Subject,
        #[command(flatten)]
        body: BodyArgs,
        #[command(flatten)]
        html: HtmlArgs,
    },
    /// List messages.
    List(PageArgs),
    /// Show one message with its body.
    Show { id: MessageId },
    /// Change the subject or the body of a message.
    Edit {
        id: MessageId,
        #[arg(long, value_parser = Text(parse::subject))]
        subject: Option<Subject>,
        #[command(flatten)]
        body: OptionalBodyArgs,
        #[command(flatten)]
        html: HtmlArgs,
        /// Remove the HTML version: the email goes as text only.
        #[arg(long, conflicts_with_all = ["html", "html_file"])]
        no_html: bool,
    },
    /// Delete a message no mailing uses.
    Delete { id: MessageId },
    /// Show the email a recipient would get: headers and body, exactly as
    /// the configured mailer would send it. Sends nothing.
    Preview {
        id: MessageId,
        /// Whose fields fill the template.
        #[arg(long)]
        recipient: RecipientId,
    },
    /// Send the email a recipient would get to one address only (a test):
    /// no run, attempt or statistics is recorded.
    Test {
        id: MessageId,
        /// Whose fields fill the template.
        #[arg(long)]
        recipient: RecipientId,
        /// Where the test goes.
        #[arg(long, value_parser = Text(parse::email))]
        to: EmailAddress,
    },
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct BodyArgs {
    /// Тело письма as text.
    #[arg(long, value_parser = Text(parse::body))]
    pub body: Option<BodyText>,
    /// Read the body from a file (`-` for standard input).
    #[arg(long)]
    pub body_file: Option<PathBuf>,
}

/// The optional HTML version, sent beside the text as multipart/alternative.
#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct HtmlArgs {
    /// HTML-версия as text: a template like the body, its values HTML-escaped.
    #[arg(long, value_parser = Text(parse::body_html))]
    pub html: Option<BodyHtml>,
    /// Read the HTML version from a file (`-` for standard input).
    #[arg(long)]
    pub html_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct OptionalBodyArgs {
    #[arg(long, value_parser = Text(parse::body))]
    pub body: Option<BodyText>,
    #[arg(long)]
    pub body_file: Option<PathBuf>,
}
