//! A mailing's recipients at any size: counted, searched, shown a page at
//! a time, added and removed one by one or in bulk (everyone a search
//! finds, everyone, the members of a list), each change one statement in
//! the store. Works without
//! JavaScript: every button is a form with the CSRF token.

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::{html, Markup};
use postpilot_core::ports::{Entity, StoreError};
use postpilot_core::{
    ListId, MailingId, Page as Slice, RecipientId, RecipientIds, RecipientPage, Search, Selection,
};

use super::form::{csrf_field, problem_text, Errors};
use super::layout::{table, Notice, Page, Section};
use super::{page_number, page_slice, parse_id, query_param, see_other, IdPath, UiError, PER_PAGE};
use crate::auth::Session;
use crate::csrf::{CsrfForm, FormData};
use crate::state::{AppClock, AppMailer, AppState, AppStore};

/// Recipients a search for ones to add shows (the rest are counted, and
/// added all at once by "all found").
const FOUND_SHOWN: u64 = 20;
/// Lists offered to add or remove by (by name).
const LISTS_SHOWN: Slice = Slice {
    offset: 0,
    limit: 1000,
};

pub(crate) fn routes<S: AppStore, M: AppMailer, C: AppClock>() -> Router<AppState<S, M, C>> {
    Router::new()
        .route("/mailings/{id}/recipients", get(show::<S, M, C>))
        .route("/mailings/{id}/recipients/add", post(add::<S, M, C>))
        .route("/mailings/{id}/recipients/remove", post(remove::<S, M, C>))
}

/// `n` with its thousands apart: «20 002».
pub(crate) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}

/// The searches of the page, as typed and as parsed.
struct Searches {
    /// Among the mailing's recipients.
    q: String,
    /// Among all recipients, to add.
    find: String,
}

impl Searches {
    fn from_uri(uri: &Uri) -> Self {
        Self {
            q: query_param(uri, "q").unwrap_or_default(),
            find: query_param(uri, "find").unwrap_or_default(),
        }
    }

    fn from_form(form: &FormData) -> Self {
        Self {
            q: form.text("q"),
            find: form.text("find"),
        }
    }

    /// The page's URL keeping these searches, with `notice`.
    fn url(&self, id: MailingId, notice: Option<Notice>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(notice) = notice {
            query.append_pair("notice", notice.code());
        }
        if !self.q.is_empty() {
            query.append_pair("q", &self.q);
        }
        if !self.find.is_empty() {
            query.append_pair("find", &self.find);
        }
        let query = query.finish();
        if query.is_empty() {
            format!("/mailings/{id}/recipients")
        } else {
            format!("/mailings/{id}/recipients?{query}")
        }
    }

    /// Hidden fields that bring the searches back after a change.
    fn hidden(&self) -> Markup {
        html! {
            input type="hidden" name="q" value=(self.q);
            input type="hidden" name="find" value=(self.find);
        }
    }
}

async fn show<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
    uri: Uri,
) -> Result<Response, UiError> {
    let id = MailingId(parse_id(&id)?);
    let searches = Searches::from_uri(&uri);
    let notice = Notice::from_uri(&uri);
    render(
        &app,
        &session,
        id,
        &searches,
        page_number(&uri),
        notice,
        None,
    )
    .await
}

