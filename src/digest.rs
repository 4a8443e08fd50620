//! The digest: the entries of one period (an ISO week or a day range) summarised into a
//! [`Digest`] model — counts, progress, what was learned, help wanted, decisions, credit,
//! what is next, tags — and rendered as Markdown, plain text, HTML or JSON.
//!
//! Which day an entry belongs to: the day of its *own* local date, i.e. the date in its
//! front matter read in the offset written there. An entry dated Sunday 23:30 -05:00 is
//! a Sunday entry even though it is Monday in UTC and in the reader's timezone: the
//! author wrote it on their Sunday, and the entry's file lives in the folder of that day.
//! Week boundaries ("last week", "this week") are taken from "now" in its own offset.
//!
//! Cost: only the month folders overlapping the period are read. The one exception is
//! the streak: when it reaches back to the start of the period, the months before are
//! read one at a time until the first day without an entry.
//!
//! "From partners" and "Related work" (entries of the logs the journal follows) are added
//! by [`Digest::add_followed`] for the journal's own digest only, never for a partner's.
//!
//! Rendering goes through minijinja templates (`templates/digest.md`, `digest.txt`,
//! overridable in the journal's `templates/`); HTML is the Markdown rendering through
//! comrak with raw HTML omitted, so nothing an entry's body holds runs in a browser.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use chrono::{DateTime, Datelike as _, Days, FixedOffset, NaiveDate, Weekday};
use serde::Serialize;

use crate::entry::{self, Entry};
use crate::error::hinted;
use crate::follow;
use crate::journal::{Journal, LoadError};
use crate::site;
use crate::templates;

/// Where digests are written, relative to the journal root.
pub const DIGESTS_DIR: &str = "digests";

/// The days a digest covers, both ends included, in local dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// `2026-W47` for an ISO week, `2026-11-01--2026-11-22` for a range of days.
    pub label: String,
    /// `week` or `range`.
    pub kind: &'static str,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The days for people: `Mon 16 Nov 2026 – Sun 22 Nov 2026`.
    pub dates: String,
}

impl Period {
    /// ISO week `week` of ISO year `year` (Monday to Sunday). `2025-W53` is an error:
    /// 2025 has 52 ISO weeks; `2026-W53` runs from 2026-12-28 to 2027-01-03.
    pub fn iso_week(year: i32, week: u32) -> Result<Period> {
        let from = NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).ok_or_else(|| {
            let weeks = NaiveDate::from_ymd_opt(year, 12, 28)
                .map(|d| d.iso_week().week())
                .unwrap_or(52);
            hinted(
                format!("{year}-W{week:02} does not exist: {year} has {weeks} ISO weeks"),
                format!("use a week from {year}-W01 to {year}-W{weeks:02}"),
            )
        })?;
        let to = from + Days::new(6);
        Ok(Period {
            label: format!("{year:04}-W{week:02}"),
            kind: "week",
            from,
            to,
            dates: dates(from, to),
        })
    }

    /// The ISO week `day` falls in.
    pub fn week_of(day: NaiveDate) -> Period {
        let w = day.iso_week();
        Period::iso_week(w.year(), w.week()).expect("a day's own ISO week exists")
    }

    /// `last` (the week before `today`'s), `this` (`today`'s), or `2026-W47`.
    pub fn parse_week(text: &str, today: NaiveDate) -> Result<Period> {
        let text = text.trim();
        match text.to_ascii_lowercase().as_str() {
            "last" | "previous" => return Ok(Period::week_of(today - Days::new(7))),
            "this" | "current" => return Ok(Period::week_of(today)),
            _ => {}
        }
        let bad = || {
            hinted(
                format!("cannot understand the week {text:?}"),
                "use last, this, or an ISO week like 2026-W47",
            )
        };
        let upper = text.to_ascii_uppercase();
        let (year, week) = upper.split_once('W').ok_or_else(bad)?;
        let year = year.strip_suffix('-').unwrap_or(year);
        if year.len() != 4 || week.is_empty() || week.len() > 2 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        let week: u32 = week.parse().map_err(|_| bad())?;
        Period::iso_week(year, week)
    }

    /// The days `from` to `to`, both included.
    pub fn range(from: NaiveDate, to: NaiveDate) -> Result<Period> {
        if from > to {
            return Err(hinted(
                format!("the period starts ({from}) after it ends ({to})"),
                "give --from a day before --to",
            ));
        }
        Ok(Period {
            label: format!("{from}--{to}"),
            kind: "range",
            from,
            to,
            dates: dates(from, to),
        })
    }

    /// Where the digest of this period is written, relative to the journal:
    /// `digests/YYYY/2026-W47.md` (YYYY the ISO year) or `digests/YYYY/FROM--TO.md`.
    pub fn file_path(&self) -> String {
        let year = if self.kind == "week" {
            self.from.iso_week().year()
        } else {
            self.from.year()
        };
        format!("{DIGESTS_DIR}/{year:04}/{}.md", self.label)
    }

    /// The period a digest file is named for: `2026-W47.md` or `FROM--TO.md` (the
    /// inverse of [`Period::file_path`]'s file name); `None` for any other name.
    pub fn from_file_name(name: &str) -> Option<Period> {
        let label = name.strip_suffix(".md")?;
        if let Some((from, to)) = label.split_once("--") {
            return Period::range(from.parse().ok()?, to.parse().ok()?).ok();
        }
        let (year, week) = label.split_once("-W")?;
        Period::iso_week(year.parse().ok()?, week.parse().ok()?).ok()
    }

    fn contains(&self, day: NaiveDate) -> bool {
        (self.from..=self.to).contains(&day)
    }
}

