//! The entry cache: a disposable copy of the entry files' bytes and parsed front matter
//! in `.wol/cache/entries/`, one file per month folder, so that reading commands read one
//! file per month instead of one per entry, and parse nothing they parsed before.
//!
//! It is never the source of truth (DESIGN.md, "Caches"). A cached entry is used only
//! while its file's stat data — size, inode, and mtime and ctime to the nanosecond — is
//! what it was when the cached bytes were read, the rule git trusts its index by. An
//! edit in place, with the same size and the old mtime put back, still moves the ctime,
//! which no program can set. A file whose ctime was less than [`RACY_MARGIN`] old when it
//! was read is not trusted (git calls it "racily clean"): changed again within the file
//! system's timestamp granularity, it could keep the very same stat data.
//!
//! Each file is `lstat`ed every time; what changed is read and parsed again and the
//! month's cache file rewritten (a temp file, then a rename). The folder's listing (new,
//! removed and renamed files) is read again only when the folder's own stat data changed:
//! adding, removing or renaming a file in it moves its mtime and ctime, and the same
//! racy-clean margin applies to it as to the files. An edit in place changes no folder,
//! which is why the files are still `lstat`ed one by one. A cache file that is missing,
//! truncated, corrupt (checksum), written by another wol build or for another set of
//! kinds is ignored and rewritten. Writing is best effort: a read-only or missing `.wol/`
//! costs speed, never a result.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{Read as _, Write as _};
use std::ops::Range;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{DateTime, FixedOffset, TimeZone as _};

use crate::entry::{Entry, Meta, ParseError, Schema, Visibility};
use crate::journal::{LoadError, STATE_DIR};
use crate::site::{BodyParts, PART_HEADINGS};

/// Where the month files live, under the journal root.
pub const CACHE_DIR: &str = "cache/entries";

/// The file format; part of each file name, so builds that disagree on it do not keep
/// overwriting each other's files.
const FORMAT: u32 = 5;
const MAGIC: &[u8; 8] = b"wol-ec\0\0";

/// Whether `name` is a month file of the entry cache in another format than this
/// wol's (`YYYY-MM.vN`).
pub fn of_another_format(name: &[u8]) -> bool {
    let Some((month, format)) = name.split_at_checked(7) else {
        return false;
    };
    let Some(format) = format.strip_prefix(b".v") else {
        return false;
    };
    let month_like = month.iter().enumerate().all(|(i, b)| match i {
        4 => *b == b'-',
        _ => b.is_ascii_digit(),
    });
    // (Compared as a number: this runs for each month file on every write.)
    let number = std::str::from_utf8(format)
        .ok()
        .and_then(|f| f.parse::<u32>().ok());
    month_like
        && !format.is_empty()
        && format.iter().all(u8::is_ascii_digit)
        && number != Some(FORMAT)
}

/// How old a file's ctime must be when it is read for its record to be trusted later:
/// more than the coarsest timestamp granularity of the file systems wol runs on (2 s on
/// FAT, 1 s on ext3 and some network file systems, a clock tick on the rest).
pub const RACY_MARGIN_NS: i128 = 2_000_000_000;

/// Record kinds.
const PARSED: u8 = 0;
/// Bytes only: parsed again on use (a malformed file, or front matter the record does
/// not encode, such as keys wol does not know).
const RAW: u8 = 1;
/// The file could not be read; the record holds the error. Never trusted.
const UNREADABLE: u8 = 2;

/// Record flags.
const TRUSTED: u8 = 1;
/// The file's text must be brought to Unicode NFC before it is searched
/// ([`crate::search::needs_nfc`]): known when the file is read, so a search pays
/// nothing for it.
const NEEDS_NFC: u8 = 2;

/// Everything the parsed records depend on besides the bytes: the format, the build
/// (its version, and the source of the parser and of this module, so a developer's
/// build with a changed parser does not trust an older one's records) and the schema.
fn fingerprint(schema: &Schema<'_>) -> u64 {
    let mut text = format!(
        "{FORMAT}\0{}\0{SOURCE_HASH:x}\0{}\0",
        crate::cli::VERSION,
        schema.default_visibility.as_str()
    );
    for kind in schema.kinds {
        text.push_str(kind);
        text.push('\0');
    }
    checksum(text.as_bytes())
}

const SOURCE_HASH: u64 = fnv(include_bytes!("entry.rs"))
    ^ fnv(include_bytes!("cache.rs"))
    ^ fnv(include_bytes!("site/mod.rs")).rotate_left(1);

const fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h = (h ^ bytes[i] as u64).wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    h
}

/// A fast 64-bit checksum (four independent lanes of 8 bytes), against truncated and
/// damaged files; not against an adversary, who could as well edit the entries.
fn checksum(data: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut lanes: [u64; 4] = [
        0x243F_6A88_85A3_08D3,
        0x1319_8A2E_0370_7344,
        0xA409_3822_299F_31D0,
        0x082E_FA98_EC4E_6C89,
    ];
    let mut chunks = data.chunks_exact(32);
    for chunk in &mut chunks {
        for (lane, word) in lanes.iter_mut().zip(chunk.chunks_exact(8)) {
            let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
            *lane = (*lane ^ word).wrapping_mul(K).rotate_left(29);
        }
    }
    let mut h = (data.len() as u64).wrapping_mul(K);
    for lane in lanes {
        h = (h ^ lane).wrapping_mul(K).rotate_left(31);
    }
    for &b in chunks.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(11);
    }
    h ^ (h >> 29)
}

/// A file's stat data, as the cache compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Key {
    size: u64,
    ino: u64,
    mtime: i64,
    mtime_nsec: i64,
    ctime: i64,
    ctime_nsec: i64,
}

