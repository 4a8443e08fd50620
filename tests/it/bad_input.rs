//! Bad input never crashes a command nor escapes the journal: malformed entry
//! files, hostile titles, huge messages, a journal that is not one, a detached
//! HEAD, a bad config, a bad command line.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{TestEnv, entry_text, fails_with, stderr, stdout};

const GOOD_A: &str = "2026-11-02-0900-good-one";
const GOOD_B: &str = "2026-11-09-0900-good-two";

/// (file stem, contents, the line the problem is on if it is certain)
fn malformed() -> Vec<(&'static str, Vec<u8>, Option<usize>)> {
    let rest = "kind = \"progress\"\ntags = []\nvisibility = \"public\"\nauthor = \"Hand\"\n+++\n\nA needle.\n";
    vec![
        (
            "2026-11-03-0900-bad-toml",
            format!("+++\ntitle = \"Broken toml\ndate = 2026-11-03T09:00:00+01:00\n{rest}")
                .into_bytes(),
            Some(2),
        ),
        (
            "2026-11-04-0900-no-closing",
            b"+++\ntitle = \"No closing\"\ndate = 2026-11-04T09:00:00+01:00\nkind = \"progress\"\n\
              tags = []\nvisibility = \"public\"\nauthor = \"Hand\"\n\nThe body with a needle, never fenced.\n"
                .to_vec(),
            None,
        ),
        (
            "2026-11-05-0900-unknown-kind",
            b"+++\ntitle = \"Unknown kind\"\ndate = 2026-11-05T09:00:00+01:00\nkind = \"rant\"\n\
              tags = []\nvisibility = \"public\"\nauthor = \"Hand\"\n+++\n\nA needle.\n"
                .to_vec(),
            Some(4),
        ),
        (
            "2026-11-06-0900-bad-date",
            format!("+++\ntitle = \"Bad date\"\ndate = \"last tuesday-ish\"\n{rest}").into_bytes(),
            Some(3),
        ),
        (
            "2026-11-07-0900-no-offset",
            format!("+++\ntitle = \"No offset\"\ndate = 2026-11-07T09:00:00\n{rest}").into_bytes(),
            Some(3),
        ),
        (
            "2026-11-08-0900-not-utf8",
            [
                b"+++\ntitle = \"Not UTF-8\"\ndate = 2026-11-08T09:00:00+01:00\n".as_slice(),
                rest.as_bytes(),
                b"caf\xe9 latin-1 needle \xff\xfe bytes\n",
            ]
            .concat(),
            None,
        ),
    ]
}

/// A journal with two good entries and every malformed case, committed with
/// the git CLI.
fn journal_with_bad_files() -> TestEnv {
    let env = TestEnv::new();
    env.init_journal();
    for (stem, title, date) in [
        (GOOD_A, "Good one", "2026-11-02T09:00:00+01:00"),
        (GOOD_B, "Good two", "2026-11-09T09:00:00+01:00"),
    ] {
        env.write(
            format!("entries/2026/11/{stem}.md"),
            entry_text(
                title,
                date,
                "progress",
                &["good"],
                "public",
                "Hand",
                "A findable needle.\n",
            ),
        );
    }
    for (stem, bytes, _) in malformed() {
        env.write(format!("entries/2026/11/{stem}.md"), bytes);
    }
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "hand-written entries"]);
    env
}

/// Asserts stderr warns about every malformed file with `<path>:<line>`.
#[track_caller]
fn assert_warns_about_each(err: &str) {
    for (stem, _, line) in malformed() {
        let file = format!("{stem}.md");
        let warning = err
            .lines()
            .find(|l| l.contains(&file))
            .unwrap_or_else(|| panic!("no warning naming {file}:\n{err}"));
        assert!(warning.contains("warning"), "not a warning: {warning}");
        let after = &warning[warning.find(&file).unwrap() + file.len()..];
        let digits: String = after
            .strip_prefix(':')
            .unwrap_or("")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        assert!(
            !digits.is_empty(),
            "warning lacks `<path>:<line>`: {warning}"
        );
        if let Some(line) = line {
            assert_eq!(digits, line.to_string(), "wrong line in: {warning}");
        }
    }
}

#[test]
fn list_skips_malformed_files_with_path_and_line() {
    let env = journal_with_bad_files();
    let out = env.wol_j().arg("list").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let ids: Vec<&str> = text
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![GOOD_B, GOOD_A],
        "only the good entries are listed:\n{text}"
    );
    assert_warns_about_each(&stderr(&out));

    let json = env.json(&["list"], &[]);
    assert_eq!(crate::common::ids(&json), vec![GOOD_B, GOOD_A]);
}

