//! The members of a mailing or a list on a page, at any size: a search
//! among them, a page of them with "Убрать" each, removes and adds in bulk
//! (everyone a search finds, everyone, the members of a list). The
//! mailing's recipients page (`mailing_recipients.rs`) and a list's page
//! (`lists.rs`) both show them; without JavaScript, every button a form.

mod adding;
mod change;
mod searches;

pub(crate) use adding::{bulk, find_to_add};
pub(crate) use change::{refusal, selection, Change};
pub(crate) use searches::Searches;

use maud::{html, Markup};
use postpilot_core::{Recipient, RecipientPage, Search};

use super::form::{csrf_field, Errors};
use super::layout::table;
use super::PER_PAGE;
use searches::search_form;

/// `n` with its thousands apart: «20 002».
pub(crate) fn count(n: u64) -> String {
    super::format::number(n)
}

/// How a page of members names them.
pub(crate) struct Wording {
    pub heading: &'static str,
    pub search_label: &'static str,
    pub none_yet: &'static str,
    pub remove_all: &'static str,
}

/// The members of a mailing or a list on the page at `page`: a search
/// among them, page `number` of those it finds with "Убрать" each, and
/// removes in bulk (posted to `{actions}/remove`); `in_all` is how many
/// there are without a search.
#[allow(clippy::too_many_arguments)] // one page's state, each used once
pub(crate) fn members_section(
    csrf: &str,
    page: &str,
    actions: &str,
    searches: &Searches,
    errors: &Errors,
    q: Option<&Search>,
    members: &RecipientPage,
    number: u64,
    in_all: u64,
    words: &Wording,
) -> Markup {
    let remove = format!("{actions}/remove");
    let pages = members.total.div_ceil(PER_PAGE).max(1);
    html! {
        section #members {
            h2 { (words.heading) }
            (search_form(page, "q", words.search_label, searches, errors))
            @if members.items.is_empty() {
                p.empty {
                    @if q.is_some() { "Никто не найден." } @else { (words.none_yet) }
                }
            } @else {
                @if q.is_some() {
                    p { "Найдено: " (count(members.total)) }
                }
                (members_table(csrf, &remove, searches, &members.items))
                (pager(page, searches, number, pages))
            }
            div.actions {
                @if let Some(q) = q {
                    @if members.total > 0 {
                        (bulk(csrf, &remove, searches, Some(q), &format!("Убрать всех найденных ({})", count(members.total)), true))
                    }
                }
                @if in_all > 0 {
                    (bulk(csrf, &remove, searches, None, words.remove_all, true))
                }
            }
        }
    }
}

/// Members, each with "Убрать" posting to `remove`.
pub(crate) fn members_table(
    csrf: &str,
    remove: &str,
    searches: &Searches,
    members: &[Recipient],
) -> Markup {
    table(&["№", "Получатель", ""], members, |r| {
        html! {
            td data-label="№" { (r.id) }
            td data-label="Получатель" { (r.full_name) " " span.muted { "<" (r.email) ">" } }
            td {
                form.inline method="post" action=(remove) {
                    (csrf_field(csrf))
                    (searches.hidden())
                    input type="hidden" name="recipient_ids" value=(r.id);
                    button.link type="submit" { "Убрать" }
                }
            }
        }
    })
}

/// "Назад"/"Далее" keeping the searches, and where we are.
pub(crate) fn pager(base: &str, searches: &Searches, number: u64, pages: u64) -> Markup {
    let link = |n: u64| {
        let base = searches.url(base, None);
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}page={n}")
    };
    html! {
        @if pages > 1 {
            nav.pager aria-label="Страницы" {
                @if number > 1 { a href=(link(1)) { "« Первая" } a href=(link(number - 1)) { "← Назад" } }
                span { "Страница " (count(number)) " из " (count(pages)) }
                @if number < pages { a href=(link(number + 1)) { "Далее →" } a href=(link(pages)) { "Последняя »" } }
            }
        }
    }
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn counts_have_their_thousands_apart() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1\u{a0}000");
        assert_eq!(count(20_002), "20\u{a0}002");
        assert_eq!(count(1_234_567), "1\u{a0}234\u{a0}567");
    }
}
