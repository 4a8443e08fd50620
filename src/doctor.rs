//! `wol doctor`'s checks: the journal (git state, the last commit's objects, lock,
//! uncommitted and malformed entries, drafts, `wol.toml`), the user config, templates,
//! partners (URL, reachability, credentials, site address) and followed logs (pulled,
//! `wol.json` readable). Each check says what it found and, when something is wrong,
//! what to do.
//!
//! Doctor never changes anything and never prints a credential: it says only *which* kind
//! of credential it found (an ssh-agent socket, a key file name, that `WOL_GIT_TOKEN` is set).

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

use git2::Repository;
use serde::Serialize;

use crate::config::{FollowConfig, JournalConfig, PartnerConfig, SyncConfig, UserConfig};
use crate::digest;
use crate::follow;
use crate::journal::{self, Found, Journal};
use crate::remote::{self, UrlKind, credentials::ssh_key_files};
use crate::templates;

/// How long a partner's remote may take to answer before it counts as unreachable.
pub const REMOTE_TIMEOUT: Duration = Duration::from_secs(5);

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// All is well, and here is something worth doing (never a failure).
    Hint,
    Warn,
    Fail,
}

impl Status {
    /// The label doctor prints: `ok`, `warn`, `FAIL` (upper case so it stands out).
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Hint => "hint",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        }
    }
}

/// One check: its name, what it found, what to do, and any per-item details.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub status: Status,
    pub message: String,
    /// What to do about it (absent when all is well).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// One line per item, e.g. `entries/2026/11/x.md:3: missing date`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

impl Check {
    fn ok(name: &str, message: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            status: Status::Ok,
            message: message.into(),
            fix: None,
            details: Vec::new(),
        }
    }

    fn hint(name: &str, message: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            status: Status::Hint,
            fix: Some(fix.into()),
            ..Check::ok(name, message)
        }
    }

    fn warn(name: &str, message: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            status: Status::Warn,
            fix: Some(fix.into()),
            ..Check::ok(name, message)
        }
    }

    fn fail(name: &str, message: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            status: Status::Fail,
            fix: Some(fix.into()),
            ..Check::ok(name, message)
        }
    }

    fn with_details(mut self, details: Vec<String>) -> Check {
        self.details = details;
        self
    }
}

/// Run every check on the journal at `root` (found the way `found` says).
pub fn diagnose(root: &Path, found: Found) -> Vec<Check> {
    let mut checks = vec![files_read(root), user_config()];
    let config_path = root.join(journal::CONFIG_FILE);
    if !config_path.is_file() {
        checks.push(if matches!(found, Found::Default) {
            Check::warn(
                "journal",
                format!("no journal yet at {}", root.display()),
                format!(
                    "`wol log` creates it on first use, or run: wol init {}",
                    root.display()
                ),
            )
        } else {
            let err = journal::no_config_file(root);
            let hint = err
                .downcast_ref::<crate::error::UserError>()
                .and_then(|u| u.hint.clone())
                .unwrap_or_default();
            Check::fail("journal", err.to_string(), hint)
        });
        return checks;
    }
    let config = match JournalConfig::load(&config_path) {
        Ok(config) => {
            checks.push(Check::ok(
                "config",
                format!("{} is valid", config_path.display()),
            ));
            Some(config)
        }
        Err(e) => {
            checks.push(Check::fail(
                "config",
                format!("{e:#}"),
                crate::error::hint_of(&e).unwrap_or_else(|| {
                    format!("fix or remove that key in {}", config_path.display())
                }),
            ));
            // Go on with what parses, so each partner's own problem is named too.
            JournalConfig::load_unchecked(&config_path).ok()
        }
    };
    let repo = match git_state(root) {
        Ok((repo, check)) => {
            checks.push(check);
            Some(repo)
        }
        Err(check) => {
            checks.push(check);
            None
        }
    };
    if let Some(repo) = &repo {
        checks.push(objects(root, repo));
    }
    checks.push(author(config.as_ref(), repo.as_ref()));
    checks.push(lock(root));
    if let Some(repo) = &repo {
        checks.push(uncommitted(root, repo));
    }
    checks.push(drafts(root));
    let fallback = JournalConfig::default();
    checks.extend(entries(
        root,
        &config.as_ref().unwrap_or(&fallback).schema(),
    ));
    if repo.is_some()
        && config.is_some()
        && let Ok(journal) = Journal::open(root)
    {
        checks.push(templates_render(&journal));
    }
    if let Some(config) = &config {
        for (name, partner) in &config.partners {
            checks.extend(partner_checks(root, name, partner));
        }
        if let Some(sync) = &config.sync {
            checks.extend(sync_checks(root, sync));
        }
        if !config.follow.is_empty()
            && let Ok(journal) = Journal::open(root)
        {
            for (name, followed) in &config.follow {
                checks.push(follow_check(&journal, name, followed));
            }
        }
    }
    checks
}

