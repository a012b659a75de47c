//! The list and confirm-delete pages that recipients, messages and mailings
//! share; each module keeps only its cells and wording.

use std::fmt::Display;

use axum::http::{StatusCode, Uri};
use axum::response::Response;
use maud::{html, Markup};

use super::form::csrf_field;
use super::layout::{Notice, Page, Section};
use super::listing::{Asked, Column, Table};
use crate::auth::Session;

/// One kind of record, listed at `base`.
#[derive(Debug)]
pub(crate) struct Resource {
    /// The list's path; `{base}/new` adds one, `{base}/{id}/delete` deletes.
    pub base: &'static str,
    pub title: &'static str,
    pub section: Section,
    /// The label of the button to `{base}/new`.
    pub new_label: &'static str,
    /// Said instead of the table when there is nothing at all.
    pub empty: &'static str,
    /// The headings of the list's columns.
    pub columns: &'static [&'static str],
    /// More links beside the button, as `(href, label)`.
    pub links: &'static [(&'static str, &'static str)],
}

impl Resource {
    /// The list at any size: the page `asked` under a search box (labelled
    /// `search_label`; a refused search is a 400), its columns (those named
    /// in `sorts` sort by their code), the total and numbered pages, with
    /// the notice named in `uri`.
    pub fn listed_page<T>(
        &self,
        session: &Session,
        uri: &Uri,
        asked: &Asked<T>,
        sorts: &[(&'static str, &'static str)],
        search_label: &str,
        row: impl Fn(&T) -> Markup,
    ) -> Response {
        let search_error = asked.search_error.as_deref();
        let columns: Vec<Column> = self
            .columns
            .iter()
            .map(|label| match sorts.iter().find(|(l, _)| l == label) {
                Some((_, code)) => Column::sorted(label, code),
                None => Column::plain(label),
            })
            .collect();
        let table = Table {
            base: self.base,
            anchor: "",
            query: &asked.query,
            columns: &columns,
            empty: self.empty,
            search_label,
            search_error,
            filters: html! {},
        };
        let status = if search_error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        Page::new(self.title, self.section, Some(session))
            .status(status)
            .notice(Notice::from_uri(uri))
            .render(html! {
                div.heading {
                    h1 { (self.title) }
                    div.actions {
                        @for (href, label) in self.links {
                            a.button.secondary href=(href) { (label) }
                        }
                        a.button href={ (self.base) "/new" } { (self.new_label) }
                    }
                }
                (table.render(&asked.shown, row))
            })
    }

    /// The cell with the links to edit and to delete record `id`.
    pub fn row_actions(&self, id: impl Display) -> Markup {
        html! {
            td.row-actions data-label="Действия" {
                a href={ (self.base) "/" (id) "/edit" } { "Изменить" }
                a.danger href={ (self.base) "/" (id) "/delete" } { "Удалить" }
            }
        }
    }

    /// The buttons of record `id`'s own page: edit it, delete it.
    pub fn page_actions(&self, id: impl Display) -> Markup {
        html! {
            div.actions {
                a.button.secondary href={ (self.base) "/" (id) "/edit" } { "Изменить" }
                a.button.danger href={ (self.base) "/" (id) "/delete" } { "Удалить" }
            }
        }
    }

    /// A page asking to confirm deleting record `id` (described by `what`)
    /// with a POST form; `error` says why a try was refused.
    pub fn confirm_page(
        &self,
        session: &Session,
        title: &str,
        what: Markup,
        id: impl Display,
        cancel: &str,
        error: Option<String>,
    ) -> Response {
        Page::new(title, self.section, Some(session))
            .error(error)
            .render(html! {
                h1 { (title) }
                (what)
                form.card method="post" action={ (self.base) "/" (id) "/delete" } {
                    (csrf_field(&session.csrf))
                    div.form-actions {
                        button.danger type="submit" { "Удалить" }
                        a href=(cancel) { "Отмена" }
                    }
                }
            })
    }
}
