//! Every page at phone width (390 CSS px, an iPhone 12–15) in Debian's
//! headless Chromium, with long real-looking content: long addresses,
//! long Cyrillic names, a subject of 99 characters, a long link in the
//! body. No page's document is wider than the screen, and on a mailing page
//! the send button and the progress are on the first screen. Screenshots of
//! each page are left in the temp dir (`postpilot-phone-*.png`).
//!
//! Needs `chromium`, as `browser.rs` does; without it SKIPPED, except
//! under `CI`.

#[path = "browser/cdp.rs"]
mod cdp;
#[path = "serve/running.rs"]
mod running;

use std::time::{Duration, Instant};

use cdp::Browser;
use running::Running;
use serde_json::{json, Value};

const PHONE: u32 = 390;
/// The height of the phone's first screen (`cdp::Browser::screenshot_probing`).
const FIRST_SCREEN: f64 = 844.0;

const LONG_EMAIL: &str =
    "konstantin.konstantinopolsky-rozhdestvensky@otdel-prodazh.krupnaya-kompaniya.example.com";
const LONG_NAME: &str = "Константин Константинопольский-Рождественский";
const LONG_SUBJECT: &str =
    "Новогодняя распродажа: скидки до 70 % на всю зимнюю коллекцию одежды, обуви и аксессуаров для семьи";
const LONG_LINK: &str = "https://example.com/akcii/novogodnyaya-rasprodazha-2027/zimnyaya-kollekciya?utm_source=postpilot&utm_medium=email&utm_campaign=winter";

