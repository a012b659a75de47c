//! DKIM end to end: the real binary signs with Ed25519 and RSA 2048 keys
//! that openssl made, a real SMTP server (Postfix's smtp-sink) receives the
//! emails, and an independent checker (.ci/check-email.py: Python's strict
//! email parser and dkimpy, given the records `postpilot dkim record`
//! prints in place of DNS) finds nothing wrong with any of them, and does
//! find a changed one. Incomplete or unusable DKIM options are refused
//! before anything is sent.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::sink::{dump_dir, dump_template, Sink};
use support::Env;

const FROM: &str = "Магазин «Ромашка» <news@shop.example>";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// Skips (saying so) outside CI; under CI a missing tool is a failure.
fn missing(what: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is needed under CI (see .ci/run)"
    );
    eprintln!("SKIPPED: {what}");
}

/// The python of the checker's virtual environment, once it can import dkimpy.
fn checker_python() -> Option<PathBuf> {
    let python = std::env::var_os("POSTPILOT_EMAIL_CHECK_PYTHON").map_or_else(
        || workspace().join("target/email-check-venv/bin/python"),
        PathBuf::from,
    );
    let ready = Command::new(&python)
        .args(["-c", "import dkim, nacl"])
        .status()
        .is_ok_and(|s| s.success());
    if ready {
        Some(python)
    } else {
        missing("the email checker's python with dkimpy (bash .ci/email-check-venv.sh)");
        None
    }
}

/// A new private key made by `openssl genpkey` with `args`.
fn openssl_key(dir: &Path, name: &str, args: &[&str]) -> Option<PathBuf> {
    let path = dir.join(name);
    let made = Command::new("openssl")
        .arg("genpkey")
        .args(args)
        .arg("-out")
        .arg(&path)
        .output();
    match made {
        Ok(out) if out.status.success() => Some(path),
        Ok(out) => panic!("openssl: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => {
            missing(&format!("openssl ({e})"));
            None
        }
    }
}

fn dkim_args<'a>(domain: &'a str, selector: &'a str, key: &'a str) -> Vec<&'a str> {
    vec![
        "--dkim-domain",
        domain,
        "--dkim-selector",
        selector,
        "--dkim-key",
        key,
    ]
}

