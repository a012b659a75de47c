//! The lists' repository port.

use async_trait::async_trait;

use super::error::StoreError;
use crate::domain::{ListId, ListName, Page, RecipientList, RecipientPage, Search, Selection};

/// Lists: named groups of recipients.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ListRepository: Send + Sync {
    /// # Errors
    /// `Duplicate` (field `name`) when a list has this name.
    async fn insert_list(&self, name: &ListName) -> Result<RecipientList, StoreError>;

    /// # Errors
    /// `NotFound`.
    async fn get_list(&self, id: ListId) -> Result<RecipientList, StoreError>;

    /// Lists ordered by name, then id.
    ///
    /// # Errors
    /// `Backend` only.
    async fn list_lists(&self, page: Page) -> Result<Vec<RecipientList>, StoreError>;

    /// # Errors
    /// `NotFound`; `Duplicate` (field `name`) when another list has this name.
    async fn rename_list(&self, id: ListId, name: &ListName) -> Result<RecipientList, StoreError>;

    /// Deletes the list; its recipients and the mailings fed by it stay.
    ///
    /// # Errors
    /// `NotFound`.
    async fn delete_list(&self, id: ListId) -> Result<(), StoreError>;

    /// The list's members the search finds (all without one), ordered by
    /// id, with how many there are in all.
    ///
    /// # Errors
    /// `NotFound` for the list.
    async fn list_members<'a>(
        &self,
        id: ListId,
        search: Option<&'a Search>,
        page: Page,
    ) -> Result<RecipientPage, StoreError>;

    /// Adds the selected recipients to the list in one statement (members
    /// stay as they are); returns how many were added.
    ///
    /// # Errors
    /// `NotFound` for the list, the list selected, or the first missing
    /// recipient of `Selection::Ids`; then nothing changes.
    async fn add_list_members(&self, id: ListId, which: &Selection) -> Result<u64, StoreError>;

    /// Removes the selected recipients from the list (not from the store)
    /// in one statement; returns how many were removed.
    ///
    /// # Errors
    /// As [`ListRepository::add_list_members`].
    async fn remove_list_members(&self, id: ListId, which: &Selection) -> Result<u64, StoreError>;
}
