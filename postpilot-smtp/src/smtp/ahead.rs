//! Connections opened ahead of the first sends (see ARCHITECTURE.md,
//! "SMTP"): greeted, past EHLO (and STARTTLS and AUTH) and idle in the
//! pool by the time the first emails are ready, so that at a distance the
//! first emails do not also wait the round trips of setting them up.

use super::handoff::close_off_path;
use super::session::Progress;
use super::SmtpMailer;

impl SmtpMailer {
    /// Opens up to `connections` connections (at most the pool's size) in
    /// the background, each into the pool once it is ready: what a sender
    /// about to send calls while it reads the database. A connection that
    /// fails to open is dropped quietly: the send that needs one opens its
    /// own and says what failed. Sends that start meanwhile wait for these
    /// connections as for any busy one. Needs a Tokio runtime.
    pub fn connect_ahead(&self, connections: usize) {
        for _ in 0..connections.min(self.pool.size()) {
            let mailer = self.clone();
            tokio::spawn(async move { mailer.open_ahead().await });
        }
    }

    /// One connection into the pool, unless one is idle there already.
    async fn open_ahead(&self) {
        let Some(mut lease) = self.pool.checkout().await else {
            return;
        };
        close_off_path(lease.take_expired());
        if let Some(session) = lease.take() {
            lease.put_back(session);
            return;
        }
        let inner = &*self.inner;
        let mut progress = Progress::default();
        match tokio::time::timeout(inner.timeout, inner.open(&mut progress)).await {
            Ok(Ok(session)) => lease.put_back(session),
            Ok(Err(error)) => tracing::debug!(server = %inner.settings.server,
                error = %inner.scrub_error(error),
                "a connection opened ahead failed; the sends open their own"),
            Err(_elapsed) => tracing::debug!(server = %inner.settings.server,
                stage = ?progress.stage(),
                "a connection opened ahead timed out; the sends open their own"),
        }
    }
}
