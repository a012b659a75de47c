//! Lists that scale, through the real router: recipients, messages,
//! mailings and a mailing's attempts show their total, search, sort by a
//! column heading, number their pages; a page past the end shows the last
//! one and says so; bad query values never fail the page; attempts are
//! newest first, filtered by status, searched by email and exported as CSV.

mod support;

use axum::http::StatusCode;
use chrono::Utc;
use postpilot_core::domain::{AttemptStatus, Audience, DeliveryResult, NextStep, Trigger};
use postpilot_core::ports::{QueueRepository, RecipientRepository, RunRepository};
use postpilot_core::{Comment, EmailAddress, FullName, MailingId, NewRecipient};
use support::{Browser, Server};

/// Stores `n` recipients `r000@example.com`…, every third named Ольга.
async fn many(s: &Server, n: usize) {
    let rows: Vec<NewRecipient> = (0..n)
        .map(|i| NewRecipient {
            email: EmailAddress::parse(&format!("r{i:03}@example.com")).expect("email"),
            full_name: FullName::parse(if i % 3 == 0 {
                "Ольга Петрова"
            } else {
                "Иван Сидоров"
            })
            .expect("name"),
            comment: Comment::default(),
        })
        .collect();
    s.store.insert_recipients(&rows).await.expect("imported");
}

