//! Remote git, for every caller (publish, pull, doctor, sync): the rules for
//! names and URLs ([`url`]), credentials ([`credentials`]), push, fetch, reachability,
//! bounded timeouts, and typed errors that say what to do.
//!
//! Pushing never forces (the one exception, [`push_replacing`], holds a lease on the
//! branch): the refspec has no `+`, so a branch only ever fast-forwards. A
//! rejection can come back two ways and both are checked: as an `Err` (`NotFastForward`
//! when libgit2 refuses client-side), or as `Ok(())` from `push` with a status in
//! `push_update_reference` (the server's hook or config refused).
//!
//! Timeouts: libgit2's connect and read/write timeouts are set once per process
//! ([`set_timeouts`]), so a server that accepts a connection and never answers costs at
//! most that long, and the caller goes on with the next partner.

pub mod credentials;
pub mod url;
pub mod watchdog;

use std::cell::RefCell;
use std::io::{IsTerminal as _, Write as _};
use std::sync::OnceLock;
use std::time::Duration;

use git2::{ErrorClass, ErrorCode, PushOptions, RemoteCallbacks, Repository};

pub use url::{
    UrlKind, local_path, redact_url, resolve_url, validate_branch, validate_name, validate_url,
};

/// The default for connect and idle timeouts.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A remote operation that failed, by kind, with the URL already redacted.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The remote branch has commits we do not have: never forced.
    #[error("{url} has commits on {branch} that this push does not build on (not a fast-forward)")]
    NonFastForward { url: String, branch: String },
    /// The branch does not exist on the remote and the commit has parents (see
    /// [`PushMode::NoHistoryToNewBranch`]): nothing was sent.
    #[error("{branch} does not exist on {url} yet, and the commit has earlier history")]
    NewBranch { url: String, branch: String },
    /// The server (a hook or its settings) declined the push.
    #[error("{url} refused the push to {branch}: {status}")]
    Rejected {
        url: String,
        branch: String,
        status: String,
    },
    /// No credential was accepted.
    #[error("could not authenticate to {url}: {message}")]
    Auth { url: String, message: String },
    /// The server's certificate or host key is not trusted.
    #[error("the server certificate of {url} is not trusted: {message}")]
    Certificate { url: String, message: String },
    /// Connecting or waiting for an answer took longer than the timeout.
    #[error("{url} did not answer within {secs} s")]
    Timeout { url: String, secs: u64 },
    /// The operation started but stopped moving (a server that sends a byte now and
    /// then passes every per-read timeout): given up, see [`watchdog`].
    #[error("{url} did not answer in time: nothing moved for {secs} s")]
    Stalled { url: String, secs: u64 },
    /// The network or the server could not be reached.
    #[error("cannot reach {url}: {message}")]
    Unreachable { url: String, message: String },
    /// Something answered, but not in git's protocol: a web page, a mail server, a
    /// typo'd port ([`is_not_git`]).
    #[error("{url} answered, but not as a git server: {message}")]
    NotGit { url: String, message: String },
    /// A local repository's branch is locked by a process that is still running (see
    /// [`clear_stale_ref_lock_at`]); `message` names it.
    #[error("{message}")]
    Locked {
        url: String,
        message: String,
        hint: String,
    },
    /// A local path that holds no repository.
    #[error("there is no git repository at {url}")]
    NoRepository { url: String },
    /// A local path that holds a repository with a work tree, which a push cannot update
    /// (libgit2 refuses; git would refuse a checked-out branch).
    #[error("{url} is a repository with a work tree (not bare): a push cannot go there")]
    NotBare { url: String },
    /// The URL is not one wol uses (checked before any connection).
    #[error("{url} is not a usable remote URL: {message}")]
    BadUrl { url: String, message: String },
    /// Anything else the transport reported.
    #[error("{doing} {url} failed: {message}")]
    Other {
        doing: &'static str,
        url: String,
        message: String,
    },
}

const WHAT_NEXT: &str = "fix it and run the command again; nothing in your journal changed";

