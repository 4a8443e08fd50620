//! Completions, the man page, help texts and output conventions (colour, streams).

use std::path::Path;
use std::process::Command as StdCommand;

use clap::CommandFactory as _;

use crate::common::{TestEnv, fails_with, stderr, stdout};

/// Every (sub)command, depth first, with its full name (`wol import jrnl`).
fn all_commands(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let name = format!("{prefix} {}", sub.get_name());
        out.push((name.clone(), sub.clone()));
        all_commands(sub, &name, out);
    }
}

#[test]
fn every_subcommand_has_a_description_and_an_example() {
    let mut cli = wol::cli::Cli::command();
    cli.build();
    let mut commands = Vec::new();
    all_commands(&cli, "wol", &mut commands);
    assert!(
        commands.len() >= 12,
        "expected the whole command tree, got {}",
        commands.len()
    );
    let mut missing = Vec::new();
    for (name, cmd) in &commands {
        let about = cmd.get_about().map(|s| s.to_string()).unwrap_or_default();
        let long = [
            cmd.get_long_about(),
            cmd.get_after_long_help(),
            cmd.get_after_help(),
        ]
        .into_iter()
        .flatten()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join("\n");
        if about.trim().is_empty() {
            missing.push(format!("{name}: no short description"));
        }
        if !long.contains("Example") {
            missing.push(format!("{name}: no \"Examples:\" in its long help"));
            continue;
        }
        // The example lines must survive as lines (clap joins the lines of a doc comment
        // paragraph unless the command is `verbatim_doc_comment`).
        let help = cmd.clone().bin_name(name).render_long_help().to_string();
        if !help
            .lines()
            .any(|l| l.starts_with("  wol ") || l.starts_with("  jrnl "))
        {
            missing.push(format!(
                "{name}: its examples are not on lines of their own:\n{help}"
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "help texts lacking:\n{}",
        missing.join("\n")
    );
}

#[test]
fn help_is_printed_by_the_binary_with_examples() {
    let env = TestEnv::new();
    let out = env.wol().args(["export", "--help"]).output().unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.contains("Examples:\n  wol export --format markdown"),
        "{text}"
    );
}

fn installed(program: &str) -> bool {
    StdCommand::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn completions_generate_for_every_shell_and_parse() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = env.wol().args(["completions", shell]).output().unwrap();
        assert!(
            out.status.success(),
            "wol completions {shell} failed: {}",
            stderr(&out)
        );
        let script = stdout(&out);
        assert!(
            script.contains("wol") && script.len() > 500,
            "{shell} script too small:\n{script}"
        );
        for sub in ["log", "doctor", "import", "export"] {
            assert!(
                script.contains(sub),
                "{shell} completions do not mention `{sub}`"
            );
        }
        let file = env.root.join(format!("wol.{shell}"));
        std::fs::write(&file, &script).unwrap();
        // A syntax check by the shell itself, where that shell is installed; bash always is.
        let check = match shell {
            "bash" => Some(("bash", "-n")),
            "zsh" => Some(("zsh", "-n")),
            "fish" => Some(("fish", "--no-execute")),
            _ => None,
        };
        if let Some((program, flag)) = check {
            if program != "bash" && !installed(program) {
                eprintln!(
                    "note: {program} is not installed; its completions were generated but not parsed"
                );
                continue;
            }
            let out = StdCommand::new(program)
                .arg(flag)
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                out.status.success() && out.stderr.is_empty(),
                "{program} {flag} rejects the completions: {}",
                stderr(&out)
            );
        }
    }
}

#[test]
fn completions_reject_an_unknown_shell_with_a_usage_error() {
    let env = TestEnv::new();
    env.wol().args(["completions", "tcsh"]).assert().code(2);
}

/// Render a page with groff, with every warning on; fail clearly when groff is missing.
fn groff_warnings(page: &Path) -> String {
    assert!(
        installed("groff"),
        "groff is not installed, so the man page cannot be checked: install it with \
         `apt-get install -y groff-base` (listed in .ci/packages.txt)"
    );
    let out = StdCommand::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "groff failed on {}: {}",
        page.display(),
        stderr(&out)
    );
    stderr(&out)
}

