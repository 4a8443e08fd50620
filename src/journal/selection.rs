//! Every entry a filter selects, in [`Journal::select`]'s order, without holding them all
//! at once: what `wol list` prints.
//!
//! The order needs every date before the first entry is printed (an entry may be dated
//! out of its folder's month). So a first pass walks the month folders through the
//! entry cache and keeps, for each selected entry, only what places it: its date, its
//! month, its record and a hash of its file name (40 bytes, where the decoded entry is
//! kilobytes). An entry the cache holds parsed is not even decoded when the filter looks
//! at nothing but dates and kinds. Each month is let go of when the walk moves on; what
//! remains of it is where its records are on disk ([`Saved`]).
//!
//! The second pass takes the sorted entries a window at a time (a few MB of entry text),
//! reads back the months the window needs, each once and in walk order, from their cache
//! files alone (no folder listing, no `lstat`), decodes the window's entries and hands
//! them on in order: the entries as the first pass saw them. Dates mostly follow the
//! folders, so a window needs a month or two; an entry dated far from its folder costs at
//! most one more read of its month per window.
//!
//! A month whose cache file changed between the passes (another wol rewrote it) is read
//! again from its folder, and each entry is found there by its file name: one that is
//! gone or no longer matches the filter is left out, one that no longer parses is
//! reported, so nothing printed is a mix of two versions of a file. When the cache cannot
//! be written at all, the months with selected entries are kept in memory instead, up to
//! [`KEEP_BYTES`]; the others are read from their folders again (every file: twice the
//! time of a run that, without a cache, already reads every file).

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hasher as _};
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset};

use super::{Journal, LoadError};
use crate::cache::{EntryCache, Month, Saved};
use crate::entry::Entry;
use crate::filter::Filter;

/// How much entry text (the files' bytes) the second pass decodes before handing it on;
/// decoded, it takes about twice that. Larger windows read fewer months again: at 4 MB the
/// 100,000 entries of the bench journal (567 months) take 584 month reads to print, and
/// 10,206 with every date shuffled across the journal (1.25 s instead of 1.0 s), where a
/// 1 MB window takes 36,891 (1.9 s) and a 16 MB one peaks at 47 MB instead of 26.
const WINDOW_BYTES: usize = 4 << 20;

/// How many bytes of months the first pass keeps when their cache files cannot be written.
const KEEP_BYTES: usize = 16 << 20;

/// The entries [`Journal::select_all`] selected, ready to be taken one by one in order
/// ([`Selection::for_each`]).
pub struct Selection<'j> {
    cache: EntryCache<'j>,
    filter: Filter,
    /// The months with selected entries, in walk order (newest first).
    months: Vec<Source<'j>>,
    /// Newest first by date; equal dates in walk order.
    picks: Vec<Pick>,
    kinds: BTreeSet<String>,
    /// [`WINDOW_BYTES`]; smaller in tests.
    window: usize,
}

/// Where a selected entry is, and its date.
struct Pick {
    date: DateTime<FixedOffset>,
    /// Its record in the month as the first pass saw it.
    index: usize,
    /// The month, an index into [`Selection::months`].
    month: u32,
    /// The file's size, for the window.
    size: u32,
    /// The file name's hash, to find the record again when the month changed.
    name: u64,
}

/// A month of the first pass, as the second one finds it again.
enum Source<'j> {
    /// Where its records are on disk.
    Saved {
        year: u32,
        month: u32,
        dir: PathBuf,
        saved: Saved,
    },
    /// Not on disk (the cache could not be written): the month itself.
    Kept(Month<'j>),
    /// Not on disk, and [`KEEP_BYTES`] spent: only its folder.
    Folder { year: u32, month: u32, dir: PathBuf },
}

