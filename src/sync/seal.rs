//! Sealed history: one sealed commit for each plain commit, and back.
//!
//! A sealed commit's tree holds every shareable entry (public or for partners, see
//! [`crate::audience::shareable`]) as the very same blob at the very same path, and every
//! other file as `sealed/<keyed hash of its path>.age`: an age file holding the real
//! path, mode and content. `sealed/commit.age` holds the plain commit's raw bytes (tree,
//! parents, author, committer, dates, message) and the journal's sync key. The sealed
//! commit's own message only counts files, and names recipients and the sync key by
//! fingerprint.
//!
//! The sync key is the one that named the remote's files: a machine takes it from the
//! sealed commit it fetched (`.wol/sync/key` only keeps it). `remove-recipient` rotates
//! it, since the removed machine holds it: the new key waits in `.wol/sync/key.next` until
//! the whole history, sealed anew under it, is on the remote; only then does it become
//! `.wol/sync/key`. Until then every sync seals everything anew under the new key, so a
//! rotation cut short by a crash or a lost connection is finished by the next sync, and
//! a machine that missed it takes the new key from the first sealed commit it fetches.
//!
//! Unsealing rebuilds the plain tree from the sealed one, checks that it is the tree the
//! raw commit names, and writes the raw commit unchanged: every machine derives the very
//! same plain commit ids, so plain histories agree and git's merge base works on them.
//!
//! Sealing is stable: `.wol/sync/map` remembers which sealed blob holds which plain
//! blob at which path (and for which recipients), so unchanged content is never sealed
//! twice. The map is a cache: lost, it is rebuilt by opening the sealed files.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow};
use git2::{Commit, ObjectType, Oid, Repository, Tree};

use super::keys::{self, Identities, Recipient};
use crate::config::JournalConfig;
use crate::entry::Entry;
use crate::error::hinted;
use crate::git::{self, TreeEdits};

/// Where sealed files live in a sealed tree.
pub const SEALED_DIR: &str = "sealed";
/// The sealed commit metadata in a sealed tree.
pub const META_PATH: &str = "sealed/commit.age";
const FILE_MAGIC: &str = "wol-sealed-file 1\n";
const META_MAGIC: &str = "wol-sealed-commit 1\n";
const MAP_FILE: &str = "map";
const KEY_FILE: &str = "key";
/// The sync key a rotation seals to until the remote holds what it sealed.
const NEXT_KEY_FILE: &str = "key.next";

/// A sealed file as it was before sealing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub path: String,
    pub blob: Oid,
    pub mode: i32,
}

/// The sealer and unsealer of one journal, with its maps.
pub struct Sealer<'r> {
    repo: &'r Repository,
    dir: PathBuf,
    /// The key that names sealed files (during a rotation, the new one).
    key: Option<Vec<u8>>,
    /// `key` differs from `.wol/sync/key` and is to be written there.
    key_unsaved: bool,
    /// `.wol/sync/key.next` exists: `key` is the key of a rotation.
    rotating: bool,
    /// The rotation's key names the remote's head: it only remains to make it the key.
    rotation_landed: bool,
    /// plain commit → sealed commit
    pub sealed_of: HashMap<Oid, Oid>,
    /// sealed commit → plain commit
    pub plain_of: HashMap<Oid, Oid>,
    /// (path, plain blob, mode, recipients fingerprint) → sealed blob
    blobs: HashMap<(String, Oid, i32, String), Oid>,
    /// sealed blob → what it holds
    opened: HashMap<Oid, Opened>,
    /// Map lines not yet written.
    pending: Vec<String>,
    /// Things the person should know (a file sealed after it was plain).
    pub warnings: Vec<String>,
    /// Recipients this machine knows (from `wol.toml`): error messages name them by key
    /// rather than by fingerprint.
    pub known_keys: Vec<String>,
    /// Fingerprints of retired sync keys (`[sync] retired_keys`), never taken or used.
    pub retired: Vec<String>,
}

/// Where a rotation of the sync key stands (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// No rotation has begun.
    None,
    /// A rotation has begun: the remote's history is still named with the old key.
    Pending,
    /// The remote's head is named with the rotation's key: [`Sealer::finish_rotation`].
    Landed,
}

/// Begin a rotation of the sync key kept in `dir` (`.wol/sync/`): a new random key is
/// written to `key.next`, unless a rotation is pending already (its key is kept, so that
/// a rotation interrupted after its push is recognised). Returns whether one began.
pub fn begin_rotation(dir: &Path) -> Result<bool> {
    let path = dir.join(NEXT_KEY_FILE);
    if read_key(&path).is_some() {
        return Ok(false);
    }
    let key = keys::new_sync_key();
    crate::journal::write_atomic(&path, format!("{}\n", keys::to_hex(&key)).as_bytes())?;
    Ok(true)
}

