//! `postpilot dkim record`: the DNS record that publishes the DKIM key.

use crate::app;
use crate::cli::{DkimCmd, Global};
use crate::error::CliError;

pub fn run(global: &Global, cmd: &DkimCmd) -> Result<(), CliError> {
    match cmd {
        DkimCmd::Record => {
            let Some(dkim) = app::mailer::dkim(global)? else {
                return Err(CliError::invalid(
                    "dkim record needs --dkim-domain, --dkim-selector and --dkim-key",
                ));
            };
            if global.json {
                let record = serde_json::json!({
                    "name": dkim.record_name(),
                    "type": "TXT",
                    "value": dkim.record_text(),
                });
                println!("{record}");
            } else {
                println!("{}", dkim.dns_record());
            }
            Ok(())
        }
    }
}
