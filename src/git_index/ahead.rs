//! What one index write leaves for the next: the SHA-1 worked out ahead, and which bytes
//! the spare holds.
//!
//! An index file ends in the SHA-1 of everything before it, and its header, the first
//! bytes hashed, holds the number of entries: one entry more and the whole file is
//! hashed again, 13 MB and about 7 ms at 100,000 entries, a third of a `wol log`. But
//! SHA-1 takes a file 64 bytes at a time, and its state after a block depends only on
//! the bytes so far. So while `wol log` composes and writes its entry, a thread on the
//! other core works out the state after the part of the *next* index that the next
//! entry will not change: the header with one entry more than this command leaves, and
//! every entry before this month's folder ([`start`]). The next write that adds one
//! entry in that month hashes only what comes after: this month's entries and the
//! extensions.
//!
//! The same goes for writing the file: the new index is written into the spare, the
//! index before last ([`super::spare`]), and most of its bytes are already there. A
//! write notes how much of the file it leaves is the same as the file it replaced
//! (which becomes the spare), so the next write writes the header and what comes after
//! that: a few kilobytes instead of 13 MB, and no 13 MB for the disk to take in.
//!
//! Both are saved beside the index ([`Saved`]), named by that index's own checksum and
//! length and the boot they were made in, so they are used only for those very bytes:
//! after a git command rewrote the index, or a write adds more than one entry or changes
//! an older month, they are not used (the whole file hashed and written, as without
//! them, and a new record made). The record is removed before the spare is written, so
//! it never vouches for bytes being changed. It is a cache: without it the index comes
//! out byte for byte the same.

use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use memmap2::Mmap;

use super::{HASH, HEADER, Layout, Parsed};

/// The SHA-1 state after the first `len` bytes of a stream (a multiple of 64).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Midstate {
    h: [u32; 5],
    len: u64,
}

impl Midstate {
    /// Bytes hashed.
    pub fn len(&self) -> u64 {
        self.len
    }
}

/// SHA-1 over bytes given in pieces, which can start from a [`Midstate`] and give one.
pub struct Sha1Stream {
    h: [u32; 5],
    /// Bytes hashed into `h` (whole blocks).
    len: u64,
    buf: [u8; 64],
    filled: usize,
}

impl Default for Sha1Stream {
    fn default() -> Self {
        Self::resume(Midstate {
            h: [
                0x6745_2301,
                0xEFCD_AB89,
                0x98BA_DCFE,
                0x1032_5476,
                0xC3D2_E1F0,
            ],
            len: 0,
        })
    }
}

impl Sha1Stream {
    /// Go on from `state`: the bytes given next are those after its first `len`.
    pub fn resume(state: Midstate) -> Sha1Stream {
        Sha1Stream {
            h: state.h,
            len: state.len,
            buf: [0; 64],
            filled: 0,
        }
    }

    /// Bytes hashed so far.
    pub fn len(&self) -> u64 {
        self.len + self.filled as u64
    }

    pub fn update(&mut self, mut data: &[u8]) {
        if self.filled > 0 {
            let take = (64 - self.filled).min(data.len());
            self.buf[self.filled..self.filled + take].copy_from_slice(&data[..take]);
            self.filled += take;
            data = &data[take..];
            if self.filled < 64 {
                return;
            }
            let block = self.buf;
            self.blocks(&block);
            self.filled = 0;
        }
        let whole = data.len() / 64 * 64;
        self.blocks(&data[..whole]);
        let rest = &data[whole..];
        self.buf[..rest.len()].copy_from_slice(rest);
        self.filled = rest.len();
    }

    /// The state so far, when it ends on a block boundary.
    pub fn midstate(&self) -> Option<Midstate> {
        (self.filled == 0).then_some(Midstate {
            h: self.h,
            len: self.len,
        })
    }

