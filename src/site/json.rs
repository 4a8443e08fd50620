//! `wol.json`: the machine-readable index `wol follow` and scripts read.
//!
//! Schema version 2. Top level: `schema_version`, `title`, `journal_id` (the publishing
//! journal's stable id; in a shared community repo it marks whose folder `logs/<slug>/`
//! is), `license` (SPDX id, when set), `site` (where `docs/` is served, when known), and
//! `entries`, newest first. Per entry: `path` (the Markdown file; its page is `docs/` +
//! the same path minus `entries/`, with `.html`), `title`, `date`, `updated`, `kind`,
//! `tags`, `author`, and, when present, `url` (the page's absolute address), `learned`,
//! `next`, `help_wanted` (plain text, at most [`super::PART_MAX`] characters),
//! `mentions`, and `id`: the entry's id in the feeds, given only where it is not the file
//! name without `.md` (an entry whose file a new date moved keeps the id its followers
//! know). Version 1 had only path, title, date, kind, tags and author; readers take
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
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
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
    let mut head = format!(
        "{{\"schema_version\": {SCHEMA_VERSION},\n\"title\": {},\n\"journal_id\": {},\n",
        string(&info.title),
        string(&info.journal_id)
    );
    if let Some(license) = &info.license {
        head.push_str(&format!("\"license\": {},\n", string(license)));
    }
    if let Some(url) = &info.url {
        head.push_str(&format!("\"site\": {},\n", string(url)));
    }
    head.push_str("\"entries\": [");
    // One pass into one buffer: at 100,000 entries the file is 30 MB, and every copy of
    // it counts against publish's memory.
    let mut text = String::with_capacity(head.len() + entries.len() * 360 + 4);
    push_inert(&mut text, &head);
    let mut item_json = Vec::new();
    for (n, e) in entries.iter().enumerate() {
        let item = Item {
            path: &e.md_path,
            id: (e.uid != e.id).then_some(e.uid.as_str()),
            title: &e.title,
            date: &e.datetime,
            updated: &e.updated,
            kind: &e.kind,
            tags: e.tags.iter().map(|t| t.name.as_str()).collect(),
            author: &e.author,
            url: info
                .url
                .as_ref()
                .map(|u| format!("{u}{}", super::readme::link(&e.html_path))),
            learned: e.learned.as_deref(),
            next: e.next.as_deref(),
            help_wanted: e.help_wanted.as_deref(),
            mentions: &e.mentions,
        };
        text.push_str(if n == 0 { "\n" } else { ",\n" });
        item_json.clear();
        serde_json::to_writer(&mut item_json, &item).expect("an entry serializes");
        push_inert(
            &mut text,
            std::str::from_utf8(&item_json).expect("serde_json writes UTF-8"),
        );
    }
    text.push_str("\n]}\n");
    text
}

/// Append `json` with `<`, `>` and `&` escaped. They can only occur inside JSON strings;
/// escaping them (as Go's encoder does) keeps a title like `<script>` inert even where a
/// consumer pastes the JSON into HTML. The decoded values are unchanged.
fn push_inert(out: &mut String, json: &str) {
    let mut rest = json;
    while let Some(at) = rest.find(['<', '>', '&']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'<' => "\\u003c",
            b'>' => "\\u003e",
            _ => "\\u0026",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// Whose log the `wol.json` at the top of `tree` says it is: `None` when there is no
/// `wol.json` wol can read, `Some(None)` for one written by a wol that recorded no journal
/// id, else `Some(Some(id))`.
pub fn journal_id(repo: &Repository, tree: &Tree<'_>) -> Option<Option<String>> {
    #[derive(Deserialize)]
    struct Head {
        journal_id: Option<String>,
    }
    let blob = repo.find_blob(tree.get_name("wol.json")?.id()).ok()?;
    let head = serde_json::from_slice::<Head>(blob.content()).ok()?;
    Some(head.journal_id.filter(|id| !id.is_empty()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Entry, Schema, Visibility};

    #[test]
    fn markup_characters_are_escaped_everywhere_and_decode_unchanged() {
        let kinds = vec!["progress".to_string()];
        let schema = Schema {
            kinds: &kinds,
            default_visibility: Visibility::Public,
        };
        let file = "+++\ntitle = \"<b>Fish & chips</b> -> done\"\ndate = 2026-11-22T14:32:05+01:00\nkind = \"progress\"\ntags = [\"a&b\"]\nauthor = \"T <t@x>\"\n+++\n\n## Learned\n\n1 < 2 && 3 >= 2\n";
        let entry = Entry::parse(file.as_bytes(), &schema).unwrap();
        let views: Vec<EntryView> = (0..3)
            .map(|n| {
                EntryView::new(
                    &entry,
                    &format!("e{n}"),
                    &format!("entries/2026/11/e{n}.md"),
                )
            })
            .collect();
        let info = SiteInfo {
            title: "R&D <log>".into(),
            journal_id: "j>1".into(),
            lang: "en".into(),
            url: Some("https://example.org/a&b/".into()),
            license: Some("CC-BY-4.0 <x>".into()),
            handles: Default::default(),
        };
        let text = render(&info, &views);
        assert!(!text.contains(['<', '>', '&']), "{text}");
        assert!(text.ends_with("\n]}\n") && text.contains("\\u003cb\\u003eFish \\u0026 chips"));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["title"], "R&D <log>");
        assert_eq!(value["license"], "CC-BY-4.0 <x>");
        assert_eq!(value["entries"][2]["title"], "<b>Fish & chips</b> -> done");
        assert_eq!(value["entries"][0]["tags"][0], "a&b");
        assert!(
            value["entries"][1]["learned"]
                .as_str()
                .unwrap()
                .starts_with("1 < 2 && 3")
        );
        assert_eq!(
            value["entries"][1]["url"],
            "https://example.org/a&b/2026/11/e1.html"
        );
        assert_eq!(text.lines().count(), 3 + 2 + 1 + 3 + 1);
    }
}
