//! The store contract on PostgreSQL, plus what only PostgreSQL has. Each
//! test runs on a database of its own on the server `POSTPILOT_TEST_PG_URL`
//! names (e.g. `postgres://postgres@127.0.0.1:5432/test`); unset, the tests
//! say `SKIPPED` and pass, except under CI, where they fail.

mod contract;

use postpilot_core::domain::{MessageId, Page, RecipientId};
use postpilot_core::ports::{MessageRepository, RecipientRepository, StoreError};
use postpilot_store_sqlx::testing::ScratchDatabase;
use postpilot_store_sqlx::PgStore;

/// A store over a new database, dropped when the test is done.
struct Fresh {
    store: PgStore,
    database: ScratchDatabase,
}

impl contract::Fresh for Fresh {
    type Store = PgStore;

    fn store(&self) -> PgStore {
        self.store.clone()
    }

    async fn finish(self) {
        self.store.close().await;
        self.database.drop_database().await;
    }
}

/// A store over a new database, or `None` when no server is configured.
async fn fresh_store(test: &str) -> Option<Fresh> {
    let database = ScratchDatabase::create(test).await?;
    let store = PgStore::connect(database.url()).await.expect("connected");
    Some(Fresh { store, database })
}

contract::contract_tests!(fresh_store);

#[tokio::test]
async fn migrate_is_idempotent_and_a_second_store_sees_the_data() {
    let Some(fresh) = fresh_store("migrate_is_idempotent_and_a_second_store_sees_the_data").await
    else {
        return;
    };
    fresh.store.migrate().await.expect("again");
    let id = fresh
        .store
        .insert_recipient(&contract::recipient("kept@example.com"))
        .await
        .expect("stored")
        .id;
    // Another process: connecting migrates again, concurrently with this one.
    let (other, again) = tokio::join!(
        PgStore::connect(fresh.database.url()),
        fresh.store.migrate()
    );
    let other = other.expect("second store");
    again.expect("migrated");
    let read = other.get_recipient(id).await.expect("read");
    assert_eq!(read.email.as_str(), "kept@example.com");
    other.close().await;
    contract::Fresh::finish(fresh).await;
}

#[tokio::test]
async fn connection_errors_never_echo_the_url_or_its_password() {
    for url in [
        "postgres://postpilot:hunter2secret@127.0.0.1:1/nowhere",
        "postgres://postpilot:hunter2secret@[bad",
    ] {
        let err = PgStore::connect(url).await.expect_err("refused");
        assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
        let mut text = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            text.push_str(&format!(" / {cause}"));
            source = cause.source();
        }
        assert!(!text.contains("hunter2secret"), "{text}");
    }
}

#[tokio::test]
async fn rows_that_break_domain_rules_are_backend_errors_not_panics() {
    let Some(fresh) =
        fresh_store("rows_that_break_domain_rules_are_backend_errors_not_panics").await
    else {
        return;
    };
    let raw = sqlx::PgPool::connect(fresh.database.url())
        .await
        .expect("raw connection");
    sqlx::query(
        "INSERT INTO recipient (id, email, full_name, comment) OVERRIDING SYSTEM VALUE \
         VALUES (1, 'not an email', 'Name', ''), (2, 'ok@example.com', '', '')",
    )
    .execute(&raw)
    .await
    .expect("corrupt rows written");
    sqlx::query(
        "INSERT INTO message (id, subject, body_text, created_at) OVERRIDING SYSTEM VALUE \
         VALUES (1, '', 'Body', now())",
    )
    .execute(&raw)
    .await
    .expect("corrupt row written");
    raw.close().await;
    for outcome in [
        fresh.store.get_recipient(RecipientId(1)).await.map(drop),
        fresh.store.get_recipient(RecipientId(2)).await.map(drop),
        fresh.store.list_recipients(Page::ALL).await.map(drop),
        fresh.store.get_message(MessageId(1)).await.map(drop),
    ] {
        let err = outcome.expect_err("refused");
        assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
    }
    contract::Fresh::finish(fresh).await;
}

/// The pool pings a connection that has rested (not one in busy use, which
/// would cost a round trip per statement): connections the server ended
/// while idle, as a restart does, are replaced before the next call uses
/// them, so it succeeds.
#[tokio::test]
async fn connections_ended_while_idle_are_replaced_before_the_next_call() {
    let Some(fresh) =
        fresh_store("connections_ended_while_idle_are_replaced_before_the_next_call").await
    else {
        return;
    };
    let store = &fresh.store;
    let (a, b) = tokio::join!(
        store.list_recipients(Page::ALL),
        store.list_recipients(Page::ALL)
    );
    a.expect("read");
    b.expect("read");
    let raw = sqlx::PgPool::connect(fresh.database.url())
        .await
        .expect("raw connection");
    let ended: i64 = sqlx::query_scalar(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&raw)
    .await
    .expect("ended");
    raw.close().await;
    assert!(ended >= 1, "the store's connections were ended");
    // Past the rest after which a connection is pinged before use.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    store
        .list_recipients(Page::ALL)
        .await
        .expect("read on a new connection");
    contract::Fresh::finish(fresh).await;
}

/// Memberships carry no foreign keys on PostgreSQL (a bulk add checks its
/// references once per statement): the database still refuses one naming
/// no recipient or no mailing, whoever writes it.
#[tokio::test]
async fn a_membership_naming_no_recipient_or_no_mailing_is_refused_by_the_database() {
    let Some(fresh) =
        fresh_store("a_membership_naming_no_recipient_or_no_mailing_is_refused_by_the_database")
            .await
    else {
        return;
    };
    let raw = sqlx::PgPool::connect(fresh.database.url())
        .await
        .expect("raw connection");
    sqlx::raw_sql(
        "INSERT INTO recipient (email, full_name) VALUES ('a@example.com', 'A'); \
         INSERT INTO message (subject, body_text, created_at) VALUES ('S', 'B', now()); \
         INSERT INTO mailing (first_sent_at, sent_completed_at, message_id) \
         VALUES (now(), now() + interval '1 day', 1);",
    )
    .execute(&raw)
    .await
    .expect("rows written");
    for (mailing, recipient, constraint) in [
        (1_i64, 2_i64, "mailing_recipient_recipient_id_fkey"),
        (2, 1, "mailing_recipient_mailing_id_fkey"),
    ] {
        let err =
            sqlx::query("INSERT INTO mailing_recipient (mailing_id, recipient_id) VALUES ($1, $2)")
                .bind(mailing)
                .bind(recipient)
                .execute(&raw)
                .await
                .expect_err("refused");
        let db = err.as_database_error().expect("a database error");
        assert!(db.is_foreign_key_violation(), "{db:?}");
        assert_eq!(db.constraint(), Some(constraint));
    }
    sqlx::query("INSERT INTO mailing_recipient (mailing_id, recipient_id) VALUES (1, 1)")
        .execute(&raw)
        .await
        .expect("a valid membership");
    let count: i64 = sqlx::query_scalar("SELECT recipient_count FROM mailing WHERE id = 1")
        .fetch_one(&raw)
        .await
        .expect("read");
    assert_eq!(count, 1);
    raw.close().await;
    contract::Fresh::finish(fresh).await;
}
