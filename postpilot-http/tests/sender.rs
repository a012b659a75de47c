//! The server's one sender: what the API and the UI launch, it delivers at
//! once; it is the scheduler only when configured so; it stops when its
//! stop signal is raised; the metrics follow it.

mod support;

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use postpilot_core::usecases::StopSignal;
use serde_json::json;
use support::Server;

/// The sender would look for work only every minute: whatever it does
/// sooner, it was woken for.
fn idle_for_a_minute(config: &mut postpilot_http::HttpConfig) {
    config.poll = Duration::from_secs(60);
}

#[tokio::test]
async fn a_send_from_the_api_wakes_the_sender_which_delivers_at_once() {
    let s = Server::with(idle_for_a_minute).await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "А").await;
    let first = s.open_mailing(message, &[a]).await;
    let second = s.open_mailing(message, &[a]).await;
    s.state.start_sending();
    // Idle now, until woken.
    tokio::time::sleep(Duration::from_millis(100)).await;

    for id in [first, second] {
        let sent = s
            .post(&format!("/api/v1/mailings/{id}/send"), json!({}))
            .await;
        assert_eq!(sent.status, 202, "{}", sent.text);
        let attempts = s.wait_for_attempts(id, 1).await;
        assert_eq!(attempts[0]["status"], "success");
    }
}

#[tokio::test]
async fn the_scheduler_is_off_unless_configured_so_a_due_mailing_waits_for_a_send() {
    let s = Server::with(|config| config.poll = Duration::from_millis(20)).await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "А").await;
    let due = s.open_mailing(message, &[a]).await;
    s.state.start_sending();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let runs = s.get(&format!("/api/v1/mailings/{due}/runs")).await;
    assert_eq!(runs.json["items"], json!([]), "nothing launched it");
}

#[tokio::test]
async fn with_the_scheduler_on_a_due_mailing_is_launched_and_delivered_by_the_same_sender() {
    let s = Server::with(|config| {
        config.schedule = true;
        config.poll = Duration::from_millis(20);
    })
    .await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "А").await;
    let due = s.open_mailing(message, &[a]).await;
    s.state.start_sending();
    s.wait_for_attempts(due, 1).await;
    let runs = s.get(&format!("/api/v1/mailings/{due}/runs")).await;
    assert_eq!(runs.json["items"][0]["trigger"], "schedule");
    // A send now picks up that run, or launches the next: still one sender.
    let sent = s
        .post(&format!("/api/v1/mailings/{due}/send"), json!({}))
        .await;
    assert_eq!(sent.status, 202, "{}", sent.text);
}

#[tokio::test]
async fn a_raised_stop_ends_the_sender_and_a_later_send_is_launched_but_left_for_the_next_sender() {
    let (stopper, stop) = StopSignal::new();
    let s = Server::with(|config| {
        config.stop = stop;
        idle_for_a_minute(config);
    })
    .await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "А").await;
    let id = s.open_mailing(message, &[a]).await;
    s.state.start_sending();
    stopper.stop();
    assert!(
        s.state.deliveries().wait(Duration::from_secs(5)).await,
        "the sender stopped by itself"
    );
    let sent = s
        .post(&format!("/api/v1/mailings/{id}/send"), json!({}))
        .await;
    assert_eq!(sent.status, 202, "{}", sent.text);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let run = s.get(&format!("/api/v1/mailings/{id}/runs")).await;
    assert_eq!(run.json["items"][0]["pending"], 1, "{}", run.text);
    assert_eq!(s.state.deliveries().in_progress(), 0);
}

#[tokio::test]
async fn metrics_show_the_runs_the_sender_has_in_hand_and_those_it_finished() {
    let s = Server::new().await;
    let message = s.message("Тема").await;
    let a = s.recipient("a@example.com", "А").await;
    let id = s.open_mailing(message, &[a]).await;
    s.post(&format!("/api/v1/mailings/{id}/send"), json!({}))
        .await;
    s.wait_for_attempts(id, 1).await;
    let mut text = String::new();
    for _ in 0..100 {
        text = s
            .send(Request::get("/metrics").body(Body::empty()).expect("r"))
            .await
            .text;
        if text.contains("postpilot_runs_finished_total 1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(text.contains("postpilot_runs_finished_total 1"), "{text}");
    assert!(text.contains("postpilot_deliveries_running 0"), "{text}");
    assert!(text.contains("postpilot_emails_sent_total 1"), "{text}");
}
