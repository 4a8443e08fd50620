//! The render cache: an unchanged entry is never rendered twice.
//!
//! `.wol/cache/publish.bin` maps a key — the SHA-1 of the entry's path, its git blob id
//! and the *render key* (a hash of the site templates, the site title and wol's output
//! format version) — to the blob ids of the entry's published Markdown and HTML page.
//! Change the entry, move it, or change a template and the key changes, so a stale page
//! can never be reused. A hit is used only when both blobs are still in the object
//! database. Month and tag pages, feeds and published attachments are kept the same way,
//! under keys made from everything they show (`publish::tree`), with one blob for both.
//! A publish to every partner keeps only the keys it used, so the file does not grow with
//! every edit. The file is disposable: delete it and the next publish renders everything
//! again (the blobs come out identical, so the published tree does not change).
//!
//! The file is the ids themselves, three to a record, after a magic and before a SHA-1 of
//! all that precedes it: a damaged file is an empty cache. (Written out as hex text, as
//! `publish.tsv` before it, formatting and parsing 30,000 ids took 16 ms of a one-entry
//! publish at 10,000 entries; that file is still read when there is no other, so an
//! upgrade renders nothing again, and removed once the new one is written.)

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use git2::{Oid, Repository};
use sha1::{Digest as _, Sha1};

use crate::git::{OidMap, OidSet};
use crate::journal::Journal;

/// The blobs an entry publishes as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rendered {
    pub markdown: Oid,
    pub page: Oid,
}

/// The cache, loaded in memory for one publish.
pub struct Cache {
    path: PathBuf,
    /// Read when first asked: a publish that builds nothing ([`super::reuse`]) never
    /// reads it (5 MB at 100,000 entries).
    records: Option<Records>,
    dirty: bool,
    /// A build was reused, which used no keys: none may be pruned.
    unpruned: bool,
    /// Blobs known to be in the object database (the previous published tree's), which
    /// need no look-up.
    known: OidSet,
}

/// One key and what it maps to, as the file holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Record {
    key: Oid,
    rendered: Rendered,
}

/// The records in memory: those the file held, sorted by key (by its bytes, compared here
/// rather than through libgit2, which costs a call each) and found by binary search
/// (60 bytes each: as a hash map, with the set of the keys a publish used, they were
/// 22 MB of a one-entry publish at 100,000 entries), and those this publish added.
#[derive(Debug, Default)]
struct Records {
    /// The file's records, sorted by key, each key once.
    read: Vec<Record>,
    /// Which of `read` this publish found or stored: all a publish to every partner still
    /// needs (see [`Cache::save`]). The keys it `added` are all used.
    used: Vec<bool>,
    added: OidMap<Rendered>,
}

impl Records {
    fn of(read: Vec<Record>) -> Records {
        Records {
            used: vec![false; read.len()],
            read,
            added: OidMap::default(),
        }
    }

    fn find(&self, key: &Oid) -> Result<usize, usize> {
        self.read
            .binary_search_by(|r| r.key.as_bytes().cmp(key.as_bytes()))
    }

    fn get(&self, key: &Oid) -> Option<Rendered> {
        match self.find(key) {
            Ok(i) => Some(self.read[i].rendered),
            Err(_) => self.added.get(key).copied(),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.read.len() + self.added.len()
    }

    /// Every record, sorted by key: as the file is written. (Those read, already sorted,
    /// and those added, sorted, are merged, not copied into one list: the file is saved
    /// at the end of a publish, where a copy of them all was its peak.)
    fn sorted(&self) -> impl Iterator<Item = Record> + '_ {
        let mut added: Vec<Record> = self
            .added
            .iter()
            .map(|(&key, &rendered)| Record { key, rendered })
            .collect();
        added.sort_unstable_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
        let mut read = self.read.iter().copied().peekable();
        let mut added = added.into_iter().peekable();
        std::iter::from_fn(move || match (read.peek(), added.peek()) {
            (Some(r), Some(a)) if a.key.as_bytes() < r.key.as_bytes() => added.next(),
            (Some(_), _) => read.next(),
            (None, _) => added.next(),
        })
    }
}

