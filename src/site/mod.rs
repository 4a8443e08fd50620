//! The published site: what a partner reads. `readme` writes the Markdown index a forge
//! shows, `html` the static site in `docs/`, `feed` the Atom feed, `json` the
//! machine-readable index `wol follow` reads; `links` rewrites the links of Markdown
//! quoted away from its own folder.
//!
//! Everything here is a pure function of the entries it is given (no clock, no
//! partner-specific data in entry pages), so the same input gives byte-identical output:
//! that is what makes republishing an unchanged journal a no-op.

mod brief;
pub mod feed;
pub mod html;
pub mod json;
pub mod links;
pub mod readme;

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

pub use brief::{Brief, Strings};

use crate::entry::{Entry, slugify};

/// A tag as pages link it: the name as first written and a file-name-safe slug.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TagRef<'a> {
    pub name: Cow<'a, str>,
    /// Borrowed from the name when it is its own slug (most tags): a publish holds the
    /// tags of every entry it gives a partner.
    pub slug: Cow<'a, str>,
}

/// How many of an entry's tags the site and the feeds carry (each gets a page and a
/// feed that show the entry with its tags, so the published tree grows with the square of
/// an entry's tag count: 10,000 tags made 2.6 GB). The published Markdown keeps them all.
pub const MAX_PUBLISHED_TAGS: usize = 64;

/// The entries of a published log, newest first, as views made when asked: a publish
/// keeps no view of every entry it gives a partner (at 100,000 entries they were 16 MB of
/// a one-entry publish), and makes one of an entry where a page, a list or a feed
/// needs it.
pub trait Views {
    fn len(&self) -> usize;

    /// The view of entry `i` (`i < len()`).
    fn view(&self, i: usize) -> EntryView<'_>;

    /// What the view of entry `i` shows of it: for a list that needs no more, read
    /// without making the view.
    fn brief(&self, i: usize) -> &Brief;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The views of entries `range`, one at a time.
    fn views(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = EntryView<'_>> {
        range.map(|i| self.view(i))
    }
}

impl Views for [EntryView<'_>] {
    fn len(&self) -> usize {
        <[EntryView]>::len(self)
    }

    fn view(&self, i: usize) -> EntryView<'_> {
        self[i].borrowed()
    }

    fn brief(&self, i: usize) -> &Brief {
        &self[i].brief
    }
}

/// A view's [`Brief`]: the candidate's, borrowed, in a publish; its own, boxed, in a view
/// that may outlive the entry. (As a `Cow` it was 64 bytes of every view.)
#[derive(Debug, Clone)]
pub enum BriefRef<'a> {
    Borrowed(&'a Brief),
    Owned(Box<Brief>),
}

impl BriefRef<'_> {
    pub fn into_owned(self) -> BriefRef<'static> {
        match self {
            BriefRef::Borrowed(brief) => BriefRef::Owned(Box::new(brief.clone())),
            BriefRef::Owned(brief) => BriefRef::Owned(brief),
        }
    }
}

impl From<Brief> for BriefRef<'static> {
    fn from(brief: Brief) -> Self {
        BriefRef::Owned(Box::new(brief))
    }
}

impl std::ops::Deref for BriefRef<'_> {
    type Target = Brief;

    fn deref(&self) -> &Brief {
        match self {
            BriefRef::Borrowed(brief) => brief,
            BriefRef::Owned(brief) => brief,
        }
    }
}

/// One published entry as templates see it. Its day, time and month, which templates see
/// as `day` (`YYYY-MM-DD`), `datetime` (RFC 3339), `month_name` (`November 2026`) and
/// `month_path` (`YYYY/MM/index.html`), are written out from its `date` when it is
/// serialized, and what the view shows of the entry's front matter and body is read from
/// its [`Brief`] when asked (title, date, kind, author, parts, mentions, tags), not copied
/// into the view. (A publish used to hold a view of every entry: at 100,000 entries the
/// four strings were 22 MB of it, the views' own fields and tag lists 53 MB. It now makes
/// views when it needs them: [`Views`].)
#[derive(Debug, Clone)]
pub struct EntryView<'a> {
    /// The published id: the file stem.
    pub id: Cow<'a, str>,
    /// The stable id feeds use: the file stem, or, when the entry has an `id` key (so a
    /// renamed file keeps it), that key: as it is when it is a name wol gave an entry file
    /// (`wol edit` keeps the old stem there when a new date moves the file, and followers
    /// already know the entry by it; publish hashes it too where they did not), else a
    /// hash of it (the key itself stays home, like the rest of the local front matter).
    pub uid: Cow<'a, str>,
    /// RFC 3339: when the published text last changed (the entry's date until then).
    pub updated: Cow<'a, str>,
    /// The entry's front matter and the parts of its body a follower sees.
    pub brief: BriefRef<'a>,
    /// Links to the entries before and after this one (older, newer), for its page.
    pub prev: Option<Box<Neighbour>>,
    pub next_entry: Option<Box<Neighbour>>,
    /// `entries/YYYY/MM/<stem>.md`, relative to the published root. (Its page's path is
    /// made from it when asked: [`EntryView::html_path`].)
    pub md_path: Cow<'a, str>,
    /// The rendered body; filled only where a page needs it.
    pub body_html: String,
}

