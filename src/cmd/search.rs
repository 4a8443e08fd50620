//! `wol search QUERY`: case-insensitive full text over the entry files' bytes (as
//! [`TextQuery`] compares them), from the entry cache, month folders on every core.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use clap::Args;

use super::{Ctx, EntryLine, EntryPrinter, FilterArgs, warn_malformed};
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
    let cache = journal.entry_cache();
    let mut printer = EntryPrinter::new(ctx, &journal, std::iter::empty());
    let matched = match printer.styles() {
        // Text: each line is made where its entry is decoded, on every core, and only
        // the lines are kept (a common word matches tens of thousands of entries).
        Some(styles) => {
            let lines = found(
                grep_months(&cache, &months, &re, &filter, |path, entry| {
                    (entry.meta.date, EntryLine::of(styles, &path, &entry))
                }),
                |(date, _)| *date,
                args.limit,
            );
            printer.fit(lines.iter().map(|(_, line)| line.kind.as_str()));
            for (_, line) in &lines {
                printer.print_line(line)?;
            }
            !lines.is_empty()
        }
        None => {
            let entries = found(
                grep_months(&cache, &months, &re, &filter, |path, entry| (path, entry)),
                |(_, entry)| entry.meta.date,
                args.limit,
            );
            for (path, entry) in &entries {
                printer.print(path, entry)?;
            }
            !entries.is_empty()
        }
    };
    printer.finish()?;
    if !matched {
        return Err(crate::error::Quiet("no entry matches").into());
    }
    Ok(())
}

/// The hits that decoded, newest first by `date` (equally dated ones in walk order),
/// at most `limit` of them; the others are warned about.
fn found<T>(
    hits: Vec<Hit<T>>,
    date: impl Fn(&T) -> chrono::DateTime<chrono::FixedOffset>,
    limit: Option<usize>,
) -> Vec<T> {
    let mut found = Vec::with_capacity(hits.len());
    for hit in hits {
        match hit {
            Ok(item) => found.push(item),
            Err(e) => warn_malformed(&e),
        }
    }
    found.sort_by_key(|item| std::cmp::Reverse(date(item)));
    if let Some(n) = limit {
        found.truncate(n);
    }
    found
}

/// A matching file: what was made of its entry, or why it could not be parsed.
type Hit<T> = Result<T, LoadError>;

/// What `make` makes of the entry files of `months` whose bytes match `re` (or why one
/// did not parse), newest first by file name, the months taken by every core in turn
/// from the entry cache (which reads only the files that changed); only matching entries
/// are decoded, and kept when `filter` accepts them. Unreadable files do not match.
fn grep_months<T: Send>(
    cache: &EntryCache<'_>,
    months: &[(u32, u32, PathBuf)],
    re: &TextQuery,
    filter: &Filter,
    make: impl Fn(PathBuf, Entry) -> T + Sync,
) -> Vec<Hit<T>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
        .min(months.len().max(1));
    let next = AtomicUsize::new(0);
    let mut hits: Vec<(usize, Vec<Hit<T>>)> = std::thread::scope(|scope| {
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
                                Ok(entry) => hits.push(Ok(make(month.path(i), entry))),
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
