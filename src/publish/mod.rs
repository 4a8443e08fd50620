//! Publishing: which entries go to which partner and why others are held back (the
//! *plan*), the secret scan, the published tree, its history on
//! `refs/wol/published/<partner>`, and the push.
//!
//! The order is the safety argument: the plan is made from the audience rule
//! ([`crate::audience::decide`]) and the secret scan *before* any object is
//! written; the published tree is then built only from the planned entries, with their
//! front matter rewritten to the public fields, so nothing else can be reachable from
//! what is pushed. The journal itself is never modified: publish writes only git objects,
//! `refs/wol/published/*` and the disposable cache in `.wol/cache/` (and, while it looks
//! at a partner's branch that moved on without this machine, `refs/wol/fetched/*`).

pub mod adopt;
pub mod cache;
mod previous;
pub mod reuse;
pub mod scan;
pub mod scanned;
pub mod shared;
pub mod tree;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use git2::{ObjectType, Oid};

use crate::audience;
pub use crate::audience::HeldBack;
use crate::config::PartnerConfig;
use crate::entry::{Entry, Meta, Schema};
use crate::error::hinted;
use crate::journal::{Journal, LoadError};
use crate::site::html::Site;
use crate::site::{BodyParts, Brief};

/// The ref that holds a partner's published history.
pub fn published_ref(partner: &str) -> String {
    format!("refs/wol/published/{partner}")
}

/// Forget what was published to the partner `name`, which is no partner any more: the
/// ref of its last published commit, its list of withdrawn entries and what the cache
/// kept of its last published tree. A partner added again under that name starts afresh,
/// as any new partner does.
pub fn forget_partner(journal: &Journal, name: &str) {
    if let Ok(repo) = journal.repo()
        && let Ok(mut reference) = repo.find_reference(&published_ref(name))
    {
        let _ = reference.delete();
    }
    let _ = std::fs::remove_file(withdrawn_file(journal, name));
    let _ = std::fs::remove_file(kept_file(journal, name));
    let _ = std::fs::remove_file(old_times_file(journal, name));
    let _ = std::fs::remove_file(reuse::file(journal, name));
}

/// Where what the next build needs of the tree published to `partner` is kept
/// ([`previous`]).
fn kept_file(journal: &Journal, partner: &str) -> PathBuf {
    journal
        .state_dir()
        .join("cache")
        .join(format!("published-{partner}.bin"))
}

/// Where earlier builds of wol kept only the `updated` times of that tree, which
/// [`kept_file`] holds now: no longer read, and removed by the next publish.
fn old_times_file(journal: &Journal, partner: &str) -> PathBuf {
    journal
        .state_dir()
        .join("cache")
        .join(format!("updated-{partner}.bin"))
}

/// Where the entries a partner had and a publish withdrew wait until a push carries the
/// change: a publish whose push failed would otherwise never say so (the next one
/// compares with what this machine built, which no longer has them).
fn withdrawn_file(journal: &Journal, partner: &str) -> PathBuf {
    journal
        .state_dir()
        .join("publish")
        .join(format!("withdrawn-{partner}.txt"))
}

/// The entries kept at `path` with `more`, newest path first, each once.
fn with_kept(path: &Path, more: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut all: Vec<String> = std::fs::read_to_string(path)
        .map(|t| t.lines().map(String::from).collect())
        .unwrap_or_default();
    all.extend(more);
    all.sort_unstable_by(|a, b| b.cmp(a));
    all.dedup();
    all
}

/// Keep `withdrawn` (with those kept before) for `partner` until a push carries them.
fn keep_withdrawn(journal: &Journal, partner: &str, withdrawn: &[String]) {
    if withdrawn.is_empty() {
        return;
    }
    let path = withdrawn_file(journal, partner);
    let all = with_kept(&path, withdrawn.iter().cloned());
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = crate::journal::write_atomic(&path, (all.join("\n") + "\n").as_bytes());
}

/// The entries `partner` had that this publish, pushed, withdrew: `withdrawn` and any a
/// publish whose push failed kept. They are said now, and not again.
pub fn take_withdrawn(journal: &Journal, partner: &str, withdrawn: Vec<String>) -> Vec<String> {
    let path = withdrawn_file(journal, partner);
    if !path.exists() {
        return withdrawn;
    }
    let all = with_kept(&path, withdrawn);
    let _ = std::fs::remove_file(&path);
    all
}

/// One entry of the journal, read from the work tree.
pub struct Candidate {
    /// Path relative to the journal, `entries/YYYY/MM/….md`: its stem is the id people
    /// type ([`Candidate::id`]).
    pub path: Box<str>,
    /// The committed blob of the entry file (the cache key).
    pub blob: Oid,
    /// What the plan and the site need of the front matter and the body. The body is not
    /// kept: the pages that are rendered read the entry again ([`Candidate::read`]).
    pub brief: Brief,
    /// `--allow-entry` named this entry: its hits do not block.
    pub allowed: bool,
    /// What was judged of the entry as it was read, when its text was scanned then, for
    /// the plan to take. Boxed, as what most entries leave empty below: every entry of a
    /// journal is a candidate, and at 100,000 entries each 8 bytes of one are 0.8 MB of
    /// a publish.
    judged: Option<Box<Judged>>,
    /// What few entries have: attachments, a work-tree file changed since it was
    /// committed, secret-scan findings.
    more: Option<Box<More>>,
}

/// What few candidates have ([`Candidate::more`]).
#[derive(Default)]
struct More {
    /// The committed files beside the entry (`entries/YYYY/MM/<id>/<name>`): name and
    /// blob. They are published with the entry and never without it.
    attachments: Box<[(String, Oid)]>,
    /// The work-tree file, when it is no longer what was committed.
    uncommitted: Option<Uncommitted>,
    /// What the secret scan found (only scanned for entries some partner would
    /// receive), when it found something.
    flagged: Option<Flagged>,
}

/// What the reader judged of an entry whose text it scanned, taken by the plan.
struct Judged {
    /// Whether each partner this publish is for may get the entry
    /// ([`Candidate::decide`]).
    decided: Vec<Result<(), HeldBack>>,
    /// The secret-scan hits of the text, when it was scanned as it was read: it goes to
    /// a partner this publish is for, and was not scanned clean before (the plan keeps no
    /// entry's text).
    scanned: Option<Vec<scan::Hit>>,
}

/// What the secret scan found in an entry that goes out.
struct Flagged {
    hits: Vec<scan::Hit>,
    /// The id and title with whatever a rule matched masked.
    redacted: (String, String),
}

