//! Exporting entries for backups and other tools: the selected entries as stored
//! (Markdown, in the journal's `entries/YYYY/MM/` layout) or as a small static HTML site
//! (one page per entry and an index; comrak with raw HTML omitted). Attachments are
//! copied beside the exported entries, so their links work there too.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::entry::Entry;
use crate::journal::{Journal, write_atomic};
use crate::site;

/// Copy the entry files as stored into `out`, keeping their paths relative to the journal.
/// Returns the written paths relative to `out`.
pub fn markdown_to_dir(
    journal: &Journal,
    entries: &[(PathBuf, Entry)],
    out: &Path,
) -> Result<Vec<String>> {
    let mut written = Vec::with_capacity(entries.len());
    for (path, _) in entries {
        let rel = journal.rel(path);
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        write_atomic(&inside(out, &rel)?, &bytes)?;
        written.push(rel.clone());
        let dir = crate::attach::dir_of(&rel);
        for name in copy_attachments(path, &inside(out, &dir)?)? {
            written.push(format!("{dir}/{name}"));
        }
    }
    Ok(written)
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

/// The entry files as stored, one after the other (each ending with a newline).
pub fn markdown_concatenated(entries: &[(PathBuf, Entry)]) -> Result<Vec<u8>> {
    let mut all = Vec::new();
    for (path, _) in entries {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        all.extend_from_slice(&bytes);
        if !bytes.ends_with(b"\n") {
            all.push(b'\n');
        }
    }
    Ok(all)
}

/// Write `index.html` and `entries/<id>.html` for each entry into `out`. Returns the
/// written paths relative to `out`.
pub fn html_to_dir(css: &str, entries: &[(PathBuf, Entry)], out: &Path) -> Result<Vec<String>> {
    let mut written = Vec::with_capacity(entries.len() + 1);
    let mut index = String::new();
    index.push_str("<ul class=\"entries\">\n");
    for (path, entry) in entries {
        let id = crate::entry::file_id(path);
        let rel = format!("entries/{id}.html");
        write_atomic(&inside(out, &rel)?, entry_page(css, entry).as_bytes())?;
        // The page links its attachments as `<id>/<file>`, beside it.
        for name in copy_attachments(path, &inside(out, &format!("entries/{id}"))?)? {
            written.push(format!("entries/{id}/{name}"));
        }
        let _ = writeln!(
            index,
            "<li><time datetime=\"{date}\">{day}</time> <a href=\"{rel}\">{title}</a> <span class=\"kind\">{kind}</span>{tags}</li>",
            date = entry.meta.date.to_rfc3339(),
            day = entry.meta.date.format("%Y-%m-%d"),
            title = site::escape_html(&entry.meta.title),
            kind = site::escape_html(&entry.meta.kind),
            tags = tags_html(entry),
        );
        written.push(rel);
    }
    index.push_str("</ul>\n");
    write_atomic(
        &out.join("index.html"),
        site::html::standalone_page(css, "Journal", &format!("<h1>Journal</h1>\n{index}"))
            .as_bytes(),
    )?;
    written.push("index.html".into());
    Ok(written)
}

fn entry_page(css: &str, entry: &Entry) -> String {
    let m = &entry.meta;
    let body = site::markdown_to_html(&entry.body);
    let main = format!(
        "<article>\n<h1>{title}</h1>\n<p class=\"meta\"><time datetime=\"{date}\">{day}</time> · {kind}{author}{tags}</p>\n{body}</article>\n<p><a href=\"../index.html\">All entries</a></p>\n",
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
