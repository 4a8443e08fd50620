//! `wol sync`: one journal on every machine, through one private git remote that holds a
//! *sealed* history (see [`seal`]): public and partner entries in plain text, everything
//! else age-encrypted under names that reveal nothing.
//!
//! A sync, under the journal lock: fetch the sealed branch, unseal what is new (every
//! machine derives the same plain commits), merge it with the journal's branch ([`merge`]),
//! bring the work tree up to date ([`crate::journal::Writer::advance`]), seal the local
//! commits the remote lacks, and push — never forced; a push that lost a race fetches
//! and tries again. `add-recipient`/`remove-recipient` seal the whole history anew and
//! replace the branch under a lease; `remove-recipient` also rotates the sync key that
//! names sealed files ([`seal::begin_rotation`]), and every sync finishes a rotation
//! that has not reached the remote yet.
//!
//! Local state lives in `.wol/sync/` (the map of sealed and plain objects, the sync key,
//! a rotation's next key) and in refs under `refs/wol/sync/`; all of it but the next key
//! can be rebuilt from the remote.

pub mod keys;
pub mod merge;
pub mod seal;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use git2::{Oid, Repository, Signature};
use serde::Serialize;

use crate::config::{JournalConfig, SyncConfig, UserConfig};
use crate::error::hinted;
use crate::git;
use crate::journal::Journal;
use crate::remote::{self, RemoteError};
use keys::Identities;
use seal::{Rotation, SealTo, Sealer};

/// The remote's sealed branch as last fetched.
pub const REMOTE_REF: &str = "refs/wol/sync/remote";
/// The sealed commit being pushed.
pub const OUTGOING_REF: &str = "refs/wol/sync/outgoing";
/// How often a push that lost a race is tried again.
const ATTEMPTS: usize = 5;

/// `.wol/sync/` of a journal.
pub fn state_dir(journal: &Journal) -> PathBuf {
    journal.state_dir().join("sync")
}

/// The journal's `[sync]`, or an error saying how to set it up.
pub fn config(journal: &Journal) -> Result<&SyncConfig> {
    journal.config.sync.as_ref().ok_or_else(|| {
        hinted(
            format!("{} is not set up for sync", journal.root.display()),
            "set it up with: wol sync init URL (a private git repository: git init --bare on a server)",
        )
    })
}

/// One file that goes in or out.
#[derive(Debug, Clone, Serialize)]
pub struct Moved {
    pub path: String,
    /// `added`, `changed` or `removed`.
    pub change: &'static str,
    /// Sealed on the remote (true) or plain text (false).
    pub sealed: bool,
}

/// What a sync did (or, with `--dry-run`, would do).
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// `up_to_date` or `synced` (`would_sync` with `--dry-run`).
    pub status: &'static str,
    /// Files of the journal changed by commits from other machines.
    #[serde(rename = "in")]
    pub incoming: Vec<Moved>,
    /// Files changed on the remote by this machine's commits.
    #[serde(rename = "out")]
    pub outgoing: Vec<Moved>,
    /// Conflict copies of entries both sides changed.
    pub conflict_copies: Vec<String>,
    /// Other files both sides changed: where the other side's version was kept.
    pub kept_aside: Vec<String>,
    /// Files removed on one side and changed on the other: kept.
    pub kept_changed: Vec<String>,
    pub warnings: Vec<String>,
    /// The journal's commit after the sync.
    pub head: Option<String>,
    /// The sync remote's sealed commit after the sync.
    pub sealed_head: Option<String>,
    pub dry_run: bool,
}

/// How to sync.
#[derive(Debug, Default, Clone, Copy)]
pub struct Options {
    /// Say what would go in and out; change nothing but the fetched remote state.
    pub dry_run: bool,
    /// Seal the whole history anew for the recipients in `wol.toml` and replace the
    /// remote branch (under a lease).
    pub reseal: bool,
    /// Show push progress on a terminal.
    pub progress: bool,
}

/// Begin rotating the journal's sync key (before the change it goes with is committed):
/// from now on, syncs seal the whole history anew under a new key until one has pushed
/// it. Returns whether a rotation began (false: one was pending already, and goes on).
pub fn begin_key_rotation(journal: &Journal) -> Result<bool> {
    seal::begin_rotation(&state_dir(journal))
}

/// Marks a re-seal for new recipients (`add-recipient`) that no push has carried yet:
/// every sync seals the whole history anew until one has.
const RESEAL_FILE: &str = "reseal";

