//! Splicing a few paths into git's index file without parsing the rest of it.
//!
//! libgit2 updates the index by reading every entry into a map, then writing and
//! checksumming the whole file again: at 100,000 entries that is most of `wol log`'s
//! time. Here the file is mapped as bytes, walked once for the entries' offsets (a few
//! bytes per entry are looked at), and written back with the changed entries spliced in:
//! a memory copy and one SHA-1 (none when `index.skipHash` is set).
//!
//! The result is the index git itself would write for `git add PATH` / `git rm --cached
//! PATH`: the stat data of the file on disk, its blob id, the cache-tree extension
//! invalidated along the changed paths (as `git add` does), other optional extensions
//! (untracked cache, fsmonitor, end-of-index offsets) dropped — they are caches, and git
//! rebuilds them. Anything this module does not fully understand — index versions other
//! than 2 and 3, required extensions (split or sparse index), conflicted or flagged
//! entries on the changed paths, a file where a folder is, SHA-256 repositories — is left
//! to libgit2: [`splice`] then returns `Ok(false)` and has changed nothing.
//!
//! The file is replaced the way git replaces it: `index.lock` is created exclusively (so
//! a concurrent git command and wol never both write), holds the new index in full, and
//! is renamed over `index`. A crash leaves either the old index or the new one. The bytes
//! are written into the index before last when nobody else has it (see [`spare`]), which
//! is then renamed over the lock file: same result, without a 13 MB file made and another
//! freed at 100,000 entries.

use std::borrow::Cow;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use anyhow::{Context as _, Result};
use git2::{ObjectType, Oid, Repository};
use sha1::{Digest as _, Sha1};

use crate::error::hinted;

const HEADER: usize = 12;
const HASH: usize = 20;
/// Bytes of an entry before its flags: ten 32-bit stat fields and the object id.
const FIXED: usize = 40 + HASH;

/// What becomes of one path.
enum Update {
    /// Stage this entry (already encoded, flags and padding included).
    Stage(Vec<u8>),
    /// Drop the path from the index.
    Unstage,
}

/// What an index update needs from the repository, read on the caller's thread (a
/// `Repository` stays on the thread that uses it).
struct Setup {
    workdir: PathBuf,
    index_path: PathBuf,
    skip_hash: bool,
    file_mode: bool,
}

impl Setup {
    /// `None` for a repository whose index this module leaves to libgit2 whatever it
    /// holds (bare, or not SHA-1).
    fn of(repo: &Repository) -> Result<Option<Setup>> {
        let Some(workdir) = repo.workdir() else {
            return Ok(None);
        };
        let config = repo.config()?.snapshot()?;
        let flag = |key: &str| config.get_bool(key).ok();
        if config
            .get_string("extensions.objectformat")
            .is_ok_and(|f| !f.eq_ignore_ascii_case("sha1"))
        {
            return Ok(None);
        }
        Ok(Some(Setup {
            workdir: workdir.to_path_buf(),
            index_path: repo.path().join("index"),
            skip_hash: flag("index.skiphash")
                .or_else(|| flag("feature.manyfiles"))
                .unwrap_or(false),
            file_mode: flag("core.filemode").unwrap_or(true),
        }))
    }
}

/// Bring the index in step with the work tree for `paths` (`/`-separated, relative to
/// the work tree): a path whose file exists is staged with that file's content and stat
/// data, a path without a file is removed. Returns `Ok(false)`, having changed nothing,
/// when the index is one this module leaves to libgit2.
pub fn splice(repo: &Repository, paths: &[&str]) -> Result<bool> {
    let Some(setup) = Setup::of(repo)? else {
        return Ok(false);
    };
    // The lock first, then the read: a git command that rewrites the index meanwhile
    // either finishes before (and its index is the one read) or waits for this one.
    let lock = Lock::take(repo, &setup.index_path)?;
    let present: Vec<bool> = paths
        .iter()
        .map(|path| fs::symlink_metadata(setup.workdir.join(path)).is_ok())
        .collect();
    match prepare(&setup, lock, paths, &present, || true)? {
        Some(written) => written.commit().map(|()| true),
        None => Ok(false),
    }
}

