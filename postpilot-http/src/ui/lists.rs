//! Списки: named groups of recipients. The lists with their member
//! counts; one list's page with its members (searched, paged, added by
//! search or by ids, removed), renaming, deleting behind a confirmation,
//! and a CSV import into the list (`ui::csv`).

use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::{html, Markup};
use postpilot_core::ports::StoreError;
use postpilot_core::{ListId, ListName, Page as Slice, RecipientList};

use super::csv::{import_form, import_report, Imported};
use super::form::{csrf_field, field, text_input, Errors};
use super::format::{count, number};
use super::layout::{paged_table, Notice, Page, Section};
use super::members::{
    bulk, find_to_add, members_section, refusal, selection, Change, Searches, Wording,
};
use super::resource::Resource;
use super::{page_number, page_slice, parse_id, see_other, see_other_with, IdPath, UiError};
use crate::auth::{Acting, Session};
use crate::csrf::CsrfForm;
use crate::state::{AppState, Wiring};

const LISTS: Resource = Resource {
    base: "/lists",
    title: "Списки",
    section: Section::Lists,
    new_label: "Создать список",
    empty: "Списков пока нет.",
    columns: &["№", "Название", "Участников", "Действия"],
    links: &[],
};

const IN_LIST: Wording = Wording {
    heading: "Участники",
    search_label: "Найти среди участников",
    none_yet: "В списке пока никого нет.",
    remove_all: "Убрать всех из списка",
};

/// Recipients a search for ones to add shows.
const FOUND_SHOWN: u64 = 20;
/// The word forms of «участник».
const MEMBERS: [&str; 3] = ["участник", "участника", "участников"];

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route("/lists", get(index::<W>).post(create::<W>))
        .route("/lists/{id}", get(show::<W>))
        .route("/lists/{id}/rename", post(rename::<W>))
        .route(
            "/lists/{id}/delete",
            get(confirm_delete::<W>).post(delete::<W>),
        )
        .route("/lists/{id}/members/add", post(add::<W>))
        .route("/lists/{id}/members/remove", post(remove::<W>))
        .route(
            "/lists/{id}/import",
            post(super::csv::import_into_list::<W>),
        )
}

fn base(id: ListId) -> String {
    format!("/lists/{id}")
}

/// The lists, with the form to create one; `name` and `errors` are the
/// refused form's.
async fn index_page<W: Wiring>(
    app: &AppState<W>,
    session: &Session,
    uri: &Uri,
    name: &str,
    errors: &Errors,
    status: StatusCode,
) -> Result<Response, UiError> {
    let page_no = page_number(uri);
    let rows = app.lists().list(page_slice(page_no)).await?;
    Ok(Page::new(LISTS.title, LISTS.section, Some(session))
        .status(status)
        .notice(Notice::from_uri(uri))
        .render(html! {
            h1 { (LISTS.title) }
            form.card method="post" action=(LISTS.base) novalidate {
                (csrf_field(&session.csrf))
                (field("name", "Название нового списка", errors, text_input("name", "text", name, ListName::MAX_CHARS, errors)))
                div.form-actions { button type="submit" { (LISTS.new_label) } }
            }
            (paged_table(LISTS.base, page_no, LISTS.empty, LISTS.columns, &rows, |l: &RecipientList| html! {
                td data-label="№" { (l.id) }
                td data-label="Название" { a href=(base(l.id)) { (l.name) } }
                td data-label="Участников" { (number(l.member_count)) }
                td.row-actions {
                    a href=(base(l.id)) { "Открыть" }
                    a.danger href={ (base(l.id)) "/delete" } { "Удалить" }
                }
            }))
        }))
}

async fn index<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    uri: Uri,
) -> Result<Response, UiError> {
    index_page(&app, &session, &uri, "", &Errors::default(), StatusCode::OK).await
}

