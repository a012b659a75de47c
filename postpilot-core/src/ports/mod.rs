//! Ports: what the core needs from the outside world.

pub mod clock;
pub mod mailer;
pub mod store;

pub use clock::Clock;
#[cfg(feature = "tokio")]
pub use clock::SystemClock;
pub use mailer::{Content, MailError, Mailer, OutgoingEmail, ServerReply};
pub use store::{
    AccessRepository, AttemptRepository, BoxError, DeliveryRepository, Entity, InstanceRepository,
    ListRepository, MailingRepository, MessageRepository, QueueRepository, RecipientRepository,
    RunRepository, Scoped, StatsRepository, Store, StoreError, SuppressionRepository,
    UserRepository, RECENT_ATTEMPTS,
};
