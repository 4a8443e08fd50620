//! `wol list`: entries newest first, reading only as many month folders as it needs.

use anyhow::Result;
use clap::Args;

use super::{Ctx, FilterArgs, print_entries, warn_malformed};

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
    let filter = args.filter.to_filter(ctx)?;
    let mut found = Vec::new();
    let mut last_dir = None;
    for path in journal.entry_files(filter.range()) {
        // Files sort by creation minute within a month; finish the month before stopping
        // so that entries dated out of file-name order still come out in date order.
        if args.limit.is_some_and(|n| found.len() >= n) && path.parent() != last_dir.as_deref() {
            break;
        }
        last_dir = path.parent().map(|p| p.to_path_buf());
        match journal.load(&path) {
            Ok(entry) if filter.matches(&entry) => found.push((path, entry)),
            Ok(_) => {}
            Err(e) => warn_malformed(&e),
        }
    }
    found.sort_by_key(|(_, e)| std::cmp::Reverse(e.meta.date));
    if let Some(n) = args.limit {
        found.truncate(n);
    }
    print_entries(ctx, &journal, &found)
}
