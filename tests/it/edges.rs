//! Corners of writing and publishing that once lost or leaked text: a whole entry file
//! given to `wol log`, a refused edit taken up again, an export into a full folder, a
//! codename left in a file name, a title line left empty in the editor.

use std::fs;

use crate::common::{TestEnv, fails_with, stdout, stem};

fn env() -> TestEnv {
    let env = TestEnv::new();
    env.init_journal();
    env
}

#[test]
fn a_whole_entry_on_stdin_is_read_as_an_entry_never_as_body_text() {
    let env = env();
    let private = "+++\ntitle = \"Board conflict\"\ndate = 2026-11-20T09:00:00+01:00\n\
                   kind = \"progress\"\ntags = [\"board\"]\nvisibility = \"private\"\n\
                   author = \"Test Author\"\n+++\n\nWhat was said.\n";
    let out = env
        .wol_j()
        .args(["log", "-"])
        .write_stdin(private)
        .assert()
        .success();
    let path = env.entry_path_from(out.get_output());
    let text = env.read(&path);
    assert!(text.contains("title = \"Board conflict\""), "{text}");
    assert!(text.contains("visibility = \"private\""), "{text}");
    assert!(!text.contains("title = \"+++\""), "{text}");
    assert_eq!(text.matches("+++").count(), 2, "{text}");
    // A broken block is refused, not logged as text.
    fails_with(
        env.wol_j()
            .args(["log", "-"])
            .write_stdin("+++\ntitle = \"x\"\n+++\n\nbody\n"),
        1,
        "not a valid entry",
    );
    env.assert_consistent();
}

#[test]
fn a_refused_edit_keeps_its_draft_and_resume_does_not_undo_the_other_edit() {
    let env = env();
    let entry = env.log(&["Original title"]);
    let id = crate::common::stem(&entry);
    // The first editor changes the entry behind wol's back (as a second `wol edit`
    // would), then writes its own version: wol must refuse to overwrite the other one.
    let abs = env.journal.join(&entry);
    env.fake_editor(&format!(
        "sed -i 's/Original title/Other edit/' {abs:?} && git -C {journal:?} -c user.name=O -c user.email=o@x commit -qam other && \
         sed -i 's/Original title/My edit/' \"$1\"",
        journal = env.journal,
    ));
    let err = env.fails(&["edit", &id], "changed by another command");
    assert!(err.contains(&format!("wol edit {id}")), "{err}");
    assert!(env.read(&entry).contains("Other edit"));
    let drafts = env.draft_files();
    assert_eq!(drafts.len(), 1, "{drafts:?}");
    assert!(fs::read_to_string(&drafts[0]).unwrap().contains("My edit"));
    // --resume would write the draft over the other edit: it refuses, naming both.
    env.fake_editor("exit 0");
    let err = env.fails(&["edit", &id, "--resume"], "changed after your draft");
    assert!(err.contains(&drafts[0].display().to_string()), "{err}");
    assert!(
        !err.contains("checkout"),
        "the other edit is committed: {err}"
    );
    assert!(env.read(&entry).contains("Other edit"));
    // Brought into the entry with `wol edit ID`, as the hint says, the text is committed.
    env.fake_editor(&format!("cp {:?} \"$1\"", drafts[0]));
    env.wol_j().args(["edit", &id]).assert().success();
    assert!(env.read(&entry).contains("My edit"));
    env.assert_consistent();
    fs::remove_file(&drafts[0]).unwrap();
    env.fails(&["edit", &id, "--resume"], "no kept draft");
}

#[test]
fn export_refuses_a_folder_that_is_not_empty_unless_forced() {
    let env = env();
    env.log(&["Something"]);
    let dir = env.root.join("out");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("index.html"), "mine").unwrap();
    let dir_arg = dir.to_str().unwrap();
    for format in ["html", "markdown", "json"] {
        env.fails(&["export", "--format", format, dir_arg], "not empty");
    }
    assert_eq!(fs::read_to_string(dir.join("index.html")).unwrap(), "mine");
    env.wol_j()
        .args(["export", "--format", "html", "--force", dir_arg])
        .assert()
        .success();
}

/// Commits `[publish] never = [pattern]` and adds a bare repository as partner `p`;
/// returns the repository.
fn never_and_partner(env: &TestEnv, pattern: &str) -> std::path::PathBuf {
    let toml = env
        .read("wol.toml")
        .replace("never = []", &format!("never = [{pattern:?}]"));
    env.write("wol.toml", toml);
    env.git(["commit", "-qam", "never"]);
    let bare = env.root.join("p.git");
    env.git_in(&env.root, ["init", "-q", "--bare", "-b", "main", "p.git"]);
    env.wol_j()
        .args(["partner", "add", "p", bare.to_str().unwrap()])
        .assert()
        .success();
    bare
}

#[test]
fn a_codename_in_the_file_name_blocks_publish_and_is_never_printed() {
    let env = env();
    let entry = env.log(&["Project Zeus kickoff"]);
    // The title is fixed later; the old slug stays in the file name.
    let text = env.read(&entry).replace("Project Zeus kickoff", "Kickoff");
    env.write(&entry, text);
    env.git(["commit", "-qam", "retitle"]);
    let bare = never_and_partner(&env, "(?i)zeus");
    let err = env.fails(&["publish"], "publish blocked");
    assert!(err.contains("file name"), "{err}");
    assert!(!err.to_lowercase().contains("zeus"), "{err}");
    let out = env.wol_j().args(["publish", "--dry-run"]).output().unwrap();
    assert!(
        !stdout(&out).to_lowercase().contains("zeus"),
        "{}",
        stdout(&out)
    );
    let out = env
        .wol_j()
        .args(["publish", "--dry-run", "--json"])
        .output()
        .unwrap();
    assert!(
        !stdout(&out).to_lowercase().contains("zeus"),
        "{}",
        stdout(&out)
    );
    assert!(env.git_in(&bare, ["for-each-ref"]).is_empty());
}

