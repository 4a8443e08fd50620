//! `wol init` and journal discovery: the journal a command acts on, and the
//! default journal created on first use.

use std::fs;

use crate::common::{self, TestEnv, fails_with, stderr, stdout};

#[test]
fn init_creates_repo_config_gitignore_and_one_commit() {
    let env = TestEnv::new();
    let out = env.wol().arg("init").arg(&env.journal).output().unwrap();
    assert!(out.status.success(), "wol init failed:\n{}", stderr(&out));
    assert!(
        stderr(&out).contains("Initialized journal in"),
        "wol init should say where it initialized the journal:\n{}",
        stderr(&out)
    );

    assert!(env.journal.join(".git").is_dir(), "no git repository");
    let toml = env.read("wol.toml");
    assert!(
        toml.lines()
            .any(|l| l.trim() == r#"default_visibility = "public""#),
        "wol.toml should set default_visibility = \"public\" visibly:\n{toml}"
    );
    let gitignore = env.read(".gitignore");
    assert!(
        gitignore.lines().any(|l| l.trim() == ".wol/"),
        ".gitignore should ignore .wol/:\n{gitignore}"
    );

    assert_eq!(env.commit_count(), 1);
    assert_eq!(env.head_subject(), "wol: init journal");
    assert_eq!(env.head_files(), vec![".gitignore", "wol.toml"]);
    assert_eq!(env.git(["symbolic-ref", "--short", "HEAD"]).trim(), "main");
    env.assert_consistent();
}

#[test]
fn init_is_idempotent() {
    let env = TestEnv::new();
    env.init_journal();
    let toml = env.read("wol.toml");
    let gitignore = env.read(".gitignore");

    let out = env.wol().arg("init").arg(&env.journal).output().unwrap();
    assert!(
        out.status.success(),
        "second wol init failed:\n{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).to_lowercase().contains("already initialized"),
        "second wol init should say the journal exists:\n{}",
        stderr(&out)
    );
    assert_eq!(env.commit_count(), 1, "second init must not commit");
    assert_eq!(env.read("wol.toml"), toml);
    assert_eq!(env.read(".gitignore"), gitignore);
    env.assert_consistent();
}

#[test]
fn init_quiet_prints_nothing() {
    let env = TestEnv::new();
    env.wol()
        .args(["-q", "init"])
        .arg(&env.journal)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(env.commit_count(), 1);
}

#[test]
fn init_defaults_to_the_current_directory() {
    let env = TestEnv::new();
    fs::create_dir_all(&env.journal).unwrap();
    env.wol()
        .current_dir(&env.journal)
        .arg("init")
        .assert()
        .success();
    assert!(env.journal.join("wol.toml").is_file());
    assert_eq!(env.commit_count(), 1);
    env.git_status_clean();
}

#[test]
fn init_uses_the_journal_flag_and_wol_dir() {
    let env = TestEnv::new();
    env.wol_j().arg("init").assert().success();
    assert!(env.journal.join("wol.toml").is_file(), "--journal DIR init");

    let other = env.root.join("other");
    env.wol()
        .env("WOL_DIR", &other)
        .arg("init")
        .assert()
        .success();
    assert!(other.join("wol.toml").is_file(), "WOL_DIR init");
    assert!(
        !env.root.join("wol.toml").exists(),
        "init must not write into the cwd"
    );
}

#[test]
fn init_reuses_an_existing_repo_and_keeps_user_gitignore_lines() {
    let env = TestEnv::new();
    fs::create_dir_all(&env.journal).unwrap();
    env.git(["init", "-q", "-b", "trunk"]);
    env.write("README.md", "my notes\n");
    env.write(".gitignore", "target/\n*.log\n");
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "user commit"]);
    let first = env.git(["rev-parse", "HEAD"]).trim().to_owned();

    env.init_journal();

    assert_eq!(
        env.commit_count(),
        2,
        "one init commit on top of the user's"
    );
    assert_eq!(
        env.git(["rev-parse", "HEAD~1"]).trim(),
        first,
        "history rewritten"
    );
    assert_eq!(env.git(["symbolic-ref", "--short", "HEAD"]).trim(), "trunk");
    assert_eq!(env.read("README.md"), "my notes\n");
    let gitignore = env.read(".gitignore");
    for line in ["target/", "*.log", ".wol/"] {
        assert!(
            gitignore.lines().any(|l| l.trim() == line),
            ".gitignore lost or lacks {line:?}:\n{gitignore}"
        );
    }
    assert!(env.head_files().contains(&"README.md".to_owned()));
    env.assert_consistent();

    // Still idempotent on a reused repo.
    env.init_journal();
    assert_eq!(env.commit_count(), 2);
}

