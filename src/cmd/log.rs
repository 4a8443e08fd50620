//! `wol log`: add one entry and commit it.

use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use chrono::Datelike as _;
use clap::Args;

use super::{Ctx, EntryJson};
use crate::editor;
use crate::entry::{Entry, Meta, Visibility, body_tags, trim_blank_lines};
use crate::error::{hinted, user};
use crate::git::Change;
use crate::journal::{self, Journal};
use crate::templates;

/// Add an entry: what you did, learned, plan next, need help with
///
/// The message comes from the arguments, from `-` or piped stdin, or from your editor
/// ($VISUAL, then $EDITOR) when there is no message and stdin is a terminal. The first
/// line becomes the title unless --title is given. Prints the new entry's path.
///
/// Attachments (--attach, repeatable) are stored beside the entry, in
/// entries/YYYY/MM/<entry id>/, linked from its text (images shown, other files linked)
/// and committed with it. They are published with their entry only, and location data
/// is taken out of published photos. Each file may be at most 10 MB, or what
/// `[log] attachment_max` in wol.toml says.
///
/// Examples:
///   wol log "Shipped the onboarding guide" -t onboarding --learned "Checklists beat long docs"
///   wol log -k help "Looking for someone who ran a Loomio vote for 200+ members"
///   wol log --date "yesterday 17:00" --private "Hard conversation with the board"
///   git log -1 --format=%B | wol log -k progress
///   wol log "Whiteboard after the retro" --attach board.jpg --attach notes.pdf
///   wol log            # opens your editor on the entry template
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct LogArgs {
    /// The message (words are joined with spaces); `-` reads stdin
    #[arg(value_name = "MESSAGE", conflicts_with = "message_opt")]
    pub message: Vec<String>,

    /// The message, as an option
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message_opt: Option<String>,

    /// Kind of entry: progress, learning, help, decision, credit (see wol.toml)
    #[arg(short, long, value_name = "KIND")]
    pub kind: Option<String>,

    /// Tag (repeatable); `#tags` in the text count too
    #[arg(short, long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,

    /// Title [default: the first line of the message]
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,

    /// Add a "## Learned" section
    #[arg(long, value_name = "TEXT")]
    pub learned: Option<String>,

    /// Add a "## Next" section
    #[arg(long, value_name = "TEXT")]
    pub next: Option<String>,

    /// Add a "## Help wanted" section
    #[arg(long, value_name = "TEXT")]
    pub help_wanted: Option<String>,

    /// Never publish this entry
    #[arg(long, group = "visibility")]
    pub private: bool,

    /// Publish only to partners (those named with --to, or all)
    #[arg(long, group = "visibility")]
    pub partners: bool,

    /// Publish to every partner
    #[arg(long, group = "visibility")]
    pub public: bool,

    /// Audience: a partner's name (repeatable). The entry goes to the partners named
    /// (it is for partners, not public), unless it is private
    #[arg(long = "to", value_name = "PARTNER", conflicts_with = "public")]
    pub to: Vec<String>,

    /// When it happened: "yesterday 17:00", "friday" (the last one, today on a Friday),
    /// "2026-11-20 09:00", RFC 3339
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,

    /// Write the message in your editor even without a terminal
    #[arg(short, long)]
    pub edit: bool,

    /// Attach a file (repeatable): stored beside the entry, linked from it, committed
    #[arg(short = 'a', long = "attach", value_name = "FILE")]
    pub attach: Vec<PathBuf>,
}

/// Whether the message comes from stdin: `wol log -`, or no message and no terminal.
fn reads_stdin(args: &LogArgs) -> bool {
    args.message == ["-"]
        || (args.message.is_empty()
            && args.message_opt.is_none()
            && !args.edit
            && !std::io::stdin().is_terminal())
}