/// A followed log: its URL is usable, it has been pulled, and its `wol.json` reads. No
/// network: `wol pull` is what talks to the remote, and says why when it cannot.
fn follow_check(journal: &Journal, name: &str, followed: &FollowConfig) -> Check {
    let label = format!("follow {name}");
    if let Err(e) = remote::validate_url(&followed.url) {
        return Check::fail(
            &label,
            format!("{e:#}"),
            format!(
                "set a valid url under [follow.{name}] in wol.toml (git@host:path, https://…, ssh://…, git://… or a path)"
            ),
        );
    }
    match follow::read(journal, name, followed) {
        Ok(log) => {
            if let Some(e) = log.left_out.first() {
                return Check::warn(&label, e.to_string(), e.hint());
            }
            let n = log.items.len();
            let dropped = match log.dropped {
                0 => String::new(),
                d => format!(
                    " (the newest of {}: wol reads at most {} of a log)",
                    n + d,
                    follow::MAX_ENTRIES
                ),
            };
            Check::ok(
                &label,
                format!(
                    "pulled; {n} {} in its wol.json{dropped}",
                    if n == 1 { "entry" } else { "entries" }
                ),
            )
        }
        Err(e) => Check::warn(&label, e.to_string(), e.hint()),
    }
}

/// Who commits and publishes: the same lookup every writing command makes.
fn author(config: Option<&JournalConfig>, repo: Option<&Repository>) -> Check {
    let user = UserConfig::load().unwrap_or_default();
    let journal_author = config.and_then(|c| c.author.as_deref());
    match crate::identity::find_author(&user, journal_author, repo) {
        Some((name, source)) => Check::ok(
            "author",
            format!(
                "{} (from {})",
                crate::term::sanitize(&name),
                source.describe()
            ),
        ),
        None => {
            let e = crate::identity::no_author();
            Check::fail(
                "author",
                e.to_string(),
                crate::error::hint_of(&e).unwrap_or_default(),
            )
        }
    }
}

/// The config files wol reads for this journal: the user config (wherever `WOL_CONFIG`
/// or `WOL_CONFIG_DIR` put it) and the journal's `wol.toml`, those that exist.
pub fn config_files(root: &Path) -> Vec<PathBuf> {
    UserConfig::path()
        .into_iter()
        .chain([root.join(journal::CONFIG_FILE)])
        .filter(|p| p.is_file())
        .collect()
}

/// Which config files were read: the first question when a setting seems ignored.
fn files_read(root: &Path) -> Check {
    let files = config_files(root);
    if files.is_empty() {
        return Check::ok("files", "read no config file: built-in defaults");
    }
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    Check::ok("files", format!("read {}", names.join(", ")))
}

fn user_config() -> Check {
    let Some(path) = UserConfig::path() else {
        return Check::ok(
            "user-config",
            "no config directory known: built-in defaults",
        );
    };
    if !path.exists() {
        return Check::ok(
            "user-config",
            format!("{} does not exist: built-in defaults", path.display()),
        );
    }
    match UserConfig::load() {
        Ok(_) => Check::ok("user-config", format!("{} is valid", path.display())),
        Err(e) => Check::fail(
            "user-config",
            format!("{e:#}"),
            format!(
                "fix or remove that key in {} (known keys: journal, author)",
                path.display()
            ),
        ),
    }
}

