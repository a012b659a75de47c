//! Lists of recipients on PostgreSQL (`ListRepository`): the method bodies;
//! the statements are `sql/lists.rs`. Adding and removing members:
//! `members.rs`.

use async_trait::async_trait;
use postpilot_core::domain::{
    ListId, ListName, Page, RecipientList, RecipientPage, Search, Selection,
};
use postpilot_core::ports::{Entity, ListRepository, StoreError};
use sqlx::Postgres;

use super::members::{add_members, recipient_page, remove_members};
use super::{commit, PgStore};
use crate::errors::backend;
use crate::lists::{list_write_error, ListRow};
use crate::rows::{self, changed, found};
use crate::sql::lists as sql;
use crate::sql::members::Holder;

#[async_trait]
impl ListRepository for PgStore {
    async fn insert_list(&self, name: &ListName) -> Result<RecipientList, StoreError> {
        let doing = "inserting a list";
        let mut tx = self.begin(doing).await?;
        let id: i64 = sqlx::query_scalar(sql::INSERT_LIST)
            .bind(name.to_string())
            .bind(self.owners().new_owner)
            .fetch_one(&mut *tx)
            .await
            .map_err(list_write_error(doing.to_owned(), name))?;
        let list = list_in(&mut *tx, ListId(id), None).await?;
        commit(tx, doing).await?;
        Ok(list)
    }

    async fn get_list(&self, id: ListId) -> Result<RecipientList, StoreError> {
        list_in(&self.pool, id, self.owners().sees).await
    }

    async fn list_lists(&self, page: Page) -> Result<Vec<RecipientList>, StoreError> {
        let (limit, offset) = rows::page(page);
        let found: Vec<ListRow> = sqlx::query_as(sql::LIST_LISTS)
            .bind(limit)
            .bind(offset)
            .bind(self.owners().sees)
            .fetch_all(&self.pool)
            .await
            .map_err(backend("listing lists"))?;
        rows::decoded(found)
    }

    async fn rename_list(&self, id: ListId, name: &ListName) -> Result<RecipientList, StoreError> {
        let doing = format!("renaming list {id}");
        let mut tx = self.begin(&doing).await?;
        let done = sqlx::query(sql::RENAME_LIST)
            .bind(name.to_string())
            .bind(id.get())
            .bind(self.owners().changes)
            .execute(&mut *tx)
            .await
            .map_err(list_write_error(doing.clone(), name))?;
        changed(done.rows_affected(), Entity::List, id.get())?;
        let list = list_in(&mut *tx, id, None).await?;
        commit(tx, &doing).await?;
        Ok(list)
    }

    async fn delete_list(&self, id: ListId) -> Result<(), StoreError> {
        // Memberships go by ON DELETE CASCADE.
        let done = sqlx::query(sql::DELETE_LIST)
            .bind(id.get())
            .bind(self.owners().changes)
            .execute(&self.pool)
            .await
            .map_err(backend(format!("deleting list {id}")))?;
        changed(done.rows_affected(), Entity::List, id.get())
    }

    async fn list_members<'a>(
        &self,
        id: ListId,
        search: Option<&'a Search>,
        page: Page,
    ) -> Result<RecipientPage, StoreError> {
        let doing = format!("listing the members of list {id}");
        let mut tx = self.snapshot(&doing).await?;
        let holder = (Holder::List(id), self.owners().sees);
        recipient_page(&mut tx, Some(holder), None, search, page, &doing).await
    }

    async fn add_list_members(&self, id: ListId, which: &Selection) -> Result<u64, StoreError> {
        let doing = format!("adding members to list {id}");
        let mut tx = self.begin(&doing).await?;
        let added = add_members(&mut tx, Holder::List(id), which, self.owners()).await?;
        commit(tx, &doing).await?;
        Ok(added)
    }

    async fn remove_list_members(&self, id: ListId, which: &Selection) -> Result<u64, StoreError> {
        let doing = format!("removing members from list {id}");
        let mut tx = self.begin(&doing).await?;
        let removed = remove_members(&mut tx, Holder::List(id), which, self.owners()).await?;
        commit(tx, &doing).await?;
        Ok(removed)
    }
}

/// The list if `owner`'s (`None`: anyone's), read on `conn` (a pool, or
/// the transaction that wrote it).
async fn list_in<'c>(
    conn: impl sqlx::Executor<'c, Database = Postgres>,
    id: ListId,
    owner: Option<i64>,
) -> Result<RecipientList, StoreError> {
    let row: Option<ListRow> = sqlx::query_as(sql::GET_LIST)
        .bind(id.get())
        .bind(owner)
        .fetch_optional(conn)
        .await
        .map_err(backend(format!("reading list {id}")))?;
    found(row, Entity::List, id.get())
}
