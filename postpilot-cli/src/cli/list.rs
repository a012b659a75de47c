//! `postpilot list …` and its members.

use clap::Subcommand;
use postpilot_core::{ListId, ListName, Search};

use super::page::PageArgs;
use super::selection::SelectionArgs;
use crate::parse::{self, Text};

#[derive(Debug, Subcommand)]
pub enum ListCmd {
    /// Create a list; prints its id.
    Add {
        /// The list's name: one line, at most 100 characters, unique.
        #[arg(long, value_parser = Text(parse::list_name))]
        name: ListName,
    },
    /// Lists by name, with how many members each has.
    List(PageArgs),
    /// Show one list.
    Show { id: ListId },
    /// Rename a list.
    Rename {
        id: ListId,
        #[arg(long, value_parser = Text(parse::list_name))]
        name: ListName,
    },
    /// Delete a list (its recipients stay).
    Delete { id: ListId },
    /// Add, remove or list the members of a list.
    #[command(subcommand)]
    Members(ListMembersCmd),
}

#[derive(Debug, Subcommand)]
pub enum ListMembersCmd {
    /// Add recipients to the list (members stay); prints how many were added.
    Add {
        id: ListId,
        #[command(flatten)]
        which: SelectionArgs,
    },
    /// Remove recipients from the list (they stay recipients); prints how many were removed.
    Remove {
        id: ListId,
        #[command(flatten)]
        which: SelectionArgs,
    },
    /// List the members, by id.
    List {
        id: ListId,
        /// Only those whose email or name holds this text (any letter case).
        #[arg(long, value_parser = Text(parse::search))]
        search: Option<Search>,
        #[command(flatten)]
        page: PageArgs,
    },
}
