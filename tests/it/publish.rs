//! `wol publish`: what reaches each partner (and what never does), the published tree
//! (README, site, feed, JSON), history and idempotence, the secret scan, and pushes to
//! real remotes — bare repositories by path and a loopback git-daemon, including
//! server-side rejections.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use crate::common::{GitDaemon, TestEnv, stderr, stdout};

const DATE: &str = "2026-11-20T10:00:00+01:00";

/// An entry file with the given visibility and audience.
fn entry(
    title: &str,
    date: &str,
    visibility: &str,
    to: &[&str],
    tags: &[&str],
    body: &str,
) -> String {
    let list = |items: &[&str]| {
        items
            .iter()
            .map(|t| format!("{t:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let to = if to.is_empty() {
        String::new()
    } else {
        format!("to = [{}]\n", list(to))
    };
    format!(
        "+++\ntitle = {title:?}\ndate = {date}\nkind = \"progress\"\ntags = [{}]\nvisibility = {visibility:?}\nauthor = \"Test Author\"\n{to}id = \"local-id-{}\"\n+++\n\n{body}\n",
        list(tags),
        title.len()
    )
}

/// Write entries (name → text) into the journal and commit them with the git CLI.
fn add_entries(env: &TestEnv, entries: &[(&str, String)]) {
    for (name, text) in entries {
        env.write(format!("entries/2026/11/{name}.md"), text);
    }
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "entries"]);
}

/// A bare repository with branch `main` under `<root>/remotes/`.
fn bare(env: &TestEnv, name: &str) -> PathBuf {
    let base = env.root.join("remotes");
    fs::create_dir_all(&base).unwrap();
    env.git_in(&base, ["init", "-q", "--bare", "-b", "main", name]);
    base.join(name)
}

fn add_partner(env: &TestEnv, args: &[&str]) {
    env.wol_j()
        .arg("partner")
        .arg("add")
        .args(args)
        .assert()
        .success();
}

/// Every object reachable from every ref of a `git clone --mirror` of `url`, printed.
fn all_objects(env: &TestEnv, url: &str, name: &str) -> String {
    let dir = env.root.join("mirrors").join(name);
    fs::create_dir_all(dir.parent().unwrap()).unwrap();
    env.git_in(
        &env.root,
        ["clone", "-q", "--mirror", url, dir.to_str().unwrap()],
    );
    let list = env.git_in(&dir, ["rev-list", "--objects", "--all"]);
    let mut out = String::new();
    for line in list.lines() {
        let oid = line.split_whitespace().next().unwrap();
        if let Some(path) = line.split_once(' ').map(|(_, p)| p) {
            out.push_str(path);
            out.push('\n');
        }
        out.push_str(&env.git_in(&dir, ["cat-file", "-p", oid]));
    }
    assert!(!list.is_empty(), "{url} has no objects");
    out
}

#[track_caller]
fn publish_ok(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let out = env.wol_j().arg("publish").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "wol publish {args:?} failed:\n{}",
        stderr(&out)
    );
    out
}

fn rev(env: &TestEnv, repo: &Path, spec: &str) -> String {
    env.git_in(repo, ["rev-parse", spec]).trim().to_string()
}

#[test]
fn nothing_meant_for_others_reaches_a_partner() {
    let env = TestEnv::new();
    env.init_journal();
    add_entries(
        &env,
        &[
            (
                "2026-11-20-1000-public",
                entry(
                    "Public pubmark1a2b",
                    DATE,
                    "public",
                    &[],
                    &["x"],
                    "Body PUBBODY-1a2b",
                ),
            ),
            (
                "2026-11-20-1001-private",
                entry(
                    "Private privmark7f3a",
                    DATE,
                    "private",
                    &[],
                    &["x"],
                    "Body PRIVBODY-7f3a",
                ),
            ),
            (
                "2026-11-20-1002-private-to-a",
                entry(
                    "Private to a privtoa9c1d",
                    DATE,
                    "private",
                    &["alpha"],
                    &[],
                    "Body PRIVTOA-9c1d",
                ),
            ),
            (
                "2026-11-20-1003-only-a",
                entry(
                    "Only alpha onlyamark5e6f",
                    DATE,
                    "partners",
                    &["alpha"],
                    &[],
                    "Body ONLYA-5e6f",
                ),
            ),
            (
                "2026-11-20-1004-only-b",
                entry(
                    "Only beta onlybmark3c4d",
                    DATE,
                    "partners",
                    &["beta"],
                    &[],
                    "Body ONLYB-3c4d",
                ),
            ),
            (
                "2026-11-20-1005-all-partners",
                entry(
                    "All partners allpmark8a9b",
                    DATE,
                    "partners",
                    &[],
                    &[],
                    "Body ALLP-8a9b",
                ),
            ),
        ],
    );
    let alpha = bare(&env, "alpha.git");
    let base = env.root.join("remotes");
    env.git_in(&base, ["init", "-q", "--bare", "-b", "main", "beta.git"]);
    let daemon = GitDaemon::start(&env, &base);
    add_partner(&env, &["alpha", alpha.to_str().unwrap()]);
    add_partner(&env, &["beta", &daemon.url("beta.git")]);
    publish_ok(&env, &[]);
    env.assert_consistent();

    let everything = [
        "pubmark1a2b",
        "PUBBODY-1a2b",
        "privmark7f3a",
        "PRIVBODY-7f3a",
        "privtoa9c1d",
        "PRIVTOA-9c1d",
        "onlyamark5e6f",
        "ONLYA-5e6f",
        "onlybmark3c4d",
        "ONLYB-3c4d",
        "allpmark8a9b",
        "ALLP-8a9b",
        "local-id-",
        "visibility",
        "to = [",
    ];
    let may_see = |partner: &str| -> Vec<&str> {
        let mut v = vec!["pubmark1a2b", "PUBBODY-1a2b", "allpmark8a9b", "ALLP-8a9b"];
        if partner == "alpha" {
            v.extend(["onlyamark5e6f", "ONLYA-5e6f"]);
        } else {
            v.extend(["onlybmark3c4d", "ONLYB-3c4d"]);
        }
        v
    };
    for (name, url) in [
        ("alpha", alpha.to_str().unwrap().to_string()),
        ("beta", daemon.url("beta.git")),
    ] {
        let objects = all_objects(&env, &url, name);
        let lower = objects.to_lowercase();
        let allowed = may_see(name);
        for marker in everything {
            let seen = objects.contains(marker) || lower.contains(&marker.to_lowercase());
            if allowed.contains(&marker) {
                assert!(seen, "{name} should have received {marker}");
            } else {
                assert!(!seen, "LEAK: {marker} reached {name}");
            }
        }
    }
}

