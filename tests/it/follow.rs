//! `wol follow`, `wol pull`, `wol feed`, and what they feed: the digest's "From partners"
//! and "Related work" (never in a digest that gets published) and `wol doctor`. The
//! partner is a real second journal that publishes with `wol publish` into a bare
//! repository, read by path and over a loopback git-daemon.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{GitDaemon, TestEnv, stderr, stdout};

/// The partner's journal: three shareable entries (two in W47, one in W45) and a private
/// one, published into `<root>/remotes/gig.git`. Returns (partner journal, bare repo).
fn partner_log(env: &TestEnv) -> (PathBuf, PathBuf) {
    let gig = env.root.join("gig-journal");
    env.wol().arg("init").arg(&gig).assert().success();
    for args in [
        &[
            "Shipped the onboarding guide",
            "-t",
            "onboarding",
            "-t",
            "docs",
            "--date",
            "2026-11-20 10:00",
        ][..],
        &[
            "Loomio vote notes",
            "-k",
            "learning",
            "-t",
            "governance",
            "--date",
            "2026-11-18 09:00",
        ],
        &["Kick-off", "-t", "meta", "--date", "2026-11-03 09:00"],
        &[
            "Secret plans PRIVATE-GIG-9c1",
            "--private",
            "-t",
            "onboarding",
            "--date",
            "2026-11-19 09:00",
        ],
    ] {
        gig_wol(env, &gig).arg("log").args(args).assert().success();
    }
    let remotes = env.root.join("remotes");
    fs::create_dir_all(&remotes).unwrap();
    env.git_in(&remotes, ["init", "-q", "--bare", "-b", "main", "gig.git"]);
    let bare = remotes.join("gig.git");
    gig_wol(env, &gig)
        .args(["partner", "add", "everyone"])
        .arg(&bare)
        .assert()
        .success();
    gig_wol(env, &gig)
        .args(["publish", "-q"])
        .assert()
        .success();
    (gig, bare)
}

/// `wol --journal <partner journal>`.
fn gig_wol(env: &TestEnv, gig: &Path) -> assert_cmd::Command {
    let mut cmd = env.wol();
    cmd.arg("--journal").arg(gig);
    cmd
}

/// The main journal, with one entry of its own in W47 tagged `onboarding`.
fn main_journal(env: &TestEnv) {
    env.init_journal();
    env.log(&[
        "Reviewed onboarding with the crew",
        "-t",
        "onboarding",
        "--date",
        "2026-11-19 16:00",
    ]);
}

fn follow(env: &TestEnv, name: &str, url: &str) {
    env.wol_j().args(["follow", name, url]).assert().success();
}

fn feed_lines(env: &TestEnv, args: &[&str]) -> Vec<String> {
    let out = env.wol_j().arg("feed").args(args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).lines().map(String::from).collect()
}

/// The blob id of `path` at the tip of `main` in the bare repo.
fn blob_id(env: &TestEnv, bare: &Path, path: &str) -> String {
    env.git_in(bare, ["rev-parse", &format!("main:{path}")])
        .trim()
        .to_string()
}

