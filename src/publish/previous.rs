//! What a publish needs of the tree the last one built: the files under `entries/` (path
//! and blob), the id of every blob and every tree in it, and the `updated` time of every
//! entry, as [`json::updated_times`] reads it from the tree's `wol.json` and the months
//! kept apart from it. All of it is kept in `.wol/cache/published-<partner>.bin` for the
//! tree a publish built, and the next publish reads it instead of walking that tree (129
//! trees and 18,000 blobs at 10,000 entries) and inflating and parsing its JSON (3 MB).
//!
//! The file names the tree it was written for, and the wol build, and carries a SHA-1 of
//! its content: it is used only for that very tree, by that build, intact. Anything else
//! (no file, another tree, another build, a damaged file) falls back to the tree and its
//! JSON, which stay the source of truth; deleting the file changes nothing but the time
//! taken.

use foldhash::HashMap;
use std::io::Write;
use std::path::Path;

use git2::{Oid, Repository, Tree};
use sha1::{Digest as _, Sha1};

use crate::git::OidSet;
use crate::site::json;

const MAGIC: &[u8; 12] = b"wol-publish\0";

/// The previous published tree, as a build uses it.
#[derive(Default)]
pub struct Previous {
    /// The files under `entries/` by path (the others are never looked up by path, and
    /// naming each of the site's 10,000 pages was a tenth of a one-entry publish's
    /// build), each with its blob and, for an entry, the `updated` time it was published
    /// with (one map keyed by path, not two: 10 MB less at 100,000 entries).
    pub entries: HashMap<String, (Oid, Option<Box<str>>)>,
    /// Every blob and every tree in it: in the object database already.
    pub blobs: OidSet,
    pub trees: OidSet,
}

impl Previous {
    /// Give each entry file its `updated` time from `updated` (path → time). A time for
    /// a path the tree has no file at is of no use, and is dropped.
    fn with_updated<'t>(&mut self, updated: impl IntoIterator<Item = (&'t str, &'t str)>) {
        for (path, time) in updated {
            if let Some((_, slot)) = self.entries.get_mut(path) {
                *slot = Some(time.into());
            }
        }
    }
}

/// What a build needs of `tree`: from `file` when it was written for this tree by this
/// build (then `true`: the file holds this tree's), else from the tree itself.
pub fn read(repo: &Repository, tree: &Tree<'_>, file: Option<&Path>) -> (Previous, bool) {
    if let Some(previous) = file.and_then(|file| read_file(file, tree.id())) {
        crate::diag::debug(format_args!(
            "publish: the last publish's files and updated times from the cache ({} entries)",
            previous
                .entries
                .values()
                .filter(|(_, t)| t.is_some())
                .count()
        ));
        return (previous, true);
    }
    crate::diag::debug(format_args!(
        "publish: the last publish's files from its tree, updated times from its wol.json"
    ));
    let mut previous = files_of(tree);
    let updated = json::updated_times(repo, tree);
    previous.with_updated(updated.iter().map(|(p, t)| (p.as_str(), t.as_str())));
    (previous, false)
}

/// The files of `tree`, read in one walk: looking each entry up by path would read (and
/// inflate, and hash) its month's tree again for every entry.
fn files_of(tree: &Tree<'_>) -> Previous {
    let mut files = Previous::default();
    files.trees.insert(tree.id());
    let _ = tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        match entry.kind() {
            Some(git2::ObjectType::Blob) => {
                files.blobs.insert(entry.id());
                if dir.starts_with("entries/")
                    && let Ok(name) = entry.name()
                {
                    files
                        .entries
                        .insert(format!("{dir}{name}"), (entry.id(), None));
                }
            }
            Some(git2::ObjectType::Tree) => {
                files.trees.insert(entry.id());
            }
            _ => {}
        }
        git2::TreeWalkResult::Ok
    });
    files
}

