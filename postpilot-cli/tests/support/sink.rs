//! A real SMTP peer: Postfix's `smtp-sink` on a free loopback port.

use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SMTP_SINK: &str = "/usr/sbin/smtp-sink";

/// A running `smtp-sink`, killed on drop.
pub struct Sink {
    child: Child,
    pub port: u16,
}

impl Sink {
    /// Starts `smtp-sink` with `extra` options. `None` (after saying so)
    /// when it is not installed; under CI that is a failure, not a skip.
    pub fn start(extra: &[&str]) -> Option<Self> {
        if !std::path::Path::new(SMTP_SINK).exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{SMTP_SINK} is missing: CI must install postfix (see .ci/run)"
            );
            eprintln!("SKIPPED: {SMTP_SINK} not installed (apt-get install postfix)");
            return None;
        }
        let port = free_port();
        let mut cmd = Command::new(SMTP_SINK);
        if is_root() {
            cmd.args(["-u", "nobody"]);
        }
        let child = cmd
            .args(extra)
            .arg(format!("127.0.0.1:{port}"))
            .arg("64")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("smtp-sink starts");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "smtp-sink did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Self { child, port })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }
}

/// A directory under `parent` that smtp-sink (running as `nobody`) can
/// dump every message it takes into, with `-d` [`dump_template`].
pub fn dump_dir(parent: &Path) -> PathBuf {
    let dir = parent.join("dump");
    std::fs::create_dir(&dir).expect("dump dir");
    std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    dir
}

/// smtp-sink's `-d` argument for dumping into `dir`.
pub fn dump_template(dir: &Path) -> String {
    format!("{}/m.", dir.display())
}

/// How many times each Message-ID reached the sink dumping into `dir`.
pub fn received(dir: &Path) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for entry in std::fs::read_dir(dir).expect("dump dir") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("dump");
        let id = text
            .lines()
            .find_map(|l| l.strip_prefix("Message-ID: "))
            .expect("every email has a Message-ID")
            .to_owned();
        *seen.entry(id).or_insert(0) += 1;
    }
    seen
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
