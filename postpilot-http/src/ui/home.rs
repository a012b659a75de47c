//! Главная страница: the three figures of the specification, of what the
//! role sees (a user's own; a manager's and an admin's everyone's), and
//! for managers and admins the same by user (ARCHITECTURE.md, "Users and
//! ownership").

use axum::http::Uri;
use axum::response::Response;
use axum::Extension;
use maud::html;

use super::format::number;
use super::layout::{table, Notice, Page, Section};
use super::users::{count_cells, COUNT_HEADINGS};
use super::UiError;
use crate::auth::{Acting, Session};
use crate::state::Wiring;

/// The users the breakdown shows, by id; the users page lists them all.
const BREAKDOWN: postpilot_core::Page = postpilot_core::Page {
    offset: 0,
    limit: 1000,
};

const BREAKDOWN_HEADINGS: [&str; 6] = [
    "Пользователь",
    COUNT_HEADINGS[0],
    COUNT_HEADINGS[1],
    COUNT_HEADINGS[2],
    COUNT_HEADINGS[3],
    COUNT_HEADINGS[4],
];

pub(crate) async fn show<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    uri: Uri,
) -> Result<Response, UiError> {
    let stats = app.statistics().get().await?;
    let by_user = if session.actor.role().sees_everyone() {
        app.accounts().list(&session.actor, BREAKDOWN).await?
    } else {
        Vec::new()
    };
    let figures = [
        (
            "mailings_total",
            "Всего рассылок",
            stats.mailings_total,
            "/mailings",
        ),
        (
            "mailings_active",
            "Активных рассылок (Запущена)",
            stats.mailings_active,
            "/mailings",
        ),
        (
            "unique_recipients",
            "Уникальных получателей в рассылках",
            stats.unique_recipients,
            "/recipients",
        ),
    ];
    Ok(Page::new("Главная", Section::Home, Some(&session))
        .notice(Notice::from_uri(&uri))
        .render(html! {
            h1 { "Главная" }
            div.figures {
                @for (key, label, value, href) in figures {
                    a.figure href=(href) {
                        span.value data-stat=(key) { (number(value)) }
                        span.label { (label) }
                    }
                }
            }
            section.secondary {
                h2 { "Кроме того" }
                ul.facts {
                    li { "Получателей всего: " strong data-stat="recipients_total" { (number(stats.recipients_total)) } }
                    li { "Сообщений: " strong data-stat="messages_total" { (number(stats.messages_total)) } }
                    li {
                        "Попыток отправки: " strong data-stat="attempts_total" { (number(stats.attempts_total)) }
                        " (успешно " strong data-stat="attempts_success" { (number(stats.attempts_success)) }
                        ", не успешно " strong data-stat="attempts_failure" { (number(stats.attempts_failure)) } ")"
                    }
                }
            }
            @if !by_user.is_empty() {
                section.by-user {
                    h2 { "По пользователям" }
                    (table(&BREAKDOWN_HEADINGS, &by_user, |(user, counts)| html! {
                        td data-label="Пользователь" data-user=(user.id) {
                            (user.full_name) " " span.muted { "<" (user.email) ">" }
                        }
                        (count_cells(counts))
                    }))
                    @if by_user.len() as u64 == BREAKDOWN.limit {
                        p.muted { "Показаны первые " (number(BREAKDOWN.limit)) " пользователей; все — на странице " a href="/users" { "Пользователи" } "." }
                    }
                }
            }
            p.actions {
                a.button href="/mailings/new" { "Создать рассылку" }
                a.button.secondary href="/recipients/new" { "Добавить получателя" }
                a.button.secondary href="/messages/new" { "Написать сообщение" }
            }
        }))
}