#[test]
fn man_page_renders_without_warnings() {
    let env = TestEnv::new();
    let out = env.wol().arg("man").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let page = env.root.join("wol.1");
    std::fs::write(&page, &out.stdout).unwrap();
    let text = stdout(&out);
    assert!(
        text.starts_with(".ie") || text.contains(".TH wol 1"),
        "not a roff page:\n{text}"
    );
    for sub in ["log", "doctor", "import", "export", "completions"] {
        assert!(text.contains(sub), "wol.1 does not list `{sub}`");
    }
    let warnings = groff_warnings(&page);
    assert!(warnings.is_empty(), "groff warns about wol.1:\n{warnings}");
}

#[test]
fn man_out_writes_a_page_per_subcommand() {
    let env = TestEnv::new();
    let dir = env.root.join("man1");
    env.wol()
        .args(["man", "--out"])
        .arg(&dir)
        .assert()
        .success()
        .stdout("");
    let mut cli = wol::cli::Cli::command();
    cli.build();
    let mut commands = Vec::new();
    all_commands(&cli, "wol", &mut commands);
    let mut expected: Vec<String> = commands
        .iter()
        .map(|(name, _)| format!("{}.1", name.replace(' ', "-")))
        .collect();
    expected.push("wol.1".into());
    for name in &expected {
        let page = dir.join(name);
        assert!(page.is_file(), "wol man --out wrote no {name}");
        let warnings = groff_warnings(&page);
        assert!(warnings.is_empty(), "groff warns about {name}:\n{warnings}");
    }
}

fn journal_with_entries() -> TestEnv {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&["Shipped the guide", "-t", "docs"]);
    env.log(&["Learned about quorums", "-k", "learning"]);
    env
}

#[test]
fn list_colours_only_when_asked_or_on_a_terminal() {
    let env = journal_with_entries();
    let always = env
        .wol_j()
        .args(["list", "--color", "always"])
        .output()
        .unwrap();
    assert!(always.status.success());
    assert!(
        stdout(&always).contains("\x1b["),
        "--color always printed no escape codes"
    );

    // Under a pipe (as here), auto means no colour.
    let piped = env.wol_j().arg("list").output().unwrap();
    assert!(piped.status.success());
    assert!(
        !stdout(&piped).contains('\x1b'),
        "colour under a pipe: {:?}",
        stdout(&piped)
    );
    assert!(stdout(&piped).contains("Shipped the guide"));

    let never = env
        .wol_j()
        .args(["list", "--color", "never"])
        .env("NO_COLOR", "")
        .output()
        .unwrap();
    assert!(!stdout(&never).contains('\x1b'));
    let no_color = env
        .wol_j()
        .arg("list")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!stdout(&no_color).contains('\x1b'));
}

#[test]
fn data_goes_to_stdout_and_messages_to_stderr() {
    let env = journal_with_entries();
    // Messages only: stdout stays empty.
    let out = env.wol().arg("init").arg(&env.journal).output().unwrap();
    assert!(out.status.success());
    assert!(
        out.stdout.is_empty(),
        "wol init printed data: {}",
        stdout(&out)
    );
    assert!(!stderr(&out).is_empty());
    // Data (JSON) on stdout, the summary on stderr.
    let out = env
        .wol_j()
        .args(["export", "--format", "markdown"])
        .arg(env.root.join("bk"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("exported 2 entries"),
        "{}",
        stderr(&out)
    );
    // -q: nothing on success (--force: the folder holds the first export).
    let out = env
        .wol_j()
        .args(["-q", "export", "--format", "markdown", "--force"])
        .arg(env.root.join("bk"))
        .output()
        .unwrap();
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty());
    // Errors on stderr, exit 1.
    let out = fails_with(env.wol_j().args(["show", "no-such-entry"]), 1, "error: ");
    assert!(
        out.stdout.is_empty() && stderr(&out).starts_with("error: "),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_data_command_speaks_json() {
    let env = journal_with_entries();
    let jrnl = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jrnl-export.json");
    let runs: Vec<Vec<String>> = vec![
        vec!["list".into()],
        vec!["search".into(), "guide".into()],
        vec!["doctor".into()],
        vec![
            "export".into(),
            "--format".into(),
            "json".into(),
            "-".into(),
        ],
        vec![
            "import".into(),
            "jrnl".into(),
            jrnl.display().to_string(),
            "--dry-run".into(),
        ],
    ];
    for args in runs {
        let out = env.wol_j().args(&args).arg("--json").output().unwrap();
        assert!(
            out.status.success(),
            "wol {args:?} --json failed: {}",
            stderr(&out)
        );
        let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&out.stdout);
        assert!(
            parsed.is_ok(),
            "wol {args:?} --json printed no JSON:\n{}",
            stdout(&out)
        );
    }
}
