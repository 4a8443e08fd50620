//! The published tree of one partner, built in memory with git2 `TreeBuilder`s (no
//! checkout, no work tree), and its history on `refs/wol/published/<partner>`.
//!
//! Only the entries of the partner's plan go in, with front matter rewritten to the
//! public fields (title, date, kind, tags, author): `to`, `visibility`, `id` and any other
//! key stay at home. Each entry's Markdown and page blobs come from the render cache
//! when the entry, its path and the templates are unchanged.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use anyhow::{Context as _, Result, anyhow};
use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};
use git2::{ErrorCode, Oid, Repository, Signature};

use super::cache::{Cache, Rendered};
use super::{Candidate, PartnerPlan, published_ref};
use crate::digest;
use crate::entry::{Entry, Schema};
use crate::error::hinted;
use crate::git::OidSet;
use crate::journal::Journal;
use crate::site::html::DigestPage;
use crate::site::links::{self, Rewrite};
use crate::site::{self, EntryView, Views as _, feed, html::Site, json, readme};

/// A directory being assembled. Its files are a list (a publish holds the whole published
/// tree, two files for each of 100,000 entries, and a map's nodes were 19 MB of it); its
/// folders, far fewer, a map, so that finding one costs the same however many files and
/// folders are beside it.
#[derive(Default)]
struct Dir {
    /// As they were added until the folder is written, then sorted by name, each name once.
    files: Vec<(Name, Oid)>,
    /// The names of the files added by name, end to end.
    names: String,
    folders: BTreeMap<Box<str>, Dir>,
}

/// A file's name in a [`Dir`]: one of its own `names`, or made from the path of the entry
/// (by its index in the publish's candidates) whose Markdown or page it is. Nearly every
/// file of a publish is one of those two, and their names, a string each, were 13 MB of a
/// publish at 100,000 entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    Own { start: u32, end: u32 },
    Markdown(u32),
    Page(u32),
}

/// Where the entries a [`Name`] stands for are: the candidates of the publish.
type Entries = [Box<Candidate>];

/// How git orders the names of a tree: by their bytes, a folder's as if it ended in `/`
/// (`a.b` before `a/`, `a/` before `a0`).
fn git_order((a, a_dir): (&str, bool), (b, b_dir): (&str, bool)) -> std::cmp::Ordering {
    let slash = |dir: bool| dir.then_some(b'/');
    a.bytes()
        .chain(slash(a_dir))
        .cmp(b.bytes().chain(slash(b_dir)))
}

/// All of `path` but its last part: a file's folder (empty at the root).
fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// The last part of `path`: a file's name.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

impl Dir {
    /// Put `blob` at `path`; a file added at the same path before is replaced.
    fn insert(&mut self, path: &str, blob: Oid) -> Result<()> {
        let (folder, name) = (folder_of(path), file_name(path));
        let dir = self.folder(path, folder)?;
        let start = offset(dir.names.len(), path)?;
        dir.names.push_str(name);
        let end = offset(dir.names.len(), path)?;
        dir.files.push((Name::Own { start, end }, blob));
        Ok(())
    }

    /// Put `blob` in `folder` as the Markdown of entry `n` of the candidates (named as
    /// its path is) or as its page (named as [`site::html_path_of`] names it).
    fn insert_entry(&mut self, folder: &str, name: Name, blob: Oid) -> Result<()> {
        self.folder(folder, folder)?.files.push((name, blob));
        Ok(())
    }

    /// The folder at `folder` (a path with no `/` at either end; empty for this one),
    /// made when missing; `path` is the file's, for the error.
    fn folder(&mut self, path: &str, folder: &str) -> Result<&mut Dir> {
        let mut dir = self;
        if folder.is_empty() {
            return Ok(dir);
        }
        for part in folder.split('/') {
            if part.is_empty() || part == "." || part == ".." {
                return Err(anyhow!("unsafe path {path:?} in the published tree"));
            }
            // A folder is named once, not once per file in it.
            if !dir.folders.contains_key(part) {
                dir.folders.insert(part.into(), Dir::default());
            }
            dir = dir.folders.get_mut(part).expect("inserted above");
        }
        Ok(dir)
    }

    /// The text of `name`, written at the end of `out`.
    fn name_into(&self, name: Name, entries: &Entries, out: &mut String) {
        let path = |n: u32| {
            usize::try_from(n)
                .ok()
                .and_then(|n| entries.get(n))
                .map_or("", |c| &*c.path)
        };
        match name {
            Name::Own { start, end } => {
                let range = usize::try_from(start).unwrap_or(0)..usize::try_from(end).unwrap_or(0);
                out.push_str(self.names.get(range).unwrap_or_default());
            }
            Name::Markdown(n) => out.push_str(file_name(path(n))),
            Name::Page(n) => {
                let mut page = String::new();
                site::html_path_of(path(n), &mut page);
                out.push_str(file_name(&page));
            }
        }
    }

    /// Each file's name, in the order of `files`: one string, and where each name ends.
    fn names(&self, entries: &Entries) -> (String, Vec<usize>) {
        let mut text = String::with_capacity(self.files.len() * 48);
        let mut ends = Vec::with_capacity(self.files.len());
        for &(name, _) in &self.files {
            self.name_into(name, entries, &mut text);
            ends.push(text.len());
        }
        (text, ends)
    }

