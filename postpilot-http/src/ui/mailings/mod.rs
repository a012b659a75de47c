//! Рассылки: the list, delete, and the routes of every mailing page
//! (see `input.rs` for the form's fields and checks, `edit.rs` for add and
//! edit, `page.rs` for the mailing page with its runs and attempts).

mod edit;
mod input;
mod moderation;
mod page;

pub(crate) use page::{mailing_page, progress};

use axum::http::Uri;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::html;
use postpilot_core::{Direction, MailingId, MailingOrder, Page as Slice};

use super::format::{count as count_words, mailing_state, number, when, RECIPIENTS};
use super::layout::{Notice, Section};
use super::listing::{read, Orders};
use super::resource::Resource;
use super::{parse_id, see_other_with, IdPath, UiError};
use crate::auth::{Acting, Session};
use crate::csrf::CsrfForm;
use crate::state::{AppState, Wiring};

const MAILINGS: Resource = Resource {
    base: "/mailings",
    title: "Рассылки",
    section: Section::Mailings,
    new_label: "Создать рассылку",
    empty: "Рассылок пока нет.",
    columns: &[
        "№",
        "Статус",
        "Сообщение",
        "Первая отправка",
        "Окончание отправки",
        "Получателей",
    ],
    links: &[],
};

/// Messages offered by the mailing form.
const CHOICES: Slice = Slice {
    offset: 0,
    limit: 1000,
};
/// Seconds between reloads of a mailing page while it is being sent.
const REFRESH_SECONDS: u32 = 2;

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/mailings", get(list::<W>).post(edit::create::<W>))
        .route("/mailings/new", get(edit::new::<W>))
        .route(
            "/mailings/{id}",
            get(page::show::<W>).post(edit::update::<W>),
        )
        .route("/mailings/{id}/edit", get(edit::edit::<W>))
        .route(
            "/mailings/{id}/attempts.csv",
            get(super::attempts::export::<W>),
        )
        .route("/mailings/{id}/runs/{run_id}", get(super::run::show::<W>))
        .route(
            "/mailings/{id}/send",
            get(super::send::confirm::<W>).post(super::send::send::<W>),
        )
        .route(
            "/mailings/{id}/delete",
            get(confirm_delete::<W>).post(delete::<W>),
        )
        .route("/mailings/{id}/disable", post(moderation::disable::<W>))
        .route("/mailings/{id}/enable", post(moderation::enable::<W>))
}

async fn list<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    uri: Uri,
) -> Result<Response, UiError> {
    let mailings = &app.mailings();
    let tz = app.zone();
    let asked = read(&uri, &ORDERS, |listing| async move {
        mailings.find(&listing).await
    })
    .await?;
    Ok(MAILINGS.listed_page(
        &session,
        &uri,
        &asked,
        SORTS,
        "Найти по теме сообщения или номеру",
        |(view, subject)| {
            let m = &view.mailing;
            html! {
                td data-label="№" { a href={ "/mailings/" (m.id) } { "№" (m.id) } }
                td data-label="Статус" { (mailing_state(view.status, m.is_disabled())) }
                td data-label="Сообщение" { a href={ "/mailings/" (m.id) } { (subject) } }
                td data-label="Первая отправка" { (when(m.first_sent_at, tz)) }
                td data-label="Окончание отправки" { (when(m.sent_completed_at, tz)) }
                td data-label="Получателей" { (number(m.recipient_count)) }
            }
        },
    ))
}

/// The orders the list offers, by number by default.
const ORDERS: Orders<MailingOrder> = Orders {
    codes: &[
        ("id", MailingOrder::Id),
        ("subject", MailingOrder::Subject),
        ("first", MailingOrder::FirstSentAt),
        ("end", MailingOrder::SentCompletedAt),
        ("recipients", MailingOrder::RecipientCount),
    ],
    default_direction: Direction::Ascending,
};

/// The columns the list sorts by, each with its code in `?sort=`.
const SORTS: &[(&str, &str)] = &[
    ("№", "id"),
    ("Сообщение", "subject"),
    ("Первая отправка", "first"),
    ("Окончание", "end"),
    ("Получателей", "recipients"),
];

async fn confirm_delete<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
) -> Result<Response, UiError> {
    let id = MailingId(parse_id(&id)?);
    let view = app.mailings().get(id).await?;
    Ok(MAILINGS.confirm_page(
        &session,
        "Удалить рассылку?",
        html! {
            p {
                "Рассылка №" (id) " (" (count_words(view.mailing.recipient_count, RECIPIENTS)) ") будет удалена вместе со всеми запусками и попытками."
            }
        },
        id,
        &format!("/mailings/{id}"),
        None,
    ))
}

async fn delete<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    CsrfForm { .. }: CsrfForm,
) -> Result<Response, UiError> {
    app.mailings().delete(MailingId(parse_id(&id)?)).await?;
    Ok(see_other_with(MAILINGS.base, Notice::MailingDeleted))
}
