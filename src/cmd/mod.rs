//! One module per subcommand: parse → call the domain → print. `run` dispatches.

pub mod completions;
pub mod digest;
pub mod doctor;
pub mod edit;
pub mod export;
pub mod feed;
pub mod follow;
pub mod gc;
pub mod import;
pub mod init;
pub mod list;
pub mod log;
pub mod man;
pub mod partner;
pub mod publish;
pub mod pull;
pub mod rm;
pub mod search;
pub mod show;
pub mod sync;

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use chrono::{DateTime, FixedOffset};
use clap::Args;
use git2::{Repository, Signature};
use serde::Serialize;

use crate::cli::{Cli, ColorChoice, Command, GlobalArgs};
use crate::config::{JournalConfig, UserConfig};
use crate::dates;
use crate::entry::{Entry, Visibility};
use crate::filter::Filter;
use crate::identity;
use crate::journal::{self, Found, Journal};

/// What every command gets: the global flags, the clock, the user config.
pub struct Ctx {
    pub global: GlobalArgs,
    pub now: DateTime<FixedOffset>,
    pub user: UserConfig,
    pub cwd: PathBuf,
}

/// Run a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    crate::diag::set_quiet(cli.global.quiet);
    crate::diag::set_level(crate::diag::level_from(
        cli.global.verbose,
        std::env::var("WOL_LOG").ok().as_deref(),
        std::env::var_os("WOL_TIMINGS").is_some(),
    ));
    // Every coloured stream (see [`Ctx::stdout`]) follows --color; `auto` leaves the
    // decision to anstream: a terminal, NO_COLOR, CLICOLOR_FORCE, TERM=dumb.
    anstream::ColorChoice::write_global(match cli.global.color {
        ColorChoice::Auto => anstream::ColorChoice::Auto,
        ColorChoice::Always => anstream::ColorChoice::Always,
        ColorChoice::Never => anstream::ColorChoice::Never,
    });
    // `wol doctor` reports a broken user config instead of failing on it.
    let user = match UserConfig::load() {
        Err(_) if matches!(cli.command, Command::Doctor(_)) => UserConfig::default(),
        loaded => loaded?,
    };
    let ctx = Ctx {
        now: dates::now()?,
        user,
        cwd: std::env::current_dir().context("cannot read the current directory")?,
        global: cli.global,
    };
    let started = std::time::Instant::now();
    let result = match cli.command {
        Command::Init(args) => init::run(&ctx, args),
        Command::Log(args) => log::run(&ctx, args),
        Command::List(args) => list::run(&ctx, args),
        Command::Show(args) => show::run(&ctx, args),
        Command::Search(args) => search::run(&ctx, args),
        Command::Edit(args) => edit::run(&ctx, args),
        Command::Rm(args) => rm::run(&ctx, args),
        Command::Digest(args) => digest::run(&ctx, args),
        Command::Import(args) => import::run(&ctx, args),
        Command::Export(args) => export::run(&ctx, args),
        Command::Doctor(args) => doctor::run(&ctx, args),
        Command::Gc(args) => gc::run(&ctx, args),
        Command::Completions(args) => completions::run(&ctx, args),
        Command::Man(args) => man::run(&ctx, args),
        Command::Partner(args) => partner::run(&ctx, args),
        Command::Publish(args) => publish::run(&ctx, args),
        Command::Follow(args) => follow::run(&ctx, args),
        Command::Pull(args) => pull::run(&ctx, args),
        Command::Sync(args) => sync::run(&ctx, args),
        Command::Feed(args) => feed::run(&ctx, args),
    };
    crate::diag::debug(format_args!(
        "{} after {:?}",
        if result.is_ok() { "done" } else { "failed" },
        started.elapsed()
    ));
    result
}

impl Ctx {
    /// Find and open the journal; never creates one. When the default journal (or the one
    /// the user config names) does not exist yet, says so and how to start one.
    pub fn journal(&self) -> Result<Journal> {
        let (root, found) = journal::locate(self.global.journal.as_deref(), &self.cwd, &self.user)?;
        if matches!(found, Found::Default | Found::UserConfig)
            && !root.join(journal::CONFIG_FILE).exists()
        {
            return Err(crate::error::hinted(
                format!("there is no journal yet (looked for {})", root.display()),
                format!(
                    "start one with: wol log \"what you did\" (it creates {}), or: wol init DIR",
                    root.display()
                ),
            ));
        }
        Journal::open(&root)
    }

