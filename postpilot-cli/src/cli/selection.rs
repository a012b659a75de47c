//! Which recipients a change of members is about.

use clap::Args;
use postpilot_core::{ListId, RecipientId, Search};

use crate::parse::{self, Text};

/// Which recipients: exactly one of these.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SelectionArgs {
    /// A recipient id; repeat for each recipient.
    #[arg(long = "recipient", value_name = "ID")]
    pub ids: Vec<RecipientId>,
    /// Every recipient there is.
    #[arg(long)]
    pub all: bool,
    /// Every recipient whose email or name holds this text (any letter case).
    #[arg(long, value_parser = Text(parse::search))]
    pub search: Option<Search>,
    /// Every member of this list.
    #[arg(long, value_name = "LIST_ID")]
    pub list: Option<ListId>,
}
