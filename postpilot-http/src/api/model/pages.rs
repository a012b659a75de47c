//! Slices of long lists, one type per kind of item (so that the OpenAPI
//! document refers to the item's schema rather than repeating it).

use postpilot_core::RecipientPage;
use serde::Serialize;
use utoipa::ToSchema;

use super::lists::ListJson;
use super::mailings::MailingSummaryJson;
use super::messages::MessageJson;
use super::recipients::RecipientJson;
use super::runs::{AttemptJson, RunJson};
use super::users::ListedUserJson;
use crate::api::extract::Paging;
use crate::api::suppression::SuppressedJson;

/// A page of recipients, ordered by id, with how many the search finds
/// in all; one type per place they are listed.
macro_rules! counted_recipients {
    ($(#[$doc:meta])* $name:ident, $total:literal) => {
        $(#[$doc])*
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<RecipientJson>,
            /// Rows skipped (an offset beyond 9223372036854775807 is taken as that).
            pub offset: u64,
            /// Rows asked for, 1–1000.
            pub limit: u64,
            /// Where the next slice starts; null when this one was the last.
            pub next_offset: Option<u64>,
            #[doc = $total]
            pub total: u64,
        }

        impl $name {
            pub fn new(page: RecipientPage, paging: Paging) -> Self {
                let next = paging.offset.saturating_add(paging.limit);
                Self {
                    next_offset: (next < page.total).then_some(next),
                    items: page.items.into_iter().map(Into::into).collect(),
                    offset: paging.offset,
                    limit: paging.limit,
                    total: page.total,
                }
            }
        }
    };
}

counted_recipients!(
    /// A page of a mailing's recipients, ordered by id, with how many the
    /// search finds in all.
    MailingRecipientList,
    "How many recipients the search finds (all of the mailing's without one)."
);
counted_recipients!(
    /// A page of a list's members, ordered by id, with how many the search
    /// finds in all.
    ListMemberList,
    "How many members the search finds (all of the list's without one)."
);
/// A slice of a long list, one type per kind of item (so that the
/// OpenAPI document refers to the item's schema rather than repeating it).
/// `next_offset` is where the next slice starts, null when this one was
/// the last.
macro_rules! list_of {
    ($(#[$doc:meta])* $name:ident, $item:ty) => {
        $(#[$doc])*
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Rows skipped (an offset beyond 9223372036854775807 is taken as that).
            pub offset: u64,
            /// Rows asked for, 1–1000.
            pub limit: u64,
            /// Where the next slice starts; null when this one was the last.
            pub next_offset: Option<u64>,
        }

        impl $name {
            pub fn new<U: Into<$item>>(items: Vec<U>, paging: Paging) -> Self {
                let full = items.len() as u64 == paging.limit;
                Self {
                    next_offset: full.then(|| paging.offset + paging.limit),
                    items: items.into_iter().map(Into::into).collect(),
                    offset: paging.offset,
                    limit: paging.limit,
                }
            }
        }
    };
}

list_of!(
    /// Получатели, ordered by id.
    RecipientList,
    RecipientJson
);
list_of!(
    /// Recipients who unsubscribed or whose address bounced, ordered by id.
    SuppressedList,
    SuppressedJson
);
list_of!(
    /// Сообщения, ordered by id.
    MessageList,
    MessageJson
);
list_of!(
    /// Рассылки, ordered by id, each with its status now.
    MailingList,
    MailingSummaryJson
);
list_of!(
    /// Списки, by name.
    ListList,
    ListJson
);
list_of!(
    /// Пользователи, by id, each with their counts.
    UserList,
    ListedUserJson
);
list_of!(
    /// A mailing's runs, newest first.
    RunList,
    RunJson
);
list_of!(
    /// A mailing's attempts, in the order they were made.
    AttemptList,
    AttemptJson
);
