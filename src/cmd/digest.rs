//! `wol digest`: summarise a week (or any days) of entries; print it, or write and commit it.

use std::io::Write as _;

use anyhow::{Context as _, Result};
use clap::Args;

use super::{Ctx, warn_malformed};
use crate::audience;
use crate::dates;
use crate::digest::{self, Format, Period};
use crate::entry::Entry;
use crate::error::hinted;
use crate::git::Change;
use crate::journal::Journal;

/// Summarise a week of entries: progress, learned, help wanted, decisions, credit, next
///
/// Covers one ISO week (Monday to Sunday; default: last week) or the days --from/--to.
/// Prints the digest (Markdown by default) on stdout; --write saves it as
/// digests/YYYY/YYYY-Www.md and commits it, and commits nothing when it is unchanged.
/// Private entries are included: the journal is yours. Entries of the logs you follow
/// (as last fetched by wol pull) appear under "From partners" and, when they share a
/// tag with yours, "Related work". --for PARTNER shows only what that partner may see,
/// and never other people's entries. Never prompts; safe to run from cron.
///
/// Examples:
///   wol digest                          # last week, Markdown on stdout
///   wol digest --week this --format text
///   wol digest --week 2026-W47 --format html > w47.html
///   wol digest --from "3 weeks ago" --to today --format json
///   wol digest --week 2026-W47 --for gig
///   wol --journal ~/journal digest --write --quiet   # from cron, every Monday
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct DigestArgs {
    /// The week: last, this, or an ISO week like 2026-W47 [default: last]
    #[arg(long, value_name = "WEEK", conflicts_with_all = ["from", "to"])]
    pub week: Option<String>,

    /// First day of the period ("2026-11-01", "3 weeks ago")
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,

    /// Last day of the period [default: today]
    #[arg(long, value_name = "DATE", requires = "from")]
    pub to: Option<String>,

    /// Output format [default: md; json with --json]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Save the digest under digests/ and commit it (Markdown; unchanged → no commit)
    #[arg(long)]
    pub write: bool,

    /// Only what this partner may see (the filter publishing uses)
    #[arg(long = "for", value_name = "PARTNER", conflicts_with = "write")]
    pub for_partner: Option<String>,

    /// Write, commit, then publish the digest
    #[arg(long, conflicts_with = "for_partner")]
    pub publish: bool,
}

pub fn run(ctx: &Ctx, args: DigestArgs) -> Result<()> {
    let journal = ctx.journal()?;
    let today = ctx.now.date_naive();
    let period = match (&args.week, &args.from) {
        (_, Some(from)) => {
            let from = dates::parse_day(from, &ctx.now)?;
            let to = match &args.to {
                Some(to) => dates::parse_day(to, &ctx.now)?,
                None => today,
            };
            Period::range(from, to)?
        }
        (week, None) => Period::parse_week(week.as_deref().unwrap_or("last"), today)?,
    };
    if args.publish && journal.config.partners.is_empty() {
        // Refused before anything is written, so that fixing it and running again is all
        // it takes.
        return Err(hinted(
            "--publish: there are no partners to publish to",
            "add one with: wol partner add NAME URL (or drop --publish)",
        ));
    }
    let format = match (args.format, ctx.global.json) {
        (Some(f), _) => f,
        (None, true) => Format::Json,
        (None, false) => Format::Md,
    };
    if (args.write || args.publish) && format != Format::Md {
        return Err(crate::error::usage(
            "--write saves the Markdown digest; --format (and --json) only apply when printing",
            "drop --format/--json, or drop --write to print the digest in that format",
        ));
    }

    let partner = args
        .for_partner
        .as_deref()
        .map(|name| audience::partner(&journal.config, name).map(|p| (name, p.clone())))
        .transpose()?;
    let keep = |e: &Entry| {
        partner
            .as_ref()
            .is_none_or(|(name, p)| audience::visible_to(e, name, p))
    };
    let mut warn = |e: &crate::journal::LoadError| warn_malformed(e);

    if !args.write && !args.publish {
        let mut digest = digest::build(
            &journal,
            digest::Source::Journal,
            &period,
            today,
            partner.as_ref().map(|(n, _)| *n),
            &keep,
            &mut warn,
        );
        if partner.is_none() {
            add_followed(ctx, &journal, &mut digest);
        }
        if digest.is_empty() && format != Format::Json {
            ctx.notice(&format!(
                "wol: no entries in {} ({}), nothing to summarise",
                period.label, period.dates
            ));
            return Ok(());
        }
        let text = digest::render(&journal, &digest, format)?;
        // On stdout the digest goes to a terminal or a mail: entry text in it must not
        // carry control sequences. JSON escapes them itself.
        let text = if format == Format::Json {
            text
        } else {
            crate::term::sanitize_text(&text).into_owned()
        };
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        out.flush()?;
        return Ok(());
    }

    write(ctx, &journal, &period, today, &keep, &mut warn)?;
    if args.publish {
        // Every partner gets this period's digest rebuilt from what it may see (see
        // `publish::tree::digest_files`), never the file just written.
        super::publish::run(
            ctx,
            super::publish::PublishArgs {
                partners: Vec::new(),
                dry_run: false,
                allow: Vec::new(),
            },
        )?;
    }
    Ok(())
}

