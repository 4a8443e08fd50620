//! Bringing entries in from elsewhere: jrnl's JSON export (`jrnl --export json`) and
//! folders of Markdown notes (TIL-style repositories, or a `wol export --format markdown`).
//!
//! Every imported entry carries a stable `id` derived from its source (`jrnl-<hash of
//! date, title and body>`, `md-<hash of the relative path>`, or the `id` its front matter
//! already has), and an import skips ids the journal already holds: importing the same
//! source twice adds nothing. The whole import is one commit.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use chrono::{DateTime, Datelike as _, FixedOffset, NaiveDate, NaiveTime, TimeZone as _};
use serde::Deserialize;
use yaml_rust2::Yaml;

use crate::dates;
use crate::entry::{Entry, Meta, Visibility};
use crate::error::hinted;
use crate::git::Change;
use crate::journal::Journal;

/// One entry read from a source, not yet in the journal.
#[derive(Debug, Clone)]
pub struct ImportedEntry {
    /// Where it came from: `jrnl #3` or a path relative to the imported folder.
    pub source: String,
    pub entry: Entry,
    /// The id an older wol gave the same note (a hash of its path alone): a note
    /// imported before is recognised by it, with the same title and date.
    pub legacy_id: Option<String>,
    /// A file that was already a wol entry: what it says as written, which the journal
    /// gets byte for byte (see [`ImportedEntry::file_text`]).
    pub verbatim: Option<Verbatim>,
    /// The source file's name without `.md`: the folder its attachment links name.
    pub stem: Option<String>,
    /// The files of its attachment folder (`<stem>/` beside `<stem>.md`), checked as
    /// `wol log --attach` checks them.
    pub attachments: Vec<crate::attach::Attachment>,
}

/// The text of a file that was already a wol entry, and what its front matter says.
#[derive(Debug, Clone)]
pub struct Verbatim {
    text: String,
    /// Whether it has an `id` key (else its file name is its id).
    sets_id: bool,
    /// Whether it has a `visibility` key (else it takes the journal's default).
    sets_visibility: bool,
}

impl ImportedEntry {
    /// One entry from a source that is not a folder of files (jrnl).
    fn new(source: String, entry: Entry) -> ImportedEntry {
        ImportedEntry {
            source,
            entry,
            legacy_id: None,
            verbatim: None,
            stem: None,
            attachments: Vec::new(),
        }
    }

    /// The stable id (always set by the readers in this module).
    pub fn id(&self) -> &str {
        self.entry.meta.id.as_deref().unwrap_or_default()
    }

    /// The text of its file when written at `rel` (relative to the journal). A file that
    /// was already a wol entry comes in as written, byte for byte, with only what the
    /// journal needs added: its `visibility` when it says none (it would take the
    /// journal's default, maybe wider than the one import gave it); and at a name other
    /// than its own, its old name as its `id` (unless it has one: a later import, and
    /// `wol show OLD-NAME`, still know it) and the links to its attachments pointing at
    /// their new folder, as `wol edit` does when it moves an entry.
    pub fn file_text(&self, rel: &str) -> String {
        let new_stem = crate::entry::file_id(Path::new(rel));
        let renamed = self.stem.as_deref().filter(|old| *old != new_stem);
        let relink = |body: &str| match renamed {
            Some(old) if !self.attachments.is_empty() => {
                crate::attach::relink(body, old, &new_stem)
            }
            _ => body.to_string(),
        };
        let Some(v) = &self.verbatim else {
            let mut entry = self.entry.clone();
            entry.body = relink(&entry.body);
            return entry.to_text();
        };
        let mut text = v.text.clone();
        if let Some(old) = renamed.filter(|_| !v.sets_id) {
            text = crate::entry::edited_in_place(&text, Some(("id", old)), relink).unwrap_or(text);
        } else if renamed.is_some() {
            text = crate::entry::edited_in_place(&text, None, relink).unwrap_or(text);
        }
        if !v.sets_visibility {
            let visibility = self.entry.meta.visibility.as_str();
            text = crate::entry::edited_in_place(&text, Some(("visibility", visibility)), |b| {
                b.to_string()
            })
            .unwrap_or(text);
        }
        text
    }

    /// The changes that write it at `rel`, with its attachments beside it.
    pub fn changes(&self, rel: &str) -> Vec<Change> {
        let dir = crate::attach::dir_of(rel);
        let mut changes = vec![Change::Write {
            path: rel.to_string(),
            content: self.file_text(rel).into_bytes(),
        }];
        changes.extend(self.attachments.iter().map(|a| Change::Write {
            path: format!("{dir}/{}", a.name),
            content: a.content.clone(),
        }));
        changes
    }
}

/// What the readers need to fill in what a source does not say.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// Offset for dates written without one (jrnl's, front matter's): "now"'s offset.
    pub now: DateTime<FixedOffset>,
    pub author: String,
    pub visibility: Visibility,
    /// The journal's kinds.
    pub kinds: Vec<String>,
    /// The journal's size limit for an attachment (`[log] attachment_max`).
    pub attachment_max: u64,
}

impl Defaults {
    fn kind(&self, preferred: &str) -> String {
        if self.kinds.iter().any(|k| k == preferred) {
            preferred.to_string()
        } else if self.kinds.iter().any(|k| k == "progress") {
            "progress".to_string()
        } else {
            self.kinds
                .first()
                .cloned()
                .unwrap_or_else(|| "progress".into())
        }
    }
}

/// The first 12 hex digits of the SHA-1 of `text` (git's blob hash: no extra dependency).
fn short_hash(text: &str) -> String {
    let oid = git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes())
        .expect("hashing in memory cannot fail");
    oid.to_string()[..12].to_string()
}

/// Add `tag` (a jrnl tag, a folder name, a front-matter tag) as a tag `wol log -t` would
/// take: words joined by `-` ("Rust Notes" → `Rust-Notes`); one that is still no valid
/// tag (punctuation) is left out.
fn push_tag(tags: &mut Vec<String>, tag: &str) {
    let words: Vec<&str> = tag
        .trim()
        .trim_start_matches(['@', '#'])
        .split_whitespace()
        .collect();
    let Some(tag) = crate::entry::normalize_tag(&words.join("-")) else {
        return;
    };
    if crate::entry::valid_tag(&tag) && !tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase())
    {
        tags.push(tag);
    }
}

fn body_text(body: &str) -> String {
    let body = body.trim_matches(|c| c == '\n' || c == '\r');
    let body = body.trim_end();
    if body.is_empty() {
        String::new()
    } else {
        format!("{body}\n")
    }
}

// ---------------------------------------------------------------------------------------
// jrnl

#[derive(Debug, Deserialize)]
struct JrnlExport {
    entries: Vec<JrnlEntry>,
}

#[derive(Debug, Deserialize)]
struct JrnlEntry {
    title: String,
    #[serde(default)]
    body: String,
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    starred: bool,
}

