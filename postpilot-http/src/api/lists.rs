//! `/api/v1/lists`: Списки, named groups of recipients, and their members.

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use postpilot_core::{ListId, Selection};

use super::extract::{ApiJson, ApiPath, ListPath, Paging, PagingParams, SearchParams, SearchQuery};
use super::model::{
    ListJson, ListList, ListMemberList, ListNameJson, MembersAddedJson, MembersRemovedJson,
    SelectionJson,
};
use super::selection::{reference_error, ApiSelection, Change};
use super::{created, Created};
use crate::auth::Acting;
use crate::error::{ApiError, ErrorBody};
use crate::state::{AppState, Wiring};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/lists", get(list::<W>).post(create::<W>))
        .route(
            "/lists/{id}",
            get(show::<W>).patch(rename::<W>).delete(remove::<W>),
        )
        .route(
            "/lists/{id}/members",
            get(members::<W>).post(add_members::<W>),
        )
        .route("/lists/{id}/members/remove", post(remove_members::<W>))
}

/// List the lists, by name, each with how many members it has.
#[utoipa::path(get, path = "/api/v1/lists", tag = "lists",
    operation_id = "listLists", params(PagingParams),
    responses(
        (status = 200, body = ListList),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn list<W: Wiring>(
    Acting(app): Acting<W>,
    paging: Paging,
) -> Result<Json<ListList>, ApiError> {
    let rows = app.lists().list(paging.page()).await?;
    Ok(Json(ListList::new(rows, paging)))
}

/// Add an empty list.
#[utoipa::path(post, path = "/api/v1/lists", tag = "lists",
    operation_id = "createList", request_body = ListNameJson,
    responses(
        (status = 201, body = ListJson, description = "Created",
            headers(("Location" = String, description = "The new list: `/api/v1/lists/{id}`")),
            links(
                ("showList" = (operation_id = "showList", parameters(("id" = "$response.body#/id")))),
                ("renameList" = (operation_id = "renameList", parameters(("id" = "$response.body#/id")))),
                ("removeList" = (operation_id = "removeList", parameters(("id" = "$response.body#/id")))),
                ("listListMembers" = (operation_id = "listListMembers", parameters(("id" = "$response.body#/id")))),
                ("addListMembers" = (operation_id = "addListMembers", parameters(("id" = "$response.body#/id")))),
                ("removeListMembers" = (operation_id = "removeListMembers", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "A list has this name"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn create<W: Wiring>(
    Acting(app): Acting<W>,
    ApiJson(body): ApiJson<ListNameJson>,
) -> Result<Created<ListJson>, ApiError> {
    let list = app.lists().add(&body.validate()?).await?;
    Ok(created(format!("/api/v1/lists/{}", list.id), list.into()))
}

/// One list, with how many members it has.
#[utoipa::path(get, path = "/api/v1/lists/{id}", tag = "lists",
    operation_id = "showList", params(ListPath),
    responses(
        (status = 200, body = ListJson),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn show<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ListJson>, ApiError> {
    Ok(Json(app.lists().get(ListId(id)).await?.into()))
}

/// Rename a list.
#[utoipa::path(patch, path = "/api/v1/lists/{id}", tag = "lists",
    operation_id = "renameList", params(ListPath), request_body = ListNameJson,
    responses(
        (status = 200, body = ListJson),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Another list has this name"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn rename<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ListNameJson>,
) -> Result<Json<ListJson>, ApiError> {
    let name = body.validate()?;
    Ok(Json(app.lists().rename(ListId(id), &name).await?.into()))
}

/// Delete a list; its recipients stay, and so do mailings' recipients
/// once added from it.
#[utoipa::path(delete, path = "/api/v1/lists/{id}", tag = "lists",
    operation_id = "removeList", params(ListPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn remove<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    app.lists().delete(ListId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The list's members, ordered by id, a page at a time, with how many the
/// search finds.
#[utoipa::path(get, path = "/api/v1/lists/{id}/members", tag = "lists",
    operation_id = "listListMembers", params(ListPath, SearchParams, PagingParams),
    responses(
        (status = 200, body = ListMemberList),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn members<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    SearchQuery(search): SearchQuery,
    paging: Paging,
) -> Result<Json<ListMemberList>, ApiError> {
    let page = app
        .lists()
        .members(ListId(id), search.as_ref(), paging.page())
        .await?;
    Ok(Json(ListMemberList::new(page, paging)))
}

/// Add recipients to the list: these (`recipient_ids`), everyone (`all`),
/// everyone a search finds (`search`) or every member of another list
/// (`list_id`), in one step however many; those already in it stay.
#[utoipa::path(post, path = "/api/v1/lists/{id}/members", tag = "lists",
    operation_id = "addListMembers", params(ListPath), request_body = SelectionJson,
    responses(
        (status = 200, body = MembersAddedJson),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A field breaks its rule, or one of \
            `recipient_ids` or `list_id` names nothing (a rule of the database, which the \
            schema cannot state)"),
    ))]
pub(crate) async fn add_members<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    ApiSelection(which): ApiSelection,
) -> Result<Json<MembersAddedJson>, ApiError> {
    let (added, member_count) = change(&app, ListId(id), &which, Change::Add).await?;
    Ok(Json(MembersAddedJson {
        added,
        member_count,
    }))
}

/// Remove recipients from the list (not from the store): these
/// (`recipient_ids`), all of them (`all`), those a search finds (`search`)
/// or the members of another list (`list_id`), in one step however many.
#[utoipa::path(post, path = "/api/v1/lists/{id}/members/remove", tag = "lists",
    operation_id = "removeListMembers", params(ListPath), request_body = SelectionJson,
    responses(
        (status = 200, body = MembersRemovedJson),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "A field breaks its rule, or one of \
            `recipient_ids` or `list_id` names nothing (a rule of the database, which the \
            schema cannot state)"),
    ))]
pub(crate) async fn remove_members<W: Wiring>(
    Acting(app): Acting<W>,
    ApiPath(id): ApiPath<i64>,
    ApiSelection(which): ApiSelection,
) -> Result<Json<MembersRemovedJson>, ApiError> {
    let (removed, member_count) = change(&app, ListId(id), &which, Change::Remove).await?;
    Ok(Json(MembersRemovedJson {
        removed,
        member_count,
    }))
}

/// Adds or removes `which`; returns how many changed and how many members
/// the list has now. The list in the path is looked up first, so that
/// only a list named in the body is a bad field (422).
async fn change<W: Wiring>(
    app: &AppState<W>,
    id: ListId,
    which: &Selection,
    what: Change,
) -> Result<(u64, u64), ApiError> {
    let lists = app.lists();
    lists.get(id).await?;
    let changed = match what {
        Change::Add => lists.add_members(id, which).await,
        Change::Remove => lists.remove_members(id, which).await,
    }
    .map_err(reference_error)?;
    Ok((changed, lists.get(id).await?.member_count))
}
