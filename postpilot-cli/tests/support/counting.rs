//! A loopback SMTP server of our own that counts: how many connections are
//! open at once (and at most), and every message it received (when its
//! final `.` arrived, for whom, with which Message-ID). It can hold its
//! reply to the final `.` for a while, so sends stay in flight.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// No conversation waits longer than this for a line from the client.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// A message whose final `.` the server read.
#[derive(Debug, Clone)]
pub struct Received {
    pub at: Instant,
    pub recipients: Vec<String>,
    pub message_id: String,
}

#[derive(Default)]
struct Shared {
    open: AtomicUsize,
    max_open: AtomicUsize,
    connections: AtomicUsize,
    reply_delay_ms: AtomicU64,
    received: Mutex<Vec<Received>>,
    stopping: AtomicBool,
    streams: Mutex<Vec<TcpStream>>,
}

/// The running server; stopped (every connection closed) when dropped.
pub struct CountingSmtp {
    pub port: u16,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl CountingSmtp {
    /// Listens on a free loopback port; replies to each final `.` after `reply_delay`.
    pub fn start(reply_delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("address").port();
        listener.set_nonblocking(true).expect("non-blocking");
        let shared = Arc::new(Shared::default());
        shared.reply_delay_ms.store(
            u64::try_from(reply_delay.as_millis()).expect("delay"),
            Ordering::SeqCst,
        );
        let acceptor = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || accept(&listener, &shared))
        };
        Self {
            port,
            shared,
            acceptor: Some(acceptor),
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Replies to later messages after `delay`.
    pub fn set_reply_delay(&self, delay: Duration) {
        self.shared.reply_delay_ms.store(
            u64::try_from(delay.as_millis()).expect("delay"),
            Ordering::SeqCst,
        );
    }

    /// The most connections that were ever open at once.
    pub fn max_open(&self) -> usize {
        self.shared.max_open.load(Ordering::SeqCst)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Every message received so far, in the order their `.` arrived.
    pub fn received(&self) -> Vec<Received> {
        self.shared
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many times each recipient received a message.
    pub fn per_recipient(&self) -> HashMap<String, usize> {
        let mut seen = HashMap::new();
        for message in self.received() {
            for to in message.recipients {
                *seen.entry(to).or_insert(0) += 1;
            }
        }
        seen
    }

    /// Waits (at most `within`) until `n` messages have arrived.
    pub fn wait_for(&self, n: usize, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.received().len() >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for CountingSmtp {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        for stream in self
            .shared
            .streams
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            let _ = stream.shutdown(Shutdown::Both);
        }
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept(listener: &TcpListener, shared: &Arc<Shared>) {
    while !shared.stopping.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                stream.set_nonblocking(false).expect("blocking");
                stream
                    .set_read_timeout(Some(READ_TIMEOUT))
                    .expect("read timeout");
                if let Ok(copy) = stream.try_clone() {
                    shared
                        .streams
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(copy);
                }
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let open = shared.open.fetch_add(1, Ordering::SeqCst) + 1;
                shared.max_open.fetch_max(open, Ordering::SeqCst);
                let shared = Arc::clone(shared);
                std::thread::spawn(move || {
                    let _ = converse(stream, &shared);
                    shared.open.fetch_sub(1, Ordering::SeqCst);
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
}

/// One SMTP conversation, one command at a time (no PIPELINING offered).
fn converse(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream);
    out.write_all(b"220 counting ESMTP\r\n")?;
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let verb = command.split([' ', ':']).next().unwrap_or_default();
        match verb {
            "EHLO" | "HELO" => out.write_all(b"250-counting\r\n250 8BITMIME\r\n")?,
            "MAIL" | "RSET" => {
                recipients.clear();
                out.write_all(b"250 2.0.0 Ok\r\n")?;
            }
            "RCPT" => {
                let to = line.trim_end();
                let address = to
                    .find('<')
                    .and_then(|start| to[start + 1..].split('>').next())
                    .unwrap_or_default()
                    .to_owned();
                recipients.push(address);
                out.write_all(b"250 2.1.5 Ok\r\n")?;
            }
            "NOOP" => out.write_all(b"250 2.0.0 Ok\r\n")?,
            "DATA" => {
                out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
                let mut message_id = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    let text = line.trim_end_matches(['\r', '\n']);
                    if text == "." {
                        break;
                    }
                    if message_id.is_empty() {
                        if let Some(id) = text.strip_prefix("Message-ID: ") {
                            id.clone_into(&mut message_id);
                        }
                    }
                }
                shared
                    .received
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(Received {
                        at: Instant::now(),
                        recipients: std::mem::take(&mut recipients),
                        message_id,
                    });
                let delay = shared.reply_delay_ms.load(Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(delay));
                out.write_all(b"250 2.0.0 Ok: queued\r\n")?;
            }
            "QUIT" => {
                out.write_all(b"221 2.0.0 Bye\r\n")?;
                return Ok(());
            }
            _ => out.write_all(b"500 5.5.2 Error: command not recognized\r\n")?,
        }
    }
}
