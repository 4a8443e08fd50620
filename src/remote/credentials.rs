//! Credentials for remote git, in one order for every caller: ssh-agent, `~/.ssh` key
//! files, git credential helpers, `WOL_GIT_TOKEN` (https). The callback remembers what it
//! tried and ends with an error, because libgit2 calls it again after each failure (15
//! tries over HTTP, unbounded over SSH). Nothing is printed or stored.

use std::path::PathBuf;

use git2::{Cred, CredentialType, ErrorClass, ErrorCode};

/// What the credential callback has tried so far (never the secrets themselves).
#[derive(Default)]
pub struct Tried {
    username: bool,
    agent: bool,
    keys: Option<Vec<PathBuf>>,
    helper: bool,
    token: bool,
    list: Vec<&'static str>,
}

/// The usual private key files in `~/.ssh`, best first.
pub fn ssh_key_files() -> Vec<PathBuf> {
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
pub fn next_credential(
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
