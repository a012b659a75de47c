//! Dispatch of the command tree onto the use cases.

mod dkim;
mod list;
mod mailing;
mod message;
mod recipient;
mod serve;
mod stats;
mod worker;

use clap::CommandFactory;
use postpilot_core::ports::{Store, StoreError};
use postpilot_store_sqlx::{PgStore, SqliteDatabase, SqliteStore};
use secrecy::ExposeSecret;

use crate::app::App;
use crate::cli::{Cli, Command};
use crate::error::CliError;
use crate::output::Output;

/// Logs go to stderr, filtered by `RUST_LOG` (errors only by default).
pub fn init_logging() {
    use tracing_subscriber::util::SubscriberInitExt;
    subscriber(std::env::var("RUST_LOG").ok().as_deref(), std::io::stderr).init();
}

/// Crates whose logs below `info` are dropped whatever `RUST_LOG` says:
/// with its `tracing` feature on (any crate in the tree may turn it on),
/// lettre logs every line it writes at `debug`, `AUTH PLAIN <base64 of
/// user and password>` included.
const CAPPED_AT_INFO: &[&str] = &["lettre"];

/// The log subscriber: `rust_log`'s filter (`error` when unset or
/// malformed), and the cap of [`CAPPED_AT_INFO`] on top, which no
/// directive can lift.
fn subscriber<W>(rust_log: Option<&str>, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt;
    let filter = rust_log
        .and_then(|directives| tracing_subscriber::EnvFilter::try_new(directives).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("error"));
    let cap = tracing_subscriber::filter::filter_fn(|meta| {
        *meta.level() <= tracing::Level::INFO
            || !CAPPED_AT_INFO.iter().any(|capped| {
                meta.target()
                    .strip_prefix(capped)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
            })
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .finish()
        .with(cap)
}

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
        return dkim::run(&cli.global, cmd);
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
        let url = cli.global.database_url.expose_secret().to_owned();
        match scheme(&url) {
            "sqlite" => {
                sqlite_file(&url)?;
                run_on(SqliteStore::connect(&url).await?, cli).await
            }
            "postgres" | "postgresql" => run_on(PgStore::connect(&url).await?, cli).await,
            // The URL itself is not echoed: it may hold a password.
            other => Err(CliError::invalid(format!(
                "--database-url: unsupported scheme {other:?}; \
                 use sqlite://FILE or postgres://USER@HOST/DB"
            ))),
        }
    });
    // Whatever a command cut short (at its stop cap) may not hold the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    result
}

/// Runs `work` to its end, but once `stop` is raised gives it at most `cap`
/// more: `None` when it was cut short. Sends finish within the SMTP
/// deadline once a sender is asked to stop; the cap bounds the rest.
async fn within_cap<T>(
    work: impl std::future::Future<Output = T>,
    stop: &postpilot_core::usecases::StopSignal,
    cap: std::time::Duration,
) -> Option<T> {
    let deadline = async {
        stop.stopped().await;
        tokio::time::sleep(cap).await;
    };
    tokio::select! {
        done = work => Some(done),
        () = deadline => None,
    }
}

/// Says that the sends in flight were cut short after `cap`.
fn cut_short(cap: std::time::Duration) {
    eprintln!(
        "postpilot: sends still in flight {cap:?} after the stop; exiting anyway: \
         their deliveries are taken up again once their lease has passed"
    );
}

/// Refuses an SQLite URL that names no file: every command's work would be
/// lost when it ends (`sqlite://` opens a temporary database, and
/// `sqlite::memory:` one in memory). Even `serve`, which would keep one
/// for as long as it runs, would lose its queued runs and records on any
/// restart, against all that postpilot promises about them.
fn sqlite_file(url: &str) -> Result<(), CliError> {
    const USE: &str = "use sqlite://FILE, e.g. sqlite://postpilot.db";
    match SqliteDatabase::of_url(url) {
        Ok(SqliteDatabase::File(_)) => Ok(()),
        Ok(SqliteDatabase::Temporary) => Err(CliError::invalid(format!(
            "--database-url: names no database file; {USE}"
        ))),
        Ok(SqliteDatabase::InMemory) => Err(CliError::invalid(format!(
            "--database-url: names an in-memory database, which would keep nothing \
             once the command ends; {USE}"
        ))),
        Err(err) => Err(CliError::invalid(format!("--database-url: {err}; {USE}"))),
    }
}

