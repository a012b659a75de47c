//! `/api/v1/recipients/{id}/suppression`, `/api/v1/recipients/{id}/resubscribe`
//! and `/api/v1/suppressed`: who unsubscribed or bounced, and when; and
//! sending to someone again.

use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use postpilot_core::ports::SuppressionRepository;
use postpilot_core::{Recipient, RecipientId, Suppression};
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::{ApiPath, Paging, PagingParams, RecipientPath};
use super::model::SuppressedList;
use crate::auth::Acting;
use crate::error::{ApiError, ErrorBody};
use crate::state::{AppState, Wiring};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/recipients/{id}/suppression", get(show::<W>))
        .route("/recipients/{id}/resubscribe", post(resubscribe::<W>))
        .route("/suppressed", get(list::<W>))
}

/// A recipient's unsubscribe and bounce marks: later runs skip a recipient
/// with either.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressionJson {
    /// When they unsubscribed (the first time); null if they have not.
    pub unsubscribed_at: Option<DateTime<Utc>>,
    /// When the server last refused their address for good at RCPT; null if never.
    pub bounced_at: Option<DateTime<Utc>>,
    /// The server's reply to that RCPT, e.g. `550 5.1.1 user unknown`.
    pub bounce_reply: Option<String>,
}

impl From<Suppression> for SuppressionJson {
    fn from(s: Suppression) -> Self {
        Self {
            unsubscribed_at: s.unsubscribed_at,
            bounced_at: s.bounced_at,
            bounce_reply: s.bounce_reply,
        }
    }
}

/// A recipient with a mark.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuppressedJson {
    pub id: i64,
    pub email: String,
    pub full_name: String,
    #[serde(flatten)]
    pub marks: SuppressionJson,
}

impl From<(Recipient, Suppression)> for SuppressedJson {
    fn from((r, s): (Recipient, Suppression)) -> Self {
        Self {
            id: r.id.get(),
            email: r.email.to_string(),
            full_name: r.full_name.into_string(),
            marks: s.into(),
        }
    }
}

/// A recipient's unsubscribe and bounce marks.
#[utoipa::path(get, path = "/api/v1/recipients/{id}/suppression", tag = "recipients",
    operation_id = "showSuppression", params(RecipientPath),
    responses(
        (status = 200, body = SuppressionJson),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn show<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SuppressionJson>, ApiError> {
    let marks = app
        .store()
        .suppression(RecipientId(id))
        .await
        .map_err(postpilot_core::Error::from)?;
    Ok(Json(marks.into()))
}

/// Send to a recipient again: clears their unsubscribe and bounce marks
/// (idempotent); answers the marks, now empty.
#[utoipa::path(post, path = "/api/v1/recipients/{id}/resubscribe", tag = "recipients",
    operation_id = "resubscribeRecipient", params(RecipientPath),
    responses(
        (status = 200, body = SuppressionJson),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn resubscribe<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<SuppressionJson>, ApiError> {
    app.store()
        .resubscribe(RecipientId(id))
        .await
        .map_err(postpilot_core::Error::from)?;
    tracing::info!(recipient = id, "resubscribed");
    Ok(Json(Suppression::default().into()))
}

/// Recipients who unsubscribed or whose address bounced, ordered by id.
#[utoipa::path(get, path = "/api/v1/suppressed", tag = "recipients",
    operation_id = "listSuppressed", params(PagingParams),
    responses(
        (status = 200, body = SuppressedList),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn list<W: Wiring>(
    Acting(app): Acting<W>,
    paging: Paging,
) -> Result<Json<SuppressedList>, ApiError> {
    let rows = app
        .store()
        .suppressed(paging.page())
        .await
        .map_err(postpilot_core::Error::from)?;
    Ok(Json(SuppressedList::new(rows, paging)))
}
