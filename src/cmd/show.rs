//! `wol show ID|PATH`: print one entry as stored.

use std::io::Write as _;

use anyhow::{Context as _, Result};
use clap::Args;

use super::{Ctx, EntryJson};
use crate::term;

/// Print one entry: the file as stored, or the entry object with --json
///
/// ID is the entry's id (its file name without .md), a unique prefix of it, or a path.
///
/// Examples:
///   wol show 2026-11-22-1432-shipped-the-onboarding-guide
///   wol show 2026-11-22-14      # a unique prefix is enough
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ShowArgs {
    /// Entry id, unique id prefix, or path
    pub id: String,
}

pub fn run(ctx: &Ctx, args: ShowArgs) -> Result<()> {
    let journal = ctx.journal()?;
    let path = journal.find(&args.id)?;
    let mut out = std::io::stdout().lock();
    if ctx.global.json {
        let entry = journal.load(&path)?;
        serde_json::to_writer_pretty(&mut out, &EntryJson::new(&journal, &path, &entry))?;
        writeln!(out)?;
    } else {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        // The file as stored, except that control characters other than line ends and
        // tabs, and bidi overrides, are escaped: an entry must not drive the terminal.
        // Bytes that are not UTF-8 show as U+FFFD.
        let text = String::from_utf8_lossy(&bytes);
        out.write_all(term::sanitize_text(&text).as_bytes())?;
    }
    out.flush()?;
    Ok(())
}
