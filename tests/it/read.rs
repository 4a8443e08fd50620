//! The reading commands: `wol list`, `wol search`, `wol show`, their filters and
//! `--json`, and a closed pipe.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use crate::common::{TestEnv, entry_text, fails_with, ids, stderr, stdout, stem, wait_for};

const GUIDE: &str = "2026-11-02-0900-wrote-the-onboarding-guide";
const CLAP: &str = "2026-11-10-1000-learned-about-clap-derive";
const LOOMIO: &str = "2026-11-15-1130-need-a-loomio-expert";
const TOML: &str = "2026-11-20-1600-chose-toml-for-front-matter";
const THANKS: &str = "2026-11-22-1400-thanks-to-the-gig-crew";

/// A journal of five entries over three weeks, logged through `wol log`.
fn seeded() -> TestEnv {
    let env = TestEnv::new();
    env.init_journal();
    let entries: [(&str, &str, &[&str], &str); 5] = [
        (
            "Alice Example",
            "2026-11-02 09:00",
            &[
                "-k",
                "progress",
                "-t",
                "docs",
                "--title",
                "Wrote the onboarding guide",
            ],
            "People skip long docs; a Checklist works better.",
        ),
        (
            "Bob Builder",
            "2026-11-10 10:00",
            &["-k", "learning", "-t", "rust", "-t", "cli", "--private"],
            "Learned about clap derive\n\nThe derive API keeps help text next to the fields.",
        ),
        (
            "Alice Example",
            "2026-11-15 11:30",
            &["-k", "help", "-t", "loomio", "--partners", "--to", "gig"],
            "Need a Loomio expert\n\nSomeone who has run a Loomio vote for 200+ members.",
        ),
        (
            "Carol Chen",
            "2026-11-20 16:00",
            &["-k", "decision", "-t", "docs"],
            "Chose TOML for front matter\n\nZola and Hugo both use it.",
        ),
        (
            "Bob Builder",
            "2026-11-22 14:00",
            &["-k", "credit", "-t", "docs", "-t", "community"],
            "Thanks to the GIG crew\n\nThey reviewed the Guide.",
        ),
    ];
    for (author, date, flags, message) in entries {
        let out = env
            .wol_j()
            .env("WOL_AUTHOR", author)
            .args(["log", "--date", date])
            .args(flags)
            .arg("--")
            .arg(message)
            .output()
            .unwrap();
        env.entry_path_from(&out);
    }
    let mut stems: Vec<String> = env
        .entry_files()
        .iter()
        .map(|p| crate::common::stem(p))
        .collect();
    stems.sort();
    assert_eq!(
        stems,
        vec![GUIDE, CLAP, LOOMIO, TOML, THANKS],
        "seed journal"
    );
    env
}

#[test]
fn list_newest_first_as_text() {
    let env = seeded();
    let out = env.wol_j().arg("list").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "nothing on stderr for a clean journal");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    let firsts: Vec<&str> = lines
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(firsts, vec![THANKS, TOML, LOOMIO, CLAP, GUIDE]);
    // `<id>  <kind>  <title>  #tag1 #tag2`, columns separated by 2+ spaces.
    let cols: Vec<&str> = lines[0]
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cols,
        vec![
            THANKS,
            "credit",
            "Thanks to the GIG crew",
            "#docs #community"
        ],
        "{}",
        lines[0]
    );
}

#[test]
fn list_limit() {
    let env = seeded();
    assert_eq!(env.list_ids(&["-n", "2"]), vec![THANKS, TOML]);
    let out = env.wol_j().args(["list", "-n", "1"]).output().unwrap();
    assert_eq!(stdout(&out).lines().count(), 1);
}

#[test]
fn list_by_kind_and_tag() {
    let env = seeded();
    assert_eq!(env.list_ids(&["--kind", "decision"]), vec![TOML]);
    assert_eq!(env.list_ids(&["--tag", "docs"]), vec![THANKS, TOML, GUIDE]);
    assert_eq!(
        env.list_ids(&["--tag", "rust", "--tag", "loomio"]),
        vec![LOOMIO, CLAP]
    );
    assert_eq!(
        env.list_ids(&["--tag", "docs", "--kind", "credit"]),
        vec![THANKS]
    );
    assert_eq!(env.list_ids(&["--tag", "nope"]), Vec::<String>::new());
}

