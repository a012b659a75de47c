//! The JSON the API speaks (ARCHITECTURE.md, "HTTP": the seed's field names, RFC 3339
//! times), kept apart from the domain types so the contract is explicit
//! and documented. Inputs arrive as plain values and are validated by the
//! domain's own parsers, which name the field at fault.

use chrono::{DateTime, Utc};
use postpilot_core::usecases::MailingView;
use postpilot_core::{
    AttemptStatus, BodyHtml, BodyText, Comment, EmailAddress, FullName, InvalidField, ListId,
    ListName, MailingPatch, MailingStatus, Message, MessageId, MessagePatch, NewMessage,
    NewRecipient, Problem, Recipient, RecipientId, RecipientIds, RecipientPage, RecipientPatch,
    RecipientsEdit, Search, Selection, SendAttempt, SendRun, Stats, Subject, Trigger,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules::{self, as_sent, JsonId};

/// Получатель рассылки.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientJson {
    pub id: i64,
    #[schema(example = "ivan@example.com")]
    pub email: String,
    /// Ф. И. О., 1..=100 characters.
    #[schema(example = "Иван Петров")]
    pub full_name: String,
    pub comment: String,
}

impl From<Recipient> for RecipientJson {
    fn from(r: Recipient) -> Self {
        Self {
            id: r.id.get(),
            email: r.email.to_string(),
            full_name: r.full_name.into_string(),
            comment: r.comment.into_string(),
        }
    }
}

/// A new recipient.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecipientJson {
    #[schema(schema_with = rules::email)]
    pub email: String,
    #[schema(schema_with = rules::full_name)]
    pub full_name: String,
    #[serde(default)]
    #[schema(schema_with = rules::comment_or_null)]
    pub comment: Option<String>,
}

fn full_name(text: &str) -> Result<FullName, InvalidField> {
    FullName::parse(as_sent("full_name", text, FullName::MAX_CHARS)?)
}

fn comment(text: &str) -> Result<Comment, InvalidField> {
    Comment::parse(as_sent("comment", text, Comment::MAX_CHARS)?)
}

fn subject(text: &str) -> Result<Subject, InvalidField> {
    Subject::parse(as_sent("subject", text, Subject::MAX_CHARS)?)
}

fn body_text(text: &str) -> Result<BodyText, InvalidField> {
    BodyText::parse(as_sent("body_text", text, BodyText::MAX_CHARS)?)
}

/// `body_html` as sent: none when empty or blank.
fn body_html(text: &str) -> Result<Option<BodyHtml>, InvalidField> {
    let text = as_sent("body_html", text, BodyHtml::MAX_CHARS)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    BodyHtml::parse(text).map(Some)
}

