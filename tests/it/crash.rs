//! Nothing lost: entry files left uncommitted by a crash are committed by the
//! next write, and a `wol` killed inside the editor leaves no stale lock and a
//! consistent repository.

use std::fs;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{TestEnv, entry_text, stderr, wait_for};

#[test]
fn uncommitted_entry_is_committed_by_the_next_write() {
    let env = TestEnv::new();
    env.init_journal();
    let orphan = "entries/2026/11/2026-11-21-0800-written-before-the-crash.md";
    let text = entry_text(
        "Written before the crash",
        "2026-11-21T08:00:00+01:00",
        "progress",
        &["crash"],
        "public",
        "Test Author",
        "Do not lose me.\n",
    );
    env.write(orphan, &text);
    assert!(!env.git_status().is_empty());

    let entry = env.log(&["x"]);

    env.assert_consistent();
    let tracked = env.git(["ls-files", "entries"]);
    assert!(
        tracked.lines().any(|l| l == orphan),
        "orphan not committed:\n{tracked}"
    );
    assert!(tracked.lines().any(|l| l == entry.to_str().unwrap()));
    assert_eq!(
        env.read(orphan),
        text,
        "the recovered file must be committed as it was"
    );
    assert!(
        env.subjects()
            .iter()
            .any(|s| s == "wol: recover uncommitted entries"),
        "expected a recovery commit, got {:?}",
        env.subjects()
    );
    assert_eq!(
        env.head_subject(),
        "log(progress): x",
        "the new entry is committed last"
    );
}

/// Kills the orphaned fake editor (whose pid it recorded) when the test ends.
struct KillPid(Option<String>);

impl Drop for KillPid {
    fn drop(&mut self) {
        if let Some(pid) = &self.0 {
            let _ = Command::new("kill")
                .args(["-9", pid])
                .stderr(Stdio::null())
                .status();
        }
    }
}

#[test]
fn kill_9_inside_the_editor_loses_nothing_and_leaves_no_stale_lock() {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&["Before the crash"]);
    let head = env.git(["rev-parse", "HEAD"]);

    let pidfile = env.root.join("editor.pid");
    env.fake_editor(&format!("echo $$ > '{}'; exec sleep 30", pidfile.display()));
    let mut child = spawn_quiet(
        env.wol_std()
            .arg("--journal")
            .arg(&env.journal)
            .args(["log", "-e"]),
    );

    let started = wait_for(Duration::from_secs(10), || {
        fs::read_to_string(&pidfile).is_ok_and(|s| s.ends_with('\n'))
    });
    let _editor = KillPid(
        fs::read_to_string(&pidfile)
            .ok()
            .map(|s| s.trim().to_owned()),
    );
    if !started {
        child.kill().ok();
        child.wait().ok();
        panic!("the editor was not started within 10 s");
    }
    let drafts = env.draft_files();
    assert_eq!(
        drafts.len(),
        1,
        "one draft under .wol/drafts/ while editing: {drafts:?}"
    );
    let template = fs::read_to_string(&drafts[0]).unwrap();

    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    assert!(drafts[0].is_file(), "the draft must survive the crash");
    assert_eq!(fs::read_to_string(&drafts[0]).unwrap(), template);
    assert!(
        !template.trim().is_empty(),
        "the draft holds the entry template"
    );
    let status = env.git_status();
    assert!(
        !status.contains("entries/"),
        "nothing under entries/ may be left half-done:\n{status}"
    );
    env.git_status_clean();
    env.git_fsck_clean();
    assert_eq!(env.git(["rev-parse", "HEAD"]), head);
    assert_eq!(env.entry_files().len(), 1);

    // The orphaned editor still runs; the next command must not wait on a lock.
    let out = env
        .wol_j()
        .timeout(Duration::from_secs(20))
        .args(["log", "after crash"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wol log after the crash failed:\n{}",
        stderr(&out)
    );
    assert_eq!(env.entry_files().len(), 2);
    assert_eq!(env.head_subject(), "log(progress): after crash");
    env.assert_consistent();
}

