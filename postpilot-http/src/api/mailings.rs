//! `/api/v1/mailings`: Рассылки, sending them, their runs and attempts.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use postpilot_core::{
    Audience, MailingId, MessageId, NewMailing, Page, Selection, Trigger, Window,
};

use super::extract::{
    ApiJson, ApiPath, MailingPath, OptionalApiJson, Paging, PagingParams, RunPath, SearchParams,
    SearchQuery,
};
use super::model::{
    recipient_ids, AttemptList, LaunchJson, MailingJson, MailingList, MailingPatchJson,
    MailingRecipientList, NewMailingJson, RecipientsAddedJson, RecipientsRemovedJson, RunJson,
    RunList, SelectionJson, SendJson,
};
use super::selection::{reference_error, ApiSelection, Change};
use super::{created, Created};
use crate::auth::Acting;
use crate::error::{ApiError, ErrorBody};
use crate::sending;
use crate::state::{AppState, Wiring};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/mailings", get(list::<W>).post(create::<W>))
        .route(
            "/mailings/{id}",
            get(show::<W>).patch(update::<W>).delete(remove::<W>),
        )
        .route("/mailings/{id}/send", post(send::<W>))
        .route("/mailings/{id}/runs", get(runs::<W>))
        .route("/mailings/{id}/runs/{run_id}", get(run::<W>))
        .route("/mailings/{id}/attempts", get(attempts::<W>))
        .route(
            "/mailings/{id}/recipients",
            get(recipients::<W>).post(add_recipients::<W>),
        )
        .route(
            "/mailings/{id}/recipients/remove",
            post(remove_recipients::<W>),
        )
}

pub(crate) async fn detail<W: Wiring>(
    app: &AppState<W>,
    id: MailingId,
) -> Result<MailingJson, ApiError> {
    let mailings = app.mailings();
    let view = mailings.get(id).await?;
    let ids = mailings.recipient_ids(id).await?;
    Ok(MailingJson::new(view, ids))
}

/// List mailings with their status now.
#[utoipa::path(get, path = "/api/v1/mailings", tag = "mailings",
    operation_id = "listMailings", params(PagingParams),
    responses(
        (status = 200, body = MailingList),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn list<W: Wiring>(
    Acting(app): Acting<W>,
    paging: Paging,
) -> Result<Json<MailingList>, ApiError> {
    let rows = app.mailings().list(paging.page()).await?;
    Ok(Json(MailingList::new(rows, paging)))
}

/// Add a mailing.
#[utoipa::path(post, path = "/api/v1/mailings", tag = "mailings",
    operation_id = "createMailing", request_body = NewMailingJson,
    responses(
        (status = 201, body = MailingJson, description = "Created",
            headers(("Location" = String, description = "The new mailing: `/api/v1/mailings/{id}`")),
            links(
                ("showMailing" = (operation_id = "showMailing", parameters(("id" = "$response.body#/id")))),
                ("updateMailing" = (operation_id = "updateMailing", parameters(("id" = "$response.body#/id")))),
                ("removeMailing" = (operation_id = "removeMailing", parameters(("id" = "$response.body#/id")))),
                ("sendMailing" = (operation_id = "sendMailing", parameters(("id" = "$response.body#/id")))),
                ("listRuns" = (operation_id = "listRuns", parameters(("id" = "$response.body#/id")))),
                ("listAttempts" = (operation_id = "listAttempts", parameters(("id" = "$response.body#/id")))),
                ("listMailingRecipients" = (operation_id = "listMailingRecipients", parameters(("id" = "$response.body#/id")))),
                ("addMailingRecipients" = (operation_id = "addMailingRecipients", parameters(("id" = "$response.body#/id")))),
                ("removeMailingRecipients" = (operation_id = "removeMailingRecipients", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A field breaks its rule, the window does \
            not end after it starts, or `message_id` or one of `recipient_ids` names nothing \
            (rules across fields and the database, which the schema cannot state)"),
    ))]
pub(crate) async fn create<W: Wiring>(
    Acting(app): Acting<W>,
    ApiJson(body): ApiJson<NewMailingJson>,
) -> Result<Created<MailingJson>, ApiError> {
    let new = NewMailing {
        window: Window::new(body.first_sent_at, body.sent_completed_at)?,
        message_id: MessageId(body.message_id.0),
        recipient_ids: recipient_ids(body.recipient_ids)?,
    };
    let view = app.mailings().add(new).await.map_err(reference_error)?;
    let id = view.mailing.id;
    Ok(created(
        format!("/api/v1/mailings/{id}"),
        detail(&app, id).await?,
    ))
}

/// One mailing with its recipients.
#[utoipa::path(get, path = "/api/v1/mailings/{id}", tag = "mailings",
    operation_id = "showMailing", params(MailingPath),
    responses(
        (status = 200, body = MailingJson),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn show<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MailingJson>, ApiError> {
    Ok(Json(detail(&app, MailingId(id)).await?))
}

/// Change the window, the message or the recipients of a mailing.
#[utoipa::path(patch, path = "/api/v1/mailings/{id}", tag = "mailings",
    operation_id = "updateMailing", params(MailingPath), request_body = MailingPatchJson,
    responses(
        (status = 200, body = MailingJson),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The mailing is completed (its end time has passed)"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A field breaks its rule, the window that \
            results does not end after it starts, or `message_id` or one of `recipient_ids` \
            names nothing (rules across fields and the database, which the schema cannot state)"),
    ))]
pub(crate) async fn update<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MailingPatchJson>,
) -> Result<Json<MailingJson>, ApiError> {
    let id = MailingId(id);
    app.mailings()
        .edit(id, body.validate()?)
        .await
        .map_err(reference_error)?;
    Ok(Json(detail(&app, id).await?))
}

