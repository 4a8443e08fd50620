//! The feeds: Atom (`feed.xml`, written with `atom_syndication`) and JSON Feed 1.1
//! (`feed.json`), for the whole log and per tag and per kind (`docs/tags/<tag>.xml`,
//! `docs/kinds/help.xml`), each of the [`FEED_LIMIT`] newest entries.
//!
//! Ids are stable URNs made from the journal's random id (`urn:wol:<journal id>:<entry
//! id>`), where the entry id is its `id` key if it has one (so a renamed file keeps its
//! id), else its file name: unique across people, unchanged by republishing, so a feed
//! reader never shows an entry twice. `published` is the entry's date and never changes;
//! `updated` is when its published text last changed (see `publish::tree`), and the
//! feed's own `updated` the newest of those (of an empty feed, the log's), never the
//! clock: an unchanged log gives a byte-identical feed.
//!
//! Links: every entry links its page (`rel="alternate"`), the feed itself (`rel="self"`)
//! and the site. With the partner's site address they are absolute; without it they are
//! relative to the file that holds them, which is why the feed at the root and the one in
//! `docs/` are two files.

use atom_syndication::{Category, Content, Entry, Feed, Link, Person, Text};
use serde::Serialize;

use super::EntryView;

/// How many entries a feed carries.
pub const FEED_LIMIT: usize = 50;

/// The longest entry HTML a feed carries whole (see [`FeedSpec::content`]).
pub const CONTENT_MAX: usize = 64 * 1024;

/// One feed to write.
pub struct FeedSpec<'a> {
    /// The feed's own id.
    pub id: String,
    pub title: String,
    /// Prefix that turns a page path relative to `docs/` into a link from this feed:
    /// the site address, or the relative way from the feed's folder to `docs/`.
    pub pages: &'a str,
    /// This feed's own address, as the same kind of link.
    pub self_href: String,
    /// The other format's address (Atom ↔ JSON Feed), as the same kind of link.
    pub alternate_feed: Option<String>,
    /// An SPDX licence id for `<rights>`.
    pub license: Option<&'a str>,
    /// The journal's stable id, for entry ids.
    pub journal_id: &'a str,
    /// The feed's `updated` when it carries no entry (a kind feed nothing is of yet):
    /// when the log as a whole last changed, so it is neither 1970 nor the clock.
    pub log_updated: chrono::DateTime<chrono::FixedOffset>,
}

impl FeedSpec<'_> {
    fn entry_id(&self, e: &EntryView) -> String {
        format!("urn:wol:{}:{}", self.journal_id, e.uid)
    }

    /// The entry's HTML as this feed carries it: links to the entry's attachments
    /// (`<id>/<file>`, relative to its page) and to its headings (`#next`) made to work
    /// from where the feed is read.
    /// An entry longer than [`CONTENT_MAX`] is carried as a link to its page: every tag
    /// feed carries it again, and a feed of 50 such entries would be many megabytes.
    fn content(&self, e: &EntryView) -> String {
        if e.body_html.len() > CONTENT_MAX {
            return format!(
                "<p>A long entry ({} kB): <a href=\"{}{}\">read it on its page</a>.</p>",
                e.body_html.len() / 1000,
                self.pages,
                super::readme::link(&e.html_path())
            );
        }
        // A link to a heading (`#learned`) is to the entry's page, not to the feed.
        let page = format!("{}{}", self.pages, super::readme::link(&e.html_path()));
        let body = if e.body_html.contains("href=\"#") {
            e.body_html.replace("href=\"#", &format!("href=\"{page}#"))
        } else {
            e.body_html.clone()
        };
        let prefix = format!("=\"{}/", e.id);
        if !body.contains(&prefix) {
            return body;
        }
        let html_path = e.html_path();
        let page_dir = html_path.rsplit_once('/').map_or("", |(d, _)| d);
        let base = format!("{}{page_dir}/", self.pages);
        body.replace(&format!("src{prefix}"), &format!("src=\"{base}{}/", e.id))
            .replace(&format!("href{prefix}"), &format!("href=\"{base}{}/", e.id))
    }
}