fn dates(from: NaiveDate, to: NaiveDate) -> String {
    let fmt = "%a %-d %b %Y";
    if from == to {
        from.format(fmt).to_string()
    } else {
        format!("{} – {}", from.format(fmt), to.format(fmt))
    }
}

/// The summary of one period: what the templates render and `--format json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    pub period: Period,
    /// The partner this digest was filtered for, if any (`--for`).
    pub partner: Option<String>,
    pub counts: Counts,
    /// `progress` entries.
    pub progress: Vec<Item>,
    /// Every `## Learned` section and every `learning` entry.
    pub learned: Vec<Item>,
    /// Every `## Help wanted` section and every `help` entry.
    pub help_wanted: Vec<Item>,
    /// `decision` entries.
    pub decisions: Vec<Item>,
    pub credit: Credit,
    /// Every `## Next` section.
    pub next: Vec<Item>,
    /// Tags of the period, most used first.
    pub tags: Vec<TagCount>,
    /// Entries of the period from the logs this journal follows, oldest first. Filled
    /// only by [`Digest::add_followed`], which leaves a digest built for a partner alone.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from_partners: Vec<PartnerItem>,
    /// Those of `from_partners` that share a tag with this period's own entries.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_work: Vec<PartnerItem>,
    /// Followed logs' open asks (the four weeks up to the period's end) whose tags your
    /// learnings carry, best match first (see [`follow::asks`]); at most five.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub you_could_help: Vec<PartnerItem>,
    /// Entries of the period in followed logs that mention one of your handles.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub credited_by: Vec<PartnerItem>,
}

/// An entry of a followed log, as the "From partners" and "Related work" sections list it.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerItem {
    /// The followed log's name.
    pub partner: String,
    pub title: String,
    /// The entry's local date.
    pub date: NaiveDate,
    /// The date for people: `Sun 22 Nov`.
    pub day: String,
    pub kind: String,
    pub tags: Vec<String>,
    pub author: String,
    /// The entry's file inside the partner's published log.
    pub path: String,
    /// In "Related work": the tags it shares with this period's entries; in "You could
    /// help": the ask's tags your learnings carry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shared_tags: Vec<String>,
    /// In "You could help": what is asked (plain text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ask: Option<String>,
    /// The entry's page, when its log publishes a site address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Headline numbers.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    /// Entries in the period.
    pub entries: usize,
    /// Days of the period with at least one entry.
    pub active_days: usize,
    /// Consecutive days with an entry, ending at the period's last day (or today, when
    /// the period has not ended yet). A day still without an entry does not break it:
    /// the streak then ends the day before, as habit trackers count.
    pub streak: usize,
}

