//! How values look on a page: times in the server's zone, status badges.

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};
use maud::{html, Markup};
use postpilot_core::{AttemptStatus, MailingStatus, Trigger};

/// `26.11.2026 15:30` in the server's zone, in a `<time>` element.
pub(crate) fn when(at: DateTime<Utc>) -> Markup {
    html! { time datetime=(at.to_rfc3339()) { (at.with_timezone(&Local).format("%d.%m.%Y %H:%M")) } }
}

/// As [`when`], with seconds (attempts).
pub(crate) fn when_exact(at: DateTime<Utc>) -> Markup {
    html! { time datetime=(at.to_rfc3339()) { (at.with_timezone(&Local).format("%d.%m.%Y %H:%M:%S")) } }
}

/// The server's zone, e.g. `UTC+03:00`: the zone of every time on the pages.
pub(crate) fn zone() -> String {
    format!("UTC{}", Local::now().offset())
}

/// The value of a `datetime-local` input.
pub(crate) fn input_value(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Reads a `datetime-local` input (`2026-12-01T09:00`, seconds optional)
/// as a time in the server's zone.
pub(crate) fn parse_input(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

pub(crate) fn mailing_status(status: MailingStatus) -> Markup {
    html! { span class={ "badge " (status.code()) } { (status.label()) } }
}

pub(crate) fn attempt_status(status: AttemptStatus) -> Markup {
    html! { span class={ "badge " (status.code()) } { (status.label()) } }
}

pub(crate) fn trigger(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::Cli => "командная строка",
        Trigger::Ui => "веб-интерфейс",
        Trigger::Api => "API",
        Trigger::Schedule => "расписание",
    }
}

/// At most `max` characters of `text`, with an ellipsis when cut.
pub(crate) fn clip(text: &str, max: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_inputs_round_trip_in_the_server_zone() {
        let at = parse_input("2026-12-01T09:30").expect("parsed");
        assert_eq!(input_value(at), "2026-12-01T09:30");
        assert_eq!(parse_input("2026-12-01T09:30:00"), Some(at));
        assert_eq!(parse_input("завтра"), None);
        assert_eq!(parse_input(""), None);
    }

    #[test]
    fn clip_counts_characters_not_bytes() {
        assert_eq!(clip("Здравствуйте", 5), "Здрав…");
        assert_eq!(clip("Привет", 6), "Привет");
    }
}
