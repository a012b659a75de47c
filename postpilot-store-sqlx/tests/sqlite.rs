//! The store contract on SQLite, plus what only SQLite has (files, URLs).

mod contract;

use postpilot_core::domain::{Audience, MessageId, Page, RecipientId, Trigger};
use postpilot_core::ports::{
    InstanceRepository, MessageRepository, QueueRepository, RecipientRepository, RunRepository,
    StatsRepository, StoreError,
};
use postpilot_store_sqlx::SqliteStore;
use tempfile::TempDir;

/// A store over a new database file, deleted with the directory.
struct Fresh {
    store: SqliteStore,
    url: String,
    _dir: TempDir,
}

async fn fresh() -> Fresh {
    let dir = TempDir::new().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("postpilot.db").display());
    let store = SqliteStore::connect(&url).await.expect("connected");
    Fresh {
        store,
        url,
        _dir: dir,
    }
}

impl contract::Fresh for Fresh {
    type Store = SqliteStore;

    fn store(&self) -> SqliteStore {
        self.store.clone()
    }

    async fn finish(self) {
        self.store.close().await;
    }
}

/// The contract tests' store: SQLite needs no server, so never skips.
async fn fresh_store(_test: &str) -> Option<Fresh> {
    Some(fresh().await)
}

contract::contract_tests!(fresh_store);

#[tokio::test]
async fn two_databases_have_different_instance_ids_and_one_keeps_its_own_when_reopened() {
    let (a, b) = (fresh().await, fresh().await);
    let id_a = a.store.instance_id().await.expect("instance id");
    let id_b = b.store.instance_id().await.expect("instance id");
    assert_ne!(id_a, id_b);
    a.store.migrate().await.expect("migrated again");
    a.store.close().await;
    let reopened = SqliteStore::connect(&a.url).await.expect("reopened");
    assert_eq!(reopened.instance_id().await.expect("instance id"), id_a);
    reopened.close().await;
    b.store.close().await;
}

#[tokio::test]
async fn the_database_file_is_created_if_missing_and_migrate_is_idempotent() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join("new.db");
    assert!(!path.exists());
    let url = format!("sqlite://{}", path.display());
    let store = SqliteStore::connect(&url).await.expect("created");
    assert!(path.exists());
    store.migrate().await.expect("again");
    store.migrate().await.expect("and again");
    let id = store
        .insert_recipient(&contract::recipient("kept@example.com"))
        .await
        .expect("stored")
        .id;
    store.close().await;

    // Reopening applies nothing new and finds the data.
    let reopened = SqliteStore::connect(&format!("sqlite:{}", path.display()))
        .await
        .expect("reopened");
    let read = reopened.get_recipient(id).await.expect("read");
    assert_eq!(read.email.as_str(), "kept@example.com");
    reopened.close().await;
}

#[tokio::test]
async fn the_file_uses_wal_and_enforces_foreign_keys() {
    let fresh = fresh().await;
    fresh.store.close().await;
    let raw = raw_pool(&fresh.url).await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&raw)
        .await
        .expect("pragma");
    assert_eq!(mode, "wal");
    let refused = sqlx::query("INSERT INTO mailing_recipient VALUES (1, 1)")
        .execute(&raw)
        .await;
    assert!(refused.is_err(), "foreign keys are enforced");
}

#[tokio::test]
async fn an_in_memory_database_keeps_its_data_for_the_life_of_the_store() {
    for url in [
        "sqlite::memory:",
        "sqlite://%3Amemory%3A",
        "sqlite://file::memory:",
    ] {
        keeps_its_data_for_the_life_of_the_store(url).await;
    }
}

#[tokio::test]
async fn a_url_without_a_file_opens_one_temporary_database_the_whole_store_sees() {
    for url in ["sqlite://", "sqlite:"] {
        keeps_its_data_for_the_life_of_the_store(url).await;
    }
}

/// The store on `url`, a database without a file, reads back what it
/// wrote, from any task.
async fn keeps_its_data_for_the_life_of_the_store(url: &str) {
    let store = SqliteStore::connect(url).await.expect(url);
    let id = store
        .insert_recipient(&contract::recipient("mem@example.com"))
        .await
        .expect("stored")
        .id;
    // Reads and writes interleaved from several tasks see one database.
    let mut tasks = Vec::new();
    for i in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .insert_recipient(&contract::recipient(&format!("m{i}@example.com")))
                .await
                .expect("stored");
            store.get_recipient(id).await.expect("read")
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("joined").id, id);
    }
    assert_eq!(
        store
            .stats(contract::at(0))
            .await
            .expect("stats")
            .recipients_total,
        5
    );
    store.close().await;
}

