//! Searching recipients and subjects on SQLite: case folding as
//! `Search::fold` folds, and the trigram index on recipients
//! (ARCHITECTURE.md, "Store").

use postpilot_core::domain::{Search, FOLDED_CAPITALS};
use sqlx::{QueryBuilder, Sqlite};

/// Recipients in the order of their emails, letter case aside: the
/// column's own `NOCASE`, as its unique index holds it.
pub(super) const EMAIL_ORDER: &str = "r.email";

/// `column` with the case of Latin and Cyrillic capitals folded, and
/// nothing else: SQLite's `lower` folds ASCII only, so Cyrillic is
/// replaced letter by letter.
pub(super) fn fold(column: &str) -> String {
    let mut expr = column.to_owned();
    for (capital, small) in FOLDED_CAPITALS {
        expr = format!("replace({expr}, '{capital}', '{small}')");
    }
    format!("lower({expr})")
}

/// Appends whether the recipient `r` matches `search` in its stored search
/// key (migration `20260610000000_listing`), binding the folded search
/// (`instr` needs no escapes). From three characters on, the trigram index
/// (migration `20260620000000_search_index`) first finds the rows holding
/// the search in any letter case, a superset; the search key decides.
pub(super) fn push_matching(sql: &mut QueryBuilder<'_, Sqlite>, search: &Search) {
    let folded = search.folded().to_owned();
    if folded.chars().count() >= 3 {
        sql.push(
            "r.id IN (SELECT rowid FROM recipient_trigram \
             WHERE recipient_trigram MATCH '\"' || replace(",
        )
        .push_bind(folded.clone())
        .push(", '\"', '\"\"') || '\"') AND ");
    }
    sql.push("instr(r.search_key, ")
        .push_bind(folded)
        .push(") > 0");
}

/// Appends whether the subject `column` holds `search`, letter case aside.
pub(super) fn push_subject_matching(
    sql: &mut QueryBuilder<'_, Sqlite>,
    column: &str,
    search: &Search,
) {
    sql.push(fold(column))
        .push(" LIKE ")
        .push_bind(search.like_pattern())
        .push(" ESCAPE '\\'");
}
