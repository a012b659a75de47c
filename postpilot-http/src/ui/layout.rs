//! The frame of every page: head, navigation, notices; and the stylesheet.

use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use postpilot_core::Actor;

use super::form::csrf_field;
use super::users::role_label;
use super::{query_param, PER_PAGE};
use crate::auth::Session;

/// Which part of the site a page belongs to (highlighted in the menu).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Home,
    Recipients,
    Messages,
    Mailings,
    Lists,
    Users,
    Tokens,
    None,
}

/// A message shown once after a form succeeded; named by `?notice=` so
/// that no user text is ever reflected from the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notice {
    RecipientCreated,
    RecipientSaved,
    RecipientDeleted,
    MessageCreated,
    MessageSaved,
    MessageDeleted,
    MailingCreated,
    MailingSaved,
    MailingDeleted,
    Launched,
    Resumed,
    RecipientsAdded,
    RecipientsRemoved,
    ListCreated,
    ListRenamed,
    ListDeleted,
    MembersAdded,
    MembersRemoved,
    MailingDisabled,
    MailingEnabled,
}

impl Notice {
    const ALL: [(Self, &'static str, &'static str); 20] = [
        (
            Self::RecipientCreated,
            "recipient_created",
            "Получатель добавлен.",
        ),
        (
            Self::RecipientSaved,
            "recipient_saved",
            "Изменения сохранены.",
        ),
        (
            Self::RecipientDeleted,
            "recipient_deleted",
            "Получатель удалён.",
        ),
        (
            Self::MessageCreated,
            "message_created",
            "Сообщение добавлено.",
        ),
        (Self::MessageSaved, "message_saved", "Изменения сохранены."),
        (
            Self::MessageDeleted,
            "message_deleted",
            "Сообщение удалено.",
        ),
        (Self::MailingCreated, "mailing_created", "Рассылка создана."),
        (Self::MailingSaved, "mailing_saved", "Изменения сохранены."),
        (
            Self::MailingDeleted,
            "mailing_deleted",
            "Рассылка удалена вместе с попытками.",
        ),
        (
            Self::Launched,
            "launched",
            "Рассылка запущена: письма отправляются.",
        ),
        (
            Self::Resumed,
            "resumed",
            "Продолжена незавершённая отправка.",
        ),
        (
            Self::RecipientsAdded,
            "recipients_added",
            "Получатели добавлены в рассылку.",
        ),
        (
            Self::RecipientsRemoved,
            "recipients_removed",
            "Получатели убраны из рассылки (сами получатели не удалены).",
        ),
        (Self::ListCreated, "list_created", "Список создан."),
        (Self::ListRenamed, "list_renamed", "Список переименован."),
        (
            Self::ListDeleted,
            "list_deleted",
            "Список удалён (получатели остались).",
        ),
        (
            Self::MembersAdded,
            "members_added",
            "Получатели добавлены в список.",
        ),
        (
            Self::MembersRemoved,
            "members_removed",
            "Получатели убраны из списка (сами получатели не удалены).",
        ),
        (
            Self::MailingDisabled,
            "mailing_disabled",
            "Рассылка отключена: она не отправится, пока её не включат.",
        ),
        (
            Self::MailingEnabled,
            "mailing_enabled",
            "Рассылка включена: её снова можно отправить.",
        ),
    ];

    pub fn code(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(n, ..)| *n == self)
            .map_or("", |(_, code, _)| code)
    }

    fn text(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(n, ..)| *n == self)
            .map_or("", |(.., text)| text)
    }

    /// The notice named in the query of `uri`, if it is one of ours.
    pub fn from_uri(uri: &Uri) -> Option<Self> {
        let code = query_param(uri, "notice")?;
        Self::ALL
            .iter()
            .find(|(_, c, _)| *c == code)
            .map(|(n, ..)| *n)
    }
}

/// One page being rendered.
#[derive(Debug)]
pub(crate) struct Page<'a> {
    title: &'a str,
    section: Section,
    session: Option<&'a Session>,
    status: StatusCode,
    notice: Option<Notice>,
    error: Option<String>,
    refresh: Option<u32>,
}

impl<'a> Page<'a> {
    pub fn new(title: &'a str, section: Section, session: Option<&'a Session>) -> Self {
        Self {
            title,
            section,
            session,
            status: StatusCode::OK,
            notice: None,
            error: None,
            refresh: None,
        }
    }

    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn notice(mut self, notice: Option<Notice>) -> Self {
        self.notice = notice;
        self
    }

