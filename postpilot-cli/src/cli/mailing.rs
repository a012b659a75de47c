//! `postpilot mailing …` and its recipients.

use chrono::{DateTime, Utc};
use clap::Subcommand;
use postpilot_core::{MailingId, MessageId, Search};

use super::page::PageArgs;
use super::recipient_choice::{OptionalRecipientArgs, RecipientArgs};
use super::selection::SelectionArgs;
use crate::parse::{self, Text};

#[derive(Debug, Subcommand)]
pub enum MailingCmd {
    /// Add a mailing; prints its id.
    Add {
        #[arg(long)]
        message: MessageId,
        /// First send time: RFC 3339 or `YYYY-MM-DD HH:MM` in the local zone.
        #[arg(long, value_parser = Text(parse::time))]
        start: DateTime<Utc>,
        /// End of sending, after --start.
        #[arg(long, value_parser = Text(parse::time))]
        end: DateTime<Utc>,
        #[command(flatten)]
        recipients: RecipientArgs,
    },
    /// List mailings with their status.
    List(PageArgs),
    /// Show one mailing with its recipients and runs.
    Show { id: MailingId },
    /// Change the window, the message or the recipients of a mailing.
    Edit {
        id: MailingId,
        #[arg(long)]
        message: Option<MessageId>,
        #[arg(long, value_parser = Text(parse::time))]
        start: Option<DateTime<Utc>>,
        #[arg(long, value_parser = Text(parse::time))]
        end: Option<DateTime<Utc>>,
        #[command(flatten)]
        recipients: OptionalRecipientArgs,
    },
    /// Delete a mailing with its runs and attempts.
    Delete { id: MailingId },
    /// Send a mailing now (or finish its unfinished run) and wait for it.
    Send {
        id: MailingId,
        /// Only enqueue the run and return; a later `send` (or a worker) delivers it.
        #[arg(long)]
        detach: bool,
        /// Send only to recipients no run of this mailing reached yet (whose
        /// last attempt failed, or who were never sent); without it, everyone
        /// gets the email again. An unfinished run is resumed either way.
        #[arg(long)]
        only_unsent: bool,
    },
    /// Disable a mailing (managers and admins): it is neither scheduled nor
    /// sent until enabled again, and a run of it under way stops at its next
    /// claim, recording what it did not send as not sent.
    Disable { id: MailingId },
    /// Enable a disabled mailing again (managers and admins).
    Enable { id: MailingId },
    /// The mailing's send attempts: time, recipient, status, server reply.
    Attempts {
        id: MailingId,
        #[command(flatten)]
        page: PageArgs,
    },
    /// The mailing's runs (each launch of sending) with their totals.
    Runs { id: MailingId },
    /// Add, remove or list a mailing's recipients, however many.
    #[command(subcommand)]
    Recipients(MailingRecipientsCmd),
}

#[derive(Debug, Subcommand)]
pub enum MailingRecipientsCmd {
    /// Add recipients to the mailing (those already in it stay); prints how many were added.
    Add {
        id: MailingId,
        #[command(flatten)]
        which: SelectionArgs,
    },
    /// Remove recipients from the mailing (they stay recipients); prints how many were removed.
    Remove {
        id: MailingId,
        #[command(flatten)]
        which: SelectionArgs,
    },
    /// List the mailing's recipients, by id.
    List {
        id: MailingId,
        /// Only those whose email or name holds this text (any letter case).
        #[arg(long, value_parser = Text(parse::search))]
        search: Option<Search>,
        #[command(flatten)]
        page: PageArgs,
    },
}
