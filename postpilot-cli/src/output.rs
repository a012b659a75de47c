//! How results are shown: human tables by default, JSON with `--json`.
//!
//! Nothing printed holds a control character the CLI did not make itself:
//! every value goes through `postpilot_core::visible` (a table cell, one
//! line: `\n`, `\t`, `\u{1b}` as escapes) or `visible_lines` (a field of
//! `show`, which keeps its lines and tabs), whoever stored it and whenever.
//! JSON escapes the C0 controls itself; [`json_text`] escapes the rest
//! (DEL, the C1 controls, line separators, bidi controls) as `\uXXXX`,
//! which a JSON reader turns back into the same text.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use postpilot_core::{is_hidden, visible, visible_lines};
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
        println!("{}", json_text(value)?);
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
            table.add_row(row.iter().map(|cell| visible(cell)));
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
            let value = visible_lines(value);
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

    /// Prints a key shown this once, alone on its line (for a script to
    /// take), or `json_value`, which holds it, in JSON mode.
    pub fn key<T: Serialize + ?Sized>(self, json_value: &T, key: &str) -> anyhow::Result<()> {
        if self.json {
            return Self::json(json_value);
        }
        println!("{key}");
        Ok(())
    }

    /// Confirms a change that returns nothing.
    pub fn done(self, what: &str) -> anyhow::Result<()> {
        if self.json {
            return Self::json(&serde_json::json!({ "ok": true, "message": what }));
        }
        println!("{}", visible(what));
        Ok(())
    }
}

/// `value` as pretty JSON in which every character that is not shown as
/// itself is a `\uXXXX` escape. serde_json escapes the C0 controls in
/// strings, so a raw control character left in its output is either a line
/// break of the layout or, inside a string, DEL, a C1 control or a Unicode
/// separator or bidi control, which this escapes. Only strings hold
/// anything but ASCII, and all of these are in the Basic Multilingual
/// Plane: each is one `\uXXXX`.
pub fn json_text<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let text = serde_json::to_string_pretty(value)?;
    if !text.chars().any(|c| is_hidden(c) && c != '\n') {
        return Ok(text);
    }
    let mut safe = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_hidden(c) && c != '\n' {
            safe.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            safe.push(c);
        }
    }
    Ok(safe)
}

/// A time as shown in tables: RFC 3339, seconds precision.
pub fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `s` as a table cell of at most `max` characters: made
/// [visible](postpilot_core::visible) (line breaks as `\n`), then cut.
pub fn clip(s: &str, max: usize) -> String {
    let shown = visible(s);
    if shown.chars().count() <= max {
        return shown.into_owned();
    }
    let mut out: String = shown.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_cell_shows_line_breaks_and_controls_as_escapes_then_is_cut() {
        assert_eq!(clip("one\ntwo\tthree", 40), r"one\ntwo\tthree");
        assert_eq!(clip("\u{1b}[2Jabcdef", 8), r"\u{1b}[…");
        assert_eq!(clip("short", 5), "short");
    }

    #[test]
    fn json_escapes_del_c1_and_bidi_controls_and_reads_back_the_same_text() {
        let text = "a\u{7f}b\u{9b}31m\u{85}c\u{202e}d\u{2028}e\u{1b}[2J\0ж🙂";
        let json = json_text(&serde_json::json!({ "response": text })).expect("json");
        assert!(!json.chars().any(|c| is_hidden(c) && c != '\n'), "{json:?}");
        assert!(
            json.contains(r"a\u007fb\u009b31m\u0085c\u202ed\u2028e\u001b[2J\u0000ж🙂"),
            "{json}"
        );
        let back: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(back["response"], text);
    }
}