    /// Write the tree (and the trees below it) and return its id; each tree's id goes
    /// into `written`. `at` is its path, with a `/` (empty for the root). Of the files
    /// added at one name, the last is kept; a name that is both a file and a folder is
    /// refused. A tree in `known` (the previous published tree's) is in the object
    /// database already: its id is worked out, not written, so an unchanged month costs a
    /// hash and no look-up.
    fn write(
        &mut self,
        at: &str,
        repo: &Repository,
        known: &OidSet,
        written: &mut OidSet,
        entries: &Entries,
    ) -> Result<Oid> {
        let (text, ends) = self.names(entries);
        let name_at = |i: usize| &text[if i == 0 { 0 } else { ends[i - 1] }..ends[i]];
        // Stable: the files of one name stay in the order they were added, and the last
        // is kept.
        let mut order: Vec<usize> = (0..self.files.len()).collect();
        order.sort_by(|&a, &b| name_at(a).cmp(name_at(b)));
        order.dedup_by(|later, earlier| {
            let same = name_at(*later) == name_at(*earlier);
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        self.files = order.iter().map(|&i| self.files[i]).collect();
        let names: Vec<&str> = order.iter().map(|&i| name_at(i)).collect();
        let all = names
            .iter()
            .copied()
            .chain(self.folders.keys().map(|n| &**n));
        for name in all {
            if name.is_empty()
                || name == "."
                || name == ".."
                || name.contains(['/', '\0'])
                || name.eq_ignore_ascii_case(".git")
            {
                return Err(anyhow!(
                    "unsafe name {:?} in the published tree",
                    format!("{at}{name}")
                ));
            }
        }
        let mut items = Vec::with_capacity(self.files.len() + self.folders.len());
        for (name, dir) in &mut self.folders {
            if names.binary_search(&&**name).is_ok() {
                return Err(hinted(
                    format!("the published tree would have both a file and a folder at {at}{name}"),
                    "rename the entry or attachment that makes one of them",
                ));
            }
            let oid = dir.write(&format!("{at}{name}/"), repo, known, written, entries)?;
            items.push((&**name, true, oid));
        }
        items.extend(
            names
                .iter()
                .zip(&self.files)
                .map(|(name, &(_, oid))| (*name, false, oid)),
        );
        items.sort_unstable_by(|a, b| git_order((a.0, a.1), (b.0, b.1)));
        let mut content = Vec::with_capacity(items.len() * 48);
        for (name, is_dir, oid) in items {
            content.extend_from_slice(if is_dir { b"40000" } else { b"100644" });
            content.push(b' ');
            content.extend_from_slice(name.as_bytes());
            content.push(0);
            content.extend_from_slice(oid.as_bytes());
        }
        let id = crate::git::object_id(git2::ObjectType::Tree, &content);
        written.insert(id);
        if known.contains(&id) {
            return Ok(id);
        }
        Ok(repo.odb()?.write(git2::ObjectType::Tree, &content)?)
    }

    /// Each blob below this folder to `blob`, and each file under `entries/` to `file`
    /// (`prefix` is this folder's path, with a `/`): what [`super::previous::Previous`]
    /// knows of a tree. (Of a written tree: each name once.)
    fn files(
        &self,
        prefix: &mut String,
        entries: &Entries,
        file: &mut dyn FnMut(&str, &str, Oid),
        blob: &mut dyn FnMut(Oid),
    ) {
        let mut name = String::new();
        for &(n, oid) in &self.files {
            blob(oid);
            if prefix.starts_with("entries/") {
                name.clear();
                self.name_into(n, entries, &mut name);
                file(prefix, &name, oid);
            }
        }
        for (name, dir) in &self.folders {
            let len = prefix.len();
            prefix.push_str(name);
            prefix.push('/');
            dir.files(prefix, entries, file, blob);
            prefix.truncate(len);
        }
    }
}

/// `at` as an offset into a folder's names: past 4 GiB of them, an error.
fn offset(at: usize, path: &str) -> Result<u32> {
    u32::try_from(at).map_err(|_| anyhow!("too many names in the folder of {path:?}"))
}

/// What the last publish had of an entry: its Markdown's blob and the `updated` time it
/// was published with, where that is in the build's `times` ([`NO_TIME`] for none).
struct Before {
    blob: Oid,
    time: (u32, u32),
}

/// No range of a string: the `updated` time of a [`Before`] that had none.
const NO_TIME: (u32, u32) = (u32::MAX, 0);

/// A written tree, the candidates its entry files are named from, and the `updated`
/// time the build gave each entry it published: what [`super::previous::write`] walks,
/// on a thread of its own.
struct Written {
    root: Dir,
    entries: std::sync::Arc<Vec<Box<Candidate>>>,
    /// The published entries (indexes into `entries`), newest first.
    include: Vec<usize>,
    /// Their `updated` times.
    updated: Updated,
}

impl super::previous::Times for Written {
    fn each(&self, time: &mut dyn FnMut(&str, &str)) {
        for (n, &i) in self.include.iter().enumerate() {
            let path = self.entries.get(i).map_or("", |c| &*c.path);
            time(path, self.updated.get(n));
        }
    }
}

/// The `updated` time of each entry a build publishes, in order, end to end in one
/// string: entry `n`'s ends at `ends[n]`.
#[derive(Default)]
struct Updated {
    text: String,
    ends: Vec<usize>,
}

impl Updated {
    fn with_capacity(n: usize) -> Updated {
        Updated {
            text: String::with_capacity(n * 25),
            ends: Vec::with_capacity(n),
        }
    }

    /// Entry `n`'s time (empty until it is worked out).
    fn get(&self, n: usize) -> &str {
        let start = n.checked_sub(1).map_or(0, |m| self.ends[m]);
        self.ends
            .get(n)
            .and_then(|&end| self.text.get(start..end))
            .unwrap_or_default()
    }

    /// The next entry's time.
    fn push(&mut self, time: &str) {
        self.text.push_str(time);
        self.ends.push(self.text.len());
    }
}

impl super::previous::Walk for Written {
    fn walk(&self, file: &mut dyn FnMut(&str, &str, Oid), blob: &mut dyn FnMut(Oid)) {
        self.root
            .files(&mut String::new(), &self.entries, file, blob);
    }
}

/// The Markdown an entry is published as: only the public front-matter fields.
pub fn published_markdown(entry: &Entry) -> String {
    let m = &entry.meta;
    let mut out = String::with_capacity(200 + entry.body.len());
    let s = |v: &str| toml::Value::String(v.to_string()).to_string();
    out.push_str("+++\n");
    let _ = writeln!(out, "title = {}", s(&m.title));
    let _ = writeln!(
        out,
        "date = {}",
        m.date.to_rfc3339_opts(SecondsFormat::AutoSi, false)
    );
    let _ = writeln!(out, "kind = {}", s(&m.kind));
    let tags: Vec<String> = m.tags.iter().map(|t| s(t)).collect();
    let _ = writeln!(out, "tags = [{}]", tags.join(", "));
    let _ = writeln!(out, "author = {}", s(&m.author));
    out.push_str("+++\n");
    if !entry.body.is_empty() {
        out.push('\n');
        out.push_str(&entry.body);
    }
    out
}

/// Digest files for the partner's tree: for every period the journal has committed a
/// digest of (`digests/YYYY/…` in HEAD), that digest rebuilt from `given`, the entries
/// the partner receives (read from the commit and cleared by the secret scan, newest
/// first) — never the journal's own digest file, which summarises private entries too,
/// and never the work tree, where ignored and uncommitted files live.
pub fn digest_files(
    journal: &Journal,
    given: &[&Candidate],
    name: &str,
    today: NaiveDate,
) -> Result<Vec<(String, Vec<u8>)>> {
    let (repo, schema) = (journal.repo()?, journal.config.schema());
    let mut files = Vec::new();
    for period in committed_periods(journal)? {
        // Only the entries near the period are read again.
        let near = digest::near(given, &period, |c| c.brief.date());
        let entries = given[near]
            .iter()
            .map(|c| Ok((&*c.path, c.read(repo, &schema)?)))
            .collect::<Result<Vec<_>>>()?;
        let entries: Vec<(&str, &Entry)> = entries.iter().map(|(p, e)| (*p, e)).collect();
        let source = digest::Source::Given(&entries);
        let built = digest::build(
            journal,
            source,
            &period,
            today,
            Some(name),
            &|_| true,
            &mut |_| {},
        );
        if built.is_empty() {
            continue;
        }
        let text = digest::file_text(journal, &built)?;
        files.push((period.file_path(), text.into_bytes()));
    }
    Ok(files)
}

/// The periods HEAD has a digest of, at the path `wol digest --write` gives it, oldest
/// first.
fn committed_periods(journal: &Journal) -> Result<Vec<digest::Period>> {
    let repo = journal.repo()?;
    let Ok(tree) = repo.head().and_then(|h| h.peel_to_tree()) else {
        return Ok(Vec::new());
    };
    let Ok(digests) = tree
        .get_path(std::path::Path::new(digest::DIGESTS_DIR))
        .and_then(|e| repo.find_tree(e.id()))
    else {
        return Ok(Vec::new());
    };
    let mut periods = Vec::new();
    for year in digests.iter() {
        let (Some(year_name), Ok(files)) = (year.name().ok(), repo.find_tree(year.id())) else {
            continue;
        };
        for file in files.iter() {
            let Some(period) = file.name().ok().and_then(digest::Period::from_file_name) else {
                continue;
            };
            let name = file.name().unwrap_or_default();
            if file.kind() == Some(git2::ObjectType::Blob)
                && period.file_path() == format!("{}/{year_name}/{name}", digest::DIGESTS_DIR)
            {
                periods.push(period);
            }
        }
    }
    periods.sort_by_key(|p| (p.from, p.to));
    Ok(periods)
}

/// What building one tree did.
pub struct Built {
    pub tree: Oid,
    pub entries: usize,
    pub rendered: usize,
    pub reused: usize,
    /// Entries the previous published tree had and this one has not (made private,
    /// addressed elsewhere, removed, renamed): their earlier text stays in the partner's
    /// history, which the person should know.
    pub withdrawn: Vec<String>,
    /// The kept file of this tree being written ([`super::previous::Writing`]): done when
    /// this is dropped.
    pub keeping: Option<super::previous::Writing>,
    /// What the build warned of, as it went: said again by a publish that takes this
    /// tree again instead of building it ([`super::reuse`]).
    pub warnings: Vec<Warning>,
}

/// A warning a build gave (`warning: …`, then `hint: …`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Warning {
    pub message: String,
    pub hint: Option<String>,
}

impl Warning {
    pub fn say(&self) {
        crate::error::warn(&self.message, self.hint.as_deref());
    }
}

/// Say a warning now, and keep it with the build.
fn warn(warnings: &mut Vec<Warning>, message: String, hint: Option<&str>) {
    let warning = Warning {
        message,
        hint: hint.map(String::from),
    };
    warning.say();
    warnings.push(warning);
}

/// What [`build`] works from.
pub struct Inputs<'a> {
    pub repo: &'a Repository,
    pub plan: &'a PartnerPlan,
    /// Shared with the tag pages, which make their entries' views as they need them.
    pub candidates: &'a std::sync::Arc<Vec<Box<Candidate>>>,
    /// The site, already set up for this partner ([`Site::for_partner`]).
    pub site: &'a Site,
    pub kinds: &'a [String],
    /// How the journal's entry files are read ([`Candidate::read`]).
    pub schema: &'a Schema<'a>,
    pub digests: Vec<(String, Vec<u8>)>,
    /// What this partner was given last time (its own part of the published tree): an
    /// entry whose published text is unchanged keeps its `updated` time.
    pub previous: Option<git2::Tree<'a>>,
    /// "Now", for the `updated` time of an entry whose published text changed.
    pub now: DateTime<FixedOffset>,
    /// Where what the next build needs of the tree built is kept, and where this one
    /// reads that of `previous` from ([`super::previous`]).
    pub previous_cache: Option<std::path::PathBuf>,
}

/// The kinds that get a feed of their own: what a follower subscribes to when they want
/// your asks, or your learnings. Each carries the entries of that kind and those with its
/// section, as the digest, `wol feed --asks` and `wol.json` count them (see
/// [`in_kind_feed`]).
pub const KIND_FEEDS: [&str; 2] = ["help", "learning"];

/// Whether `entry` goes into the feed of `kind` (one of [`KIND_FEEDS`]): a call for help is
/// a `help` entry or a `## Help wanted` section (how `wol log --help-wanted` records it),
/// a learning a `learning` entry or a `## Learned` section.
pub fn in_kind_feed(entry: &site::Brief, kind: &str) -> bool {
    entry.kind() == kind
        || match kind {
            "help" => entry.help_wanted().is_some(),
            "learning" => entry.learned().is_some(),
            _ => false,
        }
}

