//! How a long list is asked for (a search, an order, a page) and what comes
//! back (the page and how many there are in all): recipients, messages,
//! mailings and a mailing's attempts at any size.

use super::{AttemptId, AttemptStatus, Page, Search};

/// Up or down.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Direction {
    #[default]
    Ascending,
    Descending,
}

/// Ordered by `column`, one way; ties are broken by id the same way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sort<C> {
    pub column: C,
    pub direction: Direction,
}

/// What recipients can be ordered by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RecipientOrder {
    #[default]
    Id,
    FullName,
    Email,
}

/// What messages can be ordered by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MessageOrder {
    #[default]
    Id,
    Subject,
    CreatedAt,
}

/// What mailings can be ordered by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MailingOrder {
    #[default]
    Id,
    /// The subject of the mailing's message.
    Subject,
    FirstSentAt,
    SentCompletedAt,
    RecipientCount,
}

/// One page of a list, searched and ordered. What `search` looks in is the
/// list's own: recipients their email and full name, messages their
/// subject, mailings their message's subject (or their number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing<C> {
    pub search: Option<Search>,
    pub sort: Sort<C>,
    pub page: Page,
}

/// A page of a list and how many the whole list (searched) holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// Which of a mailing's attempts: of one status, to emails a search finds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptFilter {
    pub status: Option<AttemptStatus>,
    /// A case-insensitive substring of the email.
    pub email: Option<Search>,
}

/// A page of a mailing's attempts: newest first unless `oldest_first`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptListing {
    pub filter: AttemptFilter,
    pub oldest_first: bool,
    pub page: Page,
}

/// Where a walk through a mailing's attempts, newest first, goes on: after
/// (older than) `before`, `limit` at a time. For exports that must not hold
/// a million rows at once, nor pay for ever larger offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptCursor {
    pub before: Option<AttemptId>,
    pub limit: u64,
}
