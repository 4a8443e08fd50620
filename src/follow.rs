//! Following other people's published logs: the reading side of publishing.
//!
//! A followed log is `[follow.NAME]` in `wol.toml` (a git URL and a branch). `wol pull`
//! fetches that branch into a bare repository of its own, `.wol/following/NAME.git`
//! (local state, git-ignored), so that nobody else's objects ever enter the journal's
//! repository. Everything else reads the fetched head's `wol.json` (and the older months
//! a large log keeps apart beside it, `json/YYYY-MM.json`, see `site::json`) straight
//! from that repository's object database (no checkout): `wol feed`, the digest's "From
//! partners" and "Related work" sections, and `wol doctor`.
//!
//! A log published in `shared` mode (a community repository) has no `wol.json` at its
//! root but one per member under `logs/<member>/`; those are read too, and a member whose
//! index cannot be read is left out alone.
//!
//! The journal's own log is never read back as someone else's: an index whose
//! `journal_id` is this journal's id (its folder of a community repository it publishes
//! to and follows, or its own published log) is left out, and [`Log::own`] says where.
//!
//! Someone else's log is not trusted to be small: an index larger than
//! [`MAX_INDEX_BYTES`] is refused by its size before it is loaded, a log's index files
//! together are read within that bound, and at most [`MAX_ENTRIES`] entries, the newest,
//! are kept of a log.

use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use chrono::{DateTime, FixedOffset, NaiveDate};
use git2::{ErrorCode, ObjectType, Oid, Repository, Tree, TreeEntry};
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use toml_edit::{Table, value};

use crate::config::FollowConfig;
use crate::error::hinted;
use crate::journal::Journal;
use crate::publish::shared::LOGS;
use crate::remote::{self, redact_url, resolve_url, validate_name, validate_url};
use crate::site::json::SCHEMA_VERSION;

/// Where fetched logs live, relative to the journal's state dir (`.wol/`).
pub const FOLLOWING_DIR: &str = "following";
/// The index every published log carries at its root.
pub const INDEX_FILE: &str = "wol.json";

/// The largest `wol.json` read from a followed log, checked against the blob's size in
/// the object database before its content is loaded. `wol publish` writes about 310
/// bytes an entry, so a real 100,000-entry log's index is ~31 MB: 64 MiB leaves room
/// for twice that, or for long sections. Without a bound, a few MB fetched (gigabytes of
/// whitespace compress to almost nothing) cost every `wol feed` and `wol digest`
/// gigabytes of memory.
pub const MAX_INDEX_BYTES: u64 = 64 << 20;

/// The most entries kept of one followed log (of each index as it is parsed, and of a
/// shared log's members together): the newest. The feed and the digest look back weeks,
/// not years, and 20,000 entries is over a decade of one busy person (five a day) or a
/// year of a 20-member community, while holding them costs tens of MB rather than the
/// gigabyte that 200,000 tiny entries took in `wol digest`.
pub const MAX_ENTRIES: usize = 20_000;

/// The bare repository holding the fetched copy of log `name`.
pub fn mirror_path(journal: &Journal, name: &str) -> PathBuf {
    journal
        .state_dir()
        .join(FOLLOWING_DIR)
        .join(format!("{name}.git"))
}

/// One entry of a followed log, as `wol feed --json` prints it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FeedItem {
    /// The followed log's name (`[follow.NAME]`).
    pub partner: String,
    pub title: String,
    /// RFC 3339, as the author wrote it.
    pub date: DateTime<FixedOffset>,
    pub kind: String,
    pub tags: Vec<String>,
    pub author: String,
    /// The entry's Markdown file inside the published log.
    pub path: String,
    /// Its id in the log: `wol.json`'s `id` where the log gives one (an entry whose file
    /// moved keeps the id it had), else its file name without `.md`.
    #[serde(skip)]
    pub id: String,
    /// The entry's page, when the log publishes its site address (schema 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `## Help wanted`, `## Learned`, `## Next` (plain text; schema 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_wanted: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learned: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    /// `@mentions` (schema 2).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
}

impl FeedItem {
    /// The entry's own local day (the digest's rule: the date in its own offset).
    pub fn day(&self) -> NaiveDate {
        self.date.date_naive()
    }

    /// Which entry of its log this is, whatever its file is called now: its id, within
    /// its member's folder in a shared log (`logs/<member>/`).
    fn identity(&self) -> String {
        let folder = self.path.find("entries/").map_or("", |at| &self.path[..at]);
        format!("{folder}{}", self.id)
    }
}

