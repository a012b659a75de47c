//! Add and edit a mailing: the form, shown again with its errors.

use crate::ui::form::{field, record_form};
use crate::ui::format::{clip, zone};
use crate::ui::members::count;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use maud::html;
use postpilot_core::ports::{Entity, StoreError};
use postpilot_core::Search;
use postpilot_core::{
    MailingId, MailingPatch, NewMailing, Page as Slice, RecipientIds, RecipientsEdit,
};

use super::input::{past_start, reference_errors, Choice, Input};
use super::CHOICES;
use crate::auth::{Acting, Session};
use crate::csrf::CsrfForm;
use crate::state::{AppState, Wiring};
use crate::ui::form::{aria, Errors};
use crate::ui::format::{input_value, tomorrow_morning};
use crate::ui::layout::{Notice, Page, Section};
use crate::ui::{parse_id, see_other_with, IdPath, UiError};

async fn form_page<W: Wiring>(
    app: &AppState<W>,
    session: &Session,
    id: Option<MailingId>,
    input: &Input,
    errors: &Errors,
    status: StatusCode,
) -> Result<Response, UiError> {
    let messages = app.messages().list(CHOICES).await?;
    // An edit shows how many recipients there are, never a choice that
    // could replace them: they change only on their own page.
    let (everyone, count) = match id {
        None => (
            app.recipients().search(None, Slice::new(0, 0)).await?.total,
            None,
        ),
        Some(id) => (
            0,
            Some(app.mailings().get(id).await?.mailing.recipient_count),
        ),
    };
    let chose = |value: &str| input.choose == value || (value == "all" && input.all_recipients);
    let (title, action, cancel) = match id {
        None => (
            "Новая рассылка".to_owned(),
            "/mailings".to_owned(),
            "/mailings".to_owned(),
        ),
        Some(id) => (
            format!("Рассылка №{id}: изменить"),
            format!("/mailings/{id}"),
            format!("/mailings/{id}"),
        ),
    };
    let datetime = |name: &str| {
        let value = match name {
            "first_sent_at" => &input.first_sent_at,
            _ => &input.sent_completed_at,
        };
        let (invalid, described) = aria(name, errors);
        html! {
            input id=(name) type="datetime-local" name=(name) value=(value) required
                aria-invalid=[invalid] aria-describedby=[described];
        }
    };
    Ok(Page::new(&title, Section::Mailings, Some(session))
        .status(status)
        .render(html! {
            h1 { (title) }
            @if messages.is_empty() || (count.is_none() && everyone == 0) {
                p.alert {
                    "Для рассылки нужны "
                    a href="/messages/new" { "сообщение" } " и хотя бы один "
                    a href="/recipients/new" { "получатель" } "."
                }
            }
            (record_form(&session.csrf, &action, &cancel, html! {
                (field("message_id", "Сообщение", errors, {
                    let (invalid, described) = aria("message_id", errors);
                    html! {
                        select #message_id name="message_id" required aria-invalid=[invalid] aria-describedby=[described] {
                            option value="" { "— выберите сообщение —" }
                            @for m in &messages {
                                @let value = m.id.to_string();
                                option value=(value) selected[value == input.message_id] {
                                    "№" (m.id) " · " (clip(m.subject.as_str(), 60))
                                }
                            }
                        }
                    }
                }))
                div.row {
                    (field("first_sent_at", "Дата и время первой отправки", errors, datetime("first_sent_at")))
                    (field("sent_completed_at", "Дата и время окончания отправки", errors, datetime("sent_completed_at")))
                }
                p.hint #zone { "Часовой пояс: " (zone(app.zone(), app.now())) "." }
                @if let Some(count) = count {
                    p #recipient_count {
                        "Получателей: " (self::count(count)) ". Сохранение не меняет получателей рассылки: они меняются на странице "
                        a href={ (cancel) "/recipients" } { "«Получатели рассылки»" } "."
                    }
                } @else {
                fieldset.field.invalid[errors.get("recipient_ids").is_some() || errors.get("recipient_search").is_some()] #recipient_ids {
                    legend { "Получатели" }
                    @for id in &input.recipient_ids {
                        input type="hidden" name="recipient_ids" value=(id);
                    }
                    label.check {
                        input type="radio" name="recipients" value="all" checked[chose("all")];
                        " Все получатели (" (self::count(everyone)) ")"
                    }
                    label.check {
                        input type="radio" name="recipients" value="search" checked[chose("search")];
                        " Все, у кого в адресе или Ф. И. О. есть:"
                    }
                    @let (invalid, described) = aria("recipient_search", errors);
                    input #recipient_search type="search" name="recipient_search" value=(input.recipient_search)
                        maxlength=(Search::MAX_CHARS) aria-label="Поиск получателей"
                        aria-invalid=[invalid] aria-describedby=[described];
                    @if let Some(error) = errors.get("recipient_search") {
                        p.field-error #recipient_search-error { (error) }
                    }
                    label.check {
                        input type="radio" name="recipients" value="later" checked[chose("later")];
                        " Выбрать потом, на странице получателей рассылки"
                    }
                    @if let Some(error) = errors.get("recipient_ids") {
                        p.field-error #recipient_ids-error { (error) }
                    }
                }
                }
            }))
        }))
}