#[test]
fn kill_9_at_random_points_of_log_loses_nothing() {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&["Warm up"]);
    // Kill `wol log` after 0..40 ms: before, during and after its write and commit.
    for (n, delay_ms) in (0..40).step_by(2).enumerate() {
        let child = spawn_quiet(
            env.wol_std()
                .arg("--journal")
                .arg(&env.journal)
                .args(["log", &format!("killed {n}")]),
        );
        kill_after(child, Duration::from_millis(delay_ms));
        env.git_fsck_clean();
    }
    let out = env
        .wol_j()
        .timeout(Duration::from_secs(20))
        .args(["log", "after the massacre"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wol log after kills failed:\n{}",
        stderr(&out)
    );
    // Whatever was written is committed; HEAD, index and work tree agree.
    env.assert_consistent();
    let committed = env.git(["ls-files", "entries"]);
    for file in env.entry_files() {
        assert!(
            committed.lines().any(|l| l == file.to_str().unwrap()),
            "{} left uncommitted",
            file.display()
        );
    }
    // Every committed entry parses.
    let out = env.wol_j().arg("list").output().unwrap();
    assert!(out.status.success());
    assert_eq!(stderr(&out), "", "a killed write left a malformed entry");
    assert_eq!(stdout_lines(&out), env.entry_files().len());
}

fn stdout_lines(out: &std::process::Output) -> usize {
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// Seeds `n` committed entries by hand and returns their ids.
fn seed_hand_entries(env: &TestEnv, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id = format!("2026-11-21-{:02}{:02}-seeded-{i}", 8 + i / 60, i % 60);
        env.write(
            format!("entries/2026/11/{id}.md"),
            entry_text(
                &format!("Seeded {i}"),
                &format!("2026-11-21T{:02}:{:02}:00+01:00", 8 + i / 60, i % 60),
                "progress",
                &[],
                "public",
                "Hand",
                "original body\n",
            ),
        );
        ids.push(id);
    }
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "seed"]);
    ids
}

/// Kills `wol ARGS(id)` after 0..40 ms for each id, then checks that the next
/// write leaves everything committed and consistent.
fn kill_during(env: &TestEnv, ids: &[String], args: impl Fn(&str) -> Vec<String>) {
    for (n, id) in ids.iter().enumerate() {
        let child = spawn_quiet(
            env.wol_std()
                .arg("--journal")
                .arg(&env.journal)
                .args(args(id)),
        );
        kill_after(child, Duration::from_millis(2 * n as u64));
        env.git_fsck_clean();
    }
    let out = env
        .wol_j()
        .timeout(Duration::from_secs(20))
        .args(["log", "after the kills"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wol log after kills failed:\n{}",
        stderr(&out)
    );
    env.assert_consistent();
    let out = env.wol_j().arg("list").output().unwrap();
    assert!(out.status.success());
    assert_eq!(stderr(&out), "", "a killed write left a malformed entry");
}

#[test]
fn kill_9_at_random_points_of_rm_loses_nothing() {
    let env = TestEnv::new();
    env.init_journal();
    let ids = seed_hand_entries(&env, 20);
    kill_during(&env, &ids, |id| {
        vec!["rm".into(), "--yes".into(), id.into()]
    });
}

#[test]
fn kill_9_at_random_points_of_edit_loses_nothing() {
    let env = TestEnv::new();
    env.init_journal();
    let ids = seed_hand_entries(&env, 20);
    env.fake_editor(r#"sed -i 's/original body/edited body/' "$1""#);
    kill_during(&env, &ids, |id| vec!["edit".into(), id.into()]);
    // Every entry holds either the old or the new body, never a mix or nothing.
    for id in &ids {
        let text = env.read(format!("entries/2026/11/{id}.md"));
        assert!(
            text.ends_with("original body\n") || text.ends_with("edited body\n"),
            "{id}:\n{text}"
        );
    }
}

/// Imported entries in the work tree: `entries/2019/...` files.
fn imported_files(env: &TestEnv) -> usize {
    walk_md(&env.journal.join("entries/2019"))
}

fn walk_md(dir: &std::path::Path) -> usize {
    let Ok(rd) = fs::read_dir(dir) else { return 0 };
    rd.filter_map(|e| e.ok())
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                walk_md(&p)
            } else {
                usize::from(p.extension().is_some_and(|x| x == "md"))
            }
        })
        .sum()
}