/// The refusal of a remote whose newest commit names a retired sync key `id`.
fn retired_key(id: &str) -> anyhow::Error {
    hinted(
        format!(
            "the sync remote's newest commit is sealed under a sync key this journal retired (fingerprint {id}) when wol sync remove-recipient removed a machine: the remote was put back to an older state, or a removed machine pushed to it; wol sync does not take that key back"
        ),
        "make sure no removed machine can push to the remote, then run: wol sync --rotate-key (it seals the whole history anew under a new key and replaces the remote's branch)",
    )
}

/// The fingerprint of the key kept in `dir` (`.wol/sync/key`), if any.
pub fn current_key_id(dir: &Path) -> Option<String> {
    read_key(&dir.join(KEY_FILE)).map(|k| keys::key_id(&k))
}

/// Undo [`begin_rotation`] (the change it was for did not happen).
pub fn abandon_rotation(dir: &Path) -> Result<()> {
    let path = dir.join(NEXT_KEY_FILE);
    match fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
    }
}

fn read_key(path: &Path) -> Option<Vec<u8>> {
    fs::read_to_string(path)
        .ok()
        .and_then(|hex| keys::from_hex(hex.trim()))
        .filter(|k| !k.is_empty())
}

/// The recipients files are sealed to, and their fingerprint.
pub struct SealTo {
    pub recipients: Vec<Recipient>,
    pub keys: Vec<String>,
    pub fingerprint: String,
}

impl SealTo {
    pub fn new(keys: &[String]) -> Result<SealTo> {
        Ok(SealTo {
            recipients: keys::recipients(keys)?,
            keys: keys.to_vec(),
            fingerprint: keys::fingerprint(keys),
        })
    }
}

impl<'r> Sealer<'r> {
    /// Load the maps and key kept in `dir` (`.wol/sync/`).
    pub fn open(repo: &'r Repository, dir: &Path) -> Result<Sealer<'r>> {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut s = Sealer {
            repo,
            dir: dir.to_path_buf(),
            key: None,
            key_unsaved: false,
            rotating: false,
            rotation_landed: false,
            sealed_of: HashMap::new(),
            plain_of: HashMap::new(),
            blobs: HashMap::new(),
            opened: HashMap::new(),
            pending: Vec::new(),
            warnings: Vec::new(),
            known_keys: Vec::new(),
            retired: Vec::new(),
        };
        s.key = read_key(&dir.join(KEY_FILE));
        if let Some(next) = read_key(&dir.join(NEXT_KEY_FILE)) {
            s.key = Some(next);
            s.rotating = true;
        }
        if let Ok(text) = fs::read_to_string(dir.join(MAP_FILE)) {
            for line in text.lines() {
                // A line torn by a crash, or one from a newer wol, is skipped: the map is
                // a cache and every entry in it can be found again.
                let _ = s.load_line(line);
            }
        }
        Ok(s)
    }

    fn load_line(&mut self, line: &str) -> Option<()> {
        let mut parts = line.splitn(6, ' ');
        match parts.next()? {
            "c" => {
                let plain = Oid::from_str(parts.next()?).ok()?;
                let sealed = Oid::from_str(parts.next()?).ok()?;
                self.sealed_of.insert(plain, sealed);
                self.plain_of.insert(sealed, plain);
            }
            "b" => {
                let sealed = Oid::from_str(parts.next()?).ok()?;
                let blob = Oid::from_str(parts.next()?).ok()?;
                let mode = i32::from_str_radix(parts.next()?, 8).ok()?;
                let fp = parts.next()?.to_string();
                let path: String = serde_json::from_str(parts.next()?).ok()?;
                self.remember_blob(sealed, Opened { path, blob, mode }, &fp, false);
            }
            _ => return None,
        }
        Some(())
    }

    fn remember_blob(&mut self, sealed: Oid, opened: Opened, fp: &str, record: bool) {
        if record {
            self.pending.push(format!(
                "b {sealed} {} {:o} {fp} {}",
                opened.blob,
                opened.mode,
                serde_json::to_string(&opened.path).expect("a string serialises")
            ));
        }
        self.blobs.insert(
            (
                opened.path.clone(),
                opened.blob,
                opened.mode,
                fp.to_string(),
            ),
            sealed,
        );
        self.opened.insert(sealed, opened);
    }

    fn remember_commit(&mut self, plain: Oid, sealed: Oid) {
        self.pending.push(format!("c {plain} {sealed}"));
        self.sealed_of.insert(plain, sealed);
        self.plain_of.insert(sealed, plain);
    }

    /// Forget every sealed commit and blob made for this machine's history (the opened
    /// blobs stay known): the next [`Sealer::seal_history`] seals everything anew, for a
    /// new set of recipients.
    pub fn forget_sealing(&mut self) {
        self.sealed_of.clear();
        self.blobs.clear();
    }

    /// Write what this run learned to `.wol/sync/` (the map appended; the key when it is
    /// new or was taken from the remote, never a rotation's before it landed).
    pub fn save(&mut self) -> Result<()> {
        if self.key_unsaved
            && !self.rotating
            && let Some(key) = &self.key
        {
            let path = self.dir.join(KEY_FILE);
            crate::journal::write_atomic(&path, format!("{}\n", keys::to_hex(key)).as_bytes())?;
            self.key_unsaved = false;
        }
        if self.pending.is_empty() {
            return Ok(());
        }
        let path = self.dir.join(MAP_FILE);
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut text = self.pending.join("\n");
        text.push('\n');
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_data())
            .with_context(|| format!("cannot write {}", path.display()))?;
        self.pending.clear();
        Ok(())
    }

