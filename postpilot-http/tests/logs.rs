//! Secrets never reach the logs. Alone in its binary: tracing caches which
//! callsites are enabled process-wide, so a capture beside other tests'
//! threads would be unreliable.

mod support;

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Request;
use support::{Server, TOKEN};

fn get_request(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).expect("request")
}

/// A writer that keeps what tracing wrote.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tokens_never_reach_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let s = Server::new().await;
    s.send(get_request(&format!("/login?token={TOKEN}"))).await;
    s.send(get_request("/login?token=wrong-guess-123")).await;
    s.get("/api/v1/stats").await;
    let logs = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(logs.contains("/login"), "requests are logged: {logs}");
    assert!(!logs.contains(TOKEN), "{logs}");
    assert!(!logs.contains("wrong-guess-123"), "{logs}");
}
