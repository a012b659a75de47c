//! A mock of the whole [`Store`](crate::ports::Store), for use cases and
//! front ends that need several repositories at once. Each single port has
//! its own `Mock…` beside its trait.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::domain::{
    ApiTokenInfo, KeyHash, Link, LinkPurpose, NewUser, PasswordHash, Role, Scope, Session, TokenId,
    TokenName, User, UserCounts, UserId,
};
use crate::domain::{
    AttemptCursor, AttemptFilter, AttemptListing, Audience, Claim, DeliveryResult, EmailAddress,
    InstanceId, Launch, LeaseToken, ListId, ListName, Listed, Listing, Mailing, MailingId,
    MailingOrder, Message, MessageId, MessageOrder, NewMailing, NewMessage, NewRecipient, Page,
    Reach, Recipient, RecipientId, RecipientList, RecipientOrder, RecipientPage, RecipientsEdit,
    RunId, RunMessage, Search, Selection, SendAttempt, SendRun, Stats, Suppression, Trigger,
    UnsubscribeSecret, Window,
};
use crate::ports::{
    AccessRepository, AttemptRepository, InstanceRepository, ListRepository, MailingRepository,
    MessageRepository, QueueRepository, RecipientRepository, RunRepository, Scoped,
    StatsRepository, StoreError, SuppressionRepository, UserRepository,
};

