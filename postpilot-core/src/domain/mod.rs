//! Domain types: only valid values can be built.

mod access;
mod email;
mod ids;
mod instance;
mod invalid;
mod list;
mod listing;
mod mailing;
mod message;
mod password;
mod recipient;
mod selection;
mod sender;
mod sending;
mod status;
mod template;
mod text;
mod unsubscribe;
mod user;
mod visible;

pub use access::{AccessKey, ApiTokenInfo, KeyHash, Link, LinkPurpose, Session};
pub use email::EmailAddress;
pub use ids::{
    AttemptId, DeliveryId, ListId, MailingId, MessageId, RecipientId, RunId, TokenId, UserId,
};
pub use instance::InstanceId;
pub use invalid::{InvalidField, Problem};
pub use list::RecipientList;
pub use listing::{
    AttemptCursor, AttemptFilter, AttemptListing, Direction, Listed, Listing, MailingOrder,
    MessageOrder, RecipientOrder, Sort,
};
pub use mailing::{
    Disabled, Mailing, MailingPatch, NewMailing, RecipientIds, RecipientsEdit, Window,
};
pub use message::{Message, MessagePatch, NewMessage};
pub use password::{dummy_check, Password, PasswordHash};
pub use recipient::{NewRecipient, Recipient, RecipientPatch};
pub use selection::{RecipientPage, Search, Selection, FOLDED_CAPITALS};
pub use sender::Sender;
pub use sending::{
    Audience, Claim, Delivery, DeliveryResult, Launch, LeaseToken, NextStep, Page, Reach,
    RunMessage, RunToken, SendAttempt, SendRun, Stats, Trigger,
};
pub use status::{AttemptStatus, MailingStatus, UnknownCode};
pub use template::{Fields, Personalised, RenderError, Rendered, VARIABLES};
pub use text::{BodyHtml, BodyText, Comment, FullName, ListName, Subject, TokenName};
pub use unsubscribe::{PublicUrl, Suppression, UnsubscribeLinks, UnsubscribeSecret};
pub use user::{Actor, NewUser, Owners, Role, Scope, User, UserCounts};
pub use visible::{is_hidden, visible, visible_lines};