impl Serialize for EntryView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let (day, month_name, month_path) = date_labels(&self.date());
        let mut s = serializer.serialize_struct("EntryView", 20)?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("uid", &self.uid)?;
        s.serialize_field("updated", &self.updated)?;
        s.serialize_field("learned", &self.learned())?;
        s.serialize_field("next", &self.next())?;
        s.serialize_field("help_wanted", &self.help_wanted())?;
        s.serialize_field("mentions", &Seq(|| self.mentions()))?;
        s.serialize_field("prev", &self.prev)?;
        s.serialize_field("next_entry", &self.next_entry)?;
        s.serialize_field("title", self.title())?;
        s.serialize_field("day", &day)?;
        s.serialize_field("datetime", &self.datetime())?;
        s.serialize_field("kind", self.kind())?;
        s.serialize_field("tags", &Seq(|| self.tags()))?;
        s.serialize_field("author", self.author())?;
        s.serialize_field("md_path", &self.md_path)?;
        s.serialize_field("html_path", &self.html_path())?;
        s.serialize_field("body_html", &self.body_html)?;
        s.serialize_field("month_name", &month_name)?;
        s.serialize_field("month_path", &month_path)?;
        s.end()
    }
}

/// The items a function gives, serialized as a sequence.
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// What the site and the feeds show of an entry's body, besides the body itself: its
/// structured parts and its tags. Publish keeps a [`Brief`] of this and the front matter
/// for every entry instead of the body (at 100,000 entries the bodies were the largest
/// part of its memory).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BodyParts {
    /// `## Learned`, `## Next`, `## Help wanted` as plain text, bounded.
    pub learned: Option<Box<str>>,
    pub next: Option<Box<str>>,
    pub help_wanted: Option<Box<str>>,
    pub mentions: Box<[String]>,
    /// Every tag, front matter and body ([`Entry::all_tags`]), not only the published ones.
    pub tags: Box<[String]>,
}

/// The sections a [`BodyParts`] holds, in its order.
pub const PART_HEADINGS: [&str; 3] = ["Learned", "Next", "Help wanted"];

impl BodyParts {
    pub fn of(entry: &Entry) -> BodyParts {
        BodyParts::from_found(
            &entry.body,
            crate::entry::section_ranges(&entry.body, PART_HEADINGS),
            entry.mentions(),
            entry.all_tags(),
        )
    }

    /// The parts of `body` from what was found in it before: where its sections
    /// ([`PART_HEADINGS`]) are ([`crate::entry::section_ranges`]), its mentions and
    /// all its tags. The entry cache keeps those, so that a publish does not look for
    /// them in every body again.
    pub fn from_found(
        body: &str,
        sections: [Option<std::ops::Range<usize>>; 3],
        mentions: Vec<String>,
        tags: Vec<String>,
    ) -> BodyParts {
        // The words of a section's lines are those of its text (`entry::sections`), and
        // an excerpt is made of words.
        let [learned, next, help_wanted] = sections.map(|range| {
            let text = body.get(range?)?;
            (!text.trim().is_empty()).then(|| plain_excerpt(text, PART_MAX).into_boxed_str())
        });
        BodyParts {
            learned,
            next,
            help_wanted,
            mentions: mentions.into_boxed_slice(),
            tags: tags.into_boxed_slice(),
        }
    }
}

