//! Personalised messages through the real binary: subject and body are
//! templates over the recipient's fields, checked when saved and rendered
//! for each recipient when sent.

mod support;

use base64::Engine as _;

use support::Env;

fn outbox_emails(env: &Env) -> Vec<String> {
    let mut emails: Vec<String> = std::fs::read_dir(env.outbox())
        .expect("outbox")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("email"))
        .collect();
    emails.sort();
    emails
}

#[test]
fn each_recipient_gets_an_email_with_their_own_name_email_and_comment() {
    let env = Env::new();
    let anna = env.add_recipient("anna@example.com", "Анна Петрова");
    let boris = env.ok(&[
        "recipient",
        "add",
        "--email",
        "boris@example.com",
        "--name",
        "Boris",
        "--comment",
        "VIP",
    ]);
    let message = env.ok(&[
        "message",
        "add",
        "--subject",
        "{{ full_name }}, новости недели",
        "--body",
        "Здравствуйте, {{ full_name }}!\nПисьмо для {{ email }}.\n{% if comment %}Особое предложение для {{ comment }}.{% endif %}",
    ]);
    let mailing = env.add_open_mailing(&message, &[&anna, &boris]);
    let sent = env.json(&["mailing", "send", &mailing]);
    assert_eq!(sent["run"]["sent"], 2, "{sent}");

    let emails = outbox_emails(&env);
    assert_eq!(emails.len(), 2);
    let to_anna = emails
        .iter()
        .find(|e| e.contains("To: =?utf-8?"))
        .expect("Anna's email");
    let to_boris = emails
        .iter()
        .find(|e| e.contains("boris@example.com>"))
        .expect("Boris's email");
    // No template text is left in either email, subject included.
    for email in &emails {
        assert!(!email.contains("full_name"), "{email}");
    }
    assert!(to_boris.contains("Subject: Boris,"), "{to_boris}");
    let body = |email: &str| {
        let raw = email
            .split("\r\n\r\n")
            .nth(1)
            .expect("body")
            .replace("\r\n", "");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&raw)
            .unwrap_or_else(|_| raw.clone().into_bytes());
        String::from_utf8(bytes).expect("utf-8")
    };
    let anna_body = body(to_anna);
    assert!(
        anna_body.contains("Здравствуйте, Анна Петрова!"),
        "{anna_body}"
    );
    assert!(
        anna_body.contains("Письмо для anna@example.com."),
        "{anna_body}"
    );
    assert!(!anna_body.contains("Особое"), "{anna_body}");
    let boris_body = body(to_boris);
    assert!(boris_body.contains("Здравствуйте, Boris!"), "{boris_body}");
    assert!(
        boris_body.contains("Особое предложение для VIP."),
        "{boris_body}"
    );
    assert!(!boris_body.contains("{{"), "{boris_body}");
}

#[test]
fn a_template_naming_an_unknown_variable_exits_2_with_line_and_column_and_stores_nothing() {
    let env = Env::new();
    let err = env.fails(
        2,
        &[
            "message",
            "add",
            "--subject",
            "Новости",
            "--body",
            "Здравствуйте!\nУважаемый {{ name }},",
        ],
    );
    assert!(err.contains("body_text"), "{err}");
    assert!(err.contains("line 2, column 14"), "{err}");
    assert!(err.contains("unknown variable `name`"), "{err}");
    assert!(err.contains("full_name"), "{err}");
    assert_eq!(env.count("message"), 0);

    let err = env.fails(
        2,
        &["message", "add", "--subject", "{% if %}", "--body", "Текст"],
    );
    assert!(err.contains("subject"), "{err}");
    assert!(err.contains("line 1"), "{err}");
    assert_eq!(env.count("message"), 0);
}

#[test]
fn preview_shows_the_exact_email_for_a_recipient_and_test_sends_to_one_address_recording_nothing() {
    let env = Env::new();
    let anna = env.add_recipient("anna@example.com", "Анна");
    let message = env.ok(&[
        "message",
        "add",
        "--subject",
        "{{ full_name }}, новости",
        "--body",
        "Здравствуйте, {{ full_name }}!",
    ]);
    let preview = env.json(&["message", "preview", &message, "--recipient", &anna]);
    assert_eq!(preview["subject"], "Анна, новости");
    assert_eq!(preview["body_text"], "Здравствуйте, Анна!");
    let raw = preview["raw"].as_str().expect("raw");
    assert!(raw.starts_with("To: "), "{raw}");
    assert!(raw.contains("\r\nMIME-Version: 1.0\r\n"), "{raw}");
    assert!(!env.outbox().exists() || outbox_emails(&env).is_empty());

    let said = env.ok(&[
        "message",
        "test",
        &message,
        "--recipient",
        &anna,
        "--to",
        "me@shop.example",
    ]);
    assert!(
        said.contains("test email to me@shop.example sent: 250"),
        "{said}"
    );
    let emails = outbox_emails(&env);
    assert_eq!(emails.len(), 1);
    assert!(emails[0].contains("me@shop.example"));
    assert!(!emails[0].contains("anna@example.com"));
    let stats = env.json(&["stats"]);
    assert_eq!(stats["attempts_success"], 0, "{stats}");

    let err = env.fails(
        2,
        &[
            "message",
            "test",
            &message,
            "--recipient",
            &anna,
            "--to",
            "nobody",
        ],
    );
    assert!(err.contains("--to"), "{err}");
    let err = env.fails(1, &["message", "preview", &message, "--recipient", "999"]);
    assert!(err.contains("recipient 999 not found"), "{err}");
}

#[test]
fn a_message_with_an_html_version_goes_out_as_text_then_html_with_its_values_escaped() {
    let env = Env::new();
    let r = env.add_recipient("anna@example.com", "Анна <b>&</b>");
    let message = env.ok(&[
        "message",
        "add",
        "--subject",
        "Новости",
        "--body",
        "Здравствуйте, {{ full_name }}!",
        "--html",
        "<p>Здравствуйте, <b>{{ full_name }}</b>!</p>",
    ]);
    let shown = env.json(&["message", "show", &message]);
    assert_eq!(
        shown["body_html"],
        "<p>Здравствуйте, <b>{{ full_name }}</b>!</p>"
    );
    let mailing = env.add_open_mailing(&message, &[&r]);
    env.json(&["mailing", "send", &mailing]);
    let emails = outbox_emails(&env);
    assert_eq!(emails.len(), 1);
    let email = &emails[0];
    assert!(
        email.contains("Content-Type: multipart/alternative;"),
        "{email}"
    );
    let plain = email.find("Content-Type: text/plain").expect("text part");
    let html = email.find("Content-Type: text/html").expect("html part");
    assert!(plain < html, "text first");

    let preview = env.json(&["message", "preview", &message, "--recipient", &r]);
    assert_eq!(
        preview["body_html"],
        "<p>Здравствуйте, <b>Анна &lt;b&gt;&amp;&lt;&#x2f;b&gt;</b>!</p>"
    );
    assert_eq!(preview["body_text"], "Здравствуйте, Анна <b>&</b>!");

    // Removed: text only again.
    env.ok(&["message", "edit", &message, "--no-html"]);
    assert_eq!(
        env.json(&["message", "show", &message])["body_html"],
        serde_json::Value::Null
    );
    let err = env.fails(
        2,
        &["message", "edit", &message, "--html", "<p>{{ name }}</p>"],
    );
    assert!(err.contains("body_html"), "{err}");
}