impl Cache {
    /// Load the cache; a missing or damaged file is an empty cache.
    pub fn load(journal: &Journal) -> Cache {
        Cache {
            path: journal.state_dir().join("cache").join(FILE),
            records: None,
            dirty: false,
            unpruned: false,
            known: OidSet::default(),
        }
    }

    /// The records, read from the file the first time.
    fn records(&mut self) -> &mut Records {
        let path = &self.path;
        self.records.get_or_insert_with(|| {
            Records::of(match std::fs::File::open(path) {
                Ok(file) => file
                    .metadata()
                    .ok()
                    .and_then(|m| read_records(std::io::BufReader::new(file), m.len()))
                    .unwrap_or_default(),
                Err(_) => path
                    .parent()
                    .map(|dir| read_text(&dir.join(TEXT_FILE)))
                    .unwrap_or_default(),
            })
        })
    }

    /// A tree was taken from the last build instead of built ([`super::reuse`]): the keys
    /// its pages have were not used this time, but are still needed.
    pub fn keep_unused(&mut self) {
        self.unpruned = true;
    }

    /// The cache key of an entry at `path` with content `blob` rendered with what
    /// `rest` holds (the render key first, for a page): the blob id of
    /// `wol-render\0{path}\0{blob}\0` and `rest` joined by NULs, hashed without being
    /// put together.
    pub fn key(path: &str, blob: Oid, rest: &[&str]) -> Oid {
        let mut hex = [0u8; 40];
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        for (pair, byte) in hex.chunks_exact_mut(2).zip(blob.as_bytes()) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 15)];
        }
        let mut parts: Vec<&[u8]> = Vec::with_capacity(5 + 2 * rest.len());
        parts.extend([b"wol-render\0".as_slice(), path.as_bytes(), b"\0", &hex]);
        for part in rest {
            parts.extend([b"\0".as_slice(), part.as_bytes()]);
        }
        crate::git::object_id_of_parts(git2::ObjectType::Blob, &parts)
    }

    /// Take these blobs as being in the object database: they are in a tree that is.
    pub fn know(&mut self, blobs: OidSet) {
        if self.known.is_empty() {
            self.known = blobs;
        } else {
            self.known.extend(blobs);
        }
    }

    /// Forget the blobs [`Cache::know`] was told of: a build that is done with them
    /// frees them (5 MB at 100,000 entries) before its push. A later build looks up what
    /// it does not know in the object database.
    pub fn forget_known(&mut self) {
        self.known = OidSet::default();
    }

    /// A cached rendering whose blobs still exist.
    pub fn get(&mut self, repo: &Repository, key: Oid) -> Option<Rendered> {
        let hit = self.records().get(&key)?;
        let known = |oid| self.known.contains(&oid);
        let there = (known(hit.markdown) && known(hit.page)) || {
            let odb = repo.odb().ok()?;
            odb.exists(hit.markdown) && odb.exists(hit.page)
        };
        if there {
            let records = self.records();
            if let Ok(i) = records.find(&key) {
                records.used[i] = true;
            }
        }
        there.then_some(hit)
    }

    pub fn put(&mut self, key: Oid, rendered: Rendered) {
        let records = self.records();
        let changed = match records.find(&key) {
            Ok(i) => {
                records.used[i] = true;
                std::mem::replace(&mut records.read[i].rendered, rendered) != rendered
            }
            Err(_) => records.added.insert(key, rendered) != Some(rendered),
        };
        self.dirty |= changed;
    }

    /// Write the cache back if it changed. With `prune` (this publish built the tree of
    /// every partner there is), only what it used is kept: the keys of pages that have
    /// changed since (an entry edited, a neighbour added, a tag's entries) would otherwise
    /// pile up for ever, and the file is read whole on every publish.
    pub fn save(&mut self, prune: bool) -> Result<()> {
        // Never read: nothing was built, and nothing changed.
        let Some(records) = &mut self.records else {
            return Ok(());
        };
        if prune && !self.unpruned {
            let before = records.read.len();
            let mut used = records.used.iter();
            records
                .read
                .retain(|_| used.next().copied().unwrap_or(true));
            records.used = vec![true; records.read.len()];
            self.dirty |= records.read.len() != before;
        }
        if !self.dirty {
            return Ok(());
        }
        // Streamed to a temporary file renamed over the cache's: whole in memory, the file
        // was 5 MB at 100,000 entries beside the records it is made of.
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let tmp = tempfile::Builder::new()
            .prefix(".wol-tmp-")
            .tempfile_in(dir)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, tmp);
        let mut sum = Sha1::new();
        sum.update(MAGIC);
        out.write_all(MAGIC)?;
        for r in records.sorted() {
            for id in [&r.key, &r.rendered.markdown, &r.rendered.page] {
                sum.update(id.as_bytes());
                out.write_all(id.as_bytes())?;
            }
        }
        out.write_all(&sum.finalize())?;
        let tmp = out.into_inner().map_err(|e| e.into_error())?;
        tmp.persist(&self.path).map_err(|e| e.error)?;
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::remove_file(dir.join(TEXT_FILE));
        }
        Ok(())
    }
}