#[test]
fn an_import_killed_before_its_commit_is_undone_not_committed_by_the_next_write() {
    let env = TestEnv::new();
    env.init_journal();
    let entries: Vec<serde_json::Value> = (0..3000)
        .map(|i| {
            serde_json::json!({
                "title": format!("Old diary {i}"),
                "body": "dear diary ".repeat(40),
                "date": format!("2019-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
                "time": format!("{:02}:{:02}", i % 24, i % 60),
                "tags": [], "starred": false,
            })
        })
        .collect();
    let diary = env.home.join("diary.json");
    fs::write(
        &diary,
        serde_json::json!({"tags": {}, "entries": entries}).to_string(),
    )
    .unwrap();
    // Kill it (SIGKILL: no chance to clean up) once some files are written and before
    // the commit; a kill that lands outside that window is tried again.
    let mut caught = false;
    for _ in 0..5 {
        let mut child = spawn_quiet(
            env.wol_std()
                .arg("--journal")
                .arg(&env.journal)
                .args(["import", "jrnl"])
                .arg(&diary)
                .args(["--visibility", "public"]),
        );
        wait_for(Duration::from_secs(20), || imported_files(&env) >= 20);
        child.kill().ok();
        child.wait().unwrap();
        let head = env
            .head_files()
            .iter()
            .filter(|f| f.starts_with("entries/2019"))
            .count();
        if head == 0 && imported_files(&env) > 0 {
            caught = true;
            break;
        }
        if head > 0 {
            // Committed after all: start again from an empty journal's history.
            env.git(["reset", "-q", "--hard", "HEAD~1"]);
        }
    }
    assert!(
        caught,
        "never killed the import between its writes and its commit"
    );

    let out = env.wol_j().args(["log", "The next day"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("an interrupted wol import was undone"),
        "the undo is said: {}",
        stderr(&out)
    );
    let head = env.head_files();
    assert!(
        !head.iter().any(|f| f.starts_with("entries/2019")),
        "the next write committed part of a killed import"
    );
    assert_eq!(
        imported_files(&env),
        0,
        "the killed import's files are left behind"
    );
    env.assert_consistent();
    env.git_status_clean();

    // Run again, it imports everything in one commit.
    let out = env
        .wol_j()
        .arg("import")
        .arg("jrnl")
        .arg(&diary)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(imported_files(&env), 3000);
    env.git_status_clean();
}

/// `wol publish` killed at any point (rendering, writing the published tree, pushing)
/// leaves the journal as it was and a partner repository git reads; the next publish
/// completes, and the partner then has the log.
#[test]
fn kill_9_at_random_points_of_publish_loses_nothing() {
    let env = TestEnv::new();
    env.copy_examples_journal();
    let partner = env.bare_partner("alpha");
    let head = env.git(["rev-parse", "HEAD"]);
    // How long a whole publish takes here, to spread the kills over it.
    let started = std::time::Instant::now();
    let out = env.wol_j().arg("publish").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let whole = started.elapsed().as_millis().max(20) as u64;
    for round in 0..20u64 {
        // A new entry each round, so that every publish has something to write and push.
        env.log(&[&format!("Round {round}")]);
        let child = spawn_quiet(
            env.wol_std()
                .arg("--journal")
                .arg(&env.journal)
                .arg("publish"),
        );
        kill_after(child, Duration::from_millis(whole * round / 20));
        env.git_fsck_clean();
        env.git_in(&partner, ["fsck", "--no-dangling"]);
    }
    let out = env
        .wol_j()
        .timeout(Duration::from_secs(30))
        .arg("publish")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wol publish after kills failed:\n{}",
        stderr(&out)
    );
    // The journal: the publishes added no commit of their own, and nothing is left over.
    env.assert_consistent();
    assert_eq!(
        env.git(["rev-list", "--count", &format!("{}..HEAD", head.trim())])
            .trim(),
        "20",
        "only the 20 logged entries were committed"
    );
    env.git_in(&partner, ["fsck", "--no-dangling"]);
    let files = env.git_in(&partner, ["ls-tree", "-r", "--name-only", "main"]);
    for f in ["README.md", "wol.json", "feed.xml", "docs/index.html"] {
        assert!(files.lines().any(|l| l == f), "{f} missing:\n{files}");
    }
    let readme = env.git_in(&partner, ["show", "main:README.md"]);
    assert!(readme.contains("Round 19"), "{readme}");
    // A second publish right after has nothing to do.
    let out = env.wol_j().arg("publish").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("up to date"), "{}", stderr(&out));
}

