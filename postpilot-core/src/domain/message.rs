//! A message: the subject and body a mailing sends.

use chrono::{DateTime, Utc};

use super::{BodyHtml, BodyText, MessageId, Subject};

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub subject: Subject,
    pub body_text: BodyText,
    /// The HTML version, when the message has one.
    pub body_html: Option<BodyHtml>,
    pub created_at: DateTime<Utc>,
}

/// A message's fields, validated, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub subject: Subject,
    pub body_text: BodyText,
    pub body_html: Option<BodyHtml>,
}

/// A partial edit: `None` keeps the stored value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessagePatch {
    pub subject: Option<Subject>,
    pub body_text: Option<BodyText>,
    /// `Some(None)` removes the HTML version.
    pub body_html: Option<Option<BodyHtml>>,
}

impl MessagePatch {
    pub fn apply(self, to: Message) -> NewMessage {
        NewMessage {
            subject: self.subject.unwrap_or(to.subject),
            body_text: self.body_text.unwrap_or(to.body_text),
            body_html: self.body_html.unwrap_or(to.body_html),
        }
    }
}

impl From<Message> for NewMessage {
    /// The message's fields, to store again changed.
    fn from(m: Message) -> Self {
        Self {
            subject: m.subject,
            body_text: m.body_text,
            body_html: m.body_html,
        }
    }
}
