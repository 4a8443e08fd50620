//! Who may see an entry: the one rule that decides what leaves the machine.
//!
//! [`decide`] answers, for an entry and a partner, "goes" or "held back, because …".
//! `wol publish` (and its `--dry-run`), `wol digest --for`, the published digests and the
//! attachments that follow their entry all ask it, so they can never disagree. The secret
//! scan is the one reason not decided here (it needs the entry's text and the journal's
//! patterns); publish adds it as [`HeldBack::Secret`] after asking this rule.

use anyhow::Result;
use serde::Serialize;

use crate::config::{JournalConfig, PartnerConfig};
use crate::entry::{Entry, Meta, Visibility, carries_tag, normalize_tag};
use crate::error::hinted;
use crate::publish::scan;

/// Why an entry does not go to a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum HeldBack {
    /// `visibility = "private"` (or no `visibility` key in a journal whose
    /// `default_visibility` is private).
    Private,
    /// `visibility = "partners"` with a `to` list that does not name this partner.
    NotAddressed { to: Vec<String> },
    /// The partner only takes entries with one of these tags.
    TagFilter { tags: Vec<String> },
    /// The partner only takes these kinds.
    KindFilter { kinds: Vec<String> },
    /// The secret scan found something (and `--allow-entry` did not name it).
    Secret { hits: Vec<scan::Hit> },
    /// `wol sync` found the entry changed on two machines and kept both versions (the
    /// other is `with`): neither goes out until the person merges them, since one may be
    /// the text withdrawn or made private on the other machine.
    Conflict { with: String },
    /// The entry's file in the work tree no longer says what the commit says, and what it
    /// says now would not let the entry go (`now`: why): a hand edit made it private,
    /// removed it or broke it, and was not committed. Publish reads the commit, so the
    /// entry waits for the change to be committed instead of going out as it was.
    Uncommitted { now: String },
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
                    .map(|h| match (h.attachment, h.line) {
                        (None, 0) => format!("file name: {}", h.rule),
                        _ => format!("{}: {}", h.place(), h.rule),
                    })
                    .collect();
                write!(f, "secret scan: {}", hits.join("; "))
            }
            HeldBack::Conflict { with } => write!(
                f,
                "sync conflict with {with}: merge the two versions into one (and remove the other file) to publish it"
            ),
            HeldBack::Uncommitted { now } => write!(
                f,
                "changed by hand and not committed ({now}): commit the change (git add and git commit) and publish again"
            ),
        }
    }
}

/// Whether the partner `name`, configured as `partner`, may see `entry`, and if not, why.
///
/// First the entry's own visibility: `public` → yes; `partners` → when `to` is empty or
/// names the partner; `private` → never. Then the partner's filters: with `tags`, the
/// entry must carry one of them (front matter or `#tag` in the body); with `kinds`, its
/// kind must be one of them. Names and tags compare case-insensitively, tags after
/// [`normalize_tag`] (so `#docs` in `wol.toml` is the tag `docs`).
pub fn decide(entry: &Entry, name: &str, partner: &PartnerConfig) -> Result<(), HeldBack> {
    decide_by_meta(&entry.meta, &entry.all_tags(), name, partner)
}

/// [`decide`] for an entry whose front matter is `meta` and whose tags (front matter and
/// body, [`Entry::all_tags`]) are `tags`.
pub fn decide_by_meta(
    meta: &Meta,
    tags: &[String],
    name: &str,
    partner: &PartnerConfig,
) -> Result<(), HeldBack> {
    decide_by(
        meta.visibility,
        meta.to.iter().map(String::as_str),
        &meta.kind,
        tags.iter().map(String::as_str),
        name,
        partner,
    )
}

/// [`decide`] for an entry of that visibility, `to` list and kind, whose tags (front
/// matter and body, [`Entry::all_tags`]) are `tags`: what publish keeps of an entry once
/// it is read ([`crate::site::Brief`]).
pub fn decide_by<'t>(
    visibility: Visibility,
    to: impl Iterator<Item = &'t str> + Clone,
    kind: &str,
    tags: impl Iterator<Item = &'t str> + Clone,
    name: &str,
    partner: &PartnerConfig,
) -> Result<(), HeldBack> {
    match visibility {
        Visibility::Private => return Err(HeldBack::Private),
        Visibility::Partners if to.clone().next().is_some() && !addressed(to.clone(), name) => {
            return Err(HeldBack::NotAddressed {
                to: to.map(String::from).collect(),
            });
        }
        Visibility::Public | Visibility::Partners => {}
    }
    let wanted: Vec<String> = partner
        .tags
        .iter()
        .filter_map(|t| normalize_tag(t))
        .collect();
    if !wanted.is_empty() && !wanted.iter().any(|t| carries_tag(tags.clone(), t)) {
        return Err(HeldBack::TagFilter { tags: wanted });
    }
    if !partner.kinds.is_empty() && !partner.kinds.iter().any(|k| k.trim() == kind) {
        return Err(HeldBack::KindFilter {
            kinds: partner.kinds.clone(),
        });
    }
    Ok(())
}

