//! A recipient: whom a mailing sends to.

use super::{Comment, EmailAddress, FullName, RecipientId};

/// A stored recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub id: RecipientId,
    pub email: EmailAddress,
    pub full_name: FullName,
    pub comment: Comment,
}

/// A recipient's fields, validated, before it has an id (create and replace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecipient {
    pub email: EmailAddress,
    pub full_name: FullName,
    pub comment: Comment,
}

/// A partial edit: `None` keeps the stored value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecipientPatch {
    pub email: Option<EmailAddress>,
    pub full_name: Option<FullName>,
    pub comment: Option<Comment>,
}

impl RecipientPatch {
    /// The recipient as it is after the edit.
    pub fn apply(self, to: Recipient) -> NewRecipient {
        NewRecipient {
            email: self.email.unwrap_or(to.email),
            full_name: self.full_name.unwrap_or(to.full_name),
            comment: self.comment.unwrap_or(to.comment),
        }
    }
}