/// The Atom feed of `entries` (newest first, `body_html` filled for those that should
/// carry their text).
pub fn atom(spec: &FeedSpec<'_>, entries: &[&EntryView]) -> String {
    let entries = &entries[..entries.len().min(FEED_LIMIT)];
    let mut feed = Feed {
        title: Text::plain(spec.title.clone()),
        id: spec.id.clone(),
        rights: spec.license.map(|l| Text::plain(format!("Licensed {l}"))),
        ..Feed::default()
    };
    // The newest instant, not the greatest string: entries can carry other offsets.
    feed.updated = entries
        .iter()
        .filter_map(|e| chrono::DateTime::parse_from_rfc3339(&e.updated).ok())
        .max()
        .unwrap_or(spec.log_updated);
    let mut links = vec![
        Link {
            href: spec.self_href.clone(),
            rel: "self".into(),
            mime_type: Some("application/atom+xml".into()),
            ..Link::default()
        },
        Link {
            href: format!("{}index.html", spec.pages),
            rel: "alternate".into(),
            mime_type: Some("text/html".into()),
            ..Link::default()
        },
    ];
    if let Some(json) = &spec.alternate_feed {
        links.push(Link {
            href: json.clone(),
            rel: "alternate".into(),
            mime_type: Some("application/feed+json".into()),
            ..Link::default()
        });
    }
    feed.links = links;
    // Atom wants an author for every entry, its own or the feed's: an entry without one
    // (written by hand, imported) is the log's.
    if entries.iter().any(|e| e.author().is_empty()) {
        feed.authors = vec![Person {
            name: spec.title.clone(),
            ..Person::default()
        }];
    }
    feed.entries = entries
        .iter()
        .map(|e| {
            let published = e.date();
            let updated = chrono::DateTime::parse_from_rfc3339(&e.updated).unwrap_or(published);
            Entry {
                title: Text::plain(e.title()),
                id: spec.entry_id(e),
                updated,
                published: Some(published),
                links: vec![Link {
                    href: format!("{}{}", spec.pages, super::readme::link(&e.html_path())),
                    rel: "alternate".into(),
                    mime_type: Some("text/html".into()),
                    ..Link::default()
                }],
                authors: if e.author().is_empty() {
                    Vec::new()
                } else {
                    vec![Person {
                        name: e.author().to_string(),
                        ..Person::default()
                    }]
                },
                categories: e
                    .tag_names()
                    .map(|t| Category {
                        term: t.to_string(),
                        ..Default::default()
                    })
                    .collect(),
                content: (!e.body_html.is_empty()).then(|| Content {
                    value: Some(spec.content(e)),
                    content_type: Some("html".into()),
                    ..Content::default()
                }),
                ..Entry::default()
            }
        })
        .collect();
    let mut text = super::valid_chars(feed.to_string());
    text.push('\n');
    text
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: String,
    feed_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    license: Option<&'a str>,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: String,
    url: String,
    title: &'a str,
    #[serde(skip_serializing_if = "String::is_empty")]
    content_html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    date_published: String,
    date_modified: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonAuthor<'a>>,
}

#[derive(Serialize)]
struct JsonAuthor<'a> {
    name: &'a str,
}

/// The JSON Feed 1.1 of `entries`, the same items as [`atom`].
pub fn json(spec: &FeedSpec<'_>, entries: &[&EntryView]) -> String {
    let entries = &entries[..entries.len().min(FEED_LIMIT)];
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &spec.title,
        home_page_url: format!("{}index.html", spec.pages),
        feed_url: &spec.self_href,
        license: spec.license,
        items: entries
            .iter()
            .map(|e| JsonItem {
                id: spec.entry_id(e),
                url: format!("{}{}", spec.pages, super::readme::link(&e.html_path())),
                title: e.title(),
                content_html: spec.content(e),
                // JSON Feed requires content; an entry without its text gets its title.
                content_text: e.body_html.is_empty().then_some(e.title()),
                date_published: e.datetime(),
                date_modified: &e.updated,
                tags: e.tag_names().collect(),
                authors: if e.author().is_empty() {
                    Vec::new()
                } else {
                    vec![JsonAuthor { name: e.author() }]
                },
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&feed).expect("a feed serializes");
    // As in wol.json: `<`, `>`, `&` only occur in strings; escaped, a title like
    // `<script>` stays inert wherever the JSON is pasted. The decoded values are the same.
    let mut text = text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    text.push('\n');
    text
}
