//! What reaches the terminal: a closed stdout (`wol … | head -1`) is a quiet success for
//! every command that prints data; entry text (titles, tags, bodies, followed logs'
//! fields) never carries control characters or bidi overrides to the terminal; and a
//! typed date names one real instant or is an error.

use std::fs;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Output, Stdio};

use crate::common::{TestEnv, entry_text, fails_with, stderr, stdout};

/// A journal of 400 committed entries, each with a long title and a body holding
/// "needle": every listing below is far larger than a pipe's 64 KiB buffer.
fn big_journal() -> TestEnv {
    let env = TestEnv::new();
    env.init_journal();
    let long = "about the onboarding guide and the checklist that replaced it ".repeat(2);
    let body = format!("{}\n", "A needle in the body of a long entry. ".repeat(8));
    for i in 0..400 {
        let (day, hour, minute) = (1 + i / 200, (i % 200) / 60, i % 60);
        let date = format!("2026-11-{day:02}T{hour:02}:{minute:02}:00+01:00");
        let rel = format!("entries/2026/11/2026-11-{day:02}-{hour:02}{minute:02}-entry-{i}.md");
        let title = format!("Entry {i} {long}");
        env.write(
            rel,
            entry_text(
                &title,
                &date,
                "progress",
                &["onboarding", "docs"],
                "public",
                "Test Author",
                &body,
            ),
        );
    }
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "400 entries"]);
    env.git_status_clean();
    env
}

/// Runs `wol --journal J ARGS` with stdout a pipe that is closed early: at once, or (like
/// `head -1`) after the first line. Returns the exit status and stderr.
fn run_into_closed_pipe(env: &TestEnv, args: &[&str], read_a_line_first: bool) -> Output {
    let mut child = env
        .wol_std()
        .arg("--journal")
        .arg(&env.journal)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wol");
    let out = child.stdout.take().expect("piped stdout");
    if read_a_line_first {
        let mut line = String::new();
        BufReader::new(out)
            .read_line(&mut line)
            .expect("read a line");
        assert!(!line.is_empty(), "wol {args:?} printed nothing");
    } else {
        drop(out);
    }
    child.wait_with_output().expect("wait for wol")
}

#[test]
fn a_closed_stdout_is_a_quiet_success_for_every_printing_command() {
    let env = big_journal();
    let commands: &[&[&str]] = &[
        &["completions", "bash"],
        &["completions", "zsh"],
        &["completions", "fish"],
        &["completions", "elvish"],
        &["completions", "powershell"],
        &["man"],
        &["list", "--json"],
        &["list"],
        &["search", "--json", "needle"],
        &["search", "needle"],
        &["export", "--format", "json", "-"],
        &["export", "--format", "markdown", "-"],
        &["doctor", "--json"],
    ];
    for args in commands {
        for read_a_line_first in [false, true] {
            let out = run_into_closed_pipe(&env, args, read_a_line_first);
            assert!(
                out.status.success() && out.stderr.is_empty(),
                "wol {args:?} into a pipe closed {}: {}\nstderr:\n{}",
                if read_a_line_first {
                    "after one line"
                } else {
                    "at once"
                },
                out.status,
                stderr(&out)
            );
        }
    }
}

/// Fails unless `text` is safe on a terminal: no control character but a line end
/// (`\n`, or `\r\n`) or a tab, no bidi control.
#[track_caller]
fn assert_terminal_safe(text: &str, what: &str) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let layout = c == '\n' || c == '\t' || (c == '\r' && chars.peek() == Some(&'\n'));
        let bidi = matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        );
        assert!(
            layout || !(c.is_control() || bidi),
            "{what} prints {c:?} raw:\n{text:?}"
        );
    }
}

/// The title of [`evil_file`] as parsed: ESC, BEL, CR and a right-to-left override, each
/// of which can rewrite what a terminal shows.
const EVIL_TITLE: &str = "Evil \x1b[31mred\x07 bell\r cr \u{202e}gnp.exe";
const EVIL_ID: &str = "2026-11-20-1000-evil";

/// An entry whose title, tags and body hold control and bidi characters.
fn evil_file() -> String {
    // By hand: TOML wants `\u001B`, not the `\u{1b}` of Rust's `{:?}`.
    "+++\n\
     title = \"Evil \\u001B[31mred\\u0007 bell\\r cr \u{202e}gnp.exe\"\n\
     date = 2026-11-20T10:00:00+01:00\n\
     kind = \"progress\"\n\
     tags = [\"clear\\u001B[2J\", \"rtl\u{2066}x\u{2069}\", \"mark\u{200f}\u{061c}\"]\n\
     visibility = \"public\"\n\
     author = \"Test Author\"\n\
     +++\n\
     \n\
     First line\n\
     \tindented, and a CRLF line end\r\n\
     ESC \x1b[2J BEL \x07 CR \rover RLO \u{202e}x LRE \u{202a}y\n"
        .to_string()
}

