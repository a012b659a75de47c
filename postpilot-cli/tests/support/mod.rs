//! Runs the real `postpilot` binary against a fresh database (a SQLite file,
//! or a PostgreSQL database of its own: [`Env::postgres`]) and outbox.

#![allow(dead_code)] // each test file uses a different part

pub mod sink;

use std::path::PathBuf;

use assert_cmd::Command;
use postpilot_store_sqlx::testing::ScratchDatabase;
use tempfile::TempDir;

/// A fresh workspace: its own database and outbox directory.
pub struct Env {
    pub dir: TempDir,
    /// The PostgreSQL database in use instead of a SQLite file, if any.
    pg: Option<ScratchDatabase>,
}

impl Env {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            pg: None,
        }
    }

    /// An environment on a PostgreSQL database of its own (see
    /// `postpilot_store_sqlx::testing`), or `None` when no server is
    /// configured: the test then passes, having said `SKIPPED`.
    pub fn postgres(test: &str) -> Option<Self> {
        let pg = block_on(ScratchDatabase::create(test))?;
        Some(Self {
            dir: tempfile::tempdir().expect("temp dir"),
            pg: Some(pg),
        })
    }

    pub fn db_url(&self) -> String {
        match &self.pg {
            Some(pg) => pg.url().to_owned(),
            None => format!(
                "sqlite://{}",
                self.dir.path().join("postpilot.db").display()
            ),
        }
    }

    pub fn outbox(&self) -> PathBuf {
        self.dir.path().join("outbox")
    }

    /// `postpilot` with this environment's database and outbox.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("postpilot").expect("binary built");
        cmd.current_dir(self.dir.path())
            .env_remove("POSTPILOT_SMTP_URL")
            .env_remove("RUST_LOG")
            .env("POSTPILOT_DATABASE_URL", self.db_url())
            .env("POSTPILOT_OUTBOX_DIR", self.outbox());
        cmd
    }

    /// Runs `args`, asserts success, returns stdout trimmed.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("ran");
        assert!(
            out.status.success(),
            "postpilot {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_owned()
    }

    /// Runs `args` with `--json`, asserts success, parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("json output")
    }

    /// Runs `args`, asserts exit `code`, returns stderr.
    pub fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("ran");
        assert_eq!(
            out.status.code(),
            Some(code),
            "postpilot {args:?}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).expect("utf-8")
    }

    pub fn add_recipient(&self, email: &str, name: &str) -> String {
        self.ok(&["recipient", "add", "--email", email, "--name", name])
    }

    pub fn add_message(&self, subject: &str, body: &str) -> String {
        self.ok(&["message", "add", "--subject", subject, "--body", body])
    }

    /// A mailing open from an hour ago to a day ahead.
    pub fn add_open_mailing(&self, message: &str, recipients: &[&str]) -> String {
        let now = chrono::Utc::now();
        let start = (now - chrono::Duration::hours(1)).to_rfc3339();
        let end = (now + chrono::Duration::days(1)).to_rfc3339();
        let mut args = vec![
            "mailing",
            "add",
            "--message",
            message,
            "--start",
            &start,
            "--end",
            &end,
        ];
        for r in recipients {
            args.extend_from_slice(&["--recipient", r]);
        }
        self.ok(&args)
    }

    pub fn count(&self, what: &str) -> usize {
        self.json(&[what, "list"]).as_array().expect("array").len()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(pg) = self.pg.take() {
            block_on(pg.drop_database());
        }
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}
