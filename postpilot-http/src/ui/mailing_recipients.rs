//! A mailing's recipients at any size: counted, searched, shown a page at
//! a time, added and removed one by one or in bulk (everyone a search
//! finds, everyone, the members of a list), each change one statement in
//! the store. The members' parts of the page are `members/` (shared with a
//! list's page). Works without JavaScript: every button is a form with the
//! CSRF token.

use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Router};
use maud::html;
use postpilot_core::{MailingId, Page as Slice};

use super::form::{csrf_field, Errors};
use super::layout::{Notice, Page, Section};
use super::members::{
    bulk, count, find_to_add, members_section, refusal, selection, Change, Searches, Wording,
};
use super::{page_number, page_slice, parse_id, see_other, IdPath, UiError};
use crate::auth::{Acting, Session};
use crate::csrf::CsrfForm;
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

async fn show<W: Wiring>(
    Acting(app): Acting<W>,
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

const IN_MAILING: Wording = Wording {
    heading: "В рассылке",
    search_label: "Найти среди получателей рассылки",
    none_yet: "В рассылке пока нет получателей.",
    remove_all: "Убрать всех из рассылки",
};

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

fn base(id: MailingId) -> String {
    format!("/mailings/{id}/recipients")
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
