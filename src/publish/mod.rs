//! Publishing: which entries go to which partner and why others are held back (the
//! *plan*), the secret scan, the published tree, its history on
//! `refs/wol/published/<partner>`, and the push.
//!
//! The order is the safety argument: the plan is made from the visibility rule
//! ([`crate::visibility::visible_to`]) and the secret scan *before* any object is
//! written; the published tree is then built only from the planned entries, with their
//! front matter rewritten to the public fields, so nothing else can be reachable from
//! what is pushed. The journal itself is never modified: publish writes only git objects,
//! `refs/wol/published/*` and the disposable cache in `.wol/cache/`.

pub mod cache;
pub mod partner;
pub mod push;
pub mod scan;
pub mod shared;
pub mod tree;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use git2::{ObjectType, Oid};
use serde::Serialize;

use crate::config::PartnerConfig;
use crate::entry::{Entry, Visibility};
use crate::error::hinted;
use crate::journal::{Journal, LoadError};
use crate::visibility::visible_to;

/// The ref that holds a partner's published history.
pub fn published_ref(partner: &str) -> String {
    format!("refs/wol/published/{partner}")
}

/// One entry of the journal, read from the work tree.
pub struct Candidate {
    /// File stem: the id people type.
    pub id: String,
    /// Path relative to the journal, `entries/YYYY/MM/….md`.
    pub path: String,
    /// The git blob id of the file as it is on disk (the cache key).
    pub blob: Oid,
    pub entry: Entry,
    /// Secret-scan hits (only computed for entries some partner would receive).
    pub hits: Vec<scan::Hit>,
    /// `--allow-entry` named this entry: its hits do not block.
    pub allowed: bool,
}

impl Candidate {
    /// The id published for the entry (feed ids, `wol.json`): the file stem. The `id`
    /// field is local, like the rest of the front matter that is not published.
    pub fn published_id(&self) -> &str {
        &self.id
    }

    /// True when the scan found something and nobody allowed it.
    pub fn blocked(&self) -> bool {
        !self.hits.is_empty() && !self.allowed
    }
}

/// Why an entry does not go to a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum HeldBack {
    /// `visibility = "private"`.
    Private,
    /// `visibility = "partners"` with a `to` list that does not name this partner.
    NotAddressed { to: Vec<String> },
    /// The partner only takes entries with one of these tags.
    TagFilter { tags: Vec<String> },
    /// The partner only takes these kinds.
    KindFilter { kinds: Vec<String> },
    /// The secret scan found something (and `--allow-entry` did not name it).
    Secret { hits: Vec<scan::Hit> },
}

impl std::fmt::Display for HeldBack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeldBack::Private => write!(f, "visibility: private"),
            HeldBack::NotAddressed { to } => {
                write!(f, "visibility: partners, to = {}", to.join(", "))
            }
            HeldBack::TagFilter { tags } => {
                write!(f, "filter: none of the tags {}", tags.join(", "))
            }
            HeldBack::KindFilter { kinds } => write!(f, "filter: kind not in {}", kinds.join(", ")),
            HeldBack::Secret { hits } => {
                let hits: Vec<String> = hits
                    .iter()
                    .map(|h| format!("line {}: {}", h.line, h.rule))
                    .collect();
                write!(f, "secret scan: {}", hits.join("; "))
            }
        }
    }
}

/// Why `partner` may not see `entry`, or `None` when it may. Agrees with
/// [`visible_to`] (checked in debug builds); this one also says why.
pub fn held_back(entry: &Entry, name: &str, partner: &PartnerConfig) -> Option<HeldBack> {
    let reason = match entry.meta.visibility {
        Visibility::Private => Some(HeldBack::Private),
        Visibility::Partners
            if !entry.meta.to.is_empty()
                && !entry
                    .meta
                    .to
                    .iter()
                    .any(|t| t.trim().eq_ignore_ascii_case(name)) =>
        {
            Some(HeldBack::NotAddressed {
                to: entry.meta.to.clone(),
            })
        }
        _ if !partner.tags.is_empty() && !partner.tags.iter().any(|t| entry.has_tag(t)) => {
            Some(HeldBack::TagFilter {
                tags: partner.tags.clone(),
            })
        }
        _ if !partner.kinds.is_empty() && !partner.kinds.contains(&entry.meta.kind) => {
            Some(HeldBack::KindFilter {
                kinds: partner.kinds.clone(),
            })
        }
        _ => None,
    };
    debug_assert_eq!(reason.is_none(), visible_to(entry, name, partner));
    reason
}

