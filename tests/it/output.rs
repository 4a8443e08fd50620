//! What reaches the terminal: a closed stdout (`wol … | head -1`) is a quiet success for
//! every command that prints data.

use std::io::{BufRead as _, BufReader};
use std::process::{Output, Stdio};

use crate::common::{TestEnv, entry_text, stderr};

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
