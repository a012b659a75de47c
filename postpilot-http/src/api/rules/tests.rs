//! Each documented rule against the domain's own parser, by property tests.

use std::sync::{Mutex, PoisonError};

use postpilot_core::{BodyText, Comment, EmailAddress, FullName, InvalidField, Search, Subject};
use proptest::prelude::*;
use regex::Regex;

use super::input::{as_sent, parse_rfc3339, JsonId};
use super::patterns::{
    multi_line, multi_line_or_empty, one_line, search_or_blank, EMAIL, EMAIL_LOCAL_PART, EMAIL_MAX,
};

fn matches(pattern: &str, text: &str) -> bool {
    static COMPILED: Mutex<Vec<(String, Regex)>> = Mutex::new(Vec::new());
    let mut compiled = COMPILED.lock().unwrap_or_else(PoisonError::into_inner);
    let index = match compiled.iter().position(|(p, _)| p == pattern) {
        Some(index) => index,
        None => {
            let regex = Regex::new(pattern).expect("pattern");
            compiled.push((pattern.to_owned(), regex));
            compiled.len() - 1
        }
    };
    compiled[index].1.is_match(text)
}

/// What the document says of a text field: its pattern and its length.
fn documented(pattern: &str, max: usize, text: &str) -> bool {
    matches(pattern, text) && text.chars().count() <= max
}

/// What the API does with it: the domain's parser, and the length as sent.
fn accepted<T>(parse: fn(&str) -> Result<T, InvalidField>, max: usize, text: &str) -> bool {
    parse(text).is_ok() && as_sent("field", text, max).is_ok()
}

fn documented_email(text: &str) -> bool {
    matches(EMAIL, text) && matches(EMAIL_LOCAL_PART, text) && text.len() <= EMAIL_MAX
}

/// Characters on either side of every rule: white space that is trimmed
/// and white space that is a control, the separators and bidi controls,
/// zero-width characters that are neither, letters of other scripts.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(vec![
            'a', 'Z', '0', ' ', '.', '@', '-', '+', '"', 'Я', '😀', '\t', '\n', '\r',
            '\u{0}', '\u{7}', '\u{b}', '\u{c}', '\u{1b}', '\u{1f}', '\u{7f}', '\u{85}',
            '\u{9f}', '\u{a0}', '\u{1680}', '\u{180e}', '\u{2000}', '\u{200a}',
            '\u{200b}', '\u{2028}', '\u{2029}', '\u{202a}', '\u{202e}', '\u{202f}',
            '\u{205f}', '\u{2066}', '\u{2069}', '\u{206a}', '\u{3000}', '\u{feff}',
        ]),
        1 => any::<char>(),
    ]
}

fn tricky_text(max: usize) -> impl Strategy<Value = String> {
    let run = (
        tricky_char(),
        prop_oneof![9 => Just(1usize), 1 => 1..max + 2],
    );
    prop::collection::vec(run, 0..8).prop_map(move |runs| {
        runs.into_iter()
            .flat_map(|(c, n)| std::iter::repeat_n(c, n))
            .collect()
    })
}

/// Addresses near every limit: 64 before `@`, 63 per label, 254 in all.
fn tricky_email() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("a".to_owned()),
        Just("Z9".to_owned()),
        Just(".".to_owned()),
        Just("@".to_owned()),
        Just("-".to_owned()),
        Just("!#$%&'*+/=?^_`{|}~".to_owned()),
        Just("\"".to_owned()),
        Just(" ".to_owned()),
        Just("é".to_owned()),
        Just("\n".to_owned()),
        Just("[1]".to_owned()),
        (1usize..70).prop_map(|n| "l".repeat(n)),
        (55usize..70).prop_map(|n| "d".repeat(n)),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

