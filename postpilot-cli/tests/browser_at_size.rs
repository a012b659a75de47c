//! The web UI at real size, in a real browser: 20,000 recipients imported
//! with the CLI, then a person works through the forms of the real
//! `postpilot serve`. Editing a large mailing keeps every recipient; a
//! recipient far beyond the first thousand is found by search and added;
//! a mailing sent once and then given one more recipient is sent again
//! "only to those not reached", and only that one gets an email.
//!
//! Needs `chromium` (`.ci/run` installs it). Without it the test says
//! SKIPPED and passes, except under `CI`.

#[path = "browser/cdp.rs"]
mod cdp;
#[path = "serve/running.rs"]
mod running;

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use cdp::Browser;
use running::Running;
use serde_json::json;

const SUBMIT: &str = "main form button[type=submit]";
const PEOPLE: u32 = 20_000;

/// Runs the CLI on the database `serve` will use, and expects success.
fn cli(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(assert_cmd::cargo::cargo_bin("postpilot"))
        .current_dir(dir)
        .env_remove("POSTPILOT_SMTP_URL")
        .env(
            "POSTPILOT_DATABASE_URL",
            format!("sqlite://{}", dir.join("postpilot.db").display()),
        )
        .env("POSTPILOT_OUTBOX_DIR", dir.join("outbox"))
        .args(args)
        .output()
        .expect("postpilot ran");
    assert!(
        out.status.success(),
        "postpilot {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `person00001@example.com, Клиент 00001` … for `n` people.
fn import_people(dir: &Path, n: u32) {
    let mut csv = String::from("email,full_name,comment\n");
    for i in 1..=n {
        writeln!(csv, "person{i:05}@example.com,Клиент {i:05},").expect("row");
    }
    std::fs::write(dir.join("people.csv"), csv).expect("csv written");
    let said = cli(dir, &["recipient", "import", "people.csv"]);
    assert!(said.contains(&format!("imported {n}")), "{said}");
}

/// Emails the outbox mailer has written so far.
fn outbox(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("outbox")).map_or(0, Iterator::count)
}

/// The recipient count a mailing page shows (`Получателей: 20 000`).
fn recipient_count(b: &mut Browser) -> u64 {
    let text = b.text("#recipient_count");
    let digits: String = text
        .split(|c: char| !c.is_ascii_digit() && c != '\u{a0}' && c != ' ')
        .find(|part| part.chars().any(|c| c.is_ascii_digit()))
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("a count in {text:?}"))
}

/// Creates a mailing of the only message through the form; `choose` sets
/// how its recipients are chosen. Returns the mailing page's path.
fn new_mailing(b: &mut Browser, base: &str, choose: &str) -> String {
    b.open(&format!("{base}/mailings/new"));
    assert_eq!(
        b.eval("(() => { const s = document.querySelector('#message_id'); s.selectedIndex = 1; return s.value !== ''; })()"),
        Some(json!(true))
    );
    assert_eq!(b.eval(choose), Some(json!(true)));
    b.click(SUBMIT);
    let path = b.path();
    assert!(path.ends_with("?notice=mailing_created"), "{path}");
    path.split('?').next().unwrap_or_default().to_owned()
}

/// Waits until the mailing page at `page` shows no run in progress.
fn wait_until_sent(b: &mut Browser, base: &str, page: &str, emails: usize, dir: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while outbox(dir) < emails && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(outbox(dir), emails, "emails written");
    b.open(&format!("{base}{page}"));
    b.wait_for(
        "(() => { if (!document.querySelector('meta[http-equiv=refresh]') && document.readyState === 'complete') \
         { if (!document.querySelector('#runs').innerText.includes('идёт')) return true; location.reload(); } \
         return false; })()",
        "the run to finish",
    );
}

#[test]
fn a_person_manages_a_mailing_of_twenty_thousand_without_losing_anyone_or_sending_twice() {
    let Some(chromium) = cdp::executable() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing: CI must install it (see .ci/run)"
        );
        eprintln!("SKIPPED: no chromium at /usr/bin/chromium (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    import_people(dir.path(), PEOPLE);
    cli(
        dir.path(),
        &[
            "message",
            "add",
            "--subject",
            "Новости",
            "--body",
            "Здравствуйте!",
        ],
    );
    let server = Running::start(dir.path(), &[]);
    let base = server.base.clone();
    let mut b = Browser::launch(&chromium);
    b.open(server.login_url.as_deref().expect("login URL"));

    // A mailing of everyone, then only its end time changed: all 20,000
    // stay (the form once kept only the first 1,000 it showed).
    let everyone = new_mailing(
        &mut b,
        &base,
        "(() => { document.querySelector('input[name=recipients][value=all]').checked = true; return true; })()",
    );
    assert_eq!(recipient_count(&mut b), 20_000);
    b.open(&format!("{base}{everyone}/edit"));
    b.fill("#sent_completed_at", "2099-12-31T18:00");
    b.click(SUBMIT);
    assert!(b.text(".notice").contains("сохранен"), "{}", b.text("main"));
    assert_eq!(recipient_count(&mut b), 20_000, "after the edit");
    assert_eq!(outbox(dir.path()), 0, "nothing is sent by saving");

    // A small mailing: the nine people `person0000` finds. Sent once,
    // through the confirmation.
    let small = new_mailing(
        &mut b,
        &base,
        "(() => { document.querySelector('input[name=recipients][value=search]').checked = true; \
         document.querySelector('#recipient_search').value = 'person0000'; return true; })()",
    );
    assert_eq!(recipient_count(&mut b), 9);
    b.click("a.send");
    assert!(b
        .text("#everyone")
        .replace('\u{a0}', " ")
        .contains("9 получателей"));
    b.click("main form button.send");
    wait_until_sent(&mut b, &base, &small, 9, dir.path());

    // Recipient 15,000, far beyond the first thousand, found by search on
    // the mailing's recipients page and added.
    b.open(&format!("{base}{small}/recipients"));
    b.fill("#find", "КЛИЕНТ 15000");
    b.click("#add form.search button[type=submit]");
    let found = b.text("#add").replace('\u{a0}', " ");
    assert!(found.contains("person15000@example.com"), "{found}");
    assert_eq!(
        b.eval("document.querySelectorAll('#add table tbody tr').length"),
        Some(json!(1)),
        "{found}"
    );
    b.click("#add table form button[type=submit]");
    assert_eq!(recipient_count(&mut b), 10);

    // Sent again, only to those not reached: the newcomer alone.
    b.open(&format!("{base}{small}/send"));
    let only = b.text("#only-unsent").replace('\u{a0}', " ");
    assert!(only.contains("1 получатель"), "{only}");
    b.click("button.send[value=only_unsent]");
    wait_until_sent(&mut b, &base, &small, 10, dir.path());
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(outbox(dir.path()), 10, "nobody got it twice");
    let mut to_newcomer = 0;
    for entry in std::fs::read_dir(dir.path().join("outbox")).expect("outbox") {
        let email = std::fs::read_to_string(entry.expect("entry").path()).expect("email");
        to_newcomer += usize::from(email.contains("person15000@example.com"));
    }
    assert_eq!(to_newcomer, 1);
    b.screenshot(
        &std::env::temp_dir().join("postpilot-large-mailing.png"),
        1280,
    );
}