/// `--write`: build, render and commit the digest of `period`, unless HEAD already has it.
fn write(
    ctx: &Ctx,
    journal: &Journal,
    period: &Period,
    today: chrono::NaiveDate,
    keep: &dyn Fn(&Entry) -> bool,
    warn: &mut dyn FnMut(&crate::journal::LoadError),
) -> Result<()> {
    // Read and commit under the lock, so a concurrent `wol log` is either in this digest
    // or commits after it.
    let writer = journal.begin_write(ctx.signature(journal)?, None)?;
    if writer.recovered > 0 {
        ctx.notice(&format!(
            "wol: committed {} file(s) left uncommitted earlier",
            writer.recovered
        ));
    }
    let mut digest = digest::build(
        journal,
        digest::Source::Journal,
        period,
        today,
        None,
        keep,
        warn,
    );
    add_followed(ctx, journal, &mut digest);
    if digest.is_empty() {
        ctx.notice(&format!(
            "wol: no entries in {} ({}), no digest written",
            period.label, period.dates
        ));
        return Ok(());
    }
    let text = digest::file_text(journal, &digest)?;
    let rel = period.file_path();
    let abs = journal.root.join(&rel);
    let blob = git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes())?;
    let head = journal.head_blob(&rel)?;
    let on_disk = match std::fs::read(&abs) {
        Ok(bytes) => Some(git2::Oid::hash_object(git2::ObjectType::Blob, &bytes)?),
        Err(_) => None,
    };
    // A digest changed by hand and not committed is the person's text: never overwrite it.
    if on_disk.is_some_and(|d| Some(d) != head && d != blob) {
        return Err(hinted(
            format!("{rel} has changes that are not committed; not overwriting them"),
            format!(
                "commit them (git commit {rel}) or drop them (git checkout -- {rel}), then run wol digest --write again"
            ),
        ));
    }
    // A digest changed by hand and committed is the person's text too: wol rewrites
    // only what it wrote itself (the commit that brought HEAD's version is its own).
    if let Some(head_blob) = head
        && head_blob != blob
        && let Some(commit) = changed_by_hand(journal, &rel, head_blob, &period.label)?
    {
        return Err(hinted(
            format!(
                "{rel} was changed by hand (commit {commit}); wol digest --write does not overwrite it"
            ),
            format!(
                "to have wol write it again, remove it first: git rm {rel} && git commit -m \"digest: rewrite\", then wol digest --write"
            ),
        ));
    }
    if head == Some(blob) {
        if on_disk != Some(blob) {
            // HEAD already has it; the file was deleted from the work tree: put it back.
            crate::journal::write_atomic(&abs, text.as_bytes())
                .with_context(|| format!("cannot restore {rel}"))?;
        }
        ctx.notice(&format!("wol: {rel} is up to date"));
        return Ok(());
    }
    let change = Change::Write {
        path: rel.clone(),
        content: text.into_bytes(),
    };
    writer.commit(&[change], &format!("digest: {}", period.label))?;
    ctx.notice(&format!("wol: wrote {rel}"));
    Ok(())
}

/// The commit (short id) that brought `blob` at `rel` into HEAD, when it is not one of
/// wol's own digest commits (`digest: <label>`); `None` when wol wrote it. Walks back
/// through the commits that already had that blob, along any parent (a sync merge brings
/// another machine's digest commit in as a second parent).
fn changed_by_hand(
    journal: &Journal,
    rel: &str,
    blob: git2::Oid,
    label: &str,
) -> Result<Option<String>> {
    let repo = journal.repo()?;
    let blob_at = |c: &git2::Commit<'_>| {
        c.tree()
            .ok()
            .and_then(|t| t.get_path(std::path::Path::new(rel)).ok())
            .map(|e| e.id())
    };
    let mut commit = repo.head()?.peel_to_commit()?;
    loop {
        let same = commit.parents().find(|p| blob_at(p) == Some(blob));
        match same {
            Some(parent) => commit = parent,
            None => break,
        }
    }
    let ours = commit
        .message()
        .is_ok_and(|m| m.lines().next() == Some(format!("digest: {label}").as_str()));
    Ok((!ours).then(|| commit.id().to_string()[..8].to_string()))
}

/// The followed logs' sections of a local digest: from partners, related work, asks you
/// could answer (ranked by your learnings of the last year), credit given to you.
fn add_followed(ctx: &Ctx, journal: &Journal, digest: &mut digest::Digest) {
    let items = followed(ctx, journal);
    if items.is_empty() {
        return;
    }
    let learned = crate::follow::learned_tags(journal, digest.period.to - chrono::Days::new(365));
    digest.add_followed(&items, &learned, &journal.config.publish.handles);
}

/// The entries of the logs the journal follows, as last pulled. A log that cannot be read
/// is named on stderr (a never-pulled one only as a notice: it is no failure).
fn followed(ctx: &Ctx, journal: &Journal) -> Vec<crate::follow::FeedItem> {
    let (items, problems) = crate::follow::read_all(journal, &[]);
    for problem in problems {
        match problem {
            crate::follow::ReadError::NeverPulled(_) => {
                ctx.notice(&format!("wol: {problem}; hint: {}", problem.hint()));
            }
            _ => eprintln!("warning: {problem} (left out)\nhint: {}", problem.hint()),
        }
    }
    items
}
