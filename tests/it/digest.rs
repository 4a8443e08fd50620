//! `wol digest`: sections, ISO-week edges, timezones, empty weeks, partner filtering,
//! idempotent `--write`, every format, snapshots, and a cron run with an empty
//! environment.

use std::fs;
use std::process::{Command as StdCommand, Stdio};

use crate::common::{TestEnv, fails_with, stderr, stdout};

/// "Now" for these tests: Monday after 2026-W47, so every W47 entry is in the past.
const MONDAY: &str = "2026-11-23T08:00:00+01:00";

fn env() -> TestEnv {
    let env = TestEnv::new().with_now(Some(MONDAY));
    env.init_journal();
    env
}

/// `wol log --date DATE ARGS…`.
#[track_caller]
fn log_at(env: &TestEnv, date: &str, args: &[&str]) {
    let mut all = vec!["--date", date];
    all.extend_from_slice(args);
    env.log(&all);
}

/// A week (2026-W47) with one entry of each kind, sections, mentions and tags, plus
/// entries just outside it that must not show up.
fn week47() -> TestEnv {
    let env = env();
    log_at(
        &env,
        "2026-11-15 18:00",
        &["-k", "progress", "Sunday before the week"],
    );
    log_at(
        &env,
        "2026-11-16 09:15",
        &[
            "-k",
            "progress",
            "-t",
            "docs",
            "-t",
            "onboarding",
            "--learned",
            "People skip long docs; a checklist works better.",
            "--next",
            "Ask @ouishare to review it.",
            "Shipped the onboarding guide\n\nWrote the guide with @maria and the GIG crew.",
        ],
    );
    log_at(
        &env,
        "2026-11-17 11:00",
        &[
            "-k",
            "learning",
            "-t",
            "rust",
            "Error chains with anyhow\n\n`{:#}` prints the whole chain on one line.",
        ],
    );
    log_at(
        &env,
        "2026-11-18 14:30",
        &[
            "-k",
            "help",
            "-t",
            "loomio",
            "Looking for a Loomio facilitator\n\nSomeone who ran a vote for 200+ members.",
        ],
    );
    log_at(
        &env,
        "2026-11-19 10:00",
        &[
            "-k",
            "decision",
            "-t",
            "meetings",
            "Weekly call moves to Thursdays\n\n15 of 23 can make Thursday.",
        ],
    );
    log_at(
        &env,
        "2026-11-20 16:45",
        &[
            "-k",
            "credit",
            "-t",
            "facilitation",
            "Thanks to OuiShare for the facilitation kit\n\n@ouishare's kit kept a 40-person call on time.",
        ],
    );
    log_at(
        &env,
        "2026-11-21 10:00",
        &[
            "-k",
            "progress",
            "-t",
            "docs",
            "--help-wanted",
            "A second pair of eyes on the CI cache.",
            "Reviewed six pull requests [docs site]",
        ],
    );
    log_at(
        &env,
        "2026-11-22 20:00",
        &[
            "-k",
            "progress",
            "--private",
            "Board prep\n\nPRIVATE-MARKER-7f3a: the funding figures.",
        ],
    );
    log_at(
        &env,
        "2026-11-23 07:30",
        &["-k", "progress", "Monday after the week"],
    );
    env
}

/// `wol --journal J digest ARGS`, asserting success; stdout.
#[track_caller]
fn digest(env: &TestEnv, args: &[&str]) -> String {
    let out = env.wol_j().arg("digest").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "wol digest {args:?} failed ({}):\n{}",
        out.status,
        stderr(&out)
    );
    stdout(&out)
}