fn evil_journal() -> TestEnv {
    let env = TestEnv::new();
    env.init_journal();
    env.write(format!("entries/2026/11/{EVIL_ID}.md"), evil_file());
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "an evil entry"]);
    env
}

#[track_caller]
fn ok_stdout(env: &TestEnv, args: &[&str]) -> String {
    let out = env.wol_j().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "wol {args:?} failed: {}",
        stderr(&out)
    );
    assert_terminal_safe(&stderr(&out), &format!("stderr of wol {args:?}"));
    stdout(&out)
}

#[test]
fn list_search_and_digest_escape_control_and_bidi_characters() {
    let env = evil_journal();
    for args in [
        &["list"][..],
        &["search", "evil"],
        &["digest", "--week", "2026-W47"],
        &["digest", "--week", "2026-W47", "--format", "text"],
    ] {
        let out = ok_stdout(&env, args);
        assert_terminal_safe(&out, &format!("wol {args:?}"));
        // The digest's Markdown escapes `[` and folds the CR: only the escapes are sure.
        assert!(
            out.contains("Evil \\u{1b}") && out.contains("\\u{202e}gnp.exe"),
            "wol {args:?} shows no escaped title:\n{out}"
        );
    }
    let listed = ok_stdout(&env, &["list"]);
    assert!(
        listed.contains("Evil \\u{1b}[31mred\\u{7} bell\\u{d} cr \\u{202e}gnp.exe"),
        "{listed}"
    );
    assert!(
        listed.contains("#clear\\u{1b}[2J #rtl\\u{2066}x\\u{2069} #mark\\u{200f}\\u{61c}"),
        "{listed}"
    );

    // JSON keeps the text as it is: serde escapes the control characters itself.
    let json = env.json(&["list"], &[]);
    assert_eq!(json[0]["title"], EVIL_TITLE);
    assert_eq!(json[0]["tags"][0], "clear\x1b[2J");
}

#[test]
fn show_escapes_control_characters_but_keeps_lines_and_tabs() {
    let env = evil_journal();
    let out = ok_stdout(&env, &["show", EVIL_ID]);
    assert_terminal_safe(&out, "wol show");
    let stored = evil_file();
    // The front matter's own escapes are plain text; the raw bidi characters are not.
    assert!(
        out.starts_with(
            "+++\ntitle = \"Evil \\u001B[31mred\\u0007 bell\\r cr \\u{202e}gnp.exe\"\n"
        ),
        "{out}"
    );
    assert!(
        out.ends_with(
            "\nFirst line\n\tindented, and a CRLF line end\r\n\
             ESC \\u{1b}[2J BEL \\u{7} CR \\u{d}over RLO \\u{202e}x LRE \\u{202a}y\n"
        ),
        "{out}"
    );
    assert_eq!(out.lines().count(), stored.lines().count());

    // A clean entry is shown byte for byte.
    let clean = env.log(&["A plain entry", "-t", "docs"]);
    assert_eq!(
        ok_stdout(&env, &["show", &crate::common::stem(&clean)]),
        env.read(&clean)
    );
}

#[test]
fn doctor_warnings_and_errors_escape_the_entry_text_they_quote() {
    let env = TestEnv::new();
    env.init_journal();
    // An unknown kind: every reader quotes it in the reason the file is skipped.
    let rel = "entries/2026/11/2026-11-21-0900-bad-kind.md";
    env.write(
        rel,
        "+++\ntitle = \"Bad kind\"\ndate = 2026-11-21T09:00:00+01:00\n\
         kind = \"x\\u001B]0;pwned\\u0007\u{202e}\"\n+++\n\nbody\n",
    );
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "a bad kind"]);

    let out = env.wol_j().arg("doctor").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_terminal_safe(&stdout(&out), "wol doctor");
    assert!(
        stdout(&out).contains("x\\u{1b}]0;pwned\\u{7}\\u{202e}"),
        "{}",
        stdout(&out)
    );

    let out = env.wol_j().arg("list").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_terminal_safe(&stderr(&out), "the warning of wol list");
    assert!(stderr(&out).contains("bad-kind.md"), "{}", stderr(&out));

    // An error that quotes what was typed.
    let err = env.fails(
        &["log", "--kind", "bad\x1b[2J\u{202e}", "Title"],
        "unknown kind",
    );
    assert_terminal_safe(&err, "the error of wol log");
}

