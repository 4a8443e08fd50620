//! `wol partner add|list|rm`: manage the partners the log is published to.

use std::io::Write as _;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde::Serialize;

use super::Ctx;
use crate::config::{PartnerConfig, PartnerMode};
use crate::remote;

/// Manage partners: the remotes `wol publish` pushes your knowledge log to
///
/// A partner is a git remote (a path, file://, git://, ssh://, user@host:path or
/// https:// URL) and a branch, stored in wol.toml under [partners.NAME]. Credentials are
/// never stored: wol uses ssh-agent, ~/.ssh keys, git credential helpers or WOL_GIT_TOKEN.
///
/// Examples:
///   wol partner add gig git@codeberg.org:gig/knowledge-log.git
///   wol partner add rustaceans https://github.com/me/til.git --branch gh-pages --tag rust
///   wol partner add board /srv/git/board.git --kind decision --kind progress
///   wol partner list --json
///   wol partner rm board
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct PartnerArgs {
    #[command(subcommand)]
    pub action: PartnerAction,
}

#[derive(Debug, Subcommand)]
pub enum PartnerAction {
    /// Add a partner (committed to wol.toml)
    #[command(
        after_help = "Examples:\n  wol partner add gig git@codeberg.org:gig/knowledge-log.git\n  \
        wol partner add til https://github.com/me/til.git --branch main --tag rust\n  \
        wol partner add board /srv/git/board.git --kind decision"
    )]
    Add(AddArgs),
    /// List partners
    #[command(after_help = "Examples:\n  wol partner list\n  wol partner list --json")]
    List,
    /// Remove a partner (committed; its local published history is kept, and never pushed
    /// to a new remote branch)
    #[command(after_help = "Examples:\n  wol partner rm board")]
    Rm {
        /// The partner's name
        name: String,
    },
}

/// `wol partner add NAME URL`
#[derive(Debug, Args)]
pub struct AddArgs {
    /// A short name: lower-case letters, digits, `-`, `_`
    pub name: String,
    /// The remote: a path, file://, git://, ssh://, user@host:path or https:// URL
    pub url: String,
    /// The branch to publish to
    #[arg(long, default_value = "main", value_name = "BRANCH")]
    pub branch: String,
    /// `own`: the branch is yours; `shared`: a community repo, you write logs/<you>/
    #[arg(long, value_enum, default_value_t = PartnerMode::Own)]
    pub mode: PartnerMode,
    /// Only entries with this tag (repeatable: any of them)
    #[arg(short, long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Only entries of this kind (repeatable)
    #[arg(short, long = "kind", value_name = "KIND")]
    pub kinds: Vec<String>,

    /// Where the partner serves docs/ (GitHub/Codeberg Pages, any static host): feeds and
    /// pages then carry absolute links
    #[arg(long, value_name = "URL")]
    pub site: Option<String>,
}

pub fn run(ctx: &Ctx, args: PartnerArgs) -> Result<()> {
    match args.action {
        PartnerAction::Add(add) => run_add(ctx, add),
        PartnerAction::List => run_list(ctx),
        PartnerAction::Rm { name } => run_rm(ctx, &name),
    }
}

fn run_add(ctx: &Ctx, args: AddArgs) -> Result<()> {
    remote::validate_name(&args.name)?;
    remote::validate_url(&args.url)?;
    remote::validate_branch(&args.branch)?;
    let journal = ctx.journal()?;
    for kind in &args.kinds {
        journal.config.check_kind(kind)?;
    }
    let config = PartnerConfig {
        url: args.url,
        branch: args.branch,
        mode: args.mode,
        tags: args
            .tags
            .iter()
            .map(|t| t.trim_start_matches('#').to_string())
            .collect(),
        kinds: args.kinds,
        site: args
            .site
            .as_deref()
            .map(crate::config::normalize_site)
            .transpose()?,
        handles: Vec::new(),
    };
    let name = args.name;
    let commit = edit_config(ctx, &journal, &format!("partner: add {name}"), |text| {
        crate::config::add_partner(text, &name, &config)
    })?;
    ctx.print_written(&super::WrittenJson::new("added", "wol.toml", Some(commit)).named(&name))?;
    ctx.notice(&format!(
        "added partner {name}: {} ({}); publish with: wol publish {name}",
        remote::redact_url(&config.url),
        config.branch
    ));
    Ok(())
}

fn run_rm(ctx: &Ctx, name: &str) -> Result<()> {
    let journal = ctx.journal()?;
    let commit = edit_config(ctx, &journal, &format!("partner: rm {name}"), |text| {
        crate::config::remove_partner(text, name)
    })?;
    crate::publish::forget_partner(&journal, name);
    ctx.print_written(&super::WrittenJson::new("removed", "wol.toml", Some(commit)).named(name))?;
    ctx.notice(&format!("removed partner {name}"));
    Ok(())
}

/// Rewrite wol.toml under the lock, check that the result still loads, commit it.
/// Shared with `wol follow`. Returns the commit.
pub(super) fn edit_config(
    ctx: &Ctx,
    journal: &crate::journal::Journal,
    message: &str,
    edit: impl FnOnce(&str) -> Result<String>,
) -> Result<git2::Oid> {
    journal.edit_config(ctx.signature(journal)?, message, edit)
}

#[derive(Serialize)]
struct PartnerJson<'a> {
    name: &'a str,
    url: String,
    branch: &'a str,
    mode: PartnerMode,
    tags: &'a [String],
    kinds: &'a [String],
}

fn run_list(ctx: &Ctx) -> Result<()> {
    let journal = ctx.journal()?;
    let items: Vec<PartnerJson> = journal
        .config
        .partners
        .iter()
        .map(|(name, p)| PartnerJson {
            name,
            url: remote::redact_url(&p.url),
            branch: &p.branch,
            mode: p.mode,
            tags: &p.tags,
            kinds: &p.kinds,
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if ctx.global.json {
        serde_json::to_writer_pretty(&mut out, &items)?;
        writeln!(out)?;
        return Ok(());
    }
    if items.is_empty() {
        ctx.notice("no partners yet; add one with: wol partner add NAME URL");
        return Ok(());
    }
    for p in items {
        let mode = match p.mode {
            PartnerMode::Own => "own",
            PartnerMode::Shared => "shared",
        };
        let mut filters = Vec::new();
        if !p.tags.is_empty() {
            filters.push(format!("tags: {}", p.tags.join(", ")));
        }
        if !p.kinds.is_empty() {
            filters.push(format!("kinds: {}", p.kinds.join(", ")));
        }
        let filters = if filters.is_empty() {
            String::new()
        } else {
            format!("  ({})", filters.join("; "))
        };
        writeln!(out, "{}  {}  {}  {mode}{filters}", p.name, p.url, p.branch)?;
    }
    Ok(())
}
