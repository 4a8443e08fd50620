//! `README.md`, the index a forge shows first: the newest entries, then every entry by
//! kind and by tag, in the manner of the well-kept "TIL" repositories. Links are
//! relative, so they work in any forge's Markdown view and in a clone.

use std::fmt::Write as _;

use super::{TagGroup, Views};

/// How many entries "Latest" shows.
pub const LATEST: usize = 10;
/// How many entries each kind and tag section lists (newest first); the rest are a link
/// away. This keeps the README small and mostly unchanged as the log grows, which is
/// what keeps a one-entry publish cheap.
pub const SECTION_LIMIT: usize = 20;

/// The README of a published log titled `title`.
pub fn render(
    title: &str,
    entries: &(impl Views + ?Sized),
    kinds: &[String],
    tags: &[TagGroup],
    digests: &[String],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", escape(title));
    let _ = writeln!(
        out,
        "{} entr{}, newest first. Also as a [web page](docs/index.html), an [Atom feed](feed.xml) and [JSON](wol.json).\n",
        entries.len(),
        if entries.len() == 1 { "y" } else { "ies" }
    );
    if entries.is_empty() {
        return out;
    }
    let _ = writeln!(out, "## Latest\n");
    for e in entries.views(0..entries.len().min(LATEST)) {
        let _ = writeln!(
            out,
            "- {} · {} · [{}]({})",
            e.day(),
            e.kind(),
            escape(e.title()),
            link(&e.md_path)
        );
    }
    if !digests.is_empty() {
        // Newest first; a digest's file name is its period (`2026-W47.md`).
        let _ = writeln!(out, "\n## Digests\n");
        for path in digests.iter().rev().take(SECTION_LIMIT) {
            let label = path
                .rsplit('/')
                .next()
                .and_then(|n| n.strip_suffix(".md"))
                .unwrap_or(path);
            let _ = writeln!(out, "- [{}]({})", escape(label), link(path));
        }
    }
    let _ = writeln!(out, "\n## By kind\n");
    // Each kind's newest entries and how many older ones, in one pass over the entries.
    let mut of_kind: Vec<(Vec<usize>, usize)> = vec![(Vec::new(), 0); kinds.len()];
    for i in 0..entries.len() {
        let kind = entries.brief(i).kind();
        // (A kind `wol.toml` names twice gets its section twice, as it always did.)
        let of_this = kinds.iter().zip(&mut of_kind).filter(|(k, _)| kind == *k);
        for (_, (newest, older)) in of_this {
            if newest.len() < SECTION_LIMIT {
                newest.push(i);
            } else {
                *older += 1;
            }
        }
    }
    for (kind, (newest, older)) in kinds.iter().zip(of_kind) {
        if newest.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {kind}\n");
        for e in newest.into_iter().map(|i| entries.view(i)) {
            let _ = writeln!(
                out,
                "- [{}]({}) · {}",
                escape(e.title()),
                link(&e.md_path),
                e.day()
            );
        }
        if older > 0 {
            let _ = writeln!(
                out,
                "- … and {older} older: see [the web page](docs/index.html) or [wol.json](wol.json)"
            );
        }
        out.push('\n');
    }
    if !tags.is_empty() {
        let _ = writeln!(out, "## By tag\n");
        for t in tags {
            let _ = writeln!(out, "### {}\n", escape(&format!("#{}", t.name)));
            for &i in t.entries.iter().take(SECTION_LIMIT) {
                let e = entries.view(i);
                let _ = writeln!(
                    out,
                    "- [{}]({}) · {}",
                    escape(e.title()),
                    link(&e.md_path),
                    e.day()
                );
            }
            if t.entries.len() > SECTION_LIMIT {
                let _ = writeln!(
                    out,
                    "- … and {} older: see [#{}](docs/tags/{}.html)",
                    t.entries.len() - SECTION_LIMIT,
                    escape(&t.name),
                    t.slug
                );
            }
            out.push('\n');
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    super::valid_chars(out)
}

/// A relative path as a link target (Markdown, HTML, feeds): characters that would end
/// or break the link (spaces, parentheses, angle brackets, quotes) or change what it
/// points at (`#` starts a fragment, `?` a query, `%` an escape) are percent-encoded.
pub fn link(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '"' => out.push_str("%22"),
            '\'' => out.push_str("%27"),
            '&' => out.push_str("%26"),
            '\\' => out.push_str("%5C"),
            // A control character in a hand-made file name: encoded, so the link still
            // points at the file (and nothing raw reaches a terminal or a parser).
            c if c.is_control() || super::forbidden(c) => {
                for b in c.to_string().bytes() {
                    let _ = write!(out, "%{b:02X}");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Escape text so Markdown shows it literally: no raw HTML, no stray links or emphasis.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_and_paths_cannot_break_out_of_a_link() {
        assert_eq!(
            escape("a [b](c) <x> & *y*"),
            "a \\[b\\](c) &lt;x&gt; &amp; \\*y\\*"
        );
        assert_eq!(link("entries/a b(1).md"), "entries/a%20b%281%29.md");
        // Control characters: never raw in a Markdown file, and a link still finds the
        // file whose name holds one.
        // (A file takes them out whole: see `render`, and `super::valid_chars`.)
        assert_eq!(
            super::super::valid_chars(escape("a\u{1b}]0;x\u{7}b\u{0}c\u{85}d")),
            "a\\]0;xbcd"
        );
        assert_eq!(link("nl\tname\u{1b}.md"), "nl%09name%1B.md");
        assert_eq!(
            link("2026/11/C# tips?100%.html"),
            "2026/11/C%23%20tips%3F100%25.html"
        );
    }
}
