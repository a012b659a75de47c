//! What was sent: a mailing's runs and attempts.

use crate::domain::{
    AttemptCursor, AttemptFilter, AttemptListing, Listed, MailingId, Page, Reach, RunId,
    RunMessage, SendAttempt, SendRun,
};
use crate::error::Result;
use crate::ports::{DeliveryRepository, MailingRepository};

#[derive(Debug, Clone)]
pub struct History<R> {
    repo: R,
}

impl<R: MailingRepository + DeliveryRepository> History<R> {
    pub fn new(repo: R) -> Self {
        Self { repo }
    }

    /// The mailing's runs, newest first.
    ///
    /// # Errors
    /// `NotFound` for an unknown mailing (rather than an empty list).
    pub async fn runs(&self, mailing: MailingId) -> Result<Vec<SendRun>> {
        self.repo.get_mailing(mailing).await?;
        Ok(self.repo.list_runs(mailing).await?)
    }

    /// The subject and body the run sends (as launched); `None` for a run
    /// from before runs kept their text.
    ///
    /// # Errors
    /// `NotFound` for an unknown run.
    pub async fn run_message(&self, run: RunId) -> Result<Option<RunMessage>> {
        Ok(self.repo.run_message(run).await?)
    }

    /// The response of the run's last attempt that starts with `prefix`
    /// (e.g. [`GAVE_UP`](super::GAVE_UP): the run gave up on the server).
    ///
    /// # Errors
    /// Store failures.
    pub async fn last_response_starting_with(
        &self,
        run: RunId,
        prefix: &str,
    ) -> Result<Option<String>> {
        Ok(self.repo.last_response_starting_with(run, prefix).await?)
    }

    /// Of the mailing's recipients, how many there are and how many already
    /// got it (a successful attempt in any run).
    ///
    /// # Errors
    /// `NotFound` for an unknown mailing.
    pub async fn reach(&self, mailing: MailingId) -> Result<Reach> {
        Ok(self.repo.reach(mailing).await?)
    }

    /// The mailing's attempts in the order they were made.
    ///
    /// # Errors
    /// `NotFound` for an unknown mailing.
    pub async fn attempts(&self, mailing: MailingId, page: Page) -> Result<Vec<SendAttempt>> {
        self.repo.get_mailing(mailing).await?;
        Ok(self.repo.list_attempts(mailing, page).await?)
    }

    /// A page of the mailing's attempts the filter takes, newest first
    /// unless asked otherwise, and their total.
    ///
    /// # Errors
    /// `NotFound` for an unknown mailing.
    pub async fn find_attempts(
        &self,
        mailing: MailingId,
        listing: &AttemptListing,
    ) -> Result<Listed<SendAttempt>> {
        self.repo.get_mailing(mailing).await?;
        Ok(self.repo.find_attempts(mailing, listing).await?)
    }

    /// The next of the mailing's attempts the filter takes, newest first,
    /// after the cursor: a step of an export.
    ///
    /// # Errors
    /// Store failures.
    pub async fn attempts_before(
        &self,
        mailing: MailingId,
        filter: &AttemptFilter,
        cursor: AttemptCursor,
    ) -> Result<Vec<SendAttempt>> {
        Ok(self.repo.attempts_before(mailing, filter, cursor).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mocks::MockStore;
    use crate::ports::store::{Entity, StoreError};

    #[tokio::test]
    async fn attempts_of_an_unknown_mailing_are_not_found_rather_than_empty() {
        let mut store = MockStore::new();
        store
            .expect_get_mailing()
            .returning(|id| Err(StoreError::not_found(Entity::Mailing, id.get())));
        store.expect_list_attempts().never();
        let err = History::new(store)
            .attempts(MailingId(42), Page::ALL)
            .await
            .expect_err("unknown");
        assert_eq!(err.to_string(), "mailing 42 not found");
    }

    #[tokio::test]
    async fn a_listing_of_the_attempts_of_an_unknown_mailing_is_not_found_either() {
        let mut store = MockStore::new();
        store
            .expect_get_mailing()
            .returning(|id| Err(StoreError::not_found(Entity::Mailing, id.get())));
        store.expect_find_attempts().never();
        let listing = AttemptListing {
            filter: AttemptFilter::default(),
            oldest_first: false,
            page: Page::ALL,
        };
        let err = History::new(store)
            .find_attempts(MailingId(42), &listing)
            .await
            .expect_err("unknown");
        assert_eq!(err.to_string(), "mailing 42 not found");
    }
}
