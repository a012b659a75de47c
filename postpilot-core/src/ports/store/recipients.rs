//! The recipients' repository port.

use async_trait::async_trait;

use super::error::StoreError;
use crate::domain::{
    EmailAddress, Listed, Listing, NewRecipient, Page, Recipient, RecipientId, RecipientOrder,
    RecipientPage, Search,
};

/// Recipients.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RecipientRepository: Send + Sync {
    /// # Errors
    /// `Duplicate` (field `email`) when the email exists in any letter case.
    async fn insert_recipient(&self, new: &NewRecipient) -> Result<Recipient, StoreError>;

    /// Inserts many at once, for imports. Returns, in input order, the new id
    /// or `None` where the email already existed (stored before for the same
    /// owner: emails are unique per owner; or earlier in `rows`); those rows
    /// change nothing.
    ///
    /// # Errors
    /// `Backend` only; then nothing of `rows` is stored.
    async fn insert_recipients(
        &self,
        rows: &[NewRecipient],
    ) -> Result<Vec<Option<RecipientId>>, StoreError>;

    /// # Errors
    /// `NotFound` when there is no such recipient.
    async fn get_recipient(&self, id: RecipientId) -> Result<Recipient, StoreError>;

    /// Recipients ordered by id.
    ///
    /// # Errors
    /// `Backend` only.
    async fn list_recipients(&self, page: Page) -> Result<Vec<Recipient>, StoreError>;

    /// Recipients the search finds (all without one), ordered by id, with
    /// how many there are in all.
    ///
    /// # Errors
    /// `Backend` only.
    async fn search_recipients<'a>(
        &self,
        search: Option<&'a Search>,
        page: Page,
    ) -> Result<RecipientPage, StoreError>;

    /// A page of the recipients the listing's search finds (in the email
    /// or the full name, see [`Search`]), in its order, with their total.
    ///
    /// # Errors
    /// `Backend` only.
    async fn find_recipients(
        &self,
        listing: &Listing<RecipientOrder>,
    ) -> Result<Listed<Recipient>, StoreError>;

    /// Every recipient id, ascending.
    ///
    /// # Errors
    /// `Backend` only.
    async fn all_recipient_ids(&self) -> Result<Vec<RecipientId>, StoreError>;

    /// In input order, the id of the recipient with each email (in any
    /// letter case) among those of the owner this handle creates for, or
    /// `None` where there is none: how an import into a list finds the rows
    /// whose email was already there.
    ///
    /// # Errors
    /// `Backend` only.
    async fn recipient_ids_by_email(
        &self,
        emails: &[EmailAddress],
    ) -> Result<Vec<Option<RecipientId>>, StoreError>;

    /// Replaces every field.
    ///
    /// # Errors
    /// `NotFound`; `Duplicate` when the new email belongs to another recipient.
    async fn update_recipient(
        &self,
        id: RecipientId,
        new: &NewRecipient,
    ) -> Result<Recipient, StoreError>;

    /// Removes the recipient from every mailing; recorded attempts keep its email.
    ///
    /// # Errors
    /// `NotFound`.
    async fn delete_recipient(&self, id: RecipientId) -> Result<(), StoreError>;
}
