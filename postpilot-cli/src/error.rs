//! The CLI's one error type: what went wrong and which exit code it earns
//! (0 success, 1 the operation failed, 2 invalid usage or input).

use std::process::ExitCode;

use postpilot_core::ports::StoreError;
use postpilot_core::visible;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The input was refused: nothing was changed.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Core(#[from] postpilot_core::Error),
    /// Anything else that made the operation fail (I/O, configuration, ...).
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl CliError {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(msg.into())
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Invalid(_) | Self::Core(postpilot_core::Error::Invalid(_)) => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        Self::Core(e.into())
    }
}

impl From<postpilot_core::InvalidField> for CliError {
    fn from(e: postpilot_core::InvalidField) -> Self {
        Self::Core(e.into())
    }
}

/// Prints `error: …` and each cause on its own line, as the standards ask.
/// A message may quote outside text (a file name, a database's or a
/// server's words): each line is made visible, so no control character in
/// it reaches the terminal and each stays one line.
pub fn report(err: &CliError) {
    eprintln!("error: {}", visible(&err.to_string()));
    let mut source = std::error::Error::source(err);
    // `transparent` variants already printed their first level.
    let mut last = err.to_string();
    while let Some(cause) = source {
        let text = cause.to_string();
        if text != last {
            eprintln!("  caused by: {}", visible(&text));
        }
        last = text;
        source = cause.source();
    }
}
