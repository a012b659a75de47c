//! The mailing page: its status, "Отправить сейчас", its runs with
//! progress and its attempts.

use crate::ui::format::{count as count_words, mailing_state, trigger, when, when_exact};
use crate::ui::layout::table;
use crate::ui::members::count;
use crate::ui::reply::reply;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::Extension;
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use postpilot_core::usecases::GAVE_UP;
use postpilot_core::{Mailing, MailingId, MailingStatus};

use super::REFRESH_SECONDS;
use crate::auth::{Acting, Session};
use crate::state::{AppState, Wiring};
use crate::ui::layout::{Notice, Page, Section};
use crate::ui::reply::gave_up_parts;
use crate::ui::{parse_id, IdPath, UiError};

pub(super) async fn show<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
    uri: Uri,
) -> Result<Response, UiError> {
    let id = MailingId(parse_id(&id)?);
    let notice = Notice::from_uri(&uri);
    mailing_page(&app, &session, id, &uri, notice, None).await
}

/// The mailing page; `refused` is why a send was refused (shown, 409).
pub(crate) async fn mailing_page<W: Wiring>(
    app: &AppState<W>,
    session: &Session,
    id: MailingId,
    uri: &Uri,
    notice: Option<Notice>,
    refused: Option<String>,
) -> Result<Response, UiError> {
    let mailings = app.mailings();
    let view = mailings.get(id).await?;
    let m = &view.mailing;
    let message = app.messages().get(m.message_id).await?;
    let history = app.history();
    let runs = history.runs(id).await?;
    let launchers = crate::ui::users::launchers_of(app, &runs).await;
    let base = format!("/mailings/{id}");
    let (attempts, bad_search) = crate::ui::attempts::section(app, id, &base, uri).await?;
    let unfinished = runs.iter().any(|r| !r.is_finished());
    // The latest run gave up on the server: said at the top of the page.
    let server_down = match runs.first() {
        Some(latest) if latest.failed > 0 => history
            .last_response_starting_with(latest.id, GAVE_UP)
            .await?
            .and_then(|response| gave_up_reason(&response)),
        _ => None,
    };
    let sending = unfinished && app.deliveries().in_progress() > 0;
    let disabled_by = match m.disabled {
        Some(disabled) => Some(crate::ui::users::who(app, disabled.by).await),
        None => None,
    };
    let completed = view.status == MailingStatus::Completed;
    let tz = app.zone();
    let schedule = schedule(m, completed, app.config().schedule, app.now(), tz);
    let title = format!("Рассылка №{id}");
    let status = if refused.is_some() {
        StatusCode::CONFLICT
    } else if bad_search {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok(Page::new(&title, Section::Mailings, Some(session))
        .status(status)
        .notice(notice)
        .error(refused)
        .refresh(sending.then_some(REFRESH_SECONDS))
        .render(html! {
            div.heading {
                h1 { (title) " " (mailing_state(view.status, m.is_disabled())) }
            }
            @if let Some(disabled) = &m.disabled {
                p.alert #disabled role="alert" {
                    "Рассылка отключена " (when_exact(disabled.at, tz))
                    @if let Some(by) = &disabled_by { " (" (by) ")" }
                    ": она не отправляется ни по расписанию, ни кнопкой, "
                    "а запуск, если он шёл, остановлен: оставшимся письма не отправлены; когда рассылку включат, их можно отправить «только недоставленным»."
                }
            }
            @if let Some(reason) = server_down {
                p.alert #server-down role="alert" { "Почтовый сервер недоступен: " (reason) }
            }
            // The button and the progress first: on a phone they are on
            // the first screen, the details below.
            div.actions {
                @if completed || unfinished || m.is_disabled() {
                    button.send type="button" disabled { "Отправить сейчас" }
                } @else {
                    a.button.send href={ "/mailings/" (id) "/send" } { "Отправить сейчас" }
                }
                a.button.secondary href={ "/mailings/" (id) "/edit" } { "Изменить" }
                a.button.danger href={ "/mailings/" (id) "/delete" } { "Удалить" }
                @if session.actor.role().moderates() {
                    (super::moderation::button(session, m))
                }
            }
            @if completed {
                p.hint { "Время окончания отправки прошло: рассылка завершена и больше не отправляется." }
            }
            @if sending {
                p.hint role="status" { "Идёт отправка — страница обновляется сама." }
            } @else if unfinished {
                p.hint role="status" { "Запуск ещё не закончен: отправить снова можно, когда он закончится." }
            }
            @if let Some(latest) = runs.first() {
                div #progress {
                    p.progress-of {
                        a href={ "/mailings/" (id) "/runs/" (latest.id) } { "Запуск №" (latest.id) }
                        @if latest.is_finished() { " (завершён)" } @else { " (идёт)" }
                    }
                    (progress(latest.sent, latest.failed, latest.pending(), latest.total))
                }
            }
            dl.details {
                dt { "Статус" } dd #status { (crate::labels::mailing_status(view.status)) }
                dt { "Сообщение" } dd { a href={ "/messages/" (message.id) } { (message.subject) } }
                dt { "Первая отправка" } dd { (when(m.first_sent_at, tz)) }
                dt { "Окончание отправки" } dd { (when(m.sent_completed_at, tz)) }
                dt { "Отправка" }
                dd #schedule { (schedule) }
                dt { "Получатели" }
                dd #recipient_count {
                    "Получателей: " (count(m.recipient_count)) " · "
                    a href={ "/mailings/" (id) "/recipients" } { "Получатели рассылки: найти, добавить, убрать" }
                }
            }
            section #runs {
                h2 { "Запуски отправки" }
                @if runs.is_empty() {
                    p.empty { "Рассылка ещё не отправлялась." }
                } @else {
                    (table(
                        &["№", "Тема письма", "Начат", "Откуда", "Запустил", "Ход отправки", "Завершён"],
                        &runs.iter().zip(&launchers).collect::<Vec<_>>(),
                        |(r, launcher)| html! {
                            td data-label="№" { a href={ "/mailings/" (id) "/runs/" (r.id) } { (r.id) } }
                            td data-label="Тема письма" {
                                a href={ "/mailings/" (id) "/runs/" (r.id) } {
                                    @match &r.subject {
                                        Some(subject) => (subject),
                                        None => "неизвестна",
                                    }
                                }
                            }
                            td data-label="Начат" { (when_exact(r.started_at, tz)) }
                            td data-label="Откуда" { (trigger(r.trigger)) }
                            td.launcher data-label="Запустил" { (launcher) }
                            td data-label="Ход отправки" { (progress(r.sent, r.failed, r.pending(), r.total)) (crate::ui::suppressed::skipped(r)) }
                            td data-label="Завершён" {
                                @match r.finished_at { Some(at) => (when_exact(at, tz)), None => "идёт…" }
                            }
                        },
                    ))
                }
            }
            (attempts)
        }))
}