#[test]
fn follow_pull_and_feed_a_log_by_path() {
    let env = TestEnv::new();
    let (gig, bare) = partner_log(&env);
    main_journal(&env);
    let commits = env.commit_count();
    follow(&env, "gig", bare.to_str().unwrap());
    assert_eq!(env.commit_count(), commits + 1);
    assert_eq!(env.head_subject(), "follow: add gig");
    let toml = env.read("wol.toml");
    assert!(
        toml.contains(&format!(
            "[follow.gig]\nurl = \"{}\"\nbranch = \"main\"",
            bare.display()
        )),
        "{toml}"
    );
    assert!(
        toml.contains("# wol journal config"),
        "comments kept: {toml}"
    );

    // Never pulled: feed says so on stderr, with the hint.
    let out = env.wol_j().arg("feed").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("gig has never been pulled") && stderr(&out).contains("wol pull"),
        "{}",
        stderr(&out)
    );

    let out = env.wol_j().arg("pull").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("gig: 3 new entries"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
    assert!(env.journal.join(".wol/following/gig.git").is_dir());

    assert_eq!(
        feed_lines(&env, &[]),
        [
            "2026-11-20  gig  Shipped the onboarding guide  #onboarding #docs",
            "2026-11-18  gig  Loomio vote notes  #governance",
            "2026-11-03  gig  Kick-off  #meta",
        ]
    );
    // Filters.
    assert_eq!(feed_lines(&env, &["-n", "1"]).len(), 1);
    assert_eq!(feed_lines(&env, &["--since", "2026-11-10"]).len(), 2);
    assert_eq!(
        feed_lines(&env, &["--tag", "#Governance"]),
        ["2026-11-18  gig  Loomio vote notes  #governance"]
    );
    assert_eq!(
        feed_lines(&env, &["--from", "gig", "--tag", "meta"]).len(),
        1
    );
    env.fails(&["feed", "--from", "nobody"], "nobody");

    // JSON.
    let out = env.wol_j().args(["feed", "--json"]).output().unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), 3);
    let first = &items[0];
    assert_eq!(first["partner"], "gig");
    assert_eq!(first["title"], "Shipped the onboarding guide");
    assert_eq!(first["kind"], "progress");
    assert_eq!(first["author"], "Test Author");
    assert_eq!(first["tags"], serde_json::json!(["onboarding", "docs"]));
    assert!(
        first["date"]
            .as_str()
            .unwrap()
            .starts_with("2026-11-20T10:00:00"),
        "{first}"
    );
    let path = first["path"].as_str().unwrap();
    assert!(
        path.starts_with("entries/2026/11/") && path.ends_with(".md"),
        "{path}"
    );
    // The private entry never left the partner's machine.
    assert!(!stdout(&out).contains("PRIVATE-GIG-9c1"));

    // Nothing of the partner's entered the journal's repository; the state is ignored.
    env.git_status_clean();
    let partner_blob = blob_id(&env, &bare, path);
    let status = env
        .git_cmd_in(&env.journal)
        .args(["cat-file", "-e", &partner_blob])
        .status()
        .unwrap();
    assert!(
        !status.success(),
        "the partner's blob is in the journal's objects"
    );
    let status = env
        .git_cmd_in(&env.journal)
        .args(["cat-file", "-e", &blob_id(&env, &bare, "wol.json")])
        .status()
        .unwrap();
    assert!(!status.success());

    // Unchanged: up to date.
    let out = env.wol_j().arg("pull").output().unwrap();
    assert!(out.status.success());
    assert!(stderr(&out).contains("gig: up to date"), "{}", stderr(&out));

    // The partner publishes one more entry: the next pull shows it.
    gig_wol(&env, &gig)
        .args([
            "log",
            "Second guide draft",
            "-t",
            "docs",
            "--date",
            "2026-11-21 11:00",
        ])
        .assert()
        .success();
    gig_wol(&env, &gig)
        .args(["publish", "-q"])
        .assert()
        .success();
    let out = env.wol_j().arg("pull").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("gig: 1 new entry"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        feed_lines(&env, &["-n", "1"]),
        ["2026-11-21  gig  Second guide draft  #docs"]
    );
    // -q: nothing at all on success.
    let out = env.wol_j().args(["pull", "-q"]).output().unwrap();
    assert!(out.status.success());
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "{}",
        stderr(&out)
    );
    env.git_status_clean();
}

#[test]
fn pull_over_git_daemon_survives_a_failing_log() {
    let env = TestEnv::new();
    let (gig, bare) = partner_log(&env);
    let daemon = GitDaemon::start(&env, bare.parent().unwrap());
    main_journal(&env);
    follow(&env, "gig", &daemon.url("gig.git"));
    follow(&env, "gone", "git://127.0.0.1:1/x");

    let err = env.fails(&["pull"], "cannot pull gone");
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(err.contains("hint: "), "{err}");
    assert!(err.contains("gig: 3 new entries"), "{err}");
    assert_eq!(feed_lines(&env, &["--from", "gig"]).len(), 3);

    // The good log keeps updating while the bad one keeps failing.
    gig_wol(&env, &gig)
        .args([
            "log",
            "Over the wire",
            "-t",
            "net",
            "--date",
            "2026-11-21 12:00",
        ])
        .assert()
        .success();
    gig_wol(&env, &gig)
        .args(["publish", "-q"])
        .assert()
        .success();
    let err = env.fails(&["pull", "-q"], "gone");
    assert!(!err.contains("gig:"), "quiet: {err}");
    assert_eq!(
        feed_lines(&env, &["-n", "1"]),
        ["2026-11-21  gig  Over the wire  #net"]
    );
    // Only one log asked for: the failing one is not touched.
    env.wol_j().args(["pull", "gig"]).assert().success();
    env.git_status_clean();
}

