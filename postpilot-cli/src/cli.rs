//! The command tree (ARCHITECTURE.md, "CLI"). Values are parsed into domain types here, so
//! bad input is refused by clap with exit code 2 before anything is touched.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};
use postpilot_core::{
    BodyHtml, BodyText, Comment, EmailAddress, FullName, ListId, ListName, MailingId, MessageId,
    PublicUrl, RecipientId, Search, Sender, Subject,
};
use postpilot_smtp::{DkimKey, HeloName};
use secrecy::SecretString;

use crate::parse::{self, Text};

/// postpilot: keep recipients and messages, group them into mailings, send
/// them and keep a record of every attempt.
#[derive(Debug, Parser)]
#[command(name = "postpilot", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

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
    /// on. Default: 8 × --concurrency; at least --concurrency.
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
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Получатели: add, list, show, edit, delete, import and export recipients.
    #[command(subcommand)]
    Recipient(RecipientCmd),
    /// Сообщения: add, list, show, edit and delete messages.
    #[command(subcommand)]
    Message(MessageCmd),
    /// Рассылки: manage mailings, send them, read their attempts.
    #[command(subcommand)]
    Mailing(MailingCmd),
    /// Списки: named groups of recipients, to choose a mailing's recipients by.
    #[command(subcommand)]
    List(ListCmd),
    /// The home-page figures: mailings, active mailings, unique recipients.
    Stats,
    /// Apply database migrations (done on every start anyway).
    Migrate,
    /// Deliver queued runs and launch mailings whose first send time has come.
    Worker {
        /// Exit once no run is left unfinished and no mailing is due.
        #[arg(long)]
        until_idle: bool,
        /// Wait between passes when there is nothing to do (at most 1h).
        #[arg(long, default_value = "2s", value_parser = parse::poll)]
        poll: Duration,
    },
    /// Serve the JSON API (/api/v1) and the web UI; prints a login URL.
    Serve(ServeArgs),
    /// DKIM: what to publish in DNS for the key given with the --dkim-* options.
    #[command(subcommand)]
    Dkim(DkimCmd),
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

impl Command {
    /// Whether the command delivers mail (and does little else).
    pub fn is_delivery(&self) -> bool {
        matches!(
            self,
            Self::Worker { .. } | Self::Mailing(MailingCmd::Send { detach: false, .. })
        )
    }
}

#[derive(Debug, Subcommand)]
pub enum DkimCmd {
    /// Print the DNS TXT record publishing the public key of --dkim-key at
    /// --dkim-selector._domainkey.--dkim-domain (zone-file form).
    Record,
}

#[derive(Debug, Subcommand)]
pub enum RecipientCmd {
    /// Add a recipient; prints its id.
    Add {
        #[arg(long, value_parser = Text(parse::email))]
        email: EmailAddress,
        /// Ф. И. О., at most 100 characters.
        #[arg(long, value_parser = Text(parse::full_name))]
        name: FullName,
        #[arg(long, value_parser = Text(parse::comment))]
        comment: Option<Comment>,
    },
    /// List recipients.
    List(PageArgs),
    /// Show one recipient.
    Show { id: RecipientId },
    /// Change some fields of a recipient.
    Edit {
        id: RecipientId,
        #[arg(long, value_parser = Text(parse::email))]
        email: Option<EmailAddress>,
        #[arg(long, value_parser = Text(parse::full_name))]
        name: Option<FullName>,
        #[arg(long, value_parser = Text(parse::comment))]
        comment: Option<Comment>,
    },
    /// Delete a recipient (its past attempts are kept).
    Delete { id: RecipientId },
    /// Import recipients from a CSV file with the header email,full_name[,comment].
    Import { file: PathBuf },
    /// Export recipients as CSV to FILE, or to standard output.
    Export { file: Option<PathBuf> },
    /// List the recipients who unsubscribed or whose address bounced, with when.
    Suppressed(PageArgs),
    /// Send to a recipient again: clear their unsubscribe and bounce marks.
    Resubscribe { id: RecipientId },
}

