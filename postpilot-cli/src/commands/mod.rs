//! Dispatch of the command tree onto the use cases.

mod mailing;
mod message;
mod recipient;
mod serve;
mod stats;
mod worker;

use clap::CommandFactory;
use postpilot_core::ports::{Store, StoreError};
use postpilot_store_sqlx::{PgStore, SqliteStore};

use crate::app::App;
use crate::cli::{Cli, Command};
use crate::error::CliError;
use crate::output::Output;

/// Logs go to stderr, filtered by `RUST_LOG` (errors only by default).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)?;
    runtime.block_on(async {
        let url = cli.global.database_url.clone();
        match scheme(&url) {
            "sqlite" => run_on(SqliteStore::connect(&url).await?, cli).await,
            "postgres" | "postgresql" => run_on(PgStore::connect(&url).await?, cli).await,
            // The URL itself is not echoed: it may hold a password.
            other => Err(CliError::invalid(format!(
                "--database-url: unsupported scheme {other:?}; \
                 use sqlite://FILE or postgres://USER@HOST/DB"
            ))),
        }
    })
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
    let app = App::new(store.clone(), cli.global);
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
        Command::Stats => stats::run(app, out).await,
        Command::Serve(args) => serve::run(app, args).await,
        Command::Worker { until_idle, poll } => worker::run(app, until_idle, poll, out).await,
        Command::Migrate | Command::Completions { .. } => Ok(()),
    }
}