/// The site and feeds carry the text as Markdown renders it: a token written with a
/// character reference or a backslash escape, or a `never` word split by emphasis, is
/// found as surely as one written plainly; the publish is refused and nothing leaves.
#[test]
fn a_secret_hidden_in_markdown_escapes_is_found_as_it_renders() {
    let env = env();
    let bare = never_and_partner(&env, "CODENAMEX");
    let token = "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5";
    for (title, body) in [
        ("Reference", format!("The key ghp&#95;{token} works.")),
        ("Escape", format!("The key ghp\\_{token} works.")),
        ("Emphasis", "Project CODE**NAME**X starts.".to_string()),
        ("Entity name", "Project CODENAM&#69;X starts.".to_string()),
    ] {
        let entry = env.log(&[&format!("{title}\n\n{body}")]);
        let err = env.fails(&["publish"], "publish blocked");
        assert!(err.contains(&stem(&entry)), "{title}: {err}");
        assert!(env.git_in(&bare, ["for-each-ref"]).is_empty(), "{title}");
        env.wol_j()
            .args(["rm", "--yes", &stem(&entry)])
            .assert()
            .success();
    }
}

/// A whole entry on stdin whose title ends in a number ("Issue 99999999") is logged at
/// once under that name; given again, it is found to be there already. (The number was
/// read as the `-N` wol adds to a taken name, and every name up to it looked at: a
/// hang, holding the journal lock.)
#[test]
fn a_title_ending_in_a_number_is_no_name_counter() {
    let env = env();
    let text = "+++\ntitle = \"Issue 99999999\"\ndate = 2026-11-20T10:00:00+01:00\nkind = \"progress\"\n+++\n\nBody.\n";
    let log = || {
        env.wol_j()
            .args(["log", "-"])
            .write_stdin(text)
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap()
    };
    let out = log();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).contains("2026-11-20-1000-issue-99999999.md"),
        "{}",
        stdout(&out)
    );
    let out = log();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("in the journal already"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(env.entry_files().len(), 1);
}

#[test]
fn a_template_with_an_empty_title_line_keeps_its_sections() {
    let env = env();
    env.fake_editor("printf '\\n## Learned\\nChecklists beat long docs.\\n' > \"$1\"");
    env.fails(&["log", "--edit"], "no title");
    // Nothing committed, and the text is kept.
    assert!(env.entry_files().is_empty());
    let drafts = env.draft_files();
    assert_eq!(drafts.len(), 1);
    assert!(
        fs::read_to_string(&drafts[0])
            .unwrap()
            .contains("Checklists")
    );
}

#[test]
fn leftovers_of_a_killed_run_are_cleaned_up_by_the_next() {
    let env = env();
    // A temp file a killed writer left, holding entry text.
    let tmp = env.journal.join(".wol/tmp/.wol-tmp-left");
    fs::create_dir_all(tmp.parent().unwrap()).unwrap();
    fs::write(&tmp, "private words").unwrap();
    // A half-written pack a killed push left in the partner's repository.
    env.git_in(&env.root, ["init", "-q", "--bare", "-b", "main", "p.git"]);
    let bare = env.root.join("p.git");
    let pack = bare.join("objects/pack/pack_git2_deadbeef");
    fs::create_dir_all(pack.parent().unwrap()).unwrap();
    fs::write(&pack, "half a pack").unwrap();
    let old = std::process::Command::new("touch")
        .args(["-d", "2 hours ago"])
        .arg(&pack)
        .status()
        .unwrap();
    assert!(old.success());
    env.log(&["Next entry"]);
    assert!(!tmp.exists(), "the orphan temp file is still there");
    env.wol_j()
        .args(["partner", "add", "p", bare.to_str().unwrap()])
        .assert()
        .success();
    env.wol_j().args(["publish"]).assert().success();
    assert!(!pack.exists(), "the stale pack_git2 file is still there");
    env.assert_consistent();
}

/// A `wol edit` killed after its commit and before it removed its draft leaves a draft
/// that is the entry's text: `--resume` says so and removes it, rather than refuse it as
/// a draft of an older text.
#[test]
fn resume_of_a_draft_already_committed_removes_it() {
    let env = env();
    let entry = env.log(&["Original title"]);
    let id = crate::common::stem(&entry);
    let rel = entry.to_str().unwrap();
    let old_blob = env.git(["rev-parse", &format!("HEAD:{rel}")]);
    env.fake_editor("sed -i 's/Original title/Edited title/' \"$1\"");
    env.wol_j().args(["edit", &id]).assert().success();
    // What the killed edit would have left: its draft, named after the text it began from.
    let drafts = env.journal.join(".wol/drafts");
    fs::create_dir_all(&drafts).unwrap();
    let stale = drafts.join(format!("edit-{id}-99999-{}.md", old_blob.trim()));
    fs::write(&stale, env.read(&entry)).unwrap();
    let commits = env.commit_count();

    env.fake_editor("exit 0");
    let out = env
        .wol_j()
        .args(["edit", &id, "--resume"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    assert!(
        crate::common::stderr(&out).contains("is its text already"),
        "{}",
        crate::common::stderr(&out)
    );
    assert!(!stale.exists(), "the stale draft is kept");
    assert!(env.read(&entry).contains("Edited title"));
    assert_eq!(env.commit_count(), commits);
    env.assert_consistent();
}