    /// [`Ctx::journal`] for the commands that add entries (`log`, `import`): the default
    /// journal (and one the user config names) is created on first use, with a one-line
    /// notice on stderr.
    pub fn journal_or_create(&self) -> Result<Journal> {
        let (root, found) = journal::locate(self.global.journal.as_deref(), &self.cwd, &self.user)?;
        if matches!(found, Found::Default | Found::UserConfig)
            && !root.join(journal::CONFIG_FILE).exists()
        {
            let (_, without_visibility) = Journal::init(
                &root,
                |repo, j| self.authors_for_init(repo, j, None),
                &self.now,
            )?;
            self.notice(&format!("wol: created a new journal at {}", root.display()));
            if let Some(w) = without_visibility {
                init::report_without_visibility(self, &w);
            }
        }
        Journal::open(&root)
    }

    /// For `wol init`: the author to record in a new `wol.toml` (`flag`, else the user
    /// config, else git's `user.name` — not `$WOL_AUTHOR`, which belongs to one run), and
    /// the author to commit as (every layer, the journal's own `author` included).
    pub fn authors_for_init(
        &self,
        repo: &Repository,
        journal_author: Option<&str>,
        flag: Option<&str>,
    ) -> (Option<String>, Result<String>) {
        let clean = |a: String| Some(a.trim().to_string()).filter(|a| !a.is_empty());
        let record = flag
            .map(String::from)
            .and_then(clean)
            .or_else(|| self.user.author.clone().and_then(clean))
            .or_else(|| crate::git::config_string(repo, "user.name").and_then(clean));
        let commit_as = identity::require_author(&self.user, journal_author, Some(repo))
            .or_else(|e| record.clone().ok_or(e));
        (record, commit_as)
    }

    /// The author of new entries and commits in `journal` (see [`identity`]).
    pub fn author(&self, journal: &Journal) -> Result<String> {
        identity::require_author(
            &self.user,
            journal.config.author.as_deref(),
            journal.repo().ok(),
        )
    }

    /// The git signature for commits in `journal`, at "now".
    pub fn signature(&self, journal: &Journal) -> Result<Signature<'static>> {
        let author = self.author(journal)?;
        identity::signature(&author, Some(journal.repo()?), &self.now)
    }

    /// A message for the person (stderr), unless `--quiet`.
    pub fn notice(&self, message: &str) {
        if !self.global.quiet {
            eprintln!("{message}");
        }
    }

    /// Whether stdout is coloured: `--color`, else anstream's rules (a terminal, not
    /// `NO_COLOR`, `CLICOLOR_FORCE`, `TERM`).
    pub fn color(&self) -> bool {
        anstream::AutoStream::choice(&io::stdout()) != anstream::ColorChoice::Never
    }

    /// Stdout for text that may be styled: [`anstyle`] styles written to it become escape
    /// codes, Windows console calls, or nothing, as [`Ctx::color`] decides.
    pub fn stdout(&self) -> anstream::AutoStream<io::StdoutLock<'static>> {
        anstream::stdout().lock()
    }

    /// What a writing command did, on stdout with `--json`; else nothing (the command's
    /// own notice on stderr says it).
    pub fn print_written(&self, written: &WrittenJson) -> Result<()> {
        self.print_json(written)
    }

    /// `value` as JSON on stdout with `--json`; nothing without.
    pub fn print_json(&self, value: &impl Serialize) -> Result<()> {
        if self.global.json {
            let mut out = io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, value)?;
            writeln!(out)?;
            out.flush()?;
        }
        Ok(())
    }
}

/// What `--json` prints for a command that changed the journal (`init`, `edit`, `rm`,
/// `partner add/rm`, `follow add/rm`): one shape for all of them.
#[derive(Debug, Serialize)]
pub struct WrittenJson {
    /// What happened: `created`, `already_initialized`, `updated`, `unchanged`,
    /// `removed`, `added`.
    pub status: &'static str,
    /// The file written or removed, relative to the journal (`entries/…`, `wol.toml`);
    /// for `init`, the journal's folder.
    pub path: String,
    /// The partner's or followed log's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The commit made, as a full hex id; `null` when nothing was committed.
    pub commit: Option<String>,
}