    fn key(&mut self) -> Vec<u8> {
        if self.key.is_none() {
            self.key = Some(keys::new_sync_key());
            self.key_unsaved = true;
        }
        self.key.clone().expect("set above")
    }

    /// The fingerprint of the key that names sealed files now.
    fn key_id(&self) -> Option<String> {
        self.key.as_deref().map(keys::key_id)
    }

    /// Where a rotation of the sync key stands; call after [`Sealer::follow_key`].
    pub fn rotation(&self) -> Rotation {
        match (self.rotating, self.rotation_landed) {
            (false, _) => Rotation::None,
            (true, false) => Rotation::Pending,
            (true, true) => Rotation::Landed,
        }
    }

    /// The rotation's sealed history is on the remote: its key becomes the journal's
    /// (`key` written before `key.next` goes, so a crash in between leaves a rotation
    /// that is recognised as landed).
    pub fn finish_rotation(&mut self) -> Result<()> {
        if !self.rotating {
            return Ok(());
        }
        self.rotating = false;
        self.rotation_landed = false;
        self.key_unsaved = true;
        self.save()?;
        abandon_rotation(&self.dir)
    }

    /// After [`Sealer::unseal_history`] of the remote's `head`: make the key that named
    /// its files the one this machine names files with (another machine may have rotated
    /// it), unless this machine is rotating it: then note whether its rotation is the one
    /// on the remote. A sealed commit that does not name its key (made before keys were
    /// rotated) changes nothing.
    pub fn follow_key(&mut self, head: Oid, ids: &Identities) -> Result<()> {
        let commit = self.repo.find_commit(head)?;
        let Some(id) = sealed_key_id(&commit) else {
            return Ok(());
        };
        if self.key_id().as_deref() == Some(id.as_str()) {
            self.rotation_landed = self.rotating;
            if !self.rotating && self.retired.contains(&id) {
                return Err(retired_key(&id));
            }
            return Ok(());
        }
        if self.rotating {
            self.rotation_landed = false;
            return Ok(());
        }
        // A key remove-recipient retired is never taken back: the remote was put back to
        // before the removal, or a removed machine (which holds that key) wrote it.
        if self.retired.contains(&id) {
            return Err(retired_key(&id));
        }
        let (key, _) = self.open_meta(&commit, ids)?;
        match key {
            Some(key) if keys::key_id(&key) == id => {
                self.key = Some(key);
                self.key_unsaved = true;
                Ok(())
            }
            _ => Err(not_sealed_history(head)),
        }
    }

    // ----------------------------------------------------------------- sealing

    /// Seal every plain commit reachable from `head` that has no sealed commit yet (or
    /// whose sealed commit is neither on the remote nor sealed to `to`), parents first.
    /// Returns the sealed commit of `head`.
    pub fn seal_history(
        &mut self,
        head: Oid,
        remote_head: Option<Oid>,
        to: &SealTo,
    ) -> Result<Oid> {
        let order = self.post_order(head, |s, id| s.reusable(id, remote_head, to))?;
        for id in order {
            let commit = self.repo.find_commit(id)?;
            let sealed = self.seal_commit(&commit, to)?;
            self.remember_commit(id, sealed);
        }
        self.sealed_of
            .get(&head)
            .copied()
            .ok_or_else(|| anyhow!("commit {head} was not sealed"))
    }

    /// Commits reachable from `head`, parents before children, stopping at those `known`.
    fn post_order(
        &self,
        head: Oid,
        mut known: impl FnMut(&Self, Oid) -> Result<bool>,
    ) -> Result<Vec<Oid>> {
        let mut order = Vec::new();
        let mut seen = HashSet::new();
        let mut stack = vec![(head, false)];
        while let Some((id, expanded)) = stack.pop() {
            if expanded {
                order.push(id);
                continue;
            }
            if !seen.insert(id) || known(self, id)? {
                continue;
            }
            stack.push((id, true));
            for parent in self.repo.find_commit(id)?.parent_ids() {
                if !seen.contains(&parent) {
                    stack.push((parent, false));
                }
            }
        }
        Ok(order)
    }

