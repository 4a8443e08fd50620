//! Who may see an entry: the one rule every publishing path (publish, digest) applies.

use crate::config::PartnerConfig;
use crate::entry::{Entry, Visibility};

/// True when `partner` (named `partner_name`) may receive `entry`.
///
/// `public` entries go to every partner, `partners` entries to the partners named in
/// `to` (or to all partners when `to` is empty), `private` entries never. Then the
/// partner's filters apply: with `tags`, the entry must carry one of them (front matter or
/// body `#tag`, case-insensitively); with `kinds`, its kind must be one of them.
pub fn visible_to(entry: &Entry, partner_name: &str, partner: &PartnerConfig) -> bool {
    let audience = match entry.meta.visibility {
        Visibility::Public => true,
        Visibility::Partners => {
            entry.meta.to.is_empty()
                || entry
                    .meta
                    .to
                    .iter()
                    .any(|t| t.trim().eq_ignore_ascii_case(partner_name))
        }
        Visibility::Private => false,
    };
    audience
        && (partner.tags.is_empty() || partner.tags.iter().any(|t| entry.has_tag(t)))
        && (partner.kinds.is_empty() || partner.kinds.contains(&entry.meta.kind))
}
