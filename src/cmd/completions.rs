//! `wol completions SHELL`: a completion script for the shell, on stdout.

use std::io::Write as _;

use anyhow::Result;
use clap::{Args, CommandFactory as _};
use clap_complete::Shell;

use super::Ctx;
use crate::cli::Cli;

/// Print a shell completion script
///
/// Load it in your shell's start-up file, or save it where your shell looks for
/// completions.
///
/// Examples:
///   wol completions bash > ~/.local/share/bash-completion/completions/wol
///   wol completions zsh > ~/.zfunc/_wol       # with fpath+=(~/.zfunc) in ~/.zshrc
///   wol completions fish > ~/.config/fish/completions/wol.fish
///   echo 'eval "$(wol completions bash)"' >> ~/.bashrc
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(_ctx: &Ctx, args: CompletionsArgs) -> Result<()> {
    let mut cmd = Cli::command();
    // clap_complete panics when a write fails; into memory a write cannot, and our own
    // write to stdout returns the error, so `wol completions fish | head -1` exits quietly.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "wol", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(())
}
