//! The store contract: backend-independent tests of every repository port.
//!
//! Each test is a `pub async fn name<S: Store + Clone + 'static>(store: S)`
//! taking a fresh, empty store. Each backend's test file instantiates every
//! one of them with [`contract_tests!`], so both backends run the same list.

// Each test file that includes this module uses only part of it.
#![allow(dead_code, unused_imports)]

mod counts;
mod delivery;
mod disabling;
mod instance;
mod listing;
mod lists;
mod mailings;
mod messages;
mod ownership;
mod recipients;
mod selection;
mod setup;
mod stats;
mod suppression;
mod users;

pub use counts::*;
pub use delivery::*;
pub use disabling::*;
pub use instance::*;
pub use listing::*;
pub use lists::*;
pub use mailings::*;
pub use messages::*;
pub use ownership::*;
pub use recipients::*;
pub use selection::*;
pub use setup::*;
pub use stats::*;
pub use suppression::*;
pub use users::*;

use chrono::{DateTime, Duration, TimeZone, Utc};
use postpilot_core::domain::{
    AttemptStatus, BodyText, Comment, Delivery, DeliveryResult, EmailAddress, FullName, Mailing,
    MessageId, NewMailing, NewMessage, NewRecipient, NextStep, RecipientId, RecipientIds, RunId,
    Subject, Window,
};
use postpilot_core::ports::{Entity, Scoped, Store, StoreError};

/// A fixed instant plus `minutes`: tests never read the real clock.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0)
        .single()
        .expect("valid time")
        + Duration::minutes(minutes)
}

pub fn email(text: &str) -> EmailAddress {
    EmailAddress::parse(text).expect("valid email")
}

pub fn recipient(address: &str) -> NewRecipient {
    NewRecipient {
        email: email(address),
        full_name: FullName::parse(&format!("Получатель {address}")).expect("valid name"),
        comment: Comment::default(),
    }
}

pub fn message(subject: &str) -> NewMessage {
    NewMessage {
        subject: Subject::parse(subject).expect("valid subject"),
        body_text: BodyText::parse("Здравствуйте!\nСкидки недели.").expect("valid body"),
        body_html: None,
    }
}

/// The window of every test mailing: minute 0 to minute 120.
pub fn window() -> Window {
    Window::new(at(0), at(120)).expect("valid window")
}

pub fn ids(recipients: &[RecipientId]) -> RecipientIds {
    RecipientIds::new(recipients.to_vec()).expect("distinct ids")
}

pub fn new_mailing(message: MessageId, recipients: &[RecipientId]) -> NewMailing {
    NewMailing {
        window: window(),
        message_id: message,
        recipient_ids: ids(recipients),
    }
}

/// Stores `n` recipients `r0@example.com`, `r1@example.com`, ...
pub async fn add_recipients<S: Store>(store: &S, n: usize) -> Vec<RecipientId> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let stored = store
            .insert_recipient(&recipient(&format!("r{i}@example.com")))
            .await
            .expect("recipient stored");
        ids.push(stored.id);
    }
    ids
}

pub async fn add_message<S: Store>(store: &S) -> MessageId {
    store
        .insert_message(&message("Скидки недели"), at(-60))
        .await
        .expect("message stored")
        .id
}

/// A mailing of a new message to `n` new recipients.
pub async fn add_mailing<S: Store>(store: &S, n: usize) -> (Mailing, Vec<RecipientId>) {
    let recipients = add_recipients(store, n).await;
    let message = add_message(store).await;
    let mailing = store
        .insert_mailing(&new_mailing(message, &recipients))
        .await
        .expect("mailing stored");
    (mailing, recipients)
}

/// Claims run `run`'s first due delivery at minute 1 and records it sent
/// at minute 2, as the engine does (on the system's handle).
pub async fn send_first<S: Store>(store: &S, run: RunId) {
    let claim = store
        .claim_deliveries(run, 1, at(1), at(16))
        .await
        .expect("claimed");
    store
        .record_results(run, &claim.token, &[sent(&claim.deliveries[0], at(2))])
        .await
        .expect("recorded");
}

pub fn result(
    delivery: &Delivery,
    status: AttemptStatus,
    next: NextStep,
    when: DateTime<Utc>,
) -> DeliveryResult {
    DeliveryResult {
        delivery_id: delivery.id,
        attempt_at: when,
        status,
        response: match status {
            AttemptStatus::Success => "250 2.0.0 Ok: queued".to_owned(),
            AttemptStatus::Failure => "451 4.7.1 Try again later".to_owned(),
        },
        next,
    }
}

