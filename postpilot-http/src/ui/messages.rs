//! Сообщения: list, add, edit, delete.

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use maud::html;
use postpilot_core::ports::StoreError;
use postpilot_core::{
    BodyText, Direction, MailingId, Message, MessageId, MessageOrder, MessagePatch, NewMessage,
    Subject,
};

use super::form::{aria, check, field, record_form, text_input, Errors};
use super::format::{clip, when};
use super::layout::{Notice, Page, Section};
use super::listing::{read, Orders};
use super::resource::Resource;
use super::{parse_id, see_other_with, IdPath, UiError};
use crate::auth::Session;
use crate::csrf::{CsrfForm, FormData};
use crate::state::{AppClock, AppMailer, AppState, AppStore};

const MESSAGES: Resource = Resource {
    base: "/messages",
    title: "Сообщения",
    section: Section::Messages,
    new_label: "Написать сообщение",
    empty: "Сообщений пока нет.",
    columns: &["№", "Тема письма", "Тело письма", "Создано", "Действия"],
};

pub(crate) fn routes<S: AppStore, M: AppMailer, C: AppClock>() -> Router<AppState<S, M, C>> {
    Router::new()
        .route("/messages", get(list::<S, M, C>).post(create::<S, M, C>))
        .route("/messages/new", get(new))
        .route("/messages/{id}", axum::routing::post(update::<S, M, C>))
        .route("/messages/{id}/edit", get(edit::<S, M, C>))
        .route(
            "/messages/{id}/delete",
            get(confirm_delete::<S, M, C>).post(delete::<S, M, C>),
        )
}

async fn list<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    Extension(session): Extension<Session>,
    uri: Uri,
) -> Result<Response, UiError> {
    let messages = &app.messages();
    let asked = read(&uri, &ORDERS, |listing| async move {
        messages.find(&listing).await
    })
    .await?;
    Ok(MESSAGES.listed_page(
        &session,
        &uri,
        &asked,
        SORTS,
        "Найти по теме",
        |m| {
            html! {
                td data-label="№" { (m.id) }
                td data-label="Тема" { (m.subject) }
                td data-label="Текст" { (clip(m.body_text.as_str(), 90)) }
                td data-label="Создано" { (when(m.created_at)) }
                (MESSAGES.row_actions(m.id))
            }
        },
    ))
}

/// The orders the list offers, by number by default.
const ORDERS: Orders<MessageOrder> = Orders {
    codes: &[
        ("id", MessageOrder::Id),
        ("subject", MessageOrder::Subject),
        ("created", MessageOrder::CreatedAt),
    ],
    default_direction: Direction::Ascending,
};

/// The columns the list sorts by, each with its code in `?sort=`.
const SORTS: &[(&str, &str)] = &[("№", "id"), ("Тема", "subject"), ("Создано", "created")];

#[derive(Debug, Default)]
struct Input {
    subject: String,
    body_text: String,
}

impl Input {
    fn from_form(form: &FormData) -> Self {
        Self {
            subject: form.text("subject"),
            body_text: form.text("body_text"),
        }
    }

    fn from_message(m: &Message) -> Self {
        Self {
            subject: m.subject.to_string(),
            body_text: m.body_text.to_string(),
        }
    }

    fn validate(&self) -> Result<NewMessage, Errors> {
        let mut errors = Errors::default();
        let subject = check(&mut errors, &self.subject, Subject::parse);
        let body_text = check(&mut errors, &self.body_text, BodyText::parse);
        match (subject, body_text) {
            (Some(subject), Some(body_text)) => Ok(NewMessage { subject, body_text }),
            _ => Err(errors),
        }
    }
}

