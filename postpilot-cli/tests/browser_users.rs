//! Users in a real browser (issue 13): headless Chromium logs in to the
//! real `postpilot serve` as Alice and Bob (role user) and as Mia
//! (manager), one after another with a logout between, and checks what
//! each sees and may do (Mia changes nothing of theirs, but disables
//! Bob's mailing, which Bob then cannot send). Their objects are made
//! with the CLI's `--as`, so ids are known: Alice's are №1, Bob's №2 (and
//! his second recipient №3).
//!
//! Needs `chromium`; without it the test says SKIPPED and passes, except
//! under `CI`.

#[path = "browser/cdp.rs"]
mod cdp;
#[path = "serve/running.rs"]
mod running;
mod support;

use cdp::Browser;
use running::Running;
use support::Env;

const PASSWORD: &str = "correct horse battery";
const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
const MIA: &str = "mia@example.com";

/// What one user made: a recipient or two, a message, a list, a mailing,
/// with their ids (the message's, the list's and the mailing's is `id`).
struct Made {
    emails: &'static [&'static str],
    recipient_ids: &'static [&'static str],
    subject: &'static str,
    list: &'static str,
    id: &'static str,
}

const ALICES: Made = Made {
    emails: &["alice.client@example.com"],
    recipient_ids: &["1"],
    subject: "Письмо Алисы",
    list: "Список Алисы",
    id: "1",
};
const BOBS: Made = Made {
    emails: &["bob.client@example.com", "bob.second@example.com"],
    recipient_ids: &["2", "3"],
    subject: "Письмо Боба",
    list: "Список Боба",
    id: "2",
};

fn add_user(env: &Env, email: &str, name: &str, role: &str) {
    let out = env
        .cmd()
        .env("POSTPILOT_PASSWORD", PASSWORD)
        .args(["user", "add", "--email", email, "--name", name])
        .args(["--role", role])
        .output()
        .expect("ran");
    assert!(out.status.success(), "{out:?}");
}

/// `made` as the user `owner`, with the CLI's `--as`; the mailing's first
/// send is tomorrow, so the server's scheduler leaves it alone.
fn make(env: &Env, owner: &str, made: &Made) {
    let as_owner = |args: &[&str]| env.ok(&[&["--as", owner][..], args].concat());
    let ids: Vec<String> = made
        .emails
        .iter()
        .map(|email| as_owner(&["recipient", "add", "--email", email, "--name", "Клиент"]))
        .collect();
    let message = as_owner(&[
        "message",
        "add",
        "--subject",
        made.subject,
        "--body",
        "Текст",
    ]);
    as_owner(&["list", "add", "--name", made.list]);
    let now = chrono::Utc::now();
    let start = (now + chrono::Duration::days(1)).to_rfc3339();
    let end = (now + chrono::Duration::days(2)).to_rfc3339();
    let mut mailing = vec!["mailing", "add", "--message", &message, "--start", &start];
    mailing.extend_from_slice(&["--end", &end]);
    for id in &ids {
        mailing.extend_from_slice(&["--recipient", id]);
    }
    as_owner(&mailing);
}

fn log_in(b: &mut Browser, base: &str, email: &str) {
    b.open(&format!("{base}/login"));
    b.fill("#email", email);
    b.fill("#password", PASSWORD);
    b.click("form[action='/login'] button[type=submit]");
    assert_eq!(b.path(), "/", "{email} logged in: {}", b.text("main"));
    assert!(b.text("header").contains(email), "{}", b.text("header"));
}

fn log_out(b: &mut Browser) {
    b.click("form.logout button");
    assert_eq!(b.path(), "/login");
}

/// A figure of the home page by its `data-stat`.
fn stat(b: &mut Browser, key: &str) -> u64 {
    b.text(&format!("[data-stat={key}]"))
        .replace('\u{a0}', "")
        .parse()
        .unwrap_or_else(|_| panic!("figure {key} shown"))
}