impl NewRecipientJson {
    pub fn validate(self) -> Result<NewRecipient, InvalidField> {
        Ok(NewRecipient {
            email: EmailAddress::parse(&self.email)?,
            full_name: full_name(&self.full_name)?,
            comment: self
                .comment
                .as_deref()
                .map(comment)
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

/// Fields to change; those left out (or null) keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecipientPatchJson {
    #[schema(schema_with = rules::email_or_null)]
    pub email: Option<String>,
    #[schema(schema_with = rules::full_name_or_null)]
    pub full_name: Option<String>,
    #[schema(schema_with = rules::comment_or_null)]
    pub comment: Option<String>,
}

impl RecipientPatchJson {
    pub fn validate(self) -> Result<RecipientPatch, InvalidField> {
        Ok(RecipientPatch {
            email: self.email.as_deref().map(EmailAddress::parse).transpose()?,
            full_name: self.full_name.as_deref().map(full_name).transpose()?,
            comment: self.comment.as_deref().map(comment).transpose()?,
        })
    }
}

/// Сообщение.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageJson {
    pub id: i64,
    /// Тема письма, 1..=100 characters on one line.
    #[schema(example = "Новости недели")]
    pub subject: String,
    /// Тело письма.
    pub body_text: String,
    /// The HTML version, sent beside the text; null when there is none.
    pub body_html: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Message> for MessageJson {
    fn from(m: Message) -> Self {
        Self {
            id: m.id.get(),
            subject: m.subject.into_string(),
            body_text: m.body_text.into_string(),
            body_html: m.body_html.map(BodyHtml::into_string),
            created_at: m.created_at,
        }
    }
}

/// A new message.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessageJson {
    #[schema(schema_with = rules::subject)]
    pub subject: String,
    #[schema(schema_with = rules::body_text)]
    pub body_text: String,
    #[serde(default)]
    #[schema(schema_with = rules::body_html_or_null)]
    pub body_html: Option<String>,
}

impl NewMessageJson {
    pub fn validate(self) -> Result<NewMessage, InvalidField> {
        Ok(NewMessage {
            subject: subject(&self.subject)?,
            body_text: body_text(&self.body_text)?,
            body_html: self
                .body_html
                .as_deref()
                .map(body_html)
                .transpose()?
                .flatten(),
        })
    }
}

/// Whose fields fill the message's template in a preview.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequestJson {
    #[schema(schema_with = rules::recipient_id)]
    pub recipient_id: JsonId,
}

/// A test send: whose fields fill the template, and the one address it goes to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestSendJson {
    #[schema(schema_with = rules::recipient_id)]
    pub recipient_id: JsonId,
    #[schema(schema_with = rules::email)]
    pub to: String,
}

/// A message as one recipient would get it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewJson {
    /// Where it goes: the recipient's address, or a test's.
    pub to: String,
    pub to_name: String,
    /// The subject and body with the recipient's fields filled in.
    pub subject: String,
    pub body_text: String,
    /// The HTML version with the fields filled in (HTML-escaped); null when
    /// the message has none.
    pub body_html: Option<String>,
    /// The whole email as the mailer would send it: headers, an empty line
    /// and the encoded body, lines ending in CRLF.
    pub raw: String,
}

impl From<postpilot_core::usecases::Letter> for PreviewJson {
    fn from(letter: postpilot_core::usecases::Letter) -> Self {
        Self {
            to: letter.to.to_string(),
            to_name: letter.to_name.to_string(),
            subject: letter.content.subject.to_string(),
            body_text: letter.content.body_text.to_string(),
            body_html: letter.content.body_html.as_ref().map(ToString::to_string),
            raw: String::from_utf8_lossy(&letter.raw).into_owned(),
        }
    }
}

/// A test email the mail server (or outbox) took.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestSentJson {
    #[serde(flatten)]
    pub email: PreviewJson,
    /// The server's reply.
    pub reply: String,
}

/// Fields to change; those left out (or null) keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessagePatchJson {
    #[schema(schema_with = rules::subject_or_null)]
    pub subject: Option<String>,
    #[schema(schema_with = rules::body_text_or_null)]
    pub body_text: Option<String>,
    /// Empty removes the HTML version.
    #[serde(default)]
    #[schema(schema_with = rules::body_html_or_null)]
    pub body_html: Option<String>,
}

impl MessagePatchJson {
    pub fn validate(self) -> Result<MessagePatch, InvalidField> {
        Ok(MessagePatch {
            subject: self.subject.as_deref().map(subject).transpose()?,
            body_text: self.body_text.as_deref().map(body_text).transpose()?,
            body_html: self.body_html.as_deref().map(body_html).transpose()?,
        })
    }
}

/// Статус рассылки, computed at the moment of the answer.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailingStatusJson {
    /// Создана: before its end, never sent.
    Created,
    /// Запущена: before its end, sent at least once.
    Running,
    /// Завершена: its end time has passed.
    Completed,
}

