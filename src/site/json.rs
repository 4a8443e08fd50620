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
//! both.
//!
//! A log of more than [`INLINE_MAX`] entries keeps its older months apart: `wol.json`
//! then lists the entries of its newest months (at most [`INLINE_MAX`] of them, and at
//! least the newest month whole), and adds `total` (every entry of the log) and
//! `archives`, newest first: one `{"month": "YYYY-MM", "path": "json/YYYY-MM.json",
//! "entries": N}` per older month, whose file holds `schema_version`, `journal_id`,
//! `month` and that month's `entries`, in the same form. A new entry then rewrites
//! `wol.json` and no archive: what a publish renders, compresses and pushes stays the size
//! of the newest months, not of the whole log (3 MB at 10,000 entries, 31 MB at
//! 100,000). Readers that take only `entries` see the newest entries, as before; a log of
//! up to [`INLINE_MAX`] entries has no archive and is written as it always was.

use std::collections::HashMap;

use git2::{Repository, Tree};
use serde::{Deserialize, Serialize};

use super::Views;
use super::html::SiteInfo;

/// Bump on an incompatible change of the layout below.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
struct Item<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    title: &'a str,
    date: String,
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mentions: Vec<&'a str>,
}

/// The most entries `wol.json` lists itself when the log keeps older months apart (see
/// the module's documentation).
pub const INLINE_MAX: usize = 1000;

/// Where the entries of the month `label` (`YYYY-MM`) are kept apart.
pub fn archive_path(label: &str) -> String {
    format!("json/{label}.json")
}

/// The month `YYYY-MM` of an archive path wol writes, `None` for any other path: a
/// followed log's `archives` name files of that form only.
pub fn archive_month(path: &str) -> Option<&str> {
    let label = path.strip_prefix("json/")?.strip_suffix(".json")?;
    is_month_label(label).then_some(label)
}

fn is_month_label(label: &str) -> bool {
    let b = label.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit())
}

/// Which of `entries` (newest first) `wol.json` lists, and the months kept apart, newest
/// first, with their entries (indexes into `entries`, in order). An entry whose day has
/// no `YYYY-MM` month (a year past 9999) is always listed.
fn split(entries: &(impl Views + ?Sized)) -> (Vec<usize>, Vec<(String, Vec<usize>)>) {
    // Months as numbers, which order as their `YYYY-MM` labels do: only entries with
    // such a label ([`super::EntryView::month_numbers`]) are ever kept apart.
    let month = |i: usize| entries.brief(i).month_numbers();
    if entries.len() <= INLINE_MAX {
        return ((0..entries.len()).collect(), Vec::new());
    }
    let mut counts: std::collections::BTreeMap<(i32, u32), usize> = Default::default();
    for i in 0..entries.len() {
        if let Some(label) = month(i) {
            *counts.entry(label).or_default() += 1;
        }
    }
    let mut listed = entries.len() - counts.values().sum::<usize>();
    let mut apart: std::collections::BTreeMap<(i32, u32), Vec<usize>> = Default::default();
    for (n, (label, &count)) in counts.iter().rev().enumerate() {
        if n == 0 || apart.is_empty() && listed + count <= INLINE_MAX {
            listed += count;
        } else {
            apart.insert(*label, Vec::with_capacity(count));
        }
    }
    let mut inline = Vec::with_capacity(listed);
    for i in 0..entries.len() {
        match month(i).and_then(|label| apart.get_mut(&label)) {
            Some(list) => list.push(i),
            None => inline.push(i),
        }
    }
    let label = |(year, month): (i32, u32)| format!("{year:04}-{month:02}");
    let apart = apart.into_iter().rev().map(|(m, list)| (label(m), list));
    (inline, apart.collect())
}

