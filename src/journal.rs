//! A journal: find it, open it, create it; the lock that serialises writers; where entry
//! files live and how they are read and written.
//!
//! Reading commands walk `entries/YYYY/MM/` folders newest first and can stop early or
//! skip folders outside a date range, so their cost follows the entries they touch.
//! Writers take `.wol/lock`, write files atomically, record an intent in `.wol/pending/`
//! and commit; an intent left behind by a crash is committed by the next writer.

use std::cell::OnceCell;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use git2::{Repository, Signature};

mod selection;

pub use selection::Selection;

use crate::cache::EntryCache;
use crate::config::{JournalConfig, UserConfig, journal_toml};
use crate::entry::{Entry, ParseError, Visibility, slugify};
use crate::error::{hinted, warn};
use crate::git::{self, Change};

/// The journal's config file name.
pub const CONFIG_FILE: &str = "wol.toml";
/// Local, git-ignored state.
pub const STATE_DIR: &str = ".wol";
/// Where entries live.
pub const ENTRIES_DIR: &str = "entries";

/// How the journal was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Named by `--journal` or `$WOL_DIR`.
    Named,
    /// An ancestor of the working directory.
    Enclosing,
    /// The user config's `journal`.
    UserConfig,
    /// The default journal in the platform data dir.
    Default,
}

impl Found {
    /// How the journal was found, for `-v`.
    pub fn describe(self) -> &'static str {
        match self {
            Found::Named => "named by --journal or WOL_DIR",
            Found::Enclosing => "the nearest enclosing folder with a wol.toml",
            Found::UserConfig => "the user config's `journal`",
            Found::Default => "the default journal in the data directory",
        }
    }
}

/// Why `root` is no journal: no `wol.toml`, or one that is no readable file.
pub fn no_config_file(root: &Path) -> anyhow::Error {
    let path = root.join(CONFIG_FILE);
    if path.symlink_metadata().is_ok() {
        hinted(
            format!(
                "{} is not a file (a folder, or a link to nothing), so {} is no usable journal",
                path.display(),
                root.display()
            ),
            format!(
                "move it away (mv {0} {0}.old) and run: wol init {1}",
                path.display(),
                root.display()
            ),
        )
    } else {
        hinted(
            format!("{} is not a wol journal (no {CONFIG_FILE})", root.display()),
            format!("create one with: wol init {}", root.display()),
        )
    }
}

/// Resolve which journal a command works on, without opening it.
///
/// Order: `named` (`--journal` / `$WOL_DIR`), the nearest ancestor of `cwd` holding a
/// `wol.toml`, the user config's `journal`, the default journal in the data dir.
pub fn locate(named: Option<&Path>, cwd: &Path, user: &UserConfig) -> Result<(PathBuf, Found)> {
    let (root, found) = locate_quietly(named, cwd, user)?;
    crate::diag::info(format_args!(
        "journal {} ({}{})",
        root.display(),
        found.describe(),
        if root.join(CONFIG_FILE).is_file() {
            ""
        } else {
            "; it does not exist yet"
        }
    ));
    Ok((root, found))
}

fn locate_quietly(named: Option<&Path>, cwd: &Path, user: &UserConfig) -> Result<(PathBuf, Found)> {
    if let Some(dir) = named {
        return Ok((cwd.join(dir), Found::Named));
    }
    // Any `wol.toml` marks the journal, even one that is no readable file (a folder, a
    // broken link): opening it then says what is wrong, where going on to another
    // journal would file entries somewhere the person does not look.
    if let Some(dir) = cwd
        .ancestors()
        .find(|d| d.join(CONFIG_FILE).symlink_metadata().is_ok())
    {
        return Ok((dir.to_path_buf(), Found::Enclosing));
    }
    if let Some(dir) = &user.journal {
        return Ok((cwd.join(dir), Found::UserConfig));
    }
    let data = dirs::data_dir().ok_or_else(|| {
        hinted(
            "cannot find a journal: no home or data directory is known",
            "pass --journal DIR or set WOL_DIR",
        )
    })?;
    Ok((data.join("wol").join("journal"), Found::Default))
}

/// An open journal.
pub struct Journal {
    pub root: PathBuf,
    pub config: JournalConfig,
    /// Opened on first use: reading commands never need git, and opening it costs.
    repo: OnceCell<Repository>,
    /// The journal's `[publish] never` patterns, compiled on first use (by
    /// [`Journal::entry_stem`]; an import names thousands of entries).
    never: OnceCell<Vec<crate::publish::scan::Rule>>,
}

/// What `init` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitOutcome {
    Created,
    AlreadyInitialized,
}

/// Entries `init` adopted (found in the folder, not yet committed) that have no
/// `visibility` key, so they take the journal's `default_visibility`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WithoutVisibility {
    pub count: usize,
    /// The `default_visibility` they take.
    pub visibility: Visibility,
    /// Whether init wrote `default_visibility = "private"` into a new `wol.toml` for
    /// them (else the journal's own `wol.toml` decides).
    pub made_private: bool,
}

impl Journal {
    /// Open an existing journal at `root`.
    pub fn open(root: &Path) -> Result<Journal> {
        let config_path = root.join(CONFIG_FILE);
        if !config_path.is_file() {
            return Err(no_config_file(root));
        }
        let config = JournalConfig::load(&config_path)?;
        crate::remote::set_timeouts(std::time::Duration::from_secs(config.remote.timeout));
        if !root.join(".git").exists() {
            return Err(not_a_repo(root));
        }
        Ok(Journal {
            root: root.to_path_buf(),
            config,
            repo: OnceCell::new(),
            never: OnceCell::new(),
        })
    }

    /// The journal's git repository, opened on first use.
    pub fn repo(&self) -> Result<&Repository> {
        if let Some(repo) = self.repo.get() {
            return Ok(repo);
        }
        // libgit2 hashes every object it reads again (with collision detection, the slow
        // SHA-1) to check it; git itself leaves that to `git fsck`. Reading a 10k-entry
        // journal for a publish spent a sixth of its time there. Set here, where git is
        // first needed, not at start-up: it starts libgit2 (and OpenSSL), which commands
        // that never touch git should not pay for.
        git2::opts::strict_hash_verification(false);
        let repo = match Repository::open(&self.root) {
            Ok(repo) if repo.workdir().is_some_and(|w| same_dir(w, &self.root)) => repo,
            _ => return Err(not_a_repo(&self.root)),
        };
        Ok(self.repo.get_or_init(|| repo))
    }

