//! Following other people's published logs: the reading side of publishing.
//!
//! A followed log is `[follow.NAME]` in `wol.toml` (a git URL and a branch). `wol pull`
//! fetches that branch into a bare repository of its own, `.wol/following/NAME.git`
//! (local state, git-ignored), so that nobody else's objects ever enter the journal's
//! repository. Everything else reads the fetched head's `wol.json` straight from that
//! repository's object database (no checkout): `wol feed`, the digest's "From partners"
//! and "Related work" sections, and `wol doctor`.
//!
//! A log published in `shared` mode (a community repository) has no `wol.json` at its
//! root but one per member under `logs/<member>/`; those are read too.

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use chrono::{DateTime, FixedOffset, NaiveDate};
use git2::{ErrorCode, ObjectType, Oid, Repository};
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
}

/// `wol.json` as published by `wol publish` (see `site::json`). Fields added later
/// within the same schema version are ignored.
#[derive(Deserialize)]
struct Index {
    schema_version: u32,
    entries: Vec<IndexEntry>,
}

#[derive(Deserialize)]
struct IndexEntry {
    path: String,
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

/// Why a followed log cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No fetched copy yet.
    #[error("{0} has never been pulled")]
    NeverPulled(String),
    /// The fetched copy or its `wol.json` is unusable.
    #[error("{name}: {reason}")]
    Unreadable { name: String, reason: String },
}

impl ReadError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            ReadError::NeverPulled(name) => format!("fetch it with: wol pull {name}"),
            ReadError::Unreadable { name, .. } => format!(
                "it is skipped until it is fixed; ask {name}'s maintainers to publish again with a current wol, then: wol pull {name}"
            ),
        }
    }
}

/// The entries of the fetched copy of log `name`, newest first.
pub fn read(
    journal: &Journal,
    name: &str,
    config: &FollowConfig,
) -> Result<Vec<FeedItem>, ReadError> {
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
    let mut items = read_commit(&repo, head).map_err(|e| unreadable(format!("{e:#}")))?;
    for item in &mut items {
        item.partner = name.to_string();
    }
    sort_newest_first(&mut items);
    Ok(items)
}

