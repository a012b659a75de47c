//! Who the client says it is (EHLO) and how it leaves (QUIT), against
//! scripted peers that see every line.

mod support;

use std::time::Duration;

use postpilot_core::ports::{Mailer, ServerReply};
use postpilot_smtp::{HeloName, Identity, SmtpConfig, SmtpMailer};
use support::peer::{accept_with_ehlo, listen, Peer};
use support::{email, from};

const TIMEOUT: Duration = Duration::from_secs(10);

fn mailer(url: &str, helo: Option<&str>) -> SmtpMailer {
    let config: SmtpConfig = url.parse().expect("valid smtp url");
    let identity = Identity {
        helo: helo.map(|h| h.parse().expect("valid helo name")),
        ..Identity::from(from())
    };
    SmtpMailer::new(&config, identity, TIMEOUT).expect("mailer")
}

/// Takes one email in lockstep and accepts it.
async fn take_one_email(peer: &mut Peer) {
    assert!(peer
        .line()
        .await
        .starts_with("MAIL FROM:<news@shop.example>"));
    peer.say("250 2.1.0 Ok\r\n").await;
    assert_eq!(peer.line().await, "RCPT TO:<ivan@example.com>");
    peer.say("250 2.1.5 Ok\r\n").await;
    assert_eq!(peer.line().await, "DATA");
    peer.say("354 go on\r\n").await;
    peer.message().await;
    peer.say("250 2.0.0 Ok: queued as 1\r\n").await;
}

/// The client says QUIT, takes the 221, and closes.
async fn quits_then_closes(peer: &mut Peer) {
    assert_eq!(peer.line().await, "QUIT", "QUIT comes before the close");
    peer.say("221 2.0.0 Bye\r\n").await;
    assert!(peer.closes().await, "then the connection is closed");
}

#[tokio::test]
async fn ehlo_gives_the_configured_name_and_quit_comes_before_closing_idle_connections() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let (mut peer, ehlo) = accept_with_ehlo(&listener, &[]).await;
        assert_eq!(ehlo, "EHLO mail.shop.example");
        take_one_email(&mut peer).await;
        quits_then_closes(&mut peer).await;
    });
    let mailer = mailer(&format!("smtp://{addr}"), Some("mail.shop.example"));
    assert_eq!(mailer.helo_name(), "mail.shop.example");
    assert_eq!(
        mailer.send(&email("postpilot.1.1")).await,
        Ok(ServerReply("250 2.0.0 Ok: queued as 1".into()))
    );
    mailer.close_idle().await;
    server.await.expect("server");
}

#[tokio::test]
async fn quitting_idle_connections_says_quit_and_closes_without_waiting_for_the_reply() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let (mut peer, _) = accept_with_ehlo(&listener, &[]).await;
        take_one_email(&mut peer).await;
        assert_eq!(peer.line().await, "QUIT");
        // No 221 is said before the client has gone.
        assert!(peer.closes().await, "closed with no reply to QUIT");
    });
    let mailer = mailer(&format!("smtp://{addr}"), Some("mail.shop.example"));
    mailer.send(&email("postpilot.1.1")).await.expect("sent");
    // Waiting for the reply would last until QUIT's own deadline (5 s).
    tokio::time::timeout(Duration::from_secs(2), mailer.quit_idle())
        .await
        .expect("QUIT's reply is not waited for");
    server.await.expect("server");
}

#[tokio::test]
async fn the_default_ehlo_name_is_fully_qualified_never_a_bare_host_name() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let (mut peer, ehlo) = accept_with_ehlo(&listener, &[]).await;
        take_one_email(&mut peer).await;
        quits_then_closes(&mut peer).await;
        ehlo
    });
    let mailer = mailer(&format!("smtp://{addr}"), None);
    mailer.send(&email("postpilot.1.1")).await.expect("sent");
    mailer.close_idle().await;
    let ehlo = server.await.expect("server");
    let name = ehlo.strip_prefix("EHLO ").expect("an EHLO");
    assert_eq!(name, HeloName::default_for(&from()).to_string());
    assert!(name.contains('.'), "{name} is fully qualified");
}

#[tokio::test]
async fn dropping_the_last_mailer_says_quit_on_its_idle_connections() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let (mut peer, _) = accept_with_ehlo(&listener, &[]).await;
        take_one_email(&mut peer).await;
        quits_then_closes(&mut peer).await;
    });
    let mailer = mailer(&format!("smtp://{addr}"), Some("mail.shop.example"));
    let clone = mailer.clone();
    mailer.send(&email("postpilot.1.1")).await.expect("sent");
    drop(mailer);
    drop(clone);
    server.await.expect("server");
}

#[tokio::test]
async fn a_refused_login_is_followed_by_quit_before_the_connection_closes() {
    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let (mut peer, _) = accept_with_ehlo(&listener, &["AUTH PLAIN"]).await;
        assert!(peer.line().await.starts_with("AUTH PLAIN"));
        peer.say("535 5.7.8 Authentication credentials invalid\r\n")
            .await;
        quits_then_closes(&mut peer).await;
    });
    let mailer = mailer(
        &format!("smtp://ivan:s3cret@{addr}"),
        Some("mail.shop.example"),
    );
    let err = mailer
        .send(&email("postpilot.1.1"))
        .await
        .expect_err("refused");
    assert!(err.reply().contains("535 5.7.8"), "{err}");
    server.await.expect("server");
}

#[tokio::test]
async fn a_refused_login_is_tried_once_and_every_send_then_fails_with_it_without_connecting() {
    use postpilot_core::ports::MailError;

    let (listener, addr) = listen().await;
    let server = tokio::spawn(async move {
        let (mut peer, _) = accept_with_ehlo(&listener, &["AUTH PLAIN LOGIN"]).await;
        assert!(peer.line().await.starts_with("AUTH PLAIN"));
        peer.say("535 5.7.8 Authentication credentials invalid\r\n")
            .await;
        quits_then_closes(&mut peer).await;
        support::peer::connects_again(&listener).await
    });
    let mailer = mailer(
        &format!("smtp://ivan:s3cret@{addr}"),
        Some("mail.shop.example"),
    )
    .with_pool_size(8);
    let sends = (1..=5).map(|n| {
        let mailer = mailer.clone();
        async move { mailer.send(&email(&format!("postpilot.1.{n}"))).await }
    });
    let results = futures::future::join_all(sends).await;
    let refusal = "535 5.7.8 Authentication credentials invalid";
    for result in results {
        assert_eq!(result, Err(MailError::LoginFailed(refusal.into())));
    }
    assert_eq!(
        mailer.send(&email("postpilot.1.6")).await,
        Err(MailError::LoginFailed(refusal.into())),
        "a later send fails the same way"
    );
    assert_eq!(mailer.login_refused().as_deref(), Some(refusal));
    assert!(
        !server.await.expect("server"),
        "one connection and one login in all"
    );
}