impl Key {
    fn of(m: &fs::Metadata) -> Key {
        Key {
            size: m.size(),
            ino: m.ino(),
            mtime: m.mtime(),
            mtime_nsec: m.mtime_nsec(),
            ctime: m.ctime(),
            ctime_nsec: m.ctime_nsec(),
        }
    }

    fn ctime_ns(&self) -> i128 {
        i128::from(self.ctime) * 1_000_000_000 + i128::from(self.ctime_nsec)
    }

    fn write(&self, out: &mut Vec<u8>) {
        for v in [self.size, self.ino] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [self.mtime, self.mtime_nsec, self.ctime, self.ctime_nsec] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn read(r: &mut Reader<'_>) -> Option<Key> {
        Some(Key {
            size: r.u64()?,
            ino: r.u64()?,
            mtime: r.i64()?,
            mtime_nsec: r.i64()?,
            ctime: r.i64()?,
            ctime_nsec: r.i64()?,
        })
    }
}

/// The entry cache of one journal.
pub struct EntryCache<'j> {
    dir: PathBuf,
    schema: Schema<'j>,
    fingerprint: u64,
    /// Cleared at the first failed write: the rest of the run only reads.
    writable: AtomicBool,
    /// For `-vv`: entries taken from the cache, read from their files; files written.
    reused: AtomicUsize,
    read: AtomicUsize,
    written: AtomicUsize,
    /// Month folders whose names were read (the others' were known).
    listed: AtomicUsize,
}

impl Drop for EntryCache<'_> {
    fn drop(&mut self) {
        let (reused, read) = (self.reused.get_mut(), self.read.get_mut());
        if *reused + *read > 0 {
            crate::diag::debug(format_args!(
                "entry cache: {reused} entries from the cache, {read} read from their files, {} month files written, {} folders read",
                self.written.get_mut(),
                self.listed.get_mut()
            ));
        }
    }
}

impl<'j> EntryCache<'j> {
    /// The cache of the journal at `root`, whose entries parse against `schema`.
    pub fn new(root: &Path, schema: Schema<'j>) -> EntryCache<'j> {
        EntryCache {
            dir: root.join(STATE_DIR).join(CACHE_DIR),
            fingerprint: fingerprint(&schema),
            schema,
            writable: AtomicBool::new(true),
            reused: AtomicUsize::new(0),
            read: AtomicUsize::new(0),
            written: AtomicUsize::new(0),
            listed: AtomicUsize::new(0),
        }
    }

    /// Read the cache but write nothing (a dry run).
    pub fn read_only(&self) {
        self.writable.store(false, Ordering::Relaxed);
    }

    /// The entry files of the month folder `dir` (`entries/YYYY/MM`), newest first by
    /// file name, each with its bytes and parsed entry: from the cache where the file's
    /// stat data still matches, read from the file where it does not. Only regular
    /// `.md` files are entries, as in [`crate::journal::entry_files_in`].
    pub fn month(&self, year: u32, month: u32, dir: &Path) -> Month<'j> {
        let now = now_ns();
        // The folder's stat data before its names are read: a change while they are
        // read leaves a newer stat, which the next run will not match.
        let folder = fs::symlink_metadata(dir)
            .ok()
            .filter(fs::Metadata::is_dir)
            .map(|m| Key::of(&m));
        let file = self.dir.join(format!("{year:04}-{month:02}.v{FORMAT}"));
        let old = fs::read(&file).ok().and_then(|buf| self.index(buf));
        let files = match (&old, folder) {
            (Some(o), Some(folder)) if o.folder == Some(folder) => restat(dir, o),
            _ => {
                self.listed.fetch_add(1, Ordering::Relaxed);
                list(dir)
            }
        };
        // Kept only when old enough to be trusted, as a file's stat data is.
        let folder = folder.filter(|f| f.ctime_ns() < now - RACY_MARGIN_NS);
        let mut parts: Vec<Part> = Vec::with_capacity(files.len());
        let mut j = 0;
        let old_recs: &[Rec] = old.as_ref().map_or(&[], |o| &o.recs);
        let old_buf: &[u8] = old.as_ref().map_or(&[], |o| &o.buf);
        for (name, meta) in &files {
            let name = name.as_bytes();
            // Both lists are sorted newest (largest name) first.
            while j < old_recs.len() && &old_buf[old_recs[j].name.clone()] > name {
                j += 1;
            }
            let mut candidate = None;
            if j < old_recs.len() && &old_buf[old_recs[j].name.clone()] == name {
                candidate = Some(&old_recs[j]);
                j += 1;
            }
            let path = dir.join(OsStr::from_bytes(name));
            if let Some(rec) = candidate.filter(|r| r.trusted)
                && meta.is_some_and(|m| m.file && m.key == rec.key)
            {
                parts.push(Part::Old(rec.whole.clone()));
                continue;
            }
            parts.push(Part::New(self.record(name, &path, now)));
        }
        let reused = parts.iter().filter(|p| matches!(p, Part::Old(_))).count();
        self.reused.fetch_add(reused, Ordering::Relaxed);
        self.read.fetch_add(parts.len() - reused, Ordering::Relaxed);
        let unchanged = old.as_ref().is_some_and(|o| {
            o.folder == folder
                && o.recs.len() == parts.len()
                && parts
                    .iter()
                    .zip(&o.recs)
                    .all(|(p, r)| matches!(p, Part::Old(w) if *w == r.whole))
        });
        let (buf, recs, on_disk) = match old {
            Some(o) if unchanged => (o.buf, o.recs, true),
            old => {
                let old_buf = old.map(|o| o.buf).unwrap_or_default();
                let mut buf = Vec::with_capacity(old_buf.len().max(4096));
                buf.extend_from_slice(MAGIC);
                buf.extend_from_slice(&FORMAT.to_le_bytes());
                buf.extend_from_slice(&self.fingerprint.to_le_bytes());
                match folder {
                    Some(key) => {
                        buf.push(1);
                        key.write(&mut buf);
                    }
                    None => buf.push(0),
                }
                buf.extend_from_slice(&(parts.len() as u32).to_le_bytes());
                for part in &parts {
                    match part {
                        Part::Old(range) => buf.extend_from_slice(&old_buf[range.clone()]),
                        Part::New(bytes) => buf.extend_from_slice(bytes),
                    }
                }
                let sum = checksum(&buf);
                buf.extend_from_slice(&sum.to_le_bytes());
                let on_disk = buf == old_buf || self.write(&file, &buf);
                match self.index(buf) {
                    Some(o) => (o.buf, o.recs, on_disk),
                    // Cannot happen: the buffer was just built by the same code.
                    None => (Vec::new(), Vec::new(), false),
                }
            }
        };
        let saved = on_disk.then(|| Saved::of(file, &buf));
        Month {
            dir: dir.to_path_buf(),
            buf,
            recs,
            schema: self.schema,
            saved,
        }
    }

