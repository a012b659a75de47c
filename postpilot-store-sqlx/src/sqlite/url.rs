//! What an SQLite database URL opens, read as sqlx and SQLite read it.
//!
//! sqlx takes `sqlite://NAME?PARAMS` (or `sqlite:NAME?PARAMS`): `NAME`
//! percent-decoded is handed to SQLite, `:memory:` or `mode=memory` opens
//! a database in memory, `vfs=…` picks SQLite's VFS (`memdb` lives in
//! memory). SQLite then reads a name starting with `file:` as a URI of its
//! own (sqlx opens with `SQLITE_OPEN_URI`), with its own `:memory:` and
//! `mode`/`vfs` parameters; and an empty name is a private temporary
//! database, a different one on each connection.

use std::borrow::Cow;
use std::path::PathBuf;
use std::str::FromStr;

use percent_encoding::percent_decode_str;
use sqlx::sqlite::SqliteConnectOptions;

/// What an SQLite URL opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteDatabase {
    /// A database file, created if missing.
    File(PathBuf),
    /// A database in memory (`sqlite::memory:`, `?mode=memory`,
    /// `?vfs=memdb`, `file::memory:`): gone with its last connection.
    InMemory,
    /// No file named (`sqlite://`, `sqlite:`): a temporary database private
    /// to its connection, deleted when it closes.
    Temporary,
}

/// A URL sqlx cannot read as an SQLite URL; says why, never the URL.
#[derive(Debug, thiserror::Error)]
#[error("not an SQLite URL: {reason}")]
pub struct InvalidSqliteUrl {
    reason: String,
    #[source]
    source: sqlx::Error,
}

impl SqliteDatabase {
    /// What `url` opens.
    ///
    /// # Errors
    /// [`InvalidSqliteUrl`] for what sqlx refuses (an unknown parameter or
    /// `mode`, a name that is not UTF-8 once decoded).
    pub fn of_url(url: &str) -> Result<Self, InvalidSqliteUrl> {
        let options = SqliteConnectOptions::from_str(url).map_err(|source| InvalidSqliteUrl {
            reason: match &source {
                sqlx::Error::Configuration(why) => why.to_string(),
                other => other.to_string(),
            },
            source,
        })?;
        // As sqlx splits it (and it has just accepted it).
        let rest = url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        let (name, query) = rest.split_once('?').unwrap_or((rest, ""));
        if name == ":memory:" || names_memory(query) {
            return Ok(Self::InMemory);
        }
        // Decoded, as SQLite gets it.
        let file = options.get_filename();
        let Some(text) = file.to_str() else {
            // sqlx only makes UTF-8 names; anything else is a plain path.
            return Ok(Self::File(file.to_owned()));
        };
        if text.is_empty() {
            return Ok(Self::Temporary);
        }
        if text == ":memory:" {
            return Ok(Self::InMemory);
        }
        if let Some(uri) = text.strip_prefix("file:") {
            let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
            let path = path.split_once('#').map_or(path, |(path, _)| path);
            // `file://HOST/path`: the authority (empty or localhost) goes.
            let path = match path.strip_prefix("//") {
                Some(authority_and_path) => authority_and_path
                    .find('/')
                    .map_or("", |at| &authority_and_path[at..]),
                None => path,
            };
            let path = decoded(path);
            if path.is_empty() {
                return Ok(Self::Temporary);
            }
            if path == ":memory:" || names_memory(query) {
                return Ok(Self::InMemory);
            }
        }
        Ok(Self::File(file.to_owned()))
    }

    /// Whether the database outlives its connections: a file.
    pub fn is_file(&self) -> bool {
        matches!(self, Self::File(_))
    }
}

/// Whether URL parameters `query` put the database in memory.
fn names_memory(query: &str) -> bool {
    query.split('&').any(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        matches!(
            (&*decoded(key), &*decoded(value)),
            ("mode", "memory") | ("vfs", "memdb")
        )
    })
}

fn decoded(text: &str) -> Cow<'_, str> {
    percent_decode_str(text).decode_utf8_lossy()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_naming_a_file_open_that_file() {
        for (url, file) in [
            ("sqlite://postpilot.db", "postpilot.db"),
            ("sqlite:postpilot.db", "postpilot.db"),
            ("sqlite:///var/lib/pp.db", "/var/lib/pp.db"),
            ("sqlite://pp.db?mode=rwc", "pp.db"),
            ("sqlite://a%20b.db", "a b.db"),
            ("sqlite://file:pp.db", "file:pp.db"),
            ("sqlite://file:pp.db?cache=shared", "file:pp.db"),
        ] {
            assert_eq!(
                SqliteDatabase::of_url(url).expect(url),
                SqliteDatabase::File(file.into()),
                "{url}"
            );
        }
    }

    #[test]
    fn urls_naming_no_file_open_a_temporary_database() {
        for url in [
            "sqlite://",
            "sqlite:",
            "sqlite://?mode=rwc",
            "sqlite://file:",
        ] {
            assert_eq!(
                SqliteDatabase::of_url(url).expect(url),
                SqliteDatabase::Temporary,
                "{url}"
            );
        }
    }

    #[test]
    fn every_way_of_asking_for_memory_is_in_memory() {
        for url in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://?mode=memory",
            "sqlite://pp.db?mode=memory",
            "sqlite://pp.db?mode=memory&cache=private",
            "sqlite://pp.db?vfs=memdb",
            "sqlite://%3Amemory%3A",
            "sqlite://file::memory:",
            "sqlite://file:pp.db%3Fmode=memory",
            "sqlite://file:pp.db%3Fvfs=memdb",
            "sqlite://file:%3Amemory%3A",
        ] {
            assert_eq!(
                SqliteDatabase::of_url(url).expect(url),
                SqliteDatabase::InMemory,
                "{url}"
            );
        }
    }

    #[test]
    fn what_sqlx_refuses_is_invalid_without_echoing_the_url() {
        for url in ["sqlite://pp.db?mode=bogus", "sqlite://pp.db?secret=hunter2"] {
            let err = SqliteDatabase::of_url(url).expect_err(url).to_string();
            assert!(err.starts_with("not an SQLite URL: "), "{err}");
            assert!(!err.contains("hunter2") && !err.contains("pp.db"), "{err}");
        }
    }
}
