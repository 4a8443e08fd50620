//! `wol log`: the entry file, its path, its commit, and every way to give it a
//! message (arguments, stdin, the editor).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use crate::common::{AUTHOR, TestEnv, draft_path_in, fails_with, stderr, stdout};

fn env() -> TestEnv {
    let env = TestEnv::new();
    env.init_journal();
    env
}

/// The `--json` entry object of one entry (via `wol show --json`).
#[track_caller]
fn shown(env: &TestEnv, entry: &std::path::Path) -> serde_json::Value {
    env.json(&["show", &crate::common::stem(entry)], &[])
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn simple_entry_path_content_and_commit() {
    let env = env();
    let out = env
        .wol_j()
        .args(["log", "-", "-t", "onboarding", "-t", "docs"])
        .write_stdin("Shipped the onboarding guide\n\nWrote the guide with the GIG crew.\n")
        .output()
        .unwrap();
    let entry = env.entry_path_from(&out);
    assert_eq!(
        entry,
        PathBuf::from("entries/2026/11/2026-11-22-1432-shipped-the-onboarding-guide.md")
    );
    assert_eq!(
        env.read(&entry),
        "+++\n\
         title = \"Shipped the onboarding guide\"\n\
         date = 2026-11-22T14:32:05+01:00\n\
         kind = \"progress\"\n\
         tags = [\"onboarding\", \"docs\"]\n\
         visibility = \"public\"\n\
         author = \"Test Author\"\n\
         +++\n\
         \n\
         Wrote the guide with the GIG crew.\n"
    );
    assert_eq!(env.commit_count(), 2);
    assert_eq!(
        env.head_subject(),
        "log(progress): Shipped the onboarding guide"
    );
    assert_eq!(env.head_author(), AUTHOR);
    // The commit holds exactly the one new file.
    assert_eq!(
        env.git(["show", "--name-status", "--format=", "HEAD"])
            .trim(),
        format!("A\t{}", entry.display())
    );
    env.assert_consistent();
}

#[test]
fn positional_words_are_joined_into_the_title() {
    let env = env();
    let entry = env.log(&["Fixed", "the", "build"]);
    assert_eq!(
        entry,
        PathBuf::from("entries/2026/11/2026-11-22-1432-fixed-the-build.md")
    );
    assert!(env.read(&entry).contains("title = \"Fixed the build\"\n"));
    assert_eq!(env.head_subject(), "log(progress): Fixed the build");
    env.assert_consistent();
}

#[test]
fn message_flag() {
    let env = env();
    let entry = env.log(&["-m", "Paired on the parser"]);
    assert!(
        env.read(&entry)
            .contains("title = \"Paired on the parser\"\n")
    );
    env.assert_consistent();
}

#[test]
fn author_comes_from_user_config_when_wol_author_is_unset() {
    let env = env().with_author(None);
    env.user_config("author = \"Config Person\"\n");
    let entry = env.log(&["Configured author"]);
    assert!(
        env.read(&entry).contains("author = \"Config Person\"\n"),
        "{}",
        env.read(&entry)
    );
    assert_eq!(env.head_author(), "Config Person");
}

#[test]
fn wol_author_beats_the_user_config() {
    let env = env();
    env.user_config("author = \"Config Person\"\n");
    let entry = env.log(&["Env author"]);
    assert!(env.read(&entry).contains(&format!("author = {AUTHOR:?}\n")));
    assert_eq!(env.head_author(), AUTHOR);
}

#[test]
fn author_defaults_to_git_user_name() {
    let env = env().with_author(None);
    env.git(["config", "user.name", "Repo User"]);
    env.git(["config", "user.email", "repo@example.invalid"]);
    let entry = env.log(&["Git author"]);
    assert!(
        env.read(&entry).contains("author = \"Repo User\"\n"),
        "{}",
        env.read(&entry)
    );
    assert_eq!(env.head_author(), "Repo User");
}

#[test]
fn kind_flag_sets_kind_and_commit_message() {
    let env = env();
    let entry = env.log(&["-k", "learning", "Borrow checker clicked"]);
    assert!(env.read(&entry).contains("kind = \"learning\"\n"));
    assert_eq!(env.head_subject(), "log(learning): Borrow checker clicked");
    let entry = env.log(&["--kind", "credit", "Thanks Ana"]);
    assert!(env.read(&entry).contains("kind = \"credit\"\n"));
    assert_eq!(env.head_subject(), "log(credit): Thanks Ana");
    env.assert_consistent();
}

#[test]
fn unknown_kind_is_refused_naming_the_allowed_kinds() {
    let env = env();
    let out = env
        .wol_j()
        .args(["log", "-k", "rant", "Grr"])
        .output()
        .unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(1) | Some(2)),
        "exit {code:?}, stderr:\n{}",
        stderr(&out)
    );
    let err = stderr(&out);
    for kind in crate::common::DEFAULT_KINDS {
        assert!(
            err.contains(kind),
            "the error should name the allowed kind {kind}:\n{err}"
        );
    }
    assert!(env.entry_files().is_empty());
    assert_eq!(env.commit_count(), 1);
}

