//! The JSON the API speaks (ARCHITECTURE.md, "HTTP": the seed's field
//! names, RFC 3339 times), kept apart from the domain types so the contract
//! is explicit and documented; the CLI's `--json` prints the same shapes
//! (`crate::json`). Inputs arrive as plain values and are validated by the
//! domain's own parsers, which name the field at fault. One file per entity.

mod lists;
mod mailings;
mod messages;
mod pages;
mod recipients;
mod runs;
mod selection;
mod stats;
mod users;

pub use lists::{ListJson, ListNameJson, MembersAddedJson, MembersRemovedJson};
pub use mailings::{
    MailingJson, MailingPatchJson, MailingStatusJson, MailingSummaryJson, NewMailingJson,
    RecipientsAddedJson, RecipientsRemovedJson,
};
pub use messages::{
    MessageJson, MessagePatchJson, NewMessageJson, PreviewJson, PreviewRequestJson, TestSendJson,
    TestSentJson,
};
pub use pages::{
    AttemptList, ListList, ListMemberList, MailingList, MailingRecipientList, MessageList,
    RecipientList, RunList, SuppressedList, UserList,
};
pub use recipients::{NewRecipientJson, RecipientJson, RecipientPatchJson};
pub use runs::{AttemptJson, AttemptStatusJson, LaunchJson, RunJson, SendJson, TriggerJson};
pub(crate) use selection::recipient_ids;
pub use selection::SelectionJson;
pub use stats::StatsJson;
pub use users::{
    ListedUserJson, MeJson, NewTokenJson, NewUserJson, RoleJson, TokenJson, TokenMadeJson, UserJson,
};
