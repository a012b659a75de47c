//! The domain's input rules as JSON Schema, one function per field (each
//! named in a `#[schema(schema_with = …)]`).

use postpilot_core::{
    BodyHtml, BodyText, Comment, FullName, ListName, Password, Role, Search, Subject, TokenName,
};
use utoipa::openapi::schema::{
    AllOfBuilder, ArrayBuilder, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{KnownFormat, RefOr};

use super::patterns::{
    any_on_one_line, multi_line, multi_line_or_empty, one_line, EMAIL, EMAIL_LOCAL_PART, EMAIL_MAX,
};

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

/// An API token's name: one line.
pub(crate) fn token_name() -> RefOr<Schema> {
    let what = "The token's name, to tell a user's tokens apart: one line, no control characters";
    text(false, 1, TokenName::MAX_CHARS, one_line(), what)
}

/// A new password: taken exactly as sent (nothing trimmed).
pub(crate) fn password() -> RefOr<Schema> {
    string(false)
        .min_length(Some(Password::MIN_CHARS))
        .max_length(Some(Password::MAX_CHARS))
        .pattern(Some(any_on_one_line()))
        .description(Some(format!(
            "{} to {} characters, taken exactly as sent; no control characters, \
             line separators or bidi controls. Hashed with Argon2id; never shown again",
            Password::MIN_CHARS,
            Password::MAX_CHARS
        )))
        .into()
}

/// A role: `user`, `manager` or `admin`.
pub(crate) fn role() -> RefOr<Schema> {
    string(false)
        .enum_values(Some(Role::ALL.map(Role::code)))
        .description(Some(
            "user: sees and changes only their own; manager: sees everyone's, blocks users; \
             admin: everything",
        ))
        .into()
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

/// `all`: `true`, the only value it takes.
pub(crate) fn all_true() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::new(Type::Boolean))
        .enum_values(Some([true]))
        .description(Some("Every recipient there is: `true`"))
        .into()
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
