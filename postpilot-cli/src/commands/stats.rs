//! `postpilot stats`: the home page's figures.

use postpilot_core::ports::Store;
use postpilot_http::json::StatsJson;

use crate::app::App;
use crate::error::CliError;
use crate::output::Output;

pub async fn run<S: Store + Clone + 'static>(app: &App<S>, out: Output) -> Result<(), CliError> {
    let s = app.uses.statistics.get().await?;
    let fields = [
        (
            "Всего рассылок (mailings_total)",
            s.mailings_total.to_string(),
        ),
        (
            "Активных рассылок (mailings_active)",
            s.mailings_active.to_string(),
        ),
        (
            "Уникальных получателей (unique_recipients)",
            s.unique_recipients.to_string(),
        ),
        ("recipients_total", s.recipients_total.to_string()),
        ("messages_total", s.messages_total.to_string()),
        ("attempts_success", s.attempts_success.to_string()),
        ("attempts_failure", s.attempts_failure.to_string()),
    ];
    out.record(&StatsJson::from(s), &fields)?;
    Ok(())
}
