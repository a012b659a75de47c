//! How SQLite writes what the dialects write differently (`Dialect`):
//! case folding as `Search::fold` folds, the trigram index on recipients,
//! a JSON array of ids as a table (ARCHITECTURE.md, "Store").

use postpilot_core::domain::{RecipientIds, Search, FOLDED_CAPITALS};
use sqlx::{QueryBuilder, Sqlite};

use crate::dialect::Dialect;
use crate::rows::json_ids;

/// `column` with the case of Latin and Cyrillic capitals folded, and
/// nothing else: SQLite's `lower` folds ASCII only, so Cyrillic is
/// replaced letter by letter.
fn fold(column: &str) -> String {
    let mut expr = column.to_owned();
    for (capital, small) in FOLDED_CAPITALS {
        expr = format!("replace({expr}, '{capital}', '{small}')");
    }
    format!("lower({expr})")
}

impl Dialect for Sqlite {
    /// The column's own `NOCASE`, as the index `recipient_by_email` holds it.
    const EMAIL_ORDER: &'static str = "r.email";

    fn push_int(sql: &mut QueryBuilder<'_, Self>, value: i64) {
        sql.push_bind(value);
    }

    fn push_text(sql: &mut QueryBuilder<'_, Self>, value: String) {
        sql.push_bind(value);
    }

    fn push_id_table(sql: &mut QueryBuilder<'_, Self>, ids: &RecipientIds) {
        sql.push("json_each(")
            .push_bind(json_ids(ids.as_slice().iter().map(|id| id.get())))
            .push(") AS j");
    }

    /// In the stored search key (migration `20260610000000_listing`),
    /// binding the folded search (`instr` needs no escapes). From three
    /// characters on, the trigram index (migration
    /// `20260620000000_search_index`) first finds the rows holding the
    /// search in any letter case, a superset; the search key decides.
    fn push_matching(sql: &mut QueryBuilder<'_, Self>, search: &Search) {
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

    fn push_subject_matching(sql: &mut QueryBuilder<'_, Self>, column: &str, search: &Search) {
        sql.push(fold(column))
            .push(" LIKE ")
            .push_bind(search.like_pattern())
            .push(" ESCAPE '\\'");
    }
}
