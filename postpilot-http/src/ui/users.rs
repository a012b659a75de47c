//! Пользователи (managers and admins) and Токены API (a user's own), in
//! the UI (ARCHITECTURE.md, "Users and ownership"). What the role does not
//! allow is not found, as another user's data is.

use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::{html, Markup};
use postpilot_core::{
    Actor, EmailAddress, FullName, NewUser, Password, Role, TokenId, TokenName, UserCounts, UserId,
};

use super::form::{check, csrf_field, field, text_input, Errors};
use super::format::{number, when};
use super::layout::{table, Page, Section};
use super::{parse_id, see_other, IdPath, UiError};
use crate::auth::{Acting, Session};
use crate::csrf::CsrfForm;
use crate::state::{AppState, Wiring};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/users", get(list::<W>).post(add::<W>))
        .route("/users/{id}/block", post(block::<W>))
        .route("/users/{id}/unblock", post(unblock::<W>))
        .route("/users/{id}/role", post(set_role::<W>))
        .route("/tokens", get(tokens::<W>).post(make_token::<W>))
        .route("/tokens/{id}/revoke", post(revoke_token::<W>))
}

/// A role's Russian name.
pub(crate) fn role_label(role: Role) -> &'static str {
    match role {
        Role::User => "Пользователь",
        Role::Manager => "Менеджер",
        Role::Admin => "Администратор",
    }
}

/// The headings of a user's counts, in the order of [`count_cells`].
pub(crate) const COUNT_HEADINGS: [&str; 5] = [
    "Получателей",
    "Сообщений",
    "Рассылок",
    "Активных рассылок",
    "Запусков",
];

const USER_HEADINGS: [&str; 12] = [
    "№",
    "Email",
    "Ф. И. О.",
    "Роль",
    "Состояние",
    "Последний вход",
    COUNT_HEADINGS[0],
    COUNT_HEADINGS[1],
    COUNT_HEADINGS[2],
    COUNT_HEADINGS[3],
    COUNT_HEADINGS[4],
    "Действия",
];

/// A user's counts as labelled table cells (the users page, the home
/// page's breakdown); `data-count` names each for tests.
pub(crate) fn count_cells(counts: &UserCounts) -> Markup {
    let cells = [
        ("recipients", counts.recipients),
        ("messages", counts.messages),
        ("mailings", counts.mailings),
        ("mailings_active", counts.mailings_active),
        ("runs_launched", counts.runs_launched),
    ];
    html! {
        @for ((key, n), label) in cells.into_iter().zip(COUNT_HEADINGS) {
            td data-label=(label) data-count=(key) { (number(n)) }
        }
    }
}

async fn list<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
) -> Result<Response, UiError> {
    users_page(&app, &session, &Errors::default(), &[]).await
}

async fn users_page<W: Wiring>(
    app: &AppState<W>,
    session: &Session,
    errors: &Errors,
    sent: &[(&str, String)],
) -> Result<Response, UiError> {
    let users = app
        .accounts()
        .list(&session.actor, postpilot_core::Page::new(0, 1000))
        .await?;
    let tz = app.zone();
    let admin = session.actor.role().administers();
    let value = |name: &str| {
        sent.iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v.as_str())
            .to_owned()
    };
    let title = "Пользователи";
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(Page::new(title, Section::Users, Some(session))
        .status(status)
        .render(html! {
            h1 { (title) }
            (table(&USER_HEADINGS, &users, |(u, counts)| html! {
                td data-label="№" data-user=(u.id) { (u.id) }
                td data-label="Email" { (u.email) }
                td data-label="Ф. И. О." { (u.full_name) }
                td data-label="Роль" {
                    @if admin && session.actor.user().is_none_or(|me| me.id != u.id) {
                        form.inline method="post" action=(format!("/users/{}/role", u.id)) {
                            (csrf_field(&session.csrf))
                            select name="role" aria-label="Роль" {
                                @for role in Role::ALL {
                                    option value=(role.code()) selected[role == u.role] { (role_label(role)) }
                                }
                            }
                            button type="submit" { "Сменить" }
                        }
                    } @else {
                        (role_label(u.role))
                    }
                }
                td data-label="Состояние" { @if u.blocked { "Заблокирован" } @else { "Активен" } }
                td data-label="Последний вход" { @if let Some(at) = u.last_login_at { (when(at, tz)) } @else { "—" } }
                (count_cells(counts))
                td data-label="Действия" {
                    @if session.actor.user().is_none_or(|me| me.id != u.id) {
                        form.inline method="post" action=(format!("/users/{}/{}", u.id, if u.blocked { "unblock" } else { "block" })) {
                            (csrf_field(&session.csrf))
                            button type="submit" { @if u.blocked { "Разблокировать" } @else { "Заблокировать" } }
                        }
                    }
                }
            }))
            @if admin {
                h2 { "Новый пользователь" }
                form.card method="post" action="/users" novalidate {
                    (csrf_field(&session.csrf))
                    (field("email", "Email", errors, text_input("email", "email", &value("email"), 254, errors)))
                    (field("full_name", "Ф. И. О.", errors, text_input("full_name", "text", &value("full_name"), FullName::MAX_CHARS, errors)))
                    (field("role", "Роль", errors, html! {
                        select #role name="role" {
                            @for role in Role::ALL {
                                option value=(role.code()) selected[role.code() == value("role")] { (role_label(role)) }
                            }
                        }
                    }))
                    (field("password", "Пароль (не короче 10 символов)", errors, text_input("password", "password", "", Password::MAX_CHARS, errors)))
                    div.form-actions { button type="submit" { "Добавить" } }
                }
            }
        }))
}

