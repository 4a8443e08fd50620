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

/// Ctrl-C typed in the editor reaches wol too (one foreground process group). Vim takes
/// it as a key and goes on, and so must wol: what is saved afterwards is committed.
#[test]
fn ctrl_c_in_the_editor_leaves_wol_edit_waiting_for_it() {
    let (env, entry) = with_entry();
    let before = env.commit_count();
    env.fake_editor_pressing_ctrl_c(r#"sed -i 's/The old body text./Saved after Ctrl-C./' "$1""#);
    let out = env.wol_j_in_own_group(&["edit", &stem(&entry)]);
    assert!(out.status.success(), "{}: {}", out.status, stderr(&out));
    assert!(env.read(&entry).contains("Saved after Ctrl-C."));
    assert_eq!(env.commit_count(), before + 1);
    env.assert_editor_started_with_ctrl_c_not_ignored();
    env.assert_consistent();
}

/// An entry edited by hand while `wol edit` was open refuses the edit. --resume must not
/// then write the draft over it: the hand edit is in no commit, it would be gone.
#[test]
fn resume_never_writes_over_a_hand_edit_made_since_the_draft() {
    let (env, entry) = with_entry();
    let id = stem(&entry);
    let abs = env.journal.join(&entry);
    env.fake_editor(&format!(
        r#"printf '\nHAND EDIT LINE\n' >> {abs:?} && sed -i 's/The old body text./My draft./' "$1""#
    ));
    env.fails(&["edit", &id], "changed by another command");
    let before = env.commit_count();
    env.fake_editor("exit 0");
    let err = env.fails(&["edit", &id, "--resume"], "changed after your draft");
    assert!(env.read(&entry).contains("HAND EDIT LINE"));
    assert_eq!(env.commit_count(), before);
    // Both texts are named: the draft, still kept, and the entry.
    let draft = draft_path_in(&err, &env.journal)
        .unwrap_or_else(|| panic!("the error should name the draft:\n{err}"));
    assert!(fs::read_to_string(&draft).unwrap().contains("My draft."));
    assert!(err.contains(&abs.display().to_string()), "{err}");
    assert!(err.contains(&format!("wol edit {id} ")), "{err}");
    // The hand edit is in no commit: with the file put back as the hint says, the draft
    // is the text it was made from again, and --resume takes it up.
    assert!(
        err.contains(&format!("checkout -- {}", entry.display())),
        "{err}"
    );
    env.git(["checkout", "--", entry.to_str().unwrap()]);
    env.wol_j()
        .args(["edit", &id, "--resume"])
        .assert()
        .success();
    let text = env.read(&entry);
    assert!(
        text.contains("My draft.") && !text.contains("HAND EDIT"),
        "{text}"
    );
    assert!(env.draft_files().is_empty());
    env.assert_consistent();
}

/// A draft named without the text it was made from (`edit-ID-PID.md`) cannot be checked,
/// so --resume does not write it over the entry.
#[test]
fn resume_refuses_a_draft_that_does_not_say_what_it_was_made_from() {
    let (env, entry) = with_entry();
    let id = stem(&entry);
    let text = env
        .read(&entry)
        .replace("The old body text.", "An old draft.");
    env.write(format!(".wol/drafts/edit-{id}-123.md"), text);
    env.fake_editor("exit 0");
    let err = env.fails(&["edit", &id, "--resume"], "does not say which text");
    assert!(err.contains(&format!("wol edit {id} ")), "{err}");
    assert!(env.read(&entry).contains("The old body text."));
    assert_eq!(env.draft_files().len(), 1);
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
fn edit_that_moves_the_date_to_another_month_moves_the_file_and_its_attachments() {
    let env = TestEnv::new();
    env.init_journal();
    let (entry, att) = with_attachment(&env);
    let old_id = stem(&entry);
    assert!(env.read(&entry).contains(&format!("]({old_id}/notes.txt)")));
    let before = env.commit_count();
    env.fake_editor(r#"sed -i 's/^date = .*/date = 2026-10-15T10:00:00+02:00/' "$1""#);

    let out = env.wol_j().args(["edit", &old_id]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let new = "entries/2026/10/2026-10-15-1000-workshop.md";
    assert!(
        stderr(&out).contains(&format!("moved to {new}")),
        "{}",
        stderr(&out)
    );

    // One commit moves the entry and its attachment; nothing is left behind.
    assert_eq!(env.commit_count(), before + 1);
    assert_eq!(
        env.entry_files(),
        vec![
            std::path::PathBuf::from("entries/2026/10/2026-10-15-1000-workshop/notes.txt"),
            std::path::PathBuf::from(new),
        ],
        "the old files must be gone"
    );
    assert!(!env.journal.join(&entry).exists());
    assert!(!env.journal.join(entry.with_extension("")).exists());
    assert!(!env.journal.join(&att).exists());
    assert_eq!(
        env.read("entries/2026/10/2026-10-15-1000-workshop/notes.txt"),
        "v1\n"
    );
    let mut files = env.head_files();
    files.retain(|f| f.starts_with("entries/"));
    files.sort();
    assert_eq!(
        files,
        vec![
            new.to_string(),
            "entries/2026/10/2026-10-15-1000-workshop/notes.txt".to_string()
        ]
    );
    // The stable id keeps the old name, and the link follows the folder.
    let text = env.read(new);
    assert!(text.contains(&format!("id = \"{old_id}\"\n")), "{text}");
    assert!(
        text.contains("[notes.txt](2026-10-15-1000-workshop/notes.txt)"),
        "{text}"
    );
    assert!(text.contains("date = 2026-10-15T10:00:00+02:00"), "{text}");

    // The reading commands that pick month folders by date find it.
    assert_eq!(
        env.list_ids(&["--on", "2026-10-15"]),
        vec!["2026-10-15-1000-workshop"]
    );
    assert_eq!(
        env.list_ids(&["--since", "2026-10-01", "--until", "2026-10-31"]),
        vec!["2026-10-15-1000-workshop"]
    );
    assert!(env.list_ids(&["--on", "2026-11-22"]).is_empty());
    let digest = env
        .wol_j()
        .args(["digest", "--week", "2026-W42"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&digest.stdout).contains("Workshop"),
        "{}",
        String::from_utf8_lossy(&digest.stdout)
    );
    // The old id still finds it.
    let shown = env.wol_j().args(["show", &old_id]).output().unwrap();
    assert!(shown.status.success(), "{}", stderr(&shown));
    assert!(String::from_utf8_lossy(&shown.stdout).contains("Workshop"));
    env.wol_j().arg("doctor").assert().success();
    env.assert_consistent();
}

#[test]
fn edit_that_keeps_the_minute_keeps_the_file() {
    let (env, entry) = with_entry();
    // Another second of the same minute: the name still fits.
    env.fake_editor(r#"sed -i 's/^date = .*/date = 2026-11-22T14:32:59+01:00/' "$1""#);
    env.wol_j().args(["edit", &stem(&entry)]).assert().success();
    assert_eq!(env.entry_files(), vec![entry.clone()]);
    assert!(!env.read(&entry).contains("id = "));
    env.assert_consistent();
}

#[test]
fn doctor_names_an_entry_whose_date_does_not_match_its_file_and_edit_moves_it() {
    let (env, entry) = with_entry();
    // A hand edit of the date, committed with git; the person's comment and layout in
    // the front matter are theirs.
    let text = env
        .read(&entry)
        .replace(
            "date = 2026-11-22T14:32:05+01:00",
            "# moved to December, see the thread\ndate = 2026-12-01T09:00:00+01:00",
        )
        .replace("kind = \"progress\"", "kind = 'progress'");
    env.write(&entry, &text);
    env.git(["commit", "-qam", "by hand"]);
    let out = env.wol_j().arg("doctor").output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = report
        .lines()
        .find(|l| l.starts_with("warn  dates "))
        .unwrap_or_else(|| panic!("no warn dates line:\n{report}"));
    assert!(line.contains("wol edit"), "{line}");
    assert!(
        report.contains(&format!("{} is dated 2026-12-01 09:00", entry.display())),
        "{report}"
    );

    // Saved unchanged, the edit still moves it.
    env.fake_editor("exit 0");
    let out = env.wol_j().args(["edit", &stem(&entry)]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        env.entry_files(),
        vec![std::path::PathBuf::from(
            "entries/2026/12/2026-12-01-0900-edit-me.md"
        )]
    );
    // Moved byte for byte, with only its old name added as its `id`.
    let moved = env.read("entries/2026/12/2026-12-01-0900-edit-me.md");
    let old_id = format!("id = \"{}\"\n", stem(&entry));
    let (head, tail) = text.split_once("+++\n\n").unwrap();
    assert_eq!(moved, format!("{head}{old_id}+++\n\n{tail}"));
    let report =
        String::from_utf8_lossy(&env.wol_j().arg("doctor").output().unwrap().stdout).into_owned();
    assert!(report.contains("ok    dates "), "{report}");
    env.assert_consistent();
}

/// The `id` a moved entry keeps goes among the top-level keys: at the end of front
/// matter that has a `[table]` it went into that table, where it is not the entry's id
/// (`wol show OLD-ID` found nothing).
#[test]
fn edit_that_moves_an_entry_with_a_table_keeps_its_id_at_the_top_level() {
    let (env, entry) = with_entry();
    let text = env
        .read(&entry)
        .replace("+++\n\n", "\n[extra]\nlead = true\n+++\n\n");
    env.write(&entry, &text);
    env.git(["commit", "-qam", "a table of the author's own"]);
    env.fake_editor(r#"sed -i 's/^date = .*/date = 2026-11-23T09:00:00+01:00/' "$1""#);
    let old_id = stem(&entry);
    env.wol_j().args(["edit", &old_id]).assert().success();
    let moved = "entries/2026/11/2026-11-23-0900-edit-me.md";
    let text = env.read(moved);
    assert!(
        text.contains(&format!("\n\nid = \"{old_id}\"\n[extra]\nlead = true\n+++")),
        "{text}"
    );
    let shown = env.wol_j().args(["show", &old_id]).output().unwrap();
    assert!(shown.status.success(), "{}", stderr(&shown));
    env.assert_consistent();
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
    env.log_file(&draft);
    let files = env.entry_files();
    assert_eq!(files.len(), 1);
    assert!(env.read(&files[0]).contains("MY EDIT"));
}

#[test]
fn edit_that_would_move_an_uncommitted_attachment_changes_nothing_and_keeps_the_draft() {
    let env = TestEnv::new();
    env.init_journal();
    let (entry, att) = with_attachment(&env);
    env.write(&att, "v2, never committed\n");
    let before = env.commit_count();
    env.fake_editor(r#"sed -i 's/^date = .*/date = 2026-10-15T10:00:00+02:00/' "$1""#);
    let err = env.fails(&["edit", &stem(&entry)], "no commit holds");
    assert!(err.contains(&att), "{err}");
    assert!(draft_path_in(&err, &env.journal).is_some(), "{err}");
    assert_eq!(env.commit_count(), before);
    assert_eq!(env.read(&att), "v2, never committed\n");
    assert!(
        env.read(&entry)
            .contains("date = 2026-11-22T14:32:05+01:00")
    );
}

/// Making a private entry shareable in the editor is allowed, and said aloud.
#[test]
fn an_edit_that_makes_a_private_entry_shareable_says_so() {
    let env = TestEnv::new();
    env.init_journal();
    let entry = env.log(&["--private", "Salary talk"]);
    env.fake_editor(r#"sed -i 's/^visibility = "private"/visibility = "public"/' "$1""#);
    let out = env.wol_j().args(["edit", &stem(&entry)]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("was private and is now public: the next wol publish shares it"),
        "{}",
        stderr(&out)
    );
    // Another edit of the now public entry says nothing of the kind.
    env.fake_editor(r#"sed -i 's/^title = .*/title = "Salary talk, done"/' "$1""#);
    let out = env.wol_j().args(["edit", &stem(&entry)]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("was private"), "{}", stderr(&out));
}

/// The refusal comes before the question: nobody is asked to say `y` to a removal that
/// will not happen.
#[test]
fn rm_refuses_unsaved_changes_before_asking() {
    let env = TestEnv::new();
    env.init_journal();
    let entry = env.log(&["Interview notes"]);
    let text = env.read(&entry);
    env.write(&entry, format!("{text}An unsaved line.\n"));
    let out = env.wol_j().args(["rm", &stem(&entry)]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("changes no commit holds"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("confirmation"), "{}", stderr(&out));
    assert!(env.read(&entry).contains("An unsaved line."));
}

/// A moved entry keeps its old name as its `id`. Neither an entry `wol edit` moves nor
/// one an import brings gets that name as its file name: two entries would have one id
/// (an export read back saw it twice, and `wol show OLD-NAME` took the file).
#[test]
fn a_moved_entry_s_old_name_is_no_new_name_for_edit_or_import() {
    let env = TestEnv::new();
    env.init_journal();
    let first = stem(&env.log(&["--title", "Standup", "first standup"]));
    env.fake_editor(r#"sed -i 's/T14:32:05/T09:00:00/' "$1""#);
    env.wol_j().args(["edit", &first]).assert().success();
    let second = stem(&env.log(&[
        "--title",
        "Standup",
        "--date",
        "2026-11-22 10:00",
        "second standup",
    ]));
    // The second is moved to the minute the first was logged at.
    env.fake_editor(r#"sed -i 's/T10:00:00/T14:32:05/' "$1""#);
    env.wol_j().args(["edit", &second]).assert().success();
    let names: Vec<String> = env.entry_files().iter().map(|f| stem(f)).collect();
    assert_eq!(
        names,
        ["2026-11-22-0900-standup", "2026-11-22-1432-standup-2",]
    );

    // A note of that title and minute, imported.
    let notes = env.root.join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(
        notes.join("standup.md"),
        "---\ntitle: Standup\ndate: 2026-11-22T14:32:05+01:00\n---\nthird standup\n",
    )
    .unwrap();
    env.wol_j()
        .args(["import", "markdown"])
        .arg(&notes)
        .assert()
        .success();
    assert!(
        env.journal
            .join("entries/2026/11/2026-11-22-1432-standup-3.md")
            .is_file(),
        "{:?}",
        env.entry_files()
    );
    env.assert_consistent();
}

/// An editor that saves the entry empty gives the edit up (as git gives up a commit with
/// an empty message); one that removes the draft is named as the reason. Either way the
/// entry is as it was, no commit is made and no empty draft is kept.
#[test]
fn an_edit_saved_empty_or_with_its_draft_removed_changes_nothing() {
    let env = TestEnv::new();
    env.init_journal();
    let entry = env.log(&["Quarterly notes"]);
    let before = (env.read(&entry), env.commit_count());
    for (editor, says) in [
        (": > \"$1\"", "the entry was saved empty"),
        ("rm -f \"$1\"", "the editor removed the draft"),
    ] {
        env.fake_editor(editor);
        let err = env.fails(&["edit", &stem(&entry)], says);
        assert!(
            err.contains("was not changed") && err.contains("hint: "),
            "{err}"
        );
        assert_eq!((env.read(&entry), env.commit_count()), before);
        assert!(env.draft_files().is_empty(), "{:?}", env.draft_files());
    }
    env.fake_editor("rm -f \"$1\"");
    let err = env.fails(&["log", "--edit"], "the editor removed the draft");
    assert!(err.contains("nothing was logged"), "{err}");
}
