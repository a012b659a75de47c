//! A SQLite database made before ownership upgrades without loss: its
//! rows go to its first admin, and the rebuild for uniqueness per owner
//! (`src/sqlite/rebuild.rs`, foreign keys off) keeps every row, membership,
//! attempt, id and search (ARCHITECTURE.md, "Users and ownership").

use std::borrow::Cow;

use postpilot_core::domain::ListId;
use postpilot_core::domain::{MailingId, Page, RecipientId, Scope, Search, UserId};
use postpilot_core::ports::{
    AttemptRepository, ListRepository, MailingRepository, RecipientRepository, Scoped,
    StatsRepository,
};
use postpilot_store_sqlx::SqliteStore;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use tempfile::TempDir;

/// The migration that brings owners (the rebuild follows it).
const OWNERSHIP: i64 = 20_261_129_000_000;

/// What a database held before the upgrade: an admin (id 1), recipients 1
/// and 3 (2 deleted), a message, a mailing of both with a run and an
/// attempt, a list of recipient 3.
const BEFORE: &str = "
    INSERT INTO app_user (email, full_name, password_hash, role, created_at)
        VALUES ('admin@example.com', 'Админ', 'x', 'admin', 0);
    INSERT INTO recipient (email, full_name) VALUES
        ('ivan@example.com', 'Иван'), ('gone@example.com', 'Ушёл'), ('olga@example.com', 'Ольга');
    DELETE FROM recipient WHERE id = 2;
    INSERT INTO message (subject, body_text, created_at) VALUES ('Скидки', 'Текст', 0);
    INSERT INTO mailing (first_sent_at, sent_completed_at, message_id) VALUES (0, 10, 1);
    INSERT INTO mailing_recipient (mailing_id, recipient_id) VALUES (1, 1), (1, 3);
    INSERT INTO send_run (mailing_id, \"trigger\", started_at) VALUES (1, 'cli', 0);
    INSERT INTO send_attempt (mailing_id, run_id, recipient_id, email, attempt_at, status, response)
        VALUES (1, 1, 1, 'ivan@example.com', 1, 'success', '250 ok');
    UPDATE send_run SET attempts_success = 1 WHERE id = 1;
    INSERT INTO recipient_list (name) VALUES ('VIP');
    INSERT INTO list_member (list_id, recipient_id) VALUES (1, 3);
";

#[tokio::test]
async fn a_database_from_before_ownership_keeps_every_row_and_gives_them_to_its_first_admin() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join("old.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("opened");
    let all = sqlx::migrate!("./migrations/sqlite");
    let before = Migrator {
        migrations: Cow::Owned(
            all.iter()
                .filter(|m| m.version < OWNERSHIP)
                .cloned()
                .collect(),
        ),
        ..Migrator::DEFAULT
    };
    before
        .run(&pool)
        .await
        .expect("migrated to just before ownership");
    sqlx::query(BEFORE)
        .persistent(false)
        .execute(&pool)
        .await
        .expect("old rows");
    pool.close().await;

    let url = format!("sqlite://{}", path.display());
    let store = SqliteStore::connect(&url).await.expect("upgraded");
    let admin = store.scoped(Scope::own(UserId(1)));
    let ids: Vec<RecipientId> = admin
        .list_recipients(Page::ALL)
        .await
        .expect("listed")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, [RecipientId(1), RecipientId(3)], "the admin's now");
    assert_eq!(
        admin
            .mailing_recipient_ids(MailingId(1))
            .await
            .expect("ids"),
        ids,
        "memberships kept"
    );
    let members = admin
        .list_members(ListId(1), None, Page::ALL)
        .await
        .expect("members");
    assert_eq!(members.total, 1, "list membership kept");
    let attempts = admin.list_attempts(MailingId(1), Page::ALL).await;
    assert_eq!(
        attempts.expect("attempts")[0].recipient_id,
        Some(RecipientId(1))
    );
    let found = admin
        .search_recipients(Some(&Search::parse("ольг").expect("valid")), Page::ALL)
        .await
        .expect("searched");
    assert_eq!(found.total, 1, "the trigram index still finds");
    let stats = admin.stats(chrono::Utc::now()).await.expect("stats");
    assert_eq!((stats.recipients_total, stats.unique_recipients), (2, 2));
    let next = admin
        .insert_recipient(&new("next@example.com"))
        .await
        .expect("stored");
    assert_eq!(next.id, RecipientId(4), "a deleted id is not reused");
    store
        .insert_recipient(&new("ivan@example.com"))
        .await
        .expect("the admin's address is free for rows of no owner");
    let again = admin.insert_recipient(&new("IVAN@example.com")).await;
    assert!(again.is_err(), "but not for the admin: {again:?}");
    store.migrate().await.expect("once is enough");
    store.close().await;
}

fn new(address: &str) -> postpilot_core::domain::NewRecipient {
    postpilot_core::domain::NewRecipient {
        email: postpilot_core::domain::EmailAddress::parse(address).expect("valid"),
        full_name: postpilot_core::domain::FullName::parse("Новый").expect("valid"),
        comment: postpilot_core::domain::Comment::default(),
    }
}