    /// Whether the sealed commit known for `plain` can stay: it is on the remote, or it
    /// was sealed here for these recipients under the key in use (one sealed before a
    /// rotation, and not pushed, is sealed anew).
    fn reusable(&self, plain: Oid, remote_head: Option<Oid>, to: &SealTo) -> Result<bool> {
        let Some(&sealed) = self.sealed_of.get(&plain) else {
            return Ok(false);
        };
        let Ok(commit) = self.repo.find_commit(sealed) else {
            return Ok(false);
        };
        if sealed_for(&commit).as_deref() == Some(to.fingerprint.as_str())
            && sealed_key_id(&commit).is_some()
            && sealed_key_id(&commit) == self.key_id()
        {
            return Ok(true);
        }
        Ok(match remote_head {
            Some(r) => r == sealed || self.repo.graph_descendant_of(r, sealed)?,
            None => false,
        })
    }

    fn seal_commit(&mut self, commit: &Commit<'_>, to: &SealTo) -> Result<Oid> {
        let repo = self.repo;
        let parents: Vec<Oid> = commit
            .parent_ids()
            .map(|p| {
                self.sealed_of
                    .get(&p)
                    .copied()
                    .ok_or_else(|| anyhow!("parent {p} of {} is not sealed", commit.id()))
            })
            .collect::<Result<_>>()?;
        let tree = commit.tree()?;
        let schema_now = schema_of(repo, &tree);
        let first = commit.parents().next();
        let (old_tree, sealed_base) = match (&first, parents.first()) {
            (Some(p), Some(sp)) => (Some(p.tree()?), Some(repo.find_commit(*sp)?.tree()?)),
            _ => (None, None),
        };
        let incremental = old_tree
            .as_ref()
            .is_some_and(|t| schema_of(repo, t) == schema_now);
        let changes = if incremental {
            changed_files(repo, old_tree.as_ref(), &tree)?
        } else {
            all_files(&tree)?
                .into_iter()
                .map(|(p, f)| (p, Some(f)))
                .collect()
        };
        let key = self.key();
        let mut edits = TreeEdits::new();
        let (mut plain_n, mut sealed_n) = (0usize, 0usize);
        if !incremental && let Some(base) = &sealed_base {
            // The rules changed (default visibility, kinds): every file is decided anew,
            // so the tree starts empty rather than from the parent's.
            for (path, _) in all_files(base)? {
                edits.insert(path, None);
            }
        }
        for (path, file) in changes {
            let name = format!("{SEALED_DIR}/{}.age", keys::keyed_name(&key, &path));
            match file {
                None => {
                    let was_plain = tree_has(sealed_base.as_ref(), &path);
                    if was_plain {
                        plain_n += 1;
                    } else {
                        sealed_n += 1;
                    }
                    edits.insert(path, None);
                    edits.insert(name, None);
                }
                Some((blob, mode)) => {
                    let content = repo.find_blob(blob)?;
                    if is_shareable(&path, content.content(), schema_now.as_ref()) {
                        plain_n += 1;
                        edits.insert(name, None);
                        edits.insert(path, Some((blob, mode)));
                    } else {
                        sealed_n += 1;
                        if tree_has(sealed_base.as_ref(), &path) {
                            self.warnings.push(format!(
                                "{path} is sealed from now on, but its earlier plain text stays in the sync remote's history"
                            ));
                        }
                        let sealed = self.seal_blob(&path, blob, mode, content.content(), to)?;
                        edits.insert(path, None);
                        edits.insert(name, Some((sealed, i32::from(git2::FileMode::Blob))));
                    }
                }
            }
        }
        let raw = repo.odb()?.read(commit.id())?.data().to_vec();
        let mut meta = format!("{META_MAGIC}key {}\n\n", keys::to_hex(&key)).into_bytes();
        meta.extend_from_slice(&raw);
        let meta = repo.blob(&keys::encrypt(&to.recipients, &meta)?)?;
        edits.insert(
            META_PATH.to_string(),
            Some((meta, i32::from(git2::FileMode::Blob))),
        );
        let tree_id = match git::edit_tree(repo, sealed_base.as_ref(), &edits)? {
            Some(t) => t,
            None => git::empty_tree_id(repo)?,
        };
        let sealed_tree = repo.find_tree(tree_id)?;
        let parent_commits: Vec<Commit> = parents
            .iter()
            .map(|p| repo.find_commit(*p))
            .collect::<Result<_, _>>()?;
        let parent_refs: Vec<&Commit> = parent_commits.iter().collect();
        let message = sealed_message(plain_n, sealed_n, to, &key);
        let oid = repo
            .commit(
                None,
                &commit.author(),
                &commit.committer(),
                &message,
                &sealed_tree,
                &parent_refs,
            )
            .context("cannot create a sealed commit")?;
        Ok(oid)
    }

