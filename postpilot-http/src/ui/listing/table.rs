//! A listed table on a page: the search form, the total, the rows, the
//! column headings that sort and the numbered pages.

use maud::{html, Markup};
use postpilot_core::{Direction, Search};

use super::{pages, Column, Query, Shown};
use crate::ui::format::number;

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