#[test]
fn init_never_overwrites_an_existing_wol_toml() {
    let env = TestEnv::new();
    let mine = "# my own journal settings\ndefault_visibility = \"private\"\n";
    env.write("wol.toml", mine);

    env.init_journal();
    assert_eq!(
        env.read("wol.toml"),
        mine,
        "wol init overwrote the user's wol.toml"
    );
    env.git_status_clean();
    assert!(env.head_files().contains(&"wol.toml".to_owned()));

    // And the user's setting is the one in force.
    let entry = env.log(&["A private thought"]);
    assert!(
        env.read(&entry).contains("visibility = \"private\""),
        "default_visibility from the user's wol.toml ignored:\n{}",
        env.read(&entry)
    );
}

#[test]
fn default_journal_is_created_on_first_use() {
    let env = TestEnv::new();
    let default = env.xdg_data.join("wol").join("journal");

    let out = env.wol().args(["log", "First entry"]).output().unwrap();
    assert!(
        out.status.success(),
        "wol log on a fresh machine failed:\n{}",
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("created a new journal at") && err.contains(default.to_str().unwrap()),
        "expected a notice naming {} on stderr, got:\n{err}",
        default.display()
    );
    let printed = stdout(&out);
    let printed = printed.trim();
    assert!(
        printed.starts_with(default.join("entries").to_str().unwrap()) && printed.ends_with(".md"),
        "stdout should be the new entry's path under the default journal, got {printed:?}"
    );
    assert!(default.join("wol.toml").is_file());

    let git = |args: &[&str]| env.git_in(&default, args);
    assert_eq!(
        git(&["rev-list", "--count", "HEAD"]).trim(),
        "2",
        "init + log commits"
    );
    assert_eq!(git(&["status", "--porcelain"]), "");

    let out = env.wol().args(["log", "Second entry"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("created a new journal"),
        "the notice must appear only once:\n{}",
        stderr(&out)
    );
    assert_eq!(git(&["rev-list", "--count", "HEAD"]).trim(), "3");
    assert!(
        !env.journal.exists(),
        "nothing may appear at the test's own journal path"
    );
}

#[test]
fn user_config_journal_is_honoured() {
    let env = TestEnv::new();
    env.init_journal();
    env.user_config(&format!("journal = {:?}\n", env.journal.to_str().unwrap()));

    let out = env
        .wol()
        .args(["log", "Via the user config"])
        .output()
        .unwrap();
    let entry = env.entry_path_from(&out);
    assert!(entry.starts_with("entries/2026/11"));
    assert_eq!(env.commit_count(), 2);
    assert!(
        !env.xdg_data.join("wol").exists(),
        "the default journal must not be created when the user config names one"
    );
}

#[test]
fn enclosing_journal_is_found_from_a_subdirectory() {
    let env = TestEnv::new();
    env.init_journal();
    let first = env.log(&["First entry"]);
    let sub = env.journal.join("entries").join("2026").join("11");

    let out = env.wol().current_dir(&sub).args(["list"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&crate::common::stem(&first)),
        "{}",
        stdout(&out)
    );

    let out = env
        .wol()
        .current_dir(env.journal.join("entries"))
        .args(["log", "From a subdir"])
        .output()
        .unwrap();
    env.entry_path_from(&out);
    assert_eq!(env.commit_count(), 3);
    assert!(
        !env.xdg_data.join("wol").exists(),
        "default journal created instead"
    );
    env.git_status_clean();
}

#[test]
fn wol_dir_selects_the_journal() {
    let env = TestEnv::new();
    env.init_journal();
    let out = env
        .wol()
        .env("WOL_DIR", &env.journal)
        .args(["log", "Via WOL_DIR"])
        .output()
        .unwrap();
    env.entry_path_from(&out);
    assert_eq!(env.commit_count(), 2);
    assert!(!env.xdg_data.join("wol").exists());
}

#[test]
fn journal_flag_beats_wol_dir_and_wol_dir_beats_the_cwd() {
    let env = TestEnv::new();
    env.init_journal();
    let other = env.root.join("other");
    env.wol().arg("init").arg(&other).assert().success();
    let count = |dir: &std::path::Path| -> usize {
        env.git_in(dir, ["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .unwrap()
    };

    // --journal (here after the subcommand) over WOL_DIR.
    env.wol()
        .env("WOL_DIR", &other)
        .args(["log", "--journal"])
        .arg(&env.journal)
        .arg("flag wins")
        .assert()
        .success();
    assert_eq!((count(&env.journal), count(&other)), (2, 1));

    // WOL_DIR over the enclosing journal of the cwd.
    env.wol()
        .env("WOL_DIR", &other)
        .current_dir(&env.journal)
        .args(["log", "env wins"])
        .assert()
        .success();
    assert_eq!((count(&env.journal), count(&other)), (2, 2));
}

#[test]
fn examples_journal_reads_cleanly() {
    let env = TestEnv::new();
    env.copy_examples_journal();
    let files = env.entry_files();
    assert!(
        files.len() >= 10,
        "the sample journal should hold about a dozen entries"
    );

    let out = env.wol_j().args(["list", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("warning"),
        "the sample journal must parse without warnings:\n{}",
        stderr(&out)
    );
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), files.len(), "every sample entry is listed");
    for kind in crate::common::DEFAULT_KINDS {
        assert!(
            list.iter().any(|e| e["kind"] == kind),
            "no sample entry of kind {kind}"
        );
    }
    let private = list.iter().filter(|e| e["visibility"] == "private").count();
    assert!(
        private >= 1,
        "the sample journal should have a private entry"
    );
}

#[test]
fn init_on_a_file_fails() {
    let env = TestEnv::new();
    fs::write(&env.journal, "not a dir").unwrap();
    fails_with(env.wol().arg("init").arg(&env.journal), 1, "error:");
    assert_eq!(fs::read_to_string(&env.journal).unwrap(), "not a dir");
}

/// `git count-objects -v` as (loose objects, objects in packs).
fn object_counts(env: &TestEnv) -> (usize, usize) {
    let text = env.git(["count-objects", "-v"]);
    let field = |name: &str| -> usize {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
    };
    (field("count:"), field("in-pack:"))
}

#[test]
fn init_packs_a_folder_of_entries_and_a_second_init_packs_only_what_is_new() {
    let env = TestEnv::new();
    init_twice_and_count(&env, None);
    assert_eq!(pack_count(&env), 2, "one pack per init");
}

/// With a small batch, `wol init` packs the blobs added so far while it adds the rest
/// (the memory bound of a large folder): several packs, the very same objects, no
/// duplicates, nothing lost.
#[test]
fn init_packs_in_batches_and_loses_nothing() {
    let env = TestEnv::new();
    init_twice_and_count(&env, Some("600"));
    assert!(pack_count(&env) > 4, "{} packs", pack_count(&env));
    // Every entry reads back from the packs.
    for day in [1, 14, 28] {
        let path = format!("HEAD:entries/2026/10/2026-10-{day:02}-0900-entry-{day}.md");
        assert!(
            env.git(["cat-file", "-p", &path])
                .contains(&format!("Entry {day}"))
        );
    }
}

fn pack_count(env: &TestEnv) -> usize {
    env.git(["count-objects", "-v"])
        .lines()
        .find_map(|l| l.strip_prefix("packs:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("packs: in git count-objects -v")
}

/// Init over 28 entries, then again with one more, with `WOL_INIT_BATCH_BYTES` = `batch`.
fn init_twice_and_count(env: &TestEnv, batch: Option<&str>) {
    for day in 1..=28 {
        let date = format!("2026-10-{day:02}T09:00:00+01:00");
        let text = common::entry_text(
            &format!("Entry {day}"),
            &date,
            "progress",
            &["ops"],
            "public",
            "Ana",
            "Body.\n",
        );
        env.write(
            format!("entries/2026/10/2026-10-{day:02}-0900-entry-{day}.md"),
            text,
        );
    }
    let init = || {
        let mut cmd = env.wol();
        if let Some(bytes) = batch {
            cmd.env("WOL_INIT_BATCH_BYTES", bytes);
        }
        cmd.arg("init").arg(&env.journal).assert().success();
    };
    init();
    env.assert_consistent();
    // The tree wol wrote is the one git computes from the same index.
    assert_eq!(
        env.git(["write-tree"]).trim(),
        env.git(["rev-parse", "HEAD^{tree}"]).trim()
    );
    let (loose, packed) = object_counts(env);
    assert_eq!(loose, 0, "wol init wrote loose objects");
    // 28 entries, wol.toml, .gitignore; trees for the root, entries/, 2026/, 10/; a commit.
    assert_eq!(packed, 28 + 2 + 4 + 1);
    assert_eq!(env.git(["ls-files", "entries"]).lines().count(), 28);

    // One file more: its blob, the four trees on its path and a commit — not the folder
    // again.
    let text = common::entry_text(
        "Late",
        "2026-10-29T09:00:00+01:00",
        "progress",
        &[],
        "public",
        "Ana",
        "Late body.\n",
    );
    env.write("entries/2026/10/2026-10-29-0900-late.md", text);
    init();
    env.assert_consistent();
    assert_eq!(object_counts(env), (0, packed + 1 + 4 + 1));
    assert_eq!(env.commit_count(), 2);
}

/// In a linked git worktree (`.git` is a file; the objects live in the main repository's
/// git dir) init commits as in any repository, and the journal works from there on.
#[test]
fn init_in_a_linked_worktree_commits_into_the_common_object_store() {
    let env = TestEnv::new();
    let main = env.root.join("main");
    fs::create_dir_all(&main).unwrap();
    env.git_in(&main, ["init", "-q", "-b", "main"]);
    env.git_in(&main, ["commit", "-q", "--allow-empty", "-m", "root"]);
    let journal = env.journal.to_str().unwrap();
    env.git_in(&main, ["worktree", "add", "-q", "-b", "notes", journal]);
    assert!(env.journal.join(".git").is_file(), "not a linked worktree");
    env.write(
        "entries/2026/10/2026-10-01-0900-old.md",
        common::entry_text(
            "Old",
            "2026-10-01T09:00:00+01:00",
            "progress",
            &[],
            "public",
            "Ana",
            "Body.\n",
        ),
    );

    env.init_journal();
    env.assert_consistent();
    assert_eq!(env.head_subject(), "wol: init journal");
    assert_eq!(
        env.head_files(),
        vec![
            ".gitignore",
            "entries/2026/10/2026-10-01-0900-old.md",
            "wol.toml"
        ]
    );
    // The branch and its objects are the main repository's.
    assert_eq!(
        env.git_in(&main, ["log", "-1", "--format=%s", "notes"])
            .trim(),
        "wol: init journal"
    );
    env.git_in(&main, ["cat-file", "-e", "notes:wol.toml"]);

    let again = env.wol().arg("init").arg(&env.journal).output().unwrap();
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already initialized"),
        "{}",
        stderr(&again)
    );
    env.log(&["In a worktree"]);
    env.assert_consistent();
    assert_eq!(env.commit_count(), 3);
}

/// Over an existing repository, init's commit holds only what init adds: what the user
/// had staged (a new file, a change, a removal, in the root and in a folder) stays
/// staged, exactly as it was, and out of wol's commit.
#[test]
fn init_leaves_what_the_user_staged_staged_and_uncommitted() {
    let env = TestEnv::new();
    fs::create_dir_all(&env.journal).unwrap();
    env.git(["init", "-q", "-b", "main"]);
    env.write("README.md", "my notes\n");
    env.write("old.txt", "to be removed\n");
    env.write("notes/sub/a.txt", "a\n");
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "user commit"]);
    env.write("README.md", "my notes, half edited\n");
    env.write("draft-config.txt", "half-done work, not ready\n");
    env.write("notes/sub/b.txt", "b\n");
    env.git(["add", "README.md", "draft-config.txt", "notes/sub/b.txt"]);
    env.git(["rm", "-q", "--cached", "old.txt"]);
    env.write(
        "entries/2026/10/2026-10-01-0900-old.md",
        common::entry_text(
            "Old",
            "2026-10-01T09:00:00+01:00",
            "progress",
            &[],
            "public",
            "Ana",
            "Body.\n",
        ),
    );
    let staged = env.git(["diff", "--cached"]);
    let status = env.git_status();

    env.init_journal();

    assert_eq!(env.commit_count(), 2);
    assert_eq!(
        env.head_files(),
        vec![
            ".gitignore",
            "README.md",
            "entries/2026/10/2026-10-01-0900-old.md",
            "notes/sub/a.txt",
            "old.txt",
            "wol.toml"
        ]
    );
    assert_eq!(env.git(["show", "HEAD:README.md"]), "my notes\n");
    assert_eq!(
        env.git(["diff", "--cached"]),
        staged,
        "the staged changes changed"
    );
    // The same lines, less the files init committed.
    let now = env.git_status();
    let now: Vec<&str> = now.lines().collect();
    let before: Vec<&str> = status
        .lines()
        .filter(|l| !l.starts_with("?? entries/"))
        .collect();
    assert_eq!(now, before);
    env.git_fsck_clean();

    // A second init finds nothing to do, and the staged changes are still there.
    env.init_journal();
    assert_eq!(env.commit_count(), 2);
    assert_eq!(env.git(["diff", "--cached"]), staged);
}

/// An entry file as a hand-made or copied journal has it: no `visibility` key.
fn entry_without_visibility(env: &TestEnv, day: u32, title: &str) {
    env.write(
        format!("entries/2026/10/2026-10-{day:02}-0900-old-{day}.md"),
        format!(
            "+++\ntitle = \"{title}\"\ndate = 2026-10-{day:02}T09:00:00+01:00\nkind = \"progress\"\n+++\n\n{title}\n"
        ),
    );
}

/// Adopting entries without `visibility` into a new journal: init says so, and the new
/// wol.toml makes them (and new entries) private, so an old diary never reaches a
/// partner by surprise. An entry that names its visibility keeps it.
#[test]
fn init_adopting_entries_without_visibility_writes_a_private_default() {
    let env = TestEnv::new();
    entry_without_visibility(&env, 1, "Therapy notes");
    entry_without_visibility(&env, 2, "More notes");
    env.write(
        "entries/2026/10/2026-10-03-0900-shared.md",
        common::entry_text(
            "Shared",
            "2026-10-03T09:00:00+01:00",
            "progress",
            &[],
            "public",
            "Ana",
            "Body.\n",
        ),
    );
    let out = env.wol().arg("init").arg(&env.journal).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    for needle in [
        "2 entries already here have no `visibility`",
        "default_visibility = \"private\"",
        "wol publish --dry-run",
    ] {
        assert!(err.contains(needle), "no {needle:?} in:\n{err}");
    }
    let toml = env.read("wol.toml");
    assert!(
        toml.lines()
            .any(|l| l.trim() == r#"default_visibility = "private""#),
        "{toml}"
    );
    env.assert_consistent();
    assert_eq!(env.git(["show", "HEAD:wol.toml"]), toml);
    let list = env.json(&["list"], &[]);
    let visibility = |title: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["title"] == title)
            .map(|e| e["visibility"].as_str().unwrap().to_owned())
    };
    assert_eq!(visibility("Therapy notes").as_deref(), Some("private"));
    assert_eq!(visibility("Shared").as_deref(), Some("public"));

    // Nothing adopted the second time: nothing to say.
    let again = env.wol().arg("init").arg(&env.journal).output().unwrap();
    assert!(!stderr(&again).contains("visibility"), "{}", stderr(&again));
}