impl RemoteError {
    /// What the person can do about it.
    pub fn hint(&self) -> String {
        match self {
            // Callers that can tell whose the commits are say so themselves (publish:
            // `publish::adopt`); here they may be anyone's, so nothing suggests removing them.
            RemoteError::NonFastForward { url, branch } => format!(
                "wol never forces, so nothing there was replaced; most often another push landed \
                 first: run the command again. Look at what is there with: git fetch {url} {branch} \
                 && git log FETCH_HEAD. Removing commits from {branch} would delete them for \
                 everyone who reads it"
            ),
            RemoteError::NewBranch { .. } => {
                "wol starts a new branch with one commit; run the command again".into()
            }
            RemoteError::Rejected { url, .. } => format!(
                "the server (a hook or its settings) declined it; ask the maintainers of {url} why, then {WHAT_NEXT}"
            ),
            RemoteError::Auth { .. } => {
                "load your key into ssh-agent (ssh-add), configure a git credential \
                 helper, or set WOL_GIT_TOKEN for https"
                    .into()
            }
            RemoteError::Certificate { .. } => {
                "check the host name; for ssh, add the host to ~/.ssh/known_hosts (ssh it once)"
                    .into()
            }
            RemoteError::Timeout { .. } => format!(
                "check that the server is up and the URL is right (wol partner list, or wol follow list for \
                 a log you follow); the limit is \
                 [remote] timeout in wol.toml (seconds); {WHAT_NEXT}"
            ),
            RemoteError::Stalled { .. } => format!(
                "the server stalled or the link is very slow; try again later. For a slow \
                 link raise [remote] timeout in wol.toml (seconds); {WHAT_NEXT}"
            ),
            RemoteError::Unreachable { .. } => {
                format!(
                    "check the URL (wol partner list, or wol follow list for a log you follow) and your network; {WHAT_NEXT}"
                )
            }
            RemoteError::NotGit { .. } => format!(
                "check the URL: it must name a git repository (for https, the address git clone \
                 takes, often ending in .git), not a web page or another service (wol partner \
                 list, or wol follow list for a log you follow); over ssh, a login script on the \
                 server that prints text gets in git's way too; {WHAT_NEXT}"
            ),
            RemoteError::Locked { hint, .. } => hint.clone(),
            RemoteError::NotBare { url } => format!(
                "push to a bare repository instead: make one with git init --bare PATH and give \
                 that path (for a partner: wol partner rm NAME && wol partner add NAME PATH); \
                 {url} can then git pull from it; {WHAT_NEXT}"
            ),
            RemoteError::NoRepository { url } => {
                format!(
                    "for a partner, create it with: git init --bare {url}; or correct the path in wol.toml (wol partner list, wol follow list)"
                )
            }
            RemoteError::BadUrl { .. } => {
                "give a path, file://, git://, ssh://, user@host:path or https:// URL".into()
            }
            RemoteError::Other { url, .. } => format!(
                "check that the repository exists and accepts pushes (for a local path: git init --bare {url}); {WHAT_NEXT}"
            ),
        }
    }

    fn from_git(e: git2::Error, url: &str, doing: &'static str) -> RemoteError {
        let url = redact_url(url);
        let message = e.message().to_string();
        let lower = message.to_ascii_lowercase();
        if e.code() == ErrorCode::Auth || (e.class() == ErrorClass::Ssh && lower.contains("auth")) {
            return RemoteError::Auth { url, message };
        }
        if e.code() == ErrorCode::Certificate {
            return RemoteError::Certificate { url, message };
        }
        if e.code() == ErrorCode::Timeout || lower.contains("timed out") {
            return RemoteError::Timeout {
                url,
                secs: timeout().as_secs(),
            };
        }
        if e.code() == ErrorCode::NotFastForward || is_non_fast_forward(&message) {
            return RemoteError::NonFastForward {
                url,
                branch: String::new(),
            };
        }
        if let Some(path) = local_path(&url)
            && !path.join("HEAD").exists()
            && !path.join(".git").exists()
        {
            return RemoteError::NoRepository { url };
        }
        if let Some(path) = local_path(&url)
            && path.join(".git").exists()
            && lower.contains("non-bare")
        {
            return RemoteError::NotBare { url };
        }
        if is_not_git(&lower) {
            return RemoteError::NotGit { url, message };
        }
        // A lock file in the way is a local matter (a git command running, or one that
        // died), not the network's.
        if e.code() != ErrorCode::Locked
            && matches!(
                e.class(),
                ErrorClass::Net | ErrorClass::Os | ErrorClass::Ssh | ErrorClass::Http
            )
        {
            return RemoteError::Unreachable { url, message };
        }
        RemoteError::Other {
            doing,
            url,
            message,
        }
    }
}

/// Whether libgit2's error `message` (lower case) says the server answered in something
/// other than git's protocol: git's packet lines (git://, ssh://, the bodies of https)
/// that do not parse, or an https answer that is no git service's.
fn is_not_git(message: &str) -> bool {
    [
        "bad packet length",
        "invalid hex digit in length",
        "invalid packet line",
        "unexpected pkt type",
        "unexpected packet type",
        "no content-type header in response",
        "invalid content-type",
    ]
    .iter()
    .any(|m| message.contains(m))
}

