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
    ListId, MailingId, Page as Slice, Recipient, RecipientId, RecipientIds, RecipientPage, Search,
    Selection,
};

use super::form::{csrf_field, problem_text, Errors};
use super::layout::{table, Notice, Page, Section};
use super::{page_number, page_slice, parse_id, query_param, see_other, IdPath, UiError, PER_PAGE};
use crate::auth::Session;
use crate::csrf::{CsrfForm, FormData};
use crate::state::{AppState, Wiring};

/// Recipients a search for ones to add shows (the rest are counted, and
/// added all at once by "all found").
const FOUND_SHOWN: u64 = 20;
/// Lists offered to add or remove by (by name).
const LISTS_SHOWN: Slice = Slice {
    offset: 0,
    limit: 1000,
};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/mailings/{id}/recipients", get(show::<W>))
        .route("/mailings/{id}/recipients/add", post(add::<W>))
        .route("/mailings/{id}/recipients/remove", post(remove::<W>))
}

/// `n` with its thousands apart: «20 002».
pub(crate) fn count(n: u64) -> String {
    super::format::number(n)
}

/// The searches of a page of members (a mailing's recipients, a list's
/// members), as typed.
#[derive(Default)]
pub(crate) struct Searches {
    /// Among the mailing's recipients.
    q: String,
    /// Among all recipients, to add.
    find: String,
}

impl Searches {
    pub(crate) fn from_uri(uri: &Uri) -> Self {
        Self {
            q: query_param(uri, "q").unwrap_or_default(),
            find: query_param(uri, "find").unwrap_or_default(),
        }
    }

    pub(crate) fn from_form(form: &FormData) -> Self {
        Self {
            q: form.text("q"),
            find: form.text("find"),
        }
    }

    /// The page at `base` keeping these searches, with `notice`.
    pub(crate) fn url(&self, base: &str, notice: Option<Notice>) -> String {
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
            base.to_owned()
        } else {
            format!("{base}?{query}")
        }
    }

    /// The searches `q` and `find` parsed (none when blank); a bad one is
    /// recorded in `errors` beside its field.
    pub(crate) fn parse(&self, errors: &mut Errors) -> (Option<Search>, Option<Search>) {
        let mut parse = |field: &'static str, raw: &str| {
            Search::optional(Some(raw))
                .map_err(|e| errors.add(field, problem_text(&e.problem)))
                .ok()
                .flatten()
        };
        (parse("q", &self.q), parse("find", &self.find))
    }

    /// Hidden fields that bring the searches back after a change.
    pub(crate) fn hidden(&self) -> Markup {
        html! {
            input type="hidden" name="q" value=(self.q);
            input type="hidden" name="find" value=(self.find);
        }
    }
}

