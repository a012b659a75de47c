//! The composition root: the only place where adapters meet use cases.

use postpilot_core::ports::{Store, SystemClock};
use postpilot_core::usecases::{
    Lists, Mailings, Messages, Previews, Recipients, SendMailing, SendPolicy, Statistics,
    StopSignal, Worker,
};
use postpilot_smtp::{
    AnyMailer, Dkim, Identity, MailerConfigError, OutboxMailer, SmtpConfig, SmtpMailer,
};
use secrecy::ExposeSecret;

use crate::cli::Global;
use crate::error::CliError;

pub type Clock = SystemClock;

/// Beyond `--smtp-timeout`, what a sender asked to stop has to record its
/// results and hand back its leases.
pub const STOP_MARGIN: std::time::Duration = std::time::Duration::from_secs(10);

/// The DKIM signer of the --dkim-* options, if given (clap makes sure
/// they come all three or none).
///
/// # Errors
/// Should the options still not make a signer (exit 2).
pub fn dkim(g: &Global) -> Result<Option<Dkim>, CliError> {
    let (Some(domain), Some(selector), Some(key)) = (&g.dkim_domain, &g.dkim_selector, &g.dkim_key)
    else {
        return Ok(None);
    };
    Dkim::new(domain, selector, key.clone())
        .map(Some)
        .map_err(|e| CliError::invalid(format!("--dkim-domain/--dkim-selector: {e}")))
}

/// The wired application over a store `S`.
#[derive(Debug)]
pub struct App<S> {
    pub store: S,
    pub clock: Clock,
    pub global: Global,
    /// Raised on Ctrl-C or SIGTERM in the commands that deliver: senders
    /// then stop gracefully.
    pub stop: StopSignal,
    /// The one mailer of the process, made on first use: its clones share
    /// one pool of connections, closed politely by [`App::close_mailer`].
    mailer: std::sync::OnceLock<AnyMailer>,
}

impl<S: Store + Clone> App<S> {
    pub fn new(store: S, global: Global) -> Self {
        Self {
            store,
            clock: SystemClock,
            global,
            stop: StopSignal::never(),
            mailer: std::sync::OnceLock::new(),
        }
    }

    pub fn recipients(&self) -> Recipients<S> {
        Recipients::new(self.store.clone())
    }

    pub fn lists(&self) -> Lists<S> {
        Lists::new(self.store.clone())
    }

    pub fn messages(&self) -> Messages<S, Clock> {
        Messages::new(self.store.clone(), self.clock)
    }

    pub fn mailings(&self) -> Mailings<S, Clock> {
        Mailings::new(self.store.clone(), self.clock)
    }

    /// Previews and test sends, through the configured mailer.
    ///
    /// # Errors
    /// As [`Self::mailer`].
    pub fn previews(&self) -> Result<Previews<S, AnyMailer>, CliError> {
        Ok(Previews::new(self.store.clone(), self.mailer()?)
            .with_public_url(self.global.public_url.clone()))
    }

    pub fn statistics(&self) -> Statistics<S, Clock> {
        Statistics::new(self.store.clone(), self.clock)
    }

    /// SMTP when a URL is configured, the outbox otherwise; the same one
    /// (clones sharing one pool) on every call.
    ///
    /// # Errors
    /// A malformed SMTP URL or an outbox directory that cannot be created.
    pub fn mailer(&self) -> Result<AnyMailer, CliError> {
        if let Some(mailer) = self.mailer.get() {
            return Ok(mailer.clone());
        }
        let mailer = self.new_mailer()?;
        Ok(self.mailer.get_or_init(|| mailer).clone())
    }

    /// Closes the mailer's idle connections politely (QUIT), if one was made.
    pub async fn close_mailer(&self) {
        if let Some(mailer) = self.mailer.get() {
            mailer.close_idle().await;
        }
    }

    fn identity(&self) -> Result<Identity, CliError> {
        let g = &self.global;
        let dkim = dkim(g)?;
        if let Some(dkim) = &dkim {
            let from = g.from.address().domain().to_ascii_lowercase();
            if from != dkim.domain() && !from.ends_with(&format!(".{}", dkim.domain())) {
                // A valid signature still, but DMARC counts only one aligned with From.
                eprintln!(
                    "postpilot: warning: --dkim-domain {} is neither the domain of --from \
                     ({from}) nor a parent of it: DMARC will not count the signature",
                    dkim.domain()
                );
            }
        }
        Ok(Identity {
            from: g.from.clone(),
            reply_to: g.reply_to.clone(),
            helo: g.helo_name.clone(),
            dkim,
        })
    }