/// Read a jrnl JSON export. jrnl writes local dates and times without an offset; they are
/// read in the offset of `defaults.now`. Tags lose jrnl's `@`; a starred entry gets the
/// tag `starred`; every entry is of kind `progress`.
pub fn from_jrnl(json: &str, defaults: &Defaults) -> Result<Vec<ImportedEntry>> {
    let export: JrnlExport = serde_json::from_str(json).map_err(|e| {
        hinted(
            format!("not a jrnl JSON export: {e}"),
            "create one with: jrnl --export json > journal.json",
        )
    })?;
    let tz = *defaults.now.offset();
    let mut out = Vec::with_capacity(export.entries.len());
    for (i, j) in export.entries.into_iter().enumerate() {
        let source = format!("jrnl entry {}", i + 1);
        let day = NaiveDate::parse_from_str(j.date.trim(), "%Y-%m-%d")
            .with_context(|| format!("{source}: bad date {:?}", j.date))?;
        let time = if j.time.trim().is_empty() {
            NaiveTime::MIN
        } else {
            NaiveTime::parse_from_str(j.time.trim(), "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(j.time.trim(), "%H:%M:%S"))
                .with_context(|| format!("{source}: bad time {:?}", j.time))?
        };
        let date = tz
            .from_local_datetime(&day.and_time(time))
            .single()
            .expect("fixed offsets are unambiguous");
        let title = j.title.split_whitespace().collect::<Vec<_>>().join(" ");
        let title = if title.is_empty() {
            "Untitled".to_string()
        } else {
            title
        };
        let id = format!(
            "jrnl-{}",
            short_hash(&format!("{}\n{}\n{}\n{}", j.date, j.time, j.title, j.body))
        );
        let mut tags = Vec::new();
        for tag in &j.tags {
            push_tag(&mut tags, tag);
        }
        if j.starred {
            push_tag(&mut tags, "starred");
        }
        out.push(ImportedEntry::new(
            source,
            Entry {
                meta: Meta {
                    title,
                    date,
                    kind: defaults.kind("progress"),
                    tags,
                    visibility: defaults.visibility,
                    author: defaults.author.clone(),
                    to: Vec::new(),
                    id: Some(id),
                    extra: toml::Table::new(),
                },
                body: body_text(&j.body),
            },
        ));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Markdown folders

/// Read every Markdown note under `dir` (hidden folders and a top-level README skipped).
///
/// A file that is already a wol entry (TOML front matter wol parses) comes in as it is,
/// and the files in its attachment folder (`<stem>/` beside `<stem>.md`, as the journal
/// and `wol export` lay them out) as its attachments, never as notes; one the journal
/// would refuse (`wol log --attach`'s rules: a symbolic link, over the size limit, a name
/// wol would change) leaves the entry out, with a warning. Any other note: topic folders
/// become tags; the title comes from front matter (TOML `+++` or YAML `---` with
/// `title`, `date`, `tags`), else the first `# heading`, else the file name; the date
/// from front matter, else the file's last commit when `dir` is in a git repository,
/// else its modification time; kind `learning` (a TIL is a learning).
/// Its audience is its own `visibility` and `to`, or `defaults.visibility` when it says
/// neither; a note whose audience cannot be read is private, with a warning. Its other
/// front-matter keys are kept in the entry's `extra`, converted to TOML; one TOML cannot
/// hold is left out with a warning.
pub fn from_markdown_dir(dir: &Path, defaults: &Defaults) -> Result<Vec<ImportedEntry>> {
    if !dir.is_dir() {
        return Err(hinted(
            format!("{} is not a directory", dir.display()),
            "give the folder that holds the Markdown notes",
        ));
    }
    let mut files = Vec::new();
    walk_notes(dir, dir, &mut files)?;
    files.sort();
    let folders: BTreeSet<PathBuf> = files
        .iter()
        .filter(|rel| has_attachment_folder(dir, rel))
        .map(|rel| rel.with_extension(""))
        .collect();
    files.retain(|rel| !rel.ancestors().skip(1).any(|a| folders.contains(a)));
    let git_dates = GitDates::for_files(dir, &files);
    let mut out = Vec::with_capacity(files.len());
    for rel in files {
        let path = dir.join(&rel);
        let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let Ok(text) = String::from_utf8(bytes) else {
            // One file in another encoding (or binary) must not stop the rest.
            crate::error::warn(
                format!("{} is not imported: it is not UTF-8 text", path.display()),
                Some(
                    "convert it (for example: iconv -f latin1 -t utf-8) and import again; what is already imported is skipped",
                ),
            );
            continue;
        };
        let rel_str = rel_string(&rel);
        let fallback_date = || -> Result<DateTime<FixedOffset>> {
            if let Some(date) = git_dates.get(&rel) {
                return Ok(date);
            }
            let modified = fs::metadata(&path)
                .and_then(|m| m.modified())
                .with_context(|| format!("cannot read the time of {}", path.display()))?;
            let utc: DateTime<chrono::Utc> = modified.into();
            Ok(utc.with_timezone(defaults.now.offset()))
        };
        let note = match note_to_entry(&text, &rel, defaults, fallback_date) {
            Ok(note) => note,
            // One note wol cannot read (a date it does not understand) must not stop the
            // rest either.
            Err(e) => {
                crate::error::warn(
                    format!("{} is not imported: {e:#}", path.display()),
                    Some("fix it and import again; what is already imported is skipped"),
                );
                continue;
            }
        };
        let folder = rel.with_extension("");
        let attachments = if folders.contains(&folder) {
            match attachments_in(&dir.join(&folder), defaults.attachment_max) {
                Ok(attachments) => attachments,
                Err(e) => {
                    crate::error::warn(
                        crate::term::sanitize(&format!(
                            "{} is not imported, nor its attachments: {e:#}",
                            path.display()
                        )),
                        Some("fix it and import again; what is already imported is skipped"),
                    );
                    continue;
                }
            }
        } else {
            Vec::new()
        };
        for warning in &note.warnings {
            // The message quotes the note: escaped before it reaches a terminal.
            let message = format!("{} {}", path.display(), warning.message);
            crate::error::warn(crate::term::sanitize(&message), Some(warning.hint));
        }
        out.push(ImportedEntry {
            legacy_id: Some(format!("md-{}", short_hash(&rel_str))),
            source: rel_str,
            entry: note.entry,
            verbatim: note.verbatim,
            stem: Some(crate::entry::file_id(&rel)),
            attachments,
        });
    }
    Ok(out)
}

/// Whether the note at `rel` (in `dir`) has an attachment folder: its name ends in `.md`
/// (as an entry's does), a real folder of its name without `.md` is beside it, and it is
/// a wol entry (TOML front matter with a title, date and kind; one whose kind this
/// journal lacks is one too). A folder beside any other note (Obsidian's folder notes)
/// holds notes.
fn has_attachment_folder(dir: &Path, rel: &Path) -> bool {
    if rel.extension().is_none_or(|x| x != "md") {
        return false;
    }
    let is_folder =
        fs::symlink_metadata(dir.join(rel.with_extension(""))).is_ok_and(|m| m.is_dir());
    is_folder
        && fs::read_to_string(dir.join(rel)).is_ok_and(|text| {
            toml_front_matter(&text).is_some_and(|t| {
                t.get("title").is_some_and(toml::Value::is_str)
                    && t.get("kind").is_some_and(toml::Value::is_str)
                    && t.contains_key("date")
            })
        })
}

/// The TOML front matter of `text` (between `+++` lines, as an entry's), when it has
/// front matter that parses.
fn toml_front_matter(text: &str) -> Option<toml::Table> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return toml::from_str(&rest[..offset]).ok();
        }
        offset += line.len();
    }
    None
}

/// The files of an entry's attachment folder, sorted by name, read and checked by the
/// rules of `wol log --attach` ([`crate::attach::read`]); hidden files are left out, as
/// the walk leaves them. Fails on a file the journal would refuse, a folder inside, or a
/// name wol would not give an attachment (the entry's link names the file as it is).
fn attachments_in(folder: &Path, max: u64) -> Result<Vec<crate::attach::Attachment>> {
    let mut paths: Vec<(String, PathBuf)> = fs::read_dir(folder)
        .with_context(|| format!("cannot read {}", folder.display()))?
        .filter_map(|e| e.ok())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    paths.sort();
    let mut out = Vec::with_capacity(paths.len());
    for (name, path) in paths {
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
            anyhow::bail!(
                "its attachment folder holds the folder {}: an entry's attachments are the files directly in its folder",
                path.display()
            );
        }
        let attachment = crate::attach::read(std::slice::from_ref(&path), max)?
            .pop()
            .context("no attachment read")?;
        if attachment.name != name {
            anyhow::bail!(
                "cannot attach {}: wol names attachments with letters, digits, `-`, `_` and `.` only ({} here); rename it and its link in the entry",
                path.display(),
                attachment.name
            );
        }
        out.push(attachment);
    }
    Ok(out)
}