async fn add<W: Wiring>(
    Acting(app): Acting<W>,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, UiError> {
    let mut errors = Errors::default();
    let email = check(
        &mut errors,
        form.get("email").unwrap_or_default(),
        EmailAddress::parse,
    );
    let name = check(
        &mut errors,
        form.get("full_name").unwrap_or_default(),
        FullName::parse,
    );
    let role = check(
        &mut errors,
        form.get("role").unwrap_or_default(),
        Role::parse,
    );
    let password = check(
        &mut errors,
        form.get("password").unwrap_or_default(),
        Password::parse,
    );
    let sent = [
        ("email", form.get("email").unwrap_or_default().to_owned()),
        (
            "full_name",
            form.get("full_name").unwrap_or_default().to_owned(),
        ),
        ("role", form.get("role").unwrap_or_default().to_owned()),
    ];
    if let (Some(email), Some(full_name), Some(role), Some(password)) =
        (email, name, role, password)
    {
        let new = NewUser {
            email,
            full_name,
            role,
            confirmed: true,
        };
        match app
            .accounts()
            .add(&session.actor, new, Some(&password))
            .await
        {
            Ok(user) => {
                tracing::info!(user = user.id.get(), "user added");
                return Ok(see_other("/users"));
            }
            Err(postpilot_core::Error::Store(postpilot_core::ports::StoreError::Duplicate {
                ..
            })) => {
                errors.add("email", "Пользователь с таким email уже есть.");
            }
            Err(err) => return Err(err.into()),
        }
    }
    users_page(&app, &session, &errors, &sent).await
}

async fn set_blocked<W: Wiring>(
    app: &AppState<W>,
    actor: &Actor,
    id: &str,
    blocked: bool,
) -> Result<Response, UiError> {
    let id = UserId(parse_id(id)?);
    app.accounts().set_blocked(actor, id, blocked).await?;
    tracing::info!(user = id.get(), blocked, "user blocked or unblocked");
    Ok(see_other("/users"))
}

async fn block<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    CsrfForm { session, .. }: CsrfForm,
) -> Result<Response, UiError> {
    set_blocked(&app, &session.actor, &id, true).await
}

async fn unblock<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    CsrfForm { session, .. }: CsrfForm,
) -> Result<Response, UiError> {
    set_blocked(&app, &session.actor, &id, false).await
}

async fn set_role<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, UiError> {
    let id = UserId(parse_id(&id)?);
    let role =
        Role::parse(form.get("role").unwrap_or_default()).map_err(|_| UiError::BadRequest)?;
    app.accounts().set_role(&session.actor, id, role).await?;
    tracing::info!(user = id.get(), role = role.code(), "role changed");
    Ok(see_other("/users"))
}

async fn tokens<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
) -> Result<Response, UiError> {
    tokens_page(&app, &session, None, &Errors::default()).await
}

