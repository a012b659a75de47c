//! The composition root: the only place where adapters meet use cases.
//! It picks the runtime, the store (`store.rs`), the mailer (`mailer.rs`),
//! the clock and the send policy, builds the use cases once, and hands
//! them to the command asked for; `serve` builds the HTTP state from the
//! same ones (see ARCHITECTURE.md, Wiring and the composition root).

pub mod mailer;
mod store;

use clap::CommandFactory;
use postpilot_core::ports::{Store, SystemClock};
use postpilot_core::usecases::{Previews, SendMailing, SendPolicy, StopSignal, UseCases, Worker};
use postpilot_core::Actor;
use postpilot_http::{AppState, HttpConfig};
use postpilot_store_sqlx::{PgStore, SqliteStore};
use secrecy::ExposeSecret;

use crate::cli::{Cli, Command, Global};
use crate::commands;
use crate::error::CliError;
use crate::output::Output;
use mailer::AnyMailer;
use store::{Backend, Chosen};

pub type Clock = SystemClock;

/// Beyond `--smtp-timeout`, what a sender asked to stop has to record its
/// results and hand back its leases.
pub const STOP_MARGIN: std::time::Duration = std::time::Duration::from_secs(10);

/// The binary's wiring for `serve`: the store `--database-url` chose, the
/// mailer the SMTP options chose, the system clock.
#[derive(Debug)]
pub struct Wired<S>(std::marker::PhantomData<fn() -> S>);

impl<S: Store + Clone + 'static> postpilot_http::Wiring for Wired<S> {
    type Store = S;
    type Mailer = AnyMailer;
    type Clock = Clock;
}