fn rel_string(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn walk_notes(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let rd = fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for e in rd {
        let e = e.with_context(|| format!("cannot read {}", dir.display()))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = e.path();
        let kind = e
            .file_type()
            .with_context(|| format!("cannot read {}", path.display()))?;
        if kind.is_symlink() {
            // Only what is in the folder is imported: a link may point anywhere (a cloned
            // notes repository could link ~/.netrc), so it is never followed.
            crate::error::warn(
                format!("{} is not imported: it is a symbolic link", path.display()),
                Some("copy the file it points to into the folder if you mean to import it"),
            );
            continue;
        }
        if kind.is_dir() {
            walk_notes(root, &path, out)?;
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        let is_md = path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("md") || x.eq_ignore_ascii_case("markdown"));
        let top_readme = dir == root && name.to_ascii_lowercase().starts_with("readme.");
        if is_md && !top_readme {
            out.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
        }
    }
    Ok(())
}

/// Front matter of a note, whatever its syntax: the keys import reads, and the others
/// as TOML, to be kept in the entry.
#[derive(Debug, Default)]
struct Front {
    values: BTreeMap<String, FrontValue>,
    /// Why the note's audience (`visibility`, `to`) is not what `values` hold: a value of
    /// another shape (a number, a table, a list of more than text), or YAML lines under
    /// the key that import does not read. Any reason makes the note private.
    unreadable_audience: Vec<String>,
    /// The note's own keys, which import does not read (`source`, `aliases`,
    /// `description`…): kept in the entry's `extra`, as wol keeps unknown keys of its own
    /// entries. They never decide who sees the entry.
    extra: toml::Table,
    /// What is said after the note's path for each key that is not kept, and why: a
    /// value TOML cannot hold (a YAML null), a clash with wol's own keys.
    dropped: Vec<String>,
}

/// The keys of wol's front matter ([`crate::entry::Meta`]): import reads them (or, for
/// `id` and `author`, takes them), so none of them is one of the note's own keys.
const WOL_KEYS: [&str; 8] = [
    "title",
    "date",
    "kind",
    "tags",
    "visibility",
    "author",
    "to",
    "id",
];

/// The keys that say who may see a note.
const AUDIENCE_KEYS: [&str; 2] = ["visibility", "to"];

/// `key` as one of the [`AUDIENCE_KEYS`], in whatever case or quotes it is written
/// (`Visibility`, `"to"`).
fn audience_key(key: &str) -> Option<&'static str> {
    let key = yaml_scalar(key);
    AUDIENCE_KEYS
        .into_iter()
        .find(|k| key.eq_ignore_ascii_case(k))
}

#[derive(Debug, Clone)]
enum FrontValue {
    Text(String),
    List(Vec<String>),
}

impl Front {
    /// Set `key`. An audience key is kept under its own name whatever its case
    /// (`Visibility: Private` says private); given twice, it cannot be read.
    fn insert(&mut self, key: String, value: FrontValue) {
        let key = match audience_key(&key) {
            Some(audience) => {
                if self.values.contains_key(audience) {
                    self.unreadable_audience
                        .push(format!("it gives `{audience}` twice"));
                }
                audience.to_string()
            }
            None => key,
        };
        self.values.insert(key, value);
    }

    /// Whether `key` is one of the note's own, to be kept in `extra`: not when import
    /// reads it (a [`WOL_KEYS`] key; an audience key in any case), nor when it would clash
    /// with one of wol's keys (`Title`: an entry with both would be ambiguous), which is
    /// dropped with a warning.
    fn own_key(&mut self, key: &str) -> bool {
        if WOL_KEYS.contains(&key) || audience_key(key).is_some() {
            return false;
        }
        let folded = key.trim().to_lowercase();
        if let Some(wol) = WOL_KEYS.iter().find(|k| **k == folded) {
            self.dropped.push(format!(
                "is imported without its `{key}`: it would clash with wol's own `{wol}`"
            ));
            return false;
        }
        true
    }

    /// Drop each kept key that holds `visibility` or `to` in the form wol's entries say
    /// it (see [`crate::entry::misplaced_audience`]): the entry parser refuses such a
    /// file, so kept it would make the entry unreadable. (The note's audience already
    /// counted it: [`split_note`] makes such a note private.)
    fn drop_nested_audience(&mut self) {
        while let Some((key, table)) = crate::entry::misplaced_audience(&self.extra) {
            let top = table.split('.').next().unwrap_or(&table).to_string();
            self.extra.remove(&top);
            self.dropped.push(format!(
                "is imported without its `{top}`: the `{key}` inside it is one wol refuses in an entry, since it would not count there"
            ));
        }
    }

    fn text(&self, key: &str) -> Option<String> {
        match self.values.get(key)? {
            FrontValue::Text(s) => Some(s.clone()).filter(|s| !s.trim().is_empty()),
            FrontValue::List(_) => None,
        }
    }

    fn list(&self, key: &str) -> Vec<String> {
        match self.values.get(key) {
            Some(FrontValue::List(items)) => items.clone(),
            // `tags: a, b` or `tags = "a b"`: split on commas and spaces.
            Some(FrontValue::Text(s)) => s
                .split([',', ' '])
                .filter(|t| !t.trim().is_empty())
                .map(|t| t.trim().to_string())
                .collect(),
            None => Vec::new(),
        }
    }
}

/// A note read as an entry, with what import decided for it that its author should hear.
#[derive(Debug)]
struct Note {
    entry: Entry,
    warnings: Vec<NoteWarning>,
    /// Set for a file that was already a wol entry.
    verbatim: Option<Verbatim>,
}

/// What a warning says after the note's path, and what to do about it.
#[derive(Debug)]
struct NoteWarning {
    /// Said after the note's path: "is imported private: …".
    message: String,
    hint: &'static str,
}

impl NoteWarning {
    /// The note is imported private because `why` (its audience as written cannot be read).
    fn private(why: &str) -> NoteWarning {
        NoteWarning {
            message: format!("is imported private: {why}"),
            hint: "if it may be shared, set its `visibility` (and `to`) in the journal with: wol edit ID",
        }
    }
}

fn note_to_entry(
    text: &str,
    rel: &Path,
    defaults: &Defaults,
    fallback_date: impl FnOnce() -> Result<DateTime<FixedOffset>>,
) -> Result<Note> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // The note's path and its text: the same note imported again has the same id, and a
    // note at the same path in another folder is another note.
    let path_id = format!("md-{}", short_hash(&format!("{}\0{text}", rel_string(rel))));
    // Already a wol entry (e.g. from `wol export --format markdown`): keep it whole. Its
    // file name is its id (as `wol edit` keeps it when an entry moves), so an entry
    // exported from this journal and imported back is recognised. One with `Visibility`
    // or `TO` (a key unknown to the entry parser, kept aside) is read as a note instead,
    // so that what the key says counts.
    if let Ok(mut entry) = Entry::parse(
        text.as_bytes(),
        &crate::entry::Schema {
            kinds: &defaults.kinds,
            default_visibility: defaults.visibility,
        },
    ) && !entry.meta.extra.keys().any(|k| audience_key(k).is_some())
    {
        // Whether the top level says it (a `visibility` key in a table of the author's
        // own does not count).
        let sets_visibility =
            toml_front_matter(text).is_some_and(|front| front.contains_key("visibility"));
        let verbatim = Verbatim {
            text: text.to_string(),
            sets_id: entry.meta.id.is_some(),
            sets_visibility,
        };
        if entry.meta.id.is_none() {
            entry.meta.id = Some(crate::entry::file_id(rel));
        }
        if !verbatim.sets_visibility {
            entry.meta.visibility =
                crate::entry::unsaid_visibility(defaults.visibility, &entry.meta.to);
        }
        return Ok(Note {
            entry,
            warnings: Vec::new(),
            verbatim: Some(verbatim),
        });
    }
    let (front, body) = split_note(text)?;

    let mut body = body.to_string();
    let title = match front.text("title") {
        Some(t) => t,
        None => match take_first_heading(&mut body) {
            Some(t) => t,
            None => title_from_file_name(rel),
        },
    };
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let date = match front.text("date") {
        Some(d) => dates::parse(&d, &defaults.now)
            .with_context(|| format!("front matter `date = {d:?}`"))?,
        None => fallback_date()?,
    };
    let mut tags = Vec::new();
    if let Some(parent) = rel.parent() {
        for folder in parent.components() {
            push_tag(&mut tags, &folder.as_os_str().to_string_lossy());
        }
    }
    for tag in front.list("tags") {
        push_tag(&mut tags, &tag);
    }
    let mut warnings = Vec::new();
    // A kind the journal lacks cannot be kept (the entry would not parse); the one it
    // gets instead decides which partners with a `kinds` filter receive it, so say so.
    let kind = match front.text("kind") {
        None => defaults.kind("learning"),
        Some(said) => match defaults
            .kinds
            .iter()
            .find(|k| k.eq_ignore_ascii_case(said.trim()))
        {
            Some(kind) => kind.clone(),
            None => {
                let kind = defaults.kind("learning");
                warnings.push(NoteWarning {
                    message: format!(
                        "is imported as kind `{kind}`: its kind {said:?} is none of this journal's ({})",
                        defaults.kinds.join(", ")
                    ),
                    hint: "partners that take only some kinds go by the kind it has now; to keep its own, add it to `kinds` in wol.toml and change the entry with: wol edit ID",
                });
                kind
            }
        },
    };
    let (visibility, to) = note_audience(&front, defaults.visibility).unwrap_or_else(|why| {
        warnings.push(NoteWarning::private(&why));
        (Visibility::Private, Vec::new())
    });
    warnings.extend(front.dropped.iter().map(|message| NoteWarning {
        message: message.clone(),
        hint: "the note itself is unchanged; add what you need to the entry with: wol edit ID",
    }));
    let mut entry = Entry {
        meta: Meta {
            title,
            date,
            kind,
            tags,
            visibility,
            author: front
                .text("author")
                .unwrap_or_else(|| defaults.author.clone()),
            to,
            id: Some(front.text("id").unwrap_or(path_id)),
            extra: front.extra,
        },
        body: body_text(&body),
    };
    // The kept keys must never make the entry one the journal cannot read back.
    let schema = crate::entry::Schema {
        kinds: &defaults.kinds,
        default_visibility: Visibility::Private,
    };
    if !entry.meta.extra.is_empty()
        && let Err(e) = Entry::parse(entry.to_text().as_bytes(), &schema)
    {
        let keys: Vec<String> = entry.meta.extra.keys().map(|k| format!("`{k}`")).collect();
        warnings.push(NoteWarning {
            message: format!(
                "is imported without its front-matter keys {}: with them the entry would not read back ({e})",
                keys.join(", ")
            ),
            hint: "the note itself is unchanged; add what you need to the entry with: wol edit ID",
        });
        entry.meta.extra = toml::Table::new();
    }
    Ok(Note {
        entry,
        warnings,
        verbatim: None,
    })
}