    /// Create a journal in `root` (or complete a partial one): git repository, `wol.toml`
    /// (with a new journal id and the author `author` finds), `.gitignore` with `.wol/`,
    /// and a commit of those and of any entries and digests already in the folder that
    /// git does not ignore. Never overwrites a user's file; an existing `wol.toml` is
    /// validated before anything is committed, and given an `id` if it has none. Files
    /// the user staged elsewhere stay staged, out of the commit.
    ///
    /// Adopted entries without a `visibility` key are counted (the second value): they
    /// take `default_visibility`. If init writes a new `wol.toml` for them, it writes
    /// `default_visibility = "private"` (as `wol import` makes such entries private), so
    /// an old diary never reaches a partner by surprise; an empty folder gets "public".
    ///
    /// The files are added in one pass through the index (one index write, one tree
    /// write), so a folder of 100,000 entries takes seconds, and a second `init` only
    /// checks that the index matches.
    ///
    /// `authors` answers, for the new repository and the journal's own `author` (if its
    /// `wol.toml` names one), the author to record in a new `wol.toml` (from a flag, the
    /// user config or git; `None`: leave the key commented out) and the author to commit
    /// as (an error when there is none).
    pub fn init(
        root: &Path,
        authors: impl Fn(&Repository, Option<&str>) -> (Option<String>, Result<String>),
        now: &DateTime<FixedOffset>,
    ) -> Result<(InitOutcome, Option<WithoutVisibility>)> {
        if let Ok(repo) = Repository::open(root)
            && repo.is_bare()
        {
            return Err(hinted(
                format!("{} is a bare git repository (no work tree)", root.display()),
                "a journal needs a work tree: clone it (git clone DIR journal) and run wol init in the clone",
            ));
        }
        fs::create_dir_all(root)
            .with_context(|| format!("cannot create the directory {}", root.display()))?;
        // The journal lock, as every write takes it: two inits, or an init and a write,
        // take turns; and what an init killed earlier left in the root is its own.
        let _lock = take_lock(root)?;
        remove_temp_files(root);
        // An init killed while git made the repository leaves `.git/config.lock`, and
        // every later attempt would stop at it.
        crate::git_lock::clear_stale_lock_in(root, &root.join(".git").join("config.lock"))?;
        let repo = match Repository::open(root) {
            Ok(repo) if repo.workdir().is_some_and(|w| same_dir(w, root)) => repo,
            _ => {
                let mut opts = git2::RepositoryInitOptions::new();
                opts.initial_head("main");
                Repository::init_opts(root, &opts).with_context(|| {
                    format!("cannot create a git repository in {}", root.display())
                })?
            }
        };
        git::check_state(&repo)?;
        let config_path = root.join(CONFIG_FILE);
        let mut writes: Vec<(PathBuf, String)> = Vec::new();
        // A config with a mistake in it is reported before anything is committed; a
        // user's own wol.toml is never rewritten (publish adds the id if it is missing).
        let existing_config = if config_path.exists() {
            Some(JournalConfig::load(&config_path)?)
        } else {
            None
        };
        let journal_author = existing_config.as_ref().and_then(|c| c.author.clone());
        let (record, commit_as) = authors(&repo, journal_author.as_deref());
        let commit_as = commit_as?;
        let gitignore = root.join(".gitignore");
        let existing = match fs::read_to_string(&gitignore) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).context("cannot read .gitignore"),
        };
        if !existing
            .lines()
            .any(|l| matches!(l.trim(), ".wol/" | ".wol" | "/.wol/" | "/.wol"))
        {
            let mut text = existing.clone();
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str("# wol's local state: lock, drafts, caches\n.wol/\n");
            writes.push((gitignore, text));
        }
        // Through `.wol/tmp/`, not beside the files: a process killed mid-write leaves its
        // temp file where `.gitignore` keeps it out of `git status` (once written) and the
        // next write removes it, not in the journal's root.
        let tmp = root.join(STATE_DIR).join("tmp");
        for (path, text) in &writes {
            write_atomic_via(&tmp, path, text.as_bytes())?;
        }

        // Entries already in the folder (a copied or hand-made journal) are the journal's
        // content: commit them too, so nothing is left untracked. Only regular files:
        // a symlink could bring in anything on the machine.
        let mut index = repo.index().context("cannot open the git index")?;
        // New objects go to memory and from there to disk as packs: a few files instead
        // of one per entry (creating 100,000 loose object files is most of what
        // `git add` spends on such a folder). Memory stays bounded: whenever the files
        // added since the last pack reach [`init_batch_bytes`], their blobs are packed
        // and let go of, while `add_all` goes on.
        let odb = repo.odb()?;
        let head_tree = git::branch_commit(&repo, &git::head_branch(&repo)?)?
            .map(|c| c.tree())
            .transpose()?;
        let mut objects = ObjectBatch::new(&repo, &odb, head_tree)?;
        let batch_bytes = init_batch_bytes();
        let mut pending = 0u64;
        let mut flush_error = None;
        let mut skipped = Vec::new();
        let mut adopted = Vec::new();
        // Called before each new or changed file is added: every file before it has its
        // blob written and its index entry in place.
        let mut only_files = |path: &Path, _spec: &[u8]| -> i32 {
            match fs::symlink_metadata(root.join(path)) {
                Ok(m) if m.is_file() => {
                    if is_entry_path(path) {
                        adopted.push(root.join(path));
                    }
                    if pending >= batch_bytes {
                        pending = 0;
                        if let Err(e) = objects.flush() {
                            flush_error = Some(e);
                            return -1;
                        }
                    }
                    pending += m.len();
                    0
                }
                Ok(m) if m.is_dir() => 0,
                Ok(_) => {
                    skipped.push(path.display().to_string());
                    1
                }
                Err(_) => 0,
            }
        };
        let added = index.add_all(
            INIT_PATHS,
            git2::IndexAddOption::DEFAULT,
            Some(&mut only_files),
        );
        if let Some(e) = flush_error {
            return Err(e);
        }
        added.context("cannot add the journal's files to the git index")?;
        skipped.sort();
        skipped.dedup();
        skipped.dedup();
        for path in skipped {
            warn(
                format!("{path} is not a regular file, so it is not part of the journal"),
                None,
            );
        }
        // Which visibility entries without one take: asked only when it is not private,
        // of the entries being adopted (none on a second init). The new wol.toml is
        // written once that is known, so no public default is ever on disk for them.
        let default = existing_config
            .as_ref()
            .map_or(Visibility::Public, |c| c.default_visibility);
        let count = if default == Visibility::Private {
            0
        } else {
            crate::par::map(&adopted, |path| {
                fs::read_to_string(path)
                    .ok()
                    .and_then(|text| crate::entry::sets_visibility(&text))
                    == Some(false)
            })
            .into_iter()
            .filter(|&without| without)
            .count()
        };
        let without_visibility = (count > 0).then(|| {
            let made_private = existing_config.is_none();
            WithoutVisibility {
                count,
                visibility: if made_private {
                    Visibility::Private
                } else {
                    default
                },
                made_private,
            }
        });
        if existing_config.is_none() {
            let visibility = without_visibility.map_or(Visibility::Public, |w| w.visibility);
            let id = crate::identity::new_journal_id();
            write_atomic_via(
                &tmp,
                &config_path,
                journal_toml(&id, record.as_deref(), visibility).as_bytes(),
            )?;
            index
                .add_path(Path::new(CONFIG_FILE))
                .with_context(|| format!("cannot add {CONFIG_FILE} to the git index"))?;
        }
        let branch = git::head_branch(&repo)?;
        let parent = git::branch_commit(&repo, &branch)?;
        // The commit holds what init adds and, everywhere else, the last commit's tree:
        // whatever else the user had staged stays staged, and out of wol's commit.
        let others = match &parent {
            Some(p) => outside_init_paths(&repo, &p.tree()?)?,
            None => Vec::new(),
        };
        let tree = write_tree_of(&odb, &index, others).context("cannot write the tree")?;
        if parent.as_ref().is_some_and(|c| c.tree_id() == tree) {
            return Ok((InitOutcome::AlreadyInitialized, without_visibility));
        }
        let sig = crate::identity::signature(&commit_as, Some(&repo), now)?;
        let tree = repo.find_tree(tree)?;
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        let commit = repo
            .commit(None, &sig, &sig, "wol: init journal", &tree, &parents)
            .context("cannot create the commit")?;
        // Every object on disk before anything points at them: a crash until here
        // leaves the folder as it was.
        objects.finish(&index, tree.id(), commit)?;
        index.write().context("cannot write the git index")?;
        match &parent {
            Some(p) => {
                repo.reference_matching(&branch, commit, true, p.id(), "commit: wol: init journal")
            }
            None => repo.reference(
                &branch,
                commit,
                false,
                "commit (initial): wol: init journal",
            ),
        }
        .with_context(|| format!("cannot move {branch} to the new commit"))?;
        Ok((InitOutcome::Created, without_visibility))
    }

    pub fn entries_dir(&self) -> PathBuf {
        self.root.join(ENTRIES_DIR)
    }

    pub fn state_dir(&self) -> PathBuf {
        self.root.join(STATE_DIR)
    }

    /// Take the journal lock; blocks until no other wol process holds it. The lock is
    /// released when the returned guard is dropped or the process dies.
    pub fn lock(&self) -> Result<File> {
        take_lock(&self.root)
    }

    /// The path of `abs` relative to the journal root, `/`-separated.
    pub fn rel(&self, abs: &Path) -> String {
        let rel = abs.strip_prefix(&self.root).unwrap_or(abs);
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// A free path for a new entry dated `date` with `title`:
    /// `entries/YYYY/MM/YYYY-MM-DD-HHMM-<slug>.md`, with `-2`, `-3`… on a clash.
    /// `taken` are paths already promised to other new entries (an import writes many).
    ///
    /// A name some entry has as its `id` (`wol edit` keeps a moved entry's old name as
    /// its id) is not avoided here: knowing it means reading the month's entries, which
    /// made `wol log` in a month of 1,000 entries a third slower (about 5 ms). An import,
    /// which reads every id anyway, avoids them ([`Journal::new_entry_path_among`]), and
    /// so does `wol edit` ([`Journal::moved_entry_path`]).
    pub fn new_entry_path(
        &self,
        date: &DateTime<FixedOffset>,
        title: &str,
        taken: &std::collections::HashSet<PathBuf>,
    ) -> PathBuf {
        self.new_entry_path_among(date, title, |path| taken.contains(path))
    }

    /// Like [`Journal::new_entry_path`], `taken` saying whether a path is promised or
    /// otherwise to be avoided (an import knows every id of the journal).
    pub fn new_entry_path_among(
        &self,
        date: &DateTime<FixedOffset>,
        title: &str,
        taken: impl Fn(&Path) -> bool,
    ) -> PathBuf {
        let dir = self.month_dir(date.year(), date.month());
        let stem = self.entry_stem(date, title);
        let mut path = dir.join(format!("{stem}.md"));
        let mut n = 2;
        // The folder of a removed entry's attachments is not reused either.
        while path.exists() || taken(&path) || path.with_extension("").exists() {
            path = dir.join(format!("{stem}-{n}.md"));
            n += 1;
        }
        path
    }

    /// Where `wol edit` moves the entry at `from` whose date changed:
    /// [`Journal::new_entry_path`], and never a name another entry of that month has as
    /// its `id`, which the moved entry would then answer to as well (its own old name,
    /// when it goes back to its first date, is its to take). Only that month is read
    /// (through the entry cache); an entry moved on to another month keeps an id this
    /// does not see.
    pub fn moved_entry_path(
        &self,
        from: &Path,
        date: &DateTime<FixedOffset>,
        title: &str,
    ) -> PathBuf {
        let stem = self.entry_stem(date, title);
        let ids = self.ids_starting_with(date.year(), date.month(), &stem, from);
        self.new_entry_path_among(date, title, |path| {
            ids.contains(&crate::entry::file_id(path))
        })
    }

    /// The `id`s starting with `prefix` of the entries in the month folder `year`/`month`
    /// but the one at `except`. Through the entry cache; only a file whose bytes hold
    /// `prefix` is decoded.
    fn ids_starting_with(
        &self,
        year: i32,
        month: u32,
        prefix: &str,
        except: &Path,
    ) -> std::collections::HashSet<String> {
        let dir = self.month_dir(year, month);
        let (Ok(y), true) = (u32::try_from(year), dir.is_dir()) else {
            return Default::default();
        };
        let Ok(needle) = regex::bytes::Regex::new(&regex::escape(prefix)) else {
            return Default::default();
        };
        let cache = self.entry_cache();
        let files = cache.month(y, month, &dir);
        (0..files.len())
            .filter(|&i| files.bytes(i).is_some_and(|b| needle.is_match(b)))
            .filter(|&i| files.path(i) != except)
            .filter_map(|i| files.load(i).ok()?.meta.id)
            .filter(|id| id.starts_with(prefix))
            .collect()
    }

    /// True when the entry file at `path` sits where an entry dated `date` belongs: in
    /// that date's month folder, its name starting with the local date and minute
    /// (`YYYY-MM-DD-HHMM-`), as [`Journal::new_entry_path`] names it. Reading commands
    /// find entries by month folder and file name, so one that is not is missed.
    pub fn placed_for(&self, path: &Path, date: &DateTime<FixedOffset>) -> bool {
        placed_for(&self.root, path, date)
    }

    /// The file name (without `.md`) of an entry dated `date` titled `title`: the date
    /// and minute, then the title as a slug, leaving out whatever the secret scan holds
    /// back (a token pasted into the first line, a `never` word of `wol.toml`). Unlike
    /// the text, a name cannot be edited without moving the entry, and it is published
    /// in paths, links and feed ids.
    pub fn entry_stem(&self, date: &DateTime<FixedOffset>, title: &str) -> String {
        use crate::publish::scan;
        let never = self
            .never
            .get_or_init(|| scan::compile_never(&self.config.publish.never).unwrap_or_default());
        let said = scan::redact(title, never);
        format!("{}-{}", date.format("%Y-%m-%d-%H%M"), slugify(&said))
    }

    /// True when the entry file at `path` has the name [`Journal::new_entry_path`] gives
    /// an entry dated `date` titled `title` (or that name with a `-N` to tell it apart):
    /// nothing in the name but what the date and title say.
    pub fn named_for(&self, path: &Path, date: &DateTime<FixedOffset>, title: &str) -> bool {
        let stem = self.entry_stem(date, title);
        let id = crate::entry::file_id(path);
        id == stem
            || id
                .strip_prefix(&stem)
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    }

    /// The files of the entry at `rel` (its `.md` and the files in its attachment folder)
    /// whose content HEAD does not have: changed, or never committed. Removing or moving
    /// them would lose that content, since no commit holds it. Files git ignores are not
    /// counted: they can never be committed, and are left where they are.
    pub fn uncommitted_files(&self, rel: &str) -> Result<Vec<String>> {
        let mut candidates = vec![rel.to_string()];
        let dir = crate::attach::dir_of(rel);
        if let Ok(rd) = fs::read_dir(self.root.join(&dir)) {
            let mut names: Vec<String> = rd
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            candidates.extend(names.into_iter().map(|n| format!("{dir}/{n}")));
        }
        let mut changed = Vec::new();
        for path in candidates {
            let abs = self.root.join(&path);
            let content = match fs::read(&abs) {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).with_context(|| format!("cannot read {}", abs.display())),
            };
            if self.repo()?.is_path_ignored(Path::new(&path))? {
                continue;
            }
            let oid = git2::Oid::hash_object(git2::ObjectType::Blob, &content)?;
            if self.head_blob(&path)? != Some(oid) {
                changed.push(path);
            }
        }
        Ok(changed)
    }

    /// The changes that move the entry at `from` to `to` (both relative), its new text
    /// being `entry`, with its attachment folder: in one commit, nothing is left behind.
    /// The entry keeps its old file id as its stable `id` (unless it has one), so
    /// `wol show OLD-ID` and links by id still find it, and the links to its own
    /// attachments (`<id>/name`, as [`crate::attach::links`] writes them) follow the folder.
    /// Fails, changing nothing, when an attachment has changes no commit holds: the
    /// caller commits what is on disk, and those must not be swept in unasked.
    pub fn move_entry(
        &self,
        from: &str,
        to: &str,
        text: &str,
        entry: &Entry,
        keep_id: bool,
    ) -> Result<Vec<Change>> {
        let from_dir = crate::attach::dir_of(from);
        let to_dir = crate::attach::dir_of(to);
        let unsaved: Vec<String> = self
            .uncommitted_files(from)?
            .into_iter()
            .filter(|p| p != from)
            .collect();
        if !unsaved.is_empty() {
            return Err(hinted(
                format!(
                    "the new date moves {from} to {to}, but its attachments have changes no \
                     commit holds: {}",
                    unsaved.join(", ")
                ),
                format!(
                    "commit them (git -C {root} add -- {from_dir} && git -C {root} commit -m \"attachments\") \
                     or undo them",
                    root = self.root.display(),
                ),
            ));
        }
        let old_id = crate::entry::file_id(Path::new(from));
        let new_id = crate::entry::file_id(Path::new(to));
        let links = |body: &str| crate::attach::relink(body, &old_id, &new_id);
        // The text as the person wrote it, with the `id` line added (unless it has one, or
        // the old name is not to be kept).
        let add = (keep_id && entry.meta.id.is_none()).then_some(("id", old_id.as_str()));
        let content = crate::entry::edited_in_place(text, add, links)
            .with_context(|| format!("{to} is not an entry"))?;
        let mut changes = vec![
            Change::Write {
                path: to.to_string(),
                content: content.into_bytes(),
            },
            Change::Remove {
                path: from.to_string(),
            },
        ];
        for name in git::tree_file_names(self.repo()?, &from_dir)? {
            let old = format!("{from_dir}/{name}");
            match fs::read(self.root.join(&old)) {
                Ok(content) => changes.push(Change::Write {
                    path: format!("{to_dir}/{name}"),
                    content,
                }),
                // Deleted by hand: it stays deleted.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).with_context(|| format!("cannot read {old}")),
            }
            changes.push(Change::Remove { path: old });
        }
        Ok(changes)
    }

    pub fn month_dir(&self, year: i32, month: u32) -> PathBuf {
        self.entries_dir()
            .join(format!("{year:04}"))
            .join(format!("{month:02}"))
    }

    /// Entry files, newest first by file name, in the months overlapping `range`
    /// (inclusive local dates), lazily: folders are read only as the walk reaches them.
    pub fn entry_files(
        &self,
        range: Option<(NaiveDate, NaiveDate)>,
    ) -> impl Iterator<Item = PathBuf> + '_ {
        entry_files_in(&self.root, range)
    }

    /// The month folders overlapping `range`, newest first (see [`month_dirs_in`]).
    pub fn month_dirs(
        &self,
        range: Option<(NaiveDate, NaiveDate)>,
    ) -> impl Iterator<Item = (u32, u32, PathBuf)> + use<> {
        month_dirs_in(&self.root, range)
    }

    /// Every entry file in the months overlapping `range`, newest first by file name,
    /// with its entry as [`Journal::load`] reads it, through the [`EntryCache`]; lazily,
    /// month by month.
    pub fn entries(
        &self,
        range: Option<(NaiveDate, NaiveDate)>,
    ) -> impl Iterator<Item = (PathBuf, Result<Entry, LoadError>)> + '_ {
        let cache = self.entry_cache();
        self.month_dirs(range).flat_map(move |(year, month, dir)| {
            let month = cache.month(year, month, &dir);
            (0..month.len()).map(move |i| (month.path(i), month.load(i)))
        })
    }

    /// The journal's entry cache in `.wol/cache/`.
    pub fn entry_cache(&self) -> EntryCache<'_> {
        EntryCache::new(&self.root, self.config.schema())
    }
}

