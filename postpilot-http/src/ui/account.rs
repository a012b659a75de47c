//! Signing up, confirming an email, and setting a forgotten password
//! (ARCHITECTURE.md, "Users and ownership"): public pages, outside any
//! session. Their links go to `--public-url` only (never to the request's
//! `Host`, which a client chooses), and every form that mails something
//! counts against the client's limit of tries, so the pages cannot be
//! used to flood an inbox.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use postpilot_core::{AccessKey, EmailAddress, FullName, NewUser, Password, Role};

use super::form::{check, field, text_input, Errors};
use super::layout::{Page, Section};
use super::{IdPath, UiError};
use crate::csrf::PlainForm;
use crate::limit::{retry_after_secs, Client};
use crate::state::{AppState, Wiring};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/signup", get(signup_page::<W>).post(sign_up::<W>))
        .route("/confirm/{key}", get(confirm::<W>))
        .route("/forgot", get(forgot_page::<W>).post(forgot::<W>))
        .route("/reset/{key}", get(reset_page).post(reset::<W>))
}

pub(super) fn page(title: &str, status: StatusCode, content: Markup) -> Response {
    Page::new(title, Section::None, None)
        .status(status)
        .render(html! { div.narrow { h1 { (title) } (content) } })
}

fn no_public_url() -> Response {
    page(
        "Недоступно",
        StatusCode::NOT_FOUND,
        html! { p { "Сервер запущен без --public-url: ссылку в письме некуда вести." } },
    )
}

