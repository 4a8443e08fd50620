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
/// When the entry changed while you were editing it (another `wol edit`), nothing is
/// overwritten: your text is kept as a draft, and --resume takes it up again. When it
/// was removed (`wol rm`), `wol log - < DRAFT` logs your text as an entry again.
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

    /// Reopen the newest draft a refused or interrupted edit of this entry kept
    #[arg(long)]
    pub resume: bool,
}

/// A refused commit keeps the user's text: say where, and how to bring it back.
fn keep_draft(err: anyhow::Error, draft: &std::path::Path) -> anyhow::Error {
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
        Some(conflict) => hinted(
            format!("{conflict}; your version was not written"),
            format!(
                "your text is kept in {}: look at the entry as it is now (wol show ID), then \
                 take your edit up again with: wol edit ID --resume",
                draft.display(),
            ),
        ),
        None => err,
    }
}

/// The newest draft kept for entry `id` (`edit-<id>-<pid>.md`).
fn kept_draft(dir: &std::path::Path, id: &str) -> Result<std::path::PathBuf> {
    let prefix = format!("edit-{id}-");
    let newest = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name().to_str().is_some_and(|n| {
                n.strip_prefix(&prefix)
                    .and_then(|rest| rest.strip_suffix(".md"))
                    .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
            })
        })
        .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok());
    newest.map(|e| e.path()).ok_or_else(|| {
        hinted(
            format!("there is no kept draft of {id}"),
            "drafts are kept in .wol/drafts/ when an edit is refused or interrupted; wol doctor lists them",
        )
    })
}

pub fn run(ctx: &Ctx, args: EditArgs) -> Result<()> {
    let journal = ctx.journal()?;
    let path = journal.find(&args.id)?;
    let before = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let id = crate::entry::file_id(&path);
    let draft = if args.resume {
        kept_draft(&journal.drafts_dir()?, &id)?
    } else {
        let draft = journal
            .drafts_dir()?
            .join(format!("edit-{id}-{}.md", std::process::id()));
        journal::write_atomic(&draft, &before)?;
        draft
    };
    editor::edit(&draft)?;
    let after =
        std::fs::read(&draft).with_context(|| format!("cannot read {}", draft.display()))?;
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
    // A new date the file's folder and name do not match moves it where `wol log` would
    // put an entry of that date: reading commands find entries by month and name.
    let (changes, written) = if journal.placed_for(&path, &entry.meta.date) {
        let change = Change::Write {
            path: rel.clone(),
            content: after,
        };
        (vec![change], rel.clone())
    } else {
        let to = journal.rel(&journal.new_entry_path(
            &entry.meta.date,
            &entry.meta.title,
            &Default::default(),
        ));
        let text = String::from_utf8_lossy(&after);
        let changes = journal.move_entry(&rel, &to, &text, &entry).map_err(|e| {
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
    let opened = git2::Oid::hash_object(git2::ObjectType::Blob, &before)?;
    let commit = writer
        .commit_if_unchanged(&rel, Some(opened), &changes, &message)
        .map_err(|e| keep_draft(e, &draft))?;
    let _ = std::fs::remove_file(&draft);
    let was = Entry::parse(&before, &journal.config.schema()).map(|e| e.meta.visibility);
    if was == Ok(Visibility::Private) && entry.meta.visibility != Visibility::Private {
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
        ctx.notice(&format!("updated {rel}, moved to {written} (its new date)"));
    }
    Ok(())
}
