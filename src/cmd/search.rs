//! `wol search QUERY`: case-insensitive full text over entry files, read in parallel.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use regex::bytes::{Regex, RegexBuilder};

use super::{Ctx, FilterArgs, print_entries, warn_malformed};

/// Search entries for text (case-insensitive), newest first
///
/// Matches titles, tags, front matter and bodies. Takes the same filters as `wol list`.
///
/// Examples:
///   wol search loomio
///   wol search "checklist" --since 2026-01-01 --kind learning
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct SearchArgs {
    /// The text to look for (several words are searched as one phrase)
    #[arg(required = true)]
    pub query: Vec<String>,

    /// Show at most N entries
    #[arg(short = 'n', long = "limit", value_name = "N")]
    pub limit: Option<usize>,

    #[command(flatten)]
    pub filter: FilterArgs,
}

pub fn run(ctx: &Ctx, args: SearchArgs) -> Result<()> {
    let journal = ctx.journal()?;
    let filter = args.filter.to_filter(ctx)?;
    let query = args.query.join(" ");
    let re = RegexBuilder::new(&regex::escape(&query))
        .case_insensitive(true)
        .build()?;
    let files: Vec<PathBuf> = journal.entry_files(filter.range()).collect();
    let mut found = Vec::new();
    for path in grep_files(&files, &re) {
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

/// The files whose bytes match `re`, read on every core. Unreadable files do not match.
fn grep_files(files: &[PathBuf], re: &Regex) -> Vec<PathBuf> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .filter(|p| std::fs::read(p).is_ok_and(|bytes| re.is_match(&bytes)))
                        .cloned()
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    })
}
