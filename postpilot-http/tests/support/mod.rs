//! The router over a real SQLite file in a temp dir and the outbox mailer,
//! called in-process with `tower::ServiceExt::oneshot`.

#![allow(dead_code)] // each test file uses a different part

use std::path::PathBuf;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use postpilot_core::ports::SystemClock;
use postpilot_core::usecases::{SendPolicy, UseCases};
use postpilot_core::EmailAddress;
use postpilot_http::{openapi_json, ApiToken, AppState, HttpConfig, Wiring};
use postpilot_smtp::OutboxMailer;
use postpilot_store_sqlx::SqliteStore;
use serde_json::{json, Value};
use tempfile::TempDir;
use tower::ServiceExt;

pub const TOKEN: &str = "test-token-0123456789abcdef";
/// The password of every user [`Server::add_user`] adds.
pub const PASSWORD: &str = "correct horse battery";

/// The tests' wiring: a real SQLite file, the outbox, the system clock.
pub struct Test;

impl Wiring for Test {
    type Store = SqliteStore;
    type Mailer = OutboxMailer;
    type Clock = SystemClock;
}

pub type State = AppState<Test>;

pub struct Server {
    pub router: Router,
    pub state: State,
    pub store: SqliteStore,
    dir: TempDir,
}

/// One answer, its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    /// Asserts the error shape and `code`; returns the `field`.
    pub fn error(&self, status: StatusCode, code: &str) -> Option<String> {
        assert_eq!(self.status, status, "{}", self.text);
        let error = &self.json["error"];
        assert_eq!(error["code"], code, "{}", self.text);
        assert!(error["message"].is_string(), "{}", self.text);
        assert!(error.get("field").is_some(), "{}", self.text);
        error["field"].as_str().map(str::to_owned)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Server {
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    /// A server whose configuration `tune` adjusts.
    pub async fn with(tune: impl FnOnce(&mut HttpConfig)) -> Self {
        Self::on(tempfile::tempdir().expect("temp dir"), tune, None).await
    }

    /// A server reached at `https://mail.example.com` (`--public-url`) that
    /// lets anyone sign up (`--allow-signup`).
    pub async fn open_to_sign_ups() -> Self {
        let tune = |config: &mut HttpConfig| config.allow_signup = true;
        let dir = tempfile::tempdir().expect("temp dir");
        Self::on(dir, tune, Some("https://mail.example.com")).await
    }

    /// The text of every email in the outbox, its body decoded.
    pub fn emails(&self) -> Vec<String> {
        use base64::Engine as _;
        let Ok(dir) = std::fs::read_dir(self.outbox()) else {
            return Vec::new();
        };
        let mut paths: Vec<_> = dir.map(|e| e.expect("entry").path()).collect();
        paths.sort();
        paths
            .into_iter()
            .map(|path| {
                let raw = std::fs::read_to_string(&path).expect("email");
                let (head, body) = raw.split_once("\r\n\r\n").expect("head and body");
                if head.contains("Content-Transfer-Encoding: base64") {
                    let joined: String = body.split_whitespace().collect();
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(joined)
                        .expect("base64");
                    format!("{head}\r\n\r\n{}", String::from_utf8(bytes).expect("utf-8"))
                } else {
                    raw
                }
            })
            .collect()
    }

    /// This server's database behind a new server, as after a restart:
    /// nothing the first one held in memory is kept.
    pub async fn restarted(self) -> Self {
        let Self { store, dir, .. } = self;
        store.close().await;
        Self::on(dir, |_| {}, None).await
    }

    async fn on(
        dir: TempDir,
        tune: impl FnOnce(&mut HttpConfig),
        public_url: Option<&str>,
    ) -> Self {
        let url = format!("sqlite://{}", dir.path().join("postpilot.db").display());
        let store = SqliteStore::connect(&url).await.expect("store");
        let from = EmailAddress::parse("postpilot@example.com").expect("valid");
        let mailer = OutboxMailer::new(dir.path().join("outbox"), from).expect("outbox");
        let mut config = HttpConfig::new(ApiToken::new(TOKEN).expect("token"));
        tune(&mut config);
        let policy = SendPolicy {
            retry_backoff: Duration::from_millis(10),
            public_url: public_url.map(|url| postpilot_core::PublicUrl::parse(url).expect("valid")),
            ..SendPolicy::default()
        };
        let uses = UseCases::new(store.clone(), SystemClock, policy);
        let state = State::new(uses, mailer, config);
        Self {
            router: postpilot_http::router(state.clone()),
            state,
            store,
            dir,
        }
    }

    /// The use cases over this server's database, with the system's full
    /// access: what a test sets users up with.
    pub fn uses(&self) -> UseCases<SqliteStore, SystemClock> {
        UseCases::new(self.store.clone(), SystemClock, SendPolicy::default())
    }

    /// Adds a confirmed user with [`PASSWORD`], as the system.
    pub async fn add_user(&self, email: &str, role: postpilot_core::Role) -> postpilot_core::User {
        let new = postpilot_core::NewUser {
            email: EmailAddress::parse(email).expect("valid"),
            full_name: postpilot_core::FullName::parse("Анна Смирнова").expect("valid"),
            role,
            confirmed: true,
        };
        let password = postpilot_core::Password::parse(PASSWORD).expect("valid");
        self.uses()
            .accounts
            .add(&postpilot_core::Actor::System, new, Some(&password))
            .await
            .expect("added")
    }

    /// A new API token of `user`'s, its key.
    pub async fn token_of(&self, user: postpilot_core::User) -> String {
        let name = postpilot_core::TokenName::parse("test").expect("valid");
        let (key, _) = self
            .uses()
            .accounts
            .add_token(&postpilot_core::Actor::User(user), name)
            .await
            .expect("token");
        key.expose().to_owned()
    }

    pub fn outbox(&self) -> PathBuf {
        self.dir.path().join("outbox")
    }

    /// Sends `request` through the router.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_documented(&method, &path, status);
        Reply {
            status,
            headers,
            text,
            json,
        }
    }

    /// An API call with the token and, when given, a JSON body.
    pub async fn api(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.api_as(TOKEN, method, path, body).await
    }

    /// An API call with `token` (a user's, or the server's) and, when
    /// given, a JSON body.
    pub async fn api_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).expect("request")).await
    }

    /// An API call with the token, a raw body and, when given, a content type.
    pub async fn api_raw(
        &self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        self.send(request.body(body.into()).expect("request")).await
    }

    /// Everything stored, as the API shows it: what a refused request must
    /// leave unchanged.
    pub async fn snapshot(&self) -> Value {
        let mut all = serde_json::Map::new();
        for path in [
            "/api/v1/stats",
            "/api/v1/recipients?limit=1000",
            "/api/v1/messages?limit=1000",
            "/api/v1/mailings?limit=1000",
            "/api/v1/lists?limit=1000",
        ] {
            all.insert(path.to_owned(), self.get(path).await.json);
        }
        let mailings = all["/api/v1/mailings?limit=1000"]["items"].clone();
        for m in mailings.as_array().into_iter().flatten() {
            let path = format!("/api/v1/mailings/{}", m["id"]);
            all.insert(path.clone(), self.get(&path).await.json);
        }
        let lists = all["/api/v1/lists?limit=1000"]["items"].clone();
        for l in lists.as_array().into_iter().flatten() {
            let path = format!("/api/v1/lists/{}/members?limit=1000", l["id"]);
            all.insert(path.clone(), self.get(&path).await.json);
        }
        Value::Object(all)
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.api(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.api(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.api(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.api(Method::DELETE, path, None).await
    }

    /// Creates a recipient; returns its id.
    pub async fn recipient(&self, email: &str, name: &str) -> i64 {
        self.recipient_as(TOKEN, email, name).await
    }

    /// Creates a recipient with `token` (whose owner then owns it); returns its id.
    pub async fn recipient_as(&self, token: &str, email: &str, name: &str) -> i64 {
        let body = json!({"email": email, "full_name": name});
        self.created_as(token, "/api/v1/recipients", body).await
    }

    /// Creates a message; returns its id.
    pub async fn message(&self, subject: &str) -> i64 {
        self.message_as(TOKEN, subject).await
    }

    /// Creates a message with `token`; returns its id.
    pub async fn message_as(&self, token: &str, subject: &str) -> i64 {
        let body = json!({"subject": subject, "body_text": "Здравствуйте!"});
        self.created_as(token, "/api/v1/messages", body).await
    }

    /// Creates a mailing open from an hour ago to tomorrow; returns its id.
    pub async fn open_mailing(&self, message: i64, recipients: &[i64]) -> i64 {
        self.open_mailing_as(TOKEN, message, recipients).await
    }

    /// Creates, with `token`, a mailing open from an hour ago to tomorrow;
    /// returns its id.
    pub async fn open_mailing_as(&self, token: &str, message: i64, recipients: &[i64]) -> i64 {
        let now = chrono::Utc::now();
        let body = json!({
            "message_id": message,
            "first_sent_at": (now - chrono::Duration::hours(1)).to_rfc3339(),
            "sent_completed_at": (now + chrono::Duration::days(1)).to_rfc3339(),
            "recipient_ids": recipients,
        });
        self.created_as(token, "/api/v1/mailings", body).await
    }

    /// POSTs `body` to `path` with `token`, asserts 201; the new id.
    async fn created_as(&self, token: &str, path: &str, body: Value) -> i64 {
        let r = self.api_as(token, Method::POST, path, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json["id"].as_i64().expect("id")
    }

    /// Polls the mailing's attempts until `n` are recorded.
    pub async fn wait_for_attempts(&self, mailing: i64, n: usize) -> Vec<Value> {
        for _ in 0..200 {
            let r = self
                .get(&format!("/api/v1/mailings/{mailing}/attempts"))
                .await;
            let items = r.json["items"].as_array().cloned().unwrap_or_default();
            if items.len() >= n {
                return items;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("mailing {mailing} never got {n} attempts");
    }
}

/// Words of Rust and serde that mean nothing to a client of a JSON API:
/// type names (`struct MessagePatchJson`, `i64`, `DateTime`) and serde's
/// data model (`sequence`, `map`, `unit value`).
const RUST_WORDS: [&str; 15] = [
    "struct",
    "Json",
    "i64",
    "u64",
    "i32",
    "u32",
    "usize",
    "DateTime",
    "Option",
    "sequence",
    "map",
    "unit value",
    "newtype",
    "tuple",
    "floating point",
];

/// The first Rust or serde word in an error message, outside what it quotes
/// of the input (`"…"` and `` `…` ``, which are what the client sent).
pub fn rust_word_in(message: &str) -> Option<&'static str> {
    let mut ours = String::new();
    let mut quote = None;
    for c in message.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '`' => quote = Some(c),
            None => ours.push(c),
        }
    }
    RUST_WORDS.into_iter().find(|word| ours.contains(word))
}

/// Every answer of an operation the OpenAPI document lists must use one of
/// the status codes it documents for that operation.
fn assert_documented(method: &Method, path: &str, status: StatusCode) {
    let Some(rest) = path.strip_prefix("/api/v1") else {
        return;
    };
    if rest == "/openapi.json" {
        return;
    }
    let doc: Value = serde_json::from_str(openapi_json()).expect("openapi");
    let paths = doc["paths"].as_object().expect("paths");
    let Some(operation) = paths
        .iter()
        .find(|(template, _)| matches_template(template, path))
        .and_then(|(_, item)| item.get(method.as_str().to_ascii_lowercase()))
    else {
        return; // not a documented operation: the route fallbacks
    };
    let documented = operation["responses"]
        .as_object()
        .expect("responses")
        .contains_key(status.as_str());
    assert!(
        documented,
        "{method} {path} answered {status}, which its OpenAPI operation does not document"
    );
}

pub fn matches_template(template: &str, path: &str) -> bool {
    let t: Vec<_> = template.split('/').collect();
    let p: Vec<_> = path.split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}')))
}

/// A browser's worth of state: the session cookie and the page's CSRF token.
pub struct Browser<'a> {
    pub server: &'a Server,
    pub cookie: String,
    pub csrf: String,
}