/// Delete a mailing with its runs and attempts.
#[utoipa::path(delete, path = "/api/v1/mailings/{id}", tag = "mailings",
    operation_id = "removeMailing", params(MailingPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn remove<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    app.mailings().delete(MailingId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a mailing now: launches a run (or resumes its unfinished one) and
/// delivers it in the background. Poll the run for progress. Without a body
/// (or with `{}` or `null`) the run goes to every recipient; with
/// `{"only_unsent": true}`, only to those no run of this mailing reached yet.
#[utoipa::path(post, path = "/api/v1/mailings/{id}/send", tag = "mailings",
    operation_id = "sendMailing", params(MailingPath),
    request_body(content = Option<SendJson>, content_type = "application/json",
        description = "Optional: whom to send to (everyone when left out)"),
    responses(
        (status = 202, body = LaunchJson, description = "Accepted: the run is delivered in the background",
            headers(("Location" = String, description = "The run: `/api/v1/mailings/{id}/runs/{run_id}`")),
            links(
                ("showRun" = (operation_id = "showRun", parameters(("id" = "$request.path.id"), ("run_id" = "$response.body#/run/id")))),
                ("listAttempts" = (operation_id = "listAttempts", parameters(("id" = "$request.path.id")))),
            )),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The mailing is completed (its end time has \
            passed), or disabled by a manager (`mailing_disabled`)"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "`only_unsent` is not a boolean, or the body has another field"),
    ))]
pub(crate) async fn send<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    OptionalApiJson(body): OptionalApiJson<SendJson>,
) -> Result<Response, ApiError> {
    let selection = if body.unwrap_or_default().only_unsent {
        Audience::OnlyUnsent
    } else {
        Audience::Everyone
    };
    let launch = sending::launch(&app, MailingId(id), Trigger::Api, selection).await?;
    let location = format!("/api/v1/mailings/{id}/runs/{}", launch.run.id);
    let body = LaunchJson {
        run: launch.run.into(),
        resumed: launch.resumed,
    };
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response())
}

