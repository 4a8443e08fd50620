//! The scan cache: the blob ids of entry texts the secret scan found nothing in, so a
//! publish scans only the entries that are new or changed since the last one.
//!
//! `.wol/cache/scan-clean.v1` holds a fingerprint of everything a scan result depends
//! on besides the text — wol's version, the source of the scanner and the journal's
//! `[publish] never` patterns — and the sorted ids. A text with a hit is never recorded:
//! it is scanned every time, so its report is always whole. Change a pattern or wol and
//! the fingerprint no longer matches, so everything is scanned again. Like every cache in
//! `.wol/cache/`, it is disposable: delete it and the next publish scans everything.

use std::path::PathBuf;

use git2::Oid;

use crate::journal::Journal;

const MAGIC: &[u8; 8] = b"wol-sc1\0";
const ID: usize = 20;

/// What the scan results depend on besides the text (see the module docs).
fn fingerprint(never: &[String]) -> [u8; ID] {
    let mut material = format!(
        "{}\0{}\0",
        crate::cli::VERSION,
        crate::git::blob_id(include_bytes!("scan.rs"))
    );
    for p in never {
        material.push_str(p);
        material.push('\0');
    }
    *crate::git::blob_id(material.as_bytes())
        .as_bytes()
        .first_chunk()
        .unwrap_or(&[0; ID])
}

/// The clean texts of the last publish, and those of this one.
pub struct Scanned {
    path: PathBuf,
    fingerprint: [u8; ID],
    before: crate::git::OidSet,
    now: crate::git::OidSet,
}

impl Scanned {
    /// The cache of the journal's last publish; empty when missing, damaged, or made for
    /// other patterns or another wol.
    pub fn load(journal: &Journal, never: &[String]) -> Scanned {
        let path = journal.state_dir().join("cache").join("scan-clean.v1");
        let fingerprint = fingerprint(never);
        let before = std::fs::read(&path)
            .ok()
            .and_then(|bytes| {
                let rest = bytes.strip_prefix(MAGIC)?.strip_prefix(&fingerprint[..])?;
                (rest.len() % ID == 0).then(|| {
                    rest.chunks_exact(ID)
                        .filter_map(|id| Oid::from_bytes(id).ok())
                        .collect()
                })
            })
            .unwrap_or_default();
        Scanned {
            path,
            fingerprint,
            before,
            now: crate::git::OidSet::default(),
        }
    }

    /// Whether the text with blob id `blob` was scanned clean before, without
    /// remembering it (see [`Scanned::clean`]).
    pub fn was_clean(&self, blob: Oid) -> bool {
        self.before.contains(&blob)
    }

    /// Whether the text with blob id `blob` was scanned clean before. It is remembered
    /// for the next publish too.
    pub fn clean(&mut self, blob: Oid) -> bool {
        let clean = self.before.contains(&blob);
        if clean {
            self.now.insert(blob);
        }
        clean
    }

    /// The text with blob id `blob` was scanned and found clean.
    pub fn found_clean(&mut self, blob: Oid) {
        self.now.insert(blob);
    }

    /// Write the ids found clean in this publish, when they differ from the last.
    /// Best effort, like every cache: a failure costs the next publish time, not a result.
    pub fn save(&self) {
        if self.now == self.before {
            return;
        }
        let mut ids: Vec<&Oid> = self.now.iter().collect();
        ids.sort_unstable();
        let mut bytes = Vec::with_capacity(MAGIC.len() + ID * (ids.len() + 1));
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&self.fingerprint);
        for id in ids {
            bytes.extend_from_slice(id.as_bytes());
        }
        if let Err(e) = crate::journal::write_cache_file(&self.path, &bytes) {
            crate::diag::info(format_args!(
                "scan cache not written ({}): {e}",
                self.path.display()
            ));
        }
    }
}