/// Where this run keeps its draft: `.wol/drafts/<time>-<pid>.md`, or, when `.wol/`
/// cannot be used (the text must still be kept somewhere), `wol-draft-<time>-<pid>.md` in
/// the system's temporary folder.
fn draft_path(ctx: &Ctx, journal: &Journal) -> Result<PathBuf> {
    let name = format!(
        "{}-{}.md",
        ctx.now.format("%Y%m%d-%H%M%S"),
        std::process::id()
    );
    Ok(match journal.drafts_dir() {
        Ok(dir) => dir.join(name),
        Err(_) => std::env::temp_dir().join(format!("wol-draft-{name}")),
    })
}

/// `e`, a refusal of the flags before anything was read: text piped in (not typed at a
/// terminal) is read and kept as a draft all the same, and the error says where.
fn keep_piped(ctx: &Ctx, journal: &Journal, args: &LogArgs, e: anyhow::Error) -> anyhow::Error {
    let stdin = std::io::stdin();
    if !reads_stdin(args) || stdin.is_terminal() {
        return e;
    }
    // Bounded: a pipe that never ends (`yes |`) must not keep the refusal waiting.
    const KEEP_MAX: u64 = 16 * 1024 * 1024;
    let mut bytes = Vec::new();
    if stdin
        .lock()
        .take(KEEP_MAX + 1)
        .read_to_end(&mut bytes)
        .is_err()
        || bytes.len() as u64 > KEEP_MAX
        || bytes.iter().all(u8::is_ascii_whitespace)
    {
        return e;
    }
    match keep_stdin(ctx, journal, &bytes) {
        Ok(d) => e.context(format!(
            "nothing was written; your text is kept in {d}: add it with `wol log - < {d}` and the flags put right",
            d = d.display()
        )),
        Err(_) => e,
    }
}

/// Keep text read from stdin that could not become an entry, as a draft: the draft it
/// came from when stdin is one of the journal's drafts holding it still (`wol log - <
/// .wol/drafts/X.md` refused again must not leave a second copy), else a new one.
fn keep_stdin(ctx: &Ctx, journal: &Journal, bytes: &[u8]) -> Result<PathBuf> {
    if let Some(d) = stdin_draft(journal)
        && std::fs::read(&d).is_ok_and(|held| held == bytes)
    {
        return Ok(d);
    }
    let draft = draft_path(ctx, journal)?;
    journal::write_atomic(&draft, bytes)?;
    Ok(draft)
}

/// Titles longer than this are cut; the full first line stays in the body.
const TITLE_MAX: usize = 120;

