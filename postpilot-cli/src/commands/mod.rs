//! Dispatch of the command tree onto the use cases.

mod mailing;
mod message;
mod recipient;
mod stats;

use clap::CommandFactory;
use postpilot_core::ports::Store;
use postpilot_store_sqlx::SqliteStore;

use crate::app::App;
use crate::cli::{Cli, Command, Global};
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
        let store = connect(&cli.global).await?;
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
    })
}

async fn connect(global: &Global) -> Result<SqliteStore, CliError> {
    let url = &global.database_url;
    if !url.starts_with("sqlite:") {
        // The URL itself is not echoed: it may hold a password.
        let scheme = url.split_once(':').map_or("", |(s, _)| s);
        return Err(CliError::invalid(format!(
            "--database-url: unsupported scheme {scheme:?}; use sqlite://FILE"
        )));
    }
    Ok(SqliteStore::connect(url).await?)
}

async fn dispatch<S: Store + Clone>(app: &App<S>, command: Command) -> Result<(), CliError> {
    let out = Output {
        json: app.global.json,
    };
    match command {
        Command::Recipient(cmd) => recipient::run(app, cmd, out).await,
        Command::Message(cmd) => message::run(app, cmd, out).await,
        Command::Mailing(cmd) => mailing::run(app, cmd, out).await,
        Command::Stats => stats::run(app, out).await,
        Command::Migrate | Command::Completions { .. } => Ok(()),
    }
}