/// The journal is a git repository with a branch checked out and no operation under way.
fn git_state(root: &Path) -> Result<(Repository, Check), Check> {
    let repo = Repository::open(root).map_err(|e| {
        Check::fail(
            "git",
            format!(
                "{} is not a git repository: {}",
                root.display(),
                e.message()
            ),
            format!("run: wol init {} (it keeps your files)", root.display()),
        )
    })?;
    // The same check every writing command makes before it commits.
    if let Err(e) = crate::git::check_state(&repo) {
        return Err(Check::fail(
            "git",
            e.to_string(),
            crate::error::hint_of(&e).unwrap_or_default(),
        ));
    }
    let branch = crate::git::head_branch(&repo).unwrap_or_default();
    let branch = branch
        .strip_prefix("refs/heads/")
        .unwrap_or(&branch)
        .to_string();
    Ok((
        repo,
        Check::ok(
            "git",
            format!("on branch {branch}, no merge or rebase under way"),
        ),
    ))
}

/// How many missing objects doctor names; `git fsck` lists them all.
const MISSING_SHOWN: usize = 10;

/// Every object HEAD's tree names (the folders and files of the last commit) is in the
/// object database. An object file deleted or lost under `.git/objects` goes unnoticed
/// by `git status` and by the other checks, which read the files in the work tree, but
/// breaks every clone, push and publish. Asks only whether each file's object exists
/// (an index lookup or a stat), reading nothing but the folders' trees: 100,000
/// entries take a fraction of a second.
fn objects(root: &Path, repo: &Repository) -> Check {
    let restore = format!(
        "write back a file that is still as committed (git -C {0} hash-object -w PATH), or copy \
         the objects from a clone or backup (cp -rn CLONE/.git/objects/. {0}/.git/objects/); \
         git fsck lists all that is missing",
        root.display()
    );
    let tree = match repo.head().and_then(|head| head.peel_to_tree()) {
        Ok(tree) => tree,
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => {
            return Check::ok("objects", "no commit yet");
        }
        Err(e) => {
            return Check::fail(
                "objects",
                format!("cannot read the last commit: {}", e.message()),
                restore,
            );
        }
    };
    let odb = match repo.odb() {
        Ok(odb) => odb,
        Err(e) => {
            return Check::fail(
                "objects",
                format!("cannot open the object database: {}", e.message()),
                restore,
            );
        }
    };
    let mut walk = ObjectWalk {
        repo,
        odb,
        files: 0,
        missing: Vec::new(),
    };
    walk.tree(&tree, "");
    if walk.missing.is_empty() {
        return Check::ok(
            "objects",
            format!(
                "the {} file(s) of the last commit are all in .git/objects",
                walk.files
            ),
        );
    }
    let count = walk.missing.len();
    let details = first_of(walk.missing, MISSING_SHOWN);
    Check::fail(
        "objects",
        format!(
            "{count} of the last commit's files or folders are missing from .git/objects \
             (first: {})",
            details[0]
        ),
        restore,
    )
    .with_details(details)
}

/// A walk over HEAD's tree that notes what the object database lacks.
struct ObjectWalk<'r> {
    repo: &'r Repository,
    odb: git2::Odb<'r>,
    /// Files (and links) seen.
    files: usize,
    /// Paths whose object is missing, folders with a trailing `/`.
    missing: Vec<String>,
}

impl ObjectWalk<'_> {
    fn tree(&mut self, tree: &git2::Tree<'_>, dir: &str) {
        for entry in tree.iter() {
            let path = || format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
            match entry.kind() {
                Some(git2::ObjectType::Tree) => match self.repo.find_tree(entry.id()) {
                    Ok(sub) => self.tree(&sub, &format!("{}/", path())),
                    Err(_) => self.missing.push(format!("{}/", path())),
                },
                // A submodule: its commit lives in another repository.
                Some(git2::ObjectType::Commit) => {}
                _ => {
                    self.files += 1;
                    if !self.odb.exists(entry.id()) {
                        self.missing.push(path());
                    }
                }
            }
        }
    }
}

