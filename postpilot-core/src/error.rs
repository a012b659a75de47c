//! The error every use case returns.

use thiserror::Error;

use crate::domain::{InvalidField, MailingId};
use crate::ports::StoreError;

#[derive(Debug, Error)]
pub enum Error {
    /// Bad input: names the field.
    #[error(transparent)]
    Invalid(#[from] InvalidField),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A test email the mail server (or outbox) did not take.
    #[error("the email was not sent: {0}")]
    Mail(#[from] crate::ports::MailError),
    #[error("mailing {0} is completed (its end time has passed) and can no longer be sent")]
    MailingCompleted(MailingId),
    /// A manager or an admin disabled the mailing: nothing of it is sent
    /// until it is enabled again.
    #[error("mailing {0} is disabled by a manager and cannot be sent until it is enabled again")]
    MailingDisabled(MailingId),
    /// A login with an unknown email or a wrong password: which of the
    /// two is not said.
    #[error("wrong email or password")]
    WrongCredentials,
    /// A login or request of a blocked user.
    #[error("this account is blocked")]
    AccountBlocked,
    /// A login of a user who has not confirmed their email yet.
    #[error("this account's email is not confirmed yet: follow the link sent to it")]
    AccountUnconfirmed,
    /// Something the actor's role does not allow.
    #[error("the role {role} may not {action}")]
    Forbidden {
        role: crate::domain::Role,
        action: &'static str,
    },
    /// The database kept failing for longer than the sender waits for it.
    #[error(
        "the database kept failing for {}s while {doing}; sending stopped. \
         Sending again resumes the run once the database is back \
         ({unrecorded} sends whose results were not recorded may be repeated)",
        waited.as_secs()
    )]
    StoreUnavailable {
        doing: String,
        waited: std::time::Duration,
        unrecorded: usize,
        #[source]
        source: StoreError,
    },
}

impl Error {
    /// The input field at fault, if the error is about one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid(e) => Some(e.field),
            Self::Store(StoreError::Duplicate { field, .. }) => Some(field),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
