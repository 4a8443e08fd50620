//! Merging two machines' plain histories: git's three-way merge of trees (against the
//! merge base, which exists because unsealing is deterministic), then wol's rules for
//! what git calls a conflict. No side is ever lost:
//!
//! - an entry both sides changed (or both created under one name): one version stays
//!   at its path, the other becomes a conflict copy next to it
//!   (`<id>.conflict-<hash>.md`), an entry of its own until the person merges them; which
//!   one stays is decided by content, not by machine, so every machine merging the same
//!   two sides gets the same tree;
//! - any other file both sides changed (`wol.toml`): this machine's version stays, the
//!   other is kept in `.wol/conflicts/` and named in a warning;
//! - removed on one side, changed on the other: the change is kept.

use anyhow::{Context as _, Result};
use git2::{IndexEntry, Oid, Repository};

/// The result of a merge.
pub struct Merged {
    pub tree: Oid,
    /// Entry conflict copies added to the tree.
    pub copies: Vec<String>,
    /// Other files both sides changed: the path, and the other side's blob (kept aside).
    pub aside: Vec<(String, Oid)>,
    /// Files removed on one side and changed on the other, kept.
    pub kept: Vec<String>,
}

const STAGE_MASK: u16 = 0x3000;
const NAME_MASK: u16 = 0x0fff;

/// Merge the commits `ours` (this machine) and `theirs`.
pub fn merge(repo: &Repository, ours: Oid, theirs: Oid) -> Result<Merged> {
    let our_commit = repo.find_commit(ours)?;
    let their_commit = repo.find_commit(theirs)?;
    let mut index = repo
        .merge_commits(&our_commit, &their_commit, None)
        .context("cannot merge the synced commits")?;
    let mut merged = Merged {
        tree: Oid::ZERO_SHA1,
        copies: Vec::new(),
        aside: Vec::new(),
        kept: Vec::new(),
    };
    if index.has_conflicts() {
        let conflicts: Vec<git2::IndexConflict> = index
            .conflicts()?
            .collect::<Result<_, _>>()
            .context("cannot read the merge conflicts")?;
        for c in conflicts {
            let path_bytes = c
                .our
                .as_ref()
                .or(c.their.as_ref())
                .or(c.ancestor.as_ref())
                .map(|e| e.path.clone())
                .unwrap_or_default();
            let path = String::from_utf8_lossy(&path_bytes).into_owned();
            index.conflict_remove(std::path::Path::new(&path))?;
            match (c.our, c.their) {
                (Some(our), Some(their)) if our.id == their.id => {
                    index.add(&stage0(our, None))?;
                }
                (Some(our), Some(their)) => {
                    if is_entry(&path) {
                        // The smaller blob id stays: the same answer on every machine.
                        let (stay, copy) = if our.id <= their.id {
                            (our, their)
                        } else {
                            (their, our)
                        };
                        let copy_path = conflict_copy_path(&path, copy.id);
                        index.add(&stage0(stay, None))?;
                        index.add(&stage0(copy, Some(&copy_path)))?;
                        merged.copies.push(copy_path);
                    } else {
                        merged.aside.push((path.clone(), their.id));
                        index.add(&stage0(our, None))?;
                    }
                }
                (Some(one), None) | (None, Some(one)) => {
                    merged.kept.push(path.clone());
                    index.add(&stage0(one, None))?;
                }
                (None, None) => {}
            }
        }
    }
    merged.tree = index
        .write_tree_to(repo)
        .context("cannot write the merged tree")?;
    Ok(merged)
}

fn is_entry(path: &str) -> bool {
    path.starts_with("entries/") && path.ends_with(".md")
}

/// `entries/2026/11/x.md` → `entries/2026/11/x.conflict-1a2b3c4d.md`.
fn conflict_copy_path(path: &str, blob: Oid) -> String {
    let stem = path.strip_suffix(".md").unwrap_or(path);
    format!("{stem}.conflict-{}.md", &blob.to_string()[..8])
}

fn stage0(mut entry: IndexEntry, path: Option<&str>) -> IndexEntry {
    if let Some(p) = path {
        entry.path = p.as_bytes().to_vec();
    }
    let len = entry.path.len().min(NAME_MASK as usize) as u16;
    entry.flags = (entry.flags & !(STAGE_MASK | NAME_MASK)) | len;
    entry
}
