//! Scratch PostgreSQL databases for tests (feature `testing`): each test
//! gets a database of its own, created on the server that
//! `POSTPILOT_TEST_PG_URL` names and dropped afterwards.
//!
//! When the variable is unset, [`ScratchDatabase::create`] prints a
//! `SKIPPED` line and returns `None`, so the test passes without running;
//! under CI (`CI` set) a skip is a failure instead, and it panics.

use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

/// The variable naming the server, e.g. `postgres://postgres@127.0.0.1:5432/test`.
pub const URL_VAR: &str = "POSTPILOT_TEST_PG_URL";

/// A database created for one test.
#[derive(Debug)]
pub struct ScratchDatabase {
    admin: PgConnectOptions,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// Creates an empty database for the test named `test`, or returns
    /// `None` (having said so) when no server is configured.
    ///
    /// # Panics
    /// When no server is configured under CI, or the server refuses.
    pub async fn create(test: &str) -> Option<Self> {
        let Ok(server) = std::env::var(URL_VAR) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "{test}: {URL_VAR} is not set, and under CI a skipped PostgreSQL test is a \
                 failure: set it, e.g. {URL_VAR}=postgres://postgres@127.0.0.1:5432/test"
            );
            println!(
                "SKIPPED: set {URL_VAR}=postgres://USER@HOST:PORT/DB to run {test} on PostgreSQL"
            );
            return None;
        };
        let admin = PgConnectOptions::from_str(&server)
            .unwrap_or_else(|e| panic!("{URL_VAR} is not a PostgreSQL URL: {e}"));
        let name = format!("pp_test_{:016x}", rand::random::<u64>());
        let mut conn = admin
            .connect()
            .await
            .unwrap_or_else(|e| panic!("connecting to the server of {URL_VAR}: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("creating database {name}: {e}"));
        let _ = conn.close().await;
        let mut url =
            url::Url::parse(&server).unwrap_or_else(|e| panic!("{URL_VAR} is not a URL: {e}"));
        url.set_path(&name);
        Some(Self {
            admin,
            name,
            url: url.into(),
        })
    }

    /// The URL of the new database (on the server of [`URL_VAR`]).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database, disconnecting whoever is still connected; best
    /// effort: a failure only leaves a database behind.
    pub async fn drop_database(self) {
        let Ok(mut conn) = self.admin.connect().await else {
            return;
        };
        let _ = sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut conn)
        .await;
        let _ = conn.close().await;
    }
}