/// Parses the posted name `raw` and saves the list with it; a name that
/// breaks its rule (422) or is taken (409) is refused beside its field.
async fn save_name<F, Fut>(
    raw: &str,
    save: F,
) -> Result<Result<RecipientList, (Errors, StatusCode)>, UiError>
where
    F: FnOnce(ListName) -> Fut,
    Fut: std::future::Future<Output = postpilot_core::Result<RecipientList>>,
{
    let mut errors = Errors::default();
    let name = match ListName::parse(raw) {
        Ok(name) => name,
        Err(invalid) => {
            errors.invalid(&invalid);
            return Ok(Err((errors, StatusCode::UNPROCESSABLE_ENTITY)));
        }
    };
    match save(name).await {
        Ok(list) => Ok(Ok(list)),
        Err(postpilot_core::Error::Store(StoreError::Duplicate { .. })) => {
            errors.add("name", "Список с таким названием уже есть.");
            Ok(Err((errors, StatusCode::CONFLICT)))
        }
        Err(err) => Err(err.into()),
    }
}

async fn create<W: Wiring>(
    Acting(app): Acting<W>,
    uri: Uri,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, UiError> {
    let name = form.text("name");
    let lists = app.lists();
    match save_name(&name, |name| async move { lists.add(&name).await }).await? {
        Ok(list) => Ok(see_other_with(&base(list.id), Notice::ListCreated)),
        Err((errors, status)) => index_page(&app, &session, &uri, &name, &errors, status).await,
    }
}

/// What one list's page shows beside its members.
#[derive(Default)]
pub(crate) struct Extra {
    pub page: u64,
    pub notice: Option<Notice>,
    /// Why a change was refused (then 422).
    pub refused: Option<String>,
    /// The rename form as typed, with its errors.
    pub name: Option<(String, Errors, StatusCode)>,
    /// What an import just did.
    pub imported: Option<Imported>,
}

/// One list's page.
pub(crate) async fn render<W: Wiring>(
    app: &AppState<W>,
    session: &Session,
    id: ListId,
    searches: &Searches,
    extra: Extra,
) -> Result<Response, UiError> {
    let lists = app.lists();
    let list = lists.get(id).await?;
    let mut errors = Errors::default();
    let (q, find) = searches.parse(&mut errors);
    let page_no = extra.page.max(1);
    let members = lists.members(id, q.as_ref(), page_slice(page_no)).await?;
    let found = match &find {
        Some(find) => Some(
            app.recipients()
                .search(Some(find), Slice::new(0, FOUND_SHOWN))
                .await?,
        ),
        None => None,
    };
    let (name, name_errors, name_status) = extra
        .name
        .unwrap_or_else(|| (list.name.to_string(), Errors::default(), StatusCode::OK));
    let status = if name_status != StatusCode::OK {
        name_status
    } else if extra.refused.is_some() || !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = format!("Список «{}»", list.name);
    let csrf = &session.csrf;
    let base = base(id);
    let action = |what: &str| format!("{base}/members/{what}");
    Ok(Page::new(&title, Section::Lists, Some(session))
        .status(status)
        .notice(extra.notice)
        .error(extra.refused)
        .render(html! {
            div.heading {
                h1 { (title) }
                a.button.danger href={ (base) "/delete" } { "Удалить список" }
            }
            p #member_count { "В списке " strong { (count(list.member_count, MEMBERS)) } }
            p { a href="/lists" { "← Ко всем спискам" } }
            @if let Some(imported) = &extra.imported {
                (import_report(imported))
            }
            form.card method="post" action={ (base) "/rename" } novalidate {
                (csrf_field(csrf))
                (field("name", "Название", &name_errors, text_input("name", "text", &name, ListName::MAX_CHARS, &name_errors)))
                div.form-actions { button type="submit" { "Переименовать" } }
            }
            (members_section(csrf, &base, &format!("{base}/members"), searches, &errors, q.as_ref(), &members, page_no, list.member_count, &IN_LIST))
            section #add {
                (find_to_add(csrf, &base, &format!("{base}/members"), searches, &errors, find.as_ref(), found.as_ref()))
                form.search method="post" action=(action("add")) {
                    (csrf_field(csrf))
                    (searches.hidden())
                    div.field {
                        label for="recipient_ids" { "Номера получателей (через запятую или пробел)" }
                        input #recipient_ids type="text" name="recipient_ids" inputmode="numeric" autocomplete="off";
                    }
                    button type="submit" { "Добавить" }
                }
                div.actions {
                    (bulk(csrf, &action("add"), searches, None, "Добавить всех получателей", false))
                }
            }
            section #import {
                h2 { "Импорт CSV в список" }
                (import_form(csrf, &format!("{base}/import"), app.config().body_limit))
            }
        }))
}