impl From<MailingStatus> for MailingStatusJson {
    fn from(s: MailingStatus) -> Self {
        match s {
            MailingStatus::Created => Self::Created,
            MailingStatus::Running => Self::Running,
            MailingStatus::Completed => Self::Completed,
        }
    }
}

/// Рассылка, with its recipients.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailingJson {
    pub id: i64,
    /// Дата и время первой отправки.
    pub first_sent_at: DateTime<Utc>,
    /// Дата и время окончания отправки.
    pub sent_completed_at: DateTime<Utc>,
    pub status: MailingStatusJson,
    pub message_id: i64,
    pub recipient_ids: Vec<i64>,
    pub recipient_count: u64,
    /// When it was first sent; null while it never was.
    pub launched_at: Option<DateTime<Utc>>,
}

impl MailingJson {
    pub fn new(view: MailingView, recipient_ids: Vec<RecipientId>) -> Self {
        let summary = MailingSummaryJson::from(view);
        Self {
            id: summary.id,
            first_sent_at: summary.first_sent_at,
            sent_completed_at: summary.sent_completed_at,
            status: summary.status,
            message_id: summary.message_id,
            recipient_ids: recipient_ids.into_iter().map(RecipientId::get).collect(),
            recipient_count: summary.recipient_count,
            launched_at: summary.launched_at,
        }
    }
}

/// Рассылка in a list: its recipients are counted, not listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailingSummaryJson {
    pub id: i64,
    pub first_sent_at: DateTime<Utc>,
    pub sent_completed_at: DateTime<Utc>,
    pub status: MailingStatusJson,
    pub message_id: i64,
    pub recipient_count: u64,
    pub launched_at: Option<DateTime<Utc>>,
}

impl From<MailingView> for MailingSummaryJson {
    fn from(view: MailingView) -> Self {
        let m = view.mailing;
        Self {
            id: m.id.get(),
            first_sent_at: m.first_sent_at,
            sent_completed_at: m.sent_completed_at,
            status: view.status.into(),
            message_id: m.message_id.get(),
            recipient_count: m.recipient_count,
            launched_at: m.launched_at,
        }
    }
}

/// A new mailing: a message, a window and its recipients.
/// `sent_completed_at` must be after `first_sent_at`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMailingJson {
    #[schema(schema_with = rules::message_id)]
    pub message_id: JsonId,
    #[serde(deserialize_with = "rules::rfc3339")]
    #[schema(schema_with = rules::time)]
    pub first_sent_at: DateTime<Utc>,
    #[serde(deserialize_with = "rules::rfc3339")]
    #[schema(schema_with = rules::time)]
    pub sent_completed_at: DateTime<Utc>,
    #[schema(schema_with = rules::recipient_ids)]
    pub recipient_ids: Vec<JsonId>,
}

/// Fields to change; those left out (or null) keep their value.
/// `recipient_ids` replaces the recipients. The window that results must
/// end after it starts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailingPatchJson {
    #[schema(schema_with = rules::message_id_or_null)]
    pub message_id: Option<JsonId>,
    #[serde(default, deserialize_with = "rules::rfc3339_or_null")]
    #[schema(schema_with = rules::time_or_null)]
    pub first_sent_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "rules::rfc3339_or_null")]
    #[schema(schema_with = rules::time_or_null)]
    pub sent_completed_at: Option<DateTime<Utc>>,
    #[schema(schema_with = rules::recipient_ids_or_null)]
    pub recipient_ids: Option<Vec<JsonId>>,
}

pub(crate) fn recipient_ids(ids: Vec<JsonId>) -> Result<RecipientIds, InvalidField> {
    RecipientIds::new(ids.into_iter().map(|JsonId(id)| RecipientId(id)).collect())
}