/// Begin a re-seal of the whole history (before `add-recipient`'s change is committed),
/// finished by the first sync that pushes it.
pub fn begin_reseal(journal: &Journal) -> Result<()> {
    let dir = state_dir(journal);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    crate::journal::write_atomic(&dir.join(RESEAL_FILE), b"add-recipient\n")
}

/// Undo [`begin_reseal`] (the change it was for did not happen), or mark it done.
pub fn end_reseal(journal: &Journal) -> Result<()> {
    let path = state_dir(journal).join(RESEAL_FILE);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// The fingerprint of the sync key this machine names files with now (`None`: none yet).
pub fn current_key_id(journal: &Journal) -> Option<String> {
    seal::current_key_id(&state_dir(journal))
}

/// Undo [`begin_key_rotation`] when the change it went with was not made.
pub fn abandon_key_rotation(journal: &Journal) -> Result<()> {
    seal::abandon_rotation(&state_dir(journal))
}

/// Sync `journal` with its `[sync]` remote.
pub fn sync(
    journal: &Journal,
    sig: Signature<'static>,
    user: &UserConfig,
    opts: Options,
) -> Result<Report> {
    let cfg = config(journal)?.clone();
    let writer = journal.begin_write(sig.clone(), None)?;
    let repo = journal.repo()?;
    let url = remote::resolve_url(&cfg.url, &journal.root);
    let dir = state_dir(journal);
    let mut ids: Option<Identities> = None;
    let mut report = Report {
        dry_run: opts.dry_run,
        ..Report::default()
    };
    // A sync killed while libgit2 held one of its ref locks leaves the lock file behind;
    // removed here when no live process holds it (never while one does).
    for name in [REMOTE_REF, OUTGOING_REF] {
        crate::git_lock::clear_stale_ref_lock(repo, name)?;
    }
    for attempt in 1..=ATTEMPTS {
        if let Ok(mut r) = repo.find_reference(REMOTE_REF) {
            r.delete()?;
        }
        let remote_head = remote::fetch(repo, &url, &cfg.branch, REMOTE_REF)?;
        let mut sealer = Sealer::open(repo, &dir)?;
        sealer.known_keys = cfg.recipients.clone();
        sealer.retired = cfg.retired_keys.clone();
        let remote_plain = match remote_head {
            Some(r) => {
                if ids.is_none() {
                    ids = Some(Identities::load(user)?);
                }
                let ids = ids.as_ref().expect("loaded above");
                let plain = sealer.unseal_history(r, ids)?;
                sealer.follow_key(r, ids)?;
                sealer.save()?;
                Some(plain)
            }
            None => None,
        };
        let rotation = sealer.rotation();
        if rotation == Rotation::Landed && !opts.dry_run {
            // A rotation pushed by a sync that stopped before it could say so.
            sealer.finish_rotation()?;
        }
        // A rotation not on the remote yet: the whole history is sealed anew under its key.
        // So is one for new recipients that no push has carried yet.
        let resealing = state_dir(journal).join(RESEAL_FILE).exists();
        let reseal = opts.reseal || rotation == Rotation::Pending || resealing;
        if resealing && !opts.reseal && rotation != Rotation::Pending {
            report.warnings.push(format!(
                "{} sealing the whole history anew for the recipient wol sync add-recipient added",
                if opts.dry_run {
                    "would finish"
                } else {
                    "finishing"
                }
            ));
        }
        if rotation == Rotation::Pending && !opts.reseal {
            report.warnings.push(format!(
                "{} the rotation of the sync key that wol sync remove-recipient began: the whole history is sealed anew",
                if opts.dry_run { "would finish" } else { "finishing" }
            ));
        }
        let branch = git::head_branch(repo)?;
        let local = git::branch_commit(repo, &branch)?
            .ok_or_else(|| hinted("the journal has no commit yet", "log an entry first"))?
            .id();
        let mut merged = None;
        let new_head = match remote_plain {
            None => local,
            Some(rp) if rp == local || repo.graph_descendant_of(local, rp)? => local,
            Some(rp) if repo.graph_descendant_of(rp, local)? => rp,
            Some(rp) => {
                let m = merge::merge(repo, local, rp)?;
                let tree = repo.find_tree(m.tree)?;
                let parents = [&repo.find_commit(local)?, &repo.find_commit(rp)?];
                let commit = repo.commit(
                    None,
                    writer.signature(),
                    writer.signature(),
                    "sync: merge the entries of other machines",
                    &tree,
                    &parents,
                )?;
                merged = Some(m);
                commit
            }
        };
        report.incoming = moves(repo, Some(local), new_head)?;
        report.outgoing = moves(repo, remote_plain, new_head)?;
        if let Some(m) = &merged {
            report.conflict_copies = m.copies.clone();
            report.kept_changed = m.kept.clone();
        }
        report.head = Some(new_head.to_string());
        report.sealed_head = remote_head.map(|r| r.to_string());
        let must_push = reseal || remote_plain != Some(new_head);
        if opts.dry_run {
            report.status = if report.incoming.is_empty() && !must_push {
                "up_to_date"
            } else {
                "would_sync"
            };
            return Ok(report);
        }
        if new_head != local {
            writer.advance(local, new_head)?;
        }
        if let Some(m) = &merged {
            report.kept_aside = keep_aside(journal, repo, &m.aside)?;
            for (path, aside) in m.aside.iter().zip(&report.kept_aside) {
                report.warnings.push(format!(
                    "{} was changed on this machine and on another: this machine's version is kept, the other one is in {aside}; merge what you need into {} and run wol sync",
                    path.0, path.0
                ));
            }
        }
        if !must_push {
            report.status = if report.incoming.is_empty() {
                "up_to_date"
            } else {
                "synced"
            };
            return Ok(report);
        }
        // The recipients are those of the journal as it is now (they may have come in).
        let config = JournalConfig::load(&journal.root.join(crate::journal::CONFIG_FILE))?;
        let to = SealTo::new(
            &config
                .sync
                .as_ref()
                .map(|s| s.recipients.clone())
                .unwrap_or_default(),
        )?;
        if reseal {
            sealer.forget_sealing();
        }
        let sealed = sealer.seal_history(new_head, if reseal { None } else { remote_head }, &to)?;
        sealer.save()?;
        report.warnings.append(&mut sealer.warnings);
        repo.reference(OUTGOING_REF, sealed, true, "wol sync: seal")?;
        let pushed = if reseal {
            remote::push_replacing(repo, &url, OUTGOING_REF, &cfg.branch, remote_head)
        } else {
            remote::push(
                repo,
                &url,
                OUTGOING_REF,
                &cfg.branch,
                opts.progress.then_some("sync"),
                remote::PushMode::FastForward,
                remote::Pack::Deltas,
            )
            .map(|_| ())
        };
        match pushed {
            Ok(()) => {
                if rotation == Rotation::Pending {
                    sealer.finish_rotation()?;
                }
                if reseal {
                    end_reseal(journal)?;
                }
                repo.reference(REMOTE_REF, sealed, true, "wol sync: pushed")?;
                report.sealed_head = Some(sealed.to_string());
                report.status = "synced";
                report.warnings.sort();
                report.warnings.dedup();
                return Ok(report);
            }
            Err(RemoteError::NonFastForward { .. }) if attempt < ATTEMPTS => {
                crate::diag::info(format_args!(
                    "sync: the remote moved meanwhile; fetching again (attempt {})",
                    attempt + 1
                ));
                continue;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(hinted(
        format!("the sync remote kept moving: {ATTEMPTS} pushes in a row lost a race"),
        "another machine is syncing at the same moment; run wol sync again",
    ))
}

/// Keep the other side's version of files both sides changed (not entries) in
/// `.wol/conflicts/`; returns where, relative to the journal.
fn keep_aside(
    journal: &Journal,
    repo: &Repository,
    aside: &[(String, Oid)],
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (path, blob) in aside {
        let name = format!("{}.{}", path.replace('/', "__"), &blob.to_string()[..8]);
        let abs = journal.state_dir().join("conflicts").join(&name);
        crate::journal::write_atomic(&abs, repo.find_blob(*blob)?.content())?;
        out.push(journal.rel(&abs));
    }
    Ok(out)
}

/// The files that differ between the trees of `from` (none: empty) and `to`, and whether
/// each is sealed on the remote.
fn moves(repo: &Repository, from: Option<Oid>, to: Oid) -> Result<Vec<Moved>> {
    if from == Some(to) {
        return Ok(Vec::new());
    }
    let old = from.map(|c| repo.find_commit(c)?.tree()).transpose()?;
    let new = repo.find_commit(to)?.tree()?;
    let rules_new = seal::schema_of(repo, &new);
    let rules_old = old.as_ref().and_then(|t| seal::schema_of(repo, t));
    let mut out = Vec::new();
    for (path, file) in seal::changed_files(repo, old.as_ref(), &new)? {
        let (change, sealed) = match file {
            Some((blob, _)) => {
                let existed = old
                    .as_ref()
                    .is_some_and(|t| t.get_path(Path::new(&path)).is_ok());
                let content = repo.find_blob(blob)?;
                (
                    if existed { "changed" } else { "added" },
                    !seal::is_shareable(&path, content.content(), rules_new.as_ref()),
                )
            }
            None => {
                let was = old
                    .as_ref()
                    .and_then(|t| t.get_path(Path::new(&path)).ok())
                    .and_then(|e| repo.find_blob(e.id()).ok());
                let plain =
                    was.is_some_and(|b| seal::is_shareable(&path, b.content(), rules_old.as_ref()));
                ("removed", !plain)
            }
        };
        out.push(Moved {
            path,
            change,
            sealed,
        });
    }
    Ok(out)
}

/// What `clone` made.
#[derive(Debug, Serialize)]
pub struct Cloned {
    pub dir: PathBuf,
    pub head: String,
    pub files: usize,
    pub sealed_files: usize,
}

/// `wol sync clone URL DIR`: a new journal in `dir` (which must not exist or be empty)
/// from the sealed history at `url`, with every sealed file opened. Nothing is left in
/// `dir` when something fails (a key that opens nothing, a remote that is not a sync
/// remote).
pub fn clone(url: &str, branch: &str, dir: &Path, user: &UserConfig) -> Result<Cloned> {
    remote::validate_url(url)?;
    remote::validate_branch(branch)?;
    let ids = Identities::load(user)?;
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_some()
    {
        return Err(hinted(
            format!("{} exists and is not empty", dir.display()),
            "give a new folder: wol sync clone URL DIR",
        ));
    }
    let created = !dir.exists();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = clone_into(url, branch, dir, &ids);
    if result.is_err() {
        // Nothing half-made stays: no plain file from a clone that failed.
        if created {
            let _ = std::fs::remove_dir_all(dir);
        } else if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.filter_map(|e| e.ok()) {
                let _ =
                    std::fs::remove_dir_all(e.path()).or_else(|_| std::fs::remove_file(e.path()));
            }
        }
    }
    result
}

fn clone_into(url: &str, branch: &str, dir: &Path, ids: &Identities) -> Result<Cloned> {
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = Repository::init_opts(dir, &opts)
        .with_context(|| format!("cannot create a git repository in {}", dir.display()))?;
    let state = dir.join(crate::journal::STATE_DIR).join("sync");
    let url = remote::resolve_url(url, &std::env::current_dir()?);
    let head = remote::fetch(&repo, &url, branch, REMOTE_REF)?.ok_or_else(|| {
        hinted(
            format!("{} has no branch {branch}", remote::redact_url(&url)),
            "check the URL and --branch; a journal is put there by wol sync on a machine set up with wol sync init",
        )
    })?;
    let mut sealer = Sealer::open(&repo, &state)?;
    let plain = sealer.unseal_history(head, ids)?;
    sealer.follow_key(head, ids)?;
    let commit = repo.find_commit(plain)?;
    let tree = commit.tree()?;
    if tree.get_name(crate::journal::CONFIG_FILE).is_none() {
        return Err(hinted(
            format!(
                "the sync branch at {} holds no wol.toml",
                remote::redact_url(&url)
            ),
            "it is not a wol journal",
        ));
    }
    repo.reference("refs/heads/main", plain, true, "wol sync clone")?;
    let mut checkout = git2::build::CheckoutBuilder::new();
    checkout.force();
    repo.checkout_head(Some(&mut checkout))
        .context("cannot write the journal's files")?;
    sealer.save()?;
    let files = seal::all_files(&tree)?;
    let rules = seal::schema_of(&repo, &tree);
    let sealed_files = files
        .iter()
        .filter(|(p, (b, _))| {
            repo.find_blob(*b)
                .map(|b| !seal::is_shareable(p, b.content(), rules.as_ref()))
                .unwrap_or(true)
        })
        .count();
    // The journal must open as any other.
    Journal::open(dir)?;
    Ok(Cloned {
        dir: dir.to_path_buf(),
        head: plain.to_string(),
        files: files.len(),
        sealed_files,
    })
}
