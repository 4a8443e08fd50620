//! The entry cache in `.wol/cache/` is never the source of truth: whatever happens to it
//! or to the entry files behind its back, every reading command prints byte for byte
//! what it prints without it.
//!
//! Each check runs the reading commands twice — once with the cache as it stands, once
//! with `.wol/cache` moved aside (and put back afterwards, so the next step still works on
//! the cache the earlier steps maintained) — and compares stdout, stderr and exit codes.
//! Files are aged past the cache's "racily clean" margin first where a test needs the
//! cache to trust its records, and `wol -vv` shows that it did.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::common::{TestEnv, stderr, stem};

/// How long a file must have been unchanged before the cache trusts its stat data
/// (`cache::RACY_MARGIN_NS`), plus a little.
const AGE: Duration = Duration::from_millis(2100);

/// The reading commands compared, each as `wol --journal J ARGS`.
const COMMANDS: &[&[&str]] = &[
    &["list"],
    &["list", "--json"],
    &["list", "-n", "3"],
    &["list", "-n", "16"],
    &["list", "-n", "1", "--kind", "learning"],
    &["list", "--tag", "loomio"],
    &["list", "--since", "2026-10-01", "--until", "2026-10-31"],
    &["search", "loomio"],
    &["search", "the"],
    &["search", "--json", "onboarding"],
    &["search", "-n", "2", "guide"],
    &["search", "zanzibar"],
    &["search", "out-of-order"],
    &["search", "Edited"],
    &["show", "2026-11-22-1432-shipped-the-onboarding-guide"],
    &["show", "--json", "2026-10-03-0900-hand-made"],
    &["show", "hand-1"],
    &["digest", "--week", "2026-W47"],
    &["digest", "--from", "2026-10-01", "--to", "2026-10-31"],
];

