//! Long lists on a page, at any size and without JavaScript: a search box,
//! column headings that sort (one way, then the other), the total, and
//! numbered pages with the first and the last. What is asked (`q`, `sort`,
//! `dir`, `page` and a list's own filters) lives in the URL, so every link
//! keeps the rest of it. Bad values are never an error page: an unknown
//! order is the default one, a page that is no number the first, a page
//! past the end the last (said so).

use std::future::Future;

use axum::http::Uri;
use maud::{html, Markup};
use postpilot_core::{Direction, Listed, Listing, Page as Slice, Search, Sort};

use super::form::problem_text;
use super::format::number;
use super::{query_param, PER_PAGE};

/// A heading of a listed table; `sort` is its code in `?sort=` when the
/// list can be ordered by it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub label: &'static str,
    pub sort: Option<&'static str>,
}

impl Column {
    pub const fn plain(label: &'static str) -> Self {
        Self { label, sort: None }
    }

    pub const fn sorted(label: &'static str, code: &'static str) -> Self {
        Self {
            label,
            sort: Some(code),
        }
    }
}

/// The orders a list offers: each code in `?sort=` with its column; the
/// first is the default, taken `default_direction`.
#[derive(Debug)]
pub(crate) struct Orders<C: 'static> {
    pub codes: &'static [(&'static str, C)],
    pub default_direction: Direction,
}

/// What the URL of a list page asks for, as typed.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    /// The search box.
    pub q: String,
    /// The order's code, one of the list's (else the default's).
    pub sort: &'static str,
    pub direction: Direction,
    /// The page asked for, from 1.
    pub page: u64,
    /// The list's own filters (name, value), kept in every link.
    pub filters: Vec<(&'static str, String)>,
}

impl Query {
    /// Reads `uri` for a list with `orders` and the filters named `filters`.
    pub fn from_uri<C: Copy>(uri: &Uri, orders: &Orders<C>, filters: &[&'static str]) -> Self {
        let (default_code, _) = orders.codes[0];
        let asked = query_param(uri, "sort").unwrap_or_default();
        let sort = orders
            .codes
            .iter()
            .find(|(code, _)| *code == asked)
            .map_or(default_code, |(code, _)| *code);
        let direction = match query_param(uri, "dir").as_deref() {
            Some("asc") => Direction::Ascending,
            Some("desc") => Direction::Descending,
            _ if sort == default_code => orders.default_direction,
            _ => Direction::Ascending,
        };
        let page = query_param(uri, "page")
            .and_then(|p| p.trim().parse::<u64>().ok())
            .unwrap_or(1)
            .max(1);
        Self {
            q: query_param(uri, "q").unwrap_or_default(),
            sort,
            direction,
            page,
            filters: filters
                .iter()
                .filter_map(|name| query_param(uri, name).map(|v| (*name, v)))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
        }
    }

    /// The order asked, as the store takes it.
    pub fn sort<C: Copy>(&self, orders: &Orders<C>) -> Sort<C> {
        let column = orders
            .codes
            .iter()
            .find(|(code, _)| *code == self.sort)
            .map_or(orders.codes[0].1, |(_, c)| *c);
        Sort {
            column,
            direction: self.direction,
        }
    }

    /// The search asked, and what is wrong with it (said beside the box;
    /// the list is then shown unsearched).
    pub fn search(&self) -> (Option<Search>, Option<String>) {
        match Search::optional(Some(&self.q)) {
            Ok(search) => (search, None),
            Err(e) => (None, Some(format!("Поиск: {}", problem_text(&e.problem)))),
        }
    }

    /// What the store is asked for page `page`.
    pub fn listing<C: Copy>(
        &self,
        orders: &Orders<C>,
        search: Option<&Search>,
        page: Slice,
    ) -> Listing<C> {
        Listing {
            search: search.cloned(),
            sort: self.sort(orders),
            page,
        }
    }

    /// The value of the filter `name`, if given.
    pub fn filter(&self, name: &str) -> Option<&str> {
        self.filters
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The URL of `base` asking this, with `page` and the order changed.
    fn url(&self, base: &str, sort: &str, direction: Direction, page: u64) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            query.append_pair("q", &self.q);
        }
        for (name, value) in &self.filters {
            query.append_pair(name, value);
        }
        query.append_pair("sort", sort);
        query.append_pair(
            "dir",
            match direction {
                Direction::Ascending => "asc",
                Direction::Descending => "desc",
            },
        );
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        format!("{base}?{}", query.finish())
    }
}

/// Pages needed for `total` rows (at least one).
pub(crate) fn pages(total: u64) -> u64 {
    total.div_ceil(PER_PAGE).max(1)
}