/// The home page's figures: mailings, active ones, unique recipients in
/// mailings, recipients, messages.
fn home(b: &mut Browser, base: &str) -> [u64; 5] {
    b.open(&format!("{base}/"));
    [
        "mailings_total",
        "mailings_active",
        "unique_recipients",
        "recipients_total",
        "messages_total",
    ]
    .map(|key| stat(b, key))
}

/// Asserts the status a GET of `path` answers with the browser's session
/// cookie (asked outside the page: the UI's CSP lets no script fetch).
fn expect_status(server: &Running, b: &mut Browser, path: &str, code: u16) {
    let cookie = b.cookie_header(&server.base);
    let (status, _) = server.get(path, &[("Cookie", &cookie)]);
    assert!(status.contains(&format!(" {code} ")), "{path}: {status}");
}

/// What the four lists of `base` show, as one text.
fn lists(b: &mut Browser, base: &str) -> String {
    ["recipients", "messages", "mailings", "lists"]
        .map(|page| {
            b.open(&format!("{base}/{page}"));
            b.text("main")
        })
        .join("\n")
}

/// Logged in as a user: their own objects everywhere, the other's
/// nowhere, and the other's by id is the 404 page.
fn sees_only_own(server: &Running, b: &mut Browser, own: &Made, other: &Made) {
    let base = &server.base;
    let shown = lists(b, base);
    for email in own.emails {
        assert!(shown.contains(email), "{email} in {shown}");
    }
    assert!(
        shown.contains(own.subject) && shown.contains(own.list),
        "{shown}"
    );
    for marker in other.emails.iter().chain([&other.subject, &other.list]) {
        assert!(!shown.contains(marker), "{marker} shown: {shown}");
    }
    b.open(&format!("{base}/recipients?q=client"));
    let found = b.text("main");
    assert!(
        found.contains(own.emails[0]) && !found.contains(other.emails[0]),
        "a search finds only one's own: {found}"
    );
    let id = other.id;
    for page in ["messages", "mailings", "lists"] {
        let path = format!("/{page}/{id}");
        b.open(&format!("{base}{path}"));
        assert_eq!(b.text("h1"), "Не найдено", "{path}: {}", b.text("main"));
    }
    let mut paths: Vec<String> = other
        .recipient_ids
        .iter()
        .flat_map(|r| [format!("/recipients/{r}"), format!("/recipients/{r}/edit")])
        .collect();
    paths.extend([
        format!("/messages/{id}"),
        format!("/messages/{id}/edit"),
        format!("/mailings/{id}"),
        format!("/mailings/{id}/edit"),
        format!("/mailings/{id}/send"),
        format!("/mailings/{id}/recipients"),
        format!("/lists/{id}"),
        "/users".to_owned(),
    ]);
    for path in &paths {
        expect_status(server, b, path, 404);
    }
    assert!(!b.text("nav").contains("Пользователи"), "{}", b.text("nav"));
}