/// `wol init` over a folder of entries, killed at any point (adding the files, writing the
/// packs, the tree, the commit), leaves a folder the next `wol init` makes a journal of:
/// every entry committed once, the repository whole, no stale lock.
/// A publish or a pull killed while libgit2 held a ref lock (`refs/wol/published/<p>.lock`;
/// a partner's `refs/heads/main.lock` when it is a path on this machine, which libgit2
/// updates in the pushing process; the followed log's copy) leaves the lock behind (seen
/// in the kill -9 test above); the next one removes such a lock, which no live process
/// holds, says so, and goes on. Before, every later publish failed ("moved while
/// publishing", or "refused the push", blaming the server).
#[test]
fn a_ref_lock_left_by_a_killed_publish_or_pull_is_removed_by_the_next() {
    let env = TestEnv::new();
    env.init_journal();
    let partner = env.bare_partner("alpha");
    env.log(&["First shared entry", "--public"]);
    env.wol_j().arg("publish").assert().success();
    env.wol_j()
        .args(["follow", "add", "alpha", partner.to_str().unwrap()])
        .assert()
        .success();
    env.wol_j().args(["pull", "-q"]).assert().success();

    env.log(&["Second shared entry", "--public"]);
    let published = env.journal.join(".git/refs/wol/published/alpha.lock");
    let pulled = env
        .journal
        .join(".wol/following/alpha.git/refs/heads/main.lock");
    let pushed = partner.join("refs/heads/main.lock");
    for lock in [&published, &pulled, &pushed] {
        fs::create_dir_all(lock.parent().unwrap()).unwrap();
        fs::write(lock, "").unwrap();
    }
    let out = env.wol_j().arg("publish").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("alpha.lock, a git lock left behind"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("alpha.git/refs/heads/main.lock, a git lock left behind"),
        "{}",
        stderr(&out)
    );
    assert!(!published.exists());
    assert!(!pushed.exists());
    let files = env.git_in(&partner, ["ls-tree", "-r", "--name-only", "main"]);
    assert!(files.contains("second-shared-entry.md"), "{files}");

    let out = env.wol_j().arg("pull").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("main.lock, a git lock left behind"),
        "{}",
        stderr(&out)
    );
    assert!(!pulled.exists());
    let mirror = env.journal.join(".wol/following/alpha.git");
    assert_eq!(
        env.git_in(&mirror, ["rev-parse", "main"]),
        env.git_in(&partner, ["rev-parse", "main"]),
        "the pull fetched the new publish"
    );
    env.assert_consistent();
}

#[test]
fn kill_9_at_random_points_of_init_over_entries_loses_nothing() {
    let env = TestEnv::new();
    let n = 400;
    for i in 0..n {
        let (day, minute) = (1 + i / 60, i % 60);
        env.write(
            format!("entries/2026/10/2026-10-{day:02}-09{minute:02}-entry-{i}.md"),
            entry_text(
                &format!("Entry {i}"),
                &format!("2026-10-{day:02}T09:{minute:02}:00+01:00"),
                "progress",
                &["ops"],
                "public",
                "Ana",
                "Body of the entry, long enough to be a few hundred bytes when packed.\n",
            ),
        );
    }
    for round in 0..12u64 {
        let child = spawn_quiet(
            env.wol_std()
                .env("WOL_INIT_BATCH_BYTES", "20000")
                .arg("init")
                .arg(&env.journal),
        );
        kill_after(child, Duration::from_millis(3 * round));
        if env.journal.join(".git/HEAD").is_file() {
            // Whatever the kill left, git reads it (objects may dangle, nothing is broken).
            env.git(["fsck", "--no-dangling", "--no-progress"]);
        }
    }
    let out = env
        .wol()
        .timeout(Duration::from_secs(30))
        .arg("init")
        .arg(&env.journal)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wol init after kills failed:\n{}",
        stderr(&out)
    );
    env.assert_consistent();
    assert_eq!(env.git(["ls-files", "entries"]).lines().count(), n);
    let listed = env.json(&["list"], &[]);
    assert_eq!(listed.as_array().unwrap().len(), n);
    // One more init has nothing to add.
    let commits = env.commit_count();
    env.wol().arg("init").arg(&env.journal).assert().success();
    assert_eq!(env.commit_count(), commits);
}

/// `cmd` started with its output thrown away, to be killed.
fn spawn_quiet(cmd: &mut Command) -> std::process::Child {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Kill `child` after `delay` (SIGKILL: no chance to clean up) and reap it.
fn kill_after(mut child: std::process::Child, delay: Duration) {
    std::thread::sleep(delay);
    child.kill().ok();
    child.wait().unwrap();
}
