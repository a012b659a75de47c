//! Lists (Списки in the UI): named groups of recipients, and their members.

use crate::domain::{ListId, ListName, Page, RecipientList, RecipientPage, Search, Selection};
use crate::error::Result;
use crate::ports::ListRepository;

/// Lists and their members.
#[derive(Debug, Clone)]
pub struct Lists<R> {
    repo: R,
}

impl<R: ListRepository> Lists<R> {
    pub fn new(repo: R) -> Self {
        Self { repo }
    }

    /// # Errors
    /// `Duplicate` when a list has this name.
    pub async fn add(&self, name: &ListName) -> Result<RecipientList> {
        Ok(self.repo.insert_list(name).await?)
    }

    /// # Errors
    /// `NotFound`.
    pub async fn get(&self, id: ListId) -> Result<RecipientList> {
        Ok(self.repo.get_list(id).await?)
    }

    /// Lists by name.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn list(&self, page: Page) -> Result<Vec<RecipientList>> {
        Ok(self.repo.list_lists(page).await?)
    }

    /// # Errors
    /// `NotFound`; `Duplicate` when another list has this name.
    pub async fn rename(&self, id: ListId, name: &ListName) -> Result<RecipientList> {
        Ok(self.repo.rename_list(id, name).await?)
    }

    /// Deletes the list, not its recipients.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete(&self, id: ListId) -> Result<()> {
        Ok(self.repo.delete_list(id).await?)
    }

    /// # Errors
    /// `NotFound` for the list.
    pub async fn members(
        &self,
        id: ListId,
        search: Option<&Search>,
        page: Page,
    ) -> Result<RecipientPage> {
        Ok(self.repo.list_members(id, search, page).await?)
    }

    /// Adds the selected recipients; returns how many were added.
    ///
    /// # Errors
    /// `NotFound` for the list, the list selected or a recipient named.
    pub async fn add_members(&self, id: ListId, which: &Selection) -> Result<u64> {
        Ok(self.repo.add_list_members(id, which).await?)
    }

    /// Removes the selected recipients from the list; returns how many.
    ///
    /// # Errors
    /// As [`Lists::add_members`].
    pub async fn remove_members(&self, id: ListId, which: &Selection) -> Result<u64> {
        Ok(self.repo.remove_list_members(id, which).await?)
    }
}