/// Everything the reading commands print, one block per command.
fn outputs(env: &TestEnv) -> String {
    let mut all = String::new();
    for args in COMMANDS {
        let out = env.wol_j().args(*args).output().unwrap();
        all.push_str(&format!(
            "$ wol {}\nexit {:?}\n--- stdout\n{}--- stderr\n{}\n",
            args.join(" "),
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    all
}

fn cache_dir(env: &TestEnv) -> PathBuf {
    env.journal.join(".wol").join("cache")
}

/// What the commands print without any cache: `.wol/cache` is moved aside for the run
/// and put back after it, untouched.
fn outputs_without_cache(env: &TestEnv) -> String {
    let cache = cache_dir(env);
    let aside = env.journal.join(".wol").join("cache.aside");
    let had = cache.exists();
    if had {
        fs::rename(&cache, &aside).unwrap();
    }
    let out = outputs(env);
    if cache.exists() {
        fs::remove_dir_all(&cache).unwrap();
    }
    if had {
        fs::rename(&aside, &cache).unwrap();
    }
    out
}

/// The commands print the same with the cache as it stands as without one.
#[track_caller]
fn assert_same(env: &TestEnv, step: &str) {
    let with = outputs(env);
    let without = outputs_without_cache(env);
    if with != without {
        let diff: Vec<String> = with
            .lines()
            .zip(without.lines())
            .filter(|(a, b)| a != b)
            .take(6)
            .map(|(a, b)| format!("  cached:   {a}\n  uncached: {b}"))
            .collect();
        panic!(
            "after {step}: the output differs with the entry cache:\n{}",
            diff.join("\n")
        );
    }
}

/// The entry cache's line of `wol -vv list`, as words.
fn cache_line(env: &TestEnv) -> Vec<String> {
    let out = env.wol_j().args(["-vv", "list"]).output().unwrap();
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.contains("entry cache:"))
        .unwrap_or_else(|| panic!("no entry cache line in:\n{err}"));
    line.split_whitespace().map(String::from).collect()
}

/// `(from the cache, read from files)` of `wol -vv list`.
fn cache_counts(env: &TestEnv) -> (usize, usize) {
    let numbers: Vec<usize> = cache_line(env)
        .iter()
        .filter_map(|w| w.parse().ok())
        .collect();
    (numbers[0], numbers[1])
}

/// How many month folders `wol -vv list` read the names of (the others' it knew: their
/// stat data had not changed since).
fn folders_read(env: &TestEnv) -> usize {
    let words = cache_line(env);
    let at = words
        .iter()
        .position(|w| w == "folders")
        .unwrap_or_else(|| panic!("no folder count in {words:?}"));
    words[at - 1].parse().unwrap()
}

fn entry(title: &str, date: &str, kind: &str, body: &str) -> String {
    format!(
        "+++\ntitle = \"{title}\"\ndate = {date}\nkind = \"{kind}\"\ntags = [\"docs\"]\nvisibility = \"public\"\nauthor = \"Hand Writer\"\n+++\n\n{body}\n"
    )
}

/// The sample journal, plus hand-made files in October: an entry dated out of order
/// with its file name, a malformed one, one with keys wol does not know, one with a BOM
/// and CRLF line ends, one that is not UTF-8, and a folder and a symlink named `*.md`.
fn journal() -> TestEnv {
    let env = TestEnv::new();
    env.copy_examples_journal();
    let oct = Path::new("entries/2026/10");
    env.write(
        oct.join("2026-10-03-0900-hand-made.md"),
        entry(
            "Hand made",
            "2026-10-03T09:00:00+02:00",
            "progress",
            "Written by hand about the onboarding guide. #loomio",
        )
        .replace("author =", "id = \"hand-1\"\nauthor ="),
    );
    env.write(
        oct.join("2026-10-01-0800-out-of-order.md"),
        entry(
            "Dated out-of-order",
            "2026-10-30T18:00:00+01:00",
            "learning",
            "The file name says the first, the date says the thirtieth.",
        ),
    );
    env.write(
        oct.join("2026-10-05-1000-broken.md"),
        "+++\ntitle = \"Broken\ndate = 2026-10-05T10:00:00+02:00\n+++\n\nthe onboarding guide\n",
    );
    env.write(
        oct.join("2026-10-06-1000-extra-keys.md"),
        "+++\ntitle = \"Extra keys\"\ndate = 2026-10-06T10:00:00+02:00\nkind = \"decision\"\nmood = \"good\"\n[links]\nissue = 12\n+++\n\nthe guide\n",
    );
    env.write(
        oct.join("2026-10-07-1000-bom-crlf.md"),
        "\u{feff}+++\r\ntitle = \"BOM and CRLF\"\r\ndate = 2026-10-07T10:00:00+02:00\r\nkind = \"progress\"\r\n+++\r\n\r\nthe loomio guide\r\n",
    );
    env.write(
        oct.join("2026-10-08-1000-latin1.md"),
        b"+++\ntitle = \"Caf\xe9\"\ndate = 2026-10-08T10:00:00+02:00\nkind = \"progress\"\n+++\n\nthe guide\n",
    );
    fs::create_dir_all(env.journal.join(oct).join("2026-10-09-1000-folder.md")).unwrap();
    std::os::unix::fs::symlink(
        env.journal.join("wol.toml"),
        env.journal.join(oct).join("2026-10-10-1000-link.md"),
    )
    .unwrap();
    env.git(["add", "entries/2026/10/2026-10-03-0900-hand-made.md"]);
    env.git(["commit", "-q", "-m", "hand-made entry"]);
    env
}

/// Rewrite a file in place (same inode), keeping its size and putting its mtime back:
/// only the ctime tells.
fn edit_in_place(path: &Path, from: &str, to: &str) {
    assert_eq!(from.len(), to.len(), "an edit that keeps the size");
    let before = fs::metadata(path).unwrap();
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    let new = text.replacen(from, to, 1);
    let file = fs::OpenOptions::new().write(true).open(path).unwrap();
    use std::io::Write as _;
    (&file).write_all(new.as_bytes()).unwrap();
    file.set_modified(before.modified().unwrap()).unwrap();
    drop(file);
    let after = fs::metadata(path).unwrap();
    assert_eq!(after.len(), before.len());
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());
}

#[test]
fn outputs_are_the_same_with_and_without_the_cache_after_hand_edits() {
    let env = journal();
    std::thread::sleep(AGE);
    assert_same(&env, "a fresh journal (builds the cache)");
    let (cached, read) = cache_counts(&env);
    assert_eq!(read, 0, "a warm cache reads no file");
    assert_eq!(cached, 20, "14 sample entries and 6 hand-made files");
    assert_eq!(folders_read(&env), 0, "a warm cache reads no folder");

    // An edit in place with the same size and the mtime put back: only the ctime moved.
    let guide = env
        .journal
        .join("entries/2026/11/2026-11-22-1432-shipped-the-onboarding-guide.md");
    edit_in_place(&guide, "Shipped", "Edited!");
    let list = env.wol_j().arg("list").output().unwrap();
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("Edited! the onboarding guide"),
        "the edit in place is seen"
    );
    assert_same(&env, "an edit in place with the same size and mtime");

    // The same again right away: the record written a moment ago is not trusted yet.
    edit_in_place(&guide, "Edited!", "EDITED!");
    assert_same(&env, "a second edit in place within the racy margin");

    // A file dropped in by hand, one removed by hand, one renamed.
    env.write(
        "entries/2026/11/2026-11-21-0700-dropped-in.md",
        entry(
            "Dropped in",
            "2026-11-21T07:00:00+01:00",
            "credit",
            "zanzibar",
        ),
    );
    assert_same(&env, "a file dropped in by hand");
    assert_eq!(
        folders_read(&env),
        1,
        "the folder a file was dropped into is read again, and only that one"
    );
    fs::remove_file(
        env.journal
            .join("entries/2026/11/2026-11-05-1123-looking-for-a-loomio-vote-facilitator.md"),
    )
    .unwrap();
    assert_same(&env, "a file removed by hand");
    fs::rename(
        env.journal
            .join("entries/2026/11/2026-11-10-1452-first-release-of-the-journal-sync-crate.md"),
        env.journal
            .join("entries/2026/11/2026-11-10-1453-renamed-the-sync-crate.md"),
    )
    .unwrap();
    assert_same(&env, "a rename");
    // A file moved to another month, and an empty month folder.
    fs::rename(
        env.journal
            .join("entries/2026/11/2026-11-10-1453-renamed-the-sync-crate.md"),
        env.journal
            .join("entries/2026/10/2026-10-10-1453-renamed-the-sync-crate.md"),
    )
    .unwrap();
    fs::create_dir_all(env.journal.join("entries/2026/09")).unwrap();
    assert_same(&env, "a move to another month");
    // A file made malformed, and a malformed one repaired.
    let hand = env
        .journal
        .join("entries/2026/10/2026-10-03-0900-hand-made.md");
    edit_in_place(&hand, "kind = \"progress\"", "kind = \"nonsense\"");
    assert_same(&env, "an entry made malformed");
    let broken = env
        .journal
        .join("entries/2026/10/2026-10-05-1000-broken.md");
    fs::write(
        &broken,
        entry(
            "Broken no more",
            "2026-10-05T10:00:00+02:00",
            "help",
            "fixed",
        ),
    )
    .unwrap();
    assert_same(&env, "a malformed entry repaired");
}

