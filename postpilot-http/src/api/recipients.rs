//! `/api/v1/recipients`: Получатели.

use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use postpilot_core::RecipientId;

use super::extract::{ApiJson, ApiPath, Paging, PagingParams, RecipientPath};
use super::model::{NewRecipientJson, RecipientJson, RecipientList, RecipientPatchJson};
use super::{created, Created};
use crate::auth::Acting;
use crate::error::{ApiError, ErrorBody};
use crate::state::{AppState, Wiring};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/recipients", get(list::<W>).post(create::<W>))
        .route(
            "/recipients/{id}",
            get(show::<W>).patch(update::<W>).delete(remove::<W>),
        )
}

/// List recipients, ordered by id.
#[utoipa::path(get, path = "/api/v1/recipients", tag = "recipients",
    operation_id = "listRecipients", params(PagingParams),
    responses(
        (status = 200, body = RecipientList),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn list<W: Wiring>(
    Acting(app): Acting<W>,
    paging: Paging,
) -> Result<Json<RecipientList>, ApiError> {
    let rows = app.recipients().list(paging.page()).await?;
    Ok(Json(RecipientList::new(rows, paging)))
}

/// Add a recipient.
#[utoipa::path(post, path = "/api/v1/recipients", tag = "recipients",
    operation_id = "createRecipient", request_body = NewRecipientJson,
    responses(
        (status = 201, body = RecipientJson, description = "Created",
            headers(("Location" = String, description = "The new recipient: `/api/v1/recipients/{id}`")),
            links(
                ("showRecipient" = (operation_id = "showRecipient", parameters(("id" = "$response.body#/id")))),
                ("updateRecipient" = (operation_id = "updateRecipient", parameters(("id" = "$response.body#/id")))),
                ("removeRecipient" = (operation_id = "removeRecipient", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The email exists (in any letter case)"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn create<W: Wiring>(
    Acting(app): Acting<W>,
    ApiJson(body): ApiJson<NewRecipientJson>,
) -> Result<Created<RecipientJson>, ApiError> {
    let recipient = app.recipients().add(body.validate()?).await?;
    Ok(created(
        format!("/api/v1/recipients/{}", recipient.id),
        recipient.into(),
    ))
}

/// One recipient.
#[utoipa::path(get, path = "/api/v1/recipients/{id}", tag = "recipients",
    operation_id = "showRecipient", params(RecipientPath),
    responses(
        (status = 200, body = RecipientJson),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn show<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RecipientJson>, ApiError> {
    let recipient = app.recipients().get(RecipientId(id)).await?;
    Ok(Json(recipient.into()))
}

/// Change some fields of a recipient.
#[utoipa::path(patch, path = "/api/v1/recipients/{id}", tag = "recipients",
    operation_id = "updateRecipient", params(RecipientPath), request_body = RecipientPatchJson,
    responses(
        (status = 200, body = RecipientJson),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The new email belongs to another recipient"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn update<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RecipientPatchJson>,
) -> Result<Json<RecipientJson>, ApiError> {
    let recipient = app
        .recipients()
        .edit(RecipientId(id), body.validate()?)
        .await?;
    Ok(Json(recipient.into()))
}

/// Delete a recipient: it leaves every mailing; its past attempts are kept.
#[utoipa::path(delete, path = "/api/v1/recipients/{id}", tag = "recipients",
    operation_id = "removeRecipient", params(RecipientPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn remove<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    app.recipients().delete(RecipientId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
