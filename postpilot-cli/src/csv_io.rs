//! `recipient import` and `recipient export`: CSV with the header
//! `email,full_name[,comment]`. Import streams the file in chunks, so memory
//! stays flat however long it is; each bad row is reported with its line
//! number and the good rows are kept.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use postpilot_core::ports::RecipientRepository;
use postpilot_core::usecases::Recipients;
use postpilot_core::{visible, Comment, EmailAddress, FullName, NewRecipient, Page, RecipientId};
use serde::Serialize;

use crate::error::CliError;
use crate::output::Output;

/// Rows stored per transaction.
const CHUNK: usize = 20_000;
/// Recipients read per page on export.
const EXPORT_PAGE: u64 = 10_000;
/// Row errors printed before the rest are only counted.
const SHOWN_ERRORS: usize = 50;

#[derive(Debug, Default, Serialize)]
struct ImportReport {
    imported: u64,
    skipped_existing: u64,
    invalid: u64,
    errors: Vec<RowError>,
}

#[derive(Debug, Serialize)]
struct RowError {
    line: u64,
    error: String,
}

impl ImportReport {
    fn reject(&mut self, line: u64, error: String) {
        self.invalid += 1;
        if self.errors.len() < SHOWN_ERRORS {
            self.errors.push(RowError { line, error });
        }
    }
}

pub async fn import<R: RecipientRepository + Clone + 'static>(
    recipients: &Recipients<R>,
    path: &Path,
    out: Output,
) -> Result<(), CliError> {
    let file =
        File::open(path).map_err(|e| CliError::invalid(format!("{}: {e}", path.display())))?;
    let rows = Rows::new(BufReader::new(file)).map_err(|e| match e {
        FileError::Io(e) => CliError::invalid(format!("{}: {e}", path.display())),
        FileError::Header { line, message } => {
            CliError::invalid(format!("{}: line {line}: {message}", path.display()))
        }
    })?;

    let mut report = ImportReport::default();
    let mut storing: Option<Storing> = None;
    let mut chunk: Vec<NewRecipient> = Vec::with_capacity(CHUNK);
    let mut lines: Vec<u64> = Vec::with_capacity(CHUNK);
    for row in rows {
        let row = row.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        match row.result {
            Ok(new) => {
                chunk.push(new);
                lines.push(row.line);
            }
            Err(e) => report.reject(row.line, e),
        }
        if chunk.len() == CHUNK {
            // Stored in the background while the next chunk is read; one
            // chunk at a time, so rows are stored in file order.
            settle(&mut storing, &mut report).await?;
            let rows = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            let at = std::mem::replace(&mut lines, Vec::with_capacity(CHUNK));
            storing = Some(store(recipients.clone(), rows, at));
        }
    }
    settle(&mut storing, &mut report).await?;
    if !chunk.is_empty() {
        storing = Some(store(recipients.clone(), chunk, lines));
        settle(&mut storing, &mut report).await?;
    }
    finish(report, path, out)
}

/// Why an import file was refused as a whole.
#[derive(Debug)]
pub(crate) enum FileError {
    Io(std::io::Error),
    /// The header is not one of the accepted ones.
    Header {
        line: u64,
        message: String,
    },
}

/// One data row of an import file: the line it starts on, and the
/// recipient it holds or why it holds none.
#[derive(Debug)]
pub(crate) struct Row {
    pub line: u64,
    pub result: Result<NewRecipient, String>,
}

/// The rows of an import file, read one at a time: a pure function of the
/// bytes (no store, no file system), so it can be fed anything.
pub(crate) struct Rows<R> {
    reader: csv::Reader<LineIndex<R>>,
    columns: usize,
    record: csv::StringRecord,
}

impl<R: BufRead> Rows<R> {
    /// Skips a UTF-8 byte-order mark and checks the header.
    ///
    /// # Errors
    /// [`FileError::Header`] when the header is not `email,full_name[,comment]`.
    pub(crate) fn new(mut input: R) -> Result<Self, FileError> {
        skip_bom(&mut input).map_err(FileError::Io)?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(LineIndex::new(input));
        let columns = header_columns(&mut reader)?;
        Ok(Self {
            reader,
            columns,
            record: csv::StringRecord::new(),
        })
    }
}

