//! Git's lock files (`index.lock`, `refs/heads/main.lock`): who may still own one, and
//! removing one that nobody can own any more.
//!
//! git itself never removes a lock it did not take: it stops and asks the person. wol
//! removes only what a crash left behind, which it can tell from `/proc`: a lock is live
//! while a process has the file open, and also while a git command works in the
//! repository, because `git commit` closes `index.lock` before it starts the editor and
//! renames it over the index when the editor is closed, minutes later.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;
use git2::Repository;

use crate::error::hinted;

/// How long to wait for a git lock that a live process may own.
const LIVE_LOCK_WAIT: Duration = Duration::from_secs(10);

/// How long a lock waited for is waited for in silence.
const QUIET_WAIT: Duration = Duration::from_secs(1);

/// Wait for the git lock file `path` of `repo` to go away. A lock that no process could
/// still own was left by one that died, and is removed with a notice; one that a process
/// may own (see [`owner`]) is waited for, up to [`LIVE_LOCK_WAIT`], then reported with
/// the process and a hint — never removed. Where there is no `/proc`, a lock is never
/// taken for dead.
pub fn clear_stale_lock(repo: &Repository, path: &Path) -> Result<()> {
    if !path.exists() {
        return Ok(());
    }
    clear(path, &Places::of(repo))
}

/// [`clear_stale_lock`] for the lock of the reference `name` (`refs/…`), held while it is
/// moved: a process killed then leaves it, and every later move fails. References live in
/// the common git dir (a linked worktree's own dir holds only its HEAD and index).
pub fn clear_stale_ref_lock(repo: &Repository, name: &str) -> Result<()> {
    clear_stale_lock(repo, &repo.commondir().join(format!("{name}.lock")))
}

/// [`clear_stale_lock`] for the lock `path` of the repository whose work tree is `root`
/// and git dir `root/.git`, before there is a repository to open: one whose creation was
/// interrupted (git's `config.lock` left behind makes every later `git init` fail).
pub fn clear_stale_lock_in(root: &Path, path: &Path) -> Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let canonical = |p: &Path| p.canonicalize().ok();
    let git_dirs: Vec<PathBuf> = canonical(&root.join(".git")).into_iter().collect();
    let mut all = git_dirs.clone();
    all.extend(canonical(root));
    clear(path, &Places { git_dirs, all })
}