impl WrittenJson {
    pub fn new(status: &'static str, path: impl Into<String>, commit: Option<git2::Oid>) -> Self {
        WrittenJson {
            status,
            path: path.into(),
            name: None,
            commit: commit.map(|c| c.to_string()),
        }
    }

    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }
}

/// The reading filters shared by `list`, `search` and other reading commands.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Only entries on or after this day ("2026-11-01", "monday" (the last one, today on a
    /// Monday), "3 weeks ago")
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only entries on or before this day
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only entries on this day
    #[arg(long, value_name = "DATE", conflicts_with_all = ["since", "until"])]
    pub on: Option<String>,
    /// Only entries of this kind (repeatable)
    #[arg(short, long = "kind", value_name = "KIND")]
    pub kinds: Vec<String>,
    /// Only entries with this tag (repeatable: any of them)
    #[arg(short, long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Only entries whose author contains this text
    #[arg(long, value_name = "NAME")]
    pub author: Option<String>,
    /// Only entries with this visibility
    #[arg(long, value_enum, value_name = "VISIBILITY")]
    pub visibility: Option<Visibility>,
}

impl FilterArgs {
    /// The filter the flags ask for. A kind that is not one of `config`'s is refused as
    /// `wol log` refuses it: a typo would otherwise read as "no such entries".
    pub fn to_filter(&self, ctx: &Ctx, config: &JournalConfig) -> Result<Filter> {
        for kind in &self.kinds {
            config.check_kind(kind)?;
        }
        let day = |s: &Option<String>| -> Result<Option<chrono::NaiveDate>> {
            s.as_deref()
                .map(|s| dates::parse_day(s, &ctx.now))
                .transpose()
        };
        let (since, until) = match day(&self.on)? {
            Some(d) => (Some(d), Some(d)),
            None => (day(&self.since)?, day(&self.until)?),
        };
        Ok(Filter {
            since,
            until,
            kinds: self.kinds.clone(),
            tags: self
                .tags
                .iter()
                .filter_map(|t| crate::entry::normalize_tag(t))
                .collect(),
            author: self.author.clone(),
            visibility: self.visibility,
        })
    }
}

/// An entry as `--json` prints it.
#[derive(Debug, Serialize)]
pub struct EntryJson<'a> {
    pub id: String,
    pub path: String,
    pub title: &'a str,
    pub date: String,
    pub kind: &'a str,
    pub tags: Vec<String>,
    pub visibility: &'a str,
    pub author: &'a str,
    pub to: &'a [String],
    pub body: &'a str,
    /// The entry's attachments (`entries/YYYY/MM/<id>/<name>`), where a command lists
    /// them (`show`, `log`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<String>,
}

impl<'a> EntryJson<'a> {
    pub fn new(journal: &Journal, path: &std::path::Path, entry: &'a Entry) -> Self {
        EntryJson {
            id: stem(path),
            path: journal.rel(path),
            title: &entry.meta.title,
            date: entry.meta.date.to_rfc3339(),
            kind: &entry.meta.kind,
            tags: entry.all_tags(),
            visibility: entry.meta.visibility.as_str(),
            author: &entry.meta.author,
            to: &entry.meta.to,
            body: &entry.body,
            attachments: Vec::new(),
        }
    }

    /// The same, listing the attachments beside the entry file at `path`.
    pub fn with_attachments(mut self, journal: &Journal, path: &std::path::Path) -> Self {
        let dir = crate::attach::dir_of(&journal.rel(path));
        self.attachments = crate::attach::on_disk(path)
            .into_iter()
            .map(|(name, _)| format!("{dir}/{name}"))
            .collect();
        self
    }
}

/// The file stem of an entry path: its id.
pub fn stem(path: &std::path::Path) -> String {
    crate::entry::file_id(path)
}

/// Print entries as lines (`id  kind  title  #tags`) or, with `--json`, as a JSON array.
pub fn print_entries(ctx: &Ctx, journal: &Journal, entries: &[(PathBuf, Entry)]) -> Result<()> {
    let kinds = entries.iter().map(|(_, e)| e.meta.kind.as_str());
    let mut printer = EntryPrinter::new(ctx, journal, kinds);
    for (path, entry) in entries {
        printer.print(path, entry)?;
    }
    printer.finish()
}