/// Who a note is for: its `visibility` in any case (`Private`, `PUBLIC`), and its `to`
/// as wol's own entries hold it (a list of partner names), read from a list or from
/// names in one string. A note that does not say its visibility takes `default` (the
/// `--visibility` flag's), narrowed by its `to` (see [`crate::entry::unsaid_visibility`]). `Err` says
/// why what the note says cannot be read: the note is then imported private, never with
/// a wider default.
fn note_audience(front: &Front, default: Visibility) -> Result<(Visibility, Vec<String>), String> {
    if let Some(why) = front.unreadable_audience.first() {
        return Err(why.clone());
    }
    let to = note_to(front)?;
    let visibility = match front.values.get("visibility") {
        None => crate::entry::unsaid_visibility(default, &to),
        Some(FrontValue::Text(v)) => Visibility::parse_any_case(v)
            .ok_or_else(|| format!("its visibility {v:?} is none of public, partners, private"))?,
        Some(FrontValue::List(items)) if items.is_empty() => {
            return Err("its `visibility` has no value".to_string());
        }
        Some(FrontValue::List(items)) => {
            return Err(format!(
                "its visibility is a list ({}), not one of public, partners, private",
                items.join(", ")
            ));
        }
    };
    Ok((visibility, to))
}

/// The partners a note's `to` names (`to = ["a", "b"]`, `to: [a, b]`, `- a` lines, or
/// `to: a, b`), trimmed; empty when it has none. Every name must be one a partner can
/// have: anything else (an empty name, a YAML comment, quotes import did not take off)
/// means the list is not what the note's author wrote.
fn note_to(front: &Front) -> Result<Vec<String>, String> {
    let names: Vec<String> = front
        .list("to")
        .iter()
        .map(|n| n.trim().to_string())
        .collect();
    if let Some(bad) = names
        .iter()
        .find(|n| crate::remote::validate_name(&n.to_ascii_lowercase()).is_err())
    {
        return Err(format!("its `to` names {bad:?}, which is no partner name"));
    }
    Ok(names)
}

/// Split optional front matter (TOML between `+++`, YAML between `---`) from the body.
fn split_note(text: &str) -> Result<(Front, &str)> {
    let mut unclosed = Front::default();
    for (delim, toml_syntax) in [("+++", true), ("---", false)] {
        let Some(rest) = text
            .strip_prefix(delim)
            .and_then(|r| r.strip_prefix('\n').or_else(|| r.strip_prefix("\r\n")))
        else {
            continue;
        };
        let mut offset = 0;
        for line in rest.split_inclusive('\n') {
            if line.trim_end() == delim {
                let front = &rest[..offset];
                let body = &rest[offset + line.len()..];
                let front = if toml_syntax {
                    toml_front(front)?
                } else {
                    let mut read = yaml_front(front);
                    yaml_extra(front, &mut read);
                    read
                };
                return Ok((front, body));
            }
            offset += line.len();
        }
        // Not closed: not front matter after all (e.g. a `---` rule at the top). But one
        // that sets an audience was meant as front matter, and what it says is not read.
        if let Some(key) = rest.lines().find_map(|line| {
            let (key, _) = line.split_once([':', '='])?;
            audience_key(key)
        }) {
            unclosed.unreadable_audience.push(format!(
                "it sets `{key}` in front matter that no `{delim}` line closes"
            ));
        }
    }
    Ok((unclosed, text))
}

fn toml_front(text: &str) -> Result<Front> {
    let table: toml::Table = toml::from_str(text)
        .map_err(|e| anyhow::anyhow!("invalid TOML front matter: {}", e.message()))?;
    let mut front = Front::default();
    if let Some((key, table)) = crate::entry::misplaced_audience(&table) {
        front.unreadable_audience.push(format!(
            "its `{key}` is inside the table `[{table}]`, where it does not count (TOML puts every key after a `[table]` line into that table)"
        ));
    }
    for (key, value) in table {
        if front.own_key(&key) {
            front.extra.insert(key.clone(), value.clone());
        }
        let text_or_list = match &value {
            toml::Value::String(_) => true,
            toml::Value::Array(items) => items.iter().all(toml::Value::is_str),
            _ => false,
        };
        if audience_key(&key).is_some() && !text_or_list {
            front.unreadable_audience.push(format!(
                "its `{key} = {value}` is neither text nor a list of text"
            ));
        }
        let value = match value {
            toml::Value::String(s) => FrontValue::Text(s),
            toml::Value::Datetime(d) => FrontValue::Text(d.to_string()),
            toml::Value::Array(items) => FrontValue::List(
                items
                    .into_iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect(),
            ),
            other => FrontValue::Text(other.to_string()),
        };
        front.insert(key, value);
    }
    front.drop_nested_audience();
    Ok(front)
}