/// `wol.json` as published by `wol publish` (see `site::json`), with its `N` newest
/// entries. Fields added later within the same schema version are ignored.
#[derive(Deserialize)]
struct Index<const N: usize> {
    schema_version: u32,
    /// Whose log it is (schema 2); absent from older indexes.
    #[serde(default)]
    journal_id: Option<String>,
    entries: Newest<N>,
    /// The months a large log keeps apart (see `site::json`), newest first.
    #[serde(default)]
    archives: Vec<ArchiveElement>,
}

/// One element of a followed index's `archives`: a month kept apart, or anything else.
#[derive(Deserialize)]
#[serde(untagged)]
enum ArchiveElement {
    Month(ArchiveRef),
    Other(serde::de::IgnoredAny),
}

/// A month a followed log keeps apart: its file, beside the `wol.json` that names it,
/// and how many entries the log says it holds.
#[derive(Debug, Deserialize)]
struct ArchiveRef {
    path: String,
    #[serde(default)]
    entries: u64,
}

/// One `wol.json` of a followed log, read: its newest entries, how many it has, and whose
/// log it says it is.
#[derive(Debug)]
struct ReadIndex {
    items: Vec<FeedItem>,
    total: usize,
    invalid: usize,
    journal_id: Option<String>,
    /// The months it keeps apart, not read yet.
    archives: Vec<ArchiveRef>,
}

/// The newest `N` of a list of entries, kept while the list is read (never more than
/// `N + 1` held at once), and how many the list had.
struct Newest<const N: usize> {
    entries: Vec<IndexEntry>,
    total: usize,
    /// Entries that could not be read (a date that is no instant, a path that climbs
    /// out of the log, a field of the wrong type): left out alone.
    invalid: usize,
}

/// One element of a followed index's `entries`: an entry wol can show, or anything else.
#[derive(Deserialize)]
#[serde(untagged)]
enum Element {
    Entry(Box<IndexEntry>),
    Other(serde::de::IgnoredAny),
}

impl IndexEntry {
    /// Whether the entry can be shown and passed on as it is: a date with a four-digit
    /// year (RFC 3339, which `wol feed --json` prints), a relative path that stays
    /// inside the log.
    fn usable(&self) -> bool {
        use chrono::Datelike as _;
        (0..=9999).contains(&self.date.year())
            && !self.path.is_empty()
            && !self.path.starts_with('/')
            && !self.path.split(['/', '\\']).any(|part| part == "..")
    }
}

impl<'de, const N: usize> Deserialize<'de> for Newest<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<const N: usize>;
        impl<'de, const N: usize> Visitor<'de> for Entries<N> {
            type Value = Newest<N>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of entries")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Newest<N>, A::Error> {
                let mut kept = BinaryHeap::new();
                let (mut total, mut invalid) = (0, 0);
                while let Some(element) = seq.next_element()? {
                    total += 1;
                    let entry = match element {
                        Element::Entry(entry) if entry.usable() => *entry,
                        _ => {
                            invalid += 1;
                            continue;
                        }
                    };
                    kept.push(Oldest(entry));
                    if kept.len() > N {
                        kept.pop();
                    }
                }
                Ok(Newest {
                    entries: kept.into_iter().map(|o| o.0).collect(),
                    total: total - invalid,
                    invalid,
                })
            }
        }
        deserializer.deserialize_seq(Entries::<N>)
    }
}

/// An entry ordered so that the greatest is the one to drop first: the oldest, and of
/// the same instant the last by path (the feed's order, reversed).
struct Oldest(IndexEntry);

impl Ord for Oldest {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .date
            .cmp(&self.0.date)
            .then_with(|| self.0.path.cmp(&other.0.path))
    }
}

impl PartialOrd for Oldest {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Oldest {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Oldest {}

#[derive(Deserialize)]
struct IndexEntry {
    path: String,
    #[serde(default)]
    id: Option<String>,
    title: String,
    date: DateTime<FixedOffset>,
    kind: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    author: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    help_wanted: Option<String>,
    #[serde(default)]
    learned: Option<String>,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    mentions: Vec<String>,
}

/// Why a followed log, or part of it, cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No fetched copy yet.
    #[error("{0} has never been pulled")]
    NeverPulled(String),
    /// The fetched copy is unusable, or is no log published by wol.
    #[error("{name}: {reason}")]
    Unreadable { name: String, reason: String },
    /// Its `wol.json` cannot be used; for a shared log, one `member`'s, and only that
    /// member is left out.
    #[error("{name}: {error}")]
    Index {
        name: String,
        member: Option<String>,
        error: IndexError,
    },
}

/// Why one `wol.json` of a followed log is not read.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Larger than [`MAX_INDEX_BYTES`]: refused unread.
    #[error(
        "{path} is {}, more than the {} wol reads from a followed log",
        mib(*size),
        mib(MAX_INDEX_BYTES)
    )]
    TooLarge { path: String, size: u64 },
    /// A shared log's member whose index would take the members' indexes together past
    /// [`MAX_INDEX_BYTES`]: refused unread, as one index that size would be.
    #[error(
        "{path} is {}, and the indexes read before it leave {} of the {} wol reads from a followed log (its members' together)",
        mib(*size),
        mib(*left),
        mib(MAX_INDEX_BYTES)
    )]
    PastBudget { path: String, size: u64, left: u64 },
    /// Not a file, not UTF-8, not JSON, or not a schema this wol reads.
    #[error("{path} cannot be read: {reason}")]
    Invalid { path: String, reason: String },
}

