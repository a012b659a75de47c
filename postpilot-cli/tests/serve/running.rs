//! A real `postpilot serve` on a free loopback port, over a fresh SQLite
//! file and outbox; killed when dropped.

#![allow(dead_code)] // each test file uses a different part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Running {
    pub child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The login URL printed at start, when the token was generated.
    pub login_url: Option<String>,
    /// Everything printed to stdout before the server was ready.
    pub stdout: String,
    /// The lines printed to stdout after those, read as they come (so the
    /// server never writes to a closed pipe).
    later: Arc<Mutex<Vec<String>>>,
    pub log: PathBuf,
}

impl Running {
    /// Starts `postpilot serve --bind 127.0.0.1:0` in `dir` with `envs`.
    pub fn start(dir: &Path, envs: &[(&str, &str)]) -> Self {
        let log = dir.join("serve.log");
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("postpilot"));
        command
            .current_dir(dir)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env_remove("POSTPILOT_API_TOKEN")
            .env_remove("POSTPILOT_BIND")
            .env_remove("POSTPILOT_SMTP_URL")
            .env_remove("RUST_LOG")
            .env(
                "POSTPILOT_DATABASE_URL",
                format!("sqlite://{}", dir.join("postpilot.db").display()),
            )
            .env("POSTPILOT_OUTBOX_DIR", dir.join("outbox"))
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"));
        let mut child = command.spawn().expect("postpilot serve started");
        let out = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(out).lines();
        let mut stdout = String::new();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        stdout.push_str(&first);
        stdout.push('\n');
        let base = first
            .strip_prefix("postpilot listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        let generated = !envs.iter().any(|(k, _)| *k == "POSTPILOT_API_TOKEN");
        let login_url = generated.then(|| {
            let line = lines.next().and_then(Result::ok).unwrap_or_default();
            stdout.push_str(&line);
            stdout.push('\n');
            line.strip_prefix("log in: ")
                .unwrap_or_else(|| panic!("unexpected second line {line:?}"))
                .to_owned()
        });
        let later = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&later);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                keep.lock().expect("not poisoned").push(line);
            }
        });
        Self {
            child,
            base,
            login_url,
            stdout,
            later,
            log,
        }
    }

    /// The first line printed after the start that begins with `prefix`,
    /// waiting for it at most `within`.
    pub fn printed(&self, prefix: &str, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        loop {
            let found = self
                .later
                .lock()
                .expect("not poisoned")
                .iter()
                .find(|l| l.starts_with(prefix))
                .cloned();
            if found.is_some() || Instant::now() >= deadline {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A plain HTTP/1.1 GET; returns the status line and the whole answer.
    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> (String, String) {
        self.request("GET", path, headers, "")
    }

    /// A plain HTTP/1.1 POST of a JSON `body`; returns the status line and
    /// the whole answer.
    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &str) -> (String, String) {
        let mut all = vec![("Content-Type", "application/json")];
        all.extend_from_slice(headers);
        self.request("POST", path, &all, body)
    }

    /// The address the server listens on, `127.0.0.1:PORT`.
    pub fn authority(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (String, String) {
        let authority = self.authority();
        let mut stream = TcpStream::connect(authority).expect("connected");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() || method != "GET" {
            request.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).expect("sent");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        let status = answer.lines().next().unwrap_or_default().to_owned();
        (status, answer)
    }

    /// Sends SIGTERM and waits (at most `within`) for the exit status.
    pub fn terminate(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill ran");
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("waited") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
