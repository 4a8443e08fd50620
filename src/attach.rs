//! Attachments: files stored beside their entry, `entries/YYYY/MM/<entry id>/<file>`.
//!
//! `wol log --attach FILE` reads and checks them here before anything is written (a
//! regular file, not a folder or a symlink, under the size limit), gives each a safe file
//! name, and links them from the body. Publishing asks the same audience rule as for the
//! entry (they travel with it, never without it) and passes every published file through
//! [`published_bytes`], which takes location data out of photos.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use crate::error::hinted;

/// The size limit when `[log] attachment_max` does not set one: 10 MB.
pub const DEFAULT_MAX: u64 = 10 * 1000 * 1000;

/// A file to attach, read and checked.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// The file name it is stored under (safe: see [`safe_name`]).
    pub name: String,
    pub content: Vec<u8>,
}

/// Read the files named by `--attach`, in order, refusing what is not a regular file or
/// is larger than `max` bytes. Names that clash get `-2`, `-3`… before the extension.
pub fn read(paths: &[PathBuf], max: u64) -> Result<Vec<Attachment>> {
    let mut out: Vec<Attachment> = Vec::with_capacity(paths.len());
    for path in paths {
        let shown = path.display();
        let meta = fs::symlink_metadata(path).map_err(|e| {
            hinted(
                format!("cannot attach {shown}: {}", io_reason(&e)),
                "check the path (relative paths start from the current folder); nothing was written",
            )
        })?;
        if meta.file_type().is_symlink() {
            return Err(hinted(
                format!("cannot attach {shown}: it is a symbolic link"),
                "attach the file it points to instead; nothing was written",
            ));
        }
        if meta.is_dir() {
            return Err(hinted(
                format!("cannot attach {shown}: it is a folder"),
                "attach its files one by one (--attach FILE is repeatable), or an archive of it; nothing was written",
            ));
        }
        if !meta.is_file() {
            return Err(hinted(
                format!("cannot attach {shown}: it is not a regular file"),
                "attach a regular file; nothing was written",
            ));
        }
        if meta.len() > max {
            return Err(too_large(&shown.to_string(), meta.len(), max));
        }
        let content = fs::read(path).with_context(|| format!("cannot read {shown}"))?;
        // It may have grown since the check above.
        if content.len() as u64 > max {
            return Err(too_large(&shown.to_string(), content.len() as u64, max));
        }
        let base = safe_name(
            &path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        let mut name = base.clone();
        let mut n = 2;
        while out.iter().any(|a| a.name.eq_ignore_ascii_case(&name)) {
            name = numbered(&base, n);
            n += 1;
        }
        out.push(Attachment { name, content });
    }
    Ok(out)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn too_large(shown: &str, size: u64, max: u64) -> anyhow::Error {
    hinted(
        format!(
            "cannot attach {shown}: it is {}, more than the limit of {}",
            human_size(size),
            human_size(max)
        ),
        format!(
            "make it smaller (resize the image, compress the file), or raise the limit in wol.toml: \
             [log] attachment_max = \"{}MB\"; nothing was written",
            size.div_ceil(1_000_000)
        ),
    )
}

/// A file name that is safe in a path, a URL and Markdown: ASCII letters, digits, `-`,
/// `_` and `.` (anything else becomes `-`), not starting with a dot, at most 100 bytes
/// with the extension kept.
pub fn safe_name(name: &str) -> String {
    let ascii = deunicode::deunicode(name);
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            c
        } else {
            '-'
        };
        if c == '-' && out.ends_with('-') {
            continue;
        }
        out.push(c);
    }
    let out = out.trim_start_matches(['.', '-']).trim_end_matches('-');
    let (stem, ext) = split_ext(out);
    let mut stem: String = stem.trim_end_matches(['.', '-']).chars().take(80).collect();
    if stem.is_empty() {
        stem = "attachment".into();
    }
    let ext: String = ext.chars().take(15).collect();
    if ext.is_empty() {
        stem
    } else {
        format!("{stem}.{ext}")
    }
}

/// `photo.jpg` → (`photo`, `jpg`); no extension → (`name`, ``).
fn split_ext(name: &str) -> (&str, &str) {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => (stem, ext),
        _ => (name, ""),
    }
}

fn numbered(name: &str, n: usize) -> String {
    match split_ext(name) {
        (stem, "") => format!("{stem}-{n}"),
        (stem, ext) => format!("{stem}-{n}.{ext}"),
    }
}

/// True for the file types a browser shows as an image.
pub fn is_image(name: &str) -> bool {
    let ext = split_ext(name).1.to_ascii_lowercase();
    matches!(
        ext.as_str(),
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "avif" | "svg"
    )
}

