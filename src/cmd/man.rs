//! `wol man`: the manual page (roff, from clap_mangen), on stdout or as files.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, CommandFactory as _};

use super::Ctx;
use crate::cli::Cli;

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
            clap_mangen::Man::new(cmd).render(&mut out)?;
            out.flush()?;
        }
        Some(dir) => {
            let dir = ctx.cwd.join(dir);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("cannot write manual pages into {}", dir.display()))?;
            ctx.notice(&format!("wrote manual pages into {}", dir.display()));
        }
    }
    Ok(())
}
