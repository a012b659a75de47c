//! The rows of an import file (`email,full_name[,comment]`), read one at
//! a time and each numbered by the line it starts on: a pure function of
//! the bytes, so that every door reports a bad row the same way.

use std::collections::VecDeque;
use std::io::{BufRead, Read};

use crate::domain::{Comment, EmailAddress, FullName, InvalidField, NewRecipient};

/// Why one row holds no recipient.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowProblem {
    /// A field breaks its rule; names the field.
    #[error(transparent)]
    Invalid(#[from] InvalidField),
    /// The row has another number of columns than the header.
    #[error("expected {expected} columns, got {got}")]
    Columns { expected: usize, got: usize },
    /// A field is not UTF-8.
    #[error("{}: not valid UTF-8 (save the file as UTF-8)", field.unwrap_or("a field"))]
    NotUtf8 { field: Option<&'static str> },
    /// The row is not CSV at all.
    #[error("not valid CSV: {0}")]
    NotCsv(String),
}

impl RowProblem {
    /// The column at fault, when there is one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid(e) => Some(e.field),
            Self::NotUtf8 { field } => *field,
            Self::Columns { .. } | Self::NotCsv(_) => None,
        }
    }
}

/// Why an import file was refused as a whole.
#[derive(Debug)]
pub enum FileError {
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
pub struct Row {
    pub line: u64,
    pub result: Result<NewRecipient, RowProblem>,
}

/// The rows of an import file, read one at a time: a pure function of the
/// bytes (no store, no file system), so it can be fed anything.
#[derive(Debug)]
pub struct Rows<R> {
    reader: csv::Reader<LineIndex<R>>,
    columns: usize,
    record: csv::StringRecord,
}

impl<R: BufRead> Rows<R> {
    /// Skips a UTF-8 byte-order mark and checks the header.
    ///
    /// # Errors
    /// [`FileError::Header`] when the header is not `email,full_name[,comment]`.
    pub fn new(mut input: R) -> Result<Self, FileError> {
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
                csv::ErrorKind::Utf8 { err, .. } => RowProblem::NotUtf8 {
                    field: COLUMNS.get(err.field()).copied(),
                },
                other => RowProblem::NotCsv(format!("{other:?}")),
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

fn row(record: &csv::StringRecord, columns: usize) -> Result<NewRecipient, RowProblem> {
    if record.len() != columns {
        return Err(RowProblem::Columns {
            expected: columns,
            got: record.len(),
        });
    }
    let field = |i| record.get(i).unwrap_or("");
    Ok(NewRecipient {
        email: EmailAddress::parse(field(0))?,
        full_name: FullName::parse(field(1))?,
        comment: if columns == 3 {
            Comment::parse(field(2))?
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

#[cfg(test)]
#[path = "rows_tests.rs"]
mod tests;
