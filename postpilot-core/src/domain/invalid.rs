//! The one error every validated domain type returns: which field, and what is wrong.

use thiserror::Error;

use super::template::VARIABLES;

/// A value refused by a domain parser; `field` names the input at fault so
/// every front end can point at it (CLI flag, JSON field, form input).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {problem}")]
pub struct InvalidField {
    pub field: &'static str,
    pub problem: Problem,
}

impl InvalidField {
    pub fn new(field: &'static str, problem: Problem) -> Self {
        Self { field, problem }
    }
}

/// What is wrong with a refused value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Problem {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {max} characters (got {len})")]
    TooLong { max: usize, len: usize },
    #[error("must not contain line breaks")]
    LineBreak,
    #[error("must not contain control characters (found U+{0:04X})")]
    ControlChar(u32),
    #[error("is not a valid email address: {0}")]
    Email(&'static str),
    #[error("must be after first_sent_at")]
    EndNotAfterStart,
    #[error("must be between the years 0001 and 9999")]
    TimeOutOfRange,
    #[error("lists recipient {0} more than once")]
    DuplicateId(i64),
    /// A subject or body template that does not compile or names an
    /// unknown variable; 1-based line and column (in characters).
    #[error("line {line}, column {column}: {detail}")]
    Template {
        line: usize,
        column: usize,
        detail: String,
    },
    /// A template variable that is not one of [`VARIABLES`].
    #[error(
        "line {line}, column {column}: unknown variable `{name}` (known: {})",
        VARIABLES.join(", ")
    )]
    UnknownVariable {
        line: usize,
        column: usize,
        name: String,
    },
    #[error("{0}")]
    Other(String),
}
