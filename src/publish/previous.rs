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

use std::io::{Read as _, Write};
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
    /// build).
    pub entries: Files,
    /// Every blob and every tree in it: in the object database already.
    pub blobs: OidSet,
    pub trees: OidSet,
}

/// Files by path, each with its blob and, for an entry, the `updated` time it was
/// published with. The paths and times are laid end to end in one string and the files
/// kept in path order, found by binary search: as a map of strings they were 20 MB at
/// 100,000 entries.
#[derive(Default)]
pub struct Files {
    text: String,
    /// In path order once [`Files::sorted`].
    files: Vec<File>,
}

/// A file of [`Files`]: where its path and its `updated` time are in the text (the time
/// empty, at `u32::MAX`, when it has none).
struct File {
    path: (u32, u32),
    blob: Oid,
    updated: (u32, u32),
}

const NO_TIME: (u32, u32) = (u32::MAX, 0);

impl Files {
    /// Files with room for `n` whose paths take `bytes`.
    fn with_capacity(n: usize, bytes: usize) -> Files {
        Files {
            text: String::with_capacity(bytes),
            files: Vec::with_capacity(n),
        }
    }

    /// Add the file at `path` (in parts, put together), with no `updated` time.
    fn push(&mut self, path: &[&str], blob: Oid) {
        let start = self.text.len();
        for part in path {
            self.text.push_str(part);
        }
        self.files.push(File {
            path: (offset(start), offset(self.text.len())),
            blob,
            updated: NO_TIME,
        });
    }

    /// The files in path order (a tree's walk gives them so, and then this costs one
    /// pass), the last of two at one path kept.
    fn sorted(mut self) -> Files {
        let text = &self.text;
        let path = |f: &File| {
            text.get(f.path.0 as usize..f.path.1 as usize)
                .unwrap_or_default()
        };
        if !self.files.is_sorted_by(|a, b| path(a) < path(b)) {
            // Stable: of files at one path, the last added stays last, and is kept.
            self.files.sort_by(|a, b| path(a).cmp(path(b)));
            let mut kept: Vec<File> = Vec::with_capacity(self.files.len());
            for file in self.files {
                match kept.last_mut() {
                    Some(last) if path(last) == path(&file) => *last = file,
                    _ => kept.push(file),
                }
            }
            self.files = kept;
        }
        self
    }

    fn path(&self, file: &File) -> &str {
        self.text(file.path)
    }

    fn text(&self, (start, end): (u32, u32)) -> &str {
        self.text
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }

    fn find(&self, path: &str) -> Option<usize> {
        self.files.binary_search_by(|f| self.path(f).cmp(path)).ok()
    }

    /// The blob of the file at `path` and its `updated` time, if it has one.
    pub fn get(&self, path: &str) -> Option<(Oid, Option<&str>)> {
        let file = &self.files[self.find(path)?];
        let time = (file.updated != NO_TIME).then(|| self.text(file.updated));
        Some((file.blob, time))
    }

    /// Every path, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|f| self.path(f))
    }

    /// How many files have an `updated` time.
    pub fn timed(&self) -> usize {
        self.files.iter().filter(|f| f.updated != NO_TIME).count()
    }

    /// Give each file its `updated` time from `updated` (path → time). A time for a path
    /// there is no file at is of no use, and is dropped.
    fn with_updated<'t>(mut self, updated: impl IntoIterator<Item = (&'t str, &'t str)>) -> Files {
        for (path, time) in updated {
            self.set_updated(path, time);
        }
        self
    }

    /// Give the file at `path`, if there is one, the `updated` time `time`.
    fn set_updated(&mut self, path: &str, time: &str) {
        if let Some(i) = self.find(path) {
            let start = self.text.len();
            self.text.push_str(time);
            self.files[i].updated = (offset(start), offset(self.text.len()));
        }
    }
}

/// A position in [`Files::text`]: the paths of a published tree are far from 4 GiB (past
/// that, a path would read as empty, and be found by no path).
fn offset(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX - 1)
}