/// `Path::file_stem` of `path`, or empty: worked out on the string where the path ends in
/// a plain name (a publish asks for the id of each entry several times, and parsing it as
/// a `Path` was 4% of a one-entry publish at 100,000 entries).
fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.is_empty() || name == "." || name == ".." {
        return Path::new(path)
            .file_stem()
            .and_then(std::ffi::OsStr::to_str)
            .unwrap_or_default();
    }
    // As std splits a name at its last dot: a name that starts with its only dot is
    // all stem.
    match name.rsplit_once('.') {
        Some((before, _)) if !before.is_empty() => before,
        _ => name,
    }
}

impl Candidate {
    /// The id published for the entry (feed ids, `wol.json`): the file stem. The `id`
    /// field is local, like the rest of the front matter that is not published.
    pub fn published_id(&self) -> &str {
        self.id()
    }

    /// The file stem: the id people type.
    pub fn id(&self) -> &str {
        file_stem(&self.path)
    }

    /// The committed files beside the entry (`entries/YYYY/MM/<id>/<name>`): name and
    /// blob. They are published with the entry and never without it.
    pub fn attachments(&self) -> &[(String, Oid)] {
        self.more.as_deref().map_or(&[], |m| &m.attachments)
    }

    fn more(&mut self) -> &mut More {
        self.more.get_or_insert_with(Box::default)
    }

    /// How to name the entry in output that may end up in a log or a mail: its id and
    /// title; when the secret scan flagged it, its date and time and the id and title
    /// with whatever a rule matched replaced by `***` (the secret may sit in either).
    pub fn label(&self) -> String {
        match self.redacted() {
            None => format!("{}  {}", self.id(), self.brief.title()),
            Some((id, title)) => {
                format!(
                    "{}  {id}  {title}",
                    self.brief.date().format("%Y-%m-%d %H:%M")
                )
            }
        }
    }

    /// The secret-scan hits of the entry (only scanned for entries some partner would
    /// receive).
    pub fn hits(&self) -> &[scan::Hit] {
        self.flagged().map_or(&[], |f| &f.hits)
    }

    /// The id and title with secret-scan matches masked, when there were hits.
    pub fn redacted(&self) -> Option<(&str, &str)> {
        let (id, title) = &self.flagged()?.redacted;
        Some((id, title))
    }

    fn flagged(&self) -> Option<&Flagged> {
        self.more.as_deref()?.flagged.as_ref()
    }

    /// True when the scan found something and nobody allowed it.
    pub fn blocked(&self) -> bool {
        !self.hits().is_empty() && !self.allowed
    }

    /// The whole entry, read again from its committed blob (what the plan parsed).
    pub fn read(&self, repo: &git2::Repository, schema: &Schema<'_>) -> Result<Entry> {
        let blob = repo
            .find_blob(self.blob)
            .with_context(|| format!("cannot read {} from the journal's history", self.path))?;
        Entry::parse(blob.content(), schema)
            .with_context(|| format!("cannot read {} from the journal's history", self.path))
    }
}

/// An entry's work-tree file that differs from its committed blob (a hand edit, not
/// committed yet).
pub enum Uncommitted {
    /// The file is gone, or is no longer a regular file.
    Removed,
    /// The file cannot be read or parsed.
    Unreadable,
    /// The file parses: its front matter and tags now.
    Changed { meta: Box<Meta>, tags: Vec<String> },
}

impl Candidate {
    /// Whether the partner `name` may get the entry: its committed version by
    /// [`audience::decide_by`], and, when the file was changed by hand since, its version
    /// in the work tree too. What is published is what is committed, but a change that
    /// would hold the entry back (made private, removed, addressed elsewhere) must not
    /// let the committed text go out meanwhile.
    fn decide(&self, name: &str, partner: &PartnerConfig) -> Result<(), HeldBack> {
        let b = &self.brief;
        audience::decide_by(b.visibility(), b.to(), b.kind(), b.tags(), name, partner)?;
        let now = match self.more.as_deref().and_then(|m| m.uncommitted.as_ref()) {
            None => return Ok(()),
            Some(Uncommitted::Removed) => "the file is gone".to_string(),
            Some(Uncommitted::Unreadable) => "the file cannot be read as an entry".to_string(),
            Some(Uncommitted::Changed { meta, tags }) => {
                match audience::decide_by_meta(meta, tags, name, partner) {
                    Ok(()) => return Ok(()),
                    Err(why) => format!("the file now says {why}"),
                }
            }
        };
        Err(HeldBack::Uncommitted { now })
    }
}

/// What one partner gets.
pub struct PartnerPlan {
    pub name: String,
    pub config: PartnerConfig,
    /// Indexes into [`Plan::candidates`], newest first.
    pub include: Vec<usize>,
    pub held: Vec<(usize, HeldBack)>,
    /// The blobs of what this partner may not see: the entries held back from it as
    /// private or addressed to others, their attachments, and the files that could not
    /// be read as entries. An attachment of an entry it does get with the very same
    /// bytes (a private entry copied or hard-linked into a public entry's folder) is
    /// held back too.
    pub unseen: crate::git::OidSet,
}