/// The mailing's runs, newest first.
#[utoipa::path(get, path = "/api/v1/mailings/{id}/runs", tag = "mailings",
    operation_id = "listRuns", params(MailingPath, PagingParams),
    responses(
        (status = 200, body = RunList),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn runs<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    paging: Paging,
) -> Result<Json<RunList>, ApiError> {
    let all = app.history().runs(MailingId(id)).await?;
    let rows: Vec<_> = all
        .into_iter()
        .skip(usize::try_from(paging.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(paging.limit).unwrap_or(usize::MAX))
        .collect();
    Ok(Json(RunList::new(rows, paging)))
}

/// One run of the mailing, with its progress.
#[utoipa::path(get, path = "/api/v1/mailings/{id}/runs/{run_id}", tag = "mailings",
    operation_id = "showRun", params(RunPath),
    responses(
        (status = 200, body = RunJson),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn run<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath((id, run_id)): ApiPath<(i64, i64)>,
) -> Result<Json<RunJson>, ApiError> {
    let run = app
        .history()
        .runs(MailingId(id))
        .await?
        .into_iter()
        .find(|r| r.id.get() == run_id)
        .ok_or_else(|| ApiError::not_found(format!("run {run_id} of mailing {id} not found")))?;
    Ok(Json(run.into()))
}

/// The mailing's attempts (Попытки рассылки), in the order they were made.
#[utoipa::path(get, path = "/api/v1/mailings/{id}/attempts", tag = "mailings",
    operation_id = "listAttempts", params(MailingPath, PagingParams),
    responses(
        (status = 200, body = AttemptList),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn attempts<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    paging: Paging,
) -> Result<Json<AttemptList>, ApiError> {
    let rows = app
        .history()
        .attempts(MailingId(id), Page::new(paging.offset, paging.limit))
        .await?;
    Ok(Json(AttemptList::new(rows, paging)))
}

/// The mailing's recipients, ordered by id, a page at a time, with how
/// many the search finds.
#[utoipa::path(get, path = "/api/v1/mailings/{id}/recipients", tag = "mailings",
    operation_id = "listMailingRecipients", params(MailingPath, SearchParams, PagingParams),
    responses(
        (status = 200, body = MailingRecipientList),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn recipients<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    SearchQuery(search): SearchQuery,
    paging: Paging,
) -> Result<Json<MailingRecipientList>, ApiError> {
    let page = app
        .mailings()
        .recipients(MailingId(id), search.as_ref(), paging.page())
        .await?;
    Ok(Json(MailingRecipientList::new(page, paging)))
}

/// Add recipients to the mailing: these (`recipient_ids`), everyone
/// (`all`), everyone a search finds (`search`) or every member of a list
/// (`list_id`), in one step however many; those already in it stay. Later
/// runs send to them.
#[utoipa::path(post, path = "/api/v1/mailings/{id}/recipients", tag = "mailings",
    operation_id = "addMailingRecipients", params(MailingPath), request_body = SelectionJson,
    responses(
        (status = 200, body = RecipientsAddedJson),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A field breaks its rule, or one of \
            `recipient_ids` or `list_id` names nothing (a rule of the database, which the \
            schema cannot state)"),
    ))]
pub(crate) async fn add_recipients<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    ApiSelection(which): ApiSelection,
) -> Result<Json<RecipientsAddedJson>, ApiError> {
    let (added, recipient_count) = change(&app, MailingId(id), &which, Change::Add).await?;
    Ok(Json(RecipientsAddedJson {
        added,
        recipient_count,
    }))
}

/// Remove recipients from the mailing (not from the store): these
/// (`recipient_ids`), all of them (`all`), those a search finds (`search`)
/// or the members of a list (`list_id`), in one step however many.
#[utoipa::path(post, path = "/api/v1/mailings/{id}/recipients/remove", tag = "mailings",
    operation_id = "removeMailingRecipients", params(MailingPath), request_body = SelectionJson,
    responses(
        (status = 200, body = RecipientsRemovedJson),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A field breaks its rule, or one of \
            `recipient_ids` or `list_id` names nothing (a rule of the database, which the \
            schema cannot state)"),
    ))]
pub(crate) async fn remove_recipients<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    ApiSelection(which): ApiSelection,
) -> Result<Json<RecipientsRemovedJson>, ApiError> {
    let (removed, recipient_count) = change(&app, MailingId(id), &which, Change::Remove).await?;
    Ok(Json(RecipientsRemovedJson {
        removed,
        recipient_count,
    }))
}

/// Adds or removes `which`; returns how many changed and how many the
/// mailing has now.
async fn change<W: Wiring>(
    app: &AppState<W>,
    id: MailingId,
    which: &Selection,
    what: Change,
) -> Result<(u64, u64), ApiError> {
    let mailings = app.mailings();
    let changed = match what {
        Change::Add => mailings.add_recipients(id, which).await,
        Change::Remove => mailings.remove_recipients(id, which).await,
    }
    .map_err(reference_error)?;
    Ok((changed, mailings.get(id).await?.mailing.recipient_count))
}