/// An index update begun on a thread of its own before the caller writes its files: the
/// lock is taken, and the index up to the first changed entry (at 100,000 entries nearly
/// all of its 13 MB) read, hashed and written while the caller writes the files and the
/// commit. [`Early::finish`] puts it in place; dropped unfinished, it changes nothing.
pub struct Early {
    go: Option<mpsc::Sender<()>>,
    worker: Option<std::thread::JoinHandle<Option<Written>>>,
}

impl Early {
    /// Begin the update that will stage each `(path, true)` and unstage each
    /// `(path, false)` of `changes`. `None` when there is nothing to begin: the index is
    /// then updated on the caller's thread as usual.
    pub fn start(repo: &Repository, changes: &[(&str, bool)]) -> Option<Early> {
        let setup = Setup::of(repo).ok()??;
        let changes: Vec<(String, bool)> = changes
            .iter()
            .map(|&(path, present)| (path.to_string(), present))
            .collect();
        let (go, files_written) = mpsc::channel();
        let worker = std::thread::Builder::new()
            .name("wol-index".into())
            .spawn(move || {
                // A lock someone else holds is waited for (or found stale) on the
                // caller's thread, as usual.
                let lock = Lock::create(&setup.index_path).ok()?;
                let paths: Vec<&str> = changes.iter().map(|(path, _)| path.as_str()).collect();
                let present: Vec<bool> = changes.iter().map(|&(_, present)| present).collect();
                // Any error is met again, and reported, on the usual path.
                prepare(&setup, lock, &paths, &present, || {
                    files_written.recv().is_ok()
                })
                .ok()
                .flatten()
            })
            .ok()?;
        Some(Early {
            go: Some(go),
            worker: Some(worker),
        })
    }

    /// The files are written: the update may read them.
    pub fn files_written(&mut self) {
        if let Some(go) = &self.go {
            let _ = go.send(());
        }
    }

    /// Put the new index in place. `Ok(false)`, with the index unchanged, when the
    /// update was left to the usual path ([`splice`], then libgit2): a lock someone else
    /// held, an index this module leaves to libgit2, files other than announced, an error.
    pub fn finish(mut self) -> Result<bool> {
        self.files_written();
        match self.worker.take().and_then(|w| w.join().ok()).flatten() {
            Some(written) => written.commit().map(|()| true),
            None => Ok(false),
        }
    }
}

