//! Pages of their own: the read-only pages of a message and of a
//! recipient, the Russian 404 and 405 with the menu, and times typed in
//! the configured zone.

mod support;

use axum::http::{Method, StatusCode};
use postpilot_http::Tz;
use support::{get_request, Browser, Reply, Server};

/// The menu a logged-in page carries.
const MENU: &str = r#"<a href="/mailings""#;

/// The inside of `<dd id="{id}">`.
fn dd<'a>(html: &'a str, id: &str) -> &'a str {
    let start = format!(r#"<dd id="{id}">"#);
    let at = html.find(&start).map(|i| i + start.len()).expect("the dd");
    &html[at..at + html[at..].find("</dd>").expect("its end")]
}

#[tokio::test]
async fn a_message_has_a_read_only_page_with_its_body_as_written_and_the_mailings_that_sent_it() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let created = s
        .post(
            "/api/v1/messages",
            serde_json::json!({"subject": "Зимняя распродажа", "body_text": "Здравствуйте!\n\nСкидки до <50%>."}),
        )
        .await;
    let id = created.json["id"].as_i64().expect("id");

    let page = b.get(&format!("/messages/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Зимняя распродажа"));
    assert!(
        page.text.contains(
            "<pre class=\"body\" id=\"body_text\">Здравствуйте!\n\nСкидки до &lt;50%&gt;.</pre>"
        ),
        "the body keeps its line breaks, escaped: {}",
        page.text
    );
    assert!(page.text.contains("ещё ни в одной"));
    assert!(page
        .text
        .contains(&format!(r#"href="/messages/{id}/edit""#)));
    assert!(page
        .text
        .contains(&format!(r#"href="/messages/{id}/delete""#)));
    assert!(page.text.contains(MENU));

    let list = b.get("/messages").await;
    assert!(list.text.contains(&format!(r#"href="/messages/{id}""#)));

    let to = s.recipient("a@example.com", "Анна").await;
    let mailing = s.open_mailing(id, &[to]).await;
    let link = format!(r#"<a href="/mailings/{mailing}">№{mailing}</a>"#);
    let page = b.get(&format!("/messages/{id}")).await;
    assert_eq!(dd(&page.text, "used-in"), link, "used, not yet sent");
    assert_eq!(dd(&page.text, "sent-in"), "ещё ни в одной");
    s.post(
        &format!("/api/v1/mailings/{mailing}/send"),
        serde_json::json!({}),
    )
    .await;
    s.wait_for_attempts(mailing, 1).await;
    let page = b.get(&format!("/messages/{id}")).await;
    assert_eq!(dd(&page.text, "sent-in"), link);
    let mailing_page = b.get(&format!("/mailings/{mailing}")).await;
    assert!(mailing_page
        .text
        .contains(&format!(r#"href="/messages/{id}""#)));
    assert!(
        mailing_page
            .text
            .contains(&format!(r#"href="/recipients/{to}""#)),
        "an attempt links to its recipient's page"
    );
}

#[tokio::test]
async fn a_recipient_has_a_read_only_page_where_get_was_a_bare_405() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let id = s
        .recipient("very.long.address@example.com", "Иванова Мария")
        .await;
    let page = b.get(&format!("/recipients/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("very.long.address@example.com"));
    assert!(page.text.contains("Иванова Мария"));
    assert!(page
        .text
        .contains(&format!(r#"href="/recipients/{id}/edit""#)));
    let list = b.get("/recipients").await;
    assert!(list.text.contains(&format!(r#"href="/recipients/{id}""#)));
    assert_eq!(
        b.get("/recipients/999999").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_missing_page_is_a_russian_404_with_the_menu() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    for path in [
        "/no-such-page",
        "/messages/999999",
        "/mailings/abc",
        "/recipients/1/nothing",
    ] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.text.contains("Не найдено"), "{path}: {}", page.text);
        assert!(page.text.contains(MENU), "{path}: the menu is there");
        assert!(page.text.contains("Выйти"), "{path}");
    }
    // Without a session: the same page, no menu.
    let page = s.send(get_request("/no-such-page", None)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.text.contains("Не найдено"));
    assert!(!page.text.contains(MENU));
}

#[tokio::test]
async fn a_wrong_method_is_a_russian_405_with_the_menu_and_the_api_keeps_json() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let page = b.get("/logout").await;
    assert_eq!(page.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        page.text.contains("Так эту страницу не открыть"),
        "{}",
        page.text
    );
    assert!(page.text.contains(MENU));
    assert_eq!(page.header("allow"), Some("POST"));

    let api = s.api(Method::PUT, "/api/v1/recipients", None).await;
    api.error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    let unknown = s.get("/api/v1/nothing").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.json["error"]["code"], "not_found");
}

/// The mailing form posted: message `message` to everyone, from `start`.
async fn create(b: &Browser<'_>, message: &str, start: &str) -> Reply {
    b.post(
        "/mailings",
        &[
            ("message_id", message),
            ("first_sent_at", start),
            ("sent_completed_at", "2030-03-11T09:00"),
            ("recipients", "all"),
        ],
    )
    .await
}

#[tokio::test]
async fn the_mailing_form_reads_times_in_the_configured_zone_and_refuses_a_skipped_one() {
    let s = Server::with(|c| c.timezone = Tz::America__New_York).await;
    let b = Browser::log_in(&s).await;
    let message = s.message("Весна").await;
    s.recipient("a@example.com", "Анна").await;
    let form = b.get("/mailings/new").await;
    assert!(form.text.contains("America/New_York ("), "{}", form.text);

    let message = message.to_string();
    let before = s.snapshot().await;
    let skipped = create(&b, &message, "2030-03-10T02:30").await;
    assert_eq!(skipped.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        skipped
            .text
            .contains("Такого времени в поясе America/New_York нет"),
        "{}",
        skipped.text
    );
    assert!(skipped.text.contains(r#"id="first_sent_at-error""#));
    assert_eq!(s.snapshot().await, before, "nothing changed");

    let saved = create(&b, &message, "2030-03-10T09:00").await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let mailings = s.get("/api/v1/mailings").await;
    assert_eq!(
        mailings.json["items"][0]["first_sent_at"], "2030-03-10T13:00:00Z",
        "09:00 EDT: {}",
        mailings.text
    );
}
