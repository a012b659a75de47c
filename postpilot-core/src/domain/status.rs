//! The status rules of a mailing and of an attempt, and their codes (stored,
//! and spoken by the API). What the UI shows for each is the HTTP crate's
//! (`postpilot_http::labels`; ARCHITECTURE.md, "Domain").

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

/// A mailing's status. Never stored: always computed from time and history,
/// so it is right even for a row nobody touched after its end time passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailingStatus {
    /// Before its end and never sent.
    Created,
    /// Before its end and sent at least once.
    Running,
    /// Its end time has come.
    Completed,
}

impl MailingStatus {
    /// The status at `now` of a mailing ending at `ends_at` that was
    /// (`launched`) or was not sent before.
    pub fn at(now: DateTime<Utc>, ends_at: DateTime<Utc>, launched: bool) -> Self {
        if now >= ends_at {
            Self::Completed
        } else if launched {
            Self::Running
        } else {
            Self::Created
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Completed => "completed",
        }
    }
}

impl fmt::Display for MailingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Whether an attempt's email was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptStatus {
    Success,
    Failure,
}

impl AttemptStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

impl fmt::Display for AttemptStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A stored code that is not one of ours (a corrupt row).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status code {0:?}")]
pub struct UnknownCode(pub String);

impl FromStr for AttemptStatus {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "success" => Ok(Self::Success),
            "failure" => Ok(Self::Failure),
            other => Err(UnknownCode(other.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn end() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0)
            .single()
            .expect("valid time")
    }

    #[test]
    fn never_sent_mailing_is_created_until_its_end() {
        let just_before = end() - Duration::nanoseconds(1);
        assert_eq!(
            MailingStatus::at(just_before, end(), false),
            MailingStatus::Created
        );
    }

    #[test]
    fn sent_mailing_is_running_until_its_end() {
        let just_before = end() - Duration::nanoseconds(1);
        assert_eq!(
            MailingStatus::at(just_before, end(), true),
            MailingStatus::Running
        );
    }

    #[test]
    fn mailing_is_completed_at_the_exact_end_time_sent_or_not() {
        assert_eq!(
            MailingStatus::at(end(), end(), true),
            MailingStatus::Completed
        );
        assert_eq!(
            MailingStatus::at(end(), end(), false),
            MailingStatus::Completed
        );
        assert_eq!(
            MailingStatus::at(end() + Duration::days(400), end(), true),
            MailingStatus::Completed
        );
    }

    #[test]
    fn codes_follow_the_specification_and_parse_back() {
        let all = [
            MailingStatus::Created,
            MailingStatus::Running,
            MailingStatus::Completed,
        ];
        let codes: Vec<_> = all.iter().map(|s| s.code()).collect();
        assert_eq!(codes, ["created", "running", "completed"]);
        assert_eq!(AttemptStatus::Failure.code(), "failure");
        assert_eq!(
            "success".parse::<AttemptStatus>(),
            Ok(AttemptStatus::Success)
        );
        assert!("ok".parse::<AttemptStatus>().is_err());
    }
}
