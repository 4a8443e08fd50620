//! `wol pull [NAME…]`: fetch the logs this journal follows.

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use super::Ctx;
use crate::error::{hinted, report};
use crate::follow::{self, Pulled};

/// Fetch the logs you follow, so that wol feed and wol digest show what partners shared
///
/// Each log's branch is fetched into .wol/following/NAME.git: local state, git-ignored,
/// apart from your journal's repository: nothing of theirs enters it, except what a
/// digest you write with `wol digest --write` quotes (their titles and asks). One log that
/// fails does not stop the others; the exit code is 1 when any failed, with the reason
/// and what to do. Prints one line per log (nothing with -q); safe to run from cron.
/// With --json, prints [{"name", "status": "updated", "up_to_date" or "failed", "new",
/// "entries", "error"}] on stdout.
///
/// Examples:
///   wol pull
///   wol pull gig ouishare
///   wol --journal ~/journal pull -q   # from cron, before wol digest --write
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct PullArgs {
    /// Only these logs [default: every log you follow]
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
}

/// One log's outcome, as `--json` prints it.
#[derive(Serialize)]
struct PulledJson<'a> {
    name: &'a str,
    status: &'static str,
    /// Entries new since the last pull.
    new: usize,
    /// Entries in the log's wol.json.
    entries: Option<usize>,
    error: Option<String>,
}

pub fn run(ctx: &Ctx, args: PullArgs) -> Result<()> {
    let journal = ctx.journal()?;
    let followed = &journal.config.follow;
    for name in &args.names {
        if !followed.contains_key(name) {
            return Err(hinted(
                format!("you do not follow `{name}`"),
                "list followed logs with: wol follow list; add one with: wol follow NAME URL",
            ));
        }
    }
    if followed.is_empty() {
        ctx.print_json(&Vec::<PulledJson>::new())?;
        ctx.notice("you follow no logs yet; add one with: wol follow NAME URL");
        return Ok(());
    }
    let mut failed = Vec::new();
    let mut results = Vec::new();
    for (name, config) in followed {
        if !args.names.is_empty() && !args.names.contains(name) {
            continue;
        }
        let mut result = PulledJson {
            name,
            status: "failed",
            new: 0,
            entries: None,
            error: None,
        };
        match follow::pull(&journal, name, config) {
            Ok(Pulled::UpToDate { entries }) => {
                (result.status, result.entries) = ("up_to_date", Some(entries));
                ctx.notice(&format!("{name}: up to date ({})", plural(entries)));
            }
            Ok(Pulled::Updated { new, entries }) => {
                (result.status, result.new, result.entries) = ("updated", new, Some(entries));
                let new = match new {
                    0 => "no new entries".to_string(),
                    1 => "1 new entry".to_string(),
                    n => format!("{n} new entries"),
                };
                ctx.notice(&format!("{name}: {new} ({} in all)", plural(entries)));
            }
            Err(e) => {
                let e = e.context(format!("cannot pull {name}"));
                result.error = Some(format!("{e:#}"));
                report(&e);
                failed.push(name.as_str());
            }
        }
        results.push(result);
    }
    ctx.print_json(&results)?;
    if failed.is_empty() {
        return Ok(());
    }
    Err(hinted(
        format!("could not pull {}", failed.join(", ")),
        format!(
            "see the reasons above; the other logs were pulled. Once fixed: wol pull {}",
            failed.join(" ")
        ),
    ))
}

fn plural(n: usize) -> String {
    format!("{n} {}", if n == 1 { "entry" } else { "entries" })
}
