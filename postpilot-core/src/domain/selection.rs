//! Which recipients an add or a remove is about: named ones, everyone, or
//! everyone a search finds. A store turns a selection into one statement,
//! never into a list of ids in memory.

use super::invalid::{InvalidField, Problem};
use super::visible::is_hidden;
use super::{ListId, Recipient, RecipientIds};

/// A search among recipients: a case-insensitive substring of the email or
/// the full name. Case is folded for Latin and Cyrillic letters (`ё` and
/// `Ё` included), the same way on every backend (see [`Search::fold`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    text: String,
    folded: String,
}

impl Search {
    /// Longest accepted search, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Trims `input`; one line, 1 to [`Search::MAX_CHARS`] characters.
    ///
    /// # Errors
    /// [`InvalidField`] on `search`.
    pub fn parse(input: &str) -> Result<Self, InvalidField> {
        let fail = |problem| InvalidField::new("search", problem);
        Self::one_line(input)?;
        let text = input.trim();
        let len = text.chars().count();
        if len == 0 {
            return Err(fail(Problem::Empty));
        }
        if len > Self::MAX_CHARS {
            return Err(fail(Problem::TooLong {
                max: Self::MAX_CHARS,
                len,
            }));
        }
        Ok(Self {
            text: text.to_owned(),
            folded: Self::fold(text),
        })
    }

    /// A search from an optional field: empty or blank means none.
    ///
    /// # Errors
    /// As [`Search::parse`], for text that is there.
    pub fn optional(input: Option<&str>) -> Result<Option<Self>, InvalidField> {
        match input {
            None => Ok(None),
            Some(text) => {
                Self::one_line(text)?;
                if text.trim().is_empty() {
                    Ok(None)
                } else {
                    Self::parse(text).map(Some)
                }
            }
        }
    }

    /// Refuses line breaks and hidden characters, blank or not.
    fn one_line(input: &str) -> Result<(), InvalidField> {
        let fail = |problem| InvalidField::new("search", problem);
        if input.contains(['\n', '\r']) {
            return Err(fail(Problem::LineBreak));
        }
        if let Some(c) = input.chars().find(|c| is_hidden(*c)) {
            return Err(fail(Problem::ControlChar(c as u32)));
        }
        Ok(())
    }

    /// The search as typed (trimmed).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The search with its case folded.
    pub fn folded(&self) -> &str {
        &self.folded
    }

    /// The folded search as a `LIKE` pattern escaped with `\`: `%`, `_`
    /// and `\` match themselves.
    pub fn like_pattern(&self) -> String {
        let mut pattern = String::with_capacity(self.folded.len() + 2);
        pattern.push('%');
        for c in self.folded.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        pattern
    }

    /// Folds the case of Latin and Cyrillic capitals (А–Я and Ё), leaving
    /// every other character as it is: what SQL can do alike on every
    /// backend, whatever its locale.
    pub fn fold(text: &str) -> String {
        text.chars().map(fold_char).collect()
    }

    /// Whether `recipient` matches: what the stores select.
    pub fn matches(&self, recipient: &Recipient) -> bool {
        Self::fold(recipient.email.as_str()).contains(&self.folded)
            || Self::fold(recipient.full_name.as_str()).contains(&self.folded)
    }
}

/// The capitals [`Search::fold`] folds, each with its small letter.
pub const FOLDED_CAPITALS: [(char, char); 33] = {
    let mut pairs = [('\0', '\0'); 33];
    let mut i = 0;
    while i < 32 {
        // А..Я are U+0410..U+042F, а..я U+0430..U+044F.
        let capital = 0x0410 + i as u32;
        pairs[i] = (
            match char::from_u32(capital) {
                Some(c) => c,
                None => '\0',
            },
            match char::from_u32(capital + 0x20) {
                Some(c) => c,
                None => '\0',
            },
        );
        i += 1;
    }
    pairs[32] = ('Ё', 'ё');
    pairs
};

fn fold_char(c: char) -> char {
    if c.is_ascii_uppercase() {
        c.to_ascii_lowercase()
    } else if ('\u{0410}'..='\u{042F}').contains(&c) {
        char::from_u32(c as u32 + 0x20).unwrap_or(c)
    } else if c == 'Ё' {
        'ё'
    } else {
        c
    }
}

/// One page of recipients, and how many there are in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecipientPage {
    pub items: Vec<Recipient>,
    pub total: u64,
}

/// Which recipients an operation is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// These recipients (each must exist).
    Ids(RecipientIds),
    /// Every recipient there is.
    All,
    /// Every recipient the search finds.
    Matching(Search),
    /// Every member of the list (which must exist).
    List(ListId),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_trimmed_and_folded_for_latin_and_cyrillic_capitals() {
        let s = Search::parse("  ИВАН Ёж Ivan ß ").expect("valid");
        assert_eq!(s.as_str(), "ИВАН Ёж Ivan ß");
        assert_eq!(s.folded(), "иван ёж ivan ß");
        assert_eq!(FOLDED_CAPITALS[0], ('А', 'а'));
        assert_eq!(FOLDED_CAPITALS[31], ('Я', 'я'));
    }

    #[test]
    fn wildcards_in_a_search_match_only_themselves() {
        let s = Search::parse(r"50%_a\b").expect("valid");
        assert_eq!(s.like_pattern(), r"%50\%\_a\\b%");
    }

    #[test]
    fn empty_multi_line_hidden_or_long_searches_are_refused_naming_search() {
        for bad in ["", "   ", "a\nb", "a\u{202e}", &"я".repeat(101)] {
            let err = Search::parse(bad).expect_err(bad);
            assert_eq!(err.field, "search", "{bad:?}");
        }
        assert_eq!(Search::optional(Some("  ")).expect("none"), None);
        assert!(Search::optional(Some("\t")).is_err(), "a tab is no blank");
        assert!(Search::parse(&"я".repeat(100)).is_ok());
    }
}
