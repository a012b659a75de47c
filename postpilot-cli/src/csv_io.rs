//! `recipient import` and `recipient export`: CSV with the header
//! `email,full_name[,comment]`, read and written by the core's `csv`
//! module (the UI uses the same); this module adds the file and the
//! terminal.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;

use postpilot_core::csv::{self, FileError, ImportFailure, ImportReport, Rows};
use postpilot_core::ports::{ListRepository, RecipientRepository};
use postpilot_core::usecases::Recipients;
use postpilot_core::visible;
use serde::Serialize;

use crate::error::CliError;
use crate::output::Output;

pub async fn import<R: RecipientRepository + ListRepository>(
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
    let report = csv::import(recipients, rows, None)
        .await
        .map_err(|e| match e {
            ImportFailure::Read(e) => CliError::from(anyhow::anyhow!("{}: {e}", path.display())),
            ImportFailure::Store(e) => CliError::from(e),
        })?;
    finish(report, path, out)
}

/// What an import did, as `--json` prints it (the API imports nothing, so
/// this shape is the CLI's own).
#[derive(Serialize)]
struct ImportJson {
    imported: u64,
    skipped_existing: u64,
    invalid: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    added_to_list: Option<u64>,
    /// The first bad rows: their line and what is wrong.
    errors: Vec<RowErrorJson>,
}

#[derive(Serialize)]
struct RowErrorJson {
    line: u64,
    error: String,
}

impl From<&ImportReport> for ImportJson {
    fn from(report: &ImportReport) -> Self {
        Self {
            imported: report.imported,
            skipped_existing: report.skipped_existing,
            invalid: report.invalid,
            added_to_list: report.added_to_list,
            errors: report
                .errors
                .iter()
                .map(|e| RowErrorJson {
                    line: e.line,
                    error: e.problem.to_string(),
                })
                .collect(),
        }
    }
}

fn finish(report: ImportReport, path: &Path, out: Output) -> Result<(), CliError> {
    if out.json {
        Output::json(&ImportJson::from(&report))?;
    } else {
        println!(
            "imported {}, skipped {} already present, {} invalid rows",
            report.imported, report.skipped_existing, report.invalid
        );
    }
    for e in &report.errors {
        let report = format!("{}: line {}: {}", path.display(), e.line, e.problem);
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
    let mut sink: Box<dyn Write> = match path {
        Some(p) => Box::new(File::create(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut count = 0u64;
    for n in 0.. {
        let page = csv::export_page(recipients, n).await?;
        sink.write_all(&page.csv).map_err(anyhow::Error::from)?;
        count += page.rows;
        if !page.more {
            break;
        }
    }
    sink.flush().map_err(anyhow::Error::from)?;
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