    /// The month [`EntryCache::month`] gave when it returned `saved` (see
    /// [`Month::saved`]), read back from its cache file alone: no folder listing, no
    /// `lstat`, no entry file. `None` when the file is no longer that very buffer (another
    /// wol rewrote it since, or it is gone): then ask [`EntryCache::month`] again, for the
    /// folder as it is now.
    pub fn reopen(&self, dir: &Path, saved: &Saved) -> Option<Month<'j>> {
        let buf = fs::read(&saved.file).ok()?;
        if Saved::of(saved.file.clone(), &buf) != *saved {
            return None;
        }
        let Indexed { buf, recs, .. } = self.index(buf)?;
        Some(Month {
            dir: dir.to_path_buf(),
            buf,
            recs,
            schema: self.schema,
            saved: Some(saved.clone()),
        })
    }

    /// Read `path` and encode its record: `u32` length, flags, name, stat data, the git
    /// blob id of the bytes (zeros when unreadable), kind, then the kind's fields.
    fn record(&self, name: &[u8], path: &Path, now: i128) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&0u32.to_le_bytes());
        let read = File::open(path).and_then(|mut f| {
            let meta = f.metadata()?;
            let mut bytes = Vec::with_capacity(meta.len() as usize);
            f.read_to_end(&mut bytes)?;
            Ok((Key::of(&meta), bytes))
        });
        let (key, result) = match read {
            Ok((key, bytes)) => (key, Ok(bytes)),
            Err(e) => (Key::default(), Err(format!("cannot read: {e}"))),
        };
        let trusted = result.is_ok() && key.ctime_ns() < now - RACY_MARGIN_NS;
        let needs_nfc = result
            .as_ref()
            .is_ok_and(|bytes| crate::search::needs_nfc(bytes));
        out.push(if trusted { TRUSTED } else { 0 } | if needs_nfc { NEEDS_NFC } else { 0 });
        put_bytes16(&mut out, name);
        key.write(&mut out);
        // What `wol publish` compares with the committed blob: hashed once, here.
        let blob = result.as_ref().map_or([0; 20], |bytes| {
            crate::git::blob_id(bytes)
                .as_bytes()
                .try_into()
                .unwrap_or([0; 20])
        });
        out.extend_from_slice(&blob);
        match result {
            Err(message) => {
                out.push(UNREADABLE);
                put_bytes32(&mut out, message.as_bytes());
            }
            Ok(bytes) => match Entry::parse(&bytes, &self.schema) {
                Ok(entry) if encodable(&entry, &bytes) => {
                    out.push(PARSED);
                    put_bytes32(&mut out, &bytes);
                    encode_entry(&mut out, &entry, bytes.len());
                    encode_found(&mut out, &entry);
                }
                _ => {
                    out.push(RAW);
                    put_bytes32(&mut out, &bytes);
                }
            },
        }
        let len = (out.len() - 4) as u32;
        out[..4].copy_from_slice(&len.to_le_bytes());
        out
    }

    /// Check a cache file and find its records; `None` for anything but a whole file
    /// written for this build and schema.
    fn index(&self, buf: Vec<u8>) -> Option<Indexed> {
        let header = MAGIC.len() + 4 + 8 + 1 + 4;
        if buf.len() < header + 8 || &buf[..MAGIC.len()] != MAGIC {
            return None;
        }
        let body = buf.len() - 8;
        let sum = u64::from_le_bytes(buf[body..].try_into().ok()?);
        let mut r = Reader {
            buf: &buf[..body],
            pos: MAGIC.len(),
        };
        if r.u32()? != FORMAT || r.u64()? != self.fingerprint {
            return None;
        }
        if checksum(&buf[..body]) != sum {
            return None;
        }
        let folder = match r.u8()? {
            0 => None,
            1 => Some(Key::read(&mut r)?),
            _ => return None,
        };
        let count = r.u32()? as usize;
        let mut recs = Vec::with_capacity(count);
        let mut last: Option<Range<usize>> = None;
        for _ in 0..count {
            let start = r.pos;
            let len = r.u32()? as usize;
            let end = start.checked_add(4 + len).filter(|&e| e <= body)?;
            let mut rr = Reader {
                buf: &buf[..end],
                pos: r.pos,
            };
            let flags = rr.u8()?;
            let trusted = flags & TRUSTED != 0;
            let name = rr.bytes16()?;
            // Names strictly descending, as the folder is walked.
            if last.is_some_and(|l| buf[l] <= buf[name.clone()]) {
                return None;
            }
            last = Some(name.clone());
            let key = Key::read(&mut rr)?;
            let blob = rr.array::<20>()?;
            let kind = rr.u8()?;
            let data = rr.bytes32()?;
            if !matches!(kind, PARSED | RAW | UNREADABLE) {
                return None;
            }
            recs.push(Rec {
                whole: start..end,
                name,
                trusted: trusted && kind != UNREADABLE,
                needs_nfc: flags & NEEDS_NFC != 0,
                key,
                blob,
                kind,
                data,
                meta: rr.pos,
            });
            r.pos = end;
        }
        (r.pos == body).then_some(Indexed { buf, recs, folder })
    }

    /// Replace `file` with `buf`; true when it did.
    fn write(&self, file: &Path, buf: &[u8]) -> bool {
        if !self.writable.load(Ordering::Relaxed) {
            return false;
        }
        let written = fs::create_dir_all(&self.dir).and_then(|()| {
            let mut tmp = tempfile::Builder::new()
                .prefix(".tmp-")
                .tempfile_in(&self.dir)?;
            tmp.write_all(buf)?;
            tmp.persist(file).map_err(|e| e.error)?;
            Ok(())
        });
        match written {
            Ok(()) => {
                self.written.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(e) => {
                self.writable.store(false, Ordering::Relaxed);
                crate::diag::info(format_args!(
                    "entry cache not written ({}): {e}",
                    self.dir.display()
                ));
                false
            }
        }
    }
}

