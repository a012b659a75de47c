//! Property tests of the domain parsers and the status rules: arbitrary
//! input never panics, and whatever is accepted keeps the promises the rest
//! of postpilot relies on (no header injection, bounded lengths, stable
//! round trips).

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use postpilot_core::{
    is_hidden, visible, visible_lines, BodyText, Comment, EmailAddress, FullName, MailingStatus,
    RecipientId, RecipientIds, Subject, Window,
};
use proptest::prelude::*;

fn any_time() -> impl Strategy<Value = DateTime<Utc>> {
    // 1970..2100, to the microsecond.
    (0i64..4_102_444_800_000_000)
        .prop_map(|us| Utc.timestamp_micros(us).single().expect("in range"))
}

/// Any time chrono can hold (years -262143..=262143), and often one near
/// the edges of four-digit years.
fn any_chrono_time() -> impl Strategy<Value = DateTime<Utc>> {
    let edge = |s: &str| s.parse::<DateTime<Utc>>().expect("time");
    let (first, last) = (
        edge("0001-01-01T00:00:00Z"),
        edge("9999-12-31T23:59:59.999999Z"),
    );
    prop_oneof![
        (DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp())
            .prop_map(|s| Utc.timestamp_opt(s, 0).single().expect("in range")),
        (-2i64..=2).prop_map(move |us| first + Duration::microseconds(us)),
        (-2i64..=2).prop_map(move |us| last + Duration::microseconds(us)),
        any_time(),
    ]
}

/// Strings that look like addresses often enough to reach the deep rules.
fn email_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9.+_'-]{0,70}@[a-zA-Z0-9.-]{0,70}",
        "[ -~]{0,20}@[ -~]{0,20}",
        "[a-z]{1,10}(\\.[a-z]{1,10}){0,3}@[a-z0-9-]{1,20}(\\.[a-z]{2,5}){0,2}",
    ]
}

proptest! {
    #[test]
    fn accepted_emails_are_safe_envelope_and_header_values(input in email_like()) {
        if let Ok(email) = EmailAddress::parse(&input) {
            let s = email.as_str();
            prop_assert_eq!(s, input.as_str(), "accepted values are kept as given");
            prop_assert!(s.len() <= 254);
            prop_assert!(s.is_ascii());
            prop_assert!(!s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>'));
            let (local, domain) = s.rsplit_once('@').expect("has @");
            prop_assert!(!local.is_empty() && local.len() <= 64);
            prop_assert!(!domain.is_empty() && !domain.contains('@'));
            prop_assert!(!s.contains(".."));
            prop_assert_eq!(EmailAddress::parse(s).expect("reparse"), email.clone());
            prop_assert_eq!(email.key(), s.to_ascii_lowercase());
        }
    }

    #[test]
    fn refused_emails_always_name_the_email_field(input in any::<String>()) {
        if let Err(e) = EmailAddress::parse(&input) {
            prop_assert_eq!(e.field, "email");
            prop_assert!(e.to_string().starts_with("email: "));
        }
    }

    #[test]
    fn single_line_fields_never_accept_line_breaks_or_controls(input in any::<String>()) {
        for (accepted, max) in [
            (FullName::parse(&input).map(FullName::into_string), FullName::MAX_CHARS),
            (Subject::parse(&input).map(Subject::into_string), Subject::MAX_CHARS),
        ] {
            if let Ok(value) = accepted {
                prop_assert!(!value.chars().any(char::is_control));
                let separators = ['\u{2028}', '\u{2029}'];
                prop_assert!(!value.contains(separators), "line separators refused");
                prop_assert!(!value.is_empty() && value.chars().count() <= max);
                prop_assert_eq!(value.trim(), value.as_str());
            }
        }
    }

    #[test]
    fn text_fields_round_trip_what_they_accept(input in any::<String>()) {
        if let Ok(name) = FullName::parse(&input) {
            prop_assert_eq!(FullName::parse(name.as_str()).expect("reparse"), name);
        }
        if let Ok(body) = BodyText::parse(&input) {
            prop_assert!(!body.as_str().trim().is_empty());
            prop_assert!(!body.as_str().chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')));
        }
        if let Ok(comment) = Comment::parse(&input) {
            prop_assert!(comment.as_str().chars().count() <= Comment::MAX_CHARS);
        }
    }

    #[test]
    fn any_text_made_visible_holds_no_hidden_character_and_stays_as_it_is_when_made_visible_again(
        input in prop_oneof![any::<String>(), "[\\x00-\\x1f\\x7f-\\u{9f}\\u{2028}-\\u{202e}\\\\a-z{}]{0,40}"],
    ) {
        let once = visible(&input);
        prop_assert!(!once.chars().any(is_hidden), "{:?}", once);
        prop_assert_eq!(visible(&once), once.clone());
        // Nothing shown is lost: the input's printable characters are all
        // there, in order.
        let mut shown = once.chars();
        prop_assert!(input.chars().filter(|&c| !is_hidden(c)).all(|c| shown.any(|o| o == c)));
        let lines = visible_lines(&input);
        prop_assert!(!lines.chars().any(|c| is_hidden(c) && !matches!(c, '\n' | '\t' | '\r')));
        prop_assert_eq!(visible_lines(&lines), lines.clone());
    }

    #[test]
    fn status_is_completed_exactly_from_the_end_time_on(
        now in any_time(), end in any_time(), launched in any::<bool>()
    ) {
        let status = MailingStatus::at(now, end, launched);
        prop_assert_eq!(status == MailingStatus::Completed, now >= end);
        if now < end {
            prop_assert_eq!(status == MailingStatus::Running, launched);
        }
    }

    #[test]
    fn status_boundaries_hold_to_the_microsecond(end in any_time(), launched in any::<bool>()) {
        let before = end - Duration::microseconds(1);
        prop_assert_ne!(MailingStatus::at(before, end, launched), MailingStatus::Completed);
        prop_assert_eq!(MailingStatus::at(end, end, launched), MailingStatus::Completed);
    }

    #[test]
    fn window_exists_exactly_when_the_end_is_after_the_start(start in any_time(), end in any_time()) {
        prop_assert_eq!(Window::new(start, end).is_ok(), end > start);
    }

    #[test]
    fn window_times_are_accepted_exactly_within_four_digit_years(
        start in any_chrono_time(), end in any_chrono_time()
    ) {
        let in_range = |t: DateTime<Utc>| (1..=9999).contains(&t.year());
        match Window::new(start, end) {
            Ok(_) => prop_assert!(in_range(start) && in_range(end) && end > start),
            Err(e) if !in_range(start) => prop_assert_eq!(e.field, "first_sent_at"),
            Err(e) => {
                prop_assert_eq!(e.field, "sent_completed_at");
                prop_assert!(!in_range(end) || end <= start);
            }
        }
    }

    #[test]
    fn recipient_ids_are_accepted_exactly_when_no_id_repeats(ids in proptest::collection::vec(0i64..20, 0..12)) {
        let unique: std::collections::HashSet<_> = ids.iter().collect();
        let result = RecipientIds::new(ids.iter().copied().map(RecipientId).collect());
        prop_assert_eq!(result.is_ok(), unique.len() == ids.len());
    }
}
