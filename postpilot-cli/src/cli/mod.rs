//! The command tree (ARCHITECTURE.md, "CLI"). Values are parsed into domain types here, so
//! bad input is refused by clap with exit code 2 before anything is touched.

mod global;
mod list;
mod mailing;
mod message;
mod page;
mod recipient;
mod recipient_choice;
mod selection;
mod serve;
#[cfg(test)]
mod tests;
mod user;

pub use global::Global;
pub use list::{ListCmd, ListMembersCmd};
pub use mailing::{MailingCmd, MailingRecipientsCmd};
pub use message::MessageCmd;
pub use page::PageArgs;
pub use recipient::RecipientCmd;
pub use selection::SelectionArgs;
pub use serve::ServeArgs;
pub use user::UserCmd;

use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::parse;

/// postpilot: keep recipients and messages, group them into mailings, send
/// them and keep a record of every attempt.
#[derive(Debug, Parser)]
#[command(name = "postpilot", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Получатели: add, list, show, edit, delete, import and export recipients.
    #[command(subcommand)]
    Recipient(RecipientCmd),
    /// Сообщения: add, list, show, edit and delete messages.
    #[command(subcommand)]
    Message(MessageCmd),
    /// Рассылки: manage mailings, send them, read their attempts.
    #[command(subcommand)]
    Mailing(MailingCmd),
    /// Списки: named groups of recipients, to choose a mailing's recipients by.
    #[command(subcommand)]
    List(ListCmd),
    /// Пользователи: add users, list, block and unblock them, change roles
    /// and passwords (the database's full access).
    #[command(subcommand)]
    User(UserCmd),
    /// The home-page figures: mailings, active mailings, unique recipients.
    Stats,
    /// Apply database migrations (done on every start anyway).
    Migrate,
    /// Deliver queued runs and launch mailings whose first send time has come.
    Worker {
        /// Exit once no run is left unfinished and no mailing is due.
        #[arg(long)]
        until_idle: bool,
        /// Wait between passes when there is nothing to do (at most 1h).
        #[arg(long, default_value = "2s", value_parser = parse::poll)]
        poll: Duration,
    },
    /// Serve the JSON API (/api/v1) and the web UI; prints a login URL.
    Serve(ServeArgs),
    /// DKIM: what to publish in DNS for the key given with the --dkim-* options.
    #[command(subcommand)]
    Dkim(DkimCmd),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

impl Command {
    /// Whether the command delivers mail (and does little else).
    pub fn is_delivery(&self) -> bool {
        matches!(
            self,
            Self::Worker { .. } | Self::Mailing(MailingCmd::Send { detach: false, .. })
        )
    }
}

#[derive(Debug, Subcommand)]
pub enum DkimCmd {
    /// Print the DNS TXT record publishing the public key of --dkim-key at
    /// --dkim-selector._domainkey.--dkim-domain (zone-file form).
    Record,
}
