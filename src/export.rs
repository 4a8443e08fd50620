//! Exporting entries for backups and other tools: the selected entries as stored
//! (Markdown, in the journal's `entries/YYYY/MM/` layout) or as a small static HTML site
//! (one page per entry, in that layout too, and an index; comrak with raw HTML omitted). Attachments are
//! copied beside the exported entries, so their links work there too.
//!
//! Each format is a sink the entries are given to one at a time, so an export of any
//! size holds one entry (and the list of written names), never the journal.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use tempfile::NamedTempFile;

use crate::entry::Entry;
use crate::journal::{Journal, write_atomic};
use crate::site;

/// A file written through a temp file beside it and renamed into place when complete
/// (as [`write_atomic`], for content made a piece at a time).
pub struct AtomicFile {
    path: PathBuf,
    out: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let tmp = tempfile::Builder::new()
            .prefix(".wol-tmp-")
            .tempfile_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            out: BufWriter::new(tmp),
        })
    }

    /// Flush, sync and rename into place.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        let tmp = self
            .out
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|tmp| tmp.as_file().sync_data().map(|()| tmp))
            .with_context(|| format!("cannot write {}", path.display()))?;
        tmp.persist(&path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// The entry files as stored, with their attachments, into a folder, keeping their paths
/// relative to the journal.
pub struct MarkdownDir<'a> {
    journal: &'a Journal,
    out: &'a Path,
    /// The written paths, relative to `out`.
    pub written: Vec<String>,
}

impl<'a> MarkdownDir<'a> {
    pub fn new(journal: &'a Journal, out: &'a Path) -> Self {
        MarkdownDir {
            journal,
            out,
            written: Vec::new(),
        }
    }

    /// Copy the entry at `path`.
    pub fn add(&mut self, path: &Path) -> Result<()> {
        let rel = self.journal.rel(path);
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        write_atomic(&inside(self.out, &rel)?, &bytes)?;
        self.written.push(rel.clone());
        let dir = crate::attach::dir_of(&rel);
        for name in copy_attachments(path, &inside(self.out, &dir)?)? {
            self.written.push(format!("{dir}/{name}"));
        }
        Ok(())
    }
}

/// `out` joined with `rel` (`/`-separated), once nothing on the way below `out` is a
/// symbolic link: `--force` replaces files in the folder, and must not write wherever a
/// link inside it points.
fn inside(out: &Path, rel: &str) -> Result<PathBuf> {
    let mut path = out.to_path_buf();
    for part in rel.split('/') {
        path.push(part);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(crate::error::hinted(
                format!(
                    "{} is a symbolic link, and wol export does not write through links inside the folder",
                    path.display()
                ),
                "remove the link, or export into another folder",
            ));
        }
    }
    Ok(out.join(rel))
}

/// Copy the attachments of the entry at `entry` (as stored: an export is the author's
/// own copy) into `dir`, so the entry's relative links work there too. Returns their names.
fn copy_attachments(entry: &Path, dir: &Path) -> Result<Vec<String>> {
    let from = entry.with_extension("");
    let names: Vec<String> = crate::attach::on_disk(entry)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    for name in &names {
        let src = from.join(name);
        let bytes =
            std::fs::read(&src).with_context(|| format!("cannot read {}", src.display()))?;
        write_atomic(&dir.join(name), &bytes)?;
    }
    Ok(names)
}

/// Write the entry file at `path` as stored to `out`, ending with a newline: the
/// Markdown export to stdout is the entries one after the other.
pub fn markdown_to(out: &mut impl Write, path: &Path) -> Result<()> {
    let mut file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    out.write_all(&bytes)?;
    if !bytes.ends_with(b"\n") {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `index.html` and a page for each entry in a folder: `entries/YYYY/MM/<id>.html`, the
/// entry's path in the journal, so two entries of one name in different months never
/// share a page, and the entry's relative links reach its attachments beside it.
pub struct HtmlDir<'a> {
    journal: &'a Journal,
    css: &'a str,
    out: &'a Path,
    /// The index's list, one line per entry.
    index: String,
    /// The written paths, relative to `out`.
    pub written: Vec<String>,
}

impl<'a> HtmlDir<'a> {
    pub fn new(journal: &'a Journal, css: &'a str, out: &'a Path) -> Self {
        HtmlDir {
            journal,
            css,
            out,
            index: "<ul class=\"entries\">\n".to_string(),
            written: Vec::new(),
        }
    }

    /// Write the page of the entry at `path`, with its attachments beside it.
    pub fn add(&mut self, path: &Path, entry: &Entry) -> Result<()> {
        // `entries/YYYY/MM/<id>`: where the page goes, and its attachments' folder.
        let attachments = crate::attach::dir_of(&self.journal.rel(path));
        let rel = format!("{attachments}.html");
        let root = "../".repeat(rel.matches('/').count());
        write_atomic(
            &inside(self.out, &rel)?,
            entry_page(self.css, entry, &root).as_bytes(),
        )?;
        // The page links its attachments as `<id>/<file>`, beside it.
        for name in copy_attachments(path, &inside(self.out, &attachments)?)? {
            self.written.push(format!("{attachments}/{name}"));
        }
        let _ = writeln!(
            self.index,
            "<li><time datetime=\"{date}\">{day}</time> <a href=\"{href}\">{title}</a> <span class=\"kind\">{kind}</span>{tags}</li>",
            href = site::readme::link(&rel),
            date = entry.meta.date.to_rfc3339(),
            day = entry.meta.date.format("%Y-%m-%d"),
            title = site::escape_html(&entry.meta.title),
            kind = site::escape_html(&entry.meta.kind),
            tags = tags_html(entry),
        );
        self.written.push(rel);
        Ok(())
    }

    /// Write `index.html`; gives back the written paths.
    pub fn finish(mut self) -> Result<Vec<String>> {
        self.index.push_str("</ul>\n");
        write_atomic(
            &self.out.join("index.html"),
            site::html::standalone_page(
                self.css,
                "Journal",
                &format!("<h1>Journal</h1>\n{}", self.index),
            )
            .as_bytes(),
        )?;
        self.written.push("index.html".into());
        Ok(self.written)
    }
}
/// The page of `entry`, `root` the way back to the folder's `index.html`.
fn entry_page(css: &str, entry: &Entry, root: &str) -> String {
    let m = &entry.meta;
    let body = site::markdown_to_html(&entry.body);
    let main = format!(
        "<article>\n<h1>{title}</h1>\n<p class=\"meta\"><time datetime=\"{date}\">{day}</time> · {kind}{author}{tags}</p>\n{body}</article>\n<p><a href=\"{root}index.html\">All entries</a></p>\n",
        title = site::escape_html(&m.title),
        date = m.date.to_rfc3339(),
        day = m.date.format("%Y-%m-%d %H:%M"),
        kind = site::escape_html(&m.kind),
        author = if m.author.is_empty() {
            String::new()
        } else {
            format!(" · {}", site::escape_html(&m.author))
        },
        tags = tags_html(entry),
    );
    site::html::standalone_page(css, &m.title, &main)
}

fn tags_html(entry: &Entry) -> String {
    entry
        .all_tags()
        .iter()
        .map(|t| format!(" <span class=\"tag\">#{}</span>", site::escape_html(t)))
        .collect()
}
