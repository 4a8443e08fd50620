//! What `wol search` looks for in an entry file: the query as a person reads it, whatever
//! Unicode form the author's system wrote and however the author wrapped the lines.
//!
//! Query and text are compared in Unicode NFC (a `café` written on macOS arrives
//! decomposed, `e` and a combining accent, and must be found by a `café` typed composed,
//! as tags are: [`crate::entry::normalize_tag`]), case-insensitively (simple case
//! folding), and whitespace in the query matches any run of whitespace, a line break
//! included (a phrase hard-wrapped in Markdown is still the phrase). A file that is
//! ASCII, or in NFC already (nearly all of them), is searched as it is: only the others
//! are normalised, so the cost of a search stays that of one pass of the regex.

use regex::bytes::{Regex, RegexBuilder};
use unicode_normalization::{IsNormalized, UnicodeNormalization as _, is_nfc_quick};

/// A search query, ready to be matched against entry files' bytes.
#[derive(Debug, Clone)]
pub struct TextQuery {
    re: Regex,
}

impl TextQuery {
    /// The query `text`: literal text (no pattern syntax), in NFC, each run of
    /// whitespace in it standing for any run of whitespace.
    pub fn new(text: &str) -> Result<TextQuery, regex::Error> {
        let text: String = text.nfc().collect();
        let mut pattern = String::with_capacity(text.len() + 8);
        let mut rest = text.as_str();
        while let Some(c) = rest.chars().next() {
            let space = c.is_whitespace();
            let end = rest
                .find(|c: char| c.is_whitespace() != space)
                .unwrap_or(rest.len());
            if space {
                pattern.push_str(r"\s+");
            } else {
                pattern.push_str(&regex::escape(&rest[..end]));
            }
            rest = &rest[end..];
        }
        let re = RegexBuilder::new(&pattern).case_insensitive(true).build()?;
        Ok(TextQuery { re })
    }

    /// Whether `text` (a file's bytes) holds the query.
    pub fn is_match(&self, text: &[u8]) -> bool {
        // ASCII is NFC; so is most other text, which the quick check says without
        // composing anything. Bytes that are not UTF-8 are searched as they are.
        if !text.is_ascii()
            && let Ok(text) = std::str::from_utf8(text)
            && is_nfc_quick(text.chars()) != IsNormalized::Yes
        {
            let nfc: String = text.nfc().collect();
            return self.re.is_match(nfc.as_bytes());
        }
        self.re.is_match(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(query: &str, text: &str) -> bool {
        TextQuery::new(query).unwrap().is_match(text.as_bytes())
    }

    #[test]
    fn composed_and_decomposed_text_find_each_other() {
        let composed = "caf\u{e9}";
        let decomposed = "cafe\u{301}";
        for query in [composed, decomposed] {
            for text in [composed, decomposed] {
                let text = format!("Visited the {text} downtown.");
                assert!(finds(query, &text), "{query:?} in {text:?}");
                assert!(finds(&query.to_uppercase(), &text), "{query:?} in {text:?}");
            }
        }
        // Hangul: syllables against their jamo.
        assert!(finds("\u{d55c}", "\u{1112}\u{1161}\u{11ab}"));
        // NFC is not looser than the text: `cafe` is not `café`, either way written.
        assert!(!finds("cafe downtown", "caf\u{e9} downtown"));
        assert!(!finds("cafe downtown", "cafe\u{301} downtown"));
    }

    #[test]
    fn whitespace_in_the_query_is_any_run_of_whitespace() {
        for text in [
            "the Loomio vote",
            "the Loomio\nvote",
            "the Loomio\r\n  vote",
            "the Loomio \t vote",
        ] {
            assert!(finds("loomio vote", text), "{text:?}");
            assert!(finds("loomio   vote", text), "{text:?}");
            assert!(finds("loomio\nvote", text), "{text:?}");
        }
        assert!(!finds("loomio vote", "the Loomiovote"));
        assert!(!finds("loomio vote", "the Loomio-vote"));
        // Leading and trailing whitespace still asks for whitespace there.
        assert!(finds(" vote", "a\nvote"));
        assert!(!finds(" vote", "vote"));
    }

    #[test]
    fn the_query_is_literal_text() {
        assert!(finds("a.b (c)", "x A.B (C) y"));
        assert!(!finds("a.b", "axb"));
        assert!(finds("C++", "learned c++ today"));
    }

    #[test]
    fn bytes_that_are_not_utf8_are_searched_as_they_are() {
        let query = TextQuery::new("vote").unwrap();
        assert!(query.is_match(b"a \xff vote"));
        assert!(!query.is_match(b"a \xff veto"));
    }
}
