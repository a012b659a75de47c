//! Runs the real `postpilot` binary against a fresh database (a SQLite file,
//! or a PostgreSQL database of its own: [`Env::postgres`]) and outbox.

#![allow(dead_code)] // each test file uses a different part

pub mod counting;
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

/// The password of every user a test adds.
pub const PASSWORD: &str = "correct horse battery";

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

    /// Adds a user with `role` and the password `PASSWORD` (from the
    /// environment, as a script would); returns its id.
    pub fn add_user(&self, email: &str, role: &str) -> String {
        let out = self
            .cmd()
            .env("POSTPILOT_PASSWORD", PASSWORD)
            .args(["user", "add", "--email", email, "--name", "Анна Смирнова"])
            .args(["--role", role])
            .output()
            .expect("ran");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_owned()
    }

    pub fn add_recipient(&self, email: &str, name: &str) -> String {
        self.ok(&["recipient", "add", "--email", email, "--name", name])
    }

    pub fn add_message(&self, subject: &str, body: &str) -> String {
        self.ok(&["message", "add", "--subject", subject, "--body", body])
    }

    /// A mailing open from an hour ago to a day ahead.
    pub fn add_open_mailing(&self, message: &str, recipients: &[&str]) -> String {
        let audience: Vec<&str> = recipients.iter().flat_map(|r| ["--recipient", r]).collect();
        self.open_mailing(&[], message, &audience)
    }

    /// `postpilot [GLOBAL…] mailing add` of `message` to `audience`
    /// (`--recipient ID`…, `--all-recipients`, …), open from an hour ago
    /// (so the scheduler finds it due) to a day ahead; returns its id.
    pub fn open_mailing(&self, global: &[&str], message: &str, audience: &[&str]) -> String {
        let now = chrono::Utc::now();
        let start = (now - chrono::Duration::hours(1)).to_rfc3339();
        let end = (now + chrono::Duration::days(1)).to_rfc3339();
        let mut args = global.to_vec();
        args.extend_from_slice(&[
            "mailing",
            "add",
            "--message",
            message,
            "--start",
            &start,
            "--end",
            &end,
        ]);
        args.extend_from_slice(audience);
        self.ok(&args)
    }

    /// `n` new recipients (`r0@example.com`, …) and a mailing to all of
    /// them, open from an hour ago (so the scheduler finds it due) to a day
    /// ahead; returns its id.
    pub fn mailing_to_new_recipients(&self, n: usize) -> String {
        let csv: String = std::iter::once("email,full_name\n".to_owned())
            .chain((0..n).map(|i| format!("r{i}@example.com,Получатель {i}\n")))
            .collect();
        std::fs::write(self.dir.path().join("recipients.csv"), csv).expect("csv");
        self.ok(&["recipient", "import", "recipients.csv"]);
        let message = self.add_message("Новости", "Здравствуйте!");
        self.open_mailing(&[], &message, &["--all-recipients"])
    }

    /// Every attempt recorded for `mailing` (up to 1000).
    pub fn attempts(&self, mailing: &str) -> Vec<serde_json::Value> {
        self.json(&["mailing", "attempts", mailing, "--limit", "1000"])
            .as_array()
            .expect("array")
            .clone()
    }

    /// Deliveries whose lease is still held (state `leased`), read from the
    /// database itself.
    pub fn leased_deliveries(&self) -> i64 {
        let url = self.db_url();
        let query = "SELECT COUNT(*) FROM delivery WHERE state = 'leased'";
        block_on(async {
            if url.starts_with("sqlite:") {
                let pool = sqlx::SqlitePool::connect(&url).await.expect("sqlite");
                let n: i64 = sqlx::query_scalar(query)
                    .fetch_one(&pool)
                    .await
                    .expect("count");
                pool.close().await;
                n
            } else {
                let pool = sqlx::PgPool::connect(&url).await.expect("postgres");
                let n: i64 = sqlx::query_scalar(query)
                    .fetch_one(&pool)
                    .await
                    .expect("count");
                pool.close().await;
                n
            }
        })
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
