//! Pieces of forms: the CSRF field, a labelled field with its error beside
//! it, and the Russian wording of the domain's validation errors.

use std::collections::BTreeMap;

use maud::{html, Markup};
use postpilot_core::{InvalidField, Problem};

use crate::csrf::CSRF_FIELD;

/// The hidden field carrying the session's CSRF token.
pub(crate) fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name=(CSRF_FIELD) value=(token); }
}

/// Errors of a submitted form, by field name.
#[derive(Debug, Default)]
pub(crate) struct Errors(BTreeMap<&'static str, String>);

impl Errors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }

    /// Records `invalid` beside its field.
    pub fn invalid(&mut self, invalid: &InvalidField) {
        self.add(invalid.field, problem_text(&invalid.problem));
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Parses `raw` with `parse`, recording a refusal in `errors`.
pub(crate) fn check<T>(
    errors: &mut Errors,
    raw: &str,
    parse: impl FnOnce(&str) -> Result<T, InvalidField>,
) -> Option<T> {
    parse(raw).map_err(|e| errors.invalid(&e)).ok()
}

/// What is wrong, for a person.
pub(crate) fn problem_text(problem: &Problem) -> String {
    match problem {
        Problem::Empty => "Заполните это поле.".into(),
        Problem::TooLong { max, len } => {
            format!("Не длиннее {max} символов (сейчас {len}).")
        }
        Problem::LineBreak => "Без переносов строк.".into(),
        Problem::ControlChar(_) => "Есть недопустимый невидимый символ.".into(),
        Problem::Email(_) => "Это не адрес электронной почты (пример: ivan@example.com).".into(),
        Problem::EndNotAfterStart => "Окончание должно быть позже первой отправки.".into(),
        Problem::TimeOutOfRange => "Год должен быть от 0001 до 9999.".into(),
        Problem::DuplicateId(id) => format!("Получатель №{id} выбран дважды."),
        Problem::Template {
            line,
            column,
            detail,
        } => format!("Строка {line}, столбец {column}: ошибка в шаблоне ({detail})."),
        Problem::UnknownVariable { line, column, name } => format!(
            "Строка {line}, столбец {column}: неизвестная переменная «{name}». Можно: {}.",
            postpilot_core::VARIABLES
                .map(|v| format!("{{{{ {v} }}}}"))
                .join(", ")
        ),
        Problem::Other(text) => text.clone(),
    }
}

/// A labelled field: `control` must have `id=name`; the error, if any, is
/// shown right under it and tied to it for screen readers.
pub(crate) fn field(name: &str, label: &str, errors: &Errors, control: Markup) -> Markup {
    let error = errors.get(name);
    html! {
        div.field.invalid[error.is_some()] {
            label for=(name) { (label) }
            (control)
            @if let Some(error) = error {
                p.field-error id={ (name) "-error" } { (error) }
            }
        }
    }
}

/// `aria-invalid`/`aria-describedby` values for a control with an error.
pub(crate) fn aria(name: &str, errors: &Errors) -> (Option<&'static str>, Option<String>) {
    match errors.get(name) {
        Some(_) => (Some("true"), Some(format!("{name}-error"))),
        None => (None, None),
    }
}

/// A one-line input named and identified `name`.
pub(crate) fn text_input(
    name: &str,
    kind: &str,
    value: &str,
    max: usize,
    errors: &Errors,
) -> Markup {
    let (invalid, described) = aria(name, errors);
    html! {
        input id=(name) type=(kind) name=(name) value=(value) maxlength=(max) required
            aria-invalid=[invalid] aria-describedby=[described];
    }
}

/// A record's form posting to `action`: the CSRF field, `fields`, then
/// "Сохранить" and "Отмена" back to `cancel`.
pub(crate) fn record_form(csrf: &str, action: &str, cancel: &str, fields: Markup) -> Markup {
    html! {
        form.card method="post" action=(action) novalidate {
            (csrf_field(csrf))
            (fields)
            div.form-actions {
                button type="submit" { "Сохранить" }
                a href=(cancel) { "Отмена" }
            }
        }
    }
}
