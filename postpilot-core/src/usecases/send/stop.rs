//! Why a sender starts no more sends, and what it records for the
//! deliveries left (ARCHITECTURE.md, "Delivery engine").

use super::{DISABLED, GAVE_UP, WINDOW_CLOSED};

/// Why a sender starts no more sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Stop {
    /// The mailing's end time passed.
    WindowClosed,
    /// A manager or an admin disabled the mailing.
    Disabled,
    /// Temporary failures in a row reached `give_up_after`.
    ServerDown { failures: u32, last: String },
    /// The server refused the login: nothing more can be sent.
    LoginRefused { reply: String },
    /// A graceful stop was asked for.
    Shutdown,
}

impl Stop {
    /// What is recorded for the deliveries left; `None` when they are
    /// handed back for a later sender instead.
    pub(super) fn not_sent_reason(&self) -> Option<String> {
        match self {
            Self::WindowClosed => Some(WINDOW_CLOSED.to_owned()),
            Self::Disabled => Some(DISABLED.to_owned()),
            Self::ServerDown { failures, last } => Some(format!(
                "{GAVE_UP} after {failures} temporary failures in a row; last: {last}"
            )),
            Self::LoginRefused { reply } => Some(format!(
                "not sent: the SMTP server refused the login: {reply}"
            )),
            Self::Shutdown => None,
        }
    }
}
