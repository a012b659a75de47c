use std::sync::Arc;

use postpilot_core::ports::Content;
use postpilot_core::{BodyText, FullName, Subject};

use super::*;
use crate::body::crlf_lines;

fn email(key: &str) -> OutgoingEmail {
    OutgoingEmail {
        to: EmailAddress::parse("ivan@example.com").expect("valid address"),
        to_name: FullName::parse("Иван Петров").expect("valid name"),
        content: Arc::new(Content {
            subject: Subject::parse("Скидки недели").expect("valid subject"),
            body_text: BodyText::parse("Здравствуйте!\nline two").expect("valid body"),
            body_html: None,
        }),
        message_key: key.to_owned(),
        unsubscribe_url: None,
    }
}

fn from() -> Identity {
    EmailAddress::parse("news@shop.example")
        .expect("valid address")
        .into()
}

#[test]
fn an_email_with_an_unsubscribe_url_carries_the_one_click_pair_and_one_without_none() {
    let templates = Templates::default();
    let mut with = email("postpilot.1.1");
    with.unsubscribe_url = Some("https://shop.example/u/7.AbC-_x".to_owned());
    let text = String::from_utf8(templates.email(&from(), &with).expect("built")).expect("utf-8");
    assert!(
        text.contains(
            "\r\nList-Unsubscribe: <https://shop.example/u/7.AbC-_x>\r\n\
             List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        ),
        "{text}"
    );
    let (head, _) = text.split_once("\r\n\r\n").expect("head and body");
    assert!(
        head.contains("List-Unsubscribe:"),
        "a header, not body text"
    );
    let without = String::from_utf8(
        templates
            .email(&from(), &email("postpilot.1.2"))
            .expect("built"),
    )
    .expect("utf-8");
    assert!(!without.contains("List-Unsubscribe"), "{without}");
}

#[test]
fn an_unsubscribe_url_that_cannot_go_into_a_header_fails_permanently() {
    for bad in [
        "https://x/u/1\r\nBcc: a@b",
        "https://x/u/1> <https://evil",
        "https://x/u/ 1",
        "",
    ] {
        let mut e = email("postpilot.1.1");
        e.unsubscribe_url = Some(bad.to_owned());
        let err = Templates::default()
            .email(&from(), &e)
            .expect_err("refused");
        assert!(matches!(err, MailError::Permanent(_)), "{bad:?}: {err:?}");
    }
    let mut long = email("postpilot.1.1");
    long.unsubscribe_url = Some(format!("https://x/{}", "a".repeat(MAX_UNSUBSCRIBE_URL)));
    assert!(Templates::default().email(&from(), &long).is_err());
}

#[test]
fn email_is_ascii_with_encoded_headers_and_the_message_id() {
    let bytes = Templates::default()
        .email(&from(), &email("postpilot.3.17"))
        .expect("buildable");
    let text = String::from_utf8(bytes).expect("utf-8");
    assert!(text.is_ascii(), "needs no 8BITMIME:\n{text}");
    assert!(
        text.contains("Message-ID: <postpilot.3.17@shop.example>\r\n"),
        "{text}"
    );
    assert!(text.contains("From: news@shop.example\r\n"), "{text}");
    assert!(text.contains("To: =?utf-8?"), "{text}");
    assert!(text.contains("<ivan@example.com>"), "{text}");
    assert!(text.contains("Subject: =?utf-8?"), "{text}");
    assert!(
        text.contains("Content-Type: text/plain; charset=utf-8\r\n"),
        "{text}"
    );
    assert!(text.contains("MIME-Version: 1.0\r\n"), "{text}");
    assert!(text.contains("\r\nDate: "), "{text}");
}

#[test]
fn a_message_with_an_html_version_is_multipart_alternative_with_the_text_first() {
    let mut with_html = email("postpilot.1.1");
    with_html.content = Arc::new(Content {
        body_html: Some(
            postpilot_core::BodyHtml::parse("<p>Здравствуйте!</p>\n<p>Скидки</p>").expect("html"),
        ),
        ..(*with_html.content).clone()
    });
    let text = String::from_utf8(
        Templates::default()
            .email(&from(), &with_html)
            .expect("built"),
    )
    .expect("utf-8");
    assert!(
        text.contains("Content-Type: multipart/alternative;"),
        "{text}"
    );
    let plain = text
        .find("Content-Type: text/plain; charset=utf-8")
        .expect("text part");
    let html = text
        .find("Content-Type: text/html; charset=utf-8")
        .expect("html part");
    assert!(plain < html, "text first:\n{text}");
    assert!(!text.contains("\n\n") || text.contains("\r\n\r\n"));
    for line in text.split("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line end in {line:?}"
        );
    }
}

