//! How PostgreSQL writes what the dialects write differently (`Dialect`):
//! case folding as `Search::fold` folds, the trigram index on recipients,
//! a JSON array of ids as a table (ARCHITECTURE.md, "Store").

use postpilot_core::domain::{RecipientIds, Search, FOLDED_CAPITALS};
use sqlx::{Postgres, QueryBuilder};

use crate::dialect::Dialect;
use crate::rows::json_ids;

/// `column` with the case of Latin and Cyrillic capitals folded, and
/// nothing else: `translate`, not `lower`, which follows the database's
/// locale and would fold more than the search does.
fn fold(column: &str) -> String {
    let capitals: String = ('A'..='Z')
        .chain(FOLDED_CAPITALS.iter().map(|(c, _)| *c))
        .collect();
    let smalls: String = ('a'..='z')
        .chain(FOLDED_CAPITALS.iter().map(|(_, s)| *s))
        .collect();
    format!("translate({column}, '{capitals}', '{smalls}')")
}

impl Dialect for Postgres {
    /// As the index `recipient_by_email` holds them.
    const EMAIL_ORDER: &'static str = "lower(r.email)";

    fn push_int(sql: &mut QueryBuilder<'_, Self>, value: i64) {
        sql.push_bind(value);
    }

    fn push_text(sql: &mut QueryBuilder<'_, Self>, value: String) {
        sql.push_bind(value);
    }

    fn push_id_table(sql: &mut QueryBuilder<'_, Self>, ids: &RecipientIds) {
        sql.push("jsonb_array_elements(CAST(")
            .push_bind(json_ids(ids.as_slice().iter().map(|id| id.get())))
            .push(" AS jsonb)) AS j (value)");
    }

    /// In the stored search key (migration `20260610000000_listing`):
    /// `LIKE` along the trigram index on it (migration
    /// `20260620000000_search_index`).
    fn push_matching(sql: &mut QueryBuilder<'_, Self>, search: &Search) {
        sql.push("r.search_key LIKE ")
            .push_bind(search.like_pattern())
            .push(" ESCAPE '\\'");
    }

    fn push_subject_matching(sql: &mut QueryBuilder<'_, Self>, column: &str, search: &Search) {
        sql.push(fold(column))
            .push(" LIKE ")
            .push_bind(search.like_pattern())
            .push(" ESCAPE '\\'");
    }
}
