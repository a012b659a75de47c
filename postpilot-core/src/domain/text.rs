//! Validated text fields. Single-line fields (names, subjects) end up in mail
//! headers, so line breaks and control characters are refused outright:
//! that is what makes header injection and lettre panics impossible.
//! Surrounding spaces are trimmed, except before a body's first line (its
//! indentation is part of the text); nothing else is rewritten.

use std::fmt;

use super::invalid::{InvalidField, Problem};
use super::visible::is_hidden;

/// Whether a field may span lines (body, comment) or must stay on one (header values).
#[derive(Clone, Copy)]
enum Lines {
    One,
    Many,
}

/// Which white space around a value is dropped.
#[derive(Clone, Copy)]
enum Trim {
    /// Leading and trailing: names, subjects, comments.
    Both,
    /// Trailing only: a body keeps the indentation of its first line (and
    /// any blank lines before it); what ends it is invisible.
    End,
}

struct Rule {
    field: &'static str,
    lines: Lines,
    trim: Trim,
    min: usize,
    max: usize,
}

impl Rule {
    fn check(&self, input: &str) -> Result<String, InvalidField> {
        let fail = |problem| InvalidField::new(self.field, problem);
        for c in input.chars() {
            let allowed_in_text =
                matches!(self.lines, Lines::Many) && matches!(c, '\n' | '\r' | '\t');
            if allowed_in_text {
                continue;
            }
            if c == '\n' || c == '\r' {
                return Err(fail(Problem::LineBreak));
            }
            // Unicode line/paragraph separators and bidi controls are as
            // dangerous in a header as CR/LF, and invisible in a UI.
            if is_hidden(c) {
                return Err(fail(Problem::ControlChar(c as u32)));
            }
        }
        let value = match self.trim {
            Trim::Both => input.trim(),
            Trim::End => input.trim_end(),
        };
        let len = value.chars().count();
        if len < self.min {
            return Err(fail(Problem::Empty));
        }
        if len > self.max {
            return Err(fail(Problem::TooLong { max: self.max, len }));
        }
        Ok(value.to_owned())
    }
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $lines:expr, $trim:expr, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Largest accepted length, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Validates and trims `input` (a body only at its end).
            ///
            /// # Errors
            #[doc = concat!("[`InvalidField`] with field `", $field, "`.")]
            pub fn parse(input: &str) -> Result<Self, InvalidField> {
                Rule { field: $field, lines: $lines, trim: $trim, min: $min, max: $max }
                    .check(input)
                    .map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidField;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
    };
}

text_type!(
    /// A recipient's full name (Ф. И. О.): 1..=100 characters on one line.
    FullName, "full_name", Lines::One, Trim::Both, 1, 100
);
text_type!(
    /// A list's name (Список): 1..=100 characters on one line.
    ListName, "name", Lines::One, Trim::Both, 1, 100
);
text_type!(
    /// A message subject (Тема письма): 1..=100 characters on one line.
    Subject, "subject", Lines::One, Trim::Both, 1, 100
);
text_type!(
    /// A message body (Тело письма): non-empty text, lines allowed; white
    /// space at its end is trimmed, its leading indentation kept.
    BodyText, "body_text", Lines::Many, Trim::End, 1, 1_000_000
);
text_type!(
    /// A message's HTML version (HTML-версия), sent beside the text one as
    /// `multipart/alternative`: non-empty, lines allowed, trimmed at its end.
    BodyHtml, "body_html", Lines::Many, Trim::End, 1, 1_000_000
);
text_type!(
    /// A free comment on a recipient (Комментарий): may be empty, lines allowed.
    Comment, "comment", Lines::Many, Trim::Both, 0, 10_000
);

// Only a comment may be empty, so the shared macro cannot derive this.
#[allow(clippy::derivable_impls)]
impl Default for Comment {
    fn default() -> Self {
        Self(String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_name_is_trimmed_and_limited_to_100_chars() {
        assert_eq!(
            FullName::parse("  Иван Петров ").expect("valid").as_str(),
            "Иван Петров"
        );
        assert!(FullName::parse(&"Я".repeat(100)).is_ok());
        let err = FullName::parse(&"Я".repeat(101)).expect_err("too long");
        assert_eq!(err.field, "full_name");
        assert_eq!(err.problem, Problem::TooLong { max: 100, len: 101 });
        assert_eq!(
            FullName::parse("   ").expect_err("blank").problem,
            Problem::Empty
        );
    }

    #[test]
    fn subject_refuses_line_breaks_and_control_characters() {
        for bad in [
            "Hello\nBcc: x@y.z",
            "Hello\r",
            "\nHello",
            "Tab\there",
            "Bell\u{7}",
            "a\u{2028}b",
            "x\u{202E}y",
        ] {
            let err = Subject::parse(bad).expect_err(bad);
            assert_eq!(err.field, "subject", "{bad:?}");
        }
        assert_eq!(
            Subject::parse("Скидки недели").expect("valid").as_str(),
            "Скидки недели"
        );
        assert!(Subject::parse(&"s".repeat(101)).is_err());
    }

    #[test]
    fn body_and_comment_keep_lines_but_refuse_other_controls() {
        assert!(BodyText::parse("Hello,\r\n\tworld\n").is_ok());
        assert!(BodyText::parse(" \n ").is_err());
        assert!(BodyText::parse("nul\u{0}").is_err());
        assert_eq!(Comment::parse("").expect("empty comment").as_str(), "");
        assert!(Comment::parse("line one\nline two").is_ok());
        assert_eq!(
            Comment::parse("\u{1b}[31m").expect_err("escape").field,
            "comment"
        );
    }

    #[test]
    fn a_body_keeps_its_leading_indentation_and_loses_only_what_ends_it() {
        let poem = "    Мороз и солнце; день чудесный!\n\tЕщё ты дремлешь, друг прелестный —";
        assert_eq!(
            BodyText::parse(&format!("{poem} \n\n"))
                .expect("valid")
                .as_str(),
            poem
        );
        assert_eq!(
            BodyText::parse("\n  indented after a blank line")
                .expect("valid")
                .as_str(),
            "\n  indented after a blank line"
        );
        assert_eq!(
            BodyText::parse(" \t\r\n").expect_err("blank").problem,
            Problem::Empty
        );
    }
}