/// The views of the entries a build publishes ([`site::Views`]), made from their
/// candidates when asked, and what the build works out of each: its feed id where that is
/// not the one [`EntryView::of`] gives, and its `updated` time.
struct Shown<'a> {
    entries: &'a [&'a Candidate],
    /// Feed ids the build changed: a hash where an old or a shared name may not be used.
    uids: foldhash::HashMap<usize, Box<str>>,
    /// The `updated` times worked out so far.
    updated: Updated,
}

impl<'a> Shown<'a> {
    fn new(entries: &'a [&'a Candidate]) -> Self {
        Shown {
            entries,
            uids: Default::default(),
            updated: Updated::with_capacity(entries.len()),
        }
    }

    /// Entry `n`'s view, last changed at `updated`.
    fn at<'s>(&'s self, n: usize, updated: Cow<'s, str>) -> EntryView<'s> {
        let c = self.entries[n];
        let mut view = EntryView::updated_at(&c.brief, c.published_id(), &c.path, updated);
        // (Nearly always none was changed: no look-up then.)
        if !self.uids.is_empty()
            && let Some(uid) = self.uids.get(&n)
        {
            view.uid = Cow::Borrowed(uid);
        }
        view
    }

    /// Entry `n`'s view as the build starts it, before its `updated` time is worked out
    /// (its date until then).
    fn started(&self, n: usize) -> EntryView<'_> {
        let date = self.entries[n].brief.date().to_rfc3339();
        self.at(n, Cow::Owned(date))
    }

    /// Entry `n`'s feed id.
    fn uid(&self, n: usize) -> Cow<'_, str> {
        self.at(n, Cow::Borrowed("")).uid
    }

    /// Entry `n`'s `updated` time, once worked out (empty until then).
    fn updated(&self, n: usize) -> &str {
        self.updated.get(n)
    }
}

impl site::Views for Shown<'_> {
    fn len(&self) -> usize {
        self.entries.len()
    }

    fn view(&self, i: usize) -> EntryView<'_> {
        self.at(i, Cow::Borrowed(self.updated(i)))
    }

    fn brief(&self, i: usize) -> &site::Brief {
        &self.entries[i].brief
    }
}

/// The stem of the entry file at `path` (`None` when it is no `.md` file).
fn stem_of(path: &str) -> Option<&str> {
    file_name(path).strip_suffix(".md")
}

/// How many entries' keys a build works out at once, on every core.
const KEYS_AT_ONCE: usize = 4096;

/// How many entries not where they were a build looks for one by one in the last publish
/// before it makes a map of its entry files by name.
const STEMS_LOOKED_FOR: usize = 8;

