//! CRUD of mailings and of their recipients.

use crate::domain::{
    Actor, Listed, Listing, Mailing, MailingId, MailingOrder, MailingPatch, MailingStatus,
    NewMailing, Page, RecipientId, RecipientPage, Search, Selection,
};
use crate::error::{Error, Result};
use crate::ports::{Clock, MailingRepository};

/// A mailing with its status at the moment it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailingView {
    pub mailing: Mailing,
    pub status: MailingStatus,
}

/// CRUD of mailings.
#[derive(Debug, Clone)]
pub struct Mailings<R, C> {
    repo: R,
    clock: C,
}

impl<R: MailingRepository, C: Clock> Mailings<R, C> {
    pub fn new(repo: R, clock: C) -> Self {
        Self { repo, clock }
    }

    fn view(&self, mailing: Mailing) -> MailingView {
        let status = mailing.status(self.clock.now());
        MailingView { mailing, status }
    }

    /// # Errors
    /// `NotFound` naming the missing message or recipient.
    pub async fn add(&self, new: NewMailing) -> Result<MailingView> {
        let mailing = self.repo.insert_mailing(&new).await?;
        Ok(self.view(mailing))
    }

    /// # Errors
    /// `NotFound`.
    pub async fn get(&self, id: MailingId) -> Result<MailingView> {
        let mailing = self.repo.get_mailing(id).await?;
        Ok(self.view(mailing))
    }

    /// # Errors
    /// `NotFound`.
    pub async fn recipient_ids(&self, id: MailingId) -> Result<Vec<RecipientId>> {
        Ok(self.repo.mailing_recipient_ids(id).await?)
    }

    /// The mailing's recipients the search finds (all without one), a page
    /// of them with their total.
    ///
    /// # Errors
    /// `NotFound` for the mailing.
    pub async fn recipients(
        &self,
        id: MailingId,
        search: Option<&Search>,
        page: Page,
    ) -> Result<RecipientPage> {
        Ok(self.repo.mailing_recipients(id, search, page).await?)
    }

    /// Adds the selected recipients (those already in it stay); returns how
    /// many were added. Later runs send to them; a run already launched
    /// keeps its own.
    ///
    /// # Errors
    /// `NotFound` for the mailing or the first missing recipient named.
    pub async fn add_recipients(&self, id: MailingId, which: &Selection) -> Result<u64> {
        Ok(self.repo.add_mailing_recipients(id, which).await?)
    }

    /// Removes the selected recipients from the mailing (not from the
    /// store); returns how many were removed.
    ///
    /// # Errors
    /// `NotFound` for the mailing or the first missing recipient named.
    pub async fn remove_recipients(&self, id: MailingId, which: &Selection) -> Result<u64> {
        Ok(self.repo.remove_mailing_recipients(id, which).await?)
    }

    /// # Errors
    /// Backend failures.
    pub async fn list(&self, page: Page) -> Result<Vec<MailingView>> {
        let now = self.clock.now();
        let all = self.repo.list_mailings(page).await?;
        Ok(all
            .into_iter()
            .map(|mailing| MailingView {
                status: mailing.status(now),
                mailing,
            })
            .collect())
    }

    /// A page of the mailings the listing's search finds (by their
    /// message's subject or their number), in its order, each with its
    /// status now and its message's subject, and their total.
    ///
    /// # Errors
    /// Backend failures.
    pub async fn find(
        &self,
        listing: &Listing<MailingOrder>,
    ) -> Result<Listed<(MailingView, String)>> {
        let now = self.clock.now();
        let found = self.repo.find_mailings(listing).await?;
        Ok(Listed {
            total: found.total,
            items: found
                .items
                .into_iter()
                .map(|(mailing, subject)| {
                    let status = mailing.status(now);
                    (MailingView { mailing, status }, subject)
                })
                .collect(),
        })
    }

    /// # Errors
    /// `Invalid` when the edited window ends before it starts; `NotFound`.
    pub async fn edit(&self, id: MailingId, patch: MailingPatch) -> Result<MailingView> {
        let current = self.repo.get_mailing(id).await?;
        let window = patch.window(&current)?;
        let message_id = patch.message_id.unwrap_or(current.message_id);
        let mailing = self
            .repo
            .update_mailing(id, window, message_id, &patch.recipients)
            .await?;
        Ok(self.view(mailing))
    }

    /// Disables the mailing (`disabled`) or enables it again, for a
    /// manager or an admin (`actor`, whose scope the store handle carries):
    /// a disabled mailing is neither scheduled nor sent, and a run of it
    /// under way stops at its next claim, recording what it did not send
    /// (ARCHITECTURE.md, "Users and ownership").
    ///
    /// # Errors
    /// `Forbidden` for a user's role; `NotFound`.
    pub async fn set_disabled(
        &self,
        actor: &Actor,
        id: MailingId,
        disabled: bool,
    ) -> Result<MailingView> {
        let role = actor.role();
        if !role.moderates() {
            let action = if disabled {
                "disable mailings"
            } else {
                "enable mailings"
            };
            return Err(Error::Forbidden { role, action });
        }
        let at = disabled.then(|| self.clock.now());
        let mailing = self.repo.set_mailing_disabled(id, at).await?;
        Ok(self.view(mailing))
    }

