//! A mailing's recipients at real size: saving its other fields never
//! touches them.

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
