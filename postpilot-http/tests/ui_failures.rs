//! Failures in plain Russian: the reply column gives the kind of each
//! failure in Russian before the server's own words, kept verbatim, and a
//! run that gave up on the server says so at the top of the mailing page.

mod support;

use chrono::Utc;
use postpilot_core::domain::{AttemptStatus, Audience, DeliveryResult, NextStep, Trigger};
use postpilot_core::ports::{QueueRepository, RunRepository};
use postpilot_core::MailingId;
use support::{Browser, Server};

/// A finished run of the mailing whose first delivery failed for the given
/// `response` and whose others were given up on, as the engine records them.
async fn run_that_gave_up(s: &Server, mailing: i64, response: &str) {
    let now = Utc::now();
    let run = s
        .store
        .launch_run(MailingId(mailing), Trigger::Ui, Audience::Everyone, now)
        .await
        .expect("launched")
        .run;
    let claim = s
        .store
        .claim_deliveries(run.id, 1, now, now + chrono::Duration::minutes(1))
        .await
        .expect("claimed");
    let first = DeliveryResult {
        delivery_id: claim.deliveries[0].id,
        attempt_at: now,
        status: AttemptStatus::Failure,
        response: response.to_owned(),
        next: NextStep::Done,
    };
    s.store
        .record_results(run.id, &claim.token, &[first])
        .await
        .expect("recorded");
    s.store
        .fail_remaining(
            run.id,
            &format!("not sent: gave up after 100 temporary failures in a row; last: {response}"),
            now,
        )
        .await
        .expect("given up");
    s.store
        .finish_run_if_done(run.id, now)
        .await
        .expect("finished");
}

#[tokio::test]
async fn a_run_that_gave_up_on_the_server_says_so_at_the_top_and_each_reply_reads_in_russian() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "Анна").await;
    let b_id = s.recipient("b@example.com", "Борис").await;
    let c = s.recipient("c@example.com", "Вера").await;
    let mailing = s.open_mailing(message, &[a, b_id, c]).await;
    run_that_gave_up(
        &s,
        mailing,
        "temporary failure: connection refused: 127.0.0.1:2525",
    )
    .await;

    let b = Browser::log_in(&s).await;
    let page = b.get(&format!("/mailings/{mailing}")).await;
    let text = &page.text;
    assert!(text.contains(r#"id="server-down""#), "{text}");
    assert!(text.contains("Почтовый сервер недоступен: отправка остановлена после 100\u{a0}временных ошибок подряд"), "{text}");
    assert!(text.contains(r#"<span class="kind">временная ошибка</span>: <code>connection refused: 127.0.0.1:2525</code>"#));
    assert_eq!(
        text.matches("почтовый сервер недоступен — 100\u{a0}временных ошибок подряд")
            .count(),
        2,
        "the two recipients given up on"
    );
    assert!(
        !text.contains("temporary failure"),
        "no English kind is left"
    );
    assert!(!text.contains("not sent:"));
}

#[tokio::test]
async fn a_later_run_that_reached_the_server_takes_the_warning_away() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "Анна").await;
    let c = s.recipient("c@example.com", "Вера").await;
    let mailing = s.open_mailing(message, &[a, c]).await;
    run_that_gave_up(
        &s,
        mailing,
        "temporary failure: 421 4.3.2 Service not available",
    )
    .await;
    s.state.start_sending();
    let b = Browser::log_in(&s).await;
    assert!(b
        .get(&format!("/mailings/{mailing}"))
        .await
        .text
        .contains(r#"id="server-down""#));

    let sent = b
        .post(
            &format!("/mailings/{mailing}/send"),
            &[("selection", "only_unsent")],
        )
        .await;
    assert_eq!(
        sent.status,
        axum::http::StatusCode::SEE_OTHER,
        "{}",
        sent.text
    );
    s.wait_for_attempts(mailing, 4).await;
    let mut page = b.get(&format!("/mailings/{mailing}")).await;
    for _ in 0..100 {
        if !page.text.contains(r#"id="server-down""#) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        page = b.get(&format!("/mailings/{mailing}")).await;
    }
    assert!(!page.text.contains(r#"id="server-down""#), "{}", page.text);
}
