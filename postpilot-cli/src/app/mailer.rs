//! The mailer the SMTP options name: SMTP when `--smtp-url` is given, the
//! outbox otherwise ([`AnyMailer`], one `send` a run: an enum costs nothing
//! beside the network; the adapter crate offers the adapters, choosing is
//! the composition root's). Made only when a command needs
//! it, so a command that sends nothing never fails on the SMTP options.

use async_trait::async_trait;
use postpilot_core::ports::{MailError, Mailer, OutgoingEmail, ServerReply};
use postpilot_core::usecases::StopSignal;
use postpilot_smtp::{Dkim, Identity, MailerConfigError, OutboxMailer, SmtpConfig, SmtpMailer};
use secrecy::ExposeSecret;

use crate::cli::Global;
use crate::error::CliError;

/// What the command line builds from its options: SMTP when a URL is
/// given, the outbox otherwise.
#[derive(Debug, Clone)]
pub enum AnyMailer {
    Smtp(SmtpMailer),
    Outbox(OutboxMailer),
}

#[async_trait]
impl Mailer for AnyMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<ServerReply, MailError> {
        match self {
            Self::Smtp(m) => m.send(email).await,
            Self::Outbox(m) => m.send(email).await,
        }
    }

    fn preview(&self, email: &OutgoingEmail) -> Result<Vec<u8>, MailError> {
        match self {
            Self::Smtp(m) => m.preview(email),
            Self::Outbox(m) => m.preview(email),
        }
    }
}

impl AnyMailer {
    /// The server's reply to a refused login, once one was refused.
    pub fn login_refused(&self) -> Option<String> {
        match self {
            Self::Smtp(m) => m.login_refused(),
            Self::Outbox(_) => None,
        }
    }

    /// Closes idle SMTP connections with QUIT, not waiting for its reply
    /// (the process is about to exit; see [`SmtpMailer::quit_idle`]);
    /// nothing for the outbox.
    pub async fn quit_idle(&self) {
        if let Self::Smtp(m) = self {
            m.quit_idle().await;
        }
    }
}

impl From<SmtpMailer> for AnyMailer {
    fn from(m: SmtpMailer) -> Self {
        Self::Smtp(m)
    }
}

impl From<OutboxMailer> for AnyMailer {
    fn from(m: OutboxMailer) -> Self {
        Self::Outbox(m)
    }
}

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

fn identity(g: &Global) -> Result<Identity, CliError> {
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

/// SMTP when a URL is configured, the outbox otherwise. The SMTP mailer
/// watches `stop`: sends still waiting for a connection when it is raised
/// are handed back unstarted.
///
/// # Errors
/// A malformed SMTP URL or CA file, a DKIM key that makes no signer (exit
/// 2), an outbox directory that cannot be created.
pub fn choose(g: &Global, stop: &StopSignal) -> Result<AnyMailer, CliError> {
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
                SmtpMailer::new(&config, identity(g)?, g.smtp_timeout)
                    .map_err(|e| {
                        let option = match e {
                            MailerConfigError::CaFile { .. } if g.smtp_ca_file.is_some() => {
                                "--smtp-ca-file"
                            }
                            _ => "--smtp-url",
                        };
                        CliError::invalid(format!("{option}: {e}"))
                    })?
                    .with_pool_size(usize::from(g.concurrency))
                    .with_stop(stop.clone()),
            )
        }
        None => AnyMailer::Outbox(
            OutboxMailer::new(&g.outbox_dir, identity(g)?)
                .map_err(|e| anyhow::anyhow!("--outbox-dir {}: {e}", g.outbox_dir.display()))?,
        ),
    };
    Ok(mailer)
}