impl MailingPatchJson {
    pub fn validate(self) -> Result<MailingPatch, InvalidField> {
        Ok(MailingPatch {
            first_sent_at: self.first_sent_at,
            sent_completed_at: self.sent_completed_at,
            message_id: self.message_id.map(|JsonId(id)| MessageId(id)),
            recipients: match self.recipient_ids {
                None => RecipientsEdit::Keep,
                Some(ids) => RecipientsEdit::Replace(recipient_ids(ids)?),
            },
        })
    }
}

/// Which recipients to add or remove: exactly one of `recipient_ids`,
/// `all`, `search` or `list_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1, max_properties = 1)]
pub struct SelectionJson {
    /// These recipients; each must exist.
    #[serde(default, deserialize_with = "rules::present")]
    #[schema(schema_with = rules::recipient_ids)]
    pub recipient_ids: Option<Vec<JsonId>>,
    #[serde(default, deserialize_with = "rules::present")]
    #[schema(schema_with = rules::all_true)]
    pub all: Option<bool>,
    /// Every recipient whose email or full name holds this text.
    #[serde(default, deserialize_with = "rules::present")]
    #[schema(schema_with = rules::search)]
    pub search: Option<String>,
    /// Every member of this list (Список); it must exist.
    #[serde(default, deserialize_with = "rules::present")]
    #[schema(schema_with = rules::list_id)]
    pub list_id: Option<JsonId>,
}

impl SelectionJson {
    pub fn validate(self) -> Result<Selection, InvalidField> {
        let one = |problem: &str| InvalidField::new("selection", Problem::Other(problem.into()));
        match (self.recipient_ids, self.all, self.search, self.list_id) {
            (Some(ids), None, None, None) => Ok(Selection::Ids(recipient_ids(ids)?)),
            (None, Some(true), None, None) => Ok(Selection::All),
            (None, Some(false), None, None) => Err(InvalidField::new(
                "all",
                Problem::Other("must be true".into()),
            )),
            (None, None, Some(text), None) => Ok(Selection::Matching(Search::parse(as_sent(
                "search",
                &text,
                Search::MAX_CHARS,
            )?)?)),
            (None, None, None, Some(JsonId(id))) => Ok(Selection::List(ListId(id))),
            (None, None, None, None) => {
                Err(one("give one of recipient_ids, all, search or list_id"))
            }
            _ => Err(one(
                "give only one of recipient_ids, all, search or list_id",
            )),
        }
    }
}

/// What an add did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientsAddedJson {
    /// Recipients added (those already in the mailing are not counted).
    pub added: u64,
    /// The mailing's recipients now.
    pub recipient_count: u64,
}

/// What a remove did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientsRemovedJson {
    /// Recipients removed from the mailing (they stay in the store).
    pub removed: u64,
    /// The mailing's recipients now.
    pub recipient_count: u64,
}

/// A page of recipients, ordered by id, with how many the search finds
/// in all; one type per place they are listed.
macro_rules! counted_recipients {
    ($(#[$doc:meta])* $name:ident, $total:literal) => {
        $(#[$doc])*
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<RecipientJson>,
            /// Rows skipped (an offset beyond 9223372036854775807 is taken as that).
            pub offset: u64,
            /// Rows asked for, 1–1000.
            pub limit: u64,
            /// Where the next slice starts; null when this one was the last.
            pub next_offset: Option<u64>,
            #[doc = $total]
            pub total: u64,
        }

        impl $name {
            pub fn new(page: RecipientPage, paging: super::extract::Paging) -> Self {
                let next = paging.offset.saturating_add(paging.limit);
                Self {
                    next_offset: (next < page.total).then_some(next),
                    items: page.items.into_iter().map(Into::into).collect(),
                    offset: paging.offset,
                    limit: paging.limit,
                    total: page.total,
                }
            }
        }
    };
}

counted_recipients!(
    /// A page of a mailing's recipients, ordered by id, with how many the
    /// search finds in all.
    MailingRecipientList,
    "How many recipients the search finds (all of the mailing's without one)."
);
counted_recipients!(
    /// A page of a list's members, ordered by id, with how many the search
    /// finds in all.
    ListMemberList,
    "How many members the search finds (all of the list's without one)."
);

/// Список: a named group of recipients.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListJson {
    pub id: i64,
    #[schema(example = "Клиенты 2026")]
    pub name: String,
    /// How many recipients are in the list.
    pub member_count: u64,
}

