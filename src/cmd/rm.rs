//! `wol rm ID`: remove an entry (committed; git history keeps the old text).

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::Result;
use clap::Args;

use super::{Ctx, WrittenJson};
use crate::error::{hinted, user};
use crate::git::Change;

/// Remove an entry, with a commit; `git log -p` still has its text
///
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
    let message = match &entry {
        Some(e) => format!("rm({}): {}", e.meta.kind, e.meta.title),
        None => format!("rm: {rel}"),
    };
    let commit = writer.commit(&[Change::Remove { path: rel.clone() }], &message)?;
    ctx.print_written(&WrittenJson::new("removed", rel.clone(), Some(commit)))?;
    ctx.notice(&format!("removed {rel}"));
    Ok(())
}
