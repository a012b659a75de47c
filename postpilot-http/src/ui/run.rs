//! One run of a mailing (`GET /mailings/{id}/runs/{run_id}`): when and how it
//! was launched, its progress, and the subject and body it sends, as they
//! were when it was launched.

use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::response::Response;
use axum::Extension;
use maud::html;
use postpilot_core::{MailingId, RunId};

use super::format::{trigger, when_exact};
use super::layout::{Page, Section};
use super::mailings::progress;
use super::UiError;
use crate::auth::{Acting, Session};
use crate::state::Wiring;

/// Shown for a run whose text was not kept.
pub(super) const UNKNOWN_TEXT: &str =
    "неизвестна: запуск сделан до того, как запуски стали хранить отправленный текст";

pub(super) async fn show<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, UiError> {
    let Ok(Path((id, run_id))) = path else {
        return Err(UiError::NotFound);
    };
    let id = MailingId(super::parse_id(&id)?);
    let run_id = RunId(super::parse_id(&run_id)?);
    let history = app.history();
    let run = history
        .runs(id)
        .await?
        .into_iter()
        .find(|r| r.id == run_id)
        .ok_or(UiError::NotFound)?;
    let message = history.run_message(run_id).await?;
    let launcher = super::users::launcher_of(&app, &run).await;
    let title = format!("Рассылка №{id}: запуск №{run_id}");
    let tz = app.zone();
    Ok(
        Page::new(&title, Section::Mailings, Some(&session)).render(html! {
            h1 { (title) }
            dl.details {
                dt { "Начат" } dd { (when_exact(run.started_at, tz)) }
                dt { "Откуда" } dd { (trigger(run.trigger)) }
                dt { "Запустил" } dd #run-launcher { (launcher) }
                dt { "Ход отправки" } dd { (progress(run.sent, run.failed, run.pending(), run.total)) (super::suppressed::skipped(&run)) }
                dt { "Завершён" }
                dd { @match run.finished_at { Some(at) => (when_exact(at, tz)), None => "идёт…" } }
            }
            @match message {
                Some(m) => {
                    h2 { "Что отправлено" }
                    p.hint { "Тема и текст на момент запуска: поздние изменения сообщения их не меняют." }
                    dl.details {
                        dt { "Тема письма" } dd #run-subject { (m.subject) }
                    }
                    pre.body #run-body { (m.body_text) }
                },
                None => {
                    p #run-subject { "Тема и текст этого запуска " (UNKNOWN_TEXT) "." }
                },
            }
            p { a href={ "/mailings/" (id) } { "Вернуться к рассылке" } }
        }),
    )
}
