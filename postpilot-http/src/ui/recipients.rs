//! Получатели: list, add, the read-only page of one, edit, delete.

use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use maud::html;
use postpilot_core::ports::StoreError;
use postpilot_core::{
    Comment, Direction, EmailAddress, FullName, NewRecipient, Recipient, RecipientId,
    RecipientOrder, RecipientPatch,
};

use super::form::{aria, check, field, record_form, text_input, Errors};
use super::format::clip;
use super::layout::{Notice, Page, Section};
use super::listing::{read, Orders};
use super::resource::Resource;
use super::{parse_id, see_other_with, IdPath, UiError};
use crate::auth::{Acting, Session};
use crate::csrf::{CsrfForm, FormData};
use crate::state::{AppState, Wiring};

const RECIPIENTS: Resource = Resource {
    base: "/recipients",
    title: "Получатели",
    section: Section::Recipients,
    new_label: "Добавить получателя",
    empty: "Получателей пока нет.",
    columns: &["№", "Ф. И. О.", "Email", "Комментарий", "Действия"],
    links: &[
        ("/recipients/import", "Импорт CSV"),
        ("/recipients/export.csv", "Экспорт CSV"),
    ],
};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/recipients", get(list::<W>).post(create::<W>))
        .route("/recipients/new", get(new))
        .route("/recipients/{id}", get(show::<W>).post(update::<W>))
        .route("/recipients/{id}/edit", get(edit::<W>))
        .route(
            "/recipients/{id}/delete",
            get(confirm_delete::<W>).post(delete::<W>),
        )
}

async fn list<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    uri: Uri,
) -> Result<Response, UiError> {
    let recipients = &app.recipients();
    let asked = read(&uri, &ORDERS, |listing| async move {
        recipients.find(&listing).await
    })
    .await?;
    Ok(RECIPIENTS.listed_page(
        &session,
        &uri,
        &asked,
        SORTS,
        "Найти по email или Ф. И. О.",
        |r| {
            html! {
                td data-label="№" { (r.id) }
                td data-label="Ф. И. О." { (r.full_name) }
                td data-label="Email" { a href={ "/recipients/" (r.id) } { (r.email) } }
                td data-label="Комментарий" { (clip(r.comment.as_str(), 80)) }
                (RECIPIENTS.row_actions(r.id))
            }
        },
    ))
}

/// `GET /recipients/{id}`: the recipient, read-only.
async fn show<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
) -> Result<Response, UiError> {
    let id = RecipientId(parse_id(&id)?);
    let r = app.recipients().get(id).await?;
    let title = format!("Получатель №{id}");
    Ok(
        Page::new(&title, Section::Recipients, Some(&session)).render(html! {
            h1 { (title) }
            dl.details {
                dt { "Email" } dd #email { (r.email) }
                dt { "Ф. И. О." } dd #full_name { (r.full_name) }
                dt { "Комментарий" } dd.multiline #comment { (r.comment) }
            }
            (RECIPIENTS.page_actions(id))
        }),
    )
}

/// The orders the list offers, by number by default.
const ORDERS: Orders<RecipientOrder> = Orders {
    codes: &[
        ("id", RecipientOrder::Id),
        ("name", RecipientOrder::FullName),
        ("email", RecipientOrder::Email),
    ],
    default_direction: Direction::Ascending,
};

/// The columns the list sorts by, each with its code in `?sort=`.
const SORTS: &[(&str, &str)] = &[("№", "id"), ("Ф. И. О.", "name"), ("Email", "email")];

/// The fields as typed, kept to show them again beside their errors.
#[derive(Debug, Default)]
struct Input {
    email: String,
    full_name: String,
    comment: String,
}

impl Input {
    fn from_form(form: &FormData) -> Self {
        Self {
            email: form.text("email"),
            full_name: form.text("full_name"),
            comment: form.text("comment"),
        }
    }

    fn from_recipient(r: &Recipient) -> Self {
        Self {
            email: r.email.to_string(),
            full_name: r.full_name.to_string(),
            comment: r.comment.to_string(),
        }
    }

