//! How values look on a page: times in the server's zone, status badges.

use chrono::{DateTime, Days, Local, NaiveDateTime, NaiveTime, TimeZone, Utc};
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

/// The first send time the mailing form offers: tomorrow at 09:00 in the
/// server's zone, so that saving the form's defaults never sends at once.
pub(crate) fn tomorrow_morning(now: DateTime<Utc>) -> DateTime<Utc> {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
    let local = now.with_timezone(&Local).date_naive();
    local
        .checked_add_days(Days::new(1))
        .and_then(|day| Local.from_local_datetime(&day.and_time(nine)).earliest())
        .map_or(now + chrono::Duration::days(1), |t| t.with_timezone(&Utc))
}

/// A count with its thousands separated by a no-break space: `20 002`.
pub(crate) fn number(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}

/// The Russian word form agreeing with `n`: `forms` is the form for 1,
/// for 2 and for 5 (`получатель`, `получателя`, `получателей`).
pub(crate) fn plural(n: u64, forms: [&'static str; 3]) -> &'static str {
    match (n % 10, n % 100) {
        (1, r) if r != 11 => forms[0],
        (2..=4, r) if !(12..=14).contains(&r) => forms[1],
        _ => forms[2],
    }
}

/// `20 002 получателя`: a number and the noun agreeing with it.
pub(crate) fn count(n: u64, forms: [&'static str; 3]) -> String {
    format!("{}\u{a0}{}", number(n), plural(n, forms))
}

/// The forms of «получатель» for [`count`].
pub(crate) const RECIPIENTS: [&str; 3] = ["получатель", "получателя", "получателей"];

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
    fn counts_agree_in_russian_and_group_thousands() {
        let forms = RECIPIENTS;
        let said = |n| count(n, forms).replace('\u{a0}', " ");
        assert_eq!(said(1), "1 получатель");
        assert_eq!(said(2), "2 получателя");
        assert_eq!(said(4), "4 получателя");
        assert_eq!(said(5), "5 получателей");
        assert_eq!(said(11), "11 получателей");
        assert_eq!(said(12), "12 получателей");
        assert_eq!(said(21), "21 получатель");
        assert_eq!(said(111), "111 получателей");
        assert_eq!(said(1_001), "1 001 получатель");
        assert_eq!(said(20_002), "20 002 получателя");
        assert_eq!(said(0), "0 получателей");
        assert_eq!(number(1_000_000), "1\u{a0}000\u{a0}000");
        assert_eq!(number(999), "999");
    }

    #[test]
    fn the_first_send_time_offered_is_tomorrow_at_nine_in_the_server_zone() {
        let now = parse_input("2026-12-01T23:30").expect("parsed");
        assert_eq!(input_value(tomorrow_morning(now)), "2026-12-02T09:00");
        let early = parse_input("2026-12-01T00:10").expect("parsed");
        assert_eq!(input_value(tomorrow_morning(early)), "2026-12-02T09:00");
    }

    #[test]
    fn clip_counts_characters_not_bytes() {
        assert_eq!(clip("Здравствуйте", 5), "Здрав…");
        assert_eq!(clip("Привет", 6), "Привет");
    }
}
