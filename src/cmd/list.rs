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
    let (found, bad) = journal.select(&filter, args.limit);
    bad.iter().for_each(warn_malformed);
    print_entries(ctx, &journal, &found)
}