#[test]
fn outputs_are_the_same_after_wol_edit_rm_and_log() {
    let env = journal();
    std::thread::sleep(AGE);
    assert_same(&env, "a fresh journal");
    let id = "2026-11-20-1157-what-we-learned-from-the-onboarding-interviews";
    env.fake_editor(r#"sed -i 's/^title = .*/title = "Edited title"/' "$1""#);
    env.wol_j().args(["edit", id]).assert().success();
    assert_same(&env, "wol edit");
    env.wol_j()
        .args([
            "rm",
            "--yes",
            "2026-11-19-1644-credit-to-ouishare-for-the-facilitation-kit",
        ])
        .assert()
        .success();
    assert_same(&env, "wol rm");
    env.log(&[
        "-k",
        "progress",
        "--",
        "Logged with the cache warm\n\nzanzibar",
    ]);
    assert_same(&env, "wol log");
}

#[test]
fn a_damaged_cache_is_ignored_and_rewritten() {
    let env = journal();
    std::thread::sleep(AGE);
    let reference = outputs_without_cache(&env);
    assert_eq!(outputs(&env), reference, "building the cache");
    let dir = cache_dir(&env).join("entries");
    let files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2, "one cache file per month: {files:?}");
    let good: Vec<Vec<u8>> = files.iter().map(|f| fs::read(f).unwrap()).collect();
    type Damage = fn(&[u8]) -> Vec<u8>;
    let damages: &[(&str, Damage)] = &[
        ("garbage", |_| {
            b"\x00\x01garbage \xff\xfe and more".repeat(50)
        }),
        ("empty", |_| Vec::new()),
        ("truncated by half", |b| b[..b.len() / 2].to_vec()),
        ("truncated by one byte", |b| b[..b.len() - 1].to_vec()),
        ("one byte flipped in the middle", |b| {
            let mut b = b.to_vec();
            let mid = b.len() / 2;
            b[mid] ^= 0x20;
            b
        }),
        ("a byte flipped in the header", |b| {
            let mut b = b.to_vec();
            b[10] ^= 1;
            b
        }),
        ("twice the file", |b| [b, b].concat()),
        ("the other month's file", |_| Vec::new()),
    ];
    for (what, damage) in damages {
        for (i, (file, bytes)) in files.iter().zip(&good).enumerate() {
            let damaged = if *what == "the other month's file" {
                good[1 - i].clone()
            } else {
                damage(bytes)
            };
            fs::write(file, damaged).unwrap();
        }
        assert_eq!(outputs(&env), reference, "cache files {what}");
        // Rewritten: the next run takes everything from the cache again.
        assert_eq!(cache_counts(&env), (20, 0), "after {what}");
    }
    // A folder where a cache file goes, and no cache folder at all.
    fs::remove_file(&files[0]).unwrap();
    fs::create_dir(&files[0]).unwrap();
    assert_eq!(
        outputs(&env),
        reference,
        "a folder in place of a cache file"
    );
    fs::remove_dir_all(env.journal.join(".wol")).unwrap();
    assert_eq!(outputs(&env), reference, "no .wol folder");
}

