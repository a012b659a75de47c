//! Extractors of the API whose every rejection is an [`ApiError`]: a JSON
//! body (400 malformed, 413 too large, 415 not JSON, 422 naming the field),
//! ids in the path (404) and `offset`/`limit` in the query (422), these
//! two in `query.rs`.

mod query;

pub(crate) use query::*;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::error::ApiError;

/// A JSON request body.
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::unsupported_media_type());
        }
        let body = read_body(request, state).await?;
        parse_json(&body).map(Self)
    }
}

/// An optional JSON request body: `None` when the body is empty (whatever
/// its content type) or the JSON `null` (what the OpenAPI document of an
/// optional body allows), otherwise as [`ApiJson`].
#[derive(Debug)]
pub(crate) struct OptionalApiJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let json = is_json(request.headers());
        let body = read_body(request, state).await?;
        if body.is_empty() {
            return Ok(Self(None));
        }
        if !json {
            return Err(ApiError::unsupported_media_type());
        }
        if body.trim_ascii() == b"null" {
            return Ok(Self(None));
        }
        parse_json(&body).map(|value| Self(Some(value)))
    }
}

async fn read_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::payload_too_large()
            } else {
                ApiError::bad_request("the request body could not be read")
            }
        })
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .is_some_and(|mime| {
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}

/// Parses `body` as a `T`: malformed JSON, or JSON that is not an object,
/// is 400; a value of the wrong type, a missing or an unknown field is 422
/// naming the field.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    require_object(body)?;
    let mut de = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = inner.to_string();
        match (inner.classify(), field_of(&path, &message)) {
            (Category::Data, Some(field)) => {
                let message = in_json_terms(strip_position(&message));
                ApiError::invalid(field.clone(), format!("{field}: {message}"))
            }
            (Category::Data, None) => ApiError::bad_request(format!(
                "the body must be a JSON object: {}",
                in_json_terms(&message)
            )),
            _ => ApiError::bad_request(format!("malformed JSON: {message}")),
        }
    })?;
    de.end()
        .map_err(|err| ApiError::bad_request(format!("malformed JSON: {err}")))?;
    Ok(value)
}

/// Refuses a body whose top level is not a JSON object, before serde sees
/// it: serde's derived `Deserialize` takes a struct from an array of its
/// fields in order as well as from an object, so `["subject", "body"]`
/// would otherwise pass for `{"subject": …, "body_text": …}`. Bytes that
/// start no JSON value at all are left to the parser, which says where.
fn require_object(body: &[u8]) -> Result<(), ApiError> {
    let first = body
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    let found = match first {
        Some(b'{') => return Ok(()),
        None => "an empty body",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b'-' | b'0'..=b'9') => "a number",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(_) => return Ok(()),
    };
    Err(ApiError::bad_request(format!(
        "the body must be a JSON object ({{\"field\": value, …}}), not {found}"
    )))
}

/// The top-level field an error is about: from its path
/// (`recipient_ids[2]` → `recipient_ids`), or from serde's message for a
/// missing, unknown or repeated field (`missing field `email``).
fn field_of(path: &str, message: &str) -> Option<String> {
    let top = path
        .split(['.', '['])
        .next()
        .filter(|s| !s.is_empty() && *s != "?");
    if let Some(top) = top {
        return Some(top.to_owned());
    }
    let quoted = ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))?;
    quoted.split('`').next().map(str::to_owned)
}

/// serde words its errors in its own data model and Rust's types
/// (`invalid type: sequence, expected i64`, `expected struct X`); a client
/// of a JSON API knows arrays, objects and numbers. Rewrites the value
/// found (after `invalid type: ` / `invalid value: `) and what was expected
/// (after the last `, expected `, so that quoted input before it is left
/// as sent).
fn in_json_terms(message: &str) -> String {
    let (found, expected) = match message.rfind(", expected ") {
        Some(at) => (&message[..at], Some(&message[at + ", expected ".len()..])),
        None => (message, None),
    };
    let mut out = String::with_capacity(message.len());
    let prefix = ["invalid type: ", "invalid value: "]
        .into_iter()
        .find(|p| found.starts_with(p));
    match prefix {
        Some(prefix) => {
            out.push_str(prefix);
            let value = &found[prefix.len()..];
            let words = [
                ("sequence", "array"),
                ("map", "object"),
                ("floating point", "number"),
                ("unit value", "null"),
                ("Option value", "a value or null"),
                ("newtype struct", "value"),
            ];
            match words.iter().find(|(w, _)| value.starts_with(w)) {
                Some((word, json)) => {
                    out.push_str(json);
                    out.push_str(&value[word.len()..]);
                }
                None => out.push_str(value),
            }
        }
        None => out.push_str(found),
    }
    if let Some(expected) = expected {
        out.push_str(", expected ");
        out.push_str(&expected_in_json_terms(expected));
    }
    out
}

