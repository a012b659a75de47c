//! Предпросмотр: a message as one recipient would get it (subject, body
//! and the whole email the mailer would send), and a test send of it to
//! one address, which records nothing.

use axum::http::{header, HeaderValue};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use maud::{html, Markup};
use postpilot_core::usecases::Letter;
use postpilot_core::{
    EmailAddress, Error, MessageId, Page as Slice, Recipient, RecipientId, Search,
};

use super::form::{csrf_field, problem_text};
use super::layout::{Page, Section};
use super::{parse_id, query_param, IdPath, UiError};
use crate::auth::{Acting, Session};
use crate::csrf::CsrfForm;
use crate::state::{AppState, Wiring};

/// Recipients offered to choose from.
const CHOICES: u64 = 10;

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route(
            "/messages/{id}/preview",
            get(show::<W>).post(send_test::<W>),
        )
        .route("/messages/{id}/preview/html", get(html_part::<W>))
}

/// The preview page's policy: the default one (`layers.rs`) and frames
/// from this server, for the HTML version.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The HTML version's policy: its own inline styles and embedded images,
/// nothing else; `sandbox` runs no script, submits no form and gives it an
/// origin of its own, even when opened on its own.
const HTML_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
    sandbox; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

/// The HTML version for one recipient, shown inside the preview page.
async fn html_part<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    uri: Uri,
) -> Result<Response, UiError> {
    let id = MessageId(parse_id(&id)?);
    let recipient = query_param(&uri, "recipient_id")
        .and_then(|r| crate::api::extract::parse_id(&r))
        .map(RecipientId)
        .ok_or(UiError::NotFound)?;
    let letter = match app.previews().preview(id, recipient).await {
        Ok(letter) => letter,
        Err(Error::Invalid(_)) => return Err(UiError::NotFound),
        Err(other) => return Err(other.into()),
    };
    let html = letter
        .content
        .body_html
        .as_ref()
        .ok_or(UiError::NotFound)?
        .to_string();
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(HTML_POLICY),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    Ok(response)
}

/// What the page shows below the preview after a test send.
enum Outcome {
    None,
    Sent { to: String, reply: String },
    Refused { to: String, why: String },
}

async fn show<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
    uri: Uri,
) -> Result<Response, UiError> {
    let id = MessageId(parse_id(&id)?);
    let recipient = query_param(&uri, "recipient_id")
        .and_then(|r| crate::api::extract::parse_id(&r))
        .map(RecipientId);
    let q = query_param(&uri, "q").unwrap_or_default();
    page(&app, &session, id, recipient, &q, Outcome::None).await
}

async fn send_test<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, UiError> {
    let id = MessageId(parse_id(&id)?);
    let recipient = crate::api::extract::parse_id(&form.text("recipient_id"))
        .map(RecipientId)
        .ok_or(UiError::BadRequest)?;
    let to_text = form.text("to");
    let outcome = match EmailAddress::parse(to_text.trim()) {
        Err(bad) => Outcome::Refused {
            to: to_text,
            why: problem_text(&bad.problem),
        },
        Ok(to) => match app.previews().send_test(id, recipient, to.clone()).await {
            Ok((_, reply)) => Outcome::Sent {
                to: to.to_string(),
                reply: reply.0,
            },
            Err(Error::Mail(refused)) => Outcome::Refused {
                to: to.to_string(),
                why: format!(
                    "{} ({})",
                    failure_kind(&refused),
                    postpilot_core::visible(refused.reply())
                ),
            },
            Err(other) => return Err(other.into()),
        },
    };
    page(&app, &session, id, Some(recipient), "", outcome).await
}

