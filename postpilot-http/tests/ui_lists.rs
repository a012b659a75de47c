//! Списки in the UI, and CSV in the UI: lists created, renamed and deleted
//! behind a confirmation, members added by search or by ids and removed,
//! a CSV imported into a list with the CLI's per-line report, recipients
//! imported and exported as CSV. Through the real router, as a browser
//! without JavaScript would.

mod support;

use axum::http::StatusCode;
use serde_json::json;
use support::{Browser, Server};

/// A `multipart/form-data` body with the CSRF token and `file`.
fn upload(csrf: &str, file: &str) -> (String, Vec<u8>) {
    let boundary = "----postpilot-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
    );
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

async fn new_list(b: &Browser<'_>, name: &str) -> i64 {
    let created = b.post("/lists", &[("name", name)]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let to = created.header("location").expect("location");
    to.trim_start_matches("/lists/")
        .split('?')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("the new list's page")
}

fn total(json: &serde_json::Value) -> u64 {
    json["total"].as_u64().expect("total")
}

#[tokio::test]
async fn the_menu_leads_to_the_lists_which_show_their_member_counts() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let home = b.get("/").await;
    assert!(home.text.contains(r#"href="/lists""#), "menu entry");
    let list = new_list(&b, "Клиенты").await;
    for i in 0..3 {
        let id = s
            .recipient(&format!("r{i}@example.com"), "Получатель")
            .await;
        s.post(
            &format!("/api/v1/lists/{list}/members"),
            json!({"recipient_ids": [id]}),
        )
        .await;
    }
    let page = b.get("/lists").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Клиенты"), "{}", page.text);
    assert!(
        page.text.contains(r#"data-label="Участников">3<"#),
        "{}",
        page.text
    );
    let one = b.get(&format!("/lists/{list}")).await;
    assert!(
        one.text.contains("3\u{a0}участника"),
        "plural agrees: {}",
        one.text
    );
}

#[tokio::test]
async fn a_bad_or_taken_name_is_refused_beside_its_field_and_changes_nothing() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let list = new_list(&b, "VIP").await;
    let before = s.snapshot().await;
    let empty = b.post("/lists", &[("name", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text.contains(r#"id="name-error""#), "{}", empty.text);
    let taken = b.post("/lists", &[("name", "VIP")]).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.text.contains("Список с таким названием уже есть."));
    let other = new_list(&b, "Архив").await;
    let before_rename = s.snapshot().await;
    let rename = b
        .post(&format!("/lists/{other}/rename"), &[("name", "VIP")])
        .await;
    assert_eq!(rename.status, StatusCode::CONFLICT);
    assert!(rename.text.contains(r#"id="name-error""#));
    assert_eq!(s.snapshot().await, before_rename);
    assert_ne!(
        before, before_rename,
        "only the second create changed anything"
    );
    let renamed = b
        .post(
            &format!("/lists/{list}/rename"),
            &[("name", "Очень важные")],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        s.get(&format!("/api/v1/lists/{list}")).await.json["name"],
        "Очень важные"
    );
}

#[tokio::test]
async fn members_are_added_by_search_and_by_ids_and_removed_on_the_lists_page() {
    let s = Server::new().await;
    let ivan = s.recipient("ivan@example.com", "Иван Петров").await;
    let irina = s.recipient("irina@example.com", "Ирина Иванова").await;
    let petr = s.recipient("petr@example.com", "Пётр Сидоров").await;
    let b = Browser::log_in(&s).await;
    let list = new_list(&b, "VIP").await;
    let members = format!("/api/v1/lists/{list}/members");

    let found = b.get(&format!("/lists/{list}?find=иван")).await;
    assert!(
        found.text.contains("Добавить всех найденных (2)"),
        "{}",
        found.text
    );
    let all_found = b
        .post(&format!("/lists/{list}/members/add"), &[("search", "иван")])
        .await;
    assert_eq!(
        all_found.status,
        StatusCode::SEE_OTHER,
        "{}",
        all_found.text
    );
    assert_eq!(total(&s.get(&members).await.json), 2);

    let by_ids = b
        .post(
            &format!("/lists/{list}/members/add"),
            &[("recipient_ids", &format!("{petr}, {ivan}"))],
        )
        .await;
    assert_eq!(by_ids.status, StatusCode::SEE_OTHER);
    assert_eq!(total(&s.get(&members).await.json), 3);

    let unknown = b
        .post(
            &format!("/lists/{list}/members/add"),
            &[("recipient_ids", "999")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown.text.contains("Получателя №999 нет"),
        "{}",
        unknown.text
    );
    let bad = b
        .post(
            &format!("/lists/{list}/members/add"),
            &[("recipient_ids", "1x")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    let removed = b
        .post(
            &format!("/lists/{list}/members/remove"),
            &[("recipient_ids", &irina.to_string())],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let left = s.get(&members).await;
    assert_eq!(total(&left.json), 2);
    let page = b.get(&format!("/lists/{list}")).await;
    assert!(
        page.text.contains("В списке <strong>2\u{a0}участника"),
        "{}",
        page.text
    );
    assert_eq!(
        s.get("/api/v1/recipients").await.json["items"]
            .as_array()
            .map(Vec::len),
        Some(3),
        "removed from the list, not from the store"
    );
}

#[tokio::test]
async fn a_list_used_by_nothing_is_deleted_after_a_confirmation_and_its_recipients_stay() {
    let s = Server::new().await;
    let ivan = s.recipient("ivan@example.com", "Иван Петров").await;
    let b = Browser::log_in(&s).await;
    let list = new_list(&b, "VIP").await;
    b.post(
        &format!("/lists/{list}/members/add"),
        &[("recipient_ids", &ivan.to_string())],
    )
    .await;
    let confirm = b.get(&format!("/lists/{list}/delete")).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.text.contains("Удалить список?"));
    assert!(
        confirm.text.contains("1\u{a0}участник)"),
        "{}",
        confirm.text
    );
    assert_eq!(
        s.get(&format!("/api/v1/lists/{list}")).await.status,
        StatusCode::OK
    );
    let deleted = b.post(&format!("/lists/{list}/delete"), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        s.get(&format!("/api/v1/lists/{list}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get(&format!("/api/v1/recipients/{ivan}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        b.get(&format!("/lists/{list}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_csv_with_a_bad_line_imports_the_good_lines_into_the_list_and_reports_the_bad_one() {
    let s = Server::new().await;
    s.recipient("old@example.com", "Старый Знакомый").await;
    let b = Browser::log_in(&s).await;
    let list = new_list(&b, "Из файла").await;
    let file = "email,full_name,comment\n\
                new@example.com,Новый Человек,\n\
                not-an-email,Плохая Строка,\n\
                OLD@example.com,Старый Знакомый,уже есть\n";
    let (kind, body) = upload(&b.csrf, file);
    let page = b
        .post_bytes(&format!("/lists/{list}/import"), &kind, body)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text.contains("Импортировано новых: <strong>1"),
        "{}",
        page.text
    );
    assert!(page.text.contains("уже были: <strong>1"), "{}", page.text);
    assert!(
        page.text.contains("строк с ошибками: <strong>1"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("добавлено в список: <strong>2"),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains(r#"<td data-label="Строка">3</td><td data-label="Поле">Email</td>"#),
        "{}",
        page.text
    );
    assert!(page.text.contains("Это не адрес электронной почты"));
    let members = s.get(&format!("/api/v1/lists/{list}/members")).await.json;
    let emails: Vec<&str> = members["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["email"].as_str().expect("email"))
        .collect();
    assert_eq!(emails, ["old@example.com", "new@example.com"]);
}

#[tokio::test]
async fn an_upload_without_the_csrf_token_or_with_a_bad_header_changes_nothing() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let list = new_list(&b, "VIP").await;
    let before = s.snapshot().await;
    let (kind, body) = upload("wrong-token", "email,full_name\na@example.com,A\n");
    let forged = b
        .post_bytes(&format!("/lists/{list}/import"), &kind, body)
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let (kind, body) = upload(&b.csrf, "mail,name\na@example.com,A\n");
    let header = b.post_bytes("/recipients/import", &kind, body).await;
    assert_eq!(header.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        header
            .text
            .contains("Строка 1: первой строкой должен быть заголовок"),
        "{}",
        header.text
    );
    let (kind, body) = upload(&b.csrf, "");
    let empty = b.post_bytes("/recipients/import", &kind, body).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let not_multipart = b
        .post(
            &format!("/lists/{list}/import"),
            &[("file", "email,full_name")],
        )
        .await;
    assert_eq!(not_multipart.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn recipients_are_imported_and_exported_as_csv_in_the_clis_format() {
    let s = Server::new().await;
    let b = Browser::log_in(&s).await;
    let list_page = b.get("/recipients").await;
    assert!(list_page.text.contains(r#"href="/recipients/import""#));
    assert!(list_page.text.contains(r#"href="/recipients/export.csv""#));
    let form = b.get("/recipients/import").await;
    assert!(form.text.contains(r#"enctype="multipart/form-data""#));
    let file = "\u{feff}email,full_name,comment\r\n\
                ivan@example.com,Иван Петров,\"VIP, «давний»\"\r\n\
                irina@example.com,Ирина Иванова,\r\n\
                irina@example.com,Ирина Иванова,дубль\r\n";
    let (kind, body) = upload(&b.csrf, file);
    let imported = b.post_bytes("/recipients/import", &kind, body).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    assert!(
        imported.text.contains("Импортировано новых: <strong>2"),
        "{}",
        imported.text
    );
    let export = b.get("/recipients/export.csv").await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(
        export.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert!(export
        .header("content-disposition")
        .is_some_and(|d| d.starts_with("attachment")));
    assert_eq!(
        export.text,
        "email,full_name,comment\n\
         ivan@example.com,Иван Петров,\"VIP, «давний»\"\n\
         irina@example.com,Ирина Иванова,\n"
    );
}

#[tokio::test]
async fn an_upload_over_the_body_limit_is_refused_as_too_large_and_imports_nothing() {
    let s = Server::with(|config| config.body_limit = 4096).await;
    let b = Browser::log_in(&s).await;
    let mut file = String::from("email,full_name\n");
    for i in 0..200 {
        file.push_str(&format!("r{i}@example.com,Получатель {i}\n"));
    }
    let (kind, body) = upload(&b.csrf, &file);
    let refused = b.post_bytes("/recipients/import", &kind, body).await;
    assert_eq!(
        refused.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        refused.text
    );
    let everyone = s.get("/api/v1/recipients").await;
    assert_eq!(everyone.json["items"].as_array().map(Vec::len), Some(0));
}