impl<'a> EntryView<'a> {
    /// The view of the entry published at `md_path` (`entries/YYYY/MM/<stem>.md`).
    pub fn new(entry: &Entry, id: &str, md_path: &str) -> EntryView<'static> {
        EntryView::of(&Brief::of(entry), id, md_path).into_owned()
    }

    /// [`EntryView::new`] of the entry `brief` is of. The view borrows what it shows from
    /// it, which a publish holds anyway.
    pub fn of(brief: &'a Brief, id: &'a str, md_path: &'a str) -> Self {
        let date = Cow::Owned(brief.date().to_rfc3339());
        EntryView::updated_at(brief, id, md_path, date)
    }

    /// [`EntryView::of`], last changed at `updated`.
    pub fn updated_at(
        brief: &'a Brief,
        id: &'a str,
        md_path: &'a str,
        updated: Cow<'a, str>,
    ) -> Self {
        EntryView {
            id: Cow::Borrowed(id),
            uid: brief.id().map_or(Cow::Borrowed(id), uid_of_key),
            updated,
            brief: BriefRef::Borrowed(brief),
            prev: None,
            next_entry: None,
            md_path: Cow::Borrowed(md_path),
            body_html: String::new(),
        }
    }

    /// The view with everything it borrows copied: one that may outlive the entry.
    pub fn into_owned(self) -> EntryView<'static> {
        let own = |text: Cow<'_, str>| Cow::Owned(text.into_owned());
        EntryView {
            id: own(self.id),
            uid: own(self.uid),
            updated: own(self.updated),
            brief: self.brief.into_owned(),
            prev: self.prev,
            next_entry: self.next_entry,
            md_path: own(self.md_path),
            body_html: self.body_html,
        }
    }

    /// This view, borrowing all it can from it.
    pub fn borrowed(&self) -> EntryView<'_> {
        EntryView {
            id: Cow::Borrowed(&self.id),
            uid: Cow::Borrowed(&self.uid),
            updated: Cow::Borrowed(&self.updated),
            brief: BriefRef::Borrowed(&self.brief),
            prev: self.prev.clone(),
            next_entry: self.next_entry.clone(),
            md_path: Cow::Borrowed(&self.md_path),
            body_html: self.body_html.clone(),
        }
    }

    pub fn title(&self) -> &str {
        self.brief.title()
    }

    pub fn date(&self) -> DateTime<FixedOffset> {
        self.brief.date()
    }

    pub fn kind(&self) -> &str {
        self.brief.kind()
    }

    pub fn author(&self) -> &str {
        self.brief.author()
    }

    /// The structured parts a follower needs (plain text, bounded): `## Learned`,
    /// `## Next`, `## Help wanted`, and the `@mentions`.
    pub fn learned(&self) -> Option<&str> {
        self.brief.learned()
    }

    pub fn next(&self) -> Option<&str> {
        self.brief.next()
    }

    pub fn help_wanted(&self) -> Option<&str> {
        self.brief.help_wanted()
    }

    pub fn mentions(&self) -> Strings<'_> {
        self.brief.mentions()
    }

    /// The names of the tags the site and the feeds carry: the first
    /// [`MAX_PUBLISHED_TAGS`].
    pub fn tag_names(&self) -> std::iter::Take<Strings<'_>> {
        self.brief.tags().take(MAX_PUBLISHED_TAGS)
    }

    /// The tags the site and the feeds carry ([`EntryView::tag_names`]), with their slugs.
    pub fn tags(&self) -> impl ExactSizeIterator<Item = TagRef<'_>> + Clone {
        self.brief.tag_refs()
    }

    /// The entry's day: `YYYY-MM-DD`.
    pub fn day(&self) -> String {
        date_labels(&self.date()).0
    }

    /// The entry's date and time, RFC 3339.
    pub fn datetime(&self) -> String {
        self.date().to_rfc3339()
    }

    /// The entry's month as the site groups entries: `YYYY-MM` (the first seven
    /// characters of [`EntryView::day`]), and its name for people (`November 2026`).
    pub fn month(&self) -> (String, String) {
        let (day, name, _) = date_labels(&self.date());
        (day.get(..7).unwrap_or(&day).to_string(), name)
    }

    /// The entry's month as numbers, year and month, when its [`EntryView::month`] label
    /// is `YYYY-MM` (a year of four digits): entries with the same numbers share that
    /// label, which need not be written out for each of them.
    pub fn month_numbers(&self) -> Option<(i32, u32)> {
        self.brief.month_numbers()
    }

    /// `YYYY/MM/<stem>.html`, relative to `docs/`: its page's path, from
    /// [`EntryView::md_path`] (`entries/YYYY/MM/<stem>.md`). Made when asked, not kept
    /// with the view.
    pub fn html_path(&self) -> String {
        page_path(&self.md_path)
    }

    /// The path from this entry's page back to `docs/` (`../../` for `YYYY/MM/x.html`).
    pub fn root(&self) -> String {
        "../".repeat(self.html_path().matches('/').count())
    }
}