/// The entries of every followed log (`names`, or all when empty), merged newest first,
/// and the logs that could not be read.
pub fn read_all(journal: &Journal, names: &[String]) -> (Vec<FeedItem>, Vec<ReadError>) {
    let mut items = Vec::new();
    let mut problems = Vec::new();
    for (name, config) in &journal.config.follow {
        if !names.is_empty() && !names.contains(name) {
            continue;
        }
        match read(journal, name, config) {
            Ok(mut log) => items.append(&mut log),
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

/// Parse the `wol.json` at the root of `commit`, or, for a community repository, every
/// `logs/<member>/wol.json` (their paths then start with `logs/<member>/`).
fn read_commit(repo: &Repository, commit: Oid) -> Result<Vec<FeedItem>> {
    let tree = repo.find_commit(commit)?.tree()?;
    if let Some(entry) = tree.get_name(INDEX_FILE) {
        return parse_index(&blob_text(repo, entry.id(), INDEX_FILE)?)
            .with_context(|| format!("{INDEX_FILE} cannot be read"));
    }
    let logs = match tree.get_name(LOGS) {
        Some(e) if e.kind() == Some(ObjectType::Tree) => repo.find_tree(e.id())?,
        _ => anyhow::bail!(
            "the branch has no {INDEX_FILE}: it does not look like a log published by wol"
        ),
    };
    let mut items = Vec::new();
    for member in logs.iter() {
        let Ok(member_name) = member.name() else {
            continue;
        };
        if member.kind() != Some(ObjectType::Tree) {
            continue;
        }
        let sub = repo.find_tree(member.id())?;
        let Some(index) = sub.get_name(INDEX_FILE) else {
            continue;
        };
        let shown = format!("{LOGS}/{member_name}/{INDEX_FILE}");
        let mut member_items = parse_index(&blob_text(repo, index.id(), &shown)?)
            .with_context(|| format!("{shown} cannot be read"))?;
        for item in &mut member_items {
            item.path = format!("{LOGS}/{member_name}/{}", item.path);
        }
        items.append(&mut member_items);
    }
    Ok(items)
}

fn blob_text(repo: &Repository, id: Oid, shown: &str) -> Result<String> {
    let blob = repo
        .find_blob(id)
        .with_context(|| format!("{shown} is not a file"))?;
    String::from_utf8(blob.content().to_vec()).with_context(|| format!("{shown} is not UTF-8"))
}

/// Parse the text of a `wol.json`; the schema version is checked before anything else,
/// so a newer layout is reported as such rather than as a confusing field error.
fn parse_index(text: &str) -> Result<Vec<FeedItem>> {
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
    let index: Index = serde_json::from_str(text)?;
    debug_assert!(index.schema_version <= SCHEMA_VERSION);
    Ok(index
        .entries
        .into_iter()
        .map(|e| FeedItem {
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
        .collect())
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pulled {
    /// The remote branch did not move.
    UpToDate { entries: usize },
    /// The branch moved; `new` entries were not in the copy before.
    Updated { new: usize, entries: usize },
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
    let before = repo.refname_to_id(&local_ref).ok();
    let url = resolve_url(&config.url, &journal.root);
    fetch(&repo, &url, &config.branch, &local_ref)?;
    let after = repo.refname_to_id(&local_ref).map_err(|_| {
        hinted(
            format!(
                "{} has no branch {}",
                redact_url(&config.url),
                config.branch
            ),
            format!(
                "has {name} published yet? Check the URL and branch (wol follow list); to change them: wol follow rm {name} && wol follow add {name} URL --branch BRANCH"
            ),
        )
    })?;
    // `git log` in the copy shows the followed branch.
    repo.set_head(&local_ref)?;
    let now = read_commit(&repo, after).context("fetched, but the log cannot be read")?;
    if before == Some(after) {
        return Ok(Pulled::UpToDate { entries: now.len() });
    }
    let known: BTreeSet<String> = before
        .and_then(|b| read_commit(&repo, b).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.path)
        .collect();
    Ok(Pulled::Updated {
        new: now.iter().filter(|i| !known.contains(&i.path)).count(),
        entries: now.len(),
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
        let items = parse_index(text).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].title, "A <b>");
        let escape = text.replace("A \\u003cb\\u003e", "A\\u001b[31m red");
        assert_eq!(parse_index(&escape).unwrap()[0].title, "A[31m red");
        assert_eq!(items[0].day().to_string(), "2026-11-22");
        assert!(
            format!(
                "{:#}",
                parse_index("{\"schema_version\": 3, \"entries\": 3}").unwrap_err()
            )
            .contains("schema_version 3")
        );
        // Version 2 adds the structured parts; a web link only.
        let v2 = "{\"schema_version\": 2, \"journal_id\": \"x\", \"entries\": [\n\
                  {\"path\":\"entries/2026/11/a.md\",\"title\":\"A\",\"date\":\"2026-11-22T14:32:05+01:00\",\
                  \"updated\":\"2026-11-22T14:32:05+01:00\",\"kind\":\"help\",\"tags\":[],\"author\":\"B\",\
                  \"help_wanted\":\"A Loomio vote\",\"mentions\":[\"ann\"],\"url\":\"javascript:x\"}]}";
        let items = parse_index(v2).unwrap();
        assert_eq!(items[0].help_wanted.as_deref(), Some("A Loomio vote"));
        assert_eq!(items[0].mentions, ["ann"]);
        assert_eq!(items[0].url, None);
        assert!(parse_index("{\"schema_version\": 1}").is_err());
        assert!(parse_index("not json").is_err());
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