/// The keys import reads, from the YAML that TIL notes use: `key: value`, `key: [a, b]`,
/// and `key:` followed by `- item` lines. Anything else is not read here (the other keys
/// are kept by [`yaml_extra`]). What is not read must not change who sees the note, so
/// lines under `visibility` or `to` that are no item of its list, and an audience key
/// nested under another key, are noted as an audience import cannot read: this strict
/// reading, not a full YAML parse, decides the note's audience.
fn yaml_front(text: &str) -> Front {
    let mut front = Front::default();
    let mut current_list: Option<String> = None;
    // The last top-level key: the one the indented lines that follow belong to.
    let mut parent: Option<String> = None;
    for line in text.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let item = line.trim_start().strip_prefix("- ");
        if item.is_none() && !line.starts_with([' ', '\t']) {
            current_list = None;
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = audience_key(key).map_or_else(|| key.trim().to_string(), String::from);
            let value = value.trim();
            parent = Some(key.clone());
            if value.is_empty() {
                front.insert(key.clone(), FrontValue::List(Vec::new()));
                current_list = Some(key);
            } else if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
                // `[a, b, ]` and `[]` hold no empty item; `[""]` does.
                let items = inner
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(yaml_scalar)
                    .collect();
                front.insert(key, FrontValue::List(items));
            } else {
                front.insert(key, FrontValue::Text(yaml_scalar(value)));
            }
            continue;
        }
        // A line under `parent`: an item of its list, or something import does not read
        // (a nested map, a value carried on to the next line).
        let in_list = match (item, &current_list) {
            (Some(item), Some(key)) => match front.values.get_mut(key) {
                Some(FrontValue::List(items)) => {
                    items.push(yaml_scalar(item));
                    true
                }
                _ => false,
            },
            (Some(_), None) => false,
            (None, _) => {
                current_list = None;
                false
            }
        };
        match parent.as_deref() {
            Some(key @ ("visibility" | "to")) => {
                if !in_list {
                    front.unreadable_audience.push(format!(
                        "its `{key}` goes on over lines import does not read: {:?}",
                        line.trim()
                    ));
                }
            }
            parent => {
                if let Some(key) = nested_audience(item.unwrap_or(line)) {
                    let under = parent.map(|p| format!(" under `{p}`")).unwrap_or_default();
                    front.unreadable_audience.push(format!(
                        "its `{key}` is indented{under}, where it does not count"
                    ));
                }
            }
        }
    }
    front
}

/// Keep the keys of the YAML front matter `text` that import does not read (see
/// [`Front::own_key`]), their values converted to TOML: text, numbers, booleans, lists and
/// maps as they are; what TOML cannot hold (a null) is left out with a warning. The
/// keys import reads come from [`yaml_front`], whose stricter reading decides the note's
/// audience; this full YAML parse only adds what would otherwise be lost.
fn yaml_extra(text: &str, front: &mut Front) {
    let doc = match load_yaml(text) {
        Ok(doc) => doc,
        Err(why) => {
            let keys: Vec<String> = front
                .values
                .keys()
                .filter(|k| !WOL_KEYS.contains(&k.as_str()))
                .map(|k| format!("`{k}`"))
                .collect();
            if !keys.is_empty() {
                front.dropped.push(format!(
                    "is imported without its front-matter keys {}: {why}",
                    keys.join(", ")
                ));
            }
            return;
        }
    };
    // Front matter that is no map (empty, or one scalar) has no keys to keep.
    let Some(Yaml::Hash(map)) = doc else { return };
    for (key, value) in map {
        let Some(key) = yaml_key(&key) else {
            front.dropped.push(format!(
                "is imported without its front-matter key {key:?}: a key TOML can hold is text"
            ));
            continue;
        };
        if !front.own_key(&key) {
            continue;
        }
        let mut dropped = Vec::new();
        if let Some(value) = yaml_to_toml(value, &key, &mut dropped) {
            front.extra.insert(key, value);
        }
        front.dropped.extend(dropped);
    }
    front.drop_nested_audience();
}

/// The first document of the YAML `text` (`None` when it has none), or why it cannot be
/// read: it is not valid YAML, or it uses aliases (`*name`), which wol does not expand:
/// a few lines of them can stand for more copies than memory holds.
fn load_yaml(text: &str) -> Result<Option<Yaml>, String> {
    struct Aliases(bool);
    impl yaml_rust2::parser::EventReceiver for Aliases {
        fn on_event(&mut self, event: yaml_rust2::Event) {
            self.0 |= matches!(event, yaml_rust2::Event::Alias(_));
        }
    }
    let mut aliases = Aliases(false);
    yaml_rust2::parser::Parser::new_from_str(text)
        .load(&mut aliases, true)
        .map_err(|e| format!("its front matter is not YAML wol can read ({e})"))?;
    if aliases.0 {
        return Err(
            "its front matter uses YAML aliases (`*name`), which wol does not expand".into(),
        );
    }
    let docs = yaml_rust2::YamlLoader::load_from_str(text)
        .map_err(|e| format!("its front matter is not YAML wol can read ({e})"))?;
    Ok(docs.into_iter().next())
}

/// A YAML map key as a TOML key: text, or a number or boolean as it is written.
fn yaml_key(key: &Yaml) -> Option<String> {
    match key {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `value` (the YAML at `path`, such as `links.home`) as TOML. `None` when TOML cannot
/// hold it, with the warning pushed to `dropped`; a map keeps its other keys.
fn yaml_to_toml(value: Yaml, path: &str, dropped: &mut Vec<String>) -> Option<toml::Value> {
    let why = match value {
        Yaml::String(s) => return Some(toml::Value::String(s)),
        Yaml::Integer(i) => return Some(toml::Value::Integer(i)),
        Yaml::Boolean(b) => return Some(toml::Value::Boolean(b)),
        Yaml::Real(ref text) => match value.as_f64() {
            Some(f) => return Some(toml::Value::Float(f)),
            None => format!("the number {text} cannot be read"),
        },
        Yaml::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let mut inner = Vec::new();
                match yaml_to_toml(item, &format!("{path}[{i}]"), &mut inner) {
                    Some(v) if inner.is_empty() => out.push(v),
                    // A list without one of its items would say something else.
                    _ => {
                        let why = inner.join("; ");
                        dropped.push(format!(
                            "is imported without its `{path}`: item {} of the list: {}",
                            i + 1,
                            why.split_once(": ").map_or(why.as_str(), |(_, w)| w)
                        ));
                        return None;
                    }
                }
            }
            return Some(toml::Value::Array(out));
        }
        Yaml::Hash(map) => {
            let mut table = toml::Table::new();
            for (key, value) in map {
                match yaml_key(&key) {
                    Some(key) => {
                        if let Some(v) = yaml_to_toml(value, &format!("{path}.{key}"), dropped) {
                            table.insert(key, v);
                        }
                    }
                    None => dropped.push(format!(
                        "is imported without its `{path}.{key:?}`: a key TOML can hold is text"
                    )),
                }
            }
            return Some(toml::Value::Table(table));
        }
        Yaml::Null => "it is null (no value), which TOML cannot hold".to_string(),
        Yaml::Alias(_) | Yaml::BadValue => "its value cannot be read".to_string(),
    };
    dropped.push(format!("is imported without its `{path}`: {why}"));
    None
}

/// The audience key a YAML line nested under another key sets in wol's form
/// (`visibility: private`, `to: [gig]`, or `to:` opening a list), as entry parsing
/// refuses one in a TOML table; a key of the author's own (`to: Berlin`) is left alone.
fn nested_audience(line: &str) -> Option<&'static str> {
    let (key, value) = line.split_once(':')?;
    let value = value.trim();
    match audience_key(key)? {
        "visibility" => Visibility::parse_any_case(&yaml_scalar(value))
            .is_some()
            .then_some("visibility"),
        key => (value.is_empty() || value.starts_with('[')).then_some(key),
    }
}

fn yaml_scalar(text: &str) -> String {
    let t = text.trim();
    for q in ['"', '\''] {
        if let Some(inner) = t.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    t.to_string()
}

/// Remove the first `# heading` line (outside code fences) and return its text.
fn take_first_heading(body: &mut String) -> Option<String> {
    let mut offset = 0;
    let mut in_fence = false;
    for line in body.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
        } else if !in_fence && let Some(title) = line.trim_end().strip_prefix("# ") {
            let title = title.trim().trim_end_matches('#').trim().to_string();
            if !title.is_empty() {
                let end = offset + line.len();
                body.replace_range(offset..end, "");
                return Some(title);
            }
        }
        offset += line.len();
    }
    None
}

fn title_from_file_name(rel: &Path) -> String {
    let stem = rel
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let words = stem.replace(['-', '_'], " ");
    let words = words.trim();
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Untitled".to_string(),
    }
}

/// The date of the last commit that touched each file, when the folder is in a git
/// repository: one walk over the history, newest first, stopping when every file is found.
struct GitDates {
    /// By path relative to the imported folder.
    dates: BTreeMap<PathBuf, DateTime<FixedOffset>>,
}

impl GitDates {
    fn for_files(dir: &Path, files: &[PathBuf]) -> GitDates {
        let mut dates = BTreeMap::new();
        if let Some(found) = Self::walk(dir, files) {
            dates = found;
        }
        GitDates { dates }
    }