/// Build the published tree for `plan` and return its id.
pub fn build(inputs: Inputs<'_>, cache: &mut Cache) -> Result<Built> {
    let Inputs {
        repo,
        plan,
        candidates,
        site,
        kinds,
        schema,
        digests,
        previous,
        now,
        previous_cache,
    } = inputs;
    let t0 = std::time::Instant::now();
    let entries: Vec<&Candidate> = plan.include.iter().map(|&i| &*candidates[i]).collect();
    // Every blob put in the tree was either just written or checked by the cache (which
    // looks it up in the object database), so libgit2 need not look each one up again.
    git2::opts::strict_object_creation(false);
    let mut root = Dir::default();
    let (
        super::previous::Previous {
            entries: previous_blobs,
            blobs: previous_known,
            trees: previous_trees,
        },
        kept,
    ) = previous
        .as_ref()
        .map(|t| super::previous::read(repo, t, previous_cache.as_deref()))
        .unwrap_or_default();
    // The tree whose files the kept file holds, when it holds those of `previous`.
    let kept_for = previous.as_ref().map(|t| t.id()).filter(|_| kept);
    cache.know(previous_known);
    let mut shown = Shown::new(&entries);
    // The previous root feed's text, read only when an entry's feed id is not its name.
    let previous_feed = std::cell::OnceCell::new();
    let previous_feed = || {
        previous_feed
            .get_or_init(|| previous_feed_text(repo, previous.as_ref()))
            .as_str()
    };
    // Whether the previous JSON index listed an entry of the month `label` by the feed id
    // `uid`: the texts read only when a moved entry asks.
    let mut indexes: HashMap<String, String> = HashMap::new();
    let mut listed_before = |label: &str, uid: &str| {
        let field = format!("\"id\":\"{uid}\"");
        ["wol.json".to_string(), json::archive_path(label)]
            .into_iter()
            .any(|path| {
                indexes
                    .entry(path)
                    .or_insert_with_key(|path| previous_text(repo, previous.as_ref(), path))
                    .contains(&field)
            })
    };
    keep_only_known_old_names(
        &previous_feed,
        &mut listed_before,
        &previous_blobs,
        &mut shown,
    );
    drop(indexes);
    one_entry_per_feed_id(&mut shown);
    // The entry file of the previous publish named `stem` (the last, in path order), for
    // an entry not where it was (moved since, or new): the first few are looked for one by
    // one, then a map of them all is made (4 MB at 100,000 entries, for one new entry).
    let entry_files = || previous_blobs.paths().filter(|p| is_entry_file(p));
    let by_stem = std::cell::OnceCell::new();
    let mut stems_looked_for = 0;
    let mut previous_by_stem = |stem: &str| -> Option<&str> {
        if by_stem.get().is_none() && stems_looked_for < STEMS_LOOKED_FOR {
            stems_looked_for += 1;
            return entry_files().filter(|p| stem_of(p) == Some(stem)).last();
        }
        by_stem
            .get_or_init(|| {
                entry_files()
                    .filter_map(|p| Some((stem_of(p)?, p)))
                    .collect::<foldhash::HashMap<&str, &str>>()
            })
            .get(stem)
            .copied()
    };
    // What the last publish had of each entry, looked up before any page is rendered, so
    // that its files (11 MB at 100,000 entries) are not held beside the pages, the tree
    // and the cache the loop builds: the Markdown's blob, and the `updated` time it was
    // published with (in `times`, end to end), found at the entry's path or, for an entry
    // known by its old name, at that name's.
    let mut times = String::new();
    let before: Vec<Option<Before>> = (0..entries.len())
        .map(|n| {
            let (path, uid) = (&*entries[n].path, shown.uid(n));
            let (blob, time) = previous_blobs.get(path).or_else(|| {
                let old = previous_by_stem(&uid)?;
                previous_blobs.get(old)
            })?;
            let time = time.map_or(NO_TIME, |time| {
                let start = times.len();
                times.push_str(time);
                let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
                (at(start), at(times.len()))
            });
            Some(Before { blob, time })
        })
        .collect();
    let mut withdrawn: Vec<String> = {
        // (Sorted, not hashed: 1.6 MB at 100,000 entries, not 2.2, at the build's peak.)
        let mut now_published: Vec<&str> = entries.iter().map(|c| &*c.path).collect();
        now_published.sort_unstable();
        // A moved entry is still there, known by its old name: not withdrawn.
        let moved_from: foldhash::HashSet<Cow<'_, str>> = (0..entries.len())
            .map(|n| shown.uid(n))
            .zip(&entries)
            .filter(|(uid, c)| uid != c.published_id())
            .map(|(uid, _)| uid)
            .collect();
        previous_blobs
            .paths()
            .filter(|path| {
                is_entry_file(path)
                    && now_published.binary_search(path).is_err()
                    && !stem_of(path).is_some_and(|stem| moved_from.contains(stem))
            })
            .map(String::from)
            .collect()
    };
    withdrawn.sort_unstable_by(|a, b| b.cmp(a));
    drop(by_stem);
    drop(previous_blobs);
    // The keys of the entries with no attachment (nearly all), hashed on every core, a
    // run of entries at a time.
    let mut plain_keys: Vec<Option<(Oid, Oid)>> = Vec::new();
    let mut list_keys = Vec::with_capacity(entries.len());
    let (mut rendered, mut reused) = (0, 0);
    let mut warnings = Vec::new();
    // Each published attachment (`entries/…/<id>/<name>`) and where the site has it
    // (relative to `docs/`; `None` when only beside the Markdown): what the digests may
    // link.
    let mut published_attachments: HashMap<String, Option<String>> = HashMap::new();
    // The attachments each entry's site does not carry, for entries that have some: what
    // its text in the feeds depends on, besides the entry itself.
    let mut off_sites: HashMap<usize, Vec<&str>> = HashMap::new();
    // Each folder's list of files is made at its size (and a few more: a month's page
    // goes beside its entries' pages): grown as entries came, the lists held a third more
    // than they used (3 MB at 100,000 entries).
    let mut per_folder: foldhash::HashMap<&str, (usize, &str)> = HashMap::default();
    for c in &entries {
        per_folder
            .entry(folder_of(&c.path))
            .or_insert((0, &c.path))
            .0 += 1;
    }
    for (folder, (n, path)) in per_folder {
        let mut page = String::from("docs/");
        site::html_path_of(path, &mut page);
        for folder in [folder, folder_of(&page)] {
            root.folder(folder, folder)?.files.reserve_exact(n + 4);
        }
    }
    for (n, c) in entries.iter().enumerate() {
        // Each page links the entries before and after it (older, newer), and shows
        // their titles: they are part of what it depends on. Only the page being
        // rendered holds the links, not all 100,000 views at once.
        let link = |m: Option<usize>| {
            m.and_then(|m| entries.get(m)).map(|c| site::Neighbour {
                title: c.brief.title().to_string(),
                html_path: site::page_path(&c.path),
            })
        };
        let tag_count = c.brief.tags().len();
        if tag_count > site::MAX_PUBLISHED_TAGS {
            warn(
                &mut warnings,
                format!(
                    "{} has {tag_count} tags; its page and the feeds carry the first {}, and only those get tag pages",
                    c.path,
                    site::MAX_PUBLISHED_TAGS
                ),
                None,
            );
        }
        // Attachments: beside the entry's Markdown (its links are relative to it) and
        // beside its page, so images show on the site too; the page's links to those the
        // site does not carry are made inert, so they are part of what it depends on.
        let md_dir = crate::attach::dir_of(&c.path);
        let mut attached = Vec::with_capacity(c.attachments().len());
        let mut off_site: Vec<&str> = Vec::new();
        let mut withheld: Vec<&str> = Vec::new();
        for (name, oid) in c.attachments() {
            if plan.unseen.contains(oid) {
                withheld.push(name);
                warn(
                    &mut warnings,
                    format!(
                        "{md_dir}/{name} is not published to {}: it has the very bytes of an entry or attachment {} does not get (a private one, or one for other partners)",
                        plan.name, plan.name
                    ),
                    Some(
                        "to share it, make that entry shareable (wol edit), or attach a file of its own that is not the private one",
                    ),
                );
                off_site.push(name);
                continue;
            }
            let Some(blob) = published_attachment(repo, cache, name, *oid)? else {
                withheld.push(name);
                warn(
                    &mut warnings,
                    format!(
                        "{md_dir}/{name} is not published: it is a photo whose location data wol cannot check or remove (an unreadable JPEG, PNG, WebP or GIF, or HEIC, AVIF, TIFF or raw); attach it as JPEG or PNG"
                    ),
                    None,
                );
                off_site.push(name);
                continue;
            };
            let on_site = !crate::attach::runs_scripts(name);
            if !on_site {
                warn(
                    &mut warnings,
                    format!(
                        "{md_dir}/{name} is published beside the entry but not on its site: a browser would run the scripts an SVG, HTML or XML file can hold, with the site's address"
                    ),
                    Some("for the site, attach the picture as PNG or JPEG"),
                );
                off_site.push(name);
            }
            attached.push((name, blob, on_site));
        }
        if n % KEYS_AT_ONCE == 0 {
            let run: Vec<usize> = (n..entries.len().min(n + KEYS_AT_ONCE)).collect();
            plain_keys = crate::par::map(&run, |&m| {
                entries[m]
                    .attachments()
                    .is_empty()
                    .then(|| entry_keys(&site.render_key, &entries, m, &[]))
            });
        }
        let (key, list_key) = match plain_keys[n % KEYS_AT_ONCE] {
            Some(keys) if off_site.is_empty() => keys,
            _ => entry_keys(&site.render_key, &entries, n, &off_site),
        };
        let blobs = match cache.get(repo, key) {
            Some(hit) => {
                reused += 1;
                hit
            }
            None => {
                rendered += 1;
                let (prev, next_entry) = (link(Some(n + 1)), link(n.checked_sub(1)));
                let mut view = shown.started(n);
                let entry = c.read(repo, schema)?;
                view.body_html = body_html(site, c, &entry, &view, &off_site, Some(&view.root()));
                let mut md = published_markdown(&entry);
                if !withheld.is_empty() {
                    md = crate::attach::unlink(&md, c.published_id(), &withheld);
                }
                (view.prev, view.next_entry) = (prev.map(Box::new), next_entry.map(Box::new));
                let page = site.entry_page(&view)?;
                drop(view);
                let hit = Rendered {
                    markdown: repo.blob(md.as_bytes())?,
                    page: repo.blob(page.as_bytes())?,
                };
                cache.put(key, hit);
                hit
            }
        };
        if !off_site.is_empty() {
            off_sites.insert(n, off_site);
        }
        // (Its `updated` time is what this works out: the view's is not read.)
        let view = shown.at(n, Cow::Borrowed(""));
        // `updated`: unchanged published text keeps the time it had; changed text is new
        // as of now; an entry published for the first time is as old as its date, or
        // as now when it is dated later (a typo for 2062 would otherwise hold every
        // feed's `updated` at 2062, and readers that go by it would see nothing new). An
        // entry whose new date moved its file (`wol edit`) is known to followers by its
        // feed id, its old name: its text there is what it is compared with, and when that
        // is no longer in the last publish (moved twice) its text changed all the same
        // (the date is part of it). Dated by its new date, a move back in time would take
        // `updated` back, and feed readers would keep the old text.
        let moved = view.uid != view.id;
        let updated = match &before[n] {
            Some(Before { blob, time }) if *blob == blobs.markdown => {
                // (No time, [`NO_TIME`], is no range of `times`.)
                match times.get(time.0 as usize..time.1 as usize) {
                    Some(time) => time.to_string(),
                    None => view.datetime(),
                }
            }
            Some(_) => now.to_rfc3339(),
            None if moved && published_before(&view.uid, previous_feed()) => now.to_rfc3339(),
            None => match view.date() {
                date if date > now => now.to_rfc3339(),
                _ => view.datetime(),
            },
        };
        drop(view);
        shown.updated.push(&updated);
        list_keys.push(list_key);
        let i = u32::try_from(plan.include[n])?;
        root.insert_entry(folder_of(&c.path), Name::Markdown(i), blobs.markdown)?;
        let mut page = String::from("docs/");
        site::html_path_of(&c.path, &mut page);
        root.insert_entry(folder_of(&page), Name::Page(i), blobs.page)?;
        let page_dir = page["docs/".len()..]
            .strip_suffix(".html")
            .unwrap_or_default();
        for (name, blob, on_site) in attached {
            root.insert(&format!("{md_dir}/{name}"), blob)?;
            if on_site {
                root.insert(&format!("docs/{page_dir}/{name}"), blob)?;
            }
            published_attachments.insert(
                format!("{md_dir}/{name}"),
                on_site.then(|| format!("{page_dir}/{name}")),
            );
        }
    }
    crate::diag::debug(format_args!(
        "publish: entry pages after {:?}",
        t0.elapsed()
    ));
    // What the entry pages needed, and their keys, are freed before the lists are made
    // and the tree and its kept file are written.
    drop(plain_keys);
    drop(before);
    drop(times);
    let title = &site.info.title;
    let tags = site::tag_groups(&shown);
    let digests: Vec<(String, Vec<u8>)> = digests
        .into_iter()
        .map(|(path, text)| {
            let text =
                digest_attachment_links(&String::from_utf8_lossy(&text), &published_attachments);
            (path, text.into_bytes())
        })
        .collect();
    let digest_paths: Vec<String> = digests.iter().map(|(p, _)| p.clone()).collect();
    let mut put_oid = Vec::new();
    let mut put = |path: &str, content: &[u8]| -> Result<Oid> {
        let oid = repo.blob(content)?;
        root.insert(path, oid)?;
        Ok(oid)
    };
    put(
        "README.md",
        readme::render(title, &shown, kinds, &tags, &digest_paths).as_bytes(),
    )?;
    // A month kept apart from `wol.json` comes from the cache when its entries are
    // published as before (each entry's page key: its path and blob, among others) with
    // the same feed ids and `updated` times, by the same wol, for the same log.
    json::render(
        &site.info,
        &shown,
        |path, text| put(path, text.as_bytes()).map(|_| ()),
        |label, list, text| {
            let mut material = format!(
                "wol-json-month\0{}\0{label}\0{}\0{:?}\0",
                json_maker(),
                site.info.journal_id,
                site.info.url
            )
            .into_bytes();
            for &i in list {
                material.extend_from_slice(list_keys[i].as_bytes());
                for field in [&*shown.uid(i), shown.updated(i)] {
                    material.extend_from_slice(field.as_bytes());
                    material.push(0);
                }
            }
            let key = crate::git::blob_id(&material);
            let oid = cached_blob(repo, cache, key, || Ok(text()))?;
            put_oid.push((json::archive_path(label), oid));
            Ok(())
        },
    )?;
    if let Some(license) = &site.info.license {
        put("LICENSE", license_text(license, &site.info).as_bytes())?;
    }
    // What an empty feed is dated: the log's newest change; a log with no entry keeps the
    // date its feed had, so republishing it changes nothing.
    let log_updated = (0..entries.len())
        .filter_map(|n| DateTime::parse_from_rfc3339(shown.updated(n)).ok())
        .max()
        .or_else(|| previous_feed_updated(previous_feed()))
        .unwrap_or(now);
    // The feeds, each from the cache when it would carry the same entries as before. An
    // entry's text as feeds show it (read from elsewhere: tag links only where absolute) is
    // rendered only for the feeds that changed, and kept while several of them carry it.
    let mut published = Published {
        repo,
        schema,
        site,
        entries: &entries,
        shown: &shown,
        off_sites: &off_sites,
        texts: HashMap::new(),
        texts_size: 0,
    };
    for file in feeds(site, &plan.name, &shown, &tags) {
        let oid = feed_blob(cache, &mut published, &file, log_updated)?;
        put_oid.push((file.path, oid));
    }
    // (The texts kept for the feeds are not kept for the pages that follow.)
    drop(published);
    let months = crate::site::html::months(&shown);
    // Each published digest gets a page of its own, newest first on the index. The pages
    // of the entries the digests link to are looked up once: a map of every entry's page
    // was 11 MB at 100,000 entries.
    let linked: foldhash::HashSet<String> = digests
        .iter()
        .flat_map(|(_, text)| {
            let mut files = Vec::new();
            links::rewrite(&String::from_utf8_lossy(text), |dest| {
                if let Some((file, _)) = digest_target(dest) {
                    files.push(file.to_string());
                }
                Rewrite::Keep
            });
            files
        })
        .collect();
    let pages: HashMap<&str, String> = entries
        .iter()
        .filter(|c| !linked.is_empty() && linked.contains(&*c.path))
        .map(|c| (&*c.path, site::page_path(&c.path)))
        .collect();
    drop(linked);
    let tag_pages: Vec<&str> = tags.iter().map(|g| g.slug.as_str()).collect();
    let mut digest_pages: Vec<DigestPage> = digests
        .iter()
        .filter_map(|(path, text)| {
            let name = stem_of(path)?;
            let markdown = digest_links_to_pages(
                &String::from_utf8_lossy(text),
                &pages,
                &published_attachments,
            );
            Some(DigestPage {
                label: name.to_string(),
                html_path: format!("digests/{name}.html"),
                body_html: site.body_html(&markdown, Some("../"), &tag_pages),
            })
        })
        .collect();
    digest_pages.sort_by(|a, b| b.label.cmp(&a.label));
    for d in &digest_pages {
        put(
            &format!("docs/{}", d.html_path),
            site.digest_page(d)?.as_bytes(),
        )?;
    }
    for d in &mut digest_pages {
        d.body_html.clear();
    }
    put(
        "docs/index.html",
        site.index_page(&shown, &tags, &months, &digest_pages)?
            .as_bytes(),
    )?;
    // Month and tag pages are a function of their entries: reuse them like entry pages,
    // so a new entry re-renders only its month's page and its tags' pages.
    let mut start = 0;
    let mut lists_rendered = 0;
    for month in &months {
        let ids = &list_keys[start..start + month.count];
        start += month.count;
        let (oid, rendered) = aggregate(
            repo,
            cache,
            "month",
            &month.label,
            &site.render_key,
            ids,
            || site.month_page(&month.with_entries(&shown)),
        )?;
        lists_rendered += usize::from(rendered);
        put_oid.push((format!("docs/{}", month.path), oid));
    }
    put("docs/style.css", site.css.as_bytes())?;
    put("docs/.nojekyll", b"")?;
    // A tag page makes its entries template values one at a time, as the template reaches
    // them ([`Site::tag_page`]): from the entries themselves, shared with it, and what the
    // build changed of their views (feed ids, `updated` times).
    let listed = |tag: &site::TagGroup| {
        let picked: Vec<(usize, String, String)> = tag
            .entries
            .iter()
            .map(|&n| {
                (
                    plan.include[n],
                    shown.uid(n).into_owned(),
                    shown.updated(n).to_string(),
                )
            })
            .collect();
        let candidates = std::sync::Arc::clone(candidates);
        move |k: usize| {
            let (i, uid, updated) = picked.get(k)?;
            let c = candidates.get(*i)?;
            let updated = Cow::Borrowed(updated.as_str());
            let mut view = EntryView::updated_at(&c.brief, c.published_id(), &c.path, updated);
            view.uid = Cow::Borrowed(uid);
            Some(crate::site::html::template_value(&view))
        }
    };
    for tag in &tags {
        let ids: Vec<Oid> = tag.entries.iter().map(|&i| list_keys[i]).collect();
        let key_name = format!("{}\0{}", tag.slug, tag.name);
        let (oid, rendered) = aggregate(
            repo,
            cache,
            "tag",
            &key_name,
            &site.render_key,
            &ids,
            || site.tag_page(tag, listed(tag)),
        )?;
        lists_rendered += usize::from(rendered);
        put_oid.push((format!("docs/tags/{}.html", tag.slug), oid));
    }
    crate::diag::debug(format_args!(
        "publish: {lists_rendered} of {} month and tag pages rendered",
        months.len() + tags.len()
    ));
    for (path, content) in digests {
        put(&path, &content)?;
    }
    for (path, oid) in put_oid {
        root.insert(&path, oid)?;
    }
    crate::diag::debug(format_args!(
        "publish: indexes, feeds and lists after {:?}",
        t0.elapsed()
    ));
    let mut trees = OidSet::default();
    let tree = root.write("", repo, &previous_trees, &mut trees, candidates)?;
    // What the next build needs of this tree is written while the publish goes on (and
    // the folders built are freed there too).
    let keeping = previous_cache
        .filter(|_| kept_for != Some(tree))
        .map(|file| {
            let written = Written {
                root,
                entries: std::sync::Arc::clone(candidates),
                include: plan.include.clone(),
                updated: std::mem::take(&mut shown.updated),
            };
            super::previous::Writing::start(move || {
                super::previous::write(&file, tree, &written, &written, &trees);
            })
        });
    Ok(Built {
        tree,
        entries: entries.len(),
        rendered,
        reused,
        withdrawn,
        keeping,
        warnings,
    })
}

