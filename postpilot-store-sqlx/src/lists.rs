//! Lists of recipients: the row every backend reads and the mapping of a
//! refused write, shared. The SQL is each backend's (`sqlite/lists.rs`,
//! `postgres/lists.rs`).

use postpilot_core::domain::{ListId, ListName, RecipientList};
use postpilot_core::ports::{Entity, StoreError};

use crate::errors::decode;

#[derive(sqlx::FromRow)]
pub(crate) struct ListRow {
    id: i64,
    name: String,
    member_count: i64,
}

impl TryFrom<ListRow> for RecipientList {
    type Error = StoreError;
    fn try_from(row: ListRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: ListId(row.id),
            name: decode("recipient_list.name", ListName::parse(&row.name))?,
            member_count: u64::try_from(row.member_count).unwrap_or(0),
        })
    }
}

/// A write refused for a name another list has is `Duplicate`.
pub(crate) fn list_write_error(
    doing: String,
    name: &ListName,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    let name = name.to_string();
    move |err| match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate {
            entity: Entity::List,
            field: "name",
            value: name,
        },
        _ => StoreError::backend(doing, err),
    }
}