/// Runs the checker over `emails`; its exit success and its output.
fn check(python: &Path, dns: &Path, emails: &[PathBuf]) -> (bool, String) {
    let out = Command::new(python)
        .arg(workspace().join(".ci/check-email.py"))
        .arg("--dns")
        .arg(dns)
        .arg("--require-dkim")
        .args(emails)
        .output()
        .expect("the checker ran");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn emails_signed_with_ed25519_and_rsa_keys_pass_the_independent_checker() {
    let Some(python) = checker_python() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let Some(ed25519) = openssl_key(tmp.path(), "ed25519.pem", &["-algorithm", "ed25519"]) else {
        return;
    };
    let Some(rsa) = openssl_key(
        tmp.path(),
        "rsa.pem",
        &["-algorithm", "rsa", "-pkeyopt", "rsa_keygen_bits:2048"],
    ) else {
        return;
    };
    let dump = dump_dir(tmp.path());
    let Some(sink) = Sink::start(&["-d", &dump_template(&dump)]) else {
        return;
    };

    let env = Env::new();
    let recipients = [
        env.add_recipient("ivan@example.com", "Иван Петров"),
        env.add_recipient(
            "olga@example.com",
            "Ольга Александровна Константинопольская-Длинноимённая",
        ),
        env.add_recipient("ann@example.com", "Ann Smith"),
    ];
    let long_line = "Очень длинная строка без переносов. ".repeat(60);
    let body = format!(
        "Здравствуйте, {{{{ full_name }}}}!\n\n    Скидки до −50 % 🎉 на всё.\n{long_line}\n{}\nС уважением,\nМагазин\n\nОтписаться: {{{{ unsubscribe_url }}}}",
        "Строка абзаца.\n".repeat(300)
    );
    let message = env.add_message("Скидки недели: до −50 % 🎉", &body);
    let recipient_refs: Vec<&str> = recipients.iter().map(String::as_str).collect();

    let url = sink.url();
    let mut dns = String::new();
    for (selector, key) in [("ed", &ed25519), ("rsa", &rsa)] {
        let mailing = env.add_open_mailing(&message, &recipient_refs);
        let mut args = vec![
            "--smtp-url",
            &url,
            "--from",
            FROM,
            "--reply-to",
            "help@shop.example",
            "--helo-name",
            "mail.shop.example",
            "--public-url",
            "https://mail.shop.example",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        args.extend(
            dkim_args("shop.example", selector, key.to_str().expect("utf-8 path"))
                .into_iter()
                .map(str::to_owned),
        );
        args.extend(["mailing", "send", &mailing].map(str::to_owned));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let sent = env.ok(&args);
        assert!(sent.contains("3 sent, 0 failed"), "{sent}");

        let mut record_args =
            dkim_args("shop.example", selector, key.to_str().expect("utf-8 path"));
        record_args.extend(["dkim", "record"]);
        let record = env.ok(&record_args);
        assert!(
            record.starts_with(&format!(
                "{selector}._domainkey.shop.example. IN TXT \"v=DKIM1; k="
            )),
            "{record}"
        );
        dns.push_str(&record);
        dns.push('\n');
    }
    let dns_file = tmp.path().join("dns.txt");
    std::fs::write(&dns_file, &dns).expect("records");

    let emails: Vec<PathBuf> = std::fs::read_dir(&dump)
        .expect("dump dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(emails.len(), 6, "three recipients, two keys");
    let (ok, report) = check(&python, &dns_file, &emails);
    assert!(ok, "the checker found problems:\n{report}");
    assert!(
        report.contains("6 emails checked, 0 with problems"),
        "{report}"
    );
    // A whole campaign email: personalised, with its one-click unsubscribe
    // pair, which the signature covers (the checker verified it).
    for path in &emails {
        let email = std::fs::read_to_string(path).expect("email");
        assert!(
            email.contains("\nList-Unsubscribe: <https://mail.shop.example/u/"),
            "{email}"
        );
        assert!(
            email.contains("\nList-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "{email}"
        );
        assert!(!email.contains("full_name"), "{email}");
    }
    for algorithm in ["a=ed25519-sha256", "a=rsa-sha256"] {
        assert!(
            emails.iter().any(|p| std::fs::read_to_string(p)
                .expect("email")
                .contains(algorithm)),
            "some email is signed with {algorithm}"
        );
    }

    // The checker is not blind: one changed letter of a body fails it.
    let original = std::fs::read_to_string(&emails[0]).expect("email");
    let (head, body) = original.split_once("\n\n").expect("a body");
    let mut changed_body = body.to_owned();
    let first = changed_body.remove(0);
    changed_body.insert(0, if first == 'A' { 'B' } else { 'A' });
    let changed = tmp.path().join("changed.eml");
    std::fs::write(&changed, format!("{head}\n\n{changed_body}")).expect("write");
    let (ok, report) = check(&python, &dns_file, &[changed]);
    assert!(!ok, "a changed body must fail:\n{report}");
    assert!(report.contains("does not verify"), "{report}");
}

#[test]
fn incomplete_or_unusable_dkim_options_are_refused_before_anything_is_sent() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let env = Env::new();
    let r = env.add_recipient("ivan@example.com", "Иван Петров");
    let m = env.add_message("Тема", "Текст");
    let mailing = env.add_open_mailing(&m, &[&r]);
    let not_a_key = tmp.path().join("not-a-key.pem");
    std::fs::write(
        &not_a_key,
        "-----BEGIN PRIVATE KEY-----\nS3VwaWRvbg-SECRET==\n",
    )
    .expect("write");
    let not_a_key = not_a_key.to_str().expect("utf-8");
    let good_key = workspace().join("postpilot-smtp/tests/pki/dkim-ed25519.pem");
    let good_key = good_key.to_str().expect("utf-8");
    let missing_file = tmp.path().join("missing.pem");
    let missing_file = missing_file.to_str().expect("utf-8");

    for (args, names) in [
        (
            vec!["--dkim-domain", "shop.example"],
            &["--dkim-selector", "--dkim-key"][..],
        ),
        (
            vec!["--dkim-domain", "shop.example", "--dkim-key", good_key],
            &["--dkim-selector"],
        ),
        (
            dkim_args("shop.example", "pp1", not_a_key),
            &["--dkim-key", "not a PEM private key"],
        ),
        (
            dkim_args("shop.example", "pp1", missing_file),
            &["--dkim-key", "cannot read"],
        ),
        (
            dkim_args("localhost", "pp1", good_key),
            &["--dkim-domain", "not a domain name"],
        ),
    ] {
        let mut all = args.clone();
        all.extend(["mailing", "send", &mailing]);
        let stderr = env.fails(2, &all);
        for name in names {
            assert!(stderr.contains(name), "{args:?}: {name} in {stderr}");
        }
        assert!(
            !stderr.contains("SECRET"),
            "the key is never quoted: {stderr}"
        );
    }
    let runs = env.json(&["mailing", "runs", &mailing]);
    assert_eq!(runs, serde_json::json!([]), "nothing was sent");
    assert_eq!(
        std::fs::read_dir(env.outbox())
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "no email was written"
    );
}
