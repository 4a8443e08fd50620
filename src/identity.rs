//! Who writes: the author of entries and commits, and the journal's own stable id.
//!
//! The author comes from, in order: `$WOL_AUTHOR`, the journal's `author`, the user
//! config's `author`, git's `user.name`, and last the author of the journal's newest
//! commit (so cron under `env -i`, with no HOME and so no user or git config, goes on
//! writing as the person whose journal it is). There is no made-up fallback: a public site and
//! feed renamed to `anonymous`, or a community folder shared with every other anonymous
//! member, is worse than a clear error, so without an author every command that commits
//! or publishes fails with a hint saying where to set one.

use anyhow::{Context as _, Result};
use chrono::{DateTime, FixedOffset};
use git2::{Repository, Signature};

use crate::config::UserConfig;
use crate::error::hinted;
use crate::git;

/// Where an author name was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorSource {
    Env,
    Journal,
    UserConfig,
    Git,
    History,
}

impl AuthorSource {
    pub fn describe(self) -> &'static str {
        match self {
            AuthorSource::Env => "$WOL_AUTHOR",
            AuthorSource::Journal => "the journal's wol.toml",
            AuthorSource::UserConfig => "the user config",
            AuthorSource::Git => "git's user.name",
            AuthorSource::History => "the author of the journal's newest commit",
        }
    }
}

/// The author, and where it came from; `None` when no layer names one.
pub fn find_author(
    user: &UserConfig,
    journal_author: Option<&str>,
    repo: Option<&Repository>,
) -> Option<(String, AuthorSource)> {
    let clean = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    std::env::var("WOL_AUTHOR")
        .ok()
        .and_then(clean)
        .map(|a| (a, AuthorSource::Env))
        .or_else(|| {
            journal_author
                .map(String::from)
                .and_then(clean)
                .map(|a| (a, AuthorSource::Journal))
        })
        .or_else(|| {
            user.author
                .clone()
                .and_then(clean)
                .map(|a| (a, AuthorSource::UserConfig))
        })
        .or_else(|| {
            git_user_name(repo)
                .and_then(clean)
                .map(|a| (a, AuthorSource::Git))
        })
        .or_else(|| {
            repo.and_then(|r| r.head().ok()?.peel_to_commit().ok())
                .and_then(|c| c.author().name().ok().map(String::from))
                .and_then(clean)
                .map(|a| (a, AuthorSource::History))
        })
}

/// git's `user.name`: the repository's config (local, global, system), or, before a
/// repository exists, the global and system config.
fn git_user_name(repo: Option<&Repository>) -> Option<String> {
    match repo {
        Some(r) => git::config_string(r, "user.name"),
        None => git2::Config::open_default()
            .ok()?
            .get_string("user.name")
            .ok(),
    }
}

/// The author, or an error that says where to set one.
pub fn require_author(
    user: &UserConfig,
    journal_author: Option<&str>,
    repo: Option<&Repository>,
) -> Result<String> {
    find_author(user, journal_author, repo)
        .map(|(a, _)| a)
        .ok_or_else(no_author)
}

/// The error for "nobody to write as".
pub fn no_author() -> anyhow::Error {
    hinted(
        "wol does not know who you are: no author is set",
        "set one with `git config --global user.name \"Your Name\"`, or `author = \"Your Name\"` \
         in wol.toml or in the user config, or WOL_AUTHOR=\"Your Name\"",
    )
}

/// A git signature for `author` at `now`; the e-mail is git's `user.email`, else a
/// placeholder built from the name (git requires one).
pub fn signature(
    author: &str,
    repo: Option<&Repository>,
    now: &DateTime<FixedOffset>,
) -> Result<Signature<'static>> {
    let email = repo
        .and_then(|r| git::config_string(r, "user.email"))
        .filter(|e| !e.trim().is_empty())
        .unwrap_or_else(|| format!("{}@localhost", crate::entry::slugify(author)));
    let time = git2::Time::new(now.timestamp(), now.offset().local_minus_utc() / 60);
    Signature::new(author, &email, &time)
        .with_context(|| format!("cannot use {author:?} as a git author"))
}

/// A new random journal id: 16 bytes of OS randomness, hex (no dependency needed: the
/// kernel's `/dev/urandom`, with the clock and process id as a fallback on systems
/// without it).
pub fn new_journal_id() -> String {
    use std::io::Read as _;
    let mut bytes = [0u8; 16];
    let filled = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    if !filled {
        use std::hash::{BuildHasher as _, Hasher as _};
        for (i, chunk) in bytes.chunks_mut(8).enumerate() {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            h.write_u32(std::process::id());
            h.write_usize(i);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A journal id as `init` writes it: 32 lower-case hex digits.
pub fn valid_journal_id(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_ids_are_random_and_valid() {
        let a = new_journal_id();
        let b = new_journal_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(valid_journal_id(&a));
        assert!(!valid_journal_id("../x"));
    }
}