/// When the mailing is (or was) sent, in words: the scheduler sends a
/// mailing never sent once its first send time comes.
fn schedule(
    m: &Mailing,
    completed: bool,
    scheduler: bool,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Markup {
    match m.launched_at {
        Some(at) => html! { "Отправлена " (when(at, tz)) "." },
        None if completed => html! { "Не отправлялась: время окончания отправки прошло." },
        None if !scheduler => html! {
            "Сама не отправится: расписание в этом процессе выключено. Отправьте кнопкой «Отправить сейчас»."
        },
        None if m.first_sent_at <= now => html! {
            "Будет отправлена автоматически в ближайшие секунды: время первой отправки ("
            (when(m.first_sent_at, tz)) ") наступило."
        },
        None => html! {
            "Будет отправлена автоматически " (when(m.first_sent_at, tz))
            ", если не отправить её раньше кнопкой «Отправить сейчас»."
        },
    }
}

/// Why the run gave up, from the response recorded for what it left: the
/// count of failures in a row and the last, as the attempts show it.
fn gave_up_reason(response: &str) -> Option<Markup> {
    let (count, last) = gave_up_parts(response)?;
    Some(html! {
        "отправка остановлена после "
        (count_words(count, ["временной ошибки", "временных ошибок", "временных ошибок"]))
        " подряд, остальным письма не отправлены. "
        "Последняя ошибка — " (reply(last)) ". Когда сервер заработает, отправьте снова только недоставленным."
    })
}

/// Sent, failed and pending of the total, as a bar and in words.
pub(crate) fn progress(sent: u64, failed: u64, pending: u64, total: u64) -> Markup {
    html! {
        div.progress {
            progress value=(sent + failed) max=(total.max(1)) { (count(sent + failed)) " из " (count(total)) }
            span {
                (count(sent + failed)) " из " (count(total)) ": "
                span.ok { "успешно " (count(sent)) } ", "
                span.fail { "не успешно " (count(failed)) }
                @if pending > 0 { ", в очереди " (count(pending)) }
            }
        }
    }
}