/// The rows of page `number`.
fn slice(number: u64) -> Slice {
    Slice::new(number.saturating_sub(1).saturating_mul(PER_PAGE), PER_PAGE)
}

/// A page of a list as shown: the page asked for, or the last one when
/// that is past the end (`past_end` then says which was asked).
#[derive(Debug)]
pub(crate) struct Shown<T> {
    pub listed: Listed<T>,
    pub number: u64,
    pub past_end: Option<u64>,
}

/// Reads page `asked` with `fetch`, or the last page when `asked` is past it.
///
/// # Errors
/// Those of `fetch`.
pub(crate) async fn fetch_page<T, E, F, Fut>(asked: u64, fetch: F) -> Result<Shown<T>, E>
where
    F: Fn(Slice) -> Fut,
    Fut: Future<Output = Result<Listed<T>, E>>,
{
    let listed = fetch(slice(asked)).await?;
    let last = pages(listed.total);
    if asked <= last || listed.total == 0 {
        return Ok(Shown {
            listed,
            number: asked.min(last),
            past_end: None,
        });
    }
    Ok(Shown {
        listed: fetch(slice(last)).await?,
        number: last,
        past_end: Some(asked),
    })
}

/// A list page as its URL asks: the query, why its search is refused (if
/// it is), and the page shown.
#[derive(Debug)]
pub(crate) struct Asked<T> {
    pub query: Query,
    pub search_error: Option<String>,
    pub shown: Shown<T>,
}

/// Reads the page of a list with `orders` (and no filters of its own)
/// that `uri` asks for, with `find` asking the store.
///
/// # Errors
/// Those of `find`.
pub(crate) async fn read<C, T, E, F, Fut>(
    uri: &Uri,
    orders: &Orders<C>,
    find: F,
) -> Result<Asked<T>, E>
where
    C: Copy,
    F: Fn(Listing<C>) -> Fut,
    Fut: Future<Output = Result<Listed<T>, E>>,
{
    let query = Query::from_uri(uri, orders, &[]);
    let (search, search_error) = query.search();
    let shown = fetch_page(query.page, |page| {
        find(query.listing(orders, search.as_ref(), page))
    })
    .await?;
    Ok(Asked {
        query,
        search_error,
        shown,
    })
}

/// Everything a listed table shows beside its rows.
#[derive(Debug)]
pub(crate) struct Table<'a> {
    /// The list's path (also the search form's action); `anchor` is added
    /// to every link so that a long page comes back to the list.
    pub base: &'a str,
    pub anchor: &'a str,
    pub query: &'a Query,
    pub columns: &'a [Column],
    /// Said instead of the table when there is nothing at all.
    pub empty: &'a str,
    /// The search box's label.
    pub search_label: &'a str,
    /// Why the search is refused, if it is.
    pub search_error: Option<&'a str>,
    /// More fields of the search form (a list's own filters).
    pub filters: Markup,
}