impl Journal {
    /// The entries `filter` selects, in [`Journal::select`]'s order (newest first by date;
    /// equal dates in walk order), to be taken one by one with [`Selection::for_each`].
    /// `bad` gets the files that could not be read, in walk order, during this call.
    ///
    /// Unlike `select`, it never holds more than one month and a window of entries:
    /// memory stays at a few MB for any number of entries.
    pub fn select_all(&self, filter: &Filter, bad: impl FnMut(LoadError)) -> Selection<'_> {
        self.select_all_keeping(filter, bad, KEEP_BYTES)
    }

    fn select_all_keeping(
        &self,
        filter: &Filter,
        mut bad: impl FnMut(LoadError),
        keep_bytes: usize,
    ) -> Selection<'_> {
        let cache = self.entry_cache();
        let mut kept = 0;
        let cheap = filter.only_date_and_kind();
        let mut months = Vec::new();
        let mut picks = Vec::new();
        let mut kinds = BTreeSet::new();
        for (year, month, dir) in self.month_dirs(filter.range()) {
            let m = cache.month(year, month, &dir);
            let at = months.len() as u32;
            let before = picks.len();
            for i in 0..m.len() {
                let known = if cheap { m.date_and_kind(i) } else { None };
                let date = match known {
                    Some((date, kind)) => {
                        if !filter.matches_date_and_kind(&date, kind) {
                            continue;
                        }
                        note_kind(&mut kinds, kind);
                        date
                    }
                    None => match m.load(i) {
                        Ok(entry) if filter.matches(&entry) => {
                            note_kind(&mut kinds, &entry.meta.kind);
                            entry.meta.date
                        }
                        Ok(_) => continue,
                        Err(e) => {
                            bad(e);
                            continue;
                        }
                    },
                };
                let size = m.bytes(i).map_or(0, <[u8]>::len);
                picks.push(Pick {
                    date,
                    index: i,
                    month: at,
                    size: u32::try_from(size).unwrap_or(u32::MAX),
                    name: name_hash(m.name(i)),
                });
            }
            if picks.len() > before {
                months.push(match m.saved().cloned() {
                    Some(saved) => Source::Saved {
                        year,
                        month,
                        dir,
                        saved,
                    },
                    None if kept + m.size() <= keep_bytes => {
                        kept += m.size();
                        Source::Kept(m)
                    }
                    None => Source::Folder { year, month, dir },
                });
            }
        }
        // A stable sort: equal dates keep the walk's order, as in `select`.
        picks.sort_by_key(|p| Reverse(p.date));
        Selection {
            cache,
            filter: filter.clone(),
            months,
            picks,
            kinds,
            window: WINDOW_BYTES,
        }
    }
}

fn note_kind(kinds: &mut BTreeSet<String>, kind: &str) {
    if !kinds.contains(kind) {
        kinds.insert(kind.to_string());
    }
}

fn name_hash(name: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(name);
    h.finish()
}

impl<'j> Selection<'j> {
    /// How many entries were selected.
    pub fn len(&self) -> usize {
        self.picks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.picks.is_empty()
    }