async fn show<W: Wiring>(
    State(app): State<AppState<W>>,
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
async fn render<W: Wiring>(
    app: &AppState<W>,
    session: &Session,
    id: MailingId,
    searches: &Searches,
    number: u64,
    notice: Option<Notice>,
    refused: Option<String>,
) -> Result<Response, UiError> {
    let mailing = app.mailings().get(id).await?.mailing;
    let mut errors = Errors::default();
    let (q, find) = searches.parse(&mut errors);
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
    let base = base(id);
    let action = |what: &str| format!("{base}/{what}");
    Ok(Page::new(&title, Section::Mailings, Some(session))
        .status(status)
        .notice(notice)
        .error(refused)
        .render(html! {
            h1 { (title) }
            p #recipient_count { "Получателей: " strong { (count(mailing.recipient_count)) } }
            p { a href={ "/mailings/" (id) } { "← К рассылке" } }
            (members_section(csrf, &base, &base, searches, &errors, q.as_ref(), &members, number, mailing.recipient_count, &IN_MAILING))
            section #add {
                (find_to_add(csrf, &base, &base, searches, &errors, find.as_ref(), found.as_ref()))
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

/// How a page of members names them.
pub(crate) struct Wording {
    pub heading: &'static str,
    pub search_label: &'static str,
    pub none_yet: &'static str,
    pub remove_all: &'static str,
}

const IN_MAILING: Wording = Wording {
    heading: "В рассылке",
    search_label: "Найти среди получателей рассылки",
    none_yet: "В рассылке пока нет получателей.",
    remove_all: "Убрать всех из рассылки",
};

/// The members of a mailing or a list on the page at `page`: a search
/// among them, page `number` of those it finds with "Убрать" each, and
/// removes in bulk (posted to `{actions}/remove`); `in_all` is how many
/// there are without a search.
#[allow(clippy::too_many_arguments)] // one page's state, each used once
pub(crate) fn members_section(
    csrf: &str,
    page: &str,
    actions: &str,
    searches: &Searches,
    errors: &Errors,
    q: Option<&Search>,
    members: &RecipientPage,
    number: u64,
    in_all: u64,
    words: &Wording,
) -> Markup {
    let remove = format!("{actions}/remove");
    let pages = members.total.div_ceil(PER_PAGE).max(1);
    html! {
        section #members {
            h2 { (words.heading) }
            (search_form(page, "q", words.search_label, searches, errors))
            @if members.items.is_empty() {
                p.empty {
                    @if q.is_some() { "Никто не найден." } @else { (words.none_yet) }
                }
            } @else {
                @if q.is_some() {
                    p { "Найдено: " (count(members.total)) }
                }
                (members_table(csrf, &remove, searches, &members.items))
                (pager(page, searches, number, pages))
            }
            div.actions {
                @if let Some(q) = q {
                    @if members.total > 0 {
                        (bulk(csrf, &remove, searches, Some(q), &format!("Убрать всех найденных ({})", count(members.total)), true))
                    }
                }
                @if in_all > 0 {
                    (bulk(csrf, &remove, searches, None, words.remove_all, true))
                }
            }
        }
    }
}

/// The start of adding members on the page at `page`: a search among all
/// recipients and what it found, each to add or all at once (posted to
/// `{actions}/add`).
pub(crate) fn find_to_add(
    csrf: &str,
    page: &str,
    actions: &str,
    searches: &Searches,
    errors: &Errors,
    find: Option<&Search>,
    found: Option<&RecipientPage>,
) -> Markup {
    html! {
        h2 { "Добавить получателей" }
        (search_form(page, "find", "Найти среди всех получателей (адрес или Ф. И. О.)", searches, errors))
        @if let (Some(find), Some(found)) = (find, found) {
            (found_list(csrf, &format!("{actions}/add"), searches, find, found))
        }
    }
}

/// Members, each with "Убрать" posting to `remove`.
pub(crate) fn members_table(
    csrf: &str,
    remove: &str,
    searches: &Searches,
    members: &[Recipient],
) -> Markup {
    table(&["№", "Получатель", ""], members, |r| {
        html! {
            td data-label="№" { (r.id) }
            td data-label="Получатель" { (r.full_name) " " span.muted { "<" (r.email) ">" } }
            td {
                form.inline method="post" action=(remove) {
                    (csrf_field(csrf))
                    (searches.hidden())
                    input type="hidden" name="recipient_ids" value=(r.id);
                    button.link type="submit" { "Убрать" }
                }
            }
        }
    })
}

/// A GET form to `base` searching by `name` (`q` among the members, `find`
/// among everyone), keeping the other search.
pub(crate) fn search_form(
    base: &str,
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
        form.search method="get" action=(base) {
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
pub(crate) fn bulk(
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
pub(crate) fn found_list(
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
pub(crate) fn pager(base: &str, searches: &Searches, number: u64, pages: u64) -> Markup {
    let link = |n: u64| {
        let base = searches.url(base, None);
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

/// The selection a posted form names, or why it names none. Recipient
/// ids may come one a field or many in one, apart by commas or spaces.
pub(crate) fn selection(form: &FormData) -> Result<Selection, String> {
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
        .flat_map(|ids| ids.split(|c: char| c == ',' || c.is_whitespace()))
        .filter(|id| !id.is_empty())
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
pub(crate) enum Change {
    Add,
    Remove,
}

async fn change<W: Wiring>(
    app: &AppState<W>,
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
            Ok(see_other(&searches.url(&base(id), Some(notice))))
        }
        Err(err) => refuse(refusal(err)?).await,
    }
}

/// Why a change naming a recipient or a list that is not there was
/// refused, for the page; any other error is the page's own.
pub(crate) fn refusal(err: postpilot_core::Error) -> Result<String, UiError> {
    match err {
        postpilot_core::Error::Store(StoreError::NotFound {
            entity: Entity::Recipient,
            id: missing,
        }) => Ok(format!("Получателя №{missing} нет (удалён?).")),
        postpilot_core::Error::Store(StoreError::NotFound {
            entity: Entity::List,
            id: missing,
        }) => Ok(format!("Списка №{missing} нет (удалён?).")),
        err => Err(err.into()),
    }
}

fn base(id: MailingId) -> String {
    format!("/mailings/{id}/recipients")
}

async fn add<W: Wiring>(
    State(app): State<AppState<W>>,
    IdPath(id): IdPath,
    form: CsrfForm,
) -> Result<Response, UiError> {
    change(&app, &id, form, Change::Add).await
}

async fn remove<W: Wiring>(
    State(app): State<AppState<W>>,
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