/// [`html_path_of`], as a string of its own.
pub fn page_path(md_path: &str) -> String {
    let mut page = String::with_capacity(md_path.len() + 8);
    html_path_of(md_path, &mut page);
    page
}

/// The page of the entry published at `md_path` (`entries/YYYY/MM/<stem>.md`):
/// `YYYY/MM/<stem>.html`, relative to `docs/`, written at the end of `out`.
pub fn html_path_of(md_path: &str, out: &mut String) {
    let start = out.len();
    match md_path
        .strip_prefix("entries/")
        .unwrap_or(md_path)
        .strip_suffix(".md")
    {
        Some(stem_path) => out.push_str(stem_path),
        None => out.push_str(md_path),
    }
    // `YYYY/MM/index.html` is the month's page: a hand-named `index.md` gets another.
    if out[start..].rsplit('/').next() == Some("index") {
        out.push_str("-entry");
    }
    out.push_str(".html");
}

/// An entry's day (`2026-11-22`), its month's name (`November 2026`) and the path of its
/// month's page (`2026/11/index.html`), as chrono's `%Y-%m-%d`, `%B %Y` and
/// `%Y/%m/index.html` give them: written out directly, for the four-digit years entries
/// have (three format strings parsed for each of 10,000 entries took a twentieth of a
/// one-entry publish's views).
fn date_labels(date: &DateTime<FixedOffset>) -> (String, String, String) {
    use chrono::Datelike as _;
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let (year, month, day) = (date.year(), date.month(), date.day());
    match MONTHS.get(month as usize - 1) {
        Some(name) if (0..=9999).contains(&year) => (
            format!("{year:04}-{month:02}-{day:02}"),
            format!("{name} {year:04}"),
            format!("{year:04}/{month:02}/index.html"),
        ),
        _ => (
            date.format("%Y-%m-%d").to_string(),
            date.format("%B %Y").to_string(),
            date.format("%Y/%m/index.html").to_string(),
        ),
    }
}

/// The feed id of an entry whose `id` key is `key` (see [`EntryView::uid`]).
fn uid_of_key(key: &str) -> Cow<'_, str> {
    if is_entry_stem(key) {
        Cow::Borrowed(key)
    } else {
        Cow::Owned(stable_uid(key))
    }
}

