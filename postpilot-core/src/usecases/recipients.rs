//! CRUD of recipients.

use crate::domain::{
    EmailAddress, Listed, Listing, NewRecipient, Page, Recipient, RecipientId, RecipientOrder,
    RecipientPage, RecipientPatch, Search,
};
use crate::error::Result;
use crate::ports::RecipientRepository;

/// CRUD of recipients.
#[derive(Debug, Clone)]
pub struct Recipients<R> {
    repo: R,
}

impl<R: RecipientRepository> Recipients<R> {
    pub fn new(repo: R) -> Self {
        Self { repo }
    }

    /// # Errors
    /// `Duplicate` when the email exists in any letter case.
    pub async fn add(&self, new: NewRecipient) -> Result<Recipient> {
        Ok(self.repo.insert_recipient(&new).await?)
    }

    /// # Errors
    /// `NotFound`.
    pub async fn get(&self, id: RecipientId) -> Result<Recipient> {
        Ok(self.repo.get_recipient(id).await?)
    }

    /// # Errors
    /// Backend failures.
    pub async fn list(&self, page: Page) -> Result<Vec<Recipient>> {
        Ok(self.repo.list_recipients(page).await?)
    }

    /// A page of the recipients the listing's search finds, in its order,
    /// and their total.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn find(&self, listing: &Listing<RecipientOrder>) -> Result<Listed<Recipient>> {
        Ok(self.repo.find_recipients(listing).await?)
    }

    /// Recipients the search finds (all without one): a page and the total.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn search(&self, search: Option<&Search>, page: Page) -> Result<RecipientPage> {
        Ok(self.repo.search_recipients(search, page).await?)
    }

    /// # Errors
    /// `NotFound`; `Duplicate` when the new email belongs to someone else.
    pub async fn edit(&self, id: RecipientId, patch: RecipientPatch) -> Result<Recipient> {
        let current = self.repo.get_recipient(id).await?;
        let new = patch.apply(current);
        Ok(self.repo.update_recipient(id, &new).await?)
    }

    /// # Errors
    /// `NotFound`.
    pub async fn delete(&self, id: RecipientId) -> Result<()> {
        Ok(self.repo.delete_recipient(id).await?)
    }

    /// Every recipient id, for a mailing sent to everyone.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn all_ids(&self) -> Result<Vec<RecipientId>> {
        Ok(self.repo.all_recipient_ids().await?)
    }

    /// The id of the recipient with each email, if any; see
    /// [`RecipientRepository::recipient_ids_by_email`].
    ///
    /// # Errors
    /// Backend failures.
    pub async fn ids_by_email(&self, emails: &[EmailAddress]) -> Result<Vec<Option<RecipientId>>> {
        Ok(self.repo.recipient_ids_by_email(emails).await?)
    }

    /// Stores every row whose email is new; see
    /// [`RecipientRepository::insert_recipients`].
    ///
    /// # Errors
    /// Backend failures (then nothing of this batch is stored).
    pub async fn import(&self, rows: &[NewRecipient]) -> Result<Vec<Option<RecipientId>>> {
        Ok(self.repo.insert_recipients(rows).await?)
    }
}

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::domain::{Comment, EmailAddress, FullName};
    use crate::ports::store::{Entity, MockRecipientRepository, StoreError};

    fn ivan() -> Recipient {
        Recipient {
            id: RecipientId(7),
            email: EmailAddress::parse("ivan@example.com").expect("valid"),
            full_name: FullName::parse("Иван Петров").expect("valid"),
            comment: Comment::parse("VIP").expect("valid"),
        }
    }

    #[tokio::test]
    async fn edit_changes_only_the_given_fields() {
        let mut repo = MockRecipientRepository::new();
        repo.expect_get_recipient()
            .with(eq(RecipientId(7)))
            .returning(|_| Ok(ivan()));
        repo.expect_update_recipient()
            .withf(|id, new| {
                *id == RecipientId(7)
                    && new.email.as_str() == "ivan@example.com"
                    && new.full_name.as_str() == "Иван Сидоров"
                    && new.comment.as_str() == "VIP"
            })
            .returning(|id, new| {
                Ok(Recipient {
                    id,
                    email: new.email.clone(),
                    full_name: new.full_name.clone(),
                    comment: new.comment.clone(),
                })
            });
        let patch = RecipientPatch {
            full_name: Some(FullName::parse("Иван Сидоров").expect("valid")),
            ..RecipientPatch::default()
        };
        let edited = Recipients::new(repo)
            .edit(RecipientId(7), patch)
            .await
            .expect("edited");
        assert_eq!(edited.full_name.as_str(), "Иван Сидоров");
    }

    #[tokio::test]
    async fn editing_a_missing_recipient_reports_not_found_and_writes_nothing() {
        let mut repo = MockRecipientRepository::new();
        repo.expect_get_recipient()
            .returning(|id| Err(StoreError::not_found(Entity::Recipient, id.get())));
        repo.expect_update_recipient().never();
        let err = Recipients::new(repo)
            .edit(RecipientId(9), RecipientPatch::default())
            .await
            .expect_err("missing");
        assert_eq!(err.to_string(), "recipient 9 not found");
    }
}