/// The entry files of a month folder, newest (largest name) first, with their stat data
/// (`lstat` relative to the open folder: no path walk per file). Two threads per folder
/// made a month of 1,000 files slower, not faster (measured): the lookups are cheap and
/// a thread is not.
fn list(dir: &Path) -> Vec<(std::ffi::OsString, Option<Stat>)> {
    crate::journal::month_entry_files(dir)
        .into_iter()
        .map(|(name, e)| {
            let stat = e.metadata().ok().map(|m| Stat {
                key: Key::of(&m),
                file: m.is_file(),
            });
            (name, stat)
        })
        .collect()
}

/// What [`list`] gives, for a folder whose names are those of `known`'s records (its
/// stat data says so): each name `lstat`ed relative to the open folder, without reading
/// the folder. At 100,000 entries reading every folder was a seventh of a search.
fn restat(dir: &Path, known: &Indexed) -> Vec<(std::ffi::OsString, Option<Stat>)> {
    use std::os::fd::AsRawFd as _;
    let Ok(folder) = File::open(dir) else {
        return list(dir);
    };
    known
        .recs
        .iter()
        .filter_map(|rec| {
            let name = &known.buf[rec.name.clone()];
            let stat = std::ffi::CString::new(name).ok().and_then(|c_name| {
                let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
                // SAFETY: `c_name` is a NUL-terminated name, `st` a buffer the size of
                // `struct stat`, and `folder` an open descriptor for the whole call.
                #[allow(unsafe_code)]
                let done = unsafe {
                    libc::fstatat(
                        folder.as_raw_fd(),
                        c_name.as_ptr(),
                        st.as_mut_ptr(),
                        libc::AT_SYMLINK_NOFOLLOW,
                    )
                };
                // SAFETY: fstatat filled `st` when it returned 0.
                #[allow(unsafe_code)]
                (done == 0).then(|| Stat::of(unsafe { st.assume_init_ref() }))
            });
            // As the listing does: only regular files are entries (a name that is no
            // longer one would have changed the folder, but the rule is the listing's).
            match stat {
                Some(s) if !s.file => None,
                stat => Some((OsStr::from_bytes(name).to_os_string(), stat)),
            }
        })
        .collect()
}

/// A file's stat data, and whether it is a regular file.
#[derive(Debug, Clone, Copy)]
struct Stat {
    key: Key,
    file: bool,
}

impl Stat {
    fn of(st: &libc::stat) -> Stat {
        Stat {
            key: Key {
                size: st.st_size as u64,
                ino: st.st_ino,
                mtime: st.st_mtime,
                mtime_nsec: st.st_mtime_nsec,
                ctime: st.st_ctime,
                ctime_nsec: st.st_ctime_nsec,
            },
            file: st.st_mode & libc::S_IFMT == libc::S_IFREG,
        }
    }
}

/// A part of a month file being rebuilt: a record of the old file, or a new one.
enum Part {
    Old(Range<usize>),
    New(Vec<u8>),
}

/// A checked cache file and its records.
struct Indexed {
    buf: Vec<u8>,
    recs: Vec<Rec>,
    /// The month folder's stat data when its names were read, if old enough to trust.
    folder: Option<Key>,
}

/// Where a record's fields are in its month buffer.
#[derive(Debug, Clone)]
struct Rec {
    whole: Range<usize>,
    name: Range<usize>,
    trusted: bool,
    /// See [`NEEDS_NFC`].
    needs_nfc: bool,
    key: Key,
    /// The git blob id of the file's bytes.
    blob: [u8; 20],
    kind: u8,
    /// The file's bytes (the error message for an unreadable file).
    data: Range<usize>,
    /// Where the parsed fields of a [`PARSED`] record start.
    meta: usize,
}

/// One month folder's entry files, newest first by file name (see [`EntryCache::month`]).
pub struct Month<'j> {
    dir: PathBuf,
    buf: Vec<u8>,
    recs: Vec<Rec>,
    schema: Schema<'j>,
    saved: Option<Saved>,
}

/// Where a [`Month`]'s buffer is on disk, byte for byte: its cache file, the length and
/// the checksum (the file's last 8 bytes). A few dozen bytes instead of the month, for a
/// reader that lets go of the month and comes back for some of its entries
/// ([`EntryCache::reopen`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    file: PathBuf,
    len: usize,
    sum: [u8; 8],
}

impl Saved {
    fn of(file: PathBuf, buf: &[u8]) -> Saved {
        let mut sum = [0; 8];
        if let Some(tail) = buf.len().checked_sub(8).map(|at| &buf[at..]) {
            sum.copy_from_slice(tail);
        }
        Saved {
            file,
            len: buf.len(),
            sum,
        }
    }
}