pub fn run(ctx: &Ctx, args: LogArgs) -> Result<()> {
    // First thing: get another core going for the thread that will hash the git index
    // ahead (see `git_index::warm_up`), and have it compile the secret scan's keywords
    // meanwhile, which the entry's file name needs.
    crate::git_index::warm_up(crate::publish::scan::prepare);
    let journal = ctx.journal_or_create()?;
    // The entry and its files go to the month of its date (a whole entry file on stdin
    // may bring another date: then that work is only not used).
    if let Ok(date) = args
        .date
        .as_ref()
        .map_or(Ok(ctx.now), |text| crate::dates::parse(text, &ctx.now))
    {
        journal.hash_index_ahead(&date, 1 + args.attach.len());
    }
    let kind = args.kind.clone().unwrap_or_else(|| default_kind(&journal));
    // Everything the flags say is checked before the text is typed; text piped in is
    // kept all the same (it may exist nowhere else).
    let checked = || -> Result<_> {
        journal.config.check_kind(&kind)?;
        for tag in &args.tags {
            check_tag(tag)?;
        }
        let date = match &args.date {
            Some(text) => crate::dates::parse(text, &ctx.now)?,
            None => ctx.now,
        };
        // The commit's author and the entry's author are one and the same; without one,
        // fail before the editor opens.
        let sig = ctx.signature(&journal)?;
        // Attachments are checked before the editor opens and before anything is written.
        let attachments = crate::attach::read(&args.attach, journal.config.log.attachment_max())?;
        Ok((date, sig, attachments))
    };
    let (date, sig, attachments) = checked().map_err(|e| keep_piped(ctx, &journal, &args, e))?;
    let author = sig.name().unwrap_or_default().to_string();
    // A draft the editor leaves behind is kept as a whole entry (front matter from the
    // flags), so `wol log - < DRAFT` brings it back as private as it was meant.
    let as_entry = |text: &str| {
        build_entry(&journal, &args, kind.clone(), date, text, author.clone())
            .ok()
            .map(|e| e.to_text())
    };
    let from_stdin = reads_stdin(&args);
    let (text, draft) = message(ctx, &journal, &args, &kind, &author, &as_entry)?;
    // A byte-order mark is no part of the title; CRLF line ends are stored as LF.
    let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
    let entry = if text.starts_with("+++") {
        // A whole entry file (a kept draft, an exported entry): its front matter is the
        // entry's, never body text — taking it as text once published a private entry
        // as a new public one.
        from_entry_text(
            &journal,
            &args,
            &text,
            author,
            args.date.as_ref().map(|_| date),
        )
    } else {
        build_entry(&journal, &args, kind, date, &text, author)
    };
    let mut entry = entry.map_err(|e| match &draft {
        Some(d) => e.context(format!("your text is kept in {}", d.display())),
        // Text from stdin exists nowhere else: it is kept as a draft too (no text, no
        // draft).
        None if from_stdin && !text.trim().is_empty() => match keep_stdin(ctx, &journal, text.as_bytes()) {
            Ok(d) => e.context(format!(
                "nothing was written; your text is kept in {d}: fix it there, then `wol log - < {d}`",
                d = d.display()
            )),
            Err(_) => e,
        },
        None => e,
    })?;
    check_audience(&journal, &entry, &args);
    // The entry is filed where its own date belongs (a whole entry file brings its date).
    let date = entry.meta.date;

    // Nothing is written from here on unless the commit lands: on any failure the entry,
    // whatever its source (stdin is gone), is kept as a draft, and the error says where.
    let keep = |e: anyhow::Error, entry: &Entry| -> anyhow::Error {
        // A draft on stdin takes the entry back rather than leaving a second copy.
        let kept = match draft
            .clone()
            .or_else(|| from_stdin.then(|| stdin_draft(&journal)).flatten())
        {
            Some(d) => Ok(d),
            None => draft_path(ctx, &journal),
        }
        .and_then(|d| journal::write_atomic(&d, entry.to_text().as_bytes()).map(|()| d));
        let Ok(d) = kept else { return e };
        let again = if args.attach.is_empty() {
            String::new()
        } else {
            " (with --attach again for its files)".to_string()
        };
        e.context(format!(
            "nothing was committed; your entry is kept in {d}: add it with `wol log - < {d}`{again}",
            d = d.display()
        ))
    };
    let month = journal.month_dir(date.year(), date.month());
    let writer = match journal.begin_write(sig, Some(&month)) {
        Ok(writer) => writer,
        Err(e) => return Err(keep(e, &entry)),
    };
    if writer.recovered > 0 {
        ctx.notice(&format!(
            "wol: committed {} entry file(s) left uncommitted earlier",
            writer.recovered
        ));
    }
    let path = journal.new_entry_path(&date, &entry.meta.title, &Default::default());
    if text.starts_with("+++")
        && let Some(same) =
            already_logged(&path, &journal.entry_stem(&date, &entry.meta.title), &entry)
    {
        // A kept draft added a second time: the first one is the entry.
        let d = from_stdin.then(|| stdin_draft(&journal)).flatten();
        if let Some(d) = &d {
            let _ = std::fs::remove_file(d);
        }
        return Err(hinted(
            format!(
                "this entry is in the journal already, with the same text: {}; nothing was written",
                journal.rel(&same)
            ),
            match d {
                Some(d) => format!("its draft {} is removed", d.display()),
                None => "change the entry's text or date to log it as another entry".into(),
            },
        ));
    }
    let rel = journal.rel(&path);
    if !attachments.is_empty() {
        let id = crate::entry::file_id(&path);
        let names: Vec<String> = attachments.iter().map(|a| a.name.clone()).collect();
        entry.body = crate::attach::add_links(&entry.body, &crate::attach::links(&id, &names));
    }
    let dir = crate::attach::dir_of(&rel);
    let mut changes = vec![Change::Write {
        content: entry.to_text().into_bytes(),
        path: rel,
    }];
    changes.extend(attachments.into_iter().map(|a| Change::Write {
        path: format!("{dir}/{}", a.name),
        content: a.content,
    }));
    let message = format!("log({}): {}", entry.meta.kind, entry.meta.title);
    if let Err(e) = writer.commit(&changes, &message) {
        // Nothing was written (the commit's files are put back), so a retry makes no
        // duplicate.
        return Err(keep(e, &entry));
    }
    // The draft this entry came from is done with: the editor's, or one added back
    // with `wol log - < DRAFT`.
    if let Some(draft) = draft.or_else(|| from_stdin.then(|| stdin_draft(&journal)).flatten()) {
        let _ = std::fs::remove_file(draft);
    }
    // A date days ahead is most likely a typo (2062 for 2026): filed as given, and said.
    if date > ctx.now + chrono::Duration::days(1) {
        crate::error::warn(
            format!(
                "the entry is dated {}, {} days from now",
                date.format("%Y-%m-%d %H:%M %:z"),
                (date - ctx.now).num_days()
            ),
            Some(&format!(
                "if that is not what you meant, change its date with: wol edit {}",
                crate::entry::file_id(&path)
            )),
        );
    }

    let mut out = std::io::stdout().lock();
    if ctx.global.json {
        serde_json::to_writer_pretty(
            &mut out,
            &EntryJson::new(&journal, &path, &entry).with_attachments(&journal, &path),
        )?;
        writeln!(out)?;
    } else if !ctx.global.quiet {
        writeln!(out, "{}", path.display())?;
    }
    drop(out);
    // The journal is free for the next command while git's objects are packed.
    drop(writer);
    crate::git_pack::after_writes(&journal);
    Ok(())
}