/// True for a file stem as wol names entries: `YYYY-MM-DD-HHMM-` and a slug (lower-case
/// ASCII letters, digits and `-`, with a `-N` suffix on a clash).
pub fn is_entry_stem(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    b.len() > 16
        && b.len() <= 16 + crate::entry::SLUG_MAX + 8
        && digits(0..4)
        && digits(5..7)
        && digits(8..10)
        && digits(11..15)
        && [4, 7, 10, 15].iter().all(|&i| b[i] == b'-')
        && b[16..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// A published stand-in for a local `id` key: `id-` and 16 hex digits of its hash.
pub fn stable_uid(local_id: &str) -> String {
    let hash = git2::Oid::hash_object(git2::ObjectType::Blob, local_id.as_bytes())
        .map(|o| o.to_string())
        .unwrap_or_default();
    format!("id-{}", &hash[..16.min(hash.len())])
}

/// An entry next to another one, as its page links it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Neighbour {
    pub title: String,
    /// Relative to `docs/`.
    pub html_path: String,
}

/// Longest structured part (`## Learned` …) carried in `wol.json`, in characters.
pub const PART_MAX: usize = 1000;

/// Markdown reduced to plain text for machines and terminals: markup characters of
/// emphasis and links dropped, whitespace folded, at most `max` characters (cut at a word,
/// with `…`).
pub fn plain_excerpt(markdown: &str, max: usize) -> String {
    let mut text = String::with_capacity(markdown.len().min(max + 8));
    for word in markdown.split_whitespace() {
        let w = word.trim_matches(|c| matches!(c, '*' | '_' | '`'));
        let w = w
            .trim_start_matches(['#', '>', '-'])
            .trim_start_matches("[ ]");
        if w.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(w);
    }
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{cut}…")
}

fn tag_ref(name: Cow<'_, str>) -> TagRef<'_> {
    let slug = tag_slug(&name);
    let slug = match name {
        Cow::Borrowed(name) if name == slug => Cow::Borrowed(name),
        _ => Cow::Owned(slug),
    };
    TagRef { name, slug }
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
pub fn tag_groups(entries: &(impl Views + ?Sized)) -> Vec<TagGroup> {
    let mut groups: BTreeMap<String, TagGroup> = BTreeMap::new();
    for i in 0..entries.len() {
        for t in entries.brief(i).tag_refs() {
            if !groups.contains_key(&*t.slug) {
                let group = TagGroup {
                    name: t.name.to_string(),
                    slug: t.slug.to_string(),
                    count: 0,
                    entries: Vec::new(),
                };
                groups.insert(t.slug.to_string(), group);
            }
            let g = groups.get_mut(&*t.slug).expect("inserted above");
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
    let html = comrak::markdown_to_html(markdown, &markdown_options());
    // A dropped URL leaves `src=""` (an error to HTML validators) or `href=""` (a link
    // to the page itself): made inert, as links to files the site does not carry are.
    if html.contains("=\"\"") {
        unlink_where(&html, |tag, attr| tag.contains(&format!(" {attr}=\"\"")))
    } else {
        html
    }
}

/// How wol reads Markdown wherever it does (see [`markdown_to_html`]).
pub(crate) fn markdown_options() -> comrak::Options<'static> {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.tasklist = true;
    options.extension.autolink = true;
    options.extension.strikethrough = true;
    options.extension.header_id_prefix = Some(String::new());
    options
}

/// The name of a tag's page and feed (`tags/<slug>.html`): the tag as a slug, or, for a
/// tag with no letter or digit a slug can keep (`#!!!`, `#…`), `tag-` and a short hash
/// of the tag, so that two such tags do not share one page.
pub fn tag_slug(name: &str) -> String {
    let slug = slugify(name);
    let kept_nothing = !deunicode::deunicode(name)
        .chars()
        .any(|c| c.is_ascii_alphanumeric());
    if kept_nothing {
        let id = crate::git::blob_id(name.to_lowercase().as_bytes()).to_string();
        format!("tag-{}", &id[..10])
    } else {
        slug
    }
}

/// A character [`valid_chars`] takes out.
pub fn forbidden(c: char) -> bool {
    let n = c as u32;
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || (0xFDD0..=0xFDEF).contains(&n)
        || n & 0xFFFE == 0xFFFE
        || bidi_scope(c)
}

/// The bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069). Each turns
/// the direction of the text after it, to the end of the paragraph unless it is closed:
/// in a title, that is the rest of a list line or a heading (the date, the next link),
/// and a right-to-left override shows letters in reverse (`Report <RLO>gnp.exe` reads
/// `Report exe.png`), with nothing on the page to say it is there. Browsers and feed
/// readers lay out right-to-left text from its letters; the marks (U+200E, U+200F,
/// U+061C), which reach no further than the next letters, stay.
fn bidi_scope(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` without the characters XML 1.0 forbids and HTML calls parse errors: C0
/// controls but tab, line feed and carriage return; DEL and the C1 controls; the
/// noncharacters (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF). Entries can hold them (colour codes
/// pasted from a terminal, a NUL from a pipe), and one of them makes a feed reader
/// reject the whole feed (and in a Markdown file, a terminal's escape sequences run for
/// whoever prints it). Also without the bidi controls that reach past their own text
/// ([`bidi_scope`]). Every page, feed and Markdown file wol writes passes through here;
/// `wol.json` keeps the text as it is (it is data, and JSON readers escape it).
pub fn valid_chars(text: String) -> String {
    if text.chars().any(forbidden) {
        text.chars().filter(|&c| !forbidden(c)).collect()
    } else {
        text
    }
}

/// Rendered HTML whose images and links to the attachments `names` of the entry
/// published as `id` (`src="<id>/<name>"`, `href="<id>/<name>"`) are made inert: an
/// image becomes its alt text, a link keeps its text and loses its address. For files
/// the site does not carry (an SVG, a photo wol could not clean), which would otherwise
/// be broken images and links.
pub fn unlink_attachments(html: &str, id: &str, names: &[&str]) -> String {
    let targets: Vec<String> = names.iter().map(|n| format!("\"{id}/{n}\"")).collect();
    unlink_where(html, |tag: &str, attr: &str| {
        targets
            .iter()
            .any(|t| tag.contains(&format!(" {attr}={t}")))
    })
}

/// Rendered HTML with each `<img>` whose `src` and each `<a>` whose `href`
/// `points_off_site(tag, attribute)` says is not to be followed made inert: an image
/// becomes its alt text, a link keeps its text and loses its address.
fn unlink_where(html: &str, points_off_site: impl Fn(&str, &str) -> bool) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find('>') else { break };
        let tag = &rest[..=end];
        if tag.starts_with("<img ") && points_off_site(tag, "src") {
            let alt = tag
                .split_once(" alt=\"")
                .and_then(|(_, a)| a.split_once('"'))
                .map_or("", |(a, _)| a);
            out.push_str("<em>");
            out.push_str(if alt.is_empty() { "(image)" } else { alt });
            out.push_str("</em>");
        } else if tag.starts_with("<a ") && points_off_site(tag, "href") {
            out.push_str("<a>");
        } else {
            out.push_str(tag);
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Link `#tags` whose slug is in `tags` (to `<docs>tags/<slug>.html`, when `docs` is
/// given: the tags the site has a page for) and `@mentions` whose handle is in `handles`
/// in rendered HTML. Only text is touched: nothing inside a
/// tag's markup, a link, `<code>` or `<pre>`.
pub fn link_words(
    html: &str,
    docs: Option<&str>,
    handles: &std::collections::BTreeMap<String, String>,
    tags: &[&str],
) -> String {
    if docs.is_none() && handles.is_empty() {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut skip_depth = 0usize; // inside <a>, <code>, <pre>
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(tag_end) = rest.starts_with('<').then(|| rest.find('>')).flatten() {
            let tag = &rest[..=tag_end];
            let name: String = tag
                .trim_start_matches(['<', '/'])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if matches!(name.as_str(), "a" | "code" | "pre") {
                if tag.starts_with("</") {
                    skip_depth = skip_depth.saturating_sub(1);
                } else if !tag.ends_with("/>") {
                    skip_depth += 1;
                }
            }
            out.push_str(tag);
            rest = &rest[tag_end + 1..];
            continue;
        }
        let end = rest.find('<').unwrap_or(rest.len());
        let text = &rest[..end];
        if skip_depth > 0 {
            out.push_str(text);
        } else {
            link_text(text, docs, handles, tags, &mut out);
        }
        rest = &rest[end..];
    }
    out
}

fn link_text(
    text: &str,
    docs: Option<&str>,
    handles: &std::collections::BTreeMap<String, String>,
    tags: &[&str],
    out: &mut String,
) {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let boundary = i == 0 || matches!(bytes[i - 1], b' ' | b'\n' | b'(' | b'\t');
        if (c == b'#' || c == b'@') && boundary {
            // A word as `#tags` are found in entries (`entry::body_tags`): letters of
            // any script with their combining marks, digits, `_` and `-`.
            let word_len = text[i + 1..]
                .find(|ch: char| {
                    !(ch.is_alphanumeric()
                        || ch == '_'
                        || ch == '-'
                        || unicode_normalization::char::is_combining_mark(ch))
                })
                .unwrap_or(text.len() - i - 1);
            let word = text[i + 1..i + 1 + word_len].trim_end_matches(['-', '_']);
            let starts_alpha = word.chars().next().is_some_and(char::is_alphabetic);
            let href = match (c, docs) {
                // Only to a page that is there: the tag's slug is one the site has a
                // page for (`~~#struck~~` or a `#tag` glued to a link is no tag).
                (b'#', Some(docs)) if starts_alpha => {
                    let slug = tag_slug(word);
                    tags.contains(&slug.as_str())
                        .then(|| format!("{docs}tags/{slug}.html"))
                }
                (b'@', _) if !word.is_empty() => handles.get(&word.to_lowercase()).cloned(),
                _ => None,
            };
            if let Some(href) = href {
                out.push_str(&text[copied..i]);
                let class = if c == b'#' { "tag" } else { "mention" };
                out.push_str(&format!(
                    "<a class=\"{class}\" href=\"{}\">{}{word}</a>",
                    escape_html(&href),
                    c as char
                ));
                i += 1 + word.len();
                copied = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
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
    use crate::entry::Meta;

    /// What templates see of an entry: every field, in the order the struct had them,
    /// the day, time and month written out from its date (a year past 9999 as chrono
    /// writes it), and a view that borrows reads as one that owns.
    #[test]
    fn a_view_serializes_its_fields_with_the_date_written_out() {
        let view = html::sample_view().unwrap();
        let value = serde_json::to_value(&view).unwrap();
        // In the order serialized (a map of serde_json's sorts its keys).
        let text = serde_json::to_string(&view).unwrap();
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_by_key(|k| text.find(&format!("\"{k}\":")).unwrap());
        assert_eq!(
            keys,
            [
                "id",
                "uid",
                "updated",
                "learned",
                "next",
                "help_wanted",
                "mentions",
                "prev",
                "next_entry",
                "title",
                "day",
                "datetime",
                "kind",
                "tags",
                "author",
                "md_path",
                "html_path",
                "body_html",
                "month_name",
                "month_path"
            ]
        );
        assert_eq!(value["day"], "2026-11-22");
        assert_eq!(value["datetime"], "2026-11-22T14:32:05+01:00");
        assert_eq!(value["month_name"], "November 2026");
        assert_eq!(value["month_path"], "2026/11/index.html");
        assert_eq!(value["learned"], "Something.");
        assert_eq!(value["tags"][0]["slug"], "sample");
        assert_eq!(
            view.month(),
            ("2026-11".to_string(), "November 2026".to_string())
        );
        let meta = Meta {
            date: DateTime::parse_from_rfc3339("2026-11-22T14:32:05+01:00").unwrap(),
            ..view_meta()
        };
        let parts = BodyParts::default();
        let brief = Brief::new(&meta, &parts);
        let borrowed = EntryView::of(&brief, "x", "entries/2026/11/x.md");
        let owned = borrowed.clone().into_owned();
        assert_eq!(
            serde_json::to_value(&borrowed).unwrap(),
            serde_json::to_value(&owned).unwrap()
        );
        let far = Meta {
            date: chrono::TimeZone::with_ymd_and_hms(
                &chrono::FixedOffset::east_opt(0).unwrap(),
                10000,
                1,
                2,
                3,
                4,
                5,
            )
            .unwrap(),
            ..view_meta()
        };
        let far = Brief::new(&far, &parts);
        let far = EntryView::of(&far, "x", "entries/2026/11/x.md");
        let value = serde_json::to_value(&far).unwrap();
        assert_eq!(value["day"], far.date().format("%Y-%m-%d").to_string());
        assert_eq!(
            value["month_path"],
            far.date().format("%Y/%m/index.html").to_string()
        );
        assert_eq!(
            far.month().0,
            far.date().format("%Y-%m-%d").to_string()[..7]
        );
    }

    fn view_meta() -> Meta {
        let text = "+++\ntitle = \"T\"\ndate = 2026-11-22T14:32:05+01:00\nkind = \"progress\"\nauthor = \"A\"\n+++\n\nText.\n";
        let kinds = vec!["progress".to_string()];
        let schema = crate::entry::Schema {
            kinds: &kinds,
            default_visibility: crate::entry::Visibility::Public,
        };
        Entry::parse(text.as_bytes(), &schema).unwrap().meta
    }

    proptest::proptest! {
        #[test]
        fn date_labels_are_chronos(secs in -70_000_000_000i64..300_000_000_000, offset in -86_399i32..86_400) {
            use chrono::TimeZone as _;
            let date = FixedOffset::east_opt(offset).unwrap().timestamp_opt(secs, 0).unwrap();
            let want = (
                date.format("%Y-%m-%d").to_string(),
                date.format("%B %Y").to_string(),
                date.format("%Y/%m/index.html").to_string(),
            );
            proptest::prop_assert_eq!(date_labels(&date), want);
        }

        /// Two entries share their month's numbers exactly when they share a `YYYY-MM`
        /// label, which the numbers write out.
        #[test]
        fn month_numbers_are_the_label(secs in -70_000_000_000i64..300_000_000_000, offset in -86_399i32..86_400) {
            use chrono::TimeZone as _;
            let meta = Meta {
                date: FixedOffset::east_opt(offset).unwrap().timestamp_opt(secs, 0).unwrap(),
                ..view_meta()
            };
            let brief = Brief::new(&meta, &BodyParts::default());
            let view = EntryView::of(&brief, "x", "entries/2026/11/x.md");
            let (label, _) = view.month();
            let four_digits = label.len() == 7 && label.bytes().enumerate().all(|(i, b)| (i == 4) == (b == b'-') && (i == 4 || b.is_ascii_digit()));
            proptest::prop_assert_eq!(
                view.month_numbers().map(|(y, m)| format!("{y:04}-{m:02}")),
                four_digits.then_some(label)
            );
        }
    }

    #[test]
    fn tags_without_a_letter_get_pages_of_their_own() {
        assert_eq!(tag_slug("Rust"), "rust");
        assert_eq!(tag_slug("entry"), "entry");
        assert_eq!(tag_slug("café"), "cafe");
        let (a, b) = (tag_slug("!!!"), tag_slug("…"));
        assert!(
            a.starts_with("tag-") && b.starts_with("tag-") && a != b,
            "{a} {b}"
        );
        assert_eq!(tag_slug("!!!"), a);
    }

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
        // What a dropped address leaves is made inert: no empty `src` (an HTML error) or
        // `href` (a link to the page itself).
        assert!(!html.contains("=\"\""), "{html}");
        assert!(html.contains("<a>a</a>"), "{html}");
        let html = markdown_to_html("![a board](javascript:alert(1)) ![](data:x)\n");
        assert_eq!(html, "<p><em>a board</em> <em>(image)</em></p>\n");
    }

    #[test]
    fn only_names_wol_gives_entry_files_go_out_as_they_are() {
        for stem in ["2026-11-22-1432-workshop-notes", "2026-01-05-0900-a-2"] {
            assert_eq!(uid_of_key(stem), stem);
        }
        for key in [
            "md-0123abcd",
            "Secret Name",
            "2026-11-22-1432-",
            "2026-11-22-1432_x",
            "2026-11-22-1432-Upper",
            "2026-11-22-143-short",
            "x026-11-22-1432-a",
            "2026-11-22-1432-a/b",
        ] {
            assert!(uid_of_key(key).starts_with("id-"), "{key}");
        }
    }

    #[test]
    fn links_to_attachments_off_the_site_are_made_inert() {
        let md = "![A \"map\" & more](2026-x/map.svg) [the map](2026-x/map.svg) \
                  ![ok](2026-x/ok.png) [other](2026-y/map.svg) ![](2026-x/raw.heic)\n";
        let html = unlink_attachments(&markdown_to_html(md), "2026-x", &["map.svg", "raw.heic"]);
        assert!(!html.contains("2026-x/map.svg"), "{html}");
        assert!(!html.contains("raw.heic"), "{html}");
        assert!(
            html.contains("<em>A &quot;map&quot; &amp; more</em>"),
            "{html}"
        );
        assert!(html.contains("<a>the map</a>"), "{html}");
        assert!(html.contains("<em>(image)</em>"), "{html}");
        assert!(html.contains("src=\"2026-x/ok.png\""), "{html}");
        assert!(html.contains("href=\"2026-y/map.svg\""), "{html}");
    }

    #[test]
    fn bidi_controls_with_a_reach_are_dropped_and_marks_stay() {
        let text = "Report \u{202e}gnp.exe \u{2067}rtl \u{202a}e\u{202c} \u{2069}\u{200f}\u{200e}\u{61c} \u{5e9}\u{5dc}\u{5d5}\u{5dd}";
        assert_eq!(
            valid_chars(text.to_string()),
            "Report gnp.exe rtl e \u{200f}\u{200e}\u{61c} \u{5e9}\u{5dc}\u{5d5}\u{5dd}"
        );
    }

    #[test]
    fn characters_xml_forbids_are_dropped() {
        let text = "a\u{1b}[31mred\u{1b}[0m\u{0}\u{7f}\u{85}\u{fdd0}\u{fffe}\u{1ffff}\tok\r\n é 😀";
        assert_eq!(valid_chars(text.to_string()), "a[31mred[0m\tok\r\n é 😀");
        let clean = "nothing to drop".to_string();
        assert_eq!(valid_chars(clean.clone()), clean);
    }
}