    /// A banner saying what went wrong (a refused action).
    pub fn error(mut self, error: Option<String>) -> Self {
        self.error = error;
        self
    }

    /// Reloads the page every `seconds` (progress without JavaScript).
    pub fn refresh(mut self, seconds: Option<u32>) -> Self {
        self.refresh = seconds;
        self
    }

    pub fn render(self, content: Markup) -> Response {
        let mut nav = vec![
            (Section::Home, "/", "Главная"),
            (Section::Recipients, "/recipients", "Получатели"),
            (Section::Messages, "/messages", "Сообщения"),
            (Section::Mailings, "/mailings", "Рассылки"),
            (Section::Lists, "/lists", "Списки"),
        ];
        let actor = self.session.map(|session| &session.actor);
        if actor.is_some_and(|actor| actor.role().moderates()) {
            nav.push((Section::Users, "/users", "Пользователи"));
        }
        if actor.is_some_and(|actor| actor.user().is_some()) {
            nav.push((Section::Tokens, "/tokens", "Токены API"));
        }
        let markup = html! {
            (DOCTYPE)
            html lang="ru" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    @if let Some(seconds) = self.refresh {
                        meta http-equiv="refresh" content=(seconds);
                    }
                    title { (self.title) " — postpilot" }
                    link rel="stylesheet" href="/static/style.css";
                }
                body {
                    header.top {
                        a.brand href="/" { "✉ postpilot" }
                        @if let Some(session) = self.session {
                            nav {
                                @for (section, href, label) in nav {
                                    a href=(href) aria-current=[(section == self.section).then_some("page")] { (label) }
                                }
                            }
                            span.who {
                                @match &session.actor {
                                    Actor::System => "Токен сервера",
                                    Actor::User(user) => { (user.email) " · " (role_label(user.role)) },
                                }
                            }
                            form.logout method="post" action="/logout" {
                                (csrf_field(&session.csrf))
                                button.link type="submit" { "Выйти" }
                            }
                        }
                    }
                    main {
                        @if let Some(notice) = self.notice {
                            p.notice role="status" { (notice.text()) }
                        }
                        @if let Some(error) = &self.error {
                            p.alert role="alert" { (error) }
                        }
                        (content)
                    }
                }
            }
        };
        (self.status, Html(markup.into_string())).into_response()
    }
}

/// "Назад"/"Далее" links of a paged list at `base`.
fn pager(base: &str, number: u64, has_next: bool) -> Markup {
    html! {
        @if number > 1 || has_next {
            nav.pager aria-label="Страницы" {
                @if number > 1 {
                    a href={ (base) "?page=" (number - 1) } { "← Назад" }
                }
                span { "Страница " (number) }
                @if has_next {
                    a href={ (base) "?page=" (number + 1) } { "Далее →" }
                }
            }
        }
    }
}

/// A table that scrolls sideways on a narrow screen: a column a heading
/// of `columns`, a line a row of `rows` with the cells `row` makes.
pub(crate) fn table<T>(columns: &[&str], rows: &[T], row: impl Fn(&T) -> Markup) -> Markup {
    html! {
        div.table-wrap {
            table {
                thead { tr { @for c in columns { th { (c) } } } }
                tbody {
                    @for r in rows {
                        tr { (row(r)) }
                    }
                }
            }
        }
    }
}

/// Page `number` of a list at `base`, as a [`table`] and its pager; `empty`
/// is said instead when there is nothing at all. For short lists that need
/// no search nor order; long ones are `listing::Table`.
#[allow(dead_code)] // no such list at the moment
pub(crate) fn paged_table<T>(
    base: &str,
    number: u64,
    empty: &str,
    columns: &[&str],
    rows: &[T],
    row: impl Fn(&T) -> Markup,
) -> Markup {
    // A full page may have a next one; an empty page past the first keeps
    // its pager to go back.
    let has_next = rows.len() as u64 == PER_PAGE;
    html! {
        @if rows.is_empty() && number == 1 {
            p.empty { (empty) }
        } @else {
            (table(columns, rows, row))
            (pager(base, number, has_next))
        }
    }
}

/// `GET /static/style.css`.
pub(crate) async fn stylesheet() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/css; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        include_str!("../../static/style.css"),
    )
        .into_response()
}
