//! `OutboxMailer`: "sends" by writing each email as an `.eml` file, for
//! running postpilot without a mail server (development, demos, tests).

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::{build, Identity, MailerConfigError};
use async_trait::async_trait;
use postpilot_core::ports::{MailError, Mailer, OutgoingEmail, ServerReply};

/// Writes one RFC 5322 file per email, `{dir}/{message_key}.eml`, with the
/// same content the SMTP mailer would send. Sending the same email again
/// replaces its file, as its Message-ID would let a receiver drop the copy.
#[derive(Debug, Clone)]
pub struct OutboxMailer {
    dir: PathBuf,
    identity: Identity,
    /// Shared by clones, like the SMTP mailer's.
    templates: Arc<build::Templates>,
}

impl OutboxMailer {
    /// An outbox in `dir`, created (with its parents) if missing, of emails
    /// from `identity` (an [`EmailAddress`](postpilot_core::EmailAddress),
    /// a [`Sender`](postpilot_core::Sender) or a whole [`Identity`]).
    ///
    /// # Errors
    /// [`MailerConfigError::OutboxDir`] when the directory cannot be created,
    /// e.g. a file of that name exists or permission is denied.
    pub fn new(
        dir: impl Into<PathBuf>,
        identity: impl Into<Identity>,
    ) -> Result<Self, MailerConfigError> {
        let identity = identity.into();
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|source| MailerConfigError::OutboxDir {
            path: dir.clone(),
            source,
        })?;
        build::address(identity.from.address()).map_err(MailerConfigError::From)?;
        if let Some(reply_to) = &identity.reply_to {
            build::address(reply_to).map_err(MailerConfigError::ReplyTo)?;
        }
        Ok(Self {
            dir,
            identity,
            templates: Arc::default(),
        })
    }

    /// The directory the files go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<ServerReply, MailError> {
        let unsigned = self.templates.unsigned(&self.identity, email)?;
        // The key was checked by `Templates::unsigned`: no '/', no leading '.'.
        let path = self.dir.join(format!("{}.eml", email.message_key));
        let dir = self.dir.clone();
        let target = path.clone();
        let dkim = self.identity.dkim.clone();
        // Signing (milliseconds with RSA) and blocking file I/O (fsync)
        // stay off the thread that drives the sends, as in `SmtpMailer`
        // (ARCHITECTURE.md, "SMTP").
        tokio::task::spawn_blocking(move || {
            let bytes = match dkim {
                Some(dkim) => dkim.sign(unsigned)?,
                None => unsigned,
            };
            write_atomically(&dir, &target, &bytes).map_err(|e| {
                MailError::Transient(format!("cannot write {}: {e}", target.display()))
            })
        })
        .await
        .map_err(|e| MailError::Transient(format!("writing {}: {e}", path.display())))??;
        Ok(ServerReply(format!("250 saved to {}", path.display())))
    }

    fn preview(&self, email: &OutgoingEmail) -> Result<Vec<u8>, MailError> {
        self.templates.email(&self.identity, email)
    }
}

/// Writes `bytes` to a temporary file in `dir`, flushes it to disk, then
/// renames it to `target`: a crash leaves either the whole file or none
/// (plus at most a hidden `.postpilot-*.tmp` file that no `*.eml` glob sees).
fn write_atomically(dir: &Path, target: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".postpilot-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(target).map_err(|e| e.error)?;
    Ok(())
}
