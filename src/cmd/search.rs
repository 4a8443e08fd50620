//! `wol search QUERY`: case-insensitive full text over entry files, read in parallel.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use regex::bytes::{Regex, RegexBuilder};

use super::{Ctx, FilterArgs, print_entries, warn_malformed};
use crate::entry::{Entry, ParseError, Schema};
use crate::filter::Filter;
use crate::journal::LoadError;

/// Search entries for text (case-insensitive), newest first
///
/// Matches titles, tags, front matter and bodies. Takes the same filters as `wol list`.
/// Exits 1 when nothing matches (quietly; `--json` prints `[]`), as grep and rg do, so
/// scripts can test it: `wol search loomio >/dev/null && echo found`.
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
    for (path, parsed) in grep_files(&files, &re, &journal.config.schema(), &filter) {
        match parsed {
            Ok(entry) => found.push((path, entry)),
            Err(error) => warn_malformed(&LoadError { path, error }),
        }
    }
    found.sort_by_key(|(_, e)| std::cmp::Reverse(e.meta.date));
    if let Some(n) = args.limit {
        found.truncate(n);
    }
    print_entries(ctx, &journal, &found)?;
    if found.is_empty() {
        return Err(crate::error::Quiet("no entry matches").into());
    }
    Ok(())
}

/// A matching file: its entry, or why it could not be parsed.
type Hit = (PathBuf, Result<Entry, ParseError>);

/// The files whose bytes match `re`, read and parsed on every core; parsed entries are
/// kept only when `filter` accepts them. Unreadable files do not match.
fn grep_files(files: &[PathBuf], re: &Regex, schema: &Schema<'_>, filter: &Filter) -> Vec<Hit> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut hits = Vec::new();
                    for path in part {
                        let Ok(bytes) = std::fs::read(path) else {
                            continue;
                        };
                        if !re.is_match(&bytes) {
                            continue;
                        }
                        match Entry::parse(&bytes, schema) {
                            Ok(entry) if !filter.matches(&entry) => {}
                            parsed => hits.push((path.clone(), parsed)),
                        }
                    }
                    hits
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    })
}
