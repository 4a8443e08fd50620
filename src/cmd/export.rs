//! `wol export`: the selected entries as JSON, Markdown or HTML, into a folder or stdout.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{Ctx, EntryJson, FilterArgs, warn_malformed};
use crate::error::hinted;
use crate::export;
use crate::journal::write_atomic;

/// Export entries as JSON, Markdown or HTML, for backups and other tools
///
/// json: an array of entry objects (the shape `wol list --json` prints), in DIR/entries.json
/// or on stdout. markdown: the entry files as stored, in the journal's entries/YYYY/MM/
/// layout under DIR (`wol import markdown DIR` reads them back), or concatenated on
/// stdout. html: DIR/index.html and a page per entry in DIR/entries/ (raw HTML in entries
/// is left out). Takes the same filters as `wol list`; exports everything by default.
///
/// Examples:
///   wol export --format markdown ~/backup/journal
///   wol export --format json - | jq '.[].title'
///   wol export --format html site/ --since 2026-01-01 --tag onboarding
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ExportArgs {
    /// What to write
    #[arg(short, long, value_enum, value_name = "FORMAT")]
    pub format: Format,

    /// The folder to write into (created if needed), or `-` for stdout
    #[arg(value_name = "DIR|-")]
    pub out: PathBuf,

    /// Write into DIR even when it is not empty (files of the same name are replaced)
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub filter: FilterArgs,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Markdown,
    Html,
}

/// What `wol export DIR --json` prints.
#[derive(Serialize)]
struct Report {
    format: &'static str,
    dir: String,
    entries: usize,
    files: Vec<String>,
}

pub fn run(ctx: &Ctx, args: ExportArgs) -> Result<()> {
    let journal = ctx.journal()?;
    let filter = args.filter.to_filter(ctx)?;
    let (entries, bad) = journal.select(&filter, None);
    for e in &bad {
        warn_malformed(e);
    }
    let to_stdout = args.out.as_os_str() == "-";
    let json_items = || -> Vec<EntryJson> {
        entries
            .iter()
            .map(|(p, e)| EntryJson::new(&journal, p, e))
            .collect()
    };
    if to_stdout {
        let mut out = std::io::stdout().lock();
        match args.format {
            Format::Json => {
                serde_json::to_writer_pretty(&mut out, &json_items())?;
                writeln!(out)?;
            }
            Format::Markdown => out.write_all(&export::markdown_concatenated(&entries)?)?,
            Format::Html => {
                return Err(hinted(
                    "an HTML export is several files and needs a folder",
                    "give a folder: wol export --format html DIR",
                ));
            }
        }
        out.flush()?;
        return Ok(());
    }

    let dir = ctx.cwd.join(&args.out);
    // Nothing lost: an export never overwrites files it did not write, unless told to.
    let occupied = std::fs::read_dir(&dir).is_ok_and(|mut rd| rd.next().is_some());
    if occupied && !args.force {
        return Err(hinted(
            format!("{} is not empty; not writing into it", dir.display()),
            "export into a new or empty folder, or pass --force to replace files of the same name",
        ));
    }
    let (name, files) = match args.format {
        Format::Json => {
            let mut text = serde_json::to_string_pretty(&json_items())?;
            text.push('\n');
            write_atomic(&dir.join("entries.json"), text.as_bytes())?;
            ("json", vec!["entries.json".to_string()])
        }
        Format::Markdown => (
            "markdown",
            export::markdown_to_dir(&journal, &entries, &dir)?,
        ),
        Format::Html => (
            "html",
            export::html_to_dir(&crate::site::html::stylesheet(&journal)?, &entries, &dir)?,
        ),
    };
    if ctx.global.json {
        let mut out = std::io::stdout().lock();
        let report = Report {
            format: name,
            dir: dir.display().to_string(),
            entries: entries.len(),
            files,
        };
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
        out.flush()?;
    }
    ctx.notice(&format!(
        "exported {} entries as {name} to {}",
        entries.len(),
        dir.display()
    ));
    Ok(())
}
