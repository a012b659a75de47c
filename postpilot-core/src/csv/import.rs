//! Storing the rows of an import file: a chunk is stored while the next
//! is read; with a list, every good row (new or already there) joins it.

use std::collections::BTreeSet;
use std::io::Read;

use serde::Serialize;

use super::rows::{Row, RowProblem, Rows};
use crate::domain::{ListId, NewRecipient, RecipientId, RecipientIds, Selection};
use crate::ports::{ListRepository, RecipientRepository};
use crate::usecases::{Lists, Recipients};

/// Rows stored per transaction.
const CHUNK: usize = 20_000;
/// Row errors kept before the rest are only counted.
pub const SHOWN_ERRORS: usize = 50;

/// What an import did.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ImportReport {
    pub imported: u64,
    pub skipped_existing: u64,
    pub invalid: u64,
    /// Recipients added to the list imported into (not those already in it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_to_list: Option<u64>,
    /// The first [`SHOWN_ERRORS`] bad rows.
    pub errors: Vec<RowError>,
}

/// One bad row: its line and what is wrong.
#[derive(Debug, Clone, Serialize)]
pub struct RowError {
    pub line: u64,
    #[serde(rename = "error", serialize_with = "as_text")]
    pub problem: RowProblem,
}

fn as_text<S: serde::Serializer>(problem: &RowProblem, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(problem)
}

impl ImportReport {
    fn reject(&mut self, line: u64, problem: RowProblem) {
        self.invalid += 1;
        if self.errors.len() < SHOWN_ERRORS {
            self.errors.push(RowError { line, problem });
        }
    }
}

/// Why an import stopped: the file could not be read, or the store failed
/// (chunks stored before stay).
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error("reading the file: {0}")]
    Read(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] crate::Error),
}

/// Stores every good row of `rows` whose email is new, and reports the
/// bad ones; with `into`, adds every good row's recipient to that list.
///
/// # Errors
/// [`ImportFailure`]; `NotFound` for the list.
pub async fn import<R, I>(
    recipients: &Recipients<R>,
    rows: Rows<I>,
    into: Option<(&Lists<R>, ListId)>,
) -> Result<ImportReport, ImportFailure>
where
    R: RecipientRepository + ListRepository,
    I: Read,
{
    let mut report = ImportReport {
        added_to_list: into.map(|_| 0),
        ..ImportReport::default()
    };
    let mut rows = rows;
    let mut chunk = read_chunk(&mut rows, &mut report)?;
    while !chunk.is_empty() {
        // The next chunk is read while this one is stored, one chunk at a
        // time, so rows are stored in file order.
        let (stored, next) = futures::join!(store(recipients, &chunk, into), async {
            read_chunk(&mut rows, &mut report)
        });
        let (imported, added) = stored?;
        report.imported += imported;
        report.skipped_existing += chunk.len() as u64 - imported;
        if let Some(total) = report.added_to_list.as_mut() {
            *total += added;
        }
        chunk = next?;
    }
    Ok(report)
}

/// The next good rows, up to [`CHUNK`]; bad ones go to `report`.
fn read_chunk<I: Read>(
    rows: &mut Rows<I>,
    report: &mut ImportReport,
) -> Result<Vec<NewRecipient>, std::io::Error> {
    let mut chunk = Vec::new();
    for row in rows.by_ref() {
        let Row { line, result } = row?;
        match result {
            Ok(new) => chunk.push(new),
            Err(problem) => report.reject(line, problem),
        }
        if chunk.len() == CHUNK {
            break;
        }
    }
    Ok(chunk)
}

/// Stores `chunk`; returns how many were new and how many joined the list.
async fn store<R: RecipientRepository + ListRepository>(
    recipients: &Recipients<R>,
    chunk: &[NewRecipient],
    into: Option<(&Lists<R>, ListId)>,
) -> Result<(u64, u64), crate::Error> {
    let ids = recipients.import(chunk).await?;
    for (id, new) in ids.iter().zip(chunk) {
        if id.is_none() {
            tracing::info!(email = %new.email, "already a recipient, skipped");
        }
    }
    let imported = ids.iter().flatten().count() as u64;
    let Some((lists, list)) = into else {
        return Ok((imported, 0));
    };
    let existing: Vec<_> = ids
        .iter()
        .zip(chunk)
        .filter(|(id, _)| id.is_none())
        .map(|(_, new)| new.email.clone())
        .collect();
    let found = recipients.ids_by_email(&existing).await?;
    // A file may name one recipient twice: each joins once.
    let members: BTreeSet<RecipientId> = ids.into_iter().chain(found).flatten().collect();
    if members.is_empty() {
        return Ok((imported, 0));
    }
    let members = RecipientIds::new(members.into_iter().collect())?;
    let added = lists.add_members(list, &Selection::Ids(members)).await?;
    Ok((imported, added))
}
