//! The git index wol writes (spliced into the file, `src/git_index.rs`) is the one git
//! itself would write: the same entries and stat data as git's own refresh of the same
//! files, a cache tree that never claims a stale tree, a checksum git accepts; and the
//! forms it does not splice (index v4, `index.skipHash`, a split index) are handled too.

use std::fs;

use crate::common::{TestEnv, draft_path_in};

/// `git ls-files --stage --debug`: every entry with its stat data, flags and blob id.
/// The device number is masked: git does not compare it (unless built with
/// `USE_STDEV`), and libgit2, which wrote the index of `wol init`, records 0.
fn ls_debug(env: &TestEnv) -> String {
    let dev = regex::Regex::new(r"dev: \d+").unwrap();
    dev.replace_all(&env.git(["ls-files", "--stage", "--debug"]), "dev: *")
        .into_owned()
}

/// What git makes of the same files: the index rebuilt from HEAD and refreshed from the
/// work tree by git itself.
fn git_own_index(env: &TestEnv) -> String {
    env.git(["read-tree", "HEAD"]);
    env.git(["update-index", "-q", "--refresh"]);
    ls_debug(env)
}

/// Asserts that the index wol left is entry for entry the one git would write, that
/// git's own tree from it is HEAD's, and that git status, diff and fsck agree.
#[track_caller]
fn assert_index_as_git_writes_it(env: &TestEnv) {
    let ours = ls_debug(env);
    // The cache tree: a folder wol touched must not keep its old tree id, or git would
    // write (and commit) a tree without wol's change.
    assert_eq!(
        env.git(["write-tree"]),
        env.git(["rev-parse", "HEAD^{tree}"]),
        "git write-tree from wol's index differs from HEAD's tree"
    );
    env.git(["diff", "--cached", "--quiet"]);
    env.assert_consistent();
    let theirs = git_own_index(env);
    assert_eq!(ours, theirs, "wol's index differs from git's own");
}

/// A journal with entries in three months, its cache tree made fully valid by git.
fn journal_with_months(env: &TestEnv) {
    env.init_journal();
    for (date, title) in [
        ("2026-09-14 10:00", "September work"),
        ("2026-10-02 09:30", "October work"),
        ("2026-11-20 16:00", "November work"),
    ] {
        env.log(&["--date", date, title]);
    }
    // `git write-tree` fills in and saves the index's cache tree for every folder.
    env.git(["write-tree"]);
}

