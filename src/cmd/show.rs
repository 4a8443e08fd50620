//! `wol show ID|PATH`: print one entry as stored.

use std::io::{IsTerminal as _, Write as _};

use anyhow::{Context as _, Result};
use clap::Args;

use super::{Ctx, EntryJson};
use crate::term;

/// Print one entry: the file as stored, or the entry object with --json
///
/// ID is the entry's id (its file name without .md), a unique prefix of it, or a path.
/// Attachments (files beside the entry, entries/YYYY/MM/<id>/) are listed after the
/// entry on a terminal, on stderr otherwise (so `wol show ID > file.md` is the file),
/// and in "attachments" with --json.
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
        serde_json::to_writer_pretty(
            &mut out,
            &EntryJson::new(&journal, &path, &entry).with_attachments(&journal, &path),
        )?;
        writeln!(out)?;
    } else {
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        // The file as stored, except that control characters other than line ends and
        // tabs, and bidi overrides, are escaped: an entry must not drive the terminal.
        // Bytes that are not UTF-8 show as U+FFFD.
        let text = String::from_utf8_lossy(&bytes);
        out.write_all(term::sanitize_text(&text).as_bytes())?;
        let attachments = crate::attach::on_disk(&path);
        if !attachments.is_empty() {
            let dir = crate::attach::dir_of(&journal.rel(&path));
            let mut list = format!("\nAttachments ({dir}/):\n");
            for (name, size) in &attachments {
                list.push_str(&format!(
                    "  {}  {}\n",
                    term::sanitize(name),
                    crate::attach::human_size(*size)
                ));
            }
            if std::io::stdout().is_terminal() {
                out.write_all(list.as_bytes())?;
            } else {
                out.flush()?;
                eprint!("{list}");
            }
        }
    }
    out.flush()?;
    Ok(())
}
