//! One SMTP conversation of the mailer: opening a session (one login at a
//! time until one succeeds, a refused login remembered), one email's turn
//! over it, and the password scrubbed from whatever text goes back.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::time::Duration;

use postpilot_core::ports::{MailError, ServerReply};

use super::handoff::lose_all;
use super::riders::{Rider, Riders};
use super::session::{Progress, Session, Settings};
use super::transaction::Turn;
use crate::classify::{self, Aftermath, Failure, Stage};
use crate::config::Password;
use crate::{build, Identity};

pub(super) struct Inner {
    pub(super) settings: Settings,
    pub(super) identity: Identity,
    pub(super) timeout: Duration,
    pub(super) username: Option<String>,
    /// Kept only to scrub it from any text we return, should a server ever echo it.
    pub(super) password: Option<Password>,
    pub(super) templates: build::Templates,
    /// Held while a connection logs in, until one login has succeeded: the
    /// pool never opens several connections that each try the password.
    pub(super) login_gate: tokio::sync::Mutex<()>,
    /// A login has succeeded: connections open in parallel from then on.
    pub(super) logged_in: std::sync::atomic::AtomicBool,
    /// The server refused the login: every send fails at once with it,
    /// without connecting (no second try of a wrong password).
    pub(super) login_refused: std::sync::OnceLock<MailError>,
}

impl Inner {
    /// A new session; while no login has succeeded yet, one at a time. A
    /// login the server refuses is remembered and returned from then on.
    pub(super) async fn open(&self, progress: &mut Progress) -> Result<Session, MailError> {
        use std::sync::atomic::Ordering;
        let needs_login = self.settings.credentials.is_some();
        let mut gate = if needs_login && !self.logged_in.load(Ordering::Acquire) {
            Some(self.login_gate.lock().await)
        } else {
            None
        };
        if self.logged_in.load(Ordering::Acquire) {
            // Another connection logged in while this one waited.
            gate = None;
        }
        if let Some(refused) = self.login_refused.get() {
            return Err(refused.clone());
        }
        let opened = Session::open(&self.settings, progress).await;
        match opened {
            Ok(session) => {
                if needs_login {
                    self.logged_in.store(true, Ordering::Release);
                }
                drop(gate);
                Ok(session)
            }
            // The server answered the login (or offers no way to log in
            // we know): trying again would fail the same way.
            Err(failure)
                if failure.stage == Stage::Auth && failure.aftermath != Aftermath::Broken =>
            {
                let refused = MailError::LoginFailed(self.scrub(failure.error.reply().to_owned()));
                tracing::error!(server = %self.settings.server, error = %refused,
                    "login refused; no more logins are tried");
                Err(self.login_refused.get_or_init(|| refused).clone())
            }
            Err(failure) => Err(failure.error),
        }
    }

    /// Runs one email's turn on `slot`'s session, connecting first if
    /// there is none (or when the pooled one turns out to be dead). The
    /// session stays in `slot` whatever happens, for the caller to judge.
    pub(super) async fn drive(
        &self,
        slot: &mut Option<Session>,
        turn: &Turn<'_>,
        ahead: &mut VecDeque<Rider>,
        riders: &Riders,
        progress: &mut Progress,
    ) -> Result<ServerReply, Failure> {
        let settings = &self.settings;
        loop {
            let reused = slot.is_some() && turn.fresh;
            let session = match slot {
                Some(session) => session,
                None => match self.open(progress).await {
                    Ok(session) => slot.insert(session),
                    Err(error) => {
                        return Err(Failure {
                            stage: progress.stage(),
                            error,
                            aftermath: Aftermath::Broken,
                        })
                    }
                },
            };
            let turn = Turn {
                probe: reused,
                ..*turn
            };
            match session.turn(settings, &turn, ahead, riders, progress).await {
                Ok(response) => return Ok(classify::reply(&response)),
                // A pooled connection the server has closed meanwhile (idle
                // timeout, restart; often with a 421 first) fails at its
                // first command, before anything of this message was
                // sent: try once more on a fresh connection.
                Err(failure)
                    if reused
                        && failure.stage == Stage::Mail
                        && failure.aftermath == Aftermath::Broken =>
                {
                    tracing::debug!(server = %settings.server,
                        error = %self.scrub(failure.error.to_string()),
                        "pooled connection was dead; reconnecting");
                    *slot = None;
                    lose_all(ahead, &failure.error, &settings.server);
                }
                Err(failure) => return Err(failure),
            }
        }
    }

    /// Makes a text bound for a log or the database safe: the password
    /// removed, should a server ever echo it, and every control character
    /// escaped, whichever path built the text (a reply, a lettre error).
    pub(super) fn scrub(&self, text: String) -> String {
        let Some(password) = self.password.as_ref().map(Password::expose) else {
            return classify::visible_text(text);
        };
        if password.is_empty() {
            return classify::visible_text(text);
        }
        let text = if text.contains(password) {
            text.replace(password, "***")
        } else {
            text
        };
        let text = classify::visible_text(text);
        // A reply is made visible as it is read: an echoed password with
        // a control character in it is there in its escaped form.
        match postpilot_core::visible(password) {
            Cow::Owned(escaped) if text.contains(&escaped) => text.replace(&escaped, "***"),
            _ => text,
        }
    }

    pub(super) fn scrub_error(&self, err: MailError) -> MailError {
        match err {
            MailError::Transient(t) => MailError::Transient(self.scrub(t)),
            MailError::Permanent(t) => MailError::Permanent(self.scrub(t)),
            MailError::AddressRefused(t) => MailError::AddressRefused(self.scrub(t)),
            MailError::UnknownOutcome(t) => MailError::UnknownOutcome(self.scrub(t)),
            MailError::LoginFailed(t) => MailError::LoginFailed(self.scrub(t)),
            MailError::NotStarted(t) => MailError::NotStarted(t),
        }
    }
}