/// The folder of an entry's attachments, relative like `entry_rel`
/// (`entries/YYYY/MM/<id>.md` → `entries/YYYY/MM/<id>`).
pub fn dir_of(entry_rel: &str) -> String {
    entry_rel
        .strip_suffix(".md")
        .unwrap_or(entry_rel)
        .to_string()
}

/// The Markdown that links `names` from an entry whose id is `id`: images shown, other
/// files linked, a paragraph each. The links are relative to the entry file, so they work
/// in a forge's Markdown view, a clone, and (the site copies the files beside the page)
/// on the entry's page.
pub fn links(id: &str, names: &[String]) -> String {
    names
        .iter()
        .map(|name| {
            if is_image(name) {
                format!("![{name}]({id}/{name})")
            } else {
                format!("[{name}]({id}/{name})")
            }
        })
        .collect::<Vec<_>>()
        // One paragraph each: an image on a line of its own, a file link under it.
        .join("\n\n")
}

/// `body` with the attachment links added after its text, before the first `## ` section
/// (so they stay out of `## Learned`, `## Next` and `## Help wanted`).
pub fn add_links(body: &str, links: &str) -> String {
    if links.is_empty() {
        return body.to_string();
    }
    let mut offset = 0;
    let mut split = body.len();
    for line in body.split_inclusive('\n') {
        if line.starts_with("## ") {
            split = offset;
            break;
        }
        offset += line.len();
    }
    let (text, sections) = body.split_at(split);
    let text = text.trim_end();
    let mut out = String::with_capacity(body.len() + links.len() + 4);
    if !text.is_empty() {
        out.push_str(text);
        out.push_str("\n\n");
    }
    out.push_str(links);
    out.push('\n');
    if !sections.is_empty() {
        out.push('\n');
        out.push_str(sections);
    } else if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The attachments of the entry at `entry` (an absolute path to its `.md`), as they are
/// on disk: regular files directly in its folder, sorted by name.
pub fn on_disk(entry: &Path) -> Vec<(String, u64)> {
    let dir = entry.with_extension("");
    let Ok(rd) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, u64)> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let meta = e
                .metadata()
                .ok()
                .filter(|_| e.file_type().is_ok_and(|t| t.is_file()))?;
            Some((e.file_name().to_string_lossy().into_owned(), meta.len()))
        })
        .collect();
    out.sort();
    out
}

/// Parse a size: `10MB`, `500 kB`, `2MiB`, `1.5 GB` or a number of bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num.parse().ok()?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = num * factor;
    (bytes.is_finite() && bytes >= 1.0).then_some(bytes.round() as u64)
}

/// `10 MB`, `512 kB`, `300 bytes`: sizes for people, in powers of ten.
pub fn human_size(bytes: u64) -> String {
    let b = bytes as f64;
    if bytes >= 1_000_000_000 {
        format!("{} GB", trim_num(b / 1e9))
    } else if bytes >= 1_000_000 {
        format!("{} MB", trim_num(b / 1e6))
    } else if bytes >= 1_000 {
        format!("{} kB", trim_num(b / 1e3))
    } else {
        format!("{bytes} bytes")
    }
}

fn trim_num(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map(String::from).unwrap_or(s)
}

/// What to publish for an attachment named `name` holding `content`: the same bytes,
/// except for photos, whose location and other camera metadata is taken out (JPEG: the
/// EXIF and XMP `APP1` and the IPTC `APP13` segments, keeping only the orientation so a
/// portrait photo stays upright; PNG and WebP: the EXIF chunk). The image data itself is
/// copied, never re-encoded. `None` when a photo cannot be parsed, or is in a camera
/// format wol cannot strip (HEIC, AVIF, TIFF, raw): then it is not published, since its
/// metadata could not be checked.
pub fn published_bytes(name: &str, content: &[u8]) -> Option<Vec<u8>> {
    use img_parts::{Bytes, ImageEXIF as _};
    if content.starts_with(&[0xFF, 0xD8]) {
        return strip_jpeg(content);
    }
    let ext = split_ext(name).1.to_ascii_lowercase();
    let is_png = content.starts_with(b"\x89PNG\r\n\x1a\n");
    let is_webp = content.len() > 12 && &content[..4] == b"RIFF" && &content[8..12] == b"WEBP";
    if is_png || is_webp {
        let mut image = img_parts::DynImage::from_bytes(Bytes::copy_from_slice(content))
            .ok()
            .flatten()?;
        if image.exif().is_none() {
            return Some(content.to_vec());
        }
        image.set_exif(None);
        let mut out = Vec::with_capacity(content.len());
        image.encoder().write_to(&mut out).ok()?;
        return Some(out);
    }
    if matches!(ext.as_str(), "jpg" | "jpeg") {
        // Called a JPEG but is none: nothing to strip, nothing that shows as a photo.
        return None;
    }
    if matches!(
        ext.as_str(),
        "heic" | "heif" | "avif" | "tif" | "tiff" | "dng" | "cr2" | "nef" | "arw"
    ) {
        // Camera formats that carry EXIF (and so GPS) wol cannot take out: held back.
        return None;
    }
    Some(content.to_vec())
}

