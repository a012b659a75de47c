//! `postpilot serve`: the JSON API and the web UI (postpilot-http) over the
//! same store, mailer and use cases as every other command.

use std::time::Duration;

use postpilot_core::ports::Store;
use postpilot_http::{ApiToken, AppState, HttpConfig};
use secrecy::ExposeSecret;

use crate::app::App;
use crate::cli::ServeArgs;
use crate::error::CliError;

/// How long deliveries running in the background may go on after the
/// server stopped taking requests; a run cut short resumes on the next send.
const DELIVERY_GRACE: Duration = Duration::from_secs(30);

pub async fn run<S: Store + Clone + 'static>(
    app: &App<S>,
    args: ServeArgs,
) -> Result<(), CliError> {
    let (token, generated) = match args.api_token {
        Some(secret) => (
            ApiToken::new(secret.expose_secret())
                .map_err(|e| CliError::invalid(format!("POSTPILOT_API_TOKEN: {e}")))?,
            false,
        ),
        None if args.bind.ip().is_loopback() => (ApiToken::generate(), true),
        None => {
            return Err(CliError::invalid(format!(
                "--bind {}: refusing to serve beyond this machine without a chosen token; \
                 set POSTPILOT_API_TOKEN (at least {} characters)",
                args.bind,
                ApiToken::MIN_LEN
            )))
        }
    };
    let mut config = HttpConfig::new(token.clone());
    config.send_policy = app.send_policy();
    config.login_limit.max_failures = args.max_wrong_tokens;
    let state = AppState::new(app.store.clone(), app.mailer()?, app.clock, config);
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .map_err(|e| anyhow::anyhow!("--bind {}: {e}", args.bind))?;
    let addr = listener.local_addr().map_err(anyhow::Error::from)?;
    // Printed once, to stdout only: the token is never logged.
    println!("postpilot listening on http://{addr}");
    if generated {
        println!("log in: http://{addr}/login?token={}", token.expose());
    }
    // The scheduler and queue worker: launches mailings whose first send
    // time has come, and finishes runs left unfinished (by a crash, say).
    let worker = app.worker(Duration::from_secs(2))?;
    let (stop_worker, stopped) = tokio::sync::watch::channel(());
    let worker = tokio::spawn(async move {
        let mut stopped = stopped;
        let quiet = |_: &postpilot_core::SendRun| {};
        worker
            .run(&quiet, async move {
                // Ends when the sender is dropped.
                while stopped.changed().await.is_ok() {}
            })
            .await
    });
    postpilot_http::serve(listener, postpilot_http::router(state.clone()), shutdown())
        .await
        .map_err(anyhow::Error::from)?;
    drop(stop_worker);
    match tokio::time::timeout(DELIVERY_GRACE, worker).await {
        Ok(Ok(Err(e))) => tracing::error!(error = %e, "the scheduler stopped with an error"),
        Ok(Err(e)) => tracing::error!(error = %e, "the scheduler task failed"),
        Ok(Ok(Ok(()))) | Err(_) => {}
    }
    let running = state.deliveries().in_progress();
    if running > 0 {
        eprintln!(
            "postpilot: waiting up to {DELIVERY_GRACE:?} for {running} delivery run(s) to finish"
        );
    }
    if !state.deliveries().wait(DELIVERY_GRACE).await {
        eprintln!("postpilot: stopping with deliveries unfinished; the next send of their mailings resumes them");
    }
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub(super) async fn shutdown() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    eprintln!("postpilot: shutting down; finishing requests in flight");
}