#[test]
fn emails_of_one_content_share_the_body_and_differ_in_to_and_message_id() {
    let templates = Templates::default();
    let first = email("postpilot.1.1");
    let mut second = email("postpilot.1.2");
    second.content = Arc::clone(&first.content);
    second.to = EmailAddress::parse("olga@example.com").expect("valid address");
    let a = String::from_utf8(templates.email(&from(), &first).expect("built")).expect("utf-8");
    let b = String::from_utf8(templates.email(&from(), &second).expect("built")).expect("utf-8");
    for (text, key, to) in [(&a, "1.1", "ivan@"), (&b, "1.2", "olga@")] {
        assert_eq!(
            text.matches("\r\nMessage-ID: ").count()
                + usize::from(text.starts_with("Message-ID: ")),
            1,
            "{text}"
        );
        assert!(
            text.contains(&format!("<postpilot.{key}@shop.example>")),
            "{text}"
        );
        assert!(text.contains(to), "{text}");
        assert_eq!(text.matches("Date: ").count(), 1, "{text}");
        assert_eq!(text.matches("From: ").count(), 1, "{text}");
    }
    let body = |t: &str| t.split_once("\r\n\r\n").map(|(_, b)| b.to_owned());
    assert_eq!(body(&a), body(&b));
    assert!(
        !b.contains("ivan@"),
        "nothing of the first recipient is left"
    );

    // Another content (even an equal one) gets its own template.
    let mut third = email("postpilot.1.3");
    third.content = Arc::new(Content {
        subject: Subject::parse("Другая тема").expect("valid subject"),
        body_text: BodyText::parse("Другой текст").expect("valid body"),
        body_html: None,
    });
    let c = String::from_utf8(templates.email(&from(), &third).expect("built")).expect("utf-8");
    assert_ne!(body(&c), body(&a));
}

fn header<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let head = text.split_once("\r\n\r\n").map_or(text, |(h, _)| h);
    head.split("\r\n")
        .filter_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
        .collect()
}

#[test]
fn a_sender_with_a_cyrillic_display_name_is_an_encoded_word_before_the_address() {
    let identity = Identity {
        from: postpilot_core::Sender::parse("Магазин «Ромашка» <news@shop.example>")
            .expect("valid sender"),
        reply_to: Some(EmailAddress::parse("help@shop.example").expect("valid")),
        helo: None,
        dkim: None,
    };
    let bytes = Templates::default()
        .email(&identity, &email("postpilot.3.17"))
        .expect("buildable");
    let text = String::from_utf8(bytes).expect("utf-8");
    assert!(text.is_ascii(), "{text}");
    let from = header(&text, "From");
    assert_eq!(from.len(), 1, "{text}");
    assert!(from[0].starts_with("=?utf-8?b?"), "{text}");
    assert!(from[0].ends_with("?= <news@shop.example>"), "{text}");
    assert_eq!(
        header(&text, "Reply-To"),
        vec!["help@shop.example"],
        "{text}"
    );
    assert_eq!(
        header(&text, "Message-ID"),
        vec!["<postpilot.3.17@shop.example>"],
        "the From domain makes the Message-ID"
    );
}

#[test]
fn an_ascii_display_name_is_a_quoted_string_and_without_reply_to_there_is_no_such_header() {
    let identity: Identity = postpilot_core::Sender::parse("Shop News <news@shop.example>")
        .expect("valid sender")
        .into();
    let text = String::from_utf8(
        Templates::default()
            .email(&identity, &email("postpilot.1.1"))
            .expect("buildable"),
    )
    .expect("utf-8");
    assert_eq!(
        header(&text, "From"),
        vec!["\"Shop News\" <news@shop.example>"],
        "{text}"
    );
    assert!(header(&text, "Reply-To").is_empty(), "{text}");
}

/// The shared part as lettre's `Message` builds it with the same
/// headers (what `Template` used to do for each content).
fn built_by_lettre(identity: &Identity, content: &Content) -> Vec<u8> {
    use lettre::address::Envelope;
    use lettre::Message;
    let from = address(identity.from.address()).expect("sender");
    let envelope = Envelope::new(Some(from.clone()), vec![from.clone()]).expect("envelope");
    let name = identity.from.name().map(|n| n.as_str().to_owned());
    let mut builder = Message::builder().from(Mailbox::new(name, from));
    if let Some(reply_to) = &identity.reply_to {
        builder = builder.reply_to(Mailbox::new(None, address(reply_to).expect("reply-to")));
    }
    let builder = builder
        .subject(content.subject.as_str())
        .header(header::MIME_VERSION_1_0)
        .envelope(envelope);
    let text = crlf_lines(content.body_text.as_str());
    let mut message = match &content.body_html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            text,
            crlf_lines(html.as_str()),
        )),
        None => builder.header(ContentType::TEXT_PLAIN).body(text),
    }
    .expect("built");
    message.headers_mut().remove::<header::Date>();
    let mut rest = message.formatted();
    if !rest.ends_with(b"\r\n") {
        rest.extend_from_slice(b"\r\n");
    }
    rest
}

