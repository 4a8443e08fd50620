//! `wol rm ID`: remove an entry (committed; git history keeps the old text).

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::Result;
use clap::Args;

use super::{Ctx, WrittenJson};
use crate::error::{hinted, user};
use crate::git::Change;

/// Remove an entry, with a commit; `git log -p` still has its text
///
/// The entry's attachments (entries/YYYY/MM/<id>/) are removed in the same commit.
/// An entry or attachment with changes no commit holds (edited, or new) is not removed:
/// commit or undo those changes first, so that history keeps everything removed.
/// Asks for confirmation on a terminal; without one, --yes is required. With --json,
/// prints {"status": "removed", "path", "commit"}.
///
/// Examples:
///   wol rm 2026-11-22-1432-shipped-the-onboarding-guide
///   wol rm 2026-11-22-1432 --yes
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct RmArgs {
    /// Entry id, unique id prefix, or path
    pub id: String,

    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
}

pub fn run(ctx: &Ctx, args: RmArgs) -> Result<()> {
    let journal = ctx.journal()?;
    let path = journal.find(&args.id)?;
    let entry = journal.load(&path).ok();
    let rel = journal.rel(&path);
    if !args.yes {
        // Before the question: a `y` must not be asked for what will be refused.
        refuse_unsaved(&journal, &rel)?;
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return Err(hinted(
                format!("not removing {rel} without confirmation"),
                "pass --yes to remove it without a terminal",
            ));
        }
        eprint!("Remove {rel}? [y/N] ");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        stdin.lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(user("not removed"));
        }
    }
    let writer = journal.begin_write(ctx.signature(&journal)?, path.parent())?;
    // Again under the lock: a change made since the question would be lost too.
    refuse_unsaved(&journal, &rel)?;
    let message = match &entry {
        Some(e) => format!("rm({}): {}", e.meta.kind, e.meta.title),
        None => format!("rm: {rel}"),
    };
    // Its attachments go with it (history keeps them); a file git ignores is left alone.
    let dir = crate::attach::dir_of(&rel);
    let mut changes = vec![Change::Remove { path: rel.clone() }];
    let attached = crate::git::tree_file_names(journal.repo()?, &dir)?;
    changes.extend(attached.iter().map(|name| Change::Remove {
        path: format!("{dir}/{name}"),
    }));
    let commit = writer.commit(&changes, &message)?;
    let dir_abs = journal.root.join(&dir);
    if dir_abs.is_dir() && std::fs::remove_dir(&dir_abs).is_err() {
        ctx.notice(&format!(
            "{dir}/ still holds files git ignores; they were left there"
        ));
    }
    ctx.print_written(&WrittenJson::new("removed", rel.clone(), Some(commit)))?;
    ctx.notice(&format!(
        "removed {rel}{}",
        match attached.len() {
            0 => String::new(),
            1 => " and its attachment".to_string(),
            n => format!(" and its {n} attachments"),
        }
    ));
    Ok(())
}

/// Refuse to remove the entry at `rel` while it or its attachments have changes no commit
/// holds.
fn refuse_unsaved(journal: &crate::journal::Journal, rel: &str) -> Result<()> {
    // `git log -p` keeps only what was committed: a change no commit holds would be lost.
    let unsaved = journal.uncommitted_files(rel)?;
    if !unsaved.is_empty() {
        let root = journal.root.display();
        return Err(hinted(
            format!(
                "not removing {rel}: these files have changes no commit holds, so removing \
                 them would lose those changes: {}",
                unsaved.join(", ")
            ),
            format!(
                "see the changes with git -C {root} status -- {paths} and git -C {root} diff -- {paths}; \
                 to keep them, commit them first (git -C {root} add -- {paths} && git -C {root} commit -m \"keep\"), \
                 or undo them; then run wol rm again",
                paths = unsaved.join(" "),
            ),
        ));
    }
    Ok(())
}
