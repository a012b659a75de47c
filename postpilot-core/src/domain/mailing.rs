//! A mailing: a message sent to a set of recipients within a window.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Utc};

use super::invalid::{InvalidField, Problem};
use super::{MailingId, MailingStatus, MessageId, RecipientId, UserId};

/// The sending window: `sent_completed_at` strictly after `first_sent_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    first_sent_at: DateTime<Utc>,
    sent_completed_at: DateTime<Utc>,
}

impl Window {
    /// The earliest time a window may hold: the first of RFC 3339's
    /// four-digit years (chrono itself goes to ±262143, which PostgreSQL
    /// cannot store).
    pub const EARLIEST: &'static str = "0001-01-01T00:00:00Z";
    /// The latest time a window may hold: the end of year 9999.
    pub const LATEST: &'static str = "9999-12-31T23:59:59.999999Z";

    /// # Errors
    /// [`InvalidField`] on the field whose time is outside
    /// [`Window::EARLIEST`]..=[`Window::LATEST`], or on `sent_completed_at`
    /// when the end is not after the start.
    pub fn new(
        first_sent_at: DateTime<Utc>,
        sent_completed_at: DateTime<Utc>,
    ) -> Result<Self, InvalidField> {
        in_range("first_sent_at", first_sent_at)?;
        in_range("sent_completed_at", sent_completed_at)?;
        if sent_completed_at <= first_sent_at {
            return Err(InvalidField::new(
                "sent_completed_at",
                Problem::EndNotAfterStart,
            ));
        }
        Ok(Self {
            first_sent_at,
            sent_completed_at,
        })
    }

    pub fn first_sent_at(&self) -> DateTime<Utc> {
        self.first_sent_at
    }

    pub fn sent_completed_at(&self) -> DateTime<Utc> {
        self.sent_completed_at
    }
}

fn in_range(field: &'static str, time: DateTime<Utc>) -> Result<(), InvalidField> {
    let year = time.year();
    if (1..=9999).contains(&year) {
        Ok(())
    } else {
        Err(InvalidField::new(field, Problem::TimeOutOfRange))
    }
}

/// The recipients of a mailing: each id at most once, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecipientIds(Vec<RecipientId>);

impl RecipientIds {
    /// # Errors
    /// [`InvalidField`] on `recipient_ids` naming the first repeated id.
    pub fn new(ids: Vec<RecipientId>) -> Result<Self, InvalidField> {
        let mut seen = HashSet::with_capacity(ids.len());
        if let Some(dup) = ids.iter().find(|id| !seen.insert(**id)) {
            return Err(InvalidField::new(
                "recipient_ids",
                Problem::DuplicateId(dup.get()),
            ));
        }
        Ok(Self(ids))
    }

    pub fn as_slice(&self) -> &[RecipientId] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A stored mailing. Its recipients are fetched separately: a mailing may
/// have a million of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailing {
    pub id: MailingId,
    pub first_sent_at: DateTime<Utc>,
    pub sent_completed_at: DateTime<Utc>,
    pub message_id: MessageId,
    pub recipient_count: u64,
    /// When it was first sent; `None` while it never was.
    pub launched_at: Option<DateTime<Utc>>,
    /// Set while a manager or an admin has it disabled: it is not sent
    /// (ARCHITECTURE.md, "Users and ownership").
    pub disabled: Option<Disabled>,
}

impl Mailing {
    pub fn status(&self, now: DateTime<Utc>) -> MailingStatus {
        MailingStatus::at(now, self.sent_completed_at, self.launched_at.is_some())
    }

    pub fn is_disabled(&self) -> bool {
        self.disabled.is_some()
    }
}

/// A mailing's disabling: when, and by whom (`None`: the system, that is
/// the command line or the automation token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disabled {
    pub at: DateTime<Utc>,
    pub by: Option<UserId>,
}

/// A mailing's fields, validated, before it has an id (create and replace).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMailing {
    pub window: Window,
    pub message_id: MessageId,
    pub recipient_ids: RecipientIds,
}

/// Which recipients an edit leaves on a mailing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientsEdit {
    Keep,
    Replace(RecipientIds),
}

/// A partial edit: `None` keeps the stored value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailingPatch {
    pub first_sent_at: Option<DateTime<Utc>>,
    pub sent_completed_at: Option<DateTime<Utc>>,
    pub message_id: Option<MessageId>,
    pub recipients: RecipientsEdit,
}

impl Default for MailingPatch {
    fn default() -> Self {
        Self {
            first_sent_at: None,
            sent_completed_at: None,
            message_id: None,
            recipients: RecipientsEdit::Keep,
        }
    }
}

impl MailingPatch {
    /// The window after the edit.
    ///
    /// # Errors
    /// As [`Window::new`].
    pub fn window(&self, current: &Mailing) -> Result<Window, InvalidField> {
        Window::new(
            self.first_sent_at.unwrap_or(current.first_sent_at),
            self.sent_completed_at.unwrap_or(current.sent_completed_at),
        )
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn window_end_must_be_after_start() {
        let start = Utc::now();
        assert!(Window::new(start, start + Duration::seconds(1)).is_ok());
        let same = Window::new(start, start).expect_err("equal");
        assert_eq!(same.field, "sent_completed_at");
        assert!(Window::new(start, start - Duration::seconds(1)).is_err());
    }

    #[test]
    fn window_times_are_limited_to_four_digit_years_naming_the_field() {
        let parse = |s: &str| s.parse::<DateTime<Utc>>().expect(s);
        let (earliest, latest) = (parse(Window::EARLIEST), parse(Window::LATEST));
        assert!(Window::new(earliest, latest).is_ok());
        let before = earliest - Duration::microseconds(1);
        let after = latest + Duration::microseconds(1);
        let err = Window::new(before, latest).expect_err("too early");
        assert_eq!(
            (err.field, err.problem),
            ("first_sent_at", Problem::TimeOutOfRange)
        );
        let err = Window::new(earliest, after).expect_err("too late");
        assert_eq!(err.field, "sent_completed_at");
        let far = parse("+100000-01-01T00:00:00Z");
        assert_eq!(
            Window::new(far, far).expect_err("far").field,
            "first_sent_at"
        );
    }

    #[test]
    fn recipient_ids_refuse_duplicates_naming_the_id() {
        let err = RecipientIds::new(vec![RecipientId(1), RecipientId(2), RecipientId(1)])
            .expect_err("duplicate");
        assert_eq!(err.field, "recipient_ids");
        assert_eq!(err.problem, Problem::DuplicateId(1));
        assert_eq!(
            RecipientIds::new(vec![RecipientId(3)]).expect("ok").len(),
            1
        );
    }
}
