//! `wol import jrnl FILE` / `wol import markdown DIR`: bring entries in, in one commit.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::{Ctx, EntryJson};
use crate::entry::Visibility;
use crate::import::{self, Defaults, ImportedEntry};
use crate::term::sanitize;

/// Import entries from jrnl or from a folder of Markdown notes
///
/// Each imported entry gets a stable `id` from its source, and ids already in the journal
/// are skipped, so importing the same source again adds nothing. Everything is committed
/// in one commit, or nothing is: an import stopped half-way (Ctrl-C, a crash) is undone by
/// the next wol command that writes, so run it again. Imported entries are private unless the source or --visibility says
/// otherwise: an old diary should not reach a partner by surprise.
///
/// Examples:
///   jrnl --export json > jrnl.json && wol import jrnl jrnl.json --dry-run
///   wol import markdown ~/src/til
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub source: Source,
}

#[derive(Debug, Subcommand)]
pub enum Source {
    Jrnl(JrnlArgs),
    Markdown(MarkdownArgs),
}

/// Import a jrnl JSON export (`jrnl --export json`)
///
/// Title, body, date and tags are kept (without jrnl's `@`); starred entries get the tag
/// `starred`; the kind is `progress`. jrnl's dates have no UTC offset: they are read in
/// your current offset. FILE `-` reads stdin.
///
/// Examples:
///   jrnl --export json > jrnl.json
///   wol import jrnl jrnl.json --dry-run
///   wol import jrnl jrnl.json --visibility public
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct JrnlArgs {
    /// The JSON file jrnl exported, or `-` for stdin
    pub file: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Import a folder of Markdown notes (a TIL repository, or a `wol export`)
///
/// Topic folders become tags (rust/closures.md → #rust). The title comes from front
/// matter (TOML `+++` or YAML `---`: title, date, tags, kind, visibility, to), else the
/// first `# heading`, else the file name; the date from front matter, else the file's
/// last commit when the folder is in a git repository, else its modification time. Notes
/// are of kind `learning`. Their other front-matter keys are kept in the entry (as TOML);
/// one TOML cannot hold (a null) is left out with a warning. Files that are already wol
/// entries come in unchanged (a `visibility` line added to one that says none), with the
/// files of their attachment folder (`<id>/` beside `<id>.md`, as wol export writes
/// them) as attachments. A note whose visibility or `to` cannot be read comes in
/// private, with a warning.
///
/// Examples:
///   wol import markdown ~/src/til --dry-run
///   wol import markdown backup/          # from: wol export --format markdown backup/
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct MarkdownArgs {
    /// The folder of notes
    pub dir: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Show what would be imported; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Visibility of imported entries whose source does not say
    #[arg(long, value_enum, value_name = "VISIBILITY", default_value_t = Visibility::Private)]
    pub visibility: Visibility,
}

/// What `wol import --json` prints.
#[derive(Serialize)]
struct Report<'a> {
    source: &'a str,
    dry_run: bool,
    imported: Vec<EntryJson<'a>>,
    skipped: Vec<Skipped<'a>>,
}

#[derive(Serialize)]
struct Skipped<'a> {
    id: &'a str,
    title: &'a str,
    source: &'a str,
    /// The journal's entry of that id, when its text differs from the skipped one's.
    #[serde(skip_serializing_if = "Option::is_none")]
    differs_from: Option<&'a str>,
}

pub fn run(ctx: &Ctx, args: ImportArgs) -> Result<()> {
    let (common, label) = match &args.source {
        Source::Jrnl(a) => (&a.common, "jrnl"),
        Source::Markdown(a) => (&a.common, "markdown"),
    };
    // A dry run writes nothing, so it does not create the default journal either.
    let journal = if common.dry_run {
        ctx.journal()?
    } else {
        ctx.journal_or_create()?
    };
    let defaults = Defaults {
        now: ctx.now,
        author: ctx.author(&journal)?,
        visibility: common.visibility,
        kinds: journal.config.kinds.clone(),
        attachment_max: journal.config.log.attachment_max(),
    };
    let imported: Vec<ImportedEntry> = match &args.source {
        Source::Jrnl(a) => {
            let text = if a.file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("cannot read stdin")?
            } else {
                let path = ctx.cwd.join(&a.file);
                std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?
            };
            import::from_jrnl(&text, &defaults)?
        }
        Source::Markdown(a) => import::from_markdown_dir(&ctx.cwd.join(&a.dir), &defaults)?,
    };

    let writer = if common.dry_run {
        None
    } else {
        Some(journal.begin_write(ctx.signature(&journal)?, None)?)
    };
    let plan = import::plan(&journal, imported);
    if let Some(writer) = &writer
        && !plan.new.is_empty()
    {
        let message = format!("import: {} entries from {label}", plan.new.len());
        import::apply(writer, &plan, &message)?;
    }

    let mut out = std::io::stdout().lock();
    if ctx.global.json {
        let report = Report {
            source: label,
            dry_run: common.dry_run,
            imported: plan
                .new
                .iter()
                .map(|(rel, c)| EntryJson::new(&journal, &journal.root.join(rel), &c.entry))
                .collect(),
            skipped: plan
                .skipped
                .iter()
                .map(|s| Skipped {
                    id: s.item.id(),
                    title: &s.item.entry.meta.title,
                    source: &s.item.source,
                    differs_from: s.differs.as_deref(),
                })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else if !ctx.global.quiet {
        let verb = if common.dry_run {
            "would import"
        } else {
            "imported"
        };
        // Imported titles are someone's text: escaped before they reach a terminal.
        for (rel, c) in &plan.new {
            let attached = match c.attachments.len() {
                0 => String::new(),
                1 => " (and 1 attachment)".to_string(),
                n => format!(" (and {n} attachments)"),
            };
            writeln!(
                out,
                "{verb}  {rel}  {}{attached}",
                sanitize(&c.entry.meta.title)
            )?;
        }
        for s in &plan.skipped {
            writeln!(
                out,
                "skipped  {}  {} (already in the journal{})",
                sanitize(s.item.id()),
                sanitize(&s.item.entry.meta.title),
                if s.differs.is_some() {
                    ", with other text"
                } else {
                    ""
                }
            )?;
        }
    }
    // An entry skipped for its id whose text is not the journal's is text the import
    // did not bring: said on stderr, under --quiet and --json too.
    for s in &plan.skipped {
        if let Some(rel) = &s.differs {
            crate::error::warn(
                sanitize(&format!(
                    "{} is not imported: the journal's entry {rel} has its id ({}) with another title, date or text",
                    s.item.source,
                    s.item.id()
                )),
                Some(
                    "if both are to be kept, give the one to import another `id` in its front matter and import again; compare them first: wol show ID",
                ),
            );
        }
    }
    out.flush()?;
    // The journal is free for the next command while git's objects are packed.
    drop(writer);
    if !common.dry_run {
        crate::git_pack::after_writes(&journal);
    }
    let verb = if common.dry_run {
        "would import"
    } else {
        "imported"
    };
    ctx.notice(&format!(
        "{verb} {} entries from {label}, skipped {} already in the journal{}",
        plan.new.len(),
        plan.skipped.len(),
        if common.dry_run {
            " (dry run: nothing changed)"
        } else {
            ""
        }
    ));
    Ok(())
}
