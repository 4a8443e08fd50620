//! Configuration in layers, lowest first:
//!
//! 1. built-in defaults ([`JournalConfig::default`]);
//! 2. the user config (default journal, author): `$WOL_CONFIG`, else
//!    `$WOL_CONFIG_DIR/config.toml`, else `dirs::config_dir()/wol/config.toml`;
//! 3. the journal's `wol.toml` (kinds, default visibility, author, partners, publish rules);
//! 4. the environment: `WOL_DIR`, `WOL_AUTHOR`;
//! 5. command-line flags.
//!
//! Unknown keys are an error that names the key and the file, so a typo never silently
//! changes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::entry::Visibility;
use crate::error::hinted;
use toml_edit::{Array, Table, value};

/// The kinds a new journal starts with.
pub const DEFAULT_KINDS: [&str; 5] = ["progress", "learning", "help", "decision", "credit"];

/// The journal's `wol.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JournalConfig {
    /// The journal's stable random id, written by `wol init` and never changed: it makes
    /// feed ids unique and marks this journal's folder in a shared community repo.
    pub id: Option<String>,
    /// Author of new entries (overrides the user config and git's `user.name`).
    pub author: Option<String>,
    /// Visibility of new entries when no flag says otherwise.
    pub default_visibility: Visibility,
    /// The kinds an entry may have.
    pub kinds: Vec<String>,
    /// Rules for what may leave the machine.
    pub publish: PublishConfig,
    /// Partners the log is published to, by name.
    pub partners: BTreeMap<String, PartnerConfig>,
    /// Other people's published logs this journal reads (`wol follow`), by name.
    pub follow: BTreeMap<String, FollowConfig>,
    /// How remote operations behave.
    pub remote: RemoteConfig,
    /// People entries mention, by name.
    pub people: BTreeMap<String, PersonConfig>,
    /// How `wol log` behaves.
    pub log: LogConfig,
    /// Where `wol sync` keeps the journal in step between machines (absent: not set up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<SyncConfig>,
}

/// `[log]` in `wol.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// The largest file `wol log --attach` takes: `"10MB"`, `"500kB"`, `"2MiB"` or a
    /// number of bytes. Default 10 MB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_max: Option<SizeValue>,
}

/// A size in `wol.toml`: a number of bytes or a text such as `"10MB"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SizeValue {
    Bytes(u64),
    Text(String),
}

impl LogConfig {
    /// The attachment size limit in bytes (checked by [`JournalConfig::load`]).
    pub fn attachment_max(&self) -> u64 {
        match &self.attachment_max {
            None => crate::attach::DEFAULT_MAX,
            Some(SizeValue::Bytes(n)) => *n,
            Some(SizeValue::Text(t)) => {
                crate::attach::parse_size(t).unwrap_or(crate::attach::DEFAULT_MAX)
            }
        }
    }
}

/// `[sync]` in `wol.toml`: the private remote `wol sync` keeps the whole journal on, and
/// the public keys its sealed files are encrypted to. Never holds a secret key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncConfig {
    pub url: String,
    pub branch: String,
    /// age (`age1…`) or `ssh-ed25519 …` public keys allowed to open sealed files.
    pub recipients: Vec<String>,
    /// Fingerprints of sync keys `remove-recipient` retired: a removed machine holds them,
    /// so no machine names files with them again, nor takes one from the remote.
    pub retired_keys: Vec<String>,
}

/// The branch `wol sync` uses unless told otherwise.
pub const DEFAULT_SYNC_BRANCH: &str = "wol-sync";

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            url: String::new(),
            branch: DEFAULT_SYNC_BRANCH.into(),
            recipients: Vec::new(),
            retired_keys: Vec::new(),
        }
    }
}

/// `[remote]` in `wol.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteConfig {
    /// Seconds to wait for a server to connect or to answer (publish, pull, doctor).
    pub timeout: u64,
}

impl Default for RemoteConfig {
    fn default() -> Self {
        RemoteConfig {
            timeout: crate::remote::DEFAULT_TIMEOUT.as_secs(),
        }
    }
}

impl Default for JournalConfig {
    fn default() -> Self {
        JournalConfig {
            id: None,
            author: None,
            default_visibility: Visibility::Public,
            kinds: DEFAULT_KINDS.map(String::from).to_vec(),
            publish: PublishConfig::default(),
            partners: BTreeMap::new(),
            follow: BTreeMap::new(),
            remote: RemoteConfig::default(),
            people: BTreeMap::new(),
            log: LogConfig::default(),
            sync: None,
        }
    }
}