/// A folder whose entries all name their visibility, and an empty one, keep the public
/// default init always wrote; nothing is said about visibility.
#[test]
fn init_keeps_the_public_default_when_every_adopted_entry_names_its_visibility() {
    let env = TestEnv::new();
    env.write(
        "entries/2026/10/2026-10-03-0900-shared.md",
        common::entry_text(
            "Shared",
            "2026-10-03T09:00:00+01:00",
            "progress",
            &[],
            "private",
            "Ana",
            "Body.\n",
        ),
    );
    let out = env.wol().arg("init").arg(&env.journal).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("visibility"), "{}", stderr(&out));
    assert!(
        env.read("wol.toml")
            .contains(r#"default_visibility = "public""#)
    );
}

/// With the journal's own wol.toml saying "public", adopted entries without `visibility`
/// will be published: init warns (even with -q), says how to keep them private, and
/// leaves the user's wol.toml alone.
#[test]
fn init_warns_that_adopted_entries_without_visibility_will_be_published() {
    let env = TestEnv::new();
    env.write(
        "wol.toml",
        "author = \"Ana\"\ndefault_visibility = \"public\"\n",
    );
    entry_without_visibility(&env, 1, "Therapy notes");
    let out = env
        .wol()
        .args(["-q", "init"])
        .arg(&env.journal)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    for needle in [
        "warning: 1 adopted entry has no `visibility`",
        "default_visibility = \"public\"",
        "sends it to every partner",
        "visibility = \"private\" in it, or default_visibility = \"private\" in wol.toml",
        "wol publish --dry-run",
    ] {
        assert!(err.contains(needle), "no {needle:?} in:\n{err}");
    }
    assert_eq!(
        env.read("wol.toml"),
        "author = \"Ana\"\ndefault_visibility = \"public\"\n"
    );
    env.assert_consistent();
}

/// The temp files a killed init leaves in the root (`.wol-tmp-` and six letters or
/// digits; libgit2's `_git2_` and sixteen hex digits) are removed by the next init; a
/// file of the person's that only starts like one is not touched.
#[test]
fn init_removes_a_killed_init_s_temp_files_and_nothing_else() {
    let env = TestEnv::new();
    fs::create_dir_all(&env.journal).unwrap();
    let leftovers = [".wol-tmp-Ab12Cd", "_git2_0123456789abcdef"];
    let kept = [
        "_git2_notes.md",
        ".wol-tmp-notes.txt",
        "_git2_0123456789abcdefg",
    ];
    for name in leftovers.iter().chain(&kept) {
        fs::write(env.journal.join(name), "x\n").unwrap();
    }
    env.init_journal();
    for name in leftovers {
        assert!(!env.journal.join(name).exists(), "{name} left behind");
    }
    for name in kept {
        assert!(env.journal.join(name).exists(), "{name} removed");
    }
}
