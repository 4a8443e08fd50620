//! `wol edit` and `wol rm`: changes are committed, history keeps the old text,
//! and a failed edit loses nothing.

use std::fs;

use crate::common::{TestEnv, draft_path_in, stderr, stem};

fn with_entry() -> (TestEnv, std::path::PathBuf) {
    let env = TestEnv::new();
    env.init_journal();
    let entry = env.log(&["--title", "Edit me", "The old body text."]);
    (env, entry)
}

#[test]
fn edit_commits_the_change() {
    let (env, entry) = with_entry();
    let before = env.commit_count();
    env.fake_editor(r#"sed -i 's/The old body text./The new body text./' "$1""#);

    let out = env.wol_j().args(["edit", &stem(&entry)]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    let text = env.read(&entry);
    assert!(text.contains("The new body text."), "{text}");
    assert!(!text.contains("The old body text."), "{text}");
    assert_eq!(env.commit_count(), before + 1);
    assert_eq!(env.head_subject(), "edit(progress): Edit me");
    assert_eq!(
        env.git(["show", "--name-status", "--format=", "HEAD"])
            .trim(),
        format!("M\t{}", entry.display())
    );
    env.assert_consistent();
}

#[test]
fn edit_by_prefix_and_title_change() {
    let (env, entry) = with_entry();
    env.fake_editor(r#"sed -i 's/^title = .*/title = "Edited title"/' "$1""#);
    env.wol_j()
        .args(["edit", "2026-11-22-1432-edit"])
        .assert()
        .success();
    assert!(env.read(&entry).contains("title = \"Edited title\"\n"));
    assert_eq!(env.head_subject(), "edit(progress): Edited title");
    env.assert_consistent();
}

#[test]
fn edit_without_changes_commits_nothing() {
    let (env, entry) = with_entry();
    let before = env.commit_count();
    let text = env.read(&entry);
    env.fake_editor("exit 0");

    let out = env.wol_j().args(["edit", &stem(&entry)]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("no changes"), "{}", stderr(&out));
    assert_eq!(env.commit_count(), before);
    assert_eq!(env.read(&entry), text);
    env.git_status_clean();
}

#[test]
fn edit_to_broken_front_matter_keeps_file_and_draft() {
    let (env, entry) = with_entry();
    let before = env.commit_count();
    let text = env.read(&entry);
    env.fake_editor(r#"printf '+++\ntitle = "unterminated\n+++\n\nmy precious edit\n' > "$1""#);

    let err = env.fails(&["edit", &stem(&entry)], ".wol/drafts/");
    assert_eq!(env.read(&entry), text, "the entry must stay as it was");
    assert_eq!(env.commit_count(), before);
    let draft = draft_path_in(&err, &env.journal)
        .unwrap_or_else(|| panic!("the error should name the draft under .wol/drafts/:\n{err}"));
    assert!(
        fs::read_to_string(&draft)
            .unwrap_or_else(|e| panic!("draft {}: {e}", draft.display()))
            .contains("my precious edit"),
        "the edited text must be kept in the draft"
    );
    env.git_status_clean();
}

#[test]
fn edit_with_failing_editor_changes_nothing() {
    let (env, entry) = with_entry();
    let before = env.commit_count();
    let text = env.read(&entry);
    env.fake_editor(r#"printf 'garbage' > "$1"; exit 4"#);
    let out = env.wol_j().args(["edit", &stem(&entry)]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(env.read(&entry), text);
    assert_eq!(env.commit_count(), before);
    env.git_status_clean();
}

#[test]
fn edit_unknown_id_fails() {
    let (env, _) = with_entry();
    env.fake_editor(r#"echo touched > "$1""#);
    let out = env
        .wol_j()
        .args(["edit", "no-such-entry"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(env.commit_count(), 2);
}

#[test]
fn rm_without_yes_and_no_tty_refuses() {
    let (env, entry) = with_entry();
    env.fails(&["rm", &stem(&entry)], "--yes");
    assert!(env.journal.join(&entry).is_file(), "the entry must be kept");
    assert_eq!(env.commit_count(), 2);
    env.git_status_clean();
}

#[test]
fn rm_yes_removes_and_commits_and_history_keeps_the_text() {
    let (env, entry) = with_entry();
    let out = env
        .wol_j()
        .args(["rm", "--yes", &stem(&entry)])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("removed"), "{}", stderr(&out));

    assert!(!env.journal.join(&entry).exists());
    assert_eq!(env.commit_count(), 3);
    assert_eq!(env.head_subject(), "rm(progress): Edit me");
    assert_eq!(
        env.git(["show", "--name-status", "--format=", "HEAD"])
            .trim(),
        format!("D\t{}", entry.display())
    );
    assert!(env.git(["log", "-p"]).contains("The old body text."));
    assert!(env.entry_files().is_empty());
    env.wol_j().arg("list").assert().success().stdout("");
    env.assert_consistent();
}

#[test]
fn rm_unknown_id_fails() {
    let (env, _) = with_entry();
    let out = env
        .wol_j()
        .args(["rm", "--yes", "no-such-entry"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(env.commit_count(), 2);
    assert_eq!(env.entry_files().len(), 1);
}

#[test]
fn rm_and_edit_refuse_files_outside_the_journal() {
    let (env, entry) = with_entry();
    let outside = env.root.join("outside.md");
    let text = env.read(&entry);
    fs::write(&outside, &text).unwrap();
    let before = env.commit_count();

    let out = env
        .wol_j()
        .args(["rm", "--yes"])
        .arg(&outside)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "rm outside: {}", stderr(&out));
    env.fake_editor(r#"sed -i 's/old body/CHANGED/' "$1""#);
    let out = env.wol_j().arg("edit").arg(&outside).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "edit outside: {}", stderr(&out));
    let out = env
        .wol_j()
        .args(["rm", "--yes", "../outside.md"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "rm ../: {}", stderr(&out));

    assert_eq!(
        fs::read_to_string(&outside).unwrap(),
        text,
        "a file outside was touched"
    );
    assert_eq!(env.commit_count(), before);
    env.git_status_clean();
}

/// An entry with a text attachment, and the attachment's path.
fn with_attachment(env: &TestEnv) -> (std::path::PathBuf, String) {
    let file = env.root.join("notes.txt");
    fs::write(&file, "v1\n").unwrap();
    let entry = env.log(&[
        "--title",
        "Workshop",
        "--attach",
        file.to_str().unwrap(),
        "Body.",
    ]);
    let att = format!("{}/notes.txt", entry.with_extension("").display());
    (entry, att)
}

#[test]
fn rm_refuses_an_entry_or_attachment_with_uncommitted_changes() {
    let env = TestEnv::new();
    env.init_journal();
    let (entry, att) = with_attachment(&env);
    let id = stem(&entry);
    let before = env.commit_count();

    // A hand change to the entry.
    let committed = env.read(&entry);
    env.write(&entry, format!("{committed}\nPrecious words.\n"));
    let err = env.fails(&["rm", &id, "--yes"], "no commit holds");
    assert!(err.contains(&entry.display().to_string()), "{err}");
    assert!(err.contains("git -C"), "{err}");
    assert!(env.read(&entry).contains("Precious words."));
    assert!(env.journal.join(&att).is_file());
    assert_eq!(env.commit_count(), before);
    env.write(&entry, &committed);

    // A hand change to the attachment.
    env.write(&att, "v2, never committed\n");
    let err = env.fails(&["rm", &id, "--yes"], "no commit holds");
    assert!(err.contains(&att), "{err}");
    let listed = err.split("changes:").nth(1).unwrap_or_default();
    assert!(!listed.lines().next().unwrap().contains(".md"), "{err}");
    assert_eq!(env.read(&att), "v2, never committed\n");
    assert!(env.journal.join(&entry).is_file());
    // A new file in the attachment folder.
    let new = format!("{}/new.txt", entry.with_extension("").display());
    env.write(&new, "new\n");
    let err = env.fails(&["rm", &id, "--yes"], "no commit holds");
    assert!(err.contains(&new), "{err}");
    assert_eq!(env.commit_count(), before);

    // Committed, they are removed, and history keeps them.
    env.git(["add", "-A"]);
    env.git(["commit", "-qm", "keep"]);
    env.wol_j().args(["rm", &id, "--yes"]).assert().success();
    assert!(env.entry_files().is_empty());
    assert!(!env.journal.join(entry.with_extension("")).exists());
    assert!(env.git(["log", "-p"]).contains("v2, never committed"));
    env.assert_consistent();
}

#[test]
fn rm_of_an_attachment_path_names_its_entry() {
    let env = TestEnv::new();
    env.init_journal();
    let (entry, att) = with_attachment(&env);
    let before = env.commit_count();
    let err = env.fails(&["rm", &att, "--yes"], "is an attachment of the entry");
    assert!(err.contains(&stem(&entry)), "{err}");
    assert!(err.contains(&format!("wol rm {}", stem(&entry))), "{err}");
    assert!(!err.contains("ODB"), "{err}");
    assert!(env.journal.join(&att).is_file());
    assert_eq!(env.commit_count(), before);
    env.git_status_clean();
}

#[test]
fn an_edit_that_loses_to_rm_says_how_to_log_the_text_again() {
    let (env, entry) = with_entry();
    let id = stem(&entry);
    // The entry is removed (as a concurrent `wol rm` would) while the editor is open.
    env.fake_editor(&format!(
        "git -C {journal:?} -c user.name=O -c user.email=o@x rm -q {entry:?} && \
         git -C {journal:?} -c user.name=O -c user.email=o@x commit -qm gone && \
         sed -i 's/old body/MY EDIT/' \"$1\"",
        journal = env.journal,
        entry = entry,
    ));
    let err = env.fails(&["edit", &id], "removed by another command");
    assert!(!err.contains("--resume"), "{err}");
    let draft = draft_path_in(&err, &env.journal)
        .unwrap_or_else(|| panic!("the error should name the draft:\n{err}"));
    assert!(
        err.contains(&format!("wol log - < {}", draft.display())),
        "{err}"
    );
    // And that command works.
    let out = env
        .wol_std()
        .args(["--journal"])
        .arg(&env.journal)
        .args(["log", "-"])
        .stdin(fs::File::open(&draft).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let files = env.entry_files();
    assert_eq!(files.len(), 1);
    assert!(env.read(&files[0]).contains("MY EDIT"));
}
