//! Рассылки: list, add, edit, delete, and the mailing page: its status,
//! "Отправить сейчас", its runs with progress and its attempts.

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use chrono::{DateTime, Utc};
use maud::{html, Markup};
use postpilot_core::ports::{Entity, StoreError};
use postpilot_core::usecases::GAVE_UP;
use postpilot_core::{
    Direction, Mailing, MailingId, MailingOrder, MailingPatch, MailingStatus, MessageId,
    NewMailing, Page as Slice, RecipientId, RecipientIds, RecipientsEdit, Search, Selection,
    Window,
};

use super::form::{aria, field, problem_text, record_form, Errors};
use super::format::{
    clip, count as count_words, input_value, mailing_status, number, parse_input, tomorrow_morning,
    trigger, when, when_exact, zone, TimeInput, RECIPIENTS,
};
use super::layout::{table, Notice, Page, Section};
use super::listing::{read, Orders};
use super::mailing_recipients::count;
use super::reply::{gave_up_parts, reply};
use super::resource::Resource;
use super::{parse_id, see_other_with, IdPath, UiError};
use crate::auth::Session;
use crate::csrf::{CsrfForm, FormData};
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
        .route("/mailings", get(list::<W>).post(create::<W>))
        .route("/mailings/new", get(new::<W>))
        .route("/mailings/{id}", get(show::<W>).post(update::<W>))
        .route("/mailings/{id}/edit", get(edit::<W>))
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
}

