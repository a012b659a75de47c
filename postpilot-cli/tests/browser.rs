//! End to end in a real browser: Debian's headless Chromium drives the real
//! `postpilot serve` like a person would — logs in with the printed URL,
//! creates a recipient, a message and a mailing through the forms, presses
//! "Отправить сейчас", sees the attempts and the home-page counts change.
//! Screenshots of the home page and of the mailing page are left in the
//! temp dir (`postpilot-*.png`).
//!
//! Needs `chromium` (`apt-get install chromium`; `.ci/run` installs it).
//! Without it the test says SKIPPED and passes, except under `CI`.

#[path = "browser/cdp.rs"]
mod cdp;
#[path = "serve/running.rs"]
mod running;

use cdp::Browser;
use running::Running;
use serde_json::json;

const SUBMIT: &str = "main form button[type=submit]";

/// The three figures of the home page: all mailings, active, unique recipients.
fn counts(b: &mut Browser) -> (u64, u64, u64) {
    let mut figure = |key: &str| {
        b.text(&format!("[data-stat={key}]"))
            .replace('\u{a0}', "")
            .parse::<u64>()
            .unwrap_or_else(|_| panic!("figure {key} shown"))
    };
    (
        figure("mailings_total"),
        figure("mailings_active"),
        figure("unique_recipients"),
    )
}

#[test]
fn person_logs_in_creates_everything_through_forms_sends_and_sees_attempts_and_counts() {
    let Some(chromium) = cdp::executable_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let server = Running::start(dir.path(), &[]);
    let base = server.base.clone();
    let mut b = Browser::launch(&chromium);

    // The login URL printed at start lands on the home page, logged in.
    b.open(server.login_url.as_deref().expect("login URL"));
    assert_eq!(b.path(), "/");
    assert!(b.text("h1").contains("Главная"));
    assert_eq!(counts(&mut b), (0, 0, 0));

    // Получатель: a bad email is refused beside its field, the rest kept.
    b.open(&format!("{base}/recipients/new"));
    b.fill("#email", "ivan.petrov-at-example.com");
    b.fill("#full_name", "Иван Петров");
    b.fill("#comment", "Постоянный клиент");
    b.click(SUBMIT);
    let error = b.text("#email-error");
    assert!(
        error.contains("Это не адрес электронной почты"),
        "{error:?} on {}: {}",
        b.path(),
        b.text("main")
    );
    assert_eq!(
        b.eval("document.querySelector('#full_name').value"),
        Some(json!("Иван Петров"))
    );
    b.fill("#email", "ivan@example.com");
    b.click(SUBMIT);
    assert_eq!(b.path(), "/recipients?notice=recipient_created");
    assert!(b.text(".notice").contains("Получатель добавлен"));
    assert!(b.text("table").contains("Иван Петров"));

    // A name that looks like a script is shown as text and never runs.
    b.open(&format!("{base}/recipients/new"));
    b.fill("#email", "mallory@example.com");
    b.fill("#full_name", "<script>document.title='pwned'</script>");
    b.click(SUBMIT);
    assert!(b
        .text("table")
        .contains("<script>document.title='pwned'</script>"));
    assert_ne!(b.eval("document.title"), Some(json!("pwned")));

    // Сообщение.
    b.open(&format!("{base}/messages/new"));
    b.fill("#subject", "Новости недели");
    b.fill(
        "#body_text",
        "Здравствуйте!\nВот что нового на этой неделе.",
    );
    b.click(SUBMIT);
    assert!(
        b.text(".notice").contains("Сообщение добавлено"),
        "{}: {}",
        b.path(),
        b.text("main")
    );

    // Рассылка of that message to Ivan, with the form's own times: the
    // first send is tomorrow morning, so the scheduler inside `serve`
    // leaves it alone and it is sent only by the button.
    b.open(&format!("{base}/mailings/new"));
    assert_eq!(
        b.eval("document.querySelector('#first_sent_at').value.endsWith('T09:00')"),
        Some(json!(true)),
        "the form offers tomorrow at 09:00, never now"
    );
    assert_eq!(
        b.eval("(() => { const s = document.querySelector('#message_id'); s.selectedIndex = 1; return s.value !== ''; })()"),
        Some(json!(true))
    );
    assert_eq!(
        b.eval("(() => { document.querySelector('input[name=recipients][value=search]').checked = true; document.querySelector('#recipient_search').value = 'ivan@example.com'; return true; })()"),
        Some(json!(true))
    );
    b.click(SUBMIT);
    assert!(
        b.path().ends_with("?notice=mailing_created"),
        "{}",
        b.path()
    );
    assert_eq!(b.text("#status"), "Создана");
    assert!(b.text("#runs").contains("Рассылка ещё не отправлялась."));
    assert!(
        b.text("#schedule")
            .contains("Будет отправлена автоматически"),
        "{}",
        b.text("#schedule")
    );
    // The scheduler looks every 2 s: after four, still nothing is sent.
    std::thread::sleep(std::time::Duration::from_secs(4));
    let page = format!("{base}{}", b.path());
    b.open(&page);
    assert_eq!(b.text("#status"), "Создана");
    assert!(b.text("#runs").contains("Рассылка ещё не отправлялась."));

    // "Отправить сейчас" leads to the confirmation, which names the count
    // and sends nothing until its own button is pressed.
    b.click("a.send");
    assert!(b.path().ends_with("/send"), "{}", b.path());
    let confirm = b.text("main").replace('\u{a0}', " ");
    assert!(
        confirm.contains("Письмо получат 1 получатель."),
        "{confirm}"
    );
    assert!(
        confirm.contains("Уже получили эту рассылку: 0."),
        "{confirm}"
    );
    b.screenshot(
        &std::env::temp_dir().join("postpilot-send-confirm.png"),
        390,
    );
    // Sent on the confirmation: the run is delivered in the background and
    // the page (reloading itself while sending) shows the attempt.
    b.click("main form button.send");
    assert!(
        b.text(".notice").contains("Рассылка запущена") || b.text("#attempts").contains("Успешно")
    );
    b.wait_for(
        "(() => { if (document.querySelector('#attempts .badge.success')) return true; \
         if (!document.querySelector('meta[http-equiv=refresh]') && document.readyState === 'complete') location.reload(); \
         return false; })()",
        "the attempt to show Успешно",
    );
    let attempts = b.text("#attempts");
    assert!(attempts.contains("ivan@example.com"), "{attempts}");
    assert!(attempts.contains("Успешно"), "{attempts}");
    assert!(
        attempts.contains("250 saved to"),
        "the server's reply: {attempts}"
    );
    assert!(!attempts.contains("mallory@example.com"));
    assert_eq!(b.text("#status"), "Запущена");
    b.wait_for(
        "document.querySelector('#runs').innerText.includes('1 из 1')",
        "the run's progress",
    );
    let shots = std::env::temp_dir();
    b.screenshot(&shots.join("postpilot-mailing.png"), 1280);
    b.screenshot(&shots.join("postpilot-mailing-phone.png"), 390);

    // Главная: all mailings, active mailings, unique recipients have changed.
    b.open(&format!("{base}/"));
    assert_eq!(counts(&mut b), (1, 1, 1));
    b.screenshot(&shots.join("postpilot-home.png"), 1280);

    let emails = std::fs::read_dir(dir.path().join("outbox"))
        .expect("outbox")
        .count();
    assert_eq!(emails, 1, "one email, to Ivan");
    assert!(
        !server.log().contains(
            server
                .login_url
                .as_deref()
                .and_then(|u| u.rsplit('=').next())
                .unwrap_or("?")
        ),
        "the token is never logged"
    );
}
