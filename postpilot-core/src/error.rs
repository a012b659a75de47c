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
