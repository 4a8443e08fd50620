//! The git layer (git2): commit a few paths without touching the rest, keep the index in
//! step, and build trees in memory.
//!
//! Committing rewrites only the trees on the changed paths (a `TreeBuilder` over the
//! parent tree), so its cost does not grow with the journal; the index is then updated for
//! just those paths (spliced into the file by [`crate::git_index`], libgit2 where that
//! declines), so `git status` stays clean.

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

/// A set of object ids, hashed with foldhash (seeded at random per process) instead of
/// SipHash: a publish looks up every entry's page, Markdown and cache key in sets and maps
/// of 10,000s of ids, and SipHash was 4% of a one-entry publish at 10,000 entries.
pub type OidSet = foldhash::HashSet<Oid>;

/// A map keyed by object ids (see [`OidSet`]).
pub type OidMap<V> = foldhash::HashMap<Oid, V>;

/// The git blob id of `bytes`, hashed with the CPU's SHA-1 instructions where it has
/// them (libgit2's collision-detecting SHA-1 is several times slower). For bytes wol
/// reads itself and compares with an id it got from git, and for cache keys.
pub fn blob_id(bytes: &[u8]) -> Oid {
    object_id(git2::ObjectType::Blob, bytes)
}

/// The id git gives an object of `kind` holding `bytes` (see [`blob_id`]).
pub fn object_id(kind: git2::ObjectType, bytes: &[u8]) -> Oid {
    object_id_of_parts(kind, &[bytes])
}

/// The id git gives an object of `kind` holding `parts` one after the other: what
/// [`object_id`] gives their concatenation, without making it.
pub fn object_id_of_parts(kind: git2::ObjectType, parts: &[&[u8]]) -> Oid {
    use sha1::{Digest as _, Sha1};
    use std::io::Write as _;
    let len: usize = parts.iter().map(|p| p.len()).sum();
    // "commit 18446744073709551615\0" is the longest header there is.
    let mut header = [0u8; 32];
    let mut rest = &mut header[..];
    let _ = write!(rest, "{} {len}\0", kind.str());
    let written = 32 - rest.len();
    let mut hasher = Sha1::new();
    hasher.update(&header[..written]);
    for part in parts {
        hasher.update(part);
    }
    let hash: [u8; 20] = hasher.finalize().into();
    Oid::from_bytes(&hash).unwrap_or(Oid::ZERO_SHA1)
}

/// The branch HEAD points at (`refs/heads/…`), even when it has no commit yet.
/// A detached HEAD is refused: committing there would strand the entry.
pub fn head_branch(repo: &Repository) -> Result<String> {
    let head = repo.find_reference("HEAD").context("cannot read HEAD")?;
    match head.symbolic_target()? {
        Some(target) => Ok(target.to_string()),
        None => {
            let dir = repo.workdir().unwrap_or(repo.path()).display().to_string();
            Err(hinted(
                format!("HEAD of {dir} is detached, so a new commit would belong to no branch"),
                format!(
                    "check out a branch first: git switch main (or git switch -c NAME); from \
                     elsewhere: git -C {dir} switch main"
                ),
            ))
        }
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
    // Control characters (a NUL git cannot store, a terminal escape `git log` would
    // replay) are written as their escapes; newlines and tabs stay.
    let message = crate::term::sanitize_text(message);
    // Someone who commits by hand meanwhile moves the branch: build on their commit
    // and try again, for a few seconds, rather than fail a command that did nothing
    // wrong (a loop of hand commits won eight quick tries in a row).
    let mut attempt = 0;
    loop {
        attempt += 1;
        match commit_once(repo, changes, &message, sig) {
            Err(e) if attempt < 40 && is_moved(&e) => {
                std::thread::sleep(std::time::Duration::from_millis(5 * attempt.min(20)));
            }
            done => return done,
        }
    }
}

/// Whether `e` is a branch that moved between reading and updating it, or that a git
/// command had locked for its own update at that moment.
pub fn is_moved(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<git2::Error>())
        .any(|g| matches!(g.code(), ErrorCode::Modified | ErrorCode::Locked))
}