const APP1: u8 = 0xE1;
const APP13: u8 = 0xED;

fn strip_jpeg(content: &[u8]) -> Option<Vec<u8>> {
    use img_parts::Bytes;
    use img_parts::jpeg::{Jpeg, JpegSegment};
    let mut jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(content)).ok()?;
    let orientation = jpeg
        .segments()
        .iter()
        .filter(|s| s.marker() == APP1)
        .find_map(|s| exif_orientation(s.contents()));
    let has_metadata = jpeg
        .segments()
        .iter()
        .any(|s| matches!(s.marker(), APP1 | APP13));
    if !has_metadata {
        return Some(content.to_vec());
    }
    let segments = jpeg.segments_mut();
    let at = segments
        .iter()
        .position(|s| s.marker() == APP1)
        .unwrap_or_else(|| {
            // After APP0 (JFIF), where EXIF would sit.
            usize::from(segments.first().is_some_and(|s| s.marker() == 0xE0))
        });
    segments.retain(|s| !matches!(s.marker(), APP1 | APP13));
    if let Some(o) = orientation.filter(|&o| o != 1) {
        let at = at.min(segments.len());
        segments.insert(
            at,
            JpegSegment::new_with_contents(APP1, Bytes::from(orientation_exif(o))),
        );
    }
    let mut out = Vec::with_capacity(content.len());
    jpeg.encoder().write_to(&mut out).ok()?;
    Some(out)
}

/// The orientation tag (0x0112) of IFD0 in an `APP1` segment holding EXIF.
fn exif_orientation(segment: &[u8]) -> Option<u16> {
    let tiff = segment.strip_prefix(b"Exif\0\0")?;
    let big = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |i: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(i..i + 2)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |i: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(i..i + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = u32_at(4)? as usize;
    let count = u16_at(ifd)? as usize;
    (0..count.min(512)).find_map(|n| {
        let entry = ifd + 2 + n * 12;
        (u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3)
            .then(|| u16_at(entry + 8))
            .flatten()
            .filter(|o| (1..=8).contains(o))
    })
}

/// An EXIF payload with nothing but the orientation.
fn orientation_exif(orientation: u16) -> Vec<u8> {
    let mut out = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    out.extend_from_slice(&1u16.to_be_bytes()); // one entry
    out.extend_from_slice(&0x0112u16.to_be_bytes());
    out.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    out.extend_from_slice(&1u32.to_be_bytes()); // count
    out.extend_from_slice(&orientation.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe() {
        assert_eq!(
            safe_name("Photo of the Board (final).JPG"),
            "Photo-of-the-Board-final.JPG"
        );
        assert_eq!(safe_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_name(".hidden"), "hidden");
        assert_eq!(safe_name("Übersicht.pdf"), "Ubersicht.pdf");
        assert_eq!(safe_name(""), "attachment");
        assert_eq!(safe_name("..."), "attachment");
        assert_eq!(numbered("a.png", 2), "a-2.png");
        assert_eq!(numbered("README", 3), "README-3");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10MB"), Some(10_000_000));
        assert_eq!(parse_size("500 kB"), Some(500_000));
        assert_eq!(parse_size("2MiB"), Some(2 * 1024 * 1024));
        assert_eq!(parse_size("1234"), Some(1234));
        assert_eq!(parse_size("ten"), None);
        assert_eq!(parse_size("0"), None);
        assert_eq!(human_size(10_000_000), "10 MB");
        assert_eq!(human_size(1_500), "1.5 kB");
    }

    #[test]
    fn links_go_before_the_sections() {
        let body = "Did it.\n\n## Learned\nA thing.\n";
        let out = add_links(body, "![a.png](x/a.png)");
        assert_eq!(
            out,
            "Did it.\n\n![a.png](x/a.png)\n\n## Learned\nA thing.\n"
        );
        assert_eq!(add_links("", "[a.pdf](x/a.pdf)"), "[a.pdf](x/a.pdf)\n");
    }

    #[test]
    fn photos_whose_metadata_cannot_be_checked_are_held_back() {
        assert_eq!(published_bytes("a.jpg", b"not a jpeg"), None);
        assert_eq!(published_bytes("IMG_1.HEIC", b"....ftypheic"), None);
        assert_eq!(published_bytes("scan.tiff", b"II*\0"), None);
        assert_eq!(
            published_bytes("notes.txt", b"plain").as_deref(),
            Some(&b"plain"[..])
        );
    }

    #[test]
    fn orientation_survives_and_nothing_else() {
        let exif = orientation_exif(6);
        assert_eq!(exif_orientation(&exif), Some(6));
    }
}