/// `bytes` in MiB, as the size limit is stated.
fn mib(bytes: u64) -> String {
    let mib = bytes as f64 / f64::from(1 << 20);
    if bytes.is_multiple_of(1 << 20) {
        format!("{mib:.0} MiB")
    } else {
        format!("{mib:.1} MiB")
    }
}

impl ReadError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            ReadError::NeverPulled(name) => format!("fetch it with: wol pull {name}"),
            ReadError::Unreadable { name, .. }
            | ReadError::Index {
                name,
                member: None,
                error: IndexError::Invalid { .. },
            } => format!(
                "it is skipped until it is fixed; ask {name}'s maintainers to publish again with a current wol, then: wol pull {name}"
            ),
            ReadError::Index {
                name,
                member: None,
                error: IndexError::TooLarge { .. } | IndexError::PastBudget { .. },
            } => format!(
                "it is skipped until it is smaller; ask {name}'s maintainers to publish fewer or shorter entries, or stop following it: wol follow rm {name}"
            ),
            ReadError::Index {
                name,
                member: Some(member),
                ..
            } => format!(
                "only {member}'s entries are left out; ask {name}'s maintainers to have {member} publish again (with a current wol, at most {}), then: wol pull {name}",
                mib(MAX_INDEX_BYTES)
            ),
        }
    }
}

/// A followed log as read from its fetched copy.
#[derive(Debug, Default)]
pub struct Log {
    /// Its entries, newest first: at most [`MAX_ENTRIES`].
    pub items: Vec<FeedItem>,
    /// How many older entries were left out to keep within [`MAX_ENTRIES`].
    pub dropped: usize,
    /// How many entries could not be read (see `IndexEntry::usable`; and those a month
    /// kept apart says it holds, when its file cannot be read) and were left out alone,
    /// the rest of the log read.
    pub invalid: usize,
    /// The members of a shared log that were left out, and why; the others were read.
    pub left_out: Vec<ReadError>,
    /// The part of it that is this journal's own log (its `wol.json` carries this
    /// journal's id), left out: other people's work is what a followed log is read for.
    /// The whole log (`wol.json`) or a member's folder of a community repository
    /// (`logs/<member>`).
    pub own: Option<String>,
}

/// Log `name` as last fetched.
pub fn read(journal: &Journal, name: &str, config: &FollowConfig) -> Result<Log, ReadError> {
    let unreadable = |reason: String| ReadError::Unreadable {
        name: name.to_string(),
        reason,
    };
    // A hand-edited wol.toml could name `../x`: the name becomes a path.
    validate_name(name).map_err(|e| unreadable(format!("{e:#}")))?;
    let path = mirror_path(journal, name);
    if !path.exists() {
        return Err(ReadError::NeverPulled(name.to_string()));
    }
    let repo = Repository::open_bare(&path)
        .map_err(|e| unreadable(format!("cannot open {}: {}", path.display(), e.message())))?;
    let head = match repo.refname_to_id(&branch_ref(&config.branch)) {
        Ok(oid) => oid,
        Err(e) if e.code() == ErrorCode::NotFound => {
            return Err(ReadError::NeverPulled(name.to_string()));
        }
        Err(e) => return Err(unreadable(e.message().to_string())),
    };
    read_commit(&repo, head, name, journal.config.id.as_deref())
}

/// The entries of every followed log (`names`, or all when empty), merged newest first,
/// and what could not be read: whole logs, and members left out of shared ones.
pub fn read_all(journal: &Journal, names: &[String]) -> (Vec<FeedItem>, Vec<ReadError>) {
    let mut items = Vec::new();
    let mut problems = Vec::new();
    for (name, config) in &journal.config.follow {
        if !names.is_empty() && !names.contains(name) {
            continue;
        }
        match read(journal, name, config) {
            Ok(mut log) => {
                items.append(&mut log.items);
                problems.append(&mut log.left_out);
            }
            Err(e) => problems.push(e),
        }
    }
    sort_newest_first(&mut items);
    (items, problems)
}

fn sort_newest_first(items: &mut [FeedItem]) {
    items.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then_with(|| a.partner.cmp(&b.partner))
            .then_with(|| a.path.cmp(&b.path))
    });
}