/// The render-cache keys of the entry `n` of `entries`, with `off_site` the
/// attachments its site does not carry: its page's (the site's render key, each
/// neighbour's page and title or nothing, and `off_site`) and its lists' (what the month
/// and tag pages and the months of `wol.json` show of it does not depend on its
/// neighbours: a new entry must not render again every list of the entry next to it).
fn entry_keys(render_key: &str, entries: &[&Candidate], n: usize, off_site: &[&str]) -> (Oid, Oid) {
    let c = entries[n];
    let neighbours = [Some(n + 1), n.checked_sub(1)].map(|m| {
        m.and_then(|m| entries.get(m))
            .map(|c| (site::page_path(&c.path), c.brief.title()))
    });
    let mut material: Vec<&str> = Vec::with_capacity(5 + off_site.len());
    material.push(render_key);
    for neighbour in &neighbours {
        match neighbour {
            Some((page, title)) => material.extend([page.as_str(), title]),
            None => material.push(""),
        }
    }
    material.extend(off_site);
    let key = Cache::key(&c.path, c.blob, &material);
    let list_key = if off_site.is_empty() {
        Cache::key(&c.path, c.blob, &[""])
    } else {
        Cache::key(&c.path, c.blob, off_site)
    };
    (key, list_key)
}

/// One feed file of the published tree: where it goes, what it says of itself, and the
/// entries it carries (indexes into the views, newest first).
struct FeedFile {
    path: String,
    id: String,
    title: String,
    /// See [`feed::FeedSpec::pages`].
    pages: String,
    self_href: String,
    alternate_feed: Option<String>,
    items: Vec<usize>,
    json: bool,
}