static TIMEOUT: OnceLock<Duration> = OnceLock::new();

/// The timeout in force (the default until [`set_timeouts`] is called).
pub fn timeout() -> Duration {
    *TIMEOUT.get().unwrap_or(&DEFAULT_TIMEOUT)
}

/// Set the connect timeout and the read/write timeout for server connections. Only
/// recorded here: libgit2 gets them before the first connection ([`apply_timeouts`]), so
/// a command that never connects never starts libgit2 (and OpenSSL) for it. Later calls
/// keep the first value (libgit2's options are process-wide).
pub fn set_timeouts(limit: Duration) {
    let _ = TIMEOUT.set(limit);
}

/// Give libgit2 the timeouts, once, before the first connection.
fn apply_timeouts() {
    static APPLIED: std::sync::Once = std::sync::Once::new();
    APPLIED.call_once(|| {
        let ms = i32::try_from(timeout().as_millis())
            .unwrap_or(i32::MAX)
            .max(1);
        // SAFETY: these write two C globals of libgit2 without synchronisation. The Once
        // makes this run once, and every connection is opened after it (each remote
        // operation calls this first, and waits here while another thread runs it).
        #[allow(unsafe_code)]
        unsafe {
            let _ = git2::opts::set_server_connect_timeout_in_milliseconds(ms);
            let _ = git2::opts::set_server_timeout_in_milliseconds(ms);
        }
    });
}

/// Push `local_ref` to `branch` of `url`, as `mode` says, in a pack made as `pack` says.
/// With `progress`, the name of the partner, progress is shown under it on stderr when
/// that is a terminal. Gives whether the remote branch moved (`false`: it was there
/// already).
pub fn push(
    repo: &Repository,
    url: &str,
    local_ref: &str,
    branch: &str,
    progress: Option<&str>,
    mode: PushMode,
    pack: Pack,
) -> Result<bool, RemoteError> {
    push_refspec(
        repo,
        url,
        local_ref,
        branch,
        progress,
        Mode::Push(mode),
        pack,
    )
}

/// How the pack a push sends is made.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pack {
    /// Each object may be stored as a delta against another object sent (what git and
    /// libgit2 do): the smallest pack.
    Deltas,
    /// No delta search, when the pushed commit is the very next one after the branch
    /// there: its few new objects are pages of different files, which are rarely deltas
    /// of each other, and libgit2's search (it tries each object against ten others, a
    /// tag page or the JSON index hundreds of KB long) was a third of a one-entry
    /// publish's push at 10,000 entries (44-66 vs 25-39 ms), for a pack 14 KB smaller
    /// (71 vs 85 KB). A commit with no parent, or two, is pushed with [`Pack::Deltas`];
    /// when the branch there is further behind (pushes that failed), the push starts again
    /// with them before anything is sent: the pack then carries whole builds.
    NextCommitWhole,
    /// No delta search whatever the commit: a push of tens of thousands of new pages (a
    /// first publish of a large journal, or one after its templates changed). libgit2's
    /// search keeps a window of objects and their delta indexes on each thread, and the
    /// deltas it found, on top of its record of every object: at 100,000 entries 42 MB
    /// of a full publish's peak, and most of its push's time. The pack is larger for it
    /// (pages share their template, so many are deltas of one another).
    Whole,
}

/// How [`push`] may move the remote branch. It never forces.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PushMode {
    /// Fast-forward it, or start it.
    FastForward,
    /// Fast-forward it; start it only with a commit that has no parents. Otherwise
    /// refuse with [`RemoteError::NewBranch`] before anything is sent: a new remote (or
    /// one emptied, or a partner added again under an old name) must never receive
    /// history made for another remote, or entries since held back.
    NoHistoryToNewBranch,
}

/// How [`push_refspec`] updates the remote branch.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Push(PushMode),
    /// Replace it (only [`push_replacing`], after its check).
    Force,
}

