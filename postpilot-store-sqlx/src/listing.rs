//! Lists at any size, the same on every backend: a page of recipients,
//! messages, mailings or a mailing's attempts, searched and ordered, and
//! how many there are in all, both read in the one snapshot the backend's
//! connection holds. Every order a page offers is served by an index
//! (migration `20260610000000_listing`), ties broken by id.

use postpilot_core::domain::{
    AttemptCursor, AttemptFilter, AttemptListing, AttemptStatus, Direction, Listed, Listing,
    Mailing, MailingOrder, Message, MessageOrder, Page, Recipient, RecipientOrder, Search,
    SendAttempt,
};
use postpilot_core::ports::StoreError;

use crate::dialect::{Dialect, Shared};
use crate::errors::backend;
use crate::rows::{self, AttemptRow, MailingRow, MessageRow, RecipientRow};

/// A parameter of a listing's statement, bound in order from `$1`.
#[derive(Debug, Clone)]
enum Param {
    Int(i64),
    Text(String),
}

/// A statement's `FROM … WHERE …` and its parameters, growing as filters
/// are added.
#[derive(Debug, Default)]
struct Filtered {
    from: String,
    params: Vec<Param>,
}

impl Filtered {
    fn new(from: &str) -> Self {
        Self {
            from: format!("{from} WHERE true"),
            params: Vec::new(),
        }
    }

    /// The next parameter's placeholder.
    fn next(&self) -> String {
        format!("${}", self.params.len() + 1)
    }

    /// Adds `AND clause`, where `clause` makes from the placeholder of
    /// `param` its condition.
    fn and(mut self, param: Param, clause: impl FnOnce(&str) -> String) -> Self {
        let at = self.next();
        self.from = format!("{} AND {}", self.from, clause(&at));
        self.params.push(param);
        self
    }
}

/// Binds `params` to a query of any kind (`query`, `query_as`, `query_scalar`).
macro_rules! bind_all {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                Param::Int(n) => query.bind(*n),
                Param::Text(t) => query.bind(t.clone()),
            };
        }
        query
    }};
}

fn way(direction: Direction) -> &'static str {
    match direction {
        Direction::Ascending => "ASC",
        Direction::Descending => "DESC",
    }
}

/// `ORDER BY` text: `column` one way, then id (`id`) the same way.
fn order_by(column: Option<&str>, id: &str, direction: Direction) -> String {
    let way = way(direction);
    match column {
        Some(column) => format!("ORDER BY {column} {way}, {id} {way}"),
        None => format!("ORDER BY {id} {way}"),
    }
}

/// A mailing and its message's subject.
#[derive(sqlx::FromRow)]
pub(crate) struct MailingSubjectRow<T> {
    #[sqlx(flatten)]
    mailing: MailingRow<T>,
    subject: String,
}

impl<T: rows::StoredTime> TryFrom<MailingSubjectRow<T>> for (Mailing, String) {
    type Error = StoreError;
    fn try_from(row: MailingSubjectRow<T>) -> Result<Self, StoreError> {
        Ok((Mailing::try_from(row.mailing)?, row.subject))
    }
}

/// A mailing number in a search (`12`, `№12`), to find that mailing too.
fn mailing_number(search: &Search) -> Option<i64> {
    search
        .as_str()
        .trim_start_matches('№')
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
}

const ATTEMPT_COLUMNS: &str =
    "SELECT a.id, a.mailing_id, a.run_id, a.recipient_id, a.email, a.attempt_at, a.status, \
     a.response";

/// The mailing's attempts the filter takes: `FROM … WHERE …` over
/// `send_attempt AS a`. Emails are ASCII (the domain admits no other), so
/// `lower` folds them exactly.
fn attempts(mailing: i64, filter: &AttemptFilter) -> Filtered {
    let mut from = Filtered::new("FROM send_attempt AS a")
        .and(Param::Int(mailing), |p| format!("a.mailing_id = {p}"));
    if let Some(status) = filter.status {
        from = from.and(Param::Text(status.code().to_owned()), |p| {
            format!("a.status = {p}")
        });
    }
    if let Some(email) = &filter.email {
        from = from.and(Param::Text(email.like_pattern()), |p| {
            format!("lower(a.email) LIKE {p} ESCAPE '\\'")
        });
    }
    from
}

