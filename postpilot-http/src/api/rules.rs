//! The domain's input rules (postpilot-core's `EmailAddress`, `FullName`,
//! `Subject`, `Comment`, `BodyText`, ids and times) as JSON Schema, for the
//! OpenAPI document, and the two places where the API is stricter than the
//! domain so that the document can state the rule exactly: lengths count
//! the characters as sent, and times are RFC 3339 to the letter.
//!
//! The patterns are written in the common subset of ECMA-262 (what JSON
//! Schema specifies), Python's `re` (Schemathesis) and Rust's `regex` (the
//! tests, which check each pattern against the domain's parser).

use chrono::{DateTime, Utc};
use postpilot_core::{
    BodyHtml, BodyText, Comment, FullName, InvalidField, ListName, Problem, Search, Subject,
};
use serde::{Deserialize, Deserializer};
use utoipa::openapi::schema::{
    AllOfBuilder, ArrayBuilder, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{KnownFormat, RefOr};

/// A character allowed on one line: anything but control characters
/// (U+0000–U+001F, U+007F–U+009F), the Unicode line and paragraph
/// separators and the bidi controls (U+2028–U+202E, U+2066–U+2069).
const ONE_LINE_CHAR: &str = r"[^\u0000-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]";
/// As [`ONE_LINE_CHAR`], and also tab, line feed and carriage return.
const MULTI_LINE_CHAR: &str =
    r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]";
/// An allowed character that is not white space (Unicode `White_Space`,
/// what the domain trims): a text of only white space is empty.
const VISIBLE_CHAR: &str =
    r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028-\u202F\u205F\u2066-\u2069\u3000]";

/// `full_name`, `subject`: one line with something visible on it.
pub(crate) fn one_line() -> String {
    format!("^{ONE_LINE_CHAR}*{VISIBLE_CHAR}{ONE_LINE_CHAR}*$")
}

/// `body_text`: lines with something visible on them.
pub(crate) fn multi_line() -> String {
    format!("^{MULTI_LINE_CHAR}*{VISIBLE_CHAR}{MULTI_LINE_CHAR}*$")
}

/// `comment`: lines, possibly empty.
pub(crate) fn multi_line_or_empty() -> String {
    format!("^{MULTI_LINE_CHAR}*$")
}

/// An address as `EmailAddress` takes it: a dot-atom local part, `@`, and
/// labels of letters, digits and inner hyphens (at most 63 each) joined by
/// dots. With [`EMAIL_LOCAL_PART`] and [`EMAIL_MAX`], exactly the rule.
pub(crate) const EMAIL: &str = concat!(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*",
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?",
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
);
/// The local part is at most 64 characters.
pub(crate) const EMAIL_LOCAL_PART: &str = "^[^@]{1,64}@";
/// The whole address is at most 254 characters.
pub(crate) const EMAIL_MAX: usize = 254;

fn string(nullable: bool) -> ObjectBuilder {
    let types = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::new(Type::String)
    };
    ObjectBuilder::new().schema_type(types)
}

/// What the domain trims of a text before storing it.
const TRIMS_BOTH: &str = "Surrounding white space is trimmed before the text is stored.";
const TRIMS_END: &str =
    "White space at its end is trimmed before the text is stored; leading indentation is kept.";

fn text(nullable: bool, min: usize, max: usize, pattern: String, what: &str) -> RefOr<Schema> {
    text_trimmed(nullable, min, max, pattern, what, TRIMS_BOTH)
}

fn text_trimmed(
    nullable: bool,
    min: usize,
    max: usize,
    pattern: String,
    what: &str,
    trims: &str,
) -> RefOr<Schema> {
    let description = format!("{what}, {min} to {max} characters as sent. {trims}");
    let mut schema = string(nullable)
        .max_length(Some(max))
        .pattern(Some(pattern))
        .description(Some(description));
    if min > 0 {
        schema = schema.min_length(Some(min));
    }
    schema.into()
}

