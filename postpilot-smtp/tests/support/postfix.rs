//! A real Postfix `smtpd` (PIPELINING, CHUNKING, its own refusals) on a
//! free loopback port, in a private instance made by `.ci/postfix-smtpd.sh`
//! that writes each email it accepts into a file.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A running private Postfix, stopped when dropped.
pub struct Smtpd {
    dir: tempfile::TempDir,
    pub port: u16,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/postfix-smtpd.sh")
}

impl Smtpd {
    /// Starts one. `None` (after saying why) when Postfix is not installed
    /// or the test does not run as root (Postfix's instance needs its own
    /// users); under CI either is a failure, not a skip.
    pub fn start() -> Option<Self> {
        let why_not = if !Path::new("/usr/sbin/postfix").exists() {
            Some("postfix is not installed")
        } else if !super::running_as_root() {
            Some("a private Postfix instance needs root")
        } else {
            None
        };
        if let Some(why) = why_not {
            assert!(
                std::env::var_os("CI").is_none(),
                "{why}, and CI is set: .ci/run installs postfix and runs as root"
            );
            eprintln!("SKIPPED: {why}");
            return None;
        }
        // Postfix's own users must reach the directory.
        let dir = tempfile::Builder::new()
            .prefix("postpilot-smtpd")
            .tempdir_in("/tmp")
            .expect("temp dir");
        let mut last = String::new();
        for _ in 0..5 {
            let port = super::free_port();
            let out = Command::new("bash")
                .arg(script())
                .args(["start"])
                .arg(dir.path())
                .arg(port.to_string())
                .output()
                .expect("run .ci/postfix-smtpd.sh");
            if out.status.success() {
                return Some(Self { dir, port });
            }
            last = String::from_utf8_lossy(&out.stderr).into_owned();
            let _ = Command::new("bash")
                .arg(script())
                .arg("stop")
                .arg(dir.path())
                .output();
        }
        panic!("postfix smtpd did not start: {last}");
    }

    /// `smtp://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The emails delivered so far (Postfix writes them with LF line ends,
    /// after its own Received header), once `count` are there or the
    /// patience runs out.
    pub fn delivered(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let files: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("mail"))
                .expect("read the mail dir")
                .map(|e| e.expect("mail dir entry").path())
                .collect();
            if files.len() >= count || Instant::now() > deadline {
                // Give a file being written a moment to be complete.
                std::thread::sleep(Duration::from_millis(200));
                return files
                    .iter()
                    .map(|p| std::fs::read_to_string(p).expect("read a delivered email"))
                    .collect();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Postfix's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("maillog")).unwrap_or_default()
    }

    /// Postfix's log once it holds `text`, or after a few seconds.
    pub fn log_once(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let log = self.log();
            if log.contains(text) || Instant::now() > deadline {
                return log;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(self.dir.path())
            .output();
    }
}