/// Log `name` as of `commit`: the `wol.json` at its root, or, for a community
/// repository, every `logs/<member>/wol.json` (their paths then start with
/// `logs/<member>/`), leaving out a member whose index cannot be read. An index whose
/// `journal_id` is `own` (this journal's id) is this journal's own log: its entries are
/// left out, and [`Log::own`] says where it is.
fn read_commit(
    repo: &Repository,
    commit: Oid,
    name: &str,
    own: Option<&str>,
) -> Result<Log, ReadError> {
    let is_own = |id: &Option<String>| own.is_some() && id.as_deref() == own;
    let unreadable = |reason: String| ReadError::Unreadable {
        name: name.to_string(),
        reason,
    };
    let git = |e: git2::Error| unreadable(e.message().to_string());
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(git)?;
    let mut log = Log::default();
    // What is read of one log, one index or its members' together, is bounded: a
    // shared log of many members is as much someone else's text as one big index.
    let mut budget = MAX_INDEX_BYTES;
    if let Some(entry) = tree.get_name(INDEX_FILE) {
        let index =
            read_index(repo, &tree, &entry, "", &mut budget).map_err(|error| ReadError::Index {
                name: name.to_string(),
                member: None,
                error,
            })?;
        if is_own(&index.journal_id) {
            log.own = Some(INDEX_FILE.to_string());
        } else {
            log.dropped = index.total - index.items.len();
            log.invalid = index.invalid;
            log.items = index.items;
        }
    } else {
        let logs = match tree.get_name(LOGS) {
            Some(e) if e.kind() == Some(ObjectType::Tree) => repo.find_tree(e.id()).map_err(git)?,
            _ => {
                return Err(unreadable(format!(
                    "the branch has no {INDEX_FILE}: it does not look like a log published by wol"
                )));
            }
        };
        for member in logs.iter() {
            let Ok(member_name) = member.name() else {
                continue;
            };
            if member.kind() != Some(ObjectType::Tree) {
                continue;
            }
            let sub = repo.find_tree(member.id()).map_err(git)?;
            let Some(index) = sub.get_name(INDEX_FILE) else {
                continue;
            };
            // Member names are someone else's text too.
            let member_name = printable(member_name);
            let ReadIndex {
                mut items,
                total,
                invalid,
                journal_id,
                ..
            } = match read_index(
                repo,
                &sub,
                &index,
                &format!("{LOGS}/{member_name}/"),
                &mut budget,
            ) {
                Ok(read) => read,
                Err(error) => {
                    log.left_out.push(ReadError::Index {
                        name: name.to_string(),
                        member: Some(member_name),
                        error,
                    });
                    continue;
                }
            };
            if is_own(&journal_id) {
                log.own = Some(format!("{LOGS}/{member_name}"));
                continue;
            }
            log.dropped += total - items.len();
            log.invalid += invalid;
            for item in &mut items {
                item.path = format!("{LOGS}/{member_name}/{}", item.path);
            }
            log.items.append(&mut items);
            // Many members could add up to any number: trim now and then, not each time.
            if log.items.len() > 2 * MAX_ENTRIES {
                keep_newest(&mut log);
            }
        }
    }
    for item in &mut log.items {
        item.partner = name.to_string();
    }
    keep_newest(&mut log);
    Ok(log)
}

/// Sort the log newest first and keep [`MAX_ENTRIES`] of it.
fn keep_newest(log: &mut Log) {
    sort_newest_first(&mut log.items);
    if log.items.len() > MAX_ENTRIES {
        log.dropped += log.items.len() - MAX_ENTRIES;
        log.items.truncate(MAX_ENTRIES);
    }
}

/// The newest [`MAX_ENTRIES`] entries of the index `entry`, the `wol.json` in the folder
/// `dir` (shown as `folder` + `wol.json`), with the months it keeps apart as far as
/// they are needed for that many, and how many the log has. Each file's size is checked
/// before its content is loaded, against [`MAX_INDEX_BYTES`] and against `budget`, what
/// is left to read of its log (which it then takes). A month that cannot be read is
/// left out, its entries counted as unreadable.
fn read_index(
    repo: &Repository,
    dir: &Tree<'_>,
    entry: &TreeEntry,
    folder: &str,
    budget: &mut u64,
) -> Result<ReadIndex, IndexError> {
    let path = format!("{folder}{INDEX_FILE}");
    let mut index = read_index_file(repo, entry, &path, budget)?;
    let mut seen = std::collections::HashSet::new();
    for archive in std::mem::take(&mut index.archives) {
        // What the log says a month holds, within reason: no index file wol reads holds
        // more entries than it has bytes.
        let entries = archive.entries.min(MAX_INDEX_BYTES) as usize;
        if !seen.insert(archive.path.clone()) {
            continue;
        }
        if index.items.len() >= MAX_ENTRIES {
            // The newest are in hand: the rest is counted as the log says.
            index.total = index.total.saturating_add(entries);
            continue;
        }
        let read = crate::site::json::archive_month(&archive.path)
            .and_then(|_| dir.get_path(Path::new(&archive.path)).ok())
            .and_then(|entry| {
                let path = format!("{folder}{}", archive.path);
                read_index_file(repo, &entry, &path, budget).ok()
            });
        match read {
            Some(part) => {
                index.items.extend(part.items);
                index.total = index.total.saturating_add(part.total);
                index.invalid = index.invalid.saturating_add(part.invalid);
            }
            None => index.invalid = index.invalid.saturating_add(entries),
        }
    }
    Ok(index)
}