#[test]
fn dry_run_lists_everything_and_touches_nothing() {
    let env = TestEnv::new();
    env.copy_examples_journal();
    let remote = bare(&env, "gig.git");
    add_partner(&env, &["gig", remote.to_str().unwrap()]);
    add_partner(
        &env,
        &["learners", remote.to_str().unwrap(), "--kind", "learning"],
    );
    env.write(
        "entries/2026/11/2026-11-21-0900-aws-notes.md",
        entry(
            "AWS notes",
            "2026-11-21T09:00:00+01:00",
            "public",
            &[],
            &[],
            &format!("key {}", "AKIA".to_owned() + "IOSFODNN7EXAMPLE"),
        ),
    );
    env.write(
        "entries/2026/11/2026-11-21-0901-typo.md",
        entry(
            "Typo",
            "2026-11-21T09:01:00+01:00",
            "partners",
            &["nobody"],
            &[],
            "for nobody",
        ),
    );
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "aws"]);
    let refs_before = env.git(["for-each-ref"]);
    let out = publish_ok(&env, &["--dry-run"]);
    let text = stdout(&out);
    assert!(text.contains("gig → "), "{text}");
    assert!(
        text.contains(
            "  + 2026-11-22-1432-shipped-the-onboarding-guide  Shipped the onboarding guide"
        ),
        "{text}"
    );
    assert!(text.contains("  - 2026-11-11-1820-notes-on-the-funding-conversation  Notes on the funding conversation  [visibility: private]"), "{text}");
    assert!(text.contains("[filter: kind not in learning]"), "{text}");
    assert!(
        text.contains(
            // Flagged entries are named by date, id and title with any match masked.
            "2026-11-21-0900-aws-notes  AWS notes  [secret scan: line 11: AWS access key id]"
        ),
        "{text}"
    );
    assert!(stderr(&out).contains("would block"), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("warning: `to` names \"nobody\" in 1 entry (e.g. entries/2026/11/2026-11-21-0901-typo.md), but \"nobody\" is not a partner here"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("names \"gig\""),
        "gig is a partner here"
    );
    assert_eq!(
        env.git(["for-each-ref"]),
        refs_before,
        "dry-run must not create refs"
    );
    assert!(
        !env.journal.join(".wol/cache").exists(),
        "dry-run must not write the cache"
    );
    assert!(
        env.git_in(&remote, ["for-each-ref"]).is_empty(),
        "dry-run must not push"
    );
    env.assert_consistent();

    let plan = env.json(&["publish"], &["--dry-run", "learners"]);
    let p = &plan["partners"][0];
    assert_eq!(p["name"], "learners");
    assert_eq!(p["publish"].as_array().unwrap().len(), 3);
    assert!(
        p["held_back"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["reason"] == "kind_filter")
    );
    assert_eq!(plan["partners"].as_array().unwrap().len(), 1);
}

