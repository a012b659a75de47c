//! A mailing's attempts (Попытки отправки) at any size: newest first,
//! filtered by status, searched by email, counted, a page at a time on the
//! mailing page, and all of them (as filtered) as CSV, streamed a batch at
//! a time so that a million attempts never sit in memory at once.

use axum::body::Body;
use axum::http::{header, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use postpilot_core::{
    AttemptCursor, AttemptFilter, AttemptListing, AttemptStatus, Direction, MailingId, SendAttempt,
};

use super::format::{attempt_status, when_exact};
use super::listing::{fetch_page, Column, Orders, Query, Table};
use super::reply::reply;
use super::{parse_id, IdPath, UiError};
use crate::auth::Acting;
use crate::state::{AppState, Wiring};

/// By time only: newest first unless asked otherwise.
const ORDERS: Orders<()> = Orders {
    codes: &[("time", ())],
    default_direction: Direction::Descending,
};

const COLUMNS: [Column; 4] = [
    Column::sorted("Дата и время попытки", "time"),
    Column::plain("Получатель"),
    Column::plain("Статус"),
    Column::plain("Ответ почтового сервера"),
];

/// Attempts read per step of an export.
const EXPORT_BATCH: u64 = 2_000;

/// The filter `query` asks for (an unknown status is no filter), and
/// what is wrong with its search.
fn filter(query: &Query) -> (AttemptFilter, Option<String>) {
    let (email, error) = query.search();
    let status = query
        .filter("status")
        .and_then(|s| s.parse::<AttemptStatus>().ok());
    (AttemptFilter { status, email }, error)
}

/// The section of the mailing page `base` listing its attempts as `uri`
/// asks; also says whether the search was refused.
pub(super) async fn section<W: Wiring>(
    app: &AppState<W>,
    id: MailingId,
    base: &str,
    uri: &Uri,
) -> Result<(Markup, bool), UiError> {
    let query = Query::from_uri(uri, &ORDERS, &["status"]);
    let (filter, error) = filter(&query);
    let oldest_first = query.direction == Direction::Ascending;
    let history = &app.history();
    let shown = fetch_page(query.page, |page| {
        let listing = AttemptListing {
            filter: filter.clone(),
            oldest_first,
            page,
        };
        async move { history.find_attempts(id, &listing).await }
    })
    .await?;
    let table = Table {
        base,
        anchor: "#attempts",
        query: &query,
        columns: &COLUMNS,
        empty: "Попыток пока нет.",
        search_label: "Найти по email",
        search_error: error.as_deref(),
        filters: status_choice(filter.status),
    };
    let export = export_url(id, &query);
    let tz = app.zone();
    let markup = html! {
        section #attempts {
            h2 { "Попытки отправки" }
            (table.render(&shown, |a| row(a, tz)))
            @if shown.listed.total > 0 {
                p { a href=(export) download { "Скачать CSV (все найденные попытки)" } }
            }
        }
    };
    Ok((markup, error.is_some()))
}

fn row(a: &SendAttempt, tz: chrono_tz::Tz) -> Markup {
    html! {
        td data-label="Дата и время попытки" { (when_exact(a.attempt_at, tz)) }
        td data-label="Получатель" {
            @match a.recipient_id {
                Some(rid) => a href={ "/recipients/" (rid) } { (a.email) },
                None => (a.email),
            }
        }
        td data-label="Статус" { (attempt_status(a.status)) }
        td.reply data-label="Ответ почтового сервера" { (reply(&a.response)) }
    }
}

/// The status filter of the search form.
fn status_choice(current: Option<AttemptStatus>) -> Markup {
    html! {
        div.field {
            label for="attempts-status" { "Статус" }
            select #attempts-status name="status" {
                option value="" selected[current.is_none()] { "Все" }
                @for status in [AttemptStatus::Success, AttemptStatus::Failure] {
                    option value=(status.code()) selected[current == Some(status)] { (crate::labels::attempt_status(status)) }
                }
            }
        }
    }
}

