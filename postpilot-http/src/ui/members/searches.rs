//! The searches of a page of members, as typed, kept across its links and
//! forms.

use axum::http::Uri;
use maud::{html, Markup};
use postpilot_core::Search;

use crate::csrf::FormData;
use crate::ui::form::{problem_text, Errors};
use crate::ui::layout::Notice;
use crate::ui::query_param;

/// The searches of a page of members (a mailing's recipients, a list's
/// members), as typed.
#[derive(Default)]
pub(crate) struct Searches {
    /// Among the mailing's recipients.
    q: String,
    /// Among all recipients, to add.
    find: String,
}

impl Searches {
    pub(crate) fn from_uri(uri: &Uri) -> Self {
        Self {
            q: query_param(uri, "q").unwrap_or_default(),
            find: query_param(uri, "find").unwrap_or_default(),
        }
    }

    pub(crate) fn from_form(form: &FormData) -> Self {
        Self {
            q: form.text("q"),
            find: form.text("find"),
        }
    }

    /// The page at `base` keeping these searches, with `notice`.
    pub(crate) fn url(&self, base: &str, notice: Option<Notice>) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(notice) = notice {
            query.append_pair("notice", notice.code());
        }
        if !self.q.is_empty() {
            query.append_pair("q", &self.q);
        }
        if !self.find.is_empty() {
            query.append_pair("find", &self.find);
        }
        let query = query.finish();
        if query.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{query}")
        }
    }

    /// The searches `q` and `find` parsed (none when blank); a bad one is
    /// recorded in `errors` beside its field.
    pub(crate) fn parse(&self, errors: &mut Errors) -> (Option<Search>, Option<Search>) {
        let mut parse = |field: &'static str, raw: &str| {
            Search::optional(Some(raw))
                .map_err(|e| errors.add(field, problem_text(&e.problem)))
                .ok()
                .flatten()
        };
        (parse("q", &self.q), parse("find", &self.find))
    }

    /// Hidden fields that bring the searches back after a change.
    pub(crate) fn hidden(&self) -> Markup {
        html! {
            input type="hidden" name="q" value=(self.q);
            input type="hidden" name="find" value=(self.find);
        }
    }
}

/// A GET form to `base` searching by `name` (`q` among the members, `find`
/// among everyone), keeping the other search.
pub(crate) fn search_form(
    base: &str,
    name: &'static str,
    label: &str,
    searches: &Searches,
    errors: &Errors,
) -> Markup {
    let (value, other, other_value) = if name == "q" {
        (&searches.q, "find", &searches.find)
    } else {
        (&searches.find, "q", &searches.q)
    };
    let error = errors.get(name);
    html! {
        form.search method="get" action=(base) {
            div.field.invalid[error.is_some()] {
                label for=(name) { (label) }
                input id=(name) type="search" name=(name) value=(value) maxlength=(Search::MAX_CHARS)
                    aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| format!("{name}-error"))];
                @if let Some(error) = error {
                    p.field-error id={ (name) "-error" } { (error) }
                }
            }
            @if !other_value.is_empty() {
                input type="hidden" name=(other) value=(other_value);
            }
            button type="submit" { "Найти" }
        }
    }
}