#[derive(Debug, Subcommand)]
pub enum MessageCmd {
    /// Add a message; prints its id.
    Add {
        /// Тема письма: one line, at most 100 characters.
        #[arg(long, value_parser = Text(parse::subject))]
        subject: Subject,
        #[command(flatten)]
        body: BodyArgs,
        #[command(flatten)]
        html: HtmlArgs,
    },
    /// List messages.
    List(PageArgs),
    /// Show one message with its body.
    Show { id: MessageId },
    /// Change the subject or the body of a message.
    Edit {
        id: MessageId,
        #[arg(long, value_parser = Text(parse::subject))]
        subject: Option<Subject>,
        #[command(flatten)]
        body: OptionalBodyArgs,
        #[command(flatten)]
        html: HtmlArgs,
        /// Remove the HTML version: the email goes as text only.
        #[arg(long, conflicts_with_all = ["html", "html_file"])]
        no_html: bool,
    },
    /// Delete a message no mailing uses.
    Delete { id: MessageId },
    /// Show the email a recipient would get: headers and body, exactly as
    /// the configured mailer would send it. Sends nothing.
    Preview {
        id: MessageId,
        /// Whose fields fill the template.
        #[arg(long)]
        recipient: RecipientId,
    },
    /// Send the email a recipient would get to one address only (a test):
    /// no run, attempt or statistics is recorded.
    Test {
        id: MessageId,
        /// Whose fields fill the template.
        #[arg(long)]
        recipient: RecipientId,
        /// Where the test goes.
        #[arg(long, value_parser = Text(parse::email))]
        to: EmailAddress,
    },
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct BodyArgs {
    /// Тело письма as text.
    #[arg(long, value_parser = Text(parse::body))]
    pub body: Option<BodyText>,
    /// Read the body from a file (`-` for standard input).
    #[arg(long)]
    pub body_file: Option<PathBuf>,
}

/// The optional HTML version, sent beside the text as multipart/alternative.
#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct HtmlArgs {
    /// HTML-версия as text: a template like the body, its values HTML-escaped.
    #[arg(long, value_parser = Text(parse::body_html))]
    pub html: Option<BodyHtml>,
    /// Read the HTML version from a file (`-` for standard input).
    #[arg(long)]
    pub html_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct OptionalBodyArgs {
    #[arg(long, value_parser = Text(parse::body))]
    pub body: Option<BodyText>,
    #[arg(long)]
    pub body_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum MailingCmd {
    /// Add a mailing; prints its id.
    Add {
        #[arg(long)]
        message: MessageId,
        /// First send time: RFC 3339 or `YYYY-MM-DD HH:MM` in the local zone.
        #[arg(long, value_parser = Text(parse::time))]
        start: DateTime<Utc>,
        /// End of sending, after --start.
        #[arg(long, value_parser = Text(parse::time))]
        end: DateTime<Utc>,
        #[command(flatten)]
        recipients: RecipientArgs,
    },
    /// List mailings with their status.
    List(PageArgs),
    /// Show one mailing with its recipients and runs.
    Show { id: MailingId },
    /// Change the window, the message or the recipients of a mailing.
    Edit {
        id: MailingId,
        #[arg(long)]
        message: Option<MessageId>,
        #[arg(long, value_parser = Text(parse::time))]
        start: Option<DateTime<Utc>>,
        #[arg(long, value_parser = Text(parse::time))]
        end: Option<DateTime<Utc>>,
        #[command(flatten)]
        recipients: OptionalRecipientArgs,
    },
    /// Delete a mailing with its runs and attempts.
    Delete { id: MailingId },
    /// Send a mailing now (or finish its unfinished run) and wait for it.
    Send {
        id: MailingId,
        /// Only enqueue the run and return; a later `send` (or a worker) delivers it.
        #[arg(long)]
        detach: bool,
        /// Send only to recipients no run of this mailing reached yet (whose
        /// last attempt failed, or who were never sent); without it, everyone
        /// gets the email again. An unfinished run is resumed either way.
        #[arg(long)]
        only_unsent: bool,
    },
    /// The mailing's send attempts: time, recipient, status, server reply.
    Attempts {
        id: MailingId,
        #[command(flatten)]
        page: PageArgs,
    },
    /// The mailing's runs (each launch of sending) with their totals.
    Runs { id: MailingId },
    /// Add, remove or list a mailing's recipients, however many.
    #[command(subcommand)]
    Recipients(MailingRecipientsCmd),
}

#[derive(Debug, Subcommand)]
pub enum MailingRecipientsCmd {
    /// Add recipients to the mailing (those already in it stay); prints how many were added.
    Add {
        id: MailingId,
        #[command(flatten)]
        which: SelectionArgs,
    },
    /// Remove recipients from the mailing (they stay recipients); prints how many were removed.
    Remove {
        id: MailingId,
        #[command(flatten)]
        which: SelectionArgs,
    },
    /// List the mailing's recipients, by id.
    List {
        id: MailingId,
        /// Only those whose email or name holds this text (any letter case).
        #[arg(long, value_parser = Text(parse::search))]
        search: Option<Search>,
        #[command(flatten)]
        page: PageArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum ListCmd {
    /// Create a list; prints its id.
    Add {
        /// The list's name: one line, at most 100 characters, unique.
        #[arg(long, value_parser = Text(parse::list_name))]
        name: ListName,
    },
    /// Lists by name, with how many members each has.
    List(PageArgs),
    /// Show one list.
    Show { id: ListId },
    /// Rename a list.
    Rename {
        id: ListId,
        #[arg(long, value_parser = Text(parse::list_name))]
        name: ListName,
    },
    /// Delete a list (its recipients stay).
    Delete { id: ListId },
    /// Add, remove or list the members of a list.
    #[command(subcommand)]
    Members(ListMembersCmd),
}

#[derive(Debug, Subcommand)]
pub enum ListMembersCmd {
    /// Add recipients to the list (members stay); prints how many were added.
    Add {
        id: ListId,
        #[command(flatten)]
        which: SelectionArgs,
    },
    /// Remove recipients from the list (they stay recipients); prints how many were removed.
    Remove {
        id: ListId,
        #[command(flatten)]
        which: SelectionArgs,
    },
    /// List the members, by id.
    List {
        id: ListId,
        /// Only those whose email or name holds this text (any letter case).
        #[arg(long, value_parser = Text(parse::search))]
        search: Option<Search>,
        #[command(flatten)]
        page: PageArgs,
    },
}

/// Which recipients: exactly one of these.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SelectionArgs {
    /// A recipient id; repeat for each recipient.
    #[arg(long = "recipient", value_name = "ID")]
    pub ids: Vec<RecipientId>,
    /// Every recipient there is.
    #[arg(long)]
    pub all: bool,
    /// Every recipient whose email or name holds this text (any letter case).
    #[arg(long, value_parser = Text(parse::search))]
    pub search: Option<Search>,
    /// Every member of this list.
    #[arg(long, value_name = "LIST_ID")]
    pub list: Option<ListId>,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct RecipientArgs {
    /// A recipient id; repeat for each recipient.
    #[arg(long = "recipient", value_name = "ID")]
    pub ids: Vec<RecipientId>,
    /// Every recipient there is now.
    #[arg(long)]
    pub all_recipients: bool,
}

#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct OptionalRecipientArgs {
    /// Replace the recipients with these ids; repeat for each.
    #[arg(long = "recipient", value_name = "ID")]
    pub ids: Vec<RecipientId>,
    /// Replace the recipients with every recipient there is now.
    #[arg(long)]
    pub all_recipients: bool,
}

#[derive(Debug, Args, Clone, Copy)]
pub struct PageArgs {
    /// Show at most this many rows.
    #[arg(long, allow_negative_numbers = true)]
    pub limit: Option<u64>,
    /// Skip this many rows first.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub offset: u64,
}

impl PageArgs {
    pub fn page(self) -> postpilot_core::Page {
        postpilot_core::Page::new(self.offset, self.limit.unwrap_or(i64::MAX as u64))
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Anything but loopback needs POSTPILOT_API_TOKEN.
    #[arg(long, env = "POSTPILOT_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// The token of the API and the UI login, at least 16 characters. Unset: a
    /// random one is made and printed as a login URL. Prefer the environment
    /// variable: a flag is visible to other users in the process list.
    #[arg(long, env = "POSTPILOT_API_TOKEN", hide_env_values = true,
          value_parser = parse::secret)]
    pub api_token: Option<SecretString>,
    /// Wrong tokens one client (an IP address, an IPv6 /64) may present
    /// within a minute, API and /login together; past it, every attempt from
    /// it is refused with 429 until the minute is over. Behind a reverse
    /// proxy every client shares the proxy's address, and so this limit.
    #[arg(long, env = "POSTPILOT_MAX_WRONG_TOKENS", default_value_t = 10,
          allow_negative_numbers = true, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_wrong_tokens: u32,
    /// The time zone of every time the web UI shows and takes, an IANA
    /// name (Europe/Moscow, UTC). Unset: the machine's zone (TZ or
    /// /etc/localtime), UTC if that cannot be read.
    #[arg(long, env = "POSTPILOT_TIMEZONE", value_parser = parse::timezone)]
    pub timezone: Option<postpilot_http::Tz>,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    const SMTP_PASSWORD: &str = "smtp-PASSWORD-in-url";
    const DB_PASSWORD: &str = "db-PASSWORD-in-url";
    const TOKEN: &str = "api-TOKEN-0123456789abcdef";

    #[test]
    fn debug_of_the_options_never_shows_a_password_the_token_or_the_dkim_key() {
        let smtp = format!("smtp://mailer:{SMTP_PASSWORD}@127.0.0.1:2525");
        let db = format!("postgres://pp:{DB_PASSWORD}@127.0.0.1:5432/pp");
        let key = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../postpilot-smtp/tests/pki/dkim-ed25519.pem"
        );
        let pem = std::fs::read_to_string(key).expect("test key");
        let key_base64 = pem.lines().nth(1).expect("base64 line");
        let cli = Cli::try_parse_from([
            "postpilot",
            "--smtp-url",
            &smtp,
            "--database-url",
            &db,
            "--dkim-domain",
            "shop.example",
            "--dkim-selector",
            "pp1",
            "--dkim-key",
            key,
            "serve",
            "--api-token",
            TOKEN,
        ])
        .expect("parsed");
        let Command::Serve(args) = &cli.command else {
            panic!("serve expected");
        };
        let global = format!("{:?}", cli.global);
        assert!(global.contains("DkimKey(Ed25519, [redacted])"), "{global}");
        for shown in [
            format!("{cli:?}"),
            format!("{cli:#?}"),
            format!("{:?}", cli.global),
            format!("{args:?}"),
        ] {
            assert!(
                shown.contains("REDACTED"),
                "the secrets are there, redacted: {shown}"
            );
            for secret in [SMTP_PASSWORD, DB_PASSWORD, TOKEN, key_base64] {
                assert!(!shown.contains(secret), "{secret} in {shown}");
            }
        }
    }
}