/// Whether the entry may ever leave the machine as plain text: public, or meant for
/// partners (whichever). `wol sync` keeps such entries plain on its remote and seals
/// everything else — private entries, and any file that is not an entry.
pub fn shareable(entry: &Entry) -> bool {
    entry.meta.visibility != Visibility::Private
}

/// True when [`decide`] lets the entry go to the partner.
pub fn visible_to(entry: &Entry, name: &str, partner: &PartnerConfig) -> bool {
    decide(entry, name, partner).is_ok()
}

/// True when a `to` list names the partner.
pub fn addressed<S: AsRef<str>>(to: impl IntoIterator<Item = S>, name: &str) -> bool {
    to.into_iter()
        .any(|p| p.as_ref().trim().eq_ignore_ascii_case(name.trim()))
}

/// The partner `name` from the journal config, or an error that says how to list them.
pub fn partner<'c>(config: &'c JournalConfig, name: &str) -> Result<&'c PartnerConfig> {
    config.partners.get(name).ok_or_else(|| {
        let known: Vec<&str> = config.partners.keys().map(String::as_str).collect();
        let message = if known.is_empty() {
            format!("unknown partner `{name}`: this journal has no partners")
        } else {
            format!(
                "unknown partner `{name}` (this journal's partners: {})",
                known.join(", ")
            )
        };
        hinted(message, "see them with: wol partner list")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Meta;

    fn entry(visibility: Visibility, to: &[&str], kind: &str, tags: &[&str]) -> Entry {
        Entry {
            meta: Meta {
                title: "t".into(),
                date: chrono::DateTime::parse_from_rfc3339("2026-11-22T14:32:05+01:00").unwrap(),
                kind: kind.into(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                visibility,
                author: "a".into(),
                to: to.iter().map(|t| t.to_string()).collect(),
                id: None,
                extra: toml::Table::new(),
            },
            body: "Body #inbody\n".into(),
        }
    }

    #[test]
    fn visibility_comes_first() {
        let p = PartnerConfig::default();
        assert!(visible_to(
            &entry(Visibility::Public, &[], "progress", &[]),
            "gig",
            &p
        ));
        assert!(visible_to(
            &entry(Visibility::Partners, &[], "progress", &[]),
            "gig",
            &p
        ));
        assert!(visible_to(
            &entry(Visibility::Partners, &["GIG"], "progress", &[]),
            "gig",
            &p
        ));
        assert!(!visible_to(
            &entry(Visibility::Partners, &["other"], "progress", &[]),
            "gig",
            &p
        ));
        assert!(!visible_to(
            &entry(Visibility::Private, &["gig"], "progress", &[]),
            "gig",
            &p
        ));
    }

    #[test]
    fn then_the_partners_tag_and_kind_filters() {
        let p = PartnerConfig {
            tags: vec!["docs".into(), "#inbody".into()],
            kinds: vec!["progress".into()],
            ..PartnerConfig::default()
        };
        assert!(visible_to(
            &entry(Visibility::Public, &[], "progress", &["docs"]),
            "gig",
            &p
        ));
        assert!(visible_to(
            &entry(Visibility::Public, &[], "progress", &[]),
            "gig",
            &p
        ));
        assert!(!visible_to(
            &entry(Visibility::Public, &[], "learning", &["docs"]),
            "gig",
            &p
        ));
        let only_rust = PartnerConfig {
            tags: vec!["rust".into()],
            ..PartnerConfig::default()
        };
        assert!(!visible_to(
            &entry(Visibility::Public, &[], "progress", &["docs"]),
            "gig",
            &only_rust
        ));
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;
    use crate::entry::Meta;
    use crate::entry::Visibility;

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
        }
    }

    #[test]
    fn partner_tag_filters_are_normalised_like_entry_tags() {
        // `tags = ["#docs"]` in wol.toml is the tag `docs`: the digest and publish once
        // disagreed about this.
        let p = PartnerConfig {
            tags: vec!["#Docs".into()],
            ..PartnerConfig::default()
        };
        let e = entry(Visibility::Public, &[], "progress", &["docs"], "");
        assert_eq!(decide(&e, "gig", &p), Ok(()));
        let e = entry(
            Visibility::Public,
            &[],
            "progress",
            &[],
            "wrote #docs today",
        );
        assert_eq!(decide(&e, "gig", &p), Ok(()));
        let e = entry(Visibility::Public, &[], "progress", &["code"], "");
        assert!(matches!(
            decide(&e, "gig", &p),
            Err(HeldBack::TagFilter { .. })
        ));
    }
}
