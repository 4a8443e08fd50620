//! The HTML site in `docs/`: one page per entry, one per tag, an index and a stylesheet,
//! rendered with minijinja from `templates/site/*.html` (the journal's
//! `templates/site/…` override them).
//!
//! Auto-escaping is on for every page: minijinja turns it on by file name, and the
//! templates are registered under names ending in `.html`. Only the comrak-rendered body
//! is marked safe, and comrak has already dropped raw HTML and unsafe URLs from it.

use anyhow::{Context as _, Result};
use git2::{ObjectType, Oid};
use std::sync::Arc;

use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::{Environment, Value, context};
use serde::Serialize;

use super::{EntryView, TagGroup, Views};
use crate::journal::Journal;
use crate::templates;

/// The site templates, in the order they are hashed into the render key.
pub const TEMPLATES: [&str; 7] = [
    "site/base.html",
    "site/entry.html",
    "site/list.html",
    "site/index.html",
    "site/tag.html",
    "site/month.html",
    "site/digest.html",
];
/// How many of the newest entries `index.html` lists; older ones are on month pages, so
/// a new entry rewrites the index and its month's page, not a page per old month.
pub const INDEX_LATEST: usize = 100;
/// The stylesheet (overridable like the templates).
pub const STYLESHEET: &str = "site/style.css";
/// Bump when wol changes what it renders in a way the templates do not show (comrak
/// options, view fields), so cached pages are not reused across that change. (4: tag
/// links only to tag pages that exist, dropped URLs made inert, control characters in
/// paths encoded.)
const FORMAT_VERSION: &str = "wol-site-5";

/// Site-wide values every page gets.
#[derive(Debug, Clone, Serialize)]
pub struct SiteInfo {
    pub title: String,
    /// The journal's stable id (`wol.toml`'s `id`): part of feed ids and `wol.json`.
    pub journal_id: String,
    pub lang: String,
    /// Where the partner serves `docs/` (ends in `/`), when known: absolute links,
    /// canonical URLs and OpenGraph tags.
    pub url: Option<String>,
    /// The SPDX licence id of what is published.
    pub license: Option<String>,
    /// `@handle` (lower case) → where a mention of it links (a partner's site, a person's
    /// page).
    #[serde(skip)]
    pub handles: std::collections::BTreeMap<String, String>,
}

/// The loaded templates, ready to render pages.
#[derive(Clone)]
pub struct Site {
    env: Environment<'static>,
    pub info: SiteInfo,
    pub css: String,
    /// Hash of everything an entry page depends on besides the entry: the cache key part.
    pub render_key: String,
}

/// A published digest's page: `docs/digests/<label>.html`, newest first on the index.
#[derive(Debug, Clone, Serialize)]
pub struct DigestPage {
    /// `2026-W47`, or `2026-11-01..2026-11-30`.
    pub label: String,
    /// Relative to `docs/`.
    pub html_path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub body_html: String,
}

/// A month of entries: `docs/YYYY/MM/index.html`.
#[derive(Serialize)]
pub struct Month<'a> {
    /// `YYYY-MM`
    pub label: String,
    /// For people: `November 2026`.
    pub name: String,
    /// `YYYY/MM/index.html`, relative to `docs/`.
    pub path: String,
    pub count: usize,
    /// Where its entries start among the log's.
    #[serde(skip)]
    pub first: usize,
    /// Its entries' views: made only for a page that lists them ([`Month::with_entries`]).
    pub entries: Vec<EntryView<'a>>,
}

impl Month<'_> {
    /// This month with the views of its entries, which are `first..first + count` of
    /// `entries`.
    pub fn with_entries<'v>(&self, entries: &'v (impl Views + ?Sized)) -> Month<'v> {
        Month {
            label: self.label.clone(),
            name: self.name.clone(),
            path: self.path.clone(),
            count: self.count,
            first: self.first,
            entries: entries.views(self.first..self.first + self.count).collect(),
        }
    }
}

/// Group `entries` (newest first) by month, newest month first: each month's label,
/// count and first entry, without views.
pub fn months(entries: &(impl Views + ?Sized)) -> Vec<Month<'static>> {
    months_of(entries, entries.len())
}