#[test]
fn two_users_see_only_their_own_and_a_manager_sees_both_changing_nothing_but_disabling_a_mailing() {
    let Some(chromium) = cdp::executable_or_skip() else {
        return;
    };
    let env = Env::new();
    add_user(&env, ALICE, "Алиса Петрова", "user");
    add_user(&env, BOB, "Борис Иванов", "user");
    add_user(&env, MIA, "Мия Сергеева", "manager");
    make(&env, ALICE, &ALICES);
    make(&env, BOB, &BOBS);
    let server = Running::start(
        env.dir.path(),
        &[("POSTPILOT_API_TOKEN", "automation-token-1234567890")],
    );
    let base = server.base.clone();
    let mut b = Browser::launch(&chromium);

    log_in(&mut b, &base, ALICE);
    assert_eq!(home(&mut b, &base), [1, 0, 1, 1, 1]);
    sees_only_own(&server, &mut b, &ALICES, &BOBS);
    log_out(&mut b);
    expect_status(&server, &mut b, "/recipients/1", 303);

    log_in(&mut b, &base, BOB);
    assert_eq!(home(&mut b, &base), [1, 0, 2, 2, 1]);
    sees_only_own(&server, &mut b, &BOBS, &ALICES);
    log_out(&mut b);

    // Mia sees everyone's: every figure and list holds both users' objects.
    log_in(&mut b, &base, MIA);
    assert_eq!(home(&mut b, &base), [2, 0, 3, 3, 2]);
    let shown = lists(&mut b, &base);
    for marker in ALICES.emails.iter().chain(BOBS.emails) {
        assert!(shown.contains(marker), "{marker} in {shown}");
    }
    for marker in [ALICES.subject, ALICES.list, BOBS.subject, BOBS.list] {
        assert!(shown.contains(marker), "{marker} in {shown}");
    }
    for path in ["/recipients/1", "/messages/2", "/mailings/1", "/lists/2"] {
        expect_status(&server, &mut b, path, 200);
    }
    b.click("nav a[href='/users']");
    let users = b.text("main");
    for email in [ALICE, BOB, MIA] {
        assert!(users.contains(email), "{email} in {users}");
    }

    // …but changes none of it: the edit form of Alice's recipient, sent,
    // is the 404 page and the recipient stays as it was.
    b.open(&format!("{base}/recipients/1/edit"));
    b.fill("#full_name", "Изменено менеджером");
    b.click("main form button[type=submit]");
    assert_eq!(b.text("h1"), "Не найдено", "{}", b.text("main"));
    b.open(&format!("{base}/recipients/1"));
    assert!(!b.text("main").contains("Изменено менеджером"));
    let alices = env.json(&["recipient", "show", "1"]);
    assert_eq!(alices["full_name"], "Клиент", "{alices}");
    // Bob's mailing: the send confirmation, pressed, is the 404 page and
    // nothing is sent.
    b.open(&format!("{base}/mailings/2/send"));
    b.click("main form button.send");
    assert_eq!(b.text("h1"), "Не найдено", "{}", b.text("main"));
    let runs = env.json(&["mailing", "runs", "2"]);
    assert_eq!(runs.as_array().map(Vec::len), Some(0), "{runs}");
    // Bob's list: renaming it is the 404 page too.
    b.open(&format!("{base}/lists/2"));
    b.fill(
        "form[action='/lists/2/rename'] input[name=name]",
        "Чужое имя",
    );
    b.click("form[action='/lists/2/rename'] button");
    assert_eq!(b.text("h1"), "Не найдено", "{}", b.text("main"));
    assert_eq!(env.json(&["list", "show", "2"])["name"], BOBS.list);
    // What she may do to Bob's mailing: disable it.
    b.open(&format!("{base}/mailings/2"));
    b.click("button#disable");
    assert!(b.text("#disabled").contains(MIA), "{}", b.text("main"));
    log_out(&mut b);

    // Bob sees it disabled, and by whom, with no way to send it or to
    // enable it himself.
    log_in(&mut b, &base, BOB);
    b.open(&format!("{base}/mailings/2"));
    assert!(b.text("#disabled").contains(MIA), "{}", b.text("main"));
    let offered = b.eval(
        "[!!document.querySelector('button.send[disabled]'), !!document.querySelector('#enable, #disable')]",
    );
    assert_eq!(offered, Some(serde_json::json!([true, false])));
    b.open(&format!("{base}/mailings/2/send"));
    assert!(
        b.text("#refused").contains("отключена"),
        "{}",
        b.text("main")
    );
    let runs = env.json(&["mailing", "runs", "2"]);
    assert_eq!(runs.as_array().map(Vec::len), Some(0), "{runs}");
    log_out(&mut b);
    assert!(!server.log().contains(PASSWORD), "no password in the log");
}
