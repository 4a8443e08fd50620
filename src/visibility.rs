//! Who may see an entry: the one rule that decides what leaves the machine.
//!
//! `wol digest --for PARTNER` and `wol publish` both ask [`visible_to`], so a partner's
//! digest and a partner's published log can never disagree about an entry.

use anyhow::Result;

use crate::config::{JournalConfig, PartnerConfig};
use crate::entry::{Entry, Visibility};
use crate::error::hinted;

/// True when the partner `partner_name`, configured as `partner`, may see `entry`.
///
/// First the entry's own visibility: `public` → yes; `partners` → when `to` is empty or
/// names the partner; `private` → never. Then the partner's filters: with `tags`, the
/// entry must carry one of them (front matter or `#tag` in the body); with `kinds`, its
/// kind must be one of them. Names and tags compare case-insensitively.
pub fn visible_to(entry: &Entry, partner_name: &str, partner: &PartnerConfig) -> bool {
    let meta = &entry.meta;
    let allowed = match meta.visibility {
        Visibility::Public => true,
        Visibility::Partners => {
            meta.to.is_empty()
                || meta
                    .to
                    .iter()
                    .any(|p| p.trim().eq_ignore_ascii_case(partner_name))
        }
        Visibility::Private => false,
    };
    allowed
        && (partner.tags.is_empty()
            || partner
                .tags
                .iter()
                .any(|t| entry.has_tag(t.trim_start_matches('#'))))
        && (partner.kinds.is_empty() || partner.kinds.contains(&meta.kind))
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