/// Replace `branch` of `url` with `local_ref`, which need not descend from it, but only
/// while the branch is still at `expected` (`None`: has no commit): a lease, so that a
/// push someone made meanwhile is never thrown away unseen. `wol sync add-recipient`
/// uses it to replace the sealed history with one sealed for the new recipients.
///
/// libgit2 has no atomic lease: the branch is read, then pushed with force. A push that
/// lands between the two is overwritten on the remote (its maker still has its commits,
/// and its next sync brings them back).
pub fn push_replacing(
    repo: &Repository,
    url: &str,
    local_ref: &str,
    branch: &str,
    expected: Option<git2::Oid>,
) -> Result<(), RemoteError> {
    check_url(url)?;
    let git_dir = repo.path().to_path_buf();
    let heads = watched(url, move |url, watch| {
        let repo = open(&git_dir, url)?;
        let mut remote = repo
            .remote_anonymous(url)
            .map_err(|e| RemoteError::from_git(e, url, "connect to"))?;
        list_heads(
            &mut remote,
            git2::Direction::Push,
            repo.config().ok(),
            url,
            watch,
        )
    })?;
    let now = heads.get(branch).copied();
    if now != expected {
        return Err(RemoteError::NonFastForward {
            url: redact_url(url),
            branch: branch.to_string(),
        });
    }
    push_refspec(
        repo,
        url,
        local_ref,
        branch,
        None,
        Mode::Force,
        Pack::Deltas,
    )
    .map(|_| ())
}

fn push_refspec(
    repo: &Repository,
    url: &str,
    local_ref: &str,
    branch: &str,
    progress: Option<&str>,
    mode: Mode,
    pack: Pack,
) -> Result<bool, RemoteError> {
    check_url(url)?;
    if let Some(dir) = local_path(url) {
        remove_stale_packs(&dir);
        clear_stale_ref_lock_at(&dir, url, branch)?;
    }
    remove_stale_packs(repo.commondir());
    let shown = redact_url(url);
    crate::diag::info(format_args!(
        "remote: push {local_ref} to {shown} ({branch})"
    ));
    let started = std::time::Instant::now();
    let git_dir = repo.path().to_path_buf();
    let mut job = PushJob {
        local_ref: local_ref.to_string(),
        branch: branch.to_string(),
        progress: progress.map(str::to_string),
        mode,
        pack,
    };
    let result = watched(url, move |url, watch| {
        loop {
            // A handle of its own each time: the pack settings are the handle's.
            match push_now(&open(&git_dir, url)?, url, &job, watch)? {
                Pushed::Moved(moved) => return Ok(moved),
                Pushed::AgainWithDeltas => {
                    job.pack = Pack::Deltas;
                    watch.started_again();
                }
            }
        }
    });
    crate::diag::debug(format_args!(
        "remote: push to {shown} took {:?}",
        started.elapsed()
    ));
    result
}

/// What [`push_refspec`] pushes, owned by the thread that pushes it.
struct PushJob {
    local_ref: String,
    branch: String,
    /// The label progress is shown under.
    progress: Option<String>,
    mode: Mode,
    pack: Pack,
}

/// What [`push_now`] did.
enum Pushed {
    /// Pushed; whether the branch there moved.
    Moved(bool),
    /// Nothing sent: the pack must be made with deltas after all ([`Pack`]).
    AgainWithDeltas,
}