    pub fn finish(mut self) -> [u8; HASH] {
        let bits = self.len() * 8;
        let mut tail = [0u8; 128];
        tail[..self.filled].copy_from_slice(&self.buf[..self.filled]);
        tail[self.filled] = 0x80;
        let end = if self.filled + 9 <= 64 { 64 } else { 128 };
        tail[end - 8..end].copy_from_slice(&bits.to_be_bytes());
        self.blocks(&tail[..end]);
        let mut out = [0; HASH];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.h) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    /// Hash whole blocks (`bytes.len()` a multiple of 64).
    fn blocks(&mut self, bytes: &[u8]) {
        type Block = sha1::digest::core_api::Block<sha1::Sha1Core>;
        debug_assert_eq!(bytes.len() % 64, 0);
        // SAFETY: a block is a `GenericArray<u8, U64>`, which has the layout of
        // `[u8; 64]` (alignment 1, no padding), so `bytes` is that many blocks end to end;
        // the sha1 crate makes the same cast the other way.
        #[allow(unsafe_code)]
        let blocks: &[Block] =
            unsafe { std::slice::from_raw_parts(bytes.as_ptr().cast::<Block>(), bytes.len() / 64) };
        sha1::compress(&mut self.h, blocks);
        self.len += bytes.len() as u64;
    }
}

/// The SHA-1 state the next write of an index can start from (`.git/wol-index-sha1`):
/// for the index whose trailer and length are `index`, the state after the next index's
/// header, with `count` entries, and its bytes up to the state's length, which are this
/// index's bytes there. An index is never written in place (git and libgit2 replace it
/// by a rename, wol writes only a spare), so a record for its bytes stays true: it may
/// be saved at any time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextHash {
    pub index: ([u8; HASH], u64),
    pub count: u32,
    pub state: Midstate,
    /// Which boundary the state stops at ([`start`]), by [`boundary_id`].
    pub boundary: u64,
}

/// The spare (the index before last) and how much of the index after it is the same
/// bytes (`.git/wol-index-spare2.same`), recorded for the index whose trailer and length
/// are `index`. A spare is written in place, so this record is saved only while the
/// index lock is held, before the rename that makes `index` the index, and removed
/// before the spare is written ([`Spare::forget`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spare {
    pub index: ([u8; HASH], u64),
    /// The spare's trailer and length when it was the index.
    pub trailer: [u8; HASH],
    pub len: u64,
    /// `index` has the same bytes as the spare before this offset, the header's entry
    /// count aside.
    pub same_until: u64,
}

/// A record beside the index: a magic line, this boot's id, what it says, and the SHA-1
/// of all that. It is used only in the boot it was made in: within a boot the page cache
/// holds what was written, while after a power loss a file's pages may be older than
/// its checksum says.
struct Record;

impl Record {
    /// The record `magic` for the index `index` (trailer and length) saying `payload`,
    /// made in this boot.
    fn seal(magic: &[u8; 16], index: ([u8; HASH], u64), payload: &[u8]) -> Option<Vec<u8>> {
        Some(Record::seal_in(boot_id()?, magic, index, payload))
    }

    fn seal_in(
        boot: &[u8; 16],
        magic: &[u8; 16],
        index: ([u8; HASH], u64),
        payload: &[u8],
    ) -> Vec<u8> {
        let mut out = magic.to_vec();
        out.extend_from_slice(boot);
        out.extend_from_slice(&index.0);
        out.extend_from_slice(&index.1.to_be_bytes());
        out.extend_from_slice(payload);
        let mut check = Sha1Stream::default();
        check.update(&out);
        out.extend_from_slice(&check.finish());
        out
    }

