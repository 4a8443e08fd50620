//! Behaving like the command-line tools people already trust (gh, jj, ripgrep): reading
//! creates nothing, `--json` everywhere or a usage error, help with a "Global Options"
//! heading and examples last, colour through anstream, a man page with the usual sections,
//! `-v`/`WOL_LOG` diagnostics without secrets, `WOL_CONFIG`, dynamic completions,
//! `--version` with the commit, and `wol search` exiting 1 without a hit.

use std::fs;
use std::path::Path;
use std::process::{Command as StdCommand, Output};

use clap::CommandFactory as _;
use serde_json::Value;

use crate::common::{TestEnv, fails_with, stderr, stdout};

fn installed(program: &str) -> bool {
    StdCommand::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A journal with two entries; returns their ids, newest first.
fn journal_with_two_entries(env: &TestEnv) -> (String, String) {
    env.init_journal();
    let first = env.log(&["Shipped the guide", "-t", "docs", "-t", "onboarding"]);
    let second = env.log(&["Learned about quorums", "-k", "learning", "-t", "loomio"]);
    (crate::common::stem(&second), crate::common::stem(&first))
}

#[track_caller]
fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON on stdout ({e}):\n{}\nstderr:\n{}",
            stdout(out),
            stderr(out)
        )
    })
}

// --- Reading creates no state -------------------------------------------------------

