//! `/api/v1/mailings/{id}/recipients`: a mailing's recipients added,
//! removed and listed without restating the whole set.

mod support;

use axum::http::StatusCode;
use postpilot_core::ports::ListRepository;
use postpilot_core::{ListName, RecipientId, RecipientIds, Selection};
use serde_json::{json, Value};
use support::Server;

/// Иван, Ирина, Пётр and a mailing to nobody yet; returns the mailing and
/// the recipients' ids.
async fn seeded(s: &Server) -> (i64, Vec<i64>) {
    let mut ids = Vec::new();
    for (email, name) in [
        ("ivan@example.com", "Иван Петров"),
        ("irina@example.com", "Ирина Иванова"),
        ("petr@example.com", "Пётр Сидоров"),
    ] {
        ids.push(s.recipient(email, name).await);
    }
    let message = s.message("Новости").await;
    let mailing = s.open_mailing(message, &[]).await;
    (mailing, ids)
}

fn ids_of(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test]
async fn recipients_are_added_by_search_ids_or_all_and_each_answer_counts_them() {
    let s = Server::new().await;
    let (m, r) = seeded(&s).await;
    let path = format!("/api/v1/mailings/{m}/recipients");
    let by_search = s.post(&path, json!({"search": "иван"})).await;
    assert_eq!(by_search.status, StatusCode::OK, "{}", by_search.text);
    assert_eq!(by_search.json, json!({"added": 2, "recipient_count": 2}));
    let by_ids = s.post(&path, json!({"recipient_ids": [r[2], r[0]]})).await;
    assert_eq!(by_ids.json, json!({"added": 1, "recipient_count": 3}));
    let all = s.post(&path, json!({"all": true})).await;
    assert_eq!(all.json, json!({"added": 0, "recipient_count": 3}));
    let listed = s.get(&path).await;
    assert_eq!(ids_of(&listed.json), r);
    assert_eq!(listed.json["total"], 3);
    assert_eq!(
        s.get(&format!("/api/v1/mailings/{m}")).await.json["recipient_count"],
        3
    );
}

#[tokio::test]
async fn recipients_are_removed_by_ids_search_or_all_and_stay_in_the_store() {
    let s = Server::new().await;
    let (m, r) = seeded(&s).await;
    let path = format!("/api/v1/mailings/{m}/recipients");
    let remove = format!("{path}/remove");
    s.post(&path, json!({"all": true})).await;
    let one = s.post(&remove, json!({"recipient_ids": [r[1]]})).await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    assert_eq!(one.json, json!({"removed": 1, "recipient_count": 2}));
    let found = s.post(&remove, json!({"search": "PETR@"})).await;
    assert_eq!(found.json, json!({"removed": 1, "recipient_count": 1}));
    let rest = s.post(&remove, json!({"all": true})).await;
    assert_eq!(rest.json, json!({"removed": 1, "recipient_count": 0}));
    let everyone = s.get("/api/v1/recipients").await;
    assert_eq!(everyone.json["items"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn a_mailings_recipients_are_listed_a_page_at_a_time_with_a_search_and_their_total() {
    let s = Server::new().await;
    let (m, r) = seeded(&s).await;
    let path = format!("/api/v1/mailings/{m}/recipients");
    s.post(&path, json!({"all": true})).await;
    let first = s.get(&format!("{path}?limit=2")).await;
    assert_eq!(ids_of(&first.json), r[..2]);
    assert_eq!(first.json["next_offset"], 2);
    assert_eq!(first.json["total"], 3);
    let last = s.get(&format!("{path}?offset=2&limit=2")).await;
    assert_eq!(ids_of(&last.json), r[2..]);
    assert_eq!(last.json["next_offset"], Value::Null);
    let found = s
        .get(&format!(
            "{path}?search=%D0%98%D0%92%D0%90%D0%9D%D0%9E%D0%92%D0%90"
        ))
        .await;
    assert_eq!(ids_of(&found.json), [r[1]], "ИВАНОВА finds Ирина Иванова");
    assert_eq!(found.json["total"], 1);
    let blank = s.get(&format!("{path}?search=%20")).await;
    assert_eq!(blank.json["total"], 3, "a blank search is no search");
}

#[tokio::test]
async fn bad_selections_are_422_naming_the_field_and_change_nothing() {
    let s = Server::new().await;
    let (m, r) = seeded(&s).await;
    let path = format!("/api/v1/mailings/{m}/recipients");
    s.post(&path, json!({"recipient_ids": [r[0]]})).await;
    let before = s.snapshot().await;
    for (body, field) in [
        (json!({}), "selection"),
        (json!({"all": true, "search": "a"}), "selection"),
        (json!({"all": false}), "all"),
        (json!({"all": null}), "all"),
        (json!({"search": ""}), "search"),
        (json!({"search": "   "}), "search"),
        (json!({"search": "a\nb"}), "search"),
        (json!({"search": "я".repeat(101)}), "search"),
        (json!({"recipient_ids": [r[1], r[1]]}), "recipient_ids"),
        (json!({"recipient_ids": [999]}), "recipient_ids"),
        (json!({"recipient_ids": [r[1], 0]}), "recipient_ids"),
        (json!({"list": 1}), "list"),
        (json!({"list_id": 999}), "list_id"),
        (json!({"list_id": 1, "all": true}), "selection"),
    ] {
        for target in [path.clone(), format!("{path}/remove")] {
            let reply = s.post(&target, body.clone()).await;
            let named = reply.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
            assert_eq!(
                named.as_deref(),
                Some(field),
                "{target} {body}: {}",
                reply.text
            );
            let message = reply.json["error"]["message"].as_str().unwrap_or_default();
            assert_eq!(support::rust_word_in(message), None, "{message}");
        }
    }
    let bad_query = s.get(&format!("{path}?search=a%0Ab")).await;
    assert_eq!(
        bad_query
            .error(StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            .as_deref(),
        Some("search")
    );
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn an_unknown_mailing_is_404_for_every_recipients_operation() {
    let s = Server::new().await;
    seeded(&s).await;
    let path = "/api/v1/mailings/999/recipients";
    s.get(path).await.error(StatusCode::NOT_FOUND, "not_found");
    s.post(path, json!({"all": true}))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    s.post(&format!("{path}/remove"), json!({"all": true}))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_lists_members_are_added_and_removed_by_list_id() {
    let s = Server::new().await;
    let (m, r) = seeded(&s).await;
    let list = s
        .store
        .insert_list(&ListName::parse("VIP").expect("name"))
        .await
        .expect("list");
    let members = RecipientIds::new(vec![RecipientId(r[0]), RecipientId(r[2])]).expect("ids");
    s.store
        .add_list_members(list.id, &Selection::Ids(members))
        .await
        .expect("members");
    let path = format!("/api/v1/mailings/{m}/recipients");
    let added = s.post(&path, json!({"list_id": list.id.get()})).await;
    assert_eq!(
        added.json,
        json!({"added": 2, "recipient_count": 2}),
        "{}",
        added.text
    );
    let removed = s
        .post(&format!("{path}/remove"), json!({"list_id": list.id.get()}))
        .await;
    assert_eq!(removed.json, json!({"removed": 2, "recipient_count": 0}));
}
