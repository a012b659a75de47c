//! postpilot over HTTP: an axum [`Router`] with a JSON API under `/api/v1`
//! and a Russian-language web UI, built over the core's use cases and
//! generic over its ports (no database or SMTP type in here).
//!
//! ```text
//! /api/v1/...            JSON API (Authorization: Bearer), /api/v1/openapi.json
//! /, /recipients, ...    web UI (session cookie from /login, CSRF token on every form)
//! /u/{token}             public one-click unsubscribe (no login)
//! /healthz, /readyz      liveness, readiness (database reachable)
//! /metrics               Prometheus (OpenMetrics text)
//! ```
//!
//! The state holds the server's one sender (see [`Deliveries`]): whatever
//! the API, the UI or (when configured) the schedule launches, it delivers,
//! one run at a time, so the send policy's limits hold for the process. The
//! front end that mounts the router (the CLI's `serve`) binds the socket,
//! starts the sender ([`AppState::start_sending`]), serves with [`serve`],
//! and at shutdown raises [`HttpConfig::stop`] and waits for the sender
//! ([`Deliveries::wait`]).

mod api;
mod auth;
mod csrf;
mod error;
mod health;
pub mod json;
pub mod labels;
mod layers;
mod limit;
mod metrics;
mod openapi;
mod sending;
mod state;
mod ui;

use std::future::Future;
use std::time::Duration;

use axum::extract::{ConnectInfo, DefaultBodyLimit};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::Router;

pub use auth::{ApiToken, TokenError};
pub use chrono_tz::Tz;
pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use limit::LoginLimit;
pub use openapi::openapi_json;
pub use sending::Deliveries;
pub use state::{AppState, HttpConfig, Wiring};

/// The whole service: API, UI, health, metrics, with tracing, a request
/// timeout, a body limit and security headers.
pub fn router<W: Wiring>(state: AppState<W>) -> Router {
    let config = state.config().clone();
    Router::new()
        .nest("/api/v1", api::routes(state.clone()))
        .merge(ui::routes(state.clone()))
        // Public, outside the login and the cross-site check: mail clients POST here.
        .merge(ui::public_routes())
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready::<W>))
        .route("/metrics", get(metrics::expose::<W>))
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), ui::error_pages::<W>))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(from_fn_with_state(config.request_timeout, layers::timeout))
        .layer(from_fn(layers::security_headers))
        .layer(from_fn_with_state(state.clone(), metrics::track::<W>))
        .layer(layers::trace())
        .with_state(state)
}

/// A 404 for any path no route takes: in the API's error shape under
/// `/api` (`/api/v1` itself and `/api/v1/` are not inside the nested API
/// router), the HTML page elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        ApiError::not_found("no such API route").into_response()
    } else {
        ui::not_found().await
    }
}

/// How [`serve`] treats connections; the defaults are 10 s and 10 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// A connection that has not sent a whole request header this long
    /// after it opened (or after its previous answer) is closed.
    pub header_timeout: Duration,
    /// After shutdown, how long the requests in flight may take to finish;
    /// the connections still open then are closed.
    pub grace: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            grace: Duration::from_secs(10),
        }
    }
}

/// Serves `router` on `listener` (HTTP/1.1) until `shutdown` completes,
/// then stops accepting, lets the requests in flight finish for at most
/// `options.grace` and closes every connection left. A client that takes
/// longer than `options.header_timeout` to send a request header is
/// closed, so none can hold the server or its shutdown. Each request knows
/// its peer's address (for the limit on wrong tokens). Background
/// deliveries are not waited for here: see [`Deliveries::wait`].
///
/// Returns how many connections were still open when the grace ran out.
///
/// # Errors
/// None so far: a failed accept is logged and retried.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServeOptions,
) -> std::io::Result<usize> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceExt;

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.header_timeout);
    let graceful = GracefulShutdown::new();
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, say: wait rather than spin.
                        tracing::error!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                tracing::trace!(%peer, "connection accepted");
                let service = router.clone().map_request(
                    move |mut request: axum::http::Request<hyper::body::Incoming>| {
                        request.extensions_mut().insert(ConnectInfo(peer));
                        request
                    },
                );
                let connection = graceful.watch(
                    http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)),
                );
                connections.spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    while connections.try_join_next().is_some() {}
    let open = if tokio::time::timeout(options.grace, graceful.shutdown())
        .await
        .is_ok()
    {
        0
    } else {
        connections.len()
    };
    // Whatever is left is closed here.
    connections.shutdown().await;
    Ok(open)
}