#[test]
fn no_command_but_log_init_and_import_creates_the_default_journal() {
    let env = TestEnv::new();
    let default = env.xdg_data.join("wol");
    let bare = env.root.join("remote.git");
    let runs: &[&[&str]] = &[
        &["list"],
        &["show", "2026-11-22"],
        &["search", "guide"],
        &["digest"],
        &["digest", "--write"],
        &["edit", "2026-11-22"],
        &["rm", "2026-11-22", "--yes"],
        &["partner", "add", "gig", bare.to_str().unwrap()],
        &["partner", "rm", "gig"],
        &["partner", "list"],
        &["follow", "add", "gig", bare.to_str().unwrap()],
        &["follow", "rm", "gig"],
        &["follow", "list"],
        &["publish"],
        &["pull"],
        &["feed"],
        &["export", "--format", "json", "-"],
    ];
    for args in runs {
        let err = stderr(&fails_with(
            env.wol().args(*args),
            1,
            "error: there is no journal yet",
        ));
        assert!(
            err.contains(default.join("journal").to_str().unwrap()),
            "wol {args:?} should say there is no journal, and where it looked:\n{err}"
        );
        assert!(
            err.contains("hint: start one with: wol log \"") && err.contains("wol init"),
            "wol {args:?}: the hint should name wol log and wol init:\n{err}"
        );
        assert!(
            !default.exists(),
            "wol {args:?} created {}",
            default.display()
        );
    }
    // An import that writes nothing creates nothing either.
    let jrnl = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jrnl-export.json");
    let out = env
        .wol()
        .args(["import", "jrnl"])
        .arg(&jrnl)
        .arg("--dry-run")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!default.exists());

    // The writers create it.
    let out = env.wol().args(["log", "First entry"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(default.join("journal").join("wol.toml").is_file());
    env.wol().arg("list").assert().success();
}

#[test]
fn a_journal_named_in_the_user_config_is_not_created_by_reading_either() {
    let env = TestEnv::new();
    let named = env.root.join("mine");
    env.user_config(&format!("journal = {:?}\n", named.to_str().unwrap()));
    fails_with(env.wol().arg("list"), 1, "there is no journal yet");
    assert!(!named.exists());
    env.wol().args(["log", "Now it exists"]).assert().success();
    assert!(named.join("wol.toml").is_file());
}

// --- --json on the writing commands --------------------------------------------------

#[test]
fn init_prints_what_it_did_as_json() {
    let env = TestEnv::new();
    let out = env
        .wol()
        .arg("init")
        .arg(&env.journal)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json = json_of(&out);
    assert_eq!(json["status"], "created");
    assert_eq!(json["path"], env.journal.to_str().unwrap());
    assert_eq!(json["commit"], env.git(["rev-parse", "HEAD"]).trim());

    let out = env
        .wol()
        .arg("init")
        .arg(&env.journal)
        .arg("--json")
        .output()
        .unwrap();
    let json = json_of(&out);
    assert_eq!(json["status"], "already_initialized");
    assert_eq!(json["commit"], env.git(["rev-parse", "HEAD"]).trim());
    assert_eq!(env.commit_count(), 1);
}

#[test]
fn edit_and_rm_print_the_path_and_the_commit_as_json() {
    let env = TestEnv::new();
    let (newest, older) = journal_with_two_entries(&env);

    // Unchanged: no commit.
    let out = env
        .wol_j()
        .args(["edit", &older, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json = json_of(&out);
    assert_eq!(json["status"], "unchanged");
    assert_eq!(json["path"], format!("entries/2026/11/{older}.md"));
    assert_eq!(json["commit"], Value::Null);

    env.fake_editor(r#"sed -i 's/Shipped the guide/Shipped the whole guide/' "$1""#);
    let out = env
        .wol_j()
        .args(["edit", &older, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json = json_of(&out);
    assert_eq!(json["status"], "updated");
    assert_eq!(json["path"], format!("entries/2026/11/{older}.md"));
    assert_eq!(json["commit"], env.git(["rev-parse", "HEAD"]).trim());

    let out = env
        .wol_j()
        .args(["rm", &newest, "--yes", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json = json_of(&out);
    assert_eq!(json["status"], "removed");
    assert_eq!(json["path"], format!("entries/2026/11/{newest}.md"));
    assert_eq!(json["commit"], env.git(["rev-parse", "HEAD"]).trim());
    env.assert_consistent();
}

#[test]
fn partner_and_follow_add_and_rm_print_the_name_and_the_commit_as_json() {
    let env = TestEnv::new();
    env.init_journal();
    let bare = env.root.join("remote.git");
    let bare = bare.to_str().unwrap();
    for (noun, name) in [("partner", "gig"), ("follow", "ouishare")] {
        for (verb, status) in [("add", "added"), ("rm", "removed")] {
            let mut args = vec![noun, verb, name];
            if verb == "add" {
                args.push(bare);
            }
            let out = env.wol_j().args(&args).arg("--json").output().unwrap();
            assert!(out.status.success(), "wol {args:?}: {}", stderr(&out));
            let json = json_of(&out);
            assert_eq!(json["status"], status, "wol {args:?}: {json}");
            assert_eq!(json["name"], name);
            assert_eq!(json["path"], "wol.toml");
            assert_eq!(json["commit"], env.git(["rev-parse", "HEAD"]).trim());
        }
    }
    env.assert_consistent();
}

#[test]
fn pull_prints_each_log_as_json() {
    let env = TestEnv::new();
    env.init_journal();
    let out = env.wol_j().args(["pull", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json_of(&out), serde_json::json!([]));

    let missing = env.root.join("no-such-log.git");
    env.wol_j()
        .args(["follow", "gone"])
        .arg(&missing)
        .assert()
        .success();
    let out = fails_with(
        env.wol_j().args(["pull", "--json"]),
        1,
        "could not pull gone",
    );
    let json = json_of(&out);
    assert_eq!(json[0]["name"], "gone", "{json}");
    assert_eq!(json[0]["status"], "failed", "{json}");
    assert!(json[0]["error"].is_string(), "{json}");
}

// --- Help --------------------------------------------------------------------------

/// Every (sub)command's words, depth first: `["partner", "add"]`.
fn command_paths(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let mut path = prefix.to_vec();
        path.push(sub.get_name().to_string());
        out.push(path.clone());
        command_paths(sub, &path, out);
    }
}

#[test]
fn every_help_groups_the_global_flags_and_ends_with_examples() {
    let env = TestEnv::new();
    let mut cli = wol::cli::Cli::command();
    cli.build();
    let mut paths = vec![Vec::new()];
    command_paths(&cli, &[], &mut paths);
    assert!(paths.len() > 20, "{paths:?}");
    let mut wrong = Vec::new();
    for path in &paths {
        for flag in ["-h", "--help"] {
            let out = env.wol().args(path).arg(flag).output().unwrap();
            assert!(out.status.success(), "wol {path:?} {flag}");
            let help = stdout(&out);
            let name = format!("wol {} {flag}", path.join(" "));
            // The global flags are listed once, under their own heading.
            let Some((own, global)) = help.split_once("\nGlobal Options:\n") else {
                wrong.push(format!("{name}: no \"Global Options:\" heading"));
                continue;
            };
            for long in ["--journal", "--json", "--quiet", "--color", "--verbose"] {
                if own.contains(&format!("  {long}")) || own.contains(&format!(", {long}")) {
                    wrong.push(format!("{name}: {long} is among the command's own options"));
                }
                if !global.contains(long) {
                    wrong.push(format!("{name}: {long} is not under Global Options"));
                }
            }
            // Examples are the last paragraph, one per line.
            let last = help.trim_end().rsplit("\n\n").next().unwrap_or("");
            let mut lines = last.lines();
            if lines.next() != Some("Examples:") || !lines.all(|l| l.starts_with("  ")) {
                wrong.push(format!("{name}: does not end with examples:\n{last}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn rm_short_help_snapshot() {
    let env = TestEnv::new();
    let out = env.wol().args(["rm", "-h"]).output().unwrap();
    insta::assert_snapshot!(stdout(&out), @r#"
    Remove an entry, with a commit; `git log -p` still has its text

    Usage: wol rm [OPTIONS] <ID>

    Arguments:
      <ID>  Entry id, unique id prefix, or path

    Options:
      -y, --yes      Do not ask for confirmation
      -h, --help     Print help (see more with '--help')
      -V, --version  Print version

    Global Options:
          --journal <DIR>  The journal to use [default: the enclosing journal, then the user config's,
                           then the default journal in the data directory] [env: WOL_DIR=]
          --json           Print data as JSON
      -q, --quiet          Print nothing on success
          --color <WHEN>   When to use colour [default: auto] [possible values: auto, always, never]
      -v, --verbose...     Say what wol does on stderr: journal, config files, remotes (-vv: and
                           timings)

    Examples:
      wol rm 2026-11-22-1432-shipped-the-onboarding-guide
      wol rm 2026-11-22-1432 --yes
    "#);
}

// --- Colour ------------------------------------------------------------------------

#[test]
fn colour_follows_the_flag_and_the_usual_environment() {
    let env = TestEnv::new();
    journal_with_two_entries(&env);
    let list = |args: &[&str], vars: &[(&str, &str)]| -> String {
        let mut cmd = env.wol_j();
        cmd.arg("list").args(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let coloured = |text: &str| text.contains("\x1b[");
    assert!(!coloured(&list(&[], &[])), "a pipe gets no colour");
    assert!(coloured(&list(&["--color", "always"], &[])));
    assert!(coloured(&list(
        &["--color", "always"],
        &[("NO_COLOR", "1")]
    )));
    assert!(!coloured(&list(&[], &[("NO_COLOR", "1")])));
    assert!(
        coloured(&list(&[], &[("CLICOLOR_FORCE", "1")])),
        "CLICOLOR_FORCE colours a pipe"
    );
    assert!(!coloured(&list(
        &["--color", "never"],
        &[("CLICOLOR_FORCE", "1")]
    )));
    assert!(!coloured(&list(
        &[],
        &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]
    )));
    // The same text either way, only the styles differ.
    let plain = list(&[], &[]);
    let styled = list(&["--color", "always"], &[]);
    assert_eq!(strip_sgr(&styled), plain);
    assert!(styled.contains("\x1b[1mShipped the guide"), "{styled:?}");

    let out = env
        .wol_j()
        .args(["doctor", "--color", "always"])
        .output()
        .unwrap();
    assert!(stdout(&out).contains("\x1b[32mok"), "{}", stdout(&out));
}

/// `text` without SGR escape sequences (`ESC [ … m`).
fn strip_sgr(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        rest = after.find('m').map_or("", |j| &after[j + 1..]);
    }
    out.push_str(rest);
    out
}

// --- Man page ----------------------------------------------------------------------

/// The page as groff renders it for a reader, without bold/underline overstrikes.
fn groff_text(page: &Path) -> String {
    assert!(
        installed("groff"),
        "groff is not installed: apt-get install -y groff-base (see .ci/packages.txt)"
    );
    let out = StdCommand::new("groff")
        .args(["-man", "-Tutf8", "-P-cbou", "-ww"])
        .arg(page)
        .output()
        .unwrap();
    assert!(out.status.success(), "groff: {}", stderr(&out));
    assert!(
        out.stderr.is_empty(),
        "groff warns about {}:\n{}",
        page.display(),
        stderr(&out)
    );
    stdout(&out)
}

#[test]
fn man_page_has_name_exit_status_environment_files_and_examples() {
    let env = TestEnv::new();
    let out = env.wol().arg("man").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let roff = stdout(&out);
    assert!(
        roff.contains("\n.SH NAME\nwol \\- a journal for working out loud\n"),
        "{roff}"
    );
    let page = env.root.join("wol.1");
    fs::write(&page, &out.stdout).unwrap();
    let text = groff_text(&page);
    let sections: Vec<&str> = text
        .lines()
        .filter(|l| !l.is_empty() && l.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
        .collect();
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "EXAMPLES",
    ] {
        assert!(
            sections.contains(&section),
            "no {section} section in {sections:?}"
        );
    }
    assert!(
        text.contains("wol - a journal for working out loud"),
        "{text}"
    );
    assert!(!text.contains("wol - wol"), "{text}");
    for var in [
        "WOL_DIR",
        "WOL_CONFIG",
        "WOL_AUTHOR",
        "WOL_NOW",
        "WOL_GIT_TOKEN",
        "WOL_LOG",
        "NO_COLOR",
        "VISUAL, EDITOR",
    ] {
        assert!(
            text.contains(&format!("\n       {var}\n")),
            "ENVIRONMENT lacks {var}"
        );
    }
    // Examples keep their lines, however long.
    assert!(
        text.contains(
            "\n       wol log \"Shipped the onboarding guide\" -t onboarding --learned \"Checklists beat long docs\"\n"
        ),
        "{text}"
    );
    let examples = text.split("EXAMPLES").nth(1).unwrap();
    let description = text.split("DESCRIPTION").nth(1).unwrap();
    assert!(
        !description
            .split("EXAMPLES")
            .next()
            .unwrap()
            .contains("Examples:"),
        "examples belong in EXAMPLES, not in the description"
    );
    assert!(examples.contains("wol search loomio"));
}

#[test]
fn a_subcommand_page_names_itself_and_keeps_its_examples() {
    let env = TestEnv::new();
    let dir = env.root.join("man1");
    env.wol()
        .args(["man", "--out"])
        .arg(&dir)
        .assert()
        .success();
    let roff = fs::read_to_string(dir.join("wol-log.1")).unwrap();
    assert!(
        roff.contains("\n.SH NAME\nwol\\-log \\- Add an entry"),
        "{roff}"
    );
    let text = groff_text(&dir.join("wol-log.1"));
    for section in ["EXIT STATUS", "EXAMPLES", "SEE ALSO"] {
        assert!(text.contains(&format!("\n{section}\n")), "{text}");
    }
    assert!(text.contains("\n       git log -1 --format=%B | wol log -k progress\n"));
}

// --- Diagnostics -------------------------------------------------------------------

#[test]
fn verbose_says_which_journal_and_config_files_and_nothing_without_it() {
    let env = TestEnv::new();
    journal_with_two_entries(&env);
    let quiet = env.wol_j().arg("list").output().unwrap();
    assert!(quiet.status.success() && quiet.stderr.is_empty());

    let out = env.wol_j().args(["-v", "list"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, quiet.stdout, "-v changes only stderr");
    let err = stderr(&out);
    let journal = env.journal.to_str().unwrap();
    assert!(
        err.contains(&format!(
            "journal {journal} (named by --journal or WOL_DIR)"
        )),
        "{err}"
    );
    assert!(err.contains(&format!("config {journal}/wol.toml")), "{err}");
    assert!(err.contains("user config "), "{err}");
    assert!(err.lines().all(|l| l.starts_with("wol[")), "{err}");
    assert!(!err.contains(" after "), "timings are for -vv:\n{err}");

    // From inside the journal: found as the enclosing folder.
    let out = env
        .wol()
        .current_dir(env.journal.join("entries"))
        .args(["list", "--verbose"])
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("(the nearest enclosing folder with a wol.toml)"),
        "{}",
        stderr(&out)
    );

    // -vv and WOL_LOG=debug say more.
    for out in [
        env.wol_j().args(["-vv", "list"]).output().unwrap(),
        env.wol_j()
            .arg("list")
            .env("WOL_LOG", "debug")
            .output()
            .unwrap(),
    ] {
        let more = stderr(&out);
        assert!(more.lines().count() > err.lines().count(), "{more}");
        assert!(more.contains("done after"), "{more}");
    }
    let info = env
        .wol_j()
        .arg("list")
        .env("WOL_LOG", "info")
        .output()
        .unwrap();
    let info = stderr(&info);
    assert!(info.contains(&format!("journal {journal} (")), "{info}");
    assert!(!info.contains("done after"), "{info}");
}

#[test]
fn verbose_names_remotes_and_timings_but_never_a_credential() {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&["Shipped the guide"]);
    // Nothing listens on port 1: the push fails at once, after wol has said where it went.
    let url = "ssh://git@127.0.0.1:1/knowledge-log.git";
    env.wol_j()
        .args(["partner", "add", "gig", url])
        .assert()
        .success();
    let token = "wol-test-token-1f2e3d4c5b6a";
    let err = stderr(&fails_with(
        env.wol_j()
            .args(["-vv", "publish"])
            .env("WOL_GIT_TOKEN", token),
        1,
        &format!("remote: push refs/wol/published/gig to {url} (main)"),
    ));
    assert!(err.contains("publish: plan took"), "{err}");
    assert!(!err.contains(token), "the token was printed:\n{err}");

    let out = env
        .wol_j()
        .args(["-v", "doctor"])
        .env("WOL_GIT_TOKEN", token)
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains(&format!("remote: list the branches of {url}")),
        "{err}"
    );
    assert!(!err.contains(token) && !stdout(&out).contains(token));
}

// --- Config location ---------------------------------------------------------------

#[test]
fn wol_config_and_wol_config_dir_move_the_user_config_and_doctor_names_it() {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&["Shipped the guide"]);
    let elsewhere = env.root.join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    let file = elsewhere.join("wol.toml.user");
    fs::write(
        &file,
        format!("journal = {:?}\n", env.journal.to_str().unwrap()),
    )
    .unwrap();
    fs::write(
        elsewhere.join("config.toml"),
        format!("journal = {:?}\n", env.journal.to_str().unwrap()),
    )
    .unwrap();

    for (var, value, path) in [
        ("WOL_CONFIG", file.clone(), file.clone()),
        (
            "WOL_CONFIG_DIR",
            elsewhere.clone(),
            elsewhere.join("config.toml"),
        ),
    ] {
        let out = env.wol().arg("list").env(var, &value).output().unwrap();
        assert!(out.status.success(), "{var}: {}", stderr(&out));
        assert!(stdout(&out).contains("Shipped the guide"));

        let out = env.wol().arg("doctor").env(var, &value).output().unwrap();
        let text = stdout(&out);
        let files = text
            .lines()
            .find(|l| l.starts_with("ok    files "))
            .unwrap_or_else(|| panic!("no files line:\n{text}"));
        assert!(
            files.contains(path.to_str().unwrap())
                && files.contains(env.journal.join("wol.toml").to_str().unwrap()),
            "{files}"
        );
        let out = env
            .wol()
            .args(["doctor", "--json"])
            .env(var, &value)
            .output()
            .unwrap();
        let json = json_of(&out);
        assert_eq!(json["files"][0], path.to_str().unwrap(), "{json}");
    }
    // WOL_CONFIG wins over WOL_CONFIG_DIR, and a broken file is named.
    fs::write(&file, "jornal = 1\n").unwrap();
    fails_with(
        env.wol()
            .arg("list")
            .env("WOL_CONFIG", &file)
            .env("WOL_CONFIG_DIR", &elsewhere),
        1,
        file.to_str().unwrap(),
    );
    // Without them, the XDG config is the one, as before.
    let out = env.wol().arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "no journal without a config");
}

// --- Completions -------------------------------------------------------------------

/// What the completion script of `shell` asks wol for `words`, the cursor on the last: the
/// values offered (not the flags).
fn complete(env: &TestEnv, shell: &str, dir: &Path, words: &[&str]) -> Vec<String> {
    let out = env
        .wol()
        .current_dir(dir)
        .env("COMPLETE", shell)
        .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
        .env("_CLAP_COMPLETE_COMP_TYPE", "9")
        .env("_CLAP_COMPLETE_SPACE", "true")
        .env("_CLAP_IFS", "\n")
        .arg("--")
        .args(words)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        // With nothing typed yet, flags are offered too: only values are of interest.
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .collect()
}

#[test]
fn completion_offers_entry_ids_names_kinds_and_tags() {
    let env = TestEnv::new();
    let (newest, older) = journal_with_two_entries(&env);
    env.wol_j()
        .args(["partner", "add", "gig"])
        .arg(env.root.join("gig.git"))
        .assert()
        .success();
    env.wol_j()
        .args(["follow", "ouishare"])
        .arg(env.root.join("ouishare.git"))
        .assert()
        .success();
    let inside = env.journal.join("entries");
    let mut both = vec![newest.clone(), older.clone()];
    both.sort();
    for shell in ["bash", "zsh", "fish"] {
        let mut ids = complete(&env, shell, &inside, &["wol", "show", "2026-11"]);
        ids.sort();
        assert_eq!(ids, both, "{shell}");
    }
    let c = |words: &[&str]| complete(&env, "bash", &inside, words);
    assert_eq!(c(&["wol", "rm", "2026-11-22-1432-l"]), vec![newest.clone()]);
    assert_eq!(
        c(&["wol", "list", "--tag", ""]),
        ["docs", "loomio", "onboarding"]
    );
    assert_eq!(c(&["wol", "log", "-k", "le"]), ["learning"]);
    assert_eq!(c(&["wol", "publish", ""]), ["gig"]);
    assert_eq!(c(&["wol", "partner", "rm", ""]), ["gig"]);
    assert_eq!(c(&["wol", "pull", ""]), ["ouishare"]);
    assert_eq!(c(&["wol", "feed", "--from", ""]), ["ouishare"]);
    // WOL_DIR finds the journal from anywhere, as it does for the commands.
    let out = env
        .wol()
        .env("WOL_DIR", &env.journal)
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "2")
        .args(["--", "wol", "edit", "2"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out).lines().count(), 2, "{}", stdout(&out));
    // So does --journal on the line being completed, in both spellings, over WOL_DIR.
    let journal = env.journal.to_str().unwrap();
    let equals = format!("--journal={journal}");
    let elsewhere = env.root.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    for words in [
        vec!["wol", "--journal", journal, "show", "2026-11"],
        vec!["wol", "show", &equals, "2026-11"],
    ] {
        let mut ids = complete(&env, "bash", &elsewhere, &words);
        ids.sort();
        assert_eq!(ids, both, "{words:?}");
    }
    let out = env
        .wol()
        .current_dir(&elsewhere)
        .env("WOL_DIR", &elsewhere)
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "4")
        .args(["--", "wol", "--journal", journal, "edit", "2"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out).lines().count(), 2, "{}", stdout(&out));
}

#[test]
fn completion_never_creates_a_journal() {
    let env = TestEnv::new();
    assert!(complete(&env, "bash", &env.root, &["wol", "show", ""]).is_empty());
    assert!(complete(&env, "bash", &env.root, &["wol", "list", "--tag", ""]).is_empty());
    assert!(!env.xdg_data.join("wol").exists());
}

#[test]
fn completion_registration_scripts_parse() {
    let env = TestEnv::new();
    for (shell, program, flag) in [
        ("bash", "bash", "-n"),
        ("zsh", "zsh", "-n"),
        ("fish", "fish", "--no-execute"),
    ] {
        let out = env.wol().env("COMPLETE", shell).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains("COMPLETE"), "{shell}:\n{script}");
        if !installed(program) {
            eprintln!("note: {program} is not installed; its script was not parsed");
            continue;
        }
        let file = env.root.join(format!("dynamic.{shell}"));
        fs::write(&file, &script).unwrap();
        let check = StdCommand::new(program)
            .arg(flag)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{program} rejects the script: {}",
            stderr(&check)
        );
    }
}

// --- --version ---------------------------------------------------------------------

#[test]
fn version_names_the_commit_when_built_from_git() {
    let env = TestEnv::new();
    let out = env.wol().arg("--version").output().unwrap();
    assert!(out.status.success());
    let line = stdout(&out);
    let line = line.trim_end();
    let version = env!("CARGO_PKG_VERSION");
    let rest = line
        .strip_prefix(&format!("wol {version}"))
        .unwrap_or_else(|| panic!("{line:?}"));
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !manifest.join(".git").exists() {
        assert_eq!(rest, "", "not built from git: just the version");
        return;
    }
    let inner = rest
        .strip_prefix(" (")
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("no (commit date) in {line:?}"));
    let (hash, date) = inner.split_once(' ').unwrap();
    assert!(
        hash.len() >= 7 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{line:?}"
    );
    assert!(
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
        "{line:?}"
    );
    let head = env
        .git_cmd_in(manifest)
        .args(["rev-parse", "HEAD"])
        .output()
        .unwrap();
    if head.status.success() {
        assert!(stdout(&head).starts_with(hash), "{line:?} is not HEAD");
    }
}

// --- search exits 1 without a hit ----------------------------------------------------

#[test]
fn search_without_a_hit_exits_1_quietly_like_grep() {
    let env = TestEnv::new();
    journal_with_two_entries(&env);
    env.wol_j().args(["search", "quorums"]).assert().success();
    env.wol_j()
        .args(["search", "nowhere-to-be-found"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
    env.wol_j()
        .args(["search", "nowhere-to-be-found", "--json"])
        .assert()
        .code(1)
        .stdout("[]\n")
        .stderr("");
    // A filter that leaves nothing is no hit either.
    env.wol_j()
        .args(["search", "quorums", "--kind", "credit"])
        .assert()
        .code(1);
    let help = stdout(&env.wol().args(["search", "--help"]).output().unwrap());
    assert!(help.contains("Exits 1 when nothing matches"), "{help}");
}
