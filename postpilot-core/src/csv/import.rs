//! Storing the rows of an import file: a chunk is stored while the next
//! is read; with a list, every good row (new or already there) joins it.

use std::collections::BTreeSet;
use std::io::Read;

use super::rows::{Row, RowProblem, Rows};
use crate::domain::{ListId, NewRecipient, RecipientId, RecipientIds, Selection};
use crate::ports::{ListRepository, RecipientRepository};
use crate::usecases::{Lists, Recipients};

/// Rows stored per transaction.
const CHUNK: usize = 20_000;
/// Row errors kept before the rest are only counted.
pub const SHOWN_ERRORS: usize = 50;

/// What an import did.
#[derive(Debug, Default, Clone)]
pub struct ImportReport {
    pub imported: u64,
    pub skipped_existing: u64,
    pub invalid: u64,
    /// Recipients added to the list imported into (not those already in it).
    pub added_to_list: Option<u64>,
    /// The first [`SHOWN_ERRORS`] bad rows.
    pub errors: Vec<RowError>,
}

/// One bad row: its line and what is wrong.
#[derive(Debug, Clone)]
pub struct RowError {
    pub line: u64,
    pub problem: RowProblem,
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

#[cfg(test)]
mod tests {
    use mockall::predicate::eq;

    use super::*;
    use crate::domain::EmailAddress;
    use crate::mocks::MockStore;

    const FILE: &[u8] = b"email,full_name\nnew@example.com,New\nbad,Bad\nOld@example.com,Old\nnew@example.com,Again\n";

    fn rows() -> Rows<&'static [u8]> {
        Rows::new(FILE).expect("header")
    }

    #[tokio::test]
    async fn good_rows_are_stored_and_bad_ones_reported_by_line_and_field() {
        let mut store = MockStore::new();
        store
            .expect_insert_recipients()
            .withf(|rows| rows.len() == 3)
            .returning(|_| Ok(vec![Some(RecipientId(1)), None, None]));
        let report = import(&Recipients::new(store), rows(), None)
            .await
            .expect("imported");
        assert_eq!(
            (report.imported, report.skipped_existing, report.invalid),
            (1, 2, 1)
        );
        assert_eq!(report.added_to_list, None);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].line, 3);
        assert_eq!(report.errors[0].problem.field(), Some("email"));
    }

    #[tokio::test]
    async fn into_a_list_every_good_row_joins_it_new_or_already_there_each_once() {
        let mut recipients = MockStore::new();
        recipients
            .expect_insert_recipients()
            .returning(|_| Ok(vec![Some(RecipientId(1)), None, None]));
        recipients
            .expect_recipient_ids_by_email()
            .withf(|emails| {
                emails.iter().map(EmailAddress::as_str).collect::<Vec<_>>()
                    == ["Old@example.com", "new@example.com"]
            })
            .returning(|_| Ok(vec![Some(RecipientId(7)), Some(RecipientId(1))]));
        let mut lists = MockStore::new();
        let both = RecipientIds::new(vec![RecipientId(1), RecipientId(7)]).expect("ids");
        lists
            .expect_add_list_members()
            .with(eq(ListId(3)), eq(Selection::Ids(both)))
            .returning(|_, _| Ok(2));
        let lists = Lists::new(lists);
        let report = import(
            &Recipients::new(recipients),
            rows(),
            Some((&lists, ListId(3))),
        )
        .await
        .expect("imported");
        assert_eq!(report.added_to_list, Some(2));
        assert_eq!(report.imported, 1);
    }
}