impl PartnerPlan {
    /// The names of `c`'s attachments held back from this partner: photos wol cannot
    /// clean ([`withheld_attachments`]) and files it may not see ([`PartnerPlan::unseen`]).
    pub fn withheld(&self, repo: &git2::Repository, c: &Candidate) -> Vec<String> {
        let mut names = withheld_attachments(repo, c.attachments());
        for (name, oid) in c.attachments() {
            if self.unseen.contains(oid) && !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }
}

/// Which entries go where, decided before anything is written.
pub struct Plan {
    /// Each on its own allocation, so the plan never holds them twice while they are
    /// gathered from the threads that read them (55 MB at 100,000 entries).
    /// Shared with the tag pages a build renders ([`tree::build`]).
    pub candidates: std::sync::Arc<Vec<Box<Candidate>>>,
    /// Files under `entries/` that could not be read; never published, always reported.
    pub malformed: Vec<LoadError>,
    pub partners: Vec<PartnerPlan>,
}

impl Plan {
    /// Entries whose secret-scan hits block the publish.
    pub fn blocking(&self) -> Vec<&Candidate> {
        self.candidates
            .iter()
            .filter(|c| c.blocked())
            .map(|c| &**c)
            .collect()
    }
}

/// Map pack files in windows of 8 MiB, at most 16 MiB at a time (libgit2 maps a
/// whole pack of up to 1 GiB by default, and keeps what it mapped): a publish reads the
/// journal's pack from end to end and the push writes and indexes a new one, and every
/// page of those mappings it touched counted in its memory. A full publish of 100,000
/// entries peaked with 138 MB of mapped files; with windows of 32 MiB, at most 64 MiB,
/// 114 MB, and its build still held a 32 MiB window of the entries' pack.
pub fn map_packs_sparingly() {
    // SAFETY: libgit2's global options, set before any thread of this command uses git.
    #[allow(unsafe_code)]
    unsafe {
        let _ = git2::opts::set_mwindow_size(8 << 20);
        let _ = git2::opts::set_mwindow_mapped_limit(16 << 20);
    }
}

/// How many pages rendered make a build large: its push packs that many objects and more,
/// and peaks, so what the build held is given back first ([`give_back_freed_memory`], and
/// the kept file written before the push, not beside it).
const LARGE_BUILD: usize = 1000;

/// How many entries make a build hold enough (the tree of their pages, their keys, what
/// the last publish had of them) that even a small push should not come on top of it: at 100,000 entries a
/// one-entry publish's push added 15 MB to the build's peak. Below it, handing the memory
/// back costs more time than the memory is worth (10 ms at 10,000 entries).
const MANY_ENTRIES: usize = 20_000;

/// Fewer entry pages rendered than this, and the push sends its commit without looking
/// for deltas ([`crate::remote::Pack::NextCommitWhole`]): a publish after a work session
/// renders a few (the new entry, its neighbours), and its pages, month and tag pages,
/// feeds and indexes are different files, rarely deltas of each other.
const SMALL_BUILD: usize = 32;

/// This many entry pages rendered or more, and the push sends its pack without looking
/// for deltas at all ([`crate::remote::Pack::Whole`]): libgit2's search would come on top
/// of its record of each of the hundreds of thousands of objects the pack holds.
const HUGE_BUILD: usize = 20_000;

/// How the pack of a push after a build that rendered `rendered` entry pages is made.
fn pack_for(rendered: usize) -> crate::remote::Pack {
    if rendered < SMALL_BUILD {
        crate::remote::Pack::NextCommitWhole
    } else if rendered < HUGE_BUILD {
        crate::remote::Pack::Deltas
    } else {
        crate::remote::Pack::Whole
    }
}

/// Return the heap memory freed so far to the system, after a build; `large` when it
/// rendered or held much ([`LARGE_BUILD`], [`MANY_ENTRIES`]). Allocators keep freed
/// memory for the process's next allocations, so a publish's phases would otherwise pile
/// up: at 100,000 entries the push's packing came on top of what the build had freed,
/// and anonymous memory peaked at 519 MB; 445 MB with this. wol's own allocations are
/// mimalloc's (`src/main.rs`), which hands freed pages back only on a later allocation
/// once its purge delay has passed, and the push allocates in libgit2, through glibc.
/// Handing back mimalloc's pages costs a system call per page run (10 ms after a
/// one-entry publish at 10,000 entries), for nothing when the build was small and so is
/// the push: the peak was then the build's, and is behind.
pub fn give_back_freed_memory(large: bool) {
    if large {
        // SAFETY: mi_collect takes no argument but a flag; it frees mimalloc's unused
        // pages, and is safe to call whichever allocator the process uses.
        #[allow(unsafe_code)]
        unsafe {
            libmimalloc_sys::mi_collect(true);
        }
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the heap to the kernel.
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Read every entry and decide, for each selected partner, what goes and what is held
/// back. `allow` are ids (`--allow-entry`) whose secret-scan hits are overridden; an id
/// that matches no entry is an error, so a typo never silently allows nothing. With
/// `write_caches` false (a dry run) nothing is written, not even to `.wol/cache/`.
pub fn plan(
    journal: &Journal,
    selected: &[String],
    allow: &[String],
    write_caches: bool,
) -> Result<Plan> {
    let never = scan::compile_never(&journal.config.publish.never)?;
    // What is published is what is committed: entries are read from HEAD's tree, not
    // the work tree, so an ignored file, a symlink, an uncommitted edit or a file a
    // concurrent `wol rm` is removing can never be published (or fail the publish).
    let t0 = std::time::Instant::now();
    let (files, mut attachments) = committed_entries(journal)?;
    crate::diag::debug(format_args!(
        "publish: committed entries listed after {:?}",
        t0.elapsed()
    ));
    let configs = selected
        .iter()
        .map(|name| match journal.config.partners.get(name) {
            Some(config) => Ok((name.clone(), config.clone())),
            None => Err(hinted(
                format!("there is no partner `{name}`"),
                "list partners with: wol partner list",
            )),
        })
        .collect::<Result<Vec<_>>>()?;
    // Each text is scanned as it is read, on the thread that reads it, when it goes to a
    // partner this publish is for (a sync conflict is held back later: scanned for
    // nothing, not missed). Texts scanned clean by an earlier publish (same patterns,
    // same wol) are not scanned again. No text is kept: at 100,000 entries they were
    // 74 MB of a first publish.
    let mut scanned = scanned::Scanned::load(journal, &journal.config.publish.never);
    let listed = files.len();
    let (loaded, from_cache) = load_committed(journal, files, write_caches, |c, bytes| {
        let decided: Vec<_> = configs
            .iter()
            .map(|(name, config)| c.decide(name, config))
            .collect();
        let outgoing = decided.iter().any(Result::is_ok);
        let scanned = (outgoing && !scanned.was_clean(c.blob))
            .then(|| scan::scan_entry(&String::from_utf8_lossy(bytes), &never));
        // Kept only with a scan's findings to hand on: otherwise the plan decides again
        // (quickly, and alike), as a box for every entry was 8 MB at 100,000 entries.
        if scanned.is_some() {
            c.judged = Some(Box::new(Judged { decided, scanned }));
        }
    });
    crate::diag::debug(format_args!(
        "publish: entries read after {:?} ({from_cache} of {} from the entry cache)",
        t0.elapsed(),
        listed
    ));
    let mut candidates = Vec::with_capacity(listed);
    let mut malformed = Vec::new();
    // Files under `entries/` that are no entry wol could read: their bytes go nowhere.
    let mut unreadable = crate::git::OidSet::default();
    for item in loaded.into_iter().flatten() {
        match item? {
            Loaded::Entry(mut c) => {
                if let Some(files) = attachments.remove(&crate::attach::dir_of(&c.path)) {
                    c.more().attachments = files.into_boxed_slice();
                }
                candidates.push(c)
            }
            Loaded::Malformed(e, blob) => {
                malformed.push(*e);
                unreadable.insert(blob);
            }
        }
    }
    // Newest first by date, then by path, whatever the file names say.
    candidates.sort_by(|a, b| {
        b.brief
            .date()
            .cmp(&a.brief.date())
            .then_with(|| b.path.cmp(&a.path))
    });

    // Each `--allow-entry` must name exactly one entry: an `id` in the front matter that
    // a copied entry shares must not wave through the copy's secrets too.
    for a in allow {
        let named: Vec<usize> = (0..candidates.len())
            .filter(|&i| {
                let c = &candidates[i];
                *a == c.id() || **a == *c.path || Some(a.as_str()) == c.brief.id()
            })
            .collect();
        match named[..] {
            [i] => candidates[i].allowed = true,
            [] => {
                return Err(hinted(
                    format!("--allow-entry {a}: no entry has that id"),
                    "give the entry's id as `wol list` prints it (the file name without .md)",
                ));
            }
            _ => {
                let files: Vec<&str> = named.iter().map(|&i| &*candidates[i].path).collect();
                return Err(hinted(
                    format!(
                        "--allow-entry {a}: {} entries have that id ({})",
                        named.len(),
                        files.join(", ")
                    ),
                    "name the one you mean by its file name without .md, as `wol list` prints it",
                ));
            }
        }
    }

    let conflicts = sync_conflicts(&candidates);
    let mut partners = Vec::new();
    for (k, (name, config)) in configs.into_iter().enumerate() {
        let mut include = Vec::new();
        let mut held = Vec::new();
        for (i, c) in candidates.iter_mut().enumerate() {
            let judged = c.judged.as_deref_mut().and_then(|j| j.decided.get_mut(k));
            let decided = match (conflicts.get(&i), judged) {
                (Some(with), _) => Err(audience::HeldBack::Conflict { with: with.clone() }),
                (None, Some(decided)) => std::mem::replace(decided, Ok(())),
                (None, None) => c.decide(&name, &config),
            };
            match decided {
                Ok(()) => include.push(i),
                Err(reason) => held.push((i, reason)),
            }
        }
        let mut unseen = unreadable.clone();
        for (i, why) in &held {
            if matches!(why, HeldBack::Private | HeldBack::NotAddressed { .. }) {
                let c = &candidates[*i];
                unseen.insert(c.blob);
                unseen.extend(c.attachments().iter().map(|(_, oid)| *oid));
            }
        }
        partners.push(PartnerPlan {
            name,
            config,
            include,
            held,
            unseen,
        });
    }
    // Taken: freed, not kept through the build (7 MB at 100,000 entries); what the reader
    // scanned waits for the scan below.
    let mut scanned_as_read: Vec<Option<Vec<scan::Hit>>> = candidates
        .iter_mut()
        .map(|c| c.judged.take().and_then(|j| j.scanned))
        .collect();

    crate::diag::debug(format_args!(
        "publish: audiences decided after {:?}",
        t0.elapsed()
    ));
    // Scan exactly what would leave: entries some selected partner would receive.
    let outgoing: BTreeSet<usize> = partners
        .iter()
        .flat_map(|p| p.include.iter().copied())
        .collect();
    for i in outgoing {
        let blob = candidates[i].blob;
        let mut hits = text_hits(
            scanned_as_read[i].take(),
            || scanned.clean(blob),
            || {
                let text = journal.repo()?.find_blob(blob).with_context(|| {
                    format!(
                        "cannot read {} from the journal's history",
                        candidates[i].path
                    )
                })?;
                Ok(text.content().to_vec())
            },
            &never,
        )?;
        if hits.is_empty() {
            scanned.found_clean(blob);
        }
        // The file name is published too (paths, URLs, feed ids): a codename in an old
        // slug leaks as surely as one in the text. Line 0 stands for the file name.
        for mut hit in scan::scan_text(&candidates[i].path, &never) {
            hit.line = 0;
            if !hits.contains(&hit) {
                hits.insert(0, hit);
            }
        }
        // Attachments leave with the entry: their names always, the text of those that
        // are text. They are named by number, since a name may hold the secret.
        for (n, (name, oid)) in candidates[i].attachments().iter().enumerate() {
            let found = scan::scan_text(name, &never).into_iter().map(|h| (0, h));
            let text = attachment_text(journal.repo()?, *oid);
            let inside = text
                .iter()
                .flat_map(|t| scan::scan_text(t, &never))
                .map(|h| (h.line, h));
            for (line, hit) in found.chain(inside) {
                let hit = scan::Hit {
                    line,
                    attachment: Some(n + 1),
                    ..hit
                };
                if !hits.contains(&hit) {
                    hits.push(hit);
                }
            }
        }
        if !hits.is_empty() {
            let c = &candidates[i];
            let redacted = (
                scan::redact(c.id(), &never),
                scan::redact(c.brief.title(), &never),
            );
            candidates[i].more().flagged = Some(Flagged { hits, redacted });
        }
    }
    if write_caches {
        scanned.save();
    }
    for p in &mut partners {
        let mut include = Vec::with_capacity(p.include.len());
        for &i in &p.include {
            if candidates[i].blocked() {
                p.held.push((
                    i,
                    HeldBack::Secret {
                        hits: candidates[i].hits().to_vec(),
                    },
                ));
            } else {
                include.push(i);
            }
        }
        p.include = include;
        p.held.sort_by_key(|(i, _)| *i);
    }
    Ok(Plan {
        candidates: std::sync::Arc::new(candidates),
        malformed,
        partners,
    })
}

/// The entries `wol sync` left in conflict: each conflict copy
/// (`<stem>.conflict-<8 hex>.md`, see `sync::merge`) and the entry it is a copy of, with
/// the path of the other one.
fn sync_conflicts(candidates: &[Box<Candidate>]) -> std::collections::HashMap<usize, String> {
    let mut out = std::collections::HashMap::new();
    // Made only when there is a conflict copy: nearly always there is none.
    let mut by_path: Option<foldhash::HashMap<&str, usize>> = None;
    for (i, c) in candidates.iter().enumerate() {
        let Some((stem, hash)) = c
            .path
            .strip_suffix(".md")
            .and_then(|p| p.rsplit_once(".conflict-"))
        else {
            continue;
        };
        if hash.len() != 8 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let original = format!("{stem}.md");
        out.insert(i, original.clone());
        let by_path = by_path.get_or_insert_with(|| {
            candidates
                .iter()
                .enumerate()
                .map(|(i, c)| (&*c.path, i))
                .collect()
        });
        if let Some(&o) = by_path.get(original.as_str()) {
            out.insert(o, c.path.to_string());
        }
    }
    out
}

/// One entry file, read.
enum Loaded {
    Entry(Box<Candidate>),
    /// A file that is no entry wol could read, and its blob. (Boxed, as the rare case:
    /// every file of the journal is one of these while it is read.)
    Malformed(Box<LoadError>, Oid),
}

/// Attachment folders by path (`entries/YYYY/MM/<id>`): each file's name and blob.
pub type Attachments = std::collections::HashMap<String, Vec<(String, Oid)>>;

/// The names of `attachments` (an entry's) that publish holds back: photos whose
/// location data wol cannot check or remove (see [`crate::attach::published_bytes`]).
pub fn withheld_attachments(repo: &git2::Repository, attachments: &[(String, Oid)]) -> Vec<String> {
    attachments
        .iter()
        .filter(|(name, oid)| {
            repo.find_blob(*oid).map_or(true, |b| {
                crate::attach::published_bytes(name, b.content()).is_none()
            })
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// The entry files HEAD holds under `entries/`: regular files named `*.md` directly in a
/// month folder (`entries/YYYY/MM/`), with their blob ids; and the files in the folders
/// beside them (`entries/YYYY/MM/<id>/`), which are attachments, never entries. A symlink
/// or submodule is skipped with a warning.
pub fn committed_entries(journal: &Journal) -> Result<(Vec<(String, Oid)>, Attachments)> {
    let repo = journal.repo()?;
    let mut attachments = Attachments::new();
    // A detached HEAD (a rebase, a bisect, an old commit checked out) says nothing
    // about which branch holds the entries: publishing "no branch" as "no entries" would
    // empty every partner's log.
    let branch = crate::git::head_branch(repo).map_err(|_| {
        let dir = journal.root.display();
        crate::error::hinted(
            format!(
                "HEAD of {dir} is detached (a rebase or bisect under way, or an old commit \
                 checked out), so wol cannot tell which branch holds your entries; nothing was \
                 published"
            ),
            format!(
                "finish the rebase or bisect (git -C {dir} rebase --continue, git -C {dir} \
                 bisect reset) or check out your branch (git -C {dir} switch main), then publish \
                 again"
            ),
        )
    })?;
    let Some(commit) = crate::git::branch_commit(repo, &branch)? else {
        return Ok((Vec::new(), attachments));
    };
    let tree = commit.tree()?;
    let entries = match tree.get_name(crate::journal::ENTRIES_DIR) {
        Some(e) if e.kind() == Some(ObjectType::Tree) => repo.find_tree(e.id())?,
        _ => return Ok((Vec::new(), attachments)),
    };
    let mut files = Vec::new();
    entries.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
        let name = e.name().unwrap_or("");
        if e.kind() == Some(ObjectType::Tree) {
            // Nothing below an attachment folder is published.
            return if dir.matches('/').count() >= 3 {
                git2::TreeWalkResult::Skip
            } else {
                git2::TreeWalkResult::Ok
            };
        }
        // `YYYY/MM/` holds entries, `YYYY/MM/<id>/` an entry's attachments.
        let depth = dir.matches('/').count();
        if depth != 2 && depth != 3 || (depth == 2 && !name.ends_with(".md")) {
            return git2::TreeWalkResult::Ok;
        }
        // (Put together by hand: `format!` for each of 100,000 paths shows in a profile.)
        let path = [crate::journal::ENTRIES_DIR, "/", dir, name].concat();
        let regular = e.kind() == Some(ObjectType::Blob)
            && matches!(
                e.filemode(),
                m if m == i32::from(git2::FileMode::Blob) || m == i32::from(git2::FileMode::BlobExecutable)
            );
        if !regular {
            crate::error::warn(
                format!("{path} is not a regular file (a symlink?), so it is never published"),
                None,
            );
        } else if depth == 2 {
            files.push((path, e.id()));
        } else {
            let folder = format!("{}/{}", crate::journal::ENTRIES_DIR, dir.trim_end_matches('/'));
            attachments
                .entry(folder)
                .or_default()
                .push((name.to_string(), e.id()));
        }
        git2::TreeWalkResult::Ok
    })?;
    Ok((files, attachments))
}

/// The text of an attachment for the secret scan: valid UTF-8 without NUL bytes, at most
/// 1 MB; `None` for anything else (images, PDFs, archives).
fn attachment_text(repo: &git2::Repository, oid: Oid) -> Option<String> {
    let blob = repo.find_blob(oid).ok()?;
    if blob.size() > 1_000_000 || blob.is_binary() {
        return None;
    }
    String::from_utf8(blob.content().to_vec()).ok()
}

/// Read and parse the committed entry files `files` (in that order, a folder's files to a
/// list), the month folders shared out over the cores. A file the entry cache holds — the
/// work-tree file, unchanged since the cache read it — is taken from there when the blob
/// id the cache hashed of its bytes is the committed one: the same bytes, without
/// inflating the blob, and their front matter as the cache parsed them (one record holds
/// the bytes and what this build, with this schema, parsed from them). Any other file
/// (edited or removed in the work tree since the commit, a folder that is not `YYYY/MM`)
/// is read from git and parsed here. Each entry is handed to `judge` with those bytes, on
/// the thread that read it. Also says how many were parsed by the cache.
fn load_committed(
    journal: &Journal,
    files: Vec<(String, Oid)>,
    write_caches: bool,
    judge: impl Fn(&mut Candidate, &[u8]) + Sync,
) -> (Vec<Vec<Result<Loaded>>>, usize) {
    // Consecutive files of one folder (the tree walk gives them in order), each folder
    // taken by the thread that reads it: each path moves into its entry, not copied
    // (6.7 MB at 100,000 entries).
    let mut months: Vec<std::sync::Mutex<Vec<(String, Oid)>>> = Vec::new();
    for (path, oid) in files {
        match months
            .last_mut()
            .map(|m| m.get_mut().expect("not shared yet"))
        {
            Some(month) if same_folder(&month[0].0, &path) => month.push((path, oid)),
            _ => months.push(std::sync::Mutex::new(vec![(path, oid)])),
        }
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
        .min(months.len().max(1));
    let (root, schema) = (journal.root.as_path(), journal.config.schema());
    let cache = journal.entry_cache();
    if !write_caches {
        cache.read_only();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let from_cache = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Vec<Result<Loaded>>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut repo = None;
                    let mut out = Vec::new();
                    loop {
                        let m = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(month) = months.get(m) else { break };
                        let part = std::mem::take(
                            &mut *month
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner),
                        );
                        let month = month_numbers(&part[0].0).map(|(year, month)| {
                            let folder = part[0].0.rsplit_once('/').map_or("", |(d, _)| d);
                            let dir = root.join(folder);
                            cache.month(year, month, &dir)
                        });
                        let loaded = part
                            .into_iter()
                            .map(|(rel, oid)| {
                                // The work-tree file (when its month is one the cache
                                // keeps): the committed bytes when it is unchanged.
                                let name = rel.rsplit('/').next().unwrap_or(&rel);
                                let found = month.as_ref().map(|m| (m, m.find(name.as_bytes())));
                                let work = found.map(|(m, i)| i.map(|i| m.bytes(i)));
                                // Whether those are the committed bytes, by the id the
                                // cache hashed when it read them.
                                let same = found.and_then(|(m, i)| m.blob_id(i?)) == Some(oid);
                                let uncommitted = match work {
                                    None | Some(Some(Some(_))) => None,
                                    Some(None) => Some(Uncommitted::Removed),
                                    Some(Some(None)) => Some(Uncommitted::Unreadable),
                                };
                                let blob;
                                let (bytes, uncommitted, cached) = match work.flatten().flatten() {
                                    Some(bytes) if same => {
                                        (bytes, None, found.and_then(|(m, i)| Some((m, i?))))
                                    }
                                    work => {
                                        let uncommitted = uncommitted
                                            .or_else(|| work.map(|bytes| changed(bytes, &schema)));
                                        let repo = match &mut repo {
                                            Some(repo) => repo,
                                            None => repo.insert(git2::Repository::open(root)?),
                                        };
                                        blob = repo.find_blob(oid).with_context(|| {
                                            format!("cannot read {rel} from the journal's history")
                                        })?;
                                        (blob.content(), uncommitted, None)
                                    }
                                };
                                // Bytes proven to be the committed ones, parsed: by the
                                // cache when it holds them (its record's fields were
                                // parsed from those very bytes, by this build, with this
                                // schema), else here.
                                let parsed = match cached {
                                    Some((month, i)) => {
                                        from_cache
                                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                        month.meta_and_parts(i).map_or_else(
                                            || month.load(i).map(with_parts).map_err(|e| e.error),
                                            Ok,
                                        )
                                    }
                                    None => Entry::parse(bytes, &schema).map(with_parts),
                                };
                                let mut item = loaded(rel, oid, parsed);
                                if let Loaded::Entry(c) = &mut item {
                                    if uncommitted.is_some() {
                                        c.more().uncommitted = uncommitted;
                                    }
                                    judge(c, bytes);
                                }
                                Ok(item)
                            })
                            .collect();
                        out.push((m, loaded));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("an entry reader thread panicked"))
            .collect()
    });
    // In the order of the files, a folder at a time: not gathered into one more list of
    // every file's result on top of the folders'.
    done.sort_unstable_by_key(|(m, _)| *m);
    let loaded = done.into_iter().map(|(_, l)| l).collect();
    (loaded, from_cache.into_inner())
}

/// An entry's front matter, and the parts of its body a publish shows.
fn with_parts(entry: Entry) -> (Meta, BodyParts) {
    let parts = BodyParts::of(&entry);
    (entry.meta, parts)
}

/// What the work-tree `bytes` of an entry, which differ from the commit, say now.
fn changed(bytes: &[u8], schema: &Schema<'_>) -> Uncommitted {
    match Entry::parse(bytes, schema) {
        Ok(entry) => Uncommitted::Changed {
            tags: entry.all_tags(),
            meta: Box::new(entry.meta),
        },
        Err(_) => Uncommitted::Unreadable,
    }
}

/// Whether two entry paths are in the same folder.
fn same_folder(a: &str, b: &str) -> bool {
    a.rsplit_once('/').map(|(d, _)| d) == b.rsplit_once('/').map(|(d, _)| d)
}

/// The year and month of an entry path `entries/YYYY/MM/…`, when its folders are named
/// as wol names them (the entry cache keeps one file per such month).
fn month_numbers(rel: &str) -> Option<(u32, u32)> {
    let mut parts = rel.split('/').skip(1);
    let (y, m) = (parts.next()?, parts.next()?);
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4) && digits(m, 2)) {
        return None;
    }
    Some((y.parse().ok()?, m.parse().ok()?))
}

/// The secret-scan hits of the text of an entry that goes out: those found as it was
/// read (`as_read`), none when it was scanned clean before, else those found now in its
/// text, `read` again from git. The reader and the plan decide alike who gets an entry,
/// so that last is a safety net.
fn text_hits(
    as_read: Option<Vec<scan::Hit>>,
    clean_before: impl FnOnce() -> bool,
    read: impl FnOnce() -> Result<Vec<u8>>,
    never: &[scan::Rule],
) -> Result<Vec<scan::Hit>> {
    Ok(match as_read {
        Some(hits) => hits,
        None if clean_before() => Vec::new(),
        None => scan::scan_entry(&String::from_utf8_lossy(&read()?), never),
    })
}

/// The entry file `rel` (blob `oid`), `parsed` from the committed blob's bytes (read from
/// git, or from the entry cache and checked against the blob id). What decides who gets
/// an entry is always parsed from bytes proven to be the committed ones.
fn loaded(
    rel: String,
    oid: Oid,
    parsed: Result<(Meta, BodyParts), crate::entry::ParseError>,
) -> Loaded {
    let (meta, parts) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            return Loaded::Malformed(
                Box::new(LoadError {
                    path: PathBuf::from(rel),
                    error,
                }),
                oid,
            );
        }
    };
    Loaded::Entry(Box::new(Candidate {
        path: rel.into_boxed_str(),
        blob: oid,
        brief: Brief::new(&meta, &parts),
        allowed: false,
        judged: None,
        more: None,
    }))
}

