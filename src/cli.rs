//! The command line, declared with clap's derive API. The `///` comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cmd;

/// wol — a journal for working out loud.
///
/// Log what you did, learned, plan next and need help with; every entry is a Markdown file
/// committed to a git repository. Publish the shareable part to partner communities.
#[derive(Debug, Parser)]
#[command(name = "wol", version, propagate_version = true, max_term_width = 100)]
#[command(after_help = "Examples:
  wol log \"Shipped the onboarding guide\" -t onboarding --learned \"Checklists beat long docs\"
  wol list -n 10
  wol search loomio
  wol digest --week last

Environment: WOL_DIR (journal), WOL_AUTHOR, WOL_NOW (fixed clock, RFC 3339), VISUAL/EDITOR, NO_COLOR.")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes.
#[derive(Debug, Clone, Args)]
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
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set
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
    Feed(cmd::feed::FeedArgs),
    Doctor(cmd::doctor::DoctorArgs),
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
