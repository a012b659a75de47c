//! DKIM: keys are read from PEM or refused with a reason that quotes no
//! key material, and every email the outbox writes carries one signature
//! of the agreed shape. (The signatures are verified by an independent
//! verifier, dkimpy, in postpilot-cli/tests/dkim.rs.)

mod support;

use std::path::{Path, PathBuf};

use postpilot_core::ports::Mailer;
use postpilot_smtp::{Dkim, DkimAlgorithm, DkimError, DkimKey, Identity, OutboxMailer};
use support::{email, from};

fn pki(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/pki")
        .join(name)
}

fn key(name: &str) -> DkimKey {
    DkimKey::read(&pki(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn ed25519_and_rsa_keys_in_pkcs8_and_pkcs1_are_read() {
    assert_eq!(key("dkim-ed25519.pem").algorithm(), DkimAlgorithm::Ed25519);
    let pkcs8 = key("dkim-rsa2048.pem");
    let pkcs1 = key("dkim-rsa2048-pkcs1.pem");
    assert_eq!(pkcs8.algorithm(), DkimAlgorithm::Rsa { bits: 2048 });
    assert_eq!(pkcs1.public_key_base64(), pkcs8.public_key_base64());
    // Ed25519 publishes the 32 raw bytes (RFC 8463): 44 base64 characters.
    assert_eq!(key("dkim-ed25519.pem").public_key_base64().len(), 44);
}

#[test]
fn unusable_keys_are_refused_saying_why_without_quoting_them() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let ed25519 = std::fs::read_to_string(pki("dkim-ed25519.pem")).expect("pem");
    let secret_line = ed25519.lines().nth(1).expect("base64 line").to_owned();
    let damaged = ed25519.replacen(&secret_line[..8], "AAAAAAAA", 1);
    let cases = [
        (pki("dkim-rsa512.pem"), DkimError::WeakRsa(512)),
        (pki("dkim-ec.pem"), DkimError::EcKey),
        (pki("localhost.pem"), DkimError::NotPem),
        (write("text.pem", "not a key\n"), DkimError::NotPem),
        (write("damaged.pem", &damaged), DkimError::Unusable),
    ];
    for (path, expected) in cases {
        let err = DkimKey::read(&path).expect_err("refused");
        assert_eq!(err, expected, "{}", path.display());
        let text = err.to_string();
        assert!(!text.contains(&secret_line[..12]), "{text}");
    }
    let missing = DkimKey::read(&tmp.path().join("missing.pem")).expect_err("refused");
    assert!(
        matches!(&missing, DkimError::Read { why, .. } if why.contains("No such file")),
        "{missing}"
    );
}

#[test]
fn debug_output_never_shows_the_private_key() {
    let ed25519 = std::fs::read_to_string(pki("dkim-ed25519.pem")).expect("pem");
    let secret = ed25519.lines().nth(1).expect("base64 line");
    let dkim = Dkim::new("shop.example", "pp1", key("dkim-ed25519.pem")).expect("signer");
    let shown = format!("{dkim:?} {:?}", key("dkim-rsa2048.pem"));
    assert!(shown.contains("redacted"), "{shown}");
    assert!(!shown.contains(&secret[..12]), "{shown}");
}

#[test]
fn domains_and_selectors_must_be_dns_names() {
    let k = key("dkim-ed25519.pem");
    assert!(Dkim::new("shop.example", "pp1", k.clone()).is_ok());
    assert!(Dkim::new("Shop.Example.", "2026.mail", k.clone()).is_ok());
    for (domain, selector) in [
        ("localhost", "pp1"),
        ("магазин.рф", "pp1"),
        ("shop.example", ""),
        ("shop.example", "a b"),
        ("shop.example", "pp1\r\nX: y"),
    ] {
        assert!(
            matches!(
                Dkim::new(domain, selector, k.clone()),
                Err(DkimError::Name { .. })
            ),
            "{domain:?} {selector:?}"
        );
    }
}

#[test]
fn the_dns_record_publishes_the_public_key_in_strings_of_at_most_255() {
    let ed = Dkim::new("shop.example", "pp1", key("dkim-ed25519.pem")).expect("signer");
    let p = key("dkim-ed25519.pem").public_key_base64();
    assert_eq!(
        ed.dns_record(),
        format!("pp1._domainkey.shop.example. IN TXT \"v=DKIM1; k=ed25519; p={p}\"")
    );
    let rsa = Dkim::new("shop.example", "rsa", key("dkim-rsa2048.pem")).expect("signer");
    let record = rsa.dns_record();
    let strings: Vec<&str> = record.split('"').skip(1).step_by(2).collect();
    assert!(strings.len() >= 2, "{record}");
    assert!(strings.iter().all(|s| s.len() <= 255), "{record}");
    assert_eq!(
        strings.concat(),
        format!(
            "v=DKIM1; k=rsa; p={}",
            key("dkim-rsa2048.pem").public_key_base64()
        )
    );
}

#[tokio::test]
async fn every_email_carries_one_relaxed_signature_over_the_agreed_headers() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for (file, algorithm) in [
        ("dkim-ed25519.pem", "ed25519-sha256"),
        ("dkim-rsa2048.pem", "rsa-sha256"),
    ] {
        let dir = tmp.path().join(file);
        let identity = Identity {
            dkim: Some(Dkim::new("shop.example", "pp1", key(file)).expect("signer")),
            ..Identity::from(from())
        };
        let mailer = OutboxMailer::new(&dir, identity).expect("outbox");
        mailer
            .send(&email("postpilot.1.1.0123456789abcdef"))
            .await
            .expect("written");
        let eml = std::fs::read_to_string(dir.join("postpilot.1.1.0123456789abcdef.eml"))
            .expect("an email");
        assert!(eml.starts_with("DKIM-Signature: "), "{eml}");
        assert_eq!(eml.matches("DKIM-Signature: ").count(), 1, "{eml}");
        let (head, _) = eml.split_once("\r\n\r\n").expect("headers and body");
        let signature: String = head
            .split("\r\n")
            .take_while(|l| l.starts_with("DKIM-Signature: ") || l.starts_with([' ', '\t']))
            .collect::<Vec<_>>()
            .concat()
            .split_whitespace()
            .collect();
        for tag in [
            &format!("a={algorithm};"),
            "d=shop.example;",
            "s=pp1;",
            "c=relaxed/relaxed;",
        ] {
            assert!(signature.contains(tag), "{tag} in {signature}");
        }
        let h = signature
            .split(';')
            .find_map(|t| t.strip_prefix("h="))
            .expect("h= tag")
            .to_ascii_lowercase();
        for name in [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "mime-version",
            "content-type",
            "content-transfer-encoding",
            "reply-to",
            "list-unsubscribe",
            "list-unsubscribe-post",
        ] {
            assert!(h.split(':').any(|n| n == name), "{name} in h={h}");
        }
        assert!(
            eml.lines().all(|l| l.len() <= 998),
            "no line over 998 octets"
        );
    }
}