    fn get(&self, rel: &Path) -> Option<DateTime<FixedOffset>> {
        self.dates.get(rel).copied()
    }

    fn walk(dir: &Path, files: &[PathBuf]) -> Option<BTreeMap<PathBuf, DateTime<FixedOffset>>> {
        let repo = git2::Repository::discover(dir).ok()?;
        let workdir = repo.workdir()?.canonicalize().ok()?;
        let prefix = dir
            .canonicalize()
            .ok()?
            .strip_prefix(&workdir)
            .ok()?
            .to_path_buf();
        // Repository path → path relative to `dir`, for the files still without a date.
        let mut wanted: BTreeMap<PathBuf, PathBuf> = files
            .iter()
            .map(|rel| (prefix.join(rel), rel.clone()))
            .collect();
        let mut out = BTreeMap::new();
        let mut walk = repo.revwalk().ok()?;
        walk.push_head().ok()?;
        walk.set_sorting(git2::Sort::TIME).ok()?;
        for oid in walk.filter_map(|o| o.ok()) {
            if wanted.is_empty() {
                break;
            }
            let Ok(commit) = repo.find_commit(oid) else {
                continue;
            };
            let Ok(tree) = commit.tree() else { continue };
            let parent_tree = commit.parent(0).ok().and_then(|p| p.tree().ok());
            let Ok(diff) = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), None) else {
                continue;
            };
            let time = commit.author().when();
            let Some(offset) = FixedOffset::east_opt(time.offset_minutes() * 60) else {
                continue;
            };
            let Some(date) = offset.timestamp_opt(time.seconds(), 0).single() else {
                continue;
            };
            for delta in diff.deltas() {
                if let Some(path) = delta.new_file().path()
                    && let Some(rel) = wanted.remove(path)
                {
                    out.insert(rel, date);
                }
            }
        }
        Some(out)
    }
}

// ---------------------------------------------------------------------------------------
// Planning and writing

/// What an import will do: the new entries with the paths they get, and those skipped.
#[derive(Debug, Default)]
pub struct ImportPlan {
    /// (path relative to the journal, entry).
    pub new: Vec<(String, ImportedEntry)>,
    /// Already in the journal (same id).
    pub skipped: Vec<Skipped>,
}

/// An imported entry whose id the journal already has.
#[derive(Debug)]
pub struct Skipped {
    pub item: ImportedEntry,
    /// The journal's entry of that id (relative path) when its title, date or body
    /// differ from the imported one's: the imported text is not in the journal, and the
    /// person must hear so.
    pub differs: Option<String>,
}

/// What the plan knows of an entry in the journal.
struct Known {
    title: String,
    date: DateTime<FixedOffset>,
    body: u64,
    rel: String,
}

impl Known {
    /// Whether `item` says what this entry says: its title, date and body (its links to
    /// its attachments pointing at this entry's folder, as import would have made them).
    fn same(&self, item: &ImportedEntry) -> bool {
        let body = match &item.stem {
            Some(stem) if !item.attachments.is_empty() => {
                let here = crate::entry::file_id(Path::new(&self.rel));
                crate::attach::relink(&item.entry.body, stem, &here)
            }
            _ => item.entry.body.clone(),
        };
        self.title == item.entry.meta.title
            && self.date == item.entry.meta.date
            && self.body == hash_of(&body)
    }
}

fn hash_of(text: &str) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// Where an entry file named `stem` would be if `wol log` had named it: the month
/// folder of the date its name starts with (`YYYY-MM-DD-HHMM-…`). `None` for a name of
/// another form (`md-…`, `jrnl-…`, `notes`).
fn path_named(journal: &Journal, stem: &str) -> Option<PathBuf> {
    let b = stem.as_bytes();
    let form = b.len() > 16
        && b[..16].iter().enumerate().all(|(i, c)| match i {
            4 | 7 | 10 | 15 => *c == b'-',
            _ => c.is_ascii_digit(),
        });
    if !form {
        return None;
    }
    let year: i32 = stem[..4].parse().ok()?;
    let month: u32 = stem[5..7].parse().ok()?;
    Some(journal.month_dir(year, month).join(format!("{stem}.md")))
}

/// Decide which imported entries are new, and where each goes. Reads every entry once for
/// its id: an import is rare and must not duplicate, so O(n) is the right trade here.
///
/// An entry is skipped only when the journal already holds its id (its `id` key, or its
/// file name); one whose text differs from the journal's says so in [`Skipped::differs`].
/// Entries of the same import are never skipped for one another: two of one id (a moved
/// entry's old name that a later entry got as its file name) both come in. A file that
/// was already a wol entry keeps its file name when that is free and where `wol log`
/// would put it; any other gets a new name, never one an entry (of the journal or of the
/// import) has as its `id`.
pub fn plan(journal: &Journal, imported: Vec<ImportedEntry>) -> ImportPlan {
    // Each id with the entries that answer to it (a moved entry's old name may be
    // another entry's file name).
    let mut known: HashMap<String, Vec<Known>> = HashMap::new();
    // Names the journal's entries have as their `id` (a moved entry keeps its old name):
    // a new entry named so would answer to it too.
    let mut taken: HashSet<PathBuf> = HashSet::new();
    for path in journal.entry_files(None) {
        if let Ok(entry) = journal.load(&path) {
            let seen = || Known {
                title: entry.meta.title.clone(),
                date: entry.meta.date,
                body: hash_of(&entry.body),
                rel: journal.rel(&path),
            };
            known
                .entry(crate::entry::file_id(&path))
                .or_default()
                .push(seen());
            if let Some(id) = &entry.meta.id {
                taken.extend(path_named(journal, id));
                known.entry(id.clone()).or_default().push(seen());
            }
        }
    }
    let mut plan = ImportPlan::default();
    let mut coming = Vec::with_capacity(imported.len());
    for item in imported {
        if let Some(ks) = known.get(item.id()) {
            // Said to differ from the entry named by the id, else the first.
            let differs = (!ks.iter().any(|k| k.same(&item))).then(|| {
                ks.iter()
                    .find(|k| crate::entry::file_id(Path::new(&k.rel)) == item.id())
                    .unwrap_or(&ks[0])
                    .rel
                    .clone()
            });
            plan.skipped.push(Skipped { item, differs });
            continue;
        }
        let legacy = item
            .legacy_id
            .as_ref()
            .and_then(|l| known.get(l))
            .is_some_and(|ks| {
                ks.iter()
                    .any(|k| k.title == item.entry.meta.title && k.date == item.entry.meta.date)
            });
        if legacy {
            plan.skipped.push(Skipped {
                item,
                differs: None,
            });
            continue;
        }
        coming.push(item);
    }
    let free = |path: &PathBuf, taken: &HashSet<PathBuf>| {
        !taken.contains(path) && !path.exists() && !path.with_extension("").exists()
    };
    // A wol entry keeps its own name first, as it is known by it.
    let mut paths: Vec<Option<PathBuf>> = Vec::with_capacity(coming.len());
    for item in &coming {
        let own = item
            .verbatim
            .as_ref()
            .and(item.stem.as_ref())
            .map(|stem| {
                let date = &item.entry.meta.date;
                journal
                    .month_dir(date.year(), date.month())
                    .join(format!("{stem}.md"))
            })
            .filter(|path| {
                journal.placed_for(path, &item.entry.meta.date)
                    && free(path, &taken)
                    && !known.contains_key(&crate::entry::file_id(path))
            });
        if let Some(path) = &own {
            taken.insert(path.clone());
        }
        paths.push(own);
    }
    // The ids the import brings are no new names either.
    for item in &coming {
        taken.extend(path_named(journal, item.id()));
    }
    for (item, path) in coming.into_iter().zip(paths) {
        let path = path.unwrap_or_else(|| {
            // The ids are all in `taken`: no month needs reading again.
            let path =
                journal.new_entry_path_among(&item.entry.meta.date, &item.entry.meta.title, |p| {
                    taken.contains(p)
                });
            taken.insert(path.clone());
            path
        });
        plan.new.push((journal.rel(&path), item));
    }
    plan.new.sort_by_key(|(_, c)| c.entry.meta.date);
    plan
}