    fn seal_blob(
        &mut self,
        path: &str,
        blob: Oid,
        mode: i32,
        content: &[u8],
        to: &SealTo,
    ) -> Result<Oid> {
        let lookup = (path.to_string(), blob, mode, to.fingerprint.clone());
        if let Some(sealed) = self.blobs.get(&lookup) {
            return Ok(*sealed);
        }
        let header = serde_json::json!({ "path": path, "mode": format!("{mode:o}") });
        let mut plain = format!("{FILE_MAGIC}{header}\n").into_bytes();
        plain.extend_from_slice(content);
        let sealed = self.repo.blob(&keys::encrypt(&to.recipients, &plain)?)?;
        self.remember_blob(
            sealed,
            Opened {
                path: path.to_string(),
                blob,
                mode,
            },
            &to.fingerprint,
            true,
        );
        Ok(sealed)
    }

    // --------------------------------------------------------------- unsealing

    /// Unseal every sealed commit reachable from `head` not unsealed yet, parents first,
    /// and return the plain commit of `head`. Nothing is written outside the object
    /// database (and `.wol/sync/`): a sealed file that cannot be opened stops it all.
    pub fn unseal_history(&mut self, head: Oid, ids: &Identities) -> Result<Oid> {
        let order = self.post_order(head, |s, id| {
            Ok(s.plain_of
                .get(&id)
                .is_some_and(|p| s.repo.find_commit(*p).is_ok()))
        })?;
        for id in order {
            let commit = self.repo.find_commit(id)?;
            let plain = self.unseal_commit(&commit, ids)?;
            self.remember_commit(plain, id);
        }
        self.plain_of
            .get(&head)
            .copied()
            .ok_or_else(|| anyhow!("sealed commit {head} was not unsealed"))
    }

