//! `wol init [DIR]`: create a journal, or complete one; idempotent.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use super::{Ctx, WrittenJson};
use crate::entry::Visibility;
use crate::error::warn;
use crate::journal::{InitOutcome, Journal, WithoutVisibility};

/// Create a journal: a git repository with wol.toml and .gitignore (idempotent)
///
/// Reuses an existing git repository (a linked worktree too) and never overwrites your
/// files; what you staged for yourself stays staged, out of init's commit. Entries already
/// in the folder are committed; if some have no `visibility`, init says so, and a new
/// wol.toml gets default_visibility = "private" so they are never published unasked
/// (an empty folder gets "public"). With --json, prints
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
    let (outcome, without_visibility) = Journal::init(
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
    if let Some(w) = without_visibility {
        report_without_visibility(ctx, &w);
    }
    Ok(())
}

/// Say what happens to adopted entries without `visibility`: a warning when they will be
/// published, a notice when init made the new journal private for them.
pub fn report_without_visibility(ctx: &Ctx, w: &WithoutVisibility) {
    let n = w.count;
    let entries = if n == 1 { "entry" } else { "entries" };
    let (have, they, take) = if n == 1 {
        ("has", "it", "takes")
    } else {
        ("have", "they", "take")
    };
    let dry_run = "`wol publish --dry-run` lists what a publish would send";
    if w.made_private {
        ctx.notice(&format!(
            "{n} {entries} already here {have} no `visibility`, so the new wol.toml sets \
             default_visibility = \"private\": {they}, and new entries, are never published \
             until you choose.\n\
             hint: to share some, set visibility = \"public\" (or \"partners\") in them; to \
             publish new entries by default, set default_visibility = \"public\" in wol.toml; \
             {dry_run}"
        ));
        return;
    }
    let whom = match w.visibility {
        Visibility::Partners => "to the partners in their `to` (or all)",
        _ => "to every partner",
    };
    warn(
        format!(
            "{n} adopted {entries} {have} no `visibility`: {they} {take} default_visibility = \
             \"{}\" from wol.toml, so the next `wol publish` sends {} {whom}",
            w.visibility.as_str(),
            if n == 1 { "it" } else { "them" }
        ),
        Some(&format!(
            "to keep {0} private, set visibility = \"private\" in {0}, or \
             default_visibility = \"private\" in wol.toml; {dry_run}",
            if n == 1 { "it" } else { "them" }
        )),
    );
}
