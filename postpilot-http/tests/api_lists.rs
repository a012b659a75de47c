//! `/api/v1/lists`: Списки created, renamed, deleted, and their members
//! added, removed and listed the way a mailing's recipients are.

mod support;

use axum::http::StatusCode;
use serde_json::{json, Value};
use support::Server;

/// Иван, Ирина, Пётр; returns their ids.
async fn people(s: &Server) -> Vec<i64> {
    let mut ids = Vec::new();
    for (email, name) in [
        ("ivan@example.com", "Иван Петров"),
        ("irina@example.com", "Ирина Иванова"),
        ("petr@example.com", "Пётр Сидоров"),
    ] {
        ids.push(s.recipient(email, name).await);
    }
    ids
}

async fn new_list(s: &Server, name: &str) -> i64 {
    let reply = s.post("/api/v1/lists", json!({ "name": name })).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json["id"].as_i64().expect("id")
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
async fn a_list_is_created_shown_renamed_listed_by_name_and_deleted() {
    let s = Server::new().await;
    let created = s.post("/api/v1/lists", json!({"name": "  VIP  "})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json["id"].as_i64().expect("id");
    assert_eq!(
        created.header("location"),
        Some(&*format!("/api/v1/lists/{id}"))
    );
    assert_eq!(
        created.json,
        json!({"id": id, "name": "VIP", "member_count": 0})
    );
    new_list(&s, "Архив").await;
    let path = format!("/api/v1/lists/{id}");
    let renamed = s.patch(&path, json!({"name": "Клиенты"})).await;
    assert_eq!(renamed.json["name"], "Клиенты", "{}", renamed.text);
    assert_eq!(s.get(&path).await.json["name"], "Клиенты");
    let names: Vec<Value> = s.get("/api/v1/lists").await.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|l| l["name"].clone())
        .collect();
    assert_eq!(names, [json!("Архив"), json!("Клиенты")]);
    assert_eq!(s.delete(&path).await.status, StatusCode::NO_CONTENT);
    s.get(&path).await.error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_duplicate_name_is_409_naming_the_field_and_changes_nothing() {
    let s = Server::new().await;
    new_list(&s, "VIP").await;
    let other = new_list(&s, "Архив").await;
    let before = s.snapshot().await;
    let again = s.post("/api/v1/lists", json!({"name": "VIP"})).await;
    assert_eq!(
        again.error(StatusCode::CONFLICT, "duplicate").as_deref(),
        Some("name")
    );
    let rename = s
        .patch(&format!("/api/v1/lists/{other}"), json!({"name": "VIP"}))
        .await;
    assert_eq!(
        rename.error(StatusCode::CONFLICT, "duplicate").as_deref(),
        Some("name")
    );
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn bad_names_are_422_naming_the_field_and_change_nothing() {
    let s = Server::new().await;
    let id = new_list(&s, "VIP").await;
    let before = s.snapshot().await;
    for body in [
        json!({}),
        json!({"name": ""}),
        json!({"name": "   "}),
        json!({"name": "a\nb"}),
        json!({"name": "я".repeat(101)}),
        json!({"name": null}),
        json!({"name": 5}),
    ] {
        for reply in [
            s.post("/api/v1/lists", body.clone()).await,
            s.patch(&format!("/api/v1/lists/{id}"), body.clone()).await,
        ] {
            let field = reply.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
            assert_eq!(field.as_deref(), Some("name"), "{body}: {}", reply.text);
        }
    }
    let unknown = s
        .post("/api/v1/lists", json!({"name": "B", "colour": "red"}))
        .await;
    unknown.error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn members_are_added_by_search_ids_all_or_another_list_and_each_answer_counts_them() {
    let s = Server::new().await;
    let r = people(&s).await;
    let list = new_list(&s, "VIP").await;
    let path = format!("/api/v1/lists/{list}/members");
    let by_search = s.post(&path, json!({"search": "иван"})).await;
    assert_eq!(by_search.status, StatusCode::OK, "{}", by_search.text);
    assert_eq!(by_search.json, json!({"added": 2, "member_count": 2}));
    let by_ids = s.post(&path, json!({"recipient_ids": [r[2], r[0]]})).await;
    assert_eq!(by_ids.json, json!({"added": 1, "member_count": 3}));
    let all = s.post(&path, json!({"all": true})).await;
    assert_eq!(all.json, json!({"added": 0, "member_count": 3}));
    let copy = new_list(&s, "Копия").await;
    let from_list = s
        .post(
            &format!("/api/v1/lists/{copy}/members"),
            json!({"list_id": list}),
        )
        .await;
    assert_eq!(from_list.json, json!({"added": 3, "member_count": 3}));
    let listed = s.get(&format!("{path}?limit=2")).await;
    assert_eq!(ids_of(&listed.json), r[..2]);
    assert_eq!(listed.json["total"], 3);
    assert_eq!(listed.json["next_offset"], 2);
    let found = s.get(&format!("{path}?search=PETR")).await;
    assert_eq!(ids_of(&found.json), [r[2]]);
    assert_eq!(found.json["total"], 1);
    assert_eq!(
        s.get(&format!("/api/v1/lists/{list}")).await.json["member_count"],
        3
    );
}

#[tokio::test]
async fn members_are_removed_from_the_list_and_stay_in_the_store() {
    let s = Server::new().await;
    let r = people(&s).await;
    let list = new_list(&s, "VIP").await;
    let path = format!("/api/v1/lists/{list}/members");
    let remove = format!("{path}/remove");
    s.post(&path, json!({"all": true})).await;
    let one = s.post(&remove, json!({"recipient_ids": [r[1]]})).await;
    assert_eq!(
        one.json,
        json!({"removed": 1, "member_count": 2}),
        "{}",
        one.text
    );
    let found = s.post(&remove, json!({"search": "PETR@"})).await;
    assert_eq!(found.json, json!({"removed": 1, "member_count": 1}));
    let rest = s.post(&remove, json!({"all": true})).await;
    assert_eq!(rest.json, json!({"removed": 1, "member_count": 0}));
    let everyone = s.get("/api/v1/recipients").await;
    assert_eq!(everyone.json["items"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn deleting_a_list_keeps_its_recipients_and_the_mailings_filled_from_it() {
    let s = Server::new().await;
    let r = people(&s).await;
    let list = new_list(&s, "VIP").await;
    s.post(
        &format!("/api/v1/lists/{list}/members"),
        json!({"recipient_ids": [r[0], r[1]]}),
    )
    .await;
    let message = s.message("Новости").await;
    let mailing = s.open_mailing(message, &[]).await;
    let mailing_recipients = format!("/api/v1/mailings/{mailing}/recipients");
    s.post(&mailing_recipients, json!({"list_id": list})).await;
    assert_eq!(
        s.delete(&format!("/api/v1/lists/{list}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(s.get(&mailing_recipients).await.json["total"], 2);
    let everyone = s.get("/api/v1/recipients").await;
    assert_eq!(everyone.json["items"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn bad_selections_are_422_naming_the_field_and_change_nothing() {
    let s = Server::new().await;
    let r = people(&s).await;
    let list = new_list(&s, "VIP").await;
    let path = format!("/api/v1/lists/{list}/members");
    s.post(&path, json!({"recipient_ids": [r[0]]})).await;
    let before = s.snapshot().await;
    for (body, field) in [
        (json!({}), "selection"),
        (json!({"all": true, "search": "a"}), "selection"),
        (json!({"all": false}), "all"),
        (json!({"search": "a\nb"}), "search"),
        (json!({"recipient_ids": [r[1], r[1]]}), "recipient_ids"),
        (json!({"recipient_ids": [999]}), "recipient_ids"),
        (json!({"list_id": 999}), "list_id"),
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
        }
    }
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test]
async fn an_unknown_list_is_404_for_every_operation() {
    let s = Server::new().await;
    people(&s).await;
    let path = "/api/v1/lists/999";
    s.get(path).await.error(StatusCode::NOT_FOUND, "not_found");
    s.patch(path, json!({"name": "X"}))
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    s.delete(path)
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    let members = format!("{path}/members");
    s.get(&members)
        .await
        .error(StatusCode::NOT_FOUND, "not_found");
    for target in [members.clone(), format!("{members}/remove")] {
        s.post(&target, json!({"all": true}))
            .await
            .error(StatusCode::NOT_FOUND, "not_found");
    }
}
