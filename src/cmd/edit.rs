//! `wol edit ID`: change an entry in the editor; commit only when it changed.

use anyhow::{Context as _, Result};
use clap::Args;

use super::{Ctx, WrittenJson};
use crate::editor;
use crate::entry::{Entry, Visibility};
use crate::error::hinted;
use crate::git::Change;
use crate::journal;

/// Change an entry in your editor, then commit it (unchanged: no commit)
///
/// The editor works on a copy under .wol/drafts/; the entry is replaced only when the
/// edited text is a valid entry, so a mistake never damages it.
///
/// A changed date moves the file (and its attachments) to the month folder and name
/// of that date, in the same commit; its old id still finds it.
///
/// When the entry changed while you were editing it (another `wol edit`, a hand edit),
/// nothing is overwritten: your text is kept as a draft, to bring into the entry with
/// `wol edit ID`. When it was removed (`wol rm`), `wol log - < DRAFT` logs your text as
/// an entry again. --resume takes up a draft whose entry is still the text the draft was
/// made from (the editor failed, the text was not a valid entry); it never writes over
/// a change made since.
/// With --json, prints {"status": "updated" or "unchanged", "path", "commit"}.
///
/// Examples:
///   wol edit 2026-11-22-1432-shipped-the-onboarding-guide
///   EDITOR="code --wait" wol edit 2026-11-22
///   wol edit 2026-11-22-1432 --resume     # reopen the draft a refused edit kept
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct EditArgs {
    /// Entry id, unique id prefix, or path
    pub id: String,

    /// Reopen the newest draft a refused or interrupted edit of this entry kept (refused
    /// when the entry changed since the draft was made)
    #[arg(long)]
    pub resume: bool,
}

/// A refused commit keeps the user's text: say where, and how to bring it back.
fn keep_draft(err: anyhow::Error, draft: &std::path::Path, id: &str) -> anyhow::Error {
    match err.downcast_ref::<journal::Conflict>() {
        // Nothing to resume: the entry is gone (its old text is in history).
        Some(conflict) if conflict.removed => hinted(
            format!("{conflict}; your version was not written"),
            format!(
                "your text is kept in {draft}: to keep it as an entry again, log it with: \
                 wol log - < {draft} (its title, date, visibility and tags are kept)",
                draft = draft.display(),
            ),
        ),
        // --resume would refuse too: the draft was made from the text before the change.
        Some(conflict) => hinted(
            format!("{conflict}; your version was not written"),
            format!(
                "your text is kept in {}: look at the entry as it is now (wol show {id}), \
                 then bring what you want of your text into it with: wol edit {id}",
                draft.display(),
            ),
        ),
        None => err,
    }
}

/// The name of the draft of entry `id` that process `pid` edits, made from the text
/// whose blob id is `base`: `edit-<id>-<pid>-<base>.md`. The name carries the base so
/// that no record of it can be lost or left behind apart from the draft.
fn draft_name(id: &str, pid: u32, base: git2::Oid) -> String {
    format!("edit-{id}-{pid}-{base}.md")
}

/// When `name` is the name [`draft_name`] gives a draft of entry `id`: `Some` of its
/// base. A draft named `edit-<id>-<pid>.md` (by a wol that did not record the base) is
/// one too, of base `None`.
fn parse_draft_name(name: &str, id: &str) -> Option<Option<git2::Oid>> {
    let rest = name
        .strip_prefix("edit-")?
        .strip_prefix(id)?
        .strip_prefix('-')?
        .strip_suffix(".md")?;
    let (pid, base) = match rest.split_once('-') {
        Some((pid, base)) if base.len() == 40 && base.bytes().all(|b| b.is_ascii_hexdigit()) => {
            (pid, Some(git2::Oid::from_str(base).ok()?))
        }
        Some(_) => return None,
        None => (rest, None),
    };
    (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())).then_some(base)
}

/// The newest draft kept for entry `id`, and the blob id of the text it was made from
/// when its name says.
fn kept_draft(dir: &std::path::Path, id: &str) -> Result<(std::path::PathBuf, Option<git2::Oid>)> {
    let newest = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let base = parse_draft_name(e.file_name().to_str()?, id)?;
            Some((e, base))
        })
        .max_by_key(|(e, _)| e.metadata().and_then(|m| m.modified()).ok());
    newest.map(|(e, base)| (e.path(), base)).ok_or_else(|| {
        hinted(
            format!("there is no kept draft of {id}"),
            "drafts are kept in .wol/drafts/ when an edit is refused or interrupted; wol doctor lists them",
        )
    })
}

/// --resume refused: the entry at `path` is no longer the text (blob `base`) its kept
/// `draft` was made from, and writing the draft would undo what changed since.
fn changed_since_draft(
    journal: &journal::Journal,
    path: &std::path::Path,
    id: &str,
    draft: &std::path::Path,
    base: Option<git2::Oid>,
) -> anyhow::Error {
    let rel = journal.rel(path);
    let error = match base {
        Some(_) => format!(
            "{rel} changed after your draft of it was made; the draft was not written over it"
        ),
        None => format!(
            "the draft does not say which text of {rel} it was made from; it was not written over it"
        ),
    };
    let mut hint = format!(
        "your text is kept in {}, the entry as it is now in {}: to keep both, bring what you \
         want of your text into the entry with: wol edit {id} (then delete the draft)",
        draft.display(),
        path.display(),
    );
    // The change is in no commit: putting the file back brings the draft's text back.
    if base.is_some() && journal.head_blob(&rel).ok().flatten() == base {
        hint.push_str(&format!(
            "; to drop the changes not committed instead: git -C {} checkout -- {rel}, then \
             wol edit {id} --resume",
            journal.root.display()
        ));
    }
    hinted(error, hint)
}

