//! wol — a command-line journal for working out loud.
//!
//! The data flow, in five lines:
//! 1. `cli` parses the command line; `cmd::*` each run one subcommand through a [`cmd::Ctx`];
//! 2. `journal` finds and opens the journal (config layers in `config`), takes the lock;
//! 3. `entry` parses and writes entry files; `filter` selects them; `dates` reads dates;
//! 4. `git` commits the changed paths with git2 and keeps the index in step;
//! 5. reading commands walk `entries/YYYY/MM/` newest first and stop as soon as they can,
//!    reading each month through the disposable entry `cache` in `.wol/cache/entries/`;
//!    `publish` filters entries per partner (`audience`), renders them (`site`) into an
//!    in-memory git tree and pushes it (`remote`); `follow` fetches other people's
//!    published logs (`remote`) into `.wol/following/` and reads their `wol.json`;
//!    `sync` keeps one journal on every machine through a sealed remote.

pub mod attach;
pub mod audience;
pub mod cache;
pub mod cli;
pub mod cmd;
pub mod complete;
pub mod config;
pub mod dates;
pub mod diag;
pub mod digest;
pub mod doctor;
pub mod editor;
pub mod entry;
pub mod error;
pub mod export;
pub mod filter;
pub mod follow;
pub mod git;
pub mod git_index;
pub mod git_lock;
pub mod git_pack;
pub mod identity;
pub mod import;
pub mod journal;
pub mod par;
pub mod publish;
pub mod remote;
pub mod search;
pub mod site;
pub mod sync;
pub mod templates;
pub mod term;
pub mod tls;

use std::process::ExitCode;

use clap::FromArgMatches as _;

/// Parse the process arguments, run the command, print any error, return the exit code:
/// 0 ok, 1 failure, 2 usage error. A closed stdout (`wol list | head`) is success.
///
/// With `COMPLETE=bash` (zsh, fish, …) in the environment, the process is a shell's
/// completion request instead: clap_complete answers it and exits here.
pub fn main_entry() -> ExitCode {
    clap_complete::CompleteEnv::with_factory(cli::command).complete();
    let parsed = cli::command()
        .try_get_matches()
        .and_then(|matches| cli::Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    tls::defer_ca_bundle(cli.command.uses_network());
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if error::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            error::report(&e);
            ExitCode::from(error::exit_code(&e))
        }
    }
}
