//! Pushing a partner's published ref to its remote with git2.
//!
//! The refspec has no `+`: the partner's branch only ever fast-forwards to what wol
//! published before. A rejection can come back two ways and both are checked: as an
//! `Err` (`NotFastForward` when libgit2 refuses client-side), or as `Ok(())` from `push`
//! with a status in `push_update_reference` (the server's hook or config refused).
//!
//! Credentials, in order: ssh-agent, `~/.ssh` key files, git credential helpers,
//! `WOL_GIT_TOKEN` (https). The callback remembers what it tried and ends with an error,
//! because libgit2 calls it again after each failure. Nothing is printed or stored.

use std::cell::RefCell;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Result;
use git2::{Cred, CredentialType, ErrorClass, ErrorCode, PushOptions, RemoteCallbacks, Repository};

use super::partner::{UrlKind, redact_url, validate_url};
use crate::error::hinted;

/// The URL git2 should use: a relative local path is taken relative to the journal.
pub fn resolve_url(url: &str, journal_root: &Path) -> String {
    match validate_url(url) {
        Ok(UrlKind::Local) if !url.contains("://") && Path::new(url).is_relative() => {
            journal_root.join(url).to_string_lossy().into_owned()
        }
        _ => url.to_string(),
    }
}

/// What the credential callback has tried so far (never the secrets themselves).
#[derive(Default)]
pub(crate) struct Tried {
    username: bool,
    agent: bool,
    keys: Option<Vec<PathBuf>>,
    helper: bool,
    token: bool,
    list: Vec<&'static str>,
}

/// The usual private key files in `~/.ssh`, best first.
pub(crate) fn ssh_key_files() -> Vec<PathBuf> {
    let Some(home) = dirs::home_dir() else {
        return Vec::new();
    };
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|n| home.join(".ssh").join(n))
        .filter(|p| p.is_file())
        .collect()
}

/// The next credential to offer libgit2 for `url`: ssh-agent, then `~/.ssh` key files,
/// then git's credential helper (from `config`), then `WOL_GIT_TOKEN`; each once, then
/// an error saying what was tried, so libgit2 never loops.
pub(crate) fn next_credential(
    config: Option<&git2::Config>,
    tried: &mut Tried,
    url: &str,
    user_from_url: Option<&str>,
    allowed: CredentialType,
) -> Result<Cred, git2::Error> {
    let user = user_from_url.unwrap_or("git");
    if allowed.contains(CredentialType::USERNAME) && !tried.username {
        tried.username = true;
        return Cred::username(user);
    }
    if allowed.contains(CredentialType::SSH_KEY) {
        if !tried.agent {
            tried.agent = true;
            if std::env::var_os("SSH_AUTH_SOCK").is_some() {
                tried.list.push("ssh-agent");
                return Cred::ssh_key_from_agent(user);
            }
        }
        let keys = tried.keys.get_or_insert_with(ssh_key_files);
        if let Some(key) = keys.pop() {
            tried.list.push("an ~/.ssh key file");
            return Cred::ssh_key(user, None, &key, None);
        }
    }
    if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) {
        if !tried.helper {
            tried.helper = true;
            if let Some(config) = config
                && let Ok(cred) = Cred::credential_helper(config, url, user_from_url)
            {
                tried.list.push("the git credential helper");
                return Ok(cred);
            }
        }
        if !tried.token {
            tried.token = true;
            if let Ok(token) = std::env::var("WOL_GIT_TOKEN")
                && !token.is_empty()
            {
                tried.list.push("WOL_GIT_TOKEN");
                return Cred::userpass_plaintext(user_from_url.unwrap_or("x-access-token"), &token);
            }
        }
    }
    let tried_text = if tried.list.is_empty() {
        "no credentials were available".to_string()
    } else {
        format!("tried {}", tried.list.join(", "))
    };
    Err(git2::Error::new(
        ErrorCode::Auth,
        ErrorClass::Callback,
        format!("authentication failed ({tried_text})"),
    ))
}

/// Push `local_ref` to `branch` of `url`. On a TTY, `progress` shows a line on stderr.
/// Errors name the reason and carry a hint saying what to do.
pub fn push(
    repo: &Repository,
    partner: &str,
    url: &str,
    local_ref: &str,
    branch: &str,
    progress: bool,
) -> Result<()> {
    let shown = redact_url(url);
    if let Err(e) = validate_url(url) {
        return Err(e.context(format!("partner {partner} has an unusable URL in wol.toml")));
    }
    let mut remote = repo.remote_anonymous(url)?;
    let tried = RefCell::new(Tried::default());
    let config = repo.config().ok();
    let rejected: RefCell<Option<String>> = RefCell::new(None);
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(|u, user, allowed| {
        next_credential(config.as_ref(), &mut tried.borrow_mut(), u, user, allowed)
    });
    callbacks.push_update_reference(|_refname, status| {
        if let Some(msg) = status {
            *rejected.borrow_mut() = Some(msg.to_string());
        }
        Ok(())
    });
    let tty = progress && std::io::stderr().is_terminal();
    if tty {
        callbacks.push_transfer_progress(move |current, total, bytes| {
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r{partner}: pushing {current}/{total} objects ({} KiB)\x1b[K",
                bytes / 1024
            );
            let _ = err.flush();
        });
    }
    let mut opts = PushOptions::new();
    opts.remote_callbacks(callbacks);
    let refspec = format!("{local_ref}:refs/heads/{branch}");
    let result = remote.push(&[refspec.as_str()], Some(&mut opts));
    if tty {
        eprint!("\r\x1b[K");
    }
    drop(opts);
    match result {
        Ok(()) => match rejected.into_inner() {
            None => Ok(()),
            Some(status) if is_non_fast_forward(&status) => Err(non_fast_forward(&shown, branch)),
            Some(status) => Err(hinted(
                format!("{shown} refused the push to {branch}: {status}"),
                format!(
                    "the server (a hook or its settings) declined it; ask the maintainers of {shown} why, then {WHAT_NEXT}"
                ),
            )),
        },
        Err(e) if e.code() == ErrorCode::NotFastForward || is_non_fast_forward(e.message()) => {
            Err(non_fast_forward(&shown, branch))
        }
        Err(e) => Err(transport_error(e, &shown, "push to")),
    }
}

