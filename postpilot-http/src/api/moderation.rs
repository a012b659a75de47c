//! `/api/v1/mailings/{id}/disable` and `/enable` (ARCHITECTURE.md, "Users
//! and ownership"): a manager or an admin stops any mailing they see from
//! being sent, and allows it again.

use axum::routing::post;
use axum::{Extension, Json, Router};
use postpilot_core::{Actor, MailingId};

use super::extract::{ApiPath, MailingPath};
use super::mailings::detail;
use super::model::MailingJson;
use crate::auth::Acting;
use crate::error::{ApiError, ErrorBody};
use crate::state::{AppState, Wiring};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/mailings/{id}/disable", post(disable::<W>))
        .route("/mailings/{id}/enable", post(enable::<W>))
}

/// Disable a mailing (managers and admins): the scheduler does not start
/// it, sending it is refused with 409, and a run of it under way stops at
/// its next claim, recording what it did not send as not sent. Disabling
/// a disabled mailing changes nothing.
#[utoipa::path(post, path = "/api/v1/mailings/{id}/disable", tag = "mailings",
    operation_id = "disableMailing", params(MailingPath),
    responses(
        (status = 200, body = MailingJson),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "The caller's role is user"),
        (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn disable<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MailingJson>, ApiError> {
    set(&app, &actor, MailingId(id), true).await
}

/// Enable a disabled mailing again (managers and admins): it may be sent,
/// and scheduled if it never was.
#[utoipa::path(post, path = "/api/v1/mailings/{id}/enable", tag = "mailings",
    operation_id = "enableMailing", params(MailingPath),
    responses(
        (status = 200, body = MailingJson),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "The caller's role is user"),
        (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn enable<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MailingJson>, ApiError> {
    set(&app, &actor, MailingId(id), false).await
}

async fn set<W: Wiring>(
    app: &AppState<W>,
    actor: &Actor,
    id: MailingId,
    disabled: bool,
) -> Result<Json<MailingJson>, ApiError> {
    app.mailings().set_disabled(actor, id, disabled).await?;
    Ok(Json(detail(app, id).await?))
}
