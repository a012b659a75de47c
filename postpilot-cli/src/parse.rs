//! clap value parsers: each turns an argument into a domain value or a
//! message naming what is wrong (clap adds the flag and exits with 2).

use std::ffi::OsStr;
use std::time::Duration;

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};
use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use postpilot_core::{
    BodyHtml, BodyText, Comment, EmailAddress, FullName, ListName, PublicUrl, Search, Sender,
    Subject, TokenName,
};
use secrecy::SecretString;

/// A parser of text options whose refusal of bytes that are not UTF-8
/// names the option (clap's own only says "invalid UTF-8 was detected in
/// one or more arguments").
#[derive(Debug, Clone)]
pub struct Text<F>(pub F);

impl<F, T> TypedValueParser for Text<F>
where
    F: Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static,
    T: Send + Sync + Clone + 'static,
{
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        if value.to_str().is_none() {
            let name = arg.map_or_else(|| "...".to_owned(), ToString::to_string);
            return Err(clap::Error::raw(
                ErrorKind::InvalidUtf8,
                format!("invalid value for '{name}': not valid UTF-8\n"),
            )
            .with_cmd(cmd));
        }
        self.0.parse_ref(cmd, arg, value)
    }
}

/// An option that is or may hold a secret (a password in a URL, a token):
/// kept as a [`SecretString`], so that the `Debug` of the options never
/// shows it.
pub fn secret(s: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(s))
}

pub fn email(s: &str) -> Result<EmailAddress, String> {
    EmailAddress::parse(s).map_err(|e| e.to_string())
}

pub fn sender(s: &str) -> Result<Sender, String> {
    Sender::parse_field(s, "from").map_err(|e| e.to_string())
}

pub fn reply_to(s: &str) -> Result<EmailAddress, String> {
    EmailAddress::parse_field(s, "reply-to").map_err(|e| e.to_string())
}

pub fn public_url(s: &str) -> Result<PublicUrl, String> {
    PublicUrl::parse(s).map_err(|e| e.to_string())
}

pub fn helo_name(s: &str) -> Result<postpilot_smtp::HeloName, String> {
    s.parse().map_err(|e| format!("helo-name: {e}"))
}

pub fn dkim_domain(s: &str) -> Result<String, String> {
    postpilot_smtp::Dkim::parse_domain(s).map_err(|e| format!("dkim-domain: {e}"))
}

pub fn dkim_selector(s: &str) -> Result<String, String> {
    postpilot_smtp::Dkim::parse_selector(s).map_err(|e| format!("dkim-selector: {e}"))
}

/// The key file read and parsed once, here: a bad key stops the command
/// before anything is touched. The error names the file, never its content.
pub fn dkim_key(s: &str) -> Result<postpilot_smtp::DkimKey, String> {
    postpilot_smtp::DkimKey::read(std::path::Path::new(s)).map_err(|e| format!("dkim-key: {e}"))
}

pub fn role(s: &str) -> Result<postpilot_core::Role, String> {
    postpilot_core::Role::parse(s).map_err(|e| e.to_string())
}

pub fn full_name(s: &str) -> Result<FullName, String> {
    FullName::parse(s).map_err(|e| e.to_string())
}

pub fn list_name(s: &str) -> Result<ListName, String> {
    ListName::parse(s).map_err(|e| e.to_string())
}

pub fn token_name(s: &str) -> Result<TokenName, String> {
    TokenName::parse(s).map_err(|e| e.to_string())
}

pub fn search(s: &str) -> Result<Search, String> {
    Search::parse(s).map_err(|e| e.to_string())
}

pub fn comment(s: &str) -> Result<Comment, String> {
    Comment::parse(s).map_err(|e| e.to_string())
}

pub fn subject(s: &str) -> Result<Subject, String> {
    Subject::parse(s).map_err(|e| e.to_string())
}

pub fn body(s: &str) -> Result<BodyText, String> {
    BodyText::parse(s).map_err(|e| e.to_string())
}

/// `--html`.
pub fn body_html(s: &str) -> Result<BodyHtml, String> {
    BodyHtml::parse(s).map_err(|e| e.to_string())
}

pub fn duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e} (expected e.g. 30s, 2m)"))?;
    if d.is_zero() {
        return Err("must be more than zero".into());
    }
    Ok(d)
}

/// The longest `--smtp-timeout`: one SMTP conversation.
pub const MAX_SMTP_TIMEOUT: Duration = Duration::from_secs(60 * 60);
/// The longest `--poll` of a worker.
pub const MAX_POLL: Duration = Duration::from_secs(60 * 60);

