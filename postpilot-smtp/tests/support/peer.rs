//! A scripted SMTP server for tests that must see the client's bytes as
//! they arrive: which commands came in one read, what the body looked like
//! on the wire. Each test writes the server's side of the conversation.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How long a peer waits for the client before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// A listener on a free loopback port.
pub async fn listen() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    (listener, addr)
}

/// The next connection, greeted and past EHLO (whose reply lists `keywords`).
pub async fn accept(listener: &TcpListener, keywords: &[&str]) -> Peer {
    accept_with_ehlo(listener, keywords).await.0
}

/// As [`accept`], with the client's EHLO line (without CRLF).
pub async fn accept_with_ehlo(listener: &TcpListener, keywords: &[&str]) -> (Peer, String) {
    let (stream, _) = tokio::time::timeout(PATIENCE, listener.accept())
        .await
        .expect("the client connects")
        .expect("accept");
    let mut peer = Peer {
        stream,
        input: Vec::new(),
    };
    peer.say("220 peer ESMTP\r\n").await;
    let ehlo = peer.line().await;
    assert!(ehlo.starts_with("EHLO "), "{ehlo}");
    let mut reply = String::from("250");
    reply.push(if keywords.is_empty() { ' ' } else { '-' });
    reply.push_str("peer\r\n");
    for (i, keyword) in keywords.iter().enumerate() {
        let last = i + 1 == keywords.len();
        reply.push_str(&format!("250{}{keyword}\r\n", if last { ' ' } else { '-' }));
    }
    peer.say(&reply).await;
    (peer, ehlo)
}

/// Whether another connection comes within a short while.
pub async fn connects_again(listener: &TcpListener) -> bool {
    tokio::time::timeout(Duration::from_millis(200), listener.accept())
        .await
        .is_ok()
}

/// One accepted connection and what it has received but not yet taken.
#[derive(Debug)]
pub struct Peer {
    pub stream: TcpStream,
    input: Vec<u8>,
}

impl Peer {
    pub async fn say(&mut self, text: &str) {
        self.stream
            .write_all(text.as_bytes())
            .await
            .expect("write to the client");
    }

    /// Sends bytes that need not be UTF-8: what a hostile server may say.
    pub async fn say_bytes(&mut self, bytes: &[u8]) {
        self.stream
            .write_all(bytes)
            .await
            .expect("write to the client");
    }

    /// One read from the socket, added to the input; its size, 0 at EOF.
    pub async fn read_once(&mut self) -> usize {
        let mut chunk = [0; 65536];
        let n = tokio::time::timeout(PATIENCE, self.stream.read(&mut chunk))
            .await
            .expect("the client writes in time")
            .expect("read from the client");
        self.input.extend_from_slice(&chunk[..n]);
        n
    }

    /// Takes whatever has arrived, without waiting for more.
    pub async fn read_pending(&mut self) {
        let mut chunk = [0; 65536];
        loop {
            match self.stream.try_read(&mut chunk) {
                Ok(0) => return,
                Ok(n) => self.input.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(e) => panic!("read from the client: {e}"),
            }
        }
    }

    /// The next `n` command lines (without CRLF) and how many reads they
    /// took, counting only reads made for them.
    pub async fn lines(&mut self, n: usize) -> (Vec<String>, usize) {
        let mut reads = 0;
        while self.input.windows(2).filter(|w| w == b"\r\n").count() < n {
            assert!(
                self.read_once().await > 0,
                "the client closed the connection"
            );
            reads += 1;
        }
        let mut lines = Vec::new();
        for _ in 0..n {
            let end = self
                .input
                .windows(2)
                .position(|w| w == b"\r\n")
                .expect("a whole line");
            let line = String::from_utf8(self.input[..end].to_vec()).expect("utf-8");
            self.input.drain(..end + 2);
            lines.push(line);
        }
        (lines, reads)
    }

    pub async fn line(&mut self) -> String {
        self.lines(1).await.0.remove(0)
    }

    /// Whether the client closes the connection (without sending anything
    /// more) within [`PATIENCE`].
    pub async fn closes(&mut self) -> bool {
        self.read_once().await == 0 && self.is_drained()
    }

    /// Whether nothing more has been received.
    pub fn is_drained(&self) -> bool {
        self.input.is_empty()
    }

    /// The message after a 354: its bytes up to and including the
    /// `.` line that ends it, and how many reads they took.
    pub async fn message(&mut self) -> (Vec<u8>, usize) {
        let mut reads = 0;
        loop {
            let end = if self.input.starts_with(b".\r\n") {
                Some(3)
            } else {
                self.input
                    .windows(5)
                    .position(|w| w == b"\r\n.\r\n")
                    .map(|at| at + 5)
            };
            if let Some(end) = end {
                let message = self.input.drain(..end).collect();
                return (message, reads);
            }
            assert!(
                self.read_once().await > 0,
                "the client closed the connection"
            );
            reads += 1;
        }
    }

    /// A chunked message (RFC 3030): the `BDAT <size> LAST` line and the
    /// `size` bytes after it, and how many reads they took.
    pub async fn chunk(&mut self) -> (Vec<u8>, usize) {
        let (line, mut reads) = self.lines(1).await;
        let words: Vec<&str> = line[0].split(' ').collect();
        assert!(
            words.len() == 3 && words[0] == "BDAT" && words[2] == "LAST",
            "{line:?}"
        );
        let size: usize = words[1].parse().expect("BDAT size");
        while self.input.len() < size {
            assert!(
                self.read_once().await > 0,
                "the client closed the connection"
            );
            reads += 1;
        }
        (self.input.drain(..size).collect(), reads)
    }
}