    /// The kinds of the selected entries, each once.
    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.kinds.iter().map(String::as_str)
    }

    /// Hand each selected entry to `each`, in order, decoding a window of them at a time
    /// (see the module doc). `bad` gets a file that could not be read when it was read
    /// again (it changed since [`Journal::select_all`]); an error from `each` stops.
    pub fn for_each(
        self,
        mut bad: impl FnMut(LoadError),
        mut each: impl FnMut(PathBuf, Entry) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        // For `-vv`: months read back, and how many of them from their folders again.
        let (mut reads, mut again) = (0, 0);
        let mut order: Vec<usize> = Vec::new();
        let mut window: Vec<Option<(PathBuf, Entry)>> = Vec::new();
        let mut start = 0;
        while start < self.picks.len() {
            let mut end = start + 1;
            let mut bytes = self.picks[start].size as usize;
            while let Some(next) = self.picks.get(end)
                && bytes + next.size as usize <= self.window
            {
                bytes += next.size as usize;
                end += 1;
            }
            // The window's entries in walk order: each month is read once.
            order.clear();
            order.extend(start..end);
            order.sort_unstable_by_key(|&k| (self.picks[k].month, self.picks[k].index));
            window.clear();
            window.resize_with(end - start, || None);
            let mut open: Option<Open<'_, 'j>> = None;
            for &k in &order {
                let pick = &self.picks[k];
                let open = match open {
                    Some(ref mut o) if o.at == pick.month => o,
                    _ => {
                        let o = open.insert(self.open(pick.month));
                        reads += 1;
                        again += usize::from(o.fresh);
                        o
                    }
                };
                let Some(i) = open.find(pick) else {
                    continue;
                };
                let month = open.month.get();
                match month.load(i) {
                    Ok(entry) if !open.fresh || self.filter.matches(&entry) => {
                        window[k - start] = Some((month.path(i), entry));
                    }
                    Ok(_) => {}
                    Err(e) => bad(e),
                }
            }
            drop(open);
            for (path, entry) in window.drain(..).flatten() {
                each(path, entry)?;
            }
            start = end;
        }
        crate::diag::debug(format_args!(
            "select: {} entries from {} months, {reads} month reads to print them ({again} from their folders: the cache file had changed)",
            self.picks.len(),
            self.months.len()
        ));
        Ok(())
    }

    /// The `at`th month again: kept, read back from its cache file, or (when that file
    /// changed, or there is none) from its folder as it is now.
    fn open(&self, at: u32) -> Open<'_, 'j> {
        let (month, fresh) = match &self.months[at as usize] {
            Source::Kept(m) => (Held::Kept(m), false),
            Source::Saved {
                year,
                month,
                dir,
                saved,
            } => match self.cache.reopen(dir, saved) {
                Some(m) => (Held::Read(m), false),
                None => (Held::Read(self.cache.month(*year, *month, dir)), true),
            },
            Source::Folder { year, month, dir } => {
                (Held::Read(self.cache.month(*year, *month, dir)), true)
            }
        };
        Open {
            at,
            month,
            fresh,
            by_name: None,
        }
    }
}

/// A month the second pass is taking entries from.
struct Open<'s, 'j> {
    at: u32,
    month: Held<'s, 'j>,
    /// Read from the folder again: its records may differ from the first pass's.
    fresh: bool,
    /// Record by file name hash, built when a record is not where the first pass saw it.
    by_name: Option<HashMap<u64, usize>>,
}

enum Held<'s, 'j> {
    Kept(&'s Month<'j>),
    Read(Month<'j>),
}

impl<'j> Held<'_, 'j> {
    fn get(&self) -> &Month<'j> {
        match self {
            Held::Kept(m) => m,
            Held::Read(m) => m,
        }
    }
}