fn full_name_schema(nullable: bool) -> RefOr<Schema> {
    let what = "Ф. И. О.: one line, no control characters";
    text(nullable, 1, FullName::MAX_CHARS, one_line(), what)
}

/// A list's name: one line, unique.
pub(crate) fn list_name() -> RefOr<Schema> {
    let what = "Название списка: one line, no control characters; unique";
    text(false, 1, ListName::MAX_CHARS, one_line(), what)
}

fn subject_schema(nullable: bool) -> RefOr<Schema> {
    let what = "Тема письма: one line, no control characters";
    text(nullable, 1, Subject::MAX_CHARS, one_line(), what)
}

fn body_text_schema(nullable: bool) -> RefOr<Schema> {
    let what = "Тело письма: line breaks and tabs allowed, no other control characters";
    text_trimmed(
        nullable,
        1,
        BodyText::MAX_CHARS,
        multi_line(),
        what,
        TRIMS_END,
    )
}

fn email_schema(nullable: bool) -> RefOr<Schema> {
    let whole = string(nullable)
        .max_length(Some(EMAIL_MAX))
        .pattern(Some(EMAIL))
        .examples(["ivan@example.com"]);
    AllOfBuilder::new()
        .item(whole)
        .item(
            ObjectBuilder::new()
                .schema_type(SchemaType::AnyValue)
                .pattern(Some(EMAIL_LOCAL_PART)),
        )
        .description(Some(
            "Plain ASCII `local@domain`, at most 254 characters: a dot-atom local part \
             of at most 64, labels of letters, digits and inner hyphens (at most 63 each). \
             Taken exactly as given; unique whatever its letter case.",
        ))
        .into()
}

pub(crate) fn email() -> RefOr<Schema> {
    email_schema(false)
}
pub(crate) fn email_or_null() -> RefOr<Schema> {
    email_schema(true)
}
pub(crate) fn full_name() -> RefOr<Schema> {
    full_name_schema(false)
}
pub(crate) fn full_name_or_null() -> RefOr<Schema> {
    full_name_schema(true)
}
pub(crate) fn subject() -> RefOr<Schema> {
    subject_schema(false)
}
pub(crate) fn subject_or_null() -> RefOr<Schema> {
    subject_schema(true)
}
/// `body_html`: the HTML version; empty, blank, null or left out for none
/// (in an edit, null or left out keeps it and empty removes it).
pub(crate) fn body_html_or_null() -> RefOr<Schema> {
    let what = "HTML-версия: sent beside the text as multipart/alternative; line breaks and \
                tabs allowed, no other control characters; a template like the text, its \
                values HTML-escaped. Empty or blank: none";
    text_trimmed(
        true,
        0,
        BodyHtml::MAX_CHARS,
        multi_line_or_empty(),
        what,
        TRIMS_END,
    )
}

pub(crate) fn body_text() -> RefOr<Schema> {
    body_text_schema(false)
}
pub(crate) fn body_text_or_null() -> RefOr<Schema> {
    body_text_schema(true)
}

/// `comment` may be left out or null (kept as it is, empty for a new one).
pub(crate) fn comment_or_null() -> RefOr<Schema> {
    let what = "Комментарий: line breaks and tabs allowed, no other control characters; \
                null or left out keeps it";
    text(true, 0, Comment::MAX_CHARS, multi_line_or_empty(), what)
}

/// An id in a body: a message or recipient that exists.
fn id_schema(nullable: bool) -> ObjectBuilder {
    let types = if nullable {
        SchemaType::from_iter([Type::Integer, Type::Null])
    } else {
        SchemaType::new(Type::Integer)
    };
    ObjectBuilder::new()
        .schema_type(types)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .minimum(Some(1))
        // Every id the document promises is taken in any spelling (see
        // `JsonId`: `7.0` only below 2^32); larger ones are taken only as
        // plain integers, and no database here gets near them.
        .maximum(Some(ID_MAX))
}