/// The entry file `path` would have taken if the entry were not new: one of the names
/// before it (`stem.md`, `stem-2.md`, …) holding exactly the entry's text. `stem` is the
/// name the entry's date and title give: only a `-N` that [`Journal::new_entry_path`]
/// added after it counts (a title may end in a number of its own, "Issue 99999999").
fn already_logged(path: &Path, stem: &str, entry: &Entry) -> Option<PathBuf> {
    let file = path.file_stem()?.to_str()?;
    let n: u32 = file.strip_prefix(stem)?.strip_prefix('-')?.parse().ok()?;
    let text = entry.to_text();
    (1..n).find_map(|i| {
        let name = if i == 1 {
            format!("{stem}.md")
        } else {
            format!("{stem}-{i}.md")
        };
        let candidate = path.with_file_name(name);
        (std::fs::read(&candidate).ok()? == text.as_bytes()).then_some(candidate)
    })
}

/// The journal's draft that stdin is, when it is one (`wol log - < .wol/drafts/X.md`).
fn stdin_draft(journal: &Journal) -> Option<PathBuf> {
    let file = std::fs::read_link("/proc/self/fd/0").ok()?;
    let drafts = crate::journal::drafts_path(&journal.root)
        .canonicalize()
        .ok()?;
    (file.parent()? == drafts && file.is_file()).then_some(file)
}

/// An entry given as a whole file (front matter and body): parsed with the journal's
/// rules; flags given on the command line override its fields; the author is the one
/// committing.
fn from_entry_text(
    journal: &Journal,
    args: &LogArgs,
    text: &str,
    author: String,
    date: Option<chrono::DateTime<chrono::FixedOffset>>,
) -> Result<Entry> {
    let mut entry = Entry::parse(text.as_bytes(), &journal.config.schema()).map_err(|e| {
        hinted(
            format!(
                "the message starts with `+++` but is not a valid entry: line {}: {}",
                e.line, e.message
            ),
            "fix the front matter, or remove the `+++` block to log plain text",
        )
    })?;
    let m = &mut entry.meta;
    m.author = author;
    if let Some(kind) = &args.kind {
        m.kind = kind.clone();
    }
    if let Some(title) = &args.title {
        m.title = one_line(title);
    }
    if let Some(date) = date {
        m.date = date;
    }
    m.visibility = visibility(args, m.visibility);
    for tag in &args.tags {
        check_tag(tag)?;
        if let Some(tag) = crate::entry::normalize_tag(tag)
            && !m.tags.iter().any(|t| t.eq_ignore_ascii_case(&tag))
        {
            m.tags.push(tag);
        }
    }
    m.to.extend(args.to.iter().cloned());
    // A fresh entry: the old file's stable id belongs to the old file.
    m.id = None;
    Ok(entry)
}

