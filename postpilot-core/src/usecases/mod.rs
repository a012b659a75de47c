//! Use cases: what users do, generic over the ports.

mod accounts;
#[cfg(test)]
mod accounts_tests;
mod history;
mod letters;
mod lists;
mod mailings;
mod messages;
mod pace;
mod policy;
mod preview;
mod recipients;
mod send;
mod stats;
mod stop;
mod wired;
mod worker;
#[cfg(test)]
mod worker_tests;

#[cfg(test)]
mod send_disabled_tests;
#[cfg(test)]
mod send_fault_tests;
#[cfg(test)]
mod send_tests;
#[cfg(test)]
mod send_unsubscribe_tests;

pub use accounts::{Accounts, LoggedIn, SETUP_KEY_TTL};
pub use history::History;
pub use lists::Lists;
pub use mailings::{MailingView, Mailings};
pub use messages::Messages;
pub use policy::{
    later, SendPolicy, MAX_LEASE, MAX_RETRY_BACKOFF, MAX_RETRY_DELAY, MAX_STORE_PATIENCE, MAX_TRIES,
};
pub use preview::{Letter, Previews};
pub use recipients::Recipients;
pub use send::{Progress, SendMailing, SendStore, DISABLED, GAVE_UP, WINDOW_CLOSED};
pub use stats::Statistics;
pub use stop::{StopSignal, Stopper};
pub use wired::UseCases;
pub use worker::{Pass, Worker};
