//! `wol edit ID`: change an entry in the editor; commit only when it changed.

use anyhow::{Context as _, Result};
use clap::Args;

use super::{Ctx, WrittenJson};
use crate::editor;
use crate::entry::Entry;
use crate::error::hinted;
use crate::git::Change;
use crate::journal;

/// Change an entry in your editor, then commit it (unchanged: no commit)
///
/// The editor works on a copy under .wol/drafts/; the entry is replaced only when the
/// edited text is a valid entry, so a mistake never damages it.
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
    if after == before {
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
    let change = Change::Write {
        path: rel.clone(),
        content: after,
    };
    let message = format!("edit({}): {}", entry.meta.kind, entry.meta.title);
    let opened = git2::Oid::hash_object(git2::ObjectType::Blob, &before)?;
    let commit = writer
        .commit_if_unchanged(&rel, Some(opened), &[change], &message)
        .map_err(|e| keep_draft(e, &draft))?;
    let _ = std::fs::remove_file(&draft);
    ctx.print_written(&WrittenJson::new("updated", rel, Some(commit)))?;
    ctx.notice(&format!("updated {}", journal.rel(&path)));
    Ok(())
}
