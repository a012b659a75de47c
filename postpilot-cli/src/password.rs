//! Reading a new password: never from an argument (it would show in the
//! process list and the shell's history), but from `POSTPILOT_PASSWORD`,
//! else a prompt on the terminal that does not echo (asked twice), else
//! one line of standard input, for scripts.

use std::io::{BufRead, IsTerminal};

use postpilot_core::Password;

use crate::error::CliError;

/// The environment variable a script may set instead of typing.
pub const PASSWORD_VAR: &str = "POSTPILOT_PASSWORD";

/// A new password, checked by the domain's rules.
///
/// # Errors
/// `Invalid` (exit 2) naming `password` when it breaks a rule or the two
/// typed differ; I/O failures.
pub fn read_new_password() -> Result<Password, CliError> {
    if let Ok(text) = std::env::var(PASSWORD_VAR) {
        return Ok(Password::parse(&text)?);
    }
    if std::io::stdin().is_terminal() {
        let first =
            rpassword::prompt_password("New password: ").map_err(|e| CliError::Failed(e.into()))?;
        let again =
            rpassword::prompt_password("Repeat it: ").map_err(|e| CliError::Failed(e.into()))?;
        if first != again {
            return Err(CliError::invalid("password: the two typed differ"));
        }
        return Ok(Password::parse(&first)?);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Failed(e.into()))?;
    let text = line.strip_suffix('\n').unwrap_or(&line);
    let text = text.strip_suffix('\r').unwrap_or(text);
    Ok(Password::parse(text)?)
}