/// The files and blobs of a tree being built, as [`write`] takes them: walked as often as
/// it needs, and written as they come, so that no list of 100,000 paths and 200,000 ids
/// is made on top of the build's own memory (it was 30 MB at the peak of a one-entry
/// publish of 100,000 entries).
pub trait Walk {
    /// Hand each file under `entries/` (its folder, with its `/`, its name and its blob)
    /// to `file`, and each blob of the tree (once or more: the reader makes a set of
    /// them) to `blob`, in the same order every time.
    fn walk(&self, file: &mut dyn FnMut(&str, &str, Oid), blob: &mut dyn FnMut(Oid));
}

/// Each entry's path and `updated` time, as the build wrote them into the JSON: what
/// [`write`] keeps besides the tree's files.
#[derive(Default)]
pub struct Kept {
    updated: Vec<u8>,
    updated_count: usize,
}

impl Kept {
    /// Room for `n` entries whose paths and times take `bytes` together.
    pub fn with_capacity(n: usize, bytes: usize) -> Kept {
        Kept {
            updated: Vec::with_capacity(8 * n + bytes),
            updated_count: 0,
        }
    }

    /// The entry at `path` and its `updated` time, as the build wrote them into the JSON.
    pub fn updated(&mut self, path: &str, time: &str) {
        for part in [path, time] {
            count(&mut self.updated, part.len());
            self.updated.extend_from_slice(part.as_bytes());
        }
        self.updated_count += 1;
    }
}

/// A [`write`] on a thread of its own, while the publish goes on (at 10,000 entries the
/// file took 10 ms of a one-entry publish, before its push); waited for when dropped, so
/// no publish ends with the file half written. A thread that cannot be started leaves
/// the file unwritten, which costs the next publish time, as any failure to write it.
pub struct Writing(Option<std::thread::JoinHandle<()>>);

impl Writing {
    pub fn start(job: impl FnOnce() + Send + 'static) -> Writing {
        let thread = std::thread::Builder::new()
            .name("wol-kept".into())
            .spawn(job);
        if let Err(e) = &thread {
            crate::diag::debug(format_args!("publish: the kept file not written: {e}"));
        }
        Writing(thread.ok())
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            let _ = thread.join();
        }
    }
}

/// Keep what the next build needs of `tree` in `file`: `files` (its files under
/// `entries/` and its blobs), `kept` (each entry's path and `updated` time) and `trees`
/// (every tree in it). A failure only costs that publish time, so it is not reported.
pub fn write(file: &Path, tree: Oid, files: &dyn Walk, kept: Kept, trees: &OidSet) {
    if let Err(e) = write_to(file, tree, files, kept, trees) {
        crate::diag::debug(format_args!("publish: {} not written: {e}", file.display()));
    }
}

/// [`write`], streamed to a temporary file renamed over `file`: at 100,000 entries the
/// file is 20 MB, which a build would otherwise hold whole, at its own peak.
fn write_to(
    file: &Path,
    tree: Oid,
    files: &dyn Walk,
    kept: Kept,
    trees: &OidSet,
) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = tempfile::Builder::new()
        .prefix(".wol-tmp-")
        .tempfile_in(dir)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp);
    out.write_all(MAGIC)?;
    let mut out = Summed {
        out,
        sum: Sha1::new(),
    };
    out.put(build().as_bytes())?;
    out.bytes(tree.as_bytes())?;
    let (mut file_count, mut blob_count) = (0, 0);
    files.walk(&mut |_, _, _| file_count += 1, &mut |_| blob_count += 1);
    out.count(file_count)?;
    let mut written = Ok(());
    files.walk(
        &mut |dir, name, blob| {
            if written.is_ok() {
                written = out.record(&[dir, name], blob);
            }
        },
        &mut |_| {},
    );
    written?;
    out.count(blob_count)?;
    let mut written = Ok(());
    files.walk(&mut |_, _, _| {}, &mut |blob| {
        if written.is_ok() {
            written = out.bytes(blob.as_bytes());
        }
    });
    written?;
    out.count(trees.len())?;
    for id in trees {
        out.bytes(id.as_bytes())?;
    }
    out.count(kept.updated_count)?;
    out.bytes(&kept.updated)?;
    drop(kept);
    let Summed { mut out, sum } = out;
    out.write_all(&sum.finalize())?;
    let tmp = out.into_inner().map_err(|e| e.into_error())?;
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}

