//! `wol man`: the manual page (roff, from clap_mangen), on stdout or as files.
//!
//! clap_mangen renders the sections that come from the command line (synopsis,
//! description, options, subcommands, version); wol adds its own NAME, EXIT STATUS,
//! ENVIRONMENT and FILES, and an EXAMPLES section whose lines are kept as written.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::Args;

use super::Ctx;
use crate::cli;
use crate::journal;

/// Print the manual page, or write one page per command with --out
///
/// Without --out, prints wol(1), which lists every command, to stdout. With --out DIR,
/// writes wol.1 and a page per subcommand (wol-log.1, wol-import-jrnl.1, ...) into DIR.
///
/// Examples:
///   wol man | man -l -
///   wol man --out ~/.local/share/man/man1 && man wol-log
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct ManArgs {
    /// Write wol.1 and wol-<command>.1 pages into this directory (created if needed)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: ManArgs) -> Result<()> {
    let cmd = cli::command();
    match args.out {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(render(cmd)?.as_bytes())?;
            out.flush()?;
        }
        Some(dir) => {
            let dir = ctx.cwd.join(dir);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let mut cmd = cmd.disable_help_subcommand(true);
            cmd.build();
            write_pages(&cmd, &dir)?;
            ctx.notice(&format!("wrote manual pages into {}", dir.display()));
        }
    }
    Ok(())
}

/// Write the page of `cmd` and of each of its subcommands (`wol-import-jrnl.1`, ...).
fn write_pages(cmd: &clap::Command, dir: &Path) -> Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir)?;
    }
    let man = clap_mangen::Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    journal::write_atomic(&path, render(cmd.clone())?.as_bytes())?;
    Ok(())
}

/// The roff text of `cmd`'s page, ASCII only: every other character is written as
/// groff's `\[uXXXX]` escape, so the page renders without warnings whether or not the
/// formatter is told the input encoding (`man` is; a plain `groff -man` is not).
fn render(mut cmd: clap::Command) -> Result<String> {
    cmd.build();
    let top = cmd.get_name() == "wol";
    let man = clap_mangen::Man::new(cmd.clone());
    // Each section clap_mangen renders comes with roff's two-line preamble; the page
    // needs it once, at the top (it comes with the title).
    let mut page = roff(|w| man.render_title(w))?;
    let section = |render: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| -> Result<String> {
        let text = roff(render)?;
        Ok(text.splitn(3, '\n').nth(2).unwrap_or("").to_string())
    };
    page.push_str(&name_section(&cmd, &man.get_filename()));
    page.push_str(&section(&|w| man.render_synopsis_section(w))?);
    page.push_str(&section(&|w| man.render_description_section(w))?);
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        page.push_str(&section(&|w| man.render_options_section(w))?);
    }
    if cmd.has_subcommands() {
        page.push_str(&section(&|w| man.render_subcommands_section(w))?);
    }
    page.push_str(EXIT_STATUS);
    if top {
        page.push_str(&environment_section());
        page.push_str(FILES);
    }
    page.push_str(&examples_section(&cmd));
    if !top {
        page.push_str(".SH \"SEE ALSO\"\n\\fBwol\\fR(1)\n");
    }
    page.push_str(&section(&|w| man.render_version_section(w))?);
    let mut out = String::with_capacity(page.len());
    for c in page.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let _ = write!(out, "\\[u{:04X}]", c as u32);
        }
    }
    Ok(out)
}

/// What one of clap_mangen's `render_*` functions writes.
fn roff(render: impl Fn(&mut Vec<u8>) -> std::io::Result<()>) -> Result<String> {
    let mut roff = Vec::new();
    render(&mut roff)?;
    String::from_utf8(roff).context("clap_mangen wrote invalid UTF-8")
}

/// `wol \- a journal for working out loud`, `wol-log \- Add an entry: …`: the page's
/// name and the command's one-line summary, without the `wol — ` the top-level one starts
/// with and without a final full stop.
fn name_section(cmd: &clap::Command, filename: &str) -> String {
    let name = filename.strip_suffix(".1").unwrap_or(filename);
    let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
    let about = about.trim();
    let about = about.strip_prefix(name).map_or(about, |rest| {
        rest.trim_start_matches([' ', '\u{2014}', '-', ':'])
            .trim_start()
    });
    let about = about.strip_suffix('.').unwrap_or(about);
    format!(".SH NAME\n{} \\- {}\n", escape(name), escape(about))
}

const EXIT_STATUS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Success.
.TP
\fB1\fR
Failure: an error (printed as \fBerror:\fR, \fBcaused by:\fR and \fBhint:\fR on standard error), a failed \fBwol doctor\fR check, a \fBwol pull\fR or \fBwol publish\fR that failed for a log or partner, or a \fBwol search\fR that found nothing (quietly, as \fBgrep\fR(1) does).
.TP
\fB2\fR
Usage error: an unknown command or flag, a missing argument, flags that do not go together, or an entry id that names more than one entry (\fBwol show\fR, \fBedit\fR, \fBrm\fR; the error lists their paths).
"#;

const FILES: &str = r#".SH FILES
.TP
\fI~/.config/wol/config.toml\fR
The user config (\fBjournal\fR, \fBauthor\fR); \fBWOL_CONFIG\fR or \fBWOL_CONFIG_DIR\fR moves it. \fBwol doctor\fR names the files it read.
.TP
\fI~/.local/share/wol/journal/\fR
The default journal, created by the first \fBwol log\fR (or \fBwol import\fR) when no other journal is found. Reading commands never create it.
.TP
\fIJOURNAL/wol.toml\fR
The journal's config: kinds, default visibility, author, partners, followed logs, publish rules.
.TP
\fIJOURNAL/entries/YYYY/MM/*.md\fR
The entries, one Markdown file with TOML front matter each, committed to the journal's git repository.
.TP
\fIJOURNAL/digests/YYYY/YYYY\-Www.md\fR
Digests saved by \fBwol digest \-\-write\fR.
.TP
\fIJOURNAL/templates/\fR
Overrides of the built-in templates (entry, digest, site pages).
.TP
\fIJOURNAL/.wol/\fR
Local state, ignored by git: the lock, drafts, crash-recovery intents, the render cache, and the fetched copies of followed logs.
"#;

/// ENVIRONMENT, from [`cli::ENVIRONMENT`].
fn environment_section() -> String {
    let mut text = String::from(".SH ENVIRONMENT\n");
    for (name, what) in cli::ENVIRONMENT {
        let _ = write!(text, ".TP\n\\fB{}\\fR\n{}\n", escape(name), escape(what));
    }
    text
}

/// EXAMPLES: the lines after `Examples:` in the command's after-help (see
/// [`cli::command`]), kept as they are written (no filling, no hyphenation).
fn examples_section(cmd: &clap::Command) -> String {
    let Some(after) = cmd.get_after_help().map(|a| a.to_string()) else {
        return String::new();
    };
    let Some((_, examples)) = after.split_once("Examples:") else {
        return String::new();
    };
    let mut text = String::from(".SH EXAMPLES\n.nf\n");
    for line in examples.trim_matches('\n').lines() {
        let _ = writeln!(text, "{}", escape(line.strip_prefix("  ").unwrap_or(line)));
    }
    text.push_str(".fi\n");
    text
}

/// Text for a roff text line: backslashes and minus signs escaped, and a leading `.` or
/// `'` kept from being read as a request.
fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    if text.starts_with(['.', '\'']) {
        format!("\\&{text}")
    } else {
        text
    }
}
