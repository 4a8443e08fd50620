//! The git layer (git2): commit a few paths without touching the rest, keep the index in
//! step, and build trees in memory.
//!
//! Committing rewrites only the trees on the changed paths (a `TreeBuilder` over the
//! parent tree), so its cost does not grow with the journal; the index is then updated for
//! just those paths, so `git status` stays clean.

use std::path::Path;

use anyhow::{Context as _, Result, anyhow};
use git2::{ErrorCode, FileMode, Oid, Repository, Signature, Tree};

use crate::error::hinted;

/// One change to commit. Paths are relative to the repository root, `/`-separated.
#[derive(Debug, Clone)]
pub enum Change {
    /// The file at `path` now holds `content` (already written to the work tree).
    Write { path: String, content: Vec<u8> },
    /// The file at `path` is gone (already removed from the work tree).
    Remove { path: String },
}

impl Change {
    pub fn path(&self) -> &str {
        match self {
            Change::Write { path, .. } | Change::Remove { path } => path,
        }
    }
}

/// The branch HEAD points at (`refs/heads/…`), even when it has no commit yet.
/// A detached HEAD is refused: committing there would strand the entry.
pub fn head_branch(repo: &Repository) -> Result<String> {
    let head = repo.find_reference("HEAD").context("cannot read HEAD")?;
    match head.symbolic_target()? {
        Some(target) => Ok(target.to_string()),
        None => Err(hinted(
            format!(
                "HEAD of {} is detached, so a new commit would belong to no branch",
                repo.workdir().unwrap_or(repo.path()).display()
            ),
            "check out a branch first: git switch main (or git switch -c NAME)",
        )),
    }
}

/// The tree of the commit `branch` points at, or `None` when the branch has no commit yet.
pub fn branch_commit<'r>(repo: &'r Repository, branch: &str) -> Result<Option<git2::Commit<'r>>> {
    match repo.find_reference(branch) {
        Ok(r) => Ok(Some(r.peel_to_commit()?)),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Commit `changes` on top of HEAD's branch with one commit, then update the index for
/// exactly those paths. Returns the new commit id.
pub fn commit_changes(
    repo: &Repository,
    changes: &[Change],
    message: &str,
    sig: &Signature<'_>,
) -> Result<Oid> {
    let branch = head_branch(repo)?;
    let parent = branch_commit(repo, &branch)?;
    let mut tree = match &parent {
        Some(c) => Some(c.tree()?),
        None => None,
    };
    for change in changes {
        let parts: Vec<&str> = change.path().split('/').collect();
        let blob = match change {
            Change::Write { content, .. } => Some(repo.blob(content)?),
            Change::Remove { .. } => None,
        };
        let oid = update_tree(repo, tree.as_ref(), &parts, blob)?;
        tree = Some(match oid {
            Some(oid) => repo.find_tree(oid)?,
            None => repo.find_tree(empty_tree(repo)?)?,
        });
    }
    let tree = match tree {
        Some(t) => t,
        None => repo.find_tree(empty_tree(repo)?)?,
    };
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    let oid = repo
        .commit(None, sig, sig, message, &tree, &parents)
        .context("cannot create the commit")?;

    // The index first, then the branch: a process killed in between leaves the change
    // staged (and its intent in .wol/pending/), which the next writer commits; the other
    // order would leave `git status` showing the new file as deleted.
    clear_stale_lock(&repo.path().join("index.lock"))?;
    let mut index = repo.index().context("cannot open the git index")?;
    for change in changes {
        let path = Path::new(change.path());
        match change {
            Change::Write { .. } => index.add_path(path),
            Change::Remove { .. } => index.remove_path(path),
        }
        .with_context(|| format!("cannot update the git index for {}", change.path()))?;
    }
    index.write().context("cannot write the git index")?;

    clear_stale_lock(&repo.path().join(format!("{branch}.lock")))?;
    let reflog = format!("commit: {}", message.lines().next().unwrap_or(""));
    // A compare-and-swap on the branch: if someone else moved it since we read it, fail
    // rather than drop their commit.
    let moved = match &parent {
        Some(p) => repo.reference_matching(&branch, oid, true, p.id(), &reflog),
        None => repo.reference(&branch, oid, false, &reflog),
    };
    moved.with_context(|| format!("cannot move {branch} to the new commit"))?;
    Ok(oid)
}

/// Wait briefly for a git lock file to go away; if it stays, it was left by a process
/// that died (git holds these for milliseconds), so remove it and say so.
fn clear_stale_lock(path: &Path) -> Result<()> {
    for _ in 0..20 {
        if !path.exists() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    match std::fs::remove_file(path) {
        Ok(()) => {
            eprintln!(
                "wol: removed {}, a git lock left behind by an interrupted process",
                path.display()
            );
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(hinted(
            format!("git lock {} is in the way: {e}", path.display()),
            "if no git command is running, remove that file",
        )),
    }
}

fn empty_tree(repo: &Repository) -> Result<Oid> {
    Ok(repo.treebuilder(None)?.write()?)
}

/// Rewrite `base` with `parts` set to `blob` (or removed when `None`); only the trees
/// along the path are rewritten. Returns `None` when the resulting tree is empty.
fn update_tree(
    repo: &Repository,
    base: Option<&Tree<'_>>,
    parts: &[&str],
    blob: Option<Oid>,
) -> Result<Option<Oid>> {
    let (name, rest) = parts
        .split_first()
        .ok_or_else(|| anyhow!("empty path in commit"))?;
    let mut builder = repo.treebuilder(base)?;
    if rest.is_empty() {
        match blob {
            Some(oid) => {
                builder.insert(name, oid, FileMode::Blob.into())?;
            }
            None => {
                if builder.get(name)?.is_some() {
                    builder.remove(name)?;
                }
            }
        }
    } else {
        let sub = match base.and_then(|t| t.get_name(name)) {
            Some(entry) if entry.kind() == Some(git2::ObjectType::Tree) => {
                Some(repo.find_tree(entry.id())?)
            }
            _ => None,
        };
        match update_tree(repo, sub.as_ref(), rest, blob)? {
            Some(oid) => {
                builder.insert(name, oid, FileMode::Tree.into())?;
            }
            None => {
                if builder.get(name)?.is_some() {
                    builder.remove(name)?;
                }
            }
        }
    }
    if builder.is_empty() {
        return Ok(None);
    }
    Ok(Some(builder.write()?))
}

/// Names of the blobs directly inside `dir` (a `/`-separated path) in HEAD's tree.
pub fn tree_file_names(repo: &Repository, dir: &str) -> Result<Vec<String>> {
    let Ok(branch) = head_branch(repo) else {
        return Ok(Vec::new());
    };
    let Some(commit) = branch_commit(repo, &branch)? else {
        return Ok(Vec::new());
    };
    let tree = commit.tree()?;
    let sub = match tree.get_path(Path::new(dir)) {
        Ok(entry) => repo.find_tree(entry.id())?,
        Err(e) if e.code() == ErrorCode::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    Ok(sub
        .iter()
        .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
        .filter_map(|e| e.name().ok().map(String::from))
        .collect())
}

/// A git config value from the repository's config (local, global, system).
pub fn config_string(repo: &Repository, key: &str) -> Option<String> {
    repo.config().ok()?.get_string(key).ok()
}