pub(super) async fn new<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
) -> Result<Response, UiError> {
    // Tomorrow morning, never "now": saving the defaults must not send.
    let tz = app.zone();
    let start = tomorrow_morning(app.now(), tz);
    let input = Input {
        first_sent_at: input_value(start, tz),
        sent_completed_at: input_value(start + chrono::Duration::days(1), tz),
        ..Input::default()
    };
    form_page(
        &app,
        &session,
        None,
        &input,
        &Errors::default(),
        StatusCode::OK,
    )
    .await
}

pub(super) async fn create<W: Wiring>(
    Acting(app): Acting<W>,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, UiError> {
    let input = Input::from_form(&form);
    let valid = match input.validate(true, app.zone()) {
        Ok(valid) => valid,
        Err(errors) => {
            return form_page(
                &app,
                &session,
                None,
                &input,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    if let Some(errors) = past_start(&valid, app.now()) {
        return form_page(
            &app,
            &session,
            None,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let later = matches!(valid.recipients, Choice::Later);
    let (recipient_ids, then) = match valid.recipients {
        Choice::These(ids) => (ids, None),
        Choice::Select(which) => (RecipientIds::default(), Some(which)),
        Choice::Later | Choice::Unchanged => (RecipientIds::default(), None),
    };
    let new = NewMailing {
        window: valid.window,
        message_id: valid.message_id,
        recipient_ids,
    };
    let mailings = app.mailings();
    match mailings.add(new).await {
        Ok(view) => {
            let id = view.mailing.id;
            if let Some(which) = then {
                // Everyone, or everyone found: one statement, however many.
                mailings.add_recipients(id, &which).await?;
            }
            let to = if later {
                format!("/mailings/{id}/recipients")
            } else {
                format!("/mailings/{id}")
            };
            Ok(see_other_with(&to, Notice::MailingCreated))
        }
        Err(err) => match reference_errors(&err) {
            Some(errors) => {
                form_page(
                    &app,
                    &session,
                    None,
                    &input,
                    &errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => Err(err.into()),
        },
    }
}

pub(super) async fn edit<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
) -> Result<Response, UiError> {
    let id = MailingId(parse_id(&id)?);
    let mailings = app.mailings();
    let view = mailings.get(id).await?;
    let m = &view.mailing;
    let input = Input {
        message_id: m.message_id.to_string(),
        first_sent_at: input_value(m.first_sent_at, app.zone()),
        sent_completed_at: input_value(m.sent_completed_at, app.zone()),
        ..Input::default()
    };
    form_page(
        &app,
        &session,
        Some(id),
        &input,
        &Errors::default(),
        StatusCode::OK,
    )
    .await
}

pub(super) async fn update<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, UiError> {
    let id = MailingId(parse_id(&id)?);
    let input = Input::from_form(&form);
    let valid = match input.validate(false, app.zone()) {
        Ok(valid) => valid,
        Err(errors) => {
            return form_page(
                &app,
                &session,
                Some(id),
                &input,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    // A never-sent mailing moved to a start already past would be sent by
    // the scheduler as soon as it is saved.
    let current = app.mailings().get(id).await?.mailing;
    // The form shows minutes: a start saved as it was shown is unchanged.
    let moved = input_value(current.first_sent_at, app.zone())
        != input_value(valid.window.first_sent_at(), app.zone());
    if current.launched_at.is_none() && moved {
        if let Some(errors) = past_start(&valid, app.now()) {
            return form_page(
                &app,
                &session,
                Some(id),
                &input,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    }
    let patch = MailingPatch {
        first_sent_at: Some(valid.window.first_sent_at()),
        sent_completed_at: Some(valid.window.sent_completed_at()),
        message_id: Some(valid.message_id),
        recipients: RecipientsEdit::Keep,
    };
    match app.mailings().edit(id, patch).await {
        Ok(_) => Ok(see_other_with(
            &format!("/mailings/{id}"),
            Notice::MailingSaved,
        )),
        Err(postpilot_core::Error::Store(StoreError::NotFound {
            entity: Entity::Mailing,
            ..
        })) => Err(UiError::NotFound),
        Err(err) => match reference_errors(&err) {
            Some(errors) => {
                form_page(
                    &app,
                    &session,
                    Some(id),
                    &input,
                    &errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => Err(err.into()),
        },
    }
}