/// What publishing to one partner did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A new published commit was pushed.
    Pushed,
    /// Nothing changed since the last publish (pushed again in case that push failed).
    Unchanged,
}

/// The outcome of [`publish_partner`].
#[derive(Debug)]
pub struct Outcome {
    pub status: Status,
    pub commit: Option<Oid>,
    pub entries: usize,
    pub rendered: usize,
    pub reused: usize,
    /// Entries this partner had and no longer gets ([`tree::Built::withdrawn`]).
    pub withdrawn: Vec<String>,
    /// Built on what another machine of this journal published ([`adopt`]): entries
    /// withdrawn may be ones it published that are not synced here yet.
    pub other_machine: bool,
    /// The branch was new on the remote (a new address, an emptied remote), which got
    /// what is published now as a history of its own: the text of entries withdrawn
    /// since the last publish is not in it, only in the history published before.
    pub fresh_history: bool,
}

/// What every partner's publish shares.
pub struct Publisher<'a> {
    pub journal: &'a Journal,
    pub site: &'a Site,
    pub sig: &'a git2::Signature<'static>,
    /// The author, for shared-mode commit messages.
    pub author: &'a str,
    /// The folder name in shared community repos (`logs/<slug>/`).
    pub slug: String,
    pub today: chrono::NaiveDate,
    /// "Now": the `updated` time of entries whose published text changed.
    pub now: chrono::DateTime<chrono::FixedOffset>,
    /// Show push progress on a terminal.
    pub progress: bool,
}

