//! OutboxMailer writes real .eml files.

mod support;

use postpilot_core::ports::{MailError, Mailer, ServerReply};
use postpilot_smtp::{MailerConfigError, OutboxMailer};
use support::{email, from};

/// The value of header `name` in `eml`, unfolded (RFC 5322 §2.2.3).
fn header(eml: &str, name: &str) -> Option<String> {
    let (head, _body) = eml.split_once("\r\n\r\n")?;
    let mut value: Option<String> = None;
    for line in head.split("\r\n") {
        match (&mut value, line.starts_with([' ', '\t'])) {
            (Some(v), true) => v.push_str(line),
            (Some(_), false) => break,
            (None, _) => {
                if let Some((n, v)) = line.split_once(':') {
                    if n.eq_ignore_ascii_case(name) {
                        value = Some(v.trim_start().to_owned());
                    }
                }
            }
        }
    }
    value
}

/// Decodes the RFC 2047 `=?utf-8?b?…?=` words lettre writes; whitespace
/// between two encoded words is dropped, as the RFC says.
fn decode_rfc2047(value: &str) -> String {
    fn flush(out: &mut String, encoded: &mut Vec<u8>) {
        if !encoded.is_empty() {
            out.push_str(&String::from_utf8(std::mem::take(encoded)).expect("utf-8"));
        }
    }
    let mut out = String::new();
    let mut encoded = Vec::new();
    for token in value.split_whitespace() {
        if let Some(b64) = token
            .strip_prefix("=?utf-8?b?")
            .and_then(|t| t.strip_suffix("?="))
        {
            encoded.extend(base64_decode(b64));
            continue;
        }
        flush(&mut out, &mut encoded);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token);
    }
    flush(&mut out, &mut encoded);
    out
}

fn base64_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = ALPHABET
            .iter()
            .position(|&a| a == c)
            .expect("base64 character") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[tokio::test]
async fn outbox_writes_one_eml_per_email_with_headers() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("outbox"); // created by the mailer
    let mailer = OutboxMailer::new(&dir, from()).expect("outbox");

    for key in ["postpilot.3.17", "postpilot.3.18"] {
        let reply = mailer.send(&email(key)).await;
        let path = dir.join(format!("{key}.eml"));
        assert_eq!(
            reply,
            Ok(ServerReply(format!("250 saved to {}", path.display())))
        );
    }
    // Sending the same email again replaces its file.
    mailer.send(&email("postpilot.3.17")).await.expect("resend");

    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("read outbox")
        .map(|e| {
            e.expect("entry")
                .file_name()
                .into_string()
                .expect("utf-8 name")
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["postpilot.3.17.eml", "postpilot.3.18.eml"],
        "no temp files left"
    );

    let eml = std::fs::read_to_string(dir.join("postpilot.3.17.eml")).expect("read eml");
    assert!(eml.is_ascii(), "{eml}");
    let to = header(&eml, "To").expect("To header");
    assert!(to.starts_with("=?utf-8?b?"), "the name is encoded: {to}");
    assert_eq!(decode_rfc2047(&to), "Иван Петров <ivan@example.com>");
    let subject = header(&eml, "Subject").expect("Subject header");
    assert_eq!(decode_rfc2047(&subject), "Скидки недели");
    assert_eq!(header(&eml, "From").as_deref(), Some("news@shop.example"));
    assert_eq!(
        header(&eml, "Message-ID").as_deref(),
        Some("<postpilot.3.17@shop.example>")
    );
    assert_eq!(
        header(&eml, "Content-Type").as_deref(),
        Some("text/plain; charset=utf-8")
    );
    assert!(header(&eml, "Date").is_some(), "{eml}");
}

#[tokio::test]
async fn outbox_refuses_a_key_that_would_leave_its_directory() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mailer = OutboxMailer::new(tmp.path().join("outbox"), from()).expect("outbox");
    let result = mailer.send(&email("../escaped")).await;
    assert!(matches!(result, Err(MailError::Permanent(_))), "{result:?}");
    assert!(!tmp.path().join("escaped.eml").exists());
}

