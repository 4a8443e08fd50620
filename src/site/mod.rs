//! The published site: what a partner reads. `readme` writes the Markdown index a forge
//! shows, `html` the static site in `docs/`, `feed` the Atom feed, `json` the
//! machine-readable index `wol follow` reads.
//!
//! Everything here is a pure function of the entries it is given (no clock, no
//! partner-specific data in entry pages), so the same input gives byte-identical output:
//! that is what makes republishing an unchanged journal a no-op.

pub mod feed;
pub mod html;
pub mod json;
pub mod readme;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::entry::{Entry, slugify};

/// A tag as pages link it: the name as first written and a file-name-safe slug.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TagRef {
    pub name: String,
    pub slug: String,
}

/// One published entry as templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    /// The published id: the file stem.
    pub id: String,
    pub title: String,
    /// `YYYY-MM-DD`
    pub day: String,
    /// RFC 3339
    pub datetime: String,
    pub kind: String,
    pub tags: Vec<TagRef>,
    pub author: String,
    /// `entries/YYYY/MM/<stem>.md`, relative to the published root.
    pub md_path: String,
    /// `YYYY/MM/<stem>.html`, relative to `docs/`.
    pub html_path: String,
    /// The rendered body; filled only where a page needs it.
    pub body_html: String,
}

impl EntryView {
    /// The view of the entry published at `md_path` (`entries/YYYY/MM/<stem>.md`).
    pub fn new(entry: &Entry, id: &str, md_path: &str) -> EntryView {
        let html_path = md_path
            .strip_prefix("entries/")
            .unwrap_or(md_path)
            .strip_suffix(".md")
            .map(|p| format!("{p}.html"))
            .unwrap_or_else(|| format!("{md_path}.html"));
        EntryView {
            id: id.to_string(),
            title: entry.meta.title.clone(),
            day: entry.meta.date.format("%Y-%m-%d").to_string(),
            datetime: entry.meta.date.to_rfc3339(),
            kind: entry.meta.kind.clone(),
            tags: entry.all_tags().into_iter().map(tag_ref).collect(),
            author: entry.meta.author.clone(),
            md_path: md_path.to_string(),
            html_path,
            body_html: String::new(),
        }
    }

    /// The path from this entry's page back to `docs/` (`../../` for `YYYY/MM/x.html`).
    pub fn root(&self) -> String {
        "../".repeat(self.html_path.matches('/').count())
    }
}

fn tag_ref(name: String) -> TagRef {
    TagRef {
        slug: slugify(&name),
        name,
    }
}

/// A tag with the entries carrying it (indexes into the entry list, newest first).
#[derive(Debug, Clone, Serialize)]
pub struct TagGroup {
    pub name: String,
    pub slug: String,
    pub count: usize,
    #[serde(skip)]
    pub entries: Vec<usize>,
}

/// Group entries by tag slug (tags differing only in case or punctuation are one tag),
/// sorted by name.
pub fn tag_groups(entries: &[EntryView]) -> Vec<TagGroup> {
    let mut groups: BTreeMap<String, TagGroup> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        for t in &e.tags {
            let g = groups.entry(t.slug.clone()).or_insert_with(|| TagGroup {
                name: t.name.clone(),
                slug: t.slug.clone(),
                count: 0,
                entries: Vec::new(),
            });
            if g.entries.last() != Some(&i) {
                g.entries.push(i);
                g.count += 1;
            }
        }
    }
    let mut out: Vec<TagGroup> = groups.into_values().collect();
    out.sort_by_key(|a| a.name.to_lowercase());
    out
}

/// Markdown → HTML with comrak: GFM tables, task lists, autolinks, strikethrough and
/// heading ids; raw HTML is omitted and `javascript:`-style URLs are dropped (comrak's
/// safe defaults, deliberately not changed).
pub fn markdown_to_html(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.tasklist = true;
    options.extension.autolink = true;
    options.extension.strikethrough = true;
    options.extension.header_id_prefix = Some(String::new());
    comrak::markdown_to_html(markdown, &options)
}

/// Escape text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_safely() {
        let html = markdown_to_html(
            "Hi <script>alert(1)</script>\n\n<div onclick=\"x()\">x</div>\n\n[a](javascript:alert(1)) [b](JavaScript:alert(2)) [c](data:text/html,x) [ok](https://example.org)\n",
        );
        for bad in [
            "<script",
            "onclick",
            "javascript:",
            "JavaScript:",
            "data:text/html",
        ] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("href=\"https://example.org\""), "{html}");
    }
}
