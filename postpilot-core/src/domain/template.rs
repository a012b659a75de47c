//! Personalisation: a message's subject and body are templates over the
//! recipient's fields, in minijinja's sandboxed Jinja. A template can read
//! only the variables below: no file, network or environment access, no
//! includes; its work is bounded by fuel and its output by the same limits
//! as the subject and body themselves. See ARCHITECTURE.md, "Messages".

use minijinja::{AutoEscape, Environment, ErrorKind, UndefinedBehavior};

use super::invalid::{InvalidField, Problem};
use super::{BodyHtml, BodyText, Subject};

/// The variables a template may use.
pub const VARIABLES: [&str; 4] = ["full_name", "email", "comment", "unsubscribe_url"];

/// Instructions one rendering may run: generous for any real email (a loop
/// over a few hundred items), small enough that no template can hold a
/// sender for long.
const FUEL: u64 = 200_000;

/// The builtins whose result does not depend on the recipient (`debug`
/// shows the whole context, so it does): a template using no other name
/// renders the same for everyone.
const IMPERSONAL: [&str; 3] = ["range", "dict", "namespace"];

/// Nesting depth of blocks and expressions.
const RECURSION: usize = 50;

/// The values a template is rendered with: one recipient's.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    pub full_name: &'a str,
    pub email: &'a str,
    pub comment: &'a str,
    /// Empty when the server has no public address to unsubscribe at.
    pub unsubscribe_url: &'a str,
}

/// Why a template that compiled could not be rendered for one recipient
/// (too much work, an output too long for a subject, …). The email is not
/// sent; the same input would fail on every try.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} could not be personalised: {problem}")]
pub struct RenderError {
    pub field: &'static str,
    pub problem: String,
}

/// A message's subject and bodies, compiled once per run and rendered per
/// recipient. Text without template syntax is passed through untouched.
#[derive(Debug)]
pub struct Personalised {
    env: Environment<'static>,
    subject: Subject,
    body_text: BodyText,
    body_html: Option<BodyHtml>,
    personal: bool,
}

/// One recipient's subject and bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: Subject,
    pub body_text: BodyText,
    pub body_html: Option<BodyHtml>,
}

const SUBJECT: &str = "subject";
const BODY_TEXT: &str = "body_text";
/// Rendered with HTML escaping: a name holding `<script>` stays text.
const BODY_HTML: &str = "body_html";

impl Personalised {
    /// Compiles `subject`, `body_text` and `body_html`.
    ///
    /// # Errors
    /// [`InvalidField`] on `subject`, `body_text` or `body_html` with
    /// [`Problem::Template`] (a syntax error) or [`Problem::UnknownVariable`]
    /// (not one of [`VARIABLES`]), with its line and column.
    pub fn new(
        subject: &Subject,
        body_text: &BodyText,
        body_html: Option<&BodyHtml>,
    ) -> Result<Self, InvalidField> {
        let mut env = sandbox();
        let mut personal = false;
        let parts = [
            Some((SUBJECT, subject.as_str())),
            Some((BODY_TEXT, body_text.as_str())),
            body_html.map(|html| (BODY_HTML, html.as_str())),
        ];
        for (name, source) in parts.into_iter().flatten() {
            if !has_syntax(source) {
                continue;
            }
            env.add_template_owned(name, source.to_owned())
                .map_err(|e| InvalidField::new(name, problem(source, &e)))?;
            let template = env
                .get_template(name)
                .map_err(|e| InvalidField::new(name, problem(source, &e)))?;
            let names = template.undeclared_variables(false);
            personal |= names.iter().any(|v| !IMPERSONAL.contains(&v.as_str()));
            let mut unknown: Vec<String> = names
                .into_iter()
                .filter(|v| !VARIABLES.contains(&v.as_str()) && !is_builtin(&env, v))
                .collect();
            unknown.sort();
            if let Some(first) = unknown.first() {
                let (line, column) = position_of_name(source, first);
                return Err(InvalidField::new(
                    name,
                    Problem::UnknownVariable {
                        line,
                        column,
                        name: first.clone(),
                    },
                ));
            }
        }
        Ok(Self {
            env,
            subject: subject.clone(),
            body_text: body_text.clone(),
            body_html: body_html.cloned(),
            personal,
        })
    }

    /// Checks that `subject` and `body_text` are templates that compile
    /// and use only [`VARIABLES`].
    ///
    /// # Errors
    /// As [`Personalised::new`].
    pub fn check(
        subject: &Subject,
        body_text: &BodyText,
        body_html: Option<&BodyHtml>,
    ) -> Result<(), InvalidField> {
        Self::new(subject, body_text, body_html).map(|_| ())
    }