/// The actor's tokens; `made` is a key just made, shown this once.
async fn tokens_page<W: Wiring>(
    app: &AppState<W>,
    session: &Session,
    made: Option<&str>,
    errors: &Errors,
) -> Result<Response, UiError> {
    let title = "Токены API";
    let content: Markup = if session.actor.user().is_none() {
        html! {
            h1 { (title) }
            p { "Вы вошли по токену сервера: у него нет своих токенов. Войдите как пользователь, чтобы выпускать токены." }
        }
    } else {
        let all = app.accounts().tokens(&session.actor).await?;
        let tz = app.zone();
        html! {
            h1 { (title) }
            @if let Some(key) = made {
                div.notice role="status" {
                    p { "Токен выпущен. Скопируйте его сейчас: больше он показан не будет." }
                    p { code #new-token { (key) } }
                }
            }
            p { "API отвечает по токену от вашего имени: " code { "Authorization: Bearer <токен>" } "." }
            @if all.is_empty() {
                p { "Токенов нет." }
            } @else {
                (table(&["№", "Название", "Выпущен", "Последнее использование", "Действия"], &all, |t| html! {
                    tr {
                        td { (t.id) }
                        td { (t.name) }
                        td { (when(t.created_at, tz)) }
                        td { @if let Some(at) = t.last_used_at { (when(at, tz)) } @else { "—" } }
                        td {
                            form.inline method="post" action=(format!("/tokens/{}/revoke", t.id)) {
                                (csrf_field(&session.csrf))
                                button type="submit" { "Отозвать" }
                            }
                        }
                    }
                }))
            }
            h2 { "Новый токен" }
            form.card method="post" action="/tokens" novalidate {
                (csrf_field(&session.csrf))
                (field("name", "Название", errors, text_input("name", "text", "", TokenName::MAX_CHARS, errors)))
                div.form-actions { button type="submit" { "Выпустить" } }
            }
        }
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(Page::new(title, Section::Tokens, Some(session))
        .status(status)
        .render(content))
}

async fn make_token<W: Wiring>(
    Acting(app): Acting<W>,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, UiError> {
    let mut errors = Errors::default();
    let Some(name) = check(
        &mut errors,
        form.get("name").unwrap_or_default(),
        TokenName::parse,
    ) else {
        return tokens_page(&app, &session, None, &errors).await;
    };
    let (key, info) = app.accounts().add_token(&session.actor, name).await?;
    tracing::info!(token = info.id.get(), "API token made");
    tokens_page(&app, &session, Some(key.expose()), &errors).await
}

async fn revoke_token<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    CsrfForm { session, .. }: CsrfForm,
) -> Result<Response, UiError> {
    let id = TokenId(parse_id(&id)?);
    app.accounts().revoke_token(&session.actor, id).await?;
    tracing::info!(token = id.get(), "API token revoked");
    Ok(see_other("/tokens"))
}

/// Who launched `run`, for its page: the user's email (and the API token
/// it came through), or the system.
pub(crate) async fn launcher_of<W: Wiring>(
    app: &AppState<W>,
    run: &postpilot_core::SendRun,
) -> String {
    through(who(app, run.launched_by).await, run)
}

/// Who launched each of `runs`, in their order (a mailing page's runs
/// table): each user read once.
pub(crate) async fn launchers_of<W: Wiring>(
    app: &AppState<W>,
    runs: &[postpilot_core::SendRun],
) -> Vec<String> {
    let mut known = std::collections::HashMap::new();
    let mut launchers = Vec::with_capacity(runs.len());
    for run in runs {
        let user = match known.get(&run.launched_by) {
            Some(user) => String::clone(user),
            None => {
                let user = who(app, run.launched_by).await;
                known.insert(run.launched_by, user.clone());
                user
            }
        };
        launchers.push(through(user, run));
    }
    launchers
}

/// `user`, and the API token `run` was launched with, if any: «anna@example.com
/// через API-токен «ci» (№3)».
fn through(user: String, run: &postpilot_core::SendRun) -> String {
    match &run.launched_via {
        Some(token) => format!("{user} через API-токен «{}» (№{})", token.name, token.id),
        None => user,
    }
}

/// A user's email for a page saying who did something; `None`: the system.
pub(crate) async fn who<W: Wiring>(app: &AppState<W>, user: Option<UserId>) -> String {
    match user {
        None => "система (токен сервера, командная строка или расписание)".to_owned(),
        Some(id) => match app.accounts().get(id).await {
            Ok(user) => user.email.to_string(),
            Err(err) => {
                tracing::warn!(error = %crate::error::with_causes(&err), "reading who did it");
                format!("пользователь №{id}")
            }
        },
    }
}
