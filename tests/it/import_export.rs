//! `wol import jrnl|markdown` and `wol export`: fixtures from the real jrnl and a TIL
//! folder, re-imports that add nothing, and an export → import round trip.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::common::{TestEnv, fails_with, stderr, stdout};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for e in fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to);
        } else {
            fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// `wol list --json` of the journal, oldest first.
fn entries(env: &TestEnv) -> Vec<Value> {
    let mut list = env.json(&["list"], &[]).as_array().unwrap().clone();
    list.reverse();
    list
}

fn by_title<'a>(entries: &'a [Value], title: &str) -> &'a Value {
    entries
        .iter()
        .find(|e| e["title"] == title)
        .unwrap_or_else(|| panic!("no entry titled {title:?} in {entries:#?}"))
}

fn tags(e: &Value) -> Vec<&str> {
    e["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect()
}

#[test]
fn jrnl_export_imports_in_one_commit() {
    let env = TestEnv::new();
    env.init_journal();
    let before = env.commit_count();
    let out = env
        .wol_j()
        .args(["import", "jrnl"])
        .arg(fixture("jrnl-export.json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out)
            .lines()
            .filter(|l| l.starts_with("imported  entries/"))
            .count(),
        6
    );
    assert!(
        stderr(&out).contains("imported 6 entries from jrnl"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.commit_count(), before + 1);
    assert_eq!(env.head_subject(), "import: 6 entries from jrnl");
    env.assert_consistent();

    let all = entries(&env);
    assert_eq!(all.len(), 6);
    assert!(
        all.iter()
            .all(|e| e["kind"] == "progress" && e["visibility"] == "private")
    );
    // jrnl's local times, read in the offset of "now" (+01:00).
    let wiki = by_title(&all, "Set up the community wiki.");
    assert_eq!(wiki["date"], "2026-11-10T09:15:00+01:00");
    assert_eq!(tags(wiki), ["alex", "wiki"], "tags lose jrnl's @");
    // Starred → the tag `starred`.
    let shipped = by_title(&all, "Shipped the onboarding guide!");
    assert_eq!(tags(shipped), ["docs", "onboarding", "starred"]);
    let decided = by_title(&all, "Decided to move the log to weekly digests?");
    assert_eq!(tags(decided), ["starred"]);
    // Multi-line bodies keep their paragraphs.
    let loomio = by_title(&all, "Learned how Loomio votes close.");
    assert_eq!(
        loomio["body"],
        "The quorum counts abstentions, which surprised everyone. @loomio @governance\n\nSecond paragraph: next time read the docs first.\n"
    );
    // Unicode survives, in the title, the body and the slug.
    let cafe = by_title(&all, "Café Zürich meetup — naïve questions, great answers.");
    let body = cafe["body"].as_str().unwrap();
    assert!(
        body.contains("Über 20 Leute") && body.contains("日本語") && body.contains("🎉"),
        "{body}"
    );
    assert!(body.contains("\n  - indented list item\n"), "{body}");
    assert_eq!(
        cafe["path"],
        "entries/2026/11/2026-11-18-1100-cafe-zurich-meetup-naive-questions-great-answers.md"
    );
    let plain = by_title(&all, "Plain entry with no tags and no body.");
    assert_eq!(plain["body"], "");
    // Each entry carries the stable id that makes re-imports no-ops.
    let text = env.read(cafe["path"].as_str().unwrap());
    assert!(text.lines().any(|l| l.starts_with("id = \"jrnl-") && l.len() == "id = \"jrnl-123456789abc\"".len()), "{text}");
}

#[test]
fn importing_the_same_jrnl_file_again_adds_nothing() {
    let env = TestEnv::new();
    env.init_journal();
    env.wol_j()
        .args(["import", "jrnl"])
        .arg(fixture("jrnl-export.json"))
        .assert()
        .success();
    let count = env.commit_count();
    let files = env.entry_files();
    let out = env
        .wol_j()
        .args(["import", "jrnl"])
        .arg(fixture("jrnl-export.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("imported 0 entries from jrnl, skipped 6"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.commit_count(), count, "a re-import committed");
    assert_eq!(env.entry_files(), files);
    env.assert_consistent();
}

#[test]
fn dry_run_changes_nothing_and_says_what_it_would_do() {
    let env = TestEnv::new();
    env.init_journal();
    let count = env.commit_count();
    let out = env
        .wol_j()
        .args(["import", "jrnl", "--dry-run"])
        .arg(fixture("jrnl-export.json"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        stdout(&out)
            .lines()
            .filter(|l| l.starts_with("would import  "))
            .count(),
        6
    );
    assert!(stderr(&out).contains("dry run"), "{}", stderr(&out));
    assert_eq!(env.commit_count(), count);
    assert!(env.entry_files().is_empty());

    let json = env.json(
        &["import", "markdown"],
        &[fixture("til").to_str().unwrap(), "--dry-run"],
    );
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["imported"].as_array().unwrap().len(), 4);
    assert!(env.entry_files().is_empty());
}

#[test]
fn jrnl_from_stdin_and_a_bad_file() {
    let env = TestEnv::new();
    env.init_journal();
    env.wol_j()
        .args(["import", "jrnl", "-"])
        .write_stdin(fs::read(fixture("jrnl-export.json")).unwrap())
        .assert()
        .success();
    assert_eq!(env.entry_files().len(), 6);
    let out = fails_with(
        env.wol_j()
            .args(["import", "jrnl", "-"])
            .write_stdin("{\"nope\": 1}"),
        1,
        "not a jrnl JSON export",
    );
    assert!(stderr(&out).contains("hint: create one with: jrnl --export json"));
}

/// The TIL fixture copied outside any git repository, with a fixed mtime for the note
/// that has no date of its own.
fn til_copy(env: &TestEnv) -> PathBuf {
    let dir = env.root.join("til");
    copy_dir(&fixture("til"), &dir);
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000); // 2023-11-14T22:13:20Z
    for rel in ["shell/no_title-here.md", "rust/closures-capture.md"] {
        fs::File::options()
            .write(true)
            .open(dir.join(rel))
            .unwrap()
            .set_modified(mtime)
            .unwrap();
    }
    dir
}

#[test]
fn a_til_folder_imports_with_topics_as_tags() {
    let env = TestEnv::new();
    env.init_journal();
    let dir = til_copy(&env);
    import_markdown(&env, &dir);
    assert_eq!(env.head_subject(), "import: 4 entries from markdown");
    env.assert_consistent();
    let all = entries(&env);
    assert_eq!(all.len(), 4, "README.md at the top is not a note: {all:#?}");
    assert!(all.iter().all(|e| e["kind"] == "learning"));

    // Title from the first heading, which leaves the body; a `#` line in code stays.
    let closures = by_title(&all, "Closures capture by reference");
    assert_eq!(tags(closures), ["rust"]);
    let body = closures["body"].as_str().unwrap();
    assert!(
        !body.contains("# Closures") && body.contains("# not a heading inside code"),
        "{body}"
    );
    assert_eq!(
        closures["date"], "2023-11-14T23:13:20+01:00",
        "mtime, in now's offset"
    );

    // YAML front matter: title, date, tags plus the folder.
    let auto = by_title(&all, "Autosquash: fixups land where they belong");
    assert_eq!(tags(auto), ["git", "rebase", "workflow"]);
    assert_eq!(auto["date"], "2024-03-05T00:00:00+01:00");

    // TOML front matter.
    let pipefail = by_title(&all, "set -o pipefail");
    assert_eq!(tags(pipefail), ["shell", "bash"]);
    assert_eq!(pipefail["date"], "2024-01-10T08:00:00+01:00");
    assert!(pipefail["body"].as_str().unwrap().contains("Über-useful"));

    // Nothing at all: the file name.
    let plain = by_title(&all, "No title here");
    assert_eq!(tags(plain), ["shell"]);
    assert_eq!(
        plain["body"],
        "Just a line of text with no heading and no front matter.\n"
    );

    // Again: nothing new.
    let count = env.commit_count();
    let out = env
        .wol_j()
        .args(["import", "markdown"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("imported 0 entries from markdown, skipped 4"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.commit_count(), count);
}

/// Only the folder's own regular UTF-8 files are notes: a link out of it (a cloned notes
/// repository could carry one to ~/.netrc) is never followed, and one file in another
/// encoding is left out with a warning instead of stopping the import.
#[test]
fn a_til_folder_import_skips_links_and_files_that_are_not_utf8() {
    let env = TestEnv::new();
    env.init_journal();
    let dir = til_copy(&env);
    let outside = env.root.join("outside");
    fs::create_dir_all(outside.join("topic")).unwrap();
    fs::write(outside.join("secret.txt"), "OUTSIDE-MARKER-1\n").unwrap();
    fs::write(outside.join("topic/note.md"), "# OUTSIDE-MARKER-2\n").unwrap();
    std::os::unix::fs::symlink("../../outside/secret.txt", dir.join("rust/lifetimes.md")).unwrap();
    std::os::unix::fs::symlink(outside.join("topic"), dir.join("linked")).unwrap();
    fs::write(dir.join("shell/latin1.md"), b"# Caf\xe9 notes\n").unwrap();
    let out = import_markdown(&env, &dir);
    let err = stderr(&out);
    for skipped in [
        "lifetimes.md is not imported: it is a symbolic link",
        "linked is not imported: it is a symbolic link",
        "latin1.md is not imported: it is not UTF-8 text",
    ] {
        assert!(err.contains(skipped), "{skipped:?} missing in:\n{err}");
    }
    assert_eq!(env.head_subject(), "import: 4 entries from markdown");
    let all = entries(&env);
    assert_eq!(all.len(), 4, "{all:#?}");
    let text = serde_json::to_string(&all).unwrap();
    assert!(!text.contains("OUTSIDE-MARKER"), "{text}");
    env.assert_consistent();
}

#[test]
fn a_til_folder_in_git_takes_dates_from_the_last_commit() {
    let env = TestEnv::new();
    env.init_journal();
    let dir = til_copy(&env);
    env.git_in(&dir, ["init", "-q", "-b", "main"]);
    env.git_in(&dir, ["add", "-A"]);
    let out = env
        .git_cmd_in(&dir)
        .args(["commit", "-q", "-m", "notes"])
        .env("GIT_AUTHOR_DATE", "2025-02-03T04:05:06+02:00")
        .env("GIT_COMMITTER_DATE", "2025-02-03T04:05:06+02:00")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // A later commit touching one note moves only that note's date.
    fs::write(dir.join("shell/no_title-here.md"), "Just a line, edited.\n").unwrap();
    env.git_in(&dir, ["add", "-A"]);
    let out = env
        .git_cmd_in(&dir)
        .args(["commit", "-q", "-m", "edit"])
        .env("GIT_AUTHOR_DATE", "2025-06-01T10:00:00+02:00")
        .env("GIT_COMMITTER_DATE", "2025-06-01T10:00:00+02:00")
        .output()
        .unwrap();
    assert!(out.status.success());
    env.wol_j()
        .args(["import", "markdown"])
        .arg(&dir)
        .assert()
        .success();
    let all = entries(&env);
    assert_eq!(
        by_title(&all, "Closures capture by reference")["date"],
        "2025-02-03T04:05:06+02:00"
    );
    assert_eq!(
        by_title(&all, "No title here")["date"],
        "2025-06-01T10:00:00+02:00"
    );
    // Front matter still wins over git.
    assert_eq!(
        by_title(&all, "set -o pipefail")["date"],
        "2024-01-10T08:00:00+01:00"
    );
}

/// Title, date, kind, tags, visibility, author and body of every entry, oldest first.
/// `wol import markdown DIR`, which must succeed.
#[track_caller]
fn import_markdown(env: &TestEnv, dir: &Path) -> std::process::Output {
    import_markdown_with(env, dir, &[])
}

/// `wol import markdown DIR` once more, into a journal that has it all: no commit, and no
/// entry said to hold other text. Its output.
#[track_caller]
fn import_again_changes_nothing(env: &TestEnv, dir: &Path) -> std::process::Output {
    let commits = env.commit_count();
    let out = import_markdown(env, dir);
    assert_eq!(env.commit_count(), commits, "{}", stdout(&out));
    assert!(!stdout(&out).contains("other text"), "{}", stdout(&out));
    out
}

/// `wol import markdown DIR FLAGS…`, which must succeed.
#[track_caller]
fn import_markdown_with(env: &TestEnv, dir: &Path, flags: &[&str]) -> std::process::Output {
    let out = env
        .wol_j()
        .args(["import", "markdown"])
        .arg(dir)
        .args(flags)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

fn essentials(env: &TestEnv) -> Vec<Value> {
    entries(env)
        .into_iter()
        .map(|e| {
            serde_json::json!({
                "title": e["title"], "date": e["date"], "kind": e["kind"], "tags": e["tags"],
                "visibility": e["visibility"], "author": e["author"], "body": e["body"],
            })
        })
        .collect()
}

#[test]
fn export_markdown_then_import_gives_the_same_entries() {
    let env = TestEnv::new();
    env.copy_examples_journal();
    let original = essentials(&env);
    assert!(
        original.len() >= 10,
        "the sample journal should have entries"
    );

    let backup = env.root.join("backup");
    env.wol_j()
        .args(["export", "--format", "markdown"])
        .arg(&backup)
        .assert()
        .success();
    // The files as stored, in the same layout (malformed files are warned about, not exported).
    let mut exported = Vec::new();
    walk(&backup, &mut exported);
    assert_eq!(exported.len(), original.len());
    for file in &exported {
        let rel = file.strip_prefix(&backup).unwrap();
        assert!(rel.starts_with("entries"), "{}", rel.display());
        assert_eq!(
            fs::read(file).unwrap(),
            fs::read(env.journal.join(rel)).unwrap(),
            "{} changed",
            rel.display()
        );
    }

    let fresh = TestEnv::new();
    fresh.init_journal();
    import_markdown(&fresh, &backup);
    fresh.assert_consistent();
    assert_eq!(essentials(&fresh), original);

    // Restored into the journal it came from: every entry is known, nothing doubles.
    let commits = env.commit_count();
    let out = import_markdown(&env, &backup);
    assert_eq!(essentials(&env), original, "{}", stderr(&out));
    assert_eq!(env.commit_count(), commits);
}

/// Notes are known by their path and their text: a second folder with a note at the same
/// path but other words is imported; the very same note again is not.
#[test]
fn notes_at_the_same_path_in_two_folders_are_two_notes() {
    let env = TestEnv::new();
    env.init_journal();
    let work = env.root.join("work-notes");
    let home = env.root.join("home-notes");
    for (dir, text) in [
        (&work, "# Closures\n\nWork: capture by reference.\n"),
        (&home, "# Closures\n\nHome: move semantics.\n"),
    ] {
        fs::create_dir_all(dir.join("rust")).unwrap();
        fs::write(dir.join("rust/closures.md"), text).unwrap();
        fs::write(
            dir.join("rust/same.md"),
            "# Same note\n\nIdentical in both.\n",
        )
        .unwrap();
    }
    import_markdown(&env, &work);
    import_markdown(&env, &home);
    import_markdown(&env, &home);
    let all = entries(&env);
    let bodies: Vec<&str> = all.iter().map(|e| e["body"].as_str().unwrap()).collect();
    assert_eq!(all.len(), 3, "{bodies:#?}");
    assert!(bodies.iter().any(|b| b.contains("Work: capture")));
    assert!(bodies.iter().any(|b| b.contains("Home: move")));
}

/// A note an older wol imported (its id a hash of the path alone) is still recognised,
/// by that id with the same title and date.
#[test]
fn a_note_imported_by_an_older_wol_is_not_imported_again() {
    let env = TestEnv::new();
    env.init_journal();
    let notes = env.root.join("notes");
    fs::create_dir_all(notes.join("rust")).unwrap();
    fs::write(
        notes.join("rust/closures.md"),
        "---\ntitle: Closures\ndate: 2026-10-01\n---\nBody.\n",
    )
    .unwrap();
    import_markdown(&env, &notes);
    // Make it look as an older wol wrote it: `md-` and the path's hash.
    let hash = {
        let mut child = std::process::Command::new("git")
            .args(["hash-object", "--stdin"])
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"rust/closures.md")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8(out.stdout).unwrap()[..12].to_string()
    };
    let file = env.entry_files().into_iter().next().unwrap();
    let text = env.read(&file);
    let start = text.find("id = \"md-").unwrap();
    let end = start + text[start..].find('\n').unwrap();
    let legacy = format!("{}id = \"md-{hash}\"{}", &text[..start], &text[end..]);
    env.write(&file, legacy);
    env.git(["commit", "-qam", "as an older wol imported it"]);
    let commits = env.commit_count();
    let out = import_markdown(&env, &notes);
    assert_eq!(env.commit_count(), commits, "{}", stderr(&out));
    assert_eq!(entries(&env).len(), 1);
}

/// `--force` replaces files in the folder; it never writes through a link inside it.
#[test]
fn export_never_writes_through_a_link_inside_the_folder() {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&["An entry"]);
    let out_dir = env.root.join("out");
    let elsewhere = env.root.join("elsewhere");
    fs::create_dir_all(&out_dir).unwrap();
    fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out_dir.join("entries")).unwrap();
    for format in ["markdown", "html"] {
        let out = env
            .wol_j()
            .args(["export", "--format", format, "--force"])
            .arg(&out_dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("entries is a symbolic link"),
            "{format}: {}",
            stderr(&out)
        );
        let mut found = Vec::new();
        walk(&elsewhere, &mut found);
        assert!(found.is_empty(), "{format} wrote {found:?}");
    }
}

#[test]
fn export_json_and_markdown_to_stdout() {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&["First entry", "-t", "a"]);
    env.log(&["Second entry", "-t", "b"]);
    let out = env
        .wol_j()
        .args(["export", "--format", "json", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let exported: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        exported,
        env.json(&["list"], &[]),
        "json export = the entry objects of list --json"
    );

    let filtered = env
        .wol_j()
        .args(["export", "--format", "json", "-", "--tag", "b"])
        .output()
        .unwrap();
    let filtered: Value = serde_json::from_slice(&filtered.stdout).unwrap();
    assert_eq!(filtered.as_array().unwrap().len(), 1);
    assert_eq!(filtered[0]["title"], "Second entry");

    let out = env
        .wol_j()
        .args(["export", "--format", "markdown", "-"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(text.matches("+++\ntitle = ").count(), 2, "{text}");
    for path in env.entry_files() {
        assert!(
            text.contains(&env.read(&path)),
            "{} is not in the export",
            path.display()
        );
    }

    let dir = env.root.join("json-out");
    env.wol_j()
        .args(["export", "--format", "json"])
        .arg(&dir)
        .assert()
        .success();
    let written: Value =
        serde_json::from_slice(&fs::read(dir.join("entries.json")).unwrap()).unwrap();
    assert_eq!(written, exported);
}

#[test]
fn export_html_writes_an_index_and_a_page_per_entry_without_raw_html() {
    let env = TestEnv::new();
    env.init_journal();
    let safe = env.log(&["Tables & <things>", "-t", "html"]);
    let risky = env.log(&[
        "--title",
        "Risky",
        "Text with <script>alert(1)</script> and | a | b |\n|---|---|\n| 1 | 2 |",
    ]);
    let dir = env.root.join("site");
    let out = env
        .wol_j()
        .args(["export", "--format", "html"])
        .arg(&dir)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["entries"], 2);
    let index = fs::read_to_string(dir.join("index.html")).unwrap();
    // Each page at the entry's path in the journal: entries/YYYY/MM/<id>.html.
    for entry in [&safe, &risky] {
        let page = entry.with_extension("html");
        assert!(
            index.contains(&format!("href=\"{}\"", page.display())),
            "{index}"
        );
        assert!(dir.join(&page).is_file());
    }
    assert!(
        index.contains("Tables &amp; &lt;things&gt;"),
        "titles are escaped:\n{index}"
    );
    let page = fs::read_to_string(dir.join(risky.with_extension("html"))).unwrap();
    assert!(
        page.contains("<a href=\"../../../index.html\">All entries</a>"),
        "the way back to the index:\n{page}"
    );
    assert!(
        !page.contains("<script>"),
        "raw HTML must be omitted:\n{page}"
    );

    env.fails(&["export", "--format", "html", "-"], "needs a folder");
}

/// Hand-made `notes.md` in two months: each has its own page, at its path in the
/// journal, and the index links each title to its own page; nothing is overwritten.
#[test]
fn export_html_gives_entries_of_one_name_in_two_months_a_page_each() {
    let env = TestEnv::new();
    env.init_journal();
    for (month, name) in [("10", "October"), ("11", "November")] {
        env.write(
            format!("entries/2026/{month}/notes.md"),
            format!(
                "+++\ntitle = \"{name} notes\"\ndate = 2026-{month}-10T10:00:00+01:00\nkind = \"progress\"\n+++\n\nbody of {name}\n"
            ),
        );
    }
    env.git(["add", "-A"]);
    env.git(["commit", "-qm", "by hand"]);
    let dir = env.root.join("site");
    let out = env
        .wol_j()
        .args(["export", "--format", "html", "--json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["entries"], 2);
    let mut pages = Vec::new();
    walk(&dir.join("entries"), &mut pages);
    assert_eq!(pages.len(), 2, "{pages:?}");
    let index = fs::read_to_string(dir.join("index.html")).unwrap();
    for (month, name) in [("10", "October"), ("11", "November")] {
        let page = format!("entries/2026/{month}/notes.html");
        let html = fs::read_to_string(dir.join(&page)).unwrap();
        assert!(html.contains(&format!("body of {name}")), "{page}:\n{html}");
        assert!(
            index.contains(&format!("<a href=\"{page}\">{name} notes</a>")),
            "{index}"
        );
        assert!(report["files"].as_array().unwrap().contains(&page.into()));
    }
}

/// Jekyll's and Hugo's dates (`2020-05-01 10:00:00 +0200`) are read with their offset, and
/// one note whose date wol cannot read is skipped with a warning, not the whole folder.
#[test]
fn a_note_with_an_unreadable_date_does_not_stop_the_import() {
    let env = TestEnv::new();
    env.init_journal();
    let notes = env.root.join("notes");
    fs::create_dir_all(&notes).unwrap();
    fs::write(
        notes.join("post.md"),
        "---\ntitle: A Jekyll post\ndate: 2020-05-01 10:00:00 +0200\n---\nbody\n",
    )
    .unwrap();
    fs::write(
        notes.join("odd.md"),
        "---\ntitle: Odd date\ndate: the day after the fair\n---\nbody\n",
    )
    .unwrap();
    fs::write(notes.join("plain.md"), "# Plain note\ntext\n").unwrap();
    let out = import_markdown(&env, &notes);
    let err = stderr(&out);
    assert!(err.contains("odd.md is not imported"), "{err}");
    let all = entries(&env);
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(
        by_title(&all, "A Jekyll post")["date"],
        "2020-05-01T10:00:00+02:00"
    );
}

/// The entry files `wol publish` pushed to the partner repository `bare`.
fn published_entries(env: &TestEnv, bare: &Path) -> Vec<String> {
    env.git_in(bare, ["ls-tree", "-r", "--name-only", "main", "entries"])
        .lines()
        .map(String::from)
        .collect()
}

/// `--visibility` is for notes that do not say: one that says private in any case
/// (`Private`, `PRIVATE`) stays private, and one whose visibility wol cannot read is
/// imported private with a warning naming it, never with the flag's wider value.
#[test]
fn a_note_s_own_visibility_wins_over_the_flag_whatever_its_case() {
    let env = TestEnv::new();
    env.init_journal();
    let gig = env.bare_partner("gig");
    let notes = env.root.join("notes");
    fs::create_dir_all(&notes).unwrap();
    let note = |name: &str, text: &str| fs::write(notes.join(name), text).unwrap();
    note(
        "a.md",
        "---\ntitle: Salary talk\ndate: 2026-11-20 10:00\nvisibility: Private\n---\nbody\n",
    );
    note(
        "b.md",
        "+++\ntitle = \"Health note\"\ndate = 2026-11-20T11:00:00+01:00\nvisibility = \"PRIVATE\"\n+++\nbody\n",
    );
    note(
        "c.md",
        "---\ntitle: Team only\ndate: 2026-11-20 12:00\nvisibility: ' Partners'\n---\nbody\n",
    );
    note(
        "d.md",
        "---\ntitle: For friends\ndate: 2026-11-20 13:00\nvisibility: friends\n---\nbody\n",
    );
    note(
        "e.md",
        "---\ntitle: Says nothing\ndate: 2026-11-20 14:00\n---\nbody\n",
    );
    let out = import_markdown_with(&env, &notes, &["--visibility", "public"]);
    let err = stderr(&out);
    assert!(
        err.contains("d.md is imported private: its visibility \"friends\" is none of public, partners, private"),
        "{err}"
    );
    assert_eq!(err.matches("warning:").count(), 1, "{err}");

    let all = entries(&env);
    for (title, visibility) in [
        ("Salary talk", "private"),
        ("Health note", "private"),
        ("Team only", "partners"),
        ("For friends", "private"),
        ("Says nothing", "public"),
    ] {
        assert_eq!(by_title(&all, title)["visibility"], visibility, "{title}");
    }
    env.wol_j().arg("publish").assert().success();
    let sent = published_entries(&env, &gig);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].ends_with("-team-only.md"), "{sent:?}");
    assert!(sent[1].ends_with("-says-nothing.md"), "{sent:?}");
    env.assert_consistent();
}

/// A note addressed to one partner stays addressed to that partner, whatever form its
/// `to` has (a `wol export` from a journal with other kinds, which import cannot take
/// whole; YAML lists in both forms; one name), and one whose `to` cannot be read is
/// imported private with a warning: never an entry for every partner.
#[test]
fn a_note_s_to_is_kept_and_one_that_cannot_be_read_makes_it_private() {
    let env = TestEnv::new();
    env.init_journal();
    let gig = env.bare_partner("gig");
    let other = env.bare_partner("other");
    let notes = env.root.join("notes");
    fs::create_dir_all(notes.join("entries/2026/11")).unwrap();
    let note = |name: &str, text: &str| fs::write(notes.join(name), text).unwrap();
    note(
        "entries/2026/11/2026-11-20-1000-exported.md",
        "+++\ntitle = \"Exported\"\ndate = 2026-11-20T10:00:00+01:00\nkind = \"meeting\"\ntags = []\nvisibility = \"partners\"\nauthor = \"Someone\"\nto = [\"other\"]\n+++\n\nbody\n",
    );
    note(
        "flow.md",
        "---\ntitle: Flow list\ndate: 2026-11-20 11:00\nvisibility: partners\nto: [other]\n---\nbody\n",
    );
    note(
        "block.md",
        "---\ntitle: Block list\ndate: 2026-11-20 12:00\nvisibility: partners\nto:\n  - Other\n---\nbody\n",
    );
    note(
        "named.md",
        "---\ntitle: Only a name\ndate: 2026-11-20 13:00\nto: other\n---\nbody\n",
    );
    note(
        "numbers.md",
        "+++\ntitle = \"Numbers\"\ndate = 2026-11-20T14:00:00+01:00\nvisibility = \"partners\"\nto = [7]\n+++\nbody\n",
    );
    // A wol entry of this journal, taken whole, that names its partner but not its
    // visibility: for that partner, not for everyone as --visibility public would say.
    note(
        "whole.md",
        "+++\ntitle = \"Whole entry\"\ndate = 2026-11-20T16:00:00+01:00\nkind = \"progress\"\nto = [\"other\"]\n+++\n\nbody\n",
    );
    note(
        "everyone.md",
        "---\ntitle: For everyone\ndate: 2026-11-20 15:00\n---\nbody\n",
    );
    let out = import_markdown_with(&env, &notes, &["--visibility", "public"]);
    let err = stderr(&out);
    assert!(
        err.contains(
            "numbers.md is imported private: its `to = [7]` is neither text nor a list of text"
        ),
        "{err}"
    );
    assert_eq!(err.matches("is imported private").count(), 1, "{err}");

    let all = entries(&env);
    for (title, visibility, to) in [
        ("Exported", "partners", &["other"][..]),
        ("Flow list", "partners", &["other"]),
        ("Block list", "partners", &["Other"]),
        ("Only a name", "partners", &["other"]),
        ("Whole entry", "partners", &["other"]),
        ("Numbers", "private", &[]),
        ("For everyone", "public", &[]),
    ] {
        let e = by_title(&all, title);
        assert_eq!(e["visibility"], visibility, "{title}: {e:#}");
        assert_eq!(e["to"], serde_json::json!(to), "{title}: {e:#}");
    }
    env.wol_j().arg("publish").assert().success();
    let to_gig = published_entries(&env, &gig);
    assert_eq!(to_gig.len(), 1, "{to_gig:?}");
    assert!(to_gig[0].ends_with("-for-everyone.md"), "{to_gig:?}");
    assert_eq!(published_entries(&env, &other).len(), 6);
    env.assert_consistent();
}

/// An audience written where or how import did not read it (a key in capitals, in a TOML
/// table, indented under another YAML key, given twice, in front matter never closed)
/// made a note take --visibility public; each is now imported private, with a warning.
#[test]
fn an_audience_import_cannot_read_where_it_is_written_never_becomes_public() {
    let env = TestEnv::new();
    env.init_journal();
    let gig = env.bare_partner("gig");
    let notes = env.root.join("notes");
    fs::create_dir_all(&notes).unwrap();
    let note = |name: &str, text: &str| fs::write(notes.join(name), text).unwrap();
    note(
        "capitals.md",
        "---\ntitle: Capitals\ndate: 2026-11-20 10:00\nVisibility: Private\n---\nbody\n",
    );
    note(
        "entry.md",
        "+++\ntitle = \"Entry in capitals\"\ndate = 2026-11-20T11:00:00+01:00\nkind = \"progress\"\nVisibility = \"private\"\n+++\n\nbody\n",
    );
    note(
        "table.md",
        "+++\ntitle = \"In a table\"\ndate = 2026-11-20T12:00:00+01:00\n[source]\nurl = \"https://example.org\"\nvisibility = \"private\"\n+++\nbody\n",
    );
    note(
        "nested.md",
        "---\ntitle: Nested\ndate: 2026-11-20 13:00\nparams:\n  visibility: private\n---\nbody\n",
    );
    note(
        "twice.md",
        "---\ntitle: Twice\ndate: 2026-11-20 14:00\nvisibility: public\nvisibility: private\n---\nbody\n",
    );
    note(
        "unclosed.md",
        "---\ntitle: Unclosed\nvisibility: private\n\nbody\n",
    );
    note(
        "plain.md",
        "---\ntitle: Plain\ndate: 2026-11-20 15:00\n---\nbody\n",
    );
    let out = import_markdown_with(&env, &notes, &["--visibility", "public"]);
    let err = stderr(&out);
    for warned in [
        "table.md is imported private: its `visibility` is inside the table `[source]`",
        "nested.md is imported private: its `visibility` is indented under `params`",
        "twice.md is imported private: it gives `visibility` twice",
        "unclosed.md is imported private: it sets `visibility` in front matter that no `---` line closes",
    ] {
        assert!(err.contains(warned), "{warned:?} missing in:\n{err}");
    }
    // The keys that hold them are not kept in the entry, which would be refused with them.
    for dropped in [
        "nested.md is imported without its `params`",
        "table.md is imported without its `source`",
    ] {
        assert!(err.contains(dropped), "{dropped:?} missing in:\n{err}");
    }
    assert_eq!(err.matches("warning:").count(), 6, "{err}");
    let all = entries(&env);
    assert_eq!(all.len(), 7, "{all:#?}");
    for e in &all {
        let want = if e["title"] == "Plain" {
            "public"
        } else {
            "private"
        };
        assert_eq!(e["visibility"], want, "{e:#}");
    }
    env.wol_j().arg("publish").assert().success();
    let sent = published_entries(&env, &gig);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].ends_with("-plain.md"), "{sent:?}");
    env.assert_consistent();
}

/// A note's kind is matched in any case; one the journal lacks is replaced (the entry
/// could not be read otherwise) with a warning, since partners that take only some
/// kinds go by the kind it gets.
#[test]
fn a_kind_the_journal_lacks_is_replaced_with_a_warning() {
    let env = TestEnv::new();
    env.init_journal();
    let notes = env.root.join("notes");
    fs::create_dir_all(&notes).unwrap();
    fs::write(
        notes.join("meeting.md"),
        "+++\ntitle = \"Board meeting\"\ndate = 2026-11-20T10:00:00+01:00\nkind = \"meeting\"\nvisibility = \"public\"\n+++\nbody\n",
    )
    .unwrap();
    fs::write(
        notes.join("decided.md"),
        "---\ntitle: Decided\ndate: 2026-11-20 11:00\nkind: Decision\n---\nbody\n",
    )
    .unwrap();
    let err = stderr(&import_markdown(&env, &notes));
    assert!(
        err.contains("meeting.md is imported as kind `learning`: its kind \"meeting\" is none of this journal's (progress, learning, help, decision, credit)"),
        "{err}"
    );
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    let all = entries(&env);
    assert_eq!(by_title(&all, "Board meeting")["kind"], "learning");
    assert_eq!(by_title(&all, "Decided")["kind"], "decision");
}

/// The front matter of the entry file `rel`, as a TOML table.
fn front_matter(env: &TestEnv, rel: &Path) -> toml::Table {
    let text = env.read(rel);
    let front = text
        .strip_prefix("+++\n")
        .and_then(|t| t.split_once("\n+++\n"))
        .map(|(front, _)| front)
        .unwrap_or_else(|| panic!("{} has no front matter: {text}", rel.display()));
    toml::from_str(front).unwrap()
}

/// The entry file whose front matter has this title.
fn file_titled(env: &TestEnv, title: &str) -> PathBuf {
    env.entry_files()
        .into_iter()
        .filter(|f| env.read(f).starts_with("+++\n"))
        .find(|f| front_matter(env, f)["title"].as_str() == Some(title))
        .unwrap_or_else(|| panic!("no entry file titled {title:?}"))
}

/// Keys of a note's front matter that import does not read (Obsidian's `aliases`, a
/// TIL's `source`, Zola's `description` and `[extra]`) are kept in the entry as TOML,
/// as wol keeps unknown keys of its own entries; a value TOML cannot hold is left out
/// with a warning naming the note and the key. None of them changes who sees the entry.
#[test]
fn a_note_s_own_front_matter_keys_are_kept() {
    let env = TestEnv::new();
    env.init_journal();
    let notes = env.root.join("notes");
    fs::create_dir_all(notes.join("rust")).unwrap();
    fs::write(
        notes.join("rust/closures.md"),
        "---\ntitle: \"Closures: capture rules\"\ndate: 2024-03-10\naliases: [closure-notes]\n\
         source: https://doc.rust-lang.org/book/ch13-01-closures.html\nrating: 4\n\
         summary: |\n  Two lines\n  of text.\nlinks:\n  book: https://doc.rust-lang.org/book/\n\
         cssclass:\n---\nBody line one.\n",
    )
    .unwrap();
    fs::write(
        notes.join("zola.md"),
        "+++\ntitle = \"A Zola post\"\ndate = 2024-03-11\ndescription = \"Summary the author wrote\"\n\
         [extra]\nlead = true\n+++\nZola body.\n",
    )
    .unwrap();
    let out = import_markdown_with(&env, &notes, &["--visibility", "public"]);
    let err = stderr(&out);
    assert!(
        err.contains("rust/closures.md is imported without its `cssclass`: it is null (no value)"),
        "{err}"
    );
    assert_eq!(err.matches("warning:").count(), 1, "{err}");

    let closures = front_matter(&env, &file_titled(&env, "Closures: capture rules"));
    let want: toml::Table = toml::from_str(
        r#"
        aliases = ["closure-notes"]
        source = "https://doc.rust-lang.org/book/ch13-01-closures.html"
        rating = 4
        summary = "Two lines\nof text.\n"
        links = { book = "https://doc.rust-lang.org/book/" }
        "#,
    )
    .unwrap();
    for (key, value) in &want {
        assert_eq!(closures.get(key), Some(value), "{key} in {closures:#?}");
    }
    assert!(!closures.contains_key("cssclass"));
    let zola = front_matter(&env, &file_titled(&env, "A Zola post"));
    assert_eq!(
        zola["description"].as_str(),
        Some("Summary the author wrote")
    );
    assert_eq!(zola["extra"]["lead"].as_bool(), Some(true));

    // The entries read back whole, with the audience the flag gave them.
    let all = entries(&env);
    assert_eq!(all.len(), 2);
    for e in &all {
        assert_eq!(e["visibility"], "public", "{e:#}");
    }
    env.wol_j().arg("doctor").assert().success();
    env.assert_consistent();
}

/// Every file under `dir`, relative to it, with its bytes.
fn files_in(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut out: Vec<(PathBuf, Vec<u8>)> = files
        .into_iter()
        .map(|f| {
            (
                f.strip_prefix(dir).unwrap().to_path_buf(),
                fs::read(&f).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// A journal with an entry that has two attachments (one a `.md` file), moved by
/// `wol edit` (so its `id` is its old name), and a hand-written entry with a TOML comment,
/// a table and no `visibility`; exported with `wol export --format markdown`.
fn journal_with_attachments_exported(env: &TestEnv) -> PathBuf {
    env.init_journal();
    let notes = env.root.join("note.txt");
    let agenda = env.root.join("agenda.md");
    fs::write(&notes, "hello attachment\n").unwrap();
    fs::write(&agenda, "# Agenda\n\n- item\n").unwrap();
    let entry = env.log(&[
        "--title",
        "With attachments",
        "The body.",
        "--attach",
        notes.to_str().unwrap(),
        "--attach",
        agenda.to_str().unwrap(),
    ]);
    env.fake_editor(r#"sed -i 's/T14:32:05/T09:00:00/' "$1""#);
    env.wol_j()
        .args(["edit", &crate::common::stem(&entry)])
        .assert()
        .success();
    env.write(
        "entries/2026/11/2026-11-10-1000-hand-note.md",
        "+++\ntitle = 'Hand note'\ndate = 2026-11-10T10:00:00+01:00\nkind = \"progress\"\n\
         # ask Maria before publishing this one\n\n[links]\nthread = \"https://example.org\"\n+++\n\nhand body\n",
    );
    env.git(["add", "-A"]);
    env.git(["commit", "-qm", "by hand"]);
    let backup = env.root.join("backup");
    env.wol_j()
        .args(["export", "--format", "markdown"])
        .arg(&backup)
        .assert()
        .success();
    backup
}

/// `wol export --format markdown` read back with `wol import markdown` is the journal's
/// own files: each entry byte for byte (a hand-written comment and layout kept), and the
/// files of its attachment folder as its attachments, in the same commit; an attached
/// `.md` is no note. Only what the journal needs is added: the visibility the import
/// gave an entry that says none (it would take the journal's default otherwise).
#[test]
fn a_markdown_export_comes_back_byte_for_byte_with_its_attachments() {
    let env = TestEnv::new();
    let backup = journal_with_attachments_exported(&env);
    let exported = files_in(&backup);
    assert_eq!(exported.len(), 4, "{exported:#?}");

    let fresh = TestEnv::new();
    fresh.init_journal();
    let out = import_markdown(&fresh, &backup);
    assert!(
        stderr(&out).matches("warning:").count() == 0,
        "{}",
        stderr(&out)
    );
    let imported = files_in(&fresh.journal);
    let imported: Vec<&(PathBuf, Vec<u8>)> = imported
        .iter()
        .filter(|(f, _)| f.starts_with("entries"))
        .collect();
    assert_eq!(imported.len(), exported.len(), "{imported:#?}");
    for ((from, bytes), (to, got)) in exported.iter().zip(&imported) {
        assert_eq!(from, to);
        let want = if from.ends_with("2026-11-10-1000-hand-note.md") {
            String::from_utf8(bytes.clone())
                .unwrap()
                .replace("\n[links]", "\nvisibility = \"private\"\n[links]")
                .into_bytes()
        } else {
            bytes.clone()
        };
        assert_eq!(
            String::from_utf8_lossy(got),
            String::from_utf8_lossy(&want),
            "{}",
            to.display()
        );
    }
    assert_eq!(entries(&fresh).len(), 2);
    assert_eq!(
        fresh.subjects().first().map(String::as_str),
        Some("import: 2 entries from markdown")
    );
    assert!(
        fresh
            .head_files()
            .contains(&"entries/2026/11/2026-11-22-0900-with-attachments/agenda.md".to_string())
    );
    fresh.assert_consistent();

    // Read back into the journal it came from: nothing new, nothing said to differ.
    import_again_changes_nothing(&env, &backup);
}

/// An exported entry whose name is taken in the journal it is imported into comes in
/// under another name, with its attachments in that name's folder and its links
/// pointing there, and its old name as its `id`; imported again, it is known.
#[test]
fn an_exported_entry_whose_name_is_taken_comes_in_under_another_with_its_attachments() {
    let env = TestEnv::new();
    let backup = journal_with_attachments_exported(&env);
    let fresh = TestEnv::new();
    fresh.init_journal();
    fresh.log(&[
        "--title",
        "With attachments",
        "--date",
        "2026-11-22 09:00",
        "Another entry of that name.",
    ]);
    import_markdown(&fresh, &backup);
    let moved = "entries/2026/11/2026-11-22-0900-with-attachments-2.md";
    let text = fresh.read(moved);
    for name in ["note.txt", "agenda.md"] {
        assert!(
            text.contains(&format!("](2026-11-22-0900-with-attachments-2/{name})")),
            "{text}"
        );
        assert!(
            fresh
                .journal
                .join("entries/2026/11/2026-11-22-0900-with-attachments-2")
                .join(name)
                .is_file()
        );
    }
    // It keeps the id it had (the name before its move).
    assert!(
        text.contains("id = \"2026-11-22-1432-with-attachments\"\n"),
        "{text}"
    );
    assert_eq!(entries(&fresh).len(), 3);
    fresh.assert_consistent();
    let out = import_again_changes_nothing(&fresh, &backup);
    assert!(!stderr(&out).contains("warning:"), "{}", stderr(&out));
}

/// An attachment the journal would refuse (over its size limit, a symbolic link) keeps
/// its entry out, with a warning; the rest comes in.
#[test]
fn an_entry_whose_attachment_the_journal_refuses_is_not_imported() {
    let env = TestEnv::new();
    let backup = journal_with_attachments_exported(&env);
    let fresh = TestEnv::new();
    fresh.init_journal();
    let toml = fresh.read("wol.toml") + "\n[log]\nattachment_max = \"10B\"\n";
    fresh.write("wol.toml", toml);
    fresh.git(["commit", "-qam", "small attachments only"]);
    let out = import_markdown(&fresh, &backup);
    let err = stderr(&out);
    assert!(
        err.contains("2026-11-22-0900-with-attachments.md is not imported, nor its attachments")
            && err.contains("more than the limit of 10 bytes"),
        "{err}"
    );
    let all = entries(&fresh);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["title"], "Hand note");

    let other = TestEnv::new();
    other.init_journal();
    let folder = backup.join("entries/2026/11/2026-11-22-0900-with-attachments");
    fs::remove_file(folder.join("note.txt")).unwrap();
    std::os::unix::fs::symlink(other.root.join("secret"), folder.join("note.txt")).unwrap();
    let out = import_markdown(&other, &backup);
    assert!(
        stderr(&out).contains("it is a symbolic link"),
        "{}",
        stderr(&out)
    );
    assert_eq!(entries(&other).len(), 1);
    other.assert_consistent();
}

/// Two entries of one import with one id (an entry `wol edit` moved keeps its old name as
/// its `id`, and a later entry got that very name as its file name) both come in: only
/// what the journal already holds is skipped. One whose id the journal holds with other
/// text is skipped with a warning naming the journal's entry, even under --quiet.
#[test]
fn entries_of_one_import_are_never_skipped_for_one_another() {
    let env = TestEnv::new();
    env.init_journal();
    let backup = env.root.join("backup");
    let month = backup.join("entries/2026/11");
    fs::create_dir_all(&month).unwrap();
    fs::write(
        month.join("2026-11-22-0900-standup.md"),
        "+++\ntitle = \"Standup\"\ndate = 2026-11-22T09:00:00+01:00\nkind = \"progress\"\n\
         visibility = \"private\"\nid = \"2026-11-22-1800-standup\"\n+++\n\nfirst standup\n",
    )
    .unwrap();
    fs::write(
        month.join("2026-11-22-1800-standup.md"),
        "+++\ntitle = \"Standup\"\ndate = 2026-11-22T18:00:00+01:00\nkind = \"progress\"\n\
         visibility = \"private\"\n+++\n\nsecond standup\n",
    )
    .unwrap();
    let out = import_markdown(&env, &backup);
    let bodies: Vec<String> = entries(&env)
        .iter()
        .map(|e| e["body"].as_str().unwrap().trim().to_string())
        .collect();
    assert_eq!(
        bodies,
        ["first standup", "second standup"],
        "{}",
        stdout(&out)
    );
    // Both as written, at their own names.
    for name in ["2026-11-22-0900-standup.md", "2026-11-22-1800-standup.md"] {
        assert_eq!(
            env.read(format!("entries/2026/11/{name}")),
            fs::read_to_string(month.join(name)).unwrap()
        );
    }
    let commits = env.commit_count();
    import_markdown(&env, &backup);
    assert_eq!(env.commit_count(), commits);

    // The journal's copy changed since: the backup's text is not imported, and that is said.
    env.fake_editor(r#"sed -i 's/second standup/second standup, edited/' "$1""#);
    env.wol_j()
        .args(["edit", "entries/2026/11/2026-11-22-1800-standup.md"])
        .assert()
        .success();
    let out = import_markdown_with(&env, &backup, &["-q"]);
    let err = stderr(&out);
    assert!(
        err.contains(
            "entries/2026/11/2026-11-22-1800-standup.md is not imported: the journal's entry entries/2026/11/2026-11-22-1800-standup.md has its id (2026-11-22-1800-standup) with another title, date or text"
        ),
        "{err}"
    );
    assert_eq!(err.matches("warning:").count(), 1, "{err}");
    env.assert_consistent();
}
