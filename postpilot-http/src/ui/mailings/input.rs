//! The mailing form's fields as typed, and their checks.

use chrono::{DateTime, Utc};
use postpilot_core::ports::{Entity, StoreError};
use postpilot_core::{MessageId, RecipientId, RecipientIds, Search, Selection, Window};

use crate::csrf::FormData;
use crate::ui::form::{problem_text, Errors};
use crate::ui::format::{parse_input, TimeInput};

/// The fields as typed.
#[derive(Debug, Default)]
pub(super) struct Input {
    pub(super) message_id: String,
    pub(super) first_sent_at: String,
    pub(super) sent_completed_at: String,
    /// Ids posted as they are (a form of an older page, or a script).
    pub(super) recipient_ids: Vec<String>,
    pub(super) all_recipients: bool,
    /// The choice of a new mailing's recipients: `all`, `search` or `later`.
    pub(super) choose: String,
    pub(super) recipient_search: String,
}

/// The fields, checked.
pub(super) struct Valid {
    pub(super) window: Window,
    pub(super) message_id: MessageId,
    pub(super) recipients: Choice,
}

pub(super) enum Choice {
    These(RecipientIds),
    /// Everyone, or everyone a search finds: added in one statement.
    Select(Selection),
    /// Nobody yet: chosen next on the page of the mailing's recipients.
    Later,
    /// An edit: the recipients stay as they are.
    Unchanged,
}

impl Input {
    pub(super) fn from_form(form: &FormData) -> Self {
        Self {
            message_id: form.text("message_id"),
            first_sent_at: form.text("first_sent_at"),
            sent_completed_at: form.text("sent_completed_at"),
            recipient_ids: form.all("recipient_ids").map(str::to_owned).collect(),
            all_recipients: form.get("all_recipients").is_some(),
            choose: form.text("recipients"),
            recipient_search: form.text("recipient_search"),
        }
    }

    /// Checks the fields; the recipients only when `choosing` them (a new
    /// mailing): an edit never touches them.
    pub(super) fn validate(&self, choosing: bool, tz: chrono_tz::Tz) -> Result<Valid, Errors> {
        let mut errors = Errors::default();
        let message_id = crate::api::extract::parse_id(&self.message_id).map(MessageId);
        if message_id.is_none() {
            errors.add("message_id", "Выберите сообщение.");
        }
        let start = time_field(
            &mut errors,
            "first_sent_at",
            &self.first_sent_at,
            tz,
            "Укажите дату и время первой отправки.",
        );
        let end = time_field(
            &mut errors,
            "sent_completed_at",
            &self.sent_completed_at,
            tz,
            "Укажите дату и время окончания отправки.",
        );
        let window = match (start, end) {
            (Some(start), Some(end)) => {
                Window::new(start, end).map_err(|e| errors.invalid(&e)).ok()
            }
            _ => None,
        };
        let recipients = if !choosing {
            Some(Choice::Unchanged)
        } else if self.all_recipients || (self.recipient_ids.is_empty() && self.choose == "all") {
            Some(Choice::Select(Selection::All))
        } else if self.recipient_ids.is_empty() && self.choose == "search" {
            Search::parse(&self.recipient_search)
                .map_err(|e| errors.add("recipient_search", problem_text(&e.problem)))
                .ok()
                .map(|found| Choice::Select(Selection::Matching(found)))
        } else if self.recipient_ids.is_empty() && self.choose == "later" {
            Some(Choice::Later)
        } else {
            let ids: Option<Vec<RecipientId>> = self
                .recipient_ids
                .iter()
                .map(|id| crate::api::extract::parse_id(id).map(RecipientId))
                .collect();
            match ids {
                None => {
                    errors.add("recipient_ids", "Неверный получатель.");
                    None
                }
                Some(ids) if ids.is_empty() => {
                    errors.add("recipient_ids", "Выберите, кому отправлять.");
                    None
                }
                Some(ids) => RecipientIds::new(ids)
                    .map_err(|e| errors.invalid(&e))
                    .ok()
                    .map(Choice::These),
            }
        };
        match (window, message_id, recipients) {
            (Some(window), Some(message_id), Some(recipients)) if errors.is_empty() => Ok(Valid {
                window,
                message_id,
                recipients,
            }),
            _ => Err(errors),
        }
    }
}

/// The time typed in `name`, read in `tz`; an error beside the field when
/// it is missing or unreadable (`missing`) or one the clocks skip there.
fn time_field(
    errors: &mut Errors,
    name: &'static str,
    raw: &str,
    tz: chrono_tz::Tz,
    missing: &'static str,
) -> Option<DateTime<Utc>> {
    parse_input(raw, tz)
        .map_err(|why| match why {
            TimeInput::Unreadable => errors.add(name, missing),
            TimeInput::Skipped => errors.add(
                name,
                format!(
                    "Такого времени в поясе {} нет: в эту ночь часы переводят вперёд. Укажите другое время.",
                    tz.name()
                ),
            ),
        })
        .ok()
}

/// Why a first send time already past is refused: the scheduler would send
/// the mailing as soon as it is saved, before the user has seen its page.
const PAST_START: &str = "Это время уже прошло: рассылка ушла бы сразу после сохранения. \
    Укажите время позже текущего; чтобы отправить сразу, сохраните рассылку и нажмите «Отправить сейчас».";

/// The error beside the first send time when it is not in the future.
pub(super) fn past_start(valid: &Valid, now: DateTime<Utc>) -> Option<Errors> {
    (valid.window.first_sent_at() <= now).then(|| {
        let mut errors = Errors::default();
        errors.add("first_sent_at", PAST_START);
        errors
    })
}

/// Errors about references the store refused, beside their fields.
pub(super) fn reference_errors(err: &postpilot_core::Error) -> Option<Errors> {
    let mut errors = Errors::default();
    match err {
        postpilot_core::Error::Store(StoreError::NotFound {
            entity: Entity::Message,
            ..
        }) => errors.add("message_id", "Такого сообщения нет (удалено?)."),
        postpilot_core::Error::Store(StoreError::NotFound {
            entity: Entity::Recipient,
            id,
        }) => errors.add("recipient_ids", format!("Получателя №{id} нет (удалён?).")),
        postpilot_core::Error::Invalid(invalid) => errors.invalid(invalid),
        _ => return None,
    }
    Some(errors)
}