    fn new_mailer(&self) -> Result<AnyMailer, CliError> {
        let g = &self.global;
        let mailer = match &g.smtp_url {
            Some(url) => {
                let mut config: SmtpConfig = url
                    .expose_secret()
                    .parse()
                    .map_err(|e| CliError::invalid(format!("--smtp-url: {e}")))?;
                if let Some(ca) = &g.smtp_ca_file {
                    config = config
                        .with_ca_file(ca)
                        .map_err(|e| CliError::invalid(format!("--smtp-ca-file: {e}")))?;
                }
                AnyMailer::Smtp(
                    SmtpMailer::new(&config, self.identity()?, g.smtp_timeout)
                        .map_err(|e| {
                            let option = match e {
                                MailerConfigError::CaFile { .. } if g.smtp_ca_file.is_some() => {
                                    "--smtp-ca-file"
                                }
                                _ => "--smtp-url",
                            };
                            CliError::invalid(format!("{option}: {e}"))
                        })?
                        // One connection per send in flight.
                        .with_pool_size(usize::from(g.concurrency)),
                )
            }
            None => AnyMailer::Outbox(
                OutboxMailer::new(&g.outbox_dir, self.identity()?)
                    .map_err(|e| anyhow::anyhow!("--outbox-dir {}: {e}", g.outbox_dir.display()))?,
            ),
        };
        Ok(mailer)
    }

    /// The scheduler and queue worker over this app's sender.
    ///
    /// # Errors
    /// As [`App::mailer`].
    pub fn worker(
        &self,
        poll: std::time::Duration,
    ) -> Result<Worker<S, AnyMailer, Clock>, CliError> {
        let mut worker = Worker::new(self.sender()?);
        worker.poll = poll;
        Ok(worker)
    }

    /// How long a sender asked to stop may take before the process exits
    /// anyway: the sends in flight finish within `--smtp-timeout`, and
    /// [`STOP_MARGIN`] is left to record them and hand back the rest.
    pub fn stop_cap(&self) -> std::time::Duration {
        self.global.smtp_timeout + STOP_MARGIN
    }

    /// # Errors
    /// As [`App::mailer`].
    pub fn sender(&self) -> Result<SendMailing<S, AnyMailer, Clock>, CliError> {
        self.say_if_no_unsubscribe_link();
        Ok(SendMailing::new(
            self.store.clone(),
            self.mailer()?,
            self.clock,
            self.send_policy(),
        )
        .with_stop(self.stop.clone()))
    }

    /// Says once, on stderr, that emails go without an unsubscribe link
    /// when there is no `--public-url`: sending works, but real inboxes
    /// want one (RFC 8058).
    pub fn say_if_no_unsubscribe_link(&self) {
        if self.global.public_url.is_none() {
            eprintln!("postpilot: no --public-url: emails go without an unsubscribe link");
        }
    }

    /// How runs are delivered, from the options.
    pub fn send_policy(&self) -> SendPolicy {
        SendPolicy {
            max_tries: self.global.max_tries,
            retry_backoff: self.global.retry_backoff,
            concurrency: usize::from(self.global.concurrency),
            max_unrecorded: self.global.max_unrecorded.map_or_else(
                || usize::from(self.global.concurrency) * 8,
                |n| usize::try_from(n).unwrap_or(usize::MAX),
            ),
            // Four rounds of sends per claim: few claims, and still small
            // enough that several workers share a run evenly.
            batch_size: (u32::from(self.global.concurrency) * 4).clamp(8, 500),
            rate: std::num::NonZeroU32::new(self.global.rate),
            lease: self.lease(),
            // A failing database is waited for as long as a lease lasts.
            store_patience: self.lease(),
            public_url: self.global.public_url.clone(),
            ..SendPolicy::default()
        }
    }

    /// A lease must outlast the longest single send.
    fn lease(&self) -> std::time::Duration {
        self.global.lease.unwrap_or_else(|| {
            std::time::Duration::from_secs(60).max(self.global.smtp_timeout.saturating_mul(2))
        })
    }
}