/// The page; `refused` says why a change was refused (then 422).
async fn render<S: AppStore, M: AppMailer, C: AppClock>(
    app: &AppState<S, M, C>,
    session: &Session,
    id: MailingId,
    searches: &Searches,
    number: u64,
    notice: Option<Notice>,
    refused: Option<String>,
) -> Result<Response, UiError> {
    let mailing = app.mailings().get(id).await?.mailing;
    let mut errors = Errors::default();
    let mut parse = |field: &'static str, raw: &str| {
        Search::optional(Some(raw))
            .map_err(|e| errors.add(field, problem_text(&e.problem)))
            .ok()
            .flatten()
    };
    let q = parse("q", &searches.q);
    let find = parse("find", &searches.find);
    let members = app
        .mailings()
        .recipients(id, q.as_ref(), page_slice(number))
        .await?;
    let found = match &find {
        Some(find) => Some(
            app.recipients()
                .search(Some(find), Slice::new(0, FOUND_SHOWN))
                .await?,
        ),
        None => None,
    };
    let lists = app.lists().list(LISTS_SHOWN).await?;
    let status = if refused.is_some() || !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = format!("Рассылка №{id}: получатели");
    let csrf = &session.csrf;
    let action = |what: &str| format!("/mailings/{id}/recipients/{what}");
    let pages = members.total.div_ceil(PER_PAGE).max(1);
    Ok(Page::new(&title, Section::Mailings, Some(session))
        .status(status)
        .notice(notice)
        .error(refused)
        .render(html! {
            h1 { (title) }
            p #recipient_count { "Получателей: " strong { (count(mailing.recipient_count)) } }
            p { a href={ "/mailings/" (id) } { "← К рассылке" } }
            section #members {
                h2 { "В рассылке" }
                (search_form(id, "q", "Найти среди получателей рассылки", searches, &errors))
                @if members.items.is_empty() {
                    p.empty {
                        @if q.is_some() { "Никто не найден." } @else { "В рассылке пока нет получателей." }
                    }
                } @else {
                    @if q.is_some() {
                        p { "Найдено: " (count(members.total)) }
                    }
                    (table(&["№", "Получатель", ""], &members.items, |r| html! {
                        td data-label="№" { (r.id) }
                        td data-label="Получатель" { (r.full_name) " " span.muted { "<" (r.email) ">" } }
                        td {
                            form.inline method="post" action=(action("remove")) {
                                (csrf_field(csrf))
                                (searches.hidden())
                                input type="hidden" name="recipient_ids" value=(r.id);
                                button.link type="submit" { "Убрать" }
                            }
                        }
                    }))
                    (pager(id, searches, number, pages))
                }
                div.actions {
                    @if let Some(q) = &q {
                        @if members.total > 0 {
                            (bulk(csrf, &action("remove"), searches, Some(q), &format!("Убрать всех найденных ({})", count(members.total)), true))
                        }
                    }
                    @if mailing.recipient_count > 0 {
                        (bulk(csrf, &action("remove"), searches, None, "Убрать всех из рассылки", true))
                    }
                }
            }
            section #add {
                h2 { "Добавить получателей" }
                (search_form(id, "find", "Найти среди всех получателей (адрес или Ф. И. О.)", searches, &errors))
                @if let (Some(find), Some(found)) = (&find, &found) {
                    (found_list(csrf, &action("add"), searches, find, found))
                }
                div.actions {
                    (bulk(csrf, &action("add"), searches, None, "Добавить всех получателей", false))
                }
                @if !lists.is_empty() {
                    h3 { "По списку" }
                    @for (what, label) in [("add", "Добавить участников списка"), ("remove", "Убрать участников списка")] {
                        form.inline method="post" action=(action(what)) {
                            (csrf_field(csrf))
                            (searches.hidden())
                            label for={ "list_id-" (what) } { "Список" }
                            select id={ "list_id-" (what) } name="list_id" {
                                @for list in &lists {
                                    option value=(list.id) { (list.name) " (" (count(list.member_count)) ")" }
                                }
                            }
                            button.secondary type="submit" { (label) }
                        }
                    }
                }
            }
        }))
}

/// A GET form searching by `name`, keeping the other search.
fn search_form(
    id: MailingId,
    name: &'static str,
    label: &str,
    searches: &Searches,
    errors: &Errors,
) -> Markup {
    let (value, other, other_value) = if name == "q" {
        (&searches.q, "find", &searches.find)
    } else {
        (&searches.find, "q", &searches.q)
    };
    let error = errors.get(name);
    html! {
        form.search method="get" action={ "/mailings/" (id) "/recipients" } {
            div.field.invalid[error.is_some()] {
                label for=(name) { (label) }
                input id=(name) type="search" name=(name) value=(value) maxlength=(Search::MAX_CHARS)
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| format!("{name}-error"))];
                @if let Some(error) = error {
                    p.field-error id={ (name) "-error" } { (error) }
                }
            }
            @if !other_value.is_empty() {
                input type="hidden" name=(other) value=(other_value);
            }
            button type="submit" { "Найти" }
        }
    }
}

/// A one-button form changing many at once: those `search` finds, or all.
fn bulk(
    csrf: &str,
    action: &str,
    searches: &Searches,
    search: Option<&Search>,
    label: &str,
    danger: bool,
) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(csrf))
            (searches.hidden())
            @match search {
                Some(search) => input type="hidden" name="search" value=(search.as_str());,
                None => input type="hidden" name="all" value="1";,
            }
            button.danger[danger].secondary[!danger] type="submit" { (label) }
        }
    }
}

