//! How results are shown: human tables by default, JSON with `--json`.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;

/// Where a command prints its result.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints `value` as JSON (pretty), the caller having already decided
    /// it is in JSON mode.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
        println!("{}", serde_json::to_string_pretty(value)?);
        Ok(())
    }

    /// Prints rows as a table, or `json_value` in JSON mode.
    pub fn list<T: Serialize + ?Sized>(
        self,
        json_value: &T,
        header: &[&str],
        rows: Vec<Vec<String>>,
    ) -> anyhow::Result<()> {
        if self.json {
            return Self::json(json_value);
        }
        if rows.is_empty() {
            println!("(none)");
            return Ok(());
        }
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(header.to_vec());
        for row in rows {
            table.add_row(row);
        }
        println!("{table}");
        Ok(())
    }

    /// Prints `field: value` lines, or `json_value` in JSON mode.
    pub fn record<T: Serialize + ?Sized>(
        self,
        json_value: &T,
        fields: &[(&str, String)],
    ) -> anyhow::Result<()> {
        if self.json {
            return Self::json(json_value);
        }
        let width = fields
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (key, value) in fields {
            let mut lines = value.lines();
            println!("{key:<width$}  {}", lines.next().unwrap_or(""));
            for more in lines {
                println!("{:<width$}  {more}", "");
            }
        }
        Ok(())
    }

    /// Prints the id of something created, or the whole object in JSON mode.
    pub fn created<T: Serialize + ?Sized>(self, json_value: &T, id: i64) -> anyhow::Result<()> {
        if self.json {
            return Self::json(json_value);
        }
        println!("{id}");
        Ok(())
    }

    /// Confirms a change that returns nothing.
    pub fn done(self, what: &str) -> anyhow::Result<()> {
        if self.json {
            return Self::json(&serde_json::json!({ "ok": true, "message": what }));
        }
        println!("{what}");
        Ok(())
    }
}

/// A time as shown in tables: RFC 3339, seconds precision.
pub fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Cuts `s` to `max` characters for a table cell.
pub fn clip(s: &str, max: usize) -> String {
    let first_line = s.lines().next().unwrap_or("");
    if first_line.chars().count() <= max && first_line.len() == s.len() {
        return s.to_owned();
    }
    let mut out: String = first_line.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