/// The file's content after its magic, written and summed as it goes.
struct Summed<W> {
    out: W,
    sum: Sha1,
}

impl<W: Write> Summed<W> {
    fn bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.sum.update(bytes);
        self.out.write_all(bytes)
    }

    fn count(&mut self, n: usize) -> std::io::Result<()> {
        self.bytes(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes())
    }

    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.count(bytes.len())?;
        self.bytes(bytes)
    }

    /// A file: its path (`parts` put together) and blob.
    fn record(&mut self, parts: &[&str], blob: Oid) -> std::io::Result<()> {
        self.count(parts.iter().map(|p| p.len()).sum())?;
        for part in parts {
            self.bytes(part.as_bytes())?;
        }
        self.bytes(blob.as_bytes())
    }
}

/// What `file` holds, when it was written for `tree` by this build and is whole.
fn read_file(file: &Path, tree: Oid) -> Option<Previous> {
    let data = std::fs::read(file).ok()?;
    let body = data.strip_prefix(MAGIC.as_slice())?;
    let (body, sum) = body.split_at_checked(body.len().checked_sub(20)?)?;
    if Sha1::digest(body).as_slice() != sum {
        return None;
    }
    let mut r = body;
    if take(&mut r)? != build().as_bytes() || take_n(&mut r, 20)? != tree.as_bytes() {
        return None;
    }
    let mut previous = Previous::default();
    let n = take_count(&mut r)?;
    previous.entries.reserve(n);
    for _ in 0..n {
        let path = std::str::from_utf8(take(&mut r)?).ok()?;
        previous
            .entries
            .insert(path.to_string(), (take_oid(&mut r)?, None));
    }
    for ids in [&mut previous.blobs, &mut previous.trees] {
        let n = take_count(&mut r)?;
        ids.reserve(n);
        for _ in 0..n {
            ids.insert(take_oid(&mut r)?);
        }
    }
    let n = take_count(&mut r)?;
    let mut updated = Vec::with_capacity(n);
    for _ in 0..n {
        let path = std::str::from_utf8(take(&mut r)?).ok()?;
        let time = std::str::from_utf8(take(&mut r)?).ok()?;
        updated.push((path, time));
    }
    previous.with_updated(updated);
    r.is_empty().then_some(previous)
}

/// The build whose files these are: what makes the JSON index (wol's version and the
/// source of `site/json.rs`, so what [`json::updated_times`] would read from a tree), and
/// the source of this file, which reads and writes them.
fn build() -> String {
    format!(
        "{}\0{}",
        super::tree::json_maker(),
        crate::git::blob_id(include_bytes!("previous.rs"))
    )
}

fn count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

fn take_count(r: &mut &[u8]) -> Option<usize> {
    let n = u32::from_le_bytes(take_n(r, 4)?.try_into().ok()?) as usize;
    // Each item takes 8 bytes at least: a count the rest cannot hold is damage (and
    // must not reserve room for it).
    (n <= r.len() / 8).then_some(n)
}

fn take_oid(r: &mut &[u8]) -> Option<Oid> {
    Oid::from_bytes(take_n(r, 20)?).ok()
}

fn take_n<'b>(r: &mut &'b [u8], n: usize) -> Option<&'b [u8]> {
    let (head, rest) = r.split_at_checked(n)?;
    *r = rest;
    Some(head)
}