#[test]
fn feed_publish_and_import_escape_the_text_of_others() {
    let env = TestEnv::new();
    // A partner log whose entry has bidi controls in its title and tags (their `wol
    // follow` side drops control characters, not these).
    let gig = env.root.join("gig-journal");
    env.wol().arg("init").arg(&gig).assert().success();
    let evil = evil_file();
    fs::create_dir_all(gig.join("entries/2026/11")).unwrap();
    fs::write(gig.join(format!("entries/2026/11/{EVIL_ID}.md")), &evil).unwrap();
    env.git_in(&gig, ["add", "-A"]);
    env.git_in(&gig, ["commit", "-q", "-m", "an evil entry"]);
    let remotes = env.root.join("remotes");
    fs::create_dir_all(&remotes).unwrap();
    env.git_in(&remotes, ["init", "-q", "--bare", "-b", "main", "gig.git"]);
    let bare = remotes.join("gig.git");
    let gig_wol = |args: &[&str]| {
        let out = env.wol().arg("--journal").arg(&gig).args(args).output();
        out.unwrap()
    };
    let out = gig_wol(&["partner", "add", "everyone", bare.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = gig_wol(&["publish", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_terminal_safe(&stdout(&out), "wol publish --dry-run");
    assert!(
        stdout(&out).contains("\\u{202e}gnp.exe"),
        "{}",
        stdout(&out)
    );
    let out = gig_wol(&["publish", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));

    env.init_journal();
    for args in [&["follow", "gig", bare.to_str().unwrap()][..], &["pull"]] {
        env.wol_j().args(args).assert().success();
    }
    let feed = ok_stdout(&env, &["feed"]);
    assert_terminal_safe(&feed, "wol feed");
    assert!(
        feed.contains("cr \\u{202e}gnp.exe  #clear[2J #rtl\\u{2066}x\\u{2069}"),
        "{feed}"
    );

    // Importing someone's files prints their titles.
    let import = env.root.join("to-import");
    fs::create_dir_all(&import).unwrap();
    fs::write(import.join("evil.md"), &evil).unwrap();
    let out = ok_stdout(&env, &["import", "markdown", "--dry-run", path(&import)]);
    assert_terminal_safe(&out, "wol import --dry-run");
    assert!(out.contains("\\u{202e}gnp.exe"), "{out}");
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_clock_time_past_23_59_is_an_error_not_the_next_day() {
    let env = TestEnv::new();
    env.init_journal();
    for date in [
        "2026-01-01 25:00",
        "2026-01-01 23:60",
        "yesterday 24:00",
        "13pm",
    ] {
        let err = env.fails(&["log", "--date", date, "Too late"], "not a time of day");
        assert!(err.contains("hint:"), "--date {date:?}: {err}");
    }
    assert!(env.entry_files().is_empty(), "{:?}", env.entry_files());

    // interim alone reads "12pm" after a day as the next midnight.
    env.log(&["--date", "yesterday 12pm", "Lunch"]);
    env.log(&["--date", "2026-11-20 23:59", "Late"]);
    let json = env.json(&["list"], &[]);
    assert_eq!(json[0]["date"], "2026-11-21T12:00:00+01:00");
    assert_eq!(json[1]["date"], "2026-11-20T23:59:00+01:00");
}

#[test]
fn a_local_time_the_clocks_skip_is_an_error_and_a_repeated_one_is_the_first() {
    // The real clock and the local zone: Berlin's rule, spelled as a POSIX TZ string so
    // the test needs no tz database (summer time from the last Sunday of March, 02:00,
    // to the last Sunday of October, 03:00).
    let env = TestEnv::new().with_now(None);
    env.init_journal();
    let log = |date: &str| {
        let mut cmd = env.wol_j();
        cmd.env("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
            .args(["log", "--date", date, "Clock change"]);
        cmd
    };
    let err = stderr(&fails_with(
        &mut log("2026-03-29 02:30"),
        1,
        "2026-03-29 02:30 does not exist",
    ));
    assert!(
        err.contains("hint:") && err.contains("2026-03-29 03:30"),
        "{err}"
    );
    assert!(env.entry_files().is_empty(), "{:?}", env.entry_files());

    for (typed, stored) in [
        ("2026-03-29 01:30", "2026-03-29T01:30:00+01:00"),
        ("2026-03-29 03:30", "2026-03-29T03:30:00+02:00"),
        // 02:30 happens twice on 25 October: the first, still in summer time.
        ("2026-10-25 02:30", "2026-10-25T02:30:00+02:00"),
    ] {
        let out = log(typed).output().unwrap();
        let rel = env.entry_path_from(&out);
        let text = env.read(&rel);
        assert!(
            text.contains(&format!("date = {stored}\n")),
            "--date {typed:?}:\n{text}"
        );
    }
}
