//! The JSON API under `/api/v1` (ARCHITECTURE.md, "HTTP"). Every route but the OpenAPI
//! document needs `Authorization: Bearer <token>`; every error has the
//! shape of [`crate::error::ErrorBody`].

pub(crate) mod extract;
pub(crate) mod lists;
pub(crate) mod mailings;
pub(crate) mod messages;
pub(crate) mod model;
pub(crate) mod moderation;
pub(crate) mod recipients;
pub(crate) mod rules;
pub(crate) mod selection;
pub(crate) mod stats;
pub(crate) mod suppression;
pub(crate) mod users;

use axum::http::{header, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use axum::{Json, Router};

use crate::auth;
use crate::error::ApiError;
use crate::openapi;
use crate::state::{AppState, Wiring};

/// A `201 Created` answer naming the new resource.
pub(crate) type Created<T> = (StatusCode, [(header::HeaderName, String); 1], Json<T>);

pub(crate) fn created<T>(location: String, body: T) -> Created<T> {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
}

/// The router to nest at `/api/v1`.
pub(crate) fn routes<W: Wiring>(state: AppState<W>) -> Router<AppState<W>> {
    Router::new()
        .merge(recipients::routes())
        .merge(suppression::routes())
        .merge(messages::routes())
        .merge(mailings::routes())
        .merge(moderation::routes())
        .merge(lists::routes())
        .merge(stats::routes())
        .merge(users::routes::<W>())
        .route_layer(from_fn_with_state(state, auth::require_bearer::<W>))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { ApiError::not_found("no such API route") })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
}