/// Every feed of the published tree: Atom and JSON Feed for the whole log (at the root for
/// readers and clones, in `docs/` for the site), Atom per tag and for the kinds in
/// [`KIND_FEEDS`]. Links are absolute with the partner's site address, else relative to
/// each file's folder.
fn feeds(site: &Site, partner: &str, shown: &Shown, tags: &[site::TagGroup]) -> Vec<FeedFile> {
    let info = &site.info;
    let newest = |items: &mut dyn Iterator<Item = usize>| -> Vec<usize> {
        items.take(feed::FEED_LIMIT).collect()
    };
    let abs = info.url.as_deref();
    // (folder of the feed relative to the published root, way from it to docs/)
    let place = |dir: &str, to_docs: &'static str| -> (String, String) {
        match abs {
            Some(url) => (
                url.to_string(),
                format!("{url}{}", dir.strip_prefix("docs/").unwrap_or("")),
            ),
            None => (to_docs.to_string(), String::new()),
        }
    };
    let mut out = Vec::new();
    let log_id = format!("urn:wol:{}:{partner}", info.journal_id);
    let all = newest(&mut (0..shown.len()));
    for (dir, to_docs) in [("", "docs/"), ("docs/", "")] {
        let (pages, here) = place(dir, to_docs);
        for (ext, other, json) in [("xml", "json", false), ("json", "xml", true)] {
            out.push(FeedFile {
                path: format!("{dir}feed.{ext}"),
                id: log_id.clone(),
                title: info.title.clone(),
                pages: pages.clone(),
                self_href: format!("{here}feed.{ext}"),
                alternate_feed: Some(format!("{here}feed.{other}")),
                items: all.clone(),
                json,
            });
        }
    }
    let (pages, here) = place("docs/tags/", "../");
    for tag in tags {
        out.push(FeedFile {
            path: format!("docs/tags/{}.xml", tag.slug),
            id: format!("{log_id}:tag:{}", tag.slug),
            title: format!("{} — #{}", info.title, tag.name),
            pages: pages.clone(),
            self_href: format!("{here}{}.xml", tag.slug),
            alternate_feed: None,
            items: newest(&mut tag.entries.iter().copied()),
            json: false,
        });
    }
    let (pages, here) = place("docs/kinds/", "../");
    for kind in KIND_FEEDS {
        out.push(FeedFile {
            path: format!("docs/kinds/{kind}.xml"),
            id: format!("{log_id}:kind:{kind}"),
            title: format!("{} — {kind}", info.title),
            pages: pages.clone(),
            self_href: format!("{here}{kind}.xml"),
            alternate_feed: None,
            items: newest(
                &mut (0..shown.len()).filter(|&i| in_kind_feed(&shown.entries[i].brief, kind)),
            ),
            json: false,
        });
    }
    out
}

/// What cached feeds are made by: this wol (its version, and its commit when built from
/// a checkout) and the source of the feeds' writer, so that no feed is reused across a
/// change of either. (Re-rendering the feeds after an upgrade costs little; the entry
/// pages, which cost a full publish, go by [`Site::render_key`] instead.)
fn feed_maker() -> &'static str {
    static MAKER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    MAKER.get_or_init(|| {
        let source = crate::git::blob_id(include_bytes!("../site/feed.rs"));
        format!("wol-feed\0{}\0{source}", env!("WOL_VERSION"))
    })
}

/// What makes the JSON index: wol's version and the source of `site/json.rs`, so that a
/// month's file cached by one wol build is never taken by another.
pub(super) fn json_maker() -> &'static str {
    static MAKER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    MAKER.get_or_init(|| {
        let source = crate::git::blob_id(include_bytes!("../site/json.rs"));
        format!("wol-json\0{}\0{source}", env!("WOL_VERSION"))
    })
}

/// The HTML of `entry`'s body where it is read from `docs` (the way to `docs/`, see
/// [`Site::body_html`]): its own tags (as many as the site carries) are the ones with
/// pages, and links to its attachments `off_site` are made inert.
fn body_html(
    site: &Site,
    c: &Candidate,
    entry: &Entry,
    view: &EntryView,
    off_site: &[&str],
    docs: Option<&str>,
) -> String {
    let tag_slugs: Vec<std::borrow::Cow<'_, str>> = view.tags().map(|t| t.slug).collect();
    let tag_slugs: Vec<&str> = tag_slugs.iter().map(|s| &**s).collect();
    site.entry_body_html(&entry.body, docs, c.published_id(), off_site, &tag_slugs)
}

/// The published entries as the feeds need them.
struct Published<'a> {
    repo: &'a Repository,
    schema: &'a Schema<'a>,
    site: &'a Site,
    entries: &'a [&'a Candidate],
    shown: &'a Shown<'a>,
    /// The attachments an entry's site does not carry, for entries that have some.
    off_sites: &'a HashMap<usize, Vec<&'a str>>,
    /// Entries' text as feeds carry it, kept while feeds are rendered: an entry is in the
    /// log's feeds and in its tags' and kinds', so most are asked for several times.
    /// Bounded by [`Published::TEXTS_MAX`]; past that, it starts again.
    texts: HashMap<usize, String>,
    texts_size: usize,
}

impl Published<'_> {
    const TEXTS_MAX: usize = 16 << 20;

    fn off_site(&self, i: usize) -> &[&str] {
        self.off_sites.get(&i).map_or(&[], Vec::as_slice)
    }

    /// Entry `i`'s text as feeds carry it: read from elsewhere, so tag links only where
    /// they are absolute.
    fn text(&mut self, i: usize) -> Result<String> {
        if let Some(text) = self.texts.get(&i) {
            return Ok(text.clone());
        }
        let c = self.entries[i];
        let entry = c.read(self.repo, self.schema)?;
        let docs = self.site.info.url.as_deref();
        let view = self.shown.view(i);
        let text = body_html(self.site, c, &entry, &view, self.off_site(i), docs);
        if self.texts_size + text.len() > Self::TEXTS_MAX {
            self.texts = HashMap::new();
            self.texts_size = 0;
        }
        self.texts_size += text.len();
        self.texts.insert(i, text.clone());
        Ok(text)
    }
}

/// The blob of one feed, from the cache when it carried the same entries before: the same
/// views (without their text) of the same entry blobs, with the same attachments off the
/// site, under the same templates and site address.
fn feed_blob(
    cache: &mut Cache,
    published: &mut Published<'_>,
    file: &FeedFile,
    log_updated: DateTime<FixedOffset>,
) -> Result<Oid> {
    let (site, shown) = (published.site, published.shown);
    let info = &site.info;
    let mut material = format!(
        "{}\0{}\0{}\0{}\0{}\0{}\0{}\0{:?}\0{:?}\0{}\0",
        feed_maker(),
        site.render_key,
        file.path,
        file.id,
        file.title,
        file.pages,
        file.self_href,
        file.alternate_feed,
        info.license,
        info.journal_id,
    )
    .into_bytes();
    // A feed is dated by its newest entry; only a feed without one by the log.
    if !file
        .items
        .iter()
        .any(|&i| DateTime::parse_from_rfc3339(shown.updated(i)).is_ok())
    {
        material.extend_from_slice(log_updated.to_rfc3339().as_bytes());
    }
    for &i in &file.items {
        material.push(0);
        material.extend_from_slice(published.entries[i].blob.as_bytes());
        material.extend_from_slice(published.off_site(i).join("\0").as_bytes());
        material.push(0);
        // Everything the feed shows of the entry besides its text (which the entry blob
        // and the off-site attachments decide): id, `updated`, title, tags…
        serde_json::to_writer(&mut material, &shown.view(i))?;
    }
    cached_blob(
        published.repo,
        cache,
        crate::git::blob_id(&material),
        || {
            let items = file
                .items
                .iter()
                .map(|&i| {
                    let mut view = shown.view(i);
                    view.body_html = published.text(i)?;
                    Ok(view)
                })
                .collect::<Result<Vec<EntryView>>>()?;
            let items: Vec<&EntryView> = items.iter().collect();
            let spec = feed::FeedSpec {
                id: file.id.clone(),
                title: file.title.clone(),
                pages: &file.pages,
                self_href: file.self_href.clone(),
                alternate_feed: file.alternate_feed.clone(),
                license: info.license.as_deref(),
                journal_id: &info.journal_id,
                log_updated,
            };
            Ok(if file.json {
                feed::json(&spec, &items)
            } else {
                feed::atom(&spec, &items)
            })
        },
    )
}

/// An `id` key shaped like an entry file name is the entry's old name, which `wol edit`
/// keeps when a new date moves the file; feeds go on using it as the entry's id only
/// where this partner's followers knew the entry by it: its old file was in the last
/// publish, or its feed or JSON index carried that id (the feed carries only the newest
/// entries, and a publish after the move must know it as the one before did). Anywhere
/// else it may be the name the entry had while it was private, so a hash of it stands in.
fn keep_only_known_old_names<'f>(
    previous_feed: &dyn Fn() -> &'f str,
    listed_before: &mut dyn FnMut(&str, &str) -> bool,
    previous_blobs: &super::previous::Files,
    shown: &mut Shown,
) {
    let mut hashed = Vec::new();
    for n in 0..shown.len() {
        let view = shown.at(n, Cow::Borrowed(""));
        if view.uid == view.id || !site::is_entry_stem(&view.uid) {
            continue;
        }
        let file = format!("/{}.md", view.uid);
        let known = published_before(&view.uid, previous_feed())
            || previous_blobs
                .paths()
                .any(|p| p.starts_with("entries/") && p.ends_with(&file))
            // Published by it since the move: the root feed carries only the newest.
            || listed_before(&view.month().0, &view.uid);
        if !known {
            hashed.push((n, site::stable_uid(&view.uid)));
        }
    }
    for (n, uid) in hashed {
        shown.uids.insert(n, uid.into());
    }
}

