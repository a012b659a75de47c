//! Domain types: only valid values can be built.

mod email;
mod ids;
mod invalid;
mod mailing;
mod message;
mod recipient;
mod sending;
mod status;
mod text;
mod visible;

pub use email::EmailAddress;
pub use ids::{AttemptId, DeliveryId, MailingId, MessageId, RecipientId, RunId};
pub use invalid::{InvalidField, Problem};
pub use mailing::{Mailing, MailingPatch, NewMailing, RecipientIds, RecipientsEdit, Window};
pub use message::{Message, MessagePatch, NewMessage};
pub use recipient::{NewRecipient, Recipient, RecipientPatch};
pub use sending::{
    Claim, Delivery, DeliveryResult, Launch, LeaseToken, NextStep, Page, Reach, RunMessage,
    Selection, SendAttempt, SendRun, Stats, Trigger,
};
pub use status::{AttemptStatus, MailingStatus, UnknownCode};
pub use text::{BodyText, Comment, FullName, Subject};
pub use visible::{is_hidden, visible, visible_lines};