#[tokio::test]
async fn a_malformed_url_is_a_backend_error() {
    let err = SqliteStore::connect("postgres://nope")
        .await
        .expect_err("refused");
    assert!(matches!(err, StoreError::Backend { .. }), "{err:?}");
}

#[tokio::test]
async fn rows_that_break_domain_rules_are_backend_errors_not_panics() {
    let fresh = fresh().await;
    let raw = raw_pool(&fresh.url).await;
    sqlx::query(
        "INSERT INTO recipient (id, email, full_name, comment) \
         VALUES (1, 'not an email', 'Name', ''), (2, 'ok@example.com', '', '')",
    )
    .execute(&raw)
    .await
    .expect("corrupt rows written");
    sqlx::query(
        "INSERT INTO message (id, subject, body_text, created_at) \
         VALUES (1, 'Subject', 'Body', 9223372036854775807)",
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
    fresh.store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_on_one_file_write_concurrently_without_database_locked() {
    // Two stores stand for two processes (say `serve` and `worker`): each
    // has its own writer connection, so only SQLite's locking keeps order.
    // Claims read before they write, the case a deferred transaction loses.
    let fresh = fresh().await;
    let other = SqliteStore::connect(&fresh.url).await.expect("second");
    let (mailing, _) = contract::add_mailing(&fresh.store, 200).await;
    let run = fresh
        .store
        .launch_run(
            mailing.id,
            Trigger::Cli,
            Audience::Everyone,
            contract::at(1),
        )
        .await
        .expect("launched")
        .run;
    let mut tasks = Vec::new();
    for (s, store) in [fresh.store.clone(), other.clone()].into_iter().enumerate() {
        for t in 0..3 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut sent = 0;
                for i in 0.. {
                    let rows: Vec<_> = (0..5)
                        .map(|j| contract::recipient(&format!("s{s}t{t}i{i}j{j}@example.com")))
                        .collect();
                    store.insert_recipients(&rows).await?;
                    let claim = store
                        .claim_deliveries(run.id, 3, contract::at(1), contract::at(20))
                        .await?;
                    if claim.deliveries.is_empty() {
                        break;
                    }
                    let results: Vec<_> = claim
                        .deliveries
                        .iter()
                        .map(|d| contract::sent(d, contract::at(2)))
                        .collect();
                    store.record_results(run.id, &claim.token, &results).await?;
                    sent += results.len();
                }
                Ok::<_, StoreError>(sent)
            }));
        }
    }
    let mut sent = 0;
    for task in tasks {
        sent += task.await.expect("joined").expect("no write failed");
    }
    assert_eq!(sent, 200, "each delivery sent exactly once");
    let totals = other.get_run(run.id).await.expect("run");
    assert_eq!((totals.sent, totals.pending()), (200, 0));
    other.close().await;
    fresh.store.close().await;
}

/// A plain connection to the same file, bypassing the store.
async fn raw_pool(url: &str) -> sqlx::SqlitePool {
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("raw connection")
}

#[tokio::test]
async fn the_search_key_the_store_writes_is_the_one_the_trigger_makes_for_a_row_written_by_hand() {
    use postpilot_core::domain::{Comment, EmailAddress, FullName, NewRecipient};
    use postpilot_core::ports::RecipientRepository;
    let fresh = fresh().await;
    let person = |email: &str| NewRecipient {
        email: EmailAddress::parse(email).expect("valid email"),
        full_name: FullName::parse("Ёлкин ЮРИЙ Щукин-Smith").expect("valid name"),
        comment: Comment::default(),
    };
    fresh
        .store
        .insert_recipient(&person("One.ADDED@Example.COM"))
        .await
        .expect("added");
    fresh
        .store
        .insert_recipients(&[person("Two.IMPORTED@Example.COM")])
        .await
        .expect("imported");
    fresh.store.close().await;
    let raw = raw_pool(&fresh.url).await;
    sqlx::query(
        "INSERT INTO recipient (email, full_name, comment) \
         VALUES ('Three.BY.HAND@Example.COM', 'Ёлкин ЮРИЙ Щукин-Smith', '')",
    )
    .execute(&raw)
    .await
    .expect("written by hand");
    let keys: Vec<String> = sqlx::query_scalar("SELECT search_key FROM recipient ORDER BY id")
        .fetch_all(&raw)
        .await
        .expect("keys");
    raw.close().await;
    assert_eq!(
        keys,
        vec![
            "one.added@example.com\nёлкин юрий щукин-smith",
            "two.imported@example.com\nёлкин юрий щукин-smith",
            "three.by.hand@example.com\nёлкин юрий щукин-smith",
        ]
    );
}
