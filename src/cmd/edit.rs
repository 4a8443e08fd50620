//! `wol edit ID`: change an entry in the editor; commit only when it changed.

use anyhow::{Context as _, Result};
use clap::Args;

use super::Ctx;
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
/// Examples:
///   wol edit 2026-11-22-1432-shipped-the-onboarding-guide
///   EDITOR="code --wait" wol edit 2026-11-22
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct EditArgs {
    /// Entry id, unique id prefix, or path
    pub id: String,
}

/// A refused commit keeps the user's text: say where, and how to bring it back.
fn keep_draft(err: anyhow::Error, draft: &std::path::Path) -> anyhow::Error {
    match err.downcast_ref::<journal::Conflict>() {
        Some(conflict) => hinted(
            format!("{conflict}; your version was not written"),
            format!(
                "your text is kept in {}: look at the entry as it is now (wol show), then \
                 resume your edit on top of it with: wol edit --resume {}",
                draft.display(),
                draft.display()
            ),
        ),
        None => err,
    }
}

pub fn run(ctx: &Ctx, args: EditArgs) -> Result<()> {
    let journal = ctx.journal()?;
    let path = journal.find(&args.id)?;
    let before = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let draft = journal.drafts_dir()?.join(format!(
        "edit-{}-{}.md",
        super::stem(&path),
        std::process::id()
    ));
    journal::write_atomic(&draft, &before)?;
    editor::edit(&draft)?;
    let after =
        std::fs::read(&draft).with_context(|| format!("cannot read {}", draft.display()))?;
    if after == before {
        let _ = std::fs::remove_file(&draft);
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
    writer
        .commit_if_unchanged(&rel, Some(opened), &[change], &message)
        .map_err(|e| keep_draft(e, &draft))?;
    let _ = std::fs::remove_file(&draft);
    ctx.notice(&format!("updated {}", journal.rel(&path)));
    Ok(())
}
