//! An email's body part: its text in CRLF lines, encoded for the wire in
//! one pass each. Made once per content, so once per recipient when the
//! message is personalised (ARCHITECTURE.md, "SMTP").

use email_encoding::body::Encoding;
use lettre::message::header::ContentTransferEncoding;
use lettre::message::Body;

/// `text` with every line break — CRLF, a bare LF or a bare CR — written
/// as CRLF: text/plain has no bare CR or LF (RFC 2046 §4.1.1), and lettre
/// turns only a bare LF into CRLF. Copies the runs between line breaks
/// whole (a CR or LF byte is never part of a longer UTF-8 sequence).
pub(crate) fn crlf_lines(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let mut from = 0;
    for at in memchr::memchr2_iter(b'\r', b'\n', bytes) {
        if at < from {
            // The LF of a CRLF already written.
            continue;
        }
        out.push_str(&text[from..at]);
        out.push_str("\r\n");
        from = if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
            at + 2
        } else {
            at + 1
        };
    }
    out.push_str(&text[from..]);
    out
}

/// `text` as a body: in CRLF lines ([`crlf_lines`]), then `7bit`,
/// quoted-printable or base64 as lettre's `Body::new` chooses (the same
/// chooser and encoders, so the same bytes), without lettre's second scan
/// for bare line feeds, which CRLF text does not have.
pub(crate) fn encoded(text: &str) -> Body {
    let text = crlf_lines(text);
    // No SMTPUTF8: what is not ASCII is encoded, as lettre does.
    match Encoding::choose(text.as_str(), false) {
        Encoding::SevenBit | Encoding::EightBit => {
            // `choose` without SMTPUTF8 gives 7bit only for ASCII text in
            // lines under 76 characters: valid as it is.
            Body::dangerous_pre_encoded(text.into_bytes(), ContentTransferEncoding::SevenBit)
        }
        Encoding::QuotedPrintable => Body::dangerous_pre_encoded(
            quoted_printable::encode(text.as_bytes()),
            ContentTransferEncoding::QuotedPrintable,
        ),
        Encoding::Base64 => {
            let mut out =
                String::with_capacity(email_encoding::body::base64::encoded_len(text.len()));
            // Writing into a String cannot fail.
            let _ = email_encoding::body::base64::encode(text.as_bytes(), &mut out);
            Body::dangerous_pre_encoded(out.into_bytes(), ContentTransferEncoding::Base64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_break_becomes_crlf_and_nothing_else_changes() {
        assert_eq!(crlf_lines("a\nb\rc\r\nd"), "a\r\nb\r\nc\r\nd");
        assert_eq!(crlf_lines("\r\r\n\n\r"), "\r\n\r\n\r\n\r\n");
        assert_eq!(crlf_lines("  отступ\tтаб"), "  отступ\tтаб");
        assert_eq!(crlf_lines("ё\r\nж\rз\n"), "ё\r\nж\r\nз\r\n");
        assert_eq!(crlf_lines(""), "");
    }

    /// Texts of every shape the chooser tells apart: short and long lines,
    /// ASCII, mostly ASCII, mostly not, line breaks of each kind, `=` and
    /// trailing white space (which quoted-printable escapes).
    fn samples() -> Vec<String> {
        let mut texts = vec![
            "Hello".to_owned(),
            "Hello,\nshort lines.\n".to_owned(),
            "x".repeat(1023),
            format!(
                "Здравствуйте, Получатель 7!\n{}\nОтписаться: https://x/u/7.a",
                "x".repeat(1023)
            ),
            "Привет, мир! Всё по-русски, целиком.".repeat(20),
            "    Мороз и солнце;\rдень\nчудесный!\r\n\tконец".to_owned(),
            format!("{}\n{}", "x".repeat(2000), "я".repeat(700)),
            "a = b \nc\t\r\n=\r".to_owned(),
            "🎉".repeat(300),
            "line  \n".repeat(40),
        ];
        for n in [74, 75, 76, 77, 78] {
            texts.push(format!("{}\n{}", "y".repeat(n), "z".repeat(n)));
            texts.push(format!("{}\r\n{}", "y".repeat(n), "z".repeat(n)));
        }
        texts
    }

    #[test]
    fn a_body_is_byte_for_byte_what_lettre_makes_of_the_same_text() {
        for text in samples() {
            let ours = encoded(&text);
            let lettres = Body::new(crlf_lines(&text));
            assert_eq!(ours.encoding(), lettres.encoding(), "{text:?}");
            assert_eq!(ours.as_ref(), lettres.as_ref(), "{text:?}");
        }
    }
}