/// The date of the `n`th newest of `found` (`n` ≥ 1, at most `found.len()`).
fn nth_newest<T>(found: &[(DateTime<FixedOffset>, T)], n: usize) -> DateTime<FixedOffset> {
    let mut dates: Vec<DateTime<FixedOffset>> = found.iter().map(|(date, _)| *date).collect();
    *dates
        .select_nth_unstable_by_key(n - 1, |d| std::cmp::Reverse(*d))
        .1
}

/// A bound on the entries of the month folder `year`/`month`: each is dated before it
/// (by instant). An entry's folder is its local month, so its local time is before the
/// next month begins; its UTC offset can be as far west as −23:59 (RFC 3339 allows it;
/// real zones stop at −12:00), which puts it at most a day later in UTC.
fn newest_possible_in(year: u32, month: u32) -> DateTime<FixedOffset> {
    let (year, month) = if month >= 12 {
        (year as i32 + 1, 1)
    } else {
        (year as i32, month + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or_else(
            || chrono::DateTime::<chrono::Utc>::MAX_UTC.fixed_offset(),
            |start| (start + chrono::Duration::days(1)).and_utc().fixed_offset(),
        )
}

/// An entry [`Journal::select`] found: decoded, or to be decoded if it makes the cut.
enum Pick {
    Entry(Box<(PathBuf, Entry)>),
    /// The `i`th file of the `m`th month kept.
    Later(usize, usize),
}

/// The journal lock of the journal at `root`.
pub fn lock_path(root: &Path) -> PathBuf {
    root.join(STATE_DIR).join("lock")
}

/// Take the journal lock of the journal at `root` (see [`Journal::lock`]).
fn take_lock(root: &Path) -> Result<File> {
    let dir = root.join(STATE_DIR);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = lock_path(root);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the journal lock {}", path.display()))?;
    let cannot = || format!("cannot take the journal lock {}", path.display());
    match file.try_lock() {
        Ok(()) => {}
        // Another wol command is writing (a publish may take a while): say why this one
        // waits, rather than look hung, then wait.
        Err(fs::TryLockError::WouldBlock) => {
            crate::diag::say(format_args!(
                "waiting for another wol command to finish writing to this journal (it holds {})…",
                path.display()
            ));
            file.lock().with_context(cannot)?;
        }
        Err(fs::TryLockError::Error(e)) => return Err(e).with_context(cannot),
    }
    Ok(file)
}

/// Where the drafts of the journal at `root` are kept.
pub fn drafts_path(root: &Path) -> PathBuf {
    root.join(STATE_DIR).join("drafts")
}

/// [`Journal::entry_files`] for a journal that may not open (what `wol doctor` checks).
pub fn entry_files_in(
    root: &Path,
    range: Option<(NaiveDate, NaiveDate)>,
) -> impl Iterator<Item = PathBuf> + use<> {
    month_dirs_in(root, range).flat_map(|(_, _, mdir)| {
        month_file_names(&mdir)
            .into_iter()
            .map(move |name| mdir.join(name))
    })
}

/// The first part of `rel` (a `/`-separated path in the journal at `root`, from the
/// top down, itself included) that is a symbolic link, if any: wol writes nothing
/// through one, and git would store the link, not what it points to.
pub fn symlink_in(root: &Path, rel: &str) -> Option<String> {
    let mut abs = root.to_path_buf();
    let mut end = 0;
    for part in rel.split('/') {
        end += part.len();
        abs.push(part);
        if fs::symlink_metadata(&abs).is_ok_and(|m| m.file_type().is_symlink()) {
            return Some(rel[..end].to_string());
        }
        end += 1;
    }
    None
}

/// The month folders `entries/YYYY/MM` of the journal at `root` that overlap `range`
/// (inclusive local dates), newest first, lazily, with their year and month.
pub fn month_dirs_in(
    root: &Path,
    range: Option<(NaiveDate, NaiveDate)>,
) -> impl Iterator<Item = (u32, u32, PathBuf)> + use<> {
    numbered_dirs(&root.join(ENTRIES_DIR), 4)
        .into_iter()
        // Years outside the range are skipped without listing their months.
        .filter(move |&(year, _)| {
            range.is_none_or(|(from, to)| (from.year()..=to.year()).contains(&(year as i32)))
        })
        .flat_map(move |(year, ydir)| {
            numbered_dirs(&ydir, 2)
                .into_iter()
                .map(move |(month, mdir)| (year, month, mdir))
        })
        .filter(move |&(year, month, _)| month_in_range(year as i32, month, range))
}

/// The names of the entry files in a month folder, newest (largest) first.
pub fn month_file_names(mdir: &Path) -> Vec<std::ffi::OsString> {
    month_entry_files(mdir)
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// The entry files in a month folder, newest (largest name) first, with their folder
/// entries (whose `metadata()` is an `lstat` relative to the open folder).
pub fn month_entry_files(mdir: &Path) -> Vec<(std::ffi::OsString, fs::DirEntry)> {
    let mut files: Vec<(std::ffi::OsString, fs::DirEntry)> = match fs::read_dir(mdir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            // Only regular files are entries: a symlink could name anything on the
            // machine, and a folder called `x.md` is not a file.
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| (e.file_name(), e))
            .filter(|(n, _)| Path::new(n).extension().is_some_and(|x| x == "md"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort_unstable_by(|a, b| b.0.cmp(&a.0));
    files
}

impl Journal {
    /// The entries `filter` selects, newest first by date, and the files that could not
    /// be read: the one walk → load → filter loop of the reading commands. With `limit`,
    /// the walk stops once it has that many, has finished the month folder it is in
    /// (files sort by creation minute within a month, but an entry may be dated out of
    /// that order), and no older folder can hold an entry newer than the last one kept
    /// ([`newest_possible_in`]: a folder is its entries' local month, and an entry near
    /// the end of a month in a zone west of another's can be the later of the two). So
    /// `-n N` gives the first N of the whole list, as long as each entry is in its
    /// month's folder (`wol doctor` reports one that is not). Entries come through the
    /// [`EntryCache`], which reads and parses only the files that changed since it last
    /// saw them. All of them at once cost memory in proportion to the journal:
    /// [`Journal::select_all`] hands them on one by one instead.
    pub fn select(
        &self,
        filter: &crate::filter::Filter,
        limit: Option<usize>,
    ) -> (Vec<(PathBuf, Entry)>, Vec<LoadError>) {
        let cache = self.entry_cache();
        // When the filter takes every entry and a limit keeps a few, only the dates are
        // needed to rank them: the others are never decoded.
        let by_date_only = limit.is_some() && filter.takes_everything();
        let mut months = Vec::new();
        let mut found: Vec<(DateTime<FixedOffset>, Pick)> = Vec::new();
        let mut bad = Vec::new();
        for (year, month, dir) in self.month_dirs(filter.range()) {
            if let Some(n) = limit
                && found.len() >= n
                && (n == 0 || newest_possible_in(year, month) <= nth_newest(&found, n))
            {
                break;
            }
            let month = cache.month(year, month, &dir);
            for i in 0..month.len() {
                if by_date_only && let Some(date) = month.date(i) {
                    found.push((date, Pick::Later(months.len(), i)));
                    continue;
                }
                match month.load(i) {
                    Ok(entry) if filter.matches(&entry) => found.push((
                        entry.meta.date,
                        Pick::Entry(Box::new((month.path(i), entry))),
                    )),
                    Ok(_) => {}
                    Err(e) => bad.push(e),
                }
            }
            if by_date_only {
                months.push(month);
            }
        }
        found.sort_by_key(|(date, _)| std::cmp::Reverse(*date));
        if let Some(n) = limit {
            found.truncate(n);
        }
        let mut entries = Vec::with_capacity(found.len());
        for (_, f) in found {
            match f {
                Pick::Entry(found) => entries.push(*found),
                Pick::Later(m, i) => match months[m].load(i) {
                    Ok(entry) => entries.push((months[m].path(i), entry)),
                    Err(e) => bad.push(e),
                },
            }
        }
        (entries, bad)
    }

    /// Read and parse one entry file.
    pub fn load(&self, path: &Path) -> Result<Entry, LoadError> {
        let bytes = fs::read(path).map_err(|e| LoadError {
            path: path.to_path_buf(),
            error: ParseError {
                line: 1,
                message: format!("cannot read: {e}"),
            },
        })?;
        Entry::parse(&bytes, &self.config.schema()).map_err(|error| LoadError {
            path: path.to_path_buf(),
            error,
        })
    }

    /// Find an entry by id (file stem), unique stem prefix, `id` field, or path. An id
    /// that several entries have (hand-made `notes.md` in two months), or a prefix of
    /// several ids, is a usage error that lists their paths: it never picks one.
    pub fn find(&self, query: &str) -> Result<PathBuf> {
        // A path (relative to the current directory or to the journal) must name a file
        // under entries/: `wol show /etc/passwd` is not an entry.
        let entries = self.entries_dir().canonicalize().ok();
        for candidate in [PathBuf::from(query), self.root.join(query)] {
            if !candidate.is_file() {
                continue;
            }
            let inside = candidate
                .canonicalize()
                .ok()
                .zip(entries.as_ref())
                .is_some_and(|(c, e)| c.starts_with(e));
            if !inside {
                return Err(hinted(
                    format!(
                        "{query} is not an entry of the journal {}",
                        self.root.display()
                    ),
                    "give an entry id (see wol list) or a path under entries/",
                ));
            }
            let rel = candidate
                .canonicalize()?
                .strip_prefix(entries.as_ref().expect("checked above"))?
                .to_path_buf();
            let path = self.entries_dir().join(rel);
            // A file in an entry's attachment folder (`<id>/name` beside `<id>.md`).
            if let Some(owner) = path.parent().map(|d| {
                let mut md = d.as_os_str().to_os_string();
                md.push(".md");
                PathBuf::from(md)
            }) && owner.is_file()
            {
                let id = crate::entry::file_id(&owner);
                let rel = self.rel(&path);
                return Err(hinted(
                    format!("{rel} is an attachment of the entry {id}, not an entry"),
                    format!(
                        "its entry is wol show {id}. wol has no command to remove one attachment: \
                         delete it and commit (git -C {root} rm {rel} && git -C {root} commit -m \"remove {rel}\"), \
                         then take its link out with wol edit {id}; or remove the entry and all its \
                         attachments with wol rm {id}",
                        root = self.root.display(),
                    ),
                ));
            }
            return Ok(path);
        }
        let query = query.strip_suffix(".md").unwrap_or(query);
        // A prefix that names a month (YYYY-MM…) only needs that month's folder.
        let range = month_of_prefix(query).map(|d| {
            let end = d
                .checked_add_months(chrono::Months::new(1))
                .and_then(|n| n.pred_opt())
                .unwrap_or(d);
            (d, end)
        });
        // Every file is looked at: a hand-made file may share its name with another in
        // another month, and then the name alone says neither.
        let (mut exact, mut matches) = (Vec::new(), Vec::new());
        for path in self.entry_files(range) {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            if stem == query {
                exact.push(path);
            } else if stem.starts_with(query) {
                matches.push(path);
            }
        }
        if !exact.is_empty() {
            return self.the_one(query, "is the id of", false, exact);
        }
        if matches.is_empty() {
            // Maybe the stable `id` field of a renamed entry (a moved entry's id names its
            // old date, so it is looked for in every month).
            let cache = self.entry_cache();
            for (year, month, dir) in self.month_dirs(None) {
                let month = cache.month(year, month, &dir);
                for i in 0..month.len() {
                    if month
                        .load(i)
                        .is_ok_and(|e| e.meta.id.as_deref() == Some(query))
                    {
                        matches.push(month.path(i));
                    }
                }
            }
            if !matches.is_empty() {
                return self.the_one(query, "is the `id` field of", false, matches);
            }
        }
        if matches.is_empty() {
            return Err(hinted(
                format!("no entry matches `{query}`"),
                "list entries with: wol list (the first column is the id)",
            ));
        }
        self.the_one(query, "is the beginning of the ids of", true, matches)
    }

    /// The one entry in `found`, or a usage error listing them all: `query` (which
    /// `how` each of them; a `prefix` of their ids) is ambiguous.
    fn the_one(
        &self,
        query: &str,
        how: &str,
        prefix: bool,
        mut found: Vec<PathBuf>,
    ) -> Result<PathBuf> {
        if found.len() == 1 {
            return Ok(found.remove(0));
        }
        const SHOWN: usize = 10;
        let mut paths: Vec<String> = found.iter().take(SHOWN).map(|p| self.rel(p)).collect();
        if found.len() > SHOWN {
            paths.push(format!("and {} more", found.len() - SHOWN));
        }
        Err(crate::error::usage(
            format!(
                "`{query}` is ambiguous: it {how} {} entries: {}",
                found.len(),
                paths.join(", ")
            ),
            format!(
                "{}name the entry by its path, such as {}",
                if prefix {
                    "give more of the id, or "
                } else {
                    ""
                },
                paths[0]
            ),
        ))
    }

    /// Start working out, on the other core, the part of the git index's checksum that
    /// the write after the coming one can take up ([`crate::git_index::hash_ahead`]): for
    /// a command about to add `adding` files in the month folder of `date`.
    ///
    /// Called as early as a command can: the work takes about 8 ms at 100,000 entries.
    /// The repository is not opened for it when `.git` is a folder (opening it starts
    /// libgit2 and OpenSSL, a millisecond or two).
    pub fn hash_index_ahead(&self, date: &DateTime<FixedOffset>, adding: usize) {
        let Ok(adding) = u32::try_from(adding) else {
            return;
        };
        let dot_git = self.root.join(".git");
        let git_dir = if dot_git.is_dir() {
            dot_git
        } else {
            match self.repo() {
                Ok(repo) => repo.path().to_path_buf(),
                Err(_) => return,
            }
        };
        let month = self.month_dir(date.year(), date.month());
        crate::git_index::hash_ahead(
            &git_dir.join("index"),
            adding,
            format!("{}/", self.rel(&month)),
        );
    }

    /// Write files and commit them in one commit, under the caller's lock. Each change's
    /// file is written atomically first; an intent in `.wol/pending/` covers the gap
    /// between the write and the commit.
    pub fn write_and_commit(
        &self,
        changes: &[Change],
        message: &str,
        sig: &Signature<'_>,
    ) -> Result<git2::Oid> {
        self.write_and_commit_as(changes, message, sig, Settle::Commit)
    }

    /// [`Journal::write_and_commit`] with the intent's way of settling a crash.
    fn write_and_commit_as(
        &self,
        changes: &[Change],
        message: &str,
        sig: &Signature<'_>,
        settle: Settle,
    ) -> Result<git2::Oid> {
        for change in changes {
            self.refuse_symlinked_folder(change.path())?;
        }
        let intent = match settle {
            Settle::Commit => self.record_intent(changes)?,
            Settle::Undo => self.record_undo_intent(changes)?,
        };
        // What each path held, to put back if the commit fails: a command that fails
        // leaves the journal as it found it, and a retry makes no duplicate.
        let before: Vec<Option<Vec<u8>>> = changes
            .iter()
            .map(|c| fs::read(self.root.join(c.path())).ok())
            .collect();
        for change in changes {
            let abs = self.root.join(change.path());
            match change {
                Change::Write { content, .. } => {
                    write_atomic_via(&self.state_dir().join("tmp"), &abs, content)?
                }
                Change::Remove { .. } => match fs::remove_file(&abs) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(e).with_context(|| format!("cannot remove {}", abs.display()));
                    }
                },
            }
        }
        let oid = match git::commit_changes(self.repo()?, changes, message, sig) {
            Ok(oid) => oid,
            // Commits made by hand kept moving the branch, and one of them took the
            // changes in (`git add -A && git commit` stages the new file too): they are
            // committed, and putting them back would delete what that commit holds.
            Err(e) => {
                if git::is_moved(&e)
                    && let Some(oid) = git::committed_already(self.repo()?, changes)
                {
                    let _ = git::sync_index(self.repo()?, changes.iter().map(Change::path));
                    let _ = fs::remove_file(intent);
                    crate::error::warn(
                        format!(
                            "a commit made by hand meanwhile took this change in: it is committed, in {}",
                            &oid.to_string()[..12]
                        ),
                        None,
                    );
                    return Ok(oid);
                }
                // The intent stays when the index could not follow: the next writer
                // sets it right, as after a crash.
                if self.put_back(changes, &before) {
                    let _ = fs::remove_file(intent);
                }
                return Err(e);
            }
        };
        let _ = fs::remove_file(intent);
        crate::git_index::save_ahead();
        Ok(oid)
    }

    /// Undo the work-tree side of changes whose commit failed: each path gets back what
    /// it held (`None`: no file, and no folder left empty), then the index follows.
    /// Returns whether all of it was put back.
    fn put_back(&self, changes: &[Change], before: &[Option<Vec<u8>>]) -> bool {
        let mut all = true;
        for (change, old) in changes.iter().zip(before) {
            let abs = self.root.join(change.path());
            all &= match old {
                Some(bytes) => write_atomic_via(&self.state_dir().join("tmp"), &abs, bytes).is_ok(),
                None => match fs::remove_file(&abs) {
                    Ok(()) => {
                        if let Some(dir) = abs.parent() {
                            let _ = fs::remove_dir(dir);
                        }
                        true
                    }
                    Err(e) => e.kind() == io::ErrorKind::NotFound,
                },
            };
        }
        // The index only needs to follow if the failed commit got as far as staging
        // (waiting again for a lock that made it fail would double the wait).
        all && self.repo().is_ok_and(|repo| {
            !git::index_differs_from_head(repo, changes.iter().map(Change::path))
                || git::sync_index(repo, changes.iter().map(Change::path)).is_ok()
        })
    }

    fn record_intent(&self, changes: &[Change]) -> Result<PathBuf> {
        let dir = self.state_dir().join("pending");
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let paths: Vec<&str> = changes.iter().map(Change::path).collect();
        let path = dir.join(format!("{}.txt", std::process::id()));
        write_atomic_via(
            &self.state_dir().join("tmp"),
            &path,
            (paths.join("\n") + "\n").as_bytes(),
        )?;
        Ok(path)
    }

    /// Record that `changes` are all or nothing: a crash before their commit is undone by
    /// the next writer ([`Journal::undo_interrupted`]), not committed. Each line names the
    /// blob a file is being given and its path.
    fn record_undo_intent(&self, changes: &[Change]) -> Result<PathBuf> {
        let dir = self.state_dir().join("pending");
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut text = String::new();
        for change in changes {
            let oid = match change {
                Change::Write { content, .. } => {
                    git2::Oid::hash_object(git2::ObjectType::Blob, content)?.to_string()
                }
                Change::Remove { .. } => "-".to_string(),
            };
            text.push_str(&format!("{oid} {}\n", change.path()));
        }
        let path = dir.join(format!("{}.{UNDO}", std::process::id()));
        write_atomic_via(&self.state_dir().join("tmp"), &path, text.as_bytes())?;
        Ok(path)
    }

    /// Undo what an all-or-nothing write (`wol import`) killed before its commit left in
    /// the work tree: each file it wrote and HEAD does not hold goes back to what HEAD
    /// holds (no file, for a new one). A file changed since is left alone, with a
    /// warning. Returns how many files were put back.
    fn undo_interrupted(&self) -> Result<usize> {
        let Ok(rd) = fs::read_dir(self.state_dir().join("pending")) else {
            return Ok(0);
        };
        let intents: Vec<PathBuf> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == UNDO))
            .collect();
        if intents.is_empty() {
            return Ok(0);
        }
        let head = self.head_tree()?;
        let repo = self.repo()?;
        let (mut undone, mut kept, mut paths) = (0, Vec::new(), Vec::new());
        for intent in &intents {
            let Ok(text) = fs::read_to_string(intent) else {
                continue;
            };
            for line in text.lines() {
                let Some((oid, rel)) = line.split_once(' ') else {
                    continue;
                };
                if !safe_rel_path(rel) || oid == "-" {
                    continue;
                }
                let abs = self.root.join(rel);
                let Ok(written) = git2::Oid::from_str(oid) else {
                    continue;
                };
                let in_head = head
                    .as_ref()
                    .and_then(|t| t.get_path(Path::new(rel)).ok())
                    .map(|e| e.id());
                if in_head == Some(written) || self.refuse_symlinked_folder(rel).is_err() {
                    continue; // committed after all, or not the journal's file to touch
                }
                let now = match fs::read(&abs) {
                    Ok(bytes) => git2::Oid::hash_object(git2::ObjectType::Blob, &bytes)?,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e).with_context(|| format!("cannot read {rel}")),
                };
                if now != written {
                    kept.push(rel.to_string());
                    continue;
                }
                match in_head {
                    Some(oid) => write_atomic_via(
                        &self.state_dir().join("tmp"),
                        &abs,
                        repo.find_blob(oid)?.content(),
                    )?,
                    None => {
                        fs::remove_file(&abs)
                            .with_context(|| format!("cannot remove {}", abs.display()))?;
                        remove_empty_parents(&self.root, &abs);
                    }
                }
                paths.push(rel.to_string());
                undone += 1;
            }
        }
        // The killed write may have staged some of it.
        git::sync_index(repo, paths.iter().map(String::as_str))?;
        if undone > 0 {
            warn(
                format!(
                    "an interrupted wol import was undone: {undone} file(s) it had written and not committed were removed"
                ),
                Some("run the import again to bring the entries in"),
            );
        }
        if !kept.is_empty() {
            warn(
                format!(
                    "an interrupted wol import left {} file(s) that were changed since, kept and not committed: {}",
                    kept.len(),
                    kept.join(", ")
                ),
                Some("commit them with git, or remove them"),
            );
        }
        for intent in intents {
            let _ = fs::remove_file(intent);
        }
        Ok(undone)
    }

    /// Entry files left uncommitted by a crash: those named by intents in `.wol/pending/`,
    /// and `.md` files in `month_dir` that HEAD does not know. Returns the changes that
    /// bring HEAD up to date and the intent files they settle.
    pub fn uncommitted(&self, month_dir: Option<&Path>) -> Result<(Vec<Change>, Vec<PathBuf>)> {
        let mut paths: Vec<String> = Vec::new();
        let mut intents = Vec::new();
        if let Ok(rd) = fs::read_dir(self.state_dir().join("pending")) {
            intents.extend(
                rd.filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_none_or(|x| x != UNDO)),
            );
        }
        paths.extend(intent_paths(&intents));
        if let Some(dir) = month_dir {
            let rel_dir = self.rel(dir);
            let known = git::tree_file_names(self.repo()?, &rel_dir)?;
            if let Ok(rd) = fs::read_dir(dir) {
                for e in rd.filter_map(|e| e.ok()) {
                    let name = e.file_name().to_string_lossy().into_owned();
                    // A symlink to a file is looked at too, so the check below names it
                    // in a warning; a dangling one (an editor's `.#x.md` lock) is no entry.
                    if name.ends_with(".md")
                        && !known.contains(&name)
                        && e.file_type()
                            .is_ok_and(|t| t.is_file() || (t.is_symlink() && e.path().is_file()))
                    {
                        paths.push(format!("{rel_dir}/{name}"));
                    }
                }
            }
        }
        paths.sort();
        paths.dedup();
        let head = self.head_tree()?;
        let mut changes = Vec::new();
        for rel in paths {
            let abs = self.root.join(&rel);
            if !self.committable(&rel)? {
                warn(
                    format!(
                        "{rel} is not committed: git ignores it, or it is not a regular file inside the journal"
                    ),
                    None,
                );
                continue;
            }
            let in_head = head
                .as_ref()
                .and_then(|t| t.get_path(Path::new(&rel)).ok())
                .map(|e| e.id());
            match fs::read(&abs) {
                Ok(content) => {
                    let oid = git2::Oid::hash_object(git2::ObjectType::Blob, &content)?;
                    if in_head != Some(oid) {
                        changes.push(Change::Write { path: rel, content });
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    if in_head.is_some() {
                        changes.push(Change::Remove { path: rel });
                    }
                }
                Err(e) => return Err(e).with_context(|| format!("cannot read {}", abs.display())),
            }
        }
        Ok((changes, intents))
    }

    /// True when `rel` may be committed: git does not ignore it, and neither it nor a
    /// folder on its way is a symlink (which could bring in a file from anywhere). A path
    /// that does not exist (a removal) is committable.
    pub fn committable(&self, rel: &str) -> Result<bool> {
        let abs = self.root.join(rel);
        match fs::symlink_metadata(&abs) {
            Err(_) => return Ok(self.symlink_on_path(rel).is_none()),
            Ok(m) if !m.is_file() => return Ok(false),
            Ok(_) if self.symlink_on_path(rel).is_some() => return Ok(false),
            Ok(_) => {}
        }
        Ok(!self.repo()?.is_path_ignored(Path::new(rel))?)
    }

    /// The first folder on the way to `rel` (a `/`-separated path, the last part not
    /// included) that is a symlink, if any.
    fn symlink_on_path(&self, rel: &str) -> Option<String> {
        let (folder, _) = rel.rsplit_once('/')?;
        symlink_in(&self.root, folder)
    }

    /// Fails when a folder on the way to `rel` is a symlink: writing or removing there
    /// would change a file outside the journal, and git would see the link, not the file.
    fn refuse_symlinked_folder(&self, rel: &str) -> Result<()> {
        match self.symlink_on_path(rel) {
            None => Ok(()),
            Some(dir) => Err(hinted(
                format!(
                    "{dir} is a symbolic link, so wol will not write {rel}: entries live only inside the journal"
                ),
                format!(
                    "make {dir} a real folder in the journal (move its files in), then run wol again"
                ),
            )),
        }
    }

    /// Commit what a crash left uncommitted (see [`Journal::uncommitted`]). Returns how
    /// many files were recovered.
    pub fn recover(&self, month_dir: Option<&Path>, sig: &Signature<'_>) -> Result<usize> {
        self.undo_interrupted()?;
        let (changes, intents) = self.uncommitted(month_dir)?;
        if !changes.is_empty() {
            git::commit_changes(
                self.repo()?,
                &changes,
                "wol: recover uncommitted entries",
                sig,
            )?;
        }
        if !intents.is_empty() {
            // A writer died between its index update and its commit (or the other way
            // round): make the index agree with HEAD and the files for what it touched.
            let paths = intent_paths(&intents);
            git::sync_index(self.repo()?, paths.iter().map(String::as_str))?;
        }
        for intent in intents {
            let _ = fs::remove_file(intent);
        }
        Ok(changes.len())
    }

    /// Begin a write: the one way the journal changes itself. Takes the journal lock,
    /// refuses a repository in the middle of a merge, rebase or cherry-pick, removes
    /// temp files a killed wol left, and commits what a crash left uncommitted (in
    /// `month_dir`, and every recorded intent) before the caller's own change.
    pub fn begin_write(
        &self,
        sig: Signature<'static>,
        month_dir: Option<&Path>,
    ) -> Result<Writer<'_>> {
        let lock = self.lock()?;
        git::check_state(self.repo()?)?;
        self.remove_leftovers();
        let recovered = self.recover(month_dir, &sig)?;
        Ok(Writer {
            journal: self,
            sig,
            _lock: lock,
            recovered,
        })
    }

    /// Rewrite `wol.toml` through the write path: `edit` gets the text read under the
    /// lock; the result must load (with every check of [`JournalConfig::load`]) before
    /// it is written and committed, so wol never writes a config it could not read back.
    /// Returns the commit.
    pub fn edit_config(
        &self,
        sig: Signature<'static>,
        message: &str,
        edit: impl FnOnce(&str) -> Result<String>,
    ) -> Result<git2::Oid> {
        let writer = self.begin_write(sig, None)?;
        let path = self.root.join(CONFIG_FILE);
        let text =
            fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let new = edit(&text)?;
        let tmp = tempfile::Builder::new()
            .prefix(".wol-tmp-")
            .tempfile_in(self.state_dir())?;
        fs::write(tmp.path(), &new)?;
        JournalConfig::load(tmp.path())
            .context("the edited wol.toml would not load; nothing was changed")?;
        writer.commit(
            &[Change::Write {
                path: CONFIG_FILE.to_string(),
                content: new.into_bytes(),
            }],
            message,
        )
    }

    /// The journal's stable id, written to `wol.toml` (and committed) first when a journal
    /// made by an older wol has none.
    pub fn ensure_id(&self, sig: Signature<'static>) -> Result<String> {
        if let Some(id) = &self.config.id {
            return Ok(id.clone());
        }
        let id = crate::identity::new_journal_id();
        self.edit_config(sig, "wol: add the journal id", |text| {
            let mut doc: toml_edit::DocumentMut =
                text.parse().context("wol.toml is not valid TOML")?;
            if doc.get("id").is_none() {
                doc.insert("id", toml_edit::value(&id));
            }
            Ok(doc.to_string())
        })?;
        Ok(JournalConfig::load(&self.root.join(CONFIG_FILE))?
            .id
            .unwrap_or(id))
    }

    /// Temp files in `.wol/tmp/` are only ever in use under the journal lock: any found
    /// when the lock is taken were left by a killed process, and may hold entry text.
    fn remove_leftovers(&self) {
        if let Ok(rd) = fs::read_dir(self.state_dir().join("tmp")) {
            for e in rd.filter_map(|e| e.ok()) {
                let _ = fs::remove_file(e.path());
            }
        }
        // The caches' temp files: reading commands write the entry cache's without the
        // lock, so only those older than any write could take are a killed process's
        // leftovers (a publish killed while it wrote the file of its last tree, say: 20 MB
        // at 100,000 entries). The entry cache's month files of another format (an older
        // wol's, after an upgrade: as big as the entries) are left to a wol of that format
        // while it may still be run, and go once none has read or written them for a
        // month.
        const TEMP: std::time::Duration = std::time::Duration::from_secs(600);
        const FORMAT: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);
        let cache = self.state_dir().join("cache");
        let entry_cache = self.state_dir().join(crate::cache::CACHE_DIR);
        // How long a file called `name` may stay, if it is a leftover.
        let stale_after = |in_entry_cache: bool, name: &[u8]| {
            if !in_entry_cache {
                name.starts_with(b".wol-tmp-").then_some(TEMP)
            } else if name.starts_with(b".tmp-") {
                Some(TEMP)
            } else {
                crate::cache::of_another_format(name).then_some(FORMAT)
            }
        };
        for (folder, in_entry_cache) in [(&cache, false), (&entry_cache, true)] {
            let Ok(rd) = fs::read_dir(folder) else {
                continue;
            };
            // By name first: only a leftover costs a stat (this runs on every write).
            let left = rd.filter_map(|e| e.ok()).filter_map(|e| {
                let stale = stale_after(in_entry_cache, e.file_name().as_encoded_bytes())?;
                Some((e, stale))
            });
            for (e, stale) in left {
                let old = e
                    .metadata()
                    .ok()
                    .filter(fs::Metadata::is_file)
                    .and_then(|m| [m.accessed(), m.modified()].into_iter().flatten().max())
                    .is_some_and(|t| t.elapsed().is_ok_and(|age| age > stale));
                if old {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
    }

    /// The id of the blob HEAD holds at `rel` (a `/`-separated path), if any.
    pub fn head_blob(&self, rel: &str) -> Result<Option<git2::Oid>> {
        let Some(tree) = self.head_tree()? else {
            return Ok(None);
        };
        match tree.get_path(Path::new(rel)) {
            Ok(entry) => Ok(Some(entry.id())),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn head_tree(&self) -> Result<Option<git2::Tree<'_>>> {
        let repo = self.repo()?;
        let branch = match git::head_branch(repo) {
            Ok(b) => b,
            Err(_) => return Ok(None),
        };
        Ok(git::branch_commit(repo, &branch)?
            .map(|c| c.tree())
            .transpose()?)
    }

    /// A directory for drafts the editor works on; kept when something goes wrong.
    pub fn drafts_dir(&self) -> Result<PathBuf> {
        let dir = drafts_path(&self.root);
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(dir)
    }
}

/// A write in progress (see [`Journal::begin_write`]): the lock is held until it drops.
pub struct Writer<'j> {
    journal: &'j Journal,
    sig: Signature<'static>,
    _lock: File,
    /// How many files a crash had left uncommitted and this write committed first.
    pub recovered: usize,
}

impl Writer<'_> {
    /// Write `changes` to the work tree and commit them in one commit.
    pub fn commit(&self, changes: &[Change], message: &str) -> Result<git2::Oid> {
        self.journal.write_and_commit(changes, message, &self.sig)
    }

    /// Like [`Writer::commit`], but all or nothing across a crash: files written by a
    /// process killed before the commit are removed by the next writer, not committed.
    /// For changes whose source is still elsewhere (`wol import`), where stopping half-way
    /// must mean "not done", not "partly done".
    pub fn commit_all_or_nothing(&self, changes: &[Change], message: &str) -> Result<git2::Oid> {
        self.journal
            .write_and_commit_as(changes, message, &self.sig, Settle::Undo)
    }

    /// Like [`Writer::commit`], but only when the file at `rel` still holds the blob
    /// `expected` (`None`: no file) — what it held when the user began to change it. A
    /// concurrent `wol edit` or `wol rm` in between is never overwritten: the change is
    /// refused with [`Conflict`] and the caller keeps the user's text.
    pub fn commit_if_unchanged(
        &self,
        rel: &str,
        expected: Option<git2::Oid>,
        changes: &[Change],
        message: &str,
    ) -> Result<git2::Oid> {
        let now = match fs::read(self.journal.root.join(rel)) {
            Ok(bytes) => Some(git2::Oid::hash_object(git2::ObjectType::Blob, &bytes)?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e).with_context(|| format!("cannot read {rel}")),
        };
        if now != expected {
            return Err(Conflict {
                path: rel.to_string(),
                removed: now.is_none(),
            }
            .into());
        }
        self.commit(changes, message)
    }

    /// The signature this write commits with.
    pub fn signature(&self) -> &Signature<'static> {
        &self.sig
    }

    /// Move the journal's branch from the commit `from` to the commit `to` (made
    /// elsewhere: `wol sync` brings them in), updating only the files that differ.
    ///
    /// A file the person changed and did not commit is never overwritten: the move is
    /// refused, naming it. The files are written first (atomically, under an intent in
    /// `.wol/pending/`), then the index, then the branch (compare-and-swap): a process
    /// killed half-way leaves files the next writer commits, and loses nothing.
    pub fn advance(&self, from: git2::Oid, to: git2::Oid) -> Result<Vec<String>> {
        let journal = self.journal;
        let repo = journal.repo()?;
        let old = repo.find_commit(from)?.tree()?;
        let new = repo.find_commit(to)?.tree()?;
        let changed = crate::sync::seal::changed_files(repo, Some(&old), &new)?;
        let mut changes = Vec::new();
        for (path, file) in &changed {
            let before = old.get_path(Path::new(path)).ok().map(|e| e.id());
            let after = file.map(|(oid, _)| oid);
            let now = match fs::read(journal.root.join(path)) {
                Ok(bytes) => Some(git2::Oid::hash_object(git2::ObjectType::Blob, &bytes)?),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(e) => return Err(e).with_context(|| format!("cannot read {path}")),
            };
            if now != before && now != after {
                return Err(hinted(
                    format!(
                        "{path} has changes that are not committed, and wol sync would overwrite them"
                    ),
                    format!(
                        "commit them (git -C {dir} commit {path}) or put the file back (git -C {dir} checkout -- {path}), then run wol sync again",
                        dir = journal.root.display()
                    ),
                ));
            }
            journal.refuse_symlinked_folder(path)?;
            changes.push(match file {
                Some((oid, _)) => Change::Write {
                    path: path.clone(),
                    content: repo.find_blob(*oid)?.content().to_vec(),
                },
                None => Change::Remove { path: path.clone() },
            });
        }
        let intent = journal.record_intent(&changes)?;
        for change in &changes {
            let abs = journal.root.join(change.path());
            match change {
                Change::Write { content, .. } => {
                    write_atomic_via(&journal.state_dir().join("tmp"), &abs, content)?;
                    // An executable bit travels too.
                    if let Some(Some((_, mode))) = changed.get(change.path())
                        && *mode == i32::from(git2::FileMode::BlobExecutable)
                    {
                        use std::os::unix::fs::PermissionsExt as _;
                        let _ = fs::set_permissions(&abs, fs::Permissions::from_mode(0o755));
                    }
                }
                Change::Remove { .. } => match fs::remove_file(&abs) {
                    Ok(()) => remove_empty_parents(&journal.root, &abs),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => {
                        return Err(e).with_context(|| format!("cannot remove {}", abs.display()));
                    }
                },
            }
        }
        git::sync_index(repo, changes.iter().map(Change::path))?;
        let branch = git::head_branch(repo)?;
        crate::git_lock::clear_stale_ref_lock(repo, &branch)?;
        repo.reference_matching(
            &branch,
            to,
            true,
            from,
            "wol sync: bring in the other machines' commits",
        )
        .with_context(|| format!("cannot move {branch} to the synced commit"))?;
        let _ = fs::remove_file(intent);
        Ok(changed.into_keys().collect())
    }
}