/// One entry as a section lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub title: String,
    /// The entry's id (its file stem).
    pub id: String,
    /// The entry file, relative to the journal root: `entries/2026/11/….md`.
    pub path: String,
    /// The entry's local date.
    pub date: NaiveDate,
    /// The date for people: `Sun 22 Nov`.
    pub day: String,
    pub kind: String,
    /// What the section quotes: the section's text, or the entry's summary. Its links to
    /// the entry's attachments are relative to `digests/YYYY/`, as the digest's others.
    pub text: String,
}

/// Credit given: every `@mention` with the entries that mention it, and `credit` entries.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Credit {
    pub mentions: Vec<Mention>,
    pub entries: Vec<Item>,
}

/// One `@name` and the entries that mention it.
#[derive(Debug, Clone, Serialize)]
pub struct Mention {
    pub name: String,
    pub entries: Vec<Item>,
}

/// A tag and the number of entries carrying it.
#[derive(Debug, Clone, Serialize)]
pub struct TagCount {
    pub tag: String,
    pub count: usize,
}

impl Digest {
    /// A digest of `period` that lists nothing yet.
    pub(crate) fn new(period: Period, partner: Option<String>, counts: Counts) -> Digest {
        Digest {
            period,
            partner,
            counts,
            progress: Vec::new(),
            learned: Vec::new(),
            help_wanted: Vec::new(),
            decisions: Vec::new(),
            credit: Credit::default(),
            next: Vec::new(),
            tags: Vec::new(),
            from_partners: Vec::new(),
            related_work: Vec::new(),
            you_could_help: Vec::new(),
            credited_by: Vec::new(),
        }
    }

    /// How many things the digest lists (items, mentions, tags): its render's fuel grows
    /// with them (see [`templates::render`]).
    pub fn listed(&self) -> usize {
        let partner_items = |items: &[PartnerItem]| -> usize {
            items
                .iter()
                .map(|i| 1 + i.tags.len() + i.shared_tags.len())
                .sum()
        };
        let mentioned: usize = self
            .credit
            .mentions
            .iter()
            .map(|m| 1 + m.entries.len())
            .sum();
        self.progress.len()
            + self.learned.len()
            + self.help_wanted.len()
            + self.decisions.len()
            + self.credit.entries.len()
            + mentioned
            + self.next.len()
            + self.tags.len()
            + partner_items(&self.from_partners)
            + partner_items(&self.related_work)
            + partner_items(&self.you_could_help)
            + partner_items(&self.credited_by)
    }

    /// True when the period has no entries (after any partner filter).
    pub fn is_empty(&self) -> bool {
        self.counts.entries == 0
    }

    /// Fill "From partners" and "Related work" from the followed logs' entries `items`
    /// (those dated in the period are taken). A digest built for a partner (`partner` is
    /// set: `--for`, and every published digest) is left as it is: those sections
    /// describe other people's work, which is not ours to republish.
    /// `learned` (tag → how many of your learnings carry it) ranks the asks for "You
    /// could help"; `handles` (your `@names`) picks "Credited by".
    pub fn add_followed(
        &mut self,
        items: &[follow::FeedItem],
        learned: &std::collections::HashMap<String, usize>,
        handles: &[String],
    ) {
        if self.partner.is_some() {
            return;
        }
        let mut in_period: Vec<&follow::FeedItem> = items
            .iter()
            .filter(|i| self.period.contains(i.day()))
            .collect();
        in_period.sort_by(|a, b| {
            a.date
                .cmp(&b.date)
                .then_with(|| a.partner.cmp(&b.partner))
                .then_with(|| a.path.cmp(&b.path))
        });
        let own: Vec<String> = self.tags.iter().map(|t| t.tag.clone()).collect();
        // Tags come from someone else's repository and are shown in code spans: no
        // backtick or line break may end one early.
        let clean = |tags: Vec<String>| -> Vec<String> {
            tags.into_iter()
                .map(|t| t.chars().filter(|c| *c != '`' && !c.is_control()).collect())
                .collect()
        };
        let item = |i: &follow::FeedItem, shared_tags: Vec<String>| PartnerItem {
            partner: i.partner.clone(),
            title: i.title.clone(),
            date: i.day(),
            day: i.date.format("%a %-d %b").to_string(),
            kind: i.kind.clone(),
            tags: clean(i.tags.clone()),
            author: i.author.clone(),
            path: i.path.clone(),
            shared_tags: clean(shared_tags),
            ask: None,
            url: i.url.clone(),
        };
        for i in &in_period {
            self.from_partners.push(item(i, Vec::new()));
            let shared = follow::shared_tags(i, &own);
            if !shared.is_empty() {
                self.related_work.push(item(i, shared));
            }
        }
        let up_to: Vec<follow::FeedItem> = items
            .iter()
            .filter(|i| i.day() <= self.period.to)
            .cloned()
            .collect();
        let since = self.period.to - chrono::Days::new(27);
        for a in follow::asks(&up_to, since, learned)
            .into_iter()
            .filter(|a| a.score > 0)
            .take(5)
        {
            let mut it = item(&a.item, a.matching_tags.clone());
            it.ask = Some(crate::site::plain_excerpt(&a.ask, 300));
            self.you_could_help.push(it);
        }
        let period_items: Vec<follow::FeedItem> = in_period.iter().map(|i| (*i).clone()).collect();
        for i in follow::mentions_of(&period_items, handles) {
            self.credited_by.push(item(i, Vec::new()));
        }
    }
}

