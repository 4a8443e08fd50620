//! The follower's side: feeds a reader can open (links, ids, `updated`, per-tag and
//! per-kind feeds, JSON Feed, licence), and asks and credit that travel between two
//! journals that follow each other.

use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use crate::common::{TestEnv, stderr, stdout};

/// A journal publishing to a bare repository `<root>/<name>.git` (partner `pub`).
fn publisher(name: &str, author: &str) -> (TestEnv, PathBuf) {
    let env = TestEnv::new().with_author(Some(author));
    env.init_journal();
    env.git_in(
        &env.root,
        ["init", "-q", "--bare", "-b", "main", &format!("{name}.git")],
    );
    let bare = env.root.join(format!("{name}.git"));
    env.wol_j()
        .args(["partner", "add", "pub", bare.to_str().unwrap()])
        .assert()
        .success();
    (env, bare)
}

fn show(env: &TestEnv, bare: &Path, path: &str) -> String {
    env.git_in(bare, ["show", &format!("main:{path}")])
}

fn files(env: &TestEnv, bare: &Path) -> Vec<String> {
    env.git_in(bare, ["ls-tree", "-r", "--name-only", "main"])
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn with_a_site_address_feeds_and_pages_carry_absolute_links() {
    let (env, bare) = publisher("a", "Ann Lee");
    let toml = env.read("wol.toml").replace(
        "[partners.pub]",
        "[partners.pub]\nsite = \"https://ann.example.org/log\"",
    );
    env.write("wol.toml", toml);
    env.git(["commit", "-qam", "site"]);
    env.log(&["Asked about Loomio", "-k", "help", "-t", "loomio"]);
    env.log(&[
        "Learned about sociocracy",
        "-k",
        "learning",
        "-t",
        "governance",
    ]);
    env.wol_j().arg("publish").assert().success();

    let feed = atom_syndication::Feed::from_str(&show(&env, &bare, "feed.xml")).unwrap();
    let self_link = feed.links().iter().find(|l| l.rel() == "self").unwrap();
    assert_eq!(self_link.href(), "https://ann.example.org/log/feed.xml");
    for e in feed.entries() {
        let link = &e.links()[0];
        assert_eq!(link.rel(), "alternate");
        assert!(
            link.href()
                .starts_with("https://ann.example.org/log/2026/11/"),
            "{}",
            link.href()
        );
    }
    let page = show(
        &env,
        &bare,
        "docs/2026/11/2026-11-22-1432-asked-about-loomio.html",
    );
    assert!(
        page.contains(
            "<link rel=\"canonical\" href=\"https://ann.example.org/log/2026/11/2026-11-22-1432-asked-about-loomio.html\">"
        ),
        "{page}"
    );
    assert!(page.contains("property=\"og:title\""), "{page}");
    // The per-kind and per-tag feeds, and the JSON Feed.
    let all = files(&env, &bare);
    for f in [
        "docs/kinds/help.xml",
        "docs/kinds/learning.xml",
        "docs/tags/loomio.xml",
        "feed.json",
        "docs/feed.json",
    ] {
        assert!(all.iter().any(|x| x == f), "{f} missing: {all:?}");
    }
    let help = atom_syndication::Feed::from_str(&show(&env, &bare, "docs/kinds/help.xml")).unwrap();
    assert_eq!(help.entries().len(), 1);
    assert_eq!(help.entries()[0].title().as_str(), "Asked about Loomio");
    let json: serde_json::Value =
        serde_json::from_str(&show(&env, &bare, "docs/feed.json")).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["items"].as_array().unwrap().len(), 2);
    assert!(
        json["items"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with("https://ann.example.org/log/")
    );
    // The tag page announces its feed.
    let tag_page = show(&env, &bare, "docs/tags/loomio.html");
    assert!(
        tag_page.contains("type=\"application/atom+xml\"") && tag_page.contains("loomio.xml"),
        "{tag_page}"
    );
}

#[test]
fn updated_follows_the_published_text_and_published_never_moves() {
    let (env, bare) = publisher("a", "Ann Lee");
    let entry = env.log(&["First version"]);
    env.wol_j().arg("publish").assert().success();
    let before = atom_syndication::Feed::from_str(&show(&env, &bare, "feed.xml")).unwrap();
    let e0 = before.entries()[0].clone();
    assert_eq!(e0.updated(), &e0.published().cloned().unwrap());

    // Republished later, unchanged: nothing moves.
    env.wol_j()
        .env("WOL_NOW", "2026-11-23T09:00:00+01:00")
        .arg("publish")
        .assert()
        .success();
    let same = atom_syndication::Feed::from_str(&show(&env, &bare, "feed.xml")).unwrap();
    assert_eq!(same.entries()[0].updated(), e0.updated());

    // Edited: `updated` is the time of the publish that carried the change.
    let text = env.read(&entry).replace("First version", "Second version");
    env.write(&entry, text);
    env.git(["commit", "-qam", "edit"]);
    env.wol_j()
        .env("WOL_NOW", "2026-11-24T10:00:00+01:00")
        .arg("publish")
        .assert()
        .success();
    let after = atom_syndication::Feed::from_str(&show(&env, &bare, "feed.xml")).unwrap();
    let e1 = &after.entries()[0];
    assert_eq!(e1.id(), e0.id(), "the id is stable");
    assert_eq!(e1.published(), e0.published(), "published never moves");
    assert_eq!(e1.updated().to_rfc3339(), "2026-11-24T10:00:00+01:00");
    assert_eq!(after.updated().to_rfc3339(), "2026-11-24T10:00:00+01:00");
}

/// A publish keeps the `updated` times it wrote into its JSON, with the files of the tree
/// it built, for the next publish (`.wol/cache/published-<partner>.bin`), which reads
/// them instead of the tree and its JSON only when they were written for the very tree it
/// publishes on, intact.
#[test]
fn the_updated_times_kept_for_the_next_publish_are_the_ones_published() {
    let (env, bare) = publisher("a", "Ann Lee");
    let entry = env.log(&["First version"]);
    env.log(&["Another entry"]);
    env.wol_j().arg("publish").assert().success();
    let kept = env.journal.join(".wol/cache/published-pub.bin");
    assert!(kept.is_file());
    let text = env.read(&entry).replace("First version", "Second version");
    env.write(&entry, text);
    env.git(["commit", "-qam", "edit"]);
    let publish_on = |day: &str| {
        let out = env
            .wol_j()
            .env("WOL_NOW", format!("2026-11-{day}T10:00:00+01:00"))
            .args(["-vv", "publish"])
            .assert()
            .success();
        String::from_utf8_lossy(&out.get_output().stderr).into_owned()
    };
    let updated_of = |path: &str| -> String {
        let json: serde_json::Value = serde_json::from_str(&show(&env, &bare, "wol.json")).unwrap();
        let item = json["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == path)
            .unwrap_or_else(|| panic!("{path} in {json}"))
            .clone();
        item["updated"].as_str().unwrap().to_string()
    };
    let path = entry.to_str().unwrap();
    let path = &path[path.find("entries/").unwrap()..];
    let said = publish_on("24");
    assert!(
        said.contains("the last publish's files and updated times from the cache (2 entries)"),
        "{said}"
    );
    assert_eq!(updated_of(path), "2026-11-24T10:00:00+01:00");

    // Unchanged since, the edited entry keeps the time of the edit's publish: from the
    // kept times, from the JSON when they are damaged, and from the JSON when they were
    // kept for another tree.
    for (day, spoil) in [
        ("25", None),
        ("26", Some("damaged")),
        ("27", Some("another tree")),
    ] {
        match spoil {
            Some("damaged") => {
                let mut data = std::fs::read(&kept).unwrap();
                let middle = data.len() / 2;
                data[middle] ^= 0x20;
                std::fs::write(&kept, data).unwrap();
            }
            Some(_) => {
                let other = kept.with_file_name("other.bin");
                std::fs::copy(&kept, &other).unwrap();
                env.log(&[&format!("News of the {day}th")]);
                publish_on(day);
                std::fs::rename(&other, &kept).unwrap();
            }
            None => {}
        }
        env.log(&[&format!("Entry of the {day}th")]);
        let said = publish_on(day);
        let from_json = said
            .contains("the last publish's files from its tree, updated times from its wol.json");
        assert_eq!(from_json, spoil.is_some(), "{spoil:?}: {said}");
        assert_eq!(updated_of(path), "2026-11-24T10:00:00+01:00", "{spoil:?}");
        assert!(kept.is_file());
    }

    // Published again unchanged, the kept file already holds the tree's times: it is
    // left as it is (a new file would be a new inode).
    use std::os::unix::fs::MetadataExt as _;
    let inode = std::fs::metadata(&kept).unwrap().ino();
    let said = publish_on("28");
    assert!(said.contains("from the cache"), "{said}");
    assert_eq!(std::fs::metadata(&kept).unwrap().ino(), inode);
}

/// What a publish reads from the kept file instead of walking the last published tree
/// (its files under `entries/`, its blobs and trees, its `updated` times) builds the very
/// tree the walk would: after an edit, a removal, a date that moves a file, a new entry
/// and an attachment, the same publish with the file and without it.
#[test]
fn a_publish_builds_the_same_tree_from_the_kept_files_as_from_the_last_tree() {
    let (env, bare) = publisher("a", "Ann Lee");
    let note = env.root.join("board.txt");
    std::fs::write(&note, "the board after the workshop\n").unwrap();
    let edited = env.log(&["First version"]);
    let removed = env.log(&["To be removed"]);
    let moved = env.log(&["To be moved"]);
    env.wol_j()
        .args(["log", "With a board", "--attach", note.to_str().unwrap()])
        .assert()
        .success();
    env.wol_j().arg("publish").assert().success();

    let text = env.read(&edited).replace("First version", "Second version");
    env.write(&edited, text);
    env.git(["commit", "-qam", "edit"]);
    let stem = |p: &Path| p.file_stem().unwrap().to_str().unwrap().to_string();
    env.wol_j()
        .args(["rm", &stem(&removed), "--yes"])
        .assert()
        .success();
    redate_to_october(&env, &moved);
    env.log(&["A new one"]);

    let kept = env.journal.join(".wol/cache/published-pub.bin");
    let (journal_ref, remote_ref) = ("refs/wol/published/pub", "refs/heads/main");
    let (last, remote_last) = (
        env.git(["rev-parse", journal_ref]).trim().to_string(),
        env.git_in(&bare, ["rev-parse", remote_ref])
            .trim()
            .to_string(),
    );
    let publish = || {
        let out = env
            .wol_j()
            .env("WOL_NOW", "2026-11-25T10:00:00+01:00")
            .args(["-vv", "publish"])
            .assert()
            .success();
        let said = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        (said, env.git_in(&bare, ["rev-parse", "main^{tree}"]))
    };
    let (said, from_kept) = publish();
    assert!(
        said.contains("files and updated times from the cache"),
        "{said}"
    );

    env.git(["update-ref", journal_ref, &last]);
    env.git_in(&bare, ["update-ref", remote_ref, &remote_last]);
    std::fs::remove_file(&kept).unwrap();
    let (said, from_walk) = publish();
    assert!(said.contains("files from its tree"), "{said}");
    assert_eq!(from_kept, from_walk);
    let files = files(&env, &bare);
    assert!(
        files.iter().all(|f| !f.contains(&stem(&removed))),
        "{files:#?}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("/board.txt")),
        "{files:#?}"
    );
}

/// A new entry changes the page of the entry before it (which links it), but nothing the
/// lists show of that entry: its month and tag pages are not rendered again for it, and
/// still list it.
#[test]
fn a_new_entry_renders_its_own_lists_not_those_of_the_entry_it_follows() {
    let (env, bare) = publisher("a", "Ann Lee");
    let log_at = |hour: u32, title: &str, tag: &str| {
        env.wol_j()
            .env("WOL_NOW", format!("2026-11-22T{hour}:00:00+01:00"))
            .args(["log", title, "-t", tag])
            .assert()
            .success();
    };
    log_at(10, "Older", "alpha");
    log_at(11, "Newer", "beta");
    env.wol_j().arg("publish").assert().success();
    let page_of = |title: &str| {
        files(&env, &bare)
            .into_iter()
            .find(|f| f.starts_with("docs/2026/") && f.contains(&title.to_lowercase()))
            .unwrap_or_else(|| panic!("no page for {title}"))
    };
    let newer_page = page_of("Newer");
    assert!(!show(&env, &bare, &newer_page).contains("Newest"));

    log_at(12, "Newest", "gamma");
    let out = env.wol_j().args(["-vv", "publish"]).assert().success();
    let said = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    // The month's page (it has a new entry) and the new tag's, not beta's.
    assert!(
        said.contains("publish: 2 of 4 month and tag pages rendered"),
        "{said}"
    );
    assert!(
        show(&env, &bare, &newer_page).contains("Newest"),
        "the page links it"
    );
    let beta = show(&env, &bare, "docs/tags/beta.html");
    assert!(beta.contains("Newer") && !beta.contains("Newest"), "{beta}");
    assert!(show(&env, &bare, "docs/tags/gamma.html").contains("Newest"));
}

/// `wol edit` dates `entry` 15 October (which moves its file to that month).
fn redate_to_october(env: &TestEnv, entry: &Path) {
    env.fake_editor(r#"sed -i 's/^date = .*/date = 2026-10-15T10:00:00+02:00/' "$1""#);
    env.wol_j()
        .args(["edit", entry.file_stem().unwrap().to_str().unwrap()])
        .assert()
        .success();
}

/// [`redate_to_october`], then a publish on 24 November carries the edit.
fn redate_to_october_and_publish(env: &TestEnv, entry: &Path) {
    redate_to_october(env, entry);
    env.wol_j()
        .env("WOL_NOW", "2026-11-24T10:00:00+01:00")
        .arg("publish")
        .assert()
        .success();
}

#[test]
fn an_entry_whose_new_date_moves_its_file_keeps_its_feed_id() {
    let (env, bare) = publisher("a", "Ann Lee");
    let entry = env.log(&["Workshop notes"]);
    env.wol_j().arg("publish").assert().success();
    let before = atom_syndication::Feed::from_str(&show(&env, &bare, "feed.xml")).unwrap();
    let old_id = before.entries()[0].id().to_string();
    assert!(
        old_id.ends_with(":2026-11-22-1432-workshop-notes"),
        "{old_id}"
    );

    redate_to_october_and_publish(&env, &entry);
    let after = atom_syndication::Feed::from_str(&show(&env, &bare, "feed.xml")).unwrap();
    assert_eq!(after.entries().len(), 1);
    let moved = &after.entries()[0];
    assert!(
        moved.links()[0]
            .href()
            .contains("2026/10/2026-10-15-1000-workshop-notes.html"),
        "{:?}",
        moved.links()
    );
    assert_eq!(
        moved.id(),
        old_id,
        "followers know the entry by its first id"
    );
    // And still later, when the old file is long gone from the published tree.
    env.log(&["Another entry"]);
    env.wol_j()
        .env("WOL_NOW", "2026-11-25T10:00:00+01:00")
        .arg("publish")
        .assert()
        .success();
    let later = atom_syndication::Feed::from_str(&show(&env, &bare, "feed.xml")).unwrap();
    let ids: Vec<&str> = later.entries().iter().map(|e| e.id()).collect();
    assert!(ids.contains(&old_id.as_str()), "{ids:?}");

    // An `id` key that is not a name wol gives files stays home: a hash goes out.
    let text = env
        .read("entries/2026/10/2026-10-15-1000-workshop-notes.md")
        .replace(
            "id = \"2026-11-22-1432-workshop-notes\"",
            "id = \"Secret Name\"",
        );
    env.write("entries/2026/10/2026-10-15-1000-workshop-notes.md", text);
    env.git(["commit", "-qam", "own id"]);
    env.wol_j().arg("publish").assert().success();
    let feed = show(&env, &bare, "feed.xml");
    assert!(!feed.contains("Secret Name"), "{feed}");
    let own = atom_syndication::Feed::from_str(&feed).unwrap();
    let workshop = own
        .entries()
        .iter()
        .find(|e| e.links()[0].href().contains("workshop-notes"))
        .expect("the moved entry is in the feed");
    assert!(workshop.id().contains(":id-"), "{}", workshop.id());
}

/// The root feed carries the newest 50 entries: a moved entry older than those keeps its
/// feed id from publish to publish all the same (the JSON index listed it by it).
#[test]
fn a_moved_entry_older_than_the_feed_keeps_its_feed_id_publish_after_publish() {
    let (env, bare) = publisher("a", "Ann Lee");
    let entry = env.log(&["Workshop notes", "--public"]);
    for n in 0..50 {
        env.log(&[&format!("Later note {n}"), "--public"]);
    }
    env.wol_j().arg("publish").assert().success();
    redate_to_october_and_publish(&env, &entry);
    let id = "\"id\":\"2026-11-22-1432-workshop-notes\"";
    let index = || show(&env, &bare, "wol.json");
    assert!(index().contains(id), "{}", index());
    // Built again on what it made (WOL_CHECK_REUSE), then on a new entry.
    env.wol_j()
        .env("WOL_NOW", "2026-11-24T11:00:00+01:00")
        .arg("publish")
        .assert()
        .success();
    env.log(&["One more", "--public"]);
    env.wol_j()
        .env("WOL_NOW", "2026-11-25T10:00:00+01:00")
        .arg("publish")
        .assert()
        .success();
    assert!(index().contains(id), "{}", index());
}

#[test]
fn the_old_name_of_an_entry_never_published_under_it_stays_home() {
    let (env, bare) = publisher("a", "Ann Lee");
    let entry = env.log(&["--private", "Talk with Bob about the merger"]);
    env.wol_j().arg("publish").assert().success();
    // A new date moves the file (its old name kept as `id`), and it is made public.
    env.fake_editor(
        r#"sed -i -e 's/^date = .*/date = 2026-10-15T10:00:00+02:00/' -e 's/^title = .*/title = "Planning notes"/' -e 's/^visibility = .*/visibility = "public"/' "$1""#,
    );
    env.wol_j()
        .args(["edit", entry.file_stem().unwrap().to_str().unwrap()])
        .assert()
        .success();
    env.wol_j().arg("publish").assert().success();
    let feed = show(&env, &bare, "feed.xml");
    assert!(feed.contains("Planning notes"), "{feed}");
    assert!(
        !feed.contains("merger") && !show(&env, &bare, "feed.json").contains("merger"),
        "the name the entry had while private stays home:\n{feed}"
    );
    // The old name is not even kept as its `id`: it never left this machine, so no
    // follower needs it; the feed id is the new name's.
    let parsed = atom_syndication::Feed::from_str(&feed).unwrap();
    assert!(
        parsed.entries()[0]
            .id()
            .ends_with(":2026-10-15-1000-planning-notes"),
        "{feed}"
    );
    let files = env.entry_files();
    assert!(
        !env.read(&files[0]).contains("merger"),
        "{}",
        env.read(&files[0])
    );
}

#[test]
fn a_licence_goes_everywhere_it_is_published() {
    let (env, bare) = publisher("a", "Ann Lee");
    let toml = env
        .read("wol.toml")
        .replace("# license = \"CC-BY-4.0\"", "license = \"CC-BY-4.0\"");
    env.write("wol.toml", toml);
    env.git(["commit", "-qam", "licence"]);
    env.log(&["Something reusable"]);
    env.wol_j().arg("publish").assert().success();
    assert!(show(&env, &bare, "LICENSE").contains("CC-BY-4.0"));
    assert!(show(&env, &bare, "feed.xml").contains("<rights>Licensed CC-BY-4.0</rights>"));
    let json: serde_json::Value = serde_json::from_str(&show(&env, &bare, "wol.json")).unwrap();
    assert_eq!(json["license"], "CC-BY-4.0");
    for f in files(&env, &bare).iter().filter(|f| f.ends_with(".html")) {
        assert!(show(&env, &bare, f).contains("CC-BY-4.0"), "{f}");
    }
    // A bad id is refused when the config loads.
    let toml = env
        .read("wol.toml")
        .replace("license = \"CC-BY-4.0\"", "license = \"<b>\"");
    env.write("wol.toml", toml);
    env.fails(&["list"], "SPDX");
}

/// Journal `env` follows the log published at `bare` as `name` and pulls it.
fn follow(env: &TestEnv, name: &str, bare: &Path) {
    env.wol_j()
        .args(["follow", "add", name, bare.to_str().unwrap()])
        .assert()
        .success();
    env.wol_j().args(["pull", "-q"]).assert().success();
}

fn set_handles(env: &TestEnv, handle: &str) {
    let toml = env.read("wol.toml").replace(
        "# handles = [\"yourname\"]",
        &format!("handles = [\"{handle}\"]"),
    );
    env.write("wol.toml", toml);
    env.git(["commit", "-qam", "handles"]);
}

#[test]
fn two_journals_that_follow_each_other_see_each_others_asks_and_credit() {
    let (ann, ann_log) = publisher("ann", "Ann Lee");
    let (bob, bob_log) = publisher("bob", "Bob Ray");
    set_handles(&ann, "ann");
    set_handles(&bob, "bob");
    // Ann asks about Loomio and credits Bob; Bob has learned about Loomio.
    ann.log(&[
        "Running a 200-person vote",
        "-k",
        "progress",
        "-t",
        "loomio",
        "--help-wanted",
        "Someone who has run a Loomio vote for 200+ members.",
    ]);
    ann.log(&["Thanks to @bob for the facilitation kit", "-k", "credit"]);
    bob.log(&[
        "Loomio proposals close in the proposer's time zone",
        "-k",
        "learning",
        "-t",
        "loomio",
    ]);
    // Bob asks about Rust; Ann has learned about it; Bob credits Ann.
    bob.log(&["Who knows thiserror well?", "-k", "help", "-t", "rust"]);
    bob.log(&["Pairing with @ann fixed the parser", "-t", "rust"]);
    ann.log(&["Errors with thiserror", "-k", "learning", "-t", "rust"]);
    ann.wol_j().arg("publish").assert().success();
    bob.wol_j().arg("publish").assert().success();
    follow(&ann, "bob", &bob_log);
    follow(&bob, "ann", &ann_log);

    for (env, other, asks_about, ask_text, credit) in [
        (
            &bob,
            "ann",
            "#loomio",
            "Loomio vote for 200+",
            "Thanks to @bob",
        ),
        (
            &ann,
            "bob",
            "#rust",
            "Who knows thiserror well?",
            "Pairing with @ann",
        ),
    ] {
        let out = env.wol_j().args(["feed", "--asks"]).output().unwrap();
        let text = stdout(&out);
        let first = text.lines().next().unwrap_or_default();
        assert!(first.contains(other) && first.contains(ask_text), "{text}");
        assert!(
            first.contains(&format!("you learned about {asks_about}")),
            "{text}"
        );
        let mentions = stdout(&env.wol_j().args(["feed", "--mentions"]).output().unwrap());
        assert_eq!(mentions.lines().count(), 1, "{mentions}");
        assert!(mentions.contains(credit), "{mentions}");
        let digest = stdout(
            &env.wol_j()
                .args(["digest", "--week", "this", "--format", "md"])
                .output()
                .unwrap(),
        );
        assert!(digest.contains("## You could help"), "{digest}");
        assert!(digest.contains(ask_text), "{digest}");
        assert!(digest.contains("## Credited by"), "{digest}");
        assert!(digest.contains(credit), "{digest}");
        // The local digest's view of others never goes into what is published.
        let json: serde_json::Value = env.json(&["feed"], &["--asks"]);
        assert!(json[0]["score"].as_u64().unwrap() >= 1, "{json}");
    }
    // wol.json carries the structured parts a follower reads.
    let json: serde_json::Value = serde_json::from_str(&show(&ann, &ann_log, "wol.json")).unwrap();
    let ask = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["title"] == "Running a 200-person vote")
        .unwrap();
    assert_eq!(
        ask["help_wanted"],
        "Someone who has run a Loomio vote for 200+ members."
    );
}

/// No problem in a [`feedparser_check`] report but kind feeds of kinds nobody used yet,
/// which are empty and say so.
#[track_caller]
fn assert_no_problem_but_empty_kind_feeds(report: &serde_json::Value) {
    let problems: Vec<&serde_json::Value> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p.as_str().unwrap().ends_with(": no entries"))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

/// What feedparser (the Python library behind many feed readers) makes of every feed in
/// a clone of `bare`: see `tests/it/scripts/feedcheck.py`.
fn feedparser_check(env: &TestEnv, bare: &Path, clone_name: &str) -> serde_json::Value {
    let clone = env.root.join(clone_name);
    env.git_in(
        &env.root,
        [
            "clone",
            "-q",
            bare.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/scripts/feedcheck.py");
    let out = env
        .sealed("python3")
        .arg(&script)
        .arg(&clone)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "feedcheck.py failed (is feedparser installed? .ci/test installs it):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::Value::from_str(&stdout(&out)).expect("feedcheck.py prints JSON")
}

/// Colour codes pasted from a terminal, a NUL from a pipe, C1 controls and
/// noncharacters: XML forbids them, and one makes a feed reader reject the whole feed.
/// They stay in the journal and in the published Markdown, and no feed or page has them.
#[test]
fn control_characters_in_entries_never_break_a_feed_or_a_page() {
    let (env, bare) = publisher("ctl", "Ann Lee");
    env.wol_j()
        .args(["log", "-", "-t", "logs"])
        .write_stdin("Build log\n\n\u{1b}[31merror\u{1b}[0m: tests failed \u{7f}\u{85}\u{fdd0}\n")
        .assert()
        .success();
    let nul = env
        .wol_j()
        .args(["log", "-"])
        .write_stdin(
            "+++\ntitle = \"nul\\u0000byte \\u001b[1mbold\"\ndate = 2026-11-22T10:00:00+01:00\nkind = \"progress\"\ntags = [\"logs\"]\n+++\n\nText \u{1}with \u{8}controls.\n",
        )
        .output()
        .unwrap();
    env.entry_path_from(&nul);
    env.wol_j().arg("publish").assert().success();

    let report = feedparser_check(&env, &bare, "clone");
    assert_no_problem_but_empty_kind_feeds(&report);
    assert!(report["entries"].as_u64().unwrap() >= 2 * 4, "{report}");
    let forbidden = |c: char| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            || ('\u{fdd0}'..='\u{fdef}').contains(&c)
    };
    for f in files(&env, &bare)
        .iter()
        .filter(|f| f.ends_with(".html") || f.ends_with(".xml"))
    {
        let text = show(&env, &bare, f);
        assert!(!text.chars().any(forbidden), "{f}: {text:?}");
    }
    let feed = show(&env, &bare, "feed.xml");
    assert!(feed.contains("[31merror[0m: tests failed"), "{feed}");
    assert!(feed.contains("nulbyte [1mbold"), "{feed}");
}

/// A very long entry is carried by the feeds (every tag's feed carries it again) as a
/// link to its page, which has the whole text.
#[test]
fn a_very_long_entry_goes_into_feeds_as_a_link_to_its_page() {
    let (env, bare) = publisher("long", "Ann Lee");
    let body: String = (0..4000)
        .map(|i| format!("Line {i} of a long report LONGMARK.\n\n"))
        .collect();
    env.wol_j()
        .args(["log", "-", "-t", "reports", "-t", "ops"])
        .write_stdin(format!("A long report\n\n{body}"))
        .assert()
        .success();
    env.log(&["A short one", "-t", "reports"]);
    env.wol_j().arg("publish").assert().success();
    for feed in [
        "feed.xml",
        "docs/feed.xml",
        "docs/tags/reports.xml",
        "docs/tags/ops.xml",
        "feed.json",
    ] {
        let text = show(&env, &bare, feed);
        assert!(!text.contains("LONGMARK"), "{feed} carries the long text");
        assert!(text.contains("read it on its page"), "{feed}: {text}");
    }
    let page = files(&env, &bare)
        .into_iter()
        .find(|f| f.ends_with("a-long-report.html"))
        .unwrap();
    assert_eq!(show(&env, &bare, &page).matches("LONGMARK").count(), 4000);
    let report = feedparser_check(&env, &bare, "clone");
    assert_no_problem_but_empty_kind_feeds(&report);
}

/// Two people, same partner name, same titles, same minute: feedparser reads every feed
/// of both published logs without a complaint, every entry link (relative, no `site` set)
/// resolves to a page in the clone, and no entry id of one log is an id of the other.
#[test]
fn feedparser_reads_every_feed_links_resolve_and_ids_are_unique_across_journals() {
    let mut all_ids = Vec::new();
    for (name, author) in [("one", "Ann Lee"), ("two", "Bo Berg")] {
        let (env, bare) = publisher(name, author);
        env.log(&["Shared title", "-t", "docs", "-k", "learning"]);
        env.log(&["Asking for review", "-t", "docs", "-k", "help"]);
        env.log(&["Same minute, other words", "-t", "ops"]);
        env.wol_j().arg("publish").assert().success();
        let report = feedparser_check(&env, &bare, "clone");
        let problems = report["problems"].as_array().unwrap();
        assert!(problems.is_empty(), "{name}: {problems:#?}");
        // Root and docs/ feeds (Atom and JSON), tag feeds for docs and ops, kind feeds.
        assert!(report["feeds"].as_u64().unwrap() >= 8, "{report}");
        assert!(report["entries"].as_u64().unwrap() >= 3 * 4, "{report}");
        let ids: Vec<String> = report["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            ids.len(),
            3,
            "{name}: one id per entry across all feeds: {ids:?}"
        );
        all_ids.push(ids);
    }
    for id in &all_ids[0] {
        assert!(
            !all_ids[1].contains(id),
            "two journals publish the entry id {id}"
        );
    }
}

/// The help feed is every call for help: a `help` entry and an entry with a `## Help
/// wanted` section (how `wol log --help-wanted` records an ask), as `wol.json`, `wol feed
/// --asks` and the digest count them; the learning feed likewise every learning. A kind
/// feed with nothing in it yet is dated by the log, not 1970, and an unchanged log
/// republished later changes nothing.
#[test]
fn kind_feeds_carry_asks_and_learnings_written_as_sections() {
    let (env, bare) = publisher("a", "Ann Lee");
    env.log(&[
        "Shipped the onboarding guide",
        "-t",
        "docs",
        "--help-wanted",
        "Someone who has run a Loomio vote for 200+ members.",
    ]);
    env.wol_j().arg("publish").assert().success();
    let feed = |path: &str| atom_syndication::Feed::from_str(&show(&env, &bare, path)).unwrap();
    // (All logged in the same minute: compared in any order.)
    let titles = |f: &atom_syndication::Feed| -> Vec<String> {
        let mut t: Vec<String> = f.entries().iter().map(|e| e.title().to_string()).collect();
        t.sort();
        t
    };
    assert_eq!(
        titles(&feed("docs/kinds/help.xml")),
        ["Shipped the onboarding guide"]
    );
    let learning = feed("docs/kinds/learning.xml");
    assert!(learning.entries().is_empty(), "{learning:?}");
    assert_eq!(
        learning.updated().to_rfc3339(),
        "2026-11-22T14:32:05+01:00",
        "an empty feed is dated by the log"
    );
    let published = env.git_in(&bare, ["rev-parse", "main"]);
    env.wol_j()
        .env("WOL_NOW", "2026-11-23T09:00:00+01:00")
        .arg("publish")
        .assert()
        .success();
    assert_eq!(
        env.git_in(&bare, ["rev-parse", "main"]),
        published,
        "an unchanged log republished makes no commit"
    );

    env.log(&[
        "Facilitation retro",
        "--learned",
        "Silent writing first gets more voices in.",
    ]);
    env.log(&["Who knows sociocracy?", "-k", "help"]);
    env.log(&["Consent is not consensus", "-k", "learning"]);
    env.log(&["Plain progress", "-t", "docs"]);
    env.wol_j().arg("publish").assert().success();
    assert_eq!(
        titles(&feed("docs/kinds/help.xml")),
        ["Shipped the onboarding guide", "Who knows sociocracy?"]
    );
    assert_eq!(
        titles(&feed("docs/kinds/learning.xml")),
        ["Consent is not consensus", "Facilitation retro"]
    );
}

/// An entry whose new date moves its file keeps its feed id, and its `updated` is the
/// time of the publish that carried the edit (its date is part of its text), in the feeds
/// and in `wol.json`: dated by its new, earlier date, `updated` would go back and feed
/// readers would keep the old text. Moved twice, likewise; unchanged, it stays put.
#[test]
fn a_moved_entry_is_updated_when_republished_never_dated_back() {
    let (env, bare) = publisher("a", "Ann Lee");
    let entry = env.log(&["--title", "Meeting notes", "We decided on plan A."]);
    env.wol_j().arg("publish").assert().success();
    let entry_in = |feed: &atom_syndication::Feed| {
        assert_eq!(feed.entries().len(), 1);
        feed.entries()[0].clone()
    };
    let feed = || atom_syndication::Feed::from_str(&show(&env, &bare, "feed.xml")).unwrap();
    let json_updated = || {
        let json: serde_json::Value = serde_json::from_str(&show(&env, &bare, "wol.json")).unwrap();
        json["entries"][0]["updated"].as_str().unwrap().to_string()
    };
    let first = entry_in(&feed());
    assert_eq!(first.updated().to_rfc3339(), "2026-11-22T14:32:05+01:00");

    // The meeting was the day before, and it was plan B.
    env.fake_editor(
        r#"sed -i -e 's/^date = .*/date = 2026-11-21T10:00:00+01:00/' -e 's/plan A/plan B/' "$1""#,
    );
    env.wol_j()
        .args(["edit", entry.file_stem().unwrap().to_str().unwrap()])
        .assert()
        .success();
    let publish_at = |now: &str| {
        env.wol_j()
            .env("WOL_NOW", now)
            .arg("publish")
            .assert()
            .success();
    };
    publish_at("2026-11-24T10:00:00+01:00");
    let moved = entry_in(&feed());
    assert_eq!(moved.id(), first.id(), "the feed id is kept");
    assert!(
        moved.links()[0]
            .href()
            .contains("2026-11-21-1000-meeting-notes")
    );
    assert_eq!(moved.updated().to_rfc3339(), "2026-11-24T10:00:00+01:00");
    assert_eq!(json_updated(), "2026-11-24T10:00:00+01:00");
    assert_eq!(feed().updated().to_rfc3339(), "2026-11-24T10:00:00+01:00");

    // Republished unchanged: nothing moves, no commit.
    let head = env.git_in(&bare, ["rev-parse", "main"]);
    publish_at("2026-11-25T10:00:00+01:00");
    assert_eq!(env.git_in(&bare, ["rev-parse", "main"]), head);

    // Moved again (its file in the last publish is no longer its first name).
    env.fake_editor(r#"sed -i -e 's/^date = .*/date = 2026-11-20T10:00:00+01:00/' "$1""#);
    env.wol_j()
        .args(["edit", "2026-11-21-1000-meeting-notes"])
        .assert()
        .success();
    publish_at("2026-11-26T10:00:00+01:00");
    let again = entry_in(&feed());
    assert_eq!(again.id(), first.id());
    assert_eq!(again.updated().to_rfc3339(), "2026-11-26T10:00:00+01:00");
    assert_eq!(json_updated(), "2026-11-26T10:00:00+01:00");
}

/// No two entries share a feed id: a new entry that took a moved entry's old name (its
/// feed id) as its file name gets one of its own, stable from publish to publish; the
/// moved entry keeps its id, and a move is no "withdrawn" entry.
#[test]
fn a_new_entry_at_a_moved_entrys_old_name_gets_a_feed_id_of_its_own() {
    let (env, bare) = publisher("a", "Ann Lee");
    let entry = env.log(&["--title", "Standup", "First standup."]);
    env.wol_j().arg("publish").assert().success();
    let feed = || atom_syndication::Feed::from_str(&show(&env, &bare, "feed.xml")).unwrap();
    let first = feed().entries()[0].id().to_string();

    env.fake_editor(r#"sed -i -e 's/^date = .*/date = 2026-11-22T09:00:00+01:00/' "$1""#);
    env.wol_j()
        .args(["edit", entry.file_stem().unwrap().to_str().unwrap()])
        .assert()
        .success();
    let out = env.wol_j().arg("publish").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("it had"),
        "a move is no withdrawal: {}",
        stderr(&out)
    );
    let again = env.log(&["--title", "Standup", "Second standup."]);
    assert_eq!(
        again.file_stem(),
        entry.file_stem(),
        "the set-up takes the old name"
    );
    let out = env.wol_j().arg("publish").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("it had"), "{}", stderr(&out));

    let ids = |feed: &atom_syndication::Feed| -> Vec<(String, String)> {
        feed.entries()
            .iter()
            .map(|e| {
                (
                    e.id().to_string(),
                    e.content().unwrap().value().unwrap().to_string(),
                )
            })
            .collect()
    };
    let now = ids(&feed());
    assert_eq!(now.len(), 2);
    assert_ne!(now[0].0, now[1].0, "two entries share a feed id: {now:?}");
    let moved = now
        .iter()
        .find(|(_, c)| c.contains("First standup"))
        .unwrap();
    assert_eq!(moved.0, first, "the moved entry keeps its feed id");

    // Stable: an unchanged republish makes no commit.
    let head = env.git_in(&bare, ["rev-parse", "main"]);
    env.wol_j().arg("publish").assert().success();
    assert_eq!(env.git_in(&bare, ["rev-parse", "main"]), head);
}

/// How many entries a feed carries (the site's `FEED_LIMIT`).
const FEED_LIMIT: usize = 50;

/// A tag or kind feed carries the text of every entry in it, not only of those among the
/// log's newest 50 (which the log's own feed carries): an older entry is often the newest
/// of a quiet tag. A new entry elsewhere leaves those feeds as they were.
#[test]
fn tag_and_kind_feeds_carry_the_text_of_entries_older_than_the_log_feed() {
    let (env, bare) = publisher("a", "Ann Lee");
    env.wol_j()
        .env("WOL_NOW", "2026-10-01T09:00:00+02:00")
        .args(["log", "Consent rounds, tried", "-t", "quiet"])
        .args(["--help-wanted", "Someone who ran QUIETMARK rounds."])
        .assert()
        .success();
    for n in 0..FEED_LIMIT + 5 {
        env.wol_j()
            .env(
                "WOL_NOW",
                format!("2026-11-{:02}T10:{:02}:00+01:00", 2 + n / 50, n % 50),
            )
            .args(["log", &format!("Progress note {n}"), "-t", "busy"])
            .args(["--next", "Keep BUSYMARK going."])
            .assert()
            .success();
    }
    env.wol_j().arg("publish").assert().success();
    let feed = |path: &str| atom_syndication::Feed::from_str(&show(&env, &bare, path)).unwrap();
    let log = feed("feed.xml");
    assert!(
        log.entries()
            .iter()
            .all(|e| e.title().as_str() != "Consent rounds, tried"),
        "the old entry is past the log feed's newest 50"
    );
    for path in ["docs/tags/quiet.xml", "docs/kinds/help.xml"] {
        let f = feed(path);
        let entry = f
            .entries()
            .iter()
            .find(|e| e.title().as_str() == "Consent rounds, tried")
            .unwrap_or_else(|| panic!("{path} lacks the entry"));
        let content = entry
            .content()
            .and_then(|c| c.value())
            .unwrap_or_else(|| panic!("{path}: the entry has no text: {entry:?}"));
        assert!(content.contains("QUIETMARK"), "{path}: {content}");
    }
    // Every entry of the busy tag's feed has its text too.
    let busy = feed("docs/tags/busy.xml");
    assert_eq!(busy.entries().len(), FEED_LIMIT);
    assert!(busy.entries().iter().all(|e| {
        e.content()
            .and_then(|c| c.value())
            .is_some_and(|c| c.contains("BUSYMARK"))
    }));

    let before = |path: &str| env.git_in(&bare, ["rev-parse", &format!("main:{path}")]);
    let (quiet, help) = (before("docs/tags/quiet.xml"), before("docs/kinds/help.xml"));
    env.wol_j()
        .env("WOL_NOW", "2026-11-30T10:00:00+01:00")
        .args(["log", "One more", "-t", "busy", "--next", "More BUSYMARK."])
        .assert()
        .success();
    env.wol_j().arg("publish").assert().success();
    assert_eq!(before("docs/tags/quiet.xml"), quiet);
    assert_eq!(before("docs/kinds/help.xml"), help);
    let busy = feed("docs/tags/busy.xml");
    assert_eq!(busy.entries()[0].title().as_str(), "One more");
    // What came from the cache is what a publish without it renders: no new commit.
    let published = env.git_in(&bare, ["rev-parse", "main"]);
    std::fs::remove_dir_all(env.journal.join(".wol/cache")).unwrap();
    env.wol_j().arg("publish").assert().success();
    assert_eq!(env.git_in(&bare, ["rev-parse", "main"]), published);
    assert!(busy.entries().iter().all(|e| {
        e.content()
            .and_then(|c| c.value())
            .is_some_and(|c| c.contains("BUSYMARK"))
    }));
}

/// An entry whose new date moved its file is the same entry to a follower: `wol.json`
/// gives its id where that is not its file name, and `wol pull` does not count it as new.
#[test]
fn a_followed_entry_whose_file_moved_is_not_new_to_the_follower() {
    let (env, bare) = publisher("a", "Ann Lee");
    let entry = env.log(&["Workshop notes"]);
    env.log(&["Other notes"]);
    env.wol_j().arg("publish").assert().success();
    let reader = TestEnv::new().with_author(Some("Bo Reader"));
    reader.init_journal();
    follow(&reader, "ann", &bare);

    redate_to_october_and_publish(&env, &entry);
    let json = show(&env, &bare, "wol.json");
    assert!(
        json.contains(r#""path":"entries/2026/10/2026-10-15-1000-workshop-notes.md","id":"2026-11-22-1432-workshop-notes""#),
        "{json}"
    );
    assert_eq!(
        json.matches(r#""id":"#).count(),
        1,
        "only where it differs: {json}"
    );
    let out = reader.wol_j().arg("pull").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ann: no new entries (2 entries in all)"),
        "{}",
        stderr(&out)
    );

    env.log(&["Brand new notes"]);
    env.wol_j()
        .env("WOL_NOW", "2026-11-25T10:00:00+01:00")
        .arg("publish")
        .assert()
        .success();
    let out = reader.wol_j().arg("pull").output().unwrap();
    assert!(
        stderr(&out).contains("ann: 1 new entry (3 entries in all)"),
        "{}",
        stderr(&out)
    );
}

/// A log of more than 1,000 entries keeps its older months apart (`json/YYYY-MM.json`,
/// named in `wol.json`'s `archives`): a new entry rewrites `wol.json` and no archive, an
/// edit in an archived month only that month's file, and a follower reads them all.
#[test]
fn a_large_log_keeps_older_months_apart_and_followers_read_them_all() {
    let (env, bare) = publisher("a", "Ann Lee");
    let months = [
        ("2026-11", 800),
        ("2026-10", 150),
        ("2026-09", 60),
        ("2026-08", 30),
    ];
    for (month, count) in months {
        let dir = format!("entries/{}", month.replace('-', "/"));
        for n in 0..count {
            let (day, hour, minute) = (1 + n / 40, 8 + n % 40 / 4, n % 4 * 10);
            env.write(
                format!("{dir}/{month}-{day:02}-{hour:02}{minute:02}-note-{n}.md"),
                format!(
                    "+++\ntitle = \"Note {month} {n}\"\ndate = {month}-{day:02}T{hour:02}:{minute:02}:00+01:00\n\
                     kind = \"progress\"\nvisibility = \"public\"\nauthor = \"Ann Lee\"\n+++\n\nText ARCHMARK {n}.\n"
                ),
            );
        }
    }
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "1,040 entries"]);
    env.wol_j().arg("publish").assert().success();

    let index: serde_json::Value = serde_json::from_str(&show(&env, &bare, "wol.json")).unwrap();
    assert_eq!(index["total"], 1040);
    assert_eq!(index["entries"].as_array().unwrap().len(), 950);
    assert_eq!(
        index["archives"],
        serde_json::json!([
            {"month": "2026-09", "path": "json/2026-09.json", "entries": 60},
            {"month": "2026-08", "path": "json/2026-08.json", "entries": 30},
        ])
    );
    let august: serde_json::Value =
        serde_json::from_str(&show(&env, &bare, "json/2026-08.json")).unwrap();
    assert_eq!(august["month"], "2026-08");
    assert_eq!(august["entries"].as_array().unwrap().len(), 30);
    assert_eq!(
        august["entries"][0]["path"],
        "entries/2026/08/2026-08-01-1510-note-29.md"
    );

    let reader = TestEnv::new().with_author(Some("Bo Reader"));
    reader.init_journal();
    follow(&reader, "ann", &bare);
    let feed = reader.json(&["feed"], &["--since", "2026-08-01"]);
    assert_eq!(
        feed.as_array().unwrap().len(),
        1040,
        "every entry, archives too"
    );
    assert!(
        feed.as_array()
            .unwrap()
            .iter()
            .any(|e| e["path"] == "entries/2026/08/2026-08-01-0800-note-0.md")
    );

    // A new entry: wol.json changes, no archive does.
    let blob = |path: &str| env.git_in(&bare, ["rev-parse", &format!("main:{path}")]);
    let (sep, aug) = (blob("json/2026-09.json"), blob("json/2026-08.json"));
    env.log(&["Brand new notes"]);
    env.wol_j().arg("publish").assert().success();
    assert_eq!(blob("json/2026-09.json"), sep);
    assert_eq!(blob("json/2026-08.json"), aug);
    let out = reader.wol_j().arg("pull").output().unwrap();
    assert!(
        stderr(&out).contains("ann: 1 new entry (1041 entries in all)"),
        "{}",
        stderr(&out)
    );

    // An edit in August: only August's file changes, and only that entry's `updated`.
    let edited = env
        .journal
        .join("entries/2026/08/2026-08-01-0800-note-0.md");
    let text = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, text.replace("ARCHMARK 0.", "ARCHMARK 0, edited.")).unwrap();
    env.git(["commit", "-qam", "edit an August entry"]);
    env.wol_j()
        .env("WOL_NOW", "2026-11-28T09:00:00+01:00")
        .arg("publish")
        .assert()
        .success();
    assert_eq!(blob("json/2026-09.json"), sep);
    assert_ne!(blob("json/2026-08.json"), aug);
    let august: serde_json::Value =
        serde_json::from_str(&show(&env, &bare, "json/2026-08.json")).unwrap();
    let updated: Vec<&str> = august["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["updated"].as_str().unwrap())
        .collect();
    assert_eq!(updated[29], "2026-11-28T09:00:00+01:00", "{updated:?}");
    assert!(
        updated[..29].iter().all(|u| u.starts_with("2026-08-")),
        "{updated:?}"
    );

    // The months' files taken from the render cache are the ones a publish without it
    // renders: no new commit.
    let published = env.git_in(&bare, ["rev-parse", "main"]);
    std::fs::remove_dir_all(env.journal.join(".wol/cache")).unwrap();
    env.wol_j().arg("publish").assert().success();
    assert_eq!(env.git_in(&bare, ["rev-parse", "main"]), published);
}