    /// What the record `bytes` says, when it is whole and of this boot.
    fn open<'b>(magic: &[u8; 16], bytes: &'b [u8], boot: &[u8; 16]) -> Option<&'b [u8]> {
        let body = bytes.strip_prefix(magic.as_slice())?;
        let (body, check) = body.split_at_checked(body.len().checked_sub(HASH)?)?;
        let mut sum = Sha1Stream::default();
        sum.update(magic);
        sum.update(body);
        (sum.finish() == check).then_some(())?;
        body.strip_prefix(boot.as_slice())
    }

    /// Save `bytes` as `path`, by a rename: a reader sees all of it or none. Nothing is
    /// said when that fails: the next write does all the work.
    ///
    /// The file renamed has one name per record, `.NAME.new` beside it, so a command
    /// killed mid-save leaves that one small file, which the next save replaces (a
    /// random name each time left a new one after every such kill, for good). Whatever
    /// has that name is unlinked first and the file made anew, so a link there, symbolic
    /// or hard, is never written through. Two writers at once cannot hurt: a record is
    /// sealed with its checksum, so one whose bytes got mixed is not used.
    fn save(path: &Path, bytes: &[u8]) {
        let done = (|| -> std::io::Result<()> {
            use std::os::unix::fs::OpenOptionsExt as _;
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let side = path.with_file_name(format!(".{name}.new"));
            match fs::remove_file(&side) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            File::options()
                .write(true)
                .create_new(true)
                .mode(0o644)
                .open(&side)?
                .write_all(bytes)?;
            fs::rename(&side, path)
        })();
        if let Err(e) = done {
            crate::diag::debug(format_args!("index: {} not saved: {e}", path.display()));
        }
    }

    /// The record at `path` for the index file `bytes`: what it says after the index's
    /// trailer and length.
    fn for_index(magic: &[u8; 16], path: &Path, bytes: &[u8]) -> Option<Vec<u8>> {
        let record = fs::read(path).ok()?;
        let body = Record::open(magic, &record, boot_id()?)?;
        let rest = body.strip_prefix(&bytes[bytes.len() - HASH..])?;
        let rest = rest.strip_prefix(&(bytes.len() as u64).to_be_bytes())?;
        Some(rest.to_vec())
    }
}

/// Reads big-endian numbers and byte arrays off the front of a slice.
struct Fields<'b>(&'b [u8]);

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_be_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_be_bytes)
    }
}

const NEXT_HASH: &[u8; 16] = b"wol-index-sha1\x004";
const SPARE: &[u8; 16] = b"wol-index-same\x001";

impl NextHash {
    pub fn path(index: &Path) -> PathBuf {
        index.with_file_name("wol-index-sha1")
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = self.count.to_be_bytes().to_vec();
        for word in self.state.h {
            out.extend_from_slice(&word.to_be_bytes());
        }
        out.extend_from_slice(&self.state.len.to_be_bytes());
        out.extend_from_slice(&self.boundary.to_be_bytes());
        out
    }

    fn decode(index: ([u8; HASH], u64), rest: &[u8]) -> Option<NextHash> {
        let mut f = Fields(rest);
        let count = f.u32()?;
        let mut h = [0; 5];
        for word in &mut h {
            *word = f.u32()?;
        }
        let len = f.u64()?;
        let boundary = f.u64()?;
        (f.0.is_empty() && len % 64 == 0).then_some(NextHash {
            index,
            count,
            state: Midstate { h, len },
            boundary,
        })
    }

    /// The state saved beside `index` for the index file `bytes`, if there is one.
    pub fn for_index(index: &Path, bytes: &[u8]) -> Option<NextHash> {
        let rest = Record::for_index(NEXT_HASH, &Self::path(index), bytes)?;
        NextHash::decode(identity(bytes), &rest)
    }

    fn save(&self, index: &Path) {
        if let Some(bytes) = Record::seal(NEXT_HASH, self.index, &self.encode()) {
            Record::save(&Self::path(index), &bytes);
        }
    }
}

impl Spare {
    pub fn path(index: &Path) -> PathBuf {
        index.with_file_name("wol-index-spare2.same")
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = self.trailer.to_vec();
        out.extend_from_slice(&self.len.to_be_bytes());
        out.extend_from_slice(&self.same_until.to_be_bytes());
        out
    }

    fn decode(index: ([u8; HASH], u64), rest: &[u8]) -> Option<Spare> {
        let mut f = Fields(rest);
        let spare = Spare {
            index,
            trailer: f.take()?,
            len: f.u64()?,
            same_until: f.u64()?,
        };
        f.0.is_empty().then_some(spare)
    }

