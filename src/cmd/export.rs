//! `wol export`: the selected entries as JSON, Markdown or HTML, into a folder or stdout.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{Ctx, EntryJson, FilterArgs, JsonArray, warn_malformed};
use crate::entry::Entry;
use crate::error::hinted;
use crate::export;

/// Export entries as JSON, Markdown or HTML, for backups and other tools
///
/// json: an array of entry objects (the shape `wol list --json` prints), in DIR/entries.json
/// or on stdout. markdown: the entry files as stored, in the journal's entries/YYYY/MM/
/// layout under DIR (`wol import markdown DIR` reads them back), or concatenated on
/// stdout. html: DIR/index.html and a page per entry, DIR/entries/YYYY/MM/<id>.html
/// (raw HTML in entries is left out). Takes the same filters as `wol list`; exports everything by default.
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
    let filter = args.filter.to_filter(ctx, &journal.config)?;
    let to_stdout = args.out.as_os_str() == "-";
    if to_stdout && args.format == Format::Html {
        return Err(hinted(
            "an HTML export is several files and needs a folder",
            "give a folder: wol export --format html DIR",
        ));
    }
    let dir = ctx.cwd.join(&args.out);
    if !to_stdout {
        // Nothing lost: an export never overwrites files it did not write, unless told to.
        let occupied = std::fs::read_dir(&dir).is_ok_and(|mut rd| rd.next().is_some());
        if occupied && !args.force {
            return Err(hinted(
                format!("{} is not empty; not writing into it", dir.display()),
                "export into a new or empty folder, or pass --force to replace files of the same name",
            ));
        }
    }

    // The entries are given to the format one at a time, newest first, as `wol list`
    // prints them: an export of any size never holds the journal.
    let selection = journal.select_all(&filter, |e| warn_malformed(&e));
    let mut count = 0;
    let each = |sink: &mut dyn FnMut(&Path, &Entry) -> Result<()>| {
        selection.for_each(
            |e| warn_malformed(&e),
            |path, entry| {
                count += 1;
                sink(&path, &entry)
            },
        )
    };
    if to_stdout {
        let mut out = io::BufWriter::new(io::stdout().lock());
        match args.format {
            Format::Json => {
                let mut array = JsonArray::new(&mut out);
                each(&mut |path, entry| array.push(&EntryJson::new(&journal, path, entry)))?;
                array.finish()?;
                writeln!(out)?;
            }
            Format::Markdown => each(&mut |path, _| export::markdown_to(&mut out, path))?,
            Format::Html => unreachable!("refused above"),
        }
        out.flush()?;
        return Ok(());
    }

    let (name, files) = match args.format {
        Format::Json => {
            let mut file = export::AtomicFile::create(&dir.join("entries.json"))?;
            let mut array = JsonArray::new(&mut file);
            each(&mut |path, entry| array.push(&EntryJson::new(&journal, path, entry)))?;
            array.finish()?;
            writeln!(file)?;
            file.commit()?;
            ("json", vec!["entries.json".to_string()])
        }
        Format::Markdown => {
            let mut sink = export::MarkdownDir::new(&journal, &dir);
            each(&mut |path, _| sink.add(path))?;
            ("markdown", sink.written)
        }
        Format::Html => {
            let css = crate::site::html::stylesheet(&journal)?;
            let mut sink = export::HtmlDir::new(&journal, &css, &dir);
            each(&mut |path, entry| sink.add(path, entry))?;
            ("html", sink.finish()?)
        }
    };
    if ctx.global.json {
        let mut out = io::stdout().lock();
        let report = Report {
            format: name,
            dir: dir.display().to_string(),
            entries: count,
            files,
        };
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
        out.flush()?;
    }
    ctx.notice(&format!(
        "exported {count} entries as {name} to {}",
        dir.display()
    ));
    Ok(())
}
