//! The rules for remote names, URLs and branches, shared by partners and followed logs
//! (`partner add`, `follow add`, and every `wol.toml` loaded by hand), and printing a
//! URL safely.
//!
//! A remote URL never carries a password or token: credentials come from ssh-agent, key
//! files, git credential helpers or `WOL_GIT_TOKEN` at push time (see
//! [`super::credentials`]).

use std::path::Path;

use anyhow::Result;

use crate::error::hinted;
use crate::publish::scan;

/// Longest partner name.
pub const NAME_MAX: usize = 40;

/// Check a partner or followed log's name: lower-case ASCII letters, digits, `-` and `_`,
/// starting with a letter or digit. It becomes part of a git ref
/// (`refs/wol/published/NAME`), of a folder name (`.wol/following/NAME.git`) and of URLs.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= NAME_MAX
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && name.as_bytes()[0].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        Err(hinted(
            format!("`{name}` is not a valid partner name"),
            format!(
                "use lower-case letters, digits, `-` and `_` (at most {NAME_MAX}), e.g. `gig` or `ouishare-eu`"
            ),
        ))
    }
}

/// The kind of a remote URL, as git understands it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlKind {
    /// A path on this machine (absolute, or relative to the journal) or `file://`.
    Local,
    /// `git://host/path`
    Git,
    /// `ssh://…` or scp-style `user@host:path`
    Ssh,
    /// `https://…`
    Https,
}

/// Validate a partner URL and say what kind it is. Refuses URLs that carry credentials
/// (`https://user:pass@…`, a token as the user name), plain `http://`, and other schemes.
pub fn validate_url(url: &str) -> Result<UrlKind> {
    if url.trim().is_empty() || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(hinted(
            format!("{:?} is not a valid URL", redact_url(url)),
            "give a path, file://, git://, ssh://, user@host:path or https:// URL",
        ));
    }
    let no_creds_hint = "keep credentials out of wol.toml: use ssh-agent or a key file for \
                         ssh, a git credential helper (git config credential.helper) or the \
                         WOL_GIT_TOKEN environment variable for https";
    // `-x` would be read as an option by a git command line, and `transport::address`
    // (`ext::sh -c …`) runs a program: neither is a place to publish to.
    if url.starts_with('-') || url.contains("::") {
        return Err(hinted(
            format!("{:?} is not a usable remote URL", redact_url(url)),
            "give a path, file://, git://, ssh://, user@host:path or https:// URL",
        ));
    }
    if has_token_query(url) {
        return Err(hinted(
            format!(
                "the URL {} carries a token in its query string; wol never stores credentials",
                redact_url(url)
            ),
            no_creds_hint,
        ));
    }
    if let Some((scheme, rest)) = url.split_once("://") {
        let kind = match scheme.to_ascii_lowercase().as_str() {
            "file" => UrlKind::Local,
            "git" => UrlKind::Git,
            "ssh" | "git+ssh" | "ssh+git" => UrlKind::Ssh,
            "https" => UrlKind::Https,
            "http" => {
                return Err(hinted(
                    format!("{} uses plain http", redact_url(url)),
                    "use https:// so that nothing travels in clear text",
                ));
            }
            other => {
                return Err(hinted(
                    format!("unsupported URL scheme `{other}://`"),
                    "use a path, file://, git://, ssh://, user@host:path or https://",
                ));
            }
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if let Some((userinfo, _host)) = authority.rsplit_once('@') {
            if userinfo.contains(':') {
                return Err(hinted(
                    format!(
                        "the URL {} contains a password; wol never stores credentials",
                        redact_url(url)
                    ),
                    no_creds_hint,
                ));
            }
            if !scan::scan_text(userinfo, &[]).is_empty() || looks_like_token(userinfo) {
                return Err(hinted(
                    format!(
                        "the user name in {} looks like an access token; wol never stores credentials",
                        redact_url(url)
                    ),
                    no_creds_hint,
                ));
            }
            // A user name is normal for ssh (`ssh://git@host/…`); for every other scheme
            // it is a credential, or the first half of one.
            if kind != UrlKind::Ssh {
                return Err(hinted(
                    format!(
                        "the URL {} carries a user name; wol never stores credentials",
                        redact_url(url)
                    ),
                    no_creds_hint,
                ));
            }
        }
        if authority.split('@').any(|part| part.starts_with('-')) {
            return Err(option_like(url));
        }
        if kind != UrlKind::Local && authority.rsplit('@').next().unwrap_or("").is_empty() {
            return Err(hinted(
                format!("{url} names no host"),
                "write it as scheme://host/path",
            ));
        }
        return Ok(kind);
    }
    // scp-style: `[user@]host:path`, where the colon comes before any slash.
    if let Some(colon) = url.find(':')
        && !url[..colon].contains('/')
        && colon > 0
    {
        if url[..colon].split('@').any(|part| part.starts_with('-')) {
            return Err(option_like(url));
        }
        return Ok(UrlKind::Ssh);
    }
    Ok(UrlKind::Local)
}