pub fn sent(delivery: &Delivery, when: DateTime<Utc>) -> DeliveryResult {
    result(delivery, AttemptStatus::Success, NextStep::Done, when)
}

pub fn failed(delivery: &Delivery, when: DateTime<Utc>) -> DeliveryResult {
    result(delivery, AttemptStatus::Failure, NextStep::Done, when)
}

pub fn retry(delivery: &Delivery, when: DateTime<Utc>, again: DateTime<Utc>) -> DeliveryResult {
    result(
        delivery,
        AttemptStatus::Failure,
        NextStep::RetryAt(again),
        when,
    )
}

#[track_caller]
pub fn assert_not_found<T: std::fmt::Debug>(
    outcome: Result<T, StoreError>,
    entity: Entity,
    id: i64,
) {
    match outcome {
        Err(StoreError::NotFound { entity: e, id: i }) if e == entity && i == id => {}
        other => panic!("expected {entity} {id} not found, got {other:?}"),
    }
}

/// One `#[tokio::test]` per contract test, each on a fresh store: `$fresh`
/// is an `async fn() -> Option<F>` where `F: contract::Fresh`; `None` skips
/// the test (having said so). Adding a contract test here runs it on every
/// backend.
#[allow(unused_macros)] // not by the benchmark, which includes this module
macro_rules! contract_tests {
    ($fresh:path) => {
        contract::contract_tests!(
            @each $fresh;
            launching_queues_one_delivery_per_recipient_and_marks_the_mailing_launched,
            a_user_is_stored_with_their_role_and_found_by_email_in_any_letter_case,
            a_run_records_the_user_who_launched_it_and_none_for_the_system,
            a_run_records_the_token_it_was_launched_with_and_keeps_it_once_revoked,
            a_second_user_with_the_same_email_in_other_letters_is_a_duplicate,
            users_list_by_id_page_by_page_and_unknown_users_are_not_found,
            roles_blocks_confirmation_and_logins_are_stored,
            a_session_is_found_by_its_key_until_it_ends_and_only_by_its_key,
            sessions_survive_a_new_handle_and_end_when_their_user_is_blocked_or_changes_password,
            api_tokens_are_found_by_key_listed_per_user_and_revoked_only_by_their_user,
            a_one_time_link_is_taken_once_for_its_purpose_before_it_expires,
            the_instance_id_is_random_hex_made_once_and_the_same_on_every_read,
            the_unsubscribe_secret_is_random_made_once_and_the_same_on_every_read,
            unsubscribed_and_bouncing_recipients_are_left_out_of_a_launch_and_counted_by_reason,
            unsubscribing_keeps_the_first_time_and_resubscribing_clears_both_marks,
            the_marks_of_an_unknown_recipient_are_not_found_and_nothing_changes,
            unsubscribing_mid_run_takes_out_the_delivery_not_yet_claimed_and_counts_it,
            only_marked_recipients_are_listed_as_suppressed_by_id,
            launching_twice_resumes_the_unfinished_run,
            launching_after_the_run_finished_starts_a_new_run_and_keeps_the_first_launch_time,
            launching_a_missing_mailing_is_not_found,
            ids_by_email_find_each_address_in_any_letter_case_in_input_order,
            ids_by_email_find_more_addresses_than_one_statement_binds,
            launching_only_unsent_queues_only_recipients_no_run_of_the_mailing_reached,
            launching_only_unsent_while_a_run_is_unfinished_resumes_it,
            the_reach_of_a_missing_mailing_is_not_found,
            a_run_keeps_the_message_it_was_launched_with_and_its_mailing_is_named_as_having_sent_it,
            the_last_response_with_a_prefix_is_found_and_none_when_no_response_has_it,
            claims_take_due_deliveries_in_id_order_up_to_the_limit,
            claimed_deliveries_are_not_claimed_again_until_the_lease_expires,
            results_under_a_stale_lease_token_are_ignored,
            one_record_of_several_claims_records_each_result_under_its_own_claims_token,
            one_record_of_several_claims_ignores_only_the_results_of_a_lease_taken_over,
            one_record_of_no_claims_returns_the_runs_totals,
            recording_results_records_attempts_and_moves_deliveries_on,
            recording_results_updates_every_counter_and_delivery_it_records,
            any_response_text_is_recorded_with_its_control_characters_escaped,
            a_retried_delivery_is_claimed_again_when_its_retry_time_comes,
            next_due_is_the_earliest_launch_retry_or_lease_end_and_none_when_all_are_done,
            failing_the_remaining_deliveries_spares_live_leases_and_done_ones,
            finishing_a_run_waits_until_every_delivery_is_done,
            a_run_with_no_recipients_finishes_at_once,
            every_run_operation_on_a_missing_run_is_not_found,
            runs_list_newest_first,
            attempts_list_in_the_order_made_page_by_page,
            a_delivery_keeps_the_address_it_was_launched_with,
            a_messages_html_version_is_stored_changed_removed_and_kept_by_its_runs,
            concurrent_claims_never_lease_a_delivery_twice,
            renewing_a_lease_keeps_its_deliveries_from_other_senders,
            a_handed_back_lease_frees_only_its_unstarted_deliveries_at_once,
            unfinished_runs_list_oldest_first_and_drop_finished_ones,
            due_mailings_are_the_never_sent_ones_whose_window_is_open,
            deleting_a_recipient_cancels_its_queued_deliveries_but_not_one_in_flight,
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
            the_mailings_using_a_message_are_listed_sent_or_not,
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
            mailing_status_and_active_count_agree_at_the_windows_boundaries,
            statistics_follow_every_insert_update_and_delete,
            concurrent_mailings_over_shared_recipients_count_each_recipient_once,
            concurrent_imports_and_inserts_of_overlapping_emails_store_each_email_once,
            adding_by_search_takes_every_match_in_any_letter_case_of_latin_and_cyrillic,
            wildcards_in_a_search_match_only_themselves,
            adding_again_adds_only_those_not_yet_in_the_mailing,
            removing_by_ids_search_or_all_removes_only_members_and_keeps_counts,
            adding_or_removing_names_the_missing_mailing_or_recipient_and_changes_nothing,
            a_mailings_recipients_are_listed_by_id_page_by_page_with_the_total_found,
            adding_all_of_5000_recipients_takes_one_call_and_counts_them_once,
            lists_are_created_renamed_listed_by_name_and_deleted,
            a_second_list_of_the_same_name_is_refused_as_duplicate,
            a_missing_list_is_not_found_to_every_operation,
            members_are_added_and_removed_by_selection_and_a_recipient_may_be_in_several_lists,
            a_mailing_takes_and_gives_back_the_members_of_a_list_in_one_call,
            a_list_of_5000_feeds_a_mailing_in_one_statement,
            recipients_are_found_by_email_or_name_in_any_case_and_counted,
            recipients_are_found_by_what_they_are_now_after_an_edit_or_an_import,
            recipients_deleted_are_no_longer_found_and_searches_of_any_length_find,
            recipients_are_ordered_by_name_or_email_either_way_a_page_at_a_time,
            messages_are_found_by_subject_and_ordered_by_each_column,
            mailings_are_found_by_subject_or_number_with_their_subject_and_ordered,
            attempts_are_newest_first_filtered_by_status_and_email_and_counted,
            attempts_are_walked_newest_first_a_batch_at_a_time,
            another_users_recipients_are_not_found_listed_counted_or_changed,
            a_manager_sees_every_users_recipients_but_changes_only_their_own,
            another_users_messages_and_mailings_are_not_found_listed_or_changed,
            recipients_are_added_to_a_mailing_or_list_only_from_their_owners_own,
            another_users_lists_are_not_found_listed_or_changed,
            another_users_runs_and_attempts_are_not_found_or_listed_and_a_manager_sees_them,
            what_the_system_made_before_any_admin_goes_to_the_first_admin,
            an_email_and_a_list_name_are_unique_per_owner_in_any_letter_case,
            statistics_count_what_the_handle_sees,
            a_disabled_mailing_keeps_when_and_by_whom_until_it_is_enabled_again,
            a_disabled_mailing_is_not_due_until_it_is_enabled_again,
            a_manager_disables_another_users_mailing_which_no_other_user_can_reach,
            users_are_listed_with_what_each_owns_and_the_runs_each_launched,
            the_setup_key_adds_the_first_admin_once_while_live_and_only_the_latest_works,
            a_setup_for_an_email_taken_is_a_duplicate_and_leaves_the_key_live,
        );
    };
    (@each $fresh:path; $($name:ident),+ $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let Some(fresh) = $fresh(stringify!($name)).await else {
                return;
            };
            contract::$name(contract::Fresh::store(&fresh)).await;
            contract::Fresh::finish(fresh).await;
        }
    )+};
}
pub(crate) use contract_tests;

/// A fresh, empty store for one test, and its cleaning up.
pub trait Fresh {
    type Store: Store + Scoped + Clone + 'static;
    fn store(&self) -> Self::Store;
    /// Closes the store and removes its database.
    fn finish(self) -> impl std::future::Future<Output = ()>;
}