fn commit_once(
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
            Change::Write { content, path } => Some(
                repo.blob(content)
                    .with_context(|| format!("cannot store {path} in the git repository"))?,
            ),
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
    sync_index(repo, changes.iter().map(Change::path))?;

    crate::git_lock::clear_stale_ref_lock(repo, &branch)?;
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

/// The commit the branch of HEAD points at when its tree already holds every one of
/// `changes` (each written file with that content, each removed path gone): a commit
/// made by hand meanwhile (`git commit -a`, `git add -A && git commit`) that took them
/// in. `None` otherwise.
pub fn committed_already(repo: &Repository, changes: &[Change]) -> Option<Oid> {
    let head = repo.head().ok()?.peel_to_commit().ok()?;
    let tree = head.tree().ok()?;
    changes
        .iter()
        .all(|change| {
            let there = tree.get_path(Path::new(change.path())).ok();
            match change {
                Change::Write { content, .. } => {
                    there.is_some_and(|e| e.id() == blob_id(content) && e.filemode() == 0o100644)
                }
                Change::Remove { .. } => there.is_none(),
            }
        })
        .then(|| head.id())
}

/// Whether the index stages, for any of `paths`, something other than HEAD has (or
/// cannot be read, which counts as differing).
pub fn index_differs_from_head<'p>(
    repo: &Repository,
    paths: impl IntoIterator<Item = &'p str>,
) -> bool {
    let (Ok(index), Ok(head)) = (repo.index(), repo.head().and_then(|h| h.peel_to_tree())) else {
        return true;
    };
    paths.into_iter().any(|rel| {
        let staged = index.get_path(Path::new(rel), 0).map(|e| e.id);
        let committed = head.get_path(Path::new(rel)).ok().map(|e| e.id());
        staged != committed
    })
}

/// Make the index agree with the work tree for `paths`: stage each file that exists,
/// unstage each that does not. Only those entries change.
pub fn sync_index<'p>(repo: &Repository, paths: impl IntoIterator<Item = &'p str>) -> Result<()> {
    crate::git_lock::clear_stale_lock(repo, &repo.path().join("index.lock"))?;
    let paths: Vec<&str> = paths.into_iter().collect();
    if crate::git_index::splice(repo, &paths)? {
        return Ok(());
    }
    let workdir = repo
        .workdir()
        .ok_or_else(|| anyhow!("the journal repository is bare"))?;
    let mut index = repo.index().map_err(|e| damaged_index(repo, workdir, &e))?;
    for rel in paths {
        let path = Path::new(rel);
        if workdir.join(path).is_file() {
            index.add_path(path)
        } else {
            index.remove_path(path)
        }
        .with_context(|| format!("cannot update the git index for {rel}"))?;
    }
    index.write().context("cannot write the git index")
}

/// The git index could not be read (truncated, or damaged by a crash of some other
/// program): it is only a cache of the last commit and what was staged, and git rebuilds
/// it from the commit; say how.
fn damaged_index(repo: &Repository, workdir: &Path, e: &git2::Error) -> anyhow::Error {
    let index = repo.path().join("index");
    // One that cannot be read (permissions, a folder in its place) is not damaged, and
    // removing it is not the cure.
    let readable = std::fs::metadata(&index)
        .map_err(|io| io.to_string())
        .and_then(|m| {
            if !m.is_file() {
                return Err("not a file".to_string());
            }
            std::fs::File::open(&index).map_err(|io| io.to_string())
        });
    if let Err(why) = readable {
        return anyhow!("{}", e.message()).context(format!(
            "cannot open the git index {}: {why}",
            index.display()
        ));
    }
    crate::error::hinted(
        format!(
            "cannot read the git index {}: {}",
            index.display(),
            e.message()
        ),
        format!(
            "git rebuilds it from the last commit: `rm {} && git -C {} reset -q` (what you staged by hand is unstaged; no file is changed), then run the wol command again",
            index.display(),
            workdir.display()
        ),
    )
}