/// Feed readers keep one entry per id, so no two entries may share one: a moved entry's
/// old name (kept as its `id`) that a later entry took as its file name, or one file name
/// in two months. The moved entry keeps it (its followers know it by it), else the one
/// in the earliest month; each other one gets a hash of its path, stable from publish to
/// publish.
fn one_entry_per_feed_id(shown: &mut Shown) {
    let entries = shown.entries;
    // Grouped only when some id is shared: nearly always none is.
    let renamed: Vec<usize> = {
        let mut seen = foldhash::HashSet::with_capacity_and_hasher(shown.len(), Default::default());
        let shared: foldhash::HashSet<Cow<'_, str>> = (0..shown.len())
            .map(|i| shown.uid(i))
            .filter(|uid| !seen.insert(uid.clone()))
            .collect();
        drop(seen);
        let mut renamed = Vec::new();
        if !shared.is_empty() {
            let mut by_uid: HashMap<Cow<'_, str>, Vec<usize>> = HashMap::new();
            for i in 0..shown.len() {
                let uid = shown.uid(i);
                if shared.contains(&uid) {
                    by_uid.entry(uid).or_default().push(i);
                }
            }
            for mut same in by_uid.into_values() {
                same.sort_by_key(|&i| {
                    let c = entries[i];
                    (shown.uid(i) == c.published_id(), &*c.path)
                });
                renamed.extend(&same[1..]);
            }
        }
        renamed
    };
    for i in renamed {
        let uid = site::stable_uid(&entries[i].path);
        shown.uids.insert(i, uid.into());
    }
}

/// Whether the previous root feed (`feed`) carried an entry whose feed id ends in `uid`.
fn published_before(uid: &str, feed: &str) -> bool {
    feed.contains(&format!(":{uid}</id>"))
}

/// The text of the root feed of `previous` (the last publish); empty when there is none.
fn previous_feed_text(repo: &Repository, previous: Option<&git2::Tree<'_>>) -> String {
    previous_text(repo, previous, "feed.xml")
}

/// The text of the file at `path` in `previous`; empty when there is none.
fn previous_text(repo: &Repository, previous: Option<&git2::Tree<'_>>, path: &str) -> String {
    previous
        .and_then(|t| t.get_path(std::path::Path::new(path)).ok())
        .and_then(|e| repo.find_blob(e.id()).ok())
        .map(|b| String::from_utf8_lossy(b.content()).into_owned())
        .unwrap_or_default()
}

/// True for the path of an entry's Markdown in a published tree,
/// `entries/YYYY/MM/<stem>.md` (not a file of an attachment folder).
fn is_entry_file(path: &str) -> bool {
    path.starts_with("entries/") && path.ends_with(".md") && path.matches('/').count() == 3
}

/// The `updated` of the previous root feed (its text `feed`), unless there is none or it
/// is the epoch (an empty feed of an older wol).
fn previous_feed_updated(feed: &str) -> Option<DateTime<FixedOffset>> {
    let updated = *feed.parse::<atom_syndication::Feed>().ok()?.updated();
    (updated.timestamp() != 0).then_some(updated)
}

/// A published digest's Markdown (at `digests/YYYY/`) with its links to entries'
/// attachments (`../../entries/YYYY/MM/<id>/<name>`, as the digest quotes them) kept only
/// where the attachment is published (`published`, see [`build`]): a photo wol could not
/// clean stays home, and its link becomes its text, as in the entry itself.
fn digest_attachment_links(markdown: &str, published: &HashMap<String, Option<String>>) -> String {
    links::rewrite(markdown, |dest| match digest_target(dest) {
        Some((file, _)) if !is_entry_file(file) && !published.contains_key(file) => Rewrite::Unlink,
        _ => Rewrite::Keep,
    })
}

/// A digest links its entries' Markdown files and their attachments
/// (`../../entries/YYYY/MM/x.md`, `../../entries/YYYY/MM/x/board.png`, from
/// `digests/YYYY/`); on its page in `docs/digests/` the same links go to the entries'
/// pages (`pages`: Markdown path → page path, relative to `docs/`) and to the
/// attachments beside them, and a link to a file the site does not carry (an SVG, which
/// goes only beside the Markdown) becomes its text.
fn digest_links_to_pages(
    markdown: &str,
    pages: &HashMap<&str, String>,
    attachments: &HashMap<String, Option<String>>,
) -> String {
    links::rewrite(markdown, |dest| {
        let Some((file, rest)) = digest_target(dest) else {
            return Rewrite::Keep;
        };
        if let Some(page) = pages.get(file) {
            return Rewrite::To(format!("../{page}{rest}"));
        }
        if is_entry_file(file) {
            // Not an entry of this log: where its page would be.
            let page = file.strip_prefix("entries/").unwrap_or(file);
            let page = page.strip_suffix(".md").unwrap_or(page);
            return Rewrite::To(format!("../{page}.html{rest}"));
        }
        match attachments.get(file) {
            Some(Some(on_site)) => Rewrite::To(format!("../{on_site}{rest}")),
            _ => Rewrite::Unlink,
        }
    })
}

/// The published file a digest's link points at (`../../entries/…` from `digests/YYYY/`),
/// relative to the published root, and what followed it (`?…`, `#…`).
fn digest_target(dest: &str) -> Option<(&str, &str)> {
    let path = dest.strip_prefix("../../")?;
    if !path.starts_with("entries/") {
        return None;
    }
    Some(path.split_at(path.find(['?', '#']).unwrap_or(path.len())))
}

/// `LICENSE` of the published tree: what the licence id means for someone reusing it.
fn license_text(license: &str, info: &crate::site::html::SiteInfo) -> String {
    format!(
        "{title}\n\nThe entries, digests and pages published here are licensed under {license}\n\
         (https://spdx.org/licenses/{license}.html).\nReuse them under its terms, with credit to \
         the author named in each entry.\n",
        title = info.title,
    )
}

/// The blob of a page listing entries (a month, a tag), from the cache when the same
/// entries (by list key: path, content and the attachments off the site) were rendered
/// before with the same templates; and whether it was rendered now.
fn aggregate(
    repo: &Repository,
    cache: &mut Cache,
    kind: &str,
    name: &str,
    render_key: &str,
    entry_keys: &[Oid],
    render: impl FnOnce() -> Result<String>,
) -> Result<(Oid, bool)> {
    let mut material = Vec::with_capacity(64 + entry_keys.len() * 20);
    material.extend_from_slice(format!("wol-{kind}\0{name}\0{render_key}\0").as_bytes());
    for k in entry_keys {
        material.extend_from_slice(k.as_bytes());
    }
    let mut rendered = false;
    let oid = cached_blob(repo, cache, crate::git::blob_id(&material), || {
        rendered = true;
        render()
    })?;
    Ok((oid, rendered))
}

/// The blob cached under `key`, else `render`ed, written and cached.
fn cached_blob(
    repo: &Repository,
    cache: &mut Cache,
    key: Oid,
    render: impl FnOnce() -> Result<String>,
) -> Result<Oid> {
    if let Some(hit) = cache.get(repo, key) {
        return Ok(hit.page);
    }
    let oid = repo.blob(render()?.as_bytes())?;
    cache.put(
        key,
        Rendered {
            markdown: oid,
            page: oid,
        },
    );
    Ok(oid)
}

/// The blob an attachment is published as ([`crate::attach::published_bytes`]: photos
/// without their location data), from the cache when it was worked out before. `None`
/// when it must not be published.
fn published_attachment(
    repo: &Repository,
    cache: &mut Cache,
    name: &str,
    oid: Oid,
) -> Result<Option<Oid>> {
    // The version changes with what is taken out, so a photo published before is
    // stripped again rather than taken from the cache.
    let material = format!("wol-attachment-2\0{name}\0{oid}");
    let key = crate::git::blob_id(material.as_bytes());
    if let Some(hit) = cache.get(repo, key) {
        return Ok(Some(hit.page));
    }
    let blob = repo.find_blob(oid)?;
    let Some(bytes) = crate::attach::published_bytes(name, blob.content()) else {
        return Ok(None);
    };
    let out = if bytes == blob.content() {
        oid
    } else {
        repo.blob(&bytes)?
    };
    cache.put(
        key,
        Rendered {
            markdown: out,
            page: out,
        },
    );
    Ok(Some(out))
}

/// Record `tree` as the partner's newest published commit, on top of the previous one.
/// Returns the new commit, or `None` when the tree is what was published last time.
/// The ref is moved with a compare-and-swap, so two publishes at once cannot lose one.
pub fn commit(
    repo: &Repository,
    partner: &str,
    tree: Oid,
    sig: &Signature<'_>,
    entries: usize,
) -> Result<Option<Oid>> {
    let name = published_ref(partner);
    let parent = match repo.find_reference(&name) {
        Ok(r) => Some(r.peel_to_commit()?),
        Err(e) if e.code() == ErrorCode::NotFound => None,
        Err(e) => return Err(e.into()),
    };
    if parent.as_ref().is_some_and(|p| p.tree_id() == tree) {
        return Ok(None);
    }
    let tree_obj = repo.find_tree(tree)?;
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    let oid = repo.commit(None, sig, sig, &message(entries), &tree_obj, &parents)?;
    let old = parent.as_ref().map_or(Oid::ZERO_SHA1, |p| p.id());
    crate::git_lock::clear_stale_ref_lock(repo, &name)?;
    repo.reference_matching(&name, oid, true, old, "wol publish")
        .with_context(|| format!("{name} moved while publishing; run wol publish again"))?;
    Ok(Some(oid))
}