impl Drop for Early {
    fn drop(&mut self) {
        // Not finished: the worker learns that the files will not come (or finishes
        // with them), and is waited for, so its lock is gone when the caller goes on.
        self.go.take();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// The new index for `paths`, written in full to the lock file (or to the spare,
/// renamed over it) but not yet in place; `Ok(None)`, with nothing changed, when this
/// module leaves it to libgit2. `paths[i]` is to be staged when `present[i]`, unstaged
/// otherwise: everything before the first changed entry is hashed and written first,
/// then `files_written` is waited for (`false`: they will not come), and the files on
/// disk must then be as announced.
fn prepare(
    setup: &Setup,
    mut lock: Lock,
    paths: &[&str],
    present: &[bool],
    files_written: impl FnOnce() -> bool,
) -> Result<Option<Written>> {
    let index_path = &setup.index_path;
    let file = match File::open(index_path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", index_path.display())),
    };
    // Anything but a regular file (a folder in its place) is libgit2's to refuse.
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Ok(None);
    }
    // Mapped, not read: the unchanged entries go from the page cache straight into the
    // lock file, with no copy in between (at 100,000 entries reading the 13 MB into a
    // fresh buffer was a fifth of `wol log`).
    // SAFETY: the map is only read, and the file is not changed while it is: git and
    // libgit2 never write an index in place (they write `index.lock` and rename it over),
    // and the lock taken above is ours.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }
        .with_context(|| format!("cannot read {}", index_path.display()))?;
    let old: &[u8] = &map;
    let index = match Parsed::new(old) {
        Ok(index) => index,
        Err(Decline::Unknown) => return Ok(None),
        Err(Decline::Required(signature)) => {
            // libgit2 cannot read such an index either, so there is nothing to fall
            // back to: say how to turn it into one both can read.
            let dir = setup.workdir.display();
            return Err(hinted(
                format!(
                    "the git index of {dir} uses the required extension `{}` (a split or sparse index), which wol cannot update",
                    String::from_utf8_lossy(&signature)
                ),
                format!(
                    "run `git -C {dir} update-index --no-split-index` (and `git -C {dir} sparse-checkout disable` if you use one), then run the wol command again"
                ),
            ));
        }
    };

    // The changed paths in index order, each with the entries it replaces.
    let mut changed: Vec<(&str, bool)> =
        paths.iter().copied().zip(present.iter().copied()).collect();
    changed.sort_by(|a, b| a.0.cmp(b.0));
    changed.dedup_by(|a, b| a.0 == b.0);
    let mut found = Vec::with_capacity(changed.len());
    let mut count = index.offsets.len();
    for &(path, stage) in &changed {
        let range = index.find(path.as_bytes());
        if !index.plain(range.clone()) || index.folder_conflict(path.as_bytes()) {
            return Ok(None);
        }
        count = count - range.len() + usize::from(stage);
        found.push(range);
    }
    let mut header = old[..HEADER].to_vec();
    header[8..12].copy_from_slice(&(count as u32).to_be_bytes());

    // The new file as pieces, most of them borrowed from the old one: hashed and
    // written as they come, everything up to the first changed entry before the files
    // are even there.
    let mut out = Output::new(&mut lock, &file, setup.skip_hash)?;
    let mut next = found.first().map_or(index.offsets.len(), |r| r.start);
    out.put(Cow::Owned(header));
    out.put(Cow::Borrowed(&old[HEADER..index.start(next)]));
    if !files_written() {
        return Ok(None);
    }

    for (&(path, stage), range) in changed.iter().zip(&found) {
        let update = match fs::symlink_metadata(setup.workdir.join(path)) {
            Ok(meta) if meta.is_file() && stage => {
                let content = fs::read(setup.workdir.join(path))
                    .with_context(|| format!("cannot read {path}"))?;
                let oid = Oid::hash_object(ObjectType::Blob, &content)?;
                let executable = if setup.file_mode {
                    meta.permissions().mode() & 0o111 != 0
                } else {
                    // Without core.fileMode git keeps the mode the index already has.
                    range
                        .clone()
                        .next()
                        .is_some_and(|i| index.mode(i) == 0o100755)
                };
                Update::Stage(encode(path, &meta, oid, executable))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound && !stage => Update::Unstage,
            // Not a file, or not what was announced: libgit2's.
            Ok(_) => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read {path}")),
        };
        out.put(Cow::Borrowed(
            &old[index.start(next)..index.start(range.start)],
        ));
        if let Update::Stage(entry) = update {
            out.put(Cow::Owned(entry));
        }
        next = range.end;
    }
    out.put(Cow::Borrowed(&old[index.start(next)..index.entries_end]));

    for ext in &index.extensions {
        match &old[ext.clone()][..4] {
            b"TREE" => {
                let data = &old[ext.start + 8..ext.end];
                let changed_paths: Vec<&str> = changed.iter().map(|&(path, _)| path).collect();
                let Some(tree) = invalidate_cache_tree(data, &changed_paths) else {
                    return Ok(None);
                };
                let mut head = b"TREE".to_vec();
                head.extend_from_slice(&(tree.len() as u32).to_be_bytes());
                out.put(Cow::Owned(head));
                out.put(Cow::Owned(tree));
            }
            b"REUC" => out.put(Cow::Borrowed(&old[ext.clone()])),
            _ => {} // an optional cache (checked in Parsed::new): git rebuilds it
        }
    }
    out.finish(lock, file).map(Some)
}

/// The new index as it is made: hashed piece by piece, and written as it goes into the
/// spare when there is one to write (see [`spare`]); otherwise, or when writing the
/// spare fails, into the lock file in one go at the end, as git writes it.
struct Output<'a> {
    pieces: Vec<Cow<'a, [u8]>>,
    hasher: Option<Sha1>,
    spare: Option<File>,
    /// The lock file's metadata as created: owner, group and mode git gives an index.
    like: fs::Metadata,
    spare_path: PathBuf,
}

impl<'a> Output<'a> {
    fn new(lock: &mut Lock, index: &File, skip_hash: bool) -> Result<Output<'a>> {
        let file = lock.file.as_ref().expect("a lock is written once");
        let like = file
            .metadata()
            .with_context(|| format!("cannot write {}", lock.path.display()))?;
        let spare_path = spare::path(&lock.index);
        Ok(Output {
            pieces: Vec::new(),
            hasher: (!skip_hash).then(Sha1::new),
            spare: spare::take(&spare_path, index, &like),
            like,
            spare_path,
        })
    }