/// The emails in the rows of a recipients page, in order.
fn emails(html: &str) -> Vec<String> {
    // Each cell links the address to the recipient's page.
    html.split("<td data-label=\"Email\">")
        .skip(1)
        .filter_map(|cell| cell.split("</a>").next())
        .filter_map(|link| link.rsplit('>').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_recipients_list_counts_searches_sorts_and_numbers_its_pages() {
    let s = Server::new().await;
    many(&s, 120).await;
    let b = Browser::log_in(&s).await;

    let page = b.get("/recipients").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("Всего: <strong>120</strong>"),
        "{}",
        page.text
    );
    assert_eq!(emails(&page.text).len(), 50);
    assert!(page.text.contains("aria-current=\"page\">1<"));
    assert!(
        page.text.contains("sort=id&amp;dir=asc&amp;page=3\">3<"),
        "the last page is linked"
    );

    let found = b.get("/recipients?q=%D0%9E%D0%9B%D0%AC%D0%93%D0%90").await;
    assert!(
        found.text.contains("Найдено: <strong>40</strong>"),
        "ОЛЬГА in any case"
    );
    assert!(
        found.text.contains("value=\"ОЛЬГА\""),
        "the search stays in its box"
    );

    let by_email = b.get("/recipients?sort=email&dir=desc").await;
    assert_eq!(emails(&by_email.text)[0], "r119@example.com");
    assert!(by_email.text.contains("aria-sort=\"descending\""));
    assert!(
        by_email.text.contains("sort=email&amp;dir=desc&amp;page=2"),
        "pages keep the order"
    );

    let past = b.get("/recipients?page=402").await;
    assert_eq!(past.status, StatusCode::OK);
    assert!(past.text.contains("Страницы 402 нет"), "{}", past.text);
    assert_eq!(
        emails(&past.text),
        (100..120)
            .map(|i| format!("r{i}@example.com"))
            .collect::<Vec<_>>()
    );

    for odd in [
        "/recipients?page=abc",
        "/recipients?sort=nope&dir=sideways",
        "/recipients?page=-1",
    ] {
        let r = b.get(odd).await;
        assert_eq!(r.status, StatusCode::OK, "{odd}");
        assert_eq!(emails(&r.text)[0], "r000@example.com", "{odd}");
    }
    let long = b.get(&format!("/recipients?q={}", "я".repeat(101))).await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    assert!(long.text.contains("Поиск:"), "{}", long.text);
}

#[tokio::test]
async fn messages_and_mailings_are_searched_by_subject_and_sorted_by_a_heading() {
    let s = Server::new().await;
    let news = s.message("Новости недели").await;
    let sale = s.message("Скидки").await;
    let r = s.recipient("a@example.com", "Анна").await;
    let small = s.open_mailing(news, &[]).await;
    let large = s.open_mailing(sale, &[r]).await;
    let b = Browser::log_in(&s).await;

    let messages = b
        .get("/messages?q=%D1%81%D0%BA%D0%B8%D0%B4%D0%BA%D0%B8")
        .await;
    assert!(messages.text.contains("Найдено: <strong>1</strong>"));
    assert!(messages.text.contains("Скидки") && !messages.text.contains("Новости недели"));

    let mailings = b.get("/mailings?sort=recipients&dir=desc").await;
    let first = mailings.text.find(&format!("№{large}<")).expect("large");
    let second = mailings.text.find(&format!("№{small}<")).expect("small");
    assert!(first < second, "most recipients first");
    let by_number = b.get(&format!("/mailings?q={small}")).await;
    assert!(by_number.text.contains("Найдено: <strong>1</strong>"));
    assert!(by_number.text.contains("Новости недели"));
    let nothing = b.get("/mailings?q=zzz").await;
    assert!(nothing.text.contains("Ничего не найдено."));
}

/// A mailing to three recipients with one attempt each, recorded in this
/// order: a@ succeeded, b@ failed with a reply that looks like a formula,
/// c@ succeeded.
async fn three_attempts(s: &Server) -> i64 {
    let message = s.message("Новости").await;
    let mut ids = Vec::new();
    for email in ["a@example.com", "b@example.org", "c@example.com"] {
        ids.push(s.recipient(email, "Получатель").await);
    }
    let mailing = s.open_mailing(message, &ids).await;
    let now = Utc::now();
    let run = s
        .store
        .launch_run(MailingId(mailing), Trigger::Ui, Audience::Everyone, now)
        .await
        .expect("launched")
        .run;
    let claim = s
        .store
        .claim_deliveries(run.id, 10, now, now + chrono::Duration::minutes(1))
        .await
        .expect("claimed");
    for (delivery, status, response) in [
        (0, AttemptStatus::Success, "250 2.0.0 Ok"),
        (1, AttemptStatus::Failure, "=HYPERLINK(\"http://evil\")"),
        (2, AttemptStatus::Success, "250 2.0.0 Ok"),
    ] {
        let result = DeliveryResult {
            delivery_id: claim.deliveries[delivery].id,
            attempt_at: now,
            status,
            response: response.to_owned(),
            next: NextStep::Done,
        };
        s.store
            .record_results(run.id, &claim.token, &[result])
            .await
            .expect("recorded");
    }
    mailing
}

#[tokio::test]
async fn attempts_are_newest_first_filtered_by_status_searched_and_exported_as_csv() {
    let s = Server::new().await;
    let mailing = three_attempts(&s).await;
    let b = Browser::log_in(&s).await;

    let page = b.get(&format!("/mailings/{mailing}")).await;
    let (c, a) = (
        page.text.find(">c@example.com<").expect("c"),
        page.text.find(">a@example.com<").expect("a"),
    );
    assert!(c < a, "newest first");
    assert!(page.text.contains("Всего: <strong>3</strong>"));

    let failed = b.get(&format!("/mailings/{mailing}?status=failure")).await;
    assert!(
        failed.text.contains("Найдено: <strong>1</strong>"),
        "{}",
        failed.text
    );
    assert!(failed.text.contains(">b@example.org<") && !failed.text.contains(">a@example.com<"));
    assert!(failed.text.contains("<option value=\"failure\" selected>"));

    let searched = b
        .get(&format!("/mailings/{mailing}?q=EXAMPLE.COM&status=success"))
        .await;
    assert!(searched.text.contains("Найдено: <strong>2</strong>"));
    let link = format!("/mailings/{mailing}/attempts.csv?q=EXAMPLE.COM&amp;status=success");
    assert!(searched.text.contains(&link), "the export takes the filter");

    let csv = b.get(&format!("/mailings/{mailing}/attempts.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let lines: Vec<&str> = csv.text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 4, "{}", csv.text);
    assert!(lines[0].starts_with("\"Дата и время (UTC)\",\"Email\""));
    assert!(lines[1].contains("\"c@example.com\",\"Успешно\""));
    assert!(
        lines[2].contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "a reply that looks like a formula is text: {}",
        lines[2]
    );
    let only_failed = b
        .get(&format!("/mailings/{mailing}/attempts.csv?status=failure"))
        .await;
    assert_eq!(only_failed.text.lines().count(), 2);
    let missing = b.get("/mailings/999/attempts.csv").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