    /// What the write of the index file `bytes` at `index` recorded of the spare.
    pub fn for_index(index: &Path, bytes: &[u8]) -> Option<Spare> {
        let rest = Record::for_index(SPARE, &Self::path(index), bytes)?;
        Spare::decode(identity(bytes), &rest)
    }

    /// Save it beside `index`: only under the index lock, before the rename that makes
    /// the new index the index.
    pub fn save(&self, index: &Path) {
        if let Some(bytes) = Record::seal(SPARE, self.index, &self.encode()) {
            Record::save(&Self::path(index), &bytes);
        }
    }

    /// Remove what the last write recorded of the spare beside `index`: the spare is
    /// about to be written. Under the index lock.
    pub fn forget(index: &Path) {
        let _ = fs::remove_file(Self::path(index));
    }
}

/// A boundary ([`start`]) as a record keeps it: the first eight bytes of its SHA-1.
fn boundary_id(boundary: &[u8]) -> u64 {
    let mut sha = Sha1Stream::default();
    sha.update(boundary);
    let digest = sha.finish();
    u64::from_be_bytes(digest[..8].try_into().expect("eight bytes"))
}

/// An index file's trailer and length.
pub fn identity(bytes: &[u8]) -> ([u8; HASH], u64) {
    let mut trailer = [0; HASH];
    trailer.copy_from_slice(&bytes[bytes.len() - HASH..]);
    (trailer, bytes.len() as u64)
}

/// This boot's id (Linux), which tells a page cache from the one before a restart.
fn boot_id() -> Option<&'static [u8; 16]> {
    static BOOT: std::sync::OnceLock<Option<[u8; 16]>> = std::sync::OnceLock::new();
    BOOT.get_or_init(|| {
        let text = fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
        let hex: Vec<u8> = text
            .bytes()
            .filter(u8::is_ascii_hexdigit)
            .map(|b| (b as char).to_digit(16).map_or(0, |d| d as u8))
            .collect();
        let mut id = [0; 16];
        for (byte, pair) in id.iter_mut().zip(hex.chunks_exact(2)) {
            *byte = pair[0] << 4 | pair[1];
        }
        (hex.len() == 32).then_some(id)
    })
    .as_ref()
}

/// What the thread [`start`] made: the state for the index after this command's write,
/// worked out from the index it read.
struct Prepared {
    /// The trailer and length of the index it read.
    read: ([u8; HASH], u64),
    /// The state: the entry count it assumes is one more than this command leaves.
    count: u32,
    state: Midstate,
    boundary: u64,
}

/// What [`super::splice`] wrote: the index it read (trailer and length), and the one it
/// wrote in its place.
pub struct Written {
    pub read: ([u8; HASH], u64),
    pub wrote: ([u8; HASH], u64),
    pub count: u32,
    /// Where the first entry it changed starts: the bytes before are the file it read.
    pub first_change: u64,
}

/// The index as the thread read it, handed over to the write (which then need not map
/// and walk it again): the open file, its bytes, and where its parts are.
pub struct Early {
    pub file: File,
    pub map: Arc<Mmap>,
    /// Where its parts are, when the thread walked it.
    pub layout: Option<Layout>,
}

struct Ahead {
    index: PathBuf,
    thread: JoinHandle<Option<Prepared>>,
    early: Option<Receiver<Early>>,
    written: Option<Written>,
}

static AHEAD: Mutex<Option<Ahead>> = Mutex::new(None);

/// Start working out, on a thread of its own, the state the write after this command's
/// will need, for a command about to add `adding` paths to the index at `index`, every
/// one of them at or after `boundary` in path order (the folder of the month an entry
/// goes to, `entries/2026/11/`). The write that follows tells it what it wrote
/// ([`wrote`]), and [`finish`] saves the state for the index it left.
pub fn start(index: &Path, adding: u32, boundary: String) {
    if !several_cores() {
        return;
    }
    let owned = index.to_path_buf();
    let (send, early) = sync_channel(1);
    let here = cpu::current();
    let spawned = std::thread::Builder::new()
        .name("index-sha1".into())
        .spawn(move || {
            cpu::leave(here);
            let started = std::time::Instant::now();
            let prepared = prepare(&owned, adding, boundary.as_bytes(), send);
            crate::diag::debug(format_args!(
                "index: the next write's checksum state worked out ahead in {:.1?}{}",
                started.elapsed(),
                if prepared.is_some() {
                    ""
                } else {
                    " (none for this index)"
                }
            ));
            prepared
        });
    if let (Ok(thread), Ok(mut ahead)) = (spawned, AHEAD.lock()) {
        *ahead = Some(Ahead {
            index: index.to_path_buf(),
            thread,
            early: Some(early),
            written: None,
        });
    }
}