#[test]
fn readme_entry_page_and_feed_snapshots() {
    let env = TestEnv::new();
    env.copy_examples_journal();
    let remote = bare(&env, "gig.git");
    add_partner(&env, &["gig", remote.to_str().unwrap()]);
    let out = publish_ok(&env, &[]);
    assert!(
        stderr(&out).contains("gig: published, 13 entries"),
        "{}",
        stderr(&out)
    );
    let show = |path: &str| env.git_in(&remote, ["show", &format!("main:{path}")]);
    insta::assert_snapshot!("readme", show("README.md"));
    insta::assert_snapshot!(
        "entry_page",
        show("docs/2026/11/2026-11-22-1432-shipped-the-onboarding-guide.html")
    );
    insta::assert_snapshot!(
        "entry_markdown",
        show("entries/2026/11/2026-11-13-1546-draft-of-the-gig-knowledge-sharing-agreement.md")
    );
    let feed_text = show("feed.xml");
    insta::assert_snapshot!("feed", feed_text);
    let feed = atom_syndication::Feed::from_str(&feed_text).expect("feed.xml parses as Atom");
    assert_eq!(feed.entries().len(), 13);
    let ids: std::collections::BTreeSet<&str> = feed.entries().iter().map(|e| e.id()).collect();
    assert_eq!(ids.len(), 13, "feed ids are unique");
    // Ids carry the journal's own id (examples/journal/wol.toml), not just the partner's
    // name, which every user's `gig` partner shares.
    assert!(ids.contains(
        "urn:wol:5e1f0c2a9b7d4e63a8c1f2d3e4b5a697:2026-11-22-1432-shipped-the-onboarding-guide"
    ));
    // The feed at the root and the one in docs/ carry the same entries; without a site
    // address their links are relative to where each is served, and every entry link
    // resolves to a page that exists.
    let files = env.git_in(&remote, ["ls-tree", "-r", "--name-only", "main"]);
    let docs_feed =
        atom_syndication::Feed::from_str(&show("docs/feed.xml")).expect("docs/feed.xml parses");
    for (feed, dir) in [(&feed, ""), (&docs_feed, "docs/")] {
        let ids: Vec<&str> = feed.entries().iter().map(|e| e.id()).collect();
        assert_eq!(ids.len(), 13);
        for e in feed.entries() {
            let link = e
                .links()
                .iter()
                .find(|l| l.rel() == "alternate")
                .expect("an entry link");
            let target = format!("{dir}{}", link.href());
            assert!(
                files.lines().any(|f| f == target),
                "{target} is not a published file"
            );
        }
    }
    for f in files.lines().filter(|f| f.ends_with(".html")) {
        let page = show(f);
        assert!(
            page.contains(r#"<link rel="alternate" type="application/atom+xml""#),
            "{f}"
        );
        assert!(page.contains("feed.xml\">"), "{f}");
    }
    for f in [
        "docs/.nojekyll",
        "docs/style.css",
        "docs/index.html",
        "docs/tags/onboarding.html",
        "wol.json",
    ] {
        assert!(files.lines().any(|l| l == f), "{f} missing from:\n{files}");
    }
    let json: serde_json::Value = serde_json::from_str(&show("wol.json")).unwrap();
    // Version 2: the structured parts a follower needs (the issue bumps it).
    assert_eq!(json["schema_version"], 2);
    assert_eq!(json["entries"].as_array().unwrap().len(), 13);
    let first = &json["entries"][0];
    assert_eq!(
        first["learned"],
        "People skip long docs; a checklist works better."
    );
    assert_eq!(
        first["help_wanted"],
        "Someone who has run a Loomio vote for 200+ members."
    );
    assert_eq!(first["mentions"], serde_json::json!(["ouishare"]));
    for key in ["path", "title", "date", "updated", "kind", "tags", "author"] {
        assert!(
            !first[key].is_null(),
            "wol.json entries need {key}: {first}"
        );
    }
    assert!(!show("README.md").contains("Notes on the funding conversation"));
}

#[test]
fn scripts_and_handlers_never_reach_the_site_or_feed() {
    let env = TestEnv::new();
    env.init_journal();
    add_entries(
        &env,
        &[
            (
                "2026-11-20-1000-xss",
                entry(
                    "Hello <script>alert('title')</script>",
                    DATE,
                    "public",
                    &[],
                    &["web"],
                    "Hi <script>alert('x')</script>\n\n<a href=\"#\" onclick=\"steal()\">click</a>\n\n<img src=x onerror=\"steal()\">\n\n[one](javascript:alert(1)) and [two](JAVASCRIPT:alert(2)) and <javascript:alert(3)>\n",
                ),
            ),
            (
                // A hand-made file name trying to break out of an href.
                "2026-11-20-1001-x\"onclick=\"steal()",
                entry("Odd file name", DATE, "public", &[], &["web"], "fine"),
            ),
        ],
    );
    let remote = bare(&env, "p.git");
    add_partner(&env, &["p", remote.to_str().unwrap()]);
    publish_ok(&env, &[]);
    let files = env.git_in(&remote, ["ls-tree", "-r", "-z", "--name-only", "main"]);
    let mut checked = 0;
    for f in files.split('\0').filter(|f| !f.is_empty()) {
        // The entry's own Markdown is published as written (forges sanitise Markdown);
        // everything wol generates must be clean.
        if f.starts_with("entries/") {
            continue;
        }
        let text = env
            .git_in(&remote, ["show", &format!("main:{f}")])
            .to_lowercase();
        // "javascript:" may survive as visible text, and a percent-encoded file name may
        // spell "onclick="; neither may be a live attribute or link target.
        for bad in [
            "<script",
            " onclick=",
            "\"onclick=",
            " onerror=",
            "\"onerror=",
            "href=\"javascript:",
            "src=\"javascript:",
            "href=javascript:",
        ] {
            // wol.json and feed.json are data: a quote inside a JSON string is escaped
            // as \", not live.
            if f.ends_with(".json") && bad != "<script" {
                continue;
            }
            assert!(!text.contains(bad), "{bad} in {f}:\n{text}");
        }
        checked += 1;
    }
    assert!(checked >= 6, "{files}");
    let json: serde_json::Value =
        serde_json::from_str(&env.git_in(&remote, ["show", "main:wol.json"])).unwrap();
    assert_eq!(
        json["entries"][1]["title"],
        "Hello <script>alert('title')</script>"
    );
}

#[test]
fn republishing_is_idempotent_and_reuses_unchanged_pages() {
    let env = TestEnv::new();
    env.copy_examples_journal();
    let base = env.root.join("remotes");
    fs::create_dir_all(&base).unwrap();
    env.git_in(&base, ["init", "-q", "--bare", "-b", "main", "gig.git"]);
    let remote = base.join("gig.git");
    let daemon = GitDaemon::start(&env, &base);
    add_partner(&env, &["gig", &daemon.url("gig.git")]);
    let head_before = env.git(["rev-parse", "HEAD"]);

    publish_ok(&env, &[]);
    let first = rev(&env, &remote, "main");
    let out = publish_ok(&env, &[]);
    assert!(stderr(&out).contains("gig: up to date"), "{}", stderr(&out));
    assert_eq!(
        rev(&env, &remote, "main"),
        first,
        "no change, no new commit"
    );
    let quiet = publish_ok(&env, &["-q"]);
    assert!(
        quiet.stdout.is_empty() && quiet.stderr.is_empty(),
        "-q prints nothing on success"
    );
    assert_eq!(
        env.git_in(&remote, ["rev-list", "--count", "main"]).trim(),
        "1"
    );
    assert_eq!(
        env.git(["rev-parse", "refs/wol/published/gig"]).trim(),
        first
    );

    // Deleting the disposable cache re-renders byte-identical pages: still no new commit.
    fs::remove_dir_all(env.journal.join(".wol/cache")).unwrap();
    publish_ok(&env, &[]);
    assert_eq!(rev(&env, &remote, "main"), first);

    env.wol_j()
        .args(["log", "One more thing learned", "-k", "learning"])
        .assert()
        .success();
    let out = publish_ok(&env, &["--json"]);
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The new entry's page, and the pages of its neighbours, which now link it
    // (previous/next); every other page is reused.
    assert_eq!(
        results[0]["rendered"], 3,
        "only the new entry and its neighbours are rendered: {results}"
    );
    assert_eq!(results[0]["reused"], 11);
    let second = rev(&env, &remote, "main");
    assert_ne!(second, first);
    assert_eq!(
        env.git_in(&remote, ["rev-list", "--count", "main"]).trim(),
        "2"
    );
    assert_eq!(
        rev(&env, &remote, "main^"),
        first,
        "the new commit sits on the old one"
    );
    let pages = env.git_in(
        &remote,
        [
            "ls-tree",
            "-r",
            "--name-only",
            &first,
            "docs/2026/",
            "docs/tags/",
        ],
    );
    // Entry pages, and the pages of tags the new entry does not carry.
    let pages: Vec<&str> = pages
        .lines()
        .filter(|p| !p.ends_with("/index.html"))
        .collect();
    assert_eq!(
        pages.iter().filter(|p| p.starts_with("docs/2026/")).count(),
        13
    );
    assert!(pages.iter().any(|p| p.starts_with("docs/tags/")));
    // The only pages that change are the new entry's neighbours, whose
    // previous/next links now point at it.
    let mut changed = 0;
    for page in pages {
        if rev(&env, &remote, &format!("{first}:{page}"))
            != rev(&env, &remote, &format!("{second}:{page}"))
        {
            changed += 1;
            let text = env.git_in(&remote, ["show", &format!("{second}:{page}")]);
            assert!(
                text.contains("one-more-thing-learned.html"),
                "{page} changed although its entry did not and it is no neighbour of the new one"
            );
        }
    }
    assert!(changed <= 2, "{changed} old pages changed");
    // The journal's own branch only moved for the new entry.
    assert_eq!(env.git(["rev-parse", "HEAD^"]), head_before);
    env.assert_consistent();
}

#[test]
fn the_secret_scan_blocks_and_allow_entry_overrides_one_entry() {
    let env = TestEnv::new();
    env.init_journal();
    let tokens = [
        (
            "private key block",
            format!("-----BEGIN {}PRIVATE KEY-----", "OPENSSH "),
        ),
        (
            "GitHub token",
            format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"),
        ),
        (
            "GitHub token",
            format!("github_pat_{}", "11ABCDEFG0123456789_abcdefghijklmnop"),
        ),
        ("AWS access key id", format!("AKIA{}", "IOSFODNN7EXAMPLE")),
        (
            "Slack token",
            format!("xoxb-{}", "123456789012-abcdefghijkl"),
        ),
        // A `never` pattern is named by its position, never by its text.
        ("[publish] never pattern #1", "INTERNAL-ONLY".to_string()),
    ];
    let toml = env
        .read("wol.toml")
        .replace("never = []", "never = [\"INTERNAL-ONLY\"]");
    env.write("wol.toml", toml);
    let mut entries = Vec::new();
    for (i, (_, token)) in tokens.iter().enumerate() {
        entries.push((
            format!("2026-11-20-10{i:02}-secret-{i}"),
            entry(
                &format!("Secret {i}"),
                DATE,
                "public",
                &[],
                &[],
                &format!("first line\nsecond {token} line"),
            ),
        ));
    }
    entries.push((
        "2026-11-20-1100-clean".to_string(),
        entry("Clean", DATE, "public", &[], &[], "nothing here"),
    ));
    // A private entry with a secret never leaves, so it does not block.
    entries.push((
        "2026-11-20-1101-private".to_string(),
        entry("Private", DATE, "private", &[], &[], &tokens[3].1),
    ));
    let named: Vec<(&str, String)> = entries
        .iter()
        .map(|(n, t)| (n.as_str(), t.clone()))
        .collect();
    add_entries(&env, &named);
    let remote = bare(&env, "p.git");
    add_partner(&env, &["p", remote.to_str().unwrap()]);

    let err = env.fails(&["publish"], "--allow-entry");
    for (i, (rule, token)) in tokens.iter().enumerate() {
        // Entry (date, id, title), line (body line 2 is file line 12) and rule are
        // named; the secret is not.
        let want = format!(
            "2026-11-20-10{i:02}-secret-{i}  Secret {i}: line 12 looks like a secret ({rule})"
        );
        assert!(err.contains(&want), "missing {want:?} in:\n{err}");
        assert!(
            !err.contains(token.as_str()) || rule.starts_with("never"),
            "the secret was printed:\n{err}"
        );
    }
    assert!(!err.contains("1101-private"), "{err}");
    assert!(
        env.git_in(&remote, ["for-each-ref"]).is_empty(),
        "nothing may be pushed"
    );
    assert!(
        env.git(["for-each-ref", "refs/wol"]).is_empty(),
        "nothing may be committed"
    );

    // Allowing one entry unblocks exactly that one.
    let err = env.fails(
        &["publish", "--allow-entry", "2026-11-20-1003-secret-3"],
        "secret-4  Secret 4: line 12",
    );
    assert!(!err.contains("secret-3  "), "{err}");

    let mut args = Vec::new();
    for (n, _) in &entries[..tokens.len()] {
        args.push("--allow-entry".to_string());
        args.push(n.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    publish_ok(&env, &args);
    let files = env.git_in(
        &remote,
        ["ls-tree", "-r", "--name-only", "main", "entries/"],
    );
    assert_eq!(files.lines().count(), tokens.len() + 1, "{files}");

    env.fails(
        &["publish", "--allow-entry", "no-such-entry"],
        "no-such-entry",
    );
}

/// A front-matter `id` two entries share (a copied entry, an import) names neither:
/// allowing one must not wave the other's secret through.
#[test]
fn allow_entry_names_exactly_one_entry() {
    let env = TestEnv::new();
    env.init_journal();
    let toml = env
        .read("wol.toml")
        .replace("never = []", "never = [\"INTERNAL-ONLY\"]");
    env.write("wol.toml", toml);
    // `entry` gives titles of one length the same `id`.
    add_entries(
        &env,
        &[
            (
                "2026-11-20-1000-a",
                entry(
                    "A",
                    DATE,
                    "public",
                    &[],
                    &[],
                    "INTERNAL-ONLY, but harmless here",
                ),
            ),
            (
                "2026-11-20-1001-b",
                entry("B", DATE, "public", &[], &[], "INTERNAL-ONLY COPY-MARKER-4"),
            ),
        ],
    );
    let remote = bare(&env, "p.git");
    add_partner(&env, &["p", remote.to_str().unwrap()]);
    let err = env.fails(
        &["publish", "--allow-entry", "local-id-1"],
        "--allow-entry local-id-1: 2 entries have that id",
    );
    assert!(err.contains("2026-11-20-1001-b.md"), "{err}");
    assert!(
        env.git_in(&remote, ["for-each-ref"]).is_empty(),
        "nothing may be pushed"
    );
    // By its file id, one entry is allowed; the other still blocks.
    env.fails(
        &["publish", "--allow-entry", "2026-11-20-1000-a"],
        "2026-11-20-1001-b  B: line",
    );
    publish_ok(
        &env,
        &[
            "--allow-entry",
            "2026-11-20-1000-a",
            "--allow-entry",
            "2026-11-20-1001-b",
        ],
    );
}

fn hook(repo: &Path, name: &str, script: &str) {
    let path = repo.join("hooks").join(name);
    let mut f = fs::File::create(&path).unwrap();
    writeln!(f, "#!/bin/sh\n{script}").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_declining_hook_fails_only_that_partner() {
    let env = TestEnv::new();
    env.copy_examples_journal();
    let base = env.root.join("remotes");
    fs::create_dir_all(&base).unwrap();
    env.git_in(&base, ["init", "-q", "--bare", "-b", "main", "strict.git"]);
    env.git_in(&base, ["init", "-q", "--bare", "-b", "main", "open.git"]);
    hook(
        &base.join("strict.git"),
        "pre-receive",
        "echo 'policy: no pushes today' >&2\nexit 1",
    );
    let daemon = GitDaemon::start(&env, &base);
    add_partner(&env, &["strict", &daemon.url("strict.git")]);
    add_partner(&env, &["open", &daemon.url("open.git")]);
    let err = env.fails(&["publish"], "strict: FAILED");
    assert!(err.contains("refused the push"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    assert!(err.contains("open: published"), "{err}");
    assert!(
        env.git_in(&base.join("strict.git"), ["for-each-ref"])
            .is_empty()
    );
    assert!(!rev(&env, &base.join("open.git"), "main").is_empty());
    env.assert_consistent();

    // Once the server accepts, the next publish delivers what was committed before.
    fs::remove_file(base.join("strict.git/hooks/pre-receive")).unwrap();
    publish_ok(&env, &["strict"]);
    assert_eq!(
        rev(&env, &base.join("strict.git"), "main"),
        env.git(["rev-parse", "refs/wol/published/strict"]).trim()
    );
}

#[test]
fn a_diverged_remote_is_not_overwritten() {
    let env = TestEnv::new();
    env.copy_examples_journal();
    let base = env.root.join("remotes");
    fs::create_dir_all(&base).unwrap();
    env.git_in(&base, ["init", "-q", "--bare", "-b", "main", "gig.git"]);
    let remote = base.join("gig.git");
    let daemon = GitDaemon::start(&env, &base);
    add_partner(&env, &["gig", &daemon.url("gig.git")]);
    publish_ok(&env, &[]);

    // Someone else rewrites the branch, then the server forbids non-fast-forwards.
    let work = env.root.join("other");
    env.git_in(
        &env.root,
        [
            "clone",
            "-q",
            &daemon.url("gig.git"),
            work.to_str().unwrap(),
        ],
    );
    env.git_in(
        &work,
        ["commit", "-q", "--amend", "-m", "rewritten by someone else"],
    );
    env.git_in(&work, ["push", "-q", "--force", "origin", "main"]);
    env.git_in(&remote, ["config", "receive.denyNonFastForwards", "true"]);
    let theirs = rev(&env, &remote, "main");

    env.wol_j()
        .args(["log", "Another entry"])
        .assert()
        .success();
    let err = env.fails(&["publish"], "gig: FAILED");
    assert!(err.contains("not a fast-forward"), "{err}");
    // Its published log, with a commit wol did not make: named, and not to be removed.
    assert!(
        err.contains("1 commit on main among this journal's published log that wol did not make"),
        "{err}"
    );
    assert!(
        err.contains("\"rewritten by someone else\" by Git CLI"),
        "{err}"
    );
    assert!(err.contains("would delete that work"), "{err}");
    assert_eq!(
        rev(&env, &remote, "main"),
        theirs,
        "their commit must survive"
    );
    env.assert_consistent();
}

#[test]
fn a_branch_holding_another_journals_log_or_someones_files_is_refused_and_named() {
    let env = TestEnv::new();
    env.init_journal();
    env.wol_j().args(["log", "Mine"]).assert().success();
    let base = env.root.join("remotes");
    fs::create_dir_all(&base).unwrap();
    for name in ["theirs.git", "files.git"] {
        env.git_in(&base, ["init", "-q", "--bare", "-b", "main", name]);
    }
    let daemon = GitDaemon::start(&env, &base);
    // Another journal publishes to theirs.git.
    let other = env.root.join("other");
    env.wol().arg("init").arg(&other).assert().success();
    let in_other = |args: &[&str]| {
        env.wol()
            .arg("--journal")
            .arg(&other)
            .args(args)
            .assert()
            .success();
    };
    in_other(&["log", "Theirs"]);
    in_other(&["partner", "add", "gig", &daemon.url("theirs.git")]);
    in_other(&["publish"]);
    // Someone's own files on files.git.
    let work = env.root.join("work");
    env.git_in(&env.root, ["init", "-q", "-b", "main", "work"]);
    fs::write(work.join("notes.md"), "my notes\n").unwrap();
    env.git_in(&work, ["add", "notes.md"]);
    env.git_in(&work, ["commit", "-q", "-m", "notes"]);
    env.git_in(&work, ["push", "-q", &daemon.url("files.git"), "main"]);
    let before = [
        rev(&env, &base.join("theirs.git"), "main"),
        rev(&env, &base.join("files.git"), "main"),
    ];

    add_partner(&env, &["gig", &daemon.url("theirs.git")]);
    add_partner(&env, &["files", &daemon.url("files.git")]);
    let err = env.fails(&["publish"], "gig: FAILED");
    assert!(
        err.contains("another journal's published log on main"),
        "{err}"
    );
    assert!(
        err.contains("would delete that journal's published history"),
        "{err}"
    );
    assert!(err.contains("files: FAILED"), "{err}");
    assert!(
        err.contains("not a log wol published (no wol.json"),
        "{err}"
    );
    assert!(err.contains("would delete them"), "{err}");
    assert!(!err.contains("remove them"), "{err}");
    let after = [
        rev(&env, &base.join("theirs.git"), "main"),
        rev(&env, &base.join("files.git"), "main"),
    ];
    assert_eq!(after, before, "nothing there may change");
    assert!(env.git(["for-each-ref", "refs/wol/fetched"]).is_empty());
    env.assert_consistent();
}

#[test]
fn an_unreachable_partner_does_not_stop_the_others() {
    let env = TestEnv::new();
    env.copy_examples_journal();
    let good = bare(&env, "good.git");
    // Port 1 on loopback: nothing listens, the connection is refused.
    add_partner(&env, &["down", "git://127.0.0.1:1/log.git"]);
    add_partner(&env, &["good", good.to_str().unwrap()]);
    let err = env.fails(
        &["publish"],
        "down: FAILED: cannot reach git://127.0.0.1:1/log.git",
    );
    assert!(err.contains("good: published, 12 entries"), "{err}");
    assert!(
        err.contains("publishing failed for 1 of 2 partner(s): down"),
        "{err}"
    );
    assert_eq!(
        rev(&env, &good, "main"),
        env.git(["rev-parse", "refs/wol/published/good"]).trim()
    );
    env.assert_consistent();
}

#[test]
fn publish_without_partners_says_how_to_add_one() {
    let env = TestEnv::new();
    env.init_journal();
    env.fails(&["publish"], "wol partner add");
    let out = env.wol_j().args(["publish", "nobody"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn shared_mode_writes_only_the_members_own_logs() {
    let env = TestEnv::new();
    env.init_journal();
    add_entries(
        &env,
        &[
            (
                "2026-11-20-1000-mine",
                entry("Mine in common", DATE, "public", &[], &["x"], "Body MINE-1"),
            ),
            (
                "2026-11-20-1001-private",
                entry(
                    "Private sharedpriv",
                    DATE,
                    "private",
                    &[],
                    &[],
                    "Body SHAREDPRIV-2",
                ),
            ),
        ],
    );
    let other = env.root.join("other-journal");
    env.wol()
        .args(["init", other.to_str().unwrap()])
        .assert()
        .success();
    let other_entry = entry(
        "From the other member",
        "2026-11-20T09:30:00+00:00",
        "public",
        &[],
        &[],
        "Body OTHER-3",
    );
    fs::create_dir_all(other.join("entries/2026/11")).unwrap();
    fs::write(
        other.join("entries/2026/11/2026-11-20-0930-other.md"),
        other_entry,
    )
    .unwrap();
    env.git_in(&other, ["add", "-A"]);
    env.git_in(&other, ["commit", "-q", "-m", "entry"]);

    let base = env.root.join("remotes");
    fs::create_dir_all(&base).unwrap();
    env.git_in(
        &base,
        ["init", "-q", "--bare", "-b", "main", "community.git"],
    );
    let remote = base.join("community.git");
    let daemon = GitDaemon::start(&env, &base);
    let url = daemon.url("community.git");
    add_partner(&env, &["commons", &url, "--mode", "shared"]);
    env.wol()
        .args([
            "--journal",
            other.to_str().unwrap(),
            "partner",
            "add",
            "commons",
            &url,
            "--mode",
            "shared",
        ])
        .assert()
        .success();

    publish_ok(&env, &[]);
    let first = rev(&env, &remote, "main");
    let mut other_publish = env.wol();
    other_publish.env("WOL_AUTHOR", "Other Member").args([
        "--journal",
        other.to_str().unwrap(),
        "publish",
    ]);
    let out = other_publish.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let second = rev(&env, &remote, "main");
    assert_eq!(
        rev(&env, &remote, "main^"),
        first,
        "the second member builds on the first"
    );
    // The first member's subtree is carried over object for object.
    assert_eq!(
        rev(&env, &remote, &format!("{first}:logs/test-author")),
        rev(&env, &remote, &format!("{second}:logs/test-author"))
    );
    let top = env.git_in(&remote, ["ls-tree", "--name-only", "main"]);
    assert_eq!(top.lines().collect::<Vec<_>>(), ["README.md", "logs"]);
    let members = env.git_in(&remote, ["ls-tree", "--name-only", "main", "logs/"]);
    assert_eq!(
        members.lines().collect::<Vec<_>>(),
        ["logs/other-member", "logs/test-author"]
    );
    let readme = env.git_in(&remote, ["show", "main:README.md"]);
    assert!(
        readme.contains(
            "[From the other member](logs/other-member/entries/2026/11/2026-11-20-0930-other.md)"
        ),
        "{readme}"
    );
    assert!(
        readme
            .contains("[Mine in common](logs/test-author/entries/2026/11/2026-11-20-1000-mine.md)"),
        "{readme}"
    );
    // Newest first by the instant, not by the text: 09:30 UTC is after 10:00 at +01:00.
    assert!(
        readme.find("From the other member") < readme.find("Mine in common"),
        "{readme}"
    );

    // Unchanged: no new commit, even though the remote moved since our last publish.
    let out = publish_ok(&env, &[]);
    assert!(
        stderr(&out).contains("commons: up to date"),
        "{}",
        stderr(&out)
    );
    assert_eq!(rev(&env, &remote, "main"), second);

    let objects = all_objects(&env, &url, "commons");
    assert!(objects.contains("MINE-1") && objects.contains("OTHER-3"));
    assert!(
        !objects.contains("SHAREDPRIV-2") && !objects.contains("sharedpriv"),
        "LEAK"
    );
    env.assert_consistent();
}

#[test]
fn a_secret_blocks_only_the_publishes_that_would_carry_it() {
    // Texts are scanned as they are read, for the partners the publish is for: the entry
    // addressed to alpha is scanned when alpha is published to, whoever else is, and
    // what beta alone is given goes out meanwhile.
    let env = TestEnv::new();
    env.init_journal();
    let token = format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8");
    add_entries(
        &env,
        &[
            (
                "2026-11-20-1000-for-alpha",
                entry("For alpha", DATE, "partners", &["alpha"], &[], &token),
            ),
            (
                "2026-11-20-1001-for-beta",
                entry("For beta", DATE, "partners", &["beta"], &[], "nothing here"),
            ),
        ],
    );
    let alpha = bare(&env, "alpha.git");
    let beta = bare(&env, "beta.git");
    add_partner(&env, &["alpha", alpha.to_str().unwrap()]);
    add_partner(&env, &["beta", beta.to_str().unwrap()]);

    publish_ok(&env, &["beta"]);
    assert!(
        env.git_in(&beta, ["ls-tree", "-r", "--name-only", "main"])
            .contains("1001-for-beta")
    );
    // beta's publish scanned beta's text only: alpha's is still to be scanned, and is.
    for args in [
        &["publish", "alpha"][..],
        &["publish"],
        &["publish", "beta", "alpha"],
    ] {
        let err = env.fails(args, "--allow-entry");
        assert!(
            err.contains("2026-11-20-1000-for-alpha") && err.contains("GitHub token"),
            "{args:?}: {err}"
        );
        assert!(!err.contains(&token), "the secret was printed: {err}");
    }
    assert!(
        env.git_in(&alpha, ["for-each-ref"]).is_empty(),
        "nothing may reach alpha"
    );
    publish_ok(&env, &["beta"]);
}

#[test]
fn a_text_scanned_clean_is_scanned_again_when_the_patterns_change() {
    let env = TestEnv::new();
    env.init_journal();
    add_entries(
        &env,
        &[
            (
                "2026-11-20-1000-kickoff",
                entry("Kickoff", DATE, "public", &[], &[], "Project Falcon starts"),
            ),
            (
                "2026-11-20-1001-token",
                entry(
                    "Token",
                    DATE,
                    "public",
                    &[],
                    &[],
                    &format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"),
                ),
            ),
        ],
    );
    let remote = bare(&env, "p.git");
    add_partner(&env, &["p", remote.to_str().unwrap()]);
    let kickoff = "2026-11-20-1000-kickoff";
    let token = "2026-11-20-1001-token";
    let allow_token = ["--allow-entry", token];

    // Clean texts are remembered; a text with a hit is scanned (and reported) every time.
    publish_ok(&env, &allow_token);
    assert!(env.journal.join(".wol/cache/scan-clean.v1").is_file());
    let err = env.fails(&["publish"], "--allow-entry");
    assert!(err.contains(token) && err.contains("GitHub token"), "{err}");
    assert!(!err.contains(kickoff), "{err}");

    // A new pattern matches a text scanned clean before: it blocks now.
    let toml = env
        .read("wol.toml")
        .replace("never = []", "never = [\"(?i)falcon\"]");
    env.write("wol.toml", toml);
    let err = env.fails(&["publish", "--allow-entry", token], "--allow-entry");
    assert!(
        err.contains(kickoff) && err.contains("[publish] never pattern #1"),
        "{err}"
    );
    let err = env.fails(&["publish", "--allow-entry", token], "--allow-entry");
    assert!(err.contains(kickoff), "blocked again: {err}");
    // And the cache is only a cache: without it, the same verdicts.
    fs::remove_dir_all(env.journal.join(".wol/cache")).unwrap();
    let err = env.fails(&["publish"], "--allow-entry");
    assert!(err.contains(kickoff) && err.contains(token), "{err}");

    // The pattern goes: the entry goes.
    let toml = env
        .read("wol.toml")
        .replace("never = [\"(?i)falcon\"]", "never = []");
    env.write("wol.toml", toml);
    publish_ok(&env, &allow_token);
    let published = env.git_in(&remote, ["ls-tree", "-r", "--name-only", "main"]);
    assert!(published.contains(kickoff), "{published}");
}

/// A file name is scanned on every publish, whatever the scan cache says of the entry's
/// text: a codename in an old slug blocks as soon as a pattern names it, with the cache
/// and without, and only the name is reported.
#[test]
fn a_file_name_is_scanned_on_every_publish_whatever_the_scan_cache_says() {
    let env = TestEnv::new();
    env.init_journal();
    add_entries(
        &env,
        &[(
            "2026-11-20-1000-project-osprey",
            entry("Kickoff", DATE, "public", &[], &[], "Nothing to see here."),
        )],
    );
    let remote = bare(&env, "p.git");
    add_partner(&env, &["p", remote.to_str().unwrap()]);
    publish_ok(&env, &[]);
    let toml = env
        .read("wol.toml")
        .replace("never = []", "never = [\"(?i)osprey\"]");
    env.write("wol.toml", toml);
    env.log(&["Another entry", "--public"]);
    for round in ["with the cache", "without it"] {
        let err = env.fails(&["publish"], "--allow-entry");
        assert!(
            err.contains("its file name looks like a secret ([publish] never pattern #1)"),
            "{round}: {err}"
        );
        assert!(
            !err.contains("line "),
            "{round}: only the name has it: {err}"
        );
        assert!(
            !err.contains("osprey"),
            "{round}: the report repeats it: {err}"
        );
        fs::remove_dir_all(env.journal.join(".wol/cache")).unwrap();
    }
    let published = env.git_in(&remote, ["ls-tree", "-r", "--name-only", "main"]);
    assert!(!published.contains("another-entry"), "{published}");
}

/// Each tag gets a page and a feed that show the entry with all its tags: an entry with
/// thousands of tags would publish a tree that grows with their square. The site and
/// feeds carry the first 64; the published Markdown keeps them all.
#[test]
fn an_entry_with_very_many_tags_gets_a_bounded_site() {
    let env = TestEnv::new();
    env.init_journal();
    let tags: Vec<String> = (0..300).map(|i| format!("t{i:03}")).collect();
    let mut args = vec!["Many tags".to_string()];
    for t in &tags {
        args.extend(["-t".to_string(), t.clone()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let path = env.log(&args);
    let partner = bare(&env, "many.git");
    add_partner(&env, &["many", partner.to_str().unwrap()]);
    let out = publish_ok(&env, &[]);
    assert!(
        stderr(&out).contains("has 300 tags; its page and the feeds carry the first 64"),
        "{}",
        stderr(&out)
    );
    let files = env.git_in(&partner, ["ls-tree", "-r", "--name-only", "main"]);
    let tag_pages = files
        .lines()
        .filter(|f| f.starts_with("docs/tags/") && f.ends_with(".html"))
        .count();
    assert_eq!(tag_pages, 64, "{files}");
    let id = path.file_stem().unwrap().to_str().unwrap();
    let md = env.git_in(&partner, ["show", &format!("main:entries/2026/11/{id}.md")]);
    assert!(
        md.contains("\"t299\""),
        "the Markdown keeps every tag: {md}"
    );
}

/// Hand-named entry files: `#` and `?` in a name are percent-encoded in every link (a
/// browser reads them as a fragment and a query), and an `index.md` gets a page of its
/// own instead of being overwritten by the month's page.
#[test]
fn hand_named_entries_get_pages_and_links_that_resolve() {
    let env = TestEnv::new();
    env.init_journal();
    add_entries(
        &env,
        &[
            (
                "C# tips",
                entry("C sharp tips", DATE, "public", &[], &[], "Body UNIQUE-1"),
            ),
            (
                "what? why 100%",
                entry("Questions", DATE, "public", &[], &[], "Body UNIQUE-2"),
            ),
            (
                "index",
                entry("My index notes", DATE, "public", &[], &[], "Body UNIQUE-3"),
            ),
        ],
    );
    let partner = bare(&env, "names.git");
    add_partner(&env, &["names", partner.to_str().unwrap()]);
    publish_ok(&env, &[]);
    let clone = env.root.join("names-clone");
    env.git_in(
        &env.root,
        [
            "clone",
            "-q",
            partner.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    let month = fs::read_to_string(clone.join("docs/2026/11/index.html")).unwrap();
    for (page, html) in [
        (
            "docs/index.html",
            fs::read_to_string(clone.join("docs/index.html")).unwrap(),
        ),
        ("docs/2026/11/index.html", month),
    ] {
        let dir = clone.join(page).parent().unwrap().to_path_buf();
        for href in html
            .split("href=\"")
            .skip(1)
            .filter_map(|r| r.split('"').next())
        {
            if href.contains(':') || href.starts_with('#') {
                continue;
            }
            // What a browser requests: the part before a fragment.
            let path = href.split('#').next().unwrap();
            assert!(!path.contains('?'), "{page}: {href}");
            let decoded = path
                .replace("%20", " ")
                .replace("%23", "#")
                .replace("%3F", "?")
                .replace("%25", "%");
            assert!(dir.join(&decoded).is_file(), "{page} links {href}: missing");
        }
    }
    let pages: Vec<String> = ["C# tips", "what? why 100%", "index-entry"]
        .iter()
        .map(|n| fs::read_to_string(clone.join(format!("docs/2026/11/{n}.html"))).unwrap())
        .collect();
    for (n, page) in pages.iter().enumerate() {
        assert!(page.contains(&format!("UNIQUE-{}", n + 1)), "{page}");
    }
}

/// A partner path on this machine that is a repository with a work tree: libgit2 cannot
/// push there, and the error says what it is and what to do, not "check that the
/// repository exists".
#[test]
fn a_partner_path_with_a_work_tree_is_named_so() {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&["Shared entry", "--public"]);
    env.git_in(&env.root, ["init", "-q", "-b", "main", "worktree-repo"]);
    let dir = env.root.join("worktree-repo");
    add_partner(&env, &["w", dir.to_str().unwrap()]);
    let err = env.fails(&["publish"], "not bare");
    assert!(err.contains("git init --bare"), "{err}");
    assert!(!err.contains("check that the repository exists"), "{err}");
    assert!(
        env.git_in(&dir, ["for-each-ref"]).trim().is_empty(),
        "nothing was pushed"
    );
}

/// The render cache keeps what the last publish to every partner used: the page of an
/// entry as it was before an edit goes from it, so it does not grow with every edit and
/// every new entry. A publish to some partners only drops nothing (the others' pages
/// stay), nor does one that failed.
#[test]
fn the_render_cache_keeps_only_what_a_publish_to_every_partner_used() {
    let env = TestEnv::new();
    env.init_journal();
    let entry = env.log(&["Cache note", "--public", "--next", "First version."]);
    let (a, b) = (bare(&env, "a.git"), bare(&env, "b.git"));
    add_partner(&env, &["a", a.to_str().unwrap()]);
    add_partner(&env, &["b", b.to_str().unwrap()]);
    publish_ok(&env, &[]);
    let page = format!(
        "main:docs/{}",
        entry
            .to_str()
            .unwrap()
            .strip_prefix("entries/")
            .unwrap()
            .replace(".md", ".html")
    );
    // The cache file holds ids as 20 bytes each: shown as hex, as git shows them.
    let cached = || {
        let data = fs::read(env.journal.join(".wol/cache/publish.bin")).unwrap();
        data.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let (old_a, old_b) = (rev(&env, &a, &page), rev(&env, &b, &page));
    assert!(cached().contains(old_a.trim()) && cached().contains(old_b.trim()));

    let text = env
        .read(entry.to_str().unwrap())
        .replace("First version.", "Second version.");
    env.write(entry.to_str().unwrap(), text);
    env.git(["commit", "-qam", "edit"]);
    // Only `a`: `b`'s page of the old text may still be wanted.
    publish_ok(&env, &["a"]);
    assert!(cached().contains(old_b.trim()), "{}", cached());
    // Every partner: neither old page is kept.
    publish_ok(&env, &[]);
    let now = cached();
    assert!(
        !now.contains(old_a.trim()) && !now.contains(old_b.trim()),
        "{now}"
    );
    assert!(now.contains(rev(&env, &b, &page).trim()), "{now}");
    // And a publish from what is left renders nothing again.
    let out = publish_ok(&env, &["--json"]);
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(results[0]["rendered"], 0, "{results}");
    assert_eq!(results[1]["rendered"], 0, "{results}");
}

/// A publish with nothing new for a partner takes the tree it built last time, says the
/// warnings that build gave again, and keeps every page in the render cache: the next
/// publish with a new entry renders only what it changed. Anything the build reads that
/// changes (here the stylesheet, then the tree on the partner's ref) builds again.
#[test]
fn a_publish_with_nothing_new_takes_its_last_build() {
    let env = TestEnv::new();
    env.init_journal();
    let svg = env.root.join("diagram.svg");
    fs::write(&svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n").unwrap();
    env.log(&["First", "--public", "--attach", svg.to_str().unwrap()]);
    env.log(&["Second", "--public"]);
    let remote = bare(&env, "pub.git");
    add_partner(&env, &["pub", remote.to_str().unwrap()]);
    let taken = "pub: nothing a build reads changed since the last one";
    let warning = "diagram.svg is published beside the entry but not on its site";
    let publish = |args: &[&str]| {
        let out = env
            .wol_j()
            .args(["-v", "publish", "--json"])
            .args(args)
            .env("WOL_CHECK_REUSE", "0")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (stderr(&out), results)
    };
    let cache = env.journal.join(".wol/cache/publish.bin");

    let (err, first) = publish(&[]);
    assert!(!err.contains(taken) && err.contains(warning), "{err}");
    assert_eq!(first[0]["rendered"], 2, "{first}");
    let pages = fs::read(&cache).unwrap();
    let head = rev(&env, &remote, "main");

    let (err, again) = publish(&[]);
    assert!(err.contains(taken), "{err}");
    assert!(err.contains(warning), "the warning is said again: {err}");
    assert_eq!(again[0]["status"], "unchanged", "{again}");
    assert_eq!(
        (&again[0]["rendered"], &again[0]["reused"]),
        (&0.into(), &2.into())
    );
    assert_eq!(rev(&env, &remote, "main"), head);
    assert_eq!(fs::read(&cache).unwrap(), pages, "no page was dropped");

    env.log(&["Third", "--public"]);
    let (err, third) = publish(&[]);
    assert!(!err.contains(taken), "{err}");
    assert_eq!(
        third[0]["rendered"], 2,
        "the new entry and its neighbour: {third}"
    );
    assert_eq!(third[0]["reused"], 1, "{third}");
    let head = rev(&env, &remote, "main");

    // A changed stylesheet is read by the build.
    env.write("templates/site/style.css", "body { color: #222; }\n");
    let (err, _) = publish(&[]);
    assert!(!err.contains(taken), "{err}");
    let styled = rev(&env, &remote, "main");
    assert_ne!(styled, head);
    assert_eq!(
        env.git_in(&remote, ["show", "main:docs/style.css"]),
        "body { color: #222; }\n"
    );
    let (err, _) = publish(&[]);
    assert!(err.contains(taken), "{err}");

    // The tree on the partner's ref is not the last build's: built again (and the same).
    env.git(["update-ref", "refs/wol/published/pub", &head]);
    let (err, _) = publish(&[]);
    assert!(!err.contains(taken), "{err}");
    assert_eq!(rev(&env, &remote, "main"), styled);
    assert_eq!(
        env.git(["rev-parse", "refs/wol/published/pub"]).trim(),
        styled
    );

    // A damaged record is no record.
    fs::write(env.journal.join(".wol/cache/built-pub.json"), "{").unwrap();
    let (err, _) = publish(&[]);
    assert!(!err.contains(taken), "{err}");
    let (err, _) = publish(&[]);
    assert!(err.contains(taken), "{err}");
}

/// The packs in a bare repository's object folder.
fn packs(repo: &Path) -> Vec<PathBuf> {
    let mut packs: Vec<PathBuf> = fs::read_dir(repo.join("objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pack"))
        .collect();
    packs.sort();
    packs
}

/// The one pack `publish` sent to `repo`: its objects, and how many of them are deltas.
fn publish_sends_one_pack(env: &TestEnv, repo: &Path) -> (usize, usize) {
    let before = packs(repo);
    publish_ok(env, &[]);
    let new: Vec<PathBuf> = packs(repo)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    let [pack] = &new[..] else {
        panic!("expected one new pack, got {new:?}")
    };
    let listing = env.git_in(repo, ["verify-pack", "-v", pack.to_str().unwrap()]);
    let objects: Vec<usize> = listing
        .lines()
        .filter(|l| l.len() > 40 && l.as_bytes()[40] == b' ')
        .map(|l| l.split_whitespace().count())
        .collect();
    // `SHA type size size-in-pack offset`, and `depth base` after it for a delta.
    assert!(objects.iter().all(|&n| n == 5 || n == 7), "{listing}");
    (objects.len(), objects.iter().filter(|&&n| n == 7).count())
}

/// A publish after a work session pushes its one commit without a delta search (which
/// was a third of its push), and a push that carries more than that one commit (the
/// branch there is further behind, after a push the server refused) has its deltas.
#[test]
fn the_next_commit_goes_without_deltas_and_a_longer_push_with_them() {
    let env = TestEnv::new();
    env.init_journal();
    for title in ["Wrote the first notes", "Wrote the second notes"] {
        env.log(&[title, "-t", "notes"]);
    }
    let repo = bare(&env, "p.git");
    // Keep each pushed pack as it came (git unpacks fewer than 100 objects).
    env.git_in(&repo, ["config", "receive.unpackLimit", "1"]);
    let daemon = GitDaemon::start(&env, repo.parent().unwrap());
    add_partner(&env, &["p", &daemon.url("p.git")]);
    publish_ok(&env, &[]);

    env.log(&["Wrote the third notes", "-t", "notes"]);
    let (objects, deltas) = publish_sends_one_pack(&env, &repo);
    assert!(objects > 10, "{objects} objects");
    assert_eq!(deltas, 0, "the next commit's pack has no deltas");

    hook(&repo, "pre-receive", "exit 1");
    env.log(&["Wrote the fourth notes", "-t", "notes"]);
    env.fails(&["publish"], "p: FAILED");
    fs::remove_file(repo.join("hooks/pre-receive")).unwrap();
    env.log(&["Wrote the fifth notes", "-t", "notes"]);
    let (_, deltas) = publish_sends_one_pack(&env, &repo);
    // Two commits' feeds, indexes and tag pages, each one entry apart.
    assert!(deltas > 0, "a push of two commits has its deltas");
    assert_eq!(
        rev(&env, &repo, "main"),
        env.git(["rev-parse", "refs/wol/published/p"]).trim()
    );
    env.git_in(&repo, ["fsck", "--strict"]);
}
