//! `/api/v1/messages`: Сообщения.

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use postpilot_core::{EmailAddress, MessageId, RecipientId};

use super::extract::{ApiJson, ApiPath, MessagePath, Paging, PagingParams};
use super::model::{
    MessageJson, MessageList, MessagePatchJson, NewMessageJson, PreviewJson, PreviewRequestJson,
    TestSendJson, TestSentJson,
};
use super::rules::JsonId;
use super::{created, Created};
use crate::auth::Acting;
use crate::error::{ApiError, ErrorBody};
use crate::state::{AppState, Wiring};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/messages", get(list::<W>).post(create::<W>))
        .route(
            "/messages/{id}",
            get(show::<W>).patch(update::<W>).delete(remove::<W>),
        )
        .route("/messages/{id}/preview", post(preview::<W>))
        .route("/messages/{id}/test", post(send_test::<W>))
}

/// List messages, ordered by id.
#[utoipa::path(get, path = "/api/v1/messages", tag = "messages",
    operation_id = "listMessages", params(PagingParams),
    responses(
        (status = 200, body = MessageList),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn list<W: Wiring>(
    Acting(app): Acting<W>,
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
pub(crate) async fn create<W: Wiring>(
    Acting(app): Acting<W>,
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
pub(crate) async fn show<W: Wiring>(
    Acting(app): Acting<W>,
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
pub(crate) async fn update<W: Wiring>(
    Acting(app): Acting<W>,
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
pub(crate) async fn remove<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    app.messages().delete(MessageId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The message as one recipient would get it: subject and body with their
/// fields filled in, and the whole email as the mailer would send it.
/// Sends nothing and records nothing.
#[utoipa::path(post, path = "/api/v1/messages/{id}/preview", tag = "messages",
    operation_id = "previewMessage", params(MessagePath), request_body = PreviewRequestJson,
    responses(
        (status = 200, body = PreviewJson),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such message"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A bad field (`recipient_id` naming no recipient included), or the template cannot be rendered for this recipient"),
    ))]
pub(crate) async fn preview<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PreviewRequestJson>,
) -> Result<Json<PreviewJson>, ApiError> {
    let JsonId(recipient) = body.recipient_id;
    let letter = app
        .previews()
        .preview(MessageId(id), RecipientId(recipient))
        .await
        .map_err(recipient_in_body)?;
    Ok(Json(letter.into()))
}

/// Send the message, as one recipient would get it, to one address only:
/// a test. No run, attempt or statistic is recorded.
#[utoipa::path(post, path = "/api/v1/messages/{id}/test", tag = "messages",
    operation_id = "sendTestMessage", params(MessagePath), request_body = TestSendJson,
    responses(
        (status = 200, body = TestSentJson, description = "The mail server (or the outbox) took it"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No such message"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A bad field (`recipient_id` naming no recipient included), or the template cannot be rendered for this recipient"),
        (status = 502, body = ErrorBody, description = "The mail server did not take it (its reply in the message)"),
    ))]
pub(crate) async fn send_test<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<TestSendJson>,
) -> Result<Json<TestSentJson>, ApiError> {
    let JsonId(recipient) = body.recipient_id;
    let to = EmailAddress::parse(&body.to)
        .map_err(|e| postpilot_core::InvalidField::new("to", e.problem))?;
    let (letter, reply) = app
        .previews()
        .send_test(MessageId(id), RecipientId(recipient), to)
        .await
        .map_err(recipient_in_body)?;
    Ok(Json(TestSentJson {
        email: letter.into(),
        reply: postpilot_core::visible(&reply.0).into_owned(),
    }))
}

/// The recipient in the body names nothing: a bad field (422), as every id
/// in a body is; `404` stays for the message in the path.
fn recipient_in_body(err: postpilot_core::Error) -> ApiError {
    super::selection::referenced_in_body(
        err,
        &[(postpilot_core::ports::Entity::Recipient, "recipient_id")],
    )
}