/// The newest [`MAX_ENTRIES`] entries of one index file, `entry` (shown as `path`): a
/// `wol.json` or a month it keeps apart (whose own `archives`, if any, are not followed).
fn read_index_file(
    repo: &Repository,
    entry: &TreeEntry,
    path: &str,
    budget: &mut u64,
) -> Result<ReadIndex, IndexError> {
    let invalid = |reason: String| IndexError::Invalid {
        path: path.to_string(),
        reason,
    };
    // A link's blob is its target's name: not the index, even where it points to one.
    if entry.filemode() == i32::from(git2::FileMode::Link) {
        return Err(invalid("it is a symbolic link, not a file".into()));
    }
    if entry.kind() != Some(ObjectType::Blob) {
        return Err(invalid("it is not a file".into()));
    }
    let (size, _) = repo
        .odb()
        .and_then(|odb| odb.read_header(entry.id()))
        .map_err(|e| invalid(e.message().to_string()))?;
    let size = size as u64;
    if size > MAX_INDEX_BYTES {
        return Err(IndexError::TooLarge {
            path: path.to_string(),
            size,
        });
    }
    if size > *budget {
        return Err(IndexError::PastBudget {
            path: path.to_string(),
            size,
            left: *budget,
        });
    }
    *budget -= size;
    let blob = repo
        .find_blob(entry.id())
        .map_err(|e| invalid(e.message().to_string()))?;
    let text = std::str::from_utf8(blob.content()).map_err(|_| invalid("not UTF-8".into()))?;
    parse_index::<MAX_ENTRIES>(text).map_err(|e| invalid(printable(&format!("{e:#}"))))
}

/// Parse the text of a `wol.json` into its newest `N` entries, and say how many it has
/// and whose log it is; the schema version is checked before anything else, so a newer
/// layout is reported as such rather than as a confusing field error.
fn parse_index<const N: usize>(text: &str) -> Result<ReadIndex> {
    #[derive(Deserialize)]
    struct Version {
        schema_version: Option<u32>,
    }
    let version: Version = serde_json::from_str(text).context("not valid JSON")?;
    // Version 1 is version 2 without the optional fields: one reader for both.
    match version.schema_version {
        Some(1..=SCHEMA_VERSION) => {}
        Some(other) => anyhow::bail!(
            "schema_version {other} is not one this wol reads (it reads 1 to {SCHEMA_VERSION}); a newer wol may"
        ),
        None => anyhow::bail!("no schema_version"),
    }
    let index: Index<N> = serde_json::from_str(text)?;
    debug_assert!(index.schema_version <= SCHEMA_VERSION);
    let items = index
        .entries
        .entries
        .into_iter()
        .map(|e| FeedItem {
            id: e.id.filter(|id| !id.is_empty()).unwrap_or_else(|| {
                let name = e.path.rsplit(['/', '\\']).next().unwrap_or(&e.path);
                name.strip_suffix(".md").unwrap_or(name).to_string()
            }),
            partner: String::new(),
            title: printable(&e.title),
            date: e.date,
            kind: printable(&e.kind),
            tags: e.tags.iter().map(|t| printable(t)).collect(),
            author: printable(&e.author),
            path: printable(&e.path),
            // Only web links: a followed log must not hand a reader `javascript:`.
            url: e
                .url
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .map(|u| printable(&u)),
            help_wanted: e.help_wanted.map(|t| printable(&t)),
            learned: e.learned.map(|t| printable(&t)),
            next: e.next.map(|t| printable(&t)),
            mentions: e.mentions.iter().map(|m| printable(m)).collect(),
        })
        .collect();
    Ok(ReadIndex {
        items,
        total: index.entries.total,
        invalid: index.entries.invalid,
        journal_id: index.journal_id.filter(|id| !id.is_empty()),
        archives: index
            .archives
            .into_iter()
            .filter_map(|a| match a {
                ArchiveElement::Month(month) => Some(month),
                ArchiveElement::Other(_) => None,
            })
            .collect(),
    })
}

