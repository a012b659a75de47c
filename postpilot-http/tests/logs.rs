//! Secrets never reach the logs. Alone in its binary: tracing caches which
//! callsites are enabled process-wide, so a capture beside other tests'
//! threads would be unreliable.

mod support;

use axum::body::Body;
use axum::http::Request;
use support::{Server, TOKEN};

fn get_request(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).expect("request")
}

#[tokio::test]
async fn tokens_never_reach_the_logs() {
    // tracing writes to a `File` as it is: the logs are read back from it.
    let file = tempfile::NamedTempFile::new().expect("log file");
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(file.reopen().expect("log file"))
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let s = Server::new().await;
    s.send(get_request(&format!("/login?token={TOKEN}"))).await;
    s.send(get_request("/login?token=wrong-guess-123")).await;
    s.get("/api/v1/stats").await;
    let logs = std::fs::read_to_string(file.path()).expect("logs");
    assert!(logs.contains("/login"), "requests are logged: {logs}");
    assert!(!logs.contains(TOKEN), "{logs}");
    assert!(!logs.contains("wrong-guess-123"), "{logs}");
}