#[test]
fn reading_commands_work_when_the_cache_cannot_be_written() {
    let env = journal();
    let reference = outputs_without_cache(&env);
    // `.wol/cache` is a file: nothing can be written under it (root ignores modes,
    // so a read-only folder would not do as a test).
    let _ = fs::remove_dir_all(cache_dir(&env));
    fs::create_dir_all(env.journal.join(".wol")).unwrap();
    fs::write(cache_dir(&env), "not a folder").unwrap();
    assert_eq!(outputs(&env), reference, "with .wol/cache a file");
    let out = env.wol_j().args(["-vv", "list"]).output().unwrap();
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("entry cache not written"),
        "{}",
        stderr(&out)
    );
    // `.wol` itself a file.
    fs::remove_dir_all(env.journal.join(".wol")).unwrap();
    fs::write(env.journal.join(".wol"), "not a folder").unwrap();
    assert_eq!(outputs(&env), reference, "with .wol a file");
}

#[test]
fn a_changed_kinds_list_is_not_answered_from_the_cache() {
    let env = journal();
    std::thread::sleep(AGE);
    assert_same(&env, "a fresh journal");
    // `credit` is no longer a kind: the credit entries become malformed.
    let toml = env.read("wol.toml");
    let changed = toml.replace("\"credit\"", "\"thanks\"");
    assert_ne!(toml, changed, "wol.toml lists the credit kind: {toml}");
    env.write("wol.toml", changed);
    let out = env.wol_j().arg("list").output().unwrap();
    assert!(
        stderr(&out).contains("unknown kind `credit`"),
        "{}",
        stderr(&out)
    );
    assert_same(&env, "a changed list of kinds");
}

