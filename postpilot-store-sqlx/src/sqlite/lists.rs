//! Списки on SQLite: the shared statements (`crate::lists`,
//! `crate::selection`) under SQLite's write lock.

use async_trait::async_trait;
use postpilot_core::domain::{
    ListId, ListName, Page, RecipientList, RecipientPage, Search, Selection,
};
use postpilot_core::ports::{Entity, ListRepository, StoreError};

use super::{commit, Sql, SqliteStore};
use crate::errors::backend;
use crate::lists::DELETE_LIST;
use crate::selection::Owner;

#[async_trait]
impl ListRepository for SqliteStore {
    async fn insert_list(&self, name: &ListName) -> Result<RecipientList, StoreError> {
        let doing = "inserting a list";
        let mut tx = self.write(doing).await?;
        let list = Sql::insert_list(&mut tx, name).await?;
        commit(tx, doing).await?;
        Ok(list)
    }

    async fn get_list(&self, id: ListId) -> Result<RecipientList, StoreError> {
        Sql::get_list(&self.reader, id).await
    }

    async fn list_lists(&self, page: Page) -> Result<Vec<RecipientList>, StoreError> {
        Sql::list_lists(&self.reader, page).await
    }

    async fn rename_list(&self, id: ListId, name: &ListName) -> Result<RecipientList, StoreError> {
        let doing = format!("renaming list {id}");
        let mut tx = self.write(&doing).await?;
        let list = Sql::rename_list(&mut tx, id, name).await?;
        commit(tx, &doing).await?;
        Ok(list)
    }

    async fn delete_list(&self, id: ListId) -> Result<(), StoreError> {
        // Memberships go by ON DELETE CASCADE.
        Sql::delete(&self.writer, DELETE_LIST, Entity::List, id.get()).await
    }

    async fn list_members<'a>(
        &self,
        id: ListId,
        search: Option<&'a Search>,
        page: Page,
    ) -> Result<RecipientPage, StoreError> {
        // One snapshot for the count and the page.
        let mut tx = self
            .reader
            .begin()
            .await
            .map_err(backend(format!("listing the members of list {id}")))?;
        Sql::list_members(&mut tx, id, search, page).await
    }

    async fn add_list_members(&self, id: ListId, which: &Selection) -> Result<u64, StoreError> {
        let doing = format!("adding members to list {id}");
        let mut tx = self.write(&doing).await?;
        let added = Sql::add_members(&mut tx, Owner::List(id), which).await?;
        commit(tx, &doing).await?;
        Ok(added)
    }

    async fn remove_list_members(&self, id: ListId, which: &Selection) -> Result<u64, StoreError> {
        let doing = format!("removing members from list {id}");
        let mut tx = self.write(&doing).await?;
        let removed = Sql::remove_members(&mut tx, Owner::List(id), which).await?;
        commit(tx, &doing).await?;
        Ok(removed)
    }
}