/// Runs the command line: the commands that need no database first, then
/// the rest over the store `--database-url` names, on the runtime that
/// suits the command.
///
/// # Errors
/// Whatever the command reports; bad options exit 2.
pub fn run(cli: Cli) -> Result<(), CliError> {
    if let Command::Completions { shell } = cli.command {
        clap_complete::generate(
            shell,
            &mut Cli::command(),
            "postpilot",
            &mut std::io::stdout(),
        );
        return Ok(());
    }
    if let Command::Dkim(cmd) = &cli.command {
        // Needs no database: only the options.
        return commands::dkim::run(&cli.global, cmd);
    }
    // Sending is one task driving every connection and the store: on one
    // thread it wakes no other, which on a busy two-core machine is most of
    // its cost. The rest (the web server above all) gets every core.
    let mut builder = if cli.command.is_delivery() {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = builder.enable_all().build().map_err(anyhow::Error::from)?;
    let result = runtime.block_on(async {
        let early = head_start(&cli);
        let url = cli.global.database_url.expose_secret().to_owned();
        match store::choose(&url)? {
            Chosen::Sqlite => run_on(SqliteStore::connect(&url).await?, cli, early).await,
            Chosen::Postgres => run_on(PgStore::connect(&url).await?, cli, early).await,
        }
    });
    // Whatever a command cut short (at its stop cap) may not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

/// What `mailing send` over SMTP makes before the database opens: the stop
/// signal, and the mailer with its connections already opening
/// ([`SmtpMailer::connect_ahead`](postpilot_smtp::SmtpMailer::connect_ahead)),
/// so that at a distance the first emails do not wait for each
/// connection's greeting and EHLO after the launch. `None` for every other
/// command, and for options that make no mailer (that error is said where
/// the mailer is needed, as for any command).
fn head_start(cli: &Cli) -> Option<(StopSignal, AnyMailer)> {
    let sending = matches!(
        cli.command,
        Command::Mailing(crate::cli::MailingCmd::Send { detach: false, .. })
    );
    if !sending || cli.global.smtp_url.is_none() {
        return None;
    }
    let stop = StopSignal::on(commands::os_signal());
    let mailer = mailer::choose(&cli.global, &stop).ok()?;
    if let AnyMailer::Smtp(smtp) = &mailer {
        smtp.connect_ahead(usize::from(cli.global.concurrency));
    }
    Some((stop, mailer))
}

/// Runs the command on `store`, with what [`head_start`] made, then closes it.
async fn run_on<S: Backend>(
    store: S,
    cli: Cli,
    early: Option<(StopSignal, AnyMailer)>,
) -> Result<(), CliError> {
    let mut app = App::new(store.clone(), cli.global);
    let stop_watched = cli.command.is_delivery() || matches!(cli.command, Command::Serve(_));
    match early {
        Some((stop, mailer)) => {
            app.stop = stop;
            // The first mailer of this app: the cell is empty.
            let _ = app.mailer.set(mailer);
        }
        None if stop_watched => app.stop = StopSignal::on(commands::os_signal()),
        None => {}
    }
    if let Err(refused) = app.act(&cli.command).await {
        app.close_mailer().await;
        return Err(refused);
    }
    let result = match cli.command {
        Command::Migrate => store
            .migrate()
            .await
            .map_err(CliError::from)
            .and_then(|()| {
                Ok(Output {
                    json: app.global.json,
                }
                .done("database is up to date")?)
            }),
        command => commands::dispatch(&app, command).await,
    };
    app.close_mailer().await;
    store.close().await;
    result
}

/// The wired application over a store `S`.
#[derive(Debug)]
pub struct App<S> {
    /// Every use case, built once over the store, the clock and the send
    /// policy of the options.
    pub uses: UseCases<S, Clock>,
    pub global: Global,
    /// Who the command acts as: the system (the database's full access),
    /// or the user `--as` names; [`App::uses`] is scoped to it.
    pub actor: Actor,
    /// Raised on Ctrl-C or SIGTERM in the commands that deliver: senders
    /// then stop gracefully.
    pub stop: StopSignal,
    /// The one mailer of the process, made on first use: its clones share
    /// one pool of connections, closed with QUIT by [`App::close_mailer`].
    mailer: std::sync::OnceLock<AnyMailer>,
}

impl<S: Store + Clone + 'static> App<S> {
    pub fn new(store: S, global: Global) -> Self {
        Self {
            uses: UseCases::new(store, SystemClock, send_policy(&global)),
            global,
            actor: Actor::System,
            stop: StopSignal::never(),
            mailer: std::sync::OnceLock::new(),
        }
    }

    /// Scopes the use cases to who `--as` names, or to the system creating
    /// for the first admin (ARCHITECTURE.md, "Users and ownership").
    ///
    /// # Errors
    /// Exit 2 when `--as` is given to a command that acts for nobody
    /// (`serve`, `worker`, `migrate`); exit 1 when it names no user or a
    /// blocked one.
    pub async fn act(&mut self, command: &Command) -> Result<(), CliError> {
        let system_owner = self.uses.store().first_admin().await?;
        if let Some(email) = self.global.acting_as.clone() {
            if matches!(
                command,
                Command::Serve(_) | Command::Worker { .. } | Command::Migrate
            ) {
                return Err(CliError::invalid(
                    "--as: serve, worker and migrate act for nobody; use it with the other commands",
                ));
            }
            let user = self.uses.accounts.by_email(&email).await?.ok_or_else(|| {
                CliError::Failed(anyhow::anyhow!("--as: no user has the email {email}"))
            })?;
            if user.blocked {
                return Err(CliError::Failed(anyhow::anyhow!(
                    "--as: user {email} is blocked"
                )));
            }
            self.actor = Actor::User(user);
        }
        if !matches!(command, Command::Serve(_) | Command::Worker { .. }) {
            self.uses = self.uses.scoped(self.actor.scope(system_owner));
        }
        Ok(())
    }

    /// Previews and test sends, through the configured mailer.
    ///
    /// # Errors
    /// As [`Self::mailer`].
    pub fn previews(&self) -> Result<Previews<S, AnyMailer>, CliError> {
        Ok(self.uses.previews(self.mailer()?))
    }

    /// The mailer of the options ([`mailer::choose`]); the same one (clones
    /// sharing one pool) on every call.
    ///
    /// # Errors
    /// A malformed SMTP URL or an outbox directory that cannot be created.
    pub fn mailer(&self) -> Result<AnyMailer, CliError> {
        if let Some(mailer) = self.mailer.get() {
            return Ok(mailer.clone());
        }
        let mailer = mailer::choose(&self.global, &self.stop)?;
        Ok(self.mailer.get_or_init(|| mailer).clone())
    }

    /// Closes the mailer's idle connections with QUIT, if one was made,
    /// not waiting for the replies: the process is about to exit.
    pub async fn close_mailer(&self) {
        if let Some(mailer) = self.mailer.get() {
            mailer.quit_idle().await;
        }
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

    /// The sender, stopped by [`App::stop`].
    ///
    /// # Errors
    /// As [`App::mailer`].
    pub fn sender(&self) -> Result<SendMailing<S, AnyMailer, Clock>, CliError> {
        self.say_if_no_unsubscribe_link();
        Ok(self
            .uses
            .sender(self.mailer()?)
            .with_stop(self.stop.clone()))
    }

    /// The HTTP state over these use cases and this mailer: the server's
    /// sender delivers under the same policy as every other command.
    ///
    /// # Errors
    /// As [`App::mailer`].
    pub fn http_state(&self, config: HttpConfig) -> Result<AppState<Wired<S>>, CliError> {
        self.say_if_no_unsubscribe_link();
        Ok(AppState::new(self.uses.clone(), self.mailer()?, config))
    }

    /// How long a sender asked to stop may take before the process exits
    /// anyway: the sends in flight finish within `--smtp-timeout`, and
    /// [`STOP_MARGIN`] is left to record them and hand back the rest.
    pub fn stop_cap(&self) -> std::time::Duration {
        self.global.smtp_timeout + STOP_MARGIN
    }

    /// Says once, on stderr, that emails go without an unsubscribe link
    /// when there is no `--public-url`: sending works, but real inboxes
    /// want one (RFC 8058).
    fn say_if_no_unsubscribe_link(&self) {
        if self.global.public_url.is_none() {
            eprintln!("postpilot: no --public-url: emails go without an unsubscribe link");
        }
    }
}

/// How runs are delivered, from the options.
fn send_policy(g: &Global) -> SendPolicy {
    let connections = usize::from(g.concurrency);
    // 16 per connection by default: results are recorded in groups of half
    // the window while the other half is sent, and the store's cost per
    // record is mostly fixed, so a group of 8 per connection sends 20,000
    // emails about a quarter faster than a group of 4 (ARCHITECTURE.md,
    // "Delivery engine"). A crash repeats at most this many sends.
    let max_unrecorded = g.max_unrecorded.map_or_else(
        || connections * 16,
        |n| usize::try_from(n).unwrap_or(usize::MAX),
    );
    let concurrency = in_flight(g, connections, max_unrecorded);
    SendPolicy {
        max_tries: g.max_tries,
        retry_backoff: g.retry_backoff,
        concurrency,
        max_unrecorded,
        // Four rounds of sends per claim: few claims, and still small
        // enough that several workers share a run evenly (not as large as
        // the sends kept in flight, eight per connection: against a slow
        // server one worker would hold what the others could be sending).
        batch_size: (u32::from(g.concurrency) * 4).clamp(8, 500),
        rate: std::num::NonZeroU32::new(g.rate),
        lease: lease(g),
        // A failing database is waited for as long as a lease lasts.
        store_patience: lease(g),
        public_url: g.public_url.clone(),
        ..SendPolicy::default()
    }
}

/// Sends kept in flight: over SMTP, several per connection, so that a
/// connection whose server pipelines always has the next email to write
/// with the previous one (see ARCHITECTURE.md, "SMTP"); never more than
/// `--max-unrecorded` allows, never fewer than one per connection.
fn in_flight(g: &Global, connections: usize, max_unrecorded: usize) -> usize {
    if g.smtp_url.is_none() {
        return connections;
    }
    connections
        .saturating_mul(postpilot_smtp::SmtpMailer::IN_FLIGHT_PER_CONNECTION)
        .min(max_unrecorded)
        .max(connections)
}

/// A lease must outlast the longest single send.
fn lease(g: &Global) -> std::time::Duration {
    g.lease
        .unwrap_or_else(|| std::time::Duration::from_secs(60).max(g.smtp_timeout.saturating_mul(2)))
}