impl<R: Read> Iterator for Rows<R> {
    /// A row, or an I/O error reading the input.
    type Item = Result<Row, std::io::Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let read = self.reader.read_record(&mut self.record);
        let start = match &read {
            Ok(_) => self.record.position(),
            Err(e) => e.position(),
        }
        .map_or_else(|| self.reader.position().byte(), csv::Position::byte);
        let result = match read {
            Ok(false) => return None,
            Ok(true) => row(&self.record, self.columns),
            Err(e) => Err(match e.into_kind() {
                csv::ErrorKind::Io(e) => return Some(Err(e)),
                csv::ErrorKind::Utf8 { err, .. } => format!(
                    "{}: not valid UTF-8 (save the file as UTF-8)",
                    COLUMNS.get(err.field()).unwrap_or(&"a field")
                ),
                other => format!("not valid CSV: {other:?}"),
            }),
        };
        let line = self.reader.get_mut().line_of(start);
        Some(Ok(Row { line, result }))
    }
}

/// Drops a UTF-8 byte-order mark, as spreadsheet programs write one.
fn skip_bom<R: BufRead>(input: &mut R) -> std::io::Result<()> {
    if input.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    Ok(())
}

/// The columns of a row, in order.
const COLUMNS: [&str; 3] = ["email", "full_name", "comment"];

/// Checks the header; returns how many columns rows have (2 or 3).
fn header_columns<R: Read>(reader: &mut csv::Reader<LineIndex<R>>) -> Result<usize, FileError> {
    let expected = "expected the header email,full_name or email,full_name,comment";
    let header = match reader.headers() {
        Ok(header) => header.clone(),
        Err(e) => {
            let at = e.position().map_or(0, csv::Position::byte);
            let message = match e.into_kind() {
                csv::ErrorKind::Io(e) => return Err(FileError::Io(e)),
                csv::ErrorKind::Utf8 { .. } => {
                    format!("{expected}; it is not UTF-8 (save the file as UTF-8)")
                }
                other => format!("{expected}; {other:?}"),
            };
            let line = reader.get_mut().line_of(at);
            return Err(FileError::Header { line, message });
        }
    };
    let at = header.position().map_or(0, csv::Position::byte);
    let names: Vec<String> = header.iter().map(str::to_ascii_lowercase).collect();
    match names
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["email", "full_name"] => Ok(2),
        ["email", "full_name", "comment"] => Ok(3),
        _ => Err(FileError::Header {
            line: reader.get_mut().line_of(at),
            message: format!(
                "{expected}, got {:?}",
                header.iter().collect::<Vec<_>>().join(",")
            ),
        }),
    }
}

fn row(record: &csv::StringRecord, columns: usize) -> Result<NewRecipient, String> {
    if record.len() != columns {
        return Err(format!("expected {columns} columns, got {}", record.len()));
    }
    let field = |i| record.get(i).unwrap_or("");
    Ok(NewRecipient {
        email: EmailAddress::parse(field(0)).map_err(|e| e.to_string())?,
        full_name: FullName::parse(field(1)).map_err(|e| e.to_string())?,
        comment: if columns == 3 {
            Comment::parse(field(2)).map_err(|e| e.to_string())?
        } else {
            Comment::default()
        },
    })
}

/// Numbers the lines of the bytes that pass through it, so that each row
/// is reported on the line it starts on. (csv's own line count is one short
/// after CRLF line ends, ignores CR-only ones, and counts a record from the
/// end of the one before, blank lines included.) A line ends at LF, CRLF
/// or a lone CR, as csv reads them.
#[derive(Debug)]
struct LineIndex<R> {
    inner: R,
    /// Bytes read so far.
    offset: u64,
    /// Lines begun so far (their first byte read).
    lines: u64,
    /// `(start, number)` of the non-empty lines not yet passed: only those
    /// can start a record, and a file of blank lines takes no memory.
    starts: VecDeque<(u64, u64)>,
    /// A line starts here; its first byte, which tells if it is empty, is unread.
    open: Option<u64>,
    /// The last byte was a CR, which ends a line alone or with an LF.
    after_cr: bool,
}

