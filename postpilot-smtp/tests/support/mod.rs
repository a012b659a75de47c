//! Test support: a real Postfix `smtp-sink` on a free port, a TCP relay that
//! counts connections, and sample emails.
#![allow(dead_code)] // each test file uses a different part

pub mod peer;
pub mod postfix;

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use postpilot_core::ports::{Content, OutgoingEmail};
use postpilot_core::{BodyText, EmailAddress, FullName, Subject};

/// A running `smtp-sink`, killed when dropped.
pub struct SmtpSink {
    child: Child,
    pub addr: SocketAddr,
    dump_dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts `smtp-sink 127.0.0.1:PORT 64` with `options` (e.g. `["-f", "RCPT"]`)
    /// on a free port, dumping each message into a temp dir, and waits until
    /// it accepts connections.
    ///
    /// Returns `None` (after printing why) when smtp-sink is not installed,
    /// unless `CI` is set: there a missing sink fails the test.
    pub fn start(options: &[&str]) -> Option<Self> {
        let Some(program) = find_smtp_sink() else {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "smtp-sink not found (looked in $SMTP_SINK, /usr/sbin, /usr/bin, $PATH) \
                     and CI is set: install postfix to run the SMTP tests"
                );
            }
            eprintln!("SKIPPED: smtp-sink not found; install postfix to run this SMTP test");
            return None;
        };
        // The port found free may be taken before smtp-sink binds it: retry.
        let mut last_failure = String::new();
        for _ in 0..5 {
            match Self::try_start(&program, options) {
                Ok(sink) => return Some(sink),
                Err(why) => last_failure = why,
            }
        }
        panic!("smtp-sink did not start: {last_failure}");
    }

    fn try_start(program: &Path, options: &[&str]) -> Result<Self, String> {
        let port = free_port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let dump_dir = tempfile::tempdir().expect("temp dir for dumps");
        let mut cmd = Command::new(program);
        if running_as_root() {
            // smtp-sink refuses to run as root; as nobody it must be able
            // to write the dumps.
            std::fs::set_permissions(dump_dir.path(), std::fs::Permissions::from_mode(0o777))
                .expect("open the dump dir to nobody");
            cmd.args(["-u", "nobody"]);
        }
        let template = format!("{}/msg.", dump_dir.path().display());
        cmd.args(["-d", &template])
            .args(options)
            .arg(addr.to_string())
            .arg("64")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                return Err(format!("exited with {status}: {stderr}"));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
                return Ok(Self {
                    child,
                    addr,
                    dump_dir,
                });
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("not accepting connections on {addr} after 5s"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `smtp://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// The messages dumped so far, as text.
    pub fn dumps(&self) -> Vec<String> {
        let mut dumps = Vec::new();
        for entry in std::fs::read_dir(self.dump_dir.path()).expect("read the dump dir") {
            let path = entry.expect("dump dir entry").path();
            dumps.push(std::fs::read_to_string(&path).expect("read a dump"));
        }
        dumps
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_smtp_sink() -> Option<PathBuf> {
    let from_env = std::env::var_os("SMTP_SINK").map(PathBuf::from);
    let fixed = ["/usr/sbin/smtp-sink", "/usr/bin/smtp-sink"].map(PathBuf::from);
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("smtp-sink"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    from_env
        .into_iter()
        .chain(fixed)
        .chain(on_path)
        .find(|p| p.is_file())
}

fn running_as_root() -> bool {
    // /proc/self belongs to the process's user.
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind an ephemeral port")
        .port()
}

pub fn address(s: &str) -> EmailAddress {
    EmailAddress::parse(s).expect("valid test address")
}

pub fn from() -> EmailAddress {
    address("news@shop.example")
}

/// An email to Иван Петров with a Cyrillic subject and body.
pub fn email(key: &str) -> OutgoingEmail {
    OutgoingEmail {
        to: address("ivan@example.com"),
        to_name: FullName::parse("Иван Петров").expect("valid name"),
        content: Arc::new(Content {
            subject: Subject::parse("Скидки недели").expect("valid subject"),
            body_text: BodyText::parse("Здравствуйте, Иван!\nСкидки до 50%.").expect("valid body"),
            body_html: None,
        }),
        message_key: key.to_owned(),
        unsubscribe_url: None,
    }
}

/// What a [`counting_proxy`] saw.
#[derive(Debug, Default)]
pub struct ConnectionCount {
    opened: AtomicUsize,
    open: AtomicUsize,
    max_open: AtomicUsize,
}

impl ConnectionCount {
    /// Connections accepted so far.
    pub fn opened(&self) -> usize {
        self.opened.load(Ordering::SeqCst)
    }

    /// The most connections that were open at once.
    pub fn max_open(&self) -> usize {
        self.max_open.load(Ordering::SeqCst)
    }
}

/// A TCP relay to `target` on a free loopback port that counts the
/// connections made through it: how many, and how many at once (a
/// connection counts as open until the client closes it).
pub async fn counting_proxy(target: SocketAddr) -> (SocketAddr, Arc<ConnectionCount>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the proxy");
    let addr = listener.local_addr().expect("proxy address");
    let count = Arc::new(ConnectionCount::default());
    let counter = Arc::clone(&count);
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            counter.opened.fetch_add(1, Ordering::SeqCst);
            let now = counter.open.fetch_add(1, Ordering::SeqCst) + 1;
            counter.max_open.fetch_max(now, Ordering::SeqCst);
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
                counter.open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    (addr, count)
}
