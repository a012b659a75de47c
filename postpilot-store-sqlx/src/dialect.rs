//! What differs between the backends in the statements they otherwise
//! share: how a time is stored, how a list of ids reaches SQL, and how many
//! rows a statement changed.

use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use postpilot_core::domain::Search;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
use postpilot_core::domain::FOLDED_CAPITALS;

use crate::rows::StoredTime;

/// A backend the shared statements (`query`, `mailings`) run on.
pub(crate) trait Dialect: sqlx::Database {
    /// A time as the backend stores and binds it.
    type Time: StoredTime + Send + Unpin + for<'q> sqlx::Encode<'q, Self> + sqlx::Type<Self>;

    fn time(at: DateTime<Utc>) -> Self::Time;

    /// A table expression `j (key, value)` over the JSON array of integers
    /// bound to `param` (e.g. `$2`): `key` is the position, `value` the id.
    /// One parameter for any number of ids, instead of one per id.
    fn json_ids(param: &str) -> String;

    fn rows_affected(done: &Self::QueryResult) -> u64;

    /// `column` with the case of Latin and Cyrillic capitals folded, as
    /// `Search::fold` folds it, and nothing else.
    fn fold(column: &str) -> String;

    /// Recipients in the order of their emails, letter case aside, along
    /// the unique index on them (`r` is the recipient).
    const EMAIL_ORDER: &'static str;

    /// What a search binds for [`Dialect::matching`].
    fn search_param(search: &Search) -> String;

    /// `WHERE`-clause text: whether the recipient `r` matches `search`,
    /// bound to `param` (as [`Dialect::search_param`] makes it), in its
    /// stored search key (migration `20260610000000_listing`), through the
    /// backend's trigram index where the search is long enough to use it
    /// (ARCHITECTURE.md, "Store").
    fn matching(param: &str, search: &Search) -> String;
}

#[cfg(feature = "sqlite")]
impl Dialect for sqlx::Sqlite {
    /// Microseconds since the Unix epoch, UTC: compact and exactly comparable.
    type Time = i64;

    fn time(at: DateTime<Utc>) -> i64 {
        at.timestamp_micros()
    }

    fn json_ids(param: &str) -> String {
        format!("json_each({param}) AS j")
    }

    fn rows_affected(done: &sqlx::sqlite::SqliteQueryResult) -> u64 {
        done.rows_affected()
    }

    /// The column's own `NOCASE`, as its index holds it.
    const EMAIL_ORDER: &'static str = "r.email";

    /// SQLite's `lower` folds ASCII only; Cyrillic is replaced letter by letter.
    fn fold(column: &str) -> String {
        let mut expr = column.to_owned();
        for (capital, small) in FOLDED_CAPITALS {
            expr = format!("replace({expr}, '{capital}', '{small}')");
        }
        format!("lower({expr})")
    }

    /// The folded search itself: `instr` needs no escapes.
    fn search_param(search: &Search) -> String {
        search.folded().to_owned()
    }

    /// The trigram index (migration `20260620000000_search_index`) finds
    /// the rows holding the search in any letter case, a superset; the
    /// search key decides. It knows no search under three characters.
    fn matching(param: &str, search: &Search) -> String {
        let exact = format!("instr(r.search_key, {param}) > 0");
        if search.folded().chars().count() < 3 {
            return exact;
        }
        format!(
            "r.id IN (SELECT rowid FROM recipient_trigram \
             WHERE recipient_trigram MATCH '\"' || replace({param}, '\"', '\"\"') || '\"') \
             AND {exact}"
        )
    }
}

#[cfg(feature = "postgres")]
impl Dialect for sqlx::Postgres {
    /// `timestamptz`.
    type Time = DateTime<Utc>;

    fn time(at: DateTime<Utc>) -> DateTime<Utc> {
        at
    }

    fn json_ids(param: &str) -> String {
        format!("jsonb_array_elements(CAST({param} AS jsonb)) WITH ORDINALITY AS j (value, key)")
    }

    fn rows_affected(done: &sqlx::postgres::PgQueryResult) -> u64 {
        done.rows_affected()
    }

    /// As the unique index `recipient_email_key` holds it.
    const EMAIL_ORDER: &'static str = "lower(r.email)";

    /// `translate`, not `lower`: PostgreSQL's `lower` follows the
    /// database's locale, and would fold more than the search does.
    fn fold(column: &str) -> String {
        let capitals: String = ('A'..='Z')
            .chain(FOLDED_CAPITALS.iter().map(|(c, _)| *c))
            .collect();
        let smalls: String = ('a'..='z')
            .chain(FOLDED_CAPITALS.iter().map(|(_, s)| *s))
            .collect();
        format!("translate({column}, '{capitals}', '{smalls}')")
    }

    fn search_param(search: &Search) -> String {
        search.like_pattern()
    }

    /// `LIKE` along the trigram index on the search key (migration
    /// `20260620000000_search_index`).
    fn matching(param: &str, _search: &Search) -> String {
        format!("r.search_key LIKE {param} ESCAPE '\\'")
    }
}

/// The statements every backend runs alike, as associated functions
/// (`Shared::<Sqlite>::get_recipient(&pool, id)`), defined beside their
/// entity (`crate::recipients`, `messages`, `mailings`, `runs`, `query`),
/// each group under the bounds it needs of sqlx on `DB`.
#[derive(Debug)]
pub(crate) struct Shared<DB>(PhantomData<DB>);

/// Ids as a JSON array, for [`Dialect::json_ids`].
pub(crate) fn json_ids(ids: impl IntoIterator<Item = i64>) -> String {
    let mut json = String::from("[");
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&id.to_string());
    }
    json.push(']');
    json
}
