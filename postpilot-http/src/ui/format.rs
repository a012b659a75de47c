//! How values look on a page: times in the server's zone (`serve
//! --timezone`), counts in Russian, status badges.

use chrono::{DateTime, Days, LocalResult, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use maud::{html, Markup};
use postpilot_core::{AttemptStatus, MailingStatus, Trigger};

/// `26.11.2026 15:30 MSK` in `tz`, in a `<time>` element.
pub(crate) fn when(at: DateTime<Utc>, tz: Tz) -> Markup {
    shown(at, tz, "%d.%m.%Y %H:%M")
}

/// As [`when`], with seconds (attempts).
pub(crate) fn when_exact(at: DateTime<Utc>, tz: Tz) -> Markup {
    shown(at, tz, "%d.%m.%Y %H:%M:%S")
}

fn shown(at: DateTime<Utc>, tz: Tz, format: &str) -> Markup {
    let local = at.with_timezone(&tz);
    html! { time datetime=(at.to_rfc3339()) { (local.format(format)) "\u{a0}" (abbreviation(at, tz)) } }
}

/// The zone's short name at `at` (`MSK`, `EST`, `UTC`), or its offset
/// (`UTC+05:00`) where the zone database has only digits for it.
fn abbreviation(at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    let name = local.format("%Z").to_string();
    if name.chars().all(|c| c.is_ascii_alphabetic()) {
        name
    } else {
        offset(at, tz)
    }
}

/// `UTC+03:00`: the zone's offset at `at`.
fn offset(at: DateTime<Utc>, tz: Tz) -> String {
    format!("UTC{}", at.with_timezone(&tz).format("%:z"))
}

/// The zone of every time on the pages as a form says it beside its time
/// inputs: `Europe/Moscow (MSK, UTC+03:00)`, its offset as of `now`.
pub(crate) fn zone(tz: Tz, now: DateTime<Utc>) -> String {
    let short = abbreviation(now, tz);
    let offset = offset(now, tz);
    if short == offset || short == tz.name() {
        format!("{} ({offset})", tz.name())
    } else {
        format!("{} ({short}, {offset})", tz.name())
    }
}

/// The value of a `datetime-local` input, in `tz`.
pub(crate) fn input_value(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

/// Why a `datetime-local` input could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeInput {
    /// Not a date and time at all (or empty).
    Unreadable,
    /// A time the clocks skip in that zone (spring forward).
    Skipped,
}

/// Reads a `datetime-local` input (`2026-12-01T09:00`, seconds optional)
/// as a time in `tz`. A time the clocks pass twice (autumn) is the first
/// of the two; a time they skip is refused.
pub(crate) fn parse_input(raw: &str, tz: Tz) -> Result<DateTime<Utc>, TimeInput> {
    let raw = raw.trim();
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| TimeInput::Unreadable)?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => Err(TimeInput::Skipped),
    }
}

/// The first send time the mailing form offers: tomorrow at 09:00 in
/// `tz`, so that saving the form's defaults never sends at once.
pub(crate) fn tomorrow_morning(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
    let local = now.with_timezone(&tz).date_naive();
    local
        .checked_add_days(Days::new(1))
        .and_then(|day| tz.from_local_datetime(&day.and_time(nine)).earliest())
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
    html! { span class={ "badge " (status.code()) } { (crate::labels::mailing_status(status)) } }
}

/// A mailing's status, and whether a manager disabled it.
pub(crate) fn mailing_state(status: MailingStatus, disabled: bool) -> Markup {
    html! {
        (mailing_status(status))
        @if disabled { " " span.badge.disabled { "отключена" } }
    }
}