/// A tiny deterministic generator, so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

#[test]
fn random_changes_behind_the_caches_back() {
    let env = journal();
    std::thread::sleep(AGE);
    assert_same(&env, "a fresh journal");
    let mut rng = Lcg(12);
    let words = ["loomio", "guide", "zanzib", "the"];
    for step in 0..24 {
        let files: Vec<PathBuf> = env
            .entry_files()
            .into_iter()
            .filter(|p| {
                let abs = env.journal.join(p);
                fs::symlink_metadata(&abs).is_ok_and(|m| m.is_file())
            })
            .collect();
        let pick = env.journal.join(&files[rng.next(files.len())]);
        let what = match rng.next(6) {
            0 => {
                // Same size, mtime put back.
                let text = fs::read_to_string(&pick).unwrap_or_default();
                match text.find("the") {
                    Some(_) => {
                        edit_in_place(&pick, "the", "THE");
                        "edit in place"
                    }
                    None => continue,
                }
            }
            1 => {
                let mut text = fs::read(&pick).unwrap();
                text.extend_from_slice(format!("\n{}\n", words[rng.next(words.len())]).as_bytes());
                fs::write(&pick, text).unwrap();
                "append"
            }
            2 => {
                fs::remove_file(&pick).unwrap();
                "remove"
            }
            3 => {
                let to = pick.with_file_name(format!(
                    "2026-11-{:02}-1200-moved-{step}.md",
                    1 + rng.next(28)
                ));
                fs::rename(&pick, &to).unwrap();
                "rename"
            }
            4 => {
                let day = 1 + rng.next(28);
                env.write(
                    format!("entries/2026/11/2026-11-{day:02}-0600-new-{step}.md"),
                    entry(
                        &format!("New {step}"),
                        &format!("2026-11-{:02}T06:00:00+01:00", 1 + rng.next(28)),
                        ["progress", "help", "bogus"][rng.next(3)],
                        words[rng.next(words.len())],
                    ),
                );
                "new file"
            }
            _ => {
                // Touch: new mtime, same bytes.
                let file = fs::File::options().write(true).open(&pick).unwrap();
                file.set_modified(SystemTime::now()).unwrap();
                "touch"
            }
        };
        if rng.next(4) == 0 {
            std::thread::sleep(AGE);
        }
        assert_same(&env, &format!("step {step}: {what} {}", stem(&pick)));
    }
}

/// A process killed while writing a cache file leaves a `.tmp-*` file: the next write
/// (which holds the journal lock) removes those older than ten minutes, and leaves a
/// fresh one, which a reading command running now may still be writing; so for the
/// `.wol-tmp-*` files the caches beside it are written through. Month files of
/// another format (an older wol's, after an upgrade) go once none has been read or
/// written for a month.
#[test]
fn temp_files_a_killed_process_left_in_the_cache_are_removed() {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&["First entry"]);
    env.wol_j().arg("list").assert().success();
    let dir = cache_dir(&env).join("entries");
    fs::create_dir_all(&dir).unwrap();
    let ours: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!ours.is_empty());
    let old = dir.join(".tmp-killed");
    let fresh = dir.join(".tmp-writing");
    // The temp file of a publish killed while it wrote a cache file of its own.
    let old_publish = cache_dir(&env).join(".wol-tmp-Ab12Cd");
    let fresh_publish = cache_dir(&env).join(".wol-tmp-Ef34Gh");
    let old_format = dir.join("2026-11.v1");
    let used_format = dir.join("2026-10.v2");
    let not_ours = dir.join("2026-11.v1.notes");
    for file in [
        &old,
        &fresh,
        &old_publish,
        &fresh_publish,
        &old_format,
        &used_format,
        &not_ours,
    ] {
        fs::write(file, "a cache file").unwrap();
    }
    let set = |file: &Path, accessed: u64, modified: u64| {
        let ago = |secs| SystemTime::now() - Duration::from_secs(secs);
        let times = fs::FileTimes::new()
            .set_accessed(ago(accessed))
            .set_modified(ago(modified));
        fs::File::options()
            .write(true)
            .open(file)
            .unwrap()
            .set_times(times)
            .unwrap();
    };
    let days = |n: u64| n * 24 * 3600;
    set(&old, 3600, 3600);
    set(&old_publish, 3600, 3600);
    set(&old_format, days(40), days(31));
    set(&used_format, days(2), days(40));
    set(&not_ours, days(40), days(40));
    // Ours, however old, stay.
    for file in &ours {
        set(file, days(40), days(40));
    }
    env.log(&["Second entry"]);
    assert!(!old.exists(), "a stale cache temp file stayed");
    assert!(fresh.exists(), "a fresh cache temp file was removed");
    assert!(!old_publish.exists(), "a stale publish temp file stayed");
    assert!(
        fresh_publish.exists(),
        "a fresh publish temp file was removed"
    );
    assert!(
        !old_format.exists(),
        "a month file of another format unused for a month stayed"
    );
    assert!(
        used_format.exists(),
        "a month file of another format read lately was removed"
    );
    assert!(
        not_ours.exists(),
        "a file that is no month file was removed"
    );
    for file in &ours {
        assert!(file.exists(), "{} was removed", file.display());
    }
    env.assert_consistent();
}

