//! A mailing's recipients by id, or all of them.

use clap::Args;
use postpilot_core::RecipientId;

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct RecipientArgs {
    /// A recipient id; repeat for each recipient.
    #[arg(long = "recipient", value_name = "ID")]
    pub ids: Vec<RecipientId>,
    /// Every recipient there is now.
    #[arg(long)]
    pub all_recipients: bool,
}

#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct OptionalRecipientArgs {
    /// Replace the recipients with these ids; repeat for each.
    #[arg(long = "recipient", value_name = "ID")]
    pub ids: Vec<RecipientId>,
    /// Replace the recipients with every recipient there is now.
    #[arg(long)]
    pub all_recipients: bool,
}