impl<'a> Browser<'a> {
    pub async fn log_in(server: &'a Server) -> Browser<'a> {
        let reply = server
            .send(get_request(&format!("/login?token={TOKEN}"), None))
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.header("location"), Some("/"));
        let set_cookie = reply.header("set-cookie").expect("cookie").to_owned();
        let cookie = set_cookie.split(';').next().expect("pair").to_owned();
        let mut browser = Browser {
            server,
            cookie,
            csrf: String::new(),
        };
        let home = browser.get("/").await;
        browser.csrf = csrf_of(&home.text);
        browser
    }

    /// Logs in by email and [`PASSWORD`], as a user does at `/login`.
    pub async fn log_in_as(server: &'a Server, email: &str) -> Browser<'a> {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("email", email)
            .append_pair("password", PASSWORD)
            .finish();
        let request = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        let reply = server.send(request).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
        let set_cookie = reply.header("set-cookie").expect("cookie");
        let cookie = set_cookie.split(';').next().expect("pair").to_owned();
        let mut browser = Browser {
            server,
            cookie,
            csrf: String::new(),
        };
        browser.csrf = csrf_of(&browser.get("/").await.text);
        browser
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.server
            .send(get_request(path, Some(&self.cookie)))
            .await
    }

    /// Posts `fields` as a same-origin form would, with the CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all, &[]).await
    }

    /// Posts `body` as it is, with the session cookie, as `content_type`.
    pub async fn post_bytes(&self, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::COOKIE, &self.cookie)
            .header(header::HOST, "127.0.0.1:8080");
        self.server
            .send(request.body(Body::from(body)).expect("request"))
            .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &self.cookie)
            .header(header::HOST, "127.0.0.1:8080");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.server
            .send(request.body(Body::from(body)).expect("request"))
            .await
    }
}

pub fn get_request(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).expect("request")
}

pub fn csrf_of(html: &str) -> String {
    let at = html
        .find(r#"name="csrf" value=""#)
        .expect("a form with a CSRF token");
    let rest = &html[at + r#"name="csrf" value=""#.len()..];
    rest[..rest.find('"').expect("end")].to_owned()
}
