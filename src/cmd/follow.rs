//! `wol follow NAME URL` (= `wol follow add`), `wol follow list`, `wol follow rm`: the
//! published logs this journal reads.

use std::io::Write as _;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::partner::edit_config;
use super::{Ctx, WrittenJson};
use crate::config::FollowConfig;
use crate::follow::{self, ReadError};
use crate::remote;
use crate::remote::validate_branch;

/// Follow other people's published logs: the remotes `wol pull` fetches
///
/// A followed log is a git remote that `wol publish` pushes to (a path, file://, git://,
/// ssh://, user@host:path or https:// URL) and its branch, stored in wol.toml under
/// [follow.NAME]. `wol follow NAME URL` is short for `wol follow add NAME URL`. Nothing is
/// fetched until `wol pull`; `wol feed` then shows the entries, and `wol digest` lists
/// them under "From partners" and "Related work". Credentials are never stored.
///
/// Examples:
///   wol follow gig https://codeberg.org/gig/knowledge-log.git
///   wol follow add ouishare git@github.com:ouishare/log.git --branch gh-pages
///   wol follow list --json
///   wol follow rm ouishare
#[derive(Debug, Args)]
#[command(verbatim_doc_comment, subcommand_negates_reqs = true)]
pub struct FollowArgs {
    #[command(subcommand)]
    pub action: Option<FollowAction>,
    /// A short name for the log: lower-case letters, digits, `-`, `_`
    #[arg(required = true)]
    pub name: Option<String>,
    /// The log's remote: a path, file://, git://, ssh://, user@host:path or https:// URL
    #[arg(required = true)]
    pub url: Option<String>,
    /// The branch the log is published on [default: main]
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum FollowAction {
    /// Follow a published log (committed to wol.toml; fetch it with wol pull)
    #[command(
        after_help = "Examples:\n  wol follow add gig https://codeberg.org/gig/knowledge-log.git\n  \
        wol follow add ouishare git@github.com:ouishare/log.git --branch gh-pages\n  \
        wol follow add board /srv/git/board.git"
    )]
    Add(AddArgs),
    /// List the logs you follow, and whether each has been pulled
    #[command(after_help = "Examples:\n  wol follow list\n  wol follow list --json")]
    List,
    /// Stop following a log (committed; its fetched copy in .wol/following/ is removed)
    #[command(after_help = "Examples:\n  wol follow rm ouishare")]
    Rm {
        /// The log's name
        name: String,
    },
}

/// `wol follow add NAME URL`
#[derive(Debug, Args)]
pub struct AddArgs {
    /// A short name for the log: lower-case letters, digits, `-`, `_`
    pub name: String,
    /// The log's remote: a path, file://, git://, ssh://, user@host:path or https:// URL
    pub url: String,
    /// The branch the log is published on
    #[arg(long, default_value = "main", value_name = "BRANCH")]
    pub branch: String,
}

pub fn run(ctx: &Ctx, args: FollowArgs) -> Result<()> {
    if args.action.is_some() && args.branch.is_some() {
        return Err(crate::error::usage(
            "--branch goes after the subcommand",
            "run: wol follow add NAME URL --branch BRANCH",
        ));
    }
    match args.action {
        Some(FollowAction::Add(add)) => run_add(ctx, add),
        Some(FollowAction::List) => run_list(ctx),
        Some(FollowAction::Rm { name }) => run_rm(ctx, &name),
        None => match (args.name, args.url) {
            (Some(name), Some(url)) => run_add(
                ctx,
                AddArgs {
                    name,
                    url,
                    branch: args.branch.unwrap_or_else(|| "main".into()),
                },
            ),
            // clap requires both when there is no subcommand.
            _ => unreachable!("clap checks NAME and URL"),
        },
    }
}

fn run_add(ctx: &Ctx, args: AddArgs) -> Result<()> {
    // The same rules as partners: the name becomes a path under .wol/following/.
    remote::validate_name(&args.name)?;
    remote::validate_url(&args.url)?;
    validate_branch(&args.branch)?;
    let journal = ctx.journal()?;
    let config = FollowConfig {
        url: args.url,
        branch: args.branch,
    };
    let name = args.name;
    let commit = edit_config(ctx, &journal, &format!("follow: add {name}"), |text| {
        follow::add_to_toml(text, &name, &config)
    })?;
    ctx.print_written(&WrittenJson::new("added", "wol.toml", Some(commit)).named(&name))?;
    ctx.notice(&format!(
        "following {name}: {} ({}); fetch it with: wol pull {name}",
        remote::redact_url(&config.url),
        config.branch
    ));
    Ok(())
}

fn run_rm(ctx: &Ctx, name: &str) -> Result<()> {
    let journal = ctx.journal()?;
    let commit = edit_config(ctx, &journal, &format!("follow: rm {name}"), |text| {
        follow::remove_from_toml(text, name)
    })?;
    // The fetched copy is disposable local state; a later `follow add` fetches it again.
    let mirror = follow::mirror_path(&journal, name);
    // Only a valid name is a path inside .wol/following/.
    if remote::validate_name(name).is_ok() && mirror.exists() {
        std::fs::remove_dir_all(&mirror).ok();
    }
    ctx.print_written(&WrittenJson::new("removed", "wol.toml", Some(commit)).named(name))?;
    ctx.notice(&format!("stopped following {name}"));
    Ok(())
}

#[derive(Serialize)]
struct FollowJson<'a> {
    name: &'a str,
    url: String,
    branch: &'a str,
    /// Whether a fetched copy exists.
    pulled: bool,
    /// Entries in the fetched copy (absent when never pulled or unreadable).
    entries: Option<usize>,
    /// Why the fetched copy cannot be read, if it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
}

fn run_list(ctx: &Ctx) -> Result<()> {
    let journal = ctx.journal()?;
    let items: Vec<FollowJson> = journal
        .config
        .follow
        .iter()
        .map(|(name, f)| {
            let read = follow::read(&journal, name, f);
            FollowJson {
                name,
                url: remote::redact_url(&f.url),
                branch: &f.branch,
                pulled: !matches!(read, Err(ReadError::NeverPulled(_))),
                entries: read.as_ref().ok().map(|log| log.items.len()),
                problem: match &read {
                    Err(ReadError::NeverPulled(_)) => None,
                    Err(e) => Some(e.to_string()),
                    // A shared log read without some of its members.
                    Ok(log) => log.left_out.first().map(ReadError::to_string),
                },
            }
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if ctx.global.json {
        serde_json::to_writer_pretty(&mut out, &items)?;
        writeln!(out)?;
        return Ok(());
    }
    if items.is_empty() {
        ctx.notice("you follow no logs yet; add one with: wol follow NAME URL");
        return Ok(());
    }
    for f in items {
        let state = match (f.entries, &f.problem) {
            (Some(n), None) => format!("{n} {}", if n == 1 { "entry" } else { "entries" }),
            (Some(n), Some(_)) => format!(
                "{n} {}, some members left out (see wol doctor)",
                if n == 1 { "entry" } else { "entries" }
            ),
            (None, Some(_)) => "unreadable (see wol doctor)".to_string(),
            (None, None) => "never pulled".to_string(),
        };
        writeln!(out, "{}  {}  {}  {state}", f.name, f.url, f.branch)?;
    }
    Ok(())
}
