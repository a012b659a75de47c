//! What every backend's lists share and needs no SQL of its own: the
//! direction of an order, the `ORDER BY` of a page (ties broken by id), a
//! mailing number in a search, and which run counter totals a mailing's
//! attempts. Each backend writes its listing statements in its own files
//! (ARCHITECTURE.md, "Store").

use postpilot_core::domain::{AttemptStatus, Direction, Search};

/// `ASC` or `DESC`.
pub(crate) fn way(direction: Direction) -> &'static str {
    match direction {
        Direction::Ascending => "ASC",
        Direction::Descending => "DESC",
    }
}

/// `ORDER BY` text: `column` one way, then id (`id`) the same way. Every
/// order a page offers is served by an index (migration
/// `20260610000000_listing`).
pub(crate) fn order_by(column: Option<&str>, id: &str, direction: Direction) -> String {
    let way = way(direction);
    match column {
        Some(column) => format!(" ORDER BY {column} {way}, {id} {way}"),
        None => format!(" ORDER BY {id} {way}"),
    }
}

/// A mailing number in a search (`12`, `№12`), to find that mailing too;
/// 0, which no mailing has, when the search is no number.
pub(crate) fn mailing_number(search: &Search) -> i64 {
    search
        .as_str()
        .trim_start_matches('№')
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .unwrap_or(0)
}

/// The sum of run counters that totals a mailing's attempts of `status`
/// (any status for `None`): the runs count every attempt recorded, so a
/// total never counts a million rows.
pub(crate) fn attempt_counter(status: Option<AttemptStatus>) -> &'static str {
    match status {
        None => "attempts_success + attempts_failure",
        Some(AttemptStatus::Success) => "attempts_success",
        Some(AttemptStatus::Failure) => "attempts_failure",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_are_broken_by_id_the_same_way() {
        assert_eq!(
            order_by(Some("g.subject"), "g.id", Direction::Descending),
            " ORDER BY g.subject DESC, g.id DESC"
        );
        assert_eq!(
            order_by(None, "r.id", Direction::Ascending),
            " ORDER BY r.id ASC"
        );
    }

    #[test]
    fn a_mailing_number_is_read_with_or_without_its_sign() {
        let search = |text: &str| Search::parse(text).expect("valid search");
        assert_eq!(mailing_number(&search("№12")), 12);
        assert_eq!(mailing_number(&search("12")), 12);
        assert_eq!(mailing_number(&search("news")), 0);
    }
}