/// Prints entries one at a time as [`print_entries`] does, for a caller that never holds
/// them all: the kind column's width comes first, from the kinds of the entries to come.
/// Call [`EntryPrinter::finish`] at the end (it closes the JSON array).
pub struct EntryPrinter<'a> {
    journal: &'a Journal,
    out: Out,
    /// The widest kind, as printed.
    width: usize,
}

enum Out {
    Json(JsonArray<io::BufWriter<io::StdoutLock<'static>>>),
    /// Coloured: through anstream, which also takes the colours out again where the
    /// terminal wants none.
    Text(io::BufWriter<anstream::AutoStream<io::StdoutLock<'static>>>),
    /// Without colour (a pipe, a file, `NO_COLOR`): straight to stdout. anstream would
    /// read every byte back to take out the styles, which cost more than writing the
    /// line (40,000 lines for a common word at 100k).
    Plain(io::BufWriter<io::StdoutLock<'static>>),
}

impl<'a> EntryPrinter<'a> {
    /// A printer for entries whose kinds are among `kinds`.
    pub fn new<'k>(
        ctx: &Ctx,
        journal: &'a Journal,
        kinds: impl IntoIterator<Item = &'k str>,
    ) -> Self {
        let out = if ctx.global.json {
            Out::Json(JsonArray::new(io::BufWriter::new(io::stdout().lock())))
        } else {
            let stdout = ctx.stdout();
            if stdout.current_choice() == anstream::ColorChoice::Never {
                Out::Plain(io::BufWriter::with_capacity(64 * 1024, stdout.into_inner()))
            } else {
                Out::Text(io::BufWriter::new(stdout))
            }
        };
        let width = kinds
            .into_iter()
            .map(|k| crate::term::sanitize(k).len())
            .max()
            .unwrap_or(0);
        EntryPrinter {
            journal,
            out,
            width,
        }
    }

    /// Print the entry at `path`.
    pub fn print(&mut self, path: &std::path::Path, entry: &Entry) -> Result<()> {
        match self.styles() {
            Some(styles) => self.print_line(&EntryLine::of(styles, path, entry)),
            None => match &mut self.out {
                Out::Json(array) => array.push(&EntryJson::new(self.journal, path, entry)),
                _ => unreachable!("only JSON has no styles"),
            },
        }
    }

    /// The styles of a line (none without colour), for [`EntryLine::of`]; `None` for
    /// JSON, which prints no lines.
    pub fn styles(&self) -> Option<Styles> {
        use crate::term;
        match self.out {
            Out::Json(_) => None,
            Out::Text(_) => Some([term::ID, term::KIND, term::TITLE, term::TAGS]),
            Out::Plain(_) => Some([anstyle::Style::new(); 4]),
        }
    }

    /// Make room in the kind column for `kinds` as well.
    pub fn fit<'k>(&mut self, kinds: impl IntoIterator<Item = &'k str>) {
        let widest = kinds.into_iter().map(|k| crate::term::sanitize(k).len());
        self.width = widest.fold(self.width, usize::max);
    }

    /// Print a line made ahead with [`EntryPrinter::styles`] (text output only).
    pub fn print_line(&mut self, line: &EntryLine) -> Result<()> {
        let width = self.width;
        let kind_style = self.styles().map_or_else(anstyle::Style::new, |s| s[1]);
        match &mut self.out {
            Out::Json(_) => unreachable!("lines are printed as text"),
            Out::Text(out) => line.write(out, kind_style, width)?,
            Out::Plain(out) => line.write(out, kind_style, width)?,
        }
        Ok(())
    }

    /// End the output (the JSON array's `]`) and flush it.
    pub fn finish(self) -> Result<()> {
        match self.out {
            Out::Json(array) => {
                let mut out = array.finish()?;
                writeln!(out)?;
                out.flush()?;
            }
            Out::Text(mut out) => out.flush()?,
            Out::Plain(mut out) => out.flush()?,
        }
        Ok(())
    }
}

/// The styles of an entry's line: id, kind, title, tags.
pub type Styles = [anstyle::Style; 4];

/// An entry as a line, `id  kind  title  #tags`, made ahead of printing (on any thread:
/// `wol search` makes them where it decodes the entries): the kind column is padded as
/// it is printed, once the widest kind is known.
pub struct EntryLine {
    /// The id, styled.
    id: String,
    /// The kind, unstyled and unpadded.
    pub kind: String,
    /// The title and the tags, styled.
    rest: String,
}

impl EntryLine {
    pub fn of(styles: Styles, path: &std::path::Path, entry: &Entry) -> EntryLine {
        use crate::term::sanitize;
        use std::fmt::Write as _;
        let [dim, _, bold, tag_style] = styles;
        // Titles, tags and kinds are entry text: escaped, so none can drive the terminal.
        let stem = stem(path);
        let mut rest = format!("{bold}{}{bold:#}", sanitize(&entry.meta.title));
        let tags = entry.all_tags();
        if !tags.is_empty() {
            let _ = write!(rest, "{tag_style}");
            for (n, tag) in tags.iter().enumerate() {
                let lead = if n == 0 { "  #" } else { " #" };
                let _ = write!(rest, "{lead}{}", sanitize(tag));
            }
            let _ = write!(rest, "{tag_style:#}");
        }
        EntryLine {
            id: format!("{dim}{}{dim:#}", sanitize(&stem)),
            kind: sanitize(&entry.meta.kind).into_owned(),
            rest,
        }
    }