/// `[publish]` in `wol.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublishConfig {
    /// Regular expressions that must never appear in a published entry.
    pub never: Vec<String>,
    /// The folder name (`logs/<slug>/`) in shared community repos; default: the
    /// author's name as a slug.
    pub slug: Option<String>,
    /// The licence of what is published, an SPDX id (`CC-BY-4.0`): a `LICENSE` file, a
    /// line on every page, `<rights>` in the feeds and `license` in `wol.json`.
    pub license: Option<String>,
    /// Your own `@names`: a followed log that mentions one of them is credit to you
    /// (`wol feed --mentions`, the digest's "Credited by").
    pub handles: Vec<String>,
}

/// How a partner's remote is written to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PartnerMode {
    /// The branch is ours: fast-forward on top of what we pushed before.
    #[default]
    Own,
    /// A community repo where each member writes only `logs/<author-slug>/`.
    Shared,
}

/// `[partners.NAME]` in `wol.toml`. Never holds credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PartnerConfig {
    pub url: String,
    pub branch: String,
    pub mode: PartnerMode,
    /// Only entries with one of these tags (empty: all).
    pub tags: Vec<String>,
    /// Only entries of these kinds (empty: all).
    pub kinds: Vec<String>,
    /// Where the partner serves `docs/` (`https://…/`): feeds and pages then carry
    /// absolute links; without it, links are relative to the file that holds them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// `@names` that mean this partner in entries (credit that links to them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub handles: Vec<String>,
}

impl Default for PartnerConfig {
    fn default() -> Self {
        PartnerConfig {
            url: String::new(),
            branch: "main".into(),
            mode: PartnerMode::Own,
            tags: Vec::new(),
            kinds: Vec::new(),
            site: None,
            handles: Vec::new(),
        }
    }
}

/// `[people.NAME]` in `wol.toml`: someone entries mention (`@handle`), so the site can
/// link the mention and `wol feed --mentions` can recognise them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PersonConfig {
    /// `@names` that mean this person.
    pub handles: Vec<String>,
    /// Where to find them (a profile or their own published log).
    pub url: Option<String>,
}

/// `[follow.NAME]` in `wol.toml`: a published log (a git remote holding `wol.json`)
/// that `wol pull` fetches. Never holds credentials.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FollowConfig {
    pub url: String,
    pub branch: String,
}

impl Default for FollowConfig {
    fn default() -> Self {
        FollowConfig {
            url: String::new(),
            branch: "main".into(),
        }
    }
}