/// An open request for help in a followed log, ranked for you.
#[derive(Debug, Clone, Serialize)]
pub struct Ask {
    #[serde(flatten)]
    pub item: FeedItem,
    /// What is asked: the `## Help wanted` text, or the title of a `help` entry.
    pub ask: String,
    /// The ask's tags that your own learnings carry, most learned first.
    pub matching_tags: Vec<String>,
    /// How many of your learnings carry those tags: the rank.
    pub score: usize,
}

/// Help requests (`help` entries and `## Help wanted` sections) among `items` dated
/// `since` or later, ranked by how much you learned about their tags (`learned`: tag in
/// lower case → how many of your learnings carry it), then newest first. Asks that
/// share no tag with your learnings come last, with score 0.
pub fn asks(
    items: &[FeedItem],
    since: NaiveDate,
    learned: &std::collections::HashMap<String, usize>,
) -> Vec<Ask> {
    let mut asks: Vec<Ask> = items
        .iter()
        .filter(|i| i.day() >= since && (i.kind == "help" || i.help_wanted.is_some()))
        .map(|i| {
            let mut matching: Vec<(String, usize)> = i
                .tags
                .iter()
                .filter_map(|t| learned.get(&t.to_lowercase()).map(|n| (t.clone(), *n)))
                .collect();
            matching.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            Ask {
                ask: i.help_wanted.clone().unwrap_or_else(|| i.title.clone()),
                score: matching.iter().map(|(_, n)| n).sum(),
                matching_tags: matching.into_iter().map(|(t, _)| t).collect(),
                item: i.clone(),
            }
        })
        .collect();
    asks.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| b.item.date.cmp(&a.item.date))
    });
    asks
}

/// Entries of followed logs that mention one of `handles` (your own `@names`, without
/// `@`, compared case-insensitively): credit given to you.
pub fn mentions_of<'i>(items: &'i [FeedItem], handles: &[String]) -> Vec<&'i FeedItem> {
    let handles: Vec<String> = handles
        .iter()
        .map(|h| h.trim_start_matches('@').to_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    items
        .iter()
        .filter(|i| {
            i.mentions
                .iter()
                .any(|m| handles.contains(&m.to_lowercase()))
        })
        .collect()
}

/// Tag (lower case) → how many of the journal's own learnings carry it: `learning`
/// entries and entries with a `## Learned` section, dated `since` or later.
pub fn learned_tags(
    journal: &Journal,
    since: NaiveDate,
) -> std::collections::HashMap<String, usize> {
    let filter = crate::filter::Filter {
        since: Some(since),
        ..crate::filter::Filter::default()
    };
    let (entries, _) = journal.select(&filter, None);
    let mut counts = std::collections::HashMap::new();
    for (_, e) in entries {
        if e.meta.kind == "learning" || e.section("Learned").is_some() {
            for t in e.all_tags() {
                *counts.entry(t.to_lowercase()).or_insert(0) += 1;
            }
        }
    }
    counts
}

/// Someone else's text with control characters dropped, so that nothing they publish can
/// move the cursor or recolour the terminal of whoever runs `wol feed` or `wol digest`.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

fn branch_ref(branch: &str) -> String {
    format!("refs/heads/{branch}")
}

/// What one pull did.
#[derive(Debug)]
pub struct Pulled {
    /// Entries that were not in the copy before; `None` when the branch did not move.
    pub new: Option<usize>,
    /// The log as it reads now, with what was left out of it.
    pub log: Log,
}

