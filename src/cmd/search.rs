//! `wol search QUERY`: case-insensitive full text over the entry files' bytes (as
//! [`TextQuery`] compares them), from the entry cache, month folders on every core.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use clap::Args;

use super::{Ctx, FilterArgs, print_entries, warn_malformed};
use crate::cache::EntryCache;
use crate::entry::Entry;
use crate::filter::Filter;
use crate::journal::LoadError;
use crate::search::TextQuery;

/// Search entries for text (case-insensitive), newest first
///
/// Matches titles, tags, front matter and bodies. Several words are searched as one
/// phrase, and a space matches any run of whitespace, a line break included (a phrase
/// wrapped over two lines is found). Accented letters match however they were written
/// (composed or decomposed, Unicode NFC). Takes the same filters as `wol list`.
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
    let filter = args.filter.to_filter(ctx, &journal.config)?;
    let query = args.query.join(" ");
    let re = TextQuery::new(&query)?;
    let months: Vec<(u32, u32, PathBuf)> = journal.month_dirs(filter.range()).collect();
    let mut found = Vec::new();
    for hit in grep_months(&journal.entry_cache(), &months, &re, &filter) {
        match hit {
            Ok(found_entry) => found.push(found_entry),
            Err(e) => warn_malformed(&e),
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
type Hit = Result<(PathBuf, Entry), LoadError>;

/// The entry files of `months` whose bytes match `re`, newest first by file name, the
/// months taken by every core in turn from the entry cache (which reads only the files
/// that changed); only matching entries are decoded, and kept when `filter` accepts
/// them. Unreadable files do not match.
fn grep_months(
    cache: &EntryCache<'_>,
    months: &[(u32, u32, PathBuf)],
    re: &TextQuery,
    filter: &Filter,
) -> Vec<Hit> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
        .min(months.len().max(1));
    let next = AtomicUsize::new(0);
    let mut hits: Vec<(usize, Vec<Hit>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        let Some((year, month, dir)) = months.get(n) else {
                            break;
                        };
                        let month = cache.month(*year, *month, dir);
                        let mut hits = Vec::new();
                        for i in 0..month.len() {
                            if !month
                                .bytes(i)
                                .is_some_and(|b| re.is_match(b, month.needs_nfc(i)))
                            {
                                continue;
                            }
                            match month.load(i) {
                                Ok(entry) if !filter.matches(&entry) => {}
                                Ok(entry) => hits.push(Ok((month.path(i), entry))),
                                Err(e) => hits.push(Err(e)),
                            }
                        }
                        out.push((n, hits));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    // Back in walk order: warnings come out in it, and equally dated entries keep it.
    hits.sort_unstable_by_key(|(n, _)| *n);
    hits.into_iter().flat_map(|(_, h)| h).collect()
}
