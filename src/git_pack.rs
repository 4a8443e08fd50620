//! Packing the loose objects wol writes, as git's `gc --auto` would.
//!
//! Every object wol writes through libgit2 (an entry's blob, a published page, a tree, a
//! commit) lands as a loose file under `.git/objects/`. git packs such files when a
//! porcelain command such as `git commit` sees too many of them; wol never runs one, so
//! they piled up: a full publish of 100,000 entries left about 195,000 files, 1.0 GB on
//! disk (a file takes a 4 KB block at least), and every later read of them opens a file.
//!
//! [`after_writes`] counts them the way git does (one of the 256 fan-out folders, times
//! 256) and, past git's own threshold (`gc.auto`, 6,700 by default; 0 or less turns it
//! off, as in git), starts `wol gc --auto` in the background, as git starts `git gc
//! --auto` (`gc.autoDetach`). That writes every loose object into one new pack and
//! removes the loose copies.
//!
//! It writes the pack stream itself, without the delta search git and libgit2's pack
//! builder do: libgit2's builder cannot turn that search off, and it took a minute for
//! 52,000 published pages on the development machine. The pack is larger than `git
//! gc`'s for it: those 195,000 objects made a pack of 385 MB. Each object is read,
//! compressed again alone and streamed to libgit2's indexer, which hashes every object
//! and writes the pack's index. Loose files are removed only when that index lists every
//! object the pack was written from; otherwise the pack goes instead
//! ([`keep_if_complete`]). A mistake here can cost time, never an object. A loose object
//! that cannot be read stays loose, and [`gc`] packs the others. An automatic packing
//! that fails is recorded in `.git/wol-gc.log`; the commands after it say so and do not
//! try again for a day, as git does with `gc.log`.
//!
//! Safe beside other git processes, as `git prune-packed` is: a loose file goes only
//! once the pack holding its object is in place, and git and libgit2 both look for new
//! packs when an object they expect is not where they looked.

use std::fs;
use std::io::Write;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use flate2::Compression;
use flate2::write::ZlibEncoder;
use git2::{Oid, Repository};
use sha1::{Digest as _, Sha1};

use crate::journal::Journal;

/// git's default `gc.auto`: how many loose objects make `git gc --auto` pack them.
const GC_AUTO_DEFAULT: i64 = 6700;

/// What a packing did.
#[derive(Debug)]
pub struct Packed {
    /// Objects written to the new pack.
    pub objects: usize,
    /// Loose files removed (the objects the pack's index lists).
    pub removed: usize,
    /// Bytes the loose files took on disk (the blocks they held: 4 KB at least each on
    /// most file systems), and the pack's size.
    pub loose_bytes: u64,
    pub pack_bytes: u64,
    /// Loose objects that could not be read (damaged), left as they are by [`gc`].
    pub unreadable: Vec<Oid>,
}

/// A loose object [`pack_loose`] could not read: it packs nothing then.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the loose object {0}")]
pub struct Unreadable(pub Oid);

/// How many damaged loose objects [`gc`] packs around before it gives up: each costs
/// writing the pack again.
const UNREADABLE_MAX: usize = 10;

