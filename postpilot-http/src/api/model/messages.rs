//! A message's JSON, its previews and test sends.

use chrono::{DateTime, Utc};
use postpilot_core::{
    BodyHtml, BodyText, InvalidField, Message, MessagePatch, NewMessage, Subject,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::rules::{self, as_sent, JsonId};

fn subject(text: &str) -> Result<Subject, InvalidField> {
    Subject::parse(as_sent("subject", text, Subject::MAX_CHARS)?)
}

fn body_text(text: &str) -> Result<BodyText, InvalidField> {
    BodyText::parse(as_sent("body_text", text, BodyText::MAX_CHARS)?)
}

/// `body_html` as sent: none when empty or blank.
fn body_html(text: &str) -> Result<Option<BodyHtml>, InvalidField> {
    let text = as_sent("body_html", text, BodyHtml::MAX_CHARS)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    BodyHtml::parse(text).map(Some)
}
/// Сообщение.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageJson {
    pub id: i64,
    /// Тема письма, 1..=100 characters on one line.
    #[schema(example = "Новости недели")]
    pub subject: String,
    /// Тело письма.
    pub body_text: String,
    /// The HTML version, sent beside the text; null when there is none.
    pub body_html: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Message> for MessageJson {
    fn from(m: Message) -> Self {
        Self {
            id: m.id.get(),
            subject: m.subject.into_string(),
            body_text: m.body_text.into_string(),
            body_html: m.body_html.map(BodyHtml::into_string),
            created_at: m.created_at,
        }
    }
}

/// A new message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessageJson {
    #[schema(schema_with = rules::subject)]
    pub subject: String,
    #[schema(schema_with = rules::body_text)]
    pub body_text: String,
    #[serde(default)]
    #[schema(schema_with = rules::body_html_or_null)]
    pub body_html: Option<String>,
}

impl NewMessageJson {
    pub fn validate(self) -> Result<NewMessage, InvalidField> {
        Ok(NewMessage {
            subject: subject(&self.subject)?,
            body_text: body_text(&self.body_text)?,
            body_html: self
                .body_html
                .as_deref()
                .map(body_html)
                .transpose()?
                .flatten(),
        })
    }
}

/// Whose fields fill the message's template in a preview.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequestJson {
    #[schema(schema_with = rules::recipient_id)]
    pub recipient_id: JsonId,
}

/// A test send: whose fields fill the template, and the one address it goes to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestSendJson {
    #[schema(schema_with = rules::recipient_id)]
    pub recipient_id: JsonId,
    #[schema(schema_with = rules::email)]
    pub to: String,
}

/// A message as one recipient would get it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewJson {
    /// Where it goes: the recipient's address, or a test's.
    pub to: String,
    pub to_name: String,
    /// The subject and body with the recipient's fields filled in.
    pub subject: String,
    pub body_text: String,
    /// The HTML version with the fields filled in (HTML-escaped); null when
    /// the message has none.
    pub body_html: Option<String>,
    /// The whole email as the mailer would send it: headers, an empty line
    /// and the encoded body, lines ending in CRLF.
    pub raw: String,
}

impl From<postpilot_core::usecases::Letter> for PreviewJson {
    fn from(letter: postpilot_core::usecases::Letter) -> Self {
        Self {
            to: letter.to.to_string(),
            to_name: letter.to_name.to_string(),
            subject: letter.content.subject.to_string(),
            body_text: letter.content.body_text.to_string(),
            body_html: letter.content.body_html.as_ref().map(ToString::to_string),
            raw: String::from_utf8_lossy(&letter.raw).into_owned(),
        }
    }
}

/// A test email the mail server (or outbox) took.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestSentJson {
    #[serde(flatten)]
    pub email: PreviewJson,
    /// The server's reply.
    pub reply: String,
}

/// Fields to change; those left out (or null) keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessagePatchJson {
    #[schema(schema_with = rules::subject_or_null)]
    pub subject: Option<String>,
    #[schema(schema_with = rules::body_text_or_null)]
    pub body_text: Option<String>,
    /// Empty removes the HTML version.
    #[serde(default)]
    #[schema(schema_with = rules::body_html_or_null)]
    pub body_html: Option<String>,
}

impl MessagePatchJson {
    pub fn validate(self) -> Result<MessagePatch, InvalidField> {
        Ok(MessagePatch {
            subject: self.subject.as_deref().map(subject).transpose()?,
            body_text: self.body_text.as_deref().map(body_text).transpose()?,
            body_html: self.body_html.as_deref().map(body_html).transpose()?,
        })
    }
}