/// The scheme of a database URL (`sqlite`, `postgres`, ...), never the rest.
fn scheme(url: &str) -> &str {
    url.split_once(':').map_or("", |(scheme, _)| scheme)
}

/// What the CLI needs of a store besides the ports: the same on every backend.
#[async_trait::async_trait]
trait Backend: Store + Clone + 'static {
    async fn migrate(&self) -> Result<(), StoreError>;
    async fn close(&self);
}

#[async_trait::async_trait]
impl Backend for SqliteStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        SqliteStore::migrate(self).await
    }

    async fn close(&self) {
        SqliteStore::close(self).await;
    }
}

#[async_trait::async_trait]
impl Backend for PgStore {
    async fn migrate(&self) -> Result<(), StoreError> {
        PgStore::migrate(self).await
    }

    async fn close(&self) {
        PgStore::close(self).await;
    }
}

/// Runs the command on `store`, then closes it.
async fn run_on<S: Backend>(store: S, cli: Cli) -> Result<(), CliError> {
    let mut app = App::new(store.clone(), cli.global);
    if cli.command.is_delivery() || matches!(cli.command, Command::Serve(_)) {
        app.stop = postpilot_core::usecases::StopSignal::on(serve::os_signal());
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
        command => dispatch(&app, command).await,
    };
    app.close_mailer().await;
    store.close().await;
    result
}

async fn dispatch<S: Store + Clone + 'static>(
    app: &App<S>,
    command: Command,
) -> Result<(), CliError> {
    let out = Output {
        json: app.global.json,
    };
    match command {
        Command::Recipient(cmd) => recipient::run(app, cmd, out).await,
        Command::Message(cmd) => message::run(app, cmd, out).await,
        Command::Mailing(cmd) => mailing::run(app, cmd, out).await,
        Command::List(cmd) => list::run(app, cmd, out).await,
        Command::Stats => stats::run(app, out).await,
        Command::Serve(args) => serve::run(app, args).await,
        Command::Worker { until_idle, poll } => worker::run(app, until_idle, poll, out).await,
        Command::Migrate | Command::Completions { .. } | Command::Dkim(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// A writer that keeps what was logged.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(rust_log: Option<&str>) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = subscriber(rust_log, move || writer.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::callsite::rebuild_interest_cache();
            // What lettre logs (with its `tracing` feature) when it authenticates.
            tracing::debug!(
                target: "lettre::transport::smtp::client::async_connection",
                "Wrote: AUTH PLAIN AHVzZXIAU0VDUkVU\\r\\n"
            );
            tracing::trace!(target: "lettre", "lettre trace");
            tracing::info!(target: "lettre::transport", "lettre info");
            tracing::debug!(target: "lettres", "another crate's debug");
            tracing::debug!(target: "postpilot", "our own debug");
        });
        let bytes = captured.0.lock().expect("lock").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn lettre_below_info_is_never_logged_whatever_rust_log_says() {
        // (RUST_LOG, whether it asks for debug logs of everything else)
        for (rust_log, debug_elsewhere) in [
            ("trace", true),
            ("lettre=trace", false),
            ("lettre::transport::smtp=trace,debug", true),
            ("debug,lettre=debug", true),
        ] {
            let logs = logged(Some(rust_log));
            assert!(!logs.contains("AUTH PLAIN"), "{rust_log}: {logs}");
            assert!(!logs.contains("lettre trace"), "{rust_log}: {logs}");
            assert!(
                logs.contains("lettre info"),
                "{rust_log}: info still shows: {logs}"
            );
            assert_eq!(
                logs.contains("our own debug"),
                debug_elsewhere,
                "{rust_log}: {logs}"
            );
            // Only lettre is capped, not a crate whose name starts alike
            // (which RUST_LOG's `lettre=` also enables).
            assert!(logs.contains("another crate's debug"), "{rust_log}: {logs}");
        }
    }

    #[test]
    fn errors_only_are_logged_without_rust_log_or_with_a_malformed_one() {
        for rust_log in [None, Some("not a [valid filter")] {
            let logs = logged(rust_log);
            assert!(logs.is_empty(), "{rust_log:?}: {logs}");
        }
    }
}
