//! `postpilot recipient …`

use std::path::PathBuf;

use clap::Subcommand;
use postpilot_core::{Comment, EmailAddress, FullName, RecipientId};

use super::page::PageArgs;
use crate::parse::{self, Text};

#[derive(Debug, Subcommand)]
pub enum RecipientCmd {
    /// Add a recipient; prints its id.
    Add {
        #[arg(long, value_parser = Text(parse::email))]
        email: EmailAddress,
        /// Ф. И. О., at most 100 characters.
        #[arg(long, value_parser = Text(parse::full_name))]
        name: FullName,
        #[arg(long, value_parser = Text(parse::comment))]
        comment: Option<Comment>,
    },
    /// List recipients.
    List(PageArgs),
    /// Show one recipient.
    Show { id: RecipientId },
    /// Change some fields of a recipient.
    Edit {
        id: RecipientId,
        #[arg(long, value_parser = Text(parse::email))]
        email: Option<EmailAddress>,
        #[arg(long, value_parser = Text(parse::full_name))]
        name: Option<FullName>,
        #[arg(long, value_parser = Text(parse::comment))]
        comment: Option<Comment>,
    },
    /// Delete a recipient (its past attempts are kept).
    Delete { id: RecipientId },
    /// Import recipients from a CSV file with the header email,full_name[,comment].
    Import { file: PathBuf },
    /// Export recipients as CSV to FILE, or to standard output.
    Export { file: Option<PathBuf> },
    /// List the recipients who unsubscribed or whose address bounced, with when.
    Suppressed(PageArgs),
    /// Send to a recipient again: clear their unsubscribe and bounce marks.
    Resubscribe { id: RecipientId },
}
