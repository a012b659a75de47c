//! Сообщение.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{BodyText, MessageId, Subject};

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: MessageId,
    pub subject: Subject,
    pub body_text: BodyText,
    pub created_at: DateTime<Utc>,
}

/// A message's fields, validated, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMessage {
    pub subject: Subject,
    pub body_text: BodyText,
}

/// A partial edit: `None` keeps the stored value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessagePatch {
    pub subject: Option<Subject>,
    pub body_text: Option<BodyText>,
}

impl MessagePatch {
    pub fn apply(self, to: Message) -> NewMessage {
        NewMessage {
            subject: self.subject.unwrap_or(to.subject),
            body_text: self.body_text.unwrap_or(to.body_text),
        }
    }
}
