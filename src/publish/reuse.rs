//! A publish that would build the very tree it built last time takes that tree instead.
//!
//! A build ([`tree::build`]) is a function of what it reads — the entries the partner gets
//! (path, committed blob, attachments and which of them it may not see), the site (templates,
//! title, stylesheet, address, licence, handles), the partner's settings, the journal's kinds
//! and visibility default, the digests, and the wol that builds — and of the partner's
//! previous tree, whose `updated` times an unchanged entry keeps. Built on its own output
//! with the same inputs, a build gives that output again: every entry is found there with
//! the same text and keeps the time it had. So when nothing it reads has changed since the
//! last build for a partner, and the partner's tree is still the one that build made, the
//! build is not done again: the plan, the push (which retries a failed one) and the
//! warnings are all there is of the publish. At 100,000 entries that build held a view of
//! every entry and the whole tree (`BENCHMARKS.md`).
//!
//! `.wol/cache/built-<partner>.json` keeps the last build's key (a SHA-1 of everything it
//! read), the tree it made and the warnings it gave, which a publish that takes the tree
//! says again. Disposable: delete it and the next publish builds. With
//! `WOL_CHECK_REUSE=1` (the tests set it), a publish builds anyway and fails when the tree
//! or the warnings differ from what it would have taken.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use git2::Oid;
use sha1::{Digest as _, Sha1};

use super::tree::{self, Warning};
use super::{Candidate, PartnerPlan};
use crate::entry::Schema;
use crate::journal::Journal;
use crate::site::html::Site;

/// Where the last build for `partner` is kept.
pub fn file(journal: &Journal, partner: &str) -> PathBuf {
    journal
        .state_dir()
        .join("cache")
        .join(format!("built-{partner}.json"))
}

/// Everything a build reads besides the previous tree.
pub struct Inputs<'a> {
    pub site: &'a Site,
    pub partner: &'a PartnerPlan,
    pub candidates: &'a [Box<Candidate>],
    pub kinds: &'a [String],
    pub schema: &'a Schema<'a>,
    pub digests: &'a [(String, Vec<u8>)],
}

/// The key of a build from `inputs`: each part hashed with its length before it, so that
/// no two different inputs run together into the same bytes.
pub fn key(inputs: &Inputs<'_>) -> Oid {
    let mut hash = Sha1::new();
    let mut part = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    let Inputs {
        site,
        partner,
        candidates,
        kinds,
        schema,
        digests,
    } = inputs;
    part(b"wol-build-1");
    part(env!("WOL_VERSION").as_bytes());
    part(env!("WOL_SOURCE").as_bytes());
    part(site.render_key.as_bytes());
    part(format!("{:?}", site.info).as_bytes());
    part(site.css.as_bytes());
    part(partner.name.as_bytes());
    part(format!("{:?}", partner.config).as_bytes());
    part(format!("{kinds:?}\0{schema:?}").as_bytes());
    part(&partner.include.len().to_le_bytes());
    for &i in &partner.include {
        let c = &candidates[i];
        part(c.path.as_bytes());
        part(c.blob.as_bytes());
        part(&c.attachments().len().to_le_bytes());
        for (name, oid) in c.attachments() {
            part(name.as_bytes());
            part(oid.as_bytes());
            part(&[u8::from(partner.unseen.contains(oid))]);
        }
    }
    part(&digests.len().to_le_bytes());
    for (path, text) in *digests {
        part(path.as_bytes());
        part(text);
    }
    Oid::from_bytes(&hash.finalize()).expect("a SHA-1 is 20 bytes")
}

/// What the last build for a partner made.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Last {
    key: String,
    tree: String,
    pub warnings: Vec<Warning>,
}

/// The last build kept at `path`, when it was from the inputs whose key is `key` and made
/// `previous`, the partner's tree now.
pub fn last(path: &Path, key: Oid, previous: Option<Oid>) -> Option<Last> {
    let previous = previous?;
    let last: Last = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    (last.key == key.to_string() && last.tree == previous.to_string()).then_some(last)
}

/// Keep what a build from the inputs whose key is `key` made. Failing to is no failure:
/// the next publish builds.
pub fn keep(path: &Path, key: Oid, built: &tree::Built) {
    let last = Last {
        key: key.to_string(),
        tree: built.tree.to_string(),
        warnings: built.warnings.clone(),
    };
    if let Ok(bytes) = serde_json::to_vec(&last) {
        let _ = crate::journal::write_cache_file(path, &bytes);
    }
}

/// Whether a publish builds anyway, to check what it would have taken (`WOL_CHECK_REUSE`).
pub fn checked() -> bool {
    std::env::var_os("WOL_CHECK_REUSE").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Fail when a build that was checked ([`checked`]) did not make what it would have
/// taken: wol itself is wrong then, and publishes nothing.
pub fn check(last: &Last, built: &tree::Built) -> Result<()> {
    if last.tree != built.tree.to_string() || last.warnings != built.warnings {
        bail!(
            "wol would have published its last build ({}), but building again made {} \
             (WOL_CHECK_REUSE): please report this, with the journal's wol.toml if you can",
            last.tree,
            built.tree
        );
    }
    Ok(())
}