impl JournalConfig {
    /// What parsing an entry of this journal needs to know.
    pub fn schema(&self) -> crate::entry::Schema<'_> {
        crate::entry::Schema {
            kinds: &self.kinds,
            default_visibility: self.default_visibility,
        }
    }

    /// Ok when `kind` is one of the journal's kinds, else an error naming them. An entry of
    /// any other kind is malformed (reading commands skip it), so the kinds in `wol.toml`
    /// are all the kinds there are.
    pub fn check_kind(&self, kind: &str) -> Result<()> {
        if self.kinds.iter().any(|k| k == kind) {
            return Ok(());
        }
        Err(crate::error::hinted(
            format!("unknown kind `{kind}`"),
            format!(
                "use one of: {} (or add it to `kinds` in wol.toml)",
                self.kinds.join(", ")
            ),
        ))
    }

    /// Read and validate a `wol.toml`.
    pub fn load(path: &Path) -> Result<JournalConfig> {
        crate::diag::info(format_args!("config {}", path.display()));
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut config: JournalConfig = parse_toml(&text, path)?;
        config.validate(path)?;
        Ok(config)
    }

    /// Parse a `wol.toml` without [`JournalConfig::load`]'s checks: `wol doctor` uses it
    /// to go on checking each partner after reporting what is wrong with the file.
    pub fn load_unchecked(path: &Path) -> Result<JournalConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        parse_toml(&text, path)
    }

    /// The checks `partner add` and `follow add` make, applied to a file edited by hand
    /// too: names that become refs and folders, URLs without credentials or option-like
    /// text, branches that are valid refs, tags normalised. Errors name the file and key.
    fn validate(&mut self, path: &Path) -> Result<()> {
        let at = |key: String, e: anyhow::Error| {
            let hint = crate::error::hint_of(&e)
                .unwrap_or_else(|| format!("fix `{key}` in {}", path.display()));
            hinted(format!("{}: `{key}`: {e}", path.display()), hint)
        };
        if self.kinds.is_empty() {
            return Err(hinted(
                format!("{}: `kinds` is empty", path.display()),
                format!("list at least one kind, e.g. kinds = {:?}", DEFAULT_KINDS),
            ));
        }
        if let Some(id) = &self.id
            && !crate::identity::valid_journal_id(id)
        {
            return Err(hinted(
                format!("{}: `id` is not a journal id", path.display()),
                "wol init writes it (32 hex digits) and it never changes; restore the old value from git log -p wol.toml",
            ));
        }
        if let Some(slug) = &self.publish.slug
            && (slug.is_empty() || crate::entry::slugify(slug) != *slug)
        {
            return Err(hinted(
                format!("{}: [publish] slug {slug:?} is not a slug", path.display()),
                format!(
                    "use lower-case letters, digits and -, e.g. {:?}",
                    crate::entry::slugify(slug)
                ),
            ));
        }
        if self.remote.timeout == 0 {
            return Err(hinted(
                format!(
                    "{}: [remote] timeout must be at least 1 (seconds)",
                    path.display()
                ),
                "the default is 30",
            ));
        }
        let size_ok = match &self.log.attachment_max {
            None => true,
            Some(SizeValue::Bytes(n)) => *n > 0,
            Some(SizeValue::Text(t)) => crate::attach::parse_size(t).is_some(),
        };
        if !size_ok {
            return Err(hinted(
                format!("{}: [log] attachment_max is not a size", path.display()),
                "write it like \"10MB\", \"500kB\" or \"2MiB\" (the default is 10MB)",
            ));
        }
        if let Some(license) = &self.publish.license
            && !valid_spdx(license)
        {
            return Err(hinted(
                format!(
                    "{}: [publish] license {license:?} is not an SPDX licence id",
                    path.display()
                ),
                "use an id from https://spdx.org/licenses/, e.g. \"CC-BY-4.0\" or \"CC0-1.0\"",
            ));
        }
        for (name, p) in &mut self.partners {
            use crate::remote;
            if let Some(site) = &p.site {
                p.site =
                    Some(normalize_site(site).map_err(|e| at(format!("partners.{name}.site"), e))?);
            }
            remote::validate_name(name).map_err(|e| at(format!("partners.{name}"), e))?;
            remote::validate_url(&p.url).map_err(|e| at(format!("partners.{name}.url"), e))?;
            remote::validate_branch(&p.branch)
                .map_err(|e| at(format!("partners.{name}.branch"), e))?;
            p.tags = p
                .tags
                .iter()
                .filter_map(|t| crate::entry::normalize_tag(t))
                .collect();
        }
        if let Some(sync) = &self.sync {
            use crate::remote;
            remote::validate_url(&sync.url).map_err(|e| at("sync.url".into(), e))?;
            remote::validate_branch(&sync.branch).map_err(|e| at("sync.branch".into(), e))?;
            for key in &sync.recipients {
                crate::sync::keys::parse_recipient(key)
                    .map_err(|e| at("sync.recipients".into(), e))?;
            }
        }
        for (name, f) in &self.follow {
            use crate::remote;
            remote::validate_name(name).map_err(|e| at(format!("follow.{name}"), e))?;
            remote::validate_url(&f.url).map_err(|e| at(format!("follow.{name}.url"), e))?;
            remote::validate_branch(&f.branch)
                .map_err(|e| at(format!("follow.{name}.branch"), e))?;
        }
        Ok(())
    }
}

/// The user's own `config.toml`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserConfig {
    /// The default journal (a leading `~/` means the home directory).
    pub journal: Option<PathBuf>,
    /// Author of new entries in every journal that does not set one.
    pub author: Option<String>,
    /// An `ssh-ed25519` private key that opens sealed files of synced journals (set by
    /// `wol sync init --ssh-key`), besides `identity.txt` in the config dir.
    pub ssh_key: Option<PathBuf>,
}

impl UserConfig {
    /// Where the user config lives: `$WOL_CONFIG` (a file), else
    /// `$WOL_CONFIG_DIR/config.toml`, else `dirs::config_dir()/wol/config.toml` — as
    /// `GH_CONFIG_DIR` and `JJ_CONFIG` move gh's and jj's.
    pub fn path() -> Option<PathBuf> {
        let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(file) = set("WOL_CONFIG") {
            return Some(PathBuf::from(file));
        }
        if let Some(dir) = set("WOL_CONFIG_DIR") {
            return Some(PathBuf::from(dir).join("config.toml"));
        }
        dirs::config_dir().map(|d| d.join("wol").join("config.toml"))
    }

    /// The folder of wol's own files on this machine (the user config, `identity.txt`):
    /// `$WOL_CONFIG_DIR`, else the folder of `$WOL_CONFIG`, else
    /// `dirs::config_dir()/wol`.
    pub fn dir() -> Option<PathBuf> {
        let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(dir) = set("WOL_CONFIG_DIR") {
            return Some(PathBuf::from(dir));
        }
        if let Some(file) = set("WOL_CONFIG") {
            return Some(
                PathBuf::from(file)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
            );
        }
        dirs::config_dir().map(|d| d.join("wol"))
    }

