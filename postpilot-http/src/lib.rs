//! postpilot over HTTP: an axum [`Router`] with a JSON API under `/api/v1`
//! and a Russian-language web UI, built over the core's use cases and
//! generic over its ports (no database or SMTP type in here).
//!
//! ```text
//! /api/v1/...            JSON API (Authorization: Bearer), /api/v1/openapi.json
//! /, /recipients, ...    web UI (session cookie from /login, CSRF token on every form)
//! /healthz, /readyz      liveness, readiness (database reachable)
//! /metrics               Prometheus (OpenMetrics text)
//! ```
//!
//! The front end that mounts it (the CLI's `serve`) binds the socket, serves
//! with graceful shutdown and waits for [`Deliveries`] before exiting.

mod api;
mod auth;
mod csrf;
mod error;
mod health;
mod layers;
mod limit;
mod metrics;
mod openapi;
mod sending;
mod state;
mod ui;

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::Router;

pub use auth::{ApiToken, TokenError};
pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use limit::LoginLimit;
pub use openapi::openapi_json;
pub use sending::Deliveries;
pub use state::{AppClock, AppMailer, AppState, AppStore, HttpConfig};

/// The whole service: API, UI, health, metrics, with tracing, a request
/// timeout, a body limit and security headers.
pub fn router<S: AppStore, M: AppMailer, C: AppClock>(state: AppState<S, M, C>) -> Router {
    let config = state.config().clone();
    Router::new()
        .nest("/api/v1", api::routes(state.clone()))
        .merge(ui::routes(state.clone()))
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready::<S, M, C>))
        .route("/metrics", get(metrics::expose::<S, M, C>))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(from_fn_with_state(config.request_timeout, layers::timeout))
        .layer(from_fn(layers::security_headers))
        .layer(from_fn_with_state(state.clone(), metrics::track::<S, M, C>))
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

/// Serves `router` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish. Each request knows its peer's address (for
/// the limit on wrong tokens). Background deliveries are not waited for
/// here: see [`Deliveries::wait`].
///
/// # Errors
/// An I/O error of the listener.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