#[test]
fn kinds_come_from_wol_toml() {
    let env = TestEnv::new();
    env.write(
        "wol.toml",
        "kinds = [\"progress\", \"til\"]\ndefault_visibility = \"public\"\n",
    );
    env.init_journal();
    let entry = env.log(&["-k", "til", "Today I learned"]);
    assert!(env.read(&entry).contains("kind = \"til\"\n"));
    assert_eq!(env.head_subject(), "log(til): Today I learned");

    let out = env
        .wol_j()
        .args(["log", "-k", "decision", "Not a kind here"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("til"),
        "allowed kinds not named:\n{}",
        stderr(&out)
    );
    assert_eq!(env.commit_count(), 2);
}

#[test]
fn tags_repeatable_and_hashtags_in_the_body() {
    let env = env();
    let entry = env.log(&[
        "-t",
        "rust",
        "--tag",
        "cli",
        "--title",
        "Parser work",
        "Worked on the #parser with #rust again.",
    ]);
    let tags = strings(&shown(&env, &entry)["tags"]);
    for tag in ["rust", "cli", "parser"] {
        assert!(
            tags.contains(&tag.to_owned()),
            "tag {tag} missing from {tags:?}"
        );
    }
    assert_eq!(
        tags.iter().filter(|t| *t == "rust").count(),
        1,
        "a tag given twice is stored once: {tags:?}"
    );
    assert_eq!(tags.len(), 3, "unexpected tags: {tags:?}");
    env.assert_consistent();
}

/// A `#` that is part of the title stays (only a Markdown heading's go); a byte-order
/// mark is no part of it; CRLF line ends are stored as LF.
#[test]
fn titles_keep_their_own_hash_and_lose_a_bom() {
    let env = env();
    let out = env
        .wol_j()
        .args(["log", "-"])
        .write_stdin("\u{feff}#1 priority: fix the build\r\nline a\r\nline b\r\n")
        .output()
        .unwrap();
    let entry = env.entry_path_from(&out);
    let json = shown(&env, &entry);
    assert_eq!(json["title"], "#1 priority: fix the build");
    assert_eq!(json["body"], "line a\nline b\n");
    env.assert_consistent();
}

#[test]
fn title_flag_keeps_the_whole_message_as_body() {
    let env = env();
    let entry = env.log(&["--title", "A proper title", "First line of the body"]);
    let text = env.read(&entry);
    assert!(text.contains("title = \"A proper title\"\n"), "{text}");
    assert!(text.ends_with("+++\n\nFirst line of the body\n"), "{text}");
    assert!(entry.to_str().unwrap().ends_with("-a-proper-title.md"));
    assert_eq!(env.head_subject(), "log(progress): A proper title");
}

#[test]
fn title_is_the_first_line_without_leading_hashes() {
    let env = env();
    let out = env
        .wol_j()
        .arg("log")
        .write_stdin("\n\n# Heading title\n\nThe body.\n")
        .output()
        .unwrap();
    let entry = env.entry_path_from(&out);
    let json = shown(&env, &entry);
    assert_eq!(json["title"], "Heading title");
    assert_eq!(json["body"].as_str().unwrap().trim(), "The body.");
}

/// Only blank lines go from the start of the body: its first line may be indented (a
/// code block, a poem), and at column 0 it would break the block.
#[test]
fn the_first_body_line_keeps_its_indentation() {
    let env = env();
    for (args, stdin, body) in [
        (
            &["log", "-"][..],
            "Config that works\n\n \t\n    [server]\n    port = 8080\n",
            "    [server]\n    port = 8080\n",
        ),
        (
            &["log", "--title", "Snippet", "-"][..],
            "\n  \n    indented first\n    indented second  \n\n",
            "    indented first\n    indented second\n",
        ),
        (
            &["log", "--title", "Argument", "  indented argument"][..],
            "",
            "  indented argument\n",
        ),
    ] {
        let out = env.wol_j().args(args).write_stdin(stdin).output().unwrap();
        let entry = env.entry_path_from(&out);
        assert_eq!(shown(&env, &entry)["body"], body, "{args:?}");
    }
    // Written in the editor, under a title given with --title.
    env.fake_editor(r#"printf '\n    code line\n    two\n' > "$1""#);
    let out = env
        .wol_j()
        .args(["log", "-e", "--title", "Edited"])
        .output()
        .unwrap();
    let entry = env.entry_path_from(&out);
    assert_eq!(shown(&env, &entry)["body"], "    code line\n    two\n");
    env.assert_consistent();
}

#[test]
fn learned_next_and_help_wanted_sections() {
    let env = env();
    let entry = env.log(&[
        "-t",
        "docs",
        "--learned",
        "Checklists beat long docs",
        "--next",
        "Ask OuiShare to review",
        "--help-wanted",
        "Someone who ran a Loomio vote",
        "Shipped the guide",
    ]);
    let text = env.read(&entry);
    let pos = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} missing from:\n{text}"))
    };
    let order = [
        pos("\n## Learned\n"),
        pos("Checklists beat long docs"),
        pos("\n## Next\n"),
        pos("Ask OuiShare to review"),
        pos("\n## Help wanted\n"),
        pos("Someone who ran a Loomio vote"),
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "sections out of order:\n{text}"
    );
    // `## Learned` is a heading, not a #tag.
    assert_eq!(strings(&shown(&env, &entry)["tags"]), vec!["docs"]);
    env.assert_consistent();
}

#[test]
fn visibility_flags() {
    let env = env();
    for (flag, vis) in [
        ("--private", "private"),
        ("--partners", "partners"),
        ("--public", "public"),
    ] {
        let entry = env.log(&[flag, &format!("Entry {vis}")]);
        assert!(
            env.read(&entry)
                .contains(&format!("visibility = \"{vis}\"\n")),
            "{flag}:\n{}",
            env.read(&entry)
        );
    }
    let entry = env.log(&["Default visibility"]);
    assert!(env.read(&entry).contains("visibility = \"public\"\n"));
    env.assert_consistent();
}

#[test]
fn conflicting_visibility_flags_are_a_usage_error() {
    let env = env();
    env.wol_j()
        .args(["log", "--private", "--public", "Which one"])
        .assert()
        .code(2);
    assert!(env.entry_files().is_empty());
}

#[test]
fn to_is_repeatable() {
    let env = env();
    let entry = env.log(&[
        "--partners",
        "--to",
        "gig",
        "--to",
        "ouishare",
        "For two partners",
    ]);
    let json = shown(&env, &entry);
    assert_eq!(strings(&json["to"]), vec!["gig", "ouishare"]);
    assert_eq!(json["visibility"], "partners");
    assert!(
        env.read(&entry).contains("to = [\"gig\", \"ouishare\"]"),
        "{}",
        env.read(&entry)
    );
}

