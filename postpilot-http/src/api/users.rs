//! `/api/v1/me`, `/api/v1/users` and `/api/v1/tokens` (ARCHITECTURE.md,
//! "Users and ownership"): who the API answers as, the users (managers
//! list and block them, admins add them and set roles), and the caller's
//! own API tokens.

use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post};
use axum::{Extension, Json, Router};
use postpilot_core::{Actor, TokenId, UserId};

use super::extract::{ApiJson, ApiPath, Paging, PagingParams, TokenPath, UserPath};
use super::model::{
    MeJson, NewTokenJson, NewUserJson, RoleJson, TokenJson, TokenMadeJson, UserJson, UserList,
};
use super::{created, Created};
use crate::auth::Acting;
use crate::error::{ApiError, ErrorBody};
use crate::state::{AppState, Wiring};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/me", get(me))
        .route("/users", get(list::<W>).post(create::<W>))
        .route("/users/{id}", patch(set_role::<W>))
        .route("/users/{id}/block", post(block::<W>))
        .route("/users/{id}/unblock", post(unblock::<W>))
        .route("/tokens", get(tokens::<W>).post(make_token::<W>))
        .route("/tokens/{id}", delete(revoke_token::<W>))
}

/// Who the API answers as.
#[utoipa::path(get, path = "/api/v1/me", tag = "users", operation_id = "showMe",
    responses((status = 200, body = MeJson), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(Extension(actor): Extension<Actor>) -> Json<MeJson> {
    Json(MeJson {
        role: actor.role().code(),
        user: actor.user().cloned().map(Into::into),
    })
}

/// List the users, by id, each with what they own (recipients, messages,
/// mailings, those active now) and the runs they launched (managers and
/// admins).
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    operation_id = "listUsers", params(PagingParams),
    responses(
        (status = 200, body = UserList),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn list<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(actor): Extension<Actor>,
    paging: Paging,
) -> Result<Json<UserList>, ApiError> {
    let rows = app.accounts().list(&actor, paging.page()).await?;
    Ok(Json(UserList::new(rows, paging)))
}

/// Add a user (admins).
#[utoipa::path(post, path = "/api/v1/users", tag = "users",
    operation_id = "createUser", request_body = NewUserJson,
    responses(
        (status = 201, body = UserJson, description = "Created",
            headers(("Location" = String, description = "The new user: `/api/v1/users/{id}`")),
            links(
                ("setUserRole" = (operation_id = "setUserRole", parameters(("id" = "$response.body#/id")))),
                ("blockUser" = (operation_id = "blockUser", parameters(("id" = "$response.body#/id")))),
                ("unblockUser" = (operation_id = "unblockUser", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "A user has this email"),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn create<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<NewUserJson>,
) -> Result<Created<UserJson>, ApiError> {
    let (new, password) = body.validate()?;
    let user = app.accounts().add(&actor, new, Some(&password)).await?;
    Ok(created(format!("/api/v1/users/{}", user.id), user.into()))
}

/// Change a user's role (admins; not one's own).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users",
    operation_id = "setUserRole", params(UserPath), request_body = RoleJson,
    responses(
        (status = 200, body = UserJson),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn set_role<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RoleJson>,
) -> Result<Json<UserJson>, ApiError> {
    let role = body.validate()?;
    let user = app.accounts().set_role(&actor, UserId(id), role).await?;
    Ok(Json(user.into()))
}

/// Block a user: their sessions end and their tokens stop working
/// (managers and admins; a manager cannot block an admin).
#[utoipa::path(post, path = "/api/v1/users/{id}/block", tag = "users",
    operation_id = "blockUser", params(UserPath),
    responses(
        (status = 200, body = UserJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn block<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UserJson>, ApiError> {
    let user = app.accounts().set_blocked(&actor, UserId(id), true).await?;
    Ok(Json(user.into()))
}

/// Unblock a user (managers and admins).
#[utoipa::path(post, path = "/api/v1/users/{id}/unblock", tag = "users",
    operation_id = "unblockUser", params(UserPath),
    responses(
        (status = 200, body = UserJson),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn unblock<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<UserJson>, ApiError> {
    let user = app
        .accounts()
        .set_blocked(&actor, UserId(id), false)
        .await?;
    Ok(Json(user.into()))
}

/// The caller's API tokens (a user's; the configured token has none).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "users", operation_id = "listTokens",
    responses(
        (status = 200, body = Vec<TokenJson>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub(crate) async fn tokens<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(actor): Extension<Actor>,
) -> Result<Json<Vec<TokenJson>>, ApiError> {
    let all = app.accounts().tokens(&actor).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

/// Make an API token for the caller; its key is in the answer, shown once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "users",
    operation_id = "makeToken", request_body = NewTokenJson,
    responses(
        (status = 201, body = TokenMadeJson, description = "Created",
            headers(("Location" = String, description = "The token: `/api/v1/tokens/{id}`")),
            links(
                ("revokeToken" = (operation_id = "revokeToken", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub(crate) async fn make_token<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(actor): Extension<Actor>,
    ApiJson(body): ApiJson<NewTokenJson>,
) -> Result<Created<TokenMadeJson>, ApiError> {
    let name = body.validate()?;
    let (key, info) = app.accounts().add_token(&actor, name).await?;
    let location = format!("/api/v1/tokens/{}", info.id);
    let made = TokenMadeJson {
        token: key.expose().to_owned(),
        info: info.into(),
    };
    Ok(created(location, made))
}

/// Revoke one of the caller's API tokens for good.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "users",
    operation_id = "revokeToken", params(TokenPath),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub(crate) async fn revoke_token<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(actor): Extension<Actor>,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    app.accounts().revoke_token(&actor, TokenId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