/// What a search for recipients to add found: the first few, each with
/// "Добавить", and "all found".
fn found_list(
    csrf: &str,
    action: &str,
    searches: &Searches,
    find: &Search,
    found: &RecipientPage,
) -> Markup {
    html! {
        @if found.items.is_empty() {
            p.empty { "Никто не найден." }
        } @else {
            p {
                "Найдено: " (count(found.total))
                @if found.total > found.items.len() as u64 {
                    " (показаны первые " (found.items.len()) "; уточните поиск или добавьте всех найденных)"
                }
            }
            (table(&["№", "Получатель", ""], &found.items, |r| html! {
                td data-label="№" { (r.id) }
                td data-label="Получатель" { (r.full_name) " " span.muted { "<" (r.email) ">" } }
                td {
                    form.inline method="post" action=(action) {
                        (csrf_field(csrf))
                        (searches.hidden())
                        input type="hidden" name="recipient_ids" value=(r.id);
                        button.link type="submit" { "Добавить" }
                    }
                }
            }))
            div.actions {
                (bulk(csrf, action, searches, Some(find), &format!("Добавить всех найденных ({})", count(found.total)), false))
            }
        }
    }
}

/// "Назад"/"Далее" keeping the searches, and where we are.
fn pager(id: MailingId, searches: &Searches, number: u64, pages: u64) -> Markup {
    let link = |n: u64| {
        let base = searches.url(id, None);
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}page={n}")
    };
    html! {
        @if pages > 1 {
            nav.pager aria-label="Страницы" {
                @if number > 1 { a href=(link(1)) { "« Первая" } a href=(link(number - 1)) { "← Назад" } }
                span { "Страница " (count(number)) " из " (count(pages)) }
                @if number < pages { a href=(link(number + 1)) { "Далее →" } a href=(link(pages)) { "Последняя »" } }
            }
        }
    }
}

/// The selection a posted form names, or why it names none.
fn selection(form: &FormData) -> Result<Selection, String> {
    if form.get("all").is_some() {
        return Ok(Selection::All);
    }
    if let Some(list) = form.get("list_id") {
        return crate::api::extract::parse_id(list)
            .map(|id| Selection::List(ListId(id)))
            .ok_or_else(|| "Неверный список.".to_owned());
    }
    if let Some(text) = form.get("search") {
        return Search::parse(text)
            .map(Selection::Matching)
            .map_err(|e| format!("Поиск: {}", problem_text(&e.problem)));
    }
    let ids: Option<Vec<RecipientId>> = form
        .all("recipient_ids")
        .map(|id| crate::api::extract::parse_id(id).map(RecipientId))
        .collect();
    match ids {
        Some(ids) if !ids.is_empty() => RecipientIds::new(ids)
            .map(Selection::Ids)
            .map_err(|e| problem_text(&e.problem)),
        Some(_) => Err("Выберите получателей.".to_owned()),
        None => Err("Неверный получатель.".to_owned()),
    }
}

#[derive(Clone, Copy)]
enum Change {
    Add,
    Remove,
}

async fn change<S: AppStore, M: AppMailer, C: AppClock>(
    app: &AppState<S, M, C>,
    id: &str,
    CsrfForm { session, form }: CsrfForm,
    what: Change,
) -> Result<Response, UiError> {
    let id = MailingId(parse_id(id)?);
    let searches = Searches::from_form(&form);
    let refuse = |why: String| render(app, &session, id, &searches, 1, None, Some(why));
    let which = match selection(&form) {
        Ok(which) => which,
        Err(why) => return refuse(why).await,
    };
    let mailings = app.mailings();
    let done = match what {
        Change::Add => mailings.add_recipients(id, &which).await,
        Change::Remove => mailings.remove_recipients(id, &which).await,
    };
    match done {
        Ok(_) => {
            let notice = match what {
                Change::Add => Notice::RecipientsAdded,
                Change::Remove => Notice::RecipientsRemoved,
            };
            Ok(see_other(&searches.url(id, Some(notice))))
        }
        Err(postpilot_core::Error::Store(StoreError::NotFound {
            entity: Entity::Recipient,
            id: missing,
        })) => refuse(format!("Получателя №{missing} нет (удалён?).")).await,
        Err(postpilot_core::Error::Store(StoreError::NotFound {
            entity: Entity::List,
            id: missing,
        })) => refuse(format!("Списка №{missing} нет (удалён?).")).await,
        Err(err) => Err(err.into()),
    }
}

async fn add<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    IdPath(id): IdPath,
    form: CsrfForm,
) -> Result<Response, UiError> {
    change(&app, &id, form, Change::Add).await
}

async fn remove<S: AppStore, M: AppMailer, C: AppClock>(
    State(app): State<AppState<S, M, C>>,
    IdPath(id): IdPath,
    form: CsrfForm,
) -> Result<Response, UiError> {
    change(&app, &id, form, Change::Remove).await
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn counts_have_their_thousands_apart() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1\u{a0}000");
        assert_eq!(count(20_002), "20\u{a0}002");
        assert_eq!(count(1_234_567), "1\u{a0}234\u{a0}567");
    }
}