/// After a command that wrote objects: when there are more loose objects than
/// `gc.auto`, pack them, as git does after `git commit`. In the background by default
/// (`wol gc --auto`, detached, as git's `gc.autoDetach` has it), since packing 200,000
/// objects takes most of a minute; in the foreground with `gc.autoDetach = false`, or when
/// the background process cannot be started. Never fails the command that called it.
pub fn after_writes(journal: &Journal) {
    // Cheap first (a `wol log` must stay quick): no `gc.auto` packs when folder 17 holds
    // one loose object or none.
    let git_dir = journal.root.join(".git");
    if git_dir.is_dir() && loose_in_17(&git_dir.join("objects")) <= 1 {
        return;
    }
    // The command's own repository, opened already.
    let Ok(repo) = journal.repo() else {
        return;
    };
    if !too_many_loose(repo) {
        return;
    }
    // A packing that failed is not tried again by itself for a day, as git does with
    // `gc.log`: a background one would fail after every command, and unseen.
    if let Some(failure) = recent_failure(repo) {
        crate::error::warn(
            format!("the last automatic packing of the journal's git objects failed: {failure}"),
            Some(&format!(
                "run `wol gc` to try again and see why; nothing is lost (automatic packing resumes a day after it failed, or once {} is removed)",
                failure_log(repo).display()
            )),
        );
        return;
    }
    let detach = repo
        .config()
        .ok()
        .and_then(|c| c.get_bool("gc.autoDetach").ok())
        .unwrap_or(true);
    if detach {
        let spawned = std::env::current_exe().and_then(|exe| {
            use std::os::unix::process::CommandExt as _;
            std::process::Command::new(exe)
                .arg("--journal")
                .arg(&journal.root)
                .args(["--quiet", "gc", "--auto"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                // Out of the terminal's process group: a Ctrl-C meant for the next
                // command does not stop it half way (which would cost nothing but time).
                .process_group(0)
                .spawn()
        });
        match spawned {
            Ok(child) => {
                // As git says it after a commit: the disk is busy for a while.
                crate::diag::say(format_args!(
                    "packing the journal's loose git objects in the background (wol gc, process {})",
                    child.id()
                ));
                return;
            }
            Err(e) => crate::diag::info(format_args!(
                "cannot pack in the background ({e}); packing now"
            )),
        }
    }
    crate::diag::say(format_args!(
        "packing the journal's loose git objects (wol gc)…"
    ));
    // (Counted just now: not again.)
    if let Err(e) = gc(repo, false) {
        record_failure(repo, &e);
        crate::error::warn(
            format!("cannot pack the journal's loose git objects: {e:#}"),
            Some("nothing is lost: they stay as they are; `wol gc` or `git gc` packs them"),
        );
    }
}

/// What [`gc`] did.
#[derive(Debug)]
pub enum Gc {
    /// `auto`, and not more loose objects than `gc.auto`.
    NotYet,
    /// Another wol is packing this repository's objects.
    Busy,
    Packed(Packed),
}

/// Pack the loose objects of `repo` (with `auto`, only when there are more than
/// `gc.auto`), one wol at a time: a second one finds the lock taken and leaves it.
pub fn gc(repo: &Repository, auto: bool) -> Result<Gc> {
    if auto && !too_many_loose(repo) {
        return Ok(Gc::NotYet);
    }
    let path = repo.commondir().join("wol-gc.lock");
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    // Held until this function returns; the system lets go of it if the process dies.
    match lock.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => return Ok(Gc::Busy),
        Err(fs::TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    let t0 = std::time::Instant::now();
    // A damaged loose object must not keep every other one loose for ever: it stays as
    // it is, and the others are packed.
    let mut unreadable = Vec::new();
    let mut packed = loop {
        match pack_loose_but(repo, &unreadable) {
            Err(e) if unreadable.len() < UNREADABLE_MAX => match e.downcast_ref::<Unreadable>() {
                Some(Unreadable(oid)) => unreadable.push(*oid),
                None => return Err(e),
            },
            done => break done?,
        }
    };
    if !unreadable.is_empty() {
        crate::error::warn(
            format!(
                "{} loose git object(s) could not be read and stay as they are (first: {})",
                unreadable.len(),
                unreadable[0]
            ),
            Some("`git fsck` says whether anything needs them; the others were packed"),
        );
    }
    packed.unreadable = unreadable;
    let _ = fs::remove_file(failure_log(repo));
    crate::diag::info(format_args!(
        "packed {} loose objects ({} files removed, {} KB on disk) into a pack of {} KB, in {:?}",
        packed.objects,
        packed.removed,
        packed.loose_bytes / 1024,
        packed.pack_bytes / 1024,
        t0.elapsed()
    ));
    Ok(Gc::Packed(packed))
}

/// Where a failed automatic packing is recorded (git's own is `gc.log`).
fn failure_log(repo: &Repository) -> PathBuf {
    repo.commondir().join("wol-gc.log")
}

/// Record that an automatic packing failed with `error`, so that the next commands say
/// so instead of trying again ([`after_writes`]). Best effort.
pub fn record_failure(repo: &Repository, error: &anyhow::Error) {
    let _ = fs::write(failure_log(repo), format!("{error:#}\n"));
}

/// What the last automatic packing's failure said, when it failed less than a day ago.
fn recent_failure(repo: &Repository) -> Option<String> {
    let path = failure_log(repo);
    let age = fs::metadata(&path).ok()?.modified().ok()?.elapsed().ok()?;
    if age > std::time::Duration::from_secs(24 * 60 * 60) {
        return None;
    }
    let text = fs::read_to_string(&path).ok()?;
    Some(crate::term::sanitize_text(text.trim()).into_owned())
}

/// Whether git's estimate of the loose objects (`too_many_loose_objects`: the fan-out
/// folder 17 holds a 256th of them) is over `gc.auto`, 6,700 by default; 0 or less turns
/// packing off, as in git.
fn too_many_loose(repo: &Repository) -> bool {
    let threshold = repo
        .config()
        .ok()
        .and_then(|c| c.get_i64("gc.auto").ok())
        .unwrap_or(GC_AUTO_DEFAULT);
    if threshold <= 0 {
        return false;
    }
    let sample = loose_in_17(&objects_dir(repo));
    sample as i64 > (threshold + 255) / 256
}

/// The loose objects in the fan-out folder 17 of the object store `objects`.
fn loose_in_17(objects: &Path) -> usize {
    fs::read_dir(objects.join("17")).map_or(0, |dir| {
        dir.filter_map(|e| e.ok())
            .filter(|e| is_loose_name(&e.file_name().to_string_lossy()))
            .count()
    })
}

/// Write every loose object of `repo` into one new pack, then remove their loose files,
/// once the new pack's index lists every one of them ([`keep_if_complete`]). All or
/// nothing: an object that cannot be read is an [`Unreadable`] error, and no pack is left.
pub fn pack_loose(repo: &Repository) -> Result<Packed> {
    pack_loose_but(repo, &[])
}

/// [`pack_loose`], leaving the loose objects `skip` alone.
fn pack_loose_but(repo: &Repository, skip: &[Oid]) -> Result<Packed> {
    let objects = objects_dir(repo);
    let mut loose: Vec<(Oid, u64)> = Vec::new();
    for fan in 0..=255u8 {
        let dir = objects.join(format!("{fan:02x}"));
        let Ok(names) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in names.filter_map(|e| e.ok()) {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !is_loose_name(&name) {
                continue;
            }
            let Ok(oid) = Oid::from_str(&format!("{fan:02x}{name}")) else {
                continue;
            };
            if skip.contains(&oid) {
                continue;
            }
            let size = entry.metadata().map_or(0, |m| m.blocks() * 512);
            loose.push((oid, size));
        }
    }
    let mut packed = Packed {
        objects: loose.len(),
        removed: 0,
        loose_bytes: loose.iter().map(|(_, size)| size).sum(),
        pack_bytes: 0,
        unreadable: Vec::new(),
    };
    if loose.is_empty() {
        return Ok(packed);
    }
    let pack_dir = objects.join("pack");
    fs::create_dir_all(&pack_dir)
        .with_context(|| format!("cannot create {}", pack_dir.display()))?;
    let odb = repo.odb()?;
    let indexer =
        git2::Indexer::new(None, &pack_dir, 0, false).context("cannot start writing a pack")?;
    let mut out = Stream {
        indexer,
        sum: Sha1::new(),
        bytes: 0,
    };
    out.write_all(b"PACK")?;
    out.write_all(&2u32.to_be_bytes())?;
    let count = u32::try_from(loose.len()).context("too many loose objects for one pack")?;
    out.write_all(&count.to_be_bytes())?;
    let mut header = Vec::with_capacity(10);
    for (oid, _) in &loose {
        let object = odb
            .read(*oid)
            .map_err(|e| anyhow::Error::new(e).context(Unreadable(*oid)))?;
        let kind = match object.kind() {
            git2::ObjectType::Commit => 1,
            git2::ObjectType::Tree => 2,
            git2::ObjectType::Blob => 3,
            git2::ObjectType::Tag => 4,
            other => bail!("the loose object {oid} is of a kind a pack cannot hold ({other})"),
        };
        entry_header(&mut header, kind, object.len() as u64);
        out.write_all(&header)?;
        // zlib's quickest level: when packing runs in the foreground, the person waits.
        let mut z = ZlibEncoder::new(&mut out, Compression::fast());
        z.write_all(object.data())?;
        z.finish()?;
    }
    let sum = std::mem::take(&mut out.sum).finalize();
    out.write_all(&sum)?;
    packed.pack_bytes = out.bytes;
    let Stream { indexer, .. } = out;
    let name = indexer.commit().context("cannot finish the pack")?;
    keep_if_complete(&pack_dir, &name, loose.iter().map(|(oid, _)| *oid))?;
    odb.refresh()?;
    for (oid, _) in &loose {
        if fs::remove_file(loose_path(&objects, *oid)).is_ok() {
            packed.removed += 1;
        }
    }
    Ok(packed)
}

/// Check that the pack `pack-<name>` in `pack_dir` holds every object of `written`, by
/// the ids its index lists: those libgit2 hashed from the pack itself. A pack that does
/// not is removed. (libgit2's indexer takes a pack whose entries state a wrong size, and
/// lists what it hashed.)
fn keep_if_complete(
    pack_dir: &Path,
    name: &str,
    mut written: impl Iterator<Item = Oid>,
) -> Result<()> {
    let listed = pack_index_ids(&pack_dir.join(format!("pack-{name}.idx")));
    let missing = match &listed {
        Ok(listed) => written.find(|oid| listed.binary_search(oid).is_err()),
        Err(_) => None,
    };
    if listed.is_ok() && missing.is_none() {
        return Ok(());
    }
    for ext in ["pack", "idx", "rev"] {
        let _ = fs::remove_file(pack_dir.join(format!("pack-{name}.{ext}")));
    }
    match missing {
        Some(oid) => bail!(
            "the pack written does not hold the object {oid}; it was removed, and no loose object was"
        ),
        None => listed.map(|_| ()),
    }
}

/// The object store: in the common git dir (a linked worktree's own dir has none).
fn objects_dir(repo: &Repository) -> PathBuf {
    repo.commondir().join("objects")
}

/// The loose file of `oid` in the folder `objects`: `xx/` and the other 38 hex digits.
fn loose_path(objects: &Path, oid: Oid) -> PathBuf {
    let hex = oid.to_string();
    objects.join(&hex[..2]).join(&hex[2..])
}

/// A loose object's file name within its fan-out folder: the id's other 38 hex digits,
/// in lower case as git writes them (the file removed after packing is named so).
fn is_loose_name(name: &str) -> bool {
    name.len() == 38 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A pack entry's header: the kind and the size, seven bits a byte after the first four.
fn entry_header(out: &mut Vec<u8>, kind: u8, size: u64) {
    out.clear();
    let mut byte = (kind << 4) | (size & 0x0f) as u8;
    let mut rest = size >> 4;
    while rest > 0 {
        out.push(byte | 0x80);
        byte = (rest & 0x7f) as u8;
        rest >>= 7;
    }
    out.push(byte);
}

/// The object ids a version 2 pack index lists, sorted (as the index keeps them).
fn pack_index_ids(path: &Path) -> Result<Vec<Oid>> {
    let idx = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let bad = || anyhow::anyhow!("{} is not a pack index wol reads", path.display());
    if idx.len() < 8 + 256 * 4 || idx[..4] != *b"\xfftOc" || idx[4..8] != 2u32.to_be_bytes() {
        return Err(bad());
    }
    let count = u32::from_be_bytes(idx[8 + 255 * 4..8 + 256 * 4].try_into()?) as usize;
    let start = 8 + 256 * 4;
    let ids = idx
        .get(start..start + count * 20)
        .ok_or_else(bad)?
        .chunks_exact(20)
        .map(Oid::from_bytes)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids)
}

/// The pack stream: to the indexer, summed for the pack's trailer.
struct Stream<'a> {
    indexer: git2::Indexer<'a>,
    sum: Sha1,
    bytes: u64,
}

impl Write for Stream<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.indexer.write_all(buf)?;
        self.sum.update(buf);
        self.bytes += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> (tempfile::TempDir, Repository) {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        (dir, repo)
    }

    fn pack_files(repo: &Repository) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(objects_dir(repo).join("pack"))
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    #[test]
    fn objects_of_every_size_read_the_same_once_packed() {
        let (_dir, repo) = repo();
        // Each side of every boundary of the header's size fields (4 bits, then 7 a byte).
        let sizes = [
            0,
            1,
            15,
            16,
            17,
            2047,
            2048,
            2049,
            (1 << 18) - 1,
            1 << 18,
            3 << 20,
        ];
        let blobs: Vec<(Oid, Vec<u8>)> = sizes
            .iter()
            .map(|&n| {
                let data: Vec<u8> = (0..n).map(|i| (i * 7 + n) as u8).collect();
                (repo.blob(&data).unwrap(), data)
            })
            .collect();
        let packed = pack_loose(&repo).unwrap();
        assert_eq!((packed.objects, packed.removed), (sizes.len(), sizes.len()));
        assert_eq!(pack_loose(&repo).unwrap().objects, 0);
        let fresh = Repository::open(repo.path()).unwrap();
        for (oid, data) in &blobs {
            assert!(!loose_path(&objects_dir(&fresh), *oid).exists());
            assert_eq!(fresh.find_blob(*oid).unwrap().content(), &data[..]);
        }
    }

    #[test]
    fn a_loose_object_that_cannot_be_read_packs_and_removes_nothing() {
        let (_dir, repo) = repo();
        let good = repo.blob(b"kept loose\n").unwrap();
        let (bad, _) = damaged_loose(&repo);
        let before = pack_files(&repo);
        let err = pack_loose(&repo).unwrap_err();
        assert!(err.downcast_ref::<Unreadable>().is_some(), "{err:#}");
        assert_eq!(pack_files(&repo), before, "a pack was left behind");
        assert!(bad.exists());
        assert_eq!(repo.find_blob(good).unwrap().content(), b"kept loose\n");
        assert!(loose_path(&objects_dir(&repo), good).exists());
    }

    /// A file where a loose object should be, that is not one.
    fn damaged_loose(repo: &Repository) -> (PathBuf, Oid) {
        let oid = Oid::from_str(&format!("ab{}", "c".repeat(38))).unwrap();
        let bad = loose_path(&objects_dir(repo), oid);
        fs::create_dir_all(bad.parent().unwrap()).unwrap();
        fs::write(&bad, b"not zlib").unwrap();
        (bad, oid)
    }

    #[test]
    fn gc_packs_the_others_around_a_loose_object_that_cannot_be_read() {
        let (_dir, repo) = repo();
        let good = repo.blob(b"packed around it\n").unwrap();
        let (bad, bad_oid) = damaged_loose(&repo);
        let Gc::Packed(packed) = gc(&repo, false).unwrap() else {
            panic!("not packed");
        };
        assert_eq!((packed.objects, packed.removed), (1, 1));
        assert_eq!(packed.unreadable, [bad_oid]);
        assert!(bad.exists());
        assert!(!loose_path(&objects_dir(&repo), good).exists());
        let fresh = Repository::open(repo.path()).unwrap();
        assert_eq!(
            fresh.find_blob(good).unwrap().content(),
            b"packed around it\n"
        );
    }

    #[test]
    fn a_pack_without_every_object_it_was_written_from_goes() {
        let (_dir, repo) = repo();
        let blob = repo.blob(b"packed\n").unwrap();
        pack_loose(&repo).unwrap();
        let pack_dir = objects_dir(&repo).join("pack");
        let name = pack_files(&repo)[0]
            .strip_prefix("pack-")
            .and_then(|n| n.split('.').next())
            .unwrap()
            .to_string();
        keep_if_complete(&pack_dir, &name, [blob].into_iter()).unwrap();
        assert!(!pack_files(&repo).is_empty());
        let other = Oid::hash_object(git2::ObjectType::Blob, b"never packed\n").unwrap();
        let err = keep_if_complete(&pack_dir, &name, [blob, other].into_iter()).unwrap_err();
        assert!(err.to_string().contains(&other.to_string()), "{err}");
        assert_eq!(pack_files(&repo), Vec::<String>::new());
    }

    #[test]
    fn the_header_carries_kind_and_size() {
        let mut out = Vec::new();
        entry_header(&mut out, 3, 0);
        assert_eq!(out, [0x30]);
        entry_header(&mut out, 3, 15);
        assert_eq!(out, [0x3f]);
        entry_header(&mut out, 1, 16);
        assert_eq!(out, [0x90, 0x01]);
        entry_header(&mut out, 2, 2048 + 5);
        assert_eq!(out, [0xa5, 0x80, 0x01]);
    }
}
