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