/// Get another core going for the thread [`start`] will make: a command that will write
/// calls this first thing, with work of its own for that core (`work` runs there, or
/// nowhere when there is a single core: it must be work the command would otherwise do
/// itself, when it needs it, such as filling a `LazyLock`).
///
/// An idle core can take milliseconds to come back: on this project's 2-core virtual
/// machine the hashing thread, made a millisecond into `wol log`, began its work 3 to 5
/// ms in about half the time, and `wol log` at 100,000 entries waited for it at its end
/// as long. With a thread made half a millisecond before, it began at about 1.0 ms in
/// 28 runs of 30 (and 14 of 16 in a later trace): it is a thread's being there to run
/// that gets the scheduler to bring the other core up. A thread made this early to do
/// the hashing, and left waiting for its work, did not help.
pub fn warm_up(work: impl FnOnce() + Send + 'static) {
    if several_cores() {
        let _ = std::thread::Builder::new().name("wake".into()).spawn(work);
    }
}

/// On a single core the thread would only take turns with the command.
fn several_cores() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
}

/// Keeping the thread off the core the command runs on. Left to the scheduler, the new
/// thread often started on the command's own core and the two took turns for
/// milliseconds (`wol log` at 100,000 entries reached its write at 6 ms or at 10 to
/// 13 ms, measured); kept off it, always at about 6.
#[cfg(target_os = "linux")]
mod cpu {
    /// The core this thread runs on now.
    pub fn current() -> Option<usize> {
        // SAFETY: a plain system call with no arguments.
        #[allow(unsafe_code)]
        let cpu = unsafe { libc::sched_getcpu() };
        usize::try_from(cpu).ok()
    }