    fn write(
        &self,
        out: &mut impl Write,
        kind_style: anstyle::Style,
        width: usize,
    ) -> io::Result<()> {
        let EntryLine { id, kind, rest } = self;
        writeln!(out, "{id}  {kind_style}{kind:width$}{kind_style:#}  {rest}")
    }
}

/// A JSON array written one element at a time, byte for byte as
/// `serde_json::to_writer_pretty` writes the whole array: `[`, each element on its own
/// lines indented one level, `]` (`[]` when empty).
pub struct JsonArray<W: Write> {
    out: W,
    len: usize,
}

impl<W: Write> JsonArray<W> {
    pub fn new(out: W) -> Self {
        JsonArray { out, len: 0 }
    }

    /// Write the next element.
    pub fn push(&mut self, item: &impl Serialize) -> Result<()> {
        self.out
            .write_all(if self.len == 0 { b"[\n  " } else { b",\n  " })?;
        serde_json::to_writer_pretty(Indented(&mut self.out), item)?;
        self.len += 1;
        Ok(())
    }

    /// Close the array; gives back the writer (not flushed).
    pub fn finish(mut self) -> io::Result<W> {
        self.out
            .write_all(if self.len == 0 { b"[]" } else { b"\n]" })?;
        Ok(self.out)
    }
}

/// Writes through, indenting every line but the first by two spaces: a pretty-printed
/// JSON value placed one level deep. JSON text has no raw newline inside a string, so
/// every newline is one the pretty printer put between tokens.
struct Indented<W>(W);

impl<W: Write> Write for Indented<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut lines = buf.split(|&b| b == b'\n');
        if let Some(first) = lines.next() {
            self.0.write_all(first)?;
        }
        for line in lines {
            self.0.write_all(b"\n  ")?;
            self.0.write_all(line)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Report a malformed entry on stderr; reading commands then go on without it.
pub fn warn_malformed(err: &journal::LoadError) {
    // The message may quote the file's text (an unknown kind, a bad date) and may span
    // lines (TOML errors show the line they point at).
    eprintln!(
        "warning: {} (skipped)",
        crate::term::sanitize_text(&err.to_string())
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Item {
        name: &'static str,
        tags: Vec<&'static str>,
        nested: Vec<Vec<u8>>,
        empty: Vec<u8>,
        map: std::collections::BTreeMap<&'static str, Option<u8>>,
    }

    fn item(n: u8) -> Item {
        Item {
            name: "a \"quoted\"\nline\tand \u{1b} and \\n",
            tags: vec!["x"; usize::from(n)],
            nested: vec![vec![n, n + 1], vec![]],
            empty: vec![],
            map: [("k", Some(n)), ("none", None)].into_iter().collect(),
        }
    }

    /// Element by element, the array is what `to_writer_pretty` writes for it whole.
    #[test]
    fn json_array_is_written_as_serde_json_writes_it() {
        for len in 0..4 {
            let items: Vec<Item> = (0..len).map(item).collect();
            let mut array = JsonArray::new(Vec::new());
            for item in &items {
                array.push(item).unwrap();
            }
            let streamed = array.finish().unwrap();
            let whole = serde_json::to_vec_pretty(&items).unwrap();
            assert_eq!(
                String::from_utf8(streamed).unwrap(),
                String::from_utf8(whole).unwrap(),
                "{len} elements"
            );
        }
    }
}
