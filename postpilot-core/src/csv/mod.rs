//! Recipients as CSV, the same at every door (the CLI's `recipient
//! import|export`, the UI's import, export and import into a list): the
//! header `email,full_name[,comment]`, rows read one at a time and each
//! bad one reported with its line number, good rows stored in chunks so
//! memory stays flat however long the file is.

mod import;
mod rows;

pub use import::{import, ImportFailure, ImportReport, RowError, SHOWN_ERRORS};
pub use rows::{FileError, Row, RowProblem, Rows};

use crate::domain::Page;
use crate::error::Result;
use crate::ports::RecipientRepository;
use crate::usecases::Recipients;

/// Recipients read per page on export.
pub const EXPORT_PAGE: u64 = 10_000;

/// One page of an export.
#[derive(Debug)]
pub struct ExportPage {
    /// The page as CSV, the header first on page 0.
    pub csv: Vec<u8>,
    /// Recipients on it.
    pub rows: u64,
    /// Whether another page may follow.
    pub more: bool,
}

/// Page `n` of the export. (Writing to memory cannot fail.)
///
/// # Errors
/// Backend failures.
pub async fn export_page<R: RecipientRepository>(
    recipients: &Recipients<R>,
    n: u64,
) -> Result<ExportPage> {
    let page = recipients
        .list(Page::new(n * EXPORT_PAGE, EXPORT_PAGE))
        .await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    if n == 0 {
        let _ = writer.write_record(["email", "full_name", "comment"]);
    }
    for r in &page {
        let _ = writer.write_record([r.email.as_str(), r.full_name.as_str(), r.comment.as_str()]);
    }
    Ok(ExportPage {
        csv: writer.into_inner().unwrap_or_default(),
        rows: page.len() as u64,
        more: page.len() as u64 == EXPORT_PAGE,
    })
}