    /// Load the user config; a missing file is the empty config.
    pub fn load() -> Result<UserConfig> {
        let Some(path) = Self::path() else {
            crate::diag::info(format_args!("user config: no config directory known"));
            return Ok(UserConfig::default());
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                crate::diag::info(format_args!(
                    "user config {} (not there: built-in defaults)",
                    path.display()
                ));
                return Ok(UserConfig::default());
            }
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", path.display()));
            }
        };
        crate::diag::info(format_args!("user config {}", path.display()));
        let mut config: UserConfig = parse_toml(&text, &path)?;
        config.journal = config.journal.map(|p| expand_home(&p));
        config.ssh_key = config.ssh_key.map(|p| expand_home(&p));
        Ok(config)
    }
}

/// Deserialize TOML, turning errors into "file:line: message" with a hint.
fn parse_toml<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        });
        hinted(
            format!(
                "invalid config {}:{line}: {}",
                path.display(),
                e.message().trim_end()
            ),
            format!("fix or remove that line in {}", path.display()),
        )
    })
}

/// An SPDX licence expression as far as wol needs to trust it: letters, digits, `.`,
/// `-`, `+`, and ` AND `/` OR `/` WITH ` between ids.
pub fn valid_spdx(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id.split(' ').all(|w| {
            matches!(w, "AND" | "OR" | "WITH")
                || (!w.is_empty()
                    && w.chars().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '(' | ')')
                    }))
        })
}

/// A partner's site address: an absolute `https://` (or `http://` for a local test)
/// URL without credentials, query or fragment, ending in `/`.
pub fn normalize_site(site: &str) -> Result<String> {
    let bad = |why: &str| {
        hinted(
            format!(
                "{:?} is not a site address: {why}",
                crate::remote::redact_url(site)
            ),
            "give the URL where the partner serves docs/, e.g. https://gig.codeberg.page/log/",
        )
    };
    let rest = site
        .strip_prefix("https://")
        .or_else(|| site.strip_prefix("http://"))
        .ok_or_else(|| bad("it must start with https://"))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || host.contains('@') {
        return Err(bad("it needs a host and no user name"));
    }
    if site.contains(['?', '#', '"', '<', '>', ' ', '\\']) || site.chars().any(char::is_control) {
        return Err(bad("no query, fragment, quotes or spaces"));
    }
    Ok(if site.ends_with('/') {
        site.to_string()
    } else {
        format!("{site}/")
    })
}

/// `~/x` → `$HOME/x`.
pub fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), dirs::home_dir()) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

/// Add `[section.name]` with `table` to the text of a `wol.toml`, keeping the rest of the
/// file (comments, order) as it is. `Ok(None)` when that table exists already.
pub fn add_table(
    text: &str,
    section: &str,
    name: &str,
    table: toml_edit::Table,
) -> Result<Option<String>> {
    let mut doc: toml_edit::DocumentMut = text.parse().context("wol.toml is not valid TOML")?;
    let parent = doc
        .entry(section)
        .or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_mut()
        .with_context(|| format!("`{section}` in wol.toml is not a table"))?;
    if parent.contains_key(name) {
        return Ok(None);
    }
    parent.insert(name, toml_edit::Item::Table(table));
    Ok(Some(doc.to_string()))
}

/// Remove `[section.name]` from the text of a `wol.toml` (and the section when it ends
/// up empty). `Ok(None)` when there is no such table.
pub fn remove_table(text: &str, section: &str, name: &str) -> Result<Option<String>> {
    let mut doc: toml_edit::DocumentMut = text.parse().context("wol.toml is not valid TOML")?;
    let Some(parent) = doc
        .get_mut(section)
        .and_then(toml_edit::Item::as_table_like_mut)
    else {
        return Ok(None);
    };
    if parent.remove(name).is_none() {
        return Ok(None);
    }
    if parent.is_empty() {
        doc.remove(section);
    }
    Ok(Some(doc.to_string()))
}

/// Add `[partners.NAME]` to the text of a `wol.toml`, keeping everything else as it is.
/// Fails when the partner exists already.
pub fn add_partner(text: &str, name: &str, partner: &PartnerConfig) -> Result<String> {
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
    if let Some(site) = &partner.site {
        table.insert("site", value(site.as_str()));
    }
    add_table(text, "partners", name, table)?.ok_or_else(|| {
        hinted(
            format!("partner `{name}` exists already"),
            format!("remove it first with: wol partner rm {name}"),
        )
    })
}

