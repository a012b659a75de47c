//! `/api/v1/messages`: Сообщения.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use postpilot_core::MessageId;

use super::extract::{ApiJson, ApiPath, MessagePath, Paging, PagingParams};
use super::model::{MessageJson, MessageList, MessagePatchJson, NewMessageJson};
use super::{created, Created};
use crate::error::{ApiError, ErrorBody};
use crate::state::{AppClock, AppMailer, AppState, AppStore};

pub(crate) fn routes<S: AppStore, M: AppMailer, C: AppClock>() -> Router<AppState<S, M, C>> {
    Router::new()
        .route("/messages", get(list::<S, M, C>).post(create::<S, M, C>))
        .route(
            "/messages/{id}",
            get(show::<S, M, C>)
                .patch(update::<S, M, C>)
                .delete(remove::<S, M, C>),
        )
}

/// List messages, ordered by id.
#[utoipa::path(get, path = "/api/v1/messages", tag = "messages",
    operation_id = "listMessages", params(PagingParams),
    responses(
        (status = 200, body = MessageList),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn list<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    paging: Paging,
) -> Result<Json<MessageList>, ApiError> {
    let rows = app.messages().list(paging.page()).await?;
    Ok(Json(MessageList::new(rows, paging)))
}

/// Add a message; it is stamped `created_at` now.
#[utoipa::path(post, path = "/api/v1/messages", tag = "messages",
    operation_id = "createMessage", request_body = NewMessageJson,
    responses(
        (status = 201, body = MessageJson, description = "Created",
            headers(("Location" = String, description = "The new message: `/api/v1/messages/{id}`")),
            links(
                ("showMessage" = (operation_id = "showMessage", parameters(("id" = "$response.body#/id")))),
                ("updateMessage" = (operation_id = "updateMessage", parameters(("id" = "$response.body#/id")))),
                ("removeMessage" = (operation_id = "removeMessage", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn create<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    ApiJson(body): ApiJson<NewMessageJson>,
) -> Result<Created<MessageJson>, ApiError> {
    let message = app.messages().add(body.validate()?).await?;
    Ok(created(
        format!("/api/v1/messages/{}", message.id),
        message.into(),
    ))
}

/// One message with its body.
#[utoipa::path(get, path = "/api/v1/messages/{id}", tag = "messages",
    operation_id = "showMessage", params(MessagePath),
    responses(
        (status = 200, body = MessageJson),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn show<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MessageJson>, ApiError> {
    Ok(Json(app.messages().get(MessageId(id)).await?.into()))
}

/// Change the subject or the body of a message.
#[utoipa::path(patch, path = "/api/v1/messages/{id}", tag = "messages",
    operation_id = "updateMessage", params(MessagePath), request_body = MessagePatchJson,
    responses(
        (status = 200, body = MessageJson),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn update<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MessagePatchJson>,
) -> Result<Json<MessageJson>, ApiError> {
    let message = app.messages().edit(MessageId(id), body.validate()?).await?;
    Ok(Json(message.into()))
}

/// Delete a message that no mailing uses.
#[utoipa::path(delete, path = "/api/v1/messages/{id}", tag = "messages",
    operation_id = "removeMessage", params(MessagePath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "A mailing uses the message"),
    ))]
pub(crate) async fn remove<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    app.messages().delete(MessageId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