const WHAT_NEXT: &str =
    "fix it and run wol publish again; the other partners and your journal are unaffected";

/// A failed connection, authentication or transfer, with what to do about it.
fn transport_error(e: git2::Error, shown: &str, doing: &str) -> anyhow::Error {
    if e.code() == ErrorCode::Auth || (e.class() == ErrorClass::Ssh && e.message().contains("auth"))
    {
        return hinted(
            format!("could not authenticate to {shown}: {}", e.message()),
            "load your key into ssh-agent (ssh-add), configure a git credential helper, or set WOL_GIT_TOKEN for https",
        );
    }
    if e.code() == ErrorCode::Certificate {
        return hinted(
            format!(
                "the server certificate of {shown} is not trusted: {}",
                e.message()
            ),
            "check the host name; for ssh, add the host to ~/.ssh/known_hosts (ssh it once)",
        );
    }
    if matches!(
        e.class(),
        ErrorClass::Net | ErrorClass::Os | ErrorClass::Ssh | ErrorClass::Http
    ) {
        return hinted(
            format!("cannot reach {shown}: {}", e.message()),
            format!("check the URL (wol partner list) and your network; {WHAT_NEXT}"),
        );
    }
    hinted(
        format!("{doing} {shown} failed: {}", e.message()),
        format!(
            "check that the repository exists and accepts pushes (for a local path: git init --bare {shown}); {WHAT_NEXT}"
        ),
    )
}

/// Fetch `branch` of `url` into `local_ref` (replacing it) and return its commit, or
/// `None` when the remote has no such branch yet. Used by `shared` mode, which commits
/// on top of what the community repository holds.
pub fn fetch(
    repo: &Repository,
    url: &str,
    branch: &str,
    local_ref: &str,
) -> Result<Option<git2::Oid>> {
    let shown = redact_url(url);
    // A ref left from an earlier fetch must not stand in for a branch that is gone.
    if let Ok(mut r) = repo.find_reference(local_ref) {
        r.delete()?;
    }
    fetch_into(repo, url, branch, local_ref)
        .map_err(|e| transport_error(e, &shown, "fetch from"))?;
    match repo.refname_to_id(local_ref) {
        Ok(oid) => Ok(Some(oid)),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Fetch `branch` of `url` into `local_ref` (forced: the local ref mirrors the remote),
/// with the guarded credential callback. The git2 error is left to the caller, which
/// knows what to tell the person.
pub(crate) fn fetch_into(
    repo: &Repository,
    url: &str,
    branch: &str,
    local_ref: &str,
) -> Result<(), git2::Error> {
    let mut remote = repo.remote_anonymous(url)?;
    let tried = RefCell::new(Tried::default());
    let config = repo.config().ok();
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(|u, user, allowed| {
        next_credential(config.as_ref(), &mut tried.borrow_mut(), u, user, allowed)
    });
    let mut opts = git2::FetchOptions::new();
    opts.remote_callbacks(callbacks);
    opts.download_tags(git2::AutotagOption::None);
    let refspec = format!("+refs/heads/{branch}:{local_ref}");
    remote.fetch(&[refspec.as_str()], Some(&mut opts), None)
}

/// True when `err` is the "remote has commits we did not publish" rejection.
pub fn is_rejected_non_fast_forward(err: &anyhow::Error) -> bool {
    err.to_string().contains("(not a fast-forward)")
}

fn is_non_fast_forward(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("non-fast-forward") || m.contains("fetch first") || m.contains("not fast-forward")
}

fn non_fast_forward(shown: &str, branch: &str) -> anyhow::Error {
    hinted(
        format!("{shown} has commits on {branch} that wol did not publish (not a fast-forward)"),
        format!(
            "wol only fast-forwards its own branch and never forces; someone else pushed to {branch}. \
             Look at them (git fetch {shown} {branch}), then remove them from the remote, or publish \
             to another branch: wol partner rm NAME && wol partner add NAME URL --branch BRANCH"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_credential_callback_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        for allowed in [
            CredentialType::USER_PASS_PLAINTEXT,
            CredentialType::SSH_KEY | CredentialType::USERNAME,
            CredentialType::all(),
        ] {
            let mut tried = Tried::default();
            let mut calls = 0;
            while next_credential(
                repo.config().ok().as_ref(),
                &mut tried,
                "https://example.invalid/x.git",
                None,
                allowed,
            )
            .is_ok()
            {
                calls += 1;
                assert!(calls < 10, "the callback keeps answering for {allowed:?}");
            }
        }
    }

    #[test]
    fn relative_paths_resolve_against_the_journal() {
        let root = Path::new("/j");
        assert_eq!(resolve_url("../pub.git", root), "/j/../pub.git");
        assert_eq!(resolve_url("/srv/pub.git", root), "/srv/pub.git");
        assert_eq!(resolve_url("git@h:x.git", root), "git@h:x.git");
        assert_eq!(resolve_url("https://h/x.git", root), "https://h/x.git");
    }
}