/// The largest id the document states: 2^32 - 1.
const ID_MAX: i64 = 4_294_967_295;

pub(crate) fn message_id() -> RefOr<Schema> {
    id_schema(false)
        .description(Some(
            "The message to send; it must exist. An integer (`7`; with a fraction or \
             an exponent, `7.0`, only below 4294967296).",
        ))
        .into()
}
pub(crate) fn message_id_or_null() -> RefOr<Schema> {
    id_schema(true)
        .description(Some(
            "The message to send; it must exist. An integer (`7`; with a fraction or \
             an exponent, `7.0`, only below 4294967296).",
        ))
        .into()
}

/// `recipient_id`: a recipient that exists.
pub(crate) fn recipient_id() -> RefOr<Schema> {
    id_schema(false)
        .description(Some(
            "A recipient; it must exist. An integer (`7`; with a fraction or an \
             exponent, `7.0`, only below 4294967296).",
        ))
        .into()
}

/// `list_id`: a list that exists.
pub(crate) fn list_id() -> RefOr<Schema> {
    id_schema(false)
        .description(Some(
            "A list (Список); it must exist. An integer (`7`; with a fraction or an \
             exponent, `7.0`, only below 4294967296).",
        ))
        .into()
}

fn recipient_ids_schema(nullable: bool) -> RefOr<Schema> {
    let mut array = ArrayBuilder::new()
        .items(id_schema(false))
        .unique_items(true)
        .description(Some(
            "The recipients, each at most once; every one must exist. Integers (`7`; \
             with a fraction or an exponent, `7.0`, only below 4294967296).",
        ));
    if nullable {
        array = array.schema_type(SchemaType::from_iter([Type::Array, Type::Null]));
    }
    array.into()
}
pub(crate) fn recipient_ids() -> RefOr<Schema> {
    recipient_ids_schema(false)
}
pub(crate) fn recipient_ids_or_null() -> RefOr<Schema> {
    recipient_ids_schema(true)
}

/// `search` in a body: one line with something visible on it.
pub(crate) fn search() -> RefOr<Schema> {
    let what = "A case-insensitive part of the email or the full name (Latin and Cyrillic \
                letters in any case): one line, no control characters";
    text(false, 1, Search::MAX_CHARS, one_line(), what)
}

/// `search` in a query: as in a body, and empty or blank means no search.
pub(crate) fn search_or_blank() -> String {
    format!("^{ONE_LINE_CHAR}*$")
}

/// `all`: `true`, the only value it takes.
pub(crate) fn all_true() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::Boolean))
        .enum_values(Some([true]))
        .description(Some("Every recipient there is: `true`"))
        .into()
}

/// `deserialize_with` for a field that may be left out but not null.
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

fn time_schema(nullable: bool) -> RefOr<Schema> {
    let mut schema = ObjectBuilder::new()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        .description(Some(
            "RFC 3339 with an offset (`2026-12-01T09:00:00+03:00`, `…Z`), in the years \
             0001–9999 (in UTC); no leap seconds.",
        ))
        .examples(["2026-12-01T09:00:00+03:00"]);
    schema = if nullable {
        schema.schema_type(SchemaType::from_iter([Type::String, Type::Null]))
    } else {
        schema.schema_type(SchemaType::new(Type::String))
    };
    schema.into()
}
pub(crate) fn time() -> RefOr<Schema> {
    time_schema(false)
}
pub(crate) fn time_or_null() -> RefOr<Schema> {
    time_schema(true)
}

/// An id in a body. JSON has one kind of number and JSON Schema counts
/// `7.0` and `7e0` as the integer 7, so an integral number is taken in any
/// spelling, as long as it names one id for sure. A number with a fraction
/// or an exponent reaches us as an `f64`, which from 2^53 on has no value
/// for every integer (`9007199254740993.0` would become …992), and which
/// serde_json's parser may round one step off for long spellings (it reads
/// `9007199254740991.0` as …990): such ids are taken only below 2^32, where
/// a step is a fraction, so an error shows as one and is refused. Anything
/// else is refused naming the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JsonId(pub i64);