async fn show<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
    uri: Uri,
) -> Result<Response, UiError> {
    let id = ListId(parse_id(&id)?);
    let extra = Extra {
        page: page_number(&uri),
        notice: Notice::from_uri(&uri),
        ..Extra::default()
    };
    render(&app, &session, id, &Searches::from_uri(&uri), extra).await
}

async fn rename<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    CsrfForm { session, form }: CsrfForm,
) -> Result<Response, UiError> {
    let id = ListId(parse_id(&id)?);
    let name = form.text("name");
    let lists = app.lists();
    let (errors, status) =
        match save_name(&name, |name| async move { lists.rename(id, &name).await }).await? {
            Ok(_) => return Ok(see_other_with(&base(id), Notice::ListRenamed)),
            Err(refused) => refused,
        };
    let extra = Extra {
        name: Some((name, errors, status)),
        ..Extra::default()
    };
    render(&app, &session, id, &Searches::from_form(&form), extra).await
}

async fn confirm_delete<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
    IdPath(id): IdPath,
) -> Result<Response, UiError> {
    let list = app.lists().get(ListId(parse_id(&id)?)).await?;
    Ok(LISTS.confirm_page(
        &session,
        "Удалить список?",
        delete_text(&list),
        list.id,
        &base(list.id),
        None,
    ))
}

fn delete_text(list: &RecipientList) -> Markup {
    html! {
        p {
            "Список " strong { (list.name) } " (" (count(list.member_count, MEMBERS)) ") будет удалён. "
            "Сами получатели останутся, и рассылки, в которые их уже добавили, не изменятся."
        }
    }
}

async fn delete<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    CsrfForm { .. }: CsrfForm,
) -> Result<Response, UiError> {
    app.lists().delete(ListId(parse_id(&id)?)).await?;
    Ok(see_other_with(LISTS.base, Notice::ListDeleted))
}

async fn change<W: Wiring>(
    app: &AppState<W>,
    id: &str,
    CsrfForm { session, form }: CsrfForm,
    what: Change,
) -> Result<Response, UiError> {
    let id = ListId(parse_id(id)?);
    let searches = Searches::from_form(&form);
    let refuse = |why: String| {
        let extra = Extra {
            refused: Some(why),
            ..Extra::default()
        };
        render(app, &session, id, &searches, extra)
    };
    let which = match selection(&form) {
        Ok(which) => which,
        Err(why) => return refuse(why).await,
    };
    let lists = app.lists();
    // The list itself missing is a missing page, not a refused change.
    lists.get(id).await?;
    let done = match what {
        Change::Add => lists.add_members(id, &which).await,
        Change::Remove => lists.remove_members(id, &which).await,
    };
    match done {
        Ok(_) => {
            let notice = match what {
                Change::Add => Notice::MembersAdded,
                Change::Remove => Notice::MembersRemoved,
            };
            Ok(see_other(&searches.url(&base(id), Some(notice))))
        }
        Err(err) => refuse(refusal(err)?).await,
    }
}

async fn add<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    form: CsrfForm,
) -> Result<Response, UiError> {
    change(&app, &id, form, Change::Add).await
}

async fn remove<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    form: CsrfForm,
) -> Result<Response, UiError> {
    change(&app, &id, form, Change::Remove).await
}