#[tokio::test]
async fn outbox_io_error_is_transient_naming_the_path() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("outbox");
    let mailer = OutboxMailer::new(&dir, from()).expect("outbox");
    std::fs::remove_dir(&dir).expect("remove the outbox under the mailer");
    match mailer.send(&email("postpilot.1.1")).await {
        Err(MailError::Transient(text)) => {
            assert!(text.contains(&dir.display().to_string()), "{text}");
        }
        other => panic!("expected a transient failure, got {other:?}"),
    }
}

#[test]
fn outbox_that_cannot_be_a_directory_is_a_config_error() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").expect("write a file");
    let err = OutboxMailer::new(&file, from()).expect_err("a file is no outbox");
    assert!(
        matches!(err, MailerConfigError::OutboxDir { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("a-file"), "{err}");
}

/// What Python's `email` package under `policy.strict` reads in `eml`
/// (the parser the issue's checker uses): From and Reply-To decoded, the
/// body as text, and the defects it found. `None` when there is no
/// python3 (and not under CI, where that is a failure).
fn strictly_parsed(eml: &std::path::Path) -> Option<serde_json::Value> {
    const SCRIPT: &str = r#"
import email, email.policy, json, sys
with open(sys.argv[1], 'rb') as f:
    msg = email.message_from_binary_file(f, policy=email.policy.strict)
defects = [str(d) for part in msg.walk() for d in part.defects]
for name in msg.keys():
    defects += [str(d) for d in msg[name].defects]
print(json.dumps({
    'from': str(msg['From']),
    'reply_to': str(msg['Reply-To']),
    'message_id': str(msg['Message-ID']),
    'body': msg.get_content(),
    'defects': defects,
}))
"#;
    match std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(eml)
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "the strict parser refused the email: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(serde_json::from_slice(&out.stdout).expect("json"))
        }
        Err(e) => {
            assert!(
                std::env::var("CI").is_err(),
                "python3 is needed under CI: {e}"
            );
            eprintln!("SKIPPED: no python3 ({e})");
            None
        }
    }
}

#[tokio::test]
async fn an_email_with_a_display_name_reply_to_and_an_indented_body_passes_pythons_strict_parser() {
    use std::sync::Arc;

    use postpilot_core::ports::Content;
    use postpilot_core::{BodyText, EmailAddress, Sender, Subject};
    use postpilot_smtp::Identity;

    let tmp = tempfile::tempdir().expect("temp dir");
    let identity = Identity {
        from: Sender::parse("Магазин «Ромашка» <news@shop.example>").expect("valid sender"),
        reply_to: Some(EmailAddress::parse("help@shop.example").expect("valid")),
        helo: None,
        dkim: None,
    };
    let mailer = OutboxMailer::new(tmp.path(), identity).expect("outbox");
    let mut indented = email("postpilot.1.2.0123456789abcdef");
    indented.content = Arc::new(Content {
        subject: Subject::parse("Стихи").expect("valid subject"),
        body_text: BodyText::parse("    Мороз и солнце;\rдень чудесный!\n\tЕщё ты дремлешь\r\n")
            .expect("valid body"),
        body_html: None,
    });
    mailer.send(&indented).await.expect("written");
    let path = tmp.path().join("postpilot.1.2.0123456789abcdef.eml");
    let bytes = std::fs::read(&path).expect("an email");
    assert!(bytes.ends_with(b"\r\n"), "the file ends with CRLF");

    let Some(parsed) = strictly_parsed(&path) else {
        return;
    };
    assert_eq!(parsed["defects"], serde_json::json!([]), "{parsed}");
    assert_eq!(parsed["from"], "Магазин «Ромашка» <news@shop.example>");
    assert_eq!(parsed["reply_to"], "help@shop.example");
    assert_eq!(
        parsed["message_id"],
        "<postpilot.1.2.0123456789abcdef@shop.example>"
    );
    let body = parsed["body"].as_str().expect("a text body");
    assert_eq!(
        body.replace("\r\n", "\n").trim_end(),
        "    Мороз и солнце;\nдень чудесный!\n\tЕщё ты дремлешь",
        "indentation kept, the bare CR a line break: {body:?}"
    );
    assert!(!body.replace("\r\n", "").contains('\r'), "{body:?}");
}
