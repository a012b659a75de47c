//! Sessions over real TLS (rustls on both ends): STARTTLS upgrades the same
//! TCP stream after the 220, and implicit TLS starts with the handshake.
//! Here rather than in tests/ because the mailer only trusts public roots:
//! these build the session's settings with a client that accepts any
//! certificate.

use std::sync::Arc;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::TlsParameters;
use lettre::transport::smtp::extension::ClientId;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::session::{Progress, Session, Settings};
use crate::config::TlsMode;

/// A self-signed certificate for "localhost", made for these tests only.
const CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBljCCATugAwIBAgIUIbuakhDUD9jBytjX7Uio5XbEhZQwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNjE4MTU0NVoYDzIxMjYxMTAy
MTgxNTQ1WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQBQPko1hlxehKUA5ho7/oPjQUMeRRkEliNpd7A1wTB745S56XEruNg
7jAv04h7GXLFLrL/mw5IQlsruUHVEeD4o2kwZzAdBgNVHQ4EFgQUWL2C4TclnNSN
vyYsM8sLli6cgRAwHwYDVR0jBBgwFoAUWL2C4TclnNSNvyYsM8sLli6cgRAwDwYD
VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID
SQAwRgIhAIb3KcDWHrpoASI118YLntSvjghewbvjFRbeaezt1MBlAiEA1V6BLPrQ
4c3sZo/00bHxbX+82z3Gbzb5o9GaftfyqS0=
-----END CERTIFICATE-----
";

const KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgRpsormt8/GlyK8qm
R6uwS35zk11OkGoTjFxQFo559QahRANCAAQBQPko1hlxehKUA5ho7/oPjQUMeRRk
EliNpd7A1wTB745S56XEruNg7jAv04h7GXLFLrL/mw5IQlsruUHVEeD4
-----END PRIVATE KEY-----
";

fn acceptor() -> tokio_rustls::TlsAcceptor {
    let cert = CertificateDer::from_pem_slice(CERT.as_bytes()).expect("certificate");
    let key = PrivateKeyDer::from_pem_slice(KEY.as_bytes()).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .expect("server config");
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

fn settings(port: u16, tls: TlsMode) -> Settings {
    let tls_parameters = TlsParameters::builder("localhost".to_owned())
        .dangerous_accept_invalid_certs(true)
        .build_rustls()
        .expect("tls parameters");
    Settings {
        host: "127.0.0.1".to_owned(),
        port,
        server: format!("127.0.0.1:{port}"),
        tls,
        tls_parameters: Some(tls_parameters),
        hello: ClientId::Domain("client.example".to_owned()),
        credentials: Some(Credentials::new("ivan".to_owned(), "pw".to_owned())),
        from: "news@shop.example".parse().expect("address"),
    }
}

/// Reads one line and checks it starts with `expected`.
async fn expect<S: AsyncRead + Unpin>(stream: &mut BufReader<S>, expected: &str) {
    let mut line = String::new();
    stream.read_line(&mut line).await.expect("read a line");
    assert!(
        line.starts_with(expected),
        "expected {expected:?}, got {line:?}"
    );
}

async fn say<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut BufReader<S>, text: &str) {
    let stream = stream.get_mut();
    stream.write_all(text.as_bytes()).await.expect("write");
    stream.flush().await.expect("flush");
}

/// The conversation after the (encrypted) EHLO: AUTH PLAIN, a pipelined
/// envelope, the message.
async fn serve_encrypted<S: AsyncRead + AsyncWrite + Unpin>(mut tls: BufReader<S>) {
    expect(&mut tls, "EHLO client.example").await;
    say(&mut tls, "250-peer\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n").await;
    expect(&mut tls, "AUTH PLAIN AGl2YW4AcHc=").await;
    say(&mut tls, "235 2.7.0 Authentication successful\r\n").await;
    expect(&mut tls, "MAIL FROM:<news@shop.example>").await;
    expect(&mut tls, "RCPT TO:<ivan@example.com>").await;
    expect(&mut tls, "DATA").await;
    say(&mut tls, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go ahead\r\n").await;
    expect(&mut tls, "Subject: hello").await;
    expect(&mut tls, ".").await;
    say(&mut tls, "250 2.0.0 Ok: queued over TLS\r\n").await;
}

async fn send_one(settings: &Settings) -> String {
    let mut progress = Progress::default();
    let mut session = Session::open(settings, &mut progress)
        .await
        .expect("session set up");
    // Only what the server said over TLS counts.
    assert!(session.offers.pipelining);
    let to = "ivan@example.com".parse().expect("address");
    let reply = session
        .transaction(settings, &to, b"Subject: hello\r\n", &mut progress)
        .await
        .expect("accepted");
    crate::classify::reply(&reply).0
}

#[tokio::test]
async fn starttls_upgrades_the_connection_and_says_ehlo_again() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        let mut plain = BufReader::new(tcp);
        say(&mut plain, "220 peer ESMTP\r\n").await;
        expect(&mut plain, "EHLO client.example").await;
        // Neither PIPELINING nor PLAIN before TLS: what the server says
        // after the handshake decides.
        say(&mut plain, "250-peer\r\n250-STARTTLS\r\n250 AUTH LOGIN\r\n").await;
        expect(&mut plain, "STARTTLS").await;
        say(&mut plain, "220 2.0.0 Ready to start TLS\r\n").await;
        let tls = acceptor()
            .accept(plain.into_inner())
            .await
            .expect("handshake");
        serve_encrypted(BufReader::new(tls)).await;
    });

    let reply = send_one(&settings(port, TlsMode::StartTls)).await;
    assert_eq!(reply, "250 2.0.0 Ok: queued over TLS");
    server.await.expect("server");
}