/// [`push_refspec`]'s push itself, on the thread [`watched`] runs it on.
fn push_now(
    repo: &Repository,
    url: &str,
    job: &PushJob,
    watch: &watchdog::Watch,
) -> Result<Pushed, RemoteError> {
    let (local_ref, branch) = (job.local_ref.as_str(), job.branch.as_str());
    let (label, mode) = (job.progress.as_deref(), job.mode);
    let shown = redact_url(url);
    let parents: Option<Vec<git2::Oid>> = repo
        .refname_to_id(local_ref)
        .and_then(|id| repo.find_commit(id))
        .map(|c| c.parent_ids().collect())
        .ok();
    let has_parents = parents.as_ref().is_none_or(|p| !p.is_empty());
    // For a pack without deltas: the one commit the branch there must be at. A commit
    // with no parent (a first publish) or two carries more than one build: deltas from
    // the start, without a connection spent finding that out.
    let next_after = match parents.as_deref() {
        Some(&[parent]) => Some(parent),
        _ => None,
    };
    let pack = match (next_after, job.pack) {
        (_, Pack::Whole) => Pack::Whole,
        (Some(_), pack) => pack,
        (None, _) => Pack::Deltas,
    };
    let _limits = pack_limits(repo, pack);
    let mut remote = repo
        .remote_anonymous(url)
        .map_err(|e| RemoteError::from_git(e, url, "push to"))?;
    let rejected: RefCell<Option<String>> = RefCell::new(None);
    let new_branch = std::cell::Cell::new(false);
    // Whether the branch there is not already what is pushed.
    let moves = std::cell::Cell::new(false);
    let repack = std::cell::Cell::new(false);
    let mut callbacks = with_credentials(&remote, repo.config().ok(), watch);
    callbacks.push_update_reference(|_refname, status| {
        if let Some(msg) = status {
            *rejected.borrow_mut() = Some(msg.to_string());
        }
        Ok(())
    });
    let (new_branch_ref, moves_ref, repack_ref) = (&new_branch, &moves, &repack);
    // Called once the server has said where its branches are, before any object is
    // packed or sent; `src` is the branch's commit there (zero: no branch).
    callbacks.push_negotiation(move |updates| {
        if watch.cancelled() {
            return Err(git2::Error::from_str("given up: the remote stalled"));
        }
        if mode == Mode::Push(PushMode::NoHistoryToNewBranch)
            && has_parents
            && updates.iter().any(|u| u.src().is_zero())
        {
            new_branch_ref.set(true);
            return Err(git2::Error::from_str("the branch is new on the remote"));
        }
        moves_ref.set(updates.iter().any(|u| u.src() != u.dst()));
        if pack == Pack::NextCommitWhole
            && updates
                .iter()
                .any(|u| u.src() != u.dst() && Some(u.src()) != next_after)
        {
            repack_ref.set(true);
            return Err(git2::Error::from_str(
                "the branch there is more than one commit behind",
            ));
        }
        Ok(())
    });
    let tty = label.filter(|_| std::io::stderr().is_terminal());
    callbacks.push_transfer_progress(move |current, total, bytes| {
        watch.bytes(bytes);
        if current == total {
            watch.sent_all();
        }
        if let Some(label) = tty {
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r{label}: pushing {current}/{total} objects ({} KiB)\x1b[K",
                bytes / 1024
            );
            let _ = err.flush();
        }
    });
    let mut opts = PushOptions::new();
    opts.remote_callbacks(callbacks);
    // Look for deltas on the cores this process may use, at most four: the delta search
    // is most of a first publish's push (47% of it at 10,000 entries, on one thread).
    // Not libgit2's own count (0), which is every core online, whatever the process's
    // share of them: each thread holds a window of objects, and a big machine would
    // multiply that memory by its cores.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    opts.packbuilder_parallelism(u32::try_from(threads).unwrap_or(1));
    let refspec = format!(
        "{}{local_ref}:refs/heads/{branch}",
        if mode == Mode::Force { "+" } else { "" }
    );
    let result = remote.push(&[refspec.as_str()], Some(&mut opts));
    if tty.is_some() {
        eprint!("\r\x1b[K");
    }
    drop(opts);
    let nff = || RemoteError::NonFastForward {
        url: shown.clone(),
        branch: branch.to_string(),
    };
    if new_branch.get() {
        return Err(RemoteError::NewBranch {
            url: shown,
            branch: branch.to_string(),
        });
    }
    if repack.get() {
        return Ok(Pushed::AgainWithDeltas);
    }
    match result {
        Ok(()) => match rejected.into_inner() {
            None => Ok(Pushed::Moved(moves.get())),
            Some(status) if is_non_fast_forward(&status) => Err(nff()),
            Some(status) => Err(RemoteError::Rejected {
                url: shown.clone(),
                branch: branch.to_string(),
                status,
            }),
        },
        Err(e) => match RemoteError::from_git(e, url, "push to") {
            RemoteError::NonFastForward { .. } => Err(nff()),
            other => Err(other),
        },
    }
}

/// Run `op` (a remote operation on `url`, given the URL and the [`watchdog::Watch`] its
/// callbacks report progress to) on a thread of its own, waiting for it only while it
/// keeps moving: a stalled operation fails with [`RemoteError::Stalled`], and the caller
/// goes on.
fn watched<T: Send + 'static>(
    url: &str,
    op: impl FnOnce(&str, &watchdog::Watch) -> Result<T, RemoteError> + Send + 'static,
) -> Result<T, RemoteError> {
    apply_timeouts();
    let owned = url.to_string();
    match watchdog::run(timeout(), move |watch| op(&owned, watch)) {
        Ok(Some(result)) => result,
        Ok(None) => Err(RemoteError::Other {
            doing: "talk to",
            url: redact_url(url),
            message: "the remote operation stopped unexpectedly".into(),
        }),
        Err(stalled) => Err(RemoteError::Stalled {
            url: redact_url(url),
            secs: stalled.secs,
        }),
    }
}

/// What [`pack_limits`] sets `pack.deltaCacheSize` and `pack.windowMemory` to.
const PACK_LIMIT: i64 = 16 << 20;

