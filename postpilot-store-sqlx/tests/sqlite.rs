//! The store contract on SQLite, plus what only SQLite has (files, URLs).

mod contract;

use postpilot_core::domain::{MessageId, Page, RecipientId, Trigger};
use postpilot_core::ports::{
    DeliveryRepository, MessageRepository, RecipientRepository, StatsRepository, StoreError,
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

/// One `#[tokio::test]` per contract test, each on a fresh database file.
macro_rules! contract_tests {
    ($($name:ident),+ $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let fresh = fresh().await;
            contract::$name(fresh.store.clone()).await;
            fresh.store.close().await;
        }
    )+};
}

contract_tests!(
    launching_queues_one_delivery_per_recipient_and_marks_the_mailing_launched,
    launching_twice_resumes_the_unfinished_run,
    launching_after_the_run_finished_starts_a_new_run_and_keeps_the_first_launch_time,
    launching_a_missing_mailing_is_not_found,
    claims_take_due_deliveries_in_id_order_up_to_the_limit,
    claimed_deliveries_are_not_claimed_again_until_the_lease_expires,
    results_under_a_stale_lease_token_are_ignored,
    recording_results_records_attempts_and_moves_deliveries_on,
    a_retried_delivery_is_claimed_again_when_its_retry_time_comes,
    next_due_is_the_earliest_launch_retry_or_lease_end_and_none_when_all_are_done,
    failing_the_remaining_deliveries_spares_live_leases_and_done_ones,
    finishing_a_run_waits_until_every_delivery_is_done,
    a_run_with_no_recipients_finishes_at_once,
    every_run_operation_on_a_missing_run_is_not_found,
    runs_list_newest_first,
    attempts_list_in_the_order_made_page_by_page,
    a_delivery_keeps_the_address_it_was_launched_with,
    concurrent_claims_never_lease_a_delivery_twice,
    inserted_mailing_reads_back_with_its_window_message_and_recipient_count,
    a_mailing_may_have_no_recipients,
    inserting_a_mailing_with_a_missing_message_is_not_found_naming_the_message,
    inserting_a_mailing_with_missing_recipients_names_the_first_missing_one,
    mailings_list_in_id_order_page_by_page,
    mailing_recipient_ids_are_ascending_and_a_missing_mailing_is_not_found,
    updating_a_mailing_replaces_window_message_and_recipients,
    updating_a_mailing_with_keep_leaves_its_recipients,
    updating_a_mailing_names_the_missing_mailing_message_or_recipient_and_changes_nothing,
    deleting_a_mailing_removes_its_runs_and_attempts,
    deleting_a_missing_mailing_is_not_found,
    inserted_message_reads_back_with_its_creation_time,
    messages_list_in_id_order_page_by_page,
    updating_a_message_replaces_its_text_and_keeps_its_creation_time,
    a_missing_message_is_not_found_to_get_update_or_delete,
    deleting_a_message_used_by_a_mailing_is_refused,
    deleting_an_unused_message_removes_it,
    inserted_recipient_reads_back_with_its_fields,
    duplicate_email_in_any_case_is_refused_as_duplicate,
    getting_a_missing_recipient_is_not_found,
    recipients_list_in_id_order_page_by_page,
    updating_a_recipient_replaces_every_field,
    updating_to_another_recipients_email_is_refused_as_duplicate,
    updating_or_deleting_a_missing_recipient_is_not_found,
    deleting_a_recipient_removes_it_from_its_mailings,
    deleting_a_recipient_keeps_attempt_history_with_its_email,
    import_skips_existing_emails_and_duplicates_within_the_batch,
    import_of_many_rows_returns_ids_in_input_order,
    import_of_no_rows_returns_no_ids,
    two_concurrent_inserts_of_the_same_email_one_wins_the_other_gets_duplicate,
    recipients_of_a_mailing_can_be_replaced_after_a_recipient_is_deleted,
    an_empty_store_has_all_zero_statistics,
    active_mailings_count_changes_when_the_end_time_passes_without_any_write,
    statistics_count_mailings_distinct_recipients_messages_and_attempts,
);

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
    let store = SqliteStore::connect("sqlite::memory:")
        .await
        .expect("in memory");
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
        .launch_run(mailing.id, Trigger::Cli, contract::at(1))
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