/// What one partner gets.
pub struct PartnerPlan {
    pub name: String,
    pub config: PartnerConfig,
    /// Indexes into [`Plan::candidates`], newest first.
    pub include: Vec<usize>,
    pub held: Vec<(usize, HeldBack)>,
}

/// Which entries go where, decided before anything is written.
pub struct Plan {
    pub candidates: Vec<Candidate>,
    /// Files under `entries/` that could not be read; never published, always reported.
    pub malformed: Vec<LoadError>,
    pub partners: Vec<PartnerPlan>,
}

impl Plan {
    /// Entries whose secret-scan hits block the publish.
    pub fn blocking(&self) -> Vec<&Candidate> {
        self.candidates.iter().filter(|c| c.blocked()).collect()
    }
}

/// Read every entry and decide, for each selected partner, what goes and what is held
/// back. `allow` are ids (`--allow-entry`) whose secret-scan hits are overridden; an id
/// that matches no entry is an error, so a typo never silently allows nothing.
pub fn plan(journal: &Journal, selected: &[String], allow: &[String]) -> Result<Plan> {
    let never = scan::compile_never(&journal.config.publish.never)?;
    // Reading and parsing every entry is most of what an unchanged publish costs; the
    // files are independent, so split them over the cores.
    let paths: Vec<PathBuf> = journal.entry_files(None).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let chunk = paths.len().div_ceil(threads).max(1);
    let (root, kinds) = (journal.root.as_path(), journal.config.kinds.as_slice());
    let loaded: Vec<Result<Loaded>> = std::thread::scope(|scope| {
        let workers: Vec<_> = paths
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|p| load_one(root, kinds, p))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("an entry reader thread panicked"))
            .collect()
    });
    let mut good = Vec::with_capacity(loaded.len());
    let mut malformed = Vec::new();
    for item in loaded {
        match item? {
            Loaded::Entry(c, text) => good.push((*c, text)),
            Loaded::Malformed(e) => malformed.push(e),
        }
    }
    // Newest first by date, then by path, whatever the file names say.
    good.sort_by(|(a, _), (b, _)| {
        b.entry
            .meta
            .date
            .cmp(&a.entry.meta.date)
            .then_with(|| b.path.cmp(&a.path))
    });
    let (mut candidates, texts): (Vec<Candidate>, Vec<Vec<u8>>) = good.into_iter().unzip();

    let mut unknown_allow: BTreeSet<&String> = allow.iter().collect();
    for c in &mut candidates {
        let named = allow.iter().find(|a| {
            **a == c.id || **a == c.path || Some(a.as_str()) == c.entry.meta.id.as_deref()
        });
        if let Some(a) = named {
            c.allowed = true;
            unknown_allow.remove(a);
        }
    }
    if let Some(a) = unknown_allow.into_iter().next() {
        return Err(hinted(
            format!("--allow-entry {a}: no entry has that id"),
            "give the entry's id as `wol list` prints it (the file name without .md)",
        ));
    }

    let mut partners = Vec::new();
    for name in selected {
        let config = journal.config.partners.get(name).cloned().ok_or_else(|| {
            hinted(
                format!("there is no partner `{name}`"),
                "list partners with: wol partner list",
            )
        })?;
        let mut include = Vec::new();
        let mut held = Vec::new();
        for (i, c) in candidates.iter().enumerate() {
            match held_back(&c.entry, name, &config) {
                None => include.push(i),
                Some(reason) => held.push((i, reason)),
            }
        }
        partners.push(PartnerPlan {
            name: name.clone(),
            config,
            include,
            held,
        });
    }

    // Scan exactly what would leave: entries some selected partner would receive.
    let outgoing: BTreeSet<usize> = partners
        .iter()
        .flat_map(|p| p.include.iter().copied())
        .collect();
    for i in outgoing {
        let text = String::from_utf8_lossy(&texts[i]);
        candidates[i].hits = scan::scan_text(&text, &never);
    }
    for p in &mut partners {
        let mut include = Vec::with_capacity(p.include.len());
        for &i in &p.include {
            if candidates[i].blocked() {
                p.held.push((
                    i,
                    HeldBack::Secret {
                        hits: candidates[i].hits.clone(),
                    },
                ));
            } else {
                include.push(i);
            }
        }
        p.include = include;
        p.held.sort_by_key(|(i, _)| *i);
    }
    Ok(Plan {
        candidates,
        malformed,
        partners,
    })
}

