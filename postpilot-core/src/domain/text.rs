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
        self.checked(input).map(str::to_owned)
    }

    /// As [`Rule::check`], keeping `input`'s buffer when only its end is
    /// trimmed: a body rendered per recipient is not copied again.
    fn check_owned(&self, mut input: String) -> Result<String, InvalidField> {
        let value = self.checked(&input)?;
        let len = value.len();
        if len == input.len() || matches!(self.trim, Trim::End) {
            // `trim_end` keeps the start: the value is `input[..len]`.
            input.truncate(len);
            return Ok(input);
        }
        Ok(value.to_owned())
    }

    /// `input` trimmed, once its characters and length are allowed.
    fn checked<'a>(&self, input: &'a str) -> Result<&'a str, InvalidField> {
        let fail = |problem| InvalidField::new(self.field, problem);
        if let Some(problem) = self.refused(input) {
            return Err(fail(problem));
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
        Ok(value)
    }

    /// The problem with the first character of `input` the field refuses.
    /// Looks at bytes: visible ASCII passes at once, and beyond ASCII only
    /// characters whose UTF-8 starts with C2 or E2 can be hidden (the C1
    /// controls, U+2028–U+202E, U+2066–U+2069; `is_hidden` says which), so
    /// a long body is checked without decoding most of it.
    fn refused(&self, input: &str) -> Option<Problem> {
        let bytes = input.as_bytes();
        for (at, &byte) in bytes.iter().enumerate() {
            let c = match byte {
                b' '..=b'~' => continue,
                0..=0x7f => char::from(byte),
                // A lead byte, so `at` starts a character.
                0xc2 | 0xe2 => input.get(at..).and_then(|rest| rest.chars().next())?,
                _ => continue,
            };
            let allowed_in_text =
                matches!(self.lines, Lines::Many) && matches!(c, '\n' | '\r' | '\t');
            if allowed_in_text {
                continue;
            }
            if c == '\n' || c == '\r' {
                return Some(Problem::LineBreak);
            }
            // Unicode line/paragraph separators and bidi controls are as
            // dangerous in a header as CR/LF, and invisible in a UI.
            if is_hidden(c) {
                return Some(Problem::ControlChar(c as u32));
            }
        }
        None
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

            const RULE: Rule =
                Rule { field: $field, lines: $lines, trim: $trim, min: $min, max: $max };

            /// Validates and trims `input` (a body only at its end).
            ///
            /// # Errors
            #[doc = concat!("[`InvalidField`] with field `", $field, "`.")]
            pub fn parse(input: &str) -> Result<Self, InvalidField> {
                Self::RULE.check(input).map(Self)
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
            /// As [`Self::parse`], reusing `value`'s buffer when it can.
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::RULE.check_owned(value).map(Self)
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
    /// An API token's name, to tell a user's tokens apart: 1..=100
    /// characters on one line.
    TokenName, "name", Lines::One, Trim::Both, 1, 100
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
    fn every_hidden_character_beyond_ascii_starts_with_byte_c2_or_e2() {
        // What `Rule::refused` relies on to skip the other bytes.
        let mut buf = [0; 4];
        for c in (0x80..=0x10_ffff).filter_map(char::from_u32) {
            if is_hidden(c) {
                let lead = c.encode_utf8(&mut buf).as_bytes()[0];
                assert!(matches!(lead, 0xc2 | 0xe2), "{c:?}");
            }
        }
    }

    /// `Rule::refused` as it was written first, a character at a time.
    fn refused_char_by_char(rule: &Rule, input: &str) -> Option<Problem> {
        for c in input.chars() {
            if matches!(rule.lines, Lines::Many) && matches!(c, '\n' | '\r' | '\t') {
                continue;
            }
            if c == '\n' || c == '\r' {
                return Some(Problem::LineBreak);
            }
            if is_hidden(c) {
                return Some(Problem::ControlChar(c as u32));
            }
        }
        None
    }

    #[test]
    fn the_byte_scan_refuses_exactly_what_a_character_scan_does() {
        let samples = [
            "Здравствуйте, Анна!\r\n\tконец",
            "a\u{85}b",
            "\u{9f}",
            "\u{a0}неразрывный",
            "\u{2027}\u{2028}",
            "x\u{2030}\u{202f}\u{2065}\u{206a}y",
            "\u{2069}",
            "тире — «кавычки» … ✓ 🎉",
            "nul\u{0}",
            "del\u{7f}",
            "\u{1b}[31m",
            "две\nстроки",
        ];
        for rule in [Subject::RULE, BodyText::RULE] {
            for sample in samples {
                assert_eq!(
                    rule.refused(sample),
                    refused_char_by_char(&rule, sample),
                    "{sample:?}"
                );
            }
        }
    }

    #[test]
    fn a_body_made_from_an_owned_string_is_the_same_as_one_parsed() {
        for input in ["  отступ и хвост \n\n", "ровно", " \n ", "x\u{202e}"] {
            assert_eq!(BodyText::try_from(input.to_owned()), BodyText::parse(input));
            assert_eq!(Subject::try_from(input.to_owned()), Subject::parse(input));
            assert_eq!(Comment::try_from(input.to_owned()), Comment::parse(input));
        }
    }

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
