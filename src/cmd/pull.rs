//! `wol pull [NAME…]`: fetch the logs this journal follows.

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use super::Ctx;
use crate::error::{hinted, report, warn};
use crate::follow::{self, Log, MAX_ENTRIES, Pulled};
use crate::term::sanitize_text;

/// Fetch the logs you follow, so that wol feed and wol digest show what partners shared
///
/// Each log's branch is fetched into .wol/following/NAME.git: local state, git-ignored,
/// apart from your journal's repository: nothing of theirs enters it, except what a
/// digest you write with `wol digest --write` quotes (their titles and asks). One log that
/// fails does not stop the others; the exit code is 1 when any failed, with the reason
/// and what to do. A member of a shared log whose wol.json cannot be read is left out
/// with a warning, and the rest of that log is pulled. A wol.json over 64 MiB is refused
/// unread; of a log, the newest 20000 entries are read. Prints one line per log (nothing
/// with -q); safe to run from cron. Your own log in a log you follow (your folder of a
/// community repository you publish to) is left out of wol feed and wol digest, and pull
/// says so. With --json, prints [{"name", "status": "updated", "up_to_date" or "failed",
/// "new", "entries", "dropped", "own", "warnings", "error"}] on stdout.
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
    /// Entries read from the log.
    entries: Option<usize>,
    /// Older entries not read (beyond the newest `MAX_ENTRIES`).
    dropped: usize,
    /// This journal's own log in it (`logs/<member>`, or `wol.json` for the whole log),
    /// left out.
    own: Option<String>,
    /// Members of a shared log left out, and why.
    warnings: Vec<String>,
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
            dropped: 0,
            own: None,
            warnings: Vec::new(),
            error: None,
        };
        match follow::pull(&journal, name, config) {
            Ok(Pulled { new, log }) => {
                result.entries = Some(log.items.len());
                result.dropped = log.dropped;
                match new {
                    None => {
                        result.status = "up_to_date";
                        ctx.notice(&format!("{name}: up to date ({})", counted(&log, "")));
                    }
                    Some(new) => {
                        (result.status, result.new) = ("updated", new);
                        let new = match new {
                            0 => "no new entries".to_string(),
                            1 => "1 new entry".to_string(),
                            n => format!("{n} new entries"),
                        };
                        ctx.notice(&format!("{name}: {new} ({})", counted(&log, " in all")));
                    }
                }
                if let Some(own) = &log.own {
                    let what = if own == follow::INDEX_FILE {
                        "it".to_string()
                    } else {
                        sanitize_text(own).into_owned()
                    };
                    ctx.notice(&format!(
                        "{name}: {what} is this journal's own log (its wol.json has this journal's id): left out of wol feed and wol digest"
                    ));
                    result.own = Some(own.clone());
                }
                // Not a failure: the rest of the log was pulled.
                if log.invalid > 0 {
                    let problem = format!(
                        "{name}: {} entr{} could not be read (a date that is no valid instant, a path outside the log, a field of the wrong type, or a month's file beside wol.json that is missing, too large or not one wol reads) and {} left out",
                        log.invalid,
                        if log.invalid == 1 { "y" } else { "ies" },
                        if log.invalid == 1 { "is" } else { "are" },
                    );
                    warn(
                        problem.clone(),
                        Some(&format!(
                            "the rest of {name} was read; ask its maintainers to publish again with a current wol"
                        )),
                    );
                    result.warnings.push(problem);
                }
                for problem in &log.left_out {
                    warn(sanitize_text(&problem.to_string()), Some(&problem.hint()));
                    result.warnings.push(problem.to_string());
                }
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

/// How many entries were read (`3 entries`, then `in_all`), and how many older ones were
/// not.
fn counted(log: &Log, in_all: &str) -> String {
    let read = log.items.len();
    if log.dropped == 0 {
        return format!("{}{in_all}", plural(read));
    }
    format!(
        "{read} entries read of {}, the newest: wol reads at most {MAX_ENTRIES} of a log",
        read + log.dropped
    )
}

fn plural(n: usize) -> String {
    format!("{n} {}", if n == 1 { "entry" } else { "entries" })
}
