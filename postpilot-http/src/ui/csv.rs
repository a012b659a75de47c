//! CSV in the UI: import recipients (into the store, or into a list as
//! well) with the CLI's per-line report, and export them, both by the
//! core's `csv` module so the format is the CLI's. The export streams a
//! page of recipients at a time.

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use maud::{html, Markup};
use postpilot_core::csv::{self, FileError, ImportFailure, ImportReport, RowProblem, Rows};
use postpilot_core::ListId;

use super::form::{csrf_field, problem_text};
use super::format::number;
use super::layout::{table, Page, Section};
use super::lists::{self, Extra};
use super::members::Searches;
use super::{parse_id, IdPath, UiError};
use crate::auth::{Acting, Session};
use crate::csrf::CsrfUpload;
use crate::state::{AppState, Wiring};

pub(crate) fn routes<W: Wiring>() -> Router<AppState<W>> {
    Router::new()
        .route(
            "/recipients/import",
            get(import_page::<W>).post(import_recipients::<W>),
        )
        .route("/recipients/export.csv", get(export::<W>))
}

/// What an upload came to: the report, or why the file as a whole was
/// refused (nothing imported).
#[derive(Debug)]
pub(crate) enum Imported {
    Done(ImportReport),
    Refused(String),
}

impl Imported {
    fn status(&self) -> StatusCode {
        match self {
            Self::Done(_) => StatusCode::OK,
            Self::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

/// The upload form posting to `action`; `limit` is the largest body taken.
pub(crate) fn import_form(csrf: &str, action: &str, limit: usize) -> Markup {
    html! {
        form.card method="post" action=(action) enctype="multipart/form-data" {
            (csrf_field(csrf))
            div.field {
                label for="file" { "Файл CSV" }
                input #file type="file" name="file" accept=".csv,text/csv" required aria-describedby="file-help";
                p.muted #file-help {
                    "Первая строка — заголовок " code { "email,full_name" } " или " code { "email,full_name,comment" }
                    ", кодировка UTF-8, файл не больше " (number((limit / (1024 * 1024)) as u64)) "\u{a0}МиБ. "
                    "Новые адреса добавляются, уже известные пропускаются; строки с ошибками не импортируются, остальные — да."
                }
            }
            div.form-actions { button type="submit" { "Импортировать" } }
        }
    }
}

/// The report of an import, as the CLI gives it: counts, then each bad
/// line with its field and problem.
pub(crate) fn import_report(imported: &Imported) -> Markup {
    let report = match imported {
        Imported::Refused(why) => {
            return html! { p.alert role="alert" #import-report { (why) } };
        }
        Imported::Done(report) => report,
    };
    html! {
        section #import-report {
            h2 { "Итог импорта" }
            p role="status" {
                "Импортировано новых: " strong { (number(report.imported)) } "; "
                "уже были: " strong { (number(report.skipped_existing)) } "; "
                "строк с ошибками: " strong { (number(report.invalid)) }
                @if let Some(added) = report.added_to_list {
                    "; добавлено в список: " strong { (number(added)) }
                }
                "."
            }
            @if !report.errors.is_empty() {
                p { "Эти строки не импортированы, остальные — импортированы:" }
                (table(&["Строка", "Поле", "Ошибка"], &report.errors, |e| {
                    let (field, problem) = row_problem(&e.problem);
                    html! {
                        td data-label="Строка" { (e.line) }
                        td data-label="Поле" { (field) }
                        td data-label="Ошибка" { (problem) }
                    }
                }))
                @let more = report.invalid.saturating_sub(report.errors.len() as u64);
                @if more > 0 {
                    p { "…и ещё строк с ошибками: " (number(more)) "." }
                }
            }
        }
    }
}

/// A column's name as the pages call it.
fn column(field: &str) -> &'static str {
    match field {
        "email" => "Email",
        "full_name" => "Ф. И. О.",
        "comment" => "Комментарий",
        _ => "—",
    }
}

/// The field and the problem of a bad row, in Russian.
fn row_problem(problem: &RowProblem) -> (&'static str, String) {
    let field = problem.field().map_or("—", column);
    let text = match problem {
        RowProblem::Invalid(invalid) => problem_text(&invalid.problem),
        RowProblem::Columns { expected, got } => {
            format!("Столбцов должно быть {expected}, а в строке {got}.")
        }
        RowProblem::NotUtf8 { .. } => "Не в кодировке UTF-8: сохраните файл в UTF-8.".into(),
        RowProblem::NotCsv(_) => "Строку не удалось прочитать как CSV.".into(),
    };
    (field, text)
}

/// Imports `file`, into the list `into` as well when given.
async fn run_import<W: Wiring>(
    app: &AppState<W>,
    file: &[u8],
    into: Option<ListId>,
) -> Result<Imported, UiError> {
    if file.is_empty() {
        return Ok(Imported::Refused("Выберите непустой файл CSV.".into()));
    }
    let rows = match Rows::new(file) {
        Ok(rows) => rows,
        Err(FileError::Header { line, .. }) => {
            return Ok(Imported::Refused(format!(
                "Строка {line}: первой строкой должен быть заголовок email,full_name \
                 или email,full_name,comment (в кодировке UTF-8). Ничего не импортировано."
            )))
        }
        Err(FileError::Io(_)) => return Err(UiError::BadRequest),
    };
    let lists = app.lists();
    match csv::import(&app.recipients(), rows, into.map(|id| (&lists, id))).await {
        Ok(report) => Ok(Imported::Done(report)),
        Err(ImportFailure::Store(err)) => Err(err.into()),
        Err(ImportFailure::Read(_)) => Err(UiError::BadRequest),
    }
}

fn recipients_import_page(
    session: &Session,
    limit: usize,
    imported: Option<&Imported>,
) -> Response {
    let title = "Импорт получателей из CSV";
    Page::new(title, Section::Recipients, Some(session))
        .status(imported.map_or(StatusCode::OK, Imported::status))
        .render(html! {
            h1 { (title) }
            p { a href="/recipients" { "← К получателям" } }
            @if let Some(imported) = imported {
                (import_report(imported))
            }
            (import_form(&session.csrf, "/recipients/import", limit))
        })
}

async fn import_page<W: Wiring>(
    Acting(app): Acting<W>,
    Extension(session): Extension<Session>,
) -> Response {
    recipients_import_page(&session, app.config().body_limit, None)
}

async fn import_recipients<W: Wiring>(
    Acting(app): Acting<W>,
    CsrfUpload { session, file }: CsrfUpload,
) -> Result<Response, UiError> {
    let imported = run_import(&app, &file, None).await?;
    Ok(recipients_import_page(
        &session,
        app.config().body_limit,
        Some(&imported),
    ))
}

/// `POST /lists/{id}/import`: the list's page with the report.
pub(crate) async fn import_into_list<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    CsrfUpload { session, file }: CsrfUpload,
) -> Result<Response, UiError> {
    let id = ListId(parse_id(&id)?);
    // An unknown list is a missing page before anything is imported.
    app.lists().get(id).await?;
    let imported = run_import(&app, &file, Some(id)).await?;
    let status = imported.status();
    let extra = Extra {
        imported: Some(imported),
        ..Extra::default()
    };
    let mut page = lists::render(&app, &session, id, &Searches::default(), extra).await?;
    if page.status() == StatusCode::OK {
        *page.status_mut() = status;
    }
    Ok(page)
}

/// `GET /recipients/export.csv`: every recipient, streamed a page at a time.
async fn export<W: Wiring>(Acting(app): Acting<W>) -> Response {
    let recipients = app.recipients();
    let pages = futures::stream::unfold(Some(0u64), move |next| {
        let recipients = recipients.clone();
        async move {
            let n = next?;
            match csv::export_page(&recipients, n).await {
                Ok(page) => Some((
                    Ok::<_, postpilot_core::Error>(page.csv),
                    page.more.then_some(n + 1),
                )),
                Err(err) => {
                    tracing::error!(error = %crate::error::with_causes(&err), "CSV export failed");
                    Some((Err(err), None))
                }
            }
        }
    });
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"recipients.csv\"",
            ),
        ],
        Body::from_stream(pages),
    )
        .into_response()
}
