//! A list's (Список's) JSON.

use postpilot_core::{InvalidField, ListName, RecipientList};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::rules::{self, as_sent};

/// Список: a named group of recipients.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListJson {
    pub id: i64,
    #[schema(example = "Клиенты 2026")]
    pub name: String,
    /// How many recipients are in the list.
    pub member_count: u64,
}

impl From<RecipientList> for ListJson {
    fn from(l: RecipientList) -> Self {
        Self {
            id: l.id.get(),
            name: l.name.into_string(),
            member_count: l.member_count,
        }
    }
}

/// A list's name, to create or rename it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListNameJson {
    #[schema(schema_with = rules::list_name)]
    pub name: String,
}

impl ListNameJson {
    pub fn validate(self) -> Result<ListName, InvalidField> {
        ListName::parse(as_sent("name", &self.name, ListName::MAX_CHARS)?)
    }
}

/// What adding members did.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembersAddedJson {
    /// Recipients added (those already in the list are not counted).
    pub added: u64,
    /// The list's members now.
    pub member_count: u64,
}

/// What removing members did.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembersRemovedJson {
    /// Recipients removed from the list (they stay in the store).
    pub removed: u64,
    /// The list's members now.
    pub member_count: u64,
}
