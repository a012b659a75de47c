//! Ports: what the core needs from the outside world.

pub mod clock;
pub mod mailer;
pub mod store;

#[cfg(feature = "tokio")]
pub use clock::TokioSleep;
pub use clock::{Clock, Sleep, SystemClock, ThreadSleep};
pub use mailer::{Content, MailError, Mailer, OutgoingEmail, ServerReply};
pub use store::{
    BoxError, DeliveryRepository, Entity, InstanceRepository, ListRepository, MailingRepository,
    MessageRepository, RecipientRepository, StatsRepository, Store, StoreError,
    SuppressionRepository, RECENT_ATTEMPTS,
};
