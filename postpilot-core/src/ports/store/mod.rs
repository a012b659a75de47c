//! Repository ports, one file per repository. Adapters implement them over
//! a database; they speak only domain types and map their own errors onto
//! [`StoreError`] (ARCHITECTURE.md, "Ports").

use crate::domain::Scope;

mod access;
mod attempts;
mod delivery;
mod error;
mod instance;
mod lists;
mod mailings;
mod messages;
mod queue;
mod recipients;
mod runs;
mod stats;
mod suppression;
mod users;

pub use access::AccessRepository;
#[cfg(any(test, feature = "mocks"))]
pub use access::MockAccessRepository;
#[cfg(any(test, feature = "mocks"))]
pub use attempts::MockAttemptRepository;
pub use attempts::{AttemptRepository, RECENT_ATTEMPTS};
pub use delivery::DeliveryRepository;
pub use error::{BoxError, Entity, StoreError};
pub use instance::InstanceRepository;
#[cfg(any(test, feature = "mocks"))]
pub use instance::MockInstanceRepository;
pub use lists::ListRepository;
#[cfg(any(test, feature = "mocks"))]
pub use lists::MockListRepository;
pub use mailings::MailingRepository;
#[cfg(any(test, feature = "mocks"))]
pub use mailings::MockMailingRepository;
pub use messages::MessageRepository;
#[cfg(any(test, feature = "mocks"))]
pub use messages::MockMessageRepository;
#[cfg(any(test, feature = "mocks"))]
pub use queue::MockQueueRepository;
pub use queue::QueueRepository;
#[cfg(any(test, feature = "mocks"))]
pub use recipients::MockRecipientRepository;
pub use recipients::RecipientRepository;
#[cfg(any(test, feature = "mocks"))]
pub use runs::MockRunRepository;
pub use runs::RunRepository;
#[cfg(any(test, feature = "mocks"))]
pub use stats::MockStatsRepository;
pub use stats::StatsRepository;
#[cfg(any(test, feature = "mocks"))]
pub use suppression::MockSuppressionRepository;
pub use suppression::SuppressionRepository;
#[cfg(any(test, feature = "mocks"))]
pub use users::MockUserRepository;
pub use users::UserRepository;

/// A store handle that sees and changes only what a [`Scope`] allows
/// (ARCHITECTURE.md, "Users and ownership"): every repository call through
/// it applies the scope's owner filter, in the store, so that no caller can
/// leave it out. A handle made by an adapter's constructor sees everything
/// (the system's scope). Reads filter by `sees`; writes, and the objects a
/// write names (a mailing's message, the recipients or list added), by
/// `changes`: anything else is `NotFound`. Runs, deliveries and attempts
/// belong to their mailing's owner. Not scoped, because only the system's
/// handle calls them: the delivery engine's (`QueueRepository`, and of
/// `RunRepository` `finish_run_if_done`, `unfinished_runs`, `next_due`,
/// `run_message`; `MailingRepository::due_mailings`), `InstanceRepository`,
/// users and access.
pub trait Scoped: Sized {
    /// This store, scoped. Cheap: handles share the connections.
    #[must_use]
    fn scoped(&self, scope: Scope) -> Self;

    /// The scope of this handle.
    fn scope(&self) -> Scope;
}

/// Everything a store offers; what the front ends are generic over.
pub trait Store:
    RecipientRepository
    + MessageRepository
    + MailingRepository
    + DeliveryRepository
    + StatsRepository
    + ListRepository
    + InstanceRepository
    + SuppressionRepository
    + UserRepository
    + AccessRepository
    + Scoped
{
}

impl<T> Store for T where
    T: RecipientRepository
        + MessageRepository
        + MailingRepository
        + DeliveryRepository
        + StatsRepository
        + ListRepository
        + InstanceRepository
        + SuppressionRepository
        + UserRepository
        + AccessRepository
        + Scoped
{
}
