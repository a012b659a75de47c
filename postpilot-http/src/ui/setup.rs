//! `/setup/{key}`: the first admin from the one-time link `serve` prints
//! on a database without an admin (ARCHITECTURE.md, "Users and
//! ownership"). Public, as the other links' pages; the key is the secret,
//! and the cross-site check guards the form as it does theirs. Unknown,
//! expired or spent keys, and any key once an admin exists, get a 404.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::TimeDelta;
use maud::{html, Markup};
use postpilot_core::ports::StoreError;
use postpilot_core::{AccessKey, EmailAddress, FullName, Password};

use super::account::page;
use super::form::{check, field, text_input, Errors};
use super::login::home_with_session;
use super::{IdPath, UiError};
use crate::csrf::PlainForm;
use crate::state::{AppState, Wiring};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new().route("/setup/{key}", get(show::<W>).post(set_up::<W>))
}

const TITLE: &str = "Первый администратор";

fn form(key: &str, errors: &Errors, email: &str, name: &str) -> Markup {
    html! {
        p { "Учётная запись администратора: он добавляет пользователей и назначает роли. Ссылка сработает один раз." }
        form.card method="post" action=(format!("/setup/{key}")) novalidate {
            (field("email", "Email", errors, text_input("email", "email", email, 254, errors)))
            (field("full_name", "Ф. И. О.", errors, text_input("full_name", "text", name, FullName::MAX_CHARS, errors)))
            (field("password", "Пароль (не короче 10 символов)", errors, text_input("password", "password", "", Password::MAX_CHARS, errors)))
            (field("password2", "Пароль ещё раз", errors, text_input("password2", "password", "", Password::MAX_CHARS, errors)))
            div.form-actions { button type="submit" { "Создать и войти" } }
        }
    }
}

fn refused() -> Response {
    page(
        "Ссылка недействительна",
        StatusCode::NOT_FOUND,
        html! { p { "Ссылка уже использована, устарела или набрана с ошибкой, либо администратор уже есть. " a href="/login" { "Войти" } } },
    )
}

/// The key, if it opens the form now (spends nothing).
async fn open_key<W: Wiring>(app: &AppState<W>, key: &str) -> Result<Option<AccessKey>, UiError> {
    let Some(key) = AccessKey::presented(key) else {
        return Ok(None);
    };
    Ok(app.accounts().setup_open(&key).await?.then_some(key))
}

async fn show<W: Wiring>(State(app): State<AppState<W>>, IdPath(key): IdPath) -> Response {
    match open_key(&app, &key).await {
        Ok(Some(_)) => page(
            TITLE,
            StatusCode::OK,
            form(&key, &Errors::default(), "", ""),
        ),
        Ok(None) => refused(),
        Err(err) => err.into_response(),
    }
}

async fn set_up<W: Wiring>(
    State(app): State<AppState<W>>,
    IdPath(key): IdPath,
    PlainForm(sent): PlainForm,
) -> Response {
    // Checked before the password is hashed: a wrong key costs no Argon2.
    let access = match open_key(&app, &key).await {
        Ok(Some(access)) => access,
        Ok(None) => return refused(),
        Err(err) => return err.into_response(),
    };
    let raw = |name: &str| sent.get(name).unwrap_or_default().to_owned();
    let mut errors = Errors::default();
    let email = check(&mut errors, &raw("email"), EmailAddress::parse);
    let name = check(&mut errors, &raw("full_name"), FullName::parse);
    let password = check(&mut errors, &raw("password"), Password::parse);
    if password.is_some() && raw("password") != raw("password2") {
        errors.add("password2", "Пароли не совпадают.");
    }
    let again = |errors: &Errors| {
        let content = form(&key, errors, &raw("email"), &raw("full_name"));
        page(TITLE, StatusCode::UNPROCESSABLE_ENTITY, content)
    };
    let (Some(email), Some(full_name), Some(password), true) =
        (email, name, password, errors.is_empty())
    else {
        return again(&errors);
    };
    let ttl = TimeDelta::from_std(app.config().session_ttl).unwrap_or(TimeDelta::hours(12));
    match app
        .accounts()
        .set_up(&access, email, full_name, &password, ttl)
        .await
    {
        Ok(logged_in) => {
            tracing::info!(user = logged_in.user.id.get(), "first admin set up");
            home_with_session(&app, logged_in)
        }
        Err(postpilot_core::Error::WrongCredentials) => refused(),
        Err(postpilot_core::Error::Store(StoreError::Duplicate { .. })) => {
            errors.add("email", "Пользователь с таким email уже есть.");
            again(&errors)
        }
        Err(err) => UiError::from(err).into_response(),
    }
}