/// The export of what `query` filters.
fn export_url(id: MailingId, query: &Query) -> String {
    let mut params = form_urlencoded::Serializer::new(String::new());
    if !query.q.is_empty() {
        params.append_pair("q", &query.q);
    }
    if let Some(status) = query.filter("status") {
        params.append_pair("status", status);
    }
    let params = params.finish();
    if params.is_empty() {
        format!("/mailings/{id}/attempts.csv")
    } else {
        format!("/mailings/{id}/attempts.csv?{params}")
    }
}

/// `GET /mailings/{id}/attempts.csv`: the mailing's attempts the query
/// filters, newest first, as CSV (UTF-8 with a byte-order mark, which
/// spreadsheets need to read Cyrillic).
pub(super) async fn export<W: Wiring>(
    Acting(app): Acting<W>,
    IdPath(id): IdPath,
    uri: Uri,
) -> Result<Response, UiError> {
    let id = MailingId(parse_id(&id)?);
    // Unknown mailings are a 404 before any byte is sent.
    app.mailings().get(id).await?;
    let query = Query::from_uri(&uri, &ORDERS, &["status"]);
    let (filter, error) = filter(&query);
    if error.is_some() {
        return Err(UiError::BadRequest);
    }
    let history = app.history();
    let head = csv_line(&[
        "Дата и время (UTC)",
        "Email",
        "Статус",
        "Ответ почтового сервера",
        "Запуск",
    ]);
    let start = Some(format!("\u{feff}{head}"));
    // Each step reads the batch after the last one sent: state is the
    // cursor, `None` once the last batch is out.
    let steps = futures::stream::unfold(
        (
            Some(AttemptCursor {
                before: None,
                limit: EXPORT_BATCH,
            }),
            start,
        ),
        move |(cursor, head)| {
            let history = history.clone();
            let filter = filter.clone();
            async move {
                if let Some(head) = head {
                    return Some((Ok(head), (cursor, None)));
                }
                let cursor = cursor?;
                match history.attempts_before(id, &filter, cursor).await {
                    Ok(batch) => {
                        let next = (batch.len() as u64 == cursor.limit).then(|| AttemptCursor {
                            before: batch.last().map(|a| a.id),
                            limit: cursor.limit,
                        });
                        let text: String = batch.iter().map(attempt_line).collect();
                        Some((Ok(text), (next, None)))
                    }
                    Err(err) => {
                        tracing::error!(error = %crate::error::with_causes(&err), mailing = %id, "attempts export failed");
                        Some((Err(std::io::Error::other("export failed")), (None, None)))
                    }
                }
            }
        },
    );
    let name = format!("attachment; filename=\"mailing-{id}-attempts.csv\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&name).unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        Body::from_stream(steps),
    )
        .into_response())
}

fn attempt_line(a: &SendAttempt) -> String {
    csv_line(&[
        &a.attempt_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        a.email.as_str(),
        crate::labels::attempt_status(a.status),
        &a.response,
        &a.run_id.to_string(),
    ])
}

/// One CSV record, every cell quoted. A cell a spreadsheet would take for
/// a formula (`=`, `+`, `-`, `@` first) gets a leading `'`: server replies
/// are text from outside.
fn csv_line(cells: &[&str]) -> String {
    let defused = cells.iter().map(|cell| {
        if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{cell}")
        } else {
            (*cell).to_owned()
        }
    });
    let mut writer = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing to memory fails only on a bug; an empty line then says so.
    if writer.write_record(defused).is_err() {
        return String::new();
    }
    writer
        .into_inner()
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::csv_line;

    #[test]
    fn csv_cells_are_quoted_and_formulas_are_defused() {
        assert_eq!(
            csv_line(&["=HYPERLINK(\"x\")", "a,b", "-1", "plain"]),
            "\"'=HYPERLINK(\"\"x\"\")\",\"a,b\",\"'-1\",\"plain\"\r\n"
        );
    }
}
