//! `postpilot user …`: Пользователи, with the database's full access (the
//! CLI runs where the database is). Passwords never come as arguments:
//! `POSTPILOT_PASSWORD`, else a prompt on the terminal, else one line of
//! standard input (see `password.rs`).

use clap::Subcommand;
use postpilot_core::{EmailAddress, FullName, Role, TokenName};

use super::page::PageArgs;
use crate::parse::{self, Text};

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add a user; prints its id. The password is read from
    /// POSTPILOT_PASSWORD, else asked for twice on the terminal, else read
    /// as one line of standard input.
    Add {
        /// The login: an email address, unique in any letter case.
        #[arg(long, value_parser = Text(parse::email))]
        email: EmailAddress,
        /// Ф. И. О.: one line, at most 100 characters.
        #[arg(long, value_parser = Text(parse::full_name))]
        name: FullName,
        /// user (sees and changes only their own), manager (sees everyone's,
        /// blocks users, disables mailings) or admin (everything).
        #[arg(long, default_value = "user", value_parser = Text(parse::role))]
        role: Role,
    },
    /// Users by id, with role, state and last login.
    List(PageArgs),
    /// Block a user: their sessions end and their API tokens stop working.
    Block {
        #[arg(value_parser = Text(parse::email))]
        email: EmailAddress,
    },
    /// Unblock a user.
    Unblock {
        #[arg(value_parser = Text(parse::email))]
        email: EmailAddress,
    },
    /// Change a user's role.
    Role {
        #[arg(value_parser = Text(parse::email))]
        email: EmailAddress,
        /// user, manager or admin.
        #[arg(value_parser = Text(parse::role))]
        role: Role,
    },
    /// Set a user's password (read as for `add`); ends their sessions.
    Passwd {
        #[arg(value_parser = Text(parse::email))]
        email: EmailAddress,
    },
    /// Make an API token of a user's and print it, this once, alone on
    /// standard output: the API takes it as `Authorization: Bearer TOKEN`
    /// and acts as that user. With --as, only one's own.
    Token {
        #[arg(value_parser = Text(parse::email))]
        email: EmailAddress,
        /// What the token is for, as Токены API lists it: one line, at
        /// most 100 characters.
        #[arg(long, value_parser = Text(parse::token_name))]
        name: TokenName,
    },
}
