//! `wol man`: the manual page (roff, from clap_mangen), on stdout or as files.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::{Args, CommandFactory as _};

use super::Ctx;
use crate::cli::Cli;
use crate::journal;

/// Print the manual page, or write one page per command with --out
///
/// Without --out, prints wol(1), which lists every command, to stdout. With --out DIR,
/// writes wol.1 and a page per subcommand (wol-log.1, wol-import-jrnl.1, ...) into DIR.
///
/// Examples:
///   wol man | man -l -
///   wol man --out ~/.local/share/man/man1 && man wol-log
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ManArgs {
    /// Write wol.1 and wol-<command>.1 pages into this directory (created if needed)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: ManArgs) -> Result<()> {
    let cmd = Cli::command();
    match args.out {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(render(cmd)?.as_bytes())?;
            out.flush()?;
        }
        Some(dir) => {
            let dir = ctx.cwd.join(dir);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let mut cmd = cmd.disable_help_subcommand(true);
            cmd.build();
            write_pages(&cmd, &dir)?;
            ctx.notice(&format!("wrote manual pages into {}", dir.display()));
        }
    }
    Ok(())
}

/// Write the page of `cmd` and of each of its subcommands (`wol-import-jrnl.1`, ...).
fn write_pages(cmd: &clap::Command, dir: &Path) -> Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir)?;
    }
    let man = clap_mangen::Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    journal::write_atomic(&path, render(cmd.clone())?.as_bytes())?;
    Ok(())
}

/// The roff text of `cmd`'s page, ASCII only: every other character is written as
/// groff's `\[uXXXX]` escape, so the page renders without warnings whether or not the
/// formatter is told the input encoding (`man` is; a plain `groff -man` is not).
fn render(cmd: clap::Command) -> Result<String> {
    let mut roff = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut roff)?;
    let text = String::from_utf8(roff).context("clap_mangen wrote invalid UTF-8")?;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let _ = write!(out, "\\[u{:04X}]", c as u32);
        }
    }
    Ok(out)
}