/// One entry file, read.
enum Loaded {
    Entry(Box<Candidate>, Vec<u8>),
    Malformed(LoadError),
}

fn load_one(root: &Path, kinds: &[String], path: &Path) -> Result<Loaded> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let entry = match Entry::parse(&bytes, kinds) {
        Ok(entry) => entry,
        Err(error) => {
            return Ok(Loaded::Malformed(LoadError {
                path: path.to_path_buf(),
                error,
            }));
        }
    };
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel: Vec<_> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    let candidate = Candidate {
        allowed: false,
        hits: Vec::new(),
        blob: Oid::hash_object(ObjectType::Blob, &bytes)?,
        path: rel.join("/"),
        id: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        entry,
    };
    Ok(Loaded::Entry(Box::new(candidate), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Meta;

    fn entry(vis: Visibility, to: &[&str], kind: &str, tags: &[&str], body: &str) -> Entry {
        Entry {
            meta: Meta {
                title: "t".into(),
                date: chrono::DateTime::parse_from_rfc3339("2026-11-22T14:32:05+01:00").unwrap(),
                kind: kind.into(),
                tags: tags.iter().map(|s| s.to_string()).collect(),
                visibility: vis,
                author: "a".into(),
                to: to.iter().map(|s| s.to_string()).collect(),
                id: None,
                extra: toml::Table::new(),
            },
            body: body.into(),
        }
    }

    #[test]
    fn the_visibility_table() {
        let all = PartnerConfig::default();
        let rust_only = PartnerConfig {
            tags: vec!["rust".into()],
            ..PartnerConfig::default()
        };
        let decisions = PartnerConfig {
            kinds: vec!["decision".into()],
            ..PartnerConfig::default()
        };
        let cases = [
            (
                entry(Visibility::Public, &[], "progress", &[], ""),
                "gig",
                &all,
                true,
            ),
            (
                entry(Visibility::Public, &["x"], "progress", &[], ""),
                "gig",
                &all,
                true,
            ),
            (
                entry(Visibility::Partners, &[], "progress", &[], ""),
                "gig",
                &all,
                true,
            ),
            (
                entry(Visibility::Partners, &["gig"], "progress", &[], ""),
                "gig",
                &all,
                true,
            ),
            (
                entry(Visibility::Partners, &["ouishare"], "progress", &[], ""),
                "gig",
                &all,
                false,
            ),
            (
                entry(Visibility::Private, &[], "progress", &[], ""),
                "gig",
                &all,
                false,
            ),
            (
                entry(Visibility::Private, &["gig"], "progress", &[], ""),
                "gig",
                &all,
                false,
            ),
            (
                entry(Visibility::Public, &[], "progress", &["rust"], ""),
                "gig",
                &rust_only,
                true,
            ),
            (
                entry(Visibility::Public, &[], "progress", &[], "about #Rust"),
                "gig",
                &rust_only,
                true,
            ),
            (
                entry(Visibility::Public, &[], "progress", &["go"], ""),
                "gig",
                &rust_only,
                false,
            ),
            (
                entry(Visibility::Private, &[], "progress", &["rust"], ""),
                "gig",
                &rust_only,
                false,
            ),
            (
                entry(Visibility::Public, &[], "decision", &[], ""),
                "gig",
                &decisions,
                true,
            ),
            (
                entry(Visibility::Public, &[], "progress", &[], ""),
                "gig",
                &decisions,
                false,
            ),
        ];
        for (e, name, p, want) in cases {
            assert_eq!(visible_to(&e, name, p), want, "{:?} {:?}", e.meta, p);
            assert_eq!(held_back(&e, name, p).is_none(), want);
        }
    }
}
