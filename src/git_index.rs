//! Splicing a few paths into git's index file without parsing the rest of it.
//!
//! libgit2 updates the index by reading every entry into a map, then writing and
//! checksumming the whole file again: at 100,000 entries that is most of `wol log`'s
//! time. Here the file is mapped as bytes, walked once for the entries' offsets (a few
//! bytes per entry are looked at), and written back with the changed entries spliced in:
//! a memory copy and one SHA-1 (none when `index.skipHash` is set). For `wol log`, even
//! those are mostly done ahead: see [`ahead`].
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
use std::io;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use git2::{ObjectType, Oid, Repository};

use crate::error::hinted;

mod ahead;
use ahead::{NextHash, Sha1Stream, Spare, identity};
pub use ahead::{finish as save_ahead, start as hash_ahead, warm_up};

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

/// Bring the index in step with the work tree for `paths` (`/`-separated, relative to
/// the work tree): a path whose file exists is staged with that file's content and stat
/// data, a path without a file is removed. Returns `Ok(false)`, having changed nothing,
/// when the index is one this module leaves to libgit2.
pub fn splice(repo: &Repository, paths: &[&str]) -> Result<bool> {
    let Some(workdir) = repo.workdir() else {
        return Ok(false);
    };
    let config = repo.config()?.snapshot()?;
    let flag = |key: &str| config.get_bool(key).ok();
    if config
        .get_string("extensions.objectformat")
        .is_ok_and(|f| !f.eq_ignore_ascii_case("sha1"))
    {
        return Ok(false);
    }
    let skip_hash = flag("index.skiphash")
        .or_else(|| flag("feature.manyfiles"))
        .unwrap_or(false);
    let file_mode = flag("core.filemode").unwrap_or(true);

    let index_path = repo.path().join("index");
    // The lock first, then the read: a git command that rewrites the index meanwhile
    // either finishes before (and its index is the one read) or waits for this one.
    let mut lock = Lock::take(repo, &index_path)?;
    // The index the thread hashing ahead read, when it is still the index: git and
    // libgit2 replace an index by a rename, never in place, so the same file is the
    // same bytes.
    let early = ahead::early(&index_path).filter(|e| is_index(&e.file, &index_path));
    let (file, map, layout) = match early {
        Some(early) => (early.file, early.map, early.layout),
        None => {
            let file = match File::open(&index_path) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot read {}", index_path.display()));
                }
            };
            // Anything but a regular file (a folder in its place) is libgit2's to refuse.
            if !file.metadata().is_ok_and(|m| m.is_file()) {
                return Ok(false);
            }
            // Mapped, not read: the unchanged entries go from the page cache straight
            // into the lock file, with no copy in between (at 100,000 entries reading
            // the 13 MB into a fresh buffer was a fifth of `wol log`).
            // SAFETY: the map is only read, and the file is not changed while it is: git
            // and libgit2 never write an index in place (they write `index.lock` and
            // rename it over), and the lock taken above is ours.
            #[allow(unsafe_code)]
            let map = unsafe { memmap2::MmapOptions::new().populate().map(&file) }
                .with_context(|| format!("cannot read {}", index_path.display()))?;
            (file, Arc::new(map), None)
        }
    };
    let old: &[u8] = &map;
    let parsed = match layout {
        Some(layout) => Ok(Parsed::with_layout(old, layout)),
        None => Parsed::new(old),
    };
    let index = match parsed {
        Ok(index) => index,
        Err(Decline::Unknown) => return Ok(false),
        Err(Decline::Required(signature)) => {
            // libgit2 cannot read such an index either, so there is nothing to fall
            // back to: say how to turn it into one both can read.
            let dir = workdir.display();
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

    let mut updates: Vec<(&str, Update)> = Vec::with_capacity(paths.len());
    for &path in paths {
        let found = index.find(path.as_bytes());
        if !index.plain(found.clone()) || index.folder_conflict(path.as_bytes()) {
            return Ok(false);
        }
        let update = match fs::symlink_metadata(workdir.join(path)) {
            Ok(meta) if meta.is_file() => {
                let content =
                    fs::read(workdir.join(path)).with_context(|| format!("cannot read {path}"))?;
                let oid = Oid::hash_object(ObjectType::Blob, &content)?;
                let executable = if file_mode {
                    meta.permissions().mode() & 0o111 != 0
                } else {
                    // Without core.fileMode git keeps the mode the index already has.
                    found
                        .clone()
                        .next()
                        .is_some_and(|i| index.mode(i) == 0o100755)
                };
                Update::Stage(encode(path, &meta, oid, executable))
            }
            Ok(_) => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Update::Unstage,
            Err(e) => return Err(e).with_context(|| format!("cannot read {path}")),
        };
        updates.push((path, update));
    }
    updates.sort_by(|a, b| a.0.cmp(b.0));
    updates.dedup_by(|a, b| a.0 == b.0);

    // The new file as pieces: most of them borrowed from the old one, so the entries
    // are copied once, straight into the lock file.
    let mut pieces: Vec<Cow<[u8]>> = Vec::with_capacity(2 * updates.len() + 6);
    let mut count = index.offsets.len();
    let mut next = 0; // the first old entry not yet copied
    let mut first_change = None;
    for (path, update) in &updates {
        let found = index.find(path.as_bytes());
        first_change.get_or_insert(index.start(found.start));
        pieces.push(Cow::Borrowed(
            &old[index.start(next)..index.start(found.start)],
        ));
        count -= found.len();
        if let Update::Stage(entry) = update {
            pieces.push(Cow::Borrowed(entry));
            count += 1;
        }
        next = found.end;
    }
    pieces.push(Cow::Borrowed(&old[index.start(next)..index.entries_end]));
    let mut header = old[..HEADER].to_vec();
    header[8..12].copy_from_slice(&(count as u32).to_be_bytes());
    pieces.insert(0, Cow::Owned(header));

    for ext in &index.extensions {
        match &old[ext.clone()][..4] {
            b"TREE" => {
                let data = &old[ext.start + 8..ext.end];
                let Some(tree) = invalidate_cache_tree(data, &updates) else {
                    return Ok(false);
                };
                let mut head = b"TREE".to_vec();
                head.extend_from_slice(&(tree.len() as u32).to_be_bytes());
                pieces.push(Cow::Owned(head));
                pieces.push(Cow::Owned(tree));
            }
            b"REUC" => pieces.push(Cow::Borrowed(&old[ext.clone()])),
            _ => {} // an optional cache (checked in Parsed::new): git rebuilds it
        }
    }
    // Bytes before this offset are the old file's (the header aside).
    let first_change = first_change.unwrap_or(index.entries_end) as u64;
    let trailer = if skip_hash {
        [0; HASH]
    } else {
        // The state hashed ahead by the last write, when it is for this very file, this
        // count, and bytes this write does not change.
        let ahead = NextHash::for_index(&index_path, old)
            .filter(|n| n.count as usize == count && n.state.len() <= first_change)
            .map(|n| n.state);
        let mut sha = ahead.map_or_else(Sha1Stream::default, Sha1Stream::resume);
        let mut skip = sha.len() as usize;
        for piece in &pieces {
            let from = skip.min(piece.len());
            sha.update(&piece[from..]);
            skip -= from;
        }
        crate::diag::debug(format_args!(
            "index: {} of {} bytes hashed ({})",
            sha.len() - ahead.map_or(0, |s| s.len()),
            sha.len(),
            if ahead.is_some() {
                "the rest was hashed ahead"
            } else {
                "nothing hashed ahead for this file"
            }
        ));
        sha.finish()
    };
    pieces.push(Cow::Owned(trailer.to_vec()));
    let read = identity(old);
    let wrote = (trailer, pieces.iter().map(|p| p.len() as u64).sum());
    // Which bytes the spare holds: what the last write recorded for this very file (the
    // spare is the index it replaced), up to the first entry this write changes. And the
    // same for the next write, whose spare this index becomes. Only for files a trailer
    // tells apart (not with `index.skipHash`).
    let named = |id: &([u8; HASH], u64)| id.0 != [0; HASH];
    let shared = Spare::for_index(&index_path, old)
        .filter(|_| named(&wrote))
        .map(|s| Spare {
            same_until: s.same_until.min(first_change),
            ..s
        });
    let next = (named(&read) && named(&wrote)).then_some(Spare {
        index: wrote,
        trailer: read.0,
        len: read.1,
        same_until: first_change,
    });
    lock.commit(&pieces, &file, shared, next)?;
    ahead::wrote(
        &index_path,
        ahead::Written {
            read,
            wrote,
            count: count as u32,
            first_change,
        },
    );
    Ok(true)
}

/// Whether `file` is (still) the index at `path`: a regular file, and the one the name
/// leads to.
fn is_index(file: &File, path: &Path) -> bool {
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(open), Ok(named)) => {
            open.is_file() && (open.dev(), open.ino()) == (named.dev(), named.ino())
        }
        _ => false,
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

/// What [`Parsed`] found in a file, apart from the file.
struct Layout {
    offsets: Vec<usize>,
    entries_end: usize,
    extensions: Vec<std::ops::Range<usize>>,
}

impl<'a> Parsed<'a> {
    fn new(bytes: &'a [u8]) -> Result<Parsed<'a>, Decline> {
        Self::parse(bytes)?.ok_or(Decline::Unknown)
    }

    /// The file `bytes` that [`Parsed::new`] made `layout` of.
    fn with_layout(bytes: &'a [u8], layout: Layout) -> Parsed<'a> {
        let Layout {
            offsets,
            entries_end,
            extensions,
        } = layout;
        Parsed {
            bytes,
            offsets,
            entries_end,
            extensions,
        }
    }

    fn into_layout(self) -> Layout {
        Layout {
            offsets: self.offsets,
            entries_end: self.entries_end,
            extensions: self.extensions,
        }
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
fn invalidate_cache_tree(data: &[u8], updates: &[(&str, Update)]) -> Option<Vec<u8>> {
    let folders: Vec<Vec<&[u8]>> = updates
        .iter()
        .map(|(path, _)| {
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
/// [`Lock::commit`] renames it over the index. Returning `Ok(false)` drops it.
struct Lock {
    path: std::path::PathBuf,
    index: std::path::PathBuf,
    file: Option<File>,
    /// Renamed over the index: the lock file is gone, and a lock file at `path` now
    /// belongs to someone else.
    committed: bool,
}

impl Lock {
    fn take(repo: &Repository, index: &Path) -> Result<Lock> {
        let path = index.with_extension("lock");
        let mut attempt = 0;
        let file = loop {
            attempt += 1;
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                // A git command took it since the caller looked: wait for it as for
                // any live lock (a dead one is removed), then try again.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 5 => {
                    crate::git_lock::clear_stale_lock(repo, &path)?;
                }
                opened => {
                    break opened.with_context(|| format!("cannot create {}", path.display()))?;
                }
            }
        };
        Ok(Lock {
            path,
            index: index.to_path_buf(),
            file: Some(file),
            committed: false,
        })
    }

    /// Write `pieces` to the lock file and rename it over the index (`index`, open).
    ///
    /// The bytes go into the spare (the index before last, see [`spare`]) when there is
    /// one nobody has open, and the spare is renamed over the lock file; the index being
    /// replaced becomes the next spare. At 100,000 entries that turns a 13 MB file
    /// created and another freed (about 10 ms of `wol log`, mostly the kernel allocating
    /// and releasing blocks) into an overwrite in place (about 1 ms). When `shared` says
    /// which bytes the spare holds already (what the last write recorded, for a spare
    /// that is still the very file it names), only the others are written: the header
    /// and what follows the first change, a few kilobytes instead of 13 MB. `next` is the
    /// same for the next write, recorded when the index replaced becomes the spare.
    fn commit(
        &mut self,
        pieces: &[Cow<[u8]>],
        index: &File,
        shared: Option<Spare>,
        next: Option<Spare>,
    ) -> Result<()> {
        // Both files stay open until the rename over the index: a lock file some process
        // has open is live to wol's stale-lock check (`git_lock`), at every moment.
        let mut file = self.file.take().expect("a lock is committed once");
        let spare_path = spare::path(&self.index);
        // The lock file as created has the owner, group and mode git gives an index; the
        // spare must have the same (and gets the same mode).
        let like = file
            .metadata()
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        let _ = fs::remove_file(spare::legacy_path(&self.index));
        let mut reused = spare::take(&spare_path, index, &like);
        if let Some(spare) = &mut reused {
            // What the last write recorded vouches for the spare's bytes, which change now.
            Spare::forget(&self.index);
            let same_until = shared
                .filter(|s| spare::holds(spare, s))
                .map_or(HEADER as u64, |s| s.same_until.max(HEADER as u64));
            crate::diag::debug(format_args!(
                "index: {same_until} bytes of the spare kept as they are"
            ));
            let done = write_pieces_at(spare, pieces, HEADER as u64..same_until)
                .and_then(|len| spare.set_len(len))
                .and_then(|()| spare.set_permissions(like.permissions()))
                .and_then(|()| fs::rename(&spare_path, &self.path));
            if done.is_err() {
                // Only a spare: a half-written one is not kept, and the lock file, still
                // ours, is written as git writes it.
                let _ = fs::remove_file(&spare_path);
                reused = None;
            }
        }
        if reused.is_none() {
            write_pieces_at(&mut file, pieces, 0..0)
                .with_context(|| format!("cannot write {}", self.path.display()))?;
        }
        let kept = spare::keep(&self.index, &spare_path);
        if kept && let Some(next) = next {
            // Before the rename: until then no other writer can take the lock, and
            // touch the spare this record vouches for.
            next.save(&self.index);
        }
        if let Err(e) = fs::rename(&self.path, &self.index) {
            if kept {
                // The spare is the index itself, still in use: not a spare.
                let _ = fs::remove_file(&spare_path);
            }
            return Err(e).with_context(|| format!("cannot write {}", self.index.display()));
        }
        drop((file, reused));
        self.committed = true;
        Ok(())
    }
}

/// Write `pieces`, end to end from the file's start, except the bytes in `skip` (which
/// the file holds already); the number of bytes they make.
fn write_pieces_at(
    file: &mut File,
    pieces: &[Cow<[u8]>],
    skip: std::ops::Range<u64>,
) -> io::Result<u64> {
    use std::os::unix::fs::FileExt as _;
    let mut at = 0;
    for piece in pieces {
        let end = at + piece.len() as u64;
        // The parts of the piece before and after `skip`.
        let before = at..end.min(skip.start).max(at);
        let after = skip.end.max(at).min(end)..end;
        for part in [before, after] {
            if !part.is_empty() {
                let bytes = &piece[(part.start - at) as usize..(part.end - at) as usize];
                file.write_all_at(bytes, part.start)?;
            }
        }
        at = end;
    }
    Ok(at)
}

/// The spare index: the index file wol last replaced, kept under another name in the
/// git folder (`wol-index-spare2`) so that the next update overwrites its blocks instead
/// of allocating new ones while the kernel frees the old ones, and, when what the last
/// write saved says which of its bytes the new index shares, writes only the others.
/// (Earlier builds of wol kept it as `wol-index-spare` and wrote it with no record to
/// remove first: that name is removed, not used.)
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
        index.with_file_name("wol-index-spare2")
    }

    /// Where wol kept the spare before it saved which bytes the spare holds: a wol of
    /// that time may still write it, without a word to the record.
    pub fn legacy_path(index: &Path) -> PathBuf {
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
            .read(true)
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

    /// Whether the spare `file` is the index `spare` names: its length, and the checksum
    /// at its end. (Only wol writes a spare, and what vouched for it is removed before
    /// it does; within a boot the page cache holds what was written.)
    pub fn holds(file: &File, spare: &super::Spare) -> bool {
        use std::os::unix::fs::FileExt as _;
        let mut trailer = [0; super::HASH];
        file.metadata().is_ok_and(|m| m.len() == spare.len)
            && spare.len >= super::HASH as u64
            && file
                .read_exact_at(&mut trailer, spare.len - super::HASH as u64)
                .is_ok()
            && trailer == spare.trailer
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_written_around_the_bytes_the_file_holds() {
        let pieces: Vec<Cow<[u8]>> = vec![
            Cow::Borrowed(b"HEADERHEADER"),
            Cow::Borrowed(b"abcdefgh"),
            Cow::Owned(b"ijklmnop".to_vec()),
            Cow::Borrowed(b"qr"),
        ];
        let whole: Vec<u8> = pieces.concat();
        for skip in [0..0, 12..12, 12..14, 12..20, 14..23, 12..30, 29..30] {
            let tmp = tempfile::tempfile().unwrap();
            let mut file = tmp;
            // The file holds `.`s: they stay where bytes are skipped, and only there.
            std::io::Write::write_all(&mut file, &vec![b'.'; whole.len()]).unwrap();
            let mut want = whole.clone();
            want[skip.start as usize..skip.end as usize].fill(b'.');
            let len = write_pieces_at(&mut file, &pieces, skip.clone()).unwrap();
            assert_eq!(len, whole.len() as u64);
            let mut got = Vec::new();
            use std::io::{Read as _, Seek as _};
            file.rewind().unwrap();
            file.read_to_end(&mut got).unwrap();
            assert_eq!(got, want, "skipping {skip:?}");
        }
    }
}