impl<DB> Shared<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
    String: for<'q> sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    RecipientRow: for<'r> sqlx::FromRow<'r, DB::Row>,
    MessageRow<DB::Time>: for<'r> sqlx::FromRow<'r, DB::Row>,
    MailingSubjectRow<DB::Time>: for<'r> sqlx::FromRow<'r, DB::Row>,
    AttemptRow<DB::Time>: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    /// The rows `select` reads `from`, in `order`, decoded: at most `limit`
    /// from `offset` on.
    async fn rows<R, D>(
        conn: &mut DB::Connection,
        select: &str,
        from: &Filtered,
        order: &str,
        page: Page,
        doing: &str,
    ) -> Result<Vec<D>, StoreError>
    where
        R: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin,
        D: TryFrom<R, Error = StoreError>,
    {
        let (limit, offset) = rows::page(page);
        let n = from.params.len();
        let sql = format!(
            "{select} {} {order} LIMIT ${} OFFSET ${}",
            from.from,
            n + 1,
            n + 2
        );
        bind_all!(sqlx::query_as::<DB, R>(&sql), &from.params)
            .bind(limit)
            .bind(offset)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend(doing.to_owned()))?
            .into_iter()
            .map(D::try_from)
            .collect()
    }

    /// The one number `sql` (with `from`'s parameters) reads.
    async fn number(
        conn: &mut DB::Connection,
        sql: &str,
        from: &Filtered,
        doing: &str,
    ) -> Result<u64, StoreError> {
        let n: i64 = bind_all!(sqlx::query_scalar::<DB, i64>(sql), &from.params)
            .fetch_one(&mut *conn)
            .await
            .map_err(backend(doing.to_owned()))?;
        rows::count("count", n)
    }

    /// A page of what `select` reads `from`, in `order`, and how many
    /// rows `from` holds.
    async fn listed<R, D>(
        conn: &mut DB::Connection,
        select: &str,
        from: Filtered,
        order: &str,
        page: Page,
        doing: &str,
    ) -> Result<Listed<D>, StoreError>
    where
        R: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin,
        D: TryFrom<R, Error = StoreError>,
    {
        let total = Self::number(
            conn,
            &format!("SELECT count(*) {}", from.from),
            &from,
            doing,
        )
        .await?;
        let items = Self::rows::<R, D>(conn, select, &from, order, page, doing).await?;
        Ok(Listed { items, total })
    }

    /// Recipients the search finds in their search key, in the listing's order.
    pub(crate) async fn find_recipients(
        conn: &mut DB::Connection,
        listing: &Listing<RecipientOrder>,
    ) -> Result<Listed<Recipient>, StoreError> {
        let mut from = Filtered::new("FROM recipient AS r");
        if let Some(search) = &listing.search {
            from = from.and(Param::Text(DB::search_param(search)), |p| {
                DB::matching(p, search)
            });
        }
        let order = match listing.sort.column {
            RecipientOrder::Id => order_by(None, "r.id", listing.sort.direction),
            RecipientOrder::FullName => {
                order_by(Some("r.full_name"), "r.id", listing.sort.direction)
            }
            // Emails are unique: no tie to break.
            RecipientOrder::Email => {
                format!(
                    "ORDER BY {} {}",
                    DB::EMAIL_ORDER,
                    way(listing.sort.direction)
                )
            }
        };
        Self::listed::<RecipientRow, Recipient>(
            conn,
            "SELECT r.id, r.email, r.full_name, r.comment",
            from,
            &order,
            listing.page,
            "listing recipients",
        )
        .await
    }

    /// Messages whose subject the search finds, in the listing's order.
    pub(crate) async fn find_messages(
        conn: &mut DB::Connection,
        listing: &Listing<MessageOrder>,
    ) -> Result<Listed<Message>, StoreError> {
        let mut from = Filtered::new("FROM message AS g");
        if let Some(search) = &listing.search {
            from = from.and(Param::Text(search.like_pattern()), |p| {
                format!("{} LIKE {p} ESCAPE '\\'", DB::fold("g.subject"))
            });
        }
        let column = match listing.sort.column {
            MessageOrder::Id => None,
            MessageOrder::Subject => Some("g.subject"),
            MessageOrder::CreatedAt => Some("g.created_at"),
        };
        Self::listed::<MessageRow<DB::Time>, Message>(
            conn,
            "SELECT g.id, g.subject, g.body_text, g.body_html, g.created_at",
            from,
            &order_by(column, "g.id", listing.sort.direction),
            listing.page,
            "listing messages",
        )
        .await
    }

    /// Mailings whose message's subject the search finds (or whose number
    /// it is), in the listing's order, each with that subject.
    pub(crate) async fn find_mailings(
        conn: &mut DB::Connection,
        listing: &Listing<MailingOrder>,
    ) -> Result<Listed<(Mailing, String)>, StoreError> {
        let mut from = Filtered::new("FROM mailing AS m JOIN message AS g ON g.id = m.message_id");
        if let Some(search) = &listing.search {
            let subject = format!("{} LIKE $1 ESCAPE '\\'", DB::fold("g.subject"));
            from = Filtered {
                from: format!("{} AND ({subject} OR m.id = $2)", from.from),
                params: vec![
                    Param::Text(search.like_pattern()),
                    Param::Int(mailing_number(search).unwrap_or(0)),
                ],
            };
        }
        let column = match listing.sort.column {
            MailingOrder::Id => None,
            MailingOrder::Subject => Some("g.subject"),
            MailingOrder::FirstSentAt => Some("m.first_sent_at"),
            MailingOrder::SentCompletedAt => Some("m.sent_completed_at"),
            MailingOrder::RecipientCount => Some("m.recipient_count"),
        };
        Self::listed::<MailingSubjectRow<DB::Time>, (Mailing, String)>(
            conn,
            "SELECT m.id, m.first_sent_at, m.sent_completed_at, m.message_id, \
             m.recipient_count, m.launched_at, g.subject",
            from,
            &order_by(column, "m.id", listing.sort.direction),
            listing.page,
            "listing mailings",
        )
        .await
    }

    /// The mailing's attempts the filter takes, by id one way or the other.
    /// Without an email search the total comes from the runs' counters
    /// (kept with every attempt recorded), not from counting a million rows.
    pub(crate) async fn find_attempts(
        conn: &mut DB::Connection,
        mailing: i64,
        listing: &AttemptListing,
    ) -> Result<Listed<SendAttempt>, StoreError> {
        let doing = format!("listing the attempts of mailing {mailing}");
        let from = attempts(mailing, &listing.filter);
        let total = if listing.filter.email.is_some() {
            Self::number(
                conn,
                &format!("SELECT count(*) {}", from.from),
                &from,
                &doing,
            )
            .await?
        } else {
            let counted = match listing.filter.status {
                None => "attempts_success + attempts_failure",
                Some(AttemptStatus::Success) => "attempts_success",
                Some(AttemptStatus::Failure) => "attempts_failure",
            };
            Self::number(
                conn,
                &format!(
                    "SELECT CAST(coalesce(sum({counted}), 0) AS BIGINT) FROM send_run \
                     WHERE mailing_id = $1"
                ),
                &Filtered {
                    from: String::new(),
                    params: vec![Param::Int(mailing)],
                },
                &doing,
            )
            .await?
        };
        let direction = if listing.oldest_first {
            Direction::Ascending
        } else {
            Direction::Descending
        };
        let items = Self::rows::<AttemptRow<DB::Time>, SendAttempt>(
            conn,
            ATTEMPT_COLUMNS,
            &from,
            &order_by(None, "a.id", direction),
            listing.page,
            &doing,
        )
        .await?;
        Ok(Listed { items, total })
    }

    /// The mailing's attempts the filter takes older than the cursor's,
    /// newest first, at most its limit.
    pub(crate) async fn attempts_before(
        conn: &mut DB::Connection,
        mailing: i64,
        filter: &AttemptFilter,
        cursor: AttemptCursor,
    ) -> Result<Vec<SendAttempt>, StoreError> {
        let mut from = attempts(mailing, filter);
        if let Some(before) = cursor.before {
            from = from.and(Param::Int(before.get()), |p| format!("a.id < {p}"));
        }
        Self::rows::<AttemptRow<DB::Time>, SendAttempt>(
            conn,
            ATTEMPT_COLUMNS,
            &from,
            &order_by(None, "a.id", Direction::Descending),
            Page::new(0, cursor.limit),
            &format!("exporting the attempts of mailing {mailing}"),
        )
        .await
    }
}