/// 429 with `Retry-After` while the client has used up its tries.
fn limited<W: Wiring>(app: &AppState<W>, client: Client) -> Option<Response> {
    let wait = app.limiter().check(&client).err()?;
    let secs = retry_after_secs(wait);
    let mut response = page(
        "Слишком много попыток",
        StatusCode::TOO_MANY_REQUESTS,
        html! { p { "Повторите через " (secs) " с." } },
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    Some(response)
}

fn signup_form(errors: &Errors, email: &str, name: &str) -> Markup {
    html! {
        form.card method="post" action="/signup" novalidate {
            (field("email", "Email", errors, text_input("email", "email", email, 254, errors)))
            (field("full_name", "Ф. И. О.", errors, text_input("full_name", "text", name, FullName::MAX_CHARS, errors)))
            (field("password", "Пароль (не короче 10 символов)", errors, text_input("password", "password", "", Password::MAX_CHARS, errors)))
            div.form-actions { button type="submit" { "Зарегистрироваться" } }
        }
        p { a href="/login" { "Уже есть учётная запись? Войти" } }
    }
}

async fn signup_page<W: Wiring>(State(app): State<AppState<W>>) -> Response {
    if !app.config().allow_signup {
        return UiError::NotFound.into_response();
    }
    if app.public_url().is_none() {
        return no_public_url();
    }
    page(
        "Регистрация",
        StatusCode::OK,
        signup_form(&Errors::default(), "", ""),
    )
}

async fn sign_up<W: Wiring>(
    State(app): State<AppState<W>>,
    client: Client,
    PlainForm(form): PlainForm,
) -> Response {
    if !app.config().allow_signup {
        return UiError::NotFound.into_response();
    }
    let Some(base) = app.public_url() else {
        return no_public_url();
    };
    if let Some(response) = limited(&app, client) {
        return response;
    }
    let raw = |name: &str| form.get(name).unwrap_or_default().to_owned();
    let mut errors = Errors::default();
    let email = check(&mut errors, &raw("email"), EmailAddress::parse);
    let name = check(&mut errors, &raw("full_name"), FullName::parse);
    let password = check(&mut errors, &raw("password"), Password::parse);
    let (Some(email), Some(full_name), Some(password)) = (email, name, password) else {
        return page(
            "Регистрация",
            StatusCode::UNPROCESSABLE_ENTITY,
            signup_form(&errors, &raw("email"), &raw("full_name")),
        );
    };
    app.limiter().failed(&client);
    let new = NewUser {
        email: email.clone(),
        full_name,
        role: Role::User,
        confirmed: false,
    };
    match app
        .accounts()
        .sign_up(new, &password, &base, &app.mailer())
        .await
    {
        Ok(()) => page(
            "Проверьте почту",
            StatusCode::OK,
            html! { p { "Если адрес " (email) " ещё не зарегистрирован, на него отправлено письмо со ссылкой для подтверждения. Ссылка действует 24 часа." } },
        ),
        Err(err) => UiError::from(err).into_response(),
    }
}

async fn confirm<W: Wiring>(State(app): State<AppState<W>>, IdPath(key): IdPath) -> Response {
    let confirmed = match AccessKey::presented(&key) {
        Some(key) => app.accounts().confirm(&key).await,
        None => Err(postpilot_core::Error::WrongCredentials),
    };
    match confirmed {
        Ok(user) => {
            tracing::info!(user = user.id.get(), "email confirmed");
            page(
                "Адрес подтверждён",
                StatusCode::OK,
                html! { p { "Теперь можно " a href="/login" { "войти" } "." } },
            )
        }
        Err(postpilot_core::Error::WrongCredentials) => invalid_link(),
        Err(err) => UiError::from(err).into_response(),
    }
}

fn invalid_link() -> Response {
    page(
        "Ссылка недействительна",
        StatusCode::NOT_FOUND,
        html! { p { "Ссылка уже использована, устарела или набрана с ошибкой." } },
    )
}

fn forgot_form(errors: &Errors, email: &str) -> Markup {
    html! {
        p { "Укажите email учётной записи: на него придёт ссылка, чтобы задать новый пароль." }
        form.card method="post" action="/forgot" novalidate {
            (field("email", "Email", errors, text_input("email", "email", email, 254, errors)))
            div.form-actions { button type="submit" { "Отправить ссылку" } }
        }
    }
}

async fn forgot_page<W: Wiring>(State(app): State<AppState<W>>) -> Response {
    if app.public_url().is_none() {
        return no_public_url();
    }
    page(
        "Забыли пароль?",
        StatusCode::OK,
        forgot_form(&Errors::default(), ""),
    )
}

async fn forgot<W: Wiring>(
    State(app): State<AppState<W>>,
    client: Client,
    PlainForm(form): PlainForm,
) -> Response {
    let Some(base) = app.public_url() else {
        return no_public_url();
    };
    if let Some(response) = limited(&app, client) {
        return response;
    }
    let raw = form.get("email").unwrap_or_default().to_owned();
    let mut errors = Errors::default();
    let Some(email) = check(&mut errors, &raw, EmailAddress::parse) else {
        return page(
            "Забыли пароль?",
            StatusCode::UNPROCESSABLE_ENTITY,
            forgot_form(&errors, &raw),
        );
    };
    app.limiter().failed(&client);
    match app
        .accounts()
        .request_reset(&email, &base, &app.mailer())
        .await
    {
        Ok(()) => page(
            "Проверьте почту",
            StatusCode::OK,
            html! { p { "Если учётная запись " (email) " есть, на этот адрес отправлена ссылка. Она действует час и открывается один раз." } },
        ),
        Err(err) => UiError::from(err).into_response(),
    }
}

fn reset_form(key: &str, errors: &Errors) -> Markup {
    html! {
        form.card method="post" action=(format!("/reset/{key}")) novalidate {
            (field("password", "Новый пароль (не короче 10 символов)", errors, text_input("password", "password", "", Password::MAX_CHARS, errors)))
            div.form-actions { button type="submit" { "Сохранить пароль" } }
        }
    }
}

/// The form only: the link is used up when the new password is posted,
/// not when the page is opened (a mail scanner following it spends nothing).
async fn reset_page(IdPath(key): IdPath) -> Response {
    if AccessKey::presented(&key).is_none() {
        return invalid_link();
    }
    page(
        "Новый пароль",
        StatusCode::OK,
        reset_form(&key, &Errors::default()),
    )
}

async fn reset<W: Wiring>(
    State(app): State<AppState<W>>,
    IdPath(key): IdPath,
    PlainForm(form): PlainForm,
) -> Response {
    let Some(access) = AccessKey::presented(&key) else {
        return invalid_link();
    };
    let mut errors = Errors::default();
    let raw = form.get("password").unwrap_or_default().to_owned();
    let Some(password) = check(&mut errors, &raw, Password::parse) else {
        return page(
            "Новый пароль",
            StatusCode::UNPROCESSABLE_ENTITY,
            reset_form(&key, &errors),
        );
    };
    match app.accounts().reset(&access, &password).await {
        Ok(user) => {
            tracing::info!(user = user.id.get(), "password reset");
            page(
                "Пароль изменён",
                StatusCode::OK,
                html! { p { "Все прежние сеансы завершены. " a href="/login" { "Войти" } } },
            )
        }
        Err(postpilot_core::Error::WrongCredentials) => invalid_link(),
        Err(err) => UiError::from(err).into_response(),
    }
}