/// `wol publish` takes an entry's front matter from the entry cache only as this build
/// and this config read it: once `default_visibility` is private, an entry that does not
/// say its visibility is held back, though the cache parsed its unchanged file as public.
#[test]
fn publish_decides_by_the_config_of_now_whatever_the_cache_parsed_before() {
    let env = TestEnv::new();
    env.init_journal();
    let quiet = "2026-11-20-1000-no-visibility";
    let open = "2026-11-20-1100-says-public";
    let hand = |title: &str, visibility: &str| {
        format!(
            "+++\ntitle = \"{title}\"\ndate = 2026-11-20T10:00:00+01:00\nkind = \"progress\"\n\
             {visibility}author = \"Hand Writer\"\n+++\n\nBody of {title}.\n"
        )
    };
    env.write(format!("entries/2026/11/{quiet}.md"), hand("Quiet", ""));
    env.write(
        format!("entries/2026/11/{open}.md"),
        hand("Open", "visibility = \"public\"\n"),
    );
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "hand-written entries"]);
    let remotes = env.root.join("remotes");
    fs::create_dir_all(&remotes).unwrap();
    env.git_in(&remotes, ["init", "-q", "--bare", "-b", "main", "gig.git"]);
    let gig = remotes.join("gig.git");
    env.wol_j()
        .args(["partner", "add", "gig"])
        .arg(&gig)
        .assert()
        .success();
    let published = || env.git_in(&gig, ["ls-tree", "-r", "--name-only", "main"]);
    let publish = || {
        let out = env.wol_j().args(["-vv", "publish"]).output().unwrap();
        assert!(out.status.success(), "wol publish: {}", stderr(&out));
        stderr(&out)
    };

    // Old enough for the cache to trust its records; the first publish fills it.
    std::thread::sleep(AGE);
    publish();
    assert!(
        published().contains(quiet),
        "public by default:\n{}",
        published()
    );
    env.git([
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "a commit for a second publish",
    ]);
    let err = publish();
    assert!(
        err.contains("(2 of 2 from the entry cache)"),
        "the second publish reads both entries from the cache:\n{err}"
    );

    let toml = env.read("wol.toml");
    let private = toml.replace(
        "default_visibility = \"public\"",
        "default_visibility = \"private\"",
    );
    assert_ne!(toml, private, "wol.toml sets the default: {toml}");
    env.write("wol.toml", private);
    env.git(["commit", "-q", "-am", "private by default"]);
    publish();
    let files = published();
    assert!(!files.contains(quiet), "private by default now:\n{files}");
    assert!(files.contains(open), "it says public:\n{files}");
}
