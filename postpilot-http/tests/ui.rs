//! The web UI through the router: login, sessions, CSRF, escaping,
//! validation beside the field, and the pages of the specification.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use support::{get_request, Browser, Server, TOKEN};

/// The number shown for `data-stat="key"` on the home page.
fn stat(html: &str, key: &str) -> u64 {
    let marker = format!(r#"data-stat="{key}">"#);
    let at = html.find(&marker).expect("stat shown") + marker.len();
    html[at..html[at..].find('<').map(|e| at + e).expect("end")]
        .replace('\u{a0}', "")
        .parse()
        .expect("number")
}

#[tokio::test]
async fn pages_without_a_session_send_the_browser_to_login() {
    let s = Server::new().await;
    for path in ["/", "/recipients", "/mailings/1", "/messages/new"] {
        let reply = s.send(get_request(path, None)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(reply.header("location"), Some("/login"));
    }
    let login = s.send(get_request("/login", None)).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.text.contains(r#"<html lang="ru">"#));
    assert!(login.text.contains("Вход"));
}

#[tokio::test]
async fn login_url_sets_an_httponly_samesite_strict_cookie_and_goes_home() {
    let s = Server::new().await;
    let reply = s
        .send(get_request(&format!("/login?token={TOKEN}"), None))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), Some("/"));
    let cookie = reply.header("set-cookie").expect("cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(
        !cookie.contains(TOKEN),
        "the cookie is a session id, not the token"
    );
}

#[tokio::test]
async fn login_form_accepts_the_token_and_refuses_a_wrong_one() {
    let s = Server::new().await;
    let post = |token: &str| {
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}")))
            .expect("request")
    };
    let wrong = s.send(post("not-the-token-at-all")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.header("set-cookie").is_none());
    assert!(wrong.text.contains("Неверный токен"));
    let right = s.send(post(TOKEN)).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert!(right.header("set-cookie").is_some());

    let wrong_url = s.send(get_request("/login?token=guess", None)).await;
    assert_eq!(wrong_url.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let out = b.post("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out
        .header("set-cookie")
        .is_some_and(|c| c.contains("Max-Age=0")));
    assert_eq!(b.get("/").await.header("location"), Some("/login"));
}

#[tokio::test]
async fn home_page_shows_the_three_counts_of_the_specification() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    for label in [
        "Всего рассылок",
        "Активных рассылок",
        "Уникальных получателей",
    ] {
        assert!(home.text.contains(label), "{label}");
    }
    assert_eq!(stat(&home.text, "mailings_total"), 0);

    let message = s.message("Новости").await;
    let a = s.recipient("a@example.com", "А").await;
    let b_id = s.recipient("b@example.com", "Б").await;
    let id = s.open_mailing(message, &[a, b_id]).await;
    s.open_mailing(message, &[a]).await;
    s.post(
        &format!("/api/v1/mailings/{id}/send"),
        serde_json::json!({}),
    )
    .await;
    s.wait_for_attempts(id, 2).await;
    let home = b.get("/").await;
    assert_eq!(stat(&home.text, "mailings_total"), 2);
    assert_eq!(stat(&home.text, "mailings_active"), 1);
    assert_eq!(stat(&home.text, "unique_recipients"), 2);
}

