//! A mailing's recipients at real size: saving its other fields never
//! touches them, pages show counts and never every name, and the page of
//! its recipients finds, adds and removes them one by one or in bulk.

mod support;

use axum::http::StatusCode;
use postpilot_core::ports::RecipientRepository;
use postpilot_core::{Comment, EmailAddress, FullName, NewRecipient};
use regex::Regex;
use serde_json::json;
use support::{Browser, Server};

/// Stores `n` recipients in one go, as an import does; returns their ids.
async fn imported(s: &Server, n: usize) -> Vec<i64> {
    let rows: Vec<NewRecipient> = (0..n)
        .map(|i| NewRecipient {
            email: EmailAddress::parse(&format!("r{i}@example.com")).expect("email"),
            full_name: FullName::parse(&format!("Получатель {i}")).expect("name"),
            comment: Comment::default(),
        })
        .collect();
    s.store
        .insert_recipients(&rows)
        .await
        .expect("imported")
        .into_iter()
        .map(|id| id.expect("new").get())
        .collect()
}

/// What a browser submits for the form posting to `action` on `html`: its
/// text inputs, its selected options and its ticked checkboxes.
fn submitted(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!(r#"action="{action}""#))
        .expect("the form");
    let form = &html[start..start + html[start..].find("</form>").expect("end of form")];
    let name_of = Regex::new(r#"\bname="([^"]*)""#).expect("regex");
    let value_of = Regex::new(r#"\bvalue="([^"]*)""#).expect("regex");
    let attr = |re: &Regex, tag: &str| re.captures(tag).map(|c| c[1].to_owned());
    let mut fields = Vec::new();
    let input = Regex::new(r"<input[^>]*>").expect("regex");
    for tag in input.find_iter(form) {
        let tag = tag.as_str();
        let (Some(name), value) = (attr(&name_of, tag), attr(&value_of, tag)) else {
            continue;
        };
        let checkbox = tag.contains(r#"type="checkbox""#);
        if checkbox && !tag.contains(" checked") {
            continue;
        }
        fields.push((name, value.unwrap_or_default()));
    }
    let select =
        Regex::new(r#"(?s)<select[^>]*name="([^"]*)"[^>]*>(.*?)</select>"#).expect("regex");
    let option = Regex::new(r#"<option value="([^"]*)" selected"#).expect("regex");
    for caps in select.captures_iter(form) {
        if let Some(chosen) = option.captures(&caps[2]) {
            fields.push((caps[1].to_owned(), chosen[1].to_owned()));
        }
    }
    fields
}

fn recipient_count(s: &serde_json::Value) -> u64 {
    s["recipient_count"].as_u64().expect("recipient_count")
}

#[tokio::test]
async fn saving_the_end_time_in_the_form_keeps_all_1500_recipients_of_a_mailing() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let ids = imported(&s, 1500).await;
    let mailing = s.open_mailing(message, &ids).await;
    let b = Browser::log_in(&s).await;

    let form = b.get(&format!("/mailings/{mailing}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    let mut fields = submitted(&form.text, &format!("/mailings/{mailing}"));
    let end = fields
        .iter_mut()
        .find(|(name, _)| name == "sent_completed_at")
        .expect("the end time in the form");
    let later = (chrono::Local::now() + chrono::Duration::days(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    end.1.clone_from(&later);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(n, _)| n != "csrf")
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let saved = b.post(&format!("/mailings/{mailing}"), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);

    let after = s.get(&format!("/api/v1/mailings/{mailing}")).await;
    assert_eq!(recipient_count(&after.json), 1500);
    assert!(after.json["sent_completed_at"]
        .as_str()
        .is_some_and(|t| t.starts_with(&later[..10])));
}

#[tokio::test]
async fn patching_the_end_time_through_the_api_keeps_all_1500_recipients() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let ids = imported(&s, 1500).await;
    let mailing = s.open_mailing(message, &ids).await;
    let later = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let r = s
        .patch(
            &format!("/api/v1/mailings/{mailing}"),
            json!({"sent_completed_at": later}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(recipient_count(&r.json), 1500);
}

/// 1,500 imported recipients and a mailing to the first; returns the
/// mailing and every recipient id.
async fn large(s: &Server) -> (i64, Vec<i64>) {
    let message = s.message("Новости").await;
    let ids = imported(s, 1500).await;
    let mailing = s.open_mailing(message, &ids[..1]).await;
    (mailing, ids)
}

async fn count_of(s: &Server, mailing: i64) -> u64 {
    recipient_count(&s.get(&format!("/api/v1/mailings/{mailing}")).await.json)
}

#[tokio::test]
async fn a_recipient_beyond_the_first_1000_is_found_by_search_and_added() {
    let s = Server::new().await;
    let (m, ids) = large(&s).await;
    let b = Browser::log_in(&s).await;
    let page = b
        .get(&format!("/mailings/{m}/recipients?find=R1499%40"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("r1499@example.com"), "{}", page.text);
    assert!(page.text.contains("Найдено: 1"));
    let target = ids[1499].to_string();
    let added = b
        .post(
            &format!("/mailings/{m}/recipients/add"),
            &[("recipient_ids", &target), ("find", "R1499@")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let back = added.header("location").expect("back").to_owned();
    assert_eq!(
        back,
        format!("/mailings/{m}/recipients?notice=recipients_added&find=R1499%40")
    );
    let after = b.get(&back).await;
    assert!(after.text.contains("Получатели добавлены"));
    assert!(
        after.text.contains("Получателей: <strong>2</strong>"),
        "{}",
        after.text
    );
    assert_eq!(count_of(&s, m).await, 2);
}

#[tokio::test]
async fn everyone_a_search_finds_and_everyone_are_added_and_removed_in_bulk() {
    let s = Server::new().await;
    let (m, _) = large(&s).await;
    let b = Browser::log_in(&s).await;
    let add = format!("/mailings/{m}/recipients/add");
    let remove = format!("/mailings/{m}/recipients/remove");
    // «получатель 14» finds 14, 140–149 and 1400–1499: 111 in all.
    let page = b
        .get(&format!("/mailings/{m}/recipients?find=%D0%9F%D0%9E%D0%9B%D0%A3%D0%A7%D0%90%D0%A2%D0%95%D0%9B%D0%AC%2014"))
        .await;
    assert!(
        page.text.contains("Добавить всех найденных (111)"),
        "{}",
        page.text
    );
    assert!(page.text.contains("показаны первые 20"));
    let found = b.post(&add, &[("search", "ПОЛУЧАТЕЛЬ 14")]).await;
    assert_eq!(found.status, StatusCode::SEE_OTHER, "{}", found.text);
    assert_eq!(count_of(&s, m).await, 112);
    let members = b
        .get(&format!("/mailings/{m}/recipients?q=%D0%BF%D0%BE%D0%BB%D1%83%D1%87%D0%B0%D1%82%D0%B5%D0%BB%D1%8C%20149"))
        .await;
    assert!(
        members.text.contains("Убрать всех найденных (11)"),
        "{}",
        members.text
    );
    b.post(&remove, &[("search", "получатель 149")]).await;
    assert_eq!(count_of(&s, m).await, 101);
    b.post(&add, &[("all", "1")]).await;
    assert_eq!(count_of(&s, m).await, 1500);
    let listed = b.get(&format!("/mailings/{m}/recipients?page=30")).await;
    assert!(listed.text.contains("Страница 30 из 30"), "{}", listed.text);
    assert!(listed.text.contains("r1499@example.com"));
    b.post(&remove, &[("all", "1")]).await;
    assert_eq!(count_of(&s, m).await, 0);
    assert_eq!(
        s.get("/api/v1/stats").await.json["recipients_total"],
        1500,
        "removing from a mailing deletes no recipient"
    );
}

#[tokio::test]
async fn the_mailing_page_and_its_form_count_the_recipients_and_name_none() {
    let s = Server::new().await;
    let message = s.message("Новости").await;
    let ids = imported(&s, 1500).await;
    let m = s.open_mailing(message, &ids).await;
    let b = Browser::log_in(&s).await;
    for path in [format!("/mailings/{m}"), format!("/mailings/{m}/edit")] {
        let page = b.get(&path).await;
        assert!(
            page.text.contains("Получателей: 1\u{a0}500"),
            "{path}: {}",
            page.text
        );
        assert!(
            !page.text.contains("r0@example.com"),
            "{path} names a recipient"
        );
        assert!(
            !page.text.contains("Получатель 1499"),
            "{path} names a recipient"
        );
        assert!(
            page.text
                .contains(&format!(r#"href="/mailings/{m}/recipients""#)),
            "{path}"
        );
    }
}

#[tokio::test]
async fn bad_searches_and_selections_are_shown_and_change_nothing() {
    let s = Server::new().await;
    let (m, _) = large(&s).await;
    let b = Browser::log_in(&s).await;
    let long = "я".repeat(101);
    let page = b
        .get(&format!(
            "/mailings/{m}/recipients?q={}",
            "%D1%8F".repeat(101)
        ))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains(r#"id="q-error""#), "{}", page.text);
    for fields in [
        vec![("recipient_ids", "999999")],
        vec![("recipient_ids", "abc")],
        vec![("search", "  ")],
        vec![("search", long.as_str())],
        vec![],
    ] {
        for what in ["add", "remove"] {
            let reply = b
                .post(&format!("/mailings/{m}/recipients/{what}"), &fields)
                .await;
            assert_eq!(
                reply.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{what} {fields:?}"
            );
            assert!(reply.text.contains(r#"role="alert""#), "{what} {fields:?}");
        }
    }
    assert_eq!(count_of(&s, m).await, 1);
    for path in ["/mailings/999/recipients", "/mailings/abc/recipients"] {
        assert_eq!(b.get(path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let missing = b
        .post("/mailings/999/recipients/add", &[("all", "1")])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// The form's fields for a new mailing of `message` open for a day, and `more`.
fn new_mailing<'a>(message: &'a str, more: &[(&'a str, &'a str)]) -> Vec<(&'a str, String)> {
    let now = chrono::Local::now();
    let mut fields = vec![
        ("message_id", message.to_owned()),
        (
            "first_sent_at",
            (now + chrono::Duration::days(1))
                .format("%Y-%m-%dT%H:%M")
                .to_string(),
        ),
        (
            "sent_completed_at",
            (now + chrono::Duration::days(2))
                .format("%Y-%m-%dT%H:%M")
                .to_string(),
        ),
    ];
    fields.extend(more.iter().map(|(n, v)| (*n, (*v).to_owned())));
    fields
}

async fn create(b: &Browser<'_>, fields: &[(&str, String)]) -> support::Reply {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    b.post("/mailings", &fields).await
}

fn created_id(reply: &support::Reply) -> i64 {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let to = reply.header("location").expect("location");
    to.trim_start_matches("/mailings/")
        .split(['/', '?'])
        .next()
        .and_then(|id| id.parse().ok())
        .expect("the new mailing's id")
}

#[tokio::test]
async fn a_new_mailing_takes_everyone_everyone_found_or_nobody_yet_without_a_list_of_names() {
    let s = Server::new().await;
    let message = s.message("Новости").await.to_string();
    imported(&s, 1500).await;
    let b = Browser::log_in(&s).await;
    let form = b.get("/mailings/new").await;
    assert!(
        form.text.contains("Все получатели (1\u{a0}500)"),
        "{}",
        form.text
    );
    assert!(
        !form.text.contains("r1499@example.com"),
        "the form names no recipient"
    );

    let all = create(&b, &new_mailing(&message, &[("recipients", "all")])).await;
    assert_eq!(count_of(&s, created_id(&all)).await, 1500);

    let found = create(
        &b,
        &new_mailing(
            &message,
            &[
                ("recipients", "search"),
                ("recipient_search", "ПОЛУЧАТЕЛЬ 149"),
            ],
        ),
    )
    .await;
    assert_eq!(
        count_of(&s, created_id(&found)).await,
        11,
        "149 and 1490–1499"
    );

    let later = create(&b, &new_mailing(&message, &[("recipients", "later")])).await;
    let id = created_id(&later);
    assert_eq!(
        later.header("location"),
        Some(format!("/mailings/{id}/recipients?notice=mailing_created").as_str())
    );
    assert_eq!(count_of(&s, id).await, 0);

    let blank = create(
        &b,
        &new_mailing(
            &message,
            &[("recipients", "search"), ("recipient_search", " ")],
        ),
    )
    .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        blank.text.contains(r#"id="recipient_search-error""#),
        "{}",
        blank.text
    );
    let none = create(&b, &new_mailing(&message, &[])).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.text.contains(r#"id="recipient_ids-error""#));
    assert_eq!(
        s.get("/api/v1/stats").await.json["mailings_total"],
        3,
        "refused forms create nothing"
    );
}

#[tokio::test]
async fn a_lists_members_are_added_to_and_removed_from_a_mailing_by_choosing_the_list() {
    use postpilot_core::ports::ListRepository;
    let s = Server::new().await;
    let (m, _) = large(&s).await;
    let list = s
        .store
        .insert_list(&postpilot_core::ListName::parse("Постоянные").expect("name"))
        .await
        .expect("list");
    let search = postpilot_core::Search::parse("получатель 14").expect("search");
    s.store
        .add_list_members(list.id, &postpilot_core::Selection::Matching(search))
        .await
        .expect("members");
    let b = Browser::log_in(&s).await;
    let page = b.get(&format!("/mailings/{m}/recipients")).await;
    assert!(page.text.contains("Постоянные (111)"), "{}", page.text);
    let id = list.id.to_string();
    let added = b
        .post(
            &format!("/mailings/{m}/recipients/add"),
            &[("list_id", &id)],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    assert_eq!(count_of(&s, m).await, 112);
    b.post(
        &format!("/mailings/{m}/recipients/remove"),
        &[("list_id", &id)],
    )
    .await;
    assert_eq!(count_of(&s, m).await, 1);
    let missing = b
        .post(
            &format!("/mailings/{m}/recipients/add"),
            &[("list_id", "999")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.text.contains("Списка №999 нет"));
}
