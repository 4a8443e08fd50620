//! `feed.xml`: an Atom feed of the newest entries, written with `atom_syndication`.
//!
//! Ids are stable URNs made from the journal's random id (`urn:wol:<journal id>:<entry
//! id>`), unique across people and unchanged by republishing, so a feed reader never
//! shows an entry twice and two people's partners of the same name never collide; `updated` is the newest entry's date, never the clock, so an unchanged
//! log gives a byte-identical feed. The content is the rendered HTML body, which the
//! writer escapes.

use atom_syndication::{Content, Entry, Feed, Link, Person, Text};

use super::EntryView;

/// How many entries the feed carries.
pub const FEED_LIMIT: usize = 50;

/// The feed for `partner` titled `title`; `entries` newest first with `body_html` filled
/// for the first [`FEED_LIMIT`].
pub fn render(journal_id: &str, partner: &str, title: &str, entries: &[EntryView]) -> String {
    let mut feed = Feed {
        title: Text::plain(title),
        id: format!("urn:wol:{journal_id}:{partner}"),
        ..Feed::default()
    };
    if let Some(newest) = entries.iter().map(|e| e.datetime.as_str()).max()
        && let Ok(d) = chrono::DateTime::parse_from_rfc3339(newest)
    {
        feed.updated = d;
    }
    feed.links = vec![Link {
        href: "feed.xml".into(),
        rel: "self".into(),
        mime_type: Some("application/atom+xml".into()),
        ..Link::default()
    }];
    feed.entries = entries
        .iter()
        .take(FEED_LIMIT)
        .map(|e| {
            let date = chrono::DateTime::parse_from_rfc3339(&e.datetime).unwrap_or_default();
            Entry {
                title: Text::plain(e.title.clone()),
                id: format!("urn:wol:{journal_id}:{}", e.id),
                updated: date,
                published: Some(date),
                authors: if e.author.is_empty() {
                    Vec::new()
                } else {
                    vec![Person {
                        name: e.author.clone(),
                        ..Person::default()
                    }]
                },
                categories: e
                    .tags
                    .iter()
                    .map(|t| atom_syndication::Category {
                        term: t.name.clone(),
                        ..Default::default()
                    })
                    .collect(),
                content: Some(Content {
                    value: Some(e.body_html.clone()),
                    content_type: Some("html".into()),
                    ..Content::default()
                }),
                ..Entry::default()
            }
        })
        .collect();
    let mut text = feed.to_string();
    text.push('\n');
    text
}
