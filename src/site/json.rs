//! `wol.json`: the machine-readable index `wol follow` and scripts read.
//!
//! `journal_id` is the publishing journal's stable id: in a shared community repo it marks
//! whose folder `logs/<slug>/` is. Per entry: `path` (the Markdown file; its HTML page is `docs/` + the same path minus
//! `entries/`, with `.html`; its id is the file stem), `title`, `date`, `kind`, `tags`,
//! `author`. Nothing derivable is repeated: the file is rewritten and pushed whenever an
//! entry is added, so its size is most of what a one-entry publish costs.

use serde::Serialize;

use super::EntryView;

/// Bump on an incompatible change of the layout below.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Item<'a> {
    path: &'a str,
    title: &'a str,
    date: &'a str,
    kind: &'a str,
    tags: Vec<&'a str>,
    author: &'a str,
}

/// The index of `entries` (newest first): one entry per line, so it stays compact for
/// large logs and git diffs of it stay readable.
pub fn render(title: &str, journal_id: &str, entries: &[EntryView]) -> String {
    let mut text = format!(
        "{{\"schema_version\": {SCHEMA_VERSION},\n\"title\": {},\n\"journal_id\": {},\n\"entries\": [",
        serde_json::to_string(title).expect("a string serializes"),
        serde_json::to_string(journal_id).expect("a string serializes")
    );
    for (n, item) in entries
        .iter()
        .map(|e| Item {
            path: &e.md_path,
            title: &e.title,
            date: &e.datetime,
            kind: &e.kind,
            tags: e.tags.iter().map(|t| t.name.as_str()).collect(),
            author: &e.author,
        })
        .enumerate()
    {
        text.push_str(if n == 0 { "\n" } else { ",\n" });
        text.push_str(&serde_json::to_string(&item).expect("an entry serializes"));
    }
    text.push_str("\n]}");
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