/// Another process holding `.wol/lock` would make every write command wait.
fn lock(root: &Path) -> Check {
    let path = journal::lock_path(root);
    // Every write command takes the lock in `.wol/`, creating the folder: one that
    // cannot be made (`.wol` a file, no permission) stops them all.
    let state = root.join(journal::STATE_DIR);
    if state.exists() && !state.is_dir() {
        return Check::fail(
            "lock",
            format!(
                "{} is not a folder, so no command can write",
                state.display()
            ),
            format!(
                "move it away (mv {0} {0}.old); wol makes the folder again",
                state.display()
            ),
        );
    }
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return match tempfile::tempfile_in(if state.is_dir() { &state } else { root }) {
                Ok(_) => Check::ok("lock", "not held"),
                Err(e) => Check::fail(
                    "lock",
                    format!("cannot write in {}: {e}", state.display()),
                    "check the permissions of the journal folder and .wol/",
                ),
            };
        }
        Err(e) => {
            return Check::warn(
                "lock",
                format!("cannot open {}: {e}", path.display()),
                "check the permissions of .wol/",
            );
        }
    };
    match file.try_lock() {
        Ok(()) => Check::ok("lock", "not held"),
        Err(TryLockError::WouldBlock) => Check::fail(
            "lock",
            format!("{} is held by another process", path.display()),
            "let that wol command finish (an editor still open?), or end it",
        ),
        Err(TryLockError::Error(e)) => Check::warn(
            "lock",
            format!("cannot test {}: {e}", path.display()),
            "check the permissions of .wol/",
        ),
    }
}

/// Entry files git does not have as they are: new, changed or deleted outside wol.
fn uncommitted(root: &Path, repo: &Repository) -> Check {
    let mut opts = git2::StatusOptions::new();
    opts.pathspec(journal::ENTRIES_DIR)
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    let statuses = match repo.statuses(Some(&mut opts)) {
        Ok(s) => s,
        Err(e) => {
            return Check::warn(
                "uncommitted",
                format!("cannot read git status: {}", e.message()),
                "run git status in the journal",
            );
        }
    };
    let paths: Vec<String> = statuses
        .iter()
        .filter(|s| s.status() != git2::Status::CURRENT)
        .filter_map(|s| s.path().ok().map(String::from))
        .collect();
    // A link, committed or not, would be committed as a link: the fix is the folder.
    let link = journal::symlink_in(root, journal::ENTRIES_DIR)
        .or_else(|| paths.iter().find_map(|p| journal::symlink_in(root, p)));
    if let Some(link) = link {
        return linked_entries(root, &link).with_details(paths);
    }
    if paths.is_empty() {
        return Check::ok("uncommitted", "every entry file is committed");
    }
    Check::fail(
        "uncommitted",
        format!("{} entry file(s) not committed", paths.len()),
        format!(
            "commit them: git -C {0} add entries && git -C {0} commit -m \"add entries\"",
            root.display()
        ),
    )
    .with_details(paths)
}

/// `link` (`entries`, or a folder in it) is a symbolic link: git has, or would get, the
/// link and not the entries, and wol writes nothing through it.
fn linked_entries(root: &Path, link: &str) -> Check {
    let abs = root.join(link);
    let fix = match fs::canonicalize(&abs) {
        Ok(target) => format!(
            "replace the link with the folder it points to (rm {0} && mv {1} {0}), then run \
             wol doctor again",
            abs.display(),
            target.display()
        ),
        Err(_) => format!(
            "replace the link with a real folder holding the entries ({} points nowhere)",
            abs.display()
        ),
    };
    Check::fail(
        "uncommitted",
        format!(
            "{link} is a symbolic link: git stores it as a link, not the files in it, so its \
             entries are not committed"
        ),
        fix,
    )
}