/// Replace `partner`'s published history with one commit of its latest tree (for a
/// remote branch that does not exist yet: see [`crate::remote::PushMode::NoHistoryToNewBranch`]).
pub fn restart(
    repo: &Repository,
    partner: &str,
    sig: &Signature<'_>,
    entries: usize,
) -> Result<Oid> {
    let name = published_ref(partner);
    let tip = repo.find_reference(&name)?.peel_to_commit()?;
    let oid = repo.commit(None, sig, sig, &message(entries), &tip.tree()?, &[])?;
    crate::git_lock::clear_stale_ref_lock(repo, &name)?;
    repo.reference_matching(&name, oid, true, tip.id(), "wol publish: new remote branch")
        .with_context(|| format!("{name} moved while publishing; run wol publish again"))?;
    Ok(oid)
}

/// Make `base` (the partner's branch as another machine of this journal published it,
/// see [`super::adopt`]) the partner's published history here, with `tree` on top of it.
/// Returns the new commit, or `None` when `base` already has this tree (the ref then
/// points at `base`). What the ref held before is dropped: it was this machine's own
/// view, never pushed past `base`. Moved with a compare-and-swap, like [`commit`].
pub fn adopt(
    repo: &Repository,
    partner: &str,
    base: Oid,
    tree: Oid,
    sig: &Signature<'_>,
    entries: usize,
) -> Result<Option<Oid>> {
    let name = published_ref(partner);
    let old = match repo.refname_to_id(&name) {
        Ok(id) => id,
        Err(e) if e.code() == ErrorCode::NotFound => Oid::ZERO_SHA1,
        Err(e) => return Err(e.into()),
    };
    let base = repo.find_commit(base)?;
    let new = if base.tree_id() == tree {
        None
    } else {
        let tree = repo.find_tree(tree)?;
        Some(repo.commit(None, sig, sig, &message(entries), &tree, &[&base])?)
    };
    let tip = new.unwrap_or(base.id());
    crate::git_lock::clear_stale_ref_lock(repo, &name)?;
    repo.reference_matching(
        &name,
        tip,
        true,
        old,
        "wol publish: on the partner's branch",
    )
    .with_context(|| format!("{name} moved while publishing; run wol publish again"))?;
    Ok(new)
}

/// The message of a published commit.
fn message(entries: usize) -> String {
    format!(
        "wol publish: {entries} entr{}",
        if entries == 1 { "y" } else { "ies" }
    )
}

/// Whether `text` is a message [`message`] writes: how publish tells its own commits on a
/// partner's branch from anyone else's.
pub fn is_publish_message(text: &str) -> bool {
    text.strip_prefix("wol publish: ")
        .and_then(|rest| rest.split_once(' '))
        .and_then(|(count, _)| count.parse::<usize>().ok())
        .is_some_and(|n| message(n) == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files named from their entries' paths make the tree the same files named by path
    /// make, and are walked with those names; the last file added at a name is kept,
    /// however either was named.
    #[test]
    fn entry_files_are_named_from_their_paths() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blob = |text: &str| repo.blob(text.as_bytes()).unwrap();
        let brief = crate::site::html::sample_view().unwrap().brief.clone();
        let candidate = |path: &str| {
            Box::new(Candidate {
                path: path.into(),
                blob: blob(path),
                brief: (*brief).clone(),
                allowed: false,
                judged: None,
                more: None,
            })
        };
        let entries = vec![
            candidate("entries/2026/11/2026-11-22-1432-a.md"),
            candidate("entries/2026/11/index.md"),
            candidate("entries/2026/10/2026-10-01-0900-b.md"),
        ];
        let (mut named, mut by_path) = (Dir::default(), Dir::default());
        for (n, c) in entries.iter().enumerate() {
            let n = u32::try_from(n).unwrap();
            let mut page = String::from("docs/");
            site::html_path_of(&c.path, &mut page);
            named
                .insert_entry(folder_of(&c.path), Name::Markdown(n), c.blob)
                .unwrap();
            named
                .insert_entry(folder_of(&page), Name::Page(n), blob(&page))
                .unwrap();
            by_path.insert(&c.path, c.blob).unwrap();
            by_path.insert(&page, blob(&page)).unwrap();
        }
        // Replaced, by path, after it was added by its entry.
        named
            .insert("entries/2026/11/index.md", blob("new"))
            .unwrap();
        by_path
            .insert("entries/2026/11/index.md", blob("new"))
            .unwrap();
        let (known, written) = (&OidSet::default(), &mut OidSet::default());
        let ours = named.write("", &repo, known, written, &entries).unwrap();
        assert_eq!(ours, by_path.write("", &repo, known, written, &[]).unwrap());
        let tree = repo.find_tree(ours).unwrap();
        let page = tree
            .get_path("docs/2026/11/index-entry.html".as_ref())
            .unwrap();
        assert_eq!(page.id(), blob("docs/2026/11/index-entry.html"));
        let walked = |root: &Dir, entries: &Entries| {
            let mut files = Vec::new();
            root.files(
                &mut String::new(),
                entries,
                &mut |folder, name, oid| files.push(format!("{folder}{name} {oid}")),
                &mut |_| {},
            );
            files
        };
        let files = walked(&named, &entries);
        assert_eq!(files.len(), 3);
        assert_eq!(files, walked(&by_path, &[]));
        assert!(files.contains(&format!("entries/2026/11/index.md {}", blob("new"))));
    }

    /// The tree ids worked out by hand are git's: folders sort as if their names ended
    /// in `/` (`a.b` before `a/`, `a-b` before `a.b`), and a known tree is not written.
    #[test]
    fn trees_are_written_as_git_writes_them() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blob = repo.blob(b"x\n").unwrap();
        let other = repo.blob(b"y\n").unwrap();
        let mut root = Dir::default();
        for path in ["a/b", "a.b", "a-b", "a0", "b/a/c", "b/a.c", "A", "_"] {
            root.insert(path, blob).unwrap();
        }
        root.insert("a/c", other).unwrap();
        // A file added again at a path is replaced.
        root.insert("a0", other).unwrap();
        let ours = root
            .write("", &repo, &OidSet::default(), &mut OidSet::default(), &[])
            .unwrap();

        // The same tree through libgit2's tree builder.
        let mut sub_a = repo.treebuilder(None).unwrap();
        sub_a.insert("b", blob, 0o100644).unwrap();
        sub_a.insert("c", other, 0o100644).unwrap();
        let sub_a = sub_a.write().unwrap();
        let mut sub_ba = repo.treebuilder(None).unwrap();
        sub_ba.insert("c", blob, 0o100644).unwrap();
        let sub_ba = sub_ba.write().unwrap();
        let mut sub_b = repo.treebuilder(None).unwrap();
        sub_b.insert("a", sub_ba, 0o040000).unwrap();
        sub_b.insert("a.c", blob, 0o100644).unwrap();
        let sub_b = sub_b.write().unwrap();
        let mut top = repo.treebuilder(None).unwrap();
        for name in ["a.b", "a-b", "A", "_"] {
            top.insert(name, blob, 0o100644).unwrap();
        }
        top.insert("a0", other, 0o100644).unwrap();
        top.insert("a", sub_a, 0o040000).unwrap();
        top.insert("b", sub_b, 0o040000).unwrap();
        assert_eq!(ours, top.write().unwrap());
        assert!(repo.find_tree(ours).is_ok());

        // A tree known to exist is not written again (here it is not there: unwritten).
        let mut fresh = Dir::default();
        fresh.insert("z", other).unwrap();
        let mut content = b"100644 z\0".to_vec();
        content.extend_from_slice(other.as_bytes());
        let id = crate::git::object_id(git2::ObjectType::Tree, &content);
        let known: OidSet = [id].into_iter().collect();
        assert_eq!(
            fresh
                .write("", &repo, &known, &mut OidSet::default(), &[])
                .unwrap(),
            id
        );
        assert!(!repo.odb().unwrap().exists(id), "a known tree was written");
        assert_eq!(
            fresh
                .write("", &repo, &OidSet::default(), &mut OidSet::default(), &[])
                .unwrap(),
            id
        );
        assert!(repo.odb().unwrap().exists(id));
        assert!(root.insert(".git/x", blob).is_ok());
        assert!(
            root.write("", &repo, &OidSet::default(), &mut OidSet::default(), &[])
                .is_err(),
            ".git is refused"
        );
        // A name that is a file and a folder, whichever came first, is refused.
        for paths in [["x", "x/y"], ["x/y", "x"]] {
            let mut clash = Dir::default();
            for path in paths {
                clash.insert(path, blob).unwrap();
            }
            let written = clash.write("", &repo, &OidSet::default(), &mut OidSet::default(), &[]);
            assert!(written.is_err(), "{paths:?} made a tree");
        }
    }
}