impl Month<'_> {
    /// How many entry files the folder holds.
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    /// The bytes it holds: its files' and their parsed records.
    pub fn size(&self) -> usize {
        self.buf.len()
    }

    /// The path of the `i`th file.
    pub fn path(&self, i: usize) -> PathBuf {
        self.dir.join(OsStr::from_bytes(self.name(i)))
    }

    /// The file name of the `i`th file.
    pub fn name(&self, i: usize) -> &[u8] {
        &self.buf[self.recs[i].name.clone()]
    }

    /// Where this month's records are on disk, when they are there exactly as this
    /// month holds them (not when the cache could not be written): the key to
    /// [`EntryCache::reopen`].
    pub fn saved(&self) -> Option<&Saved> {
        self.saved.as_ref()
    }

    /// The index of the file called `name`, if the folder holds it.
    pub fn find(&self, name: &[u8]) -> Option<usize> {
        // Records are sorted by name, largest first.
        self.recs
            .binary_search_by(|r| name.cmp(&self.buf[r.name.clone()]))
            .ok()
    }

    /// The bytes of the `i`th file, `None` when it could not be read.
    pub fn bytes(&self, i: usize) -> Option<&[u8]> {
        let rec = &self.recs[i];
        (rec.kind != UNREADABLE).then(|| &self.buf[rec.data.clone()])
    }

    /// The git blob id of the `i`th file's bytes ([`Month::bytes`]), hashed when they
    /// were read: `None` when the file could not be read.
    pub fn blob_id(&self, i: usize) -> Option<git2::Oid> {
        let rec = &self.recs[i];
        (rec.kind != UNREADABLE)
            .then(|| git2::Oid::from_bytes(&rec.blob).ok())
            .flatten()
    }

    /// Whether the `i`th file's text must be brought to Unicode NFC before it is searched
    /// ([`crate::search::needs_nfc`] of its [`Month::bytes`], found when it was read).
    pub fn needs_nfc(&self, i: usize) -> bool {
        self.recs[i].needs_nfc
    }

    /// The date of the `i`th entry, when the record holds it parsed (cheaper than
    /// [`Month::load`]); `None`: load it to know.
    pub fn date(&self, i: usize) -> Option<DateTime<FixedOffset>> {
        self.date_and_kind(i).map(|(date, _)| date)
    }

    /// The date and kind of the `i`th entry, when the record holds them parsed (a file
    /// that parses: [`Month::load`] would give an entry with these); `None`: load it to
    /// know.
    pub fn date_and_kind(&self, i: usize) -> Option<(DateTime<FixedOffset>, &str)> {
        let mut r = self.fields(i)?;
        r.u32()?;
        let date = decode_date(&mut r)?;
        r.bytes32()?;
        let kind = r.bytes32()?;
        Some((date, std::str::from_utf8(&self.buf[kind]).ok()?))
    }

    /// The front matter of the `i`th entry and the parts of its body a publish shows
    /// ([`BodyParts::of`] the entry [`Month::load`] gives), from what the record found
    /// when the file was read: the body is not searched again. `None` when the record
    /// holds no parsed entry (load it then).
    pub fn meta_and_parts(&self, i: usize) -> Option<(Meta, BodyParts)> {
        let mut r = self.fields(i)?;
        let rec = &self.recs[i];
        let (body_start, meta) = decode_meta(&mut r)?;
        let body = self
            .buf
            .get(rec.data.start.checked_add(body_start)?..rec.data.end)?;
        let mut sections: [Option<Range<usize>>; 3] = [None, None, None];
        for section in &mut sections {
            let (start, end) = (r.u32()?, r.u32()?);
            if start != u32::MAX {
                *section = Some(start as usize..end as usize);
            }
        }
        // Only the sections' bytes need to be text here; the parser checked the file.
        let body = match sections.iter().flatten().map(|s| s.end).max() {
            Some(end) => std::str::from_utf8(body.get(..end)?).ok()?,
            None => "",
        };
        let mentions = decode_list(&mut r)?;
        let tags = crate::entry::merge_tags(&meta.tags, decode_list(&mut r)?);
        Some((meta, BodyParts::from_found(body, sections, mentions, tags)))
    }

    /// A reader at the parsed fields of the `i`th record, when it holds a parsed entry.
    fn fields(&self, i: usize) -> Option<Reader<'_>> {
        let rec = &self.recs[i];
        (rec.kind == PARSED).then_some(Reader {
            buf: &self.buf,
            pos: rec.meta,
        })
    }

    /// The `i`th entry, as [`crate::journal::Journal::load`] would read it.
    pub fn load(&self, i: usize) -> Result<Entry, LoadError> {
        let rec = &self.recs[i];
        let data = &self.buf[rec.data.clone()];
        let parsed = match rec.kind {
            UNREADABLE => Err(ParseError {
                line: 1,
                message: String::from_utf8_lossy(data).into_owned(),
            }),
            PARSED => match decode_entry(&self.buf, rec.meta, data) {
                Some(entry) => Ok(entry),
                None => Entry::parse(data, &self.schema),
            },
            _ => Entry::parse(data, &self.schema),
        };
        parsed.map_err(|error| LoadError {
            path: self.path(i),
            error,
        })
    }
}

/// Whether the record's fields give back exactly this entry: the body is the end of the
/// file, and nothing is in the front matter the record has no field for.
fn encodable(entry: &Entry, bytes: &[u8]) -> bool {
    entry.meta.extra.is_empty()
        && bytes.ends_with(entry.body.as_bytes())
        && entry.meta.date.timestamp_subsec_nanos() < 1_000_000_000
}