/// `text` with its MIME boundary (random) replaced by a fixed one.
fn fixed_boundary(text: &[u8]) -> String {
    let text = String::from_utf8(text.to_vec()).expect("utf-8");
    match text
        .split_once("boundary=\"")
        .and_then(|(_, tail)| tail.split_once('"'))
    {
        Some((boundary, _)) => text.replace(boundary, "BOUNDARY"),
        None => text,
    }
}

#[test]
fn the_shared_part_is_byte_for_byte_what_lettre_builds_for_the_whole_email() {
    let named = Identity {
        from: postpilot_core::Sender::parse("Магазин «Ромашка» <news@shop.example>")
            .expect("valid sender"),
        reply_to: Some(EmailAddress::parse("help@shop.example").expect("valid")),
        helo: None,
        dkim: None,
    };
    let quoted: Identity = postpilot_core::Sender::parse("Shop News <news@shop.example>")
        .expect("valid sender")
        .into();
    let content = |subject: &str, body: &str, html: Option<&str>| Content {
        subject: Subject::parse(subject).expect("subject"),
        body_text: BodyText::parse(body).expect("body"),
        body_html: html.map(|h| postpilot_core::BodyHtml::parse(h).expect("html")),
    };
    let long = format!("{}\n{}", "x".repeat(2000), "я".repeat(700));
    let contents = [
        content("Benchmark", &"x".repeat(1023), None),
        content("Plain ASCII", "Hello,\nshort lines.\n", None),
        content(
            "Получатель 7, скидки недели 🎉",
            &format!(
                "Здравствуйте, Получатель 7!\n{}\nОтписаться: https://x/u/7.a",
                "x".repeat(1023)
            ),
            None,
        ),
        content(
            "Стихи",
            "    Мороз и солнце;\rдень\nчудесный!\r\n\tконец",
            None,
        ),
        content("Long", &long, None),
        content("Тема", "Текст", Some("<p>Здравствуйте!</p>\n<p>Скидки</p>")),
    ];
    for identity in [from(), named, quoted] {
        let frame = Frame::new(&identity).expect("frame");
        for c in &contents {
            let ours = Template::new(&frame, Arc::new(c.clone())).rest;
            assert_eq!(
                fixed_boundary(&ours),
                fixed_boundary(&built_by_lettre(&identity, c)),
                "{c:?}"
            );
        }
    }
}

/// The decoded body of a built email (lettre writes a UTF-8 body in
/// base64 or quoted-printable).
fn decoded_body(text: &str) -> Vec<u8> {
    let (head, body) = text.split_once("\r\n\r\n").expect("a header");
    let joined: String = body.split("\r\n").collect();
    if head.contains("Content-Transfer-Encoding: base64") {
        base64_decode(&joined)
    } else {
        body.as_bytes().to_vec()
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = ALPHABET.iter().position(|a| *a == byte).expect("base64");
        acc = (acc << 6) | u32::try_from(value).expect("small");
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).expect("a byte"));
        }
    }
    out
}

#[test]
fn bare_cr_and_lf_go_out_as_crlf_indentation_is_kept_and_the_email_ends_with_crlf() {
    let mut indented = email("postpilot.1.1");
    indented.content = Arc::new(Content {
        subject: Subject::parse("Стихи").expect("valid subject"),
        body_text: BodyText::parse("    Мороз и солнце;\rдень\nчудесный!\r\n\tконец")
            .expect("valid body"),
        body_html: None,
    });
    let text = String::from_utf8(
        Templates::default()
            .email(&from(), &indented)
            .expect("buildable"),
    )
    .expect("utf-8");
    assert!(text.ends_with("\r\n"), "{text:?}");
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'\r' => assert_eq!(bytes.get(i + 1), Some(&b'\n'), "bare CR at {i}"),
            b'\n' => assert_eq!(bytes[i - 1], b'\r', "bare LF at {i}"),
            _ => {}
        }
    }
    let body = String::from_utf8(decoded_body(&text)).expect("utf-8 body");
    assert_eq!(
        body.trim_end_matches("\r\n"),
        "    Мороз и солнце;\r\nдень\r\nчудесный!\r\n\tконец"
    );
}

#[test]
fn unsafe_message_keys_are_permanent_failures() {
    for bad in [
        "",
        "../etc/passwd",
        "a/b",
        "a..b",
        ".a",
        "a b",
        "a>b",
        "ключ",
    ] {
        assert!(
            matches!(
                Templates::default().email(&from(), &email(bad)),
                Err(MailError::Permanent(_))
            ),
            "{bad:?}"
        );
    }
    assert!(Templates::default()
        .email(&from(), &email("postpilot.1.2"))
        .is_ok());
}