/// The entry's visibility: the flag given, else `otherwise` (the journal's default, or
/// the front matter of an entry given whole). `--to` names an audience, so it makes a
/// shareable entry one for partners (public would go to every partner, whatever `to`
/// says); a private one stays private.
fn visibility(args: &LogArgs, otherwise: Visibility) -> Visibility {
    if args.private {
        Visibility::Private
    } else if args.partners {
        Visibility::Partners
    } else if args.public {
        Visibility::Public
    } else if !args.to.is_empty() && otherwise != Visibility::Private {
        Visibility::Partners
    } else {
        otherwise
    }
}

/// Warn about `--to` names that are no partner of this journal (the entry is then held
/// back from them: a typo must not pass unseen), and about `--to` on a private entry.
fn check_audience(journal: &Journal, entry: &Entry, args: &LogArgs) {
    for name in &args.to {
        let known = journal
            .config
            .partners
            .keys()
            .any(|p| crate::audience::addressed(std::slice::from_ref(name), p));
        if !known {
            crate::error::warn(
                format!("--to {name}: this journal has no partner `{name}`"),
                Some(
                    "see them with: wol partner list (the entry goes to no partner its `to` does not name)",
                ),
            );
        }
    }
    if !args.to.is_empty() && entry.meta.visibility == Visibility::Private {
        crate::error::warn(
            "the entry is private, so --to shares it with nobody",
            Some("pass --partners to share it with the partners named"),
        );
    }
}

fn default_kind(journal: &Journal) -> String {
    let kinds = &journal.config.kinds;
    if kinds.iter().any(|k| k == "progress") {
        "progress".into()
    } else {
        kinds[0].clone()
    }
}

/// The message text, and the draft file it came from when the editor was used. When the
/// editor fails, the draft is rewritten as `as_entry` makes it of what was written (when
/// it can), and kept.
fn message(
    ctx: &Ctx,
    journal: &Journal,
    args: &LogArgs,
    kind: &str,
    author: &str,
    as_entry: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Option<PathBuf>)> {
    let stdin = std::io::stdin();
    if reads_stdin(args) {
        let mut bytes = Vec::new();
        stdin
            .lock()
            .read_to_end(&mut bytes)
            .context("cannot read stdin")?;
        return match String::from_utf8(bytes) {
            Ok(text) => Ok((text, None)),
            Err(e) => {
                let kept = keep_stdin(ctx, journal, e.as_bytes());
                let mut err = user("the message on stdin is not valid UTF-8 text");
                if let Ok(d) = kept {
                    err = err.context(format!(
                        "nothing was written; the bytes are kept in {}",
                        d.display()
                    ));
                }
                Err(err)
            }
        };
    }
    if let Some(text) = &args.message_opt {
        return Ok((text.clone(), None));
    }
    if !args.message.is_empty() {
        return Ok((args.message.join(" "), None));
    }
    // The editor: a draft under .wol/drafts/ that survives a crash or a failed editor.
    let template = templates::entry_template(journal, kind, author, &ctx.now)?;
    let draft = draft_path(ctx, journal)?;
    journal::write_atomic(&draft, template.as_bytes())?;
    let opened = std::time::Instant::now();
    let edited = editor::edit(&draft);
    let at_once = opened.elapsed() < editor::AT_ONCE;
    let written = match std::fs::read_to_string(&draft) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(hinted(
                format!(
                    "the editor removed the draft {}: nothing was logged",
                    draft.display()
                ),
                "run wol log again, and save the entry where the editor opened it",
            ));
        }
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read the draft {}", draft.display()));
        }
    };
    if let Err(e) = edited {
        let cleaned = editor::clean(&written, &template);
        if let Some(entry) = as_entry(&cleaned).filter(|_| !cleaned.is_empty()) {
            let _ = journal::write_atomic(&draft, entry.as_bytes());
        }
        return Err(e);
    }
    let cleaned = editor::clean(&written, &template);
    if cleaned.is_empty() || cleaned == editor::clean(&template, &template) {
        if at_once && written == template {
            // The editor may still have the draft open: it stays.
            return Err(hinted(
                "empty entry, nothing written",
                editor::returned_at_once_hint(&draft),
            ));
        }
        let _ = std::fs::remove_file(&draft);
        return Err(user("empty entry, nothing written"));
    }
    Ok((cleaned, Some(draft)))
}

