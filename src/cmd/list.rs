//! `wol list`: entries newest first, reading only as many month folders as it needs, and
//! printing every entry of a large journal without holding them all.

use anyhow::Result;
use clap::Args;

use super::{Ctx, EntryPrinter, FilterArgs, print_entries, warn_malformed};

/// List entries, newest first
///
/// Examples:
///   wol list -n 10
///   wol list --since "last monday" --kind learning
///   wol list --tag onboarding --json
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ListArgs {
    /// Show at most N entries
    #[arg(short = 'n', long = "limit", value_name = "N")]
    pub limit: Option<usize>,

    #[command(flatten)]
    pub filter: FilterArgs,
}

pub fn run(ctx: &Ctx, args: ListArgs) -> Result<()> {
    let journal = ctx.journal()?;
    let filter = args.filter.to_filter(ctx, &journal.config)?;
    if args.limit.is_some() {
        // A few entries: `select` stops early and decodes only those it keeps.
        let (found, bad) = journal.select(&filter, args.limit);
        bad.iter().for_each(warn_malformed);
        return print_entries(ctx, &journal, &found);
    }
    // Every entry: printed as they are decoded, a window at a time, never all held.
    let selection = journal.select_all(&filter, |e| warn_malformed(&e));
    let mut printer = EntryPrinter::new(ctx, &journal, selection.kinds());
    selection.for_each(
        |e| warn_malformed(&e),
        |path, entry| printer.print(&path, &entry),
    )?;
    printer.finish()
}