#[tokio::test]
async fn recipient_named_script_tag_is_shown_as_text() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let created = b
        .post(
            "/recipients",
            &[
                ("email", "x@example.com"),
                ("full_name", "<script>alert('x')</script>"),
                ("comment", "\"><img src=x onerror=alert(1)>"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let list = b.get("/recipients").await;
    assert!(!list.text.contains("<script>alert"), "{}", list.text);
    assert!(!list.text.contains("<img src=x"), "{}", list.text);
    assert!(list
        .text
        .contains("&lt;script&gt;alert('x')&lt;/script&gt;"));
    assert!(list
        .text
        .contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(list
        .header("content-security-policy")
        .is_some_and(|csp| csp.contains("default-src 'none'")));
}

#[tokio::test]
async fn cross_site_post_without_csrf_token_changes_nothing() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let fields = [("email", "evil@example.com"), ("full_name", "Evil")];
    let no_token = b.post_raw("/recipients", &fields, &[]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let wrong_token = b
        .post_raw(
            "/recipients",
            &[("csrf", "0000"), fields[0], fields[1]],
            &[],
        )
        .await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
    // Even the right token is refused when the browser says another site sent it.
    let right_token_other_site = b
        .post_raw(
            "/recipients",
            &[("csrf", &b.csrf), fields[0], fields[1]],
            &[
                ("origin", "http://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(right_token_other_site.status, StatusCode::FORBIDDEN);
    // Without the cookie (what SameSite=Strict makes of a cross-site post).
    let anonymous = s
        .send(
            Request::post("/recipients")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from("email=evil%40example.com&full_name=Evil"))
                .expect("request"),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(
        s.get("/api/v1/recipients").await.json["items"],
        serde_json::json!([])
    );
}

#[tokio::test]
async fn every_form_checks_the_csrf_token_before_acting() {
    let s = Server::new().await;
    let message = s.message("Тема").await;
    let recipient = s.recipient("a@example.com", "А").await;
    let mailing = s.open_mailing(message, &[recipient]).await;
    let b = Browser::log_in(&s).await;
    let posts = [
        "/recipients".to_owned(),
        format!("/recipients/{recipient}"),
        format!("/recipients/{recipient}/delete"),
        "/messages".to_owned(),
        format!("/messages/{message}"),
        format!("/messages/{message}/delete"),
        "/mailings".to_owned(),
        format!("/mailings/{mailing}"),
        format!("/mailings/{mailing}/send"),
        format!("/mailings/{mailing}/delete"),
        format!("/mailings/{mailing}/recipients/add"),
        format!("/mailings/{mailing}/recipients/remove"),
        "/logout".to_owned(),
    ];
    for path in &posts {
        let reply = b
            .post_raw(
                path,
                &[("email", "z@example.com"), ("subject", "X"), ("all", "1")],
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        s.get(&format!("/api/v1/mailings/{mailing}")).await.json["recipient_count"],
        1
    );
    assert_eq!(
        s.get(&format!("/api/v1/mailings/{mailing}/runs"))
            .await
            .json["items"],
        serde_json::json!([])
    );
    assert_eq!(
        s.get(&format!("/api/v1/recipients/{recipient}")).await.json["email"],
        "a@example.com"
    );
    assert_eq!(
        s.get(&format!("/api/v1/messages/{message}")).await.json["subject"],
        "Тема"
    );
    assert_eq!(b.get("/").await.status, StatusCode::OK, "still logged in");
}

#[tokio::test]
async fn validation_errors_are_shown_beside_the_field_with_the_input_kept() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let reply = b
        .post(
            "/recipients",
            &[
                ("email", "ivan-at-example"),
                ("full_name", ""),
                ("comment", "Мой комментарий"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = &reply.text;
    assert!(html.contains(r#"id="email-error""#), "{html}");
    assert!(html.contains(r#"id="full_name-error""#), "{html}");
    assert!(html.contains(r#"aria-describedby="email-error""#));
    assert!(
        html.contains(r#"value="ivan-at-example""#),
        "the input is kept"
    );
    assert!(html.contains("Мой комментарий"));
    assert!(html.contains("Это не адрес электронной почты"));
    assert!(html.contains("Заполните это поле."));

    s.recipient("ivan@example.com", "Иван").await;
    let duplicate = b
        .post(
            "/recipients",
            &[("email", "Ivan@Example.com"), ("full_name", "Другой")],
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert!(duplicate
        .text
        .contains("Получатель с таким email уже есть."));
}

#[tokio::test]
async fn recipients_and_messages_are_added_edited_and_deleted_through_forms() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let added = b
        .post(
            "/recipients",
            &[
                ("email", "anna@example.com"),
                ("full_name", "Анна Смирнова"),
            ],
        )
        .await;
    assert_eq!(
        added.header("location"),
        Some("/recipients?notice=recipient_created")
    );
    let list = b.get("/recipients?notice=recipient_created").await;
    assert!(list.text.contains("Получатель добавлен."));
    assert!(list.text.contains("Анна Смирнова"));
    let id = s.get("/api/v1/recipients").await.json["items"][0]["id"]
        .as_i64()
        .expect("id");
    let edit = b.get(&format!("/recipients/{id}/edit")).await;
    assert!(edit.text.contains(r#"value="anna@example.com""#));
    b.post(
        &format!("/recipients/{id}"),
        &[
            ("email", "anna@example.com"),
            ("full_name", "Анна Иванова"),
            ("comment", ""),
        ],
    )
    .await;
    assert_eq!(
        s.get(&format!("/api/v1/recipients/{id}")).await.json["full_name"],
        "Анна Иванова"
    );
    assert!(b
        .get(&format!("/recipients/{id}/delete"))
        .await
        .text
        .contains("Удалить получателя?"));
    b.post(&format!("/recipients/{id}/delete"), &[]).await;
    assert_eq!(
        s.get(&format!("/api/v1/recipients/{id}")).await.status,
        StatusCode::NOT_FOUND
    );

    let message = b
        .post(
            "/messages",
            &[("subject", "Новости"), ("body_text", "Текст\nписьма")],
        )
        .await;
    assert_eq!(message.status, StatusCode::SEE_OTHER);
    let bad = b
        .post("/messages", &[("subject", "Тема"), ("body_text", " ")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains(r#"id="body_text-error""#));
    assert!(bad.text.contains(r#"value="Тема""#));
}

#[tokio::test]
async fn message_used_by_a_mailing_is_kept_with_a_reason() {
    let s = Server::new().await;
    let message = s.message("Тема").await;
    let r = s.recipient("a@example.com", "А").await;
    s.open_mailing(message, &[r]).await;
    let b = Browser::log_in(&s).await;
    let refused = b.post(&format!("/messages/{message}/delete"), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.text.contains("используется в рассылке"));
    assert_eq!(
        s.get(&format!("/api/v1/messages/{message}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn mailing_is_created_sent_and_its_attempts_shown() {
    let s = Server::new().await;
    let message = s.message("Новости недели").await;
    let a = s.recipient("a@example.com", "Анна").await;
    let b_id = s.recipient("b@example.com", "Борис").await;
    let b = Browser::log_in(&s).await;

    let form = b.get("/mailings/new").await;
    assert!(form.text.contains("Новости недели"));
    assert!(form.text.contains("Все получатели (2)"), "{}", form.text);
    assert!(
        !form.text.contains("Борис"),
        "the form counts recipients, it names none"
    );
    let empty = b
        .post(
            "/mailings",
            &[
                ("message_id", ""),
                ("first_sent_at", "2026-01-01T09:00"),
                ("sent_completed_at", "2025-01-01T09:00"),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["message_id", "sent_completed_at", "recipient_ids"] {
        assert!(
            empty.text.contains(&format!(r#"id="{field}-error""#)),
            "{field}"
        );
    }

    let now = chrono::Local::now();
    let start = (now + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let end = (now + chrono::Duration::days(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let (a, b_str, m) = (a.to_string(), b_id.to_string(), message.to_string());
    let created = b
        .post(
            "/mailings",
            &[
                ("message_id", &m),
                ("first_sent_at", &start),
                ("sent_completed_at", &end),
                ("recipient_ids", &a),
                ("recipient_ids", &b_str),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let page_url = created
        .header("location")
        .expect("to the mailing")
        .to_owned();
    assert!(page_url.ends_with("?notice=mailing_created"), "{page_url}");
    let id = page_url
        .trim_start_matches("/mailings/")
        .split('?')
        .next()
        .expect("id")
        .to_owned();

    let page = b.get(&page_url).await;
    assert!(page.text.contains("Создана"));
    assert!(page.text.contains("Отправить сейчас"));
    assert!(page.text.contains("Рассылка ещё не отправлялась."));

    let sent = b.post(&format!("/mailings/{id}/send"), &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(
        sent.header("location"),
        Some(format!("/mailings/{id}?notice=launched").as_str())
    );
    s.wait_for_attempts(id.parse().expect("id"), 2).await;
    let mut page = b.get(&format!("/mailings/{id}")).await;
    for _ in 0..50 {
        if page.text.contains("успешно 2") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        page = b.get(&format!("/mailings/{id}")).await;
    }
    assert!(page.text.contains("Запущена"));
    assert_eq!(
        page.text.matches("badge success\">Успешно<").count(),
        2,
        "{}",
        page.text
    );
    assert!(page.text.contains("a@example.com"));
    assert!(page.text.contains("веб-интерфейс"));
    assert!(page.text.contains("2 из 2"));
}

#[tokio::test]
async fn sending_a_completed_mailing_from_the_page_is_refused_with_a_reason() {
    let s = Server::new().await;
    let message = s.message("Тема").await;
    let r = s.recipient("a@example.com", "А").await;
    let now = chrono::Utc::now();
    let past = s
        .post(
            "/api/v1/mailings",
            serde_json::json!({
                "message_id": message,
                "first_sent_at": (now - chrono::Duration::days(2)).to_rfc3339(),
                "sent_completed_at": (now - chrono::Duration::days(1)).to_rfc3339(),
                "recipient_ids": [r],
            }),
        )
        .await;
    let id = past.json["id"].as_i64().expect("id");
    let b = Browser::log_in(&s).await;
    let page = b.get(&format!("/mailings/{id}")).await;
    assert!(page.text.contains("Завершена"));
    assert!(page.text.contains("disabled"));
    let refused = b.post(&format!("/mailings/{id}/send"), &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.text.contains("отправить её нельзя"));
    assert_eq!(
        s.get(&format!("/api/v1/mailings/{id}/runs")).await.json["items"],
        serde_json::json!([])
    );
}

#[tokio::test]
async fn unknown_pages_are_html_404() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    for path in ["/mailings/999", "/recipients/abc/edit", "/no-such-page"] {
        let reply = b.get(path).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert!(reply.text.contains("Не найдено"));
    }
}

#[tokio::test]
async fn pages_are_readable_on_a_phone() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let home = b.get("/").await;
    assert!(home
        .text
        .contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#));
    let css = s.send(get_request("/static/style.css", None)).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.text.contains("@media (max-width"));
}

#[tokio::test]
async fn a_message_form_with_a_broken_template_shows_where_beside_the_field_and_stores_nothing() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let page = b
        .post(
            "/messages",
            &[
                ("subject", "Новости"),
                ("body_text", "Здравствуйте, {{ name }}!"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text
            .contains("Строка 1, столбец 18: неизвестная переменная «name»"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("{{ full_name }}"),
        "the variables are named"
    );
    assert!(b.get("/messages").await.text.contains("Сообщений пока нет"));
}

#[tokio::test]
async fn the_preview_page_shows_the_email_for_a_chosen_recipient_and_sends_a_test_to_one_address() {
    let s = Server::new().await;
    let anna = s.recipient("anna@example.com", "Анна").await;
    s.recipient("boris@example.com", "Борис").await;
    let message = s
        .post(
            "/api/v1/messages",
            serde_json::json!({"subject": "{{ full_name }}, новости", "body_text": "Для {{ email }}"}),
        )
        .await
        .json["id"]
        .as_i64()
        .expect("id");
    let b = Browser::log_in(&s).await;
    let edit = b.get(&format!("/messages/{message}/edit")).await;
    assert!(edit.text.contains(&format!("/messages/{message}/preview")));

    let page = b.get(&format!("/messages/{message}/preview?q=борис")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Борис, новости"), "{}", page.text);
    assert!(page.text.contains("Для boris@example.com"));
    assert!(page
        .text
        .contains("Content-Type: text/plain; charset=utf-8"));

    let sent = b
        .post(
            &format!("/messages/{message}/preview"),
            &[
                ("recipient_id", &anna.to_string()),
                ("to", "me@shop.example"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    assert!(sent
        .text
        .contains("Тестовое письмо отправлено на me@shop.example"));
    assert!(sent.text.contains("Анна, новости"));
    let emails = std::fs::read_dir(s.outbox()).expect("outbox").count();
    assert_eq!(emails, 1);

    let bad = b
        .post(
            &format!("/messages/{message}/preview"),
            &[("recipient_id", &anna.to_string()), ("to", "me-at-shop")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Это не адрес электронной почты"));
    assert_eq!(std::fs::read_dir(s.outbox()).expect("outbox").count(), 1);
}

#[tokio::test]
async fn the_html_version_is_previewed_in_a_sandboxed_frame_that_runs_no_script() {
    let s = Server::new().await;
    let r = s.recipient("anna@example.com", "Анна").await;
    let b = Browser::log_in(&s).await;
    let saved = b
        .post(
            "/messages",
            &[
                ("subject", "Новости"),
                ("body_text", "Привет"),
                (
                    "body_html",
                    "<p>Привет, {{ full_name }}</p><script>alert(1)</script>",
                ),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let page = b
        .get(&format!("/messages/1/preview?recipient_id={r}"))
        .await;
    assert!(page.text.contains("<iframe"), "{}", page.text);
    assert!(page.text.contains("sandbox=\"\""));
    assert!(page
        .header("content-security-policy")
        .is_some_and(|p| p.contains("frame-src 'self'")));
    let frame = b
        .get(&format!("/messages/1/preview/html?recipient_id={r}"))
        .await;
    assert_eq!(frame.status, StatusCode::OK);
    assert!(frame.text.contains("<p>Привет, Анна</p>"));
    let policy = frame.header("content-security-policy").expect("policy");
    assert!(policy.contains("sandbox"), "{policy}");
    assert!(
        !policy.contains("script-src"),
        "no script source is allowed: {policy}"
    );
}