#[test]
fn search_and_show_work_beside_malformed_files() {
    let env = journal_with_bad_files();
    let out = env.wol_j().args(["search", "needle"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2, "{}", stdout(&out));
    assert_warns_about_each(&stderr(&out));

    let out = env.wol_j().args(["show", GOOD_A]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("title = \"Good one\""));

    // A write still works, and leaves the malformed files alone.
    env.log(&["Still writable"]);
    env.assert_consistent();
    let bad = env
        .journal
        .join("entries/2026/11/2026-11-08-0900-not-utf8.md");
    assert!(fs::read(bad).unwrap().ends_with(b"\xff\xfe bytes\n"));
}

#[test]
fn show_of_a_malformed_file_fails_with_path_and_line() {
    let env = journal_with_bad_files();
    let out = env
        .wol_j()
        .args(["show", "2026-11-05-0900-unknown-kind"])
        .output()
        .unwrap();
    // Showing the file as stored is fine; failing with the reason is fine; a
    // panic or a silent nothing is not.
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    if !out.status.success() {
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("2026-11-05-0900-unknown-kind.md:4"),
            "{}",
            stderr(&out)
        );
    } else {
        assert!(stdout(&out).contains("kind = \"rant\""));
    }
}

/// Everything under `dir`, relative, skipping `skip` (absolute paths).
fn tree(dir: &Path, skip: &[PathBuf]) -> BTreeSet<PathBuf> {
    fn go(dir: &Path, root: &Path, skip: &[PathBuf], out: &mut BTreeSet<PathBuf>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if skip.contains(&p) {
                continue;
            }
            out.insert(p.strip_prefix(root).unwrap().to_path_buf());
            if p.is_dir() && !p.is_symlink() {
                go(&p, root, skip, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    go(dir, dir, skip, &mut out);
    out
}

#[test]
fn path_traversal_titles_stay_inside_entries() {
    let env = TestEnv::new();
    env.init_journal();
    let hostile = [
        "../../etc/x",
        "/abs",
        "..",
        ".",
        "...",
        "../..",
        "a/../../b",
        "\\..\\x",
    ];
    for abs in ["/abs", "/etc/x"] {
        assert!(
            !Path::new(abs).exists(),
            "{abs} exists before the test; cannot check"
        );
    }
    // A cache under XDG_CACHE_HOME would be fair; anything else outside is not.
    let skip = [env.journal.clone(), env.xdg_cache.clone()];
    let outside_before = tree(&env.root, &skip);
    let mut stems = BTreeSet::new();

    for title in hostile {
        let entry = env.log(&[title]);
        let stem = crate::common::stem(&entry);
        assert_eq!(
            entry.parent().unwrap(),
            Path::new("entries/2026/11"),
            "{title:?} landed at {}",
            entry.display()
        );
        let slug = stem.strip_prefix("2026-11-22-1432-").expect("date prefix");
        assert!(
            !slug.is_empty()
                && !slug.contains("..")
                && slug
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "unsafe slug {slug:?} for title {title:?}"
        );
        let shown = env.json(&["show", &stem], &[]);
        assert_eq!(shown["title"], *title, "the title must be kept as typed");
        stems.insert(stem);
    }
    assert_eq!(stems.len(), hostile.len());

    for abs in ["/abs", "/etc/x"] {
        assert!(!Path::new(abs).exists(), "wol created {abs}");
    }
    assert_eq!(
        tree(&env.root, &skip),
        outside_before,
        "wol created files outside the journal"
    );
    let top: BTreeSet<PathBuf> = fs::read_dir(&env.journal)
        .unwrap()
        .map(|e| PathBuf::from(e.unwrap().file_name()))
        .collect();
    let allowed: BTreeSet<PathBuf> = [".git", ".gitignore", ".wol", "entries", "wol.toml"]
        .iter()
        .map(PathBuf::from)
        .collect();
    assert!(
        top.is_subset(&allowed),
        "unexpected files in the journal: {top:?}"
    );
    let files = env.entry_files();
    assert_eq!(files.len(), hostile.len());
    assert!(
        files
            .iter()
            .all(|f| f.parent() == Some(Path::new("entries/2026/11"))),
        "{files:?}"
    );
    env.assert_consistent();
}

#[test]
fn ten_megabyte_message_from_stdin() {
    let env = TestEnv::new();
    env.init_journal();
    let mut body = String::with_capacity(11 << 20);
    let mut i = 0u32;
    while body.len() < 10 << 20 {
        body.push_str(&format!(
            "line {i:07} lorem ipsum dolor sit amet, consectetur elit\n"
        ));
        i += 1;
    }
    let out = env
        .wol_j()
        .args(["log", "-"])
        .write_stdin(format!("A very long entry\n\n{body}"))
        .output()
        .unwrap();
    let entry = env.entry_path_from(&out);
    let text = env.read(&entry);
    assert!(text.contains("title = \"A very long entry\"\n"));
    assert!(text.ends_with(&body), "the body was not stored in full");
    assert_eq!(env.commit_count(), 2);
    env.assert_consistent();
}

#[test]
fn journal_dir_that_is_not_a_journal() {
    let env = TestEnv::new();
    let plain = env.root.join("plain");
    fs::create_dir_all(&plain).unwrap();
    for args in [&["list"][..], &["log", "hello"][..]] {
        let out = fails_with(
            env.wol().arg("--journal").arg(&plain).args(args),
            1,
            "error:",
        );
        let err = stderr(&out);
        assert!(
            err.contains("wol init"),
            "the hint should say to run wol init:\n{err}"
        );
    }
    assert_eq!(
        fs::read_dir(&plain).unwrap().count(),
        0,
        "wol wrote into {}",
        plain.display()
    );

    // Also through WOL_DIR.
    fails_with(env.wol().env("WOL_DIR", &plain).arg("list"), 1, "wol init");
}

#[test]
fn journal_dir_with_wol_toml_but_no_git() {
    let env = TestEnv::new();
    env.write("wol.toml", "default_visibility = \"public\"\n");
    let err = env.fails(&["log", "hello"], "not a git repository");
    assert!(err.contains("wol init"), "{err}");
    assert!(!env.journal.join(".git").exists());
    assert!(!env.journal.join("entries").exists());
}

#[test]
fn detached_head_refuses_writes_but_reads_work() {
    let env = TestEnv::new();
    env.init_journal();
    let entry = env.log(&["Before detaching"]);
    env.git(["checkout", "-q", "--detach"]);
    let head = env.git(["rev-parse", "HEAD"]);

    env.fails(&["log", "While detached"], "git switch");
    assert_eq!(env.git(["rev-parse", "HEAD"]), head);
    assert_eq!(
        env.entry_files(),
        vec![entry.clone()],
        "nothing may be written"
    );
    env.git_status_clean();

    env.fake_editor(r#"echo changed >> "$1""#);
    let out = env
        .wol_j()
        .args(["edit", &crate::common::stem(&entry)])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "edit while detached: {}",
        stderr(&out)
    );
    let out = env
        .wol_j()
        .args(["rm", "--yes", &crate::common::stem(&entry)])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "rm while detached: {}",
        stderr(&out)
    );
    assert!(env.journal.join(&entry).is_file());
    assert_eq!(env.git(["rev-parse", "HEAD"]), head);
    env.git_status_clean();

    let out = env.wol_j().arg("list").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&crate::common::stem(&entry)));
}