/// Bound the memory libgit2 takes for the pack a push of `repo` sends. It keeps every
/// delta it finds until the pack is written (up to 256 MiB) and a delta index of each
/// object in each thread's window however big the objects are: at 100,000 entries, 60 MB
/// and 20 MB of a full publish's peak. `pack.deltaCacheSize` and `pack.windowMemory`
/// bound them (a delta not kept is made again as the pack is written), and libgit2 reads
/// them only from git config: they are given to this repository handle, the push's own,
/// as a config file of the application's level, from a temporary file that lives as long
/// as the returned guard. Nothing is written to the journal's config, and a value the
/// person set stands. libgit2 also takes its big-file threshold (objects it never looks
/// for deltas of) from `pack.deltaCacheSize` (a bug), so objects over 16 MiB, such as a
/// video attached to an entry, go without a delta; for [`Pack::NextCommitWhole`] and
/// [`Pack::Whole`] that threshold is 1 byte, so no object has one (the integration test
/// `publish::the_next_commit_goes_without_deltas_and_a_longer_push_with_them` would see
/// it stop working).
fn pack_limits(repo: &Repository, pack: Pack) -> Option<tempfile::NamedTempFile> {
    use std::io::Write as _;
    let mut config = repo.config().ok()?;
    let mut text = String::from("[pack]\n");
    for key in ["deltaCacheSize", "windowMemory"] {
        if config.get_entry(&format!("pack.{key}")).is_err() {
            let limit = match (key, pack) {
                ("deltaCacheSize", Pack::NextCommitWhole | Pack::Whole) => 1,
                _ => PACK_LIMIT,
            };
            text.push_str(&format!("\t{key} = {limit}\n"));
        }
    }
    let mut file = tempfile::Builder::new()
        .prefix("wol-pack-")
        .suffix(".config")
        .tempfile()
        .ok()?;
    file.write_all(text.as_bytes()).ok()?;
    config
        .add_file(file.path(), git2::ConfigLevel::App, false)
        .ok()?;
    Some(file)
}

/// A handle of its own on the repository at `git_dir`, for an operation's thread.
fn open(git_dir: &std::path::Path, url: &str) -> Result<Repository, RemoteError> {
    Repository::open(git_dir).map_err(|e| RemoteError::from_git(e, url, "open the repository for"))
}

/// Fetch `branch` of `url` into `local_ref` (forced: the local ref mirrors the remote)
/// and return its commit, or `None` when the remote has no such branch (and the caller
/// removed `local_ref` before: a failed fetch leaves it as it was).
pub fn fetch(
    repo: &Repository,
    url: &str,
    branch: &str,
    local_ref: &str,
) -> Result<Option<git2::Oid>, RemoteError> {
    check_url(url)?;
    remove_stale_packs(repo.commondir());
    crate::diag::info(format_args!(
        "remote: fetch {branch} from {} into {local_ref}",
        redact_url(url)
    ));
    let started = std::time::Instant::now();
    let git_dir = repo.path().to_path_buf();
    let refspec = format!("+refs/heads/{branch}:{local_ref}");
    watched(url, move |url, watch| {
        let repo = open(&git_dir, url)?;
        let mut remote = repo
            .remote_anonymous(url)
            .map_err(|e| RemoteError::from_git(e, url, "fetch from"))?;
        let mut callbacks = with_credentials(&remote, repo.config().ok(), watch);
        // Stopped before the local ref moves, once the caller gave up.
        callbacks.update_tips(|_, _, _| !watch.cancelled());
        let mut opts = git2::FetchOptions::new();
        opts.remote_callbacks(callbacks);
        opts.download_tags(git2::AutotagOption::None);
        remote
            .fetch(&[refspec.as_str()], Some(&mut opts), None)
            .map_err(|e| RemoteError::from_git(e, url, "fetch from"))
    })?;
    crate::diag::debug(format_args!(
        "remote: fetch from {} took {:?}",
        redact_url(url),
        started.elapsed()
    ));
    match repo.refname_to_id(local_ref) {
        Ok(oid) => Ok(Some(oid)),
        Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(RemoteError::from_git(e, url, "fetch from")),
    }
}

/// Connect to `url` and list its branches (what `wol doctor` checks): reachable,
/// authenticated, a git repository.
pub fn branches(url: &str) -> Result<Vec<String>, RemoteError> {
    check_url(url)?;
    crate::diag::info(format_args!(
        "remote: list the branches of {}",
        redact_url(url)
    ));
    let heads = watched(url, |url, watch| {
        let mut remote = git2::Remote::create_detached(url)
            .map_err(|e| RemoteError::from_git(e, url, "connect to"))?;
        list_heads(
            &mut remote,
            git2::Direction::Fetch,
            git2::Config::open_default().ok(),
            url,
            watch,
        )
    })?;
    Ok(heads.into_keys().collect())
}