/// The cache's file in `.wol/cache/`, and the text file an earlier wol kept it in.
const FILE: &str = "publish.bin";
const TEXT_FILE: &str = "publish.tsv";
const MAGIC: &[u8; 8] = b"wol-rc1\0";
/// A key and the two blobs it maps to.
const RECORD: usize = 60;

/// The records of a cache file, when it is whole: sorted by key, each key once.
///
/// Read as they stream in from `data`, of `len` bytes: whole in memory, the file was
/// 5 MB at 100,000 entries on top of the records made of it, at a build's peak.
fn read_records(mut data: impl std::io::Read, len: u64) -> Option<Vec<Record>> {
    let body = usize::try_from(len).ok()?.checked_sub(MAGIC.len() + 20)?;
    if body % RECORD != 0 {
        return None;
    }
    let mut sum = Sha1::new();
    let mut magic = [0; MAGIC.len()];
    data.read_exact(&mut magic).ok()?;
    if magic != *MAGIC {
        return None;
    }
    sum.update(magic);
    let mut read = Vec::with_capacity(body / RECORD);
    let mut record = [0; RECORD];
    for _ in 0..body / RECORD {
        data.read_exact(&mut record).ok()?;
        sum.update(record);
        let id = |n: usize| Oid::from_bytes(&record[n * 20..(n + 1) * 20]).ok();
        read.push(Record {
            key: id(0)?,
            rendered: Rendered {
                markdown: id(1)?,
                page: id(2)?,
            },
        });
    }
    let mut end = [0; 20];
    data.read_exact(&mut end).ok()?;
    // Nothing after the sum: a file that grew since its length was taken is not this one.
    let after = data.read(&mut [0]).ok()?;
    (after == 0 && sum.finalize().as_slice() == end).then(|| sorted_once(read))
}

/// `records` sorted by key, each key once: the last of a key's records, as a map they
/// were read into kept it. (Files this wol writes are sorted already: one pass checks.)
fn sorted_once(mut records: Vec<Record>) -> Vec<Record> {
    if records
        .windows(2)
        .all(|w| w[0].key.as_bytes() < w[1].key.as_bytes())
    {
        return records;
    }
    // Stable: the records of one key stay in the order they were read.
    records.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
    records.dedup_by(|later, earlier| {
        let same = later.key.as_bytes() == earlier.key.as_bytes();
        if same {
            std::mem::swap(later, earlier);
        }
        same
    });
    records
}