#[test]
fn unknown_key_in_wol_toml_names_key_and_file() {
    let env = TestEnv::new();
    env.init_journal();
    let mut toml = env.read("wol.toml");
    toml.push_str("colour = \"red\"\n");
    env.write("wol.toml", toml);
    for args in [&["list"][..], &["log", "hello"][..]] {
        let err = env.fails(args, "colour");
        assert!(
            err.contains("wol.toml"),
            "the error should name the file:\n{err}"
        );
    }
    assert!(env.entry_files().is_empty());
}

#[test]
fn unknown_key_in_user_config_names_key_and_file() {
    let env = TestEnv::new();
    env.init_journal();
    env.user_config("jurnal = \"/tmp/typo\"\n");
    let err = env.fails(&["list"], "jurnal");
    assert!(err.contains("config.toml"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let env = TestEnv::new();
    env.init_journal();
    for args in [
        &["log", "--no-such-flag", "x"][..],
        &["list", "-n", "many"][..],
        &["frobnicate"][..],
        &["show"][..],
    ] {
        let out = env.wol_j().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    assert_eq!(env.commit_count(), 1);
}

#[test]
fn optional_fields_and_utc_dates_are_valid() {
    let env = TestEnv::new();
    env.init_journal();
    env.write(
        "entries/2026/11/2026-11-10-0900-utc-entry.md",
        "+++\ntitle = \"UTC entry\"\ndate = 2026-11-10T09:00:00Z\nkind = \"help\"\n\
         tags = [\"x\"]\nvisibility = \"partners\"\nauthor = \"Hand\"\nto = [\"gig\"]\n\
         id = \"stable-id-1\"\n+++\n\nbody\n",
    );
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "hand entry"]);
    let out = env.wol_j().args(["list", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "",
        "optional `to` and `id` and a Z offset are valid"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["to"], serde_json::json!(["gig"]));
}