/// Refuse to commit while git is in the middle of something: a commit then would mix
/// wol's change into a merge, rebase or cherry-pick the user has not finished (and
/// could resolve a conflict by accident). Also refuses a detached HEAD.
pub fn check_state(repo: &Repository) -> Result<()> {
    use git2::RepositoryState as S;
    let doing = match repo.state() {
        S::Clean | S::Bisect => None,
        S::Merge => Some(("merge", "merge")),
        S::Revert | S::RevertSequence => Some(("revert", "revert")),
        S::CherryPick | S::CherryPickSequence => Some(("cherry-pick", "cherry-pick")),
        S::Rebase | S::RebaseInteractive | S::RebaseMerge => Some(("rebase", "rebase")),
        S::ApplyMailbox | S::ApplyMailboxOrRebase => Some(("git am", "am")),
    };
    if let Some((what, command)) = doing {
        let dir = repo.workdir().unwrap_or(repo.path()).display().to_string();
        return Err(hinted(
            format!("{dir}: a {what} is under way, so wol will not commit now"),
            format!(
                "finish it (git -C {dir} status says how), or abort it: git -C {dir} {command} --abort; then run wol again"
            ),
        ));
    }
    head_branch(repo).map(|_| ())
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

/// One edit of [`edit_tree`]: a `/`-separated path, and the blob and file mode it holds
/// now (`None`: removed).
pub type TreeEdits = std::collections::BTreeMap<String, Option<(Oid, i32)>>;

/// Apply many path edits to `base` at once: each folder on the way is rewritten once,
/// however many of its files change (what sealing and unsealing a whole tree need).
/// Returns `None` when the resulting tree is empty.
pub fn edit_tree(
    repo: &Repository,
    base: Option<&Tree<'_>>,
    edits: &TreeEdits,
) -> Result<Option<Oid>> {
    let mut here: Vec<(&str, Option<(Oid, i32)>)> = Vec::new();
    let mut below: std::collections::BTreeMap<&str, TreeEdits> = std::collections::BTreeMap::new();
    for (path, edit) in edits {
        match path.split_once('/') {
            None => here.push((path, *edit)),
            Some((dir, rest)) => {
                below
                    .entry(dir)
                    .or_default()
                    .insert(rest.to_string(), *edit);
            }
        }
    }
    let mut builder = repo.treebuilder(base)?;
    for (name, edit) in here {
        match edit {
            Some((oid, mode)) => {
                builder.insert(name, oid, mode)?;
            }
            None => {
                if builder.get(name)?.is_some() {
                    builder.remove(name)?;
                }
            }
        }
    }
    for (dir, sub) in below {
        let sub_base = match base.and_then(|t| t.get_name(dir)) {
            Some(entry) if entry.kind() == Some(git2::ObjectType::Tree) => {
                Some(repo.find_tree(entry.id())?)
            }
            _ => None,
        };
        match edit_tree(repo, sub_base.as_ref(), &sub)? {
            Some(oid) => {
                builder.insert(dir, oid, FileMode::Tree.into())?;
            }
            None => {
                if builder.get(dir)?.is_some() {
                    builder.remove(dir)?;
                }
            }
        }
    }
    if builder.is_empty() {
        return Ok(None);
    }
    Ok(Some(builder.write()?))
}

/// The id of the empty tree (written if needed).
pub fn empty_tree_id(repo: &Repository) -> Result<Oid> {
    empty_tree(repo)
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

/// The id made of the byte `n` twenty times: a stand-in id for tests.
#[cfg(test)]
pub fn repeated_oid(n: u8) -> Oid {
    Oid::from_bytes(&[n; 20]).expect("twenty bytes make an id")
}

#[cfg(test)]
mod tests {
    //! The git layer against real temporary repositories. Nothing here reads the
    //! developer's git config: signatures are explicit and the repos are fresh.

    use super::*;

    #[test]
    fn object_ids_are_gits() {
        let text = b"some text\nwith lines\0and a NUL";
        for kind in [
            git2::ObjectType::Blob,
            git2::ObjectType::Tree,
            git2::ObjectType::Commit,
        ] {
            let want = Oid::hash_object(kind, text).unwrap();
            assert_eq!(object_id(kind, text), want);
            let (a, b) = text.split_at(7);
            assert_eq!(object_id_of_parts(kind, &[a, b"", b]), want);
        }
        assert_eq!(
            blob_id(b""),
            Oid::hash_object(git2::ObjectType::Blob, b"").unwrap()
        );
        let big = vec![b'x'; 1_000_003];
        assert_eq!(
            blob_id(&big),
            Oid::hash_object(git2::ObjectType::Blob, &big).unwrap()
        );
    }

    fn repo() -> (tempfile::TempDir, Repository) {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(dir.path(), &opts).unwrap();
        (dir, repo)
    }

    fn sig() -> Signature<'static> {
        Signature::new(
            "Test",
            "test@example.invalid",
            &git2::Time::new(1_700_000_000, 60),
        )
        .unwrap()
    }

    fn write(dir: &Path, rel: &str, text: &str) -> Change {
        let abs = dir.join(rel);
        std::fs::create_dir_all(abs.parent().unwrap()).unwrap();
        std::fs::write(&abs, text).unwrap();
        Change::Write {
            path: rel.into(),
            content: text.into(),
        }
    }

    fn clean(repo: &Repository) -> bool {
        let mut opts = git2::StatusOptions::new();
        opts.include_untracked(true).recurse_untracked_dirs(true);
        repo.statuses(Some(&mut opts)).unwrap().is_empty()
    }

    #[test]
    fn commits_nested_paths_and_keeps_the_index_in_step() {
        let (dir, repo) = repo();
        let a = write(dir.path(), "entries/2026/11/a.md", "A\n");
        let first = commit_changes(&repo, &[a], "log: a", &sig()).unwrap();
        let b = write(dir.path(), "entries/2026/11/b.md", "B\n");
        let c = write(dir.path(), "entries/2025/01/c.md", "C\n");
        let second = commit_changes(&repo, &[b, c], "log: b c", &sig()).unwrap();
        assert!(clean(&repo));

        let commit = repo.find_commit(second).unwrap();
        assert_eq!(commit.parent_id(0).unwrap(), first);
        assert_eq!(commit.message(), Ok("log: b c"));
        let tree = commit.tree().unwrap();
        for path in [
            "entries/2026/11/a.md",
            "entries/2026/11/b.md",
            "entries/2025/01/c.md",
        ] {
            assert!(tree.get_path(Path::new(path)).is_ok(), "{path}");
        }
        // Untouched subtrees are shared with the parent, not rewritten.
        let parent_tree = repo.find_commit(first).unwrap().tree().unwrap();
        let old_a = parent_tree
            .get_path(Path::new("entries/2026/11/a.md"))
            .unwrap()
            .id();
        assert_eq!(
            tree.get_path(Path::new("entries/2026/11/a.md"))
                .unwrap()
                .id(),
            old_a
        );
    }

    #[test]
    fn removing_the_last_file_drops_empty_trees() {
        let (dir, repo) = repo();
        let keep = write(dir.path(), "wol.toml", "x = 1\n");
        let a = write(dir.path(), "entries/2026/11/a.md", "A\n");
        commit_changes(&repo, &[keep, a], "init", &sig()).unwrap();
        std::fs::remove_file(dir.path().join("entries/2026/11/a.md")).unwrap();
        let rm = Change::Remove {
            path: "entries/2026/11/a.md".into(),
        };
        let oid = commit_changes(&repo, &[rm], "rm: a", &sig()).unwrap();
        let tree = repo.find_commit(oid).unwrap().tree().unwrap();
        assert!(tree.get_name("entries").is_none());
        assert!(tree.get_name("wol.toml").is_some());
        assert!(clean(&repo));
    }

    #[test]
    fn a_moved_branch_is_not_overwritten() {
        let (dir, repo) = repo();
        let a = write(dir.path(), "a.md", "A\n");
        let first = commit_changes(&repo, &[a], "a", &sig()).unwrap();
        // Another writer moves main between our read and our update.
        let tree = repo.find_commit(first).unwrap().tree().unwrap();
        let other = repo
            .commit(
                None,
                &sig(),
                &sig(),
                "other",
                &tree,
                &[&repo.find_commit(first).unwrap()],
            )
            .unwrap();
        let b = write(dir.path(), "b.md", "B\n");
        let parent = repo.find_commit(first).unwrap();
        let our_tree = update_tree(
            &repo,
            Some(&tree),
            &["b.md"],
            Some(repo.blob(b"B\n").unwrap()),
        )
        .unwrap()
        .unwrap();
        let ours = repo
            .commit(
                None,
                &sig(),
                &sig(),
                "ours",
                &repo.find_tree(our_tree).unwrap(),
                &[&parent],
            )
            .unwrap();
        repo.reference("refs/heads/main", other, true, "other")
            .unwrap();
        let swap = repo.reference_matching("refs/heads/main", ours, true, first, "ours");
        assert_eq!(swap.err().map(|e| e.code()), Some(ErrorCode::Modified));
        // commit_changes itself starts from the branch as it is now and keeps `other`.
        let oid = commit_changes(&repo, &[b], "b", &sig()).unwrap();
        assert_eq!(repo.find_commit(oid).unwrap().parent_id(0).unwrap(), other);
    }

    #[test]
    fn detached_head_is_refused_with_a_hint() {
        let (dir, repo) = repo();
        let a = write(dir.path(), "a.md", "A\n");
        let first = commit_changes(&repo, &[a], "a", &sig()).unwrap();
        repo.set_head_detached(first).unwrap();
        let err = head_branch(&repo).unwrap_err();
        let user = err.downcast_ref::<crate::error::UserError>().unwrap();
        assert!(user.hint.as_deref().unwrap().contains("git switch"));
    }
}