fn encode_entry(out: &mut Vec<u8>, entry: &Entry, len: usize) {
    let m = &entry.meta;
    out.extend_from_slice(&((len - entry.body.len()) as u32).to_le_bytes());
    out.extend_from_slice(&m.date.timestamp().to_le_bytes());
    out.extend_from_slice(&m.date.timestamp_subsec_nanos().to_le_bytes());
    out.extend_from_slice(&m.date.offset().local_minus_utc().to_le_bytes());
    for s in [&m.title, &m.kind, &m.author] {
        put_bytes32(out, s.as_bytes());
    }
    out.push(match m.visibility {
        Visibility::Public => 0,
        Visibility::Partners => 1,
        Visibility::Private => 2,
    });
    for list in [&m.tags, &m.to] {
        out.extend_from_slice(&(list.len() as u32).to_le_bytes());
        for s in list {
            put_bytes32(out, s.as_bytes());
        }
    }
    match &m.id {
        None => out.push(0),
        Some(id) => {
            out.push(1);
            put_bytes32(out, id.as_bytes());
        }
    }
}

/// What a publish looks for in every body ([`BodyParts`]), found once: where the
/// sections are (relative to the body; `u32::MAX` twice for none), the mentions and the
/// body's own tags.
fn encode_found(out: &mut Vec<u8>, entry: &Entry) {
    for range in crate::entry::section_ranges(&entry.body, PART_HEADINGS) {
        let (start, end) = range.map_or((u32::MAX, u32::MAX), |r| (r.start as u32, r.end as u32));
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&end.to_le_bytes());
    }
    for list in [entry.mentions(), crate::entry::body_tags(&entry.body)] {
        out.extend_from_slice(&(list.len() as u32).to_le_bytes());
        for s in &list {
            put_bytes32(out, s.as_bytes());
        }
    }
}

fn decode_entry(buf: &[u8], at: usize, bytes: &[u8]) -> Option<Entry> {
    let mut r = Reader { buf, pos: at };
    let (body_start, meta) = decode_meta(&mut r)?;
    let body = std::str::from_utf8(bytes.get(body_start..)?).ok()?;
    Some(Entry {
        meta,
        body: body.to_string(),
    })
}

/// The front matter's fields, and where the body starts in the file's bytes.
fn decode_meta(r: &mut Reader<'_>) -> Option<(usize, Meta)> {
    let body_start = r.u32()? as usize;
    let date = decode_date(r)?;
    let title = r.string()?;
    let kind = r.string()?;
    let author = r.string()?;
    let visibility = match r.u8()? {
        0 => Visibility::Public,
        1 => Visibility::Partners,
        2 => Visibility::Private,
        _ => return None,
    };
    let tags = decode_list(r)?;
    let to = decode_list(r)?;
    let id = match r.u8()? {
        0 => None,
        1 => Some(r.string()?),
        _ => return None,
    };
    let meta = Meta {
        title,
        date,
        kind,
        tags,
        visibility,
        author,
        to,
        id,
        extra: toml::Table::new(),
    };
    Some((body_start, meta))
}

fn decode_list(r: &mut Reader<'_>) -> Option<Vec<String>> {
    let n = r.u32()? as usize;
    let mut list = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        list.push(r.string()?);
    }
    Some(list)
}

fn decode_date(r: &mut Reader<'_>) -> Option<DateTime<FixedOffset>> {
    let secs = r.i64()?;
    let nanos = r.u32()?;
    let offset = FixedOffset::east_opt(r.i32()?)?;
    offset.timestamp_opt(secs, nanos).single()
}

fn put_bytes16(out: &mut Vec<u8>, bytes: &[u8]) {
    // File names are at most 255 bytes on the file systems wol runs on.
    let len = bytes.len().min(usize::from(u16::MAX));
    out.extend_from_slice(&(len as u16).to_le_bytes());
    out.extend_from_slice(&bytes[..len]);
}

fn put_bytes32(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// Bounds-checked little-endian reads; `None` past the end.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<Range<usize>> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len())?;
        let range = self.pos..end;
        self.pos = end;
        Some(range)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let range = self.take(N)?;
        self.buf[range].try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.array()?))
    }

    fn i32(&mut self) -> Option<i32> {
        Some(i32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.array()?))
    }

    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.array()?))
    }

    fn bytes16(&mut self) -> Option<Range<usize>> {
        let len = u16::from_le_bytes(self.array()?);
        self.take(usize::from(len))
    }

    fn bytes32(&mut self) -> Option<Range<usize>> {
        let len = self.u32()? as usize;
        self.take(len)
    }

    fn string(&mut self) -> Option<String> {
        let range = self.bytes32()?;
        std::str::from_utf8(&self.buf[range]).ok().map(String::from)
    }
}