    fn unseal_commit(&mut self, sealed: &Commit<'_>, ids: &Identities) -> Result<Oid> {
        let repo = self.repo;
        let tree = sealed.tree()?;
        let fp = sealed_for(sealed).unwrap_or_default();
        let (key, raw) = self.open_meta(sealed, ids)?;
        let raw = &raw[..];
        // The key of the history (the one the remote's head was named with is taken by
        // `follow_key`).
        if let Some(key) = key
            && self.key.is_none()
        {
            self.key = Some(key);
            self.key_unsaved = true;
        }
        let plain_parents: Vec<Oid> = sealed
            .parent_ids()
            .map(|p| {
                self.plain_of.get(&p).copied().ok_or_else(|| {
                    anyhow!(
                        "parent {p} of sealed commit {} is not unsealed",
                        sealed.id()
                    )
                })
            })
            .collect::<Result<_>>()?;
        let first_sealed = sealed.parents().next();
        let (sealed_base, plain_base) = match (&first_sealed, plain_parents.first()) {
            (Some(sp), Some(pp)) => (Some(sp.tree()?), Some(repo.find_commit(*pp)?.tree()?)),
            _ => (None, None),
        };
        let mut removals = TreeEdits::new();
        let mut sets = TreeEdits::new();
        let diff = repo.diff_tree_to_tree(sealed_base.as_ref(), Some(&tree), None)?;
        for delta in diff.deltas() {
            for (side, present) in [(delta.old_file(), true), (delta.new_file(), false)] {
                let removing = present;
                if side.id().is_zero() {
                    continue;
                }
                let path = side
                    .path()
                    .and_then(Path::to_str)
                    .ok_or_else(|| not_sealed_history(sealed.id()))?
                    .to_string();
                if path == META_PATH {
                    continue;
                }
                let (real, blob, mode) = if path.starts_with("sealed/") {
                    let opened = self.open_file(side.id(), sealed, ids, &fp)?;
                    (opened.path, opened.blob, opened.mode)
                } else {
                    (path, side.id(), i32::from(side.mode()))
                };
                if removing {
                    removals.insert(real, None);
                } else {
                    sets.insert(real, Some((blob, mode)));
                }
            }
        }
        removals.extend(sets);
        let plain_tree = match git::edit_tree(repo, plain_base.as_ref(), &removals)? {
            Some(t) => t,
            None => git::empty_tree_id(repo)?,
        };
        // The raw commit names its tree and parents: what was rebuilt must be them.
        let text = String::from_utf8_lossy(raw);
        let named_tree = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("tree "))
            .and_then(|h| Oid::from_str(h).ok());
        let named_parents: Vec<Oid> = text
            .lines()
            .skip(1)
            .map_while(|l| l.strip_prefix("parent "))
            .filter_map(|h| Oid::from_str(h).ok())
            .collect();
        if named_tree != Some(plain_tree) || named_parents != plain_parents {
            return Err(hinted(
                format!(
                    "sealed commit {} does not open to the journal it was made from (its files or parents differ)",
                    sealed.id()
                ),
                "the sync remote was changed by something other than wol; nothing in your journal changed. Ask on a machine that made it, or restore the branch",
            ));
        }
        let plain = repo.odb()?.write(ObjectType::Commit, raw)?;
        Ok(plain)
    }

    /// Open `sealed/commit.age` of a sealed commit: the sync key it names, and the plain
    /// commit's raw bytes.
    fn open_meta(
        &self,
        sealed: &Commit<'_>,
        ids: &Identities,
    ) -> Result<(Option<Vec<u8>>, Vec<u8>)> {
        let bad = || not_sealed_history(sealed.id());
        let meta_blob = sealed
            .tree()?
            .get_path(Path::new(META_PATH))
            .map_err(|_| bad())?
            .id();
        let meta = self.open_bytes(meta_blob, sealed, ids)?;
        let meta = meta.strip_prefix(META_MAGIC.as_bytes()).ok_or_else(bad)?;
        let split = find(meta, b"\n\n").ok_or_else(bad)?;
        let head = std::str::from_utf8(&meta[..split]).map_err(|_| bad())?;
        let key = head
            .strip_prefix("key ")
            .and_then(|hex| keys::from_hex(hex.trim()))
            .filter(|k| !k.is_empty());
        Ok((key, meta[split + 2..].to_vec()))
    }

    fn open_file(
        &mut self,
        blob: Oid,
        commit: &Commit<'_>,
        ids: &Identities,
        fp: &str,
    ) -> Result<Opened> {
        if let Some(o) = self.opened.get(&blob) {
            return Ok(o.clone());
        }
        let bytes = self.open_bytes(blob, commit, ids)?;
        let bad = || not_sealed_history(commit.id());
        let rest = bytes.strip_prefix(FILE_MAGIC.as_bytes()).ok_or_else(bad)?;
        let nl = rest.iter().position(|&b| b == b'\n').ok_or_else(bad)?;
        let header: serde_json::Value = serde_json::from_slice(&rest[..nl]).map_err(|_| bad())?;
        let path = header["path"].as_str().ok_or_else(bad)?.to_string();
        let mode = header["mode"]
            .as_str()
            .and_then(|m| i32::from_str_radix(m, 8).ok())
            .ok_or_else(bad)?;
        if !safe_path(&path) {
            return Err(bad());
        }
        let content = &rest[nl + 1..];
        let plain = self.repo.blob(content)?;
        let opened = Opened {
            path,
            blob: plain,
            mode,
        };
        self.remember_blob(blob, opened.clone(), fp, true);
        Ok(opened)
    }

    fn open_bytes(&self, blob: Oid, commit: &Commit<'_>, ids: &Identities) -> Result<Vec<u8>> {
        let sealed = self.repo.find_blob(blob)?;
        ids.decrypt(sealed.content()).map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => {
                wrong_identity(commit, ids, &self.known_keys, !self.plain_of.is_empty())
            }
            other => hinted(
                format!(
                    "cannot open a sealed file of commit {}: {other}",
                    commit.id()
                ),
                "the sync remote holds a damaged file; nothing in your journal changed",
            ),
        })
    }
}

/// The error for "none of this machine's keys opens it", naming both sides; `opened_before`:
/// this machine has opened sealed commits of this journal (so it was a recipient).
fn wrong_identity(
    commit: &Commit<'_>,
    ids: &Identities,
    known: &[String],
    opened_before: bool,
) -> anyhow::Error {
    let sealed_for: Vec<String> = commit
        .message()
        .unwrap_or("")
        .lines()
        .filter_map(|l| l.strip_prefix("Sealed-For: "))
        .map(
            |fp| match known.iter().find(|k| key_fingerprint(k) == fp.trim()) {
                Some(k) => format!("{} ({fp})", short_key(k)),
                None => fp.to_string(),
            },
        )
        .collect();
    let mine: Vec<String> = ids
        .described
        .iter()
        .map(|(k, p)| format!("{} ({}, {})", short_key(k), key_fingerprint(k), p.display()))
        .collect();
    hinted(
        format!(
            "{}this machine cannot open the sealed files: they are sealed for the recipients {} (by fingerprint), and none of this machine's keys matches: {}",
            if opened_before {
                "this machine's key is no longer a recipient of this journal (another machine ran wol sync remove-recipient, or this machine's key changed): "
            } else {
                ""
            },
            if sealed_for.is_empty() {
                "(unknown)".to_string()
            } else {
                sealed_for.join(", ")
            },
            mine.join(", ")
        ),
        format!(
            "on a machine that can open them, run: wol sync add-recipient {}; then run this command again. Nothing was written",
            ids.described
                .first()
                .map(|(k, _)| k.as_str())
                .unwrap_or("KEY")
        ),
    )
}

fn short_key(k: &str) -> String {
    if k.len() > 24 {
        format!("{}…", &k[..20])
    } else {
        k.to_string()
    }
}