#[track_caller]
fn digest_json(env: &TestEnv, args: &[&str]) -> serde_json::Value {
    let text = digest(env, &[args, &["--format", "json"]].concat());
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

fn titles(section: &serde_json::Value) -> Vec<String> {
    section
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {section}"))
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn entries_are_grouped_into_sections() {
    let env = week47();
    let d = digest_json(&env, &["--week", "2026-W47"]);
    assert_eq!(d["period"]["label"], "2026-W47");
    assert_eq!(d["period"]["from"], "2026-11-16");
    assert_eq!(d["period"]["to"], "2026-11-22");
    assert_eq!(d["counts"]["entries"], 7, "{d:#}");
    assert_eq!(d["counts"]["active_days"], 7);
    // Every day from Sunday 15th (before the week) to Sunday 22nd has an entry.
    assert_eq!(d["counts"]["streak"], 8);
    assert_eq!(
        titles(&d["progress"]),
        [
            "Shipped the onboarding guide",
            "Reviewed six pull requests [docs site]",
            "Board prep"
        ]
    );
    assert_eq!(
        titles(&d["learned"]),
        ["Shipped the onboarding guide", "Error chains with anyhow"]
    );
    assert_eq!(
        d["learned"][0]["text"],
        "People skip long docs; a checklist works better."
    );
    assert_eq!(
        d["learned"][1]["text"],
        "`{:#}` prints the whole chain on one line."
    );
    assert_eq!(
        titles(&d["help_wanted"]),
        [
            "Looking for a Loomio facilitator",
            "Reviewed six pull requests [docs site]"
        ]
    );
    assert_eq!(
        d["help_wanted"][1]["text"],
        "A second pair of eyes on the CI cache."
    );
    assert_eq!(titles(&d["decisions"]), ["Weekly call moves to Thursdays"]);
    assert_eq!(
        titles(&d["credit"]["entries"]),
        ["Thanks to OuiShare for the facilitation kit"]
    );
    let mentions: Vec<(&str, Vec<String>)> = d["credit"]["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), titles(&m["entries"])))
        .collect();
    assert_eq!(
        mentions,
        [
            ("maria", vec!["Shipped the onboarding guide".to_owned()]),
            (
                "ouishare",
                vec![
                    "Shipped the onboarding guide".to_owned(),
                    "Thanks to OuiShare for the facilitation kit".to_owned()
                ]
            ),
        ]
    );
    assert_eq!(titles(&d["next"]), ["Shipped the onboarding guide"]);
    let tags: Vec<(String, u64)> = d["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["tag"].as_str().unwrap().to_owned(),
                t["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(tags[0], ("docs".to_owned(), 2));
    assert_eq!(tags.len(), 6, "{tags:?}");
    let item = &d["progress"][0];
    assert!(
        item["path"]
            .as_str()
            .unwrap()
            .starts_with("entries/2026/11/2026-11-16-0915-")
    );
    assert_eq!(item["date"], "2026-11-16");

    // Sections with nothing in them are left out of the rendering.
    env.wol_j()
        .args(["rm", "--yes", "2026-11-19-1000"])
        .assert()
        .success();
    let md = digest(&env, &["--week", "2026-W47"]);
    assert!(!md.contains("## Decisions"), "{md}");
    assert!(
        md.contains("## Progress") && md.contains("## Credit"),
        "{md}"
    );
}

#[test]
fn markdown_snapshot() {
    let env = week47();
    insta::assert_snapshot!("digest_w47_md", digest(&env, &["--week", "2026-W47"]));
}

#[test]
fn text_snapshot() {
    let env = week47();
    let text = digest(&env, &["--week", "2026-W47", "--format", "text"]);
    assert!(!text.contains("](") && !text.contains("**"), "{text}");
    insta::assert_snapshot!("digest_w47_text", text);
}

#[test]
fn markdown_links_point_at_the_entry_files_from_the_digests_folder() {
    let env = week47();
    let md = digest(&env, &["--week", "2026-W47"]);
    let digest_dir = env.journal.join("digests").join("2026");
    fs::create_dir_all(&digest_dir).unwrap();
    let mut links = 0;
    for part in md.split("](").skip(1) {
        let target = &part[..part.find(')').unwrap()];
        assert!(target.starts_with("../../entries/"), "{target}");
        assert!(digest_dir.join(target).is_file(), "broken link {target}");
        links += 1;
    }
    assert!(links >= 7, "{md}");
}

#[test]
fn iso_week_53_and_weeks_that_straddle_new_year() {
    let env = TestEnv::new().with_now(Some("2027-01-10T12:00:00+01:00"));
    env.init_journal();
    let out = fails_with(
        env.wol_j().args(["digest", "--week", "2025-W53"]),
        1,
        "2025-W53 does not exist",
    );
    assert!(stdout(&out).is_empty());

    log_at(&env, "2026-12-27 12:00", &["Sunday of W52"]);
    log_at(&env, "2026-12-28 09:00", &["Monday of W53"]);
    log_at(&env, "2027-01-03 18:00", &["Sunday of W53, in 2027"]);
    log_at(&env, "2027-01-04 09:00", &["Monday of 2027-W01"]);
    let d = digest_json(&env, &["--week", "2026-W53"]);
    assert_eq!(d["period"]["from"], "2026-12-28");
    assert_eq!(d["period"]["to"], "2027-01-03");
    assert_eq!(
        titles(&d["progress"]),
        ["Monday of W53", "Sunday of W53, in 2027"]
    );

    let before = env.commit_count();
    env.wol_j()
        .args(["digest", "--week", "2026-W53", "--write", "-q"])
        .assert()
        .success()
        .stdout("");
    assert_eq!(env.commit_count(), before + 1);
    assert_eq!(env.head_subject(), "digest: 2026-W53");
    assert!(
        env.read("digests/2026/2026-W53.md")
            .contains("Sunday of W53, in 2027")
    );
    env.assert_consistent();

    // On Sunday 2027-01-10, "this" week is 2027-W01 and "last" (the default) 2026-W53.
    let d = digest_json(&env, &["--week", "this"]);
    assert_eq!(d["period"]["label"], "2027-W01");
    assert_eq!(titles(&d["progress"]), ["Monday of 2027-W01"]);
    assert_eq!(digest_json(&env, &[])["period"]["label"], "2026-W53");
}

#[test]
fn a_late_sunday_entry_in_another_timezone_belongs_to_its_local_sunday() {
    let env = env();
    // Sunday 23:30 in New York is Monday 04:30 UTC (and 05:30 in Vienna, where "now" is).
    log_at(
        &env,
        "2026-11-22T23:30:00-05:00",
        &["Late Sunday in New York"],
    );
    let w47 = digest_json(&env, &["--week", "2026-W47"]);
    assert_eq!(titles(&w47["progress"]), ["Late Sunday in New York"]);
    assert_eq!(w47["progress"][0]["date"], "2026-11-22");
    let w48 = digest_json(&env, &["--week", "2026-W48"]);
    assert_eq!(w48["counts"]["entries"], 0);
    // --from/--to count days the same way.
    let sunday = digest_json(&env, &["--from", "2026-11-22", "--to", "2026-11-22"]);
    assert_eq!(sunday["counts"]["entries"], 1);
}

#[test]
fn an_empty_week_says_so_and_exits_0() {
    let env = week47();
    let before = env.commit_count();
    let out = env
        .wol_j()
        .args(["digest", "--week", "2026-W40"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("no entries in 2026-W40"),
        "{}",
        stderr(&out)
    );

    let out = env
        .wol_j()
        .args(["digest", "--week", "2026-W40", "--write"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("no digest written"),
        "{}",
        stderr(&out)
    );
    assert!(!env.journal.join("digests/2026/2026-W40.md").exists());
    assert_eq!(env.commit_count(), before);

    env.wol_j()
        .args(["digest", "--week", "2026-W40", "--write", "-q"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
    let d = digest_json(&env, &["--week", "2026-W40"]);
    assert_eq!(d["counts"]["entries"], 0);
}

#[test]
fn for_partner_leaves_out_what_the_partner_may_not_see() {
    let env = week47();
    let toml = env.read("wol.toml")
        + "\n[partners.gig]\nurl = \"/tmp/x\"\n\n[partners.other]\nurl = \"/tmp/y\"\n";
    env.write("wol.toml", toml);
    env.git(["commit", "-q", "-am", "add partners"]);
    log_at(
        &env,
        "2026-11-20 12:00",
        &["--partners", "--to", "gig", "For GIG only"],
    );
    log_at(
        &env,
        "2026-11-20 13:00",
        &["--partners", "--to", "other", "For the other partner only"],
    );

    let all = digest(&env, &["--week", "2026-W47"]);
    assert!(
        all.contains("PRIVATE-MARKER-7f3a") && all.contains("Board prep"),
        "{all}"
    );

    for format in ["md", "text", "html", "json"] {
        let gig = digest(
            &env,
            &["--week", "2026-W47", "--for", "gig", "--format", format],
        );
        assert!(
            !gig.contains("PRIVATE-MARKER-7f3a") && !gig.contains("Board prep"),
            "{format}: {gig}"
        );
        assert!(gig.contains("For GIG only"), "{format}: {gig}");
        assert!(
            !gig.contains("For the other partner only"),
            "{format}: {gig}"
        );
    }
    let d = digest_json(&env, &["--week", "2026-W47", "--for", "gig"]);
    assert_eq!(d["partner"], "gig");
    assert_eq!(d["counts"]["entries"], 7);

    let out = fails_with(
        env.wol_j()
            .args(["digest", "--week", "2026-W47", "--for", "nobody"]),
        1,
        "unknown partner `nobody`",
    );
    assert!(
        stderr(&out).contains("wol partner list"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
}

#[test]
fn write_commits_once_and_again_only_when_entries_change() {
    let env = week47();
    let before = env.commit_count();
    env.wol_j()
        .args(["digest", "--week", "2026-W47", "--write", "--quiet"])
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(env.commit_count(), before + 1);
    assert_eq!(env.head_subject(), "digest: 2026-W47");
    assert_eq!(
        env.git(["show", "--name-only", "--format=", "HEAD"]).trim(),
        "digests/2026/2026-W47.md"
    );
    let written = env.read("digests/2026/2026-W47.md");
    assert_eq!(written, digest(&env, &["--week", "2026-W47"]));
    env.assert_consistent();

    // Unchanged: no commit, exit 0, a notice without -q.
    let out = env
        .wol_j()
        .args(["digest", "--week", "2026-W47", "--write"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(stdout(&out).is_empty());
    assert!(stderr(&out).contains("up to date"), "{}", stderr(&out));
    assert_eq!(env.commit_count(), before + 1);

    // A new entry in the week: one new commit updating the file.
    log_at(&env, "2026-11-21 19:00", &["Late addition"]);
    let before = env.commit_count();
    env.wol_j()
        .args(["digest", "--week", "2026-W47", "--write", "-q"])
        .assert()
        .success();
    assert_eq!(env.commit_count(), before + 1);
    assert!(
        env.read("digests/2026/2026-W47.md")
            .contains("Late addition")
    );
    env.assert_consistent();

    // A --from/--to period gets its own file name.
    env.wol_j()
        .args([
            "digest",
            "--from",
            "2026-11-16",
            "--to",
            "2026-11-18",
            "--write",
            "-q",
        ])
        .assert()
        .success();
    assert_eq!(env.head_subject(), "digest: 2026-11-16--2026-11-18");
    assert!(
        env.journal
            .join("digests/2026/2026-11-16--2026-11-18.md")
            .is_file()
    );
    env.assert_consistent();
}

#[test]
fn every_format_and_html_never_carries_raw_html_from_entries() {
    let env = week47();
    log_at(
        &env,
        "2026-11-18 20:00",
        &[
            "-k",
            "learning",
            "Sneaky <b>title</b>\n\nHello <script>alert(1)</script> there.\n\n<script>\nalert(2)\n</script>\n\n<img src=x onerror=alert(3)>\n\n[click](javascript:alert(4))",
        ],
    );
    let md = digest(&env, &["--week", "2026-W47", "--format", "md"]);
    assert!(md.starts_with("# Digest 2026-W47\n"), "{md}");
    let text = digest(&env, &["--week", "2026-W47", "--format", "text"]);
    assert!(text.starts_with("DIGEST 2026-W47\n"), "{text}");
    let html = digest(&env, &["--week", "2026-W47", "--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<h2 id=\"learned\">Learned"), "{html}");
    for bad in ["<script", "<img", "onerror", "javascript:", "<b>"] {
        assert!(!html.to_lowercase().contains(bad), "{bad} in:\n{html}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&digest(&env, &["--week", "2026-W47", "--format", "json"])).unwrap();
    assert_eq!(json["counts"]["entries"], 8);
    // --json is --format json.
    let out = env
        .wol_j()
        .args(["--json", "digest", "--week", "2026-W47"])
        .output()
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        json
    );
    // --write saves Markdown only: asking for both is a usage error (exit 2, DESIGN).
    env.wol_j()
        .args([
            "digest", "--week", "2026-W47", "--write", "--format", "html",
        ])
        .assert()
        .code(2);
}

#[test]
fn a_journal_template_overrides_the_built_in_one() {
    let env = week47();
    env.write("templates/digest.md", "{{ period.label }}: {{ counts.entries }} entries\n{% for i in progress %}* {{ i.title }}\n{% endfor %}");
    let md = digest(&env, &["--week", "2026-W47"]);
    assert_eq!(
        md,
        "2026-W47: 7 entries\n* Shipped the onboarding guide\n* Reviewed six pull requests [docs site]\n* Board prep\n"
    );
    // The HTML rendering follows the Markdown template.
    assert!(
        digest(&env, &["--week", "2026-W47", "--format", "html"]).contains("<li>Board prep</li>")
    );
}

#[test]
fn a_malformed_entry_is_reported_and_skipped() {
    let env = week47();
    env.write(
        "entries/2026/11/2026-11-18-0000-broken.md",
        "+++\ntitle = \"x\"\nkind = \"party\"\n+++\n",
    );
    let out = env
        .wol_j()
        .args(["digest", "--week", "2026-W47", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("warning: ") && stderr(&out).contains("2026-11-18-0000-broken.md"),
        "{}",
        stderr(&out)
    );
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["counts"]["entries"], 7);
}

#[test]
fn usage_errors() {
    let env = week47();
    env.wol_j()
        .args(["digest", "--week", "2026-W47", "--from", "2026-11-01"])
        .assert()
        .code(2);
    env.wol_j()
        .args(["digest", "--to", "2026-11-01"])
        .assert()
        .code(2);
    env.wol_j()
        .args(["digest", "--write", "--for", "gig"])
        .assert()
        .code(2);
    env.fails(
        &["digest", "--week", "next year"],
        "hint: use last, this, or an ISO week like 2026-W47",
    );
    let out = env
        .wol_j()
        .args(["digest", "--from", "2026-11-20", "--to", "2026-11-10"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // Found after parsing, still a usage error.
    env.wol_j()
        .args(["digest", "--write", "--format", "json"])
        .assert()
        .code(2);
}

/// `env -i PATH=… wol --journal DIR digest --write --quiet`, the way cron runs it.
fn cron_wol(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_wol"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .arg("--journal")
        .arg(&env.journal)
        .args(["digest", "--write", "--quiet"])
        .args(args)
        .current_dir("/")
        .stdin(Stdio::null());
    cmd.output().unwrap()
}

#[test]
fn cron_with_an_empty_environment() {
    let env = week47();
    let before = env.commit_count();
    let out = cron_wol(&env, &["--week", "2026-W47"]);
    assert_eq!(
        (
            out.status.code(),
            stdout(&out).as_str(),
            stderr(&out).as_str()
        ),
        (Some(0), "", "")
    );
    assert_eq!(env.commit_count(), before + 1);
    assert_eq!(env.head_subject(), "digest: 2026-W47");
    env.assert_consistent();
    // Again: nothing to do, still silent.
    let out = cron_wol(&env, &["--week", "2026-W47"]);
    assert_eq!(
        (
            out.status.code(),
            stdout(&out).as_str(),
            stderr(&out).as_str()
        ),
        (Some(0), "", "")
    );
    assert_eq!(env.commit_count(), before + 1);
    // The default period (last week by the real clock) is silent too.
    let out = cron_wol(&env, &[]);
    assert_eq!(
        (
            out.status.code(),
            stdout(&out).as_str(),
            stderr(&out).as_str()
        ),
        (Some(0), "", "")
    );

    // A broken journal: a clear message on stderr (cron mails it), exit 1.
    let toml = env.read("wol.toml") + "colour = \"red\"\n";
    env.write("wol.toml", toml);
    let out = cron_wol(&env, &["--week", "2026-W47"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("colour") && err.contains("wol.toml"), "{err}");
    assert!(err.contains("hint: "), "{err}");
}

#[test]
fn publish_without_partners_is_refused_before_anything_is_written() {
    let env = week47();
    let before = env.commit_count();
    env.fails(
        &["digest", "--week", "2026-W47", "--publish"],
        "wol partner add",
    );
    assert_eq!(env.commit_count(), before);
    assert!(!env.journal.join("digests").exists());
}

/// A bare repository `gig.git` beside the journal, added as the partner `gig`.
fn with_gig(env: &TestEnv) -> std::path::PathBuf {
    let remote = env.root.join("gig.git");
    env.git_in(
        &env.root,
        ["init", "-q", "--bare", remote.to_str().unwrap()],
    );
    let out = env
        .wol_j()
        .args(["partner", "add", "gig", remote.to_str().unwrap(), "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    remote
}

#[test]
fn publish_writes_commits_and_pushes_a_digest_rebuilt_for_the_partner() {
    let env = week47();
    let remote = with_gig(&env);
    let before = env.commit_count();

    let out = env
        .wol_j()
        .args(["digest", "--week", "2026-W47", "--publish", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.commit_count(), before + 1);
    assert_eq!(env.head_subject(), "digest: 2026-W47");
    // The local digest is the author's own: the private entry is in it.
    let local = env.read("digests/2026/2026-W47.md");
    assert!(local.contains("Board prep"), "{local}");

    // The partner's copy was rebuilt from what the partner may see.
    let published = env.git_in(&remote, ["show", "main:digests/2026/2026-W47.md"]);
    assert!(
        published.contains("Shipped the onboarding guide"),
        "{published}"
    );
    assert!(!published.contains("Board prep"), "{published}");
    let everything = env.git_in(&remote, ["log", "-p", "--all"]);
    assert!(!everything.contains("PRIVATE-MARKER-7f3a"));
    env.assert_consistent();
}

#[test]
fn a_published_digest_holds_only_committed_entries_the_partner_receives() {
    let env = week47();
    let remote = with_gig(&env);
    digest(&env, &["--week", "2026-W47", "--write", "-q"]);
    // An ignored entry file and an uncommitted one, both public by default, dated in
    // the digest's week: neither is committed, so neither may reach the partner.
    env.write(".gitignore", "entries/**/*.local.md\n");
    env.git(["add", ".gitignore"]);
    env.git(["commit", "-q", "-m", "ignore local notes"]);
    let entry = |title: &str, body: &str| {
        format!(
            "+++\ntitle = \"{title}\"\ndate = 2026-11-18T11:00:00+01:00\nkind = \"progress\"\n+++\n\n{body}\n"
        )
    };
    env.write(
        "entries/2026/11/2026-11-18-1100-scratch.local.md",
        entry("Scratch IGNORED-MARKER-1", "IGNORED-MARKER-1 notes"),
    );
    env.write(
        "entries/2026/11/2026-11-18-1200-draft.md",
        entry("Draft UNCOMMITTED-MARKER-2", "UNCOMMITTED-MARKER-2 notes"),
    );
    let out = env.wol_j().args(["publish", "-q"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let published = env.git_in(&remote, ["show", "main:digests/2026/2026-W47.md"]);
    assert!(
        published.contains("Shipped the onboarding guide"),
        "{published}"
    );
    let page = env.git_in(&remote, ["show", "main:docs/digests/2026-W47.html"]);
    assert!(page.contains("Shipped the onboarding guide"), "{page}");
    let everything = env.git_in(&remote, ["log", "-p", "--all"]);
    for marker in [
        "IGNORED-MARKER-1",
        "UNCOMMITTED-MARKER-2",
        "PRIVATE-MARKER-7f3a",
    ] {
        assert!(!everything.contains(marker), "{marker} was published");
    }
}

/// A digest takes an entry by the day its author lived it (its own offset), while
/// entries are ordered by instant: around a week's edge the two orders differ.
#[test]
fn a_published_digest_takes_entries_by_their_own_day_whatever_the_offset() {
    let env = week47();
    let remote = with_gig(&env);
    // Sunday 22 late in Honolulu (Monday 09:30 UTC), and Monday 23 early in Kiribati
    // (Sunday 10:30 UTC): newest first by instant, Honolulu comes before Kiribati.
    for (name, title, date) in [
        (
            "2026-11-22-2330-honolulu",
            "Late in Honolulu",
            "2026-11-22T23:30:00-10:00",
        ),
        (
            "2026-11-23-0030-kiribati",
            "Early in Kiribati",
            "2026-11-23T00:30:00+14:00",
        ),
    ] {
        env.write(
            format!("entries/2026/11/{name}.md"),
            format!(
                "+++\ntitle = \"{title}\"\ndate = {date}\nkind = \"progress\"\n+++\n\n{title}.\n"
            ),
        );
    }
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "two entries at the week's edge"]);
    digest(&env, &["--week", "2026-W47", "--write", "-q"]);
    let local = env.read("digests/2026/2026-W47.md");
    assert!(local.contains("Late in Honolulu"), "{local}");
    assert!(!local.contains("Early in Kiribati"), "{local}");
    let out = env.wol_j().args(["publish", "-q"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let published = env.git_in(&remote, ["show", "main:digests/2026/2026-W47.md"]);
    assert!(published.contains("Late in Honolulu"), "{published}");
    assert!(
        published.contains("Shipped the onboarding guide"),
        "{published}"
    );
    assert!(!published.contains("Early in Kiribati"), "{published}");
}

#[test]
fn write_never_overwrites_a_digest_changed_by_hand() {
    let env = week47();
    digest(&env, &["--week", "2026-W47", "--write", "-q"]);
    let rel = "digests/2026/2026-W47.md";
    let edited = format!("{}\nMy own closing words.\n", env.read(rel));
    env.write(rel, &edited);
    log_at(&env, "2026-11-21 10:00", &["A late entry"]);
    let before = env.commit_count();
    env.fails(
        &["digest", "--week", "2026-W47", "--write"],
        "not committed",
    );
    assert_eq!(env.read(rel), edited);
    assert_eq!(env.commit_count(), before);
}

/// A digest edited by hand and committed is the person's text as much as an uncommitted
/// edit: `--write` leaves it, and says how to have wol write it again.
#[test]
fn write_never_overwrites_a_digest_edited_and_committed_by_hand() {
    let env = week47();
    let write = ["digest", "--week", "2026-W47", "--write", "-q"];
    env.wol_j().args(write).assert().success();
    let rel = "digests/2026/2026-W47.md";
    let edited = format!("{}\nMy own closing words.\n", env.read(rel));
    env.write(rel, &edited);
    env.git(["commit", "-qam", "my words"]);
    log_at(&env, "2026-11-21 10:00", &["A late entry"]);
    let before = env.commit_count();
    let err = env.fails(&write, "was changed by hand");
    assert!(err.contains("git rm"), "{err}");
    assert_eq!(env.read(rel), edited);
    assert_eq!(env.commit_count(), before);
    // Removed as the hint says, wol writes it again, with the late entry.
    env.git(["rm", "-q", rel]);
    env.git(["commit", "-qm", "digest: rewrite"]);
    env.wol_j().args(write).assert().success();
    assert!(env.read(rel).contains("A late entry"));
    // wol's own digest is rewritten when entries change, as before.
    log_at(&env, "2026-11-22 10:00", &["Another late entry"]);
    env.wol_j().args(write).assert().success();
    assert!(env.read(rel).contains("Another late entry"));
}

/// A digest quotes an entry's text with its attachments' links made to work from where
/// the digest is: in the journal's `digests/YYYY/`, in the published `digests/YYYY/` and
/// on the site's `docs/digests/` page, which links the copies beside the entry's page.
/// A file the site does not carry (an SVG) or that is not published at all (a photo wol
/// cannot clean) is not linked where it is missing, absolute links and anchors are left
/// as written, and nothing of an entry the partner does not receive is named.
#[test]
fn a_digest_links_quoted_attachments_from_where_it_is() {
    let env = env();
    let remote = with_gig(&env);
    let dir = env.root.join("files");
    fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, content: &[u8]| {
        fs::write(dir.join(name), content).unwrap();
        dir.join(name).to_str().unwrap().to_string()
    };
    let jpeg: &[u8] = include_bytes!("../fixtures/attachments/tiny.jpg");
    let (board, svg, broken, secret) = (
        file("board.jpg", jpeg),
        file(
            "diagram.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n",
        ),
        file("holiday.jpg", &[0x5a; 3000]),
        // Not the very bytes of board.jpg: those would be held back beside the public
        // entry too, as the private file's own.
        file("secret.jpg", &[jpeg, &[0u8][..]].concat()),
    );
    let entry = env.log(&[
        "--date",
        "2026-11-18 10:00",
        "--title",
        "Whiteboard after the retro",
        "See [the spec](https://example.org/spec.png) and [what is next](#next).",
        "--attach",
        &board,
        "--attach",
        &svg,
        "--attach",
        &broken,
    ]);
    let id = entry.file_stem().unwrap().to_str().unwrap().to_string();
    let private = env.log(&[
        "--date",
        "2026-11-19 10:00",
        "Board plan",
        "--private",
        "--attach",
        &secret,
    ]);
    let private_id = private.file_stem().unwrap().to_str().unwrap().to_string();
    digest(&env, &["--week", "2026-W47", "--write", "-q"]);

    let local = env.read("digests/2026/2026-W47.md");
    for name in ["board.jpg", "diagram.svg", "holiday.jpg"] {
        let link = format!("../../entries/2026/11/{id}/{name}");
        assert!(local.contains(&format!("]({link})")), "{local}");
        assert!(env.journal.join("digests/2026").join(&link).is_file());
    }
    assert!(
        local.contains("(https://example.org/spec.png)") && local.contains("(#next)"),
        "{local}"
    );

    let out = env.wol_j().args(["publish", "-q"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let files = env.git_in(&remote, ["ls-tree", "-r", "--name-only", "main"]);
    let files: Vec<&str> = files.lines().collect();
    let published = env.git_in(&remote, ["show", "main:digests/2026/2026-W47.md"]);
    for name in ["board.jpg", "diagram.svg"] {
        assert!(
            published.contains(&format!("](../../entries/2026/11/{id}/{name})")),
            "{published}"
        );
        assert!(files.contains(&format!("entries/2026/11/{id}/{name}").as_str()));
    }
    assert!(!published.contains("/holiday.jpg"), "{published}");
    assert!(published.contains("holiday.jpg"), "as text: {published}");

    let page = env.git_in(&remote, ["show", "main:docs/digests/2026-W47.html"]);
    assert!(
        page.contains(&format!("src=\"../2026/11/{id}/board.jpg\"")),
        "{page}"
    );
    assert!(files.contains(&format!("docs/2026/11/{id}/board.jpg").as_str()));
    assert!(
        page.contains(&format!("href=\"../2026/11/{id}.html\"")),
        "{page}"
    );
    for gone in ["/diagram.svg", "/holiday.jpg"] {
        assert!(!page.contains(gone), "{gone}: {page}");
    }
    assert!(
        page.contains("href=\"https://example.org/spec.png\"") && page.contains("href=\"#next\""),
        "{page}"
    );
    for text in [&published, &page] {
        assert!(!text.contains(&private_id) && !text.contains("secret.jpg"));
    }
    assert!(!files.iter().any(|f| f.contains(&private_id)), "{files:#?}");
}

/// A reference-style link to an attachment (`![board][b]` and `[b]: <id>/board.jpg`, also
/// with the destination on the next line) and an HTML `<img>` are made to work from the
/// digest too: the definition and the `src` are rewritten.
#[test]
fn a_digest_rebases_reference_links_to_attachments() {
    let env = env();
    let dir = env.root.join("files");
    fs::create_dir_all(&dir).unwrap();
    let board = dir.join("board.jpg");
    fs::write(&board, include_bytes!("../fixtures/attachments/tiny.jpg")).unwrap();
    let id = "2026-11-18-1000-reference-board";
    env.log(&[
        "--date",
        "2026-11-18 10:00",
        "--title",
        "Reference board",
        &format!(
            "The ![board][b] after the retro, [again][c].\n\n<img src=\"{id}/board.jpg\" width=\"300\">\n\n[b]: {id}/board.jpg\n[c]:\n  {id}/board.jpg"
        ),
        "--attach",
        board.to_str().unwrap(),
    ]);
    digest(&env, &["--week", "2026-W47", "--write", "-q"]);
    let local = env.read("digests/2026/2026-W47.md");
    let link = format!("../../entries/2026/11/{id}/board.jpg");
    assert!(local.contains(&format!("[b]: {link}")), "{local}");
    assert!(env.journal.join("digests/2026").join(&link).is_file());
    // A definition with its destination on the next line, and an HTML image (which
    // renderers of Markdown, GitHub's among them, show).
    // (The digest quotes the text indented under its list item.)
    assert!(local.contains(&format!("[c]:\n    {link}")), "{local}");
    assert!(
        local.contains(&format!("<img src=\"{link}\" width=\"300\">")),
        "{local}"
    );
}