impl Open<'_, '_> {
    /// The record of `pick`'s file: where the first pass saw it, else found by name;
    /// `None` when the file is gone.
    fn find(&mut self, pick: &Pick) -> Option<usize> {
        let month = self.month.get();
        if pick.index < month.len() && name_hash(month.name(pick.index)) == pick.name {
            return Some(pick.index);
        }
        self.by_name
            .get_or_insert_with(|| {
                (0..month.len())
                    .map(|i| (name_hash(month.name(i)), i))
                    .collect()
            })
            .get(&pick.name)
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::Path;

    use super::*;

    /// A journal in `root` (config and a `.git` folder: enough to open and read it).
    fn journal(root: &Path) -> Journal {
        fs::write(
            root.join(crate::journal::CONFIG_FILE),
            crate::config::default_journal_toml(&crate::identity::new_journal_id(), Some("T")),
        )
        .unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        Journal::open(root).unwrap()
    }

    fn write_entry(root: &Path, rel: &str, title: &str, date: &str, kind: &str, tags: &str) {
        let path = root.join("entries").join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let text = format!(
            "+++\ntitle = \"{title}\"\ndate = {date}\nkind = \"{kind}\"\ntags = [{tags}]\n+++\n\n{title}: some words.\n"
        );
        fs::write(path, text).unwrap();
    }

    /// Three months whose dates disagree with their folders and file names: an entry of
    /// the oldest month dated newest, two entries in different months with one date, one
    /// dated before the whole walk, one malformed file in each of two months.
    fn seeded(root: &Path) -> Journal {
        let j = journal(root);
        let e = |rel, title, date, kind, tags| write_entry(root, rel, title, date, kind, tags);
        e(
            "2026/09/2026-09-01-0900-a.md",
            "A",
            "2026-09-01T09:00:00+02:00",
            "progress",
            "",
        );
        e(
            "2026/09/2026-09-02-0900-b.md",
            "B",
            "2026-11-30T23:00:00+01:00",
            "help",
            "\"x\"",
        );
        e(
            "2026/09/2026-09-03-0900-c.md",
            "C",
            "2026-10-05T12:00:00+02:00",
            "learning",
            "",
        );
        e(
            "2026/10/2026-10-01-0900-d.md",
            "D",
            "2026-10-05T12:00:00+02:00",
            "progress",
            "\"x\"",
        );
        e(
            "2026/10/2026-10-02-0900-e.md",
            "E",
            "2026-10-02T09:00:00+02:00",
            "decision",
            "",
        );
        e(
            "2026/10/2026-10-03-0900-f.md",
            "F",
            "2026-01-01T00:00:00Z",
            "help",
            "",
        );
        e(
            "2026/11/2026-11-01-0900-g.md",
            "G",
            "2026-11-01T09:00:00+01:00",
            "credit",
            "\"x\"",
        );
        e(
            "2026/11/2026-11-02-0900-h.md",
            "H",
            "2026-11-02T09:00:00+01:00",
            "nope",
            "",
        );
        e(
            "2026/11/2026-11-03-0900-i.md",
            "I",
            "2026-11-01T09:00:00+01:00",
            "help",
            "",
        );
        fs::write(
            root.join("entries/2026/10/2026-10-04-0900-bad.md"),
            "no front matter",
        )
        .unwrap();
        j
    }

    fn filters() -> Vec<Filter> {
        vec![
            Filter::default(),
            Filter {
                kinds: vec!["help".into(), "progress".into()],
                ..Filter::default()
            },
            Filter {
                tags: vec!["x".into()],
                ..Filter::default()
            },
            Filter {
                since: chrono::NaiveDate::from_ymd_opt(2026, 10, 5),
                ..Filter::default()
            },
        ]
    }

    type Taken = (Vec<(PathBuf, Entry)>, Vec<String>, Vec<String>);

    /// What `select_all` then `for_each` hand on with a window of `window` bytes: the
    /// entries, the first pass's bad files, the second pass's.
    fn take_all(j: &Journal, filter: &Filter, window: usize, between: impl FnOnce()) -> Taken {
        take_all_keeping(j, filter, window, KEEP_BYTES, between)
    }

    fn take_all_keeping(
        j: &Journal,
        filter: &Filter,
        window: usize,
        keep: usize,
        between: impl FnOnce(),
    ) -> Taken {
        let mut first = Vec::new();
        let mut selection = j.select_all_keeping(filter, |e| first.push(e.to_string()), keep);
        selection.window = window;
        between();
        let (mut entries, mut second) = (Vec::new(), Vec::new());
        selection
            .for_each(
                |e| second.push(e.to_string()),
                |path, entry| {
                    entries.push((path, entry));
                    Ok(())
                },
            )
            .unwrap();
        (entries, first, second)
    }

    fn titles(entries: &[(PathBuf, Entry)]) -> Vec<&str> {
        entries.iter().map(|(_, e)| e.meta.title.as_str()).collect()
    }

    #[test]
    fn entries_come_in_the_order_and_with_the_warnings_of_select() {
        let tmp = tempfile::tempdir().unwrap();
        let j = seeded(tmp.path());
        for pass in ["first run", "second run", "cache not writable"] {
            if pass == "cache not writable" {
                let cache = tmp.path().join(".wol/cache");
                fs::remove_dir_all(&cache).unwrap();
                fs::write(&cache, "a file").unwrap();
            }
            for filter in filters() {
                let (want, bad) = j.select(&filter, None);
                let bad: Vec<String> = bad.iter().map(ToString::to_string).collect();
                // Without a cache file, months are kept up to a size, read again beyond.
                for (window, keep) in [(1, 0), (150, 700), (400, 0), (WINDOW_BYTES, KEEP_BYTES)] {
                    let (got, first, second) = take_all_keeping(&j, &filter, window, keep, || {});
                    let at = format!("{pass}, {filter:?}, window {window}, keep {keep}");
                    assert_eq!(titles(&got), titles(&want), "{at}");
                    assert_eq!(got, want, "{at}");
                    assert_eq!(first, bad, "{at}");
                    assert!(second.is_empty(), "{at}: {second:?}");
                }
            }
        }
        // The order itself: newest first by date, equal dates in walk order (C's month
        // is walked after D's; G's file name sorts after I's).
        let (all, bad, _) = take_all(&j, &Filter::default(), 1, || {});
        assert_eq!(titles(&all), ["B", "I", "G", "D", "C", "E", "A", "F"]);
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(bad[0].contains("2026-11-02-0900-h.md"), "{bad:?}");
        assert!(bad[1].contains("2026-10-04-0900-bad.md"), "{bad:?}");
    }

    #[test]
    fn kinds_are_those_of_the_selected_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let j = seeded(tmp.path());
        let kinds = |filter: &Filter| -> Vec<String> {
            j.select_all(filter, |_| {})
                .kinds()
                .map(String::from)
                .collect()
        };
        let all = ["credit", "decision", "help", "learning", "progress"];
        assert_eq!(kinds(&Filter::default()), all);
        assert_eq!(kinds(&filters()[1]), ["help", "progress"]);
        assert_eq!(kinds(&filters()[2]), ["credit", "help", "progress"]);
    }