/// Remove `[partners.NAME]` from the text of a `wol.toml`. Fails when there is none.
pub fn remove_partner(text: &str, name: &str) -> Result<String> {
    remove_table(text, "partners", name)?.ok_or_else(|| {
        hinted(
            format!("there is no partner `{name}`"),
            "list partners with: wol partner list",
        )
    })
}

fn string_array(items: &[String]) -> Array {
    items.iter().map(String::as_str).collect()
}

/// The text `wol init` writes: every default visible, the optional keys commented.
pub fn default_journal_toml(id: &str, author: Option<&str>) -> String {
    journal_toml(id, author, Visibility::Public)
}

/// [`default_journal_toml`] with `default_visibility` set to `visibility`.
pub fn journal_toml(id: &str, author: Option<&str>, visibility: Visibility) -> String {
    let kinds: Vec<String> = DEFAULT_KINDS.iter().map(|k| format!("{k:?}")).collect();
    let author = match author {
        Some(a) => format!("author = {}", toml_edit::value(a).to_string().trim()),
        None => "# author = \"Your Name\"".to_string(),
    };
    let visibility = visibility.as_str();
    format!(
        r#"# wol journal config. Documented in wol's README; `wol doctor` checks it.

# This journal's id: marks your feeds and your folder in shared community repos.
# Written once by `wol init`; never change it.
id = "{id}"

# Author of new entries and commits ($WOL_AUTHOR overrides it).
{author}

# Visibility of new entries: "public" (every partner), "partners" (partners named in
# `to`, or all), "private" (never published). Override per entry with --private etc.
default_visibility = "{visibility}"

# The kinds an entry may have (`wol log -k KIND`).
kinds = [{kinds}]

[publish]
# (Optional keys are above `never`, so they stay in [publish] when wol adds partners.)
# The licence others may reuse your published entries under (an SPDX id): adds LICENSE,
# a line on every page, <rights> in the feeds and `license` in wol.json.
# license = "CC-BY-4.0"
# Your own @names: a followed log that mentions one is credit to you (wol feed --mentions).
# handles = ["yourname"]
# Regular expressions that must never leave the machine (checked before every publish).
never = []

# Partners are added with `wol partner add NAME URL`; they look like:
# [partners.gig]
# url = "git@example.org:gig/knowledge-log.git"
# branch = "main"
# mode = "own"     # or "shared"
# tags = []        # only entries with one of these tags (empty: all)
# kinds = []       # only these kinds (empty: all)
# site = "https://gig.codeberg.page/log/"   # where it serves docs/: absolute feed links

# Logs you read are added with `wol follow NAME URL`; they look like:
# [follow.gig]
# url = "https://codeberg.org/gig/knowledge-log.git"
# branch = "main"
"#,
        kinds = kinds.join(", "),
        id = id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_default_parses_to_the_built_in_default() {
        let parsed: JournalConfig = toml::from_str(&default_journal_toml(
            "0123456789abcdef",
            Some("Ann \"A\" Lee"),
        ))
        .unwrap();
        assert_eq!(
            parsed,
            JournalConfig {
                id: Some("0123456789abcdef".into()),
                author: Some("Ann \"A\" Lee".into()),
                ..JournalConfig::default()
            }
        );
    }

    #[test]
    fn unknown_keys_name_the_key_and_the_file() {
        let err = parse_toml::<JournalConfig>("colour = \"red\"\n", Path::new("/j/wol.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("colour") && err.contains("/j/wol.toml:1"),
            "{err}"
        );
    }

    #[test]
    fn editing_keeps_comments() {
        let text = "# my journal\nkinds = [\"progress\"] # only this\n\n[publish]\nnever = []\n";
        let p = PartnerConfig {
            url: "/srv/x.git".into(),
            tags: vec!["rust".into()],
            ..PartnerConfig::default()
        };
        let added = add_partner(text, "gig", &p).unwrap();
        assert!(added.starts_with(text), "{added}");
        assert!(
            added.contains("[partners.gig]\nurl = \"/srv/x.git\""),
            "{added}"
        );
        let parsed: JournalConfig = toml::from_str(&added).unwrap();
        assert_eq!(parsed.partners["gig"], p);
        assert!(add_partner(&added, "gig", &p).is_err());
        let removed = remove_partner(&added, "gig").unwrap();
        assert!(removed.contains("# my journal") && removed.contains("# only this"));
        assert!(!removed.contains("gig"), "{removed}");
        assert!(remove_partner(&removed, "gig").is_err());
    }
}
