//! Values for dynamic shell completion (`COMPLETE=bash wol`, see `cli::command`): entry
//! ids, partner and followed-log names, kinds and tags of the journal wol would use.
//!
//! A completer runs on every Tab, so each is quick and only reads: the journal is found
//! the way [`journal::locate`] finds it (`--journal` on the line being completed,
//! `WOL_DIR`, the enclosing journal, the user config's, the default) and is never created, opened through git or locked. Anything
//! that cannot be read completes to nothing.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::config::{JournalConfig, UserConfig};
use crate::entry::{Entry, file_id};
use crate::journal;

/// Entry ids offered at most, newest first.
pub const MAX_IDS: usize = 500;
/// Newest entries whose tags are offered.
pub const TAG_ENTRIES: usize = 300;

/// The root of the journal a command run here would use, if it exists.
fn root() -> Option<PathBuf> {
    let named = journal_flag().or_else(|| {
        std::env::var_os("WOL_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let cwd = std::env::current_dir().ok()?;
    let user = UserConfig::load().unwrap_or_default();
    let (root, _) = journal::locate(named.as_deref(), &cwd, &user).ok()?;
    root.join(journal::CONFIG_FILE).is_file().then_some(root)
}

/// The `--journal DIR` (or `--journal=DIR`) of the command line being completed: the
/// words after the `--` that the shell's completion script passes. The last one wins,
/// as it does when the command runs, and over `WOL_DIR`.
fn journal_flag() -> Option<PathBuf> {
    let words: Vec<std::ffi::OsString> = std::env::args_os()
        .skip_while(|a| a != "--")
        .skip(1)
        .collect();
    let mut found = None;
    let mut words = words.iter();
    while let Some(word) = words.next() {
        if word == "--journal" {
            found = words.next().map(PathBuf::from);
        } else if let Some(dir) = word.to_str().and_then(|w| w.strip_prefix("--journal=")) {
            found = Some(PathBuf::from(dir));
        }
    }
    found.filter(|dir| !dir.as_os_str().is_empty())
}

/// The journal's `wol.toml`, as far as it parses.
fn config() -> Option<(PathBuf, JournalConfig)> {
    let root = root()?;
    let config = JournalConfig::load_unchecked(&root.join(journal::CONFIG_FILE)).ok()?;
    Some((root, config))
}

/// Ids of the newest [`MAX_IDS`] entries, newest first.
pub fn entry_ids() -> Vec<String> {
    let Some(root) = root() else {
        return Vec::new();
    };
    journal::entry_files_in(&root, None)
        .take(MAX_IDS)
        .map(|p| file_id(&p))
        .collect()
}

/// The partners in `wol.toml`.
pub fn partner_names() -> Vec<String> {
    config().map_or_else(Vec::new, |(_, c)| c.partners.into_keys().collect())
}

/// The logs `wol.toml` follows.
pub fn follow_names() -> Vec<String> {
    config().map_or_else(Vec::new, |(_, c)| c.follow.into_keys().collect())
}

/// The kinds the journal allows.
pub fn kinds() -> Vec<String> {
    config().map_or_else(
        || crate::config::DEFAULT_KINDS.map(String::from).to_vec(),
        |(_, c)| c.kinds,
    )
}

/// The tags of the newest [`TAG_ENTRIES`] entries, sorted.
pub fn tags() -> Vec<String> {
    let Some((root, config)) = config() else {
        return Vec::new();
    };
    let schema = config.schema();
    let mut tags = BTreeSet::new();
    for path in journal::entry_files_in(&root, None).take(TAG_ENTRIES) {
        if let Ok(bytes) = std::fs::read(&path)
            && let Ok(entry) = Entry::parse(&bytes, &schema)
        {
            tags.extend(entry.all_tags());
        }
    }
    tags.into_iter().collect()
}
