//! Against a real Postfix `smtpd`, which offers PIPELINING and CHUNKING:
//! many emails over few connections arrive whole, each once, and a
//! recipient Postfix refuses at RCPT decides only its own email.

mod support;

use std::time::Duration;

use postpilot_core::ports::{MailError, Mailer, OutgoingEmail};
use postpilot_smtp::{SmtpConfig, SmtpMailer};
use support::postfix::Smtpd;
use support::{address, email};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_emails_reach_postfix_whole_and_a_refused_recipient_decides_only_its_own() {
    let Some(smtpd) = Smtpd::start() else { return };
    let config: SmtpConfig = smtpd.url().parse().expect("url");
    let mailer = SmtpMailer::new(&config, support::from(), Duration::from_secs(20))
        .expect("mailer")
        .with_pool_size(2);
    let emails: Vec<OutgoingEmail> = (1..=30)
        .map(|n| {
            let domain = if n == 17 {
                "refused.postpilot.test"
            } else {
                "example.com"
            };
            OutgoingEmail {
                to: address(&format!("user{n}@{domain}")),
                ..email(&format!("postpilot.1.{n}"))
            }
        })
        .collect();
    // More sends than connections: the pool's two connections carry them all.
    let sends = emails.iter().map(|e| mailer.send(e));
    let results = futures::future::join_all(sends).await;

    for (n, result) in (1..).zip(&results) {
        if n == 17 {
            assert!(
                matches!(result, Err(MailError::AddressRefused(reply)) if reply.starts_with("550 5.1.1")),
                "{result:?}"
            );
        } else {
            assert!(
                matches!(result, Ok(reply) if reply.0.contains("queued as")),
                "email {n}: {result:?}\n{}",
                smtpd.log()
            );
        }
    }
    let delivered = smtpd.delivered(29);
    assert_eq!(delivered.len(), 29, "each accepted email delivered once");
    for n in (1..=30).filter(|&n| n != 17) {
        let to = format!("<user{n}@example.com>");
        let copies: Vec<&String> = delivered
            .iter()
            .filter(|d| d.contains(&format!("for {to}")))
            .collect();
        assert_eq!(copies.len(), 1, "{to}");
        let copy = copies[0];
        let key = format!("Message-ID: <postpilot.1.{n}@shop.example>");
        assert!(
            copy.contains(&key),
            "{to} carries its own Message-ID:\n{copy}"
        );
        // The body arrived whole: its last line is there, and nothing after it.
        let built =
            String::from_utf8(mailer.preview(&emails[n - 1]).expect("preview")).expect("utf-8");
        let body = built
            .split("\r\n\r\n")
            .nth(1)
            .expect("a body")
            .replace("\r\n", "\n");
        assert!(copy.ends_with(&body), "{to}: the body as built:\n{copy}");
    }
    // Postfix logs each connection's commands as it ends.
    mailer.close_idle().await;
    let log = smtpd.log_once("disconnect from localhost[127.0.0.1] ehlo");
    assert!(log.contains(" bdat="), "Postfix saw BDAT:\n{log}");
}