/// A recipient's fingerprint as sealed commits name it: 8 hex digits of a hash of the
/// public key (the keys themselves stay off the remote).
pub fn key_fingerprint(key: &str) -> String {
    keys::keyed_name(b"wol-sync-recipient", key.trim())[..8].to_string()
}

fn sealed_message(plain: usize, sealed: usize, to: &SealTo, key: &[u8]) -> String {
    let mut m = format!(
        "wol sync: {plain} plain and {sealed} sealed file{} changed\n\nSealed-Set: {}\nSealed-Key: {}\n",
        if sealed == 1 { "" } else { "s" },
        to.fingerprint,
        keys::key_id(key)
    );
    for k in &to.keys {
        m.push_str(&format!("Sealed-For: {}\n", key_fingerprint(k)));
    }
    m
}

/// The recipients fingerprint a sealed commit names.
fn sealed_for(commit: &Commit<'_>) -> Option<String> {
    commit
        .message()
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Sealed-Set: "))
        .map(String::from)
}

/// The fingerprint of the sync key a sealed commit's files are named with (none in
/// commits sealed before keys were rotated).
fn sealed_key_id(commit: &Commit<'_>) -> Option<String> {
    commit
        .message()
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Sealed-Key: "))
        .map(|s| s.trim().to_string())
}

fn not_sealed_history(id: Oid) -> anyhow::Error {
    hinted(
        format!("commit {id} on the sync remote is not a sealed wol commit"),
        "the sync branch holds something wol did not write; point [sync] url/branch at a branch only wol sync uses",
    )
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && c != ".git")
}

fn tree_has(tree: Option<&Tree<'_>>, path: &str) -> bool {
    tree.is_some_and(|t| t.get_path(Path::new(path)).is_ok())
}

/// What decides a file's fate besides its own text: the journal's kinds and default
/// visibility, read from the `wol.toml` of that same tree (`None` when it does not parse:
/// then nothing is shareable).
#[derive(Debug, PartialEq)]
pub struct Rules {
    kinds: Vec<String>,
    default_visibility: crate::entry::Visibility,
}

pub fn schema_of(repo: &Repository, tree: &Tree<'_>) -> Option<Rules> {
    let entry = tree.get_name(crate::journal::CONFIG_FILE)?;
    let blob = repo.find_blob(entry.id()).ok()?;
    let text = std::str::from_utf8(blob.content()).ok()?;
    let config: JournalConfig = toml::from_str(text).ok()?;
    Some(Rules {
        kinds: config.kinds,
        default_visibility: config.default_visibility,
    })
}

/// Whether the file at `path` with `content` goes to the sync remote as plain text: an
/// entry file (`entries/YYYY/MM/*.md`) that parses and that [`crate::audience::shareable`]
/// lets out. Everything else is sealed.
pub fn is_shareable(path: &str, content: &[u8], rules: Option<&Rules>) -> bool {
    let Some(rules) = rules else {
        return false;
    };
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() != 4 || parts[0] != crate::journal::ENTRIES_DIR || !parts[3].ends_with(".md") {
        return false;
    }
    let schema = crate::entry::Schema {
        kinds: &rules.kinds,
        default_visibility: rules.default_visibility,
    };
    Entry::parse(content, &schema).is_ok_and(|e| crate::audience::shareable(&e))
}

/// A file of a tree: blob and mode.
type File = (Oid, i32);

/// Every file (blob or link) in `tree`, by path.
pub fn all_files(tree: &Tree<'_>) -> Result<BTreeMap<String, File>> {
    let mut out = BTreeMap::new();
    let mut bad = None;
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        match entry.kind() {
            Some(ObjectType::Blob) => {
                let name = entry.name().unwrap_or_default();
                out.insert(format!("{dir}{name}"), (entry.id(), entry.filemode()));
            }
            Some(ObjectType::Tree) => {}
            _ => {
                bad = Some(format!("{dir}{}", entry.name().unwrap_or_default()));
            }
        }
        git2::TreeWalkResult::Ok
    })?;
    if let Some(path) = bad {
        return Err(hinted(
            format!("{path} is a git submodule, which wol sync cannot carry"),
            "remove the submodule from the journal (git rm), then run wol sync again",
        ));
    }
    Ok(out)
}

