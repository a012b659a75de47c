//! Where the API reads stricter than serde would: a field left out but not
//! null, ids in any integral spelling, lengths as sent, RFC 3339 to the letter.

use chrono::{DateTime, Utc};
use postpilot_core::{InvalidField, Problem};
use serde::{Deserialize, Deserializer};

/// `deserialize_with` for a field that may be left out but not null.
pub(crate) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
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
pub(super) fn parse_rfc3339(text: &str) -> Result<DateTime<Utc>, String> {
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