/// `--to` names an audience: the entry is for the partners named, never public (which
/// would go to every partner whatever `to` says); a name that is no partner is a warning
/// (the entry then goes to nobody), and a private entry stays private.
#[test]
fn to_makes_an_entry_for_the_partners_named() {
    let env = env();
    let remote = env.root.join("gig.git");
    env.git_in(
        &env.root,
        ["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    env.wol_j()
        .args(["partner", "add", "gig", remote.to_str().unwrap(), "-q"])
        .assert()
        .success();
    let entry = env.log(&["--to", "gig", "Only for gig"]);
    let json = shown(&env, &entry);
    assert_eq!(
        json["visibility"], "partners",
        "default_visibility is public"
    );
    assert_eq!(strings(&json["to"]), vec!["gig"]);

    let out = env
        .wol_j()
        .args(["log", "--to", "gihg", "A typo"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--to gihg: this journal has no partner `gihg`"),
        "{}",
        stderr(&out)
    );
    let out = env
        .wol_j()
        .args(["log", "--private", "--to", "gig", "Private after all"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the entry is private"),
        "{}",
        stderr(&out)
    );
    let private = env.entry_path_from(&out);
    assert_eq!(shown(&env, &private)["visibility"], "private");
    // Public and an audience contradict each other.
    env.wol_j()
        .args(["log", "--public", "--to", "gig", "Which one"])
        .assert()
        .code(2);
    env.assert_consistent();
}

#[test]
fn natural_date_relative_to_wol_now() {
    let env = env();
    let entry = env.log(&["--date", "yesterday 17:00", "Late yesterday"]);
    assert_eq!(
        entry,
        PathBuf::from("entries/2026/11/2026-11-21-1700-late-yesterday.md")
    );
    assert!(
        env.read(&entry)
            .contains("date = 2026-11-21T17:00:00+01:00\n"),
        "{}",
        env.read(&entry)
    );

    // WOL_NOW is a Sunday: last friday is the 20th.
    let entry = env.log(&["--date", "last friday", "On friday"]);
    assert!(
        entry
            .to_str()
            .unwrap()
            .starts_with("entries/2026/11/2026-11-20-"),
        "{}",
        entry.display()
    );
    env.assert_consistent();
}

/// A weekday alone is when it happened: the last one, never the coming one (WOL_NOW is
/// Sunday 2026-11-22).
#[test]
fn a_weekday_alone_is_the_last_one() {
    let env = env();
    for (date, want) in [
        ("friday", "2026-11-20T09:00:00+01:00"),
        ("Fri 17:00", "2026-11-20T17:00:00+01:00"),
        ("sunday 10:00", "2026-11-22T10:00:00+01:00"),
        ("next friday", "2026-12-04T09:00:00+01:00"),
    ] {
        let json = env.json(&["log"], &["--date", date, "On a weekday"]);
        assert_eq!(json["date"], want, "--date {date}");
    }
    env.assert_consistent();
}

#[test]
fn rfc3339_date_keeps_its_offset_and_picks_the_month_folder() {
    let env = env();
    let entry = env.log(&["--date", "2026-10-20T09:00:00+02:00", "In october"]);
    assert_eq!(
        entry,
        PathBuf::from("entries/2026/10/2026-10-20-0900-in-october.md")
    );
    assert!(
        env.read(&entry)
            .contains("date = 2026-10-20T09:00:00+02:00\n")
    );

    let entry = env.log(&["--date", "2026-11-20T09:00:00+01:00", "Earlier"]);
    assert_eq!(
        entry,
        PathBuf::from("entries/2026/11/2026-11-20-0900-earlier.md")
    );
    assert!(
        env.read(&entry)
            .contains("date = 2026-11-20T09:00:00+01:00\n")
    );
    env.assert_consistent();
}

#[test]
fn bad_date_is_refused() {
    let env = env();
    let out = env
        .wol_j()
        .args(["log", "--date", "the twelfth of never", "x"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(1) | Some(2)),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("error"), "{}", stderr(&out));
    assert!(env.entry_files().is_empty());
    assert_eq!(env.commit_count(), 1);
}

#[test]
fn stdin_dash_and_piped_stdin() {
    let env = env();
    let out = env
        .wol_j()
        .args(["log", "-"])
        .write_stdin("From a dash\n\nbody one\n")
        .output()
        .unwrap();
    let a = env.entry_path_from(&out);
    assert!(env.read(&a).contains("title = \"From a dash\"\n"));
    assert!(env.read(&a).ends_with("\nbody one\n"));

    let out = env
        .wol_j()
        .arg("log")
        .write_stdin("From a pipe\n\nbody two\n")
        .output()
        .unwrap();
    let b = env.entry_path_from(&out);
    assert!(env.read(&b).contains("title = \"From a pipe\"\n"));
    assert!(env.read(&b).ends_with("\nbody two\n"));
    assert_eq!(env.commit_count(), 3);
    env.assert_consistent();
}

#[test]
fn json_output_is_the_entry_object() {
    let env = env();
    let out = env
        .wol_j()
        .args(["log", "--json", "-k", "decision", "-t", "toml", "--private"])
        .args(["--title", "Chose TOML", "Zola and Hugo use it."])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&out)));
    let stem = "2026-11-22-1432-chose-toml";
    assert_eq!(json["id"], stem);
    assert_eq!(json["path"], format!("entries/2026/11/{stem}.md"));
    assert_eq!(json["title"], "Chose TOML");
    assert_eq!(json["date"], "2026-11-22T14:32:05+01:00");
    assert_eq!(json["kind"], "decision");
    assert_eq!(strings(&json["tags"]), vec!["toml"]);
    assert_eq!(json["visibility"], "private");
    assert_eq!(json["author"], AUTHOR);
    assert_eq!(strings(&json["to"]), Vec::<String>::new());
    assert_eq!(
        json["body"].as_str().unwrap().trim(),
        "Zola and Hugo use it."
    );
    assert!(
        env.journal
            .join(format!("entries/2026/11/{stem}.md"))
            .is_file()
    );
    env.assert_consistent();
}

#[test]
fn same_title_same_minute_gets_a_suffix() {
    let env = env();
    let a = env.log(&["Same title"]);
    let b = env.log(&["Same title"]);
    let c = env.log(&["Same title"]);
    assert_eq!(
        a,
        PathBuf::from("entries/2026/11/2026-11-22-1432-same-title.md")
    );
    assert_eq!(
        b,
        PathBuf::from("entries/2026/11/2026-11-22-1432-same-title-2.md")
    );
    assert_eq!(
        c,
        PathBuf::from("entries/2026/11/2026-11-22-1432-same-title-3.md")
    );
    assert_eq!(env.entry_files().len(), 3);
    assert_eq!(env.commit_count(), 4);
    env.assert_consistent();
}

#[test]
fn slug_is_transliterated_and_bounded() {
    let env = env();
    let long = "Ça marche: café déjà vu! ".repeat(10);
    let entry = env.log(&[long.trim()]);
    let stem = crate::common::stem(&entry);
    let slug = stem.strip_prefix("2026-11-22-1432-").expect("date prefix");
    assert!(
        slug.starts_with("ca-marche-cafe-deja-vu-ca-marche"),
        "{slug}"
    );
    assert!(slug.len() <= 60, "slug longer than 60 chars: {slug}");
    assert!(
        slug.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "{slug}"
    );
    assert!(
        !slug.ends_with('-') && !slug.contains("--"),
        "untidy slug {slug}"
    );
}

#[test]
fn empty_message_writes_nothing() {
    let env = env();
    env.fails(&["log", ""], "error: empty entry");

    fails_with(
        env.wol_j().args(["log", "-"]).write_stdin("  \n\t\n \n"),
        1,
        "empty entry",
    );

    let out = env.wol_j().arg("log").write_stdin("").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    assert!(env.entry_files().is_empty());
    assert_eq!(env.commit_count(), 1);
    env.assert_consistent();
}

#[test]
fn editor_writes_the_entry() {
    let env = env();
    env.fake_editor(r#"printf 'Title from the editor\n\nBody from the editor.\n' > "$1""#);
    let out = env.wol_j().args(["log", "-e"]).output().unwrap();
    let entry = env.entry_path_from(&out);
    assert_eq!(
        entry,
        PathBuf::from("entries/2026/11/2026-11-22-1432-title-from-the-editor.md")
    );
    let text = env.read(&entry);
    assert!(
        text.contains("title = \"Title from the editor\"\n"),
        "{text}"
    );
    assert!(text.contains("Body from the editor."), "{text}");
    assert_eq!(env.head_subject(), "log(progress): Title from the editor");
    env.assert_consistent();
}

#[test]
fn editor_gets_the_draft_under_dot_wol_drafts() {
    let env = env();
    let seen = env.root.join("seen-path");
    env.fake_editor(&format!(
        r#"printf '%s' "$1" > '{}'; printf 'Edited\n\nbody\n' > "$1""#,
        seen.display()
    ));
    env.wol_j().args(["log", "-e"]).assert().success();
    let path = fs::read_to_string(&seen).unwrap();
    let path = std::path::Path::new(&path);
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        env.journal.join(path)
    };
    assert!(
        path.starts_with(env.journal.join(".wol").join("drafts")),
        "the editor should get a draft under .wol/drafts/, got {}",
        path.display()
    );
}

/// Ctrl-C typed in the editor reaches wol too (one foreground process group). Vim takes
/// it as a key and goes on, and so must wol: what is saved afterwards is committed.
#[test]
fn ctrl_c_in_the_editor_leaves_wol_log_waiting_for_it() {
    let env = env();
    env.fake_editor_pressing_ctrl_c(r#"printf 'Saved after Ctrl-C\n\nbody words\n' > "$1""#);
    let out = env.wol_j_in_own_group(&["log", "-e"]);
    let entry = env.entry_path_from(&out);
    assert!(
        env.read(&entry).contains("body words"),
        "{}",
        env.read(&entry)
    );
    env.assert_editor_started_with_ctrl_c_not_ignored();
    env.assert_consistent();
}

#[test]
fn untouched_template_aborts() {
    let env = env();
    env.fake_editor("exit 0");
    env.fails(&["log", "-e"], "error:");
    assert!(env.entry_files().is_empty());
    assert_eq!(env.commit_count(), 1);
    env.git_status_clean();
}

#[test]
fn failing_editor_keeps_the_draft_and_says_where() {
    let env = env();
    env.fake_editor(r#"printf 'Half written\n\nthoughts\n' > "$1"; exit 3"#);
    let err = env.fails(&["log", "-e"], ".wol/drafts/");
    let draft = draft_path_in(&err, &env.journal)
        .unwrap_or_else(|| panic!("stderr should name the draft under .wol/drafts/:\n{err}"));
    assert!(
        draft.is_file(),
        "the named draft {} does not exist",
        draft.display()
    );
    assert!(fs::read_to_string(&draft).unwrap().contains("Half written"));
    assert!(env.entry_files().is_empty());
    assert_eq!(env.commit_count(), 1);
    env.git_status_clean();
}

/// Only the template's own comments go: an HTML comment the person typed is their text.
#[test]
fn the_editor_keeps_the_comments_the_person_wrote() {
    let env = env();
    env.fake_editor(
        r#"{ printf 'Launch banner\n\n<!-- KEEP-1 note to self -->\n```html\n<!-- KEEP-2 -->\n```\n'; cat "$1"; } > "$1.n" && mv "$1.n" "$1""#,
    );
    let out = env.wol_j().args(["log", "-e"]).output().unwrap();
    let entry = env.entry_path_from(&out);
    let text = env.read(&entry);
    assert!(text.contains("<!-- KEEP-1 note to self -->"), "{text}");
    assert!(text.contains("<!-- KEEP-2 -->"), "{text}");
    assert!(!text.contains("First line: the title"), "{text}");
    assert!(!text.contains("## Learned"), "{text}");
}

/// The draft a failed editor leaves is the whole entry, flags included, so bringing it
/// back with `wol log - < DRAFT` keeps it private (and its kind and tags).
#[test]
fn a_failed_editors_draft_comes_back_as_private_as_it_was_meant() {
    let env = env();
    env.fake_editor(
        r#"{ printf 'Board decision\n\nWe let Sam go.\n'; cat "$1"; } > "$1.n"; mv "$1.n" "$1"; exit 3"#,
    );
    let err = env.fails(
        &["log", "-e", "--private", "-k", "decision", "-t", "board"],
        ".wol/drafts/",
    );
    let draft = draft_path_in(&err, &env.journal).expect("the draft is named");
    let entry = env.log_file(&draft);
    let json = shown(&env, &entry);
    assert_eq!(json["visibility"], "private");
    assert_eq!(json["kind"], "decision");
    assert_eq!(strings(&json["tags"]), vec!["board"]);
    let text = env.read(&entry);
    assert!(text.contains("We let Sam go."), "{text}");
    assert!(
        !text.contains("<!--") && !text.contains("## Learned"),
        "{text}"
    );
}

/// Control characters in a message (a NUL git cannot store, a terminal escape `git log`
/// would replay) are written as escapes in the commit message; the entry is saved.
#[test]
fn control_characters_never_reach_the_commit_message_raw() {
    let env = env();
    let out = env
        .wol_j()
        .args(["log", "-"])
        .write_stdin(&b"Red \x1b[31malert\x00 here\n\nbody\n"[..])
        .output()
        .unwrap();
    env.entry_path_from(&out);
    let subject = env.head_subject();
    assert!(
        !subject.contains('\u{1b}') && !subject.contains('\0'),
        "{subject:?}"
    );
    assert!(subject.contains("\\u{1b}[31malert"), "{subject:?}");
    env.assert_consistent();
}

#[test]
fn journal_template_overrides_the_builtin() {
    let env = env();
    env.write("templates/entry.md", "MY TEMPLATE MARKER\n");
    env.git(["add", "templates/entry.md"]);
    env.git(["commit", "-q", "-m", "custom template"]);
    let copy = env.root.join("template-copy");
    env.fake_editor(&format!(
        r#"cp "$1" '{}'; printf 'With my template\n\nbody\n' > "$1""#,
        copy.display()
    ));
    env.wol_j().args(["log", "-e"]).assert().success();
    let seen = fs::read_to_string(&copy).unwrap();
    assert!(
        seen.contains("MY TEMPLATE MARKER"),
        "editor got the built-in template:\n{seen}"
    );
}

#[test]
fn wol_now_fixes_the_date_and_offset() {
    let env = TestEnv::new().with_now(Some("2027-01-03T08:05:09-05:00"));
    env.init_journal();
    let entry = env.log(&["New year"]);
    assert_eq!(
        entry,
        PathBuf::from("entries/2027/01/2027-01-03-0805-new-year.md")
    );
    assert!(
        env.read(&entry)
            .contains("date = 2027-01-03T08:05:09-05:00\n")
    );
}

#[test]
fn title_with_quotes_and_backslashes_round_trips() {
    let env = env();
    let title = r#"He said "hi" \ and 'bye' = [x] # not a tag"#;
    let entry = env.log(&["--title", title, "body"]);
    assert_eq!(shown(&env, &entry)["title"], title);
    assert_eq!(env.head_subject(), format!("log(progress): {title}"));
    // The file is still a valid entry for every reader.
    let out = env.wol_j().arg("list").output().unwrap();
    assert_eq!(stderr(&out), "", "the written entry must parse cleanly");
}

#[test]
fn body_with_front_matter_fences_round_trips() {
    let env = env();
    let body = "Before\n+++\ntitle = \"injected\"\nkind = \"rant\"\n+++\nAfter\n";
    let out = env
        .wol_j()
        .args(["log", "-"])
        .write_stdin(format!("Fences in the body\n\n{body}"))
        .output()
        .unwrap();
    let entry = env.entry_path_from(&out);
    let json = shown(&env, &entry);
    assert_eq!(json["title"], "Fences in the body");
    assert_eq!(json["kind"], "progress");
    assert_eq!(json["body"].as_str().unwrap().trim(), body.trim());
    let out = env.wol_j().arg("list").output().unwrap();
    assert_eq!(stderr(&out), "", "no warning for an entry wol wrote itself");
}

#[test]
fn non_latin_title_gets_a_safe_slug() {
    let env = env();
    let a = env.log(&["日本語のタイトル"]);
    let b = env.log(&["🚀🚀🚀"]);
    for entry in [&a, &b] {
        let stem = crate::common::stem(entry);
        let slug = stem.strip_prefix("2026-11-22-1432-").expect("date prefix");
        assert!(
            !slug.is_empty()
                && slug
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "unsafe slug {slug:?}"
        );
    }
    assert_ne!(a, b);
    assert_eq!(shown(&env, &a)["title"], "日本語のタイトル");
    env.assert_consistent();
}

#[test]
fn url_fragments_and_headings_are_not_tags() {
    let env = env();
    let entry = env.log(&[
        "--title",
        "Links",
        "See https://example.com/page#section and C# notes.\n\n# A heading\n\nReal #tag here.",
    ]);
    assert_eq!(strings(&shown(&env, &entry)["tags"]), vec!["tag"]);
}

#[test]
fn visual_beats_editor() {
    let env = env();
    let visual = env.root.join("bin").join("visual.sh");
    fs::write(&visual, "#!/bin/sh\nprintf 'From VISUAL\\n' > \"$1\"\n").unwrap();
    fs::set_permissions(&visual, fs::Permissions::from_mode(0o755)).unwrap();
    env.fake_editor(r#"printf 'From EDITOR\n' > "$1""#);
    let out = env
        .wol_j()
        .env("VISUAL", &visual)
        .args(["log", "-e"])
        .output()
        .unwrap();
    let entry = env.entry_path_from(&out);
    assert!(env.read(&entry).contains("title = \"From VISUAL\""));
}

#[test]
fn editor_with_arguments() {
    let env = env();
    env.fake_editor(r#"printf '%s\n\nbody\n' "$WOL_TEST_TITLE" > "$1""#);
    let out = env
        .wol_j()
        .env(
            "EDITOR",
            format!("env WOL_TEST_TITLE=Argued sh {}", env.editor.display()),
        )
        .args(["log", "-e"])
        .output()
        .unwrap();
    let entry = env.entry_path_from(&out);
    assert!(
        env.read(&entry).contains("title = \"Argued\""),
        "{}",
        env.read(&entry)
    );
}

#[test]
fn journal_path_with_spaces_and_quotes() {
    let mut env = env();
    env.journal = env.root.join("Jörg's \"work\" journal");
    env.init_journal();
    env.fake_editor(r#"printf 'Spacey\n\nbody\n' > "$1""#);
    let out = env.wol_j().args(["log", "-e"]).output().unwrap();
    let entry = env.entry_path_from(&out);
    assert_eq!(
        entry,
        PathBuf::from("entries/2026/11/2026-11-22-1432-spacey.md")
    );
    env.log(&["Plain"]);
    assert_eq!(env.list_ids(&[]).len(), 2);
    env.assert_consistent();
}

#[test]
fn relative_journal_flag_prints_an_absolute_path() {
    let env = env();
    let out = env
        .wol()
        .args(["--journal", "journal", "log", "Relative"])
        .output()
        .unwrap();
    env.entry_path_from(&out);
}

#[test]
fn bad_wol_now_is_an_error_naming_it() {
    let env = env().with_now(Some("next tuesday-ish"));
    env.fails(&["log", "x"], "WOL_NOW");
    assert!(env.entry_files().is_empty());
}

#[test]
fn journal_config_author_beats_user_config() {
    let env = TestEnv::new().with_author(None);
    env.write(
        "wol.toml",
        "author = \"Journal Person\"\ndefault_visibility = \"public\"\n",
    );
    env.init_journal();
    env.user_config("author = \"User Person\"\n");
    let entry = env.log(&["Whose entry"]);
    assert!(
        env.read(&entry).contains("author = \"Journal Person\"\n"),
        "{}",
        env.read(&entry)
    );
    assert_eq!(env.head_author(), "Journal Person");
}

#[test]
fn users_staged_and_unstaged_work_is_left_alone() {
    let env = env();
    env.write("README.md", "v1\n");
    env.write("notes.txt", "n1\n");
    env.git(["add", "README.md", "notes.txt"]);
    env.git(["commit", "-q", "-m", "user files"]);
    env.write("README.md", "v2 staged\n");
    env.git(["add", "README.md"]);
    env.write("notes.txt", "n2 unstaged\n");

    let entry = env.log(&["Amid user work"]);
    assert_eq!(
        env.git(["show", "--name-status", "--format=", "HEAD"])
            .trim(),
        format!("A\t{}", entry.display()),
        "wol's commit must hold only its entry"
    );
    assert_eq!(
        env.git_status(),
        "M  README.md\n M notes.txt\n",
        "the user's staged and unstaged changes must stay as they were"
    );
    assert_eq!(
        env.git(["show", ":README.md"]),
        "v2 staged\n",
        "the staged blob was lost"
    );
    assert_eq!(env.read("notes.txt"), "n2 unstaged\n");
    env.git_fsck_clean();
}

#[test]
fn commits_land_on_the_current_branch() {
    let env = TestEnv::new();
    fs::create_dir_all(&env.journal).unwrap();
    env.git(["init", "-q", "-b", "trunk"]);
    env.init_journal();
    env.log(&["On trunk"]);
    assert_eq!(env.git(["symbolic-ref", "--short", "HEAD"]).trim(), "trunk");
    assert_eq!(env.git(["rev-list", "--count", "trunk"]).trim(), "2");
    assert_eq!(
        env.git(["branch", "--list"]).trim(),
        "* trunk",
        "no other branch appears"
    );
    env.assert_consistent();
}

#[test]
fn without_wol_now_dates_take_the_local_zone_with_its_dst_offset() {
    let env = env().with_now(None);
    let winter = env
        .wol_j()
        .env("TZ", "Europe/Vienna")
        .args(["log", "--date", "2026-01-15 09:00", "Winter"])
        .output()
        .unwrap();
    let winter = env.entry_path_from(&winter);
    assert!(
        env.read(&winter)
            .contains("date = 2026-01-15T09:00:00+01:00\n"),
        "{}",
        env.read(&winter)
    );
    let summer = env
        .wol_j()
        .env("TZ", "Europe/Vienna")
        .args(["log", "--date", "2026-07-15 09:00", "Summer"])
        .output()
        .unwrap();
    let summer = env.entry_path_from(&summer);
    assert_eq!(
        summer,
        PathBuf::from("entries/2026/07/2026-07-15-0900-summer.md")
    );
    assert!(
        env.read(&summer)
            .contains("date = 2026-07-15T09:00:00+02:00\n"),
        "{}",
        env.read(&summer)
    );
}

/// A whole entry file on stdin (a kept draft, an exported entry) is filed where its own
/// date belongs, so date filters, digests and `doctor` agree with it.
#[test]
fn a_whole_entry_on_stdin_is_filed_under_its_own_date() {
    let env = TestEnv::new();
    env.init_journal();
    let out = env
        .wol_j()
        .args(["log", "-"])
        .write_stdin(
            "+++\ntitle = \"October workshop\"\ndate = 2026-10-15T10:00:00+02:00\nkind = \"progress\"\n+++\n\nNotes from the workshop.\n",
        )
        .output()
        .unwrap();
    let path = env.entry_path_from(&out);
    assert_eq!(
        path,
        std::path::PathBuf::from("entries/2026/10/2026-10-15-1000-october-workshop.md")
    );
    let on_day = env.json(&["list", "--on", "2026-10-15"], &[]);
    assert_eq!(on_day.as_array().unwrap().len(), 1, "{on_day}");
    assert_eq!(on_day[0]["title"], "October workshop");
    let doctor = env.wol_j().arg("doctor").output().unwrap();
    assert!(
        !String::from_utf8_lossy(&doctor.stdout).contains("does not match")
            && !String::from_utf8_lossy(&doctor.stderr).contains("does not match"),
        "{}",
        String::from_utf8_lossy(&doctor.stdout)
    );
    // --date still wins over the file's own date, and files it there.
    let out = env
        .wol_j()
        .args(["log", "-", "--date", "2026-09-01 09:00"])
        .write_stdin(
            "+++\ntitle = \"Moved on purpose\"\ndate = 2026-10-15T10:00:00+02:00\nkind = \"progress\"\n+++\n\nText.\n",
        )
        .output()
        .unwrap();
    let path = env.entry_path_from(&out);
    assert!(
        path.to_str()
            .unwrap()
            .starts_with("entries/2026/09/2026-09-01-0900-"),
        "{}",
        path.display()
    );
}

/// Text read from stdin exists nowhere else: when it cannot become an entry, it is kept
/// as a draft and the error says where. Bad flags are refused before anything is read.
#[test]
fn text_from_stdin_that_cannot_become_an_entry_is_kept() {
    let env = TestEnv::new();
    env.init_journal();
    let out = env
        .wol_j()
        .args(["log", "-"])
        .write_stdin("## Learned\nthat headings are not titles UNIQUE-7e7e\n")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let kept = err
        .split("your text is kept in ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_else(|| panic!("say where the text is: {err}"));
    let text = std::fs::read_to_string(kept).unwrap();
    assert!(text.contains("UNIQUE-7e7e"), "{text}");

    // Bytes that are not UTF-8 are kept as they came.
    let out = env
        .wol_j()
        .args(["log", "-"])
        .write_stdin(b"caf\xe9 notes BYTES-8f8f\n".to_vec())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let kept = err
        .split("the bytes are kept in ")
        .nth(1)
        .map(|rest| rest.lines().next().unwrap().trim())
        .unwrap_or_else(|| panic!("say where the bytes are: {err}"));
    assert_eq!(std::fs::read(kept).unwrap(), b"caf\xe9 notes BYTES-8f8f\n");

    // A bad tag is refused before an editor would open; text piped in is kept all the
    // same.
    let out = env
        .wol_j()
        .args(["log", "-", "-t", "open source"])
        .write_stdin("Some text PIPED-9c9c\n")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.contains("is not a valid tag"), "{err}");
    let kept = err
        .split("your text is kept in ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .unwrap_or_else(|| panic!("say where the text is: {err}"));
    assert!(
        std::fs::read_to_string(kept)
            .unwrap()
            .contains("PIPED-9c9c")
    );
    // So is every other flag refused before the text is read: a kind, a date, an
    // attachment.
    for (flags, needle) in [
        (&["-k", "progres"][..], "progres"),
        (
            &["--date", "the day after never"][..],
            "cannot understand the date",
        ),
        (&["--attach", "no-such-file.png"][..], "no-such-file.png"),
    ] {
        let out = env
            .wol_j()
            .args(["log", "-"])
            .args(flags)
            .write_stdin(format!("Piped for {} FLAG-5d5d\n", flags[0]))
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(err.contains(needle), "{err}");
        let kept = err
            .split("your text is kept in ")
            .nth(1)
            .and_then(|rest| rest.split(':').next())
            .unwrap_or_else(|| panic!("say where the text is ({flags:?}): {err}"));
        assert!(std::fs::read_to_string(kept).unwrap().contains("FLAG-5d5d"));
    }
    assert_eq!(env.commit_count(), 1, "nothing committed");

    // No text, no draft: an empty pipe is refused and leaves nothing behind.
    let drafts = env.draft_files().len();
    let out = env
        .wol_j()
        .args(["log", "-"])
        .write_stdin("  \n")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!stderr(&out).contains("kept in"), "{}", stderr(&out));
    assert_eq!(env.draft_files().len(), drafts, "an empty draft was left");
}

/// `wol ARGS` in the journal with `file` as its stdin (the file itself, not a pipe).
fn log_reading(env: &TestEnv, args: &[&str], file: &std::path::Path) -> std::process::Output {
    env.wol_std()
        .arg("--journal")
        .arg(&env.journal)
        .args(args)
        .stdin(std::fs::File::open(file).unwrap())
        .output()
        .unwrap()
}

/// A kept draft added back with `wol log - < DRAFT` is removed once it is an entry, and
/// adding the same whole entry again makes no second copy of it.
#[test]
fn a_draft_added_back_is_removed_and_never_logged_twice() {
    let env = TestEnv::new();
    env.init_journal();
    env.fake_editor(r#"printf 'Board notes\n\nDRAFT-3a3a\n' > "$1"; exit 3"#);
    let err = env.fails(&["log", "-e", "--private"], ".wol/drafts/");
    let draft = draft_path_in(&err, &env.journal).expect("the draft is named");
    let copy = env.home.join("draft-copy.md");
    std::fs::copy(&draft, &copy).unwrap();

    // A message given on the command line is the entry: the draft on stdin is not read,
    // and stays.
    let out = log_reading(&env, &["log", "Something else"], &draft);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        draft.exists(),
        "a draft whose text was not logged was removed"
    );

    let out = log_reading(&env, &["log", "-"], &draft);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!draft.exists(), "the draft added back is still there");
    let commits = env.commit_count();

    // The same entry again (a copy of the draft): refused, nothing written.
    let out = log_reading(&env, &["log", "-"], &copy);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("in the journal already"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.commit_count(), commits);
    let logged = env
        .entry_files()
        .iter()
        .filter(|p| env.read(p).contains("DRAFT-3a3a"))
        .count();
    assert_eq!(logged, 1);
}

/// A draft added back with a flag wol refuses, or that still does not parse, stays the
/// one draft: the error names it, and no second copy of the text is left.
#[test]
fn a_draft_added_back_and_refused_again_stays_the_one_draft() {
    let env = TestEnv::new();
    env.init_journal();
    env.fake_editor(r#"printf 'Board notes\n\nDRAFT-4b4b\n' > "$1"; exit 3"#);
    let err = env.fails(&["log", "-e", "--private"], ".wol/drafts/");
    let draft = draft_path_in(&err, &env.journal).expect("the draft is named");
    let drafts = || std::fs::read_dir(draft.parent().unwrap()).unwrap().count();
    assert_eq!(drafts(), 1);
    let before = std::fs::read(&draft).unwrap();

    // `args` with the draft on stdin are refused; the error names the draft, which is
    // left as it was, the only one.
    let refused = |args: &[&str], what: &str| {
        let kept = std::fs::read(&draft).unwrap();
        let out = log_reading(&env, args, &draft);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains(&*draft.to_string_lossy()),
            "the error names the draft it came from:\n{}",
            stderr(&out)
        );
        assert_eq!(drafts(), 1, "a second copy of the {what} was left");
        assert_eq!(std::fs::read(&draft).unwrap(), kept);
    };

    // Refused before the text is read (a kind the journal does not have).
    refused(&["log", "-k", "bogus", "-"], "draft");
    assert_eq!(std::fs::read(&draft).unwrap(), before);

    // Refused after it is read (the draft made malformed by hand).
    let broken = String::from_utf8(before)
        .unwrap()
        .replace("+++\n", "+++\ntitle = \n");
    std::fs::write(&draft, &broken).unwrap();
    refused(&["log", "-"], "malformed draft");
    assert_eq!(std::fs::read_to_string(&draft).unwrap(), broken);
}

/// A tag typed decomposed (`e` and a combining accent, as macOS gives it) is the same
/// tag as the composed one: accepted, stored composed, and found either way.
#[test]
fn tags_are_the_same_composed_or_decomposed() {
    let env = TestEnv::new();
    env.init_journal();
    let nfd = "cafe\u{301}";
    let nfc = "caf\u{e9}";
    let path = env.log(&["Coffee notes", "-t", nfd]);
    assert!(
        env.read(&path).contains(&format!("tags = [\"{nfc}\"]")),
        "{}",
        env.read(&path)
    );
    env.log(&["More coffee", "-t", nfc]);
    env.log(&["In the body", &format!("about #{nfd} again")]);
    for query in [nfd, nfc] {
        let found = env.json(&["list", "--tag", query], &[]);
        assert_eq!(found.as_array().unwrap().len(), 3, "{query:?}: {found}");
    }
    // On the site, the `#café` in the text links the tag's page, which exists.
    env.git_in(&env.root, ["init", "-q", "--bare", "-b", "main", "pub.git"]);
    let bare = env.root.join("pub.git");
    env.wol_j()
        .args(["partner", "add", "pub", bare.to_str().unwrap()])
        .assert()
        .success();
    env.wol_j().arg("publish").assert().success();
    let files = env.git_in(&bare, ["ls-tree", "-r", "--name-only", "main"]);
    let tag_pages: Vec<&str> = files
        .lines()
        .filter(|f| f.starts_with("docs/tags/"))
        .collect();
    assert_eq!(
        tag_pages,
        ["docs/tags/cafe.html", "docs/tags/cafe.xml"],
        "{files}"
    );
    let page = files
        .lines()
        .find(|f| f.starts_with("docs/") && f.contains("in-the-body"))
        .unwrap();
    let html = env.git_in(&bare, ["show", &format!("main:{page}")]);
    assert!(html.contains("href=\"../../tags/cafe.html\""), "{html}");
}

/// A windowed editor started without its wait flag returns at once, and the person types
/// into a file wol has already given up on: wol says why, and leaves the draft.
#[test]
fn an_editor_that_returns_at_once_is_explained_and_its_draft_kept() {
    let env = env();
    env.fake_editor("true");
    let out = env.wol_j().args(["log", "-e"]).output().unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("empty entry, nothing written"), "{err}");
    assert!(err.contains("code --wait"), "{err}");
    let draft = err
        .split("The draft stays in ")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .unwrap_or_else(|| panic!("name the draft: {err}"));
    assert!(std::path::Path::new(draft).exists(), "{draft}");

    // An editor that took its time and left nothing: the draft goes, as before.
    env.fake_editor("sleep 1.2");
    let out = env.wol_j().args(["log", "-e"]).output().unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("empty entry") && !err.contains("code --wait"),
        "{err}"
    );
    assert!(env.entry_files().is_empty());
}

/// Text piped to `wol log -` when the journal refuses to commit (a detached HEAD, a
/// merge or rebase under way, an unusable `.wol/`) exists nowhere else: it is kept.
#[test]
fn text_from_stdin_is_kept_when_the_journal_refuses_to_commit() {
    let env = TestEnv::new();
    env.init_journal();
    env.git(["checkout", "-q", "--detach"]);
    let out = env
        .wol_j()
        .args(["log", "-", "--private"])
        .write_stdin("Detached notes KEEP-1a1a\n")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("is detached"), "{err}");
    let kept = err
        .split("your entry is kept in ")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .unwrap_or_else(|| panic!("say where: {err}"));
    let text = std::fs::read_to_string(kept).unwrap();
    assert!(
        text.contains("KEEP-1a1a") && text.contains("visibility = \"private\""),
        "{text}"
    );
    env.git(["checkout", "-q", "main"]);

    // `.wol/` a file: the draft goes to the temporary folder instead.
    std::fs::remove_dir_all(env.journal.join(".wol")).unwrap();
    std::fs::write(env.journal.join(".wol"), "not a folder").unwrap();
    let out = env
        .wol_j()
        .args(["log", "-"])
        .write_stdin("Nowhere else KEEP-2b2b\n")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    let kept = err
        .split("your entry is kept in ")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .unwrap_or_else(|| panic!("say where: {err}"));
    assert!(std::fs::read_to_string(kept).unwrap().contains("KEEP-2b2b"));
    std::fs::remove_file(kept).unwrap();
}

/// A date days ahead (a typo'd year) is filed as given, with a warning naming the entry;
/// tomorrow morning is not warned about.
#[test]
fn a_date_days_ahead_is_filed_and_said() {
    let env = TestEnv::new();
    env.init_journal();
    let out = env
        .wol_j()
        .args(["log", "Planning notes", "--date", "2062-11-22 10:00"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("dated 2062-11-22 10:00 +01:00"), "{err}");
    assert!(
        err.contains("wol edit 2062-11-22-1000-planning-notes"),
        "{err}"
    );
    let out = env
        .wol_j()
        .args(["log", "Standup", "--date", "2026-11-23 09:00"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stderr(&out), "");
}