/// The entries a digest is made of.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// The journal's entry files, as `wol digest` reads them.
    Journal,
    /// Exactly these entries, by path relative to the journal, newest first: what
    /// publish has read from the commit and decided a partner receives. Nothing else
    /// (an ignored or uncommitted file, an entry held back) can get into such a digest.
    Given(&'a [(&'a str, &'a Entry)]),
}

impl<'a> Source<'a> {
    /// The entries dated `from` to `to` (the journal: those of the month folders that
    /// overlap it; the caller checks each date).
    fn entries<'s>(
        self,
        journal: &'s Journal,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Box<dyn Iterator<Item = (PathBuf, Result<Entry, LoadError>)> + 's>
    where
        'a: 's,
    {
        match self {
            Source::Journal => Box::new(journal.entries(Some((from, to)))),
            Source::Given(given) => Box::new(
                given[near_days(given, from, to, |(_, e)| e.meta.date)]
                    .iter()
                    .map(|(rel, e)| (journal.root.join(rel), Ok((*e).clone()))),
            ),
        }
    }
}

/// The run of `items` (newest first by `date`) that can fall in `period`: since they are
/// newest first by instant, their UTC days fall, and the run whose UTC day is within a
/// day of the period holds every item whose own (local) day is in it, whatever its
/// offset. Each date is still to be checked.
pub fn near<T>(
    items: &[T],
    period: &Period,
    date: impl Fn(&T) -> DateTime<FixedOffset>,
) -> std::ops::Range<usize> {
    near_days(items, period.from, period.to, date)
}

fn near_days<T>(
    items: &[T],
    from: NaiveDate,
    to: NaiveDate,
    date: impl Fn(&T) -> DateTime<FixedOffset>,
) -> std::ops::Range<usize> {
    let day = |item: &T| date(item).naive_utc().date();
    let after = to.checked_add_days(Days::new(1)).unwrap_or(to);
    let before = from.checked_sub_days(Days::new(1)).unwrap_or(from);
    let start = items.partition_point(|item| day(item) > after);
    let end = items.partition_point(|item| day(item) >= before);
    start..end.max(start)
}