mockall::mock! {
    pub Store {}

    #[async_trait]
    impl RecipientRepository for Store {
        async fn insert_recipient(&self, new: &NewRecipient) -> Result<Recipient, StoreError>;
        async fn insert_recipients(&self, rows: &[NewRecipient]) -> Result<Vec<Option<RecipientId>>, StoreError>;
        async fn get_recipient(&self, id: RecipientId) -> Result<Recipient, StoreError>;
        async fn list_recipients(&self, page: Page) -> Result<Vec<Recipient>, StoreError>;
        async fn search_recipients<'a>(&self, search: Option<&'a Search>, page: Page) -> Result<RecipientPage, StoreError>;
        async fn find_recipients(&self, listing: &Listing<RecipientOrder>) -> Result<Listed<Recipient>, StoreError>;
        async fn all_recipient_ids(&self) -> Result<Vec<RecipientId>, StoreError>;
        async fn recipient_ids_by_email(
            &self,
            emails: &[EmailAddress],
        ) -> Result<Vec<Option<RecipientId>>, StoreError>;
        async fn update_recipient(&self, id: RecipientId, new: &NewRecipient) -> Result<Recipient, StoreError>;
        async fn delete_recipient(&self, id: RecipientId) -> Result<(), StoreError>;
    }

    #[async_trait]
    impl MessageRepository for Store {
        async fn insert_message(&self, new: &NewMessage, created_at: DateTime<Utc>) -> Result<Message, StoreError>;
        async fn get_message(&self, id: MessageId) -> Result<Message, StoreError>;
        async fn list_messages(&self, page: Page) -> Result<Vec<Message>, StoreError>;
        async fn find_messages(&self, listing: &Listing<MessageOrder>) -> Result<Listed<Message>, StoreError>;
        async fn update_message(&self, id: MessageId, new: &NewMessage) -> Result<Message, StoreError>;
        async fn delete_message(&self, id: MessageId) -> Result<(), StoreError>;
        async fn mailings_sent_with(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError>;
        async fn mailings_using(&self, id: MessageId) -> Result<Vec<MailingId>, StoreError>;
    }

    #[async_trait]
    impl MailingRepository for Store {
        async fn insert_mailing(&self, new: &NewMailing) -> Result<Mailing, StoreError>;
        async fn get_mailing(&self, id: MailingId) -> Result<Mailing, StoreError>;
        async fn list_mailings(&self, page: Page) -> Result<Vec<Mailing>, StoreError>;
        async fn find_mailings(&self, listing: &Listing<MailingOrder>) -> Result<Listed<(Mailing, String)>, StoreError>;
        async fn mailing_recipient_ids(&self, id: MailingId) -> Result<Vec<RecipientId>, StoreError>;
        async fn mailing_recipients<'a>(&self, id: MailingId, search: Option<&'a Search>, page: Page) -> Result<RecipientPage, StoreError>;
        async fn add_mailing_recipients(&self, id: MailingId, which: &Selection) -> Result<u64, StoreError>;
        async fn remove_mailing_recipients(&self, id: MailingId, which: &Selection) -> Result<u64, StoreError>;
        async fn update_mailing(&self, id: MailingId, window: Window, message_id: MessageId, recipients: &RecipientsEdit) -> Result<Mailing, StoreError>;
        async fn set_mailing_disabled(&self, id: MailingId, at: Option<DateTime<Utc>>) -> Result<Mailing, StoreError>;
        async fn delete_mailing(&self, id: MailingId) -> Result<(), StoreError>;
        async fn due_mailings(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<MailingId>, StoreError>;
    }

    #[async_trait]
    impl RunRepository for Store {
        async fn launch_run(&self, mailing: MailingId, trigger: Trigger, selection: Audience, now: DateTime<Utc>) -> Result<Launch, StoreError>;
        async fn reach(&self, mailing: MailingId) -> Result<Reach, StoreError>;
        async fn finish_run_if_done(&self, run: RunId, now: DateTime<Utc>) -> Result<SendRun, StoreError>;
        async fn unfinished_runs(&self, limit: u32) -> Result<Vec<RunId>, StoreError>;
        async fn next_due(&self, run: RunId) -> Result<Option<DateTime<Utc>>, StoreError>;
        async fn get_run(&self, id: RunId) -> Result<SendRun, StoreError>;
        async fn run_message(&self, id: RunId) -> Result<Option<RunMessage>, StoreError>;
        async fn list_runs(&self, mailing: MailingId) -> Result<Vec<SendRun>, StoreError>;
    }

    #[async_trait]
    impl QueueRepository for Store {
        async fn claim_deliveries(&self, run: RunId, limit: u32, now: DateTime<Utc>, lease_until: DateTime<Utc>) -> Result<Claim, StoreError>;
        async fn record_results(&self, run: RunId, token: &LeaseToken, results: &[DeliveryResult]) -> Result<SendRun, StoreError>;
        async fn fail_remaining(&self, run: RunId, reason: &str, now: DateTime<Utc>) -> Result<SendRun, StoreError>;
        async fn renew_lease(&self, run: RunId, token: &LeaseToken, until: DateTime<Utc>) -> Result<u64, StoreError>;
        async fn release_lease(&self, run: RunId, token: &LeaseToken) -> Result<u64, StoreError>;
    }

    #[async_trait]
    impl AttemptRepository for Store {
        async fn last_response_starting_with(&self, run: RunId, prefix: &str) -> Result<Option<String>, StoreError>;
        async fn list_attempts(&self, mailing: MailingId, page: Page) -> Result<Vec<SendAttempt>, StoreError>;
        async fn find_attempts(&self, mailing: MailingId, listing: &AttemptListing) -> Result<Listed<SendAttempt>, StoreError>;
        async fn attempts_before(&self, mailing: MailingId, filter: &AttemptFilter, cursor: AttemptCursor) -> Result<Vec<SendAttempt>, StoreError>;
    }

    #[async_trait]
    impl ListRepository for Store {
        async fn insert_list(&self, name: &ListName) -> Result<RecipientList, StoreError>;
        async fn get_list(&self, id: ListId) -> Result<RecipientList, StoreError>;
        async fn list_lists(&self, page: Page) -> Result<Vec<RecipientList>, StoreError>;
        async fn rename_list(&self, id: ListId, name: &ListName) -> Result<RecipientList, StoreError>;
        async fn delete_list(&self, id: ListId) -> Result<(), StoreError>;
        async fn list_members<'a>(&self, id: ListId, search: Option<&'a Search>, page: Page) -> Result<RecipientPage, StoreError>;
        async fn add_list_members(&self, id: ListId, which: &Selection) -> Result<u64, StoreError>;
        async fn remove_list_members(&self, id: ListId, which: &Selection) -> Result<u64, StoreError>;
    }

    #[async_trait]
    impl StatsRepository for Store {
        async fn stats(&self, now: DateTime<Utc>) -> Result<Stats, StoreError>;
    }

    #[async_trait]
    impl InstanceRepository for Store {
        async fn instance_id(&self) -> Result<InstanceId, StoreError>;
        async fn unsubscribe_secret(&self) -> Result<UnsubscribeSecret, StoreError>;
    }

    #[async_trait]
    impl SuppressionRepository for Store {
        async fn unsubscribe(&self, id: RecipientId, at: DateTime<Utc>) -> Result<(), StoreError>;
        async fn mark_bounced(&self, id: RecipientId, at: DateTime<Utc>, reply: &str) -> Result<(), StoreError>;
        async fn resubscribe(&self, id: RecipientId) -> Result<(), StoreError>;
        async fn suppression(&self, id: RecipientId) -> Result<Suppression, StoreError>;
        async fn suppressed(&self, page: Page) -> Result<Vec<(Recipient, Suppression)>, StoreError>;
    }

    #[async_trait]
    impl UserRepository for Store {
        async fn add_user(&self, new: &NewUser, password: &PasswordHash, now: DateTime<Utc>) -> Result<User, StoreError>;
        async fn add_first_admin(&self, key: &KeyHash, new: &NewUser, password: &PasswordHash, now: DateTime<Utc>) -> Result<Option<User>, StoreError>;
        async fn get_user(&self, id: UserId) -> Result<User, StoreError>;
        async fn user_by_email(&self, email: &EmailAddress) -> Result<Option<(User, PasswordHash)>, StoreError>;
        async fn list_users(&self, page: Page, now: DateTime<Utc>) -> Result<Vec<(User, UserCounts)>, StoreError>;
        async fn count_users(&self) -> Result<u64, StoreError>;
        async fn first_admin(&self) -> Result<Option<UserId>, StoreError>;
        async fn set_role(&self, id: UserId, role: Role) -> Result<User, StoreError>;
        async fn set_blocked(&self, id: UserId, blocked: bool) -> Result<User, StoreError>;
        async fn set_password(&self, id: UserId, password: &PasswordHash) -> Result<(), StoreError>;
        async fn confirm_user(&self, id: UserId) -> Result<User, StoreError>;
        async fn note_login(&self, id: UserId, at: DateTime<Utc>) -> Result<(), StoreError>;
    }

    #[async_trait]
    impl AccessRepository for Store {
        async fn start_session(&self, key: &KeyHash, session: &Session, now: DateTime<Utc>) -> Result<(), StoreError>;
        async fn session(&self, key: &KeyHash, now: DateTime<Utc>) -> Result<Option<(Session, User)>, StoreError>;
        async fn end_session(&self, key: &KeyHash) -> Result<(), StoreError>;
        async fn add_token(&self, user: UserId, name: &TokenName, key: &KeyHash, now: DateTime<Utc>) -> Result<ApiTokenInfo, StoreError>;
        async fn use_token(&self, key: &KeyHash, now: DateTime<Utc>) -> Result<Option<(ApiTokenInfo, User)>, StoreError>;
        async fn list_tokens(&self, user: UserId) -> Result<Vec<ApiTokenInfo>, StoreError>;
        async fn revoke_token(&self, user: UserId, id: TokenId) -> Result<(), StoreError>;
        async fn add_link(&self, key: &KeyHash, link: &Link, now: DateTime<Utc>) -> Result<(), StoreError>;
        async fn take_link(&self, key: &KeyHash, purpose: LinkPurpose, now: DateTime<Utc>) -> Result<Option<UserId>, StoreError>;
        async fn replace_setup_key(&self, key: &KeyHash, expires_at: DateTime<Utc>) -> Result<(), StoreError>;
        async fn setup_key_live(&self, key: &KeyHash, now: DateTime<Utc>) -> Result<bool, StoreError>;
    }

    impl Scoped for Store {
        fn scoped(&self, scope: Scope) -> Self;
        fn scope(&self) -> Scope;
    }
}