pub fn run(ctx: &Ctx, args: EditArgs) -> Result<()> {
    let journal = ctx.journal()?;
    let path = journal.find(&args.id)?;
    let before = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let id = crate::entry::file_id(&path);
    let opened = crate::git::blob_id(&before);
    let draft = if args.resume {
        let (draft, base) = kept_draft(&journal.drafts_dir()?, &id)?;
        // An edit stopped between its commit and removing its draft (killed) leaves a
        // draft that is the entry's text: there is nothing to resume.
        if std::fs::read(&draft).is_ok_and(|text| text == before) {
            let _ = std::fs::remove_file(&draft);
            ctx.notice(&format!(
                "wol: the kept draft of {id} is its text already (the edit that made it was \
                 committed, then stopped before it removed the draft); the draft is removed"
            ));
            return ctx.print_written(&WrittenJson::new("unchanged", journal.rel(&path), None));
        }
        if base != Some(opened) {
            return Err(changed_since_draft(&journal, &path, &id, &draft, base));
        }
        draft
    } else {
        let draft = journal
            .drafts_dir()?
            .join(draft_name(&id, std::process::id(), opened));
        journal::write_atomic(&draft, &before)?;
        draft
    };
    editor::edit(&draft)?;
    let after = match std::fs::read(&draft) {
        Ok(after) => after,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(hinted(
                format!(
                    "the editor removed the draft {}: {id} was not changed",
                    draft.display()
                ),
                format!("run wol edit {id} again, and save where the editor opened the entry"),
            ));
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", draft.display())),
    };
    // Saved empty: an edit given up, as git gives up a commit whose message is empty.
    if after.iter().all(u8::is_ascii_whitespace) {
        let _ = std::fs::remove_file(&draft);
        return Err(hinted(
            format!("the entry was saved empty: {id} was not changed"),
            format!(
                "to remove the entry: wol rm {id}; to change it: wol edit {id}, and save its text"
            ),
        ));
    }
    // Saved unchanged, an entry whose date does not match its file name is still moved.
    let placed = || {
        journal
            .load(&path)
            .map_or(true, |e| journal.placed_for(&path, &e.meta.date))
    };
    if after == before && placed() {
        let _ = std::fs::remove_file(&draft);
        ctx.print_written(&WrittenJson::new("unchanged", journal.rel(&path), None))?;
        ctx.notice("no changes");
        return Ok(());
    }
    let entry = Entry::parse(&after, &journal.config.schema()).map_err(|e| {
        hinted(
            format!("the edited entry is not valid: line {}: {}", e.line, e.message),
            format!(
                "nothing was changed; your text is kept in {} — fix it and copy it over, or run wol edit again",
                draft.display()
            ),
        )
    })?;
    let writer = journal.begin_write(ctx.signature(&journal)?, path.parent())?;
    let rel = journal.rel(&path);
    let was = Entry::parse(&before, &journal.config.schema()).map(|e| e.meta.visibility);
    let unveiled = was == Ok(Visibility::Private) && entry.meta.visibility != Visibility::Private;
    // A private entry's file name still carries the title it had when it was logged
    // (words meant for no one else, a token pasted into the first line). Made
    // shareable, it takes the name its title now gives; the old name never left this
    // machine, so no follower needs it kept as the `id`.
    let renamed = unveiled && !journal.named_for(&path, &entry.meta.date, &entry.meta.title);
    // A new date the file's folder and name do not match moves it where `wol log` would
    // put an entry of that date: reading commands find entries by month and name.
    let (changes, written) = if journal.placed_for(&path, &entry.meta.date) && !renamed {
        let change = Change::Write {
            path: rel.clone(),
            content: after,
        };
        (vec![change], rel.clone())
    } else {
        let to = journal.rel(&journal.moved_entry_path(&path, &entry.meta.date, &entry.meta.title));
        let text = String::from_utf8_lossy(&after);
        let changes = journal.move_entry(&rel, &to, &text, &entry, !unveiled).map_err(|e| {
            let hint = crate::error::hint_of(&e).unwrap_or_default();
            hinted(
                format!("{e}"),
                format!(
                    "{hint}; your text is kept in {}, and wol edit {id} --resume takes it up again",
                    draft.display()
                ),
            )
        })?;
        (changes, to)
    };
    let message = format!("edit({}): {}", entry.meta.kind, entry.meta.title);
    let commit = writer
        .commit_if_unchanged(&rel, Some(opened), &changes, &message)
        .map_err(|e| keep_draft(e, &draft, &id))?;
    let _ = std::fs::remove_file(&draft);
    if unveiled {
        crate::error::warn(
            format!(
                "{written} was private and is now {}: the next wol publish shares it",
                entry.meta.visibility.as_str()
            ),
            Some("see what would go with: wol publish --dry-run"),
        );
    }
    ctx.print_written(&WrittenJson::new("updated", written.clone(), Some(commit)))?;
    if written == rel {
        ctx.notice(&format!("updated {rel}"));
    } else {
        // The emptied attachment folder goes too (a file git ignores keeps it).
        let _ = std::fs::remove_dir(journal.root.join(crate::attach::dir_of(&rel)));
        let why = if renamed && journal.placed_for(&path, &entry.meta.date) {
            "the name its title gives, now that it is shared"
        } else {
            "its new date"
        };
        ctx.notice(&format!("updated {rel}, moved to {written} ({why})"));
    }
    Ok(())
}