/// Drafts left behind by a crashed or failed editor session may hold unsaved text.
fn drafts(root: &Path) -> Check {
    let dir = journal::drafts_path(root);
    let mut names: Vec<String> = fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    if names.is_empty() {
        return Check::ok("drafts", "no leftover drafts");
    }
    Check::warn(
        "drafts",
        format!("{} leftover draft(s) in {}", names.len(), dir.display()),
        "take an edit up again with `wol edit ID --resume` (drafts named edit-ID-….md), add a \
         new entry's draft with `wol log - < DRAFT`, or delete what you do not need",
    )
    .with_details(names)
}

/// Every entry file parses, and sits in the month folder and under the name its date
/// gives it. Reads them all: doctor may be O(n).
fn entries(root: &Path, schema: &crate::entry::Schema<'_>) -> Vec<Check> {
    // The files every reading command reads, found the way they find them.
    let mut files: Vec<PathBuf> = journal::entry_files_in(root, None).collect();
    files.sort();
    let mut bad = Vec::new();
    let mut misplaced = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(root).unwrap_or(path);
        match fs::read(path) {
            Ok(bytes) => match crate::entry::Entry::parse(&bytes, schema) {
                Ok(entry) if !journal::placed_for(root, path, &entry.meta.date) => {
                    misplaced.push(format!(
                        "{} is dated {}",
                        rel.display(),
                        entry.meta.date.format("%Y-%m-%d %H:%M")
                    ));
                }
                Ok(_) => {}
                Err(e) => bad.push(format!("{}:{}: {}", rel.display(), e.line, e.message)),
            },
            Err(e) => bad.push(format!("{}:1: cannot read: {e}", rel.display())),
        }
    }
    let parse = if bad.is_empty() {
        Check::ok("entries", format!("{} entry file(s) parse", files.len()))
    } else {
        Check::fail(
            "entries",
            format!("{} of {} entries are malformed", bad.len(), files.len()),
            "fix each file at the line shown (wol edit ID, or any editor)",
        )
        .with_details(bad)
    };
    // `list --on/--since/--until` and the digest find entries by month folder and name.
    let placed = if misplaced.is_empty() {
        Check::ok(
            "dates",
            "every entry is in the folder and under the name of its date",
        )
    } else {
        Check::warn(
            "dates",
            format!(
                "{} entry file(s) are not in the folder or under the name of their date, so \
                 date filters and digests miss them",
                misplaced.len()
            ),
            "run wol edit ID for each and save: wol moves it to where its date belongs \
             (or fix the date if the file name is right)",
        )
        .with_details(misplaced)
    };
    vec![parse, placed, strays(root)]
}

/// Files under `entries/` that no command reads: not an entry (a regular `*.md` file in
/// a `YYYY/MM` folder) and not in an entry's attachment folder beside it. `list`,
/// `search`, `export` and `publish` pass them by, so a note filed there by hand would be
/// missing from every one of them without a word.
fn strays(root: &Path) -> Check {
    let mut found = Vec::new();
    stray_files(root, &root.join(journal::ENTRIES_DIR), 0, &mut found);
    if found.is_empty() {
        return Check::ok(
            "layout",
            "every file under entries/ is an entry or an attachment",
        );
    }
    let count = found.len();
    let found = first_of(found, STRAYS_SHOWN);
    Check::warn(
        "layout",
        format!(
            "{count} file(s) under entries/ are not where wol reads entries (entries/YYYY/MM/NAME.md), so no command lists, searches, exports or publishes them"
        ),
        "move each note into the month folder of its date with a lower-case .md name, or bring a folder of notes in with wol import markdown DIR",
    )
    .with_details(found)
}

/// The first `shown` of `items`, and a line saying how many more there are.
fn first_of(mut items: Vec<String>, shown: usize) -> Vec<String> {
    let count = items.len();
    if count > shown {
        items.truncate(shown);
        items.push(format!("… and {} more", count - shown));
    }
    items
}

/// How many of the files [`strays`] finds it names.
const STRAYS_SHOWN: usize = 20;