impl From<postpilot_core::RecipientList> for ListJson {
    fn from(l: postpilot_core::RecipientList) -> Self {
        Self {
            id: l.id.get(),
            name: l.name.into_string(),
            member_count: l.member_count,
        }
    }
}

/// A list's name, to create or rename it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListNameJson {
    #[schema(schema_with = rules::list_name)]
    pub name: String,
}

impl ListNameJson {
    pub fn validate(self) -> Result<ListName, InvalidField> {
        ListName::parse(as_sent("name", &self.name, ListName::MAX_CHARS)?)
    }
}

/// What adding members did.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembersAddedJson {
    /// Recipients added (those already in the list are not counted).
    pub added: u64,
    /// The list's members now.
    pub member_count: u64,
}

/// What removing members did.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembersRemovedJson {
    /// Recipients removed from the list (they stay in the store).
    pub removed: u64,
    /// The list's members now.
    pub member_count: u64,
}

/// What launched a run.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerJson {
    Cli,
    Ui,
    Api,
    Schedule,
}

impl From<Trigger> for TriggerJson {
    fn from(t: Trigger) -> Self {
        match t {
            Trigger::Cli => Self::Cli,
            Trigger::Ui => Self::Ui,
            Trigger::Api => Self::Api,
            Trigger::Schedule => Self::Schedule,
        }
    }
}

/// One launch of sending a mailing. `sent + failed + pending == total`
/// (deliveries, one per recipient).
#[derive(Debug, Serialize, ToSchema)]
pub struct RunJson {
    pub id: i64,
    pub mailing_id: i64,
    pub trigger: TriggerJson,
    pub started_at: DateTime<Utc>,
    /// Null while deliveries are pending.
    pub finished_at: Option<DateTime<Utc>>,
    pub total: u64,
    pub sent: u64,
    pub failed: u64,
    pub pending: u64,
    /// The subject this run sends, copied from the message at launch (an
    /// edit of the message later does not change it); null for runs
    /// launched before runs kept their text.
    pub subject: Option<String>,
    /// Recipients of the mailing left out at launch because they had
    /// unsubscribed (not deliveries: not in `total`).
    pub skipped_unsubscribed: u64,
    /// Left out at launch because their address bounced (and they had not
    /// unsubscribed).
    pub skipped_bounced: u64,
}

impl From<SendRun> for RunJson {
    fn from(r: SendRun) -> Self {
        Self {
            pending: r.pending(),
            id: r.id.get(),
            mailing_id: r.mailing_id.get(),
            trigger: r.trigger.into(),
            started_at: r.started_at,
            finished_at: r.finished_at,
            total: r.total,
            sent: r.sent,
            failed: r.failed,
            subject: r.subject,
            skipped_unsubscribed: r.skipped_unsubscribed,
            skipped_bounced: r.skipped_bounced,
        }
    }
}

/// Whom a send goes to. The body is optional: none (or `{}`) sends to every
/// recipient of the mailing.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendJson {
    /// `true`: only the recipients no run of this mailing reached yet (whose
    /// last attempt failed or was not sent, or who were never sent);
    /// `false` (the default): everyone again. An unfinished run is resumed
    /// as it is, whatever this says.
    #[serde(default)]
    pub only_unsent: bool,
}

/// The answer to `send`: the run being delivered in the background.
#[derive(Debug, Serialize, ToSchema)]
pub struct LaunchJson {
    pub run: RunJson,
    /// True when an unfinished run was picked up instead of a new one.
    pub resumed: bool,
}

/// Статус попытки.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatusJson {
    /// Успешно.
    Success,
    /// Не успешно.
    Failure,
}