#[test]
fn the_digest_shows_partner_work_locally_and_never_publishes_it() {
    let env = TestEnv::new();
    let (_gig, bare) = partner_log(&env);
    main_journal(&env);
    follow(&env, "gig", bare.to_str().unwrap());
    env.wol_j().args(["pull", "-q"]).assert().success();

    let out = env
        .wol_j()
        .args(["digest", "--week", "this"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let md = stdout(&out);
    let from = md.find("## From partners").expect(&md);
    let related = md.find("## Related work").expect(&md);
    let tags = md.find("## Tags").expect(&md);
    assert!(from < related && related < tags, "{md}");
    let from_section = &md[from..related];
    assert!(
        from_section.contains("**gig**: Loomio vote notes — Wed 18 Nov"),
        "{md}"
    );
    assert!(
        from_section
            .contains("**gig**: Shipped the onboarding guide — Fri 20 Nov · `#onboarding` `#docs`"),
        "{md}"
    );
    assert!(!from_section.contains("Kick-off"), "outside the week: {md}");
    let related_section = &md[related..tags];
    assert!(
        related_section.contains("**gig**: Shipped the onboarding guide — shares `#onboarding`"),
        "{md}"
    );
    assert!(!related_section.contains("Loomio"), "{md}");

    let text = stdout(
        &env.wol_j()
            .args(["digest", "--week", "this", "--format", "text"])
            .output()
            .unwrap(),
    );
    assert!(
        text.contains("FROM PARTNERS") && text.contains("RELATED WORK"),
        "{text}"
    );
    let json = env.json(&["digest"], &["--week", "this"]);
    assert_eq!(
        json["related_work"][0]["shared_tags"],
        serde_json::json!(["onboarding"])
    );
    assert_eq!(json["from_partners"].as_array().unwrap().len(), 2);

    // For a partner: none of it.
    let remotes = env.root.join("remotes");
    env.git_in(&remotes, ["init", "-q", "--bare", "-b", "main", "ours.git"]);
    let ours = remotes.join("ours.git");
    env.wol_j()
        .args(["partner", "add", "gig"])
        .arg(&ours)
        .assert()
        .success();
    let out = env
        .wol_j()
        .args(["digest", "--week", "this", "--for", "gig"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let shared = stdout(&out);
    assert!(
        shared.contains("Reviewed onboarding with the crew"),
        "{shared}"
    );
    for absent in [
        "From partners",
        "Related work",
        "Loomio",
        "Shipped the onboarding",
    ] {
        assert!(!shared.contains(absent), "{absent} in {shared}");
    }

    // The journal's own written digest has them; the published one does not.
    env.wol_j()
        .args(["digest", "--week", "this", "--write", "-q"])
        .assert()
        .success();
    assert!(
        env.read("digests/2026/2026-W47.md")
            .contains("## From partners")
    );
    env.wol_j().args(["publish", "-q"]).assert().success();
    let published = env.git_in(&ours, ["show", "main:digests/2026/2026-W47.md"]);
    assert!(
        published.contains("Reviewed onboarding with the crew"),
        "{published}"
    );
    for absent in [
        "From partners",
        "Related work",
        "Loomio",
        "Shipped the onboarding",
    ] {
        assert!(!published.contains(absent), "{absent} in {published}");
    }
    // Nowhere in the published tree (git grep exits 1 when nothing matches).
    let grep = env
        .git_cmd_in(&ours)
        .args(["grep", "-l", "Loomio", "main"])
        .output()
        .unwrap();
    assert_eq!(grep.status.code(), Some(1), "{}", stdout(&grep));
    env.git_status_clean();
}

#[test]
fn the_digest_without_followed_logs_has_no_partner_sections() {
    let env = TestEnv::new();
    main_journal(&env);
    let md = stdout(
        &env.wol_j()
            .args(["digest", "--week", "this"])
            .output()
            .unwrap(),
    );
    assert!(
        !md.contains("From partners") && !md.contains("Related work"),
        "{md}"
    );
    let json = env.json(&["digest"], &["--week", "this"]);
    assert!(json.get("from_partners").is_none() && json.get("related_work").is_none());
}

#[test]
fn doctor_warns_on_a_log_never_pulled() {
    let env = TestEnv::new();
    let (_gig, bare) = partner_log(&env);
    main_journal(&env);
    follow(&env, "gig", bare.to_str().unwrap());
    let check = |env: &TestEnv| {
        let out = env.wol_j().args(["doctor", "--json"]).output().unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
        let checks = json
            .as_array()
            .or_else(|| json["checks"].as_array())
            .expect("a list of checks")
            .clone();
        checks
            .into_iter()
            .find(|c| c["name"] == "follow gig")
            .unwrap_or_else(|| panic!("no follow check in {json}"))
    };
    let c = check(&env);
    assert_eq!(c["status"], "warn", "{c}");
    assert!(
        c["message"].as_str().unwrap().contains("never been pulled"),
        "{c}"
    );
    assert!(c["fix"].as_str().unwrap().contains("wol pull gig"), "{c}");
    let out = env.wol_j().arg("doctor").output().unwrap();
    assert!(
        stdout(&out).contains("never been pulled") || stderr(&out).contains("never been pulled")
    );

    env.wol_j().args(["pull", "-q"]).assert().success();
    let c = check(&env);
    assert_eq!(c["status"], "ok", "{c}");
    assert!(c["message"].as_str().unwrap().contains("3 entries"), "{c}");
}

/// A log written by hand rather than by `wol publish`: `write` fills a work tree, which
/// is committed and pushed to `<root>/remotes/<name>.git`, returned.
fn crafted_log(env: &TestEnv, name: &str, write: impl FnOnce(&Path)) -> PathBuf {
    let remotes = env.root.join("remotes");
    fs::create_dir_all(&remotes).unwrap();
    let bare = remotes.join(format!("{name}.git"));
    env.git_in(
        &remotes,
        ["init", "-q", "--bare", "-b", "main", &format!("{name}.git")],
    );
    let work = env.root.join(format!("{name}-work"));
    fs::create_dir_all(&work).unwrap();
    env.git_in(&work, ["init", "-q", "-b", "main"]);
    write(&work);
    env.git_in(&work, ["add", "-A"]);
    env.git_in(&work, ["commit", "-q", "-m", name]);
    env.git_in(&work, ["push", "-q", bare.to_str().unwrap(), "main"]);
    bare
}

/// A `wol.json` (schema 2) with one entry per `(path, title, date)`.
fn index_json(entries: &[(&str, &str, &str)]) -> String {
    let entries: Vec<serde_json::Value> = entries
        .iter()
        .map(|(path, title, date)| {
            serde_json::json!({"path": path, "title": title, "date": date, "kind": "progress"})
        })
        .collect();
    serde_json::json!({"schema_version": 2, "title": "x", "entries": entries}).to_string()
}

/// A log whose `wol.json` is from a future wol: reported by name and skipped.
#[test]
fn an_unreadable_wol_json_is_named_and_skipped() {
    let env = TestEnv::new();
    let (_gig, bare) = partner_log(&env);
    let future = crafted_log(&env, "future", |work| {
        fs::write(
            work.join("wol.json"),
            "{\"schema_version\": 99, \"title\": \"x\", \"entries\": {}}\n",
        )
        .unwrap();
    });
    main_journal(&env);
    follow(&env, "gig", bare.to_str().unwrap());
    follow(&env, "future", future.to_str().unwrap());

    let err = env.fails(&["pull"], "cannot pull future");
    assert!(err.contains("schema_version 99"), "{err}");
    assert!(err.contains("gig: 3 new entries"), "{err}");

    let out = env.wol_j().arg("feed").output().unwrap();
    assert!(out.status.success());
    assert_eq!(stdout(&out).lines().count(), 3);
    assert!(
        stderr(&out).contains("future") && stderr(&out).contains("schema_version 99"),
        "{}",
        stderr(&out)
    );
    let list = stdout(&env.wol_j().args(["follow", "list"]).output().unwrap());
    assert!(
        list.contains("gig  ") && list.contains("3 entries"),
        "{list}"
    );
    assert!(
        list.contains("future  ") && list.contains("unreadable"),
        "{list}"
    );
}

/// A `wol.json` over the size limit (here 65 MiB, almost all whitespace: a few hundred KB
/// in git) is refused by its size, unread, naming the log, the size and the limit; the
/// other logs still show.
#[test]
fn a_wol_json_over_the_size_limit_is_refused_unread() {
    let env = TestEnv::new();
    let (_gig, bare) = partner_log(&env);
    let size = wol::follow::MAX_INDEX_BYTES + (1 << 20);
    let big = crafted_log(&env, "big", |work| {
        let head = index_json(&[("entries/a.md", "BIG-ENTRY", "2026-11-20T10:00:00+01:00")]);
        let head = head.strip_suffix('}').unwrap();
        let mut text = String::with_capacity(size as usize);
        text.push_str(head);
        text.extend(std::iter::repeat_n(' ', size as usize - head.len() - 1));
        text.push('}');
        fs::write(work.join("wol.json"), text).unwrap();
    });
    main_journal(&env);
    follow(&env, "gig", bare.to_str().unwrap());
    follow(&env, "big", big.to_str().unwrap());
    let too_large = "big: wol.json is 65 MiB, more than the 64 MiB wol reads from a followed log";

    let err = env.fails(&["pull"], "cannot pull big");
    assert!(err.contains(too_large), "{err}");
    assert!(
        err.contains("hint: ") && err.contains("wol follow rm big"),
        "{err}"
    );
    assert!(err.contains("gig: 3 new entries"), "{err}");

    let out = env.wol_j().args(["feed", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3, "{json}");
    assert!(!stdout(&out).contains("BIG-ENTRY"));
    assert!(
        stderr(&out).contains(&format!("warning: {too_large}"))
            && stderr(&out).contains("wol follow rm big"),
        "{}",
        stderr(&out)
    );

    let out = env
        .wol_j()
        .args(["digest", "--week", "this"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(too_large), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("**gig**: Loomio vote notes"),
        "{}",
        stdout(&out)
    );
    let list = stdout(&env.wol_j().args(["follow", "list"]).output().unwrap());
    assert!(
        list.contains("big  ") && list.contains("unreadable"),
        "{list}"
    );
}

/// An entry of a followed log that cannot be shown as it is (a date that is no instant
/// or has no four-digit year, a path that climbs out of the log, a field of the wrong
/// type) is left out alone, and counted; the rest of the log is read.
#[test]
fn unreadable_entries_of_a_followed_log_are_left_out_alone() {
    let env = TestEnv::new();
    let odd = crafted_log(&env, "odd", |work| {
        let text = serde_json::json!({"schema_version": 2, "title": "x", "entries": [
            {"path": "entries/a.md", "title": "GOOD-ONE", "date": "2026-11-20T10:00:00+01:00", "kind": "progress"},
            {"path": "entries/b.md", "title": "BAD-DATE", "date": "20 Nov 2026", "kind": "progress"},
            {"path": "entries/c.md", "title": "YEAR-MINUS-ONE", "date": "-0001-01-01T00:00:00Z", "kind": "progress"},
            {"path": "../../etc/passwd", "title": "CLIMBS-OUT", "date": "2026-11-20T10:00:00+01:00", "kind": "progress"},
            {"path": "entries/d.md", "title": ["not", "text"], "date": "2026-11-20T10:00:00+01:00", "kind": "progress"},
            {"path": "entries/e.md", "title": "GOOD-TWO", "date": "2026-11-21T10:00:00+01:00", "kind": "progress"}
        ]});
        fs::write(work.join("wol.json"), text.to_string()).unwrap();
    });
    main_journal(&env);
    follow(&env, "odd", odd.to_str().unwrap());
    let out = env.wol_j().arg("pull").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("odd: 2 new entries"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("odd: 4 entries could not be read"),
        "{}",
        stderr(&out)
    );
    let out = env.wol_j().args(["feed", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("GOOD-ONE") && text.contains("GOOD-TWO"),
        "{text}"
    );
    for bad in ["BAD-DATE", "YEAR-MINUS-ONE", "CLIMBS-OUT", "passwd"] {
        assert!(!text.contains(bad), "{bad}: {text}");
    }
}

/// The months a followed log keeps apart (`archives`) are read beside its `wol.json`,
/// and only files of the form wol writes (`json/YYYY-MM.json`) there: a reference that
/// climbs out, names another file, is a link, is missing or is given twice counts its
/// entries as unreadable (or is read once) and never stops the rest of the log.
#[test]
fn a_followed_log_s_archives_are_read_where_wol_writes_them_and_nowhere_else() {
    let env = TestEnv::new();
    let entry = |path: &str, title: &str, date: &str| serde_json::json!({"path": path, "title": title, "date": date, "kind": "progress"});
    let arch = crafted_log(&env, "arch", |work| {
        let month = |label: &str, title: &str, date: &str| {
            serde_json::json!({"schema_version": 2, "month": label, "entries": [
                entry(&format!("entries/{}/x.md", label.replace('-', "/")), title, date)
            ]})
            .to_string()
        };
        fs::create_dir_all(work.join("json")).unwrap();
        fs::write(
            work.join("json/2026-10.json"),
            month("2026-10", "OCTOBER-ONE", "2026-10-05T10:00:00+02:00"),
        )
        .unwrap();
        fs::write(
            work.join("elsewhere.json"),
            month("2026-09", "ELSEWHERE", "2026-09-05T10:00:00+02:00"),
        )
        .unwrap();
        std::os::unix::fs::symlink("2026-10.json", work.join("json/2026-08.json")).unwrap();
        let text = serde_json::json!({"schema_version": 2, "title": "x", "total": 9,
            "archives": [
                {"month": "2026-10", "path": "json/2026-10.json", "entries": 1},
                {"month": "2026-10", "path": "json/2026-10.json", "entries": 1},
                {"month": "2026-09", "path": "elsewhere.json", "entries": 1},
                {"month": "2026-09", "path": "json/../elsewhere.json", "entries": 1},
                {"month": "2026-08", "path": "json/2026-08.json", "entries": 1},
                {"month": "2026-07", "path": "json/2026-07.json", "entries": 2},
                "not an archive"
            ],
            "entries": [entry("entries/2026/11/n.md", "NOVEMBER-ONE", "2026-11-20T10:00:00+01:00")]
        });
        fs::write(work.join("wol.json"), text.to_string()).unwrap();
    });
    main_journal(&env);
    follow(&env, "arch", arch.to_str().unwrap());
    let out = env.wol_j().arg("pull").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("arch: 2 new entries"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("arch: 5 entries could not be read"),
        "{}",
        stderr(&out)
    );
    let out = env.wol_j().args(["feed", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let feed: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let titles: Vec<&str> = feed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["NOVEMBER-ONE", "OCTOBER-ONE"]);
}

/// A shared log's members are read within one bound together: three members' indexes
/// of 30 MiB each (whitespace, tiny in git) cost at most what one 64 MiB index would;
/// the member past it is named and left out, the others show.
#[test]
fn a_shared_log_s_members_are_read_within_one_size_bound_together() {
    let env = TestEnv::new();
    let size = 30usize << 20;
    let many = crafted_log(&env, "many", |work| {
        for (member, title) in [
            ("a", "FIRST-MEMBER"),
            ("b", "SECOND-MEMBER"),
            ("c", "THIRD-MEMBER"),
        ] {
            let head = index_json(&[("entries/x.md", title, "2026-11-20T10:00:00+01:00")]);
            let head = head.strip_suffix('}').unwrap();
            let mut text = String::with_capacity(size);
            text.push_str(head);
            text.extend(std::iter::repeat_n(' ', size - head.len() - 1));
            text.push('}');
            fs::create_dir_all(work.join("logs").join(member)).unwrap();
            fs::write(work.join("logs").join(member).join("wol.json"), text).unwrap();
        }
    });
    main_journal(&env);
    follow(&env, "many", many.to_str().unwrap());
    let out = env.wol_j().arg("pull").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("many: 2 new entries"), "{err}");
    let past = "logs/c/wol.json is 30 MiB, and the indexes read before it leave 4 MiB of the 64 MiB wol reads from a followed log (its members' together)";
    assert!(err.contains(past), "{err}");

    let out = env.wol_j().args(["feed", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("FIRST-MEMBER") && text.contains("SECOND-MEMBER"),
        "{text}"
    );
    assert!(!text.contains("THIRD-MEMBER"), "{text}");
    assert!(stderr(&out).contains(past), "{}", stderr(&out));
}

/// Of a log with more entries than wol keeps, the newest are read, and pull says so.
#[test]
fn only_the_newest_entries_of_a_huge_log_are_read() {
    let env = TestEnv::new();
    let max = wol::follow::MAX_ENTRIES;
    let start: chrono::DateTime<chrono::FixedOffset> = "2020-01-01T00:00:00+00:00".parse().unwrap();
    // One entry a minute, the oldest first; five more than are kept.
    let entries: Vec<(String, String)> = (0..max + 5)
        .map(|i| {
            let date = start + chrono::Duration::minutes(i as i64);
            (format!("entries/{i}.md"), date.to_rfc3339())
        })
        .collect();
    let huge = crafted_log(&env, "huge", |work| {
        let entries: Vec<(&str, &str, &str)> = entries
            .iter()
            .map(|(path, date)| (path.as_str(), "t", date.as_str()))
            .collect();
        fs::write(work.join("wol.json"), index_json(&entries)).unwrap();
    });
    env.init_journal();
    follow(&env, "huge", huge.to_str().unwrap());
    let out = env.wol_j().arg("pull").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "huge: {max} new entries ({max} entries read of {}, the newest",
            max + 5
        )),
        "{}",
        stderr(&out)
    );
    let out = env.wol_j().args(["feed", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = json.as_array().unwrap();
    assert_eq!(items.len(), max);
    assert_eq!(items[0]["path"], format!("entries/{}.md", max + 4));
    assert_eq!(items[max - 1]["path"], "entries/5.md");
}

/// In a shared community repository, a member whose `wol.json` is not JSON, or is a
/// symbolic link (even to a good index), is left out alone: the other members still
/// show, and pull succeeds with a warning.
#[test]
fn one_broken_member_of_a_shared_log_is_left_out_alone() {
    let env = TestEnv::new();
    let community = crafted_log(&env, "community", |work| {
        for member in ["alice", "bob", "mallory", "eve"] {
            fs::create_dir_all(work.join("logs").join(member)).unwrap();
        }
        for (member, title, date) in [
            ("alice", "ALICE entry", "2026-11-20T10:00:00+01:00"),
            ("bob", "BOB entry", "2026-11-19T10:00:00+01:00"),
        ] {
            fs::write(
                work.join(format!("logs/{member}/wol.json")),
                index_json(&[("entries/2026/11/a.md", title, date)]),
            )
            .unwrap();
        }
        fs::write(work.join("logs/mallory/wol.json"), "not json\n").unwrap();
        std::os::unix::fs::symlink("../alice/wol.json", work.join("logs/eve/wol.json")).unwrap();
    });
    main_journal(&env);
    follow(&env, "community", community.to_str().unwrap());
    let mallory = "community: logs/mallory/wol.json cannot be read: not valid JSON";
    let eve = "community: logs/eve/wol.json cannot be read: it is a symbolic link, not a file";

    let out = env.wol_j().args(["pull", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("warning: {mallory}")) && err.contains(&format!("warning: {eve}")),
        "{err}"
    );
    assert!(err.contains("only mallory's entries are left out"), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["status"], "updated", "{json}");
    assert_eq!(json[0]["entries"], 2, "{json}");
    assert_eq!(json[0]["warnings"].as_array().unwrap().len(), 2, "{json}");

    let out = env.wol_j().args(["feed", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(mallory) && stderr(&out).contains(eve),
        "{}",
        stderr(&out)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shown: Vec<(&str, &str)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["title"].as_str().unwrap(), i["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        shown,
        [
            ("ALICE entry", "logs/alice/entries/2026/11/a.md"),
            ("BOB entry", "logs/bob/entries/2026/11/a.md"),
        ]
    );

    let out = env
        .wol_j()
        .args(["digest", "--week", "this"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(mallory), "{}", stderr(&out));
    let md = stdout(&out);
    assert!(
        md.contains("**community**: ALICE entry") && md.contains("**community**: BOB entry"),
        "{md}"
    );
    let list = stdout(&env.wol_j().args(["follow", "list"]).output().unwrap());
    assert!(list.contains("2 entries, some members left out"), "{list}");
}

#[test]
fn follow_add_list_rm() {
    let env = TestEnv::new();
    env.init_journal();
    // Names and URLs follow the partners' rules; no credentials in wol.toml.
    for (args, needle) in [
        (
            &["follow", "Gig", "/srv/x.git"][..],
            "not a valid partner name",
        ),
        (
            &["follow", "gig", "https://me:hunter2@example.org/x.git"],
            "password",
        ),
        (&["follow", "gig", "http://example.org/x.git"], "plain http"),
        (
            &["follow", "gig", "/srv/x.git", "--branch", "a..b"],
            "branch",
        ),
    ] {
        let err = env.fails(args, needle);
        assert!(!err.contains("hunter2"), "{args:?}: {err}");
    }
    env.wol_j().args(["follow"]).assert().code(2);
    let commits = env.commit_count();
    env.wol_j()
        .args([
            "follow",
            "add",
            "ouishare",
            "git@example.org:ouishare/log.git",
        ])
        .args(["--branch", "gh-pages"])
        .assert()
        .success();
    follow(&env, "gig", "https://example.org/gig/log.git");
    assert_eq!(env.commit_count(), commits + 2);
    env.fails(&["follow", "gig", "/x"], "already");

    let list = stdout(&env.wol_j().args(["follow", "list"]).output().unwrap());
    assert_eq!(
        list,
        "gig  https://example.org/gig/log.git  main  never pulled\n\
         ouishare  git@example.org:ouishare/log.git  gh-pages  never pulled\n"
    );
    let json = env.json(&["follow", "list"], &[]);
    assert_eq!(json[1]["name"], "ouishare");
    assert_eq!(json[1]["branch"], "gh-pages");
    assert_eq!(json[1]["pulled"], false);

    env.wol_j()
        .args(["follow", "rm", "ouishare"])
        .assert()
        .success();
    assert_eq!(env.head_subject(), "follow: rm ouishare");
    assert!(!env.read("wol.toml").contains("ouishare"));
    let out = env
        .wol_j()
        .args(["follow", "rm", "ouishare"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    env.fails(&["pull", "nobody"], "nobody");
    env.git_status_clean();
}

/// A followed log whose branch is deleted is not "up to date": pull says the branch is
/// gone and fails, and the copy pulled before stays for `wol feed`.
#[test]
fn a_followed_branch_that_is_gone_is_named_and_the_old_copy_kept() {
    let env = TestEnv::new();
    let (_gig, bare) = partner_log(&env);
    main_journal(&env);
    follow(&env, "gig", bare.to_str().unwrap());
    env.wol_j().args(["pull", "-q"]).assert().success();
    env.git_in(&bare, ["update-ref", "-d", "refs/heads/main"]);
    for _ in 0..2 {
        let out = env.wol_j().arg("pull").output().unwrap();
        assert!(!out.status.success(), "{}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("has no branch main (the copy pulled before is kept)"),
            "{err}"
        );
    }
    let feed = feed_lines(&env, &[]);
    assert!(
        feed.iter()
            .any(|l| l.contains("Shipped the onboarding guide")),
        "{feed:#?}"
    );
}

/// A member of a community repository who follows it reads the other members' work, not
/// their own: their folder (its `wol.json` carries their journal's id) is left out of
/// `wol feed`, `--asks` and the digest's partner sections, and `wol pull` says so once.
#[test]
fn a_member_following_their_community_repo_never_gets_their_own_entries_back() {
    let env = TestEnv::new().with_author(Some("Alice Member"));
    env.init_journal();
    env.git_in(
        &env.root,
        ["init", "-q", "--bare", "-b", "main", "commons.git"],
    );
    let commons = env.root.join("commons.git");
    let bob = env.root.join("bob");
    env.wol()
        .env("WOL_AUTHOR", "Bob Member")
        .arg("init")
        .arg(&bob)
        .assert()
        .success();
    for (journal, who) in [(&env.journal, "Alice"), (&bob, "Bob")] {
        let wol = || {
            let mut cmd = env.wol();
            cmd.env("WOL_AUTHOR", format!("{who} Member"))
                .arg("--journal")
                .arg(journal);
            cmd
        };
        wol()
            .args(["partner", "add", "commons"])
            .arg(&commons)
            .args(["--mode", "shared"])
            .assert()
            .success();
        wol()
            .args(["log", &format!("{who} OWNWORK note"), "-t", "docs"])
            .args(["--help-wanted", &format!("{who} OWNASK needs a reviewer")])
            .args(["--date", "2026-11-18 10:00"])
            .assert()
            .success();
        wol().args(["publish", "-q"]).assert().success();
    }
    env.wol_j()
        .args(["follow", "commons"])
        .arg(&commons)
        .assert()
        .success();
    let out = env.wol_j().arg("pull").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("commons: logs/alice-member is this journal's own log"),
        "{}",
        stderr(&out)
    );
    let json: serde_json::Value = env.json(&["pull"], &[]);
    assert_eq!(json[0]["own"], "logs/alice-member", "{json}");
    assert_eq!(json[0]["entries"], 1, "{json}");

    let feed = feed_lines(&env, &[]).join("\n");
    assert!(feed.contains("Bob OWNWORK"), "{feed}");
    assert!(!feed.contains("Alice"), "{feed}");
    let asks = feed_lines(&env, &["--asks"]).join("\n");
    assert!(asks.contains("Bob OWNASK"), "{asks}");
    assert!(!asks.contains("Alice"), "{asks}");
    let out = env
        .wol_j()
        .args(["digest", "--week", "2026-W47"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let digest = stdout(&out);
    let partners = &digest[digest.find("## From partners").expect(&digest)..];
    assert!(partners.contains("Bob OWNWORK"), "{digest}");
    assert!(!partners.contains("Alice OWNWORK"), "{digest}");
    // Bob, following the same repository, sees Alice's.
    env.wol()
        .env("WOL_AUTHOR", "Bob Member")
        .arg("--journal")
        .arg(&bob)
        .args(["follow", "commons"])
        .arg(&commons)
        .assert()
        .success();
    let out = env
        .wol()
        .arg("--journal")
        .arg(&bob)
        .args(["pull", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = env
        .wol()
        .arg("--journal")
        .arg(&bob)
        .arg("feed")
        .output()
        .unwrap();
    let feed = stdout(&out);
    assert!(
        feed.contains("Alice OWNWORK") && !feed.contains("Bob OWNWORK"),
        "{feed}"
    );
}

/// Global flags may come between `follow` and its subcommand; `--branch` there is refused
/// rather than ignored.
#[test]
fn follow_takes_global_flags_before_its_subcommand() {
    let env = TestEnv::new();
    env.init_journal();
    let bare = env.root.join("log.git");
    env.git_in(&env.root, ["init", "-q", "--bare", "log.git"]);
    let url = bare.to_str().unwrap();
    let out = env
        .wol_j()
        .args(["follow", "-q", "gig", url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let out = env
        .wol_j()
        .args(["follow", "--json", "list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["name"], "gig");
    crate::common::fails_with(
        env.wol_j()
            .args(["follow", "--branch", "pages", "add", "ouishare", url]),
        2,
        "--branch goes after the subcommand",
    );
}