fn take<'b>(r: &mut &'b [u8]) -> Option<&'b [u8]> {
    let len = u32::from_le_bytes(take_n(r, 4)?.try_into().ok()?);
    take_n(r, len as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::repeated_oid as oid;

    /// A tree's files under `entries/` (folder, name, blob) and its blobs, as lists.
    #[derive(Default)]
    struct Listed(Vec<(&'static str, &'static str, Oid)>, Vec<Oid>);

    impl Walk for Listed {
        fn walk(&self, file: &mut dyn FnMut(&str, &str, Oid), blob: &mut dyn FnMut(Oid)) {
            for (dir, name, id) in &self.0 {
                file(dir, name, *id);
            }
            for id in &self.1 {
                blob(*id);
            }
        }
    }

    #[test]
    fn a_file_written_on_its_own_thread_is_whole_once_the_writing_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cache").join("published-gig.bin");
        let files = Listed(vec![("entries/2026/11/", "a.md", oid(3))], vec![oid(3)]);
        let mut kept = Kept::default();
        kept.updated("entries/2026/11/a.md", "2026-11-20T10:00:00+01:00");
        let target = file.clone();
        let writing = Writing::start(move || {
            std::thread::sleep(std::time::Duration::from_millis(100));
            write(&target, oid(1), &files, kept, &OidSet::default());
        });
        drop(writing);
        let read = read_file(&file, oid(1)).expect("written by the time it was dropped");
        assert_eq!(
            read.entries.get("entries/2026/11/a.md"),
            Some(&(oid(3), Some("2026-11-20T10:00:00+01:00".into())))
        );
    }

    #[test]
    fn a_file_is_read_back_only_for_its_tree_and_whole() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cache").join("published-gig.bin");
        let files = [
            ("entries/2026/11/", "a.md", oid(3)),
            ("entries/2026/11/", "b\tc\n.md", oid(4)),
            ("entries/2026/11/b\tc\n/", "board.png", oid(5)),
        ];
        let times = [
            ("entries/2026/11/a.md", "2026-11-20T10:00:00+01:00"),
            ("entries/2026/11/b\tc\n.md", "2026-11-21T10:00:00+00:00"),
        ];
        let listed = Listed(files.to_vec(), [3, 4, 5, 6, 3].map(oid).to_vec());
        let kept = || {
            let mut kept = Kept::with_capacity(times.len(), 100);
            for (path, time) in times {
                kept.updated(path, time);
            }
            kept
        };
        let blobs: OidSet = [3, 4, 5, 6].map(oid).into_iter().collect();
        let trees: OidSet = [7, 8].map(oid).into_iter().collect();
        write(&file, oid(1), &listed, kept(), &trees);
        let read = read_file(&file, oid(1)).unwrap();
        let by_path: HashMap<String, (Oid, Option<Box<str>>)> = files
            .iter()
            .map(|(dir, name, blob)| {
                let path = format!("{dir}{name}");
                let time = times
                    .iter()
                    .find(|(p, _)| *p == path)
                    .map(|(_, t)| (*t).into());
                (path, (*blob, time))
            })
            .collect();
        assert_eq!(read.entries, by_path);
        assert_eq!(read.blobs, blobs);
        assert_eq!(read.trees, trees);
        let timed = read.entries.values().filter(|(_, t)| t.is_some()).count();
        assert_eq!(timed, 2);
        assert!(read_file(&file, oid(2)).is_none(), "another tree");
        let data = std::fs::read(&file).unwrap();
        for i in [
            0,
            MAGIC.len(),
            MAGIC.len() + 9,
            data.len() / 3,
            data.len() / 2,
            data.len() - 1,
        ] {
            let mut damaged = data.clone();
            damaged[i] ^= 1;
            std::fs::write(&file, &damaged).unwrap();
            assert!(read_file(&file, oid(1)).is_none(), "byte {i} changed");
        }
        std::fs::write(&file, &data[..data.len() - 1]).unwrap();
        assert!(read_file(&file, oid(1)).is_none(), "cut short");
        write(
            &file,
            oid(1),
            &Listed::default(),
            Kept::default(),
            &OidSet::default(),
        );
        let empty = read_file(&file, oid(1)).unwrap();
        assert!(empty.entries.is_empty() && empty.blobs.is_empty());
    }
}