/// Fetch log `name` into its bare repository and say what changed. Errors name the
/// reason and carry a hint.
pub fn pull(journal: &Journal, name: &str, config: &FollowConfig) -> Result<Pulled> {
    validate_name(name)?;
    validate_url(&config.url)
        .map_err(|e| e.context(format!("{name} has an unusable URL in wol.toml")))?;
    let path = mirror_path(journal, name);
    let repo = match Repository::open_bare(&path) {
        Ok(repo) => repo,
        Err(_) => {
            std::fs::create_dir_all(path.parent().expect("under .wol/following"))
                .with_context(|| format!("cannot create {}", path.display()))?;
            Repository::init_bare(&path)
                .with_context(|| format!("cannot create {}", path.display()))?
        }
    };
    let local_ref = branch_ref(&config.branch);
    crate::git_lock::clear_stale_ref_lock(&repo, &local_ref)?;
    let before = repo.refname_to_id(&local_ref).ok();
    let url = resolve_url(&config.url, &journal.root);
    // A fetch of a branch the remote no longer has fetches nothing and says nothing:
    // the copy's ref is taken away first, so a branch that is gone shows as gone (and
    // the copy pulled before is put back, for `wol feed`).
    if before.is_some() {
        repo.find_reference(&local_ref)?.delete()?;
    }
    let fetched = fetch(&repo, &url, &config.branch, &local_ref);
    let after = repo.refname_to_id(&local_ref).ok();
    if let (None, Some(b)) = (after, before) {
        repo.reference(&local_ref, b, true, "wol pull: keep the copy pulled before")?;
    }
    fetched?;
    let after = after.ok_or_else(|| {
        let kept = if before.is_some() {
            " (the copy pulled before is kept)"
        } else {
            ""
        };
        hinted(
            format!(
                "{} has no branch {}{kept}",
                redact_url(&config.url),
                config.branch
            ),
            format!(
                "has {name} published yet, or moved to another branch? Check the URL and branch (wol follow list); to change them: wol follow rm {name} && wol follow add {name} URL --branch BRANCH"
            ),
        )
    })?;
    // `git log` in the copy shows the followed branch.
    repo.set_head(&local_ref)?;
    let own = journal.config.id.as_deref();
    let log = read_commit(&repo, after, name, own)
        .map_err(|e| anyhow::Error::new(e).context("fetched, but the log cannot be read"))?;
    if before == Some(after) {
        return Ok(Pulled { new: None, log });
    }
    // Known by its id: an entry whose file moved (a new date) is not new.
    let known: BTreeSet<String> = before
        .and_then(|b| read_commit(&repo, b, name, own).ok())
        .unwrap_or_default()
        .items
        .into_iter()
        .map(|i| i.identity())
        .collect();
    Ok(Pulled {
        new: Some(
            log.items
                .iter()
                .filter(|i| !known.contains(&i.identity()))
                .count(),
        ),
        log,
    })
}

/// Fetch `branch` of `url` into `local_ref`, replacing it (the copy is a mirror).
fn fetch(repo: &Repository, url: &str, branch: &str, local_ref: &str) -> Result<()> {
    remote::fetch(repo, url, branch, local_ref)?;
    Ok(())
}

/// Add `[follow.NAME]` to the text of a `wol.toml`, keeping everything else as it is.
/// Fails when the name is followed already.
pub fn add_to_toml(text: &str, name: &str, config: &FollowConfig) -> Result<String> {
    let mut table = Table::new();
    table.insert("url", value(config.url.as_str()));
    table.insert("branch", value(config.branch.as_str()));
    crate::config::add_table(text, "follow", name, table)?.ok_or_else(|| {
        hinted(
            format!("you follow `{name}` already"),
            format!("remove it first with: wol follow rm {name}"),
        )
    })
}

/// Remove `[follow.NAME]` from the text of a `wol.toml`. Fails when there is none.
pub fn remove_from_toml(text: &str, name: &str) -> Result<String> {
    crate::config::remove_table(text, "follow", name)?.ok_or_else(|| {
        hinted(
            format!("you do not follow `{name}`"),
            "list followed logs with: wol follow list",
        )
    })
}