/// [`months`] of the first `n` of `entries`.
fn months_of(entries: &(impl Views + ?Sized), n: usize) -> Vec<Month<'static>> {
    let mut months: Vec<Month> = Vec::new();
    // The numbers of the last entry's month, when it had a label of four-digit year.
    let mut last = None;
    for i in 0..n.min(entries.len()) {
        let numbers = entries.brief(i).month_numbers();
        if let Some(m) = months.last_mut()
            && numbers.is_some()
            && numbers == last
        {
            m.count += 1;
            continue;
        }
        last = numbers;
        let (label, name) = entries.view(i).month();
        match months.last_mut() {
            Some(m) if m.label == label => m.count += 1,
            _ => months.push(Month {
                path: format!("{}/index.html", label.replace('-', "/")),
                name,
                label,
                count: 1,
                first: i,
                entries: Vec::new(),
            }),
        }
    }
    months
}

impl Site {
    /// Load the templates (journal overrides first) for a site titled `title`.
    pub fn load(journal: &Journal, title: &str) -> Result<Site> {
        let mut env = templates::environment();
        // `|path`: a relative link target, percent-encoded where it could break out of
        // an attribute and otherwise left readable (no `&#x2f;` for every slash).
        env.add_filter("path", |p: &str| {
            Value::from_safe_string(super::readme::link(p))
        });
        let mut key_material = format!("{FORMAT_VERSION}\0{title}\0");
        for name in TEMPLATES {
            let src = templates::source(journal, name)?;
            key_material.push_str(&src);
            key_material.push('\0');
            env.add_template_owned(name.to_string(), src)
                .with_context(|| format!("the template templates/{name} is not valid"))?;
        }
        let css = templates::source(journal, STYLESHEET)?;
        let render_key = Oid::hash_object(ObjectType::Blob, key_material.as_bytes())?.to_string();
        Ok(Site {
            env,
            info: SiteInfo {
                title: title.to_string(),
                journal_id: journal.config.id.clone().unwrap_or_default(),
                lang: "en".into(),
                url: None,
                license: journal.config.publish.license.clone(),
                handles: handles(&journal.config),
            },
            css,
            render_key,
        })
    }

    /// This site as one partner sees it: its address (absolute links, canonical URLs),
    /// with the render key changed accordingly so cached pages never cross partners
    /// whose pages differ.
    pub fn for_partner(&self, url: Option<&str>) -> Result<Site> {
        let mut site = self.clone();
        site.info.url = url.map(String::from);
        let material = format!("{}\0{}", self.render_key, url.unwrap_or(""));
        site.render_key = Oid::hash_object(ObjectType::Blob, material.as_bytes())?.to_string();
        Ok(site)
    }

    /// An entry's body as a page or feed shows it: Markdown rendered safely, `#tags`
    /// linked to their tag pages (when `docs` — the way from where the HTML is read to
    /// `docs/` — is known, and the tag's slug is one of `tags`, those with a page) and
    /// `@mentions` of known partners and people to them.
    pub fn body_html(&self, markdown: &str, docs: Option<&str>, tags: &[&str]) -> String {
        super::valid_chars(super::link_words(
            &super::markdown_to_html(markdown),
            docs,
            &self.info.handles,
            tags,
        ))
    }

    /// [`Site::body_html`] of the entry published as `id`, whose attachments `off_site`
    /// the site does not carry: links to those are made inert (see
    /// [`super::unlink_attachments`]), so no page or feed points at a missing file.
    pub fn entry_body_html(
        &self,
        markdown: &str,
        docs: Option<&str>,
        id: &str,
        off_site: &[&str],
        tags: &[&str],
    ) -> String {
        let html = self.body_html(markdown, docs, tags);
        if off_site.is_empty() {
            html
        } else {
            super::unlink_attachments(&html, id, off_site)
        }
    }

    /// The page of one entry (`entry.body_html` must be filled).
    pub fn entry_page(&self, entry: &EntryView) -> Result<String> {
        self.render(
            "site/entry.html",
            context! { site => v(&self.info), root => Value::from_safe_string(entry.root()), page => entry.html_path(), entry => v(entry) },
            0,
        )
    }

    /// `docs/digests/<label>.html`: a published digest (`body_html` rendered from its
    /// Markdown).
    pub fn digest_page(&self, digest: &DigestPage) -> Result<String> {
        self.render(
            "site/digest.html",
            context! { site => v(&self.info), root => Value::from_safe_string("../".to_string()), page => &digest.html_path, digest => v(digest) },
            0,
        )
    }