/// The form; `sent_in` are the mailings that already sent the message,
/// named above the form of an edit.
fn form_page(
    session: &Session,
    id: Option<MessageId>,
    input: &Input,
    errors: &Errors,
    status: StatusCode,
    sent_in: &[MailingId],
) -> Response {
    let (title, action) = match id {
        None => ("Новое сообщение".to_owned(), "/messages".to_owned()),
        Some(id) => (format!("Сообщение №{id}"), format!("/messages/{id}")),
    };
    Page::new(&title, Section::Messages, Some(session))
        .status(status)
        .render(html! {
            h1 { (title) }
            @if !sent_in.is_empty() {
                p.alert #sent-in {
                    "Это сообщение уже отправлено в "
                    @if sent_in.len() == 1 { "рассылке " } @else { "рассылках " }
                    @for (i, m) in sent_in.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href={ "/mailings/" (m) } { "№" (m) }
                    }
                    ". Изменения коснутся только следующих отправок: уже сделанные "
                    "запуски сохраняют тему и текст, которые отправили."
                }
            }
            (record_form(&session.csrf, &action, MESSAGES.base, html! {
                (field("subject", "Тема письма", errors, text_input("subject", "text", &input.subject, 100, errors)))
                (field("body_text", "Тело письма", errors, {
                    let (invalid, described) = aria("body_text", errors);
                    html! { textarea #body_text name="body_text" rows="10" required aria-invalid=[invalid] aria-describedby=[described] { (input.body_text) } }
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
        &[],
    )
}

async fn create<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, UiError> {
    let input = Input::from_form(&form);
    match input.validate() {
        Ok(new) => {
            app.messages().add(new).await?;
            Ok(see_other_with(MESSAGES.base, Notice::MessageCreated))
        }
        Err(errors) => Ok(form_page(
            &session,
            None,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
            &[],
        )),
    }
}

async fn edit<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
) -> Result<Response, UiError> {
    let id = MessageId(parse_id(&id)?);
    let message = app.messages().get(id).await?;
    let sent_in = app.messages().sent_in(id).await?;
    Ok(form_page(
        &session,
        Some(id),
        &Input::from_message(&message),
        &Errors::default(),
        StatusCode::OK,
        &sent_in,
    ))
}

async fn update<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    IdPath(id): IdPath,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, UiError> {
    let id = MessageId(parse_id(&id)?);
    let input = Input::from_form(&form);
    match input.validate() {
        Ok(new) => {
            let patch = MessagePatch {
                subject: Some(new.subject),
                body_text: Some(new.body_text),
            };
            app.messages().edit(id, patch).await?;
            Ok(see_other_with(MESSAGES.base, Notice::MessageSaved))
        }
        Err(errors) => Ok(form_page(
            &session,
            Some(id),
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
            &app.messages().sent_in(id).await?,
        )),
    }
}

fn confirm_page(session: &Session, message: &Message, error: Option<String>) -> Response {
    MESSAGES.confirm_page(
        session,
        "Удалить сообщение?",
        html! { p { "Сообщение «" strong { (message.subject) } "» будет удалено." } },
        message.id,
        MESSAGES.base,
        error,
    )
}

async fn confirm_delete<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
) -> Result<Response, UiError> {
    let message = app.messages().get(MessageId(parse_id(&id)?)).await?;
    Ok(confirm_page(&session, &message, None))
}

async fn delete<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    IdPath(id): IdPath,
    CsrfForm { session, .. }: CsrfForm,
) -> Result<Response, UiError> {
    let id = MessageId(parse_id(&id)?);
    match app.messages().delete(id).await {
        Ok(()) => Ok(see_other_with(MESSAGES.base, Notice::MessageDeleted)),
        Err(postpilot_core::Error::Store(StoreError::InUse { .. })) => {
            let message = app.messages().get(id).await?;
            let mut page = confirm_page(
                &session,
                &message,
                Some("Сообщение используется в рассылке: сначала удалите рассылку или выберите в ней другое сообщение.".into()),
            );
            *page.status_mut() = StatusCode::CONFLICT;
            Ok(page)
        }
        Err(err) => Err(err.into()),
    }
}