/// A user or host that starts with `-`, which an ssh command line would read as an
/// option (`ssh://-oProxyCommand=…/x` runs a program): refused, as git refuses it.
fn option_like(url: &str) -> anyhow::Error {
    hinted(
        format!(
            "{:?} is not a usable remote URL: its user or host starts with `-`",
            redact_url(url)
        ),
        "give a path, file://, git://, ssh://, user@host:path or https:// URL",
    )
}

/// A query parameter that carries a credential (`?token=…`, `access_token=…`, `key=…`).
fn has_token_query(url: &str) -> bool {
    let Some((_, query)) = url.split_once('?') else {
        return false;
    };
    query.split(['&', ';', '#']).any(|pair| {
        let key = pair.split('=').next().unwrap_or("").to_ascii_lowercase();
        pair.contains('=')
            && [
                "token",
                "access_token",
                "private_token",
                "auth",
                "key",
                "api_key",
                "apikey",
                "password",
                "secret",
                "sig",
                "signature",
            ]
            .contains(&key.as_str())
    })
}

/// Long opaque user names in URLs are almost always tokens.
fn looks_like_token(user: &str) -> bool {
    user.len() >= 30
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The URL with any user info and query string replaced by `***`, safe to print in
/// errors, `doctor` and `partner list`. Control characters are dropped so a hostile
/// `wol.toml` cannot write to the terminal through a URL.
pub fn redact_url(url: &str) -> String {
    let clean: String = url.chars().filter(|c| !c.is_control()).collect();
    let (base, query) = match clean.split_once('?') {
        Some((base, _)) => (base, "?***"),
        None => (clean.as_str(), ""),
    };
    if let Some((scheme, rest)) = base.split_once("://") {
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if let Some((user, host)) = authority.rsplit_once('@') {
            // `ssh://git@host` keeps its plain user name; anything else is hidden.
            let plain_ssh_user = scheme.to_ascii_lowercase().contains("ssh")
                && !user.contains(':')
                && !looks_like_token(user);
            if !plain_ssh_user {
                return format!("{scheme}://***@{host}{path}{query}");
            }
            return format!("{base}{query}");
        }
    }
    // Not `scheme://user@host` (a typo like `https:/u:t@host`, `file:///u:t@…`, or
    // `user@host:path`): any `user:password@`, or a user that looks like a token, is
    // hidden wherever it stands.
    let mut out = String::with_capacity(base.len());
    for (n, part) in base.split('/').enumerate() {
        if n > 0 {
            out.push('/');
        }
        match part.rsplit_once('@') {
            Some((user, rest)) if user.contains(':') || looks_like_token(user) => {
                let scheme = user.split_once(':').map(|(s, _)| s).filter(|s| {
                    n == 0 && !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic())
                });
                match scheme {
                    // `https:u:t@host`: the scheme stays.
                    Some(s) if user.matches(':').count() > 1 => {
                        out.push_str(&format!("{s}:***@{rest}"))
                    }
                    _ => out.push_str(&format!("***@{rest}")),
                }
            }
            _ => out.push_str(part),
        }
    }
    format!("{out}{query}")
}

/// Check a branch name as `git check-ref-format --branch` does: `refs/heads/NAME` must
/// be a valid ref, and the name neither starts with `-` nor is `HEAD`.
pub fn validate_branch(branch: &str) -> Result<()> {
    if !branch.starts_with('-')
        && branch != "HEAD"
        && git2::Reference::is_valid_name(&format!("refs/heads/{branch}"))
    {
        Ok(())
    } else {
        Err(hinted(
            format!("`{branch}` is not a valid branch name"),
            "use a name like main or gh-pages",
        ))
    }
}

