//! Parsing SMTP URLs: every form, every refusal, and the password never shown.

use super::*;

fn parse(url: &str) -> SmtpConfig {
    url.parse()
        .unwrap_or_else(|e| panic!("{url} should parse: {e}"))
}

#[test]
fn smtp_url_forms_parse() {
    let plain = parse("smtp://relay.local:2525");
    assert_eq!(
        (plain.host(), plain.port(), plain.tls(), plain.username()),
        ("relay.local", 2525, TlsMode::None, None)
    );
    assert_eq!(parse("smtp://relay.local").port(), 25);
    assert_eq!(parse("smtp://relay.local/").port(), 25);
    assert_eq!(parse("smtp://relay.local?tls=none").tls(), TlsMode::None);

    let starttls = parse("smtp://ivan:s3cret@mail.example.com:587?tls=starttls");
    assert_eq!(
        (starttls.host(), starttls.port(), starttls.tls()),
        ("mail.example.com", 587, TlsMode::StartTls)
    );
    assert_eq!(starttls.username(), Some("ivan"));
    assert_eq!(starttls.password().map(Password::expose), Some("s3cret"));
    assert_eq!(parse("smtp://mail.example.com?tls=starttls").port(), 587);
    for alias in ["required-starttls", "required"] {
        assert_eq!(
            parse(&format!("smtp://mail.example.com?tls={alias}")).tls(),
            TlsMode::StartTls
        );
    }
    assert_eq!(
        parse("smtp://relay.local?tls=opportunistic").tls(),
        TlsMode::Opportunistic
    );

    let smtps = parse("smtps://ivan:s3cret@mail.example.com");
    assert_eq!((smtps.port(), smtps.tls()), (465, TlsMode::Implicit));
    assert_eq!(parse("smtps://mail.example.com:2465").port(), 2465);

    // Percent-decoding of both parts.
    let encoded = parse("smtps://ivan%40example.com:p%40ss%3Aw%2Frd%23%3F@mail.example.com");
    assert_eq!(encoded.username(), Some("ivan@example.com"));
    assert_eq!(
        encoded.password().map(Password::expose),
        Some("p@ss:w/rd#?")
    );

    // IP hosts; IPv6 loses its brackets for connecting, keeps them in messages.
    let v6 = parse("smtp://[::1]:2525");
    assert_eq!((v6.host(), v6.address()), ("::1", "[::1]:2525".to_owned()));
    assert_eq!(parse("smtp://127.0.0.1:2525").address(), "127.0.0.1:2525");

    // Credentials over plain text only to loopback.
    assert_eq!(parse("smtp://u:p@localhost:2525").username(), Some("u"));
    assert_eq!(parse("smtp://u:p@127.0.0.1:2525").username(), Some("u"));

    assert_eq!(
        parse("smtp://ivan:s3cret@mail.example.com:587?tls=starttls").to_string(),
        "smtp://ivan:***@mail.example.com:587?tls=starttls"
    );
    assert_eq!(
        parse("smtps://mail.example.com").to_string(),
        "smtps://mail.example.com:465"
    );

    // A private CA, with either kind of TLS.
    let ca = parse("smtp://mail.example.com?tls=starttls&ca=/etc/postpilot/ca.pem");
    assert_eq!(ca.ca_file(), Some(Path::new("/etc/postpilot/ca.pem")));
    assert_eq!(
        parse("smtps://mail.example.com?ca=%2Ftmp%2Fca.pem").ca_file(),
        Some(Path::new("/tmp/ca.pem"))
    );
    assert_eq!(parse("smtps://mail.example.com").ca_file(), None);
}

#[test]
fn malformed_smtp_urls_are_refused_naming_the_problem() {
    let cases: &[(&str, SmtpUrlError)] = &[
        (
            "http://mail.example.com",
            SmtpUrlError::Scheme("http".into()),
        ),
        ("smtp://", SmtpUrlError::MissingHost),
        ("smtp://host:0", SmtpUrlError::ZeroPort),
        (
            "smtp://host?tls=maybe",
            SmtpUrlError::TlsMode("maybe".into()),
        ),
        ("smtps://host?tls=starttls", SmtpUrlError::TlsWithSmtps),
        (
            "smtp://host?tsl=starttls",
            SmtpUrlError::UnknownParameter("tsl".into()),
        ),
        (
            "smtp://host?tls=none&tls=starttls",
            SmtpUrlError::DuplicateParameter("tls".into()),
        ),
        ("smtp://host/ehlo", SmtpUrlError::Unexpected("path")),
        ("smtp://host?ca=/ca.pem", SmtpUrlError::CaWithoutTls),
        ("smtps://host?ca=", SmtpUrlError::Unexpected("empty ca=")),
        (
            "smtps://host?ca=/a.pem&ca=/b.pem",
            SmtpUrlError::DuplicateParameter("ca".into()),
        ),
        ("smtps://user@host", SmtpUrlError::UserWithoutPassword),
        ("smtps://:pw@host", SmtpUrlError::PasswordWithoutUser),
        ("smtps://u:%FF@host", SmtpUrlError::NotUtf8("password")),
        (
            "smtp://u:p@mail.example.com",
            SmtpUrlError::CredentialsWithoutTls("mail.example.com".into()),
        ),
        (
            "smtp://u:p@mail.example.com?tls=opportunistic",
            SmtpUrlError::CredentialsWithoutTls("mail.example.com".into()),
        ),
    ];
    for (url, expected) in cases {
        assert_eq!(url.parse::<SmtpConfig>().as_ref(), Err(expected), "{url}");
    }
    assert!(matches!(
        "not a url".parse::<SmtpConfig>(),
        Err(SmtpUrlError::Syntax(_))
    ));
}
