//! Diagnostics: what wol does, on stderr, for the person who asked with `-v` or `WOL_LOG`.
//!
//! One process-wide level, set once by `cmd::run` from `-v/--verbose` (repeatable) and
//! `WOL_LOG` (`info`, `debug`, `trace`; the higher of the two wins):
//!
//! - [`Level::Info`] (`-v`, `WOL_LOG=info`): which journal and how it was found, which
//!   config files were read, which remotes are contacted;
//! - [`Level::Debug`] (`-vv`, `WOL_LOG=debug`): more of the same, and how long phases take
//!   (publish's plan, build and push; each remote operation).
//!
//! Each line starts with `wol[SECONDS]` since the process started. Nothing secret is ever
//! passed in: URLs go through [`crate::remote::redact_url`], credentials are never named
//! by value. Lines are escaped like any other text that may come from a file
//! ([`crate::term::sanitize_text`]), since paths and URLs come from `wol.toml`.

use std::fmt;
use std::io::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Instant;

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing (the default).
    Off = 0,
    /// What wol found and where it goes: journal, config files, remotes.
    Info = 1,
    /// More detail and timings.
    Debug = 2,
}

static LEVEL: AtomicU8 = AtomicU8::new(0);
static START: OnceLock<Instant> = OnceLock::new();

/// The level `-v` given `verbose` times and `WOL_LOG` ask for: the higher of the two.
/// `WOL_TIMINGS` (the older way to ask for publish timings) counts as `WOL_LOG=debug`.
pub fn level_from(verbose: u8, wol_log: Option<&str>, timings: bool) -> Level {
    let from_flag = match verbose {
        0 => Level::Off,
        1 => Level::Info,
        _ => Level::Debug,
    };
    let from_env = match wol_log.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        Some("info" | "1") => Level::Info,
        Some("debug" | "trace" | "2") => Level::Debug,
        _ if timings => Level::Debug,
        _ => Level::Off,
    };
    from_flag.max(from_env)
}

/// Set the level for the rest of the process (and start the clock lines are stamped with).
pub fn set_level(level: Level) {
    START.get_or_init(Instant::now);
    LEVEL.store(level as u8, Ordering::Relaxed);
}

/// Whether lines of `level` are printed.
pub fn enabled(level: Level) -> bool {
    level != Level::Off && LEVEL.load(Ordering::Relaxed) >= level as u8
}

static QUIET: AtomicBool = AtomicBool::new(false);

/// Set by `cmd::run` from `--quiet`: [`say`] prints nothing for the rest of the process.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// A message for the person on stderr, unless `--quiet`, from code that has no `Ctx`
/// at hand (`Ctx::notice` for code that has one); escaped like [`emit`]'s lines, since
/// it may name a path.
pub fn say(args: fmt::Arguments<'_>) {
    if !QUIET.load(Ordering::Relaxed) {
        let text = args.to_string();
        let _ = writeln!(
            std::io::stderr().lock(),
            "{}",
            crate::term::sanitize_text(&text)
        );
    }
}

/// Print a line at [`Level::Info`]: `diag::info(format_args!("journal {}", path))`.
pub fn info(args: fmt::Arguments<'_>) {
    emit(Level::Info, args);
}

/// Print a line at [`Level::Debug`].
pub fn debug(args: fmt::Arguments<'_>) {
    emit(Level::Debug, args);
}

fn emit(level: Level, args: fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    let elapsed = START.get_or_init(Instant::now).elapsed().as_secs_f64();
    let text = args.to_string();
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "wol[{elapsed:.3}s] {}",
        crate::term::sanitize_text(&text)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_higher_of_flag_and_environment_wins() {
        assert_eq!(level_from(0, None, false), Level::Off);
        assert_eq!(level_from(1, None, false), Level::Info);
        assert_eq!(level_from(3, None, false), Level::Debug);
        assert_eq!(level_from(0, Some("debug"), false), Level::Debug);
        assert_eq!(level_from(0, Some("INFO"), false), Level::Info);
        assert_eq!(level_from(2, Some("info"), false), Level::Debug);
        assert_eq!(level_from(0, Some("off"), false), Level::Off);
        assert_eq!(level_from(0, Some("warn"), false), Level::Off);
        assert_eq!(level_from(0, None, true), Level::Debug);
    }
}