    /// Whether a part uses a recipient's field (else every recipient gets
    /// the same text: rendered once, it can be shared).
    pub fn is_personal(&self) -> bool {
        self.personal
    }

    /// The subject and body for one recipient.
    ///
    /// # Errors
    /// [`RenderError`] when a part runs out of fuel, fails at run time, or
    /// renders to something that is not a valid subject or body.
    pub fn render(&self, fields: Fields<'_>) -> Result<Rendered, RenderError> {
        // One context for every part: a part that is not a template reuses
        // its text as it was checked when the message was compiled.
        let context = minijinja::context! {
            full_name => fields.full_name,
            email => fields.email,
            comment => fields.comment,
            unsubscribe_url => fields.unsubscribe_url,
        };
        let subject = self.part(SUBJECT, &self.subject, &context, Subject::try_from)?;
        let body_text = self.part(BODY_TEXT, &self.body_text, &context, BodyText::try_from)?;
        let body_html = match &self.body_html {
            Some(html) => Some(self.part(BODY_HTML, html, &context, BodyHtml::try_from)?),
            None => None,
        };
        Ok(Rendered {
            subject,
            body_text,
            body_html,
        })
    }

    fn part<T: Clone>(
        &self,
        name: &'static str,
        as_written: &T,
        context: &minijinja::Value,
        parse: impl Fn(String) -> Result<T, InvalidField>,
    ) -> Result<T, RenderError> {
        let fail = |problem: String| RenderError {
            field: name,
            problem,
        };
        // Not a template: the text as it is.
        let Ok(template) = self.env.get_template(name) else {
            return Ok(as_written.clone());
        };
        let rendered = template.render(context).map_err(|e| fail(describe(&e)))?;
        // Checked again: a template can make what its parts do not hold
        // (a line break in a subject from a string literal or a comment,
        // a body longer than allowed from a loop, an empty one). The check
        // is one pass over the bytes and keeps the rendered buffer.
        parse(rendered).map_err(|e| fail(e.problem.to_string()))
    }
}

/// The environment every template runs in: strict about undefined values,
/// no auto-escaping (text/plain), bounded work.
fn sandbox() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env.set_recursion_limit(RECURSION);
    env.set_keep_trailing_newline(true);
    env.set_auto_escape_callback(|name| {
        if name == BODY_HTML {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env
}

/// Whether `source` has anything minijinja would treat as syntax.
fn has_syntax(source: &str) -> bool {
    source.contains("{{") || source.contains("{%") || source.contains("{#")
}

/// Names the default environment defines (functions like `range`), which
/// `undeclared_variables` reports like any other name.
fn is_builtin(env: &Environment<'_>, name: &str) -> bool {
    env.globals().any(|(global, _)| global == name)
}

/// A compile error as a field problem with its line and column.
fn problem(source: &str, error: &minijinja::Error) -> Problem {
    let (line, column) = match error.range() {
        Some(range) => line_and_column(source, range.start),
        None => (error.line().unwrap_or(1), 1),
    };
    Problem::Template {
        line,
        column,
        detail: describe(error),
    }
}

/// minijinja's words for `error`, without its location.
fn describe(error: &minijinja::Error) -> String {
    match (error.kind(), error.detail()) {
        (ErrorKind::OutOfFuel, _) => "the template does too much work".to_owned(),
        (_, Some(detail)) => detail.to_owned(),
        (kind, None) => kind.to_string(),
    }
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
fn line_and_column(source: &str, offset: usize) -> (usize, usize) {
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

/// Where `name` is first used inside a tag of `source` (`{{ … }}` or
/// `{% … %}`), as line and column; the start when it cannot be found.
fn position_of_name(source: &str, name: &str) -> (usize, usize) {
    let mut from = 0;
    while let Some(open) = source
        .get(from..)
        .and_then(|s| s.find('{'))
        .map(|i| i + from)
    {
        let closer = match source.get(open + 1..open + 2) {
            Some("{") => "}}",
            Some("%") => "%}",
            _ => {
                from = open + 1;
                continue;
            }
        };
        let end = source
            .get(open..)
            .and_then(|s| s.find(closer))
            .map_or(source.len(), |i| i + open);
        let tag = source.get(open..end).unwrap_or_default();
        let mut search = 0;
        while let Some(at) = tag
            .get(search..)
            .and_then(|t| t.find(name))
            .map(|i| i + search)
        {
            let before = tag[..at].chars().next_back();
            let after = tag[at + name.len()..].chars().next();
            let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            if !word(before) && !word(after) {
                return line_and_column(source, open + at);
            }
            search = at + name.len();
        }
        from = end.max(open + 1);
    }
    (1, 1)
}

#[cfg(test)]
#[path = "template_tests.rs"]
mod tests;
