//! `postpilot_http::serve` on a loopback socket: a client that is slow to
//! send its request header is closed, and shutdown lets the requests in
//! flight finish within its grace, then closes whatever is left.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;
use postpilot_http::ServeOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

const OPTIONS: ServeOptions = ServeOptions {
    header_timeout: Duration::from_millis(300),
    grace: Duration::from_millis(500),
};

/// A server with `/slow` (answers after `slow`), until the returned sender fires.
async fn start(
    slow: Duration,
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<usize>>,
) {
    let router = Router::new().route(
        "/slow",
        get(move || async move {
            tokio::time::sleep(slow).await;
            "done"
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(postpilot_http::serve(
        listener,
        router,
        async move {
            let _ = stopped.await;
        },
        OPTIONS,
    ));
    (addr, stop, server)
}

/// Reads until the server closes the connection (at most 5 s); what it said.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("closed within 5 s")
        .expect("read");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_client_that_does_not_finish_its_request_header_in_time_is_closed() {
    let (addr, _stop, _server) = start(Duration::ZERO).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let opened = Instant::now();
    stream
        .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        .await
        .expect("part of a header");
    read_to_close(&mut stream).await;
    let after = opened.elapsed();
    assert!(
        after >= Duration::from_millis(250) && after < Duration::from_secs(2),
        "closed after {after:?}, not after the 300 ms header timeout"
    );
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish_within_the_grace() {
    let (addr, stop, server) = start(Duration::from_millis(200)).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("request");
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.send(()).expect("server running");
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("done"), "{answer}");
    let cut = server.await.expect("joined").expect("served");
    assert_eq!(cut, 0, "nothing was left to close");
}

#[tokio::test]
async fn shutdown_closes_what_is_still_open_once_the_grace_has_passed() {
    let (addr, stop, server) = start(Duration::from_secs(30)).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("request");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let asked = Instant::now();
    stop.send(()).expect("server running");
    let cut = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("serve returned within 5 s")
        .expect("joined")
        .expect("served");
    let took = asked.elapsed();
    assert_eq!(cut, 1, "the slow request was cut");
    assert!(
        took >= Duration::from_millis(450) && took < Duration::from_secs(2),
        "returned {took:?} after shutdown, not after the 500 ms grace"
    );
    read_to_close(&mut stream).await;
}

#[tokio::test]
async fn idle_connections_are_closed_at_once_on_shutdown() {
    let (addr, stop, server) = start(Duration::ZERO).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let asked = Instant::now();
    stop.send(()).expect("server running");
    read_to_close(&mut stream).await;
    let cut = server.await.expect("joined").expect("served");
    assert_eq!(cut, 0);
    assert!(asked.elapsed() < Duration::from_millis(400));
}