#[test]
fn list_by_date() {
    let env = seeded();
    assert_eq!(
        env.list_ids(&["--since", "2026-11-15"]),
        vec![THANKS, TOML, LOOMIO]
    );
    assert_eq!(env.list_ids(&["--until", "2026-11-10"]), vec![CLAP, GUIDE]);
    assert_eq!(env.list_ids(&["--on", "2026-11-20"]), vec![TOML]);
    assert_eq!(
        env.list_ids(&["--since", "2026-11-10", "--until", "2026-11-15"]),
        vec![LOOMIO, CLAP]
    );
    // Natural language, relative to WOL_NOW (Sunday 2026-11-22).
    assert_eq!(env.list_ids(&["--since", "yesterday"]), vec![THANKS]);
    assert_eq!(env.list_ids(&["--on", "yesterday"]), Vec::<String>::new());
    assert_eq!(env.list_ids(&["--on", "today"]), vec![THANKS]);
}

/// A weekday alone is the last one on or before today (WOL_NOW is Sunday 2026-11-22),
/// not the coming one, for every date a reading command takes.
#[test]
fn a_weekday_alone_is_the_last_one_on_or_before_today() {
    let env = seeded();
    assert_eq!(env.list_ids(&["--since", "friday"]), vec![THANKS, TOML]);
    assert_eq!(env.list_ids(&["--since", "Fri"]), vec![THANKS, TOML]);
    assert_eq!(env.list_ids(&["--on", "friday"]), vec![TOML]);
    assert_eq!(env.list_ids(&["--since", "monday"]), vec![THANKS, TOML]);
    assert_eq!(env.list_ids(&["--until", "mon"]), vec![LOOMIO, CLAP, GUIDE]);
    // Today is a Sunday: "sunday" is today.
    assert_eq!(env.list_ids(&["--on", "sunday"]), vec![THANKS]);
    // The explicit forms keep their meaning.
    assert_eq!(env.list_ids(&["--on", "last friday"]), vec![TOML]);
    assert_eq!(
        env.list_ids(&["--since", "next friday"]),
        Vec::<String>::new()
    );
    let search = |args: &[&str]| ids(&env.json(&["search"], args));
    assert_eq!(search(&["docs", "--since", "friday"]), vec![THANKS, TOML]);
}

#[test]
fn list_by_author_and_visibility() {
    let env = seeded();
    assert_eq!(env.list_ids(&["--author", "alice"]), vec![LOOMIO, GUIDE]);
    assert_eq!(env.list_ids(&["--author", "BOB"]), vec![THANKS, CLAP]);
    assert_eq!(env.list_ids(&["--visibility", "private"]), vec![CLAP]);
    assert_eq!(env.list_ids(&["--visibility", "partners"]), vec![LOOMIO]);
    assert_eq!(
        env.list_ids(&["--visibility", "public"]),
        vec![THANKS, TOML, GUIDE]
    );
}