/// The records of the text file an earlier wol kept (key, Markdown and page as hex,
/// tab-separated, a line each); lines it cannot read are left out.
fn read_text(file: &Path) -> Vec<Record> {
    let mut read = Vec::new();
    if let Ok(text) = std::fs::read_to_string(file) {
        for line in text.lines() {
            let mut parts = line.split('\t').map(Oid::from_str);
            if let (Some(Ok(k)), Some(Ok(m)), Some(Ok(p))) =
                (parts.next(), parts.next(), parts.next())
            {
                read.push(Record {
                    key: k,
                    rendered: Rendered {
                        markdown: m,
                        page: p,
                    },
                });
            }
        }
    }
    sorted_once(read)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::repeated_oid as oid;

    /// Saved, read back whole; any byte changed or cut off, an empty cache; the text file
    /// an earlier wol wrote is read when it is the only one, and gone once saved.
    #[test]
    fn the_file_reads_back_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let hex = |n: &str| n.repeat(20);
        let text = format!(
            "{}\t{}\t{}\n{}\tnot an id\t05\n",
            hex("01"),
            hex("02"),
            hex("03"),
            hex("04")
        );
        std::fs::write(dir.path().join(TEXT_FILE), text).unwrap();
        let old = Records::of(read_text(&dir.path().join(TEXT_FILE)));
        let first = Rendered {
            markdown: oid(2),
            page: oid(3),
        };
        assert_eq!(old.len(), 1);
        assert_eq!(old.get(&oid(1)), Some(first));

        let mut cache = Cache {
            path: dir.path().join(FILE),
            records: Some(old),
            dirty: false,
            unpruned: false,
            known: OidSet::default(),
        };
        let second = Rendered {
            markdown: oid(5),
            page: oid(6),
        };
        cache.put(oid(4), second);
        cache.save(false).unwrap();
        assert!(
            !dir.path().join(TEXT_FILE).exists(),
            "the text file is removed"
        );
        let data = std::fs::read(dir.path().join(FILE)).unwrap();
        assert_eq!(data.len(), MAGIC.len() + 2 * RECORD + 20);
        let read = read_records(&data[..], data.len() as u64).unwrap();
        let sorted: Vec<Record> = cache.records.as_ref().unwrap().sorted().collect();
        assert_eq!(read, sorted);
        for i in 0..data.len() {
            let mut damaged = data.clone();
            damaged[i] ^= 0x10;
            assert!(
                read_records(&damaged[..], damaged.len() as u64).is_none(),
                "byte {i} changed"
            );
        }
        for len in 0..data.len() {
            assert!(
                read_records(&data[..len], len as u64).is_none(),
                "cut to {len} bytes"
            );
        }
        let longer = [data.as_slice(), b"x"].concat();
        assert!(
            read_records(&longer[..], data.len() as u64).is_none(),
            "grown since"
        );
    }

    /// A publish that reused its last build used no key, and prunes none; one that built
    /// every tree keeps only what it used. The file is read only when a key is asked for.
    #[test]
    fn only_what_a_build_used_is_kept_unless_a_build_was_reused() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(FILE);
        let rendered = |n| Rendered {
            markdown: oid(n),
            page: oid(n + 1),
        };
        let loaded = || Cache {
            path: state.clone(),
            records: None,
            dirty: false,
            unpruned: false,
            known: OidSet::default(),
        };
        let mut cache = loaded();
        cache.put(oid(1), rendered(2));
        cache.put(oid(4), rendered(5));
        cache.save(true).unwrap();

        let mut cache = loaded();
        cache.keep_unused();
        cache.save(true).unwrap();
        assert!(cache.records.is_none(), "nothing asked, nothing read");
        cache.put(oid(7), rendered(8));
        cache.save(true).unwrap();
        let kept = {
            let data = std::fs::read(&state).unwrap();
            read_records(&data[..], data.len() as u64).unwrap()
        };
        assert_eq!(kept.len(), 3, "a reused build prunes nothing");

        let mut cache = loaded();
        let repo = git2::Repository::init(dir.path().join("repo")).unwrap();
        assert_eq!(cache.get(&repo, oid(7)), None, "its blobs are not there");
        cache.know([oid(8), oid(9)].into_iter().collect());
        assert_eq!(cache.get(&repo, oid(7)), Some(rendered(8)));
        cache.save(true).unwrap();
        let kept = {
            let data = std::fs::read(&state).unwrap();
            read_records(&data[..], data.len() as u64).unwrap()
        };
        assert_eq!(kept.iter().map(|r| r.key).collect::<Vec<_>>(), [oid(7)]);

        // Blobs forgotten (a build done with them) are looked up in the object database.
        let mut cache = loaded();
        cache.know([oid(8), oid(9)].into_iter().collect());
        cache.forget_known();
        assert_eq!(cache.get(&repo, oid(7)), None, "forgotten, and not there");
        let there = Rendered {
            markdown: repo.blob(b"markdown").unwrap(),
            page: repo.blob(b"page").unwrap(),
        };
        cache.put(oid(10), there);
        assert_eq!(cache.get(&repo, oid(10)), Some(there));
    }

    /// A file an earlier wol wrote in hash-map order reads sorted, a key twice as its
    /// last record; a record stored again under a key the file had replaces it; the file
    /// is written sorted.
    #[test]
    fn records_in_any_order_read_sorted_and_are_written_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let rendered = |n| Rendered {
            markdown: oid(n),
            page: oid(n + 1),
        };
        let record = |k, n| Record {
            key: oid(k),
            rendered: rendered(n),
        };
        let mut data = MAGIC.to_vec();
        for r in [record(9, 1), record(3, 2), record(9, 3), record(5, 4)] {
            for id in [r.key, r.rendered.markdown, r.rendered.page] {
                data.extend_from_slice(id.as_bytes());
            }
        }
        data.extend_from_slice(&Sha1::digest(&data));
        let read = read_records(&data[..], data.len() as u64).unwrap();
        assert_eq!(read, [record(3, 2), record(5, 4), record(9, 3)]);

        let path = dir.path().join(FILE);
        std::fs::write(&path, &data).unwrap();
        let mut cache = Cache {
            path: path.clone(),
            records: None,
            dirty: false,
            unpruned: false,
            known: OidSet::default(),
        };
        cache.put(oid(5), rendered(7));
        cache.put(oid(1), rendered(8));
        cache.save(true).unwrap();
        let saved = std::fs::read(&path).unwrap();
        let keys: Vec<Oid> = saved[MAGIC.len()..saved.len() - 20]
            .chunks_exact(RECORD)
            .map(|r| Oid::from_bytes(&r[..20]).unwrap())
            .collect();
        assert_eq!(keys, [oid(1), oid(5)], "sorted; the unused pruned");
        assert_eq!(
            read_records(&saved[..], saved.len() as u64).unwrap(),
            [record(1, 8), record(5, 7)]
        );
    }

    /// Keys are what they were when the material was put together as one string: a cache
    /// written before still serves.
    #[test]
    fn keys_are_the_blob_ids_of_their_material() {
        let blob = Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap();
        let path = "entries/2026/11/2026-11-22-1432-x.md";
        for rest in [
            &[""][..],
            &["render"],
            &["render", "2026/11/a.html", "A title", ""],
            &[
                "render",
                "",
                "2026/11/b.html",
                "B",
                "photo.svg",
                "page.html",
            ],
        ] {
            let text = format!("wol-render\0{path}\0{blob}\0{}", rest.join("\0"));
            assert_eq!(
                Cache::key(path, blob, rest),
                crate::git::blob_id(text.as_bytes()),
                "{rest:?}"
            );
        }
    }
}