    fn put(&mut self, piece: Cow<'a, [u8]>) {
        // In slices a cache holds, hashed and written while they are there.
        for chunk in piece.chunks(256 << 10) {
            if let Some(hasher) = &mut self.hasher {
                hasher.update(chunk);
            }
            if let Some(spare) = &mut self.spare
                && spare.write_all(chunk).is_err()
            {
                self.spare_failed();
            }
        }
        self.pieces.push(piece);
    }

    /// Only a spare: a half-written one is not kept, and the lock file is written.
    fn spare_failed(&mut self) {
        self.spare = None;
        let _ = fs::remove_file(&self.spare_path);
    }

    /// The trailer, then the whole file in the lock file's place. Both the lock file and
    /// the spare stay open until the rename over the index ([`Written::commit`]): a lock
    /// file some process has open is live to wol's stale-lock check (`git_lock`), at
    /// every moment.
    fn finish(mut self, mut lock: Lock, index: File) -> Result<Written> {
        let trailer = match self.hasher.take() {
            Some(hasher) => hasher.finalize().into(),
            None => [0; HASH],
        };
        self.put(Cow::Owned(trailer.to_vec()));
        let len: u64 = self.pieces.iter().map(|p| p.len() as u64).sum();
        if let Some(spare) = &mut self.spare {
            let done = spare
                .set_len(len)
                .and_then(|()| spare.flush())
                .and_then(|()| spare.set_permissions(self.like.permissions()))
                .and_then(|()| fs::rename(&self.spare_path, &lock.path));
            if done.is_err() {
                self.spare_failed();
            }
        }
        if self.spare.is_none() {
            let file = lock.file.as_mut().expect("a lock is written once");
            write_pieces(file, &self.pieces)
                .with_context(|| format!("cannot write {}", lock.path.display()))?;
        }
        Ok(Written {
            lock,
            index,
            spare: self.spare,
        })
    }
}

/// A new index in the lock file's place, to be renamed over the index.
struct Written {
    lock: Lock,
    /// The index being replaced, open.
    index: File,
    /// The spare the new index was written into (now under the lock file's name), open.
    spare: Option<File>,
}

impl Written {
    /// Rename the new index over the old one, which becomes the next spare (the index
    /// before last: overwriting its blocks in place turns a 13 MB file made and another
    /// freed, at 100,000 entries, into a copy).
    fn commit(mut self) -> Result<()> {
        let spare_path = spare::path(&self.lock.index);
        let kept = spare::keep(&self.lock.index, &spare_path);
        if let Err(e) = fs::rename(&self.lock.path, &self.lock.index) {
            if kept {
                // The spare is the index itself, still in use: not a spare.
                let _ = fs::remove_file(&spare_path);
            }
            return Err(e).with_context(|| format!("cannot write {}", self.lock.index.display()));
        }
        self.lock.committed = true;
        drop((self.index, self.spare));
        Ok(())
    }
}