/// Build the digest of `period` from the entries of `source` that `keep` accepts.
///
/// `today` anchors the streak of a period that has not ended yet. `partner` is only
/// recorded in the model. Malformed entry files in the period are passed to `on_error`
/// and left out.
pub fn build(
    journal: &Journal,
    source: Source<'_>,
    period: &Period,
    today: NaiveDate,
    partner: Option<&str>,
    keep: &dyn Fn(&Entry) -> bool,
    on_error: &mut dyn FnMut(&LoadError),
) -> Digest {
    let mut entries: Vec<(PathBuf, Entry)> = Vec::new();
    for (path, loaded) in source.entries(journal, period.from, period.to) {
        match loaded {
            Ok(entry) if period.contains(entry.meta.date.date_naive()) && keep(&entry) => {
                entries.push((path, entry));
            }
            Ok(_) => {}
            Err(e) => on_error(&e),
        }
    }
    entries.sort_by(|(pa, a), (pb, b)| a.meta.date.cmp(&b.meta.date).then_with(|| pa.cmp(pb)));

    let active: BTreeSet<NaiveDate> = entries
        .iter()
        .map(|(_, e)| e.meta.date.date_naive())
        .collect();
    let counts = Counts {
        entries: entries.len(),
        active_days: active.len(),
        streak: streak(journal, source, period, today, active, keep),
    };

    let mut digest = Digest::new(period.clone(), partner.map(String::from), counts);
    // Mentions and tags keyed case-insensitively, shown as first written.
    let mut mentions: BTreeMap<String, Mention> = BTreeMap::new();
    let mut tags: BTreeMap<String, TagCount> = BTreeMap::new();
    for (path, e) in &entries {
        let rel = journal.rel(path);
        let item = |text: String| Item {
            title: e.meta.title.clone(),
            id: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            text: from_digest_folder(&text, &rel),
            path: rel.clone(),
            date: e.meta.date.date_naive(),
            day: e.meta.date.format("%a %-d %b").to_string(),
            kind: e.meta.kind.clone(),
        };
        let summary = entry::summary(&e.body);
        let kind = e.meta.kind.as_str();
        match kind {
            "progress" => digest.progress.push(item(summary.clone())),
            "decision" => digest.decisions.push(item(summary.clone())),
            "credit" => digest.credit.entries.push(item(summary.clone())),
            _ => {}
        }
        let learned = e.section("Learned");
        if kind == "learning" || learned.is_some() {
            digest
                .learned
                .push(item(learned.unwrap_or_else(|| summary.clone())));
        }
        let help = e.section("Help wanted");
        if kind == "help" || help.is_some() {
            digest
                .help_wanted
                .push(item(help.unwrap_or_else(|| summary.clone())));
        }
        if let Some(next) = e.section("Next") {
            digest.next.push(item(next));
        }
        for name in e.mentions() {
            mentions
                .entry(name.to_lowercase())
                .or_insert_with(|| Mention {
                    name: name.clone(),
                    entries: Vec::new(),
                })
                .entries
                .push(item(String::new()));
        }
        for tag in e.all_tags() {
            tags.entry(tag.to_lowercase())
                .or_insert_with(|| TagCount { tag, count: 0 })
                .count += 1;
        }
    }
    digest.credit.mentions = mentions.into_values().collect();
    let mut tags: Vec<TagCount> = tags.into_values().collect();
    // Stable: equal counts keep the alphabetical order of the map.
    tags.sort_by_key(|t| std::cmp::Reverse(t.count));
    digest.tags = tags;
    digest
}

/// `text`, quoted from the entry at `entry_rel`, with its links to the entry's attachments
/// (`<id>/board.png`, relative to the entry) made relative to `digests/YYYY/`, where the
/// digest is (`../../entries/YYYY/MM/<id>/board.png`). Other links are left as written:
/// absolute ones and anchors work anywhere, and one to another entry's files is not the
/// digest's to follow (that entry may be private).
fn from_digest_folder(text: &str, entry_rel: &str) -> String {
    site::links::rewrite(text, |dest| {
        match crate::attach::link_target(entry_rel, dest) {
            Some((file, rest)) => site::links::Rewrite::To(format!("../../{file}{rest}")),
            None => site::links::Rewrite::Keep,
        }
    })
}

/// The streak ending at the period's end (see [`Counts::streak`]). `active` holds the
/// period's active days; earlier months are read only while the streak reaches them.
fn streak(
    journal: &Journal,
    source: Source<'_>,
    period: &Period,
    today: NaiveDate,
    mut active: BTreeSet<NaiveDate>,
    keep: &dyn Fn(&Entry) -> bool,
) -> usize {
    let anchor = period.to.min(today);
    if anchor < period.from {
        return 0;
    }
    let mut loaded: HashSet<(i32, u32)> = HashSet::new();
    let mut is_active = |day: NaiveDate, active: &mut BTreeSet<NaiveDate>| {
        if day < period.from && loaded.insert((day.year(), day.month())) {
            let first = day.with_day(1).unwrap_or(day);
            let last = first
                .checked_add_months(chrono::Months::new(1))
                .and_then(|d| d.pred_opt())
                .unwrap_or(day);
            // Outside the period, unreadable files are left out silently: the period's
            // own files are the ones the warnings are about.
            for (_, loaded) in source.entries(journal, first, last) {
                if let Ok(e) = loaded {
                    let d = e.meta.date.date_naive();
                    if d < period.from && keep(&e) {
                        active.insert(d);
                    }
                }
            }
        }
        active.contains(&day)
    };
    let mut day = anchor;
    if !is_active(day, &mut active) {
        match day.pred_opt() {
            Some(d) => day = d,
            None => return 0,
        }
    }
    let mut n = 0;
    while is_active(day, &mut active) {
        n += 1;
        match day.pred_opt() {
            Some(d) => day = d,
            None => break,
        }
    }
    n
}

