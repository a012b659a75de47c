//! Long lists on a page, at any size and without JavaScript: a search box,
//! column headings that sort (one way, then the other), the total, and
//! numbered pages with the first and the last. What is asked (`q`, `sort`,
//! `dir`, `page` and a list's own filters) lives in the URL, so every link
//! keeps the rest of it. Bad values are never an error page: an unknown
//! order is the default one, a page that is no number the first, a page
//! past the end the last (said so).

mod table;
#[cfg(test)]
mod tests;

pub(crate) use table::Table;

use std::future::Future;

use axum::http::Uri;
use postpilot_core::{Direction, Listed, Listing, Page as Slice, Search, Sort};

use super::form::problem_text;
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