async fn page<W: Wiring>(
    app: &AppState<W>,
    session: &Session,
    id: MessageId,
    recipient: Option<RecipientId>,
    q: &str,
    outcome: Outcome,
) -> Result<Response, UiError> {
    let message = app.messages().get(id).await?;
    let search = Search::optional(Some(q)).ok().flatten();
    let choices = app
        .recipients()
        .search(search.as_ref(), Slice::new(0, CHOICES))
        .await?;
    // The recipient asked for, else the first there is.
    let chosen = match recipient.or_else(|| choices.items.first().map(|r| r.id)) {
        Some(r) => Some(app.recipients().get(r).await?),
        None => None,
    };
    let letter = match &chosen {
        Some(r) => match app.previews().preview(id, r.id).await {
            Ok(letter) => Ok(Some(letter)),
            Err(Error::Invalid(why)) => Err(problem_text(&why.problem)),
            Err(other) => return Err(other.into()),
        },
        None => Ok(None),
    };
    let title = format!("Сообщение №{id}: предпросмотр");
    let status = match (&outcome, &letter) {
        (Outcome::Refused { .. }, _) | (_, Err(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let mut response = Page::new(&title, Section::Messages, Some(session))
        .status(status)
        .render(html! {
            h1 { (title) }
            p { a href={ "/messages/" (id) "/edit" } { "← К сообщению «" (message.subject) "»" } }
            (chooser(id, q, &choices.items, chosen.as_ref()))
            @match &letter {
                Err(why) => p.alert #unrenderable { "Для этого получателя письмо не собрать: " (why) },
                Ok(None) => p.empty { "Получателей пока нет: предпросмотр показывает письмо одного из них." },
                Ok(Some(letter)) => {
                    (shown(id, letter, chosen.as_ref()))
                    @if let Some(r) = &chosen { (test_form(&session.csrf, id, r.id, &outcome)) }
                }
            }
        });
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    Ok(response)
}

/// The kind of a failed test send, in Russian.
fn failure_kind(refused: &postpilot_core::ports::MailError) -> &'static str {
    use postpilot_core::ports::MailError;
    match refused {
        MailError::Transient(_) => "Временная ошибка, письмо не отправлено",
        MailError::Permanent(_) => "Сервер отказался принять письмо",
        MailError::AddressRefused(_) => "Сервер не принимает письма на этот адрес",
        MailError::UnknownOutcome(_) => "Исход неизвестен: связь прервалась после отправки",
        MailError::LoginFailed(_) => "Сервер не принял логин или пароль",
        MailError::NotStarted(_) => "Письмо не отправлено: отправка остановлена",
    }
}

/// A search for the recipient whose fields fill the template.
fn chooser(id: MessageId, q: &str, choices: &[Recipient], chosen: Option<&Recipient>) -> Markup {
    html! {
        form.search method="get" action={ "/messages/" (id) "/preview" } {
            div.field {
                label for="q" { "Для получателя (поиск по адресу или Ф. И. О.)" }
                input #q type="search" name="q" value=(q) maxlength=(Search::MAX_CHARS);
            }
            button type="submit" { "Найти" }
        }
        @if !choices.is_empty() {
            ul.choices {
                @for r in choices {
                    li {
                        @if chosen.is_some_and(|c| c.id == r.id) {
                            strong { (r.full_name) " <" (r.email) ">" }
                        } @else {
                            a href={ "/messages/" (id) "/preview?recipient_id=" (r.id) } { (r.full_name) " <" (r.email) ">" }
                        }
                    }
                }
            }
        }
    }
}

/// The personalised subject and bodies (the HTML one in a sandboxed
/// frame), then the whole email.
fn shown(id: MessageId, letter: &Letter, chosen: Option<&Recipient>) -> Markup {
    html! {
        section #preview {
            h2 { "Письмо для " (letter.to_name) " <" (letter.to) ">" }
            dl {
                dt { "Тема" } dd #subject { (letter.content.subject) }
            }
            @if let (Some(_), Some(r)) = (&letter.content.body_html, chosen) {
                h3 { "HTML-версия" }
                iframe #body_html sandbox="" title="HTML-версия письма" loading="lazy"
                    src={ "/messages/" (id) "/preview/html?recipient_id=" (r.id) } {}
                p.hint { "Скрипты в предпросмотре не выполняются, внешние картинки не загружаются." }
                h3 { "Текстовая версия" }
            }
            pre.body #body_text { (letter.content.body_text) }
            details {
                summary { "Письмо целиком (заголовки и тело, как их отправит сервер)" }
                pre.raw #raw { (String::from_utf8_lossy(&letter.raw)) }
            }
        }
    }
}

/// "Send a test" to one address, and what came of the last one.
fn test_form(csrf: &str, id: MessageId, recipient: RecipientId, outcome: &Outcome) -> Markup {
    let (value, error) = match outcome {
        Outcome::Refused { to, why } => (to.as_str(), Some(why.as_str())),
        Outcome::Sent { to, .. } => (to.as_str(), None),
        Outcome::None => ("", None),
    };
    html! {
        section #test {
            h2 { "Тестовое письмо" }
            @if let Outcome::Sent { to, reply } = outcome {
                p.notice role="status" { "Тестовое письмо отправлено на " (to) ". Ответ сервера: " (reply) }
            }
            form.card method="post" action={ "/messages/" (id) "/preview" } {
                (csrf_field(csrf))
                input type="hidden" name="recipient_id" value=(recipient);
                div.field.invalid[error.is_some()] {
                    label for="to" { "Адрес для теста" }
                    input #to type="email" name="to" value=(value) required
                        aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "to-error")];
                    @if let Some(error) = error {
                        p.field-error #to-error { (error) }
                    }
                }
                p.hint { "Письмо уйдёт только на этот адрес. Запуски, попытки и статистика рассылок не меняются." }
                div.form-actions { button type="submit" { "Отправить тест" } }
            }
        }
    }
}