impl<'de> Deserialize<'de> for JsonId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonIdVisitor)
    }
}

struct JsonIdVisitor;

/// 2^32: below it an `f64` steps by 2^-21 at most.
const SAFE_IN_F64: f64 = 4_294_967_296.0;

impl serde::de::Visitor<'_> for JsonIdVisitor {
    type Value = JsonId;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(
            "an integer from -9223372036854775808 to 9223372036854775807 \
             (written with a fraction or an exponent, below 4294967296 either way)",
        )
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<JsonId, E> {
        Ok(JsonId(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<JsonId, E> {
        i64::try_from(v)
            .map(JsonId)
            .map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<JsonId, E> {
        if v.fract() == 0.0 && v.abs() < SAFE_IN_F64 {
            // Exact: |v| < 2^32 and integral.
            #[allow(clippy::cast_possible_truncation)]
            return Ok(JsonId(v as i64));
        }
        Err(E::invalid_value(serde::de::Unexpected::Float(v), &self))
    }
}

/// The API counts a text's length as sent, surrounding white space
/// included (the domain counts after trimming), so that `maxLength` in the
/// document is the whole rule.
pub(crate) fn as_sent<'a>(
    field: &'static str,
    value: &'a str,
    max: usize,
) -> Result<&'a str, InvalidField> {
    let len = value.chars().count();
    if len > max {
        return Err(InvalidField::new(field, Problem::TooLong { max, len }));
    }
    Ok(value)
}

/// A time as RFC 3339 spells it and nothing looser: `T` (or `t`) between
/// date and time, seconds, an optional fraction, and `Z` (or `z`) or
/// `±HH:MM`. chrono alone would also take a space, an offset without its
/// colon and a Unicode minus sign. Leap seconds are refused.
fn parse_rfc3339(text: &str) -> Result<DateTime<Utc>, String> {
    const EXPECTED: &str =
        "must be an RFC 3339 date and time with an offset, like 2026-12-01T09:00:00+03:00";
    let b = text.as_bytes();
    let digits = |at: usize, n: usize| {
        b.get(at..at + n)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    let mut shaped = digits(0, 4)
        && at(4, b"-")
        && digits(5, 2)
        && at(7, b"-")
        && digits(8, 2)
        && at(10, b"Tt")
        && digits(11, 2)
        && at(13, b":")
        && digits(14, 2)
        && at(16, b":")
        && digits(17, 2);
    let mut rest = 19;
    if shaped && at(19, b".") {
        let n = b[20..].iter().take_while(|c| c.is_ascii_digit()).count();
        shaped = n > 0;
        rest = 20 + n;
    }
    let offset = b.get(rest..).unwrap_or_default();
    shaped = shaped
        && (matches!(offset, [b'Z' | b'z'])
            || (offset.len() == 6
                && at(rest, b"+-")
                && digits(rest + 1, 2)
                && at(rest + 3, b":")
                && digits(rest + 4, 2)));
    if !shaped {
        return Err(EXPECTED.to_owned());
    }
    if &b[17..19] == b"60" {
        return Err(format!("{EXPECTED} (leap seconds are not accepted)"));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{EXPECTED} ({e})"))
}

/// `deserialize_with` for a required time.
pub(crate) fn rfc3339<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(d)?;
    parse_rfc3339(&text).map_err(serde::de::Error::custom)
}

/// `deserialize_with` for a time that may be null or left out.
pub(crate) fn rfc3339_or_null<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|text| parse_rfc3339(&text).map_err(serde::de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use std::sync::{Mutex, PoisonError};

    use postpilot_core::EmailAddress;
    use proptest::prelude::*;
    use regex::Regex;

    use super::*;

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
}
