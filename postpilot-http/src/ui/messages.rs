//! Сообщения: list, add, the read-only page of one, edit, delete.

use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use maud::{html, Markup};
use postpilot_core::ports::StoreError;
use postpilot_core::{
    BodyHtml, BodyText, Direction, MailingId, Message, MessageId, MessageOrder, MessagePatch,
    NewMessage, Personalised, Subject, VARIABLES,
};

use super::form::{aria, check, field, record_form, text_input, Errors};
use super::format::{clip, when};
use super::layout::{Notice, Page, Section};
use super::listing::{read, Orders};
use super::resource::Resource;
use super::{parse_id, see_other_with, IdPath, UiError};
use crate::auth::{Acting, Session};
use crate::csrf::{CsrfForm, FormData};
use crate::state::{AppState, Wiring};

const MESSAGES: Resource = Resource {
    base: "/messages",
    title: "Сообщения",
    section: Section::Messages,
    new_label: "Написать сообщение",
    empty: "Сообщений пока нет.",
    columns: &["№", "Тема письма", "Тело письма", "Создано", "Действия"],
    links: &[],
};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/messages", get(list::<W>).post(create::<W>))
        .route("/messages/new", get(new))
        .route("/messages/{id}", get(show::<W>).post(update::<W>))
        .route("/messages/{id}/edit", get(edit::<W>))
        .route(
            "/messages/{id}/delete",
            get(confirm_delete::<W>).post(delete::<W>),
        )
}

async fn list<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    uri: Uri,
) -> Result<Response, UiError> {
    let messages = &app.messages();
    let tz = app.zone();
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
                td data-label="Тема письма" { a href={ "/messages/" (m.id) } { (m.subject) } }
                td data-label="Тело письма" { (clip(m.body_text.as_str(), 90)) }
                td data-label="Создано" { (when(m.created_at, tz)) }
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
    /// Empty for none.
    body_html: String,
}

impl Input {
    fn from_form(form: &FormData) -> Self {
        Self {
            subject: form.text("subject"),
            body_text: form.text("body_text"),
            body_html: form.text("body_html"),
        }
    }

    fn from_message(m: &Message) -> Self {
        Self {
            subject: m.subject.to_string(),
            body_text: m.body_text.to_string(),
            body_html: m
                .body_html
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        }
    }

    fn validate(&self) -> Result<NewMessage, Errors> {
        let mut errors = Errors::default();
        let subject = check(&mut errors, &self.subject, Subject::parse);
        let body_text = check(&mut errors, &self.body_text, BodyText::parse);
        // Empty or blank: no HTML version.
        let body_html = if self.body_html.trim().is_empty() {
            Some(None)
        } else {
            check(&mut errors, &self.body_html, BodyHtml::parse).map(Some)
        };
        match (subject, body_text, body_html) {
            (Some(subject), Some(body_text), Some(body_html)) => {
                match Personalised::check(&subject, &body_text, body_html.as_ref()) {
                    Ok(()) => Ok(NewMessage {
                        subject,
                        body_text,
                        body_html,
                    }),
                    Err(refused) => {
                        errors.invalid(&refused);
                        Err(errors)
                    }
                }
            }
            _ => Err(errors),
        }
    }
}

/// Links to the mailings `ids`, comma-separated: «№1, №4».
fn mailing_links(ids: &[MailingId]) -> Markup {
    html! {
        @for (i, m) in ids.iter().enumerate() {
            @if i > 0 { ", " }
            a href={ "/mailings/" (m) } { "№" (m) }
        }
    }
}

/// The message named by `raw` in a path, and the mailings that sent it.
async fn with_mailings<W: Wiring>(
    app: &AppState<W>,
    raw: &str,
) -> Result<(MessageId, Message, Vec<MailingId>), UiError> {
    let id = MessageId(parse_id(raw)?);
    let message = app.messages().get(id).await?;
    Ok((id, message, app.messages().sent_in(id).await?))
}

/// `GET /messages/{id}`: the message as it will be sent, read-only.
async fn show<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
) -> Result<Response, UiError> {
    let (id, message, sent_in) = with_mailings(&app, &id).await?;
    let used_in = app.messages().used_in(id).await?;
    let title = format!("Сообщение №{id}");
    Ok(
        Page::new(&title, Section::Messages, Some(&session)).render(html! {
            h1 { (title) }
            dl.details {
                dt { "Тема письма" } dd #subject { (message.subject) }
                dt { "Создано" } dd { (when(message.created_at, app.zone())) }
                dt { "Используется в рассылках" }
                dd #used-in { @if used_in.is_empty() { "ни в одной" } (mailing_links(&used_in)) }
                dt { "Отправлено в рассылках" }
                dd #sent-in { @if sent_in.is_empty() { "ещё ни в одной" } (mailing_links(&sent_in)) }
            }
            h2 { "Тело письма" }
            pre.body #body_text { (message.body_text) }
            (MESSAGES.page_actions(id))
        }),
    )
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
            @if let Some(id) = id {
                p { a #preview-link href={ "/messages/" (id) "/preview" } { "Предпросмотр и тестовое письмо" } }
            }
            @if !sent_in.is_empty() {
                p.alert #sent-in {
                    "Это сообщение уже отправлено в "
                    @if sent_in.len() == 1 { "рассылке " } @else { "рассылках " }
                    (mailing_links(sent_in))
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
                (field("body_html", "HTML-версия (необязательно)", errors, {
                    let (invalid, described) = aria("body_html", errors);
                    html! { textarea #body_html name="body_html" rows="8" aria-invalid=[invalid] aria-describedby=[described] { (input.body_html) } }
                }))
                p.hint #variables {
                    "В тему, текст и HTML-версию можно подставить данные получателя: "
                    @for (i, variable) in VARIABLES.iter().enumerate() {
                        @if i > 0 { ", " }
                        code { "{{ " (variable) " }}" }
                    }
                    ". Например: " code { "Здравствуйте, {{ full_name }}!" }
                    ". С HTML-версией письмо уходит в двух вариантах: почтовая программа показывает HTML, "
                    "а текст — там, где HTML не показывают; в HTML подставленные значения экранируются."
                }
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

async fn create<W: Wiring>(
    Acting(app): Acting<W>,
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

async fn edit<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
) -> Result<Response, UiError> {
    let (id, message, sent_in) = with_mailings(&app, &id).await?;
    Ok(form_page(
        &session,
        Some(id),
        &Input::from_message(&message),
        &Errors::default(),
        StatusCode::OK,
        &sent_in,
    ))
}

async fn update<W: Wiring>(
    Acting(app): Acting<W>,
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
                body_html: Some(new.body_html),
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

async fn confirm_delete<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
) -> Result<Response, UiError> {
    let message = app.messages().get(MessageId(parse_id(&id)?)).await?;
    Ok(confirm_page(&session, &message, None))
}

async fn delete<W: Wiring>(
    Acting(app): Acting<W>,
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