/// Why [`Parsed::new`] turned a file down.
enum Decline {
    /// A form this module does not handle (libgit2 may).
    Unknown,
    /// A required extension (git's split index `link`, sparse index `sdir`, …).
    Required([u8; 4]),
}

/// The offsets of an index file's parts. Built only for a file this module understands.
struct Parsed<'a> {
    bytes: &'a [u8],
    /// Where each entry starts, in file order (sorted by path, then stage).
    offsets: Vec<usize>,
    entries_end: usize,
    /// Each extension's byte range, signature and size included.
    extensions: Vec<std::ops::Range<usize>>,
}

impl<'a> Parsed<'a> {
    fn new(bytes: &'a [u8]) -> Result<Parsed<'a>, Decline> {
        Self::parse(bytes)?.ok_or(Decline::Unknown)
    }

    fn parse(bytes: &'a [u8]) -> Result<Option<Parsed<'a>>, Decline> {
        if bytes.len() < HEADER + HASH || &bytes[..4] != b"DIRC" {
            return Ok(None);
        }
        let (Some(version), Some(count)) = (be32(bytes, 4), be32(bytes, 8)) else {
            return Ok(None);
        };
        if version != 2 && version != 3 {
            return Ok(None);
        }
        let count = count as usize;
        let end = bytes.len() - HASH;
        let mut offsets = Vec::with_capacity(count);
        let mut at = HEADER;
        for _ in 0..count {
            offsets.push(at);
            match entry_len(bytes, at, version, end) {
                Some(len) => at += len,
                None => return Ok(None),
            }
        }
        let entries_end = at;
        let mut extensions = Vec::new();
        while at < end {
            let Some(size) = be32(bytes, at + 4) else {
                return Ok(None);
            };
            let Some(stop) = at.checked_add(8 + size as usize).filter(|&s| s <= end) else {
                return Ok(None);
            };
            let signature: [u8; 4] = bytes[at..at + 4].try_into().expect("four bytes");
            // Git's rule: an extension whose signature starts with a capital letter is
            // optional; any other must be understood (the split index's `link`, the
            // sparse index's `sdir`) — and this module understands none of those.
            if !signature[0].is_ascii_uppercase() {
                return Err(Decline::Required(signature));
            }
            extensions.push(at..stop);
            at = stop;
        }
        Ok((at == end).then_some(Parsed {
            bytes,
            offsets,
            entries_end,
            extensions,
        }))
    }

    fn start(&self, i: usize) -> usize {
        self.offsets.get(i).copied().unwrap_or(self.entries_end)
    }

    fn flags(&self, i: usize) -> u16 {
        let at = self.offsets[i] + FIXED;
        u16::from_be_bytes([self.bytes[at], self.bytes[at + 1]])
    }

    fn mode(&self, i: usize) -> u32 {
        be32(self.bytes, self.offsets[i] + 24).unwrap_or(0)
    }

    fn name(&self, i: usize) -> &'a [u8] {
        let at = self.offsets[i];
        let flags = self.flags(i);
        let start = at + FIXED + 2 + if flags & 0x4000 != 0 { 2 } else { 0 };
        let len = (flags & 0xfff) as usize;
        if len < 0xfff {
            &self.bytes[start..start + len]
        } else {
            let rest = &self.bytes[start..];
            &rest[..rest.iter().position(|&b| b == 0).unwrap_or(rest.len())]
        }
    }

    /// The first entry whose name is not less than `path`.
    fn lower_bound(&self, path: &[u8]) -> usize {
        let (mut lo, mut hi) = (0, self.offsets.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.name(mid) < path {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The entries (all stages) named `path`: an empty range at the insertion point when
    /// there are none.
    fn find(&self, path: &[u8]) -> std::ops::Range<usize> {
        let lo = self.lower_bound(path);
        let mut hi = lo;
        while hi < self.offsets.len() && self.name(hi) == path {
            hi += 1;
        }
        lo..hi
    }

    /// True when the entries in `range` are plain stage-0 entries with no flags (not
    /// conflicted, not assume-valid, not skip-worktree or intent-to-add).
    fn plain(&self, range: std::ops::Range<usize>) -> bool {
        range.clone().count() <= 1 && range.into_iter().all(|i| self.flags(i) & 0xf000 == 0)
    }

    /// True when staging `path` would meet a file where a folder is needed (an entry
    /// named like one of its parent folders) or a folder where the file goes (entries
    /// under `path/`): git's "D/F conflict", left to libgit2.
    fn folder_conflict(&self, path: &[u8]) -> bool {
        let mut under = path.to_vec();
        under.push(b'/');
        let first = self.lower_bound(&under);
        if first < self.offsets.len() && self.name(first).starts_with(&under) {
            return true;
        }
        path.iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'/')
            .any(|(n, _)| !self.find(&path[..n]).is_empty())
    }
}

/// The length of the entry at `at`, padding included, or `None` when it runs past `end`.
fn entry_len(bytes: &[u8], at: usize, version: u32, end: usize) -> Option<usize> {
    let flags_at = at + FIXED;
    if flags_at + 2 > end {
        return None;
    }
    let flags = u16::from_be_bytes([bytes[flags_at], bytes[flags_at + 1]]);
    let extended = flags & 0x4000 != 0;
    if extended && version < 3 {
        return None;
    }
    let name_at = flags_at + 2 + if extended { 2 } else { 0 };
    let len = match (flags & 0xfff) as usize {
        0xfff => bytes.get(name_at..end)?.iter().position(|&b| b == 0)?,
        n => n,
    };
    // Entry, name and 1 to 8 NUL bytes, to a multiple of eight.
    let size = (name_at - at + len + 8) & !7;
    (at + size <= end && bytes[name_at + len] == 0).then_some(size)
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// An index entry (version 2 layout, which versions 3 share for unflagged entries) for
/// `path` with the file's stat data, as git's `fill_stat_data` records it.
fn encode(path: &str, meta: &fs::Metadata, oid: Oid, executable: bool) -> Vec<u8> {
    let mode: u32 = if executable { 0o100755 } else { 0o100644 };
    let fields = [
        meta.ctime() as u32,
        meta.ctime_nsec() as u32,
        meta.mtime() as u32,
        meta.mtime_nsec() as u32,
        meta.dev() as u32,
        meta.ino() as u32,
        mode,
        meta.uid(),
        meta.gid(),
        meta.size() as u32,
    ];
    let name = path.as_bytes();
    let size = (FIXED + 2 + name.len() + 8) & !7;
    let mut out = Vec::with_capacity(size);
    for field in fields {
        out.extend_from_slice(&field.to_be_bytes());
    }
    out.extend_from_slice(oid.as_bytes());
    out.extend_from_slice(&(name.len().min(0xfff) as u16).to_be_bytes());
    out.extend_from_slice(name);
    out.resize(size, 0);
    out
}

/// The cache-tree extension with every folder on the changed paths marked invalid (an
/// entry count of -1 and no tree id), as `git add` leaves it. `None` when the data does
/// not parse.
fn invalidate_cache_tree(data: &[u8], paths: &[&str]) -> Option<Vec<u8>> {
    let folders: Vec<Vec<&[u8]>> = paths
        .iter()
        .map(|path| {
            let parts: Vec<&[u8]> = path.as_bytes().split(|&b| b == b'/').collect();
            parts[..parts.len() - 1].to_vec()
        })
        .collect();
    let mut out = Vec::with_capacity(data.len());
    let mut at = 0;
    let mut trail: Vec<&[u8]> = Vec::new();
    copy_tree_node(data, &mut at, &mut trail, &folders, &mut out)?;
    (at == data.len()).then_some(out)
}

/// Copy one cache-tree node and its subtrees from `data[*at..]`, invalidating it when it
/// is a folder on one of the changed paths (`trail` is its path from the root).
fn copy_tree_node<'d>(
    data: &'d [u8],
    at: &mut usize,
    trail: &mut Vec<&'d [u8]>,
    folders: &[Vec<&[u8]>],
    out: &mut Vec<u8>,
) -> Option<()> {
    let rest = data.get(*at..)?;
    let nul = rest.iter().position(|&b| b == 0)?;
    let name = &rest[..nul];
    let line_end = nul + 1 + rest[nul + 1..].iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&rest[nul + 1..line_end]).ok()?;
    let (count, subtrees) = line.split_once(' ')?;
    let count: i64 = count.parse().ok()?;
    let subtrees: usize = subtrees.parse().ok()?;
    *at += line_end + 1;
    let mut oid = None;
    if count >= 0 {
        oid = Some(data.get(*at..*at + HASH)?);
        *at += HASH;
    }
    let depth = trail.len();
    if depth > 0 || !name.is_empty() {
        trail.push(name);
    }
    let on_path = folders
        .iter()
        .any(|f| f.len() >= trail.len() && f[..trail.len()] == trail[..]);
    out.extend_from_slice(name);
    out.push(0);
    match oid {
        Some(oid) if !on_path => {
            out.extend_from_slice(format!("{count} {subtrees}\n").as_bytes());
            out.extend_from_slice(oid);
        }
        _ => out.extend_from_slice(format!("-1 {subtrees}\n").as_bytes()),
    }
    for _ in 0..subtrees {
        copy_tree_node(data, at, trail, folders, out)?;
    }
    trail.truncate(depth);
    Some(())
}

/// `index.lock`, created exclusively (as git creates it), removed again unless
/// [`Written::commit`] renames it over the index. Returning `Ok(None)` drops it.
struct Lock {
    path: std::path::PathBuf,
    index: std::path::PathBuf,
    file: Option<File>,
    /// Renamed over the index: the lock file is gone, and a lock file at `path` now
    /// belongs to someone else.
    committed: bool,
}

impl Lock {
    /// Take the lock, waiting for a live one (a dead one is removed).
    fn take(repo: &Repository, index: &Path) -> Result<Lock> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Lock::create(index) {
                // A git command took it since the caller looked: wait for it as for
                // any live lock (a dead one is removed), then try again.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 5 => {
                    crate::git_lock::clear_stale_lock(repo, &index.with_extension("lock"))?;
                }
                taken => {
                    return taken.with_context(|| {
                        format!("cannot create {}", index.with_extension("lock").display())
                    });
                }
            }
        }
    }

    /// Create the lock file, exclusively (as git creates it).
    fn create(index: &Path) -> io::Result<Lock> {
        let path = index.with_extension("lock");
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(Lock {
            path,
            index: index.to_path_buf(),
            file: Some(file),
            committed: false,
        })
    }
}