/// Write the planned entries and commit them in one commit.
pub fn apply(writer: &crate::journal::Writer<'_>, plan: &ImportPlan, message: &str) -> Result<()> {
    if plan.new.is_empty() {
        return Ok(());
    }
    let changes: Vec<Change> = plan
        .new
        .iter()
        .flat_map(|(path, c)| c.changes(path))
        .collect();
    writer.commit_all_or_nothing(&changes, message)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            now: DateTime::parse_from_rfc3339("2026-11-22T14:32:05+01:00").unwrap(),
            author: "Me".into(),
            visibility: Visibility::Private,
            kinds: crate::config::DEFAULT_KINDS.map(String::from).to_vec(),
            attachment_max: crate::attach::DEFAULT_MAX,
        }
    }

    #[test]
    fn yaml_front_matter_subset() {
        let (front, body) = split_note(
            "---\ntitle: \"A: b\"\ndate: 2024-03-05\ntags:\n  - git\n  - 'rebase'\n---\nBody\n",
        )
        .unwrap();
        assert_eq!(front.text("title").as_deref(), Some("A: b"));
        assert_eq!(front.text("date").as_deref(), Some("2024-03-05"));
        assert_eq!(front.list("tags"), ["git", "rebase"]);
        assert_eq!(body, "Body\n");
    }

    /// The entry's `extra` and the warnings of `note` imported.
    fn kept(note: &str) -> (toml::Table, Vec<String>) {
        let note =
            note_to_entry(note, Path::new("n.md"), &defaults(), || Ok(defaults().now)).unwrap();
        let warnings = note.warnings.into_iter().map(|w| w.message).collect();
        (note.entry.meta.extra, warnings)
    }

    #[test]
    fn a_note_s_own_keys_are_kept_as_toml_and_what_toml_cannot_hold_is_said() {
        let (extra, warnings) = kept(
            "---\ntitle: T\nsource: https://example.org/a#b\naliases: [one, \"two, three\"]\n\
             description: >\n  Folded\n  text.\nweight: 3\nratio: 0.5\ndraft: false\n\
             quoted: '007'\nlinks:\n  home: https://example.org\n  gone: ~\n\
             empty:\nTitle: Other\nmixed: [a, null]\n2024: year\n---\nBody\n",
        );
        let want: toml::Table = toml::from_str(
            r#"
            source = "https://example.org/a#b"
            aliases = ["one", "two, three"]
            description = "Folded text.\n"
            weight = 3
            ratio = 0.5
            draft = false
            quoted = "007"
            2024 = "year"
            [links]
            home = "https://example.org"
            "#,
        )
        .unwrap();
        assert_eq!(extra, want);
        assert_eq!(
            warnings,
            [
                "is imported without its `links.gone`: it is null (no value), which TOML cannot hold",
                "is imported without its `empty`: it is null (no value), which TOML cannot hold",
                "is imported without its `Title`: it would clash with wol's own `title`",
                "is imported without its `mixed`: item 2 of the list: it is null (no value), which TOML cannot hold",
            ]
        );
        // TOML front matter keeps its values as they are.
        let (extra, warnings) =
            kept("+++\ntitle = \"Zola\"\ndescription = \"Summary\"\n[extra]\nweight = 2\n+++\n");
        assert_eq!(
            extra,
            toml::from_str("description = \"Summary\"\nextra = { weight = 2 }").unwrap()
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn kept_keys_never_change_the_audience_nor_make_the_entry_unreadable() {
        // An audience nested in a key: the note is private (as before), and the key,
        // which the entry parser would refuse, is not kept.
        for note in [
            "---\nparams:\n  visibility: public\nsource: s\n---\n",
            "+++\nsource = \"s\"\n[params]\nto = [\"gig\"]\n+++\n",
        ] {
            let (extra, warnings) = kept(note);
            assert_eq!(extra, toml::from_str("source = \"s\"").unwrap(), "{note}");
            assert!(
                warnings.iter().any(|w| w.contains("imported private"))
                    && warnings.iter().any(|w| w.contains("without its `params`")),
                "{note}: {warnings:?}"
            );
        }
        // A key of the author's own under another key stays, as entry parsing keeps it.
        let (extra, warnings) = kept("---\ntrip:\n  to: Berlin\n---\n");
        assert_eq!(extra, toml::from_str("trip = { to = \"Berlin\" }").unwrap());
        assert!(warnings.is_empty(), "{warnings:?}");
        // YAML the full parser cannot read (or aliases it would have to copy) keeps
        // nothing, saying which keys.
        for (note, why) in [
            ("---\nsource: [a\nother: b\n---\n", "not YAML wol can read"),
            ("---\nbase: &b [x]\nother: *b\n---\n", "aliases"),
        ] {
            let (extra, warnings) = kept(note);
            assert!(extra.is_empty(), "{note}: {extra:?}");
            assert!(
                warnings.len() == 1 && warnings[0].contains(why) && warnings[0].contains("`other`"),
                "{note}: {warnings:?}"
            );
        }
    }

    #[test]
    fn a_wol_entry_comes_in_as_written_with_only_what_the_journal_needs() {
        let text = "+++\ntitle = 'T' # mine\ndate = 2026-11-20T10:00:00+01:00\nkind = \"progress\"\n\n\
                    [links]\nvisibility = \"foggy\"\n+++\n\nSee [a](2026-11-20-1000-t/a.txt).\n";
        let note = note_to_entry(
            text,
            Path::new("entries/2026/11/2026-11-20-1000-t.md"),
            &defaults(),
            || Ok(defaults().now),
        )
        .unwrap();
        let mut item = ImportedEntry::new("n".into(), note.entry);
        item.verbatim = note.verbatim;
        item.stem = Some("2026-11-20-1000-t".into());
        // Its visibility is said (a `visibility` in a table of its own is not one), the
        // rest is as written.
        let with_visibility = text.replace("\n[links]", "\nvisibility = \"private\"\n[links]");
        assert_eq!(
            item.file_text("entries/2026/11/2026-11-20-1000-t.md"),
            with_visibility
        );
        // Under another name: its old name is its id; links follow its attachments.
        item.attachments = vec![crate::attach::Attachment {
            name: "a.txt".into(),
            content: b"a".to_vec(),
        }];
        assert_eq!(
            item.file_text("entries/2026/11/2026-11-20-1000-t-2.md"),
            with_visibility
                .replace(
                    "\nvisibility = \"private\"",
                    "\nid = \"2026-11-20-1000-t\"\nvisibility = \"private\""
                )
                .replace("](2026-11-20-1000-t/", "](2026-11-20-1000-t-2/")
        );
    }

    #[test]
    fn heading_becomes_title_and_leaves_the_body() {
        let entry = note_to_entry(
            "# Closures capture\n\nBy reference.\n",
            Path::new("rust/closures.md"),
            &defaults(),
            || Ok(defaults().now),
        )
        .unwrap()
        .entry;
        assert_eq!(entry.meta.title, "Closures capture");
        assert_eq!(entry.body, "By reference.\n");
        assert_eq!(entry.meta.tags, ["rust"]);
        assert_eq!(entry.meta.kind, "learning");
        assert!(entry.meta.id.unwrap().starts_with("md-"));
    }

    /// The visibility and warnings of `note` imported with the default `public`.
    fn imported_public(note: &str) -> (Visibility, Vec<String>) {
        let (visibility, _, warnings) = audience_of(note, Visibility::Public);
        (visibility, warnings)
    }

    /// The visibility, `to` and warnings of `note` imported with the default `default`.
    fn audience_of(note: &str, default: Visibility) -> (Visibility, Vec<String>, Vec<String>) {
        let defaults = Defaults {
            visibility: default,
            ..defaults()
        };
        let note =
            note_to_entry(note, Path::new("note.md"), &defaults, || Ok(defaults.now)).unwrap();
        let warnings = note.warnings.into_iter().map(|w| w.message).collect();
        (note.entry.meta.visibility, note.entry.meta.to, warnings)
    }

    #[test]
    fn to_is_carried_over_in_every_form_and_one_that_cannot_be_read_makes_the_note_private() {
        let partners = |note: &str| audience_of(note, Visibility::Public);
        for (note, to) in [
            (
                "---\nvisibility: partners\nto: [other, Gig]\n---\n",
                &["other", "Gig"][..],
            ),
            (
                "---\nvisibility: partners\nto:\n  - other\n  - 'gig'\n---\n",
                &["other", "gig"],
            ),
            ("---\nvisibility: partners\nto:\n- other\n---\n", &["other"]),
            ("---\nvisibility: partners\nto: other\n---\n", &["other"]),
            (
                "---\nvisibility: partners\nto: \"other, gig\"\n---\n",
                &["other", "gig"],
            ),
            (
                "+++\nvisibility = \"partners\"\nto = [\" other\"]\n+++\n",
                &["other"],
            ),
            (
                "+++\nvisibility = \"partners\"\nto = \"other\"\n+++\n",
                &["other"],
            ),
            // An empty `to` is every partner, as in wol's own entries.
            ("---\nvisibility: partners\nto: []\n---\n", &[]),
        ] {
            let want: Vec<String> = to.iter().map(|s| s.to_string()).collect();
            assert_eq!(
                partners(note),
                (Visibility::Partners, want, vec![]),
                "{note}"
            );
        }
        // A note that names partners but not its visibility is for them only: the
        // default `public` would send it to every partner.
        assert_eq!(
            partners("---\nto: [other]\n---\n"),
            (Visibility::Partners, vec!["other".into()], vec![])
        );
        assert_eq!(
            audience_of("---\nto: [other]\n---\n", Visibility::Private).0,
            Visibility::Private
        );
        for (note, why) in [
            (
                "+++\nvisibility = \"partners\"\nto = [1]\n+++\n",
                "`to = [1]` is neither",
            ),
            (
                "+++\nvisibility = \"partners\"\nto = [\"\"]\n+++\n",
                "names \"\"",
            ),
            ("---\nvisibility: partners\nto: [\"\"]\n---\n", "names \"\""),
            ("---\nvisibility: partners\nto:\n  - \n---\n", "names \"\""),
            (
                "---\nvisibility: partners\nto:\n  other\n---\n",
                "goes on over lines",
            ),
            (
                "---\nvisibility: partners\nto: [other,\n  gig]\n---\n",
                "goes on over lines",
            ),
            (
                "---\nvisibility: partners\nto: other\n- gig\n---\n",
                "goes on over lines",
            ),
            (
                "---\nvisibility: partners\nto: other # not gig\n---\n",
                "names \"#\"",
            ),
            ("---\nto: other # not gig\n---\n", "names \"#\""),
        ] {
            let (visibility, to, warnings) = partners(note);
            assert_eq!((visibility, to), (Visibility::Private, vec![]), "{note}");
            assert!(
                warnings.len() == 1 && warnings[0].contains(why),
                "{note}: {warnings:?}"
            );
        }
    }

    #[test]
    fn visibility_is_read_in_any_case_and_a_value_it_is_not_makes_the_note_private() {
        for (front, said) in [
            ("---\nvisibility: Private\n---\n", Visibility::Private),
            ("---\nvisibility: ' PARTNERS '\n---\n", Visibility::Partners),
            ("+++\nvisibility = \"PRIVATE\"\n+++\n", Visibility::Private),
            ("+++\nvisibility = \"Public\"\n+++\n", Visibility::Public),
        ] {
            assert_eq!(imported_public(front), (said, vec![]), "{front}");
        }
        for (front, why) in [
            ("---\nvisibility: secret\n---\n", "\"secret\" is none of"),
            ("---\nvisibility:\n---\n", "has no value"),
            ("+++\nvisibility = \"\"\n+++\n", "\"\" is none of"),
            (
                "+++\nvisibility = false\n+++\n",
                "`visibility = false` is neither",
            ),
            ("---\nvisibility: [private]\n---\n", "is a list (private)"),
        ] {
            let (visibility, warnings) = imported_public(front);
            assert_eq!(visibility, Visibility::Private, "{front}");
            assert!(
                warnings.len() == 1 && warnings[0].contains(why),
                "{front}: {warnings:?}"
            );
        }
        // Saying nothing takes the default, as before.
        assert_eq!(
            imported_public("---\ntitle: t\n---\n"),
            (Visibility::Public, vec![])
        );
    }

    #[test]
    fn an_audience_written_where_import_does_not_read_it_makes_the_note_private() {
        let public = |note: &str| audience_of(note, Visibility::Public);
        // A key in another case counts.
        assert_eq!(
            public("---\nVisibility: Private\n---\n"),
            (Visibility::Private, vec![], vec![])
        );
        assert_eq!(
            public("+++\nVISIBILITY = \"partners\"\nTo = [\"other\"]\n+++\n"),
            (Visibility::Partners, vec!["other".into()], vec![])
        );
        // So does one in a wol entry that could otherwise be taken whole.
        assert_eq!(
            public("+++\ntitle = \"T\"\ndate = 2026-11-20T10:00:00+01:00\nkind = \"progress\"\nVisibility = \"private\"\n+++\n").0,
            Visibility::Private
        );
        for (note, why) in [
            (
                "---\nvisibility: public\nVisibility: private\n---\n",
                "gives `visibility` twice",
            ),
            (
                "---\nvisibility: partners\nto: [gig]\nto: [other]\n---\n",
                "gives `to` twice",
            ),
            (
                "+++\nvisibility = \"public\"\nVisibility = \"private\"\n+++\n",
                "gives `visibility` twice",
            ),
            (
                "+++\ntitle = \"t\"\n[source]\nurl = \"x\"\nvisibility = \"private\"\n+++\n",
                "`visibility` is inside the table `[source]`",
            ),
            (
                "---\nparams:\n  visibility: Private\n---\n",
                "`visibility` is indented under `params`",
            ),
            (
                "---\nlinks:\n  - to: [gig]\n---\n",
                "`to` is indented under `links`",
            ),
            (
                "---\nvisibility: private\ntitle: t\n\nbody\n",
                "no `---` line closes",
            ),
            (
                "+++\nvisibility = \"private\"\n\nbody\n",
                "no `+++` line closes",
            ),
        ] {
            let (visibility, _, warnings) = public(note);
            assert_eq!(visibility, Visibility::Private, "{note}");
            // (The table that holds the audience is not kept either: see
            // kept_keys_never_change_the_audience_nor_make_the_entry_unreadable.)
            let audience: Vec<&String> = warnings
                .iter()
                .filter(|w| !w.starts_with("is imported without"))
                .collect();
            assert!(
                audience.len() == 1 && audience[0].contains(why),
                "{note}: {warnings:?}"
            );
        }
        // A key of the author's own under another key is left alone, as entry parsing
        // leaves `[trip] to = "Berlin"`.
        assert_eq!(
            public("---\ntrip:\n  to: Berlin\n  visibility: foggy\n---\n"),
            (Visibility::Public, vec![], vec![])
        );
    }

    #[test]
    fn a_kind_the_journal_lacks_is_replaced_with_a_warning() {
        let kind_of = |note: &str| {
            let note =
                note_to_entry(note, Path::new("n.md"), &defaults(), || Ok(defaults().now)).unwrap();
            let warnings: Vec<String> = note.warnings.into_iter().map(|w| w.message).collect();
            (note.entry.meta.kind, warnings)
        };
        assert_eq!(
            kind_of("---\nkind: Decision \n---\n"),
            ("decision".into(), vec![])
        );
        assert_eq!(
            kind_of("---\nkind: meeting\n---\n"),
            (
                "learning".into(),
                vec![
                    "is imported as kind `learning`: its kind \"meeting\" is none of this journal's (progress, learning, help, decision, credit)".into()
                ]
            )
        );
    }

    #[test]
    fn folder_names_become_tags_wol_takes() {
        let mut tags = Vec::new();
        for t in ["Rust Notes", "rust-notes", "#git", "@home", "a/b?", "  "] {
            push_tag(&mut tags, t);
        }
        assert_eq!(tags, ["Rust-Notes", "git", "home"]);
    }

    #[test]
    fn file_name_is_the_last_resort_title() {
        assert_eq!(
            title_from_file_name(Path::new("a/set-euo_pipefail.md")),
            "Set euo pipefail"
        );
    }
}