    /// Every field checked, every error recorded.
    fn validate(&self) -> Result<NewRecipient, Errors> {
        let mut errors = Errors::default();
        let email = check(&mut errors, self.email.trim(), EmailAddress::parse);
        let full_name = check(&mut errors, &self.full_name, FullName::parse);
        let comment = check(&mut errors, &self.comment, Comment::parse);
        match (email, full_name, comment) {
            (Some(email), Some(full_name), Some(comment)) => Ok(NewRecipient {
                email,
                full_name,
                comment,
            }),
            _ => Err(errors),
        }
    }
}

fn form_page(
    session: &Session,
    id: Option<RecipientId>,
    input: &Input,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let (title, action) = match id {
        None => ("Новый получатель".to_owned(), "/recipients".to_owned()),
        Some(id) => (format!("Получатель №{id}"), format!("/recipients/{id}")),
    };
    Page::new(&title, Section::Recipients, Some(session))
        .status(status)
        .render(html! {
            h1 { (title) }
            (record_form(&session.csrf, &action, RECIPIENTS.base, html! {
                (field("email", "Email", errors, text_input("email", "email", &input.email, 254, errors)))
                (field("full_name", "Ф. И. О.", errors, text_input("full_name", "text", &input.full_name, 100, errors)))
                (field("comment", "Комментарий", errors, {
                    let (invalid, described) = aria("comment", errors);
                    html! { textarea #comment name="comment" rows="3" aria-invalid=[invalid] aria-describedby=[described] { (input.comment) } }
                }))
            }))
        })
}

async fn new(Extension(session): Extension<Session>) -> Response {
    form_page(
        &session,
        None,
        &Input::default(),
        &Errors::default(),
        StatusCode::OK,
    )
}

async fn create<W: Wiring>(
    Acting(app): Acting<W>,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, UiError> {
    let input = Input::from_form(&form);
    let new = match input.validate() {
        Ok(new) => new,
        Err(errors) => {
            return Ok(form_page(
                &session,
                None,
                &input,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    };
    match app.recipients().add(new).await {
        Ok(_) => Ok(see_other_with(RECIPIENTS.base, Notice::RecipientCreated)),
        Err(postpilot_core::Error::Store(StoreError::Duplicate { .. })) => Ok(form_page(
            &session,
            None,
            &input,
            &duplicate_email(),
            StatusCode::CONFLICT,
        )),
        Err(err) => Err(err.into()),
    }
}

fn duplicate_email() -> Errors {
    let mut errors = Errors::default();
    errors.add("email", "Получатель с таким email уже есть.");
    errors
}

async fn edit<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
) -> Result<Response, UiError> {
    let id = RecipientId(parse_id(&id)?);
    let recipient = app.recipients().get(id).await?;
    Ok(form_page(
        &session,
        Some(id),
        &Input::from_recipient(&recipient),
        &Errors::default(),
        StatusCode::OK,
    ))
}

async fn update<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, UiError> {
    let id = RecipientId(parse_id(&id)?);
    let input = Input::from_form(&form);
    let new = match input.validate() {
        Ok(new) => new,
        Err(errors) => {
            return Ok(form_page(
                &session,
                Some(id),
                &input,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    };
    let patch = RecipientPatch {
        email: Some(new.email),
        full_name: Some(new.full_name),
        comment: Some(new.comment),
    };
    match app.recipients().edit(id, patch).await {
        Ok(_) => Ok(see_other_with(RECIPIENTS.base, Notice::RecipientSaved)),
        Err(postpilot_core::Error::Store(StoreError::Duplicate { .. })) => Ok(form_page(
            &session,
            Some(id),
            &input,
            &duplicate_email(),
            StatusCode::CONFLICT,
        )),
        Err(err) => Err(err.into()),
    }
}

async fn confirm_delete<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
) -> Result<Response, UiError> {
    let recipient = app.recipients().get(RecipientId(parse_id(&id)?)).await?;
    Ok(RECIPIENTS.confirm_page(
        &session,
        "Удалить получателя?",
        html! {
            p { "Получатель " strong { (recipient.full_name) } " <" (recipient.email) "> будет удалён из всех рассылок. Записи о попытках отправки ему сохранятся." }
        },
        recipient.id,
        RECIPIENTS.base,
        None,
    ))
}

async fn delete<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    CsrfForm { .. }: CsrfForm,
) -> Result<Response, UiError> {
    app.recipients().delete(RecipientId(parse_id(&id)?)).await?;
    Ok(see_other_with(RECIPIENTS.base, Notice::RecipientDeleted))
}
