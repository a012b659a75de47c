//! A list: a named group of recipients. A recipient may be in several
//! lists; a list feeds a mailing's recipients (`Selection::List`).

use super::{ListId, ListName};

/// A stored list, with how many recipients are in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientList {
    pub id: ListId,
    pub name: ListName,
    pub member_count: u64,
}