/// How a digest is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown, links relative to `digests/YYYY/`
    Md,
    /// Plain text, for mail
    Text,
    /// HTML (the Markdown rendering; raw HTML from entries is omitted)
    Html,
    /// The digest model as JSON
    Json,
}

/// Render `digest` in `format`, with the journal's template overrides.
pub fn render(journal: &Journal, digest: &Digest, format: Format) -> Result<String> {
    match format {
        Format::Md => render_template(journal, digest, "digest.md"),
        Format::Text => render_template(journal, digest, "digest.txt"),
        Format::Html => Ok(site::html::standalone_page(
            &site::html::stylesheet(journal)?,
            &format!("Digest {}", digest.period.label),
            &site::markdown_to_html(&render_template(journal, digest, "digest.md")?),
        )),
        Format::Json => {
            let mut text = serde_json::to_string_pretty(digest)?;
            text.push('\n');
            Ok(text)
        }
    }
}

/// Render the template `name` (`digest.md` or `digest.txt`) with the digest as context.
pub fn render_template(journal: &Journal, digest: &Digest, name: &str) -> Result<String> {
    let source = templates::source(journal, name)?;
    let mut env = templates::environment();
    env.add_filter("mdtext", |t: &str| site::readme::escape(t));
    env.add_template(name, &source)
        .with_context(|| format!("the template templates/{name} is not valid"))?;
    let ctx = minijinja::Value::from(minijinja::value::Serde(digest));
    templates::render(&env, name, ctx, digest.listed())
}

/// The digest file (`digests/YYYY/YYYY-Www.md`, written by `--write` and published with
/// a log): [`render_template`] of `digest.md` without what no file should hold (a NUL,
/// a terminal's escape sequences, which `cat` would run), as every page is. On a
/// terminal the digest shows them escaped instead.
pub fn file_text(journal: &Journal, digest: &Digest) -> Result<String> {
    render_template(journal, digest, "digest.md").map(site::valid_chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn iso_weeks_at_the_edges_of_the_year() {
        assert!(Period::iso_week(2025, 53).is_err());
        let w = Period::iso_week(2026, 53).unwrap();
        assert_eq!((w.from, w.to), (day("2026-12-28"), day("2027-01-03")));
        assert_eq!(w.file_path(), "digests/2026/2026-W53.md");
        let w = Period::iso_week(2027, 1).unwrap();
        assert_eq!(w.from, day("2027-01-04"));
        // 2024-12-30 is in ISO week 2025-W01.
        assert_eq!(Period::week_of(day("2024-12-30")).label, "2025-W01");
        assert_eq!(Period::week_of(day("0001-01-01")).label, "0001-W01");
        assert_eq!(
            Period::week_of(day("2024-12-30")).file_path(),
            "digests/2025/2025-W01.md"
        );
    }

    #[test]
    fn weeks_people_type() {
        let today = day("2026-11-22");
        assert_eq!(Period::parse_week("last", today).unwrap().label, "2026-W46");
        assert_eq!(Period::parse_week("this", today).unwrap().label, "2026-W47");
        assert_eq!(
            Period::parse_week("2026-w05", today).unwrap().label,
            "2026-W05"
        );
        assert_eq!(
            Period::parse_week("2026W47", today).unwrap().label,
            "2026-W47"
        );
        for bad in ["W47", "2026-W", "2026-W0", "2026-W123", "next", "26-W47"] {
            assert!(Period::parse_week(bad, today).is_err(), "{bad}");
        }
        let r = Period::range(day("2026-11-01"), day("2026-11-22")).unwrap();
        assert_eq!(r.file_path(), "digests/2026/2026-11-01--2026-11-22.md");
        assert!(Period::range(day("2026-11-02"), day("2026-11-01")).is_err());
    }
}
