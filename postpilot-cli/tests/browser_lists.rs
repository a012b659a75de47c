//! Списки in a real browser, without JavaScript of ours: headless Chromium
//! drives the real `postpilot serve` — creates recipients and a list
//! through the forms, finds recipients and adds all found, removes one —
//! and leaves screenshots of the list's page at desktop and phone width in
//! the temp dir (`postpilot-list*.png`).
//!
//! Needs `chromium`; without it the test says SKIPPED and passes, except
//! under `CI`.

#[path = "browser/cdp.rs"]
mod cdp;
#[path = "serve/running.rs"]
mod running;

use cdp::Browser;
use running::Running;

const SUBMIT: &str = "main form button[type=submit]";

#[test]
fn a_person_builds_a_list_through_the_forms_and_its_page_reads_on_a_phone() {
    let Some(chromium) = cdp::executable() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is missing: CI must install it (see .ci/run)"
        );
        eprintln!("SKIPPED: no chromium at /usr/bin/chromium (apt-get install chromium)");
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let server = Running::start(dir.path(), &[]);
    let base = server.base.clone();
    let mut b = Browser::launch(&chromium);
    b.open(server.login_url.as_deref().expect("login URL"));

    for (email, name) in [
        ("ivan@example.com", "Иван Петров"),
        ("irina@example.com", "Ирина Иванова"),
        ("petr@example.com", "Пётр Сидоров"),
    ] {
        b.open(&format!("{base}/recipients/new"));
        b.fill("#email", email);
        b.fill("#full_name", name);
        b.click(SUBMIT);
    }

    b.open(&format!("{base}/"));
    b.click("nav a[href='/lists']");
    assert_eq!(b.path(), "/lists");
    b.fill("#name", "Постоянные клиенты");
    b.click(SUBMIT);
    assert!(b.path().contains("notice=list_created"), "{}", b.path());
    assert!(b.text("h1").contains("Постоянные клиенты"));

    b.fill("#find", "иван");
    b.click("#add form.search[method=get] button");
    let found = b.text("#add");
    assert!(found.contains("Найдено: 2"), "{found}");
    b.click("#add .actions form button");
    assert!(b.text(".notice").contains("добавлены в список"));
    let members = b.text("#member_count").replace('\u{a0}', " ");
    assert!(members.contains("2 участника"), "{members}");
    assert!(b.text("#members table").contains("Ирина Иванова"));

    let shots = std::env::temp_dir();
    b.screenshot(&shots.join("postpilot-list.png"), 1280);
    b.screenshot(&shots.join("postpilot-list-phone.png"), 390);

    b.click("#members table form button");
    assert!(b.text(".notice").contains("убраны из списка"));
    let members = b.text("#member_count").replace('\u{a0}', " ");
    assert!(members.contains("1 участник"), "{members}");
    b.open(&format!("{base}/lists"));
    b.screenshot(&shots.join("postpilot-lists-phone.png"), 390);
}
