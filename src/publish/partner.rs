//! Partners in `wol.toml`: validating names and URLs, and editing `[partners.NAME]` with
//! `toml_edit` so the user's comments and layout survive.
//!
//! A partner URL never carries a password or token: credentials come from ssh-agent, key
//! files, git credential helpers or `WOL_GIT_TOKEN` at push time (see [`super::push`]).

use anyhow::Result;
use toml_edit::{Array, Table, value};

use crate::config::{self, PartnerConfig, PartnerMode};
use crate::error::hinted;
use crate::publish::scan;

/// Longest partner name.
pub const NAME_MAX: usize = 40;

/// Check a partner name: lower-case ASCII letters, digits, `-` and `_`, starting with a
/// letter or digit. It becomes part of a git ref (`refs/wol/published/NAME`) and of feed ids.
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
            format!("{:?} is not a usable remote URL", redact_url(url)),
            "give a path, file://, git://, ssh://, user@host:path or https:// URL",
        ));
    }
    let no_creds_hint = "keep credentials out of wol.toml: use ssh-agent or a key file for \
                         ssh, a git credential helper (git config credential.helper) or the \
                         WOL_GIT_TOKEN environment variable for https";
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
        let authority = rest.split('/').next().unwrap_or("");
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
        return Ok(UrlKind::Ssh);
    }
    Ok(UrlKind::Local)
}

/// Long opaque user names in URLs are almost always tokens.
fn looks_like_token(user: &str) -> bool {
    user.len() >= 30
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The URL with any user info replaced by `***`, safe to print.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if let Some((_, host)) = authority.rsplit_once('@') {
            return format!("{scheme}://***@{host}{path}");
        }
    }
    url.to_string()
}

/// Add `[partners.NAME]` to the text of a `wol.toml`, keeping everything else as it is.
/// Fails when the partner exists already.
pub fn add_to_toml(text: &str, name: &str, partner: &PartnerConfig) -> Result<String> {
    let mut table = Table::new();
    table.insert("url", value(partner.url.as_str()));
    table.insert("branch", value(partner.branch.as_str()));
    let mode = match partner.mode {
        PartnerMode::Own => "own",
        PartnerMode::Shared => "shared",
    };
    table.insert("mode", value(mode));
    table.insert("tags", value(string_array(&partner.tags)));
    table.insert("kinds", value(string_array(&partner.kinds)));
    config::add_table(text, "partners", name, table)?.ok_or_else(|| {
        hinted(
            format!("partner `{name}` exists already"),
            format!("remove it first with: wol partner rm {name}"),
        )
    })
}

/// Remove `[partners.NAME]` from the text of a `wol.toml`. Fails when there is none.
pub fn remove_from_toml(text: &str, name: &str) -> Result<String> {
    config::remove_table(text, "partners", name)?.ok_or_else(|| {
        hinted(
            format!("there is no partner `{name}`"),
            "list partners with: wol partner list",
        )
    })
}

fn string_array(items: &[String]) -> Array {
    items.iter().map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            validate_url("https://me@example.org/log.git").unwrap(),
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
        ] {
            assert!(validate_url(bad).is_err(), "{bad} accepted");
        }
        let err = validate_url("https://me:hunter2@example.org/x").unwrap_err();
        assert!(!format!("{err:#}").contains("hunter2"));
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

    #[test]
    fn editing_keeps_comments() {
        let text = "# my journal\nkinds = [\"progress\"] # only this\n\n[publish]\nnever = []\n";
        let p = PartnerConfig {
            url: "/srv/x.git".into(),
            tags: vec!["rust".into()],
            ..PartnerConfig::default()
        };
        let added = add_to_toml(text, "gig", &p).unwrap();
        assert!(added.starts_with(text), "{added}");
        assert!(
            added.contains("[partners.gig]\nurl = \"/srv/x.git\""),
            "{added}"
        );
        let parsed: crate::config::JournalConfig = toml::from_str(&added).unwrap();
        assert_eq!(parsed.partners["gig"], p);
        assert!(add_to_toml(&added, "gig", &p).is_err());
        let removed = remove_from_toml(&added, "gig").unwrap();
        assert!(removed.contains("# my journal") && removed.contains("# only this"));
        assert!(!removed.contains("gig"), "{removed}");
        assert!(remove_from_toml(&removed, "gig").is_err());
    }
}
