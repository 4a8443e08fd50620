//! What `wol search` looks for in an entry file: the query as a person reads it, whatever
//! Unicode form the author's system wrote and however the author wrapped the lines.
//!
//! Query and text are compared in Unicode NFC (a `café` written on macOS arrives
//! decomposed, `e` and a combining accent, and must be found by a `café` typed composed,
//! as tags are: [`crate::entry::normalize_tag`]), case-insensitively (simple case
//! folding), and whitespace in the query matches any run of whitespace, a line break
//! included (a phrase hard-wrapped in Markdown is still the phrase). A file that is
//! ASCII, or in NFC already (nearly all of them), is searched as it is: only the others
//! are normalised. Which is which, [`needs_nfc`], is found when the entry cache reads a
//! file and kept with it, so the cost of a search stays that of one pass of the regex,
//! in any script.

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

    /// Whether `text` (a file's bytes) holds the query; `needs_nfc` is [`needs_nfc`] of
    /// it (the entry cache keeps it for each file).
    pub fn is_match(&self, text: &[u8], needs_nfc: bool) -> bool {
        if needs_nfc && let Ok(text) = std::str::from_utf8(text) {
            let nfc: String = text.nfc().collect();
            return self.re.is_match(nfc.as_bytes());
        }
        self.re.is_match(text)
    }
}

/// Whether `text` (a file's bytes) must be brought to NFC before it is searched: it is
/// UTF-8 and maybe not in NFC. Bytes that are not UTF-8 are searched as they are.
pub fn needs_nfc(text: &[u8]) -> bool {
    !text.is_ascii() && std::str::from_utf8(text).is_ok_and(|text| !surely_nfc(text))
}

/// Whether `text` is in NFC, as the quick check of UAX #15 says without composing
/// anything (`false`: maybe not). Only the runs of non-ASCII characters are checked:
/// ASCII is NFC and resets the check (a starter, of combining class 0), so skipping it a
/// block at a time gives the same answer as checking every character, in a fraction
/// of the time for text that is mostly ASCII with accents here and there.
fn surely_nfc(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(start) = next_non_ascii(bytes, at) {
        // Both ends are character boundaries: `start` follows ASCII (or is 0), `end` is
        // an ASCII byte (or the end).
        let end = bytes[start..]
            .iter()
            .position(u8::is_ascii)
            .map_or(bytes.len(), |n| start + n);
        if is_nfc_quick(text[start..end].chars()) != IsNormalized::Yes {
            return false;
        }
        at = end;
    }
    true
}

/// The index of the first byte of `bytes` from `from` on that is not ASCII.
fn next_non_ascii(bytes: &[u8], from: usize) -> Option<usize> {
    const BLOCK: usize = 16;
    let mut at = from;
    while let Some(block) = bytes.get(at..at + BLOCK)
        && block.is_ascii()
    {
        at += BLOCK;
    }
    bytes[at..]
        .iter()
        .position(|b| !b.is_ascii())
        .map(|n| at + n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(query: &str, text: &str) -> bool {
        let text = text.as_bytes();
        TextQuery::new(query)
            .unwrap()
            .is_match(text, needs_nfc(text))
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

    /// Checking only the non-ASCII runs answers as checking every character does.
    #[test]
    fn the_nfc_check_skips_ascii_without_changing_its_answer() {
        let pieces = [
            "a",
            "plain ascii text ",
            "\u{e9}",
            "e\u{301}",
            "\u{301}",
            "\u{d55c}",
            "\u{1112}\u{1161}",
            "\u{11ab}",
            "\u{212b}",
            "\u{1e0b}\u{323}",
            "\u{1e0d}\u{307}",
            "q\u{307}\u{323}",
            "\u{fb01}",
            "\u{1f600}",
            "\n",
        ];
        // Every sequence of three pieces, at several offsets from a 16-byte block.
        let mut texts = Vec::new();
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    for pad in [0, 1, 15, 16, 17] {
                        texts.push(format!("{}{a}{b}{c}", "x".repeat(pad)));
                    }
                }
            }
        }
        for text in &texts {
            let whole = is_nfc_quick(text.chars()) == IsNormalized::Yes;
            assert_eq!(surely_nfc(text), whole, "{text:?}");
        }
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
        for text in [&b"a \xff vote"[..], b"e\xcc\x81 \xff vote"] {
            assert!(!needs_nfc(text));
            assert!(query.is_match(text, false));
        }
        assert!(!query.is_match(b"a \xff veto", false));
    }
}
