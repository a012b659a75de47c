//! The JSON shape of each entity, the API's (`/api/v1`), for other front
//! ends to print the same: the CLI's `--json` (ARCHITECTURE.md, "HTTP" and
//! "CLI"). One shape per entity, defined once in `api/model/`.

pub use crate::api::model::{
    AttemptJson, AttemptStatusJson, LaunchJson, ListJson, ListedUserJson, MailingJson,
    MailingStatusJson, MailingSummaryJson, MembersAddedJson, MembersRemovedJson, MessageJson,
    PreviewJson, RecipientJson, RecipientsAddedJson, RecipientsRemovedJson, RunJson, StatsJson,
    TestSentJson, TokenJson, TokenMadeJson, TriggerJson, UserJson,
};
pub use crate::api::suppression::{SuppressedJson, SuppressionJson};