/// The index of `entries` (newest first): `wol.json`, given to `put` with its path, then
/// each month kept apart, if any (see the module's documentation), given to
/// `put_month` as its label (`YYYY-MM`), its entries (indexes into `entries`) and a way
/// to render its file, which goes to [`archive_path`]: a caller that has it from before
/// need not render it. One entry per line, so the files stay compact and git diffs of
/// them readable.
pub fn render(
    info: &SiteInfo,
    entries: &(impl Views + ?Sized),
    mut put: impl FnMut(&str, &str) -> anyhow::Result<()>,
    mut put_month: impl FnMut(&str, &[usize], &dyn Fn() -> String) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let string = |s: &str| serde_json::to_string(s).expect("a string serializes");
    let (inline, apart) = split(entries);
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
    if !apart.is_empty() {
        head.push_str(&format!("\"total\": {},\n\"archives\": [", entries.len()));
        for (n, (label, list)) in apart.iter().enumerate() {
            head.push_str(if n == 0 { "\n" } else { ",\n" });
            head.push_str(&format!(
                "{{\"month\":\"{label}\",\"path\":\"{}\",\"entries\":{}}}",
                archive_path(label),
                list.len()
            ));
        }
        head.push_str("\n],\n");
    }
    put("wol.json", &index_file(info, entries, &head, &inline))?;
    for (label, list) in &apart {
        let head = format!(
            "{{\"schema_version\": {SCHEMA_VERSION},\n\"journal_id\": {},\n\"month\": \"{label}\",\n",
            string(&info.journal_id)
        );
        put_month(label, list, &|| index_file(info, entries, &head, list))?;
    }
    Ok(())
}