impl Table<'_> {
    /// The search form, the total, the table of `shown` with `row` making
    /// each line's cells, and the pages.
    pub fn render<T>(&self, shown: &Shown<T>, row: impl Fn(&T) -> Markup) -> Markup {
        let q = self.query;
        let searching = !q.q.trim().is_empty() || !q.filters.is_empty();
        let total = shown.listed.total;
        html! {
            (self.search_form())
            @if let Some(asked) = shown.past_end {
                p.hint role="status" {
                    "Страницы " (number(asked)) " нет: всего страниц " (number(pages(total)))
                    ". Показана последняя."
                }
            }
            @if total == 0 {
                p.empty {
                    @if searching { "Ничего не найдено." } @else { (self.empty) }
                }
            } @else {
                p.total {
                    @if searching { "Найдено: " } @else { "Всего: " }
                    strong { (number(total)) }
                }
                div.table-wrap {
                    table {
                        thead { tr { @for c in self.columns { (self.heading(c)) } } }
                        tbody {
                            @for r in &shown.listed.items {
                                tr { (row(r)) }
                            }
                        }
                    }
                }
                (self.pager(shown.number, pages(total)))
            }
        }
    }

    fn link(&self, sort: &str, direction: Direction, page: u64) -> String {
        format!(
            "{}{}",
            self.query.url(self.base, sort, direction, page),
            self.anchor
        )
    }

    /// A heading; one the list sorts by is a link to sort by it (or, when
    /// it already does, the other way), marked with the way it sorts.
    fn heading(&self, column: &Column) -> Markup {
        let Some(code) = column.sort else {
            return html! { th scope="col" { (column.label) } };
        };
        let current = self.query.sort == code;
        let (aria, mark, next) = match (current, self.query.direction) {
            (true, Direction::Ascending) => (Some("ascending"), " ▲", Direction::Descending),
            (true, Direction::Descending) => (Some("descending"), " ▼", Direction::Ascending),
            (false, _) => (None, "", Direction::Ascending),
        };
        html! {
            th scope="col" aria-sort=[aria] {
                a.sort href=(self.link(code, next, 1)) { (column.label) (mark) }
            }
        }
    }

    fn search_form(&self) -> Markup {
        let id = format!("{}-q", self.anchor.trim_start_matches('#'));
        let id = if id == "-q" { "q".to_owned() } else { id };
        html! {
            form.search method="get" action={ (self.base) (self.anchor) } {
                div.field.invalid[self.search_error.is_some()] {
                    label for=(id) { (self.search_label) }
                    input id=(id) type="search" name="q" value=(self.query.q)
                        maxlength=(Search::MAX_CHARS)
                        aria-invalid=[self.search_error.map(|_| "true")]
                        aria-describedby=[self.search_error.map(|_| format!("{id}-error"))];
                    @if let Some(error) = self.search_error {
                        p.field-error id={ (id) "-error" } { (error) }
                    }
                }
                (self.filters)
                input type="hidden" name="sort" value=(self.query.sort);
                input type="hidden" name="dir" value=(match self.query.direction {
                    Direction::Ascending => "asc",
                    Direction::Descending => "desc",
                });
                button type="submit" { "Найти" }
            }
        }
    }

    /// « 1 … 4 5 [6] 7 8 … 402 »: the first, the last, two on each side of
    /// the current one, and the gaps between.
    fn pager(&self, current: u64, last: u64) -> Markup {
        let q = self.query;
        let near = current.saturating_sub(2).max(1)..=(current + 2).min(last);
        let link = |n: u64| self.link(q.sort, q.direction, n);
        html! {
            @if last > 1 {
                nav.pager aria-label="Страницы" {
                    @if current > 1 {
                        a href=(link(current - 1)) rel="prev" aria-label="Предыдущая страница" { "«" }
                    }
                    @if *near.start() > 1 {
                        a href=(link(1)) { "1" }
                        @if *near.start() > 2 { span.gap { "…" } }
                    }
                    @for n in near.clone() {
                        @if n == current {
                            strong aria-current="page" { (number(n)) }
                        } @else {
                            a href=(link(n)) { (number(n)) }
                        }
                    }
                    @if *near.end() < last {
                        @if *near.end() + 1 < last { span.gap { "…" } }
                        a href=(link(last)) { (number(last)) }
                    }
                    @if current < last {
                        a href=(link(current + 1)) rel="next" aria-label="Следующая страница" { "»" }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Col {
        Id,
        Name,
    }

    const ORDERS: Orders<Col> = Orders {
        codes: &[("id", Col::Id), ("name", Col::Name)],
        default_direction: Direction::Descending,
    };

    fn query(path: &str) -> Query {
        Query::from_uri(&path.parse::<Uri>().expect("uri"), &ORDERS, &["status"])
    }

    #[test]
    fn unknown_orders_and_pages_that_are_no_numbers_fall_back_to_the_defaults() {
        let q = query("/x?sort=nope&dir=up&page=abc");
        assert_eq!(q.sort(&ORDERS).column, Col::Id);
        assert_eq!(q.direction, Direction::Descending);
        assert_eq!(q.page, 1);
        assert_eq!(query("/x?page=0").page, 1);
        assert_eq!(query("/x?sort=name").direction, Direction::Ascending);
    }

    #[test]
    fn links_keep_the_search_the_filters_and_the_order() {
        let q = query("/x?q=%D0%98%D0%B2&status=failure&sort=name&dir=desc&page=3");
        assert_eq!(
            q.url("/x", q.sort, q.direction, 4),
            "/x?q=%D0%98%D0%B2&status=failure&sort=name&dir=desc&page=4"
        );
        assert_eq!(q.filter("status"), Some("failure"));
    }

    #[tokio::test]
    async fn a_page_past_the_end_shows_the_last_one_and_says_which_was_asked() {
        let fetch = |slice: Slice| async move {
            let items: Vec<u64> = (slice.offset..120).take(slice.limit as usize).collect();
            Ok::<_, ()>(Listed { items, total: 120 })
        };
        let shown = fetch_page(402, fetch).await.expect("shown");
        assert_eq!((shown.number, shown.past_end), (3, Some(402)));
        assert_eq!(shown.listed.items.first(), Some(&100));
        let shown = fetch_page(u64::MAX, fetch).await.expect("shown");
        assert_eq!(shown.number, 3);
        let shown = fetch_page(2, fetch).await.expect("shown");
        assert_eq!((shown.number, shown.past_end), (2, None));
    }
}