/// [`strays`] below `dir`, `depth` folders below `entries/` (`usize::MAX`: in a folder no
/// command reads, so every file below counts).
fn stray_files(root: &Path, dir: &Path, depth: usize, out: &mut Vec<String>) {
    let Ok(rd) = fs::read_dir(dir) else {
        return;
    };
    let mut items: Vec<fs::DirEntry> = rd.filter_map(|e| e.ok()).collect();
    items.sort_by_key(|e| e.file_name());
    for item in items {
        let name = item.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let is_dir = item.file_type().is_ok_and(|t| t.is_dir());
        let digits = |n: usize| name.len() == n && name.bytes().all(|b| b.is_ascii_digit());
        let read = match depth {
            0 => is_dir && digits(4),
            1 => is_dir && digits(2),
            usize::MAX => false,
            // An entry, or the attachment folder beside one.
            _ => is_dir || item.file_type().is_ok_and(|t| t.is_file()) && name.ends_with(".md"),
        };
        let path = item.path();
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        match (read, depth) {
            (true, 0 | 1) => stray_files(root, &path, depth + 1, out),
            (true, _) => {}
            // Everything in a folder no command reads is read by none.
            (false, _) if is_dir => stray_files(root, &path, usize::MAX, out),
            (false, _) => out.push(rel),
        }
    }
}