impl From<AttemptStatus> for AttemptStatusJson {
    fn from(s: AttemptStatus) -> Self {
        match s {
            AttemptStatus::Success => Self::Success,
            AttemptStatus::Failure => Self::Failure,
        }
    }
}

/// Попытка рассылки: one email to one recipient.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptJson {
    pub id: i64,
    pub mailing_id: i64,
    pub run_id: i64,
    /// Null once the recipient was deleted; `email` stays.
    pub recipient_id: Option<i64>,
    pub email: String,
    pub attempt_at: DateTime<Utc>,
    pub status: AttemptStatusJson,
    /// Ответ почтового сервера.
    #[schema(example = "250 2.0.0 Ok: queued as 3F2A")]
    pub response: String,
}

impl From<SendAttempt> for AttemptJson {
    fn from(a: SendAttempt) -> Self {
        Self {
            id: a.id.get(),
            mailing_id: a.mailing_id.get(),
            run_id: a.run_id.get(),
            recipient_id: a.recipient_id.map(RecipientId::get),
            email: a.email.to_string(),
            attempt_at: a.attempt_at,
            status: a.status.into(),
            response: a.response,
        }
    }
}

/// The home page's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsJson {
    /// Всего рассылок.
    pub mailings_total: u64,
    /// Активных рассылок (Запущена, now).
    pub mailings_active: u64,
    /// Уникальных получателей: distinct recipients of at least one mailing.
    pub unique_recipients: u64,
    pub recipients_total: u64,
    pub messages_total: u64,
    pub attempts_total: u64,
    pub attempts_success: u64,
    pub attempts_failure: u64,
}

impl From<Stats> for StatsJson {
    fn from(s: Stats) -> Self {
        Self {
            mailings_total: s.mailings_total,
            mailings_active: s.mailings_active,
            unique_recipients: s.unique_recipients,
            recipients_total: s.recipients_total,
            messages_total: s.messages_total,
            attempts_total: s.attempts_total,
            attempts_success: s.attempts_success,
            attempts_failure: s.attempts_failure,
        }
    }
}

/// A slice of a long list, one type per kind of item (so that the
/// OpenAPI document refers to the item's schema rather than repeating it).
/// `next_offset` is where the next slice starts, null when this one was
/// the last.
macro_rules! list_of {
    ($(#[$doc:meta])* $name:ident, $item:ty) => {
        $(#[$doc])*
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Rows skipped (an offset beyond 9223372036854775807 is taken as that).
            pub offset: u64,
            /// Rows asked for, 1–1000.
            pub limit: u64,
            /// Where the next slice starts; null when this one was the last.
            pub next_offset: Option<u64>,
        }

        impl $name {
            pub fn new<U: Into<$item>>(items: Vec<U>, paging: super::extract::Paging) -> Self {
                let full = items.len() as u64 == paging.limit;
                Self {
                    next_offset: full.then(|| paging.offset + paging.limit),
                    items: items.into_iter().map(Into::into).collect(),
                    offset: paging.offset,
                    limit: paging.limit,
                }
            }
        }
    };
}

list_of!(
    /// Получатели, ordered by id.
    RecipientList,
    RecipientJson
);
list_of!(
    /// Recipients who unsubscribed or whose address bounced, ordered by id.
    SuppressedList,
    super::suppression::SuppressedJson
);
list_of!(
    /// Сообщения, ordered by id.
    MessageList,
    MessageJson
);
list_of!(
    /// Рассылки, ordered by id, each with its status now.
    MailingList,
    MailingSummaryJson
);
list_of!(
    /// Списки, by name.
    ListList,
    ListJson
);
list_of!(
    /// A mailing's runs, newest first.
    RunList,
    RunJson
);
list_of!(
    /// A mailing's attempts, in the order they were made.
    AttemptList,
    AttemptJson
);