    /// Another wol rewrote a month's cache file between the passes: the month is read
    /// from its folder, each entry found by name; what is gone, broken or no longer
    /// selected is left out, never printed from the wrong file.
    #[test]
    fn a_month_changed_between_the_passes_is_read_again_from_its_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let j = seeded(root);
        let filter = filters()[1].clone(); // help and progress
        let (before, _, _) = take_all(&j, &filter, 1, || {});
        assert_eq!(titles(&before), ["B", "I", "D", "A", "F"]);
        for window in [1, WINDOW_BYTES] {
            let (after, _, second) = take_all(&j, &filter, window, || {
                let dir = root.join("entries/2026/10");
                // A new file that sorts first: every record of the month moves down one.
                write_entry(
                    root,
                    "2026/10/2026-10-31-0900-z.md",
                    "Z",
                    "2026-10-31T09:00:00+01:00",
                    "help",
                    "",
                );
                // D is now a decision (not selected), F is broken.
                write_entry(
                    root,
                    "2026/10/2026-10-01-0900-d.md",
                    "D2",
                    "2026-10-05T12:00:00+02:00",
                    "decision",
                    "",
                );
                fs::write(dir.join("2026-10-03-0900-f.md"), "+++\nbroken").unwrap();
                // In September, A is gone and B has a new title.
                fs::remove_file(root.join("entries/2026/09/2026-09-01-0900-a.md")).unwrap();
                write_entry(
                    root,
                    "2026/09/2026-09-02-0900-b.md",
                    "B2",
                    "2026-11-30T23:00:00+01:00",
                    "help",
                    "",
                );
                // Another wol reads both months: their cache files are rewritten.
                let cache = j.entry_cache();
                cache.month(2026, 10, &dir);
                cache.month(2026, 9, &root.join("entries/2026/09"));
            });
            assert_eq!(titles(&after), ["B2", "I"], "window {window}");
            assert_eq!(second.len(), 1, "{second:?}");
            assert!(second[0].contains("2026-10-03-0900-f.md"), "{second:?}");
            // Back to the seeded files for the next window.
            fs::remove_file(root.join("entries/2026/10/2026-10-31-0900-z.md")).unwrap();
            seeded(root);
        }
    }

    /// When the cache cannot be written, the months are kept up to a size and read from
    /// their folders beyond it; either way the entries are those of `select`.
    #[test]
    fn without_a_cache_file_months_are_kept_up_to_a_size() {
        let tmp = tempfile::tempdir().unwrap();
        let j = seeded(tmp.path());
        fs::create_dir_all(tmp.path().join(".wol")).unwrap();
        fs::write(tmp.path().join(".wol/cache"), "a file").unwrap();
        let newest = j
            .entry_cache()
            .month(2026, 11, &tmp.path().join("entries/2026/11"))
            .size();
        let (want, _) = j.select(&Filter::default(), None);
        for (keep, kept) in [(0, 0), (newest, 1), (KEEP_BYTES, 3)] {
            let selection = j.select_all_keeping(&Filter::default(), |_| {}, keep);
            let sources: Vec<bool> = selection
                .months
                .iter()
                .map(|m| match m {
                    Source::Kept(_) => true,
                    Source::Folder { .. } => false,
                    Source::Saved { .. } => panic!("no cache file was written"),
                })
                .collect();
            assert_eq!(sources.len(), 3);
            assert_eq!(sources.iter().filter(|k| **k).count(), kept, "keep {keep}");
            let (got, _, _) = take_all_keeping(&j, &Filter::default(), 1, keep, || {});
            assert_eq!(got, want, "keep {keep}");
        }
    }

    /// Many entries on few dates (enough for a sort that is not stable to show it): equal
    /// dates come in walk order, month folders newest first, file names largest first.
    #[test]
    fn equal_dates_keep_the_walk_order() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let j = journal(root);
        let dates = [
            "2026-03-01T10:00:00Z",
            "2026-02-01T10:00:00Z",
            "2026-05-01T10:00:00Z",
        ];
        let mut walk = Vec::new();
        for month in [3, 2, 1] {
            for n in (0..40).rev() {
                let title = format!("m{month}-n{n:02}");
                let date = dates[(n * 7 + month) % 3];
                let rel = format!("2026/{month:02}/2026-{month:02}-01-{n:04}-x.md");
                write_entry(root, &rel, &title, date, "help", "");
                walk.push((date, title));
            }
        }
        // Newest first; RFC 3339 in one offset sorts as text.
        let mut want = walk.clone();
        want.sort_by(|a, b| b.0.cmp(a.0));
        let want: Vec<&str> = want.iter().map(|(_, t)| t.as_str()).collect();
        for window in [1, 2000, WINDOW_BYTES] {
            let (got, _, _) = take_all(&j, &Filter::default(), window, || {});
            assert_eq!(titles(&got), want, "window {window}");
        }
    }

    /// Without another wol in between, the second pass reads the cache files the first
    /// one left: the entries as the first pass saw them.
    #[test]
    fn the_second_pass_reads_what_the_first_one_saw() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let j = seeded(root);
        let (after, _, second) = take_all(&j, &Filter::default(), 1, || {
            write_entry(
                root,
                "2026/09/2026-09-02-0900-b.md",
                "B2",
                "2026-11-30T23:00:00+01:00",
                "help",
                "",
            );
            fs::remove_file(root.join("entries/2026/09/2026-09-01-0900-a.md")).unwrap();
        });
        assert_eq!(titles(&after), ["B", "I", "G", "D", "C", "E", "A", "F"]);
        assert!(second.is_empty());
    }
}