/// Connect `remote` (at `url`) and read its branches and the commits they point at.
fn list_heads(
    remote: &mut git2::Remote<'_>,
    direction: git2::Direction,
    config: Option<git2::Config>,
    url: &str,
    watch: &watchdog::Watch,
) -> Result<std::collections::BTreeMap<String, git2::Oid>, RemoteError> {
    let conn = remote
        .connect_auth(
            direction,
            Some(with_credentials(remote, config, watch)),
            None,
        )
        .map_err(|e| RemoteError::from_git(e, url, "connect to"))?;
    let heads = conn
        .list()
        .map_err(|e| RemoteError::from_git(e, url, "list the branches of"))?;
    Ok(heads
        .iter()
        .filter_map(|h| {
            let name = h.name().strip_prefix("refs/heads/")?;
            Some((name.to_owned(), h.oid()))
        })
        .collect())
}

/// Callbacks that answer a server's requests for credentials in the order of
/// [`credentials::next_credential`], giving up once each kind has been tried.
/// They also tell `watch` what moves: bytes received, then the local indexing of what
/// was received; wol's own packing; the server's messages (see [`watchdog`]). Once the
/// caller has given up, the transfer is stopped at the next of them.
fn with_credentials<'a>(
    remote: &git2::Remote<'_>,
    config: Option<git2::Config>,
    watch: &'a watchdog::Watch,
) -> RemoteCallbacks<'a> {
    crate::tls::before_connecting(remote);
    let mut tried = credentials::Tried::default();
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |u, user, allowed| {
        credentials::next_credential(config.as_ref(), &mut tried, u, user, allowed)
    });
    callbacks.transfer_progress(move |p| {
        watch.bytes(p.received_bytes());
        if p.total_objects() > 0 && p.received_objects() == p.total_objects() {
            watch.working();
        }
        !watch.cancelled()
    });
    callbacks.pack_progress(move |_, _, _| watch.working());
    callbacks.sideband_progress(move |_| {
        watch.server_talked();
        !watch.cancelled()
    });
    callbacks
}

