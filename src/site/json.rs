//! `wol.json`: the machine-readable index `wol follow` and scripts read.
//!
//! Schema version 2. Top level: `schema_version`, `title`, `journal_id` (the publishing
//! journal's stable id; in a shared community repo it marks whose folder `logs/<slug>/`
//! is), `license` (SPDX id, when set), `site` (where `docs/` is served, when known), and
//! `entries`, newest first. Per entry: `path` (the Markdown file; its page is `docs/` +
//! the same path minus `entries/`, with `.html`), `title`, `date`, `updated`, `kind`,
//! `tags`, `author`, and, when present, `url` (the page's absolute address), `learned`,
//! `next`, `help_wanted` (plain text, at most [`super::PART_MAX`] characters) and
//! `mentions`. Version 1 had only path, title, date, kind, tags and author; readers take
//! both. The file is rewritten whenever an entry is added, so its size is most of what a
//! one-entry publish costs: one line per entry, nothing repeated.

use std::collections::HashMap;

use git2::{Repository, Tree};
use serde::{Deserialize, Serialize};

use super::EntryView;
use super::html::SiteInfo;

/// Bump on an incompatible change of the layout below.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
struct Item<'a> {
    path: &'a str,
    title: &'a str,
    date: &'a str,
    updated: &'a str,
    kind: &'a str,
    tags: Vec<&'a str>,
    author: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    learned: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_wanted: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    mentions: &'a [String],
}

/// The index of `entries` (newest first): one entry per line, so it stays compact for
/// large logs and git diffs of it stay readable.
pub fn render(info: &SiteInfo, entries: &[EntryView]) -> String {
    let string = |s: &str| serde_json::to_string(s).expect("a string serializes");
    let mut text = format!(
        "{{\"schema_version\": {SCHEMA_VERSION},\n\"title\": {},\n\"journal_id\": {},\n",
        string(&info.title),
        string(&info.journal_id)
    );
    if let Some(license) = &info.license {
        text.push_str(&format!("\"license\": {},\n", string(license)));
    }
    if let Some(url) = &info.url {
        text.push_str(&format!("\"site\": {},\n", string(url)));
    }
    text.push_str("\"entries\": [");
    for (n, e) in entries.iter().enumerate() {
        let item = Item {
            path: &e.md_path,
            title: &e.title,
            date: &e.datetime,
            updated: &e.updated,
            kind: &e.kind,
            tags: e.tags.iter().map(|t| t.name.as_str()).collect(),
            author: &e.author,
            url: info.url.as_ref().map(|u| format!("{u}{}", e.html_path)),
            learned: e.learned.as_deref(),
            next: e.next.as_deref(),
            help_wanted: e.help_wanted.as_deref(),
            mentions: &e.mentions,
        };
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

/// `path` → `updated` of the entries in the `wol.json` at the top of `tree` (a previous
/// publish); empty when there is none or it cannot be read.
pub fn updated_times(repo: &Repository, tree: &Tree<'_>) -> HashMap<String, String> {
    #[derive(Deserialize)]
    struct Index {
        #[serde(default)]
        entries: Vec<Entry>,
    }
    #[derive(Deserialize)]
    struct Entry {
        path: String,
        updated: Option<String>,
    }
    let Some(entry) = tree.get_name("wol.json") else {
        return HashMap::new();
    };
    let Ok(blob) = repo.find_blob(entry.id()) else {
        return HashMap::new();
    };
    serde_json::from_slice::<Index>(blob.content())
        .map(|index| {
            index
                .entries
                .into_iter()
                .filter_map(|e| Some((e.path, e.updated?)))
                .collect()
        })
        .unwrap_or_default()
}