    /// Deletes the mailing with its runs and attempts.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn delete(&self, id: MailingId) -> Result<()> {
        Ok(self.repo.delete_mailing(id).await?)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, TimeZone, Utc};

    use super::*;
    use crate::domain::MessageId;
    use crate::error::Error;
    use crate::ports::clock::MockClock;
    use crate::ports::store::MockMailingRepository;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
            .single()
            .expect("time")
    }

    fn stored(launched: bool) -> Mailing {
        Mailing {
            id: MailingId(3),
            first_sent_at: start(),
            sent_completed_at: start() + Duration::hours(2),
            message_id: MessageId(1),
            recipient_count: 2,
            launched_at: launched.then(start),
            disabled: None,
        }
    }

    fn clock_at(at: DateTime<Utc>) -> MockClock {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(at);
        clock
    }

    #[tokio::test]
    async fn list_computes_status_at_read_time_without_touching_rows() {
        let mut repo = MockMailingRepository::new();
        repo.expect_list_mailings()
            .returning(|_| Ok(vec![stored(true), stored(false)]));
        let before_end = Mailings::new(repo, clock_at(start() + Duration::minutes(119)));
        let statuses: Vec<_> = before_end
            .list(Page::ALL)
            .await
            .expect("listed")
            .into_iter()
            .map(|v| v.status)
            .collect();
        assert_eq!(statuses, [MailingStatus::Running, MailingStatus::Created]);

        let mut repo = MockMailingRepository::new();
        repo.expect_list_mailings()
            .returning(|_| Ok(vec![stored(true)]));
        repo.expect_update_mailing().never();
        let at_end = Mailings::new(repo, clock_at(start() + Duration::hours(2)));
        let listed = at_end.list(Page::ALL).await.expect("listed");
        assert_eq!(listed[0].status, MailingStatus::Completed);
    }

    #[tokio::test]
    async fn edit_moving_the_end_before_the_start_is_refused_and_writes_nothing() {
        let mut repo = MockMailingRepository::new();
        repo.expect_get_mailing().returning(|_| Ok(stored(false)));
        repo.expect_update_mailing().never();
        let patch = MailingPatch {
            sent_completed_at: Some(start() - Duration::minutes(1)),
            ..MailingPatch::default()
        };
        let err = Mailings::new(repo, clock_at(start()))
            .edit(MailingId(3), patch)
            .await
            .expect_err("refused");
        assert!(
            matches!(err, Error::Invalid(ref f) if f.field == "sent_completed_at"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn found_mailings_carry_their_status_at_the_clocks_now_and_their_subject() {
        let mut repo = MockMailingRepository::new();
        repo.expect_find_mailings().returning(|_| {
            Ok(Listed {
                items: vec![(stored(true), "Новости".to_owned())],
                total: 7,
            })
        });
        let listing = Listing {
            search: None,
            sort: crate::domain::Sort::default(),
            page: Page::ALL,
        };
        let found = Mailings::new(repo, clock_at(start() + Duration::hours(3)))
            .find(&listing)
            .await
            .expect("found");
        assert_eq!(found.total, 7);
        let (view, subject) = &found.items[0];
        assert_eq!(view.status, MailingStatus::Completed);
        assert_eq!(subject, "Новости");
    }

    fn actor(role: crate::domain::Role) -> Actor {
        Actor::User(crate::domain::User {
            id: crate::domain::UserId(5),
            email: crate::domain::EmailAddress::parse("mia@example.com").expect("valid"),
            full_name: crate::domain::FullName::parse("Mia").expect("valid"),
            role,
            blocked: false,
            confirmed: true,
            created_at: start(),
            last_login_at: None,
        })
    }

    #[tokio::test]
    async fn a_user_may_not_disable_or_enable_a_mailing_and_nothing_is_written() {
        for disabled in [true, false] {
            let mut repo = MockMailingRepository::new();
            repo.expect_set_mailing_disabled().never();
            let err = Mailings::new(repo, clock_at(start()))
                .set_disabled(&actor(crate::domain::Role::User), MailingId(3), disabled)
                .await
                .expect_err("refused");
            assert!(
                matches!(
                    err,
                    Error::Forbidden {
                        role: crate::domain::Role::User,
                        ..
                    }
                ),
                "{err}"
            );
        }
    }

    #[tokio::test]
    async fn a_manager_disables_as_of_now_and_enables_again() {
        let now = start() + Duration::minutes(5);
        let mut repo = MockMailingRepository::new();
        repo.expect_set_mailing_disabled()
            .withf(move |id, at| *id == MailingId(3) && *at == Some(now))
            .times(1)
            .returning(|_, at| {
                let mut mailing = stored(true);
                mailing.disabled = at.map(|at| crate::domain::Disabled {
                    at,
                    by: Some(crate::domain::UserId(5)),
                });
                Ok(mailing)
            });
        repo.expect_set_mailing_disabled()
            .withf(|_, at| at.is_none())
            .times(1)
            .returning(|_, _| Ok(stored(true)));
        let mailings = Mailings::new(repo, clock_at(now));
        let manager = actor(crate::domain::Role::Manager);
        let disabled = mailings
            .set_disabled(&manager, MailingId(3), true)
            .await
            .expect("disabled");
        assert_eq!(disabled.mailing.disabled.map(|d| d.at), Some(now));
        let enabled = mailings
            .set_disabled(&Actor::System, MailingId(3), false)
            .await
            .expect("enabled");
        assert!(!enabled.mailing.is_disabled());
    }
}
