//! The forms that add members: a search among all recipients, what it
//! found, and "all" buttons.

use maud::{html, Markup};
use postpilot_core::{RecipientPage, Search};

use super::count;
use super::searches::{search_form, Searches};
use crate::ui::form::{csrf_field, Errors};
use crate::ui::layout::table;

/// The start of adding members on the page at `page`: a search among all
/// recipients and what it found, each to add or all at once (posted to
/// `{actions}/add`).
pub(crate) fn find_to_add(
    csrf: &str,
    page: &str,
    actions: &str,
    searches: &Searches,
    errors: &Errors,
    find: Option<&Search>,
    found: Option<&RecipientPage>,
) -> Markup {
    html! {
        h2 { "Добавить получателей" }
        (search_form(page, "find", "Найти среди всех получателей (адрес или Ф. И. О.)", searches, errors))
        @if let (Some(find), Some(found)) = (find, found) {
            (found_list(csrf, &format!("{actions}/add"), searches, find, found))
        }
    }
}

/// A one-button form changing many at once: those `search` finds, or all.
pub(crate) fn bulk(
    csrf: &str,
    action: &str,
    searches: &Searches,
    search: Option<&Search>,
    label: &str,
    danger: bool,
) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(csrf))
            (searches.hidden())
            @match search {
                Some(search) => input type="hidden" name="search" value=(search.as_str());,
                None => input type="hidden" name="all" value="1";,
            }
            button.danger[danger].secondary[!danger] type="submit" { (label) }
        }
    }
}

/// What a search for recipients to add found: the first few, each with
/// "Добавить", and "all found".
pub(crate) fn found_list(
    csrf: &str,
    action: &str,
    searches: &Searches,
    find: &Search,
    found: &RecipientPage,
) -> Markup {
    html! {
        @if found.items.is_empty() {
            p.empty { "Никто не найден." }
        } @else {
            p {
                "Найдено: " (count(found.total))
                @if found.total > found.items.len() as u64 {
                    " (показаны первые " (found.items.len()) "; уточните поиск или добавьте всех найденных)"
                }
            }
            (table(&["№", "Получатель", ""], &found.items, |r| html! {
                td data-label="№" { (r.id) }
                td data-label="Получатель" { (r.full_name) " " span.muted { "<" (r.email) ">" } }
                td {
                    form.inline method="post" action=(action) {
                        (csrf_field(csrf))
                        (searches.hidden())
                        input type="hidden" name="recipient_ids" value=(r.id);
                        button.link type="submit" { "Добавить" }
                    }
                }
            }))
            div.actions {
                (bulk(csrf, action, searches, Some(find), &format!("Добавить всех найденных ({})", count(found.total)), false))
            }
        }
    }
}