/// What serde's visitors say they expected, in JSON's words.
fn expected_in_json_terms(expected: &str) -> String {
    let integer = |min: &str, max: &str| format!("an integer from {min} to {max}");
    match expected {
        "i64" => integer(&i64::MIN.to_string(), &i64::MAX.to_string()),
        "u64" => integer("0", &u64::MAX.to_string()),
        "i8" | "i16" | "i32" | "i128" | "isize" | "u8" | "u16" | "u32" | "u128" | "usize" => {
            "an integer".to_owned()
        }
        "f32" | "f64" => "a number".to_owned(),
        "a sequence" => "an array".to_owned(),
        "a map" => "a JSON object".to_owned(),
        "unit" => "null".to_owned(),
        other if other.starts_with("struct ") || other.starts_with("tuple") => {
            "a JSON object".to_owned()
        }
        other => other.to_owned(),
    }
}

/// serde_json appends " at line L column C" to data errors: noise in a 422.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        ids: Vec<i64>,
    }

    fn err(body: &str) -> (StatusCode,) {
        (parse_json::<Body>(body.as_bytes())
            .expect_err(body)
            .status(),)
    }

    #[test]
    fn malformed_json_is_400_and_wrong_fields_are_422() {
        assert_eq!(err("{").0, StatusCode::BAD_REQUEST);
        assert_eq!(err("[1]").0, StatusCode::BAD_REQUEST);
        assert_eq!(
            err(r#"{"email":"a@b","ids":[]} x"#).0,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            err(r#"{"email":5,"ids":[]}"#).0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    #[test]
    fn ids_have_one_spelling() {
        assert_eq!(parse_id("1"), Some(1));
        assert_eq!(parse_id("9223372036854775807"), Some(i64::MAX));
        for bad in [
            "",
            "0",
            "01",
            "+1",
            "-1",
            " 1",
            "1 ",
            "1.0",
            "1e3",
            "0x1",
            "9223372036854775808",
            "99999999999999999999",
            "١",
        ] {
            assert_eq!(parse_id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn serde_errors_are_told_in_json_terms() {
        for (serde, json) in [
            (
                "invalid type: sequence, expected a string",
                "invalid type: array, expected a string",
            ),
            (
                "invalid type: map, expected a sequence",
                "invalid type: object, expected an array",
            ),
            (
                "invalid type: floating point `1.5`, expected i64",
                "invalid type: number `1.5`, expected an integer from \
                 -9223372036854775808 to 9223372036854775807",
            ),
            (
                "invalid type: sequence, expected struct MessagePatchJson",
                "invalid type: array, expected a JSON object",
            ),
            (
                "invalid type: null, expected a map",
                "invalid type: null, expected a JSON object",
            ),
            (
                "invalid type: string \"map, expected i64\", expected i64",
                "invalid type: string \"map, expected i64\", expected an integer from \
                 -9223372036854775808 to 9223372036854775807",
            ),
            (
                "unknown field `x`, expected one of `email`, `full_name`",
                "unknown field `x`, expected one of `email`, `full_name`",
            ),
        ] {
            assert_eq!(in_json_terms(serde), json, "{serde}");
        }
    }

    #[test]
    fn the_field_at_fault_is_named() {
        assert_eq!(field_of("ids[1]", "invalid type"), Some("ids".into()));
        assert_eq!(
            field_of(".", "missing field `email` at line 1 column 2"),
            Some("email".into())
        );
        assert_eq!(
            field_of(".", "unknown field `mail`, expected one of `email`"),
            Some("mail".into())
        );
        assert_eq!(
            field_of(".", "duplicate field `email` at line 1 column 30"),
            Some("email".into())
        );
        assert_eq!(field_of(".", "invalid type: sequence"), None);
    }
}