/// Remove the temporary pack files (`objects/pack/pack_git2_*`) that a libgit2 push or
/// fetch killed half-way leaves in `git_dir` (a journal's `.git`, or a partner's bare
/// repository on this machine). Only files older than ten minutes go: a younger one may
/// belong to a push in progress from another journal.
pub fn remove_stale_packs(git_dir: &std::path::Path) {
    let Ok(rd) = std::fs::read_dir(git_dir.join("objects").join("pack")) else {
        return;
    };
    let old = std::time::SystemTime::now() - Duration::from_secs(600);
    for e in rd.filter_map(|e| e.ok()) {
        let temp = e
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with("pack_git2_"));
        let stale = e
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t < old);
        if temp && stale {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Remove the lock of `branch` that a push killed half-way left in the repository at
/// `dir` (a partner on this machine: libgit2 moves a local path's branch in the pushing
/// process), by the rule wol keeps for its own journal ([`crate::git_lock`]): only when
/// no live process could hold it, with a notice. A live one is waited for, then stops the
/// push with who holds it.
fn clear_stale_ref_lock_at(
    dir: &std::path::Path,
    url: &str,
    branch: &str,
) -> Result<(), RemoteError> {
    // No repository there: the push says so.
    let Ok(target) = Repository::open(dir) else {
        return Ok(());
    };
    crate::git_lock::clear_stale_ref_lock(&target, &format!("refs/heads/{branch}")).map_err(|e| {
        RemoteError::Locked {
            url: redact_url(url),
            message: e.to_string(),
            hint: crate::error::hint_of(&e).unwrap_or_default(),
        }
    })
}

/// Check `url` before a remote operation, and give libgit2 its timeouts.
fn check_url(url: &str) -> Result<(), RemoteError> {
    apply_timeouts();
    validate_url(url)
        .map(|_| ())
        .map_err(|e| RemoteError::BadUrl {
            url: redact_url(url),
            message: e.to_string(),
        })
}

fn is_non_fast_forward(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("non-fast-forward") || m.contains("fetch first") || m.contains("not fast-forward")
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::CredentialType;

    /// The pack limits reach libgit2 through the push's own handle of the repository:
    /// the journal's config file is not touched, and a value set there stands.
    #[test]
    fn pack_limits_are_given_to_the_handle_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        repo.config()
            .unwrap()
            .set_i64("pack.windowMemory", 1234)
            .unwrap();
        let before = std::fs::read(dir.path().join(".git/config")).unwrap();
        let guard = pack_limits(&repo, Pack::Deltas).unwrap();
        let config = repo.config().unwrap();
        assert_eq!(config.get_i64("pack.deltaCacheSize").unwrap(), PACK_LIMIT);
        assert_eq!(config.get_i64("pack.windowMemory").unwrap(), 1234);
        assert_eq!(
            std::fs::read(dir.path().join(".git/config")).unwrap(),
            before
        );
        // Another handle of the same repository sees none of it.
        let other = Repository::open(dir.path()).unwrap();
        assert!(
            other
                .config()
                .unwrap()
                .get_i64("pack.deltaCacheSize")
                .is_err()
        );
        drop(guard);
    }

    /// A pack made [`Pack::Whole`] holds no delta, whatever the commit (this one has no
    /// parent, which [`Pack::NextCommitWhole`] would send with deltas); the same commit
    /// made [`Pack::Deltas`] has them, so the test can tell the two apart.
    #[test]
    fn a_whole_pack_has_no_delta_even_for_a_first_commit() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path().join("j")).unwrap();
        let commit = {
            let mut tree = repo.treebuilder(None).unwrap();
            // Pages alike but for a line, as entry pages are: deltas of one another.
            let common: String = (0..200)
                .map(|i| format!("<p>line {i} of the template</p>\n"))
                .collect();
            for n in 0..40 {
                let blob = repo
                    .blob(format!("{common}<h1>entry {n}</h1>\n").as_bytes())
                    .unwrap();
                tree.insert(format!("page-{n}.html"), blob, 0o100644)
                    .unwrap();
            }
            let tree = repo.find_tree(tree.write().unwrap()).unwrap();
            let sig = git2::Signature::new("t", "t@example.org", &git2::Time::new(0, 0)).unwrap();
            repo.commit(Some("refs/heads/main"), &sig, &sig, "pages", &tree, &[])
                .unwrap()
        };
        let deltas_in = |pack: Pack| {
            let remote = dir.path().join(format!("{pack:?}.git"));
            Repository::init_bare(&remote).unwrap();
            let url = remote.to_str().unwrap();
            assert!(
                push(
                    &repo,
                    url,
                    "refs/heads/main",
                    "main",
                    None,
                    PushMode::FastForward,
                    pack
                )
                .unwrap()
            );
            assert_eq!(
                Repository::open(&remote)
                    .unwrap()
                    .refname_to_id("refs/heads/main")
                    .unwrap(),
                commit
            );
            let packs: Vec<_> = std::fs::read_dir(remote.join("objects/pack"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "pack"))
                .collect();
            assert_eq!(packs.len(), 1, "{packs:?}");
            let listing = std::process::Command::new("git")
                .args(["verify-pack", "-v"])
                .arg(&packs[0])
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .output()
                .unwrap();
            assert!(listing.status.success());
            // `SHA type size size-in-pack offset`, and `depth base` after it for a delta.
            String::from_utf8(listing.stdout)
                .unwrap()
                .lines()
                .filter(|l| {
                    l.len() > 40 && l.as_bytes()[40] == b' ' && l.split_whitespace().count() == 7
                })
                .count()
        };
        assert!(deltas_in(Pack::Deltas) > 10);
        assert_eq!(deltas_in(Pack::Whole), 0);
    }

    #[test]
    fn the_credential_callback_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        for allowed in [
            CredentialType::USER_PASS_PLAINTEXT,
            CredentialType::SSH_KEY | CredentialType::USERNAME,
            CredentialType::all(),
        ] {
            let mut tried = credentials::Tried::default();
            let mut calls = 0;
            while credentials::next_credential(
                repo.config().ok().as_ref(),
                &mut tried,
                "https://example.invalid/x.git",
                None,
                allowed,
            )
            .is_ok()
            {
                calls += 1;
                assert!(calls < 10, "the callback keeps answering for {allowed:?}");
            }
        }
    }

    #[test]
    fn a_missing_local_repository_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path().join("j")).unwrap();
        let missing = dir.path().join("nope.git");
        let err = fetch(&repo, missing.to_str().unwrap(), "main", "refs/x").unwrap_err();
        assert!(matches!(err, RemoteError::NoRepository { .. }), "{err:?}");
        assert!(err.hint().contains("git init --bare"));
    }
}
