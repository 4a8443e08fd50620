//! Text on its way to a terminal: entry-provided strings made safe to print.
//!
//! An entry's title, tags, kind or body, and anything a followed log publishes, is text
//! someone else may have written. Printed raw, an ESC starts a terminal control sequence
//! (recolour, move the cursor, set the window title), a CR or BS overwrites what was
//! printed before, and a bidi override (U+202E) makes a line read differently from what
//! it holds. Every place that prints such text in text mode passes it through
//! [`sanitize`] (one-line fields) or [`sanitize_text`] (multi-line text). JSON output
//! does not: serde escapes control characters there, and bidi characters are data.
//!
//! Each unsafe character becomes a visible escape in Rust's notation, `\u{1b}` for ESC
//! and `\u{202e}` for RIGHT-TO-LEFT OVERRIDE, so the reader sees that something was there
//! and what it was. A backslash is printed as is: an escape shown is not proof that the
//! text held the character, only that nothing hidden reached the terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

/// The styles of a listed entry (and of a feed item): its id or date dim, its kind (or
/// the log's name) cyan, the title bold, the tags yellow. Written to an
/// [`anstream`] stream, they show only where colour is on (see `cmd::Ctx::stdout`).
pub const ID: Style = Style::new().dimmed();
pub const KIND: Style = AnsiColor::Cyan.on_default();
pub const TITLE: Style = Style::new().bold();
pub const TAGS: Style = AnsiColor::Yellow.on_default();
/// `wol doctor`'s status labels.
pub const OK: Style = AnsiColor::Green.on_default();
pub const WARN: Style = AnsiColor::Yellow.on_default();
pub const FAIL: Style = AnsiColor::Red.on_default().bold();

/// True for characters that must not reach a terminal as they are: the C0 and C1
/// control characters and DEL (`char::is_control`), and the bidi embedding, override,
/// isolate and mark characters, which reorder what is shown.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// A one-line field (title, tag, kind, author, a path or message that quotes them) with
/// every unsafe character, newline and tab included, replaced by its `\u{…}` escape.
/// Borrows when there is nothing to replace.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    // Printable ASCII is never unsafe: most text is only that, and needs no look at its
    // characters one by one.
    if text.bytes().all(|b| matches!(b, b' '..=b'~')) {
        return Cow::Borrowed(text);
    }
    escape_where(text, |c, _| is_unsafe(c))
}

/// Tags as `#a #b`, each [`sanitize`]d, after `lead` (`"  "` to set them off from what
/// comes before); empty when there are none.
pub fn hashtags<'a>(lead: &str, tags: impl IntoIterator<Item = &'a str>) -> String {
    let tags: Vec<String> = tags
        .into_iter()
        .map(|t| format!("#{}", sanitize(t)))
        .collect();
    if tags.is_empty() {
        String::new()
    } else {
        format!("{lead}{}", tags.join(" "))
    }
}

/// Multi-line text (an entry file, a rendered digest): like [`sanitize`], but `\n`, `\t`
/// and a `\r` right before `\n` (CRLF line ends) are kept, as they only lay out lines.
pub fn sanitize_text(text: &str) -> Cow<'_, str> {
    escape_where(text, |c, next| match c {
        '\n' | '\t' => false,
        '\r' => next != Some('\n'),
        _ => is_unsafe(c),
    })
}

/// `text` with each character for which `escape(c, next char)` holds written as `\u{…}`.
fn escape_where(text: &str, escape: impl Fn(char, Option<char>) -> bool) -> Cow<'_, str> {
    let mut chars = text.char_indices().peekable();
    let first = loop {
        let Some((i, c)) = chars.next() else {
            return Cow::Borrowed(text);
        };
        if escape(c, chars.peek().map(|&(_, n)| n)) {
            break i;
        }
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..first]);
    let mut chars = text[first..].chars().peekable();
    while let Some(c) = chars.next() {
        if escape(c, chars.peek().copied()) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_borrowed() {
        assert!(matches!(
            sanitize("Shipped the guide #docs"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(sanitize_text("a\r\nb\tc\n"), Cow::Borrowed(_)));
        assert_eq!(sanitize("Grüße, 東京 — ok"), "Grüße, 東京 — ok");
    }

    #[test]
    fn controls_and_bidi_become_visible_escapes() {
        assert_eq!(sanitize("a\x1b[31mred"), "a\\u{1b}[31mred");
        assert_eq!(sanitize("bell\x07 cr\r"), "bell\\u{7} cr\\u{d}");
        assert_eq!(sanitize("two\nlines\ttab"), "two\\u{a}lines\\u{9}tab");
        assert_eq!(sanitize("x\u{9b}y\u{7f}"), "x\\u{9b}y\\u{7f}");
        for c in [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}',
        ] {
            let shown = sanitize(&format!("a{c}b")).into_owned();
            assert_eq!(shown, format!("a\\u{{{:x}}}b", c as u32));
        }
    }

    #[test]
    fn text_keeps_its_line_layout() {
        assert_eq!(
            sanitize_text("t\r\nbody\tx\rover\x1b]0;title\x07\n"),
            "t\r\nbody\tx\\u{d}over\\u{1b}]0;title\\u{7}\n"
        );
        assert_eq!(sanitize_text("end\r"), "end\\u{d}");
    }
}
