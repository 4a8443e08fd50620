//! `wol feed`: the followed logs' entries, merged newest first.

use std::io::{self, Write as _};

use anyhow::Result;
use clap::Args;

use super::Ctx;
use crate::dates;
use crate::error::hinted;
use crate::follow::{self, FeedItem};
use crate::term::{ID, KIND, TAGS, TITLE, sanitize};

/// Show what the logs you follow published, newest first
///
/// Reads each log's wol.json as last fetched by wol pull (no network). One line per
/// entry: its date, the log's name, the title and tags; --json prints objects with
/// partner, title, date, kind, tags, author and path (inside the partner's log). Logs
/// never pulled or whose wol.json cannot be read are named on stderr and skipped; in a
/// shared log, only the member whose wol.json cannot be read is. A wol.json over 64 MiB
/// is refused unread, and of a log only the newest 20000 entries are read.
///
/// --asks lists the help requests of the last weeks (`help` entries and `## Help wanted`
/// sections), the ones whose tags you have learned most about first: asks you could
/// answer. --mentions lists entries that mention one of your handles (`[publish] handles`
/// in wol.toml): credit that came back.
///
/// Examples:
///   wol feed -n 20
///   wol feed --since "last monday" --from gig
///   wol feed --tag onboarding --json
///   wol feed --asks                # who needs help you could give
///   wol feed --mentions            # who credited you
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct FeedArgs {
    /// Show at most N entries
    #[arg(short = 'n', long = "limit", value_name = "N")]
    pub limit: Option<usize>,
    /// Only entries on or after this day ("2026-11-01", "last monday", "3 weeks ago")
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only entries of this log (repeatable)
    #[arg(long = "from", value_name = "NAME")]
    pub from: Vec<String>,
    /// Only entries with this tag (repeatable: any of them)
    #[arg(short, long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Help requests you could answer, ranked by the tags of your own learnings
    #[arg(long, conflicts_with = "mentions")]
    pub asks: bool,
    /// Entries that mention one of your handles ([publish] handles in wol.toml)
    #[arg(long)]
    pub mentions: bool,
    /// With --asks: how many weeks back to look
    #[arg(long, value_name = "N", default_value_t = 4, requires = "asks")]
    pub weeks: u32,
}

pub fn run(ctx: &Ctx, args: FeedArgs) -> Result<()> {
    let journal = ctx.journal()?;
    for name in &args.from {
        if !journal.config.follow.contains_key(name) {
            return Err(hinted(
                format!("you do not follow `{name}`"),
                "list followed logs with: wol follow list",
            ));
        }
    }
    if journal.config.follow.is_empty() && !ctx.global.json {
        ctx.notice("you follow no logs yet; add one with: wol follow NAME URL");
        return Ok(());
    }
    let since = args
        .since
        .as_deref()
        .map(|s| dates::parse_day(s, &ctx.now))
        .transpose()?;
    let tags: Vec<String> = args
        .tags
        .iter()
        .map(|t| t.trim_start_matches('#').to_lowercase())
        .collect();
    let (mut items, problems) = follow::read_all(&journal, &args.from);
    for problem in &problems {
        eprintln!("warning: {problem} (skipped)\nhint: {}", problem.hint());
    }
    items.retain(|item| {
        since.is_none_or(|d| item.day() >= d)
            && (tags.is_empty() || item.tags.iter().any(|t| tags.contains(&t.to_lowercase())))
    });
    if args.asks {
        let since = ctx.now.date_naive() - chrono::Days::new(7 * u64::from(args.weeks));
        let learned = follow::learned_tags(&journal, ctx.now.date_naive() - chrono::Days::new(365));
        let mut asks = follow::asks(&items, since, &learned);
        if let Some(n) = args.limit {
            asks.truncate(n);
        }
        return print_asks(ctx, &asks);
    }
    if args.mentions {
        if journal.config.publish.handles.is_empty() {
            return Err(hinted(
                "wol does not know your handles",
                "add the @names people use for you to wol.toml: [publish] handles = [\"yourname\"]",
            ));
        }
        items = follow::mentions_of(&items, &journal.config.publish.handles)
            .into_iter()
            .cloned()
            .collect();
    }
    if let Some(n) = args.limit {
        items.truncate(n);
    }
    print(ctx, &items)
}

/// Asks, best match first: `score  date  log  ask  (#matching tags)  url`.
fn print_asks(ctx: &Ctx, asks: &[follow::Ask]) -> Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    if ctx.global.json {
        serde_json::to_writer_pretty(&mut out, asks)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    if asks.is_empty() {
        ctx.notice("no open asks in the logs you follow (fetch them with: wol pull)");
        return Ok(());
    }
    for a in asks {
        let mut why = crate::term::hashtags(
            "  (you learned about ",
            a.matching_tags.iter().map(String::as_str),
        );
        if !why.is_empty() {
            why.push(')');
        }
        let url = a
            .item
            .url
            .as_deref()
            .map(|u| format!("  {}", sanitize(u)))
            .unwrap_or_default();
        writeln!(
            out,
            "{}  {}  {}: {}{why}{url}",
            a.item.day(),
            sanitize(&a.item.partner),
            sanitize(&a.item.title),
            sanitize(&crate::site::plain_excerpt(&a.ask, 160)),
        )?;
    }
    out.flush()?;
    Ok(())
}

fn print(ctx: &Ctx, items: &[FeedItem]) -> Result<()> {
    let mut out = io::BufWriter::new(ctx.stdout());
    if ctx.global.json {
        serde_json::to_writer_pretty(&mut out, items)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    if items.is_empty() {
        ctx.notice("no entries from the logs you follow (fetch them with: wol pull)");
        return Ok(());
    }
    let width = items
        .iter()
        .map(|i| sanitize(&i.partner).len())
        .max()
        .unwrap_or(0);
    let color = ctx.color();
    for item in items {
        let tags: Vec<String> = item
            .tags
            .iter()
            .map(|t| format!("#{}", sanitize(t)))
            .collect();
        let tags = if tags.is_empty() {
            String::new()
        } else {
            format!("  {}", tags.join(" "))
        };
        // `follow` dropped control characters from the partner's text, but not bidi
        // overrides, which can make a title read as something else.
        let (partner, title) = (sanitize(&item.partner), sanitize(&item.title));
        let day = item.day();
        if color {
            writeln!(
                out,
                "{ID}{day}{ID:#}  {KIND}{partner:width$}{KIND:#}  {TITLE}{title}{TITLE:#}{TAGS}{tags}{TAGS:#}",
            )?;
        } else {
            writeln!(out, "{day}  {partner:width$}  {title}{tags}")?;
        }
    }
    out.flush()?;
    Ok(())
}
