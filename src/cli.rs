//! The command line, declared with clap's derive API. The `///` comments are the help text.
//!
//! [`command`] is the command line as wol runs it: the derive, with each command's
//! examples moved to the end of its help and the dynamic completers attached.

use std::path::PathBuf;

use clap::{Arg, Args, CommandFactory as _, Parser, Subcommand, ValueEnum};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use crate::cmd;

/// wol — a journal for working out loud.
///
/// Log what you did, learned, plan next and need help with; every entry is a Markdown file
/// committed to a git repository. Publish the shareable part to partner communities.
#[derive(Debug, Parser)]
#[command(
    name = "wol",
    version = VERSION,
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Environment: WOL_DIR (journal), WOL_CONFIG (user config file), WOL_AUTHOR, WOL_NOW
(fixed clock, RFC 3339), WOL_LOG (info, debug), WOL_GIT_TOKEN, NO_COLOR, VISUAL/EDITOR; see wol man.

Examples:
  wol log \"Shipped the onboarding guide\" -t onboarding --learned \"Checklists beat long docs\"
  wol list -n 10
  wol search loomio
  wol digest --week last"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes, shown under their own heading in every command's help.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global Options")]
pub struct GlobalArgs {
    /// The journal to use [default: the enclosing journal, then the user config's, then
    /// the default journal in the data directory]
    #[arg(long, global = true, env = "WOL_DIR", value_name = "DIR")]
    pub journal: Option<PathBuf>,

    /// Print data as JSON
    #[arg(long, global = true)]
    pub json: bool,

    /// Print nothing on success
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// When to use colour
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// Say what wol does on stderr: journal, config files, remotes (-vv: and timings)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// `wol --version`: the package version, and the commit and its date when built from a
/// git checkout (`0.1.0 (263386f 2026-11-23)`; see `build.rs`).
pub const VERSION: &str = env!("WOL_VERSION");

/// The environment variables wol reads, and what each does: the man page's ENVIRONMENT.
pub const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "WOL_DIR",
        "The journal to use, like --journal (which wins over it).",
    ),
    (
        "WOL_CONFIG",
        "The user config file [default: $XDG_CONFIG_HOME/wol/config.toml, ~/.config/wol/config.toml].",
    ),
    (
        "WOL_CONFIG_DIR",
        "A folder holding the user config as config.toml (WOL_CONFIG wins over it) and wol sync's identity.txt.",
    ),
    (
        "WOL_AUTHOR",
        "The author of new entries and commits, over every config file.",
    ),
    (
        "WOL_NOW",
        "A fixed clock (RFC 3339), for tests and reproducible runs.",
    ),
    (
        "WOL_LOG",
        "info or debug: say what wol does on stderr, like -v or -vv.",
    ),
    (
        "WOL_GIT_TOKEN",
        "A token for https remotes (publish, pull, doctor); never stored or printed.",
    ),
    (
        "NO_COLOR",
        "When set and not empty: no colour, unless --color always.",
    ),
    (
        "CLICOLOR_FORCE",
        "When set and not empty: colour even when not on a terminal.",
    ),
    (
        "VISUAL, EDITOR",
        "The editor for wol log -e and wol edit (VISUAL first).",
    ),
    (
        "COMPLETE",
        "bash, zsh or fish: print the dynamic completion script, or complete (see wol completions).",
    ),
];

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set or TERM=dumb (CLICOLOR_FORCE: always)
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(cmd::init::InitArgs),
    Log(cmd::log::LogArgs),
    List(cmd::list::ListArgs),
    Show(cmd::show::ShowArgs),
    Search(cmd::search::SearchArgs),
    Edit(cmd::edit::EditArgs),
    Rm(cmd::rm::RmArgs),
    Digest(cmd::digest::DigestArgs),
    Publish(cmd::publish::PublishArgs),
    Partner(cmd::partner::PartnerArgs),
    Follow(cmd::follow::FollowArgs),
    Pull(cmd::pull::PullArgs),
    Sync(cmd::sync::SyncArgs),
    Feed(cmd::feed::FeedArgs),
    Doctor(cmd::doctor::DoctorArgs),
    Gc(cmd::gc::GcArgs),
    Import(cmd::import::ImportArgs),
    Export(cmd::export::ExportArgs),
    Completions(cmd::completions::CompletionsArgs),
    Man(cmd::man::ManArgs),
}

impl Command {
    /// Whether the command may open a network connection. Those that never do skip
    /// loading the TLS certificate bundle (see [`crate::tls`]).
    pub fn uses_network(&self) -> bool {
        !matches!(
            self,
            Command::Init(_)
                | Command::Log(_)
                | Command::List(_)
                | Command::Show(_)
                | Command::Search(_)
                | Command::Edit(_)
                | Command::Rm(_)
                | Command::Partner(_)
                | Command::Follow(_)
                | Command::Feed(_)
                | Command::Import(_)
                | Command::Export(_)
                | Command::Completions(_)
                | Command::Man(_)
        ) && !matches!(self, Command::Digest(args) if !args.publish)
    }
}

/// The command line as wol parses, documents and completes it: [`Cli`]'s derive, with
///
/// - each command's examples last: a doc comment ends with an `Examples:` paragraph, which
///   is moved below the options, so every `--help` (and `-h`) ends with examples, as gh's
///   and jj's do;
/// - completers for values that live in the journal (see [`crate::complete`]), attached by
///   value name so that every `--kind KIND`, `--tag TAG`, `--to/--for PARTNER` and entry
///   `ID` completes the same way.
pub fn command() -> clap::Command {
    prepare(Cli::command(), "wol")
}

fn prepare(cmd: clap::Command, path: &str) -> clap::Command {
    let cmd = examples_last(cmd);
    let cmd = cmd.mut_args(|arg| with_completer(arg, path));
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    names.iter().fold(cmd, |cmd, name| {
        cmd.mut_subcommand(name, |sub| prepare(sub, &format!("{path} {name}")))
    })
}

/// Move the `Examples:` paragraph at the end of the long description to the after-help.
fn examples_last(cmd: clap::Command) -> clap::Command {
    if cmd.get_after_help().is_some() {
        return cmd;
    }
    let Some(long) = cmd.get_long_about().map(|s| s.to_string()) else {
        return cmd;
    };
    let at = if long.starts_with("Examples:") {
        Some(0)
    } else {
        long.find("\nExamples:").map(|i| i + 1)
    };
    let Some(at) = at else {
        return cmd;
    };
    let (text, examples) = long.split_at(at);
    let examples = examples.trim_end().to_string();
    cmd.long_about(text.trim_end().to_string())
        .after_help(examples)
}

/// Attach the completer a value of `arg` (in the command `path`) needs, if any.
fn with_completer(arg: Arg, path: &str) -> Arg {
    use crate::complete;
    let value_name = arg
        .get_value_names()
        .and_then(|names| names.first())
        .map(|n| n.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_ascii_uppercase());
    let values: fn() -> Vec<String> = match (value_name.as_str(), path) {
        ("ID", _) => complete::entry_ids,
        ("KIND", _) => complete::kinds,
        ("TAG", _) => complete::tags,
        ("PARTNER", _) | ("NAME", "wol partner rm") => complete::partner_names,
        ("NAME", "wol pull" | "wol feed" | "wol follow rm") => complete::follow_names,
        _ => return arg,
    };
    arg.add(ArgValueCandidates::new(move || {
        values()
            .into_iter()
            .map(CompletionCandidate::new)
            .collect::<Vec<_>>()
    }))
}
