//! A recipient's JSON: what the API answers and what it takes.

use postpilot_core::{
    Comment, EmailAddress, FullName, InvalidField, NewRecipient, Recipient, RecipientPatch,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::rules::{self, as_sent};

/// Получатель рассылки.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientJson {
    pub id: i64,
    #[schema(example = "ivan@example.com")]
    pub email: String,
    /// Ф. И. О., 1..=100 characters.
    #[schema(example = "Иван Петров")]
    pub full_name: String,
    pub comment: String,
}

impl From<Recipient> for RecipientJson {
    fn from(r: Recipient) -> Self {
        Self {
            id: r.id.get(),
            email: r.email.to_string(),
            full_name: r.full_name.into_string(),
            comment: r.comment.into_string(),
        }
    }
}

/// A new recipient.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecipientJson {
    #[schema(schema_with = rules::email)]
    pub email: String,
    #[schema(schema_with = rules::full_name)]
    pub full_name: String,
    #[serde(default)]
    #[schema(schema_with = rules::comment_or_null)]
    pub comment: Option<String>,
}

fn full_name(text: &str) -> Result<FullName, InvalidField> {
    FullName::parse(as_sent("full_name", text, FullName::MAX_CHARS)?)
}

fn comment(text: &str) -> Result<Comment, InvalidField> {
    Comment::parse(as_sent("comment", text, Comment::MAX_CHARS)?)
}
impl NewRecipientJson {
    pub fn validate(self) -> Result<NewRecipient, InvalidField> {
        Ok(NewRecipient {
            email: EmailAddress::parse(&self.email)?,
            full_name: full_name(&self.full_name)?,
            comment: self
                .comment
                .as_deref()
                .map(comment)
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

/// Fields to change; those left out (or null) keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecipientPatchJson {
    #[schema(schema_with = rules::email_or_null)]
    pub email: Option<String>,
    #[schema(schema_with = rules::full_name_or_null)]
    pub full_name: Option<String>,
    #[schema(schema_with = rules::comment_or_null)]
    pub comment: Option<String>,
}

impl RecipientPatchJson {
    pub fn validate(self) -> Result<RecipientPatch, InvalidField> {
        Ok(RecipientPatch {
            email: self.email.as_deref().map(EmailAddress::parse).transpose()?,
            full_name: self.full_name.as_deref().map(full_name).transpose()?,
            comment: self.comment.as_deref().map(comment).transpose()?,
        })
    }
}
