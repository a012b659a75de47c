//! The domain's input rules (postpilot-core's `EmailAddress`, `FullName`,
//! `Subject`, `Comment`, `BodyText`, ids and times) as JSON Schema, for the
//! OpenAPI document, and the two places where the API is stricter than the
//! domain so that the document can state the rule exactly: lengths count
//! the characters as sent, and times are RFC 3339 to the letter.
//!
//! The patterns are written in the common subset of ECMA-262 (what JSON
//! Schema specifies), Python's `re` (Schemathesis) and Rust's `regex` (the
//! tests, which check each pattern against the domain's parser).

mod input;
mod patterns;
mod schemas;

pub(crate) use input::{as_sent, present, rfc3339, rfc3339_or_null, JsonId};
pub(crate) use patterns::search_or_blank;
pub(crate) use schemas::{
    all_true, body_html_or_null, body_text, body_text_or_null, comment_or_null, email,
    email_or_null, full_name, full_name_or_null, list_id, list_name, message_id,
    message_id_or_null, password, recipient_id, recipient_ids, recipient_ids_or_null, role, search,
    subject, subject_or_null, time, time_or_null, token_name,
};

#[cfg(test)]
mod tests;