#[test]
fn list_json_has_every_field() {
    let env = seeded();
    let list = env.json(&["list"], &[]);
    assert_eq!(ids(&list), vec![THANKS, TOML, LOOMIO, CLAP, GUIDE]);
    let e = &list[2];
    assert_eq!(e["id"], LOOMIO);
    assert_eq!(e["path"], format!("entries/2026/11/{LOOMIO}.md"));
    assert_eq!(e["title"], "Need a Loomio expert");
    assert_eq!(e["date"], "2026-11-15T11:30:00+01:00");
    assert_eq!(e["kind"], "help");
    assert_eq!(e["tags"], serde_json::json!(["loomio"]));
    assert_eq!(e["visibility"], "partners");
    assert_eq!(e["author"], "Alice Example");
    assert_eq!(e["to"], serde_json::json!(["gig"]));
    assert_eq!(
        e["body"].as_str().unwrap().trim(),
        "Someone who has run a Loomio vote for 200+ members."
    );
    // The global flag also works before the subcommand.
    let out = env
        .wol_j()
        .args(["--json", "list", "-n", "1"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids(&v), vec![THANKS]);
}

#[test]
fn search_is_case_insensitive_over_body_and_title() {
    let env = seeded();
    let search = |args: &[&str]| ids(&env.json(&["search"], args));
    assert_eq!(search(&["checklist"]), vec![GUIDE], "body text");
    assert_eq!(search(&["LOOMIO"]), vec![LOOMIO]);
    assert_eq!(search(&["chose toml"]), vec![TOML], "title");
    assert_eq!(search(&["guide"]), vec![THANKS, GUIDE]);
    assert_eq!(search(&["carol"]), vec![TOML], "front matter (author)");

    let out = env.wol_j().args(["search", "checklist"]).output().unwrap();
    assert!(out.status.success());
    assert!(
        stdout(&out).starts_with(GUIDE),
        "text output like list:\n{}",
        stdout(&out)
    );
}

/// A mistyped kind is refused by every command that filters by kind, as `wol log`
/// refuses it, instead of reading as "no such entries".
#[test]
fn a_kind_that_is_not_the_journals_is_refused_by_every_reader() {
    let env = seeded();
    let export_dir = env.root.join("export");
    for args in [
        &["list", "--kind", "lerning"][..],
        &["list", "-n", "3", "--kind", "learning", "--kind", "lerning"],
        &["search", "clap", "--kind", "lerning"],
        &["export", "--format", "json", "-", "--kind", "lerning"],
        &[
            "export",
            "--format",
            "markdown",
            export_dir.to_str().unwrap(),
            "--kind",
            "lerning",
        ],
        &["log", "-k", "lerning", "A typo"],
    ] {
        let out = fails_with(env.wol_j().args(args), 1, "unknown kind `lerning`");
        let err = stderr(&out);
        assert!(
            err.contains("hint: use one of: progress, learning, help, decision, credit"),
            "{args:?}: say which kinds there are:\n{err}"
        );
        assert_eq!(stdout(&out), "", "{args:?}");
    }
    assert!(
        !export_dir.exists(),
        "export wrote a folder for a mistyped kind"
    );
    // The journal's own kinds still filter.
    assert_eq!(env.list_ids(&["--kind", "learning"]), vec![CLAP]);
}

#[test]
fn search_with_filters() {
    let env = seeded();
    let search = |args: &[&str]| ids(&env.json(&["search"], args));
    assert_eq!(search(&["guide", "--kind", "credit"]), vec![THANKS]);
    assert_eq!(
        search(&["docs", "--since", "2026-11-15"]),
        vec![THANKS, TOML]
    );
    assert_eq!(search(&["docs", "-n", "1"]), vec![THANKS]);
    // No hit: `[]` and exit 1, as grep and rg do (tests/it/conventions.rs).
    env.wol_j()
        .args(["search", "loomio", "--author", "bob", "--json"])
        .assert()
        .code(1)
        .stdout("[]\n");
}

/// Text is found however the author's system wrote it: an accent decomposed (as macOS
/// writes it) by a query typed composed and the other way round, in any case; a phrase
/// hard-wrapped over lines by the words with a space between them.
#[test]
fn search_finds_decomposed_accents_and_wrapped_phrases() {
    let env = TestEnv::new();
    env.init_journal();
    let log = |date: &str, title: &str, body: &str| {
        stem(&env.log(&["--date", date, "--title", title, "--", body]))
    };
    let decomposed = log(
        "2026-11-20 10:00",
        "Decomposed",
        "Visited the cafe\u{301} downtown.",
    );
    let composed = log(
        "2026-11-19 10:00",
        "Composed",
        "Another caf\u{e9} at night.",
    );
    let wrapped = log(
        "2026-11-18 10:00",
        "Wrapped",
        "We ran the Loomio\nvote yesterday,\r\nthen the  second\n\n  round.",
    );
    let search = |query: &str| ids(&env.json(&["search"], &[query]));
    for query in ["caf\u{e9}", "cafe\u{301}", "CAF\u{c9}", "CAFE\u{301}"] {
        assert_eq!(
            search(query),
            [decomposed.as_str(), composed.as_str()],
            "{query:?}"
        );
    }
    assert_eq!(search("caf\u{e9} downtown"), [decomposed.as_str()]);
    for query in [
        "loomio vote",
        "LOOMIO   VOTE",
        "loomio\nvote",
        "yesterday, then",
        "second round",
    ] {
        assert_eq!(search(query), [wrapped.as_str()], "{query:?}");
    }
    // A space still asks for whitespace, and `cafe` is not `café`.
    for query in ["loomiovote", "cafe downtown"] {
        env.wol_j()
            .args(["search", query])
            .assert()
            .code(1)
            .stdout("");
    }
}

#[test]
fn search_without_match_prints_nothing_and_exits_1() {
    let env = seeded();
    env.wol_j()
        .args(["search", "zzzyzzy"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
}

#[test]
fn show_by_id_prefix_and_path() {
    let env = seeded();
    let rel = format!("entries/2026/11/{TOML}.md");
    let stored = env.read(&rel);

    env.wol_j()
        .args(["show", TOML])
        .assert()
        .success()
        .stdout(stored.clone());
    env.wol_j()
        .args(["show", "2026-11-20"])
        .assert()
        .success()
        .stdout(stored.clone());
    env.wol_j()
        .arg("show")
        .arg(env.journal.join(&rel))
        .assert()
        .success()
        .stdout(stored.clone());
    // A path relative to the cwd, inside the journal.
    env.wol()
        .current_dir(&env.journal)
        .args(["show", &rel])
        .assert()
        .success()
        .stdout(stored.clone());

    let json = env.json(&["show", TOML], &[]);
    assert_eq!(json["id"], TOML);
    assert_eq!(json["author"], "Carol Chen");
}

#[test]
fn show_ambiguous_prefix_lists_candidates() {
    let env = seeded();
    let out = fails_with(env.wol_j().args(["show", "2026-11-2"]), 2, "is ambiguous");
    let err = stderr(&out);
    for id in [TOML, THANKS] {
        assert!(
            err.contains(&format!("entries/2026/11/{id}.md")),
            "candidates not listed:\n{err}"
        );
    }
    assert_eq!(stdout(&out), "");
}

/// Hand-made `notes.md` in two months, and two entries with one `id` field: `show`,
/// `edit` and `rm` refuse the id as a usage error listing both paths, and change
/// nothing; a path names either entry.
#[test]
fn an_id_two_entries_share_is_refused_with_their_paths() {
    let env = TestEnv::new();
    env.init_journal();
    let text = |title: &str, date: &str, id: &str| {
        format!(
            "+++\ntitle = \"{title}\"\ndate = {date}\nkind = \"progress\"\n{id}+++\n\nbody of {title}\n"
        )
    };
    let oct = "entries/2026/10/notes.md";
    let nov = "entries/2026/11/notes.md";
    env.write(oct, text("October notes", "2026-10-10T10:00:00+01:00", ""));
    env.write(nov, text("November notes", "2026-11-10T10:00:00+01:00", ""));
    let copied = "id = \"2026-09-01-0900-copied\"\n";
    env.write(
        "entries/2026/09/2026-09-01-0900-one.md",
        text("One", "2026-09-01T09:00:00+02:00", copied),
    );
    env.write(
        "entries/2026/09/2026-09-02-0900-two.md",
        text("Two", "2026-09-02T09:00:00+02:00", copied),
    );
    env.git(["add", "-A"]);
    env.git(["commit", "-qm", "by hand"]);
    let commits = env.commit_count();
    env.fake_editor(r#"echo edited >> "$1""#);
    for (id, paths) in [
        ("notes", [nov, oct]),
        ("notes.md", [nov, oct]),
        (
            "2026-09-01-0900-copied",
            [
                "entries/2026/09/2026-09-02-0900-two.md",
                "entries/2026/09/2026-09-01-0900-one.md",
            ],
        ),
    ] {
        for cmd in [&["show"][..], &["edit"], &["rm", "--yes"]] {
            let out = fails_with(env.wol_j().args(cmd).arg(id), 2, "is ambiguous");
            let err = stderr(&out);
            for path in paths {
                assert!(
                    err.contains(path),
                    "{cmd:?} {id}: {path} not listed:\n{err}"
                );
            }
            assert_eq!(stdout(&out), "", "{cmd:?} {id}");
        }
    }
    assert_eq!(env.commit_count(), commits);
    env.git_status_clean();
    assert!(env.read(oct).ends_with("body of October notes\n"));
    // A path is one entry.
    env.wol_j()
        .args(["show", oct])
        .assert()
        .success()
        .stdout(env.read(oct));
    env.wol_j()
        .args(["show", nov])
        .assert()
        .success()
        .stdout(env.read(nov));
}

#[test]
fn show_unknown_fails() {
    let env = seeded();
    env.fails(&["show", "no-such-entry"], "error:");
}

#[test]
fn reading_an_empty_journal() {
    let env = TestEnv::new();
    env.init_journal();
    env.wol_j().arg("list").assert().success().stdout("");
    let v = env.json(&["list"], &[]);
    assert_eq!(v, serde_json::json!([]));
}

#[test]
fn broken_pipe_is_not_an_error() {
    let env = TestEnv::new();
    env.init_journal();
    // Enough entries that `wol list` fills the pipe buffer long before it ends.
    for i in 0..3000u32 {
        let (day, minute) = (1 + i / 200, i % 200);
        let (hh, mm) = (8 + minute / 60, minute % 60);
        let title = format!("Entry number {i} with a reasonably long title to fill the pipe");
        let slug = format!("entry-number-{i}-with-a-reasonably-long-title-to-fill-the-pipe");
        let stem = format!("2026-11-{day:02}-{hh:02}{mm:02}-{slug}");
        let date = format!("2026-11-{day:02}T{hh:02}:{mm:02}:00+01:00");
        env.write(
            format!("entries/2026/11/{stem}.md"),
            entry_text(
                &title,
                &date,
                "progress",
                &["bulk"],
                "public",
                "Hand Writer",
                "Body.\n",
            ),
        );
    }
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "bulk entries"]);

    let mut child = env
        .wol_std()
        .arg("--journal")
        .arg(&env.journal)
        .arg("list")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        err_pipe.read_to_string(&mut s).ok();
        s
    });
    {
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        assert!(first.starts_with("2026-11-15-"), "newest first: {first:?}");
    } // `head -1` exits: the read end closes.

    let exited = wait_for(Duration::from_secs(60), || {
        matches!(child.try_wait(), Ok(Some(_)))
    });
    if !exited {
        child.kill().ok();
    }
    let status = child.wait().unwrap();
    let err = err_reader.join().unwrap();
    assert!(exited, "wol list hung after its reader went away");
    assert!(
        !err.contains("panicked"),
        "wol panicked on a closed pipe:\n{err}"
    );
    assert!(
        !err.to_lowercase().contains("error"),
        "a closed pipe is not an error:\n{err}"
    );
    assert!(
        status.success() || status.signal() == Some(libc_sigpipe()),
        "exit status {status} on a closed pipe; stderr:\n{err}"
    );
}