#[test]
fn log_edit_and_rm_leave_the_index_git_would_write() {
    let env = TestEnv::new();
    journal_with_months(&env);
    assert_index_as_git_writes_it(&env);

    // A new entry in the newest month, one in an old month, one in a new month.
    env.git(["write-tree"]);
    let newest = env.log(&["Today's entry"]);
    assert_index_as_git_writes_it(&env);
    env.git(["write-tree"]);
    env.log(&["--date", "2026-09-15 11:00", "Back-dated entry"]);
    assert_index_as_git_writes_it(&env);
    env.git(["write-tree"]);
    env.log(&["--date", "2025-01-05 08:00", "A year ago"]);
    assert_index_as_git_writes_it(&env);

    // An edit rewrites the file (new blob, new stat data) in place.
    env.git(["write-tree"]);
    env.fake_editor(r#"printf '\nEdited body line\n' >> "$1""#);
    let id = crate::common::stem(&newest);
    env.wol_j().args(["edit", &id]).assert().success();
    assert!(env.read(&newest).contains("Edited body line"));
    assert_index_as_git_writes_it(&env);

    // A removal drops exactly that entry.
    env.git(["write-tree"]);
    env.wol_j().args(["rm", &id, "--yes"]).assert().success();
    assert!(!env.git(["ls-files"]).contains(&id));
    assert_index_as_git_writes_it(&env);
}

#[test]
fn an_index_of_version_4_is_updated_too() {
    let env = TestEnv::new();
    journal_with_months(&env);
    env.git(["update-index", "--index-version", "4"]);
    env.log(&["Entry in a v4 index"]);
    assert_index_as_git_writes_it(&env);
}

#[test]
fn index_skip_hash_is_honoured() {
    let env = TestEnv::new();
    journal_with_months(&env);
    env.git(["config", "index.skipHash", "true"]);
    env.log(&["Entry with skipHash"]);
    let index = fs::read(env.journal.join(".git/index")).unwrap();
    assert_eq!(
        &index[index.len() - 20..],
        &[0u8; 20],
        "with index.skipHash the index's trailing hash is all zeros"
    );
    assert_index_as_git_writes_it(&env);
}

#[test]
fn the_checksum_is_the_one_git_checks() {
    let env = TestEnv::new();
    journal_with_months(&env);
    env.log(&["Checked entry"]);
    let index = fs::read(env.journal.join(".git/index")).unwrap();
    assert_ne!(&index[index.len() - 20..], &[0u8; 20]);
    // git verifies the trailing SHA-1 whenever it reads the index: fsck and status
    // fail on a wrong one.
    env.assert_consistent();
    // libgit2 reads it back too: wol's own commands that open the index work.
    env.wol_j().arg("doctor").assert().success();
}

#[test]
fn a_split_index_is_refused_with_a_way_out_and_nothing_is_lost() {
    let env = TestEnv::new();
    journal_with_months(&env);
    env.git(["update-index", "--split-index"]);
    let err = env.fails(&["log", "Entry in a split index"], "split or sparse index");
    assert!(err.contains("update-index --no-split-index"), "{err}");
    // Nothing half-done is left, and the entry is kept as a draft; once the index is
    // plain again, the draft comes back.
    assert!(
        !env.entry_files()
            .iter()
            .any(|p| p.to_string_lossy().contains("entry-in-a-split-index")),
        "a half-done entry file was left"
    );
    let draft = draft_path_in(&err, &env.journal).expect("the error names the draft");
    env.git(["update-index", "--no-split-index"]);
    env.log_file(&draft);
    env.log(&["After the split index"]);
    let files = env.git(["ls-files"]);
    assert!(files.contains("entry-in-a-split-index"), "{files}");
    assert!(files.contains("after-the-split-index"), "{files}");
    assert_index_as_git_writes_it(&env);
}

/// A damaged index (cut short, as a crash of some other program can leave it) stops the
/// write with the way to rebuild it; following the hint, the kept entry goes in.
#[test]
fn a_damaged_index_is_refused_with_the_way_to_rebuild_it() {
    let env = TestEnv::new();
    journal_with_months(&env);
    let index = env.journal.join(".git").join("index");
    for cut in [0, 30] {
        let bytes = std::fs::read(&index).unwrap();
        std::fs::write(&index, &bytes[..cut.min(bytes.len())]).unwrap();
        let title = format!("Entry over an index cut at {cut}");
        let err = env.fails(&["log", &title], "cannot read the git index");
        assert!(err.contains("reset -q"), "{err}");
        let draft = draft_path_in(&err, &env.journal).expect("the error names the draft");
        // The hint, as it says.
        std::fs::remove_file(&index).unwrap();
        env.git(["reset", "-q"]);
        env.log_file(&draft);
        assert_index_as_git_writes_it(&env);
    }
    // A folder in its place is no damage that removing the file cures: said as it is.
    let bytes = std::fs::read(&index).unwrap();
    std::fs::remove_file(&index).unwrap();
    std::fs::create_dir(&index).unwrap();
    let err = env.fails(&["log", "Entry over a folder"], "not a file");
    assert!(!err.contains("reset -q"), "{err}");
    std::fs::remove_dir(&index).unwrap();
    std::fs::write(&index, bytes).unwrap();
    let files = env.git(["ls-files"]);
    for cut in [0, 30] {
        assert!(
            files.contains(&format!("entry-over-an-index-cut-at-{cut}")),
            "{files}"
        );
    }
}

/// The index being replaced is kept as `wol-index-spare2`, and the next update overwrites
/// it in place instead of making a new 13 MB file (at 100,000 entries) while the kernel
/// frees the old one. Written in place only when no one else can see it: not while any
/// process has it open (a git command may still be reading what was the index), and
/// never through a second name (a backup's hard link) or a symbolic link.
#[test]
fn the_index_before_last_is_overwritten_only_when_no_one_else_can_see_it() {
    use std::os::unix::fs::MetadataExt as _;

    let env = TestEnv::new();
    journal_with_months(&env);
    let git = env.journal.join(".git");
    let spare = git.join("wol-index-spare2");
    env.log(&["First entry"]);
    env.log(&["Second entry"]);
    assert_index_as_git_writes_it(&env);
    let meta = fs::symlink_metadata(&spare).expect("the replaced index is kept as the spare");
    assert!(meta.is_file() && meta.nlink() == 1, "{meta:?}");
    assert_ne!(meta.ino(), fs::metadata(git.join("index")).unwrap().ino());

    // Logs `title`; `file` keeps its bytes, and the index is the one git would write.
    let log_leaving = |file: &std::path::Path, title: &str, why: &str| {
        let before = fs::read(file).unwrap();
        env.log(&[title]);
        assert_eq!(fs::read(file).unwrap(), before, "{why}");
        assert_index_as_git_writes_it(&env);
    };

    // Held open by another process (this one): left as it is.
    let held = fs::File::open(&spare).unwrap();
    log_leaving(
        &spare,
        "Entry while the spare is open",
        "an open spare was written",
    );
    drop(held);

    // A spare with other permissions: the index gets those of a new file, as the lock
    // file written in full would have them (umask), not the spare's.
    use std::os::unix::fs::PermissionsExt as _;
    env.log(&["Entry that makes a spare to chmod"]);
    fs::set_permissions(&spare, fs::Permissions::from_mode(0o600)).unwrap();
    let probe = env.root.join("mode-probe");
    fs::write(&probe, "").unwrap();
    let fresh = fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
    env.log(&["Entry over a chmodded spare"]);
    let mode = fs::metadata(git.join("index"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(
        format!("{mode:o}"),
        format!("{fresh:o}"),
        "the index took the spare's mode"
    );
    assert_index_as_git_writes_it(&env);

    // A second name: what a backup made with hard links sees must not change.
    env.log(&["Entry that makes a fresh spare"]);
    let backup = env.root.join("index-backup");
    fs::hard_link(&spare, &backup).unwrap();
    log_leaving(
        &backup,
        "Entry with a hard-linked spare",
        "a backup's hard link was written",
    );

    // A symbolic link in its place: the file it points to is not written.
    let outside = env.root.join("outside");
    fs::write(&outside, "not an index\n").unwrap();
    let _ = fs::remove_file(&spare);
    std::os::unix::fs::symlink(&outside, &spare).unwrap();
    env.log(&["Entry with a symbolic link as the spare"]);
    assert_eq!(fs::read_to_string(&outside).unwrap(), "not an index\n");
    env.log(&["Entry after the symbolic link"]);
    assert!(
        fs::symlink_metadata(&spare).unwrap().is_file(),
        "no fresh spare"
    );
    assert_index_as_git_writes_it(&env);
    let files = env.git(["ls-files"]);
    for title in [
        "entry-while-the-spare-is-open",
        "entry-after-the-symbolic-link",
    ] {
        assert!(files.contains(title), "{files}");
    }
}

/// What one write leaves for the next: the SHA-1 state after the bytes the next entry will
/// not change, worked out on another thread while `wol log` does its work
/// (`.git/wol-index-sha1`), and which bytes the spare holds (`wol-index-spare2.same`). The next `wol log` hashes and writes
/// only the rest, and its index is the one git writes. Whatever does not match the very
/// index on disk is not used: a record git's own rewrite of the index left behind, a
/// damaged record, a spare that is another file, an entry in an older month.
#[test]
fn what_one_log_leaves_for_the_next_is_used_only_for_that_very_index() {
    let env = TestEnv::new();
    journal_with_months(&env);
    let git = env.journal.join(".git");
    let kept = regex::Regex::new(r"index: (\d+) bytes of the spare kept").unwrap();
    // Logs `args` with -vv; what it said of the index: hashed ahead, and how many bytes
    // of the spare it kept. Only commands that leave the index alone check it (git
    // status and git's own index would rewrite it, and a new index has no record).
    // The state is worked out on another core: with one there is no thread for it.
    let hit = std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    let log = |args: &[&str]| -> (bool, u64) {
        let out = env
            .wol_j()
            .arg("-vv")
            .arg("log")
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{err}");
        env.git_fsck_clean(); // the checksum too
        env.git(["diff", "--cached", "--quiet"]);
        let ahead = err.contains("the rest was hashed ahead");
        assert!(
            ahead || err.contains("nothing hashed ahead for this file"),
            "{err}"
        );
        let spare = kept.captures(&err).map_or(0, |c| c[1].parse().unwrap());
        (ahead, spare)
    };

    // `git write-tree` rewrote the index: nothing saved is for it.
    assert!(!log(&["First entry"]).0);
    for title in ["Second entry", "Third entry"] {
        let (ahead, spare) = log(&[title]);
        assert_eq!(ahead, hit, "{title}: hashed ahead");
        assert!(spare > 12, "{title}: the spare was written whole");
    }
    assert_index_as_git_writes_it(&env);
    assert_eq!(git.join("wol-index-sha1").is_file(), hit);

    // git rewrote the index (assert_index_as_git_writes_it does): not used.
    assert_eq!(log(&["After git's own index"]), (false, 12));
    assert_eq!(log(&["Used again"]).0, hit);

    // Damaged records: not used.
    for record in ["wol-index-sha1", "wol-index-spare2.same"] {
        let record = git.join(record);
        let Ok(mut bytes) = fs::read(&record) else {
            continue; // no state hashed ahead on one core
        };
        bytes[40] ^= 1;
        fs::write(&record, bytes).unwrap();
    }
    assert_eq!(log(&["After damaged records"]), (false, 12));
    let (ahead, spare) = log(&["And again"]);
    assert!(ahead == hit && spare > 12);

    // A spare that is some other file now (the same name): written whole.
    let spare = git.join("wol-index-spare2");
    fs::remove_file(&spare).unwrap();
    fs::copy(git.join("index"), &spare).unwrap();
    assert_eq!(log(&["Over another spare"]).1, 12);

    // An entry in an older month changes bytes the state covers: hashed whole.
    log(&["Before the old month"]);
    assert!(!log(&["--date", "2026-09-20 10:00", "Back in September"]).0);
    assert_eq!(log(&["Back to this month"]).0, hit);

    // The spare an earlier wol kept under another name (which it writes without a
    // record to remove first) is removed, not used.
    fs::copy(git.join("index"), git.join("wol-index-spare")).unwrap();
    log(&["After an old spare"]);
    assert!(!git.join("wol-index-spare").exists());
    assert_index_as_git_writes_it(&env);
    env.wol_j().arg("doctor").assert().success();
}
