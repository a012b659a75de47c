//! The system's root certificates are trusted beside the built-in ones.
//! Its own test binary (its own process): it points `SSL_CERT_FILE`, which
//! the system store honours, at a private CA before any mailer reads it.

use std::sync::Arc;
use std::time::Duration;

use postpilot_core::ports::{Content, Mailer, OutgoingEmail};
use postpilot_core::{BodyText, EmailAddress, FullName, Subject};
use postpilot_smtp::{SmtpConfig, SmtpMailer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pki");

fn acceptor() -> tokio_rustls::TlsAcceptor {
    let cert = CertificateDer::from_pem_file(format!("{PKI}/localhost.pem")).expect("cert");
    let key = PrivateKeyDer::from_pem_file(format!("{PKI}/localhost.key")).expect("key");
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

#[tokio::test]
async fn a_ca_in_the_systems_store_is_trusted_without_a_ca_file() {
    std::env::set_var("SSL_CERT_FILE", format!("{PKI}/ca.pem"));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        let mut tls = BufReader::new(acceptor().accept(tcp).await.expect("handshake"));
        let mut line = String::new();
        for (expected, reply) in [
            ("", "220 peer ESMTP\r\n"),
            ("EHLO ", "250 peer\r\n"),
            ("MAIL FROM:", "250 2.1.0 Ok\r\n"),
            ("RCPT TO:", "250 2.1.5 Ok\r\n"),
            ("DATA", "354 go ahead\r\n"),
        ] {
            if !expected.is_empty() {
                line.clear();
                tls.read_line(&mut line).await.expect("read");
                assert!(line.starts_with(expected), "{line:?}");
            }
            tls.get_mut()
                .write_all(reply.as_bytes())
                .await
                .expect("write");
        }
        while line != ".\r\n" {
            line.clear();
            tls.read_line(&mut line).await.expect("read");
        }
        tls.get_mut()
            .write_all(b"250 2.0.0 Ok: trusted by the system\r\n")
            .await
            .expect("write");
    });

    let config: SmtpConfig = format!("smtps://localhost:{port}")
        .parse()
        .expect("valid url");
    let from = EmailAddress::parse("news@shop.example").expect("valid");
    let mailer = SmtpMailer::new(&config, from, Duration::from_secs(10)).expect("mailer");
    let email = OutgoingEmail {
        to: EmailAddress::parse("ivan@example.com").expect("valid"),
        to_name: FullName::parse("Иван").expect("valid"),
        content: Arc::new(Content {
            subject: Subject::parse("hello").expect("valid"),
            body_text: BodyText::parse("text").expect("valid"),
            body_html: None,
        }),
        message_key: "postpilot.1.1.0123456789abcdef".to_owned(),
        unsubscribe_url: None,
    };
    let reply = mailer.send(&email).await.map(|r| r.0);
    assert_eq!(reply, Ok("250 2.0.0 Ok: trusted by the system".to_owned()));
    server.await.expect("server");
}
