//! Repository ports. Adapters implement them over a database; they speak only
//! domain types and map their own errors onto [`StoreError`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::domain::{
    AttemptCursor, AttemptFilter, AttemptListing, Audience, Claim, DeliveryResult, EmailAddress,
    InstanceId, Launch, LeaseToken, ListId, ListName, Listed, Listing, Mailing, MailingId,
    MailingOrder, Message, MessageId, MessageOrder, NewMailing, NewMessage, NewRecipient, Page,
    Reach, Recipient, RecipientId, RecipientList, RecipientOrder, RecipientPage, RecipientsEdit,
    RunId, RunMessage, Search, Selection, SendAttempt, SendRun, Stats, Suppression, Trigger,
    UnsubscribeSecret, Window,
};

/// What kind of stored object an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Recipient,
    Message,
    Mailing,
    Run,
    List,
}

impl Entity {
    pub fn name(self) -> &'static str {
        match self {
            Self::Recipient => "recipient",
            Self::Message => "message",
            Self::Mailing => "mailing",
            Self::Run => "run",
            Self::List => "list",
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Any error a source of a backend may raise, kept as the cause of [`StoreError::Backend`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// How a repository call failed.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{entity} {id} not found")]
    NotFound { entity: Entity, id: i64 },
    #[error("a {entity} with {field} {value:?} already exists")]
    Duplicate {
        entity: Entity,
        field: &'static str,
        value: String,
    },
    #[error("{entity} {id} is used by {used_by}")]
    InUse {
        entity: Entity,
        id: i64,
        used_by: String,
    },
    /// The backend failed (unreachable, corrupt, ...); `context` says what
    /// was being done.
    #[error("{context}")]
    Backend {
        context: String,
        #[source]
        source: BoxError,
    },
}

impl StoreError {
    /// Wraps a backend error with what was being attempted.
    pub fn backend(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Backend {
            context: context.into(),
            source: source.into(),
        }
    }

    pub fn not_found(entity: Entity, id: i64) -> Self {
        Self::NotFound { entity, id }
    }
}

/// Получатели.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RecipientRepository: Send + Sync {
    /// # Errors
    /// `Duplicate` (field `email`) when the email exists in any letter case.
    async fn insert_recipient(&self, new: &NewRecipient) -> Result<Recipient, StoreError>;

    /// Inserts many at once, for imports. Returns, in input order, the new id
    /// or `None` where the email already existed (stored before, or earlier
    /// in `rows`); those rows change nothing.
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
    /// letter case), or `None` where there is none: how an import into a
    /// list finds the rows whose email was already there.
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

/// Сообщения.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MessageRepository: Send + Sync {
    /// Stores a message, stamped `created_at`.
    ///
    /// # Errors
    /// `Backend` only.
    async fn insert_message(
        &self,
        new: &NewMessage,
        created_at: DateTime<Utc>,
    ) -> Result<Message, StoreError>;

    /// # Errors
    /// `NotFound`.
    async fn get_message(&self, id: MessageId) -> Result<Message, StoreError>;

    /// Messages ordered by id.
    ///
    /// # Errors
    /// `Backend` only.
    async fn list_messages(&self, page: Page) -> Result<Vec<Message>, StoreError>;

    /// A page of the messages whose subject the listing's search finds, in
    /// its order, with their total.
    ///
    /// # Errors
    /// `Backend` only.
    async fn find_messages(
        &self,
        listing: &Listing<MessageOrder>,
    ) -> Result<Listed<Message>, StoreError>;

    /// # Errors
    /// `NotFound`.
    async fn update_message(&self, id: MessageId, new: &NewMessage) -> Result<Message, StoreError>;

    /// # Errors
    /// `NotFound`; `InUse` while a mailing uses the message.
    async fn delete_message(&self, id: MessageId) -> Result<(), StoreError>;

    /// The mailings of this message that were ever sent (launched), by id:
    /// whose history an edit of the message does not change.
    ///
    /// # Errors
    /// `Backend` only (an unknown message has none).
    async fn mailings_sent_with(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError>;

    /// The mailings whose message this is, sent or not, by id: those that
    /// keep it from being deleted.
    ///
    /// # Errors
    /// `Backend` only (an unknown message has none).
    async fn mailings_using(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError>;
}

/// Рассылки.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MailingRepository: Send + Sync {
    /// # Errors
    /// `NotFound` naming the message, or the first recipient, that does not exist.
    async fn insert_mailing(&self, new: &NewMailing) -> Result<Mailing, StoreError>;

    /// # Errors
    /// `NotFound`.
    async fn get_mailing(&self, id: MailingId) -> Result<Mailing, StoreError>;

    /// Mailings ordered by id.
    ///
    /// # Errors
    /// `Backend` only.
    async fn list_mailings(&self, page: Page) -> Result<Vec<Mailing>, StoreError>;

    /// A page of the mailings whose message's subject the listing's search
    /// finds (or whose number it is), in its order, with their total; each
    /// with its message's subject.
    ///
    /// # Errors
    /// `Backend` only.
    async fn find_mailings(
        &self,
        listing: &Listing<MailingOrder>,
    ) -> Result<Listed<(Mailing, String)>, StoreError>;

    /// The mailing's recipients, ascending.
    ///
    /// # Errors
    /// `NotFound`.
    async fn mailing_recipient_ids(&self, id: MailingId) -> Result<Vec<RecipientId>, StoreError>;

    /// The mailing's recipients the search finds (all without one), ordered
    /// by id, with how many there are in all.
    ///
    /// # Errors
    /// `NotFound` for the mailing.
    async fn mailing_recipients<'a>(
        &self,
        id: MailingId,
        search: Option<&'a Search>,
        page: Page,
    ) -> Result<RecipientPage, StoreError>;

    /// Adds the selected recipients to the mailing, in one statement;
    /// those already in it stay as they are. Returns how many were added.
    ///
    /// # Errors
    /// `NotFound` for the mailing, or naming the first recipient of
    /// `Selection::Ids` that does not exist; then nothing changes.
    async fn add_mailing_recipients(
        &self,
        id: MailingId,
        which: &Selection,
    ) -> Result<u64, StoreError>;

    /// Removes the selected recipients from the mailing, in one statement;
    /// those not in it are left alone. Returns how many were removed.
    ///
    /// # Errors
    /// `NotFound` for the mailing, or naming the first recipient of
    /// `Selection::Ids` that does not exist; then nothing changes.
    async fn remove_mailing_recipients(
        &self,
        id: MailingId,
        which: &Selection,
    ) -> Result<u64, StoreError>;

    /// Replaces window and message, and the recipients unless `Keep`.
    ///
    /// # Errors
    /// `NotFound` for the mailing, the message or the first missing recipient.
    async fn update_mailing(
        &self,
        id: MailingId,
        window: Window,
        message_id: MessageId,
        recipients: &RecipientsEdit,
    ) -> Result<Mailing, StoreError>;

    /// Deletes the mailing with its runs, deliveries and attempts.
    ///
    /// # Errors
    /// `NotFound`.
    async fn delete_mailing(&self, id: MailingId) -> Result<(), StoreError>;

    /// Mailings due for their scheduled first send at `now`: never sent,
    /// `first_sent_at <= now < sent_completed_at`; earliest start first, at
    /// most `limit`.
    ///
    /// # Errors
    /// `Backend` only.
    async fn due_mailings(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<MailingId>, StoreError>;
}

/// Runs, the delivery queue and the attempt record (ARCHITECTURE.md, "Delivery engine").
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait DeliveryRepository: Send + Sync {
    /// Starts a run, with a copy of the mailing's message as it is now, and
    /// one pending delivery per current recipient that `selection` takes (all of them, or only those with no successful
    /// attempt in any run of this mailing) and marks the mailing as sent,
    /// in one transaction; or, when the mailing has an unfinished run,
    /// returns that one with `resumed: true` (whatever `selection` says).
    ///
    /// # Errors
    /// `NotFound` for the mailing.
    async fn launch_run(
        &self,
        mailing: MailingId,
        trigger: Trigger,
        selection: Audience,
        now: DateTime<Utc>,
    ) -> Result<Launch, StoreError>;

    /// Of the mailing's current recipients, how many there are and how many
    /// already have a successful attempt of this mailing.
    ///
    /// # Errors
    /// `NotFound` for the mailing.
    async fn reach(&self, mailing: MailingId) -> Result<Reach, StoreError>;

    /// Atomically leases up to `limit` deliveries of `run` that are due at
    /// `now` (pending, or leased with a lease expired before `now`) until
    /// `lease_until`. The lease is committed before this returns.
    ///
    /// # Errors
    /// `NotFound` for the run.
    async fn claim_deliveries(
        &self,
        run: RunId,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim, StoreError>;

    /// In one transaction: inserts one attempt per result and moves each
    /// delivery on (done, or back to pending until `RetryAt`), only where
    /// the delivery is still leased under `token`. Returns the run's totals
    /// after it.
    ///
    /// Any response text can be recorded: it is stored as
    /// [`visible`](crate::domain::visible) makes it (control characters as
    /// escapes), so it reads back the same on every backend and no content
    /// can make the record fail.
    ///
    /// # Errors
    /// `NotFound` for the run; `Backend`, and then nothing is recorded.
    async fn record_results(
        &self,
        run: RunId,
        token: &LeaseToken,
        results: &[DeliveryResult],
    ) -> Result<SendRun, StoreError>;

    /// Records a failure attempt carrying `reason` for every delivery of the
    /// run not yet done (pending, waiting for a retry, or with an expired
    /// lease), so nothing is silently dropped. Returns the run's totals.
    /// `reason` is stored as [`visible`](crate::domain::visible) makes it.
    ///
    /// # Errors
    /// `NotFound` for the run.
    async fn fail_remaining(
        &self,
        run: RunId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError>;

    /// Marks the run finished at `now` if every delivery is done; returns it.
    ///
    /// # Errors
    /// `NotFound` for the run.
    async fn finish_run_if_done(
        &self,
        run: RunId,
        now: DateTime<Utc>,
    ) -> Result<SendRun, StoreError>;

    /// Extends to `until` the lease of the run's deliveries still leased
    /// under `token`; returns how many there were. A sender renews while it
    /// works, so a short lease still covers a long batch, and a crashed
    /// sender's deliveries come back soon.
    ///
    /// # Errors
    /// `Backend` only.
    async fn renew_lease(
        &self,
        run: RunId,
        token: &LeaseToken,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// Hands back the run's deliveries still leased under `token`: they
    /// are pending again at once, for any sender, without waiting for the
    /// lease to pass. Returns how many. A sender stopping calls it once
    /// every result it has is recorded, so what it hands back is exactly
    /// what it never started.
    ///
    /// # Errors
    /// `Backend` only.
    async fn release_lease(&self, run: RunId, token: &LeaseToken) -> Result<u64, StoreError>;

    /// Runs not finished yet (of any mailing), oldest first, at most `limit`.
    ///
    /// # Errors
    /// `Backend` only.
    async fn unfinished_runs(&self, limit: u32) -> Result<Vec<RunId>, StoreError>;

    /// The earliest time a not-yet-done delivery of the run may be claimed,
    /// `None` when all are done.
    ///
    /// # Errors
    /// `NotFound` for the run.
    async fn next_due(&self, run: RunId) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// # Errors
    /// `NotFound`.
    async fn get_run(&self, id: RunId) -> Result<SendRun, StoreError>;

    /// The subject and body the run sends, copied from its message when it
    /// was launched; `None` for a run launched before runs kept their text.
    ///
    /// # Errors
    /// `NotFound` for the run.
    async fn run_message(&self, id: RunId) -> Result<Option<RunMessage>, StoreError>;

    /// The response of the run's last attempt whose response starts with
    /// `prefix` (compared exactly), among its last [`RECENT_ATTEMPTS`]
    /// attempts; `None` when there is none. What a run records when it
    /// ends (giving up, a closed window) comes last, give or take the sends
    /// that were in flight, so looking further back would only make a
    /// page of a large run slow.
    ///
    /// # Errors
    /// `Backend` only.
    async fn last_response_starting_with(
        &self,
        run: RunId,
        prefix: &str,
    ) -> Result<Option<String>, StoreError>;

    /// The mailing's runs, newest first.
    ///
    /// # Errors
    /// `Backend` only (an unknown mailing has no runs).
    async fn list_runs(&self, mailing: MailingId) -> Result<Vec<SendRun>, StoreError>;

    /// The mailing's attempts in the order they were made.
    ///
    /// # Errors
    /// `Backend` only.
    async fn list_attempts(
        &self,
        mailing: MailingId,
        page: Page,
    ) -> Result<Vec<SendAttempt>, StoreError>;

    /// A page of the mailing's attempts the filter takes, newest first (or
    /// oldest first), with their total.
    ///
    /// # Errors
    /// `Backend` only (an unknown mailing has none).
    async fn find_attempts(
        &self,
        mailing: MailingId,
        listing: &AttemptListing,
    ) -> Result<Listed<SendAttempt>, StoreError>;

    /// The next of the mailing's attempts the filter takes, newest first,
    /// older than the cursor's: one step of a walk through them all.
    ///
    /// # Errors
    /// `Backend` only.
    async fn attempts_before(
        &self,
        mailing: MailingId,
        filter: &AttemptFilter,
        cursor: AttemptCursor,
    ) -> Result<Vec<SendAttempt>, StoreError>;
}

/// Списки: named groups of recipients.
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

/// Statistics for the home page.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StatsRepository: Send + Sync {
    /// The figures at `now` ("active" means Running at `now`).
    ///
    /// # Errors
    /// `Backend` only.
    async fn stats(&self, now: DateTime<Utc>) -> Result<Stats, StoreError>;
}

/// What is made once per database.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait InstanceRepository: Send + Sync {
    /// The database's instance id: random, made when the database was
    /// created (by its migrations), the same on every call and for every
    /// process on the database, different in every other database.
    ///
    /// # Errors
    /// `Backend` only (a stored value that is not a valid id included).
    async fn instance_id(&self) -> Result<InstanceId, StoreError>;

    /// The database's unsubscribe secret: random, made with the database
    /// (by its migrations), the same on every call and for every process.
    ///
    /// # Errors
    /// `Backend` only (a stored value that is not a valid secret included).
    async fn unsubscribe_secret(&self) -> Result<UnsubscribeSecret, StoreError>;
}

/// Who is not sent to: unsubscribed and bouncing recipients. Launches leave
/// them out (`DeliveryRepository::launch_run`) and count them on the run.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SuppressionRepository: Send + Sync {
    /// Marks the recipient unsubscribed at `at`; unsubscribing again keeps
    /// the first time. Their deliveries not yet claimed in unfinished runs
    /// are taken out of those runs and counted as skipped.
    ///
    /// # Errors
    /// `NotFound` for an unknown recipient; then nothing changes.
    async fn unsubscribe(&self, id: RecipientId, at: DateTime<Utc>) -> Result<(), StoreError>;

    /// Marks the recipient's address as bouncing at `at`, with the server's
    /// reply (the latest bounce is kept).
    ///
    /// # Errors
    /// `NotFound` for an unknown recipient; then nothing changes.
    async fn mark_bounced(
        &self,
        id: RecipientId,
        at: DateTime<Utc>,
        reply: &str,
    ) -> Result<(), StoreError>;

    /// Clears both marks: later runs send to the recipient again.
    ///
    /// # Errors
    /// `NotFound` for an unknown recipient.
    async fn resubscribe(&self, id: RecipientId) -> Result<(), StoreError>;

    /// The recipient's marks.
    ///
    /// # Errors
    /// `NotFound` for an unknown recipient.
    async fn suppression(&self, id: RecipientId) -> Result<Suppression, StoreError>;

    /// The recipients with a mark, by id.
    ///
    /// # Errors
    /// `Backend` only.
    async fn suppressed(&self, page: Page) -> Result<Vec<(Recipient, Suppression)>, StoreError>;
}

/// How far back [`DeliveryRepository::last_response_starting_with`] looks.
pub const RECENT_ATTEMPTS: u32 = 1_000;

/// Everything a store offers; what the front ends are generic over.
pub trait Store:
    RecipientRepository
    + MessageRepository
    + MailingRepository
    + DeliveryRepository
    + StatsRepository
    + ListRepository
    + InstanceRepository
    + SuppressionRepository
{
}

impl<T> Store for T where
    T: RecipientRepository
        + MessageRepository
        + MailingRepository
        + DeliveryRepository
        + StatsRepository
        + ListRepository
        + InstanceRepository
        + SuppressionRepository
{
}
