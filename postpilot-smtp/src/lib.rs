//! postpilot's [`Mailer`](postpilot_core::ports::Mailer) adapters:
//!
//! - [`SmtpMailer`]: SMTP over Tokio with our own conversation I/O (pipelined
//!   where the server allows) and lettre 0.11's commands, reply parser and
//!   TLS (rustls with the `ring` provider; the Mozilla root certificates,
//!   the system's and an optional CA file; no OpenSSL), a pool of connections of our own, a deadline on each whole
//!   conversation, failures classified by the SMTP stage they happened at;
//!   configured from an SMTP URL ([`SmtpConfig`]).
//! - [`OutboxMailer`]: one `.eml` file per email in a directory.
//!
//! Choosing between them is the composition root's (the CLI's `app/mailer.rs`).
//! Both build the same email (see `build`); errors are classified as the
//! port asks (see `classify` for the stage-by-stage table).

use std::path::PathBuf;

use thiserror::Error;

mod body;
mod build;
mod classify;
mod config;
mod dkim;
mod identity;
mod outbox;
mod smtp;

pub use config::{SmtpConfig, SmtpUrlError, TlsMode};
pub use dkim::{Dkim, DkimAlgorithm, DkimError, DkimKey};
pub use identity::{HeloName, HeloNameError, Identity};
pub use outbox::OutboxMailer;
pub use smtp::{SmtpMailer, DEFAULT_POOL_SIZE};

/// Why a mailer could not be set up.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MailerConfigError {
    #[error("smtp timeout must be greater than zero")]
    ZeroTimeout,
    /// The sender address, refused by lettre (its rules may be stricter than the domain's).
    #[error("from: {0}")]
    From(String),
    /// The Reply-To address, refused by lettre.
    #[error("reply-to: {0}")]
    ReplyTo(String),
    #[error("cannot set up TLS for {0}")]
    Tls(String),
    /// The CA file cannot be read or holds no certificate.
    #[error("CA file {}: {why}", path.display())]
    CaFile { path: PathBuf, why: String },
    #[error("cannot create or use directory {}: {source}", path.display())]
    OutboxDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
