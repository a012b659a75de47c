//! The patterns of the domain's text rules, in the common subset of
//! ECMA-262, Python's `re` and Rust's `regex`.

/// A character allowed on one line: anything but control characters
/// (U+0000–U+001F, U+007F–U+009F), the Unicode line and paragraph
/// separators and the bidi controls (U+2028–U+202E, U+2066–U+2069).
const ONE_LINE_CHAR: &str = r"[^\u0000-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]";
/// As [`ONE_LINE_CHAR`], and also tab, line feed and carriage return.
const MULTI_LINE_CHAR: &str =
    r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028-\u202E\u2066-\u2069]";
/// An allowed character that is not white space (Unicode `White_Space`,
/// what the domain trims): a text of only white space is empty.
const VISIBLE_CHAR: &str =
    r"[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028-\u202F\u205F\u2066-\u2069\u3000]";

/// `full_name`, `subject`: one line with something visible on it.
pub(crate) fn one_line() -> String {
    format!("^{ONE_LINE_CHAR}*{VISIBLE_CHAR}{ONE_LINE_CHAR}*$")
}

/// `password`: one line, white space alone allowed.
pub(crate) fn any_on_one_line() -> String {
    format!("^{ONE_LINE_CHAR}*$")
}

/// `body_text`: lines with something visible on them.
pub(crate) fn multi_line() -> String {
    format!("^{MULTI_LINE_CHAR}*{VISIBLE_CHAR}{MULTI_LINE_CHAR}*$")
}

/// `comment`: lines, possibly empty.
pub(crate) fn multi_line_or_empty() -> String {
    format!("^{MULTI_LINE_CHAR}*$")
}

/// An address as `EmailAddress` takes it: a dot-atom local part, `@`, and
/// labels of letters, digits and inner hyphens (at most 63 each) joined by
/// dots. With [`EMAIL_LOCAL_PART`] and [`EMAIL_MAX`], exactly the rule.
pub(crate) const EMAIL: &str = concat!(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*",
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?",
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
);
/// The local part is at most 64 characters.
pub(crate) const EMAIL_LOCAL_PART: &str = "^[^@]{1,64}@";
/// The whole address is at most 254 characters.
pub(crate) const EMAIL_MAX: usize = 254;

/// `search` in a query: as in a body, and empty or blank means no search.
pub(crate) fn search_or_blank() -> String {
    format!("^{ONE_LINE_CHAR}*$")
}