fn build_entry(
    journal: &Journal,
    args: &LogArgs,
    kind: String,
    date: chrono::DateTime<chrono::FixedOffset>,
    text: &str,
    author: String,
) -> Result<Entry> {
    let text = trim_blank_lines(text);
    if text.is_empty() && args.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return Err(hinted(
            "empty entry, nothing written",
            "say what you did: wol log \"Shipped the onboarding guide\"",
        ));
    }
    let (title, mut body) = match &args.title {
        Some(title) => (one_line(title), text.to_string()),
        None => {
            let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
            if is_section_heading(first) {
                return Err(hinted(
                    format!(
                        "the entry has no title: its first line is the section heading `{}`",
                        first.trim()
                    ),
                    "write the title on the first line, above the sections (or pass --title)",
                ));
            }
            // A Markdown heading's `#`s go (`# Title`); a `#` that is part of the title
            // stays (`#1 priority`).
            let first = first.trim();
            let first = match first.trim_start_matches('#') {
                rest if rest.is_empty() || rest.starts_with(char::is_whitespace) => rest.trim(),
                _ => first,
            };
            if first.chars().count() > TITLE_MAX {
                (shorten(first), text.to_string())
            } else {
                (first.to_string(), trim_blank_lines(rest).to_string())
            }
        }
    };
    if title.is_empty() {
        return Err(hinted(
            "the entry has no title",
            "pass --title or start the message with a line of text",
        ));
    }
    for (heading, value) in [
        ("Learned", &args.learned),
        ("Next", &args.next),
        ("Help wanted", &args.help_wanted),
    ] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str(&format!("## {heading}\n{value}"));
        }
    }
    if !body.is_empty() {
        body.push('\n');
    }
    let mut tags: Vec<String> = Vec::new();
    for tag in &args.tags {
        check_tag(tag)?;
    }
    let mut seen = std::collections::HashSet::new();
    for tag in args
        .tags
        .iter()
        .filter_map(|t| crate::entry::normalize_tag(t))
        .chain(body_tags(&body))
        .chain(body_tags(&title))
    {
        if seen.insert(tag.to_lowercase()) {
            tags.push(tag);
        }
    }
    let visibility = visibility(args, journal.config.default_visibility);
    Ok(Entry {
        meta: Meta {
            title,
            date,
            kind,
            tags,
            visibility,
            author,
            to: args.to.clone(),
            id: None,
            extra: toml::Table::new(),
        },
        body,
    })
}

/// Tags become file names and URLs when published: see [`crate::entry::valid_tag`].
fn check_tag(tag: &str) -> Result<()> {
    if crate::entry::valid_tag(tag) {
        Ok(())
    } else {
        Err(hinted(
            format!("`{tag}` is not a valid tag"),
            "a tag is one word of letters, digits, -, _ or . such as `onboarding` or `open-source`",
        ))
    }
}

/// `## Learned`, `## Next`, `## Help wanted` (any `## ` heading): a section, not a title.
fn is_section_heading(line: &str) -> bool {
    line.trim_start().starts_with("## ")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Cut a long line at a word boundary near [`TITLE_MAX`] characters, with an ellipsis.
fn shorten(line: &str) -> String {
    let cut: String = line.chars().take(TITLE_MAX).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > TITLE_MAX / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", cut.trim_end())
}
