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
        let subject = self.part(SUBJECT, &self.subject, &context, Subject::parse)?;
        let body_text = self.part(BODY_TEXT, &self.body_text, &context, BodyText::parse)?;
        let body_html = match &self.body_html {
            Some(html) => Some(self.part(BODY_HTML, html, &context, BodyHtml::parse)?),
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
        parse: impl Fn(&str) -> Result<T, InvalidField>,
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
        parse(&rendered).map_err(|e| fail(e.problem.to_string()))
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
mod tests {
    use super::*;

    fn compile(subject: &str, body: &str) -> Result<Personalised, InvalidField> {
        Personalised::new(
            &Subject::parse(subject).expect("subject"),
            &BodyText::parse(body).expect("body"),
            None,
        )
    }

    const ANNA: Fields<'static> = Fields {
        full_name: "Анна Петрова",
        email: "anna@example.com",
        comment: "VIP",
        unsubscribe_url: "https://news.example/u/abc",
    };

    #[test]
    fn each_recipient_gets_their_own_name_email_comment_and_unsubscribe_link() {
        let t = compile(
            "{{ full_name }}, скидки недели",
            "Здравствуйте, {{ full_name }}!\nВаш адрес: {{ email }}.\n{% if comment %}Заметка: {{ comment }}\n{% endif %}Отписаться: {{ unsubscribe_url }}\n",
        )
        .expect("compiles");
        assert!(t.is_personal());
        let Rendered {
            subject,
            body_text: body,
            ..
        } = t.render(ANNA).expect("rendered");
        assert_eq!(subject.as_str(), "Анна Петрова, скидки недели");
        assert_eq!(
            body.as_str(),
            "Здравствуйте, Анна Петрова!\nВаш адрес: anna@example.com.\nЗаметка: VIP\nОтписаться: https://news.example/u/abc"
        );
    }

    #[test]
    fn text_without_template_syntax_is_sent_exactly_as_written() {
        let t = compile("Скидки { 50% }", "  Цены: {a} и 100% } {\n").expect("compiles");
        assert!(!t.is_personal());
        let Rendered {
            subject,
            body_text: body,
            ..
        } = t.render(ANNA).expect("rendered");
        assert_eq!(subject.as_str(), "Скидки { 50% }");
        assert_eq!(body.as_str(), "  Цены: {a} и 100% } {");
    }

    #[test]
    fn an_unknown_variable_is_refused_naming_the_field_line_and_column() {
        let err = compile("Привет", "Строка один\nЗдравствуйте, {{ name }}!").expect_err("unknown");
        assert_eq!(err.field, "body_text");
        assert_eq!(
            err.problem,
            Problem::UnknownVariable {
                line: 2,
                column: 18,
                name: "name".into()
            }
        );
        let said = err.to_string();
        assert!(said.contains("unknown variable `name`"), "{said}");
        assert!(said.contains("full_name, email"), "{said}");
        let err = compile("{{ first_name }}", "Тело").expect_err("unknown");
        assert_eq!(err.field, "subject");
    }

    #[test]
    fn a_syntax_error_is_refused_with_its_line_and_column() {
        let err = compile("Привет", "Раз\nдва {{ full_name").expect_err("syntax");
        assert_eq!(err.field, "body_text");
        let Problem::Template { line, .. } = err.problem else {
            panic!("{:?}", err.problem)
        };
        assert_eq!(line, 2);
        let err = compile("{% if %}", "Тело").expect_err("syntax");
        assert_eq!(err.field, "subject");
    }

    #[test]
    fn variables_set_in_the_template_and_builtins_are_not_unknown() {
        let t = compile(
            "Привет",
            "{% set greeting = 'Добрый день' %}{{ greeting }}, {{ full_name | upper }}{% for i in range(2) %}!{% endfor %}",
        )
        .expect("compiles");
        let body = t.render(ANNA).expect("rendered").body_text;
        assert_eq!(body.as_str(), "Добрый день, АННА ПЕТРОВА!!");
    }

    #[test]
    fn a_template_that_works_without_end_is_stopped_and_the_email_not_sent() {
        let t = compile(
            "Привет",
            "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}",
        )
        .expect("compiles");
        let err = t.render(ANNA).expect_err("out of fuel");
        assert_eq!(err.field, "body_text");
        assert!(err.problem.contains("too much work"), "{}", err.problem);
    }

    #[test]
    fn a_subject_that_renders_too_long_or_on_two_lines_is_not_sent() {
        let t = compile("{{ comment }}", "Тело").expect("compiles");
        let long = "я".repeat(101);
        let err = t
            .render(Fields {
                comment: &long,
                ..ANNA
            })
            .expect_err("too long");
        assert_eq!(err.field, "subject");
        let err = t
            .render(Fields {
                comment: "две\nстроки",
                ..ANNA
            })
            .expect_err("two lines");
        assert_eq!(err.field, "subject");
    }

    #[test]
    fn templates_cannot_reach_files_or_other_templates() {
        assert!(
            compile("Привет", "{% include 'etc/passwd' %}").is_err()
                || compile("Привет", "{% include 'etc/passwd' %}")
                    .expect("compiled")
                    .render(ANNA)
                    .is_err()
        );
        assert!(compile("Привет", "{{ env }}").is_err());
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        assert_eq!(line_and_column("ёж\nщука", 9), (2, 3));
        assert_eq!(
            position_of_name("Ёлка {{ x }} и {{ name }}", "name"),
            (1, 19)
        );
        assert_eq!(
            position_of_name("{{ username }} {{ name }}", "name"),
            (1, 19)
        );
    }

    #[test]
    fn the_html_version_escapes_what_it_fills_in_and_the_text_version_does_not() {
        let t = Personalised::new(
            &Subject::parse("Привет").expect("subject"),
            &BodyText::parse("Здравствуйте, {{ full_name }}!").expect("body"),
            Some(&BodyHtml::parse("<p>Здравствуйте, <b>{{ full_name }}</b>!</p>").expect("html")),
        )
        .expect("compiles");
        let rendered = t
            .render(Fields {
                full_name: "<script>alert(1)</script> & Co",
                ..ANNA
            })
            .expect("rendered");
        assert_eq!(
            rendered.body_html.expect("html").as_str(),
            "<p>Здравствуйте, <b>&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; Co</b>!</p>"
        );
        assert_eq!(
            rendered.body_text.as_str(),
            "Здравствуйте, <script>alert(1)</script> & Co!"
        );
    }

    #[test]
    fn an_unknown_variable_in_the_html_version_is_refused_naming_body_html() {
        let err = Personalised::new(
            &Subject::parse("Привет").expect("subject"),
            &BodyText::parse("Текст").expect("body"),
            Some(&BodyHtml::parse("<p>{{ name }}</p>").expect("html")),
        )
        .expect_err("unknown");
        assert_eq!(err.field, "body_html");
    }
}
