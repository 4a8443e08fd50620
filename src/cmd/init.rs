//! `wol init [DIR]`: create a journal, or complete one; idempotent.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::{Ctx, WrittenJson};
use crate::journal::{InitOutcome, Journal};

/// Create a journal: a git repository with wol.toml and .gitignore (idempotent)
///
/// Reuses an existing git repository and never overwrites your files. With --json, prints
/// {"status": "created" or "already_initialized", "path", "commit"} (HEAD's commit).
///
/// Examples:
///   wol init ~/journal
///   wol init            # in the current directory
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct InitArgs {
    /// Where to create the journal [default: --journal/WOL_DIR, else the current directory]
    pub dir: Option<PathBuf>,

    /// The author to record in the new wol.toml [default: the user config's author, then
    /// git's user.name]
    #[arg(long, value_name = "NAME")]
    pub author: Option<String>,
}

pub fn run(ctx: &Ctx, args: InitArgs) -> Result<()> {
    let dir = args
        .dir
        .or_else(|| ctx.global.journal.clone())
        .unwrap_or_else(|| ctx.cwd.clone());
    let dir = ctx.cwd.join(dir);
    let outcome = Journal::init(
        &dir,
        |repo, j| ctx.authors_for_init(repo, j, args.author.as_deref()),
        &ctx.now,
    )?;
    // A config with a mistake in it is better reported now than at the first `wol log`.
    let journal = Journal::open(&dir)?;
    let head = journal.repo()?.head().ok().and_then(|h| h.target());
    ctx.print_written(&WrittenJson::new(
        match outcome {
            InitOutcome::Created => "created",
            InitOutcome::AlreadyInitialized => "already_initialized",
        },
        dir.display().to_string(),
        head,
    ))?;
    match outcome {
        InitOutcome::Created => ctx.notice(&format!("Initialized journal in {}", dir.display())),
        InitOutcome::AlreadyInitialized => {
            ctx.notice(&format!("Journal already initialized in {}", dir.display()))
        }
    }
    Ok(())
}
