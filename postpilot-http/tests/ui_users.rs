//! Пользователи and Токены API in the UI, through the real router: who
//! sees the users page, an admin adding and promoting a user, a manager
//! blocking one, and a user's token shown once and revoked.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use postpilot_core::{
    BodyText, Comment, EmailAddress, FullName, NewMessage, NewRecipient, Role, Scope, Subject,
    UserId,
};
use support::{csrf_of, get_request, Reply, Server, PASSWORD};

/// A browser logged in as `email`: its cookie and a page's CSRF token.
struct As<'a> {
    s: &'a Server,
    cookie: String,
    csrf: String,
}

impl<'a> As<'a> {
    async fn log_in(s: &'a Server, email: &str) -> Self {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("email", email)
            .append_pair("password", PASSWORD)
            .finish();
        let reply = s
            .send(
                Request::post("/login")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .expect("request"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
        let cookie = reply
            .header("set-cookie")
            .expect("cookie")
            .split(';')
            .next()
            .expect("pair")
            .to_owned();
        let home = s.send(get_request("/", Some(&cookie))).await;
        let csrf = csrf_of(&home.text);
        Self { s, cookie, csrf }
    }

    async fn get(&self, path: &str) -> Reply {
        self.s.send(get_request(path, Some(&self.cookie))).await
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf", &self.csrf)
            .extend_pairs(fields)
            .finish();
        self.s
            .send(
                Request::post(path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, &self.cookie)
                    .header(header::HOST, "127.0.0.1:8080")
                    .body(Body::from(body))
                    .expect("request"),
            )
            .await
    }
}

#[tokio::test]
async fn only_managers_and_admins_see_the_users_page_and_its_menu_entry() {
    let s = Server::new().await;
    s.add_user("user@example.com", Role::User).await;
    s.add_user("manager@example.com", Role::Manager).await;
    let user = As::log_in(&s, "user@example.com").await;
    let home = user.get("/").await;
    assert!(
        !home.text.contains("href=\"/users\""),
        "no menu entry for a user"
    );
    assert!(
        home.text.contains("user@example.com"),
        "who is logged in is shown"
    );
    assert_eq!(user.get("/users").await.status, StatusCode::NOT_FOUND);

    let manager = As::log_in(&s, "manager@example.com").await;
    let page = manager.get("/users").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("user@example.com") && page.text.contains("Менеджер"));
    assert!(
        !page.text.contains("Новый пользователь"),
        "a manager adds nobody"
    );
}

/// The text of the `data-count` cell named `key` in the row of user `id`.
fn count_of(page: &str, id: UserId, key: &str) -> String {
    let row = page
        .find(&format!("data-user=\"{id}\""))
        .unwrap_or_else(|| panic!("a row of user {id}"));
    let row = &page[row..];
    let row = &row[..row.find("</tr>").expect("the row's end")];
    let cell = row
        .find(&format!("data-count=\"{key}\">"))
        .unwrap_or_else(|| panic!("a cell {key}"))
        + format!("data-count=\"{key}\">").len();
    row[cell..cell + row[cell..].find('<').expect("the cell's end")].to_owned()
}

#[tokio::test]
async fn a_manager_sees_each_users_counts_on_the_users_page_and_home_and_a_user_only_their_own() {
    let s = Server::new().await;
    let anna = s.add_user("anna@example.com", Role::User).await;
    let boris = s.add_user("boris@example.com", Role::User).await;
    s.add_user("mia@example.com", Role::Manager).await;
    let hers = s.uses().scoped(Scope::own(anna.id));
    for address in ["ivan@example.com", "olga@example.com"] {
        hers.recipients
            .add(NewRecipient {
                email: EmailAddress::parse(address).expect("valid"),
                full_name: FullName::parse("Иван").expect("valid"),
                comment: Comment::default(),
            })
            .await
            .expect("added");
    }
    let his = s.uses().scoped(Scope::own(boris.id));
    his.messages
        .add(NewMessage {
            subject: Subject::parse("Скидки").expect("valid"),
            body_text: BodyText::parse("Текст").expect("valid"),
            body_html: None,
        })
        .await
        .expect("created");

    let manager = As::log_in(&s, "mia@example.com").await;
    for path in ["/users", "/"] {
        let page = manager.get(path).await.text;
        assert_eq!(count_of(&page, anna.id, "recipients"), "2", "{path}");
        assert_eq!(count_of(&page, anna.id, "messages"), "0", "{path}");
        assert_eq!(count_of(&page, boris.id, "messages"), "1", "{path}");
        assert_eq!(count_of(&page, boris.id, "mailings"), "0", "{path}");
    }
    let home = manager.get("/").await.text;
    assert!(home.contains("По пользователям"), "the breakdown");

    let user = As::log_in(&s, "anna@example.com").await;
    let home = user.get("/").await.text;
    assert!(
        !home.contains("По пользователям") && !home.contains("boris@example.com"),
        "a user sees their own totals and no breakdown"
    );
    assert!(
        home.contains("data-stat=\"recipients_total\">2<"),
        "her own totals"
    );
}

#[tokio::test]
async fn an_admin_adds_and_promotes_a_user_and_a_manager_blocks_them() {
    let s = Server::new().await;
    s.add_user("admin@example.com", Role::Admin).await;
    s.add_user("manager@example.com", Role::Manager).await;
    let admin = As::log_in(&s, "admin@example.com").await;
    let bad = admin
        .post(
            "/users",
            &[
                ("email", "new@example.com"),
                ("full_name", "Новый"),
                ("role", "user"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text.contains("new@example.com"),
        "the form keeps what was typed"
    );
    let added = admin
        .post(
            "/users",
            &[
                ("email", "new@example.com"),
                ("full_name", "Новый"),
                ("role", "user"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let new_user = As::log_in(&s, "new@example.com").await;
    assert_eq!(new_user.get("/").await.status, StatusCode::OK);

    let uses = s.uses();
    let id = uses
        .accounts
        .by_email(&EmailAddress::parse("new@example.com").expect("valid"))
        .await
        .expect("read")
        .expect("found")
        .id;
    let promoted = admin
        .post(&format!("/users/{id}/role"), &[("role", "manager")])
        .await;
    assert_eq!(promoted.status, StatusCode::SEE_OTHER);

    let manager = As::log_in(&s, "manager@example.com").await;
    let blocked = manager.post(&format!("/users/{id}/block"), &[]).await;
    assert_eq!(blocked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        new_user.get("/").await.header("location"),
        Some("/login"),
        "a blocked user's session ends at the next request"
    );
    let promote = manager
        .post(&format!("/users/{id}/role"), &[("role", "admin")])
        .await;
    assert_eq!(
        promote.status,
        StatusCode::NOT_FOUND,
        "a manager changes no roles"
    );
}

#[tokio::test]
async fn a_user_makes_a_token_seen_once_and_revokes_it() {
    let s = Server::new().await;
    s.add_user("anna@example.com", Role::User).await;
    let anna = As::log_in(&s, "anna@example.com").await;
    let made = anna.post("/tokens", &[("name", "ci")]).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    let at = made
        .text
        .find("id=\"new-token\">")
        .expect("the key is shown")
        + "id=\"new-token\">".len();
    let key = made.text[at..at + 64].to_owned();
    let api = s
        .send(
            Request::get("/api/v1/me")
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(api.json["user"]["email"], "anna@example.com");

    let page = anna.get("/tokens").await;
    assert!(
        page.text.contains("ci") && !page.text.contains(&key),
        "listed, never shown again"
    );
    let end = page.text.find("/revoke\"").expect("a revoke button");
    let start = page.text[..end].rfind("/tokens/").expect("its action") + "/tokens/".len();
    let id = &page.text[start..end];
    assert!(id.parse::<i64>().is_ok(), "{id}");
    let revoked = anna.post(&format!("/tokens/{id}/revoke"), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let after = s
        .send(
            Request::get("/api/v1/me")
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}