pub(crate) fn attempt_status(status: AttemptStatus) -> Markup {
    html! { span class={ "badge " (status.code()) } { (crate::labels::attempt_status(status)) } }
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

    const MOSCOW: Tz = chrono_tz::Europe::Moscow;
    const NEW_YORK: Tz = chrono_tz::America::New_York;

    fn utc(raw: &str) -> DateTime<Utc> {
        parse_input(raw, Tz::UTC).expect("a UTC time")
    }

    fn said(markup: Markup) -> String {
        let html = markup.into_string().replace('\u{a0}', " ");
        let text = html.split('>').nth(1).unwrap_or_default();
        text.split('<').next().unwrap_or_default().to_owned()
    }

    #[test]
    fn datetime_inputs_round_trip_in_the_chosen_zone() {
        let at = parse_input("2026-12-01T09:30", MOSCOW).expect("parsed");
        assert_eq!(at, utc("2026-12-01T06:30"));
        assert_eq!(input_value(at, MOSCOW), "2026-12-01T09:30");
        assert_eq!(input_value(at, Tz::UTC), "2026-12-01T06:30");
        assert_eq!(parse_input("2026-12-01T09:30:00", MOSCOW), Ok(at));
        assert_eq!(parse_input("завтра", MOSCOW), Err(TimeInput::Unreadable));
        assert_eq!(parse_input("", MOSCOW), Err(TimeInput::Unreadable));
    }

    #[test]
    fn times_are_shown_in_the_chosen_zone_with_its_name() {
        let at = utc("2026-11-26T12:30");
        assert_eq!(said(when(at, MOSCOW)), "26.11.2026 15:30 MSK");
        assert_eq!(said(when(at, NEW_YORK)), "26.11.2026 07:30 EST");
        assert_eq!(said(when(at, Tz::UTC)), "26.11.2026 12:30 UTC");
        assert_eq!(said(when_exact(at, MOSCOW)), "26.11.2026 15:30:00 MSK");
        // The zone database names Yekaterinburg's time only by digits.
        let yekaterinburg = chrono_tz::Asia::Yekaterinburg;
        assert_eq!(said(when(at, yekaterinburg)), "26.11.2026 17:30 UTC+05:00");
        assert!(when(at, MOSCOW)
            .into_string()
            .contains("datetime=\"2026-11-26T12:30:00+00:00\""));
    }

    #[test]
    fn a_zone_changing_its_clocks_shows_each_season_by_its_name() {
        assert_eq!(
            said(when(utc("2026-07-01T16:00"), NEW_YORK)),
            "01.07.2026 12:00 EDT"
        );
        assert_eq!(
            zone(NEW_YORK, utc("2026-07-01T16:00")),
            "America/New_York (EDT, UTC-04:00)"
        );
        assert_eq!(
            zone(NEW_YORK, utc("2026-12-01T16:00")),
            "America/New_York (EST, UTC-05:00)"
        );
        assert_eq!(
            zone(MOSCOW, utc("2026-12-01T16:00")),
            "Europe/Moscow (MSK, UTC+03:00)"
        );
        assert_eq!(zone(Tz::UTC, utc("2026-12-01T16:00")), "UTC (UTC+00:00)");
    }

    #[test]
    fn a_time_the_clocks_skip_is_refused_and_one_they_pass_twice_is_the_first() {
        // New York springs forward at 02:00 on 8 March 2026: 02:30 never happens.
        assert_eq!(
            parse_input("2026-03-08T02:30", NEW_YORK),
            Err(TimeInput::Skipped)
        );
        assert_eq!(
            parse_input("2026-03-08T03:30", NEW_YORK),
            Ok(utc("2026-03-08T07:30"))
        );
        // It falls back at 02:00 on 1 November 2026: 01:30 happens twice,
        // first in EDT (05:30 UTC), then in EST (06:30 UTC).
        assert_eq!(
            parse_input("2026-11-01T01:30", NEW_YORK),
            Ok(utc("2026-11-01T05:30"))
        );
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
    fn the_first_send_time_offered_is_tomorrow_at_nine_in_the_chosen_zone() {
        // 23:30 in Moscow is 20:30 UTC: tomorrow is Moscow's tomorrow.
        let now = parse_input("2026-12-01T23:30", MOSCOW).expect("parsed");
        assert_eq!(
            input_value(tomorrow_morning(now, MOSCOW), MOSCOW),
            "2026-12-02T09:00"
        );
        let early = parse_input("2026-12-01T00:10", MOSCOW).expect("parsed");
        assert_eq!(
            input_value(tomorrow_morning(early, MOSCOW), MOSCOW),
            "2026-12-02T09:00"
        );
        // The day before New York's clocks go forward, 09:00 is EDT's.
        let before = parse_input("2026-03-07T12:00", NEW_YORK).expect("parsed");
        assert_eq!(tomorrow_morning(before, NEW_YORK), utc("2026-03-08T13:00"));
    }

    #[test]
    fn clip_counts_characters_not_bytes() {
        assert_eq!(clip("Здравствуйте", 5), "Здрав…");
        assert_eq!(clip("Привет", 6), "Привет");
    }
}
