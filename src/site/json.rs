//! `wol.json`: the machine-readable index `wol follow` and scripts read.

use serde::Serialize;

use super::EntryView;

/// Bump on an incompatible change of the layout below.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Index<'a> {
    schema_version: u32,
    title: &'a str,
    entries: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    path: &'a str,
    page: String,
    title: &'a str,
    date: &'a str,
    kind: &'a str,
    tags: Vec<&'a str>,
    author: &'a str,
}

/// The index of `entries` (newest first), pretty-printed with a trailing newline.
pub fn render(title: &str, entries: &[EntryView]) -> String {
    let index = Index {
        schema_version: SCHEMA_VERSION,
        title,
        entries: entries
            .iter()
            .map(|e| Item {
                id: &e.id,
                path: &e.md_path,
                page: format!("docs/{}", e.html_path),
                title: &e.title,
                date: &e.datetime,
                kind: &e.kind,
                tags: e.tags.iter().map(|t| t.name.as_str()).collect(),
                author: &e.author,
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&index).expect("the index serializes");
    // `<`, `>` and `&` can only occur inside JSON strings; escaping them (as Go's encoder
    // does) keeps a title like `<script>` inert even where a consumer pastes the JSON
    // into HTML. The decoded values are unchanged.
    let mut text = text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    text.push('\n');
    text
}
