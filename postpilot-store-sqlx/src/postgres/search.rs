//! Searching recipients and subjects on PostgreSQL: case folding as
//! `Search::fold` folds, and the trigram index on recipients
//! (ARCHITECTURE.md, "Store").

use postpilot_core::domain::{Search, FOLDED_CAPITALS};
use sqlx::{Postgres, QueryBuilder};

/// Recipients in the order of their emails, letter case aside, as the
/// unique index `recipient_email_key` holds them.
pub(super) const EMAIL_ORDER: &str = "lower(r.email)";

/// `column` with the case of Latin and Cyrillic capitals folded, and
/// nothing else: `translate`, not `lower`, which follows the database's
/// locale and would fold more than the search does.
pub(super) fn fold(column: &str) -> String {
    let capitals: String = ('A'..='Z')
        .chain(FOLDED_CAPITALS.iter().map(|(c, _)| *c))
        .collect();
    let smalls: String = ('a'..='z')
        .chain(FOLDED_CAPITALS.iter().map(|(_, s)| *s))
        .collect();
    format!("translate({column}, '{capitals}', '{smalls}')")
}

/// Appends whether the recipient `r` matches `search` in its stored search
/// key (migration `20260610000000_listing`): `LIKE` along the trigram
/// index on it (migration `20260620000000_search_index`).
pub(super) fn push_matching(sql: &mut QueryBuilder<'_, Postgres>, search: &Search) {
    sql.push("r.search_key LIKE ")
        .push_bind(search.like_pattern())
        .push(" ESCAPE '\\'");
}

/// Appends whether the subject `column` holds `search`, letter case aside.
pub(super) fn push_subject_matching(
    sql: &mut QueryBuilder<'_, Postgres>,
    column: &str,
    search: &Search,
) {
    sql.push(fold(column))
        .push(" LIKE ")
        .push_bind(search.like_pattern())
        .push(" ESCAPE '\\'");
}