/// [`Journal::placed_for`] for the journal at `root` (`wol doctor` asks it of a journal
/// whose config may not load).
pub fn placed_for(root: &Path, path: &Path, date: &DateTime<FixedOffset>) -> bool {
    let prefix = format!("{}-", date.format("%Y-%m-%d-%H%M"));
    let month = root
        .join(ENTRIES_DIR)
        .join(format!("{:04}", date.year()))
        .join(format!("{:02}", date.month()));
    let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_path_buf();
    path.parent().is_some_and(|dir| rel(dir) == rel(&month))
        && path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(&prefix))
}

/// Remove the folders between `file` and `root` that a removal left empty.
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// The file changed (or went away) while the user was editing it.
#[derive(Debug, thiserror::Error)]
#[error("{path} was {} by another command while you were editing it", if *removed { "removed" } else { "changed" })]
pub struct Conflict {
    pub path: String,
    pub removed: bool,
}

/// An entry file that could not be read: where, which line, what.
#[derive(Debug, thiserror::Error)]
#[error("{}:{}: {}", path.display(), error.line, error.message)]
pub struct LoadError {
    pub path: PathBuf,
    pub error: ParseError,
}

/// Remove the temp files an init killed midway left in the journal's root, where they
/// would show in `git status` for good: wol's own (`.wol-tmp-` and six letters or
/// digits, from before init wrote through `.wol/tmp/`) and libgit2's (`_git2_` and
/// sixteen hex digits: it tries what the file system can do while it makes a
/// repository). Only names of exactly those forms, so no file of the person's is taken
/// for one; under the journal lock, so no other wol is at work.
fn remove_temp_files(root: &Path) {
    let Ok(rd) = fs::read_dir(root) else {
        return;
    };
    let named = |name: &[u8], prefix: &[u8], len: usize, ok: fn(&u8) -> bool| {
        name.strip_prefix(prefix)
            .is_some_and(|rest| rest.len() == len && rest.iter().all(ok))
    };
    for e in rd.filter_map(|e| e.ok()) {
        let name = e.file_name();
        let name = name.as_encoded_bytes();
        let temp = named(name, b".wol-tmp-", 6, u8::is_ascii_alphanumeric)
            || named(name, b"_git2_", 16, u8::is_ascii_hexdigit);
        if temp && e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink()) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Write a disposable cache file atomically (a reader never sees half of it) but without
/// syncing it: a cache lost in a crash costs the next command time, not a result, and
/// syncing megabytes on every publish was most of what writing them cost.
pub fn write_cache_file(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".wol-tmp-")
        .tempfile_in(dir)?;
    tmp.write_all(content)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Write a file atomically: a temp file in the same directory, then a rename.
pub fn write_atomic(path: &Path, content: &[u8]) -> Result<()> {
    write_atomic_via(path.parent().unwrap_or(Path::new(".")), path, content)
}

/// Write a file atomically through a temp file in `tmp_dir` (same file system), so that
/// a process killed mid-write leaves no stray file next to the target.
pub fn write_atomic_via(tmp_dir: &Path, path: &Path, content: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    fs::create_dir_all(tmp_dir).with_context(|| format!("cannot create {}", tmp_dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".wol-tmp-")
        .tempfile_in(tmp_dir)
        .with_context(|| format!("cannot write in {}", tmp_dir.display()))?;
    tmp.write_all(content)
        .and_then(|()| tmp.as_file().sync_data())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Sub-directories whose names are `digits` decimal digits, largest number first. A
/// symlinked folder is not one of them: it would bring in files from outside the journal.
/// New git objects kept in memory (libgit2's mempack backend, which takes every write
/// to the repository's object database) and written to disk as one pack. Only objects
/// that are new — not in the tree of the branch's last commit — are packed, so a
/// second `init` of a large folder writes nothing.
struct ObjectBatch<'r> {
    repo: &'r Repository,
    odb: &'r git2::Odb<'r>,
    mempack: git2::Mempack<'r>,
    head: Option<git2::Tree<'r>>,
    /// Objects packed already, or blobs found in the last commit (on disk already).
    packed: std::collections::HashSet<git2::Oid>,
}

/// How many bytes of new files `wol init` adds before it packs their blobs and lets go
/// of them: memory against the number of packs. At 100,000 entries (about 100 MB of
/// files) 8 MB gives 9 packs and a peak of 85 MB, 16 MB 5 packs and 106 MB, 4 MB 18
/// packs and 79 MB, in the same time. `WOL_INIT_BATCH_BYTES` overrides it (the tests use
/// a small value to see several packs written).
fn init_batch_bytes() -> u64 {
    std::env::var("WOL_INIT_BATCH_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(8 << 20)
}

impl<'r> ObjectBatch<'r> {
    fn new(
        repo: &'r Repository,
        odb: &'r git2::Odb<'r>,
        head: Option<git2::Tree<'r>>,
    ) -> Result<ObjectBatch<'r>> {
        Ok(ObjectBatch {
            repo,
            odb,
            mempack: odb.add_new_mempack_backend(1000)?,
            head,
            packed: std::collections::HashSet::new(),
        })
    }

    /// Pack the new blobs in the repository's index so far (the one `add_all` is
    /// filling) and free the memory they took. Every object in memory is such a blob:
    /// `add_all` writes nothing else.
    fn flush(&mut self) -> Result<()> {
        let index = self.repo.index()?;
        let mut pack = self.repo.packbuilder()?;
        self.insert_new_blobs(&mut pack, &index)?;
        self.write(pack)
    }

    /// Pack the new blobs of `index`, the new trees of `tree`, and `commit`.
    fn finish(&mut self, index: &git2::Index, tree: git2::Oid, commit: git2::Oid) -> Result<()> {
        let mut pack = self.repo.packbuilder()?;
        self.insert_new_blobs(&mut pack, index)?;
        let head = self.head.as_ref().map(|t| t.id());
        self.insert_new_trees(&mut pack, tree, head)?;
        pack.insert_object(commit, None)?;
        self.write(pack)
    }

    fn insert_new_blobs(
        &mut self,
        pack: &mut git2::PackBuilder<'_>,
        index: &git2::Index,
    ) -> Result<()> {
        for entry in index.iter() {
            // Blobs staged by the user are on disk already, and not in init's commit.
            if !in_init_paths(&entry.path) || !self.packed.insert(entry.id) {
                continue;
            }
            let path = String::from_utf8_lossy(&entry.path);
            let in_head = self
                .head
                .as_ref()
                .and_then(|t| t.get_path(Path::new(path.as_ref())).ok())
                .is_some_and(|e| e.id() == entry.id);
            if !in_head {
                pack.insert_object(entry.id, None)?;
            }
        }
        Ok(())
    }

    /// `tree` and the subtrees that differ from `old` (the same folder in the last
    /// commit), recursively.
    fn insert_new_trees(
        &mut self,
        pack: &mut git2::PackBuilder<'_>,
        tree: git2::Oid,
        old: Option<git2::Oid>,
    ) -> Result<()> {
        if Some(tree) == old || !self.packed.insert(tree) {
            return Ok(());
        }
        pack.insert_object(tree, None)?;
        let new = self.repo.find_tree(tree)?;
        let old = old.map(|o| self.repo.find_tree(o)).transpose()?;
        for entry in new.iter() {
            if entry.kind() != Some(git2::ObjectType::Tree) {
                continue;
            }
            let before = old
                .as_ref()
                .and_then(|o| o.get_name_bytes(entry.name_bytes()))
                .map(|e| e.id());
            self.insert_new_trees(pack, entry.id(), before)?;
        }
        Ok(())
    }

    /// Write `pack` to the repository (indexed, so git and libgit2 read it at once),
    /// then empty the memory.
    fn write(&mut self, mut pack: git2::PackBuilder<'_>) -> Result<()> {
        if pack.object_count() > 0 {
            crate::diag::debug(format_args!(
                "init: a pack of {} objects",
                pack.object_count()
            ));
            // Straight to objects/pack (pack, then its index), not through a buffer:
            // the pack is not held in memory a second time. In the common git dir: a
            // linked worktree's own dir (`.git/worktrees/NAME`) has no object store.
            pack.write(&self.repo.commondir().join("objects").join("pack"), 0)
                .context("cannot write a pack to the git repository")?;
            self.odb.refresh()?;
        }
        self.mempack.reset()?;
        Ok(())
    }
}

/// What `wol init` adds and commits: its own files and the journal's folders.
const INIT_PATHS: [&str; 4] = [CONFIG_FILE, ".gitignore", ENTRIES_DIR, "digests"];

/// Whether `path` (relative to the journal) is where an entry lives:
/// `entries/YYYY/MM/NAME.md` (not an attachment in an entry's folder).
fn is_entry_path(path: &Path) -> bool {
    let parts: Vec<_> = path.components().collect();
    parts.len() == 4
        && parts[0].as_os_str() == ENTRIES_DIR
        && path.extension().is_some_and(|e| e == "md")
}

/// Whether `path` (relative, `/`-separated) is one of [`INIT_PATHS`] or inside one.
fn in_init_paths(path: &[u8]) -> bool {
    INIT_PATHS.iter().any(|p| {
        path.strip_prefix(p.as_bytes())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(b"/"))
    })
}

/// The files of `tree` outside [`INIT_PATHS`] (path, mode, id), in git's order: what
/// `wol init` commits there, whatever the index says.
fn outside_init_paths(
    repo: &Repository,
    tree: &git2::Tree<'_>,
) -> Result<Vec<(Vec<u8>, u32, git2::Oid)>> {
    let mut files = Vec::new();
    for entry in tree.iter() {
        let name = entry.name_bytes();
        if in_init_paths(name) {
            continue;
        }
        let mode = entry.filemode() as u32;
        if entry.kind() != Some(git2::ObjectType::Tree) {
            files.push((name.to_vec(), mode, entry.id()));
            continue;
        }
        let prefix = [name, b"/"].concat();
        repo.find_tree(entry.id())?
            .walk(git2::TreeWalkMode::PreOrder, |dir, e| {
                if e.kind() != Some(git2::ObjectType::Tree) {
                    let path = [prefix.as_slice(), dir.as_bytes(), e.name_bytes()].concat();
                    files.push((path, e.filemode() as u32, e.id()));
                }
                git2::TreeWalkResult::Ok
            })?;
    }
    Ok(files)
}

/// The tree of `index`'s entries inside [`INIT_PATHS`] and of `others` (sorted; none
/// inside them), written to the object database: what `Index::write_tree` gives, built
/// in one pass over the sorted entries, holding only the folders on the current path
/// (libgit2 keeps a tree builder for every folder and reads every tree back: tens of MB
/// at 100,000 entries). The index's order is git's tree order (a folder sorts as its
/// name and `/`), so each entry is appended as it comes.
fn write_tree_of(
    odb: &git2::Odb<'_>,
    index: &git2::Index,
    others: Vec<(Vec<u8>, u32, git2::Oid)>,
) -> Result<git2::Oid> {
    // The open folders, the root first: name and the tree entries so far.
    let mut open: Vec<(Vec<u8>, Vec<u8>)> = vec![(Vec::new(), Vec::new())];
    fn append(content: &mut Vec<u8>, mode: u32, name: &[u8], id: git2::Oid) {
        content.extend_from_slice(format!("{mode:o} ").as_bytes());
        content.extend_from_slice(name);
        content.push(0);
        content.extend_from_slice(id.as_bytes());
    }
    fn close(odb: &git2::Odb<'_>, open: &mut Vec<(Vec<u8>, Vec<u8>)>) -> Result<()> {
        if let Some((name, content)) = open.pop() {
            let id = odb.write(git2::ObjectType::Tree, &content)?;
            if let Some((_, parent)) = open.last_mut() {
                append(parent, 0o40000, &name, id);
            }
        }
        Ok(())
    }
    let mut add = |path: &[u8], mode: u32, id: git2::Oid| -> Result<()> {
        let mut parts: Vec<&[u8]> = path.split(|&b| b == b'/').collect();
        let name = parts.pop().unwrap_or_default();
        let mut same = 0;
        while same < parts.len() && same + 1 < open.len() && open[same + 1].0 == parts[same] {
            same += 1;
        }
        while open.len() > same + 1 {
            close(odb, &mut open)?;
        }
        for part in &parts[same..] {
            open.push((part.to_vec(), Vec::new()));
        }
        if let Some((_, content)) = open.last_mut() {
            append(content, mode, name, id);
        }
        Ok(())
    };
    let mut others = others.into_iter().peekable();
    for entry in index.iter() {
        if (entry.flags >> 12) & 3 != 0 {
            return Err(anyhow::anyhow!(
                "{} is in conflict in the git index: resolve it first (git status)",
                String::from_utf8_lossy(&entry.path)
            ));
        }
        if !in_init_paths(&entry.path) {
            continue;
        }
        while let Some((path, mode, id)) = others.next_if(|o| o.0 < entry.path) {
            add(&path, mode, id)?;
        }
        add(&entry.path, entry.mode, entry.id)?;
    }
    for (path, mode, id) in others {
        add(&path, mode, id)?;
    }
    while open.len() > 1 {
        close(odb, &mut open)?;
    }
    let root = open.pop().map(|(_, content)| content).unwrap_or_default();
    Ok(odb.write(git2::ObjectType::Tree, &root)?)
}

fn numbered_dirs(dir: &Path, digits: usize) -> Vec<(u32, PathBuf)> {
    if !fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        return Vec::new();
    }
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(u32, PathBuf)> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let name = e.file_name();
            let name = name.to_str()?;
            if name.len() != digits || !name.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((name.parse().ok()?, e.path()))
        })
        .collect();
    out.sort_unstable_by_key(|d| std::cmp::Reverse(d.0));
    out
}