impl<R> LineIndex<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            lines: 0,
            starts: VecDeque::new(),
            open: Some(0),
            after_cr: false,
        }
    }

    fn scan(&mut self, bytes: &[u8]) {
        for &b in bytes {
            let at = self.offset;
            self.offset += 1;
            if std::mem::take(&mut self.after_cr) {
                if b == b'\n' {
                    self.open = Some(at + 1);
                    continue;
                }
                self.open = Some(at);
            }
            if let Some(start) = self.open.take() {
                self.lines += 1;
                if !matches!(b, b'\r' | b'\n') {
                    self.starts.push_back((start, self.lines));
                }
            }
            match b {
                b'\n' => self.open = Some(at + 1),
                b'\r' => self.after_cr = true,
                _ => {}
            }
        }
    }

    /// The line of a record that csv says starts at byte `at`: the first
    /// non-empty line from there. Lines before it are forgotten, so memory
    /// stays flat however long the file is.
    fn line_of(&mut self, at: u64) -> u64 {
        while self.starts.front().is_some_and(|&(start, _)| start < at) {
            self.starts.pop_front();
        }
        self.starts
            .front()
            .map_or(self.lines.max(1), |&(_, line)| line)
    }
}

impl<R: Read> Read for LineIndex<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.scan(&buf[..n]);
        Ok(n)
    }
}

/// A chunk being stored: the new ids (or `None` for an email already
/// there), with the rows and their line numbers.
type Storing = tokio::task::JoinHandle<(
    Result<Vec<Option<RecipientId>>, postpilot_core::Error>,
    Vec<NewRecipient>,
    Vec<u64>,
)>;

/// Starts storing `rows` (read from `lines`) in the background.
fn store<R: RecipientRepository + Clone + 'static>(
    recipients: Recipients<R>,
    rows: Vec<NewRecipient>,
    lines: Vec<u64>,
) -> Storing {
    tokio::spawn(async move {
        let ids = recipients.import(&rows).await;
        (ids, rows, lines)
    })
}

/// Waits for the chunk being stored, if any, and counts it in `report`.
async fn settle(storing: &mut Option<Storing>, report: &mut ImportReport) -> Result<(), CliError> {
    let Some(task) = storing.take() else {
        return Ok(());
    };
    let (ids, rows, lines) = task.await.map_err(anyhow::Error::from)?;
    for ((id, new), line) in ids?.iter().zip(rows.iter()).zip(lines.iter()) {
        match id {
            Some(_) => report.imported += 1,
            None => {
                report.skipped_existing += 1;
                tracing::info!(line, email = %new.email, "already a recipient, skipped");
            }
        }
    }
    Ok(())
}

fn finish(report: ImportReport, path: &Path, out: Output) -> Result<(), CliError> {
    if out.json {
        Output::json(&report)?;
    } else {
        println!(
            "imported {}, skipped {} already present, {} invalid rows",
            report.imported, report.skipped_existing, report.invalid
        );
    }
    for e in &report.errors {
        let report = format!("{}: line {}: {}", path.display(), e.line, e.error);
        eprintln!("{}", visible(&report));
    }
    if report.invalid as usize > report.errors.len() {
        eprintln!(
            "… and {} more invalid rows",
            report.invalid as usize - report.errors.len()
        );
    }
    if report.invalid > 0 {
        return Err(CliError::invalid(format!(
            "{} rows of {} were invalid and not imported; the valid rows were",
            report.invalid,
            path.display()
        )));
    }
    Ok(())
}

pub async fn export<R: RecipientRepository>(
    recipients: &Recipients<R>,
    path: Option<&Path>,
    out: Output,
) -> Result<(), CliError> {
    let sink: Box<dyn Write> = match path {
        Some(p) => Box::new(File::create(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = csv::Writer::from_writer(sink);
    writer
        .write_record(["email", "full_name", "comment"])
        .map_err(anyhow::Error::from)?;
    let mut count = 0u64;
    for n in 0.. {
        let page = recipients
            .list(Page::new(n * EXPORT_PAGE, EXPORT_PAGE))
            .await?;
        for r in &page {
            writer
                .write_record([r.email.as_str(), r.full_name.as_str(), r.comment.as_str()])
                .map_err(anyhow::Error::from)?;
        }
        count += page.len() as u64;
        if (page.len() as u64) < EXPORT_PAGE {
            break;
        }
    }
    writer.flush().map_err(anyhow::Error::from)?;
    if let Some(p) = path {
        if out.json {
            Output::json(&serde_json::json!({ "exported": count, "file": p }))?;
        } else {
            let done = format!("exported {count} recipients to {}", p.display());
            println!("{}", visible(&done));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "csv_io_tests.rs"]
mod tests;