fn now_ns() -> i128 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KINDS: [&str; 3] = ["progress", "learning", "help"];

    fn schema(kinds: &[String]) -> Schema<'_> {
        Schema {
            kinds,
            default_visibility: Visibility::Partners,
        }
    }

    /// Every record decodes to exactly what `Entry::parse` gives for its bytes — the
    /// same entry with the same UTC offset, or the same error — fresh and from the file.
    fn assert_round_trip(files: &[Vec<u8>]) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("entries/2026/11");
        fs::create_dir_all(&dir).unwrap();
        let mut names = Vec::new();
        for (i, bytes) in files.iter().enumerate() {
            let name = format!("2026-11-{:02}-0000-e.md", i + 1);
            fs::write(dir.join(&name), bytes).unwrap();
            names.push(name);
        }
        names.reverse();
        let kinds: Vec<String> = KINDS.iter().map(|k| k.to_string()).collect();
        let cache = EntryCache::new(tmp.path(), schema(&kinds));
        for pass in ["fresh", "from the cache file"] {
            let month = cache.month(2026, 11, &dir);
            assert_eq!(month.len(), files.len());
            for (i, name) in names.iter().enumerate() {
                let bytes = fs::read(dir.join(name)).unwrap();
                let want = Entry::parse(&bytes, &schema(&kinds));
                let got = month.load(i).map_err(|e| e.error);
                assert_eq!(got, want, "{pass}: {}", String::from_utf8_lossy(&bytes));
                if let (Ok(got), Ok(want)) = (&got, &want) {
                    assert_eq!(got.meta.date.offset(), want.meta.date.offset());
                    assert_eq!(month.date(i).unwrap_or(want.meta.date), want.meta.date);
                    let (date, kind) = month
                        .date_and_kind(i)
                        .unwrap_or((want.meta.date, &want.meta.kind));
                    assert_eq!((date, kind), (want.meta.date, &*want.meta.kind));
                    assert_eq!(date.offset(), want.meta.date.offset());
                }
                // What a publish reads instead of the entry: the same front matter and
                // body parts, for every record that holds a parsed entry.
                let found = month.meta_and_parts(i);
                assert_eq!(found.is_some(), month.date(i).is_some(), "{pass}");
                if let (Some((meta, parts)), Ok(want)) = (found, &want) {
                    assert_eq!(&meta, &want.meta, "{pass}");
                    assert_eq!(parts, BodyParts::of(want), "{pass}: {:?}", want.body);
                }
                assert_eq!(month.bytes(i), Some(&bytes[..]));
                assert_eq!(month.needs_nfc(i), crate::search::needs_nfc(&bytes));
                assert_eq!(month.path(i), dir.join(name));
            }
            // Read back from the cache file alone, the month holds the same records.
            let saved = month.saved().expect("the cache file was written");
            let again = cache
                .reopen(&dir, saved)
                .expect("the cache file is unchanged");
            assert_eq!(again.len(), month.len());
            for i in 0..month.len() {
                assert_eq!(again.name(i), month.name(i));
                assert_eq!(again.bytes(i), month.bytes(i));
                assert_eq!(again.needs_nfc(i), month.needs_nfc(i));
                assert_eq!(
                    again.load(i).map_err(|e| e.error),
                    month.load(i).map_err(|e| e.error)
                );
            }
        }
    }

    #[test]
    fn a_month_is_reopened_only_from_the_very_file_it_was_saved_as() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("entries/2026/11");
        fs::create_dir_all(&dir).unwrap();
        let entry = |day: u32| {
            format!(
                "+++\ntitle = \"A\"\ndate = 2026-11-{day:02}T10:00:00+01:00\nkind = \"help\"\n+++\n"
            )
        };
        fs::write(dir.join("2026-11-01-0000-a.md"), entry(1)).unwrap();
        let kinds: Vec<String> = KINDS.iter().map(|k| k.to_string()).collect();
        let cache = EntryCache::new(tmp.path(), schema(&kinds));
        let first = cache.month(2026, 11, &dir);
        let saved = first.saved().expect("written").clone();
        assert!(cache.reopen(&dir, &saved).is_some());
        // Another run sees a new file and rewrites the cache file: the first month's
        // records are gone from disk.
        fs::write(dir.join("2026-11-02-0000-b.md"), entry(2)).unwrap();
        let second = cache.month(2026, 11, &dir);
        assert_eq!(second.len(), 2);
        assert!(cache.reopen(&dir, &saved).is_none(), "a rewritten file");
        let saved = second.saved().expect("written").clone();
        assert_eq!(cache.reopen(&dir, &saved).map(|m| m.len()), Some(2));
        // Damaged in place, same length: the checksum no longer matches.
        let file = cache.dir.join(format!("2026-11.v{FORMAT}"));
        let mut bytes = fs::read(&file).unwrap();
        bytes[MAGIC.len() + 20] ^= 1;
        fs::write(&file, bytes).unwrap();
        assert!(cache.reopen(&dir, &saved).is_none(), "a damaged file");
        fs::remove_file(&file).unwrap();
        assert!(cache.reopen(&dir, &saved).is_none(), "no file");
        // A cache that cannot be written leaves nothing to reopen.
        fs::remove_dir_all(tmp.path().join(STATE_DIR)).unwrap();
        fs::write(tmp.path().join(STATE_DIR), "a file").unwrap();
        let unsaved = EntryCache::new(tmp.path(), schema(&kinds)).month(2026, 11, &dir);
        assert_eq!(unsaved.len(), 2);
        assert!(unsaved.saved().is_none());
    }

    #[test]
    fn records_decode_to_what_the_parser_gives() {
        assert_round_trip(&[
            b"+++\ntitle = \"A\"\ndate = 2026-11-01T10:00:00+01:00\nkind = \"help\"\n+++\n\nbody #tag\n".to_vec(),
            b"+++\ntitle = \"No body\"\ndate = 2026-11-02T10:00:00.123456789-09:30\nkind = \"progress\"\nid = \"x\"\nto = [\"gig\"]\n+++\n".to_vec(),
            b"\xef\xbb\xbf+++\r\ntitle = \"BOM\"\r\ndate = \"2026-11-03T10:00:00Z\"\r\nkind = \"learning\"\r\n+++\r\n\r\nx\r\n".to_vec(),
            b"+++\ntitle = \"Extra\"\ndate = 2026-11-04T10:00:00+01:00\nkind = \"help\"\n[x]\ny = 1\n+++\n\nz\n".to_vec(),
            b"+++\ntitle = \"Bad kind\"\ndate = 2026-11-05T10:00:00+01:00\nkind = \"nope\"\n+++\n".to_vec(),
            b"not an entry at all \xff".to_vec(),
            Vec::new(),
            // Text a search must bring to NFC first (decomposed, as macOS writes it), and
            // text it need not (composed).
            "+++\ntitle = \"Cafe\u{301}\"\ndate = 2026-11-06T10:00:00+01:00\nkind = \"help\"\n+++\n\ncafe\u{301}\n".into(),
            "+++\ntitle = \"Caf\u{e9}\"\ndate = 2026-11-07T10:00:00+01:00\nkind = \"help\"\n+++\n\ncaf\u{e9}\n".into(),
            // Sections, mentions and body tags, with both line endings.
            b"+++\ntitle = \"Thanks @ann\"\ndate = 2026-11-08T10:00:00+01:00\nkind = \"help\"\ntags = [\"a\"]\n+++\n\nDid it #A #b with @Bo.\n\n## Learned\n\nthat *this* works\nand `that`\n\n## Next\n- [ ] more\n# Other\nnot next\n## Help wanted\n\xc3\xa9t\xc3\xa9 @ann\n".to_vec(),
            b"+++\r\ntitle = \"CRLF\"\r\ndate = 2026-11-09T10:00:00+01:00\r\nkind = \"help\"\r\n+++\r\n\r\n## Next\r\none\r\ntwo\r\n## Learned\r\n\r\n## Next\r\nnot the first\r\n".to_vec(),
        ]);
    }

    #[test]
    fn another_schema_or_build_does_not_read_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("entries/2026/11");
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("2026-11-01-0000-a.md"),
            "+++\ntitle = \"A\"\ndate = 2026-11-01T10:00:00+01:00\nkind = \"help\"\n+++\n",
        )
        .unwrap();
        let kinds: Vec<String> = KINDS.iter().map(|k| k.to_string()).collect();
        let fewer: Vec<String> = vec!["progress".into()];
        let a = EntryCache::new(tmp.path(), schema(&kinds));
        assert!(a.month(2026, 11, &dir).load(0).is_ok());
        let file = a.dir.join(format!("2026-11.v{FORMAT}"));
        let written = fs::read(&file).unwrap();
        assert!(a.index(written.clone()).is_some());
        let b = EntryCache::new(tmp.path(), schema(&fewer));
        assert!(b.index(written.clone()).is_none(), "another kinds list");
        assert!(
            b.month(2026, 11, &dir).load(0).is_err(),
            "help is no kind now"
        );
        let mut other_build = written.clone();
        other_build[MAGIC.len() + 4] ^= 1;
        let len = other_build.len() - 8;
        let sum = checksum(&other_build[..len]);
        other_build[len..].copy_from_slice(&sum.to_le_bytes());
        assert!(a.index(other_build).is_none(), "another fingerprint");
        let mut other_format = written;
        other_format[MAGIC.len()] ^= 1;
        assert!(a.index(other_format).is_none(), "another format");
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9 #@'\"\\\\\t]{0,20}",
            "\\PC{0,12}",
            Just("+++".to_string()),
        ]
    }

    /// A body of prose lines and the headings of the sections a publish reads.
    fn body() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                text(),
                Just("## Learned".to_string()),
                Just("## next ".to_string()),
                Just("## Help wanted".to_string()),
                Just("# Title".to_string()),
                Just("".to_string()),
            ],
            0..8,
        )
        .prop_flat_map(|lines| {
            let n = lines.len();
            (
                Just(lines),
                proptest::collection::vec(prop_oneof![Just("\n"), Just("\r\n")], n),
            )
        })
        .prop_map(|(lines, ends)| {
            lines
                .iter()
                .zip(ends)
                .map(|(l, e)| format!("{l}{e}"))
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_entries_round_trip(
            title in text(),
            kind in prop_oneof![Just("progress"), Just("help"), Just("bogus")],
            tags in proptest::collection::vec(text(), 0..4),
            to in proptest::collection::vec("[a-z]{1,6}", 0..3),
            id in proptest::option::of("[a-z0-9-]{1,10}"),
            visibility in proptest::option::of(prop_oneof![Just("public"), Just("private"), Just("partners")]),
            offset_min in -720i32..=840,
            secs in 0i64..4_000_000_000,
            body in body(),
        ) {
            let offset = FixedOffset::east_opt(offset_min * 60).unwrap();
            let date = offset.timestamp_opt(secs, 0).unwrap();
            let toml_str = |s: &str| toml::Value::String(s.to_string()).to_string();
            let mut front = format!(
                "title = {}\ndate = {}\nkind = {}\ntags = [{}]\nto = [{}]\n",
                toml_str(&title),
                date.to_rfc3339(),
                toml_str(kind),
                tags.iter().map(|t| toml_str(t)).collect::<Vec<_>>().join(", "),
                to.iter().map(|t| toml_str(t)).collect::<Vec<_>>().join(", "),
            );
            if let Some(id) = id {
                front.push_str(&format!("id = {}\n", toml_str(&id)));
            }
            if let Some(v) = visibility {
                front.push_str(&format!("visibility = {}\n", toml_str(v)));
            }
            assert_round_trip(&[format!("+++\n{front}+++\n\n{body}").into_bytes()]);
        }
    }

    #[test]
    fn month_files_of_other_formats_are_known_by_name() {
        let ours = format!("2026-11.v{FORMAT}");
        assert!(!of_another_format(ours.as_bytes()));
        for other in ["2026-11.v1", "1999-01.v12", "2026-11.v0"] {
            assert_eq!(
                of_another_format(other.as_bytes()),
                other != ours,
                "{other}"
            );
        }
        for name in [
            "2026-11.v",
            "2026-11.vx",
            "2026-1.v1",
            "2026_11.v1",
            "x026-11.v1",
            "2026-11.v1.tmp",
            ".tmp-2026-11.v1",
            "2026-11",
            "notes.txt",
            "",
        ] {
            assert!(!of_another_format(name.as_bytes()), "{name}");
        }
    }

    #[test]
    fn checksum_sees_every_byte() {
        let data: Vec<u8> = (0..200u8).collect();
        let base = checksum(&data);
        for i in 0..data.len() {
            let mut d = data.clone();
            d[i] ^= 0x10;
            assert_ne!(checksum(&d), base, "byte {i}");
        }
        assert_ne!(checksum(&data[..199]), base);
    }
}