/// SIGPIPE's number on Linux and the BSDs.
fn libc_sigpipe() -> i32 {
    13
}

#[test]
fn reads_change_nothing() {
    // Reads never commit nor touch tracked files.
    let env = seeded();
    let before = env.git(["rev-parse", "HEAD"]);
    env.wol_j().arg("list").assert().success();
    env.wol_j().args(["search", "docs"]).assert().success();
    env.wol_j().args(["show", GUIDE]).assert().success();
    assert_eq!(env.git(["rev-parse", "HEAD"]), before);
    env.git_status_clean();
    assert!(fs::metadata(env.journal.join("wol.toml")).is_ok());
}

#[test]
fn search_query_is_literal_text() {
    let env = seeded();
    for q in ["[docs", "200+", "(", "a.*b", "\\"] {
        let out = env.wol_j().args(["search", q]).output().unwrap();
        // 0 with hits, 1 without (never 2: the query is text, not a pattern).
        assert!(
            matches!(out.status.code(), Some(0 | 1)) && out.stderr.is_empty(),
            "search {q:?}: {}",
            stderr(&out)
        );
    }
    assert_eq!(ids(&env.json(&["search"], &["200+ members"])), vec![LOOMIO]);
    env.wol_j()
        .args(["search", "a.*b", "--json"])
        .assert()
        .code(1)
        .stdout("[]\n");
}

