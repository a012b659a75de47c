//! «Отправить сейчас»: the confirmation page (`GET /mailings/{id}/send`),
//! naming how many recipients will get the email and how many already got
//! this mailing, and the send itself (`POST`), which only that page's form
//! makes. A mailing with a finished run offers "only to those not reached"
//! beside "to everyone again"; while a run is unfinished nothing is offered
//! and a send is refused (409).

use axum::http::Uri;
use axum::response::Response;
use axum::Extension;
use maud::html;
use postpilot_core::{Audience, MailingId, MailingStatus, Trigger};

use super::form::csrf_field;
use super::format::{count, number, RECIPIENTS};
use super::layout::{Notice, Page, Section};
use super::mailings::mailing_page;
use super::{parse_id, see_other_with, IdPath, UiError};
use crate::auth::{Acting, Session};
use crate::csrf::CsrfForm;
use crate::sending;
use crate::state::Wiring;

/// The form field naming whom a send goes to, and its values.
const SELECTION: &str = "selection";
const EVERYONE: &str = "everyone";
const ONLY_UNSENT: &str = "only_unsent";

/// Why a send is refused while a run is unfinished.
pub(super) const IN_PROGRESS: &str =
    "Рассылка уже отправляется: дождитесь, пока текущий запуск закончится, и отправьте снова.";

/// Why a completed mailing cannot be sent.
pub(super) const COMPLETED: &str =
    "Рассылка завершена: время окончания отправки прошло, отправить её нельзя.";

/// Why a disabled mailing cannot be sent.
pub(crate) const DISABLED: &str =
    "Рассылка отключена менеджером: отправить её нельзя, пока менеджер или администратор её не включит.";

/// `GET /mailings/{id}/send`: what a send would do, and the buttons that do it.
pub(super) async fn confirm<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
) -> Result<Response, UiError> {
    let id = MailingId(parse_id(&id)?);
    let view = app.mailings().get(id).await?;
    let message = app.messages().get(view.mailing.message_id).await?;
    let history = app.history();
    let runs = history.runs(id).await?;
    let reach = history.reach(id).await?;
    let unfinished = runs.iter().find(|r| !r.is_finished());
    let sent_before = !runs.is_empty();
    let completed = view.status == MailingStatus::Completed;
    let title = format!("Отправить рассылку №{id}?");
    let back = format!("/mailings/{id}");
    let action = format!("/mailings/{id}/send");
    Ok(Page::new(&title, Section::Mailings, Some(&session)).render(html! {
        h1 { (title) }
        p { "Сообщение: «" (message.subject) "»." }
        @if completed {
            p.alert #refused { (COMPLETED) }
            p { a href=(back) { "Вернуться к рассылке" } }
        } @else if view.mailing.is_disabled() {
            p.alert #refused { (DISABLED) }
            p { a href=(back) { "Вернуться к рассылке" } }
        } @else if let Some(run) = unfinished {
            p.alert #refused {
                (IN_PROGRESS) " Запуск №" (run.id) ": отправлено "
                (number(run.sent + run.failed)) " из " (number(run.total)) "."
            }
            p { a href=(back) { "Вернуться к рассылке" } }
        } @else {
            p #reach {
                "Получателей у рассылки: " (number(reach.recipients)) ". "
                "Уже получили эту рассылку: " (number(reach.reached)) "."
            }
            @if sent_before {
                form.card method="post" action=(action) {
                    (csrf_field(&session.csrf))
                    p #only-unsent {
                        "Только тем, кому письмо не доставлено (последняя попытка не удалась "
                        "или письмо не отправлялось): его получат "
                        strong { (count(reach.unreached(), RECIPIENTS)) } "."
                    }
                    div.form-actions {
                        button.send type="submit" name=(SELECTION) value=(ONLY_UNSENT)
                            disabled[reach.unreached() == 0] {
                            "Отправить только недоставленным"
                        }
                    }
                    @if reach.unreached() == 0 {
                        p.hint { "Письмо доставлено всем получателям." }
                    }
                }
                form.card method="post" action=(action) {
                    (csrf_field(&session.csrf))
                    p #everyone {
                        "Всем ещё раз: письмо получат " strong { (count(reach.recipients, RECIPIENTS)) }
                        @if reach.reached > 0 {
                            ", из них " (number(reach.reached)) " получат его повторно"
                        }
                        "."
                    }
                    div.form-actions {
                        button.danger type="submit" name=(SELECTION) value=(EVERYONE) {
                            "Отправить всем ещё раз"
                        }
                    }
                }
                p { a href=(back) { "Отмена" } }
            } @else {
                form.card method="post" action=(action) {
                    (csrf_field(&session.csrf))
                    p #everyone {
                        "Письмо получат " strong { (count(reach.recipients, RECIPIENTS)) } "."
                    }
                    div.form-actions {
                        button.send type="submit" name=(SELECTION) value=(EVERYONE) { "Отправить" }
                        a href=(back) { "Отмена" }
                    }
                }
            }
        }
    }))
}

/// `POST /mailings/{id}/send`: launches the run the confirmation page chose
/// (everyone when the form names no choice), which the server's sender
/// delivers in the background, and goes back to the mailing page. Refused
/// (409, on the mailing page) for a completed or disabled mailing and while a run is
/// unfinished: the run is then left as it is.
pub(super) async fn send<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    uri: Uri,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, UiError> {
    let id = MailingId(parse_id(&id)?);
    let selection = match form.get(SELECTION) {
        None | Some(EVERYONE) => Audience::Everyone,
        Some(ONLY_UNSENT) => Audience::OnlyUnsent,
        Some(_) => return Err(UiError::BadRequest),
    };
    // An unfinished run is resumed by the launch rather than a new one
    // started: one transaction decides, so a refusal here is never wrong.
    match sending::launch(&app, id, Trigger::Ui, selection).await {
        Ok(launch) if launch.resumed => {
            mailing_page(&app, &session, id, &uri, None, Some(IN_PROGRESS.into())).await
        }
        Ok(_) => Ok(see_other_with(&format!("/mailings/{id}"), Notice::Launched)),
        Err(postpilot_core::Error::MailingCompleted(_)) => {
            mailing_page(&app, &session, id, &uri, None, Some(COMPLETED.into())).await
        }
        Err(postpilot_core::Error::MailingDisabled(_)) => {
            mailing_page(&app, &session, id, &uri, None, Some(DISABLED.into())).await
        }
        Err(err) => Err(err.into()),
    }
}