/// The tags of `item` that are among `own` (as the partner wrote them); tags compare
/// case-insensitively, as everywhere in wol.
pub fn shared_tags(item: &FeedItem, own: &[String]) -> Vec<String> {
    item.tags
        .iter()
        .filter(|t| own.iter().any(|o| o.to_lowercase() == t.to_lowercase()))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_publish_writes_parses() {
        let text = "{\"schema_version\": 1,\n\"title\": \"GIG\",\n\"entries\": [\n\
            {\"path\":\"entries/2026/11/a.md\",\"title\":\"A \\u003cb\\u003e\",\"date\":\"2026-11-22T14:32:05+01:00\",\"kind\":\"progress\",\"tags\":[\"docs\"],\"author\":\"T\"}\n]}\n";
        let items = parse_index::<MAX_ENTRIES>(text).unwrap().items;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].title, "A <b>");
        let escape = text.replace("A \\u003cb\\u003e", "A\\u001b[31m red");
        assert_eq!(
            parse_index::<MAX_ENTRIES>(&escape).unwrap().items[0].title,
            "A[31m red"
        );
        assert_eq!(items[0].day().to_string(), "2026-11-22");
        assert!(
            format!(
                "{:#}",
                parse_index::<MAX_ENTRIES>("{\"schema_version\": 3, \"entries\": 3}").unwrap_err()
            )
            .contains("schema_version 3")
        );
        // Version 2 adds the structured parts; a web link only.
        let v2 = "{\"schema_version\": 2, \"journal_id\": \"x\", \"entries\": [\n\
                  {\"path\":\"entries/2026/11/a.md\",\"title\":\"A\",\"date\":\"2026-11-22T14:32:05+01:00\",\
                  \"updated\":\"2026-11-22T14:32:05+01:00\",\"kind\":\"help\",\"tags\":[],\"author\":\"B\",\
                  \"help_wanted\":\"A Loomio vote\",\"mentions\":[\"ann\"],\"url\":\"javascript:x\"}]}";
        let items = parse_index::<MAX_ENTRIES>(v2).unwrap().items;
        assert_eq!(items[0].help_wanted.as_deref(), Some("A Loomio vote"));
        assert_eq!(items[0].mentions, ["ann"]);
        assert_eq!(items[0].url, None);
        assert_eq!(
            parse_index::<MAX_ENTRIES>(v2)
                .unwrap()
                .journal_id
                .as_deref(),
            Some("x")
        );
        assert!(parse_index::<MAX_ENTRIES>("{\"schema_version\": 1}").is_err());
        assert!(parse_index::<MAX_ENTRIES>("not json").is_err());
    }

    #[test]
    fn an_index_keeps_its_newest_entries_as_it_is_read() {
        let entry = |path: &str, date: &str| {
            format!(
                "{{\"path\":\"{path}\",\"title\":\"{path}\",\"date\":\"{date}\",\"kind\":\"progress\"}}"
            )
        };
        let text = format!(
            "{{\"schema_version\": 2, \"entries\": [{}]}}",
            [
                entry("old", "2026-11-01T10:00:00+01:00"),
                entry("b", "2026-11-20T10:00:00+01:00"),
                // The same instant as `b`, written in another offset: after it by path.
                entry("c", "2026-11-20T09:00:00+00:00"),
                entry("new", "2026-11-21T10:00:00+01:00"),
                entry("older", "2026-10-01T10:00:00+01:00"),
            ]
            .join(",")
        );
        let ReadIndex { items, total, .. } = parse_index::<2>(&text).unwrap();
        assert_eq!(total, 5);
        let mut paths: Vec<&str> = items.iter().map(|i| i.path.as_str()).collect();
        paths.sort();
        assert_eq!(paths, ["b", "new"]);
        let ReadIndex { items, total, .. } = parse_index::<3>(&text).unwrap();
        assert_eq!((items.len(), total), (3, 5));
        let ReadIndex { items, total, .. } = parse_index::<MAX_ENTRIES>(&text).unwrap();
        assert_eq!((items.len(), total), (5, 5));
    }

    #[test]
    fn editing_keeps_comments() {
        let text = "# mine\nkinds = [\"progress\"] # only\n";
        let c = FollowConfig {
            url: "/srv/gig.git".into(),
            branch: "main".into(),
        };
        let added = add_to_toml(text, "gig", &c).unwrap();
        assert!(added.starts_with(text), "{added}");
        let parsed: crate::config::JournalConfig = toml::from_str(&added).unwrap();
        assert_eq!(parsed.follow["gig"], c);
        assert!(add_to_toml(&added, "gig", &c).is_err());
        let removed = remove_from_toml(&added, "gig").unwrap();
        assert_eq!(removed, text);
        assert!(remove_from_toml(&removed, "gig").is_err());
    }

    /// A shared log's members are told apart by their folders: a file name two members
    /// both use is two entries.
    #[test]
    fn an_entry_is_known_by_its_id_within_its_members_folder() {
        let item = |path: &str, id: &str| FeedItem {
            path: path.into(),
            id: id.into(),
            ..FeedItem::default()
        };
        let moved = item(
            "entries/2026/10/2026-10-15-1000-notes.md",
            "2026-11-22-1432-notes",
        );
        let before = item(
            "entries/2026/11/2026-11-22-1432-notes.md",
            "2026-11-22-1432-notes",
        );
        assert_eq!(moved.identity(), before.identity());
        let ann = item(
            "logs/ann/entries/2026/11/2026-11-22-1432-notes.md",
            "2026-11-22-1432-notes",
        );
        let bo = item(
            "logs/bo/entries/2026/11/2026-11-22-1432-notes.md",
            "2026-11-22-1432-notes",
        );
        assert_ne!(ann.identity(), bo.identity());
        assert_ne!(ann.identity(), before.identity());
    }

    #[test]
    fn related_work_shares_tags_case_insensitively() {
        let item = |tags: &[&str]| FeedItem {
            partner: "gig".into(),
            title: "t".into(),
            date: "2026-11-22T10:00:00+01:00".parse().unwrap(),
            kind: "progress".into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            ..FeedItem::default()
        };
        assert_eq!(
            shared_tags(&item(&["Docs", "x"]), &["docs".to_string()]),
            ["Docs"]
        );
        assert!(shared_tags(&item(&["y"]), &["docs".to_string()]).is_empty());
    }
}
