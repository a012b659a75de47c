//! `recipient import` and `recipient export`: CSV with the header
//! `email,full_name[,comment]`. Import streams the file in chunks, so memory
//! stays flat however long it is; each bad row is reported with its line
//! number and the good rows are kept.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use postpilot_core::ports::RecipientRepository;
use postpilot_core::usecases::Recipients;
use postpilot_core::{Comment, EmailAddress, FullName, NewRecipient, Page};
use serde::Serialize;

use crate::error::CliError;
use crate::output::Output;

/// Rows stored per transaction.
const CHUNK: usize = 5_000;
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

pub async fn import<R: RecipientRepository>(
    recipients: &Recipients<R>,
    path: &Path,
    out: Output,
) -> Result<(), CliError> {
    let file =
        File::open(path).map_err(|e| CliError::invalid(format!("{}: {e}", path.display())))?;
    let mut input = BufReader::new(file);
    skip_bom(&mut input).map_err(|e| CliError::invalid(format!("{}: {e}", path.display())))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let columns = header_columns(&mut reader, path)?;

    let mut report = ImportReport::default();
    let mut chunk: Vec<NewRecipient> = Vec::with_capacity(CHUNK);
    let mut lines: Vec<u64> = Vec::with_capacity(CHUNK);
    let mut record = csv::StringRecord::new();
    loop {
        // csv counts the line a record starts on from 0 past the header's
        // terminator; people count file lines from 1.
        let line = reader.position().line() + 1;
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => match row(&record, columns) {
                Ok(new) => {
                    chunk.push(new);
                    lines.push(line);
                }
                Err(e) => report.reject(line, e),
            },
            Err(e) if e.is_io_error() => {
                return Err(anyhow::anyhow!("{}: {e}", path.display()).into());
            }
            Err(e) => report.reject(line, format!("not valid CSV or UTF-8: {e}")),
        }
        if chunk.len() == CHUNK {
            store(recipients, &mut chunk, &mut lines, &mut report).await?;
        }
    }
    store(recipients, &mut chunk, &mut lines, &mut report).await?;
    finish(report, path, out)
}

/// Drops a UTF-8 byte-order mark, as spreadsheet programs write one.
fn skip_bom<R: BufRead>(input: &mut R) -> std::io::Result<()> {
    if input.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        input.consume(3);
    }
    Ok(())
}

/// Checks the header; returns how many columns rows have (2 or 3).
fn header_columns<R: Read>(reader: &mut csv::Reader<R>, path: &Path) -> Result<usize, CliError> {
    let expected = "expected the header email,full_name or email,full_name,comment";
    let header = reader
        .headers()
        .map_err(|e| CliError::invalid(format!("{}: line 1: {e}; {expected}", path.display())))?;
    let names: Vec<String> = header.iter().map(str::to_ascii_lowercase).collect();
    match names
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["email", "full_name"] => Ok(2),
        ["email", "full_name", "comment"] => Ok(3),
        _ => Err(CliError::invalid(format!(
            "{}: line 1: {expected}, got {:?}",
            path.display(),
            header.iter().collect::<Vec<_>>().join(",")
        ))),
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

async fn store<R: RecipientRepository>(
    recipients: &Recipients<R>,
    chunk: &mut Vec<NewRecipient>,
    lines: &mut Vec<u64>,
    report: &mut ImportReport,
) -> Result<(), CliError> {
    if chunk.is_empty() {
        return Ok(());
    }
    let ids = recipients.import(chunk).await?;
    for ((id, new), line) in ids.iter().zip(chunk.iter()).zip(lines.iter()) {
        match id {
            Some(_) => report.imported += 1,
            None => {
                report.skipped_existing += 1;
                tracing::info!(line, email = %new.email, "already a recipient, skipped");
            }
        }
    }
    chunk.clear();
    lines.clear();
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
        eprintln!("{}: line {}: {}", path.display(), e.line, e.error);
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
            println!("exported {count} recipients to {}", p.display());
        }
    }
    Ok(())
}