/// One file of the index: `head` (its fields before `entries`), then `entries[list]`.
fn index_file(
    info: &SiteInfo,
    entries: &(impl Views + ?Sized),
    head: &str,
    list: &[usize],
) -> String {
    // One pass into one buffer: every copy of a file counts against publish's memory.
    let mut text = String::with_capacity(head.len() + list.len() * 360 + 20);
    push_inert(&mut text, head);
    text.push_str("\"entries\": [");
    let mut item_json = Vec::new();
    for (n, e) in list.iter().map(|&i| entries.view(i)).enumerate() {
        let item = Item {
            path: &e.md_path,
            id: (e.uid != e.id).then_some(&*e.uid),
            title: e.title(),
            date: e.datetime(),
            updated: &e.updated,
            kind: e.kind(),
            tags: e.tag_names().collect(),
            author: e.author(),
            url: info
                .url
                .as_ref()
                .map(|u| format!("{u}{}", super::readme::link(&e.html_path()))),
            learned: e.learned(),
            next: e.next(),
            help_wanted: e.help_wanted(),
            mentions: e.mentions().collect(),
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
/// publish) and in the months it keeps apart; empty when there is none or it cannot be
/// read.
pub fn updated_times(repo: &Repository, tree: &Tree<'_>) -> HashMap<String, String> {
    #[derive(Deserialize)]
    struct Index {
        #[serde(default)]
        entries: Vec<Entry>,
        #[serde(default)]
        archives: Vec<Archive>,
    }
    #[derive(Deserialize)]
    struct Archive {
        path: String,
    }
    #[derive(Deserialize)]
    struct Entry {
        path: String,
        updated: Option<String>,
    }
    let read = |path: &str| -> Option<Index> {
        let entry = tree.get_path(std::path::Path::new(path)).ok()?;
        let blob = repo.find_blob(entry.id()).ok()?;
        serde_json::from_slice::<Index>(blob.content()).ok()
    };
    let Some(index) = read("wol.json") else {
        return HashMap::new();
    };
    let mut times = HashMap::new();
    let archives = index
        .archives
        .iter()
        .filter(|a| archive_month(&a.path).is_some())
        .filter_map(|a| read(&a.path));
    for part in std::iter::once(index.entries).chain(archives.map(|a| a.entries)) {
        times.extend(part.into_iter().filter_map(|e| Some((e.path, e.updated?))));
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Entry, Schema, Visibility};
    use crate::site::EntryView;

    /// Every file `render` makes, in order, as (path, text).
    fn files(info: &SiteInfo, views: &[EntryView]) -> Vec<(String, String)> {
        let out = std::cell::RefCell::new(Vec::new());
        render(
            info,
            views,
            |path, text| {
                out.borrow_mut().push((path.to_string(), text.to_string()));
                Ok(())
            },
            |label, _, text| {
                out.borrow_mut().push((archive_path(label), text()));
                Ok(())
            },
        )
        .unwrap();
        out.into_inner()
    }

    /// `counts[i]` entries in each month `months[i]`, newest month first.
    fn views_in(months: &[&str], counts: &[usize]) -> Vec<EntryView<'static>> {
        let kinds = vec!["progress".to_string()];
        let schema = Schema {
            kinds: &kinds,
            default_visibility: Visibility::Public,
        };
        let mut views = Vec::new();
        for (month, &count) in months.iter().zip(counts) {
            for n in (0..count).rev() {
                let (day, minute) = (1 + n / 1440 % 28, n % 1440);
                let file = format!(
                    "+++\ntitle = \"E {month} {n}\"\ndate = {month}-{day:02}T{:02}:{:02}:00+01:00\nkind = \"progress\"\nauthor = \"A\"\n+++\n\nText.\n",
                    minute / 60,
                    minute % 60
                );
                let entry = Entry::parse(file.as_bytes(), &schema).unwrap();
                let id = format!("{month}-{n}");
                let path = format!("entries/{}/{id}.md", month.replace('-', "/"));
                views.push(EntryView::new(&entry, &id, &path));
            }
        }
        views
    }

    fn info() -> SiteInfo {
        SiteInfo {
            title: "Log".into(),
            journal_id: "j1".into(),
            lang: "en".into(),
            url: None,
            license: None,
            handles: Default::default(),
        }
    }

    fn paths(text: &str) -> Vec<String> {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        value["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["path"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn a_log_of_up_to_inline_max_entries_is_one_file_without_archives() {
        let views = views_in(&["2026-11", "2026-10"], &[INLINE_MAX - 10, 10]);
        let out = files(&info(), &views);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, "wol.json");
        assert!(!out[0].1.contains("\"archives\"") && !out[0].1.contains("\"total\""));
        assert_eq!(paths(&out[0].1).len(), INLINE_MAX);
    }

    #[test]
    fn older_months_of_a_large_log_are_kept_apart_and_nothing_is_lost() {
        let views = views_in(&["2026-11", "2026-10", "2026-09"], &[700, 400, 100]);
        let out = files(&info(), &views);
        let names: Vec<&str> = out.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            names,
            ["wol.json", "json/2026-10.json", "json/2026-09.json"]
        );
        let index: serde_json::Value = serde_json::from_str(&out[0].1).unwrap();
        assert_eq!(index["schema_version"], SCHEMA_VERSION);
        assert_eq!(index["total"], 1200);
        assert_eq!(
            index["archives"],
            serde_json::json!([
                {"month": "2026-10", "path": "json/2026-10.json", "entries": 400},
                {"month": "2026-09", "path": "json/2026-09.json", "entries": 100},
            ])
        );
        let archive: serde_json::Value = serde_json::from_str(&out[2].1).unwrap();
        assert_eq!(archive["month"], "2026-09");
        assert_eq!(archive["journal_id"], "j1");
        // Every entry once, newest first across the files.
        let all: Vec<String> = out.iter().flat_map(|(_, text)| paths(text)).collect();
        let want: Vec<String> = views.iter().map(|v| v.md_path.to_string()).collect();
        assert_eq!(all, want);
        assert_eq!(archive_month("json/2026-09.json"), Some("2026-09"));
        for path in [
            "json/../x.json",
            "json/2026-9.json",
            "wol.json",
            "json/2026-09.json/x",
        ] {
            assert_eq!(archive_month(path), None, "{path}");
        }
    }

    #[test]
    fn a_newest_month_larger_than_inline_max_is_listed_whole() {
        let views = views_in(&["2026-11", "2026-10"], &[INLINE_MAX + 5, 3]);
        let out = files(&info(), &views);
        assert_eq!(out.len(), 2);
        assert_eq!(paths(&out[0].1).len(), INLINE_MAX + 5);
        assert_eq!(paths(&out[1].1).len(), 3);
    }

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
        let text = files(&info, &views).remove(0).1;
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