#[tokio::test]
async fn implicit_tls_starts_with_the_handshake() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        let tls = acceptor().accept(tcp).await.expect("handshake");
        let mut tls = BufReader::new(tls);
        say(&mut tls, "220 peer ESMTP\r\n").await;
        serve_encrypted(tls).await;
    });

    let reply = send_one(&settings(port, TlsMode::Implicit)).await;
    assert_eq!(reply, "250 2.0.0 Ok: queued over TLS");
    server.await.expect("server");
}

/// A private CA (made for these tests only, valid for a century) and a
/// certificate for "localhost" it issued, with its key.
const PRIVATE_CA: &str = include_str!("../../tests/pki/ca.pem");
const ISSUED_CERT: &str = include_str!("../../tests/pki/localhost.pem");
const ISSUED_KEY: &str = include_str!("../../tests/pki/localhost.key");

/// A TLS server presenting the certificate the private CA issued.
fn acceptor_with_private_ca() -> tokio_rustls::TlsAcceptor {
    let cert = CertificateDer::from_pem_slice(ISSUED_CERT.as_bytes()).expect("certificate");
    let key = PrivateKeyDer::from_pem_slice(ISSUED_KEY.as_bytes()).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .expect("server config");
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

/// A mailer over implicit TLS to `localhost:port`, trusting `ca` if given.
fn tls_mailer(port: u16, ca: Option<&std::path::Path>) -> crate::SmtpMailer {
    let mut config: crate::SmtpConfig = format!("smtps://localhost:{port}")
        .parse()
        .expect("valid url");
    if let Some(ca) = ca {
        config = config.with_ca_file(ca).expect("TLS is on");
    }
    let from = postpilot_core::EmailAddress::parse("news@shop.example").expect("valid");
    crate::SmtpMailer::new(&config, from, std::time::Duration::from_secs(10)).expect("mailer")
}

fn email() -> postpilot_core::ports::OutgoingEmail {
    use postpilot_core::ports::{Content, OutgoingEmail};
    use postpilot_core::{BodyText, EmailAddress, FullName, Subject};
    OutgoingEmail {
        to: EmailAddress::parse("ivan@example.com").expect("valid"),
        to_name: FullName::parse("Иван").expect("valid"),
        content: Arc::new(Content {
            subject: Subject::parse("hello").expect("valid"),
            body_text: BodyText::parse("text").expect("valid"),
            body_html: None,
        }),
        message_key: "postpilot.1.1.0123456789abcdef".to_owned(),
        unsubscribe_url: None,
    }
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_a_permanent_failure_tried_once() {
    use postpilot_core::ports::{MailError, Mailer};
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        assert!(
            acceptor_with_private_ca().accept(tcp).await.is_err(),
            "the client refuses the certificate"
        );
    });
    match tls_mailer(port, None).send(&email()).await {
        Err(MailError::Permanent(why)) => {
            assert!(why.contains("certificate"), "{why}");
            assert!(why.contains("--smtp-ca-file"), "{why}");
        }
        other => panic!("expected a permanent failure, got {other:?}"),
    }
    server.await.expect("server");
}

#[tokio::test]
async fn a_ca_file_makes_a_private_ca_trusted() {
    use postpilot_core::ports::Mailer;
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, PRIVATE_CA).expect("write the CA");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        let tls = acceptor_with_private_ca()
            .accept(tcp)
            .await
            .expect("handshake");
        let mut tls = BufReader::new(tls);
        say(&mut tls, "220 peer ESMTP\r\n").await;
        expect(&mut tls, "EHLO ").await;
        say(&mut tls, "250 peer\r\n").await;
        expect(&mut tls, "MAIL FROM:<news@shop.example>").await;
        say(&mut tls, "250 2.1.0 Ok\r\n").await;
        expect(&mut tls, "RCPT TO:<ivan@example.com>").await;
        say(&mut tls, "250 2.1.5 Ok\r\n").await;
        expect(&mut tls, "DATA").await;
        say(&mut tls, "354 go ahead\r\n").await;
        let mut line = String::new();
        while line != ".\r\n" {
            line.clear();
            tls.read_line(&mut line).await.expect("read");
        }
        say(&mut tls, "250 2.0.0 Ok: queued over TLS\r\n").await;
    });
    let reply = tls_mailer(port, Some(&ca)).send(&email()).await;
    assert_eq!(
        reply.map(|r| r.0),
        Ok("250 2.0.0 Ok: queued over TLS".to_owned())
    );
    server.await.expect("server");
}

#[test]
fn a_ca_file_that_is_missing_or_holds_no_certificate_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").expect("write");
    let broken = dir.path().join("broken.pem");
    std::fs::write(
        &broken,
        "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    let missing = dir.path().join("missing.pem");
    for path in [&not_pem, &broken, &missing] {
        let config: crate::SmtpConfig = "smtps://localhost:465".parse().expect("valid");
        let config = config.with_ca_file(path).expect("TLS is on");
        let from = postpilot_core::EmailAddress::parse("news@shop.example").expect("valid");
        let err = crate::SmtpMailer::new(&config, from, std::time::Duration::from_secs(1))
            .expect_err("refused");
        assert!(
            matches!(err, crate::MailerConfigError::CaFile { .. }),
            "{path:?}: {err:?}"
        );
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
    }
}
