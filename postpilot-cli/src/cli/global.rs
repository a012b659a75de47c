//! The options every command takes, each also an environment variable.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use postpilot_core::{EmailAddress, PublicUrl, Sender};
use postpilot_smtp::{DkimKey, HeloName};
use secrecy::SecretString;

use crate::parse::{self, Text};

/// Options every command takes; each is also an environment variable.
#[derive(Debug, Args)]
pub struct Global {
    /// Database: sqlite://FILE (created if missing) or
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DB (an existing database).
    #[arg(
        long,
        env = "POSTPILOT_DATABASE_URL",
        default_value = "sqlite://postpilot.db",
        global = true,
        hide_env_values = true,
        value_parser = parse::secret
    )]
    pub database_url: SecretString,
    /// SMTP server: smtp://host:port, smtp://user:pass@host:587?tls=starttls or
    /// smtps://user:pass@host:465. Unset: emails are written to --outbox-dir.
    #[arg(
        long,
        env = "POSTPILOT_SMTP_URL",
        global = true,
        hide_env_values = true,
        value_parser = parse::secret
    )]
    pub smtp_url: Option<SecretString>,
    /// A PEM file of CA certificates to trust (besides the usual roots) for
    /// the SMTP server's certificate: for a server whose certificate a
    /// private CA issued. The same as ?ca=FILE in the SMTP URL.
    #[arg(long, env = "POSTPILOT_SMTP_CA_FILE", global = true)]
    pub smtp_ca_file: Option<PathBuf>,
    /// Where emails are written as .eml files when no SMTP URL is set.
    #[arg(
        long,
        env = "POSTPILOT_OUTBOX_DIR",
        default_value = "outbox",
        global = true
    )]
    pub outbox_dir: PathBuf,
    /// Sender of every email: an address, or a display name and an address
    /// ("Магазин <news@shop.example>"). Its domain ends every Message-ID.
    #[arg(long, env = "POSTPILOT_FROM", default_value = "postpilot@localhost", global = true,
          value_parser = Text(parse::sender))]
    pub from: Sender,
    /// Reply-To address of every email (unset: none).
    #[arg(long, env = "POSTPILOT_REPLY_TO", global = true,
          value_parser = Text(parse::reply_to))]
    pub reply_to: Option<EmailAddress>,
    /// The name given to the SMTP server in EHLO: a fully qualified domain
    /// name or an address literal ([192.0.2.1]). Default: this machine's
    /// host name when it is fully qualified, else the domain of --from.
    #[arg(long, env = "POSTPILOT_HELO_NAME", global = true,
          value_parser = Text(parse::helo_name))]
    pub helo_name: Option<HeloName>,
    /// DKIM: sign every email for this domain (the d= tag; for DMARC, the
    /// domain of --from or a parent of it). Needs --dkim-selector and --dkim-key.
    #[arg(long, env = "POSTPILOT_DKIM_DOMAIN", global = true, value_name = "DOMAIN",
          requires_all = ["dkim_selector", "dkim_key"], value_parser = Text(parse::dkim_domain))]
    pub dkim_domain: Option<String>,
    /// DKIM selector: the public key is published at SELECTOR._domainkey.DOMAIN
    /// (`postpilot dkim record` prints the record).
    #[arg(long, env = "POSTPILOT_DKIM_SELECTOR", global = true, value_name = "SELECTOR",
          requires_all = ["dkim_domain", "dkim_key"], value_parser = Text(parse::dkim_selector))]
    pub dkim_selector: Option<String>,
    /// DKIM private key: a PEM file, Ed25519 (PKCS#8) or RSA of 1024 bits
    /// or more, 2048 recommended (PKCS#8 or PKCS#1). Read once at start.
    #[arg(long, env = "POSTPILOT_DKIM_KEY", global = true, value_name = "FILE",
          requires_all = ["dkim_domain", "dkim_selector"], value_parser = Text(parse::dkim_key))]
    pub dkim_key: Option<DkimKey>,
    /// Deadline for one whole SMTP conversation (e.g. 30s, 2m; at most 1h).
    #[arg(long, env = "POSTPILOT_SMTP_TIMEOUT", default_value = "30s", global = true,
          value_parser = parse::smtp_timeout)]
    pub smtp_timeout: Duration,
    /// Sends in flight at once.
    #[arg(long, env = "POSTPILOT_SEND_CONCURRENCY", default_value_t = 8, global = true,
          allow_negative_numbers = true, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub concurrency: u16,
    /// Sends that may have gone out before their results are recorded: a
    /// crash can make at most this many recipients get the email twice.
    /// Larger lets results be recorded in bigger groups while sending goes
    /// on. Default: 16 × --concurrency; at least --concurrency.
    #[arg(long, env = "POSTPILOT_MAX_UNRECORDED", global = true,
          allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_unrecorded: Option<u32>,
    /// Messages per second at most (per process); 0 means no limit.
    #[arg(
        long,
        env = "POSTPILOT_SEND_RATE",
        default_value_t = 0,
        global = true,
        allow_negative_numbers = true
    )]
    pub rate: u32,
    /// Tries per recipient when the server fails temporarily (4xx, unreachable).
    #[arg(long, env = "POSTPILOT_MAX_TRIES", default_value_t = 3, global = true,
          allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_tries: u32,
    /// Wait before retrying a temporary failure; doubled for each later try
    /// (at most 1day; no single wait exceeds 7 days).
    #[arg(long, env = "POSTPILOT_RETRY_BACKOFF", default_value = "2s", global = true,
          value_parser = parse::retry_backoff)]
    pub retry_backoff: Duration,
    /// How long a claimed batch of deliveries stays reserved to one sender
    /// (renewed while it works). After a crash its deliveries are taken up
    /// again once this has passed. Default: 60s, or twice --smtp-timeout;
    /// at most 1day. A failing database is waited for as long.
    #[arg(long, env = "POSTPILOT_LEASE", global = true, value_parser = parse::lease)]
    pub lease: Option<Duration>,
    /// The address recipients reach `postpilot serve` at
    /// (http(s)://HOST[:PORT][/PATH]): every email then carries a one-click
    /// unsubscribe link, PUBLIC_URL/u/TOKEN (List-Unsubscribe and
    /// {{ unsubscribe_url }}). Unset: emails go without one.
    #[arg(long, env = "POSTPILOT_PUBLIC_URL", global = true,
          value_parser = Text(parse::public_url))]
    pub public_url: Option<PublicUrl>,
    /// Act as this user (their email): see and change only what their role
    /// allows, and own what is created. Unset: the database's full access,
    /// creating for the first admin.
    #[arg(long = "as", value_name = "EMAIL", global = true,
          value_parser = Text(parse::email))]
    pub acting_as: Option<postpilot_core::EmailAddress>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
}