/// Write `pieces` from the file's start; the number of bytes written.
fn write_pieces(file: &mut File, pieces: &[Cow<[u8]>]) -> io::Result<u64> {
    let mut len = 0;
    for piece in pieces {
        file.write_all(piece)?;
        len += piece.len() as u64;
    }
    file.flush()?;
    Ok(len)
}

/// The spare index: the index file wol last replaced, kept under another name in the
/// git folder (`wol-index-spare`) so that the next update overwrites its blocks instead
/// of allocating new ones while the kernel frees the old ones.
///
/// Overwriting a file in place is safe only when nobody else can see the bytes change.
/// A spare is written only when all of these hold, and otherwise left alone (the lock
/// file is written as git writes it):
/// - it is a regular file, not a symbolic link, with one name (a hard link made by a
///   backup tool, or a crash between [`keep`] and the rename, would otherwise be changed
///   through its other name);
/// - no process has it open or mapped: a git command that started reading it while it
///   was still the index may still be reading. Linux grants a write lease on a file only
///   when no other open file refers to it, so the lease is asked for, and given back at
///   once: no one can open the spare afterwards through its former name `index`;
/// - it has the owner and group a new lock file gets, and is on the same mount as the
///   index (not a file mounted over the name); it is given the lock file's mode, so the
///   index's permissions are what they would have been.
///
/// A name linked to the spare while it is being written (a backup that hard-links files
/// at that very moment) sees the new bytes: a copy of the spare, which nothing reads.
/// Any failure of the spare falls back to writing the lock file. Other systems keep no
/// spare.
mod spare {
    use std::fs::{File, Metadata};
    use std::path::{Path, PathBuf};

