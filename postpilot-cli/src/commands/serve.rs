//! `postpilot serve`: the JSON API and the web UI (postpilot-http) over the
//! same store, mailer and use cases as every other command.

use postpilot_core::ports::Store;
use postpilot_http::{ApiToken, HttpConfig, ServeOptions, Tz};
use secrecy::ExposeSecret;

use crate::app::App;
use crate::cli::ServeArgs;
use crate::error::CliError;

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
    // Ctrl-C or SIGTERM (`app.stop`): the server stops taking requests and
    // its sender stops claiming, and both finish what they have in hand.
    let stop = app.stop.clone();
    let mut config = HttpConfig::new(token.clone());
    // The one sender of this process is the server's: it delivers what the
    // API and the UI launch, and is the scheduler and queue worker too.
    config.schedule = true;
    config.allow_signup = args.allow_signup;
    if args.allow_signup && app.global.public_url.is_none() {
        return Err(CliError::invalid(
            "--allow-signup needs --public-url: the confirmation link must lead to this server",
        ));
    }
    config.stop = stop.clone();
    config.login_limit.max_failures = args.max_wrong_tokens;
    let zone = args.timezone.unwrap_or_else(machine_zone);
    config.timezone = zone;
    let state = app.http_state(config)?;
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .map_err(|e| anyhow::anyhow!("--bind {}: {e}", args.bind))?;
    let addr = listener.local_addr().map_err(anyhow::Error::from)?;
    // Printed once, to stdout only: the token is never logged.
    println!("postpilot listening on http://{addr}");
    if generated {
        println!("log in: http://{addr}/login?token={}", token.expose());
    }
    // No admin yet: a one-time link to make the first one, to stdout only
    // (never logged). Each start replaces the key, so only this link works.
    if let Some(key) = app.uses.accounts.setup_key().await? {
        let base = app
            .global
            .public_url
            .as_ref()
            .map_or_else(|| format!("http://{addr}"), ToString::to_string);
        println!(
            "open {base}/setup/{} to create the first admin",
            key.expose()
        );
        eprintln!(
            "postpilot: no admin yet: the link above works once, for 24 hours, until the next \
             start; or add one with `postpilot user add --role admin --email EMAIL --name NAME`"
        );
    }
    eprintln!("postpilot: times in the web UI are in {}", zone.name());
    state.start_sending();
    let options = ServeOptions::default();
    let http = postpilot_http::serve(
        listener,
        postpilot_http::router(state.clone()),
        {
            let stop = stop.clone();
            async move { stop.stopped().await }
        },
        options,
    );
    let cap = app.stop_cap();
    let sending = async {
        stop.stopped().await;
        state.deliveries().wait(cap).await
    };
    let (served, sender_stopped) = tokio::join!(http, sending);
    let cut = served.map_err(anyhow::Error::from)?;
    if cut > 0 {
        eprintln!(
            "postpilot: closed {cut} connection(s) whose requests took longer than {:?}",
            options.grace
        );
    }
    if !sender_stopped {
        super::cut_short(cap);
    }
    Ok(())
}

/// The machine's time zone (`TZ`, else `/etc/localtime`); UTC, saying so,
/// when it cannot be read or is not a zone the zone database knows.
fn machine_zone() -> Tz {
    let found = iana_time_zone::get_timezone()
        .map_err(|e| e.to_string())
        .and_then(|name| crate::parse::timezone(&name));
    found.unwrap_or_else(|why| {
        eprintln!(
            "postpilot: the machine's time zone is unknown ({why}); the web UI uses UTC (set --timezone)"
        );
        Tz::UTC
    })
}

/// Completes on Ctrl-C or SIGTERM, saying so. The handlers are installed
/// by the call itself, not when the future is first polled: from then on
/// neither signal kills the process, each asks it to stop.
pub fn os_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{signal, SignalKind};
        let terminate = signal(SignalKind::terminate()).ok();
        let interrupt = signal(SignalKind::interrupt()).ok();
        async move {
            let received = |signal: Option<tokio::signal::unix::Signal>| async move {
                match signal {
                    Some(mut signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = received(terminate) => {},
                () = received(interrupt) => {},
            }
        }
    };
    #[cfg(not(unix))]
    let signals = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    async move {
        signals.await;
        eprintln!("postpilot: stopping: no new sends; finishing those in flight");
    }
}
