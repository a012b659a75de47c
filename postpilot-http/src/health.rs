//! `/healthz` (the process answers) and `/readyz` (and reaches its database).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use postpilot_core::Page;
use serde_json::json;

use crate::error::ApiError;
use crate::state::{AppState, Wiring};

pub(crate) async fn live() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

pub(crate) async fn ready<W: Wiring>(State(app): State<AppState<W>>) -> Response {
    match app.recipients().list(Page::new(0, 1)).await {
        Ok(_) => Json(json!({ "status": "ready" })).into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "not ready: the database is not reachable");
            ApiError::not_ready().into_response()
        }
    }
}
