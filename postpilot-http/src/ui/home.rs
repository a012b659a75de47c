//! Главная страница: the three figures of the specification.

use axum::http::Uri;
use axum::response::Response;
use axum::Extension;
use maud::html;

use super::format::number;
use super::layout::{Notice, Page, Section};
use super::UiError;
use crate::auth::{Acting, Session};
use crate::state::Wiring;

pub(crate) async fn show<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    uri: Uri,
) -> Result<Response, UiError> {
    let stats = app.statistics().get().await?;
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
            p.actions {
                a.button href="/mailings/new" { "Создать рассылку" }
                a.button.secondary href="/recipients/new" { "Добавить получателя" }
                a.button.secondary href="/messages/new" { "Написать сообщение" }
            }
        }))
}