/// Build `partner`'s published tree from the plan, commit it on
/// `refs/wol/published/<partner>` and push it. Shared mode fetches the community branch
/// first and retries (up to three times) when someone pushed in between. Own mode builds
/// on the partner's branch when another machine of this journal published there since
/// this one did ([`adopt`]), and refuses anyone else's commits.
pub fn publish_partner(
    cx: &Publisher<'_>,
    plan: &Plan,
    partner: &PartnerPlan,
    cache: &mut cache::Cache,
) -> Result<Outcome> {
    use crate::config::PartnerMode;
    use crate::remote::{self, PushMode, RemoteError};
    let repo = cx.journal.repo()?;
    let given: Vec<&Candidate> = partner
        .include
        .iter()
        .map(|&i| &*plan.candidates[i])
        .collect();
    let digests = tree::digest_files(cx.journal, &given, &partner.name, cx.today)?;
    let site = cx.site.for_partner(partner.config.site.as_deref())?;
    let shared = partner.config.mode == PartnerMode::Shared;
    let local_ref = published_ref(&partner.name);
    // What this partner got last time (our own folder of a community repo).
    let previous = repo
        .find_reference(&local_ref)
        .and_then(|r| r.peel_to_tree())
        .ok()
        .and_then(|t| {
            if !shared {
                return Some(t);
            }
            let entry = t
                .get_path(Path::new(&format!("{}/{}", shared::LOGS, cx.slug)))
                .ok()?;
            repo.find_tree(entry.id()).ok()
        });
    let schema = cx.journal.config.schema();
    let build = |previous, digests, cache: &mut cache::Cache| {
        tree::build(
            tree::Inputs {
                repo,
                plan: partner,
                candidates: &plan.candidates,
                site: &site,
                kinds: &cx.journal.config.kinds,
                schema: &schema,
                digests,
                previous,
                now: cx.now,
                previous_cache: Some(kept_file(cx.journal, &partner.name)),
            },
            cache,
        )
    };
    let previous_id = previous.as_ref().map(|t| t.id());
    // The tree of the last build, when it would be built again ([`reuse`]).
    let key = reuse::key(&reuse::Inputs {
        site: &site,
        partner,
        candidates: &plan.candidates,
        kinds: &cx.journal.config.kinds,
        schema: &schema,
        digests: &digests,
    });
    let last_build = reuse::file(cx.journal, &partner.name);
    let last = reuse::last(&last_build, key, previous_id);
    let mut built = match last {
        Some(last) if !reuse::checked() => {
            drop(previous);
            crate::diag::info(format_args!(
                "publish: {}: nothing a build reads changed since the last one; its tree is \
                 taken as it is",
                partner.name
            ));
            cache.keep_unused();
            for warning in &last.warnings {
                warning.say();
            }
            tree::Built {
                tree: previous_id.expect("a last build is taken only on its own tree"),
                entries: partner.include.len(),
                rendered: 0,
                reused: partner.include.len(),
                withdrawn: Vec::new(),
                keeping: None,
                warnings: last.warnings,
            }
        }
        last => {
            let built = build(previous, digests, cache)?;
            if let Some(last) = &last {
                reuse::check(last, &built)?;
            }
            reuse::keep(&last_build, key, &built);
            built
        }
    };
    // After a large build, or one of many entries, the kept file is written first: the
    // push of many objects is what peaks, and the folders built (and the blobs the build
    // knew) must be freed before it. (At 100,000 entries a one-entry publish's push came
    // on top of the 7 MB of folders the writer still walked.)
    if built.rendered >= LARGE_BUILD || built.entries >= MANY_ENTRIES {
        built.keeping = None;
        cache.forget_known();
    }
    let _ = std::fs::remove_file(old_times_file(cx.journal, &partner.name));
    // The pages and views the build held (or, when its tree was taken, what the plan
    // read its entries with) are freed; hand that memory back before the push packs the
    // new objects, which would otherwise come on top of it.
    give_back_freed_memory(built.rendered >= LARGE_BUILD || built.entries >= MANY_ENTRIES);
    // Built again on `base`, what another machine of this journal published there (the
    // partner's whole tree, or our folder of a community repo) since this one last did:
    // entries keep the `updated` times and feed ids it gave them, and `withdrawn` names
    // what the partner has that this machine does not publish.
    let build_on = |base: Oid, cache: &mut cache::Cache| -> Result<tree::Built> {
        let digests = tree::digest_files(cx.journal, &given, &partner.name, cx.today)?;
        let built = build(Some(repo.find_tree(base)?), digests, cache)?;
        reuse::keep(&last_build, key, &built);
        Ok(built)
    };
    let mut outcome = Outcome {
        status: Status::Pushed,
        commit: None,
        entries: built.entries,
        rendered: built.rendered,
        reused: built.reused,
        withdrawn: std::mem::take(&mut built.withdrawn),
        other_machine: false,
        fresh_history: false,
    };
    keep_withdrawn(cx.journal, &partner.name, &outcome.withdrawn);
    let url = remote::resolve_url(&partner.config.url, &cx.journal.root);
    let push = |mode, pack| {
        remote::push(
            repo,
            &url,
            &local_ref,
            &partner.config.branch,
            cx.progress.then_some(partner.name.as_str()),
            mode,
            pack,
        )
    };
    if shared {
        let message = format!("wol publish: {} ({} entries)", cx.author, built.entries);
        let journal_id = &cx.site.info.journal_id;
        let mut previous = previous_id;
        let mut attempt = 0;
        loop {
            attempt += 1;
            // A ref left from an earlier fetch must not stand in for a branch that is gone.
            if let Ok(mut r) = repo.find_reference(&local_ref) {
                r.delete()?;
            }
            let base = remote::fetch(repo, &url, &partner.config.branch, &local_ref)?;
            // Our folder there is not what this machine published last when another machine
            // of this journal published since (`wol sync` does not carry the published
            // refs), or this machine's last push failed: built again on what is there.
            let theirs = match base {
                Some(base) => shared::own_folder(repo, base, &cx.slug, journal_id)?,
                None => None,
            };
            if let Some(folder) = theirs
                && Some(folder) != previous
            {
                // (One kept file at a time: the new build's must be the one that stays.)
                built.keeping = None;
                built = build_on(folder, cache)?;
                previous = Some(folder);
                outcome.rendered += built.rendered;
                outcome.reused = built.reused;
                outcome.withdrawn = std::mem::take(&mut built.withdrawn);
                outcome.other_machine = true;
                keep_withdrawn(cx.journal, &partner.name, &outcome.withdrawn);
            }
            let tree = shared::compose(repo, base, &cx.slug, journal_id, built.tree)?;
            let new = shared::commit(repo, &local_ref, base, tree, cx.sig, &message)?;
            outcome.commit = repo.refname_to_id(&local_ref).ok();
            if new.is_none() {
                outcome.status = Status::Unchanged;
                return Ok(outcome);
            }
            match push(PushMode::FastForward, pack_for(built.rendered)) {
                Err(RemoteError::NonFastForward { .. }) if attempt < 3 => continue,
                Err(e) => return Err(e.into()),
                Ok(_) => return Ok(outcome),
            }
        }
    }
    let new = tree::commit(repo, &partner.name, built.tree, cx.sig, built.entries)?;
    if new.is_none() {
        outcome.status = Status::Unchanged;
    }
    // Push even when unchanged: a push that failed last time is retried, and an
    // up-to-date remote costs one round trip.
    let mut attempt = 0;
    loop {
        attempt += 1;
        match push(PushMode::NoHistoryToNewBranch, pack_for(outcome.rendered)) {
            Err(RemoteError::NewBranch { .. }) => {
                // The branch is new there: a new remote, one emptied, or a partner added
                // again under a name published before. It gets what is published now as
                // one commit, never the history made for elsewhere, which may hold
                // entries since made private or held back.
                tree::restart(repo, &partner.name, cx.sig, outcome.entries)?;
                outcome.status = Status::Pushed;
                push(PushMode::FastForward, pack_for(outcome.rendered))?;
                outcome.fresh_history = true;
            }
            // Nothing new was committed, but the branch there moved: the commit a
            // failed push left behind has now reached the partner.
            Ok(true) => outcome.status = Status::Pushed,
            // The branch moved on without this machine: another machine of this journal
            // published there (`wol sync` does not carry the published refs). Built on
            // once it proves to be this journal's; anyone else's is refused.
            Err(RemoteError::NonFastForward { .. }) if attempt < 3 => {
                let fetched = adopt::fetched_ref(&partner.name);
                let remove = || match repo.find_reference(&fetched) {
                    Ok(mut r) => r.delete(),
                    Err(_) => Ok(()),
                };
                remove()?;
                let theirs = remote::fetch(repo, &url, &partner.config.branch, &fetched);
                remove()?;
                // Gone since the push: the next push starts it afresh.
                let Some(theirs) = theirs? else { continue };
                let shown = remote::redact_url(&url);
                let branch = adopt::Branch {
                    partner: &partner.name,
                    url: &shown,
                    name: &partner.config.branch,
                };
                let ours = repo.refname_to_id(&local_ref).ok();
                let journal_id = &cx.site.info.journal_id;
                adopt::check(repo, theirs, ours, journal_id, &branch)?;
                crate::diag::info(format_args!(
                    "publish: {} ({}) holds this journal's log published from another \
                     machine; building on it",
                    shown, partner.config.branch
                ));
                built.keeping = None;
                let built = build_on(repo.find_commit(theirs)?.tree_id(), cache)?;
                let new = tree::adopt(
                    repo,
                    &partner.name,
                    theirs,
                    built.tree,
                    cx.sig,
                    built.entries,
                )?;
                outcome = Outcome {
                    status: if new.is_some() {
                        Status::Pushed
                    } else {
                        Status::Unchanged
                    },
                    commit: None,
                    entries: built.entries,
                    rendered: outcome.rendered + built.rendered,
                    reused: built.reused,
                    withdrawn: built.withdrawn,
                    other_machine: true,
                    fresh_history: false,
                };
                keep_withdrawn(cx.journal, &partner.name, &outcome.withdrawn);
                continue;
            }
            pushed => {
                pushed?;
            }
        }
        break;
    }
    outcome.commit = Some(repo.refname_to_id(&local_ref)?);
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// An entry's id is what `Path::file_stem` makes of its path, whatever the path.
        #[test]
        fn an_id_is_the_file_stem(path in "[a./]{0,10}(md)?") {
            let std = Path::new(&path)
                .file_stem()
                .and_then(std::ffi::OsStr::to_str)
                .unwrap_or_default();
            proptest::prop_assert_eq!(file_stem(&path), std);
        }
    }

    /// A text the reader did not scan, and no earlier publish found clean, is scanned
    /// all the same, from what git has (the safety net the publish tests never reach,
    /// since the reader and the plan decide alike).
    #[test]
    fn a_text_not_scanned_as_read_is_scanned_from_git() {
        let secret = format!(
            "+++\ntitle = \"x\"\n+++\ntoken ghp_{}\n",
            "FAKE0".repeat(7) + "F"
        );
        let read = || Ok(secret.clone().into_bytes());
        let hits = text_hits(None, || false, read, &[]).unwrap();
        assert!(!hits.is_empty(), "the secret was not found");
        // Scanned as read: what the reader found stands, git is not read again.
        let never_read = || -> Result<Vec<u8>> { panic!("read again") };
        assert!(
            text_hits(Some(Vec::new()), || false, never_read, &[])
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            text_hits(Some(hits.clone()), || true, never_read, &[]).unwrap(),
            hits
        );
        // Clean before: nothing to read.
        assert!(
            text_hits(None, || true, never_read, &[])
                .unwrap()
                .is_empty()
        );
        // A text that cannot be read is an error, not a clean text.
        let unreadable = || -> Result<Vec<u8>> { anyhow::bail!("gone") };
        assert!(text_hits(None, || false, unreadable, &[]).is_err());
    }
}