/// The URL git2 should use: a relative local path is taken relative to the journal.
pub fn resolve_url(url: &str, journal_root: &Path) -> String {
    match validate_url(url) {
        Ok(UrlKind::Local) if !url.contains("://") && Path::new(url).is_relative() => {
            journal_root.join(url).to_string_lossy().into_owned()
        }
        _ => url.to_string(),
    }
}

/// The local repository path a `Local` URL names, if it is one.
pub fn local_path(url: &str) -> Option<std::path::PathBuf> {
    match validate_url(url).ok()? {
        UrlKind::Local => Some(std::path::PathBuf::from(
            url.strip_prefix("file://").unwrap_or(url),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_are_checked_as_git_checks_them() {
        for ok in ["main", "gh-pages", "log/ann", "v1.2"] {
            assert!(validate_branch(ok).is_ok(), "{ok}");
        }
        for bad in ["HEAD", "-x", "a..b", "a b", "x.lock", "", "a~1", "@{x}"] {
            assert!(validate_branch(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_option_like_user_or_host_is_refused() {
        for bad in [
            "ssh://-oProxyCommand=x/y",
            "ssh://git@-oProxyCommand=x/y",
            "ssh://-u@host/y",
            "git@-oProxyCommand=x:y",
            "git://-host/y",
        ] {
            let err = validate_url(bad).unwrap_err().to_string();
            assert!(err.contains("starts with `-`"), "{bad}: {err}");
        }
        assert!(validate_url("ssh://git@my-host.example/y").is_ok());
        assert!(validate_url("git@my-host.example:a-b/y").is_ok());
    }

    #[test]
    fn urls_are_classified_and_credentials_refused() {
        assert_eq!(validate_url("/srv/git/log.git").unwrap(), UrlKind::Local);
        assert_eq!(validate_url("../log.git").unwrap(), UrlKind::Local);
        assert_eq!(validate_url("file:///srv/log.git").unwrap(), UrlKind::Local);
        assert_eq!(
            validate_url("git://127.0.0.1:9418/log.git").unwrap(),
            UrlKind::Git
        );
        assert_eq!(
            validate_url("ssh://git@example.org/log.git").unwrap(),
            UrlKind::Ssh
        );
        assert_eq!(
            validate_url("git@example.org:gig/log.git").unwrap(),
            UrlKind::Ssh
        );
        assert_eq!(
            validate_url("https://example.org/gig/log.git").unwrap(),
            UrlKind::Https
        );
        for bad in [
            "https://me:hunter2@example.org/log.git",
            "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x.git",
            "http://example.org/log.git",
            "ftp://example.org/log.git",
            "https:///nohost",
            "",
            "has space",
            "https://me@example.org/log.git",
            "https://example.org/log.git?token=abc",
            "https://example.org/log.git?x=1&access_token=abc",
            "git://me@example.org/log.git",
            "-rf",
            "--upload-pack=touch /tmp/x",
            "ext::sh -c touch% /tmp/pwned",
            "ext::x",
        ] {
            assert!(validate_url(bad).is_err(), "{bad} accepted");
        }
        let err = validate_url("https://me:hunter2@example.org/x").unwrap_err();
        assert!(!format!("{err:#}").contains("hunter2"));
        let err = validate_url("https://example.org/x?token=hunter2").unwrap_err();
        assert!(!format!("{err:#}").contains("hunter2"));
        assert_eq!(
            redact_url("https://u:p@h/x.git?token=t"),
            "https://***@h/x.git?***"
        );
        assert_eq!(redact_url("ssh://git@h/x.git"), "ssh://git@h/x.git");
        // Typos and other shapes hide the secret too.
        for (url, shown) in [
            ("https:/u:TOKEN@h/x.git", "https:/***@h/x.git"),
            ("file:///u:TOKEN@h/x.git", "file:///***@h/x.git"),
            ("https:u:TOKEN@h/x.git", "https:***@h/x.git"),
            ("u:TOKEN@h:team/x.git", "***@h:team/x.git"),
            (
                "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8@h:x.git",
                "***@h:x.git",
            ),
            ("git@github.com:team/x.git", "git@github.com:team/x.git"),
            ("/srv/git/x.git", "/srv/git/x.git"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
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

    #[test]
    fn names_are_slug_safe() {
        for good in ["gig", "ouishare-eu", "a_b", "x1"] {
            validate_name(good).unwrap();
        }
        for bad in ["", "-x", "Gig", "a/b", "..", "a b", "a.b", &"x".repeat(41)] {
            assert!(validate_name(bad).is_err(), "{bad} accepted");
        }
    }
}