/// A duration of at most `max`.
fn duration_at_most(s: &str, max: Duration) -> Result<Duration, String> {
    let d = duration(s)?;
    if d > max {
        return Err(format!(
            "must be at most {}",
            humantime::format_duration(max)
        ));
    }
    Ok(d)
}

pub fn smtp_timeout(s: &str) -> Result<Duration, String> {
    duration_at_most(s, MAX_SMTP_TIMEOUT)
}

pub fn lease(s: &str) -> Result<Duration, String> {
    duration_at_most(s, postpilot_core::usecases::MAX_LEASE)
}

pub fn retry_backoff(s: &str) -> Result<Duration, String> {
    duration_at_most(s, postpilot_core::usecases::MAX_RETRY_BACKOFF)
}

pub fn poll(s: &str) -> Result<Duration, String> {
    duration_at_most(s, MAX_POLL)
}

/// An IANA time zone name (`Europe/Moscow`, `UTC`), in any letter case.
pub fn timezone(s: &str) -> Result<postpilot_http::Tz, String> {
    let s = s.trim();
    s.parse()
        .or_else(|_| postpilot_http::Tz::from_str_insensitive(s))
        .map_err(|_| {
            format!("unknown time zone {s:?}: expected an IANA name such as Europe/Moscow or UTC")
        })
}

/// RFC 3339 (`2026-12-01T09:00:00+03:00`), or `YYYY-MM-DD HH:MM[:SS]` read
/// in the local time zone.
pub fn time(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .ok_or_else(|| {
        format!("expected RFC 3339 (2026-12-01T09:00:00+03:00) or YYYY-MM-DD HH:MM, got {s:?}")
    })?;
    match Local.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(..) => Err(format!(
            "{s:?} happens twice in the local time zone (clock change); give an RFC 3339 time with an offset"
        )),
        chrono::LocalResult::None => Err(format!(
            "{s:?} does not exist in the local time zone (clock change); give an RFC 3339 time with an offset"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timezone_takes_iana_names_in_any_case_and_refuses_others() {
        assert_eq!(
            timezone("Europe/Moscow"),
            Ok(postpilot_http::Tz::Europe__Moscow)
        );
        assert_eq!(
            timezone("europe/moscow"),
            Ok(postpilot_http::Tz::Europe__Moscow)
        );
        assert_eq!(timezone(" UTC "), Ok(postpilot_http::Tz::UTC));
        let refused = timezone("Mars/Olympus").expect_err("refused");
        assert!(refused.contains("\"Mars/Olympus\""), "{refused}");
        assert!(refused.contains("IANA"), "{refused}");
        assert!(timezone("").is_err());
    }

    #[test]
    fn time_accepts_rfc3339_with_offset_and_local_minutes() {
        let t = time("2026-12-01T09:00:00+03:00").expect("rfc3339");
        assert_eq!(t.to_rfc3339(), "2026-12-01T06:00:00+00:00");
        assert!(time("2026-12-01 09:00").is_ok());
        assert!(time("2026-12-01T09:00").is_ok());
    }

    #[test]
    fn time_refuses_malformed_values_and_says_what_it_expects() {
        for bad in [
            "tomorrow",
            "2026-13-01 09:00",
            "2026-12-01 25:00",
            "2026-12-01T09:00:00+99:00",
            "",
        ] {
            let err = time(bad).expect_err(bad);
            assert!(err.contains("expected RFC 3339"), "{err}");
        }
    }

    #[test]
    fn durations_above_their_bound_are_refused_saying_the_bound() {
        assert_eq!(lease("1day"), Ok(Duration::from_secs(86_400)));
        assert_eq!(lease("1day 1s"), Err("must be at most 1day".to_owned()));
        for huge in ["300000years", "10000years", "2h"] {
            assert!(smtp_timeout(huge).is_err(), "{huge}");
            assert!(poll(huge).is_err(), "{huge}");
        }
        for huge in ["300000years", "10000years", "25h"] {
            assert!(lease(huge).is_err(), "{huge}");
            assert!(retry_backoff(huge).is_err(), "{huge}");
        }
        assert_eq!(smtp_timeout("1h"), Ok(MAX_SMTP_TIMEOUT));
    }

    #[test]
    fn duration_needs_a_unit_and_a_positive_value() {
        assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
        assert!(duration("30").is_err());
        assert!(duration("0s").is_err());
    }
}