    /// `docs/index.html`: tags, the newest [`INDEX_LATEST`] entries by month, and the
    /// list of month pages.
    pub fn index_page(
        &self,
        entries: &(impl Views + ?Sized),
        tags: &[TagGroup],
        months: &[Month],
        digests: &[DigestPage],
    ) -> Result<String> {
        let latest: Vec<Month> = months_of(entries, INDEX_LATEST)
            .iter()
            .map(|m| m.with_entries(entries))
            .collect();
        // The archive list only needs labels and counts.
        let archive: Vec<&Month> = months.iter().collect();
        debug_assert!(archive.iter().all(|m| m.entries.is_empty()));
        let listed = tags.len() + INDEX_LATEST + months.len() + digests.len();
        self.render(
            "site/index.html",
            context! { site => v(&self.info), root => "", page => "index.html", count => entries.len(), tags => v(tags), latest => v(&latest), months => v(&archive), digests => v(digests) },
            listed,
        )
    }

    /// `docs/YYYY/MM/index.html`: every entry of one month (`month` with its entries:
    /// [`Month::with_entries`]).
    pub fn month_page(&self, month: &Month) -> Result<String> {
        let root = "../".repeat(month.path.matches('/').count());
        self.render(
            "site/month.html",
            context! { site => v(&self.info), root => Value::from_safe_string(root), page => &month.path, month => v(month), entries => v(&month.entries) },
            month.entries.len(),
        )
    }

    /// `docs/tags/<slug>.html`. Its entries are made template values one at a time, as
    /// the template reaches them: `entry(i)` is the `i`th of the tag's entries, newest
    /// first ([`TagGroup::entries`]), as a value ([`template_value`]).
    pub fn tag_page(
        &self,
        tag: &TagGroup,
        entry: impl Fn(usize) -> Option<Value> + Send + Sync + 'static,
    ) -> Result<String> {
        let list = Listed {
            entry: Box::new(entry),
            len: tag.entries.len(),
        };
        let listed = list.len;
        self.render(
            "site/tag.html",
            context! { site => v(&self.info), root => Value::from_safe_string("../".to_string()), page => format!("tags/{}.html", tag.slug), tag => v(tag), entries => Value::from_object(list) },
            listed,
        )
    }

    /// Render page template `name` listing `listed` things (see [`templates::render`]).
    fn render(&self, name: &str, ctx: minijinja::Value, listed: usize) -> Result<String> {
        templates::render(&self.env, name, ctx, listed).map(super::valid_chars)
    }
}

/// `@handle` → link, from `[partners.NAME] handles` (and the partner's name) with its
/// site, and `[people.NAME] handles` with their `url`.
fn handles(config: &crate::config::JournalConfig) -> std::collections::BTreeMap<String, String> {
    let mut map = std::collections::BTreeMap::new();
    for (name, p) in &config.partners {
        if let Some(site) = &p.site {
            for h in std::iter::once(name).chain(&p.handles) {
                map.insert(h.trim_start_matches('@').to_lowercase(), site.clone());
            }
        }
    }
    for (name, person) in &config.people {
        if let Some(url) = &person.url
            && (url.starts_with("https://") || url.starts_with("http://"))
        {
            for h in std::iter::once(name).chain(&person.handles) {
                map.insert(h.trim_start_matches('@').to_lowercase(), url.clone());
            }
        }
    }
    map
}

/// A page that stands on its own (`wol digest --format html`, `wol export --format html`):
/// the site's page structure and its stylesheet, inlined so the file looks the same when
/// it is saved or mailed alone. The one shell besides `templates/site/base.html`.
pub fn standalone_page(css: &str, title: &str, main: &str) -> String {
    // `</style` cannot occur in the stylesheet wol ships; a journal's own could carry it.
    let css = css.replace("</", "<\\/");
    super::valid_chars(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n{css}</style>\n</head>\n<body>\n\
         <main>\n{main}</main>\n<footer class=\"site\">Worked out loud with wol</footer>\n\
         </body>\n</html>\n",
        title = super::escape_html(title),
    ))
}

/// The journal's site stylesheet (its override, or the built-in one).
pub fn stylesheet(journal: &Journal) -> Result<String> {
    templates::source(journal, STYLESHEET)
}

/// Render every page template once with a sample entry, the way `wol publish` renders
/// them, so that a broken override is found before a publish needs it.
pub fn check(journal: &Journal) -> Result<()> {
    let site = Site::load(journal, "Sample site")?;
    let views = Arc::new(vec![sample_view()?]);
    let tags = super::tag_groups(views.as_slice());
    let months = months(views.as_slice());
    site.entry_page(&views[0])?;
    let digest = DigestPage {
        label: "2026-W47".into(),
        html_path: "digests/2026-W47.html".into(),
        body_html: "<h1>Digest 2026-W47</h1>".into(),
    };
    site.index_page(
        views.as_slice(),
        &tags,
        &months,
        std::slice::from_ref(&digest),
    )?;
    site.digest_page(&digest)?;
    site.month_page(&months[0].with_entries(views.as_slice()))?;
    if let Some(tag) = tags.first() {
        site.tag_page(tag, listed_views(Arc::clone(&views), tag.entries.clone()))?;
    }
    Ok(())
}

