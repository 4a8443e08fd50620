//! `wol partner add|list|rm`: stored in wol.toml with the user's comments kept, committed,
//! validated, and never holding credentials.

use crate::common::{TestEnv, stderr};

#[test]
fn add_list_rm_keep_comments_and_commit() {
    let env = TestEnv::new();
    env.init_journal();
    let before = env.read("wol.toml");
    let commits = env.commit_count();

    env.wol_j()
        .args([
            "partner",
            "add",
            "gig",
            "git@example.org:gig/log.git",
            "--tag",
            "rust",
            "--kind",
            "learning",
        ])
        .assert()
        .success();
    env.wol_j()
        .args([
            "partner",
            "add",
            "board",
            "/srv/git/board.git",
            "--branch",
            "gh-pages",
        ])
        .assert()
        .success();
    let after = env.read("wol.toml");
    for line in before.lines() {
        assert!(
            after.contains(line),
            "lost {line:?}; comments must be kept:\n{after}"
        );
    }
    assert!(
        after.contains("[partners.gig]\nurl = \"git@example.org:gig/log.git\""),
        "{after}"
    );
    assert_eq!(env.commit_count(), commits + 2);
    assert_eq!(env.head_subject(), "partner: add board");
    env.assert_consistent();

    let list = env.json(&["partner", "list"], &[]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["board", "gig"]);
    assert_eq!(list[1]["tags"][0], "rust");
    assert_eq!(list[1]["kinds"][0], "learning");
    assert_eq!(list[0]["branch"], "gh-pages");
    assert_eq!(list[0]["mode"], "own");

    let out = env.wol_j().args(["partner", "list"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("gig  git@example.org:gig/log.git  main  own  (tags: rust; kinds: learning)"),
        "{text}"
    );

    env.wol_j()
        .args(["partner", "rm", "gig"])
        .assert()
        .success();
    assert_eq!(env.head_subject(), "partner: rm gig");
    let removed = env.read("wol.toml");
    for line in before.lines() {
        assert!(removed.contains(line), "lost {line:?}:\n{removed}");
    }
    assert!(!removed.contains("\n[partners.gig]\nurl"), "{removed}");
    env.assert_consistent();

    env.fails(&["partner", "rm", "gig"], "no partner `gig`");
}

#[test]
fn bad_names_urls_and_credentials_are_refused_and_nothing_is_written() {
    let env = TestEnv::new();
    env.init_journal();
    let before = env.read("wol.toml");
    let commits = env.commit_count();
    let cases: &[(&[&str], &str)] = &[
        (&["Bad/Name", "/srv/x.git"], "not a valid partner name"),
        (&["gig", "https://me:hunter2@example.org/x.git"], "password"),
        (
            &[
                "gig",
                "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x.git",
            ],
            "access token",
        ),
        (&["gig", "http://example.org/x.git"], "plain http"),
        (
            &["gig", "ftp://example.org/x.git"],
            "unsupported URL scheme",
        ),
        (
            &["gig", "/srv/x.git", "--branch", "a..b"],
            "not a valid branch",
        ),
        (&["gig", "/srv/x.git", "--kind", "party"], "unknown kind"),
    ];
    for (args, expect) in cases {
        let err = env.fails(&[&["partner", "add"], *args].concat(), expect);
        assert!(
            !err.contains("hunter2") && !err.contains("ghp_abc"),
            "credential echoed: {err}"
        );
    }
    let out = env
        .wol_j()
        .args([
            "partner",
            "add",
            "gig",
            "https://me:hunter2@example.org/x.git",
        ])
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("WOL_GIT_TOKEN"),
        "the hint names the alternatives"
    );
    assert_eq!(env.read("wol.toml"), before);
    assert_eq!(env.commit_count(), commits);

    env.wol_j()
        .args(["partner", "add", "gig", "/srv/x.git"])
        .assert()
        .success();
    env.fails(&["partner", "add", "gig", "/srv/y.git"], "exists already");
    env.assert_consistent();
}

/// A removed partner leaves nothing behind: the ref of what was last published to it
/// goes with it, and what the cache kept of that tree, so a partner added again under the
/// name starts afresh.
#[test]
fn a_removed_partner_leaves_no_published_ref() {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&["Shared work"]);
    env.bare_partner("gig");
    env.bare_partner("ouishare");
    let kept = |name: &str| env.journal.join(format!(".wol/cache/published-{name}.bin"));
    // What earlier builds kept of a published tree: the next publish removes it.
    let old = env.journal.join(".wol/cache/updated-gig.bin");
    std::fs::create_dir_all(old.parent().unwrap()).unwrap();
    std::fs::write(&old, b"wol-updated\0").unwrap();
    env.wol_j().arg("publish").assert().success();
    assert!(!old.exists(), "the old times file is still there");
    assert!(kept("gig").is_file() && kept("ouishare").is_file());
    let refs = || env.git(["for-each-ref", "--format=%(refname)", "refs/wol/"]);
    assert!(refs().contains("refs/wol/published/gig"), "{}", refs());
    env.wol_j()
        .args(["partner", "rm", "gig"])
        .assert()
        .success();
    assert!(!refs().contains("refs/wol/published/gig"), "{}", refs());
    assert!(
        !kept("gig").exists(),
        "the removed partner's kept file is still there"
    );
    assert!(
        kept("ouishare").is_file(),
        "another partner's kept file went too"
    );
}