fn month_in_range(year: i32, month: u32, range: Option<(NaiveDate, NaiveDate)>) -> bool {
    let Some((from, to)) = range else {
        return true;
    };
    let key = year * 12 + month as i32;
    let lo = from.year() * 12 + from.month() as i32;
    let hi = to.year() * 12 + to.month() as i32;
    (lo..=hi).contains(&key)
}

/// `2026-11…` → the first day of that month.
fn month_of_prefix(prefix: &str) -> Option<NaiveDate> {
    let y: i32 = prefix.get(0..4)?.parse().ok()?;
    if prefix.as_bytes().get(4) != Some(&b'-') {
        return None;
    }
    let m: u32 = prefix.get(5..7)?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, 1)
}

/// How the next writer settles a write a crash cut short.
#[derive(Clone, Copy)]
enum Settle {
    /// Commit what it wrote: the words exist nowhere else (`wol log`, `wol edit`).
    Commit,
    /// Put back what it wrote: all or nothing (`wol import`).
    Undo,
}

/// The extension of an all-or-nothing write's intent file in `.wol/pending/`.
const UNDO: &str = "undo";

/// The journal paths named by intent files.
fn intent_paths(intents: &[PathBuf]) -> Vec<String> {
    intents
        .iter()
        .filter_map(|i| fs::read_to_string(i).ok())
        .flat_map(|text| {
            text.lines()
                .filter(|l| safe_rel_path(l))
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A relative path that stays inside the journal.
fn safe_rel_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn not_a_repo(root: &Path) -> anyhow::Error {
    hinted(
        format!("{} is not a git repository", root.display()),
        format!(
            "run: wol init {} (it makes it one and keeps your files)",
            root.display()
        ),
    )
}