/// The built-in templates and the journal's overrides compile and render.
fn templates_render(journal: &Journal) -> Check {
    let mut names: Vec<String> = templates::BUILT_IN
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    let custom_dir = journal.root.join("templates");
    let mut overrides = Vec::new();
    if let Ok(rd) = fs::read_dir(&custom_dir) {
        for e in rd.filter_map(|e| e.ok()).filter(|e| e.path().is_file()) {
            let name = e.file_name().to_string_lossy().into_owned();
            overrides.push(name.clone());
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    overrides.sort();
    let mut bad = Vec::new();
    for name in &names {
        let shown = if overrides.contains(name) {
            format!("templates/{name}")
        } else {
            format!("built-in {name}")
        };
        let source = match templates::source(journal, name) {
            Ok(s) => s,
            Err(e) => {
                bad.push(format!("{shown}: {e:#}"));
                continue;
            }
        };
        // The site's pages extend one another and use the site's filters: they are
        // rendered together below.
        if name.starts_with("site/") {
            continue;
        }
        if let Err(e) = render_sample(journal, name, &source) {
            bad.push(template_problem(&shown, &e));
        }
    }
    if let Err(e) = crate::site::html::check(journal) {
        bad.push(template_problem("site templates (templates/site/)", &e));
    }
    if bad.is_empty() {
        let message = if overrides.is_empty() {
            format!("{} built-in template(s) render", names.len())
        } else {
            format!(
                "{} template(s) render (overrides: {})",
                names.len(),
                overrides.join(", ")
            )
        };
        return Check::ok("templates", message);
    }
    Check::fail(
        "templates",
        format!("{} template(s) do not render", bad.len()),
        format!(
            "fix them in {}, or delete an override to use the built-in one",
            custom_dir.display()
        ),
    )
    .with_details(bad)
}

/// Render template `name` the way wol uses it: the digest templates with a digest of the
/// journal's last four weeks (through the digest's own filters), the others with sample
/// values.
fn render_sample(journal: &Journal, name: &str, source: &str) -> anyhow::Result<()> {
    if matches!(name, "digest.md" | "digest.txt") {
        let today = chrono::Local::now().date_naive();
        let from = today - chrono::Days::new(27);
        let period = digest::Period::range(from, today)?;
        let sample = digest::build(
            journal,
            digest::Source::Journal,
            &period,
            today,
            None,
            &|_| true,
            &mut |_| {},
        );
        return digest::render_template(journal, &sample, name).map(drop);
    }
    let mut env = templates::environment();
    env.add_template(name, source)?;
    templates::render(&env, name, sample_context(), 0).map(drop)
}

/// A detail line for a template that does not render (`shown` says which): where, and
/// what is wrong. A template that did too much work is named by the error itself (it
/// may be one that `shown` includes).
fn template_problem(shown: &str, e: &anyhow::Error) -> String {
    if let Some(work) = e.downcast_ref::<templates::TooMuchWork>() {
        return work.to_string();
    }
    let Some(m) = e.downcast_ref::<minijinja::Error>() else {
        return format!("{shown}: {e:#}");
    };
    match m.line() {
        Some(line) => format!(
            "{shown}: line {line}: {}",
            m.detail().unwrap_or(&m.kind().to_string())
        ),
        None => format!("{shown}: {m}"),
    }
}

/// Values the built-in templates use, so that a render exercises them.
fn sample_context() -> minijinja::Value {
    minijinja::context! {
        kind => "progress",
        date => "2026-11-22 14:32",
        author => "Doctor Check",
        title => "A sample entry",
    }
}

/// How a partner URL reaches its remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// A path or `file://` URL: a bare repository on this machine.
    Local(PathBuf),
    Ssh,
    Https,
    Git,
}

fn partner_checks(root: &Path, name: &str, partner: &PartnerConfig) -> Vec<Check> {
    let label = format!("partner {name}");
    // The same rule publish applies: doctor asks it instead of keeping its own.
    let kind = match remote::validate_url(&partner.url) {
        Ok(kind) => kind,
        Err(e) => {
            return vec![Check::fail(
                &label,
                format!("{e:#}"),
                crate::error::hint_of(&e).unwrap_or_else(|| {
                    format!("set a valid url under [partners.{name}] in wol.toml")
                }),
            )];
        }
    };
    let url = remote::resolve_url(&partner.url, root);
    let reach = match remote::local_path(&url) {
        Some(path) => local_remote(&label, &path),
        None => network_remote(&label, &url, &partner.branch),
    };
    vec![reach, credentials(name, kind), site(name, partner)]
}

/// The journal syncs (`[sync]` in wol.toml): the remote answers, and this machine has a
/// key that is one of the journal's recipients, so it can open what the others seal.
fn sync_checks(root: &Path, sync: &SyncConfig) -> Vec<Check> {
    let reach = match remote::validate_url(&sync.url) {
        Ok(_) => {
            let url = remote::resolve_url(&sync.url, root);
            match remote::local_path(&url) {
                Some(path) => local_remote("sync", &path),
                None => network_remote("sync", &url, &sync.branch),
            }
        }
        Err(e) => Check::fail(
            "sync",
            format!("{e:#}"),
            crate::error::hint_of(&e)
                .unwrap_or_else(|| "set a valid url under [sync] in wol.toml".into()),
        ),
    };
    vec![reach, sync_key(sync)]
}

fn sync_key(sync: &SyncConfig) -> Check {
    use std::os::unix::fs::PermissionsExt as _;
    let label = "sync key";
    let user = UserConfig::load().unwrap_or_default();
    let ids = match crate::sync::keys::Identities::load(&user) {
        Ok(ids) => ids,
        Err(e) => {
            return Check::fail(
                label,
                format!("{e:#}"),
                crate::error::hint_of(&e).unwrap_or_default(),
            );
        }
    };
    // An age key is one word, an ssh key its type and base64 (a comment may follow).
    let same = |a: &str, b: &str| {
        a.split_whitespace()
            .take(2)
            .eq(b.split_whitespace().take(2))
    };
    let Some((key, file)) = ids
        .described
        .iter()
        .find(|(key, _)| sync.recipients.iter().any(|r| same(r, key)))
    else {
        let mine: Vec<&str> = ids.described.iter().map(|(k, _)| k.as_str()).collect();
        return Check::fail(
            label,
            format!(
                "none of this machine's keys ({}) is a recipient of this journal: it cannot open what the others seal",
                mine.join(", ")
            ),
            format!(
                "on a machine that syncs this journal, run: wol sync add-recipient {}",
                mine.first().copied().unwrap_or("KEY")
            ),
        );
    };
    let shown = if key.len() > 24 {
        format!("{}…", &key[..20])
    } else {
        key.clone()
    };
    if let Ok(meta) = fs::metadata(file)
        && meta.permissions().mode() & 0o077 != 0
    {
        return Check::warn(
            label,
            format!(
                "{} can be read by other users of this machine",
                file.display()
            ),
            format!("chmod 600 {}", file.display()),
        );
    }
    Check::ok(
        label,
        format!(
            "this machine's key {shown} ({}) is a recipient",
            file.display()
        ),
    )
}

/// Where the partner serves `docs/`: with it, feeds and pages carry absolute links (what
/// feed readers resolve best, and canonical and OpenGraph tags); without it, a hint.
fn site(name: &str, partner: &PartnerConfig) -> Check {
    let label = format!("partner {name} site");
    match &partner.site {
        Some(url) => Check::ok(&label, format!("pages served at {url}")),
        None => Check::hint(
            &label,
            "no site address: feeds and pages link relatively",
            format!(
                "if the partner serves docs/ (GitHub or Codeberg Pages, any static host), set it so feed readers get absolute links: \
                 site = \"https://…/\" under [partners.{name}] in wol.toml"
            ),
        ),
    }
}

fn local_remote(label: &str, path: &Path) -> Check {
    match Repository::open_bare(path) {
        Ok(repo) if repo.is_bare() => {
            Check::ok(label, format!("bare repository at {}", path.display()))
        }
        Ok(_) | Err(_) if path.join(".git").exists() => Check::fail(
            label,
            format!(
                "{} is a repository with a work tree, not a bare one",
                path.display()
            ),
            "pushing to a checked-out branch is refused: use a bare repository (git init --bare)",
        ),
        _ => Check::fail(
            label,
            format!("no bare git repository at {}", path.display()),
            format!("create it: git init --bare {}", path.display()),
        ),
    }
}

/// Connect to the remote and list its branches through [`remote::branches`], with the
/// timeouts every remote operation has.
fn network_remote(label: &str, url: &str, branch: &str) -> Check {
    let shown = remote::redact_url(url);
    match remote::branches(url) {
        Ok(heads) => {
            if heads.iter().any(|h| h == branch) {
                Check::ok(label, format!("{shown} answers; branch {branch} exists"))
            } else {
                Check::ok(
                    label,
                    format!(
                        "{shown} answers; branch {branch} does not exist yet (the first publish creates it)"
                    ),
                )
            }
        }
        Err(e) => Check::fail(label, e.to_string(), e.hint()),
    }
}

fn ssh_agent() -> Option<PathBuf> {
    let sock = PathBuf::from(std::env::var_os("SSH_AUTH_SOCK")?);
    sock.exists().then_some(sock)
}

fn token() -> Option<String> {
    std::env::var("WOL_GIT_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
}

/// Which credentials a push would use; names the kind, never the secret.
fn credentials(name: &str, kind: UrlKind) -> Check {
    let label = format!("partner {name} credentials");
    match kind {
        UrlKind::Local => Check::ok(&label, "none needed (local repository)"),
        UrlKind::Git => Check::ok(&label, "none needed (git:// protocol)"),
        UrlKind::Ssh => {
            if ssh_agent().is_some() {
                Check::ok(&label, "ssh-agent is running (SSH_AUTH_SOCK)")
            } else if let Some(key) = ssh_key_files().first() {
                Check::ok(&label, format!("ssh key file {}", key.display()))
            } else {
                Check::fail(
                    &label,
                    "no ssh-agent (SSH_AUTH_SOCK) and no key in ~/.ssh (id_ed25519, id_ecdsa, id_rsa)",
                    "start ssh-agent and ssh-add your key, or create one with ssh-keygen -t ed25519",
                )
            }
        }
        UrlKind::Https => {
            let helper = git2::Config::open_default()
                .ok()
                .and_then(|c| c.get_string("credential.helper").ok())
                .filter(|h| !h.trim().is_empty());
            if token().is_some() {
                Check::ok(&label, "WOL_GIT_TOKEN is set")
            } else if helper.is_some() {
                Check::ok(&label, "a git credential helper is configured")
            } else {
                Check::fail(
                    &label,
                    "no WOL_GIT_TOKEN and no git credential helper for HTTPS",
                    "export WOL_GIT_TOKEN=<a token that may push>, or configure git's credential.helper",
                )
            }
        }
    }
}