    /// Let the calling thread run on any core it may run on but `cpu`, when there is
    /// another.
    pub fn leave(cpu: Option<usize>) {
        let Some(cpu) = cpu.filter(|&c| c < libc::CPU_SETSIZE as usize) else {
            return;
        };
        let size = std::mem::size_of::<libc::cpu_set_t>();
        // SAFETY: `set` is a zeroed `cpu_set_t` (a plain bit set), filled in by
        // sched_getaffinity and given back to sched_setaffinity with its size; `cpu` is
        // within the set's size.
        #[allow(unsafe_code)]
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            if libc::sched_getaffinity(0, size, &mut set) == 0
                && libc::CPU_ISSET(cpu, &set)
                && libc::CPU_COUNT(&set) > 1
            {
                libc::CPU_CLR(cpu, &mut set);
                libc::sched_setaffinity(0, size, &set);
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod cpu {
    pub fn current() -> Option<usize> {
        None
    }

    pub fn leave(_cpu: Option<usize>) {}
}

/// The index as the thread [`start`] read it, once it has: `None` when there is no such
/// thread for `index`, or it could not read the file as an index this module handles.
pub fn early(index: &Path) -> Option<Early> {
    let early = AHEAD
        .lock()
        .ok()?
        .as_mut()
        .filter(|a| a.index == index)?
        .early
        .take()?;
    early.recv().ok()
}

/// Note what the write of the index at `index` did, for [`finish`] (the last note
/// counts).
pub fn wrote(index: &Path, written: Written) {
    if let Ok(mut ahead) = AHEAD.lock()
        && let Some(ahead) = ahead.as_mut().filter(|a| a.index == index)
    {
        ahead.written = Some(written);
    }
}

/// Wait for the thread [`start`] started, and save its state for the index the last
/// write left, when it was worked out from the very index that write read and that
/// write changed nothing it hashed. Called once the command's commit is made.
pub fn finish() {
    let Some(ahead) = AHEAD.lock().ok().and_then(|mut a| a.take()) else {
        return;
    };
    let (Ok(Some(next)), Some(written)) = (ahead.thread.join(), ahead.written) else {
        return;
    };
    if next.read == written.read
        && written.wrote.0 != [0; HASH]
        && u64::from(next.count) == u64::from(written.count) + 1
        && next.state.len() <= written.first_change
    {
        NextHash {
            index: written.wrote,
            count: next.count,
            state: next.state,
            boundary: next.boundary,
        }
        .save(&ahead.index);
    }
}

/// The state for the index after a write of `adding` paths at or after `boundary` to
/// the index at `index` as it is now; the file, once read, is sent to `early`.
///
/// The state stops at the block before the first entry at or after `boundary`. When the
/// last write's record is for this very file and that boundary, the state it holds
/// stops there too (the entries before are the same bytes), and the file is not walked
/// for it: the write walks it, on the other core, while this thread hashes.
fn prepare(
    index: &Path,
    adding: u32,
    boundary: &[u8],
    early: SyncSender<Early>,
) -> Option<Prepared> {
    let file = File::open(index).ok()?;
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return None;
    }
    // SAFETY: only read, and never changed while mapped: git and libgit2 replace an
    // index by a rename, and wol overwrites only a spare no process has open.
    #[allow(unsafe_code)]
    let map = Arc::new(unsafe { memmap2::MmapOptions::new().map(&file) }.ok()?);
    let bytes: &[u8] = &map;
    let boundary_id = boundary_id(boundary);
    let known = (bytes.len() >= HEADER + HASH)
        .then(|| NextHash::for_index(index, bytes))
        .flatten()
        .filter(|n| n.boundary == boundary_id);
    let (entries, prefix) = match known {
        Some(known) => {
            let entries = u32::from_be_bytes(bytes[8..12].try_into().ok()?);
            let _ = early.send(Early {
                file,
                map: Arc::clone(&map),
                layout: None,
            });
            (entries, known.state.len() as usize)
        }
        None => {
            let parsed = Parsed::new(bytes).ok()?;
            let entries = u32::try_from(parsed.offsets.len()).ok()?;
            let prefix = parsed.start(parsed.lower_bound(boundary)) / 64 * 64;
            let _ = early.send(Early {
                file,
                map: Arc::clone(&map),
                layout: Some(parsed.into_layout()),
            });
            (entries, prefix)
        }
    };
    let trailer: [u8; HASH] = bytes[bytes.len() - HASH..].try_into().ok()?;
    if trailer == [0; HASH] || prefix < 64 || prefix > bytes.len() - HASH {
        // `index.skipHash` (nothing to hash), or nothing before the boundary.
        return None;
    }
    let count = entries.checked_add(adding)?.checked_add(1)?;
    let mut header: [u8; HEADER] = bytes[..HEADER].try_into().ok()?;
    header[8..12].copy_from_slice(&count.to_be_bytes());
    let mut sha = Sha1Stream::default();
    sha.update(&header);
    sha.update(&bytes[HEADER..prefix]);
    Some(Prepared {
        read: (trailer, bytes.len() as u64),
        count,
        state: sha.midstate()?,
        boundary: boundary_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha1::{Digest as _, Sha1};

    fn whole(bytes: &[u8]) -> [u8; HASH] {
        Sha1::digest(bytes).into()
    }

    #[test]
    fn pieces_and_resumed_states_give_the_sha1_of_the_whole() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for len in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 500, 1000] {
            let data = &data[..len];
            for cut in [0, 1, 3, 64, 70, len / 2, len] {
                let cut = cut.min(len);
                let mut sha = Sha1Stream::default();
                sha.update(&data[..cut]);
                sha.update(&data[cut..]);
                assert_eq!(sha.finish(), whole(data), "len {len}, cut {cut}");
            }
            for blocks in 0..=len / 64 {
                let mut first = Sha1Stream::default();
                first.update(&data[..blocks * 64]);
                let state = first.midstate().expect("a block boundary");
                assert_eq!(state.len(), blocks as u64 * 64);
                let mut rest = Sha1Stream::resume(state);
                for byte in &data[blocks * 64..] {
                    rest.update(std::slice::from_ref(byte));
                }
                assert_eq!(rest.finish(), whole(data), "len {len}, from block {blocks}");
            }
        }
    }

    #[test]
    fn records_read_back_and_damaged_ones_do_not() {
        let mut sha = Sha1Stream::default();
        sha.update(&[7; 128]);
        let index = ([3; HASH], 4096);
        let next = NextHash {
            index,
            count: 42,
            state: sha.midstate().unwrap(),
            boundary: boundary_id(b"entries/2026/11/"),
        };
        let spare = Spare {
            index,
            trailer: [4; HASH],
            len: 4000,
            same_until: 640,
        };
        let boot = [9; 16];
        let read = |magic: &[u8; 16], bytes: &[u8], boot: &[u8; 16]| {
            let body = Record::open(magic, bytes, boot)?;
            let rest = body
                .strip_prefix(&index.0)?
                .strip_prefix(&index.1.to_be_bytes())?;
            Some(rest.to_vec())
        };
        for (magic, payload) in [(NEXT_HASH, next.encode()), (SPARE, spare.encode())] {
            let bytes = Record::seal_in(&boot, magic, index, &payload);
            let rest = read(magic, &bytes, &boot).expect("reads back");
            if magic == NEXT_HASH {
                assert_eq!(NextHash::decode(index, &rest), Some(next));
            } else {
                assert_eq!(Spare::decode(index, &rest), Some(spare));
            }
            assert_eq!(read(magic, &bytes, &[8; 16]), None, "another boot");
            let other = if magic == NEXT_HASH { SPARE } else { NEXT_HASH };
            assert_eq!(read(other, &bytes, &boot), None, "the other record");
            for i in 0..bytes.len() {
                let mut bad = bytes.clone();
                bad[i] ^= 1;
                assert_eq!(read(magic, &bad, &boot), None, "byte {i} flipped");
            }
            assert_eq!(read(magic, &bytes[..bytes.len() - 1], &boot), None);
        }
    }

    #[test]
    fn a_record_is_saved_through_one_side_file_that_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wol-index-sha1");
        let side = dir.path().join(".wol-index-sha1.new");
        let names = || {
            let mut n: Vec<String> = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            n.sort();
            n
        };
        Record::save(&path, b"first");
        assert_eq!(fs::read(&path).unwrap(), b"first");
        assert_eq!(names(), ["wol-index-sha1"]);
        // What a save killed midway leaves is taken over by the next one.
        fs::write(&side, b"half a rec").unwrap();
        Record::save(&path, b"second");
        assert_eq!(fs::read(&path).unwrap(), b"second");
        assert_eq!(names(), ["wol-index-sha1"]);
        // A link in the side file's place is removed, and what it points to untouched.
        let outside = dir.path().join("outside");
        fs::write(&outside, b"keep me").unwrap();
        std::os::unix::fs::symlink(&outside, &side).unwrap();
        Record::save(&path, b"third");
        assert_eq!(fs::read(&path).unwrap(), b"third");
        assert_eq!(fs::read(&outside).unwrap(), b"keep me");
        assert!(
            !fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(names(), ["outside", "wol-index-sha1"]);
        // A hard link in its place: the file it shares is untouched too.
        fs::hard_link(&outside, &side).unwrap();
        Record::save(&path, b"fourth");
        assert_eq!(fs::read(&path).unwrap(), b"fourth");
        assert_eq!(fs::read(&outside).unwrap(), b"keep me");
        assert_eq!(names(), ["outside", "wol-index-sha1"]);
    }

    #[test]
    fn this_boot_has_an_id() {
        if cfg!(target_os = "linux") {
            assert!(boot_id().is_some_and(|id| id != &[0; 16]));
        }
    }
}