#[test]
fn bad_filter_date_is_an_error() {
    let env = seeded();
    let out = env
        .wol_j()
        .args(["list", "--since", "the twelfth of never"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(1) | Some(2)),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("error"), "{}", stderr(&out));
}

#[test]
fn stray_files_under_entries_do_not_break_reading() {
    let env = seeded();
    env.write(
        "entries/2026/11/.DS_Store",
        b"\x00\x01binary\xff".as_slice(),
    );
    env.write("entries/README.txt", "notes about the folder\n");
    fs::create_dir_all(env.journal.join("entries/2026/12")).unwrap();
    let out = env.wol_j().arg("list").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 5);
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn crlf_entry_written_on_windows_is_read() {
    let env = seeded();
    let text = entry_text(
        "Written on Windows",
        "2026-11-21T10:00:00+01:00",
        "progress",
        &["windows"],
        "public",
        "Win User",
        "Line one.\nLine two.\n",
    )
    .replace('\n', "\r\n");
    env.write(
        "entries/2026/11/2026-11-21-1000-written-on-windows.md",
        text,
    );
    let out = env
        .wol_j()
        .args(["list", "--json", "--tag", "windows"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "a CRLF entry is a valid entry");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids(&v), vec!["2026-11-21-1000-written-on-windows"]);
    assert_eq!(v[0]["title"], "Written on Windows");
}
