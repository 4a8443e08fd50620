//! Two `wol` processes at once serialise on the journal lock: nothing lost,
//! nothing corrupt.

use std::collections::BTreeSet;

use crate::common::{TestEnv, stderr};

#[test]
fn two_processes_logging_fifty_entries_each() {
    let env = TestEnv::new();
    env.init_journal();

    std::thread::scope(|s| {
        for name in ["A", "B"] {
            let env = &env;
            s.spawn(move || {
                for n in 0..50 {
                    let title = format!("proc {name} {n}");
                    let out = env.wol_j().args(["log", &title]).output().unwrap();
                    assert!(
                        out.status.success(),
                        "wol log {title:?} failed ({}):\n{}",
                        out.status,
                        stderr(&out)
                    );
                }
            });
        }
    });

    let files = env.entry_files();
    assert_eq!(files.len(), 100, "{files:?}");
    assert_eq!(env.commit_count(), 101, "100 entries + init");
    env.assert_consistent();

    let subjects: BTreeSet<String> = env.subjects().into_iter().collect();
    for name in ["A", "B"] {
        for n in 0..50 {
            let s = format!("log(progress): proc {name} {n}");
            assert!(subjects.contains(&s), "no commit {s:?}");
        }
    }
    let tracked = env.git(["ls-files", "entries"]);
    assert_eq!(tracked.lines().count(), 100);
    // Every commit after init adds exactly one entry.
    let per_commit = env.git([
        "log",
        "--format=tformat:@@commit",
        "--name-only",
        "HEAD~100..HEAD",
    ]);
    let chunks: Vec<&str> = per_commit
        .split("@@commit")
        .filter(|c| !c.trim().is_empty())
        .collect();
    assert_eq!(chunks.len(), 100);
    for chunk in chunks {
        let names: Vec<&str> = chunk.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(
            names.len(),
            1,
            "a commit with other than one file: {names:?}"
        );
    }
}

#[test]
fn concurrent_same_titles_get_distinct_suffixes() {
    let env = TestEnv::new();
    env.init_journal();
    std::thread::scope(|s| {
        for _ in 0..2 {
            let env = &env;
            s.spawn(move || {
                for _ in 0..15 {
                    let out = env.wol_j().args(["log", "Same title"]).output().unwrap();
                    assert!(out.status.success(), "{}", stderr(&out));
                }
            });
        }
    });
    let files = env.entry_files();
    assert_eq!(files.len(), 30, "{files:?}");
    let names: BTreeSet<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains("2026-11-22-1432-same-title.md"));
    for n in 2..=30 {
        let name = format!("2026-11-22-1432-same-title-{n}.md");
        assert!(names.contains(&name), "missing {name}");
    }
    assert_eq!(env.commit_count(), 31);
    env.assert_consistent();
}

/// `wol log` beside a loop of hand commits (`git add -A && git commit`) that keeps
/// moving the branch and sweeps wol's staged entry into its own commit: every entry wol
/// reports saved is in HEAD and on disk, every one it reports failed is in neither, and
/// no entry ends up committed but deleted from the work tree (which the next hand
/// `git commit -a` would commit as a deletion).
#[test]
fn log_beside_a_loop_of_hand_commits_loses_nothing() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let env = TestEnv::new();
    env.init_journal();
    let stop = AtomicBool::new(false);
    let mut saved = Vec::new();
    let mut failed = Vec::new();
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut n = 0;
            let hand = env.journal.join("hand");
            std::fs::create_dir_all(&hand).unwrap();
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                // A file of its own, then whatever is staged (wol's entry too, when it
                // is staged and not yet committed). Failures (a lock held by wol) are
                // git's own business here: the loop only has to keep moving the branch.
                std::fs::write(hand.join(format!("f{n}")), format!("{n}\n")).unwrap();
                let _ = env
                    .git_cmd_in(&env.journal)
                    .args(["add", &format!("hand/f{n}")])
                    .output();
                let _ = env
                    .git_cmd_in(&env.journal)
                    .args(["commit", "-q", "-m", &format!("hand {n}")])
                    .output();
            }
        });
        let start = std::time::Instant::now();
        let mut n = 0;
        while start.elapsed() < std::time::Duration::from_secs(6) {
            n += 1;
            let out = env
                .wol_j()
                .args(["log", &format!("Raced entry {n}")])
                .output()
                .unwrap();
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() {
                saved.push(path);
            } else {
                failed.push((n, stderr(&out)));
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert!(
        saved.len() >= 10,
        "only {} entries saved: {failed:?}",
        saved.len()
    );
    // `git commit` reads the index before it locks it, and writes back what it read: a
    // hand commit can drop an entry wol had just staged and committed (git's own race,
    // as between two git commands). The file stays, and the next wol write commits it
    // again.
    let out = env
        .wol_j()
        .args(["log", "After the race"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let status = env.git(["status", "--porcelain"]);
    assert!(
        !status
            .lines()
            .any(|l| l.starts_with(" D") || l.starts_with("D ")),
        "an entry is committed but gone from the work tree:\n{status}"
    );
    let head = env.git(["ls-tree", "-r", "--name-only", "HEAD", "entries"]);
    for path in &saved {
        let rel = path
            .rsplit_once("/entries/")
            .map(|(_, r)| format!("entries/{r}"))
            .unwrap();
        assert!(
            std::path::Path::new(path).is_file(),
            "{rel} reported saved, not on disk"
        );
        assert!(
            head.lines().any(|l| l == rel),
            "{rel} reported saved, not in HEAD"
        );
    }
    for (n, err) in &failed {
        assert!(
            !head.contains(&format!("raced-entry-{n}.md")),
            "entry {n} reported failed ({err}) but is in HEAD"
        );
    }
}

/// A writer that finds the journal lock held says why it waits (a publish can hold it
/// for a while: silence would look like a hang), then writes once the lock is free;
/// with `--quiet` it waits without a word.
#[test]
fn a_writer_kept_waiting_by_the_lock_says_so_then_writes() {
    use std::io::Read as _;
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let env = TestEnv::new();
    env.init_journal();
    let lock = std::fs::File::options()
        .write(true)
        .open(env.journal.join(".wol/lock"))
        .unwrap();
    for (quiet, title) in [(false, "Waited for the lock"), (true, "Waited quietly")] {
        lock.lock().unwrap();
        let mut cmd = env.wol_std();
        cmd.arg("--journal").arg(&env.journal);
        if quiet {
            cmd.arg("--quiet");
        }
        let mut child = cmd
            .args(["log", title])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = child.stderr.take().unwrap();
        let said = std::thread::spawn(move || {
            let mut text = String::new();
            err.read_to_string(&mut text).unwrap();
            text
        });
        // Still waiting a while later, with nothing committed.
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(1500) {
            assert!(
                child.try_wait().unwrap().is_none(),
                "wol log did not wait for the held lock"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!env.git(["log", "--format=%s"]).contains(title));
        lock.unlock().unwrap();
        assert!(child.wait().unwrap().success());
        let said = said.join().unwrap();
        assert_eq!(
            said.contains("waiting for another wol command to finish writing to this journal"),
            !quiet,
            "{said}"
        );
        assert!(env.git(["log", "-1", "--format=%s"]).contains(title));
    }
}
