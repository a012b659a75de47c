//! Text from outside (a mail server's reply, an old row, a file name) made
//! safe to show: no control character reaches a terminal, a log or a
//! database that it did not put there itself.
//!
//! The form: every character that is not shown as itself — the C0 and C1
//! controls, DEL, and the Unicode line separators and bidi controls that the
//! text fields refuse (see [`is_hidden`]) — is replaced by its escape as Rust
//! writes it: `\0`, `\t`, `\r`, `\n`, or `\u{…}` with the code point in hex
//! (`\u{7}` for BEL, `\u{1b}` for ESC, `\u{9b}` for the C1 CSI, `\u{202e}`).
//! Everything else is kept, U+FFFD (what invalid UTF-8 was decoded to)
//! included.
//!
//! A backslash is kept as it is, so that escaping is idempotent:
//! `visible(visible(t)) == visible(t)`. Every layer (the SMTP adapter, the
//! send engine, the store, the CLI's tables) can apply it, and text stored
//! by an older version, escaped already, is shown as it was stored. The
//! price: a server that writes the six characters `\u{1b}` reads the same
//! as one that sends ESC. That matters to a reader, never to a terminal.

use std::borrow::Cow;

/// Whether `c` is a character that must not be shown as itself: a control
/// character (C0, DEL, C1), a Unicode line or paragraph separator, or a
/// bidi embedding, override or isolate (which reorder what follows them).
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every [hidden](is_hidden) character escaped, line breaks and
/// tabs included: one line, fit for a table cell, a log field or the record
/// of a server's reply. Borrows when there is nothing to escape.
pub fn visible(text: &str) -> Cow<'_, str> {
    escape(text, |_| true)
}

/// `text` with every [hidden](is_hidden) character escaped except line
/// feeds, tabs and the CR of a CRLF: for multi-line values shown on lines
/// of their own (a message body, a comment). A lone CR, which would move
/// the cursor back over what is already printed, is escaped.
pub fn visible_lines(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    escape(text, |at| match bytes[at] {
        b'\n' | b'\t' => false,
        b'\r' => bytes.get(at + 1) != Some(&b'\n'),
        _ => true,
    })
}

/// `text` with the hidden characters escaped for which `escaped(byte
/// offset)` says so.
fn escape(text: &str, escaped: impl Fn(usize) -> bool) -> Cow<'_, str> {
    let mut hidden = text
        .char_indices()
        .filter(|&(at, c)| is_hidden(c) && escaped(at))
        .peekable();
    if hidden.peek().is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut shown = 0;
    for (at, c) in hidden {
        out.push_str(&text[shown..at]);
        match c {
            '\0' => out.push_str(r"\0"),
            '\t' => out.push_str(r"\t"),
            '\r' => out.push_str(r"\r"),
            '\n' => out.push_str(r"\n"),
            _ => out.extend(c.escape_unicode()),
        }
        shown = at + c.len_utf8();
    }
    out.push_str(&text[shown..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_their_rust_escapes() {
        assert_eq!(
            visible("250 \0 queued\u{7} \u{1b}[2J\u{1b}]0;title\u{7}"),
            r"250 \0 queued\u{7} \u{1b}[2J\u{1b}]0;title\u{7}"
        );
        assert_eq!(visible("a\tb\r\nc\u{7f}"), r"a\tb\r\nc\u{7f}");
        assert_eq!(visible("\u{9b}31m \u{85}"), r"\u{9b}31m \u{85}");
    }

    #[test]
    fn line_separators_and_bidi_controls_are_escaped_too() {
        assert_eq!(
            visible("a\u{2028}b\u{2029}c\u{202e}d\u{2066}e"),
            r"a\u{2028}b\u{2029}c\u{202e}d\u{2066}e"
        );
    }

    #[test]
    fn printable_text_is_kept_and_borrowed() {
        for text in [
            "",
            "250 2.0.0 Ok: queued as 3F2A",
            "Здравствуйте! \u{fffd} 🙂",
            r"a literal \x00 and \u{1b} stay as written",
        ] {
            assert!(
                matches!(visible(text), Cow::Borrowed(t) if t == text),
                "{text:?}"
            );
            assert!(
                matches!(visible_lines(text), Cow::Borrowed(t) if t == text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn escaping_twice_changes_nothing_more() {
        let once = visible("x\0\u{1b}[2J\\\r\n\u{202e}\u{fffd}");
        assert_eq!(visible(&once), once);
        assert_eq!(visible_lines(&once), once);
    }

    #[test]
    fn visible_lines_keeps_line_feeds_tabs_and_crlf_but_not_a_lone_cr() {
        assert_eq!(
            visible_lines("one\r\n\ttwo\nthree\rover\u{1b}[2J"),
            "one\r\n\ttwo\nthree\\rover\\u{1b}[2J"
        );
        assert_eq!(visible_lines("ends in\r"), r"ends in\r");
    }

    #[test]
    fn the_result_never_holds_a_hidden_character() {
        let every_char: String = (0..0x3000)
            .filter_map(char::from_u32)
            .chain(['\u{e0001}', '\u{10ffff}'])
            .collect();
        assert!(!visible(&every_char).chars().any(is_hidden));
        assert!(!visible_lines(&every_char)
            .chars()
            .any(|c| is_hidden(c) && !matches!(c, '\n' | '\t' | '\r')));
    }
}