/// A public entry tagged `sample`, as a page shows it.
pub fn sample_view() -> Result<EntryView<'static>> {
    let text = "+++\ntitle = \"A sample entry\"\ndate = 2026-11-22T14:32:05+01:00\nkind = \"progress\"\ntags = [\"sample\"]\nvisibility = \"public\"\nauthor = \"Sample Author\"\n+++\n\nDid a thing.\n\n## Learned\nSomething.\n";
    let kinds = vec!["progress".to_string()];
    let schema = crate::entry::Schema {
        kinds: &kinds,
        default_visibility: crate::entry::Visibility::Public,
    };
    let entry = crate::entry::Entry::parse(text.as_bytes(), &schema)
        .map_err(|e| anyhow::anyhow!("sample entry: {e}"))?;
    let mut view = EntryView::new(
        &entry,
        "2026-11-22-1432-a-sample-entry",
        "entries/2026/11/2026-11-22-1432-a-sample-entry.md",
    );
    view.body_html = super::markdown_to_html(&entry.body);
    Ok(view)
}

fn v<T: Serialize + ?Sized>(value: &T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

/// An entry as a template sees it.
pub fn template_value(view: &EntryView<'_>) -> Value {
    v(view)
}

/// The entries `items` (indexes into `views`) as [`Site::tag_page`] takes them.
pub fn listed_views(
    views: Arc<Vec<EntryView<'static>>>,
    items: Vec<usize>,
) -> impl Fn(usize) -> Option<Value> + Send + Sync + 'static {
    move |i| Some(v(views.get(*items.get(i)?)?))
}

/// Some of the entries, as a list a template sees: each is made a template value only
/// when the template reaches it, and dropped after. A tag's page lists every entry with
/// the tag, and at 100,000 entries one tag's, made values all at once, were the largest
/// single part of a full publish's peak memory.
struct Listed {
    /// The `i`th entry of the list, made a value.
    entry: Box<dyn Fn(usize) -> Option<Value> + Send + Sync>,
    len: usize,
}

impl std::fmt::Debug for Listed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} entries>", self.len)
    }
}

impl Object for Listed {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let i = key.as_usize()?;
        if i >= self.len {
            return None;
        }
        (self.entry)(i)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list made values one at a time is, to a template (a journal's own among them),
    /// the list made values at once.
    #[test]
    fn a_listed_sequence_reads_like_the_list_it_stands_for() {
        let sample = sample_view().unwrap();
        let views: Vec<EntryView> = (0..5)
            .map(|i| {
                let tags: Vec<String> = sample.brief.tags().map(String::from).collect();
                let brief = sample
                    .brief
                    .with_title_and_tags(&format!("Entry {i}"), &tags);
                EntryView {
                    brief: brief.into(),
                    ..sample.clone()
                }
            })
            .collect();
        let items = vec![4, 0, 2];
        let list: Vec<&EntryView> = items.iter().map(|&i| &views[i]).collect();
        let source = "{{ entries|length }} {{ entries[0].title }} {{ entries[-1].title }} \
            {% for e in entries %}{{ loop.index }}:{{ e.title }}:{{ e.day }}{% if not loop.last %},{% endif %}{% endfor %} \
            {{ entries|map(attribute='title')|reverse|join('/') }} {{ entries[1:]|length }} \
            {{ entries|first|attr('html_path') }} {{ entries[9] is undefined }} {{ entries is sequence }} {{ entries|list|length }}";
        let mut env = templates::environment();
        env.add_template("t", source).unwrap();
        let t = env.get_template("t").unwrap();
        let at_once = t.render(context! { entries => v(&list) }).unwrap();
        let lazy = Value::from_object(Listed {
            len: items.len(),
            entry: Box::new(listed_views(Arc::new(views.clone()), items)),
        });
        let one_by_one = t.render(context! { entries => lazy }).unwrap();
        assert_eq!(one_by_one, at_once);
        assert!(
            at_once.starts_with("3 Entry 4 Entry 2 1:Entry 4:2026-11-22,"),
            "{at_once}"
        );
    }
}