    pub fn path(index: &Path) -> PathBuf {
        index.with_file_name("wol-index-spare")
    }

    /// The spare, opened for writing at its start, when it may be overwritten: as
    /// [`spare`](self) says, and with the owner and group of `like` (the new lock file),
    /// on the same mount as `index` (the index, open; not a file mounted over the name).
    #[cfg(target_os = "linux")]
    pub fn take(path: &Path, index: &File, like: &Metadata) -> Option<File> {
        use std::fs::{self, OpenOptions};
        use std::os::fd::AsRawFd as _;
        use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};

        let file = match OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(_) => {
                // A symbolic link (or a file wol may not write): the name is freed for
                // the next spare; what a link points to is not touched.
                let _ = fs::remove_file(path);
                return None;
            }
        };
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.nlink() != 1 {
            // Not a spare wol kept (or one a crash left as a second name of the index).
            let _ = fs::remove_file(path);
            return None;
        }
        if (meta.uid(), meta.gid()) != (like.uid(), like.gid()) {
            return None;
        }
        if mount_of(&file)? != mount_of(index)? {
            return None;
        }
        let fd = file.as_raw_fd();
        // SAFETY: plain fcntl calls on a file descriptor this function owns.
        #[allow(unsafe_code)]
        let alone = unsafe {
            libc::fcntl(fd, libc::F_SETLEASE, libc::F_WRLCK) == 0
                && libc::fcntl(fd, libc::F_SETLEASE, libc::F_UNLCK) == 0
        };
        alone.then_some(file)
    }

    /// The mount a file is on: its mount id where the kernel gives it (Linux 5.8 on),
    /// else its device number (which does not tell a bind mount from its source).
    #[cfg(target_os = "linux")]
    fn mount_of(file: &File) -> Option<(u64, u64)> {
        use std::os::fd::AsRawFd as _;
        use std::os::unix::fs::MetadataExt as _;

        let mut stx = std::mem::MaybeUninit::<libc::statx>::zeroed();
        // SAFETY: `file` is an open descriptor, the path is an empty NUL-terminated
        // string (AT_EMPTY_PATH: the descriptor itself), and `stx` is a buffer the size
        // of `struct statx`, zeroed, which the call fills in.
        #[allow(unsafe_code)]
        let done = unsafe {
            libc::statx(
                file.as_raw_fd(),
                c"".as_ptr(),
                libc::AT_EMPTY_PATH,
                libc::STATX_MNT_ID,
                stx.as_mut_ptr(),
            )
        };
        // SAFETY: zeroed, then filled in by statx where it succeeded.
        #[allow(unsafe_code)]
        let stx = unsafe { stx.assume_init() };
        let dev = file.metadata().ok()?.dev();
        if done == 0 && stx.stx_mask & libc::STATX_MNT_ID != 0 {
            Some((stx.stx_mnt_id, dev))
        } else {
            Some((0, dev))
        }
    }

    #[cfg(not(target_os = "linux"))]
    pub fn take(_path: &Path, _index: &File, _like: &Metadata) -> Option<File> {
        None
    }

    /// Give the index about to be replaced a second name, as the next spare. True when
    /// it now has one.
    #[cfg(target_os = "linux")]
    pub fn keep(index: &Path, spare: &Path) -> bool {
        std::fs::hard_link(index, spare).is_ok()
    }

    #[cfg(not(target_os = "linux"))]
    pub fn keep(_index: &Path, _spare: &Path) -> bool {
        false
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Not committed (declined, or the write failed): the index stays as it was.
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
    }
}
