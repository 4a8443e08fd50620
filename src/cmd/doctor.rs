//! `wol doctor`: run the checks in [`crate::doctor`] and print one line per check.

use std::io::Write as _;

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use super::Ctx;
use crate::doctor::{self, Check, Status};
use crate::error::user;
use crate::journal;
use crate::term::sanitize_text;

/// Check the journal, config, templates and partners; say what to fix
///
/// Prints one line per check: ok, warn or FAIL, what was found and what to do. First
/// the config files it read (the user config, wherever WOL_CONFIG puts it, and wol.toml),
/// then the checks: the journal's git state (a branch checked out, no merge or rebase under way), the
/// last commit's files all in .git/objects, the lock, uncommitted entry files, leftover drafts, malformed entries (path:line),
/// wol.toml, the user config, templates (built-in and overrides), and each partner
/// (URL, remote reachable within 5 s, credentials available; never printed).
/// Exits 1 when a check FAILs. Changes nothing.
///
/// Examples:
///   wol doctor
///   wol doctor --json | jq '.checks[] | select(.status != "ok")'
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct DoctorArgs {}

/// What `wol doctor --json` prints.
#[derive(Serialize)]
struct Report<'a> {
    journal: String,
    /// The config files read (user config, wol.toml).
    files: Vec<String>,
    ok: bool,
    checks: &'a [Check],
}

pub fn run(ctx: &Ctx, _args: DoctorArgs) -> Result<()> {
    let (root, found) = journal::locate(ctx.global.journal.as_deref(), &ctx.cwd, &ctx.user)?;
    let checks = doctor::diagnose(&root, found);
    let failed = checks.iter().filter(|c| c.status == Status::Fail).count();
    let mut out = ctx.stdout();
    if ctx.global.json {
        let report = Report {
            journal: root.display().to_string(),
            files: doctor::config_files(&root)
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            ok: failed == 0,
            checks: &checks,
        };
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else if !(ctx.global.quiet && failed == 0) {
        let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
        for check in &checks {
            let style = match check.status {
                Status::Ok | Status::Hint => crate::term::OK,
                Status::Warn => crate::term::WARN,
                Status::Fail => crate::term::FAIL,
            };
            let label = format!("{style}{:<4}{style:#}", check.status.label());
            // Messages and details quote entry files (titles, kinds, file names): escaped.
            let fix = check
                .fix
                .as_deref()
                .map(|f| format!(" — {}", sanitize_text(f)))
                .unwrap_or_default();
            writeln!(
                out,
                "{label}  {:<width$}  {}{fix}",
                check.name,
                sanitize_text(&check.message)
            )?;
            for detail in &check.details {
                writeln!(out, "      {}", sanitize_text(detail))?;
            }
        }
    }
    out.flush()?;
    if failed > 0 {
        return Err(user(format!("doctor: {failed} check(s) failed")));
    }
    Ok(())
}