/// The files that differ between two trees: `None` for a removed one.
pub fn changed_files(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
) -> Result<BTreeMap<String, Option<File>>> {
    let mut out = BTreeMap::new();
    let diff = repo.diff_tree_to_tree(old, Some(new), None)?;
    for delta in diff.deltas() {
        let old_file = delta.old_file();
        let new_file = delta.new_file();
        if !old_file.id().is_zero()
            && let Some(p) = old_file.path().and_then(Path::to_str)
        {
            out.entry(p.to_string()).or_insert(None);
        }
        if !new_file.id().is_zero()
            && let Some(p) = new_file.path().and_then(Path::to_str)
        {
            if new_file.mode() == git2::FileMode::Commit {
                return Err(hinted(
                    format!("{p} is a git submodule, which wol sync cannot carry"),
                    "remove the submodule from the journal (git rm), then run wol sync again",
                ));
            }
            out.insert(
                p.to_string(),
                Some((new_file.id(), i32::from(new_file.mode()))),
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! Sealing and unsealing against real temporary repositories: another repository
    //! that fetched only the sealed commits derives the very same plain commits.

    use super::*;

    fn sig() -> git2::Signature<'static> {
        git2::Signature::new(
            "T",
            "t@example.invalid",
            &git2::Time::new(1_700_000_000, 60),
        )
        .unwrap()
    }

    fn commit(repo: &Repository, files: &[(&str, &str)], message: &str) -> Oid {
        let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let base = parent.as_ref().map(|c| c.tree().unwrap());
        let mut edits = TreeEdits::new();
        for (path, text) in files {
            edits.insert(
                path.to_string(),
                Some((repo.blob(text.as_bytes()).unwrap(), 0o100644)),
            );
        }
        let tree = git::edit_tree(repo, base.as_ref(), &edits)
            .unwrap()
            .unwrap();
        let parents: Vec<&Commit> = parent.iter().collect();
        repo.commit(
            Some("HEAD"),
            &sig(),
            &sig(),
            message,
            &repo.find_tree(tree).unwrap(),
            &parents,
        )
        .unwrap()
    }

    fn entry(title: &str, visibility: &str) -> String {
        format!(
            "+++\ntitle = {title:?}\ndate = 2026-11-22T14:32:05+01:00\nkind = \"progress\"\n\
             visibility = {visibility:?}\nauthor = \"T\"\n+++\n\nBody of {title}\n"
        )
    }

    #[test]
    fn another_repository_unseals_the_same_commits_and_sees_nothing_private() {
        let dir = tempfile::tempdir().unwrap();
        let a = Repository::init(dir.path().join("a")).unwrap();
        let pub1 = entry("Open notes", "public");
        let priv1 = entry("Hidden walrus", "private");
        commit(&a, &[("wol.toml", "kinds = [\"progress\"]\n")], "init");
        commit(
            &a,
            &[
                ("entries/2026/11/2026-11-22-1432-open-notes.md", &pub1),
                ("entries/2026/11/2026-11-22-1433-hidden-walrus.md", &priv1),
            ],
            "log(progress): Hidden walrus",
        );
        let head = a.head().unwrap().target().unwrap();
        let id = age::x25519::Identity::generate();
        let to = SealTo::new(&[id.to_public().to_string()]).unwrap();
        let mut sealer = Sealer::open(&a, &dir.path().join("state-a")).unwrap();
        let sealed = sealer.seal_history(head, None, &to).unwrap();
        // Sealing again makes nothing new: the map knows it all.
        assert_eq!(sealer.seal_history(head, None, &to).unwrap(), sealed);
        a.reference("refs/sealed", sealed, true, "t").unwrap();

        let sealed_tree = a.find_commit(sealed).unwrap().tree().unwrap();
        let names: Vec<String> = all_files(&sealed_tree).unwrap().into_keys().collect();
        assert!(names.contains(&"entries/2026/11/2026-11-22-1432-open-notes.md".to_string()));
        assert!(names.iter().all(|n| !n.contains("walrus")), "{names:?}");
        assert!(
            !a.find_commit(sealed)
                .unwrap()
                .message()
                .unwrap()
                .contains("walrus")
        );

        let b = Repository::init_bare(dir.path().join("b")).unwrap();
        b.remote_anonymous(dir.path().join("a").to_str().unwrap())
            .unwrap()
            .fetch(&["+refs/sealed:refs/sealed"], None, None)
            .unwrap();
        let ids = Identities::from_x25519(id);
        let mut unsealer = Sealer::open(&b, &dir.path().join("state-b")).unwrap();
        assert_eq!(unsealer.unseal_history(sealed, &ids).unwrap(), head);
        let tree = b.find_commit(head).unwrap().tree().unwrap();
        let walrus = tree
            .get_path(Path::new(
                "entries/2026/11/2026-11-22-1433-hidden-walrus.md",
            ))
            .unwrap();
        assert_eq!(
            b.find_blob(walrus.id()).unwrap().content(),
            priv1.as_bytes()
        );

        // A stranger's key opens nothing, and says so.
        let stranger = Identities::from_x25519(age::x25519::Identity::generate());
        let mut other = Sealer::open(&b, &dir.path().join("state-c")).unwrap();
        let err = other.unseal_history(sealed, &stranger).unwrap_err();
        assert!(
            err.to_string().contains("none of this machine's keys"),
            "{err}"
        );
    }
}