fn clear(path: &Path, places: &Places) -> Result<()> {
    let start = Instant::now();
    let mut told = false;
    loop {
        if !path.exists() {
            return Ok(());
        }
        let owner = owner(path, places);
        if owner == Owner::Nobody && start.elapsed() >= Duration::from_millis(200) {
            break;
        }
        if start.elapsed() >= LIVE_LOCK_WAIT {
            return Err(live_lock(path, &owner));
        }
        if !told && start.elapsed() >= QUIET_WAIT {
            told = true;
            if let Owner::Process(p) = &owner {
                eprintln!(
                    "wol: waiting for {} to release {}",
                    p.describe(),
                    path.display()
                );
            }
        }
        std::thread::sleep(Duration::from_millis(50));
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

/// The error for a lock still owned after [`LIVE_LOCK_WAIT`].
fn live_lock(path: &Path, owner: &Owner) -> anyhow::Error {
    let lock = path.display();
    match owner {
        Owner::Process(p) if p.git => hinted(
            format!(
                "git lock {lock} is held by a running git command: {}",
                p.describe()
            ),
            "let that command finish (a `git commit` waits until its editor is closed), then \
             run wol again; do not remove the lock while it runs, or its work is lost",
        ),
        Owner::Process(p) => hinted(
            format!(
                "git lock {lock} is held by another process: {}",
                p.describe()
            ),
            "wait for that process to finish, then run wol again",
        ),
        Owner::Nobody | Owner::Unknown => hinted(
            format!("git lock {lock} is held by another process (a git command is running)"),
            "wait for that git command to finish, then run wol again",
        ),
    }
}

/// Who may still own a lock.
#[derive(Debug, PartialEq, Eq)]
enum Owner {
    /// No process could: the lock was left by one that died.
    Nobody,
    /// This process, or this git command.
    Process(Proc),
    /// There is no `/proc` to tell.
    Unknown,
}

/// A process that may own a lock.
#[derive(Debug, PartialEq, Eq)]
struct Proc {
    pid: u32,
    /// `git commit` for a git command (no options: they may carry credentials), else
    /// the program's name.
    name: String,
    git: bool,
}

impl Proc {
    /// `git commit (pid 1234)`.
    fn describe(&self) -> String {
        format!("`{}` (pid {})", crate::term::sanitize(&self.name), self.pid)
    }
}

/// The folders of a repository a git command works in: every work tree, the git dir and
/// the common git dir, canonical.
#[derive(Debug)]
struct Places {
    /// The git dir and the common git dir: any process working in them may own a lock.
    git_dirs: Vec<PathBuf>,
    /// The work trees and the git dirs: a git command working in them may own a lock.
    all: Vec<PathBuf>,
}

impl Places {
    fn of(repo: &Repository) -> Places {
        let canonical = |p: &Path| p.canonicalize().ok();
        let git_dirs: Vec<PathBuf> = [repo.path(), repo.commondir()]
            .into_iter()
            .filter_map(canonical)
            .collect();
        let mut all = git_dirs.clone();
        all.extend(repo.workdir().and_then(canonical));
        // The other work trees of the repository share its branches (and their locks).
        if let Ok(main) = Repository::open(repo.commondir()) {
            all.extend(main.workdir().and_then(canonical));
            if let Ok(names) = main.worktrees() {
                for name in names.iter().filter_map(|n| n.ok().flatten()) {
                    if let Ok(wt) = main.find_worktree(name) {
                        all.extend(canonical(wt.path()));
                    }
                }
            }
        }
        Places { git_dirs, all }
    }

    fn has(&self, path: &Path) -> bool {
        self.all.iter().any(|p| path.starts_with(p))
    }
}

/// Who may still own the lock `path`, read from `/proc`: a process that has the file open
/// (git keeps it open while it writes); a git command whose working folder, `GIT_DIR`,
/// `GIT_COMMON_DIR`, `GIT_WORK_TREE` or `GIT_INDEX_FILE` is in the repository (one that
/// runs an editor or a hook has closed the file, and will still rename it); any process
/// working inside the git dir (a hook). Processes of other users, which /proc does not
/// show, cannot write the journal.
fn owner(path: &Path, places: &Places) -> Owner {
    let Ok(target) = path.canonicalize() else {
        return Owner::Unknown;
    };
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Owner::Unknown;
    };
    let me = std::process::id();
    for p in procs.filter_map(|e| e.ok()) {
        let Some(pid) = p.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let dir = p.path();
        let git = is_git(&dir);
        let cwd = std::fs::read_link(dir.join("cwd")).ok();
        let works_here = pid != me
            && cwd.as_deref().is_some_and(|cwd| {
                places.git_dirs.iter().any(|g| cwd.starts_with(g)) || (git && places.has(cwd))
            });
        if works_here
            || (git && git_env_points_here(&dir, cwd.as_deref(), places))
            || has_open(&dir, &target)
        {
            return Owner::Process(Proc {
                pid,
                name: name(&dir, git),
                git,
            });
        }
    }
    Owner::Nobody
}

/// Whether the process at `/proc/PID` runs git (`git`, `git-upload-pack`, …).
fn is_git(dir: &Path) -> bool {
    let gitish = |name: &str| name == "git" || name.starts_with("git-");
    let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
    gitish(comm.trim_end())
        || std::fs::read_link(dir.join("exe"))
            .ok()
            .and_then(|exe| exe.file_name()?.to_str().map(gitish))
            .unwrap_or(false)
}

/// Whether one of the process's git variables names a place in the repository.
fn git_env_points_here(dir: &Path, cwd: Option<&Path>, places: &Places) -> bool {
    let Ok(environ) = std::fs::read(dir.join("environ")) else {
        return false;
    };
    environ.split(|&b| b == 0).any(|var| {
        let var = String::from_utf8_lossy(var);
        let Some((key, value)) = var.split_once('=') else {
            return false;
        };
        if !matches!(
            key,
            "GIT_DIR" | "GIT_COMMON_DIR" | "GIT_WORK_TREE" | "GIT_INDEX_FILE"
        ) || value.is_empty()
        {
            return false;
        }
        let value = Path::new(value);
        let full = match cwd {
            Some(cwd) => cwd.join(value),
            None if value.is_absolute() => value.to_path_buf(),
            None => return false,
        };
        // GIT_INDEX_FILE may name a file not yet written: its folder counts.
        let real = full
            .canonicalize()
            .or_else(|_| full.parent().unwrap_or(&full).canonicalize());
        real.is_ok_and(|p| places.has(&p))
    })
}

/// Whether the process has `target` open.
fn has_open(dir: &Path, target: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(dir.join("fd")) else {
        return false;
    };
    fds.filter_map(|e| e.ok())
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l == target))
}

/// `git commit` for a git command, else the program's name.
fn name(dir: &Path, git: bool) -> String {
    let comm = std::fs::read_to_string(dir.join("comm"))
        .map(|c| c.trim_end().to_owned())
        .unwrap_or_default();
    if !git {
        return comm;
    }
    let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
    let args: Vec<String> = cmdline
        .split(|&b| b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    match git_subcommand(&args) {
        Some(sub) => format!("git {sub}"),
        None => comm,
    }
}

/// The subcommand of a git command line (`commit` of `git -c a=b -C dir commit -a`);
/// `None` for a dashed program (`git-upload-pack`) or none given.
fn git_subcommand(args: &[String]) -> Option<&str> {
    let program = Path::new(args.first()?).file_name()?.to_str()?;
    if program != "git" {
        return None;
    }
    let mut rest = args[1..].iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            // Options whose value is the next argument.
            "-c" | "-C" | "--git-dir" | "--work-tree" | "--namespace" | "--config-env" => {
                rest.next();
            }
            a if a.starts_with('-') => {}
            a => return Some(a),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subcommand_is_found_past_global_options() {
        let args = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(
            git_subcommand(&args(
                "/usr/bin/git -c user.name=x -C /j --no-pager commit -a"
            )),
            Some("commit")
        );
        assert_eq!(
            git_subcommand(&args("git --git-dir /j/.git status")),
            Some("status")
        );
        assert_eq!(git_subcommand(&args("git --version")), None);
        assert_eq!(git_subcommand(&args("git-upload-pack /j")), None);
    }
}