/// What a build needs of `tree`: from `file` when it was written for this tree by this
/// build (then `true`: the file holds this tree's), else from the tree itself.
pub fn read(repo: &Repository, tree: &Tree<'_>, file: Option<&Path>) -> (Previous, bool) {
    if let Some(previous) = file.and_then(|file| read_file(file, tree.id())) {
        crate::diag::debug(format_args!(
            "publish: the last publish's files and updated times from the cache ({} entries)",
            previous.entries.timed()
        ));
        return (previous, true);
    }
    crate::diag::debug(format_args!(
        "publish: the last publish's files from its tree, updated times from its wol.json"
    ));
    let mut previous = files_of(tree);
    let updated = json::updated_times(repo, tree);
    previous.entries = std::mem::take(&mut previous.entries)
        .sorted()
        .with_updated(updated.iter().map(|(p, t)| (p.as_str(), t.as_str())));
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
                    files.entries.push(&[dir, name], entry.id());
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
/// [`write`] keeps besides the tree's files. Walked twice, the same each time: the build
/// hands over what it has (its candidates' paths and the times it worked out), not a copy
/// of 100,000 paths (10 MB at the push of a one-entry publish of 100,000 entries).
pub trait Times {
    /// Hand each entry's path and `updated` time to `time`.
    fn each(&self, time: &mut dyn FnMut(&str, &str));
}

/// (For tests: the times as a list.)
#[cfg(test)]
impl<const N: usize> Times for [(&str, &str); N] {
    fn each(&self, time: &mut dyn FnMut(&str, &str)) {
        for (path, t) in self {
            time(path, t);
        }
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
pub fn write(file: &Path, tree: Oid, files: &dyn Walk, kept: &dyn Times, trees: &OidSet) {
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
    kept: &dyn Times,
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
    let (mut file_count, mut path_bytes, mut blob_count) = (0, 0, 0);
    files.walk(
        &mut |dir, name, _| {
            file_count += 1;
            path_bytes += dir.len() + name.len();
        },
        &mut |_| blob_count += 1,
    );
    let (mut timed, mut time_bytes) = (0, 0);
    kept.each(&mut |_, time| {
        timed += 1;
        time_bytes += time.len();
    });
    // The reader makes room for the text of the paths and times at once.
    out.count(file_count)?;
    out.count(path_bytes)?;
    out.count(time_bytes)?;
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
    out.count(timed)?;
    let mut written = Ok(());
    kept.each(&mut |path, time| {
        if written.is_ok() {
            written = [path, time].iter().try_for_each(|s| out.put(s.as_bytes()));
        }
    });
    written?;
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

/// What `file` holds, when it was written for `tree` by this build and is whole. Read as
/// it streams in, and checked at its end: whole in memory, the file was 20 MB at
/// 100,000 entries on top of what is made of it.
fn read_file(file: &Path, tree: Oid) -> Option<Previous> {
    let file = std::fs::File::open(file).ok()?;
    let size = file.metadata().ok()?.len();
    let mut r = Stream {
        left: size.checked_sub((MAGIC.len() + 20) as u64)?,
        r: std::io::BufReader::with_capacity(1 << 16, file),
        sum: Sha1::new(),
    };
    let mut magic = [0; MAGIC.len()];
    r.r.read_exact(&mut magic).ok()?;
    let mut scratch = (Vec::new(), Vec::new());
    if magic != *MAGIC
        || r.take(&mut scratch.0)? != build().as_bytes()
        || r.array::<20>()? != *tree.as_bytes()
    {
        return None;
    }
    let n = r.count()?;
    let (path_bytes, time_bytes) = (r.number()?, r.number()?);
    if (path_bytes + time_bytes) as u64 > r.left {
        return None;
    }
    let mut entries = Files::with_capacity(n, path_bytes + time_bytes);
    for _ in 0..n {
        let path = std::str::from_utf8(r.take(&mut scratch.0)?).ok()?;
        let blob = Oid::from_bytes(&r.array::<20>()?).ok()?;
        entries.push(&[path], blob);
    }
    let mut entries = entries.sorted();
    let mut previous = Previous::default();
    for ids in [&mut previous.blobs, &mut previous.trees] {
        let n = r.count()?;
        ids.reserve(n);
        for _ in 0..n {
            ids.insert(Oid::from_bytes(&r.array::<20>()?).ok()?);
        }
    }
    for _ in 0..r.count()? {
        let path = std::str::from_utf8(r.take(&mut scratch.0)?).ok()?;
        let time = std::str::from_utf8(r.take(&mut scratch.1)?).ok()?;
        entries.set_updated(path, time);
    }
    previous.entries = entries;
    // The end: the checksum of all that was read, and nothing after it.
    let sum: [u8; 20] = r.sum.finalize().into();
    let mut end = [0; 20];
    r.r.read_exact(&mut end).ok()?;
    (r.left == 0 && end == sum && r.r.read(&mut end).ok()? == 0).then_some(previous)
}

/// The summed part of a kept file, read: each read counted against what is `left` of it
/// (so no count in a damaged file makes room for more than the file holds) and summed.
struct Stream {
    r: std::io::BufReader<std::fs::File>,
    sum: Sha1,
    left: u64,
}

impl Stream {
    fn read(&mut self, out: &mut [u8]) -> Option<()> {
        self.left = self.left.checked_sub(out.len() as u64)?;
        self.r.read_exact(out).ok()?;
        self.sum.update(&*out);
        Some(())
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut out = [0; N];
        self.read(&mut out)?;
        Some(out)
    }

    /// A count of items that take 8 bytes at least each: one that the rest of the file
    /// cannot hold is damage.
    fn count(&mut self) -> Option<usize> {
        let n = self.number()?;
        (n as u64 <= self.left / 8).then_some(n)
    }

    fn number(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.array()?) as usize)
    }

    /// Bytes that their length leads, into `buf`.
    fn take<'b>(&mut self, buf: &'b mut Vec<u8>) -> Option<&'b [u8]> {
        let len = self.number()?;
        if len as u64 > self.left {
            return None;
        }
        buf.resize(len, 0);
        self.read(buf)?;
        Some(buf)
    }
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

    /// Every file of `files`, in path order, with its blob and time.
    fn files_in(files: &Files) -> Vec<(String, Oid, Option<&str>)> {
        files
            .paths()
            .map(|p| {
                let (blob, time) = files.get(p).unwrap();
                (p.to_string(), blob, time)
            })
            .collect()
    }

    #[test]
    fn files_are_found_by_path_in_any_order_added_and_the_last_at_a_path_wins() {
        let mut files = Files::default();
        for (path, n) in [("b/x", 1), ("a/y", 2), ("a/y", 3), ("a-z", 4), ("a", 5)] {
            files.push(&[path], oid(n));
        }
        let files = files
            .sorted()
            .with_updated([("a/y", "t1"), ("nowhere", "t2"), ("a", "")]);
        assert_eq!(
            files_in(&files),
            [
                ("a".to_string(), oid(5), Some("")),
                ("a-z".to_string(), oid(4), None),
                ("a/y".to_string(), oid(3), Some("t1")),
                ("b/x".to_string(), oid(1), None),
            ]
        );
        assert_eq!(files.get("a/"), None);
        assert_eq!((files.paths().count(), files.timed()), (4, 2));
        assert_eq!(Files::default().sorted().paths().count(), 0);
    }

    /// Its checksum half in one fill of the reader's buffer and half in the next.
    #[test]
    fn a_file_is_read_back_wherever_its_reads_fall() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("published-gig.bin");
        let write_with = |len: usize| {
            let name: &'static str = Box::leak("a".repeat(len).into_boxed_str());
            let files = Listed(vec![("entries/", name, oid(3))], vec![oid(3)]);
            write(&file, oid(1), &files, &[], &OidSet::default());
            std::fs::metadata(&file).unwrap().len() as usize
        };
        let size = (1 << 16) + 10;
        assert_eq!(write_with(size - write_with(0)), size);
        let read = read_file(&file, oid(1)).expect("read back");
        assert_eq!(read.entries.timed(), 0);
        assert_eq!(read.entries.paths().count(), 1);
    }

    #[test]
    fn a_file_written_on_its_own_thread_is_whole_once_the_writing_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cache").join("published-gig.bin");
        let files = Listed(vec![("entries/2026/11/", "a.md", oid(3))], vec![oid(3)]);
        let kept = [("entries/2026/11/a.md", "2026-11-20T10:00:00+01:00")];
        let target = file.clone();
        let writing = Writing::start(move || {
            std::thread::sleep(std::time::Duration::from_millis(100));
            write(&target, oid(1), &files, &kept, &OidSet::default());
        });
        drop(writing);
        let read = read_file(&file, oid(1)).expect("written by the time it was dropped");
        assert_eq!(
            read.entries.get("entries/2026/11/a.md"),
            Some((oid(3), Some("2026-11-20T10:00:00+01:00")))
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
        let blobs: OidSet = [3, 4, 5, 6].map(oid).into_iter().collect();
        let trees: OidSet = [7, 8].map(oid).into_iter().collect();
        write(&file, oid(1), &listed, &times, &trees);
        let read = read_file(&file, oid(1)).unwrap();
        let mut by_path: Vec<(String, Oid, Option<&str>)> = files
            .iter()
            .map(|(dir, name, blob)| {
                let path = format!("{dir}{name}");
                let time = times.iter().find(|(p, _)| *p == path).map(|(_, t)| *t);
                (path, *blob, time)
            })
            .collect();
        by_path.sort();
        assert_eq!(files_in(&read.entries), by_path);
        assert_eq!(read.blobs, blobs);
        assert_eq!(read.trees, trees);
        assert_eq!(read.entries.timed(), 2);
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
        write(&file, oid(1), &Listed::default(), &[], &OidSet::default());
        let empty = read_file(&file, oid(1)).unwrap();
        assert!(empty.entries.paths().next().is_none() && empty.blobs.is_empty());
    }
}