/// The API as the user's token: `method` `path` with `body`; the answer's JSON.
fn api(server: &Running, bearer: &str, path: &str, body: &Value) -> Value {
    let (status, answer) = server.post(path, &[("Authorization", bearer)], &body.to_string());
    assert!(status.contains(" 20"), "{path}: {answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_default()
}

fn api_get(server: &Running, bearer: &str, path: &str) -> Value {
    let (_, answer) = server.get(path, &[("Authorization", bearer)]);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or_default()
}

/// The width of the document and the bottoms of the send button and of
/// the progress (null when absent), in page pixels.
const PROBE: &str = "(() => { \
    const bottom = s => { const e = document.querySelector(s); return e ? e.getBoundingClientRect().bottom + scrollY : null; }; \
    return [document.documentElement.scrollWidth, bottom('.actions .send'), bottom('#progress')]; })()";

#[test]
fn no_page_is_wider_than_a_phone_and_a_mailing_page_shows_send_and_progress_first() {
    let Some(chromium) = cdp::executable_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let server = Running::start(dir.path(), &[("POSTPILOT_TIMEZONE", "Europe/Moscow")]);
    let base = server.base.clone();
    let login = server.login_url.clone().expect("login URL");
    let bearer = format!("Bearer {}", login.rsplit('=').next().expect("token"));

    let mut recipients = Vec::new();
    for (email, name, comment) in [
        (
            LONG_EMAIL,
            LONG_NAME,
            format!("Оптовый клиент с 2019 года, договор № 2019/ОП-1187, {LONG_LINK}"),
        ),
        (
            "ekaterina.aleksandrovna.vasilyeva@example.com",
            "Екатерина Александровна Васильева",
            "Постоянный клиент".to_owned(),
        ),
        ("ivan@example.com", "Иван Петров", String::new()),
    ] {
        let r = api(
            &server,
            &bearer,
            "/api/v1/recipients",
            &json!({"email": email, "full_name": name, "comment": comment}),
        );
        recipients.push(r["id"].as_i64().expect("recipient id"));
    }
    let message = api(
        &server,
        &bearer,
        "/api/v1/messages",
        &json!({"subject": LONG_SUBJECT, "body_text": format!("Здравствуйте!\n\nВсе предложения: {LONG_LINK}\n\nДо встречи!")}),
    )["id"]
        .as_i64()
        .expect("message id");
    // Tomorrow to the day after next: only the API's send sends it.
    let new_mailing = || {
        let now = chrono::Utc::now();
        api(
            &server,
            &bearer,
            "/api/v1/mailings",
            &json!({
                "message_id": message,
                "first_sent_at": (now + chrono::Duration::days(1)).to_rfc3339(),
                "sent_completed_at": (now + chrono::Duration::days(3)).to_rfc3339(),
                "recipient_ids": recipients,
            }),
        )["id"]
            .as_i64()
            .expect("mailing id")
    };
    let mailing = new_mailing();
    api(
        &server,
        &bearer,
        &format!("/api/v1/mailings/{mailing}/send"),
        &json!({}),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let run = loop {
        let runs = api_get(
            &server,
            &bearer,
            &format!("/api/v1/mailings/{mailing}/runs"),
        );
        if runs["items"][0]["finished_at"].is_string() {
            break runs["items"][0]["id"].as_i64().expect("run id");
        }
        assert!(Instant::now() < deadline, "the run did not finish: {runs}");
        std::thread::sleep(Duration::from_millis(100));
    };
    // One never sent, for the send confirmation as it first looks.
    let unsent = new_mailing();

    let mut b = Browser::launch(&chromium);
    let long = recipients[0];
    let pages = [
        ("login", "/login".to_owned()),
        ("home", "/".to_owned()),
        ("recipients", "/recipients".to_owned()),
        ("recipient", format!("/recipients/{long}")),
        ("recipient-new", "/recipients/new".to_owned()),
        ("recipient-edit", format!("/recipients/{long}/edit")),
        ("recipient-delete", format!("/recipients/{long}/delete")),
        ("messages", "/messages".to_owned()),
        ("message", format!("/messages/{message}")),
        ("message-new", "/messages/new".to_owned()),
        ("message-edit", format!("/messages/{message}/edit")),
        ("mailings", "/mailings".to_owned()),
        ("mailing-new", "/mailings/new".to_owned()),
        ("mailing-edit", format!("/mailings/{mailing}/edit")),
        ("mailing", format!("/mailings/{mailing}")),
        ("mailing-unsent", format!("/mailings/{unsent}")),
        ("run", format!("/mailings/{mailing}/runs/{run}")),
        ("send", format!("/mailings/{mailing}/send")),
        ("send-first", format!("/mailings/{unsent}/send")),
        (
            "mailing-recipients",
            format!("/mailings/{mailing}/recipients"),
        ),
        ("mailing-delete", format!("/mailings/{mailing}/delete")),
        ("not-found", "/no-such-page".to_owned()),
    ];
    let shots = std::env::temp_dir();
    // The login page first, before the login URL opens a session. What
    // is too wide or too low is gathered, to say it all at once.
    let mut wide = Vec::new();
    for (i, (name, path)) in pages.iter().enumerate() {
        if i == 1 {
            b.open(&login);
        }
        b.open(&format!("{base}{path}"));
        let shot = shots.join(format!("postpilot-phone-{name}.png"));
        let probed = b.screenshot_probing(&shot, PHONE, PROBE).expect("probed");
        let width = probed[0].as_u64().expect("width");
        if width > u64::from(PHONE) {
            wide.push(format!("{path}: {width} px"));
        }
        if matches!(*name, "mailing" | "mailing-unsent") {
            let send = probed[1].as_f64().unwrap_or(f64::MAX);
            if send > FIRST_SCREEN {
                wide.push(format!("{path}: the send button ends at {send} px"));
            }
        }
        if *name == "mailing" {
            let progress = probed[2].as_f64().unwrap_or(f64::MAX);
            if progress > FIRST_SCREEN {
                wide.push(format!("{path}: the progress ends at {progress} px"));
            }
        }
    }
    assert!(wide.is_empty(), "at {PHONE} px: {wide:#?}");
    b.open(&format!("{base}/mailings/{mailing}"));
    b.screenshot(&shots.join("postpilot-desktop-mailing.png"), 1280);
    b.open(&format!("{base}/messages/{message}"));
    b.screenshot(&shots.join("postpilot-desktop-message.png"), 1280);
}