#[test]
fn email_limits_are_documented_to_the_character() {
    let label = "d".repeat(63);
    let long_domain = [label.as_str(); 3].join(".");
    for (text, ok) in [
        (format!("{}@example.com", "l".repeat(64)), true),
        (format!("{}@example.com", "l".repeat(65)), false),
        (format!("a@{label}.com"), true),
        (format!("a@{label}d.com"), false),
        (
            format!("{}@{long_domain}.{}", "l".repeat(31), "d".repeat(31)),
            false,
        ),
        (
            format!("{}@{long_domain}.{}", "l".repeat(30), "d".repeat(31)),
            true,
        ),
        ("a@localhost".to_owned(), true),
        ("a.b@c-d.e".to_owned(), true),
        ("a.@b".to_owned(), false),
        ("a@-b".to_owned(), false),
        ("a@b.".to_owned(), false),
    ] {
        assert_eq!(EmailAddress::parse(&text).is_ok(), ok, "{text}");
        assert_eq!(documented_email(&text), ok, "{text}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn the_documented_email_rule_is_the_domains(text in tricky_email()) {
        prop_assert_eq!(documented_email(&text), EmailAddress::parse(&text).is_ok(), "{:?}", text);
    }

    #[test]
    fn the_documented_one_line_rule_is_the_domains(text in tricky_text(100)) {
        prop_assert_eq!(
            documented(&one_line(), 100, &text),
            accepted(FullName::parse, 100, &text),
            "full_name {:?}", text
        );
        prop_assert_eq!(
            documented(&one_line(), 100, &text),
            accepted(Subject::parse, 100, &text),
            "subject {:?}", text
        );
        prop_assert_eq!(
            documented(&one_line(), Search::MAX_CHARS, &text),
            accepted(Search::parse, Search::MAX_CHARS, &text),
            "search {:?}", text
        );
        prop_assert_eq!(
            documented(&search_or_blank(), Search::MAX_CHARS, &text),
            as_sent("search", &text, Search::MAX_CHARS).is_ok()
                && Search::optional(Some(&text)).is_ok(),
            "search in a query {:?}", text
        );
    }

    #[test]
    fn the_documented_multi_line_rules_are_the_domains(text in tricky_text(100)) {
        prop_assert_eq!(
            documented(&multi_line(), BodyText::MAX_CHARS, &text),
            accepted(BodyText::parse, BodyText::MAX_CHARS, &text),
            "body_text {:?}", text
        );
        prop_assert_eq!(
            documented(&multi_line_or_empty(), Comment::MAX_CHARS, &text),
            accepted(Comment::parse, Comment::MAX_CHARS, &text),
            "comment {:?}", text
        );
    }
}

#[test]
fn ids_are_integral_numbers_in_any_exact_spelling() {
    let id = |json: &str| serde_json::from_str::<JsonId>(json).map(|id| id.0);
    for (json, value) in [
        ("7", 7),
        ("7.0", 7),
        ("7e0", 7),
        ("0.7e1", 7),
        ("-1", -1),
        ("9223372036854775807", i64::MAX),
        ("-9223372036854775808", i64::MIN),
        ("4294967295.0", 4_294_967_295),
        ("-4294967295e0", -4_294_967_295),
    ] {
        assert_eq!(id(json).expect(json), value, "{json}");
    }
    for json in [
        "7.5",
        "9223372036854775808",
        "99999999999999999999",
        "9007199254740993.0",
        "9007199254740991.0",
        "4294967296.0",
        "1e300",
        "\"7\"",
        "true",
        "null",
        "[7]",
    ] {
        assert!(id(json).is_err(), "{json}");
    }
}

#[test]
fn times_are_taken_only_as_rfc_3339_spells_them() {
    for good in [
        "2026-12-01T09:00:00+03:00",
        "2026-12-01t09:00:00z",
        "2026-12-01T09:00:00.123456789Z",
        "2026-12-01T09:00:00-00:30",
        "0001-01-01T00:00:00Z",
    ] {
        assert!(parse_rfc3339(good).is_ok(), "{good}");
    }
    for bad in [
        "2026-12-01 09:00:00+03:00",
        "2026-12-01T09:00:00+0300",
        "2026-12-01T09:00:00\u{2212}03:00",
        "2026-12-01T09:00+03:00",
        "2026-12-01T09:00:00",
        "2026-12-01T09:00:00.Z",
        "2026-12-01T09:00:00+03:00 ",
        "2026-12-01T09:00:00+24:00",
        "2026-02-30T09:00:00Z",
        "2016-12-31T23:59:60Z",
        "+2026-12-01T09:00:00Z",
        "2026-12-01T09:00:00ZZ",
        "",
    ] {
        let err = parse_rfc3339(bad).expect_err(bad);
        assert!(err.contains("RFC 3339"), "{bad}: {err}");
    }
}