async fn list<W: Wiring>(
    State(app): State<AppState<W>>,
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
                td data-label="Статус" { (mailing_status(view.status)) }
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

/// The fields as typed.
#[derive(Debug, Default)]
struct Input {
    message_id: String,
    first_sent_at: String,
    sent_completed_at: String,
    /// Ids posted as they are (a form of an older page, or a script).
    recipient_ids: Vec<String>,
    all_recipients: bool,
    /// The choice of a new mailing's recipients: `all`, `search` or `later`.
    choose: String,
    recipient_search: String,
}

/// The fields, checked.
struct Valid {
    window: Window,
    message_id: MessageId,
    recipients: Choice,
}

enum Choice {
    These(RecipientIds),
    /// Everyone, or everyone a search finds: added in one statement.
    Select(Selection),
    /// Nobody yet: chosen next on the page of the mailing's recipients.
    Later,
    /// An edit: the recipients stay as they are.
    Unchanged,
}

impl Input {
    fn from_form(form: &FormData) -> Self {
        Self {
            message_id: form.text("message_id"),
            first_sent_at: form.text("first_sent_at"),
            sent_completed_at: form.text("sent_completed_at"),
            recipient_ids: form.all("recipient_ids").map(str::to_owned).collect(),
            all_recipients: form.get("all_recipients").is_some(),
            choose: form.text("recipients"),
            recipient_search: form.text("recipient_search"),
        }
    }

    /// Checks the fields; the recipients only when `choosing` them (a new
    /// mailing): an edit never touches them.
    fn validate(&self, choosing: bool, tz: chrono_tz::Tz) -> Result<Valid, Errors> {
        let mut errors = Errors::default();
        let message_id = crate::api::extract::parse_id(&self.message_id).map(MessageId);
        if message_id.is_none() {
            errors.add("message_id", "Выберите сообщение.");
        }
        let start = time_field(
            &mut errors,
            "first_sent_at",
            &self.first_sent_at,
            tz,
            "Укажите дату и время первой отправки.",
        );
        let end = time_field(
            &mut errors,
            "sent_completed_at",
            &self.sent_completed_at,
            tz,
            "Укажите дату и время окончания отправки.",
        );
        let window = match (start, end) {
            (Some(start), Some(end)) => {
                Window::new(start, end).map_err(|e| errors.invalid(&e)).ok()
            }
            _ => None,
        };
        let recipients = if !choosing {
            Some(Choice::Unchanged)
        } else if self.all_recipients || (self.recipient_ids.is_empty() && self.choose == "all") {
            Some(Choice::Select(Selection::All))
        } else if self.recipient_ids.is_empty() && self.choose == "search" {
            Search::parse(&self.recipient_search)
                .map_err(|e| errors.add("recipient_search", problem_text(&e.problem)))
                .ok()
                .map(|found| Choice::Select(Selection::Matching(found)))
        } else if self.recipient_ids.is_empty() && self.choose == "later" {
            Some(Choice::Later)
        } else {
            let ids: Option<Vec<RecipientId>> = self
                .recipient_ids
                .iter()
                .map(|id| crate::api::extract::parse_id(id).map(RecipientId))
                .collect();
            match ids {
                None => {
                    errors.add("recipient_ids", "Неверный получатель.");
                    None
                }
                Some(ids) if ids.is_empty() => {
                    errors.add("recipient_ids", "Выберите, кому отправлять.");
                    None
                }
                Some(ids) => RecipientIds::new(ids)
                    .map_err(|e| errors.invalid(&e))
                    .ok()
                    .map(Choice::These),
            }
        };
        match (window, message_id, recipients) {
            (Some(window), Some(message_id), Some(recipients)) if errors.is_empty() => Ok(Valid {
                window,
                message_id,
                recipients,
            }),
            _ => Err(errors),
        }
    }
}

/// The time typed in `name`, read in `tz`; an error beside the field when
/// it is missing or unreadable (`missing`) or one the clocks skip there.
fn time_field(
    errors: &mut Errors,
    name: &'static str,
    raw: &str,
    tz: chrono_tz::Tz,
    missing: &'static str,
) -> Option<DateTime<Utc>> {
    parse_input(raw, tz)
        .map_err(|why| match why {
            TimeInput::Unreadable => errors.add(name, missing),
            TimeInput::Skipped => errors.add(
                name,
                format!(
                    "Такого времени в поясе {} нет: в эту ночь часы переводят вперёд. Укажите другое время.",
                    tz.name()
                ),
            ),
        })
        .ok()
}

/// Why a first send time already past is refused: the scheduler would send
/// the mailing as soon as it is saved, before the user has seen its page.
const PAST_START: &str = "Это время уже прошло: рассылка ушла бы сразу после сохранения. \
    Укажите время позже текущего; чтобы отправить сразу, сохраните рассылку и нажмите «Отправить сейчас».";

/// The error beside the first send time when it is not in the future.
fn past_start(valid: &Valid, now: DateTime<Utc>) -> Option<Errors> {
    (valid.window.first_sent_at() <= now).then(|| {
        let mut errors = Errors::default();
        errors.add("first_sent_at", PAST_START);
        errors
    })
}

/// Errors about references the store refused, beside their fields.
fn reference_errors(err: &postpilot_core::Error) -> Option<Errors> {
    let mut errors = Errors::default();
    match err {
        postpilot_core::Error::Store(StoreError::NotFound {
            entity: Entity::Message,
            ..
        }) => errors.add("message_id", "Такого сообщения нет (удалено?)."),
        postpilot_core::Error::Store(StoreError::NotFound {
            entity: Entity::Recipient,
            id,
        }) => errors.add("recipient_ids", format!("Получателя №{id} нет (удалён?).")),
        postpilot_core::Error::Invalid(invalid) => errors.invalid(invalid),
        _ => return None,
    }
    Some(errors)
}

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

async fn new<W: Wiring>(
    State(app): State<AppState<W>>,
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

async fn create<W: Wiring>(
    State(app): State<AppState<W>>,
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

async fn edit<W: Wiring>(
    State(app): State<AppState<W>>,
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

async fn update<W: Wiring>(
    State(app): State<AppState<W>>,
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

async fn show<W: Wiring>(
    State(app): State<AppState<W>>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
    uri: Uri,
) -> Result<Response, UiError> {
    let id = MailingId(parse_id(&id)?);
    let notice = Notice::from_uri(&uri);
    mailing_page(&app, &session, id, &uri, notice, None).await
}

/// The mailing page; `refused` is why a send was refused (shown, 409).
pub(super) async fn mailing_page<W: Wiring>(
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
    let base = format!("/mailings/{id}");
    let (attempts, bad_search) = super::attempts::section(app, id, &base, uri).await?;
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
                h1 { (title) " " (mailing_status(view.status)) }
            }
            @if let Some(reason) = server_down {
                p.alert #server-down role="alert" { "Почтовый сервер недоступен: " (reason) }
            }
            // The button and the progress first: on a phone they are on
            // the first screen, the details below.
            div.actions {
                @if completed || unfinished {
                    button.send type="button" disabled { "Отправить сейчас" }
                } @else {
                    a.button.send href={ "/mailings/" (id) "/send" } { "Отправить сейчас" }
                }
                a.button.secondary href={ "/mailings/" (id) "/edit" } { "Изменить" }
                a.button.danger href={ "/mailings/" (id) "/delete" } { "Удалить" }
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
                dt { "Статус" } dd #status { (view.status.label()) }
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
                        &["№", "Тема письма", "Начат", "Откуда", "Ход отправки", "Завершён"],
                        &runs,
                        |r| html! {
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
                            td data-label="Ход отправки" { (progress(r.sent, r.failed, r.pending(), r.total)) (super::suppressed::skipped(r)) }
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
pub(super) fn progress(sent: u64, failed: u64, pending: u64, total: u64) -> Markup {
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

async fn confirm_delete<W: Wiring>(
    State(app): State<AppState<W>>,
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
    State(app): State<AppState<W>>,
    IdPath(id): IdPath,
    CsrfForm { .. }: CsrfForm,
) -> Result<Response, UiError> {
    app.mailings().delete(MailingId(parse_id(&id)?)).await?;
    Ok(see_other_with(MAILINGS.base, Notice::MailingDeleted))
}
