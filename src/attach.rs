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

/// Whether a browser runs scripts in a file of this name when a web server hands it out:
/// SVG, HTML, XML (and XSLT), JavaScript, Flash. Such an attachment is published beside
/// its entry's Markdown, where forges show it inert, but not on the site (`docs/`), where
/// it would run with the site's own address.
pub fn runs_scripts(name: &str) -> bool {
    let ext = split_ext(name).1.to_ascii_lowercase();
    matches!(
        ext.as_str(),
        "svg"
            | "svgz"
            | "html"
            | "htm"
            | "shtml"
            | "xhtml"
            | "xht"
            | "mht"
            | "mhtml"
            | "xml"
            | "xsl"
            | "xslt"
            | "js"
            | "mjs"
            | "swf"
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

/// Where the link `dest` in the text of the entry at `entry_rel` (`entries/YYYY/MM/<id>.md`)
/// points when that is inside the entry's attachment folder: the file's path relative
/// like `entry_rel` (`entries/YYYY/MM/<id>/board.png`) and what followed it in the link
/// (`?…`, `#…`). `None` for any other link: absolute (a scheme, `/…`), an anchor, or a
/// file elsewhere, which may be another entry's.
pub fn link_target<'d>(entry_rel: &str, dest: &'d str) -> Option<(String, &'d str)> {
    let (path, rest) = dest.split_at(dest.find(['?', '#']).unwrap_or(dest.len()));
    let lower = path.to_ascii_lowercase();
    if path.is_empty()
        || path.starts_with('/')
        || path.contains([':', '\\'])
        || ["%2e", "%2f", "%5c"].iter().any(|e| lower.contains(e))
    {
        return None;
    }
    let mut parts: Vec<&str> = entry_rel.split('/').collect();
    parts.pop();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    let target = parts.join("/");
    let folder = dir_of(entry_rel);
    (target.len() > folder.len() + 1
        && target.starts_with(&folder)
        && target.as_bytes()[folder.len()] == b'/')
        .then_some((target, rest))
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

/// `body` with its links to the attachments of the entry `old_id` (`](<old_id>/…`, and
/// reference definitions `]: <old_id>/…`) pointing at the folder of `new_id`: for an
/// entry whose file, and so its attachment folder, gets another name.
pub fn relink(body: &str, old_id: &str, new_id: &str) -> String {
    body.replace(&format!("]({old_id}/"), &format!("]({new_id}/"))
        .replace(&format!("]: {old_id}/"), &format!("]: {new_id}/"))
}

/// `body` with its Markdown links and images pointing at the attachments `names` of the
/// entry `id` (`[text](<id>/<name>)`, `![alt](<id>/<name>)`) replaced by their text: for
/// attachments that are not published, whose links would be broken where the entry is.
pub fn unlink(body: &str, id: &str, names: &[&str]) -> String {
    let mut out = body.to_string();
    for name in names {
        let target = format!("]({id}/{name})");
        while let Some(end) = out.find(&target) {
            // The link text starts at the last `[` before it on its line.
            let line_start = out[..end].rfind('\n').map_or(0, |i| i + 1);
            let Some(open) = out[line_start..end].rfind('[').map(|i| line_start + i) else {
                break;
            };
            let start = if out[..open].ends_with('!') {
                open - 1
            } else {
                open
            };
            let text = out[open + 1..end].to_string();
            out.replace_range(start..end + target.len(), &text);
        }
    }
    out
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
/// except for photos, of which only what shows the image is kept, so their location and
/// every other camera, editor or sharing note stays home:
///
/// - JPEG: the start and end markers, JFIF (`APP0`), the ICC profile (`APP2`
///   `ICC_PROFILE`), Adobe's colour transform (`APP14`), the tables (DQT, DHT, DAC, DRI,
///   DNL, DHP, EXP), the frame headers (SOFn) and the scans; the orientation is kept in an
///   EXIF `APP1` of its own, so a portrait photo stays upright. Gone: JFXX thumbnails
///   (`APP0`), the rest of the EXIF and XMP (`APP1`), MPF and FlashPix (`APP2`),
///   `APP3`–`APP13`, `APP15`, comments, and everything after the first image's end (where
///   phones store further images, each with its own EXIF).
/// - PNG: the critical chunks (IHDR, PLTE, IDAT, IEND), the display chunks (tRNS, gAMA,
///   cHRM, sRGB, iCCP, sBIT, bKGD, pHYs, cICP, mDCV, cLLI) and the animation chunks (acTL,
///   fcTL, fdAT). Gone: text (tEXt, zTXt, iTXt, which holds XMP), eXIf, tIME, any other
///   chunk, and anything after IEND.
/// - WebP: VP8, VP8L, VP8X (its EXIF and XMP flags cleared), ALPH, ANIM, ANMF (with only
///   its ALPH, VP8 and VP8L inside) and ICCP. Gone: EXIF, XMP, any other chunk, and
///   anything after the RIFF container.
/// - GIF: the header, the screen descriptor, the colour tables, the images, their graphic
///   control extensions and the looping extension (`NETSCAPE2.0` or `ANIMEXTS1.0`).
///   Gone: comments, plain-text extensions, other application extensions (XMP), and
///   anything after the trailer.
///
/// Photos are recognised by their first bytes, whatever their name. The image data is
/// copied, never re-encoded; a photo cut short between two blocks gets its end marker
/// back. `None`, and so not published, when what a photo carries cannot be checked: a
/// block runs past its end or is not one its format has; when a file named as a photo
/// (`.jpg`, `.png`, `.webp`, `.gif`) is none of them; and for camera formats wol cannot
/// strip (HEIC, AVIF, TIFF, raw).
pub fn published_bytes(name: &str, content: &[u8]) -> Option<Vec<u8>> {
    if content.starts_with(&[0xFF, SOI]) {
        return shown_jpeg(content);
    }
    if content.starts_with(PNG_SIGNATURE) {
        return shown_png(content);
    }
    if content.len() >= 12 && content.starts_with(b"RIFF") && &content[8..12] == b"WEBP" {
        return shown_webp(content);
    }
    if content.starts_with(b"GIF87a") || content.starts_with(b"GIF89a") {
        return shown_gif(content);
    }
    let ext = split_ext(name).1.to_ascii_lowercase();
    if matches!(ext.as_str(), "jpg" | "jpeg" | "png" | "webp" | "gif") {
        // Called a photo but is none of the formats wol reads: nothing it could check, and
        // a browser that sniffs the bytes might still show it.
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

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;

/// A JPEG with only the segments that show it ([`published_bytes`] lists them), up to the
/// end of its first image. `None` when a segment runs past the end, or no scan comes
/// before it.
fn shown_jpeg(content: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(content.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let mut orientation = None;
    // Where the orientation goes: after SOI and JFIF, where cameras put their EXIF.
    let mut exif_at = None;
    let mut scanned = false;
    let mut at = 2;
    loop {
        // Stray bytes before a marker are skipped, as decoders do; so are fill bytes.
        while content.get(at).is_some_and(|&b| b != 0xFF) {
            at += 1;
        }
        while content.get(at) == Some(&0xFF) {
            at += 1;
        }
        let Some(&marker) = content.get(at) else {
            // Cut short after a scan: decoders show what came, and all of it was read.
            if scanned {
                break;
            }
            return None;
        };
        at += 1;
        match marker {
            EOI if scanned => break,
            EOI => return None,
            // Standalone markers (TEM, a restart outside a scan) carry nothing; `FF 00`
            // outside a scan is a stray byte.
            0x00 | 0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes(
            content.get(at..at + 2)?.try_into().ok()?,
        ));
        if len < 2 {
            return None;
        }
        let segment = content.get(at..at + len)?;
        let payload = &segment[2..];
        at += segment.len();
        if marker == APP1 && orientation.is_none() {
            orientation = exif_orientation(payload);
        }
        if !jpeg_shows(marker, payload) {
            continue;
        }
        if marker != APP0 {
            exif_at.get_or_insert(out.len());
        }
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(segment);
        if marker == SOS {
            // The entropy-coded data runs to the next marker that is neither a stuffed
            // 0xFF (`FF 00`) nor a restart (`FF D0`–`FF D7`).
            let start = at;
            loop {
                let rest = &content[at..];
                at += rest.iter().position(|&b| b == 0xFF).unwrap_or(rest.len());
                match content.get(at + 1) {
                    Some(0x00 | 0xD0..=0xD7) => at += 2,
                    _ => break,
                }
            }
            out.extend_from_slice(&content[start..at]);
            scanned = true;
        }
    }
    out.extend_from_slice(&[0xFF, EOI]);
    if let Some(o) = orientation.filter(|&o| o != 1) {
        let exif = orientation_exif(o);
        let mut segment = vec![0xFF, APP1];
        segment.extend_from_slice(&u16::try_from(exif.len() + 2).ok()?.to_be_bytes());
        segment.extend_from_slice(&exif);
        let at = exif_at.unwrap_or(2);
        out.splice(at..at, segment);
    }
    Some(out)
}

/// Whether a JPEG segment is needed to show the image. The orientation (in `APP1`) is
/// taken out of its EXIF and written back alone.
fn jpeg_shows(marker: u8, payload: &[u8]) -> bool {
    match marker {
        // JFIF; not JFXX, whose thumbnail may be a JPEG with an EXIF of its own.
        APP0 => payload.starts_with(b"JFIF\0"),
        // The colour profile, in chunks; not MPF (further images) or FlashPix.
        0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
        // Adobe's: says whether the colours are YCbCr or RGB (CMYK or YCCK).
        0xEE => payload.starts_with(b"Adobe"),
        // SOF0–SOF15, with DHT (C4) and DAC (CC) among them; C8 is reserved.
        0xC0..=0xCF => marker != 0xC8,
        // DQT, DNL, DRI, DHP, EXP.
        0xDB..=0xDF => true,
        SOS => true,
        _ => false,
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const PNG_IEND: &[u8] = b"\0\0\0\0IEND\xae\x42\x60\x82";

/// PNG chunks needed to show the image: critical, colour and transparency, animation.
const PNG_SHOWS: [&[u8; 4]; 18] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"bKGD", b"pHYs", b"cICP", b"mDCV", b"cLLI", b"acTL", b"fcTL", b"fdAT",
];

/// A PNG with only the chunks that show it, up to IEND. `None` when it does not start
/// with IHDR or a chunk runs past the end. Chunks are copied whole, so their CRCs stay
/// right.
fn shown_png(content: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(content.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut at = PNG_SIGNATURE.len();
    loop {
        if at == content.len() && at > PNG_SIGNATURE.len() {
            // Cut short between chunks: all of it was read; decoders show it.
            out.extend_from_slice(PNG_IEND);
            return Some(out);
        }
        let len = u32::from_be_bytes(content.get(at..at + 4)?.try_into().ok()?) as usize;
        let kind: &[u8; 4] = content.get(at + 4..at + 8)?.try_into().ok()?;
        let chunk = content.get(at..at.checked_add(12)?.checked_add(len)?)?;
        if (at == PNG_SIGNATURE.len()) != (kind == b"IHDR") {
            return None;
        }
        if PNG_SHOWS.contains(&kind) {
            out.extend_from_slice(chunk);
        }
        if kind == b"IEND" {
            return Some(out);
        }
        at += chunk.len();
    }
}

/// The VP8X flags that announce EXIF and XMP chunks.
const VP8X_EXIF: u8 = 0x08;
const VP8X_XMP: u8 = 0x04;

/// A WebP with only the chunks that show it, in a RIFF container sized for them. `None`
/// when a chunk runs past the container, or the first chunk is not an image header.
fn shown_webp(content: &[u8]) -> Option<Vec<u8>> {
    let size = u32::from_le_bytes(content.get(4..8)?.try_into().ok()?) as usize;
    let chunks = riff_chunks(content.get(12..size.checked_add(8)?)?)?;
    if !matches!(chunks.first(), Some((b"VP8 " | b"VP8L" | b"VP8X", _))) {
        return None;
    }
    let mut out = Vec::with_capacity(content.len());
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    for (kind, data) in chunks {
        match kind {
            b"VP8X" => {
                let mut header = data.to_vec();
                *header.first_mut()? &= !(VP8X_EXIF | VP8X_XMP);
                push_riff_chunk(&mut out, kind, &header);
            }
            b"ANMF" => {
                // A frame: its position and timing, then its image (and maybe other chunks).
                let (header, frame) = (data.get(..16)?, &data[16..]);
                let mut shown = header.to_vec();
                for (kind, data) in riff_chunks(frame)? {
                    if matches!(kind, b"ALPH" | b"VP8 " | b"VP8L") {
                        push_riff_chunk(&mut shown, kind, data);
                    }
                }
                push_riff_chunk(&mut out, kind, &shown);
            }
            b"VP8 " | b"VP8L" | b"ALPH" | b"ANIM" | b"ICCP" => {
                push_riff_chunk(&mut out, kind, data)
            }
            _ => {}
        }
    }
    let size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Some(out)
}

/// The chunks of a RIFF body: four-letter kind and data (without the pad byte that
/// follows odd-sized data). `None` when one runs past the end.
fn riff_chunks(mut body: &[u8]) -> Option<Vec<(&[u8; 4], &[u8])>> {
    let mut chunks = Vec::new();
    while !body.is_empty() {
        let kind: &[u8; 4] = body.get(..4)?.try_into().ok()?;
        let len = u32::from_le_bytes(body.get(4..8)?.try_into().ok()?) as usize;
        let data = body.get(8..8 + len)?;
        chunks.push((kind, data));
        // The last chunk's pad byte is sometimes left out.
        body = body.get(8 + len + len % 2..).unwrap_or_default();
    }
    Some(chunks)
}

fn push_riff_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(kind);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
}

/// A GIF with only what shows it, up to the trailer. `None` when a block runs past the
/// end, or is not one GIF has.
fn shown_gif(content: &[u8]) -> Option<Vec<u8>> {
    // Header (6), logical screen descriptor (7), global colour table.
    let mut at = 13 + gif_colour_table_len(*content.get(10)?);
    let mut out = Vec::with_capacity(content.len());
    out.extend_from_slice(content.get(..at)?);
    loop {
        let Some(&block) = content.get(at) else {
            // Cut short between blocks: all of it was read; decoders show it.
            out.push(0x3B);
            return Some(out);
        };
        match block {
            // An image: descriptor (10), local colour table, LZW code size, data.
            0x2C => {
                let data = at + 10 + gif_colour_table_len(*content.get(at + 9)?) + 1;
                let end = gif_blocks_end(content, data)?;
                out.extend_from_slice(&content[at..end]);
                at = end;
            }
            0x21 => {
                let label = *content.get(at + 1)?;
                let end = gif_blocks_end(content, at + 2)?;
                let first = content.get(at + 2..end)?;
                let first = first.get(1..1 + usize::from(first[0])).unwrap_or_default();
                match label {
                    // Graphic control: delay, disposal, transparent colour (4 bytes).
                    0xF9 if first.len() == 4 => {
                        out.extend_from_slice(&[0x21, 0xF9, 4]);
                        out.extend_from_slice(first);
                        out.push(0);
                    }
                    // Application: only the looping one, with only its loop count.
                    0xFF if first == b"NETSCAPE2.0" || first == b"ANIMEXTS1.0" => {
                        let loops =
                            gif_blocks(content, at + 2)?.find(|b| b.len() == 3 && b[0] == 1);
                        if let Some(loops) = loops {
                            out.extend_from_slice(&[0x21, 0xFF, 11]);
                            out.extend_from_slice(first);
                            out.push(3);
                            out.extend_from_slice(loops);
                            out.push(0);
                        }
                    }
                    _ => {}
                }
                at = end;
            }
            0x3B => {
                out.push(0x3B);
                return Some(out);
            }
            _ => return None,
        }
    }
}

/// The size of the colour table a GIF's packed field announces.
fn gif_colour_table_len(packed: u8) -> usize {
    if packed & 0x80 == 0 {
        0
    } else {
        3 << ((packed & 7) + 1)
    }
}

/// Where the data sub-blocks starting at `at` end (after their empty terminator).
fn gif_blocks_end(content: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = usize::from(*content.get(at)?);
        at += 1 + len;
        if len == 0 {
            return (at <= content.len()).then_some(at);
        }
    }
}

/// The data sub-blocks starting at `at`, up to their terminator.
fn gif_blocks(content: &[u8], at: usize) -> Option<impl Iterator<Item = &[u8]>> {
    gif_blocks_end(content, at)?;
    let mut at = at;
    Some(std::iter::from_fn(move || {
        let len = usize::from(content[at]);
        let block = content.get(at + 1..at + 1 + len).filter(|_| len > 0)?;
        at += 1 + len;
        Some(block)
    }))
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
    #[test]
    fn links_to_withheld_attachments_become_their_text() {
        let body = "See ![board.heic](e1/board.heic) and [the raw](e1/board.heic).\n\n\
                    ![ok.png](e1/ok.png) [other](e2/board.heic)\n";
        assert_eq!(
            super::unlink(body, "e1", &["board.heic"]),
            "See board.heic and the raw.\n\n![ok.png](e1/ok.png) [other](e2/board.heic)\n"
        );
    }

    use super::*;

    #[test]
    fn links_into_the_attachment_folder_are_found() {
        let entry = "entries/2026/11/2026-11-18-1000-retro.md";
        let target = |dest| link_target(entry, dest);
        let board = "entries/2026/11/2026-11-18-1000-retro/board.png";
        assert_eq!(
            target("2026-11-18-1000-retro/board.png"),
            Some((board.to_string(), ""))
        );
        assert_eq!(
            target("./2026-11-18-1000-retro/./board.png#top"),
            Some((board.to_string(), "#top"))
        );
        assert_eq!(
            target("../11/2026-11-18-1000-retro/board.png?v=2"),
            Some((board.to_string(), "?v=2"))
        );
        for elsewhere in [
            "https://example.org/2026-11-18-1000-retro/board.png",
            "/2026-11-18-1000-retro/board.png",
            "#learned",
            "2026-11-18-1000-retro",
            "2026-11-18-1000-retro/",
            "2026-11-18-1000-retro-2/board.png",
            "2026-11-01-0900-private/secret.png",
            "2026-11-18-1000-retro/../other/x.png",
            "2026-11-18-1000-retro/%2e%2e/other/x.png",
            "../../../../../etc/passwd",
            "mailto:a@b.org",
        ] {
            assert_eq!(target(elsewhere), None, "{elsewhere}");
        }
    }

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
        assert_eq!(published_bytes("a.png", b"not a png"), None);
        // Cut short inside a block: what it held cannot be checked.
        assert_eq!(published_bytes("a.jpg", &TINY_JPEG[..100]), None);
        let png = [PNG_SIGNATURE, &png_chunk(b"IHDR", &[0; 13])].concat();
        assert_eq!(published_bytes("a.png", &png[..png.len() - 1]), None);
        let mut webp = riff(&[webp_chunk(b"VP8L", VP8L_1X1)]);
        webp[4] += 2;
        assert_eq!(published_bytes("a.webp", &webp), None);
        let gif = tiny_gif(&[]);
        assert_eq!(published_bytes("a.gif", &gif[..gif.len() - 3]), None);
        // Cut short between blocks: all of it was read, and it gets its end back.
        let jpeg = &TINY_JPEG[..TINY_JPEG.len() - 2];
        assert_eq!(published_bytes("a.jpg", jpeg).as_deref(), Some(TINY_JPEG));
        let ended = [&png[..], &png_chunk(b"IEND", b"")].concat();
        assert_eq!(published_bytes("a.png", &png), Some(ended));
        assert_eq!(published_bytes("a.gif", &gif[..gif.len() - 1]), Some(gif));
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
    /// A real 16×16 JPEG (JFIF, an ICC profile, no EXIF), made by Chromium's encoder.
    const TINY_JPEG: &[u8] = include_bytes!("../tests/fixtures/attachments/tiny.jpg");

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    }

    /// Each place metadata hid in is marked with a `LEAK-…` text; none may be published.
    fn assert_gone(published: &[u8], places: &[&str]) {
        let leaked: Vec<&&str> = places.iter().filter(|p| contains(published, p)).collect();
        assert!(leaked.is_empty(), "published: {leaked:?}");
    }

    /// EXIF (without the `Exif\0\0` prefix) whose IFD0 holds `orientation` and an image
    /// description, `note`: what a camera writes beside the GPS IFD.
    fn tiff_with(orientation: u16, note: &str) -> Vec<u8> {
        let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
        tiff.extend_from_slice(&2u16.to_be_bytes());
        tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0]);
        tiff.extend_from_slice(&[0x01, 0x0E, 0, 2]);
        tiff.extend_from_slice(&(note.len() as u32 + 1).to_be_bytes());
        tiff.extend_from_slice(&38u32.to_be_bytes());
        tiff.extend_from_slice(&0u32.to_be_bytes());
        tiff.extend_from_slice(note.as_bytes());
        tiff.push(0);
        tiff
    }

    fn exif_with(orientation: u16, note: &str) -> Vec<u8> {
        [&b"Exif\0\0"[..], &tiff_with(orientation, note)].concat()
    }

    fn xmp(place: &str) -> String {
        format!(
            "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF><rdf:Description \
             exif:GPSLatitude=\"48,12.29N\" photoshop:City=\"{place}\"/></rdf:RDF></x:xmpmeta>"
        )
    }

    fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF, marker];
        out.extend_from_slice(&(payload.len() as u16 + 2).to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    /// The segments of a JPEG as (marker, payload), checking that it is one: SOI first,
    /// each segment within the file, each scan running to a marker, EOI last.
    fn jpeg_segments(jpeg: &[u8]) -> Vec<(u8, &[u8])> {
        assert_eq!(jpeg[..2], [0xFF, SOI], "no SOI");
        let mut segments = Vec::new();
        let mut at = 2;
        loop {
            assert_eq!(jpeg[at], 0xFF, "no marker at {at}");
            let marker = jpeg[at + 1];
            if marker == EOI {
                assert_eq!(at + 2, jpeg.len(), "bytes after EOI");
                return segments;
            }
            let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
            segments.push((marker, &jpeg[at + 4..at + 2 + len]));
            at += 2 + len;
            if marker == SOS {
                while jpeg[at] != 0xFF || matches!(jpeg[at + 1], 0x00 | 0xD0..=0xD7) {
                    at += 1;
                }
            }
        }
    }

    /// From the start of scan on: the compressed image.
    fn scan_data(jpeg: &[u8]) -> &[u8] {
        &jpeg[jpeg.windows(2).position(|w| w == [0xFF, SOS]).unwrap()..]
    }

    #[test]
    fn jpegs_keep_only_what_shows_them() {
        // After SOI and JFIF, where cameras put their segments.
        let app0_end = 4 + usize::from(u16::from_be_bytes([TINY_JPEG[4], TINY_JPEG[5]]));
        let mut photo = TINY_JPEG[..app0_end].to_vec();
        photo.extend(jpeg_segment(APP0, b"JFXX\0\x10LEAK-THUMBNAIL"));
        photo.extend(jpeg_segment(APP1, &exif_with(6, "LEAK-EXIF")));
        let xmp = format!("http://ns.adobe.com/xap/1.0/\0{}", xmp("LEAK-XMP"));
        photo.extend(jpeg_segment(APP1, xmp.as_bytes()));
        photo.extend(jpeg_segment(0xE2, b"MPF\0MM\0\x2a LEAK-MPF"));
        photo.extend(jpeg_segment(0xE2, b"FPXR\0LEAK-FLASHPIX"));
        photo.extend(jpeg_segment(0xED, b"Photoshop 3.0\08BIMLEAK-IPTC"));
        photo.extend(jpeg_segment(0xEF, b"LEAK-APP15"));
        photo.extend(jpeg_segment(0xFE, b"LEAK-COMMENT"));
        let adobe = jpeg_segment(0xEE, b"Adobe\0\x64\0\0\0\0\x01");
        photo.extend(&adobe);
        photo.extend_from_slice(&TINY_JPEG[app0_end..]);
        // A second image after the first, as MPF stores them, with an EXIF of its own.
        photo.extend_from_slice(&TINY_JPEG[..2]);
        photo.extend(jpeg_segment(APP1, &exif_with(1, "LEAK-SECOND-IMAGE")));
        photo.extend_from_slice(&TINY_JPEG[2..]);

        let published = published_bytes("IMG_0042.JPG", &photo).unwrap();
        assert_gone(
            &published,
            &[
                "LEAK-THUMBNAIL",
                "LEAK-EXIF",
                "LEAK-XMP",
                "LEAK-MPF",
                "LEAK-FLASHPIX",
                "LEAK-IPTC",
                "LEAK-APP15",
                "LEAK-COMMENT",
                "LEAK-SECOND-IMAGE",
            ],
        );
        let segments = jpeg_segments(&published);
        let markers: Vec<u8> = segments.iter().map(|s| s.0).collect();
        assert_eq!(
            markers,
            [
                APP0, APP1, 0xEE, 0xE2, 0xDB, 0xDB, 0xC0, 0xC4, 0xC4, 0xC4, 0xC4, SOS
            ]
        );
        // Kept: the orientation alone, the ICC profile, Adobe's colour transform, and the
        // compressed image as it was.
        assert_eq!(segments[1].1, orientation_exif(6));
        assert_eq!(exif_orientation(segments[1].1), Some(6));
        assert_eq!(segments[2].1, &adobe[4..]);
        assert!(segments[3].1.starts_with(b"ICC_PROFILE\0"));
        assert_eq!(scan_data(&published), scan_data(TINY_JPEG));
        // A JPEG with nothing to take out is published as it is.
        assert_eq!(
            published_bytes("a.jpg", TINY_JPEG).as_deref(),
            Some(TINY_JPEG)
        );
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc32(&out[4..]).to_be_bytes());
        out
    }

    /// The chunks of a PNG, checking that it is one: the signature, IHDR first, each chunk
    /// within the file and with a right CRC, IEND last.
    fn png_chunks(png: &[u8]) -> Vec<Vec<u8>> {
        assert!(png.starts_with(PNG_SIGNATURE), "no signature");
        let mut chunks = Vec::new();
        let mut at = PNG_SIGNATURE.len();
        while at < png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let chunk = &png[at..at + 12 + len];
            let crc = u32::from_be_bytes(chunk[8 + len..].try_into().unwrap());
            assert_eq!(crc, crc32(&chunk[4..8 + len]), "a wrong CRC at {at}");
            chunks.push(chunk.to_vec());
            at += chunk.len();
        }
        assert_eq!(&chunks[0][4..8], b"IHDR");
        assert_eq!(&chunks.last().unwrap()[4..8], b"IEND", "IEND not last");
        chunks
    }

    #[test]
    fn pngs_keep_only_what_shows_them() {
        // 1×1, 8 bits, a palette of one transparent black.
        let kept = [
            png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 3, 0, 0, 0]),
            png_chunk(b"iCCP", b"a profile\0\0\x78\x01\x03\0\0\0\0\x01"),
            png_chunk(b"PLTE", &[0, 0, 0]),
            png_chunk(b"tRNS", &[0]),
            // Filter 0, index 0; zlib, one stored block.
            png_chunk(
                b"IDAT",
                b"\x78\x01\x01\x02\x00\xfd\xff\x00\x00\x00\x02\x00\x01",
            ),
            png_chunk(b"IEND", b""),
        ];
        let xmp = format!("XML:com.adobe.xmp\0\0\0\0\0{}", xmp("LEAK-XMP"));
        let photo = [
            PNG_SIGNATURE,
            &kept[0],
            &kept[1],
            &png_chunk(b"tEXt", b"Comment\0LEAK-TEXT"),
            &png_chunk(b"zTXt", b"LEAK-ZTXT\0\0\x78\x01"),
            &png_chunk(b"iTXt", xmp.as_bytes()),
            &png_chunk(b"eXIf", &tiff_with(6, "LEAK-EXIF")),
            &png_chunk(b"tIME", &[7, 234, 11, 22, 18, 0, 0]),
            &kept[2],
            &kept[3],
            &png_chunk(b"prVt", b"LEAK-PRIVATE"),
            &kept[4],
            &kept[5],
            // After the end: where appended data hides.
            &png_chunk(b"tEXt", b"Comment\0LEAK-AFTER-END"),
        ]
        .concat();

        let published = published_bytes("map.png", &photo).unwrap();
        assert_gone(
            &published,
            &[
                "LEAK-TEXT",
                "LEAK-ZTXT",
                "LEAK-XMP",
                "LEAK-EXIF",
                "LEAK-PRIVATE",
                "LEAK-AFTER-END",
            ],
        );
        // IHDR, iCCP, PLTE, tRNS, IDAT, IEND: each as it was, CRC and all.
        assert_eq!(png_chunks(&published), kept);
        let plain = [PNG_SIGNATURE, &kept.concat()].concat();
        assert_eq!(published_bytes("p.png", &plain), Some(plain));
    }

    /// The lossless bitstream of a 1×1 WebP.
    const VP8L_1X1: &[u8] = b"\x2f\0\0\0\x10\x07\x10\x11\x11\x88\x88\xfe\x07";

    fn webp_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        push_riff_chunk(&mut out, kind, data);
        out
    }

    fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
        let body = chunks.concat();
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
        out.extend_from_slice(b"WEBP");
        out.extend(body);
        out
    }

    /// The chunks of a WebP, checking that it is one: the RIFF size is the file's, and
    /// the chunks fill it exactly.
    fn webp_chunks(webp: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
        assert!(webp.starts_with(b"RIFF") && &webp[8..12] == b"WEBP");
        let size = u32::from_le_bytes(webp[4..8].try_into().unwrap()) as usize;
        assert_eq!(size + 8, webp.len(), "the RIFF size is wrong");
        let mut chunks = Vec::new();
        let mut at = 12;
        while at < webp.len() {
            let len = u32::from_le_bytes(webp[at + 4..at + 8].try_into().unwrap()) as usize;
            let kind = webp[at..at + 4].try_into().unwrap();
            chunks.push((kind, webp[at + 8..at + 8 + len].to_vec()));
            at += 8 + len + len % 2;
        }
        assert_eq!(at, webp.len(), "a chunk runs past the file");
        chunks
    }

    #[test]
    fn webps_keep_only_what_shows_them() {
        // Flags: ICC profile, EXIF, XMP; a 1×1 canvas.
        let header = [0x20 | VP8X_EXIF | VP8X_XMP, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let photo = [
            riff(&[
                webp_chunk(b"VP8X", &header),
                webp_chunk(b"ICCP", b"a profile"),
                webp_chunk(b"VP8L", VP8L_1X1),
                webp_chunk(b"EXIF", &tiff_with(6, "LEAK-EXIF")),
                webp_chunk(b"XMP ", xmp("LEAK-XMP").as_bytes()),
                webp_chunk(b"prVt", b"LEAK-PRIVATE"),
            ]),
            b"LEAK-AFTER-END".to_vec(),
        ]
        .concat();

        let published = published_bytes("walk.webp", &photo).unwrap();
        assert_gone(
            &published,
            &["LEAK-EXIF", "LEAK-XMP", "LEAK-PRIVATE", "LEAK-AFTER-END"],
        );
        let chunks = webp_chunks(&published);
        let kinds: Vec<&[u8; 4]> = chunks.iter().map(|c| &c.0).collect();
        assert_eq!(kinds, [b"VP8X", b"ICCP", b"VP8L"]);
        // No EXIF or XMP announced any more; the ICC profile still is, and kept.
        assert_eq!(chunks[0].1, [0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(chunks[1].1, b"a profile");
        assert_eq!(chunks[2].1, VP8L_1X1);
    }

    #[test]
    fn animated_webps_keep_their_frames_and_nothing_else() {
        let header = [0x02 | VP8X_XMP, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        // Position (0, 0), size 1×1, 100 ms, then the frame's image.
        let frame_header = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0];
        let frame = [
            frame_header.to_vec(),
            webp_chunk(b"VP8L", VP8L_1X1),
            webp_chunk(b"prVt", b"LEAK-IN-FRAME"),
        ]
        .concat();
        let anim = [255, 255, 255, 255, 0, 0];
        let photo = riff(&[
            webp_chunk(b"VP8X", &header),
            webp_chunk(b"ANIM", &anim),
            webp_chunk(b"ANMF", &frame),
            webp_chunk(b"XMP ", xmp("LEAK-XMP").as_bytes()),
        ]);

        let published = published_bytes("loop.webp", &photo).unwrap();
        assert_gone(&published, &["LEAK-IN-FRAME", "LEAK-XMP"]);
        let chunks = webp_chunks(&published);
        let kinds: Vec<&[u8; 4]> = chunks.iter().map(|c| &c.0).collect();
        assert_eq!(kinds, [b"VP8X", b"ANIM", b"ANMF"]);
        assert_eq!(chunks[0].1[0], 0x02, "still animated, XMP not announced");
        assert_eq!(chunks[1].1, anim);
        let shown = [frame_header.to_vec(), webp_chunk(b"VP8L", VP8L_1X1)].concat();
        assert_eq!(chunks[2].1, shown);
    }

    /// `data` as GIF sub-blocks, with their terminator.
    fn gif_sub_blocks(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for block in data.chunks(255) {
            out.push(block.len() as u8);
            out.extend_from_slice(block);
        }
        out.push(0);
        out
    }

    /// A 1×1 GIF89a with a two-colour table and `extensions` before its image.
    fn tiny_gif(extensions: &[Vec<u8>]) -> Vec<u8> {
        let mut out = b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff".to_vec();
        out.extend(extensions.concat());
        out.extend_from_slice(b"\x2c\0\0\0\0\x01\0\x01\0\0\x02\x02\x44\x01\0\x3b");
        out
    }

    #[test]
    fn gifs_keep_only_what_shows_them() {
        let looping = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\0\0\0".to_vec();
        // Transparent colour 0.
        let control = b"\x21\xf9\x04\x01\0\0\0\0".to_vec();
        let comment = [&b"\x21\xfe"[..], &gif_sub_blocks(b"LEAK-COMMENT")].concat();
        let xmp = [
            &b"\x21\xff\x0bXMP DataXMP"[..],
            &gif_sub_blocks(xmp("LEAK-XMP").as_bytes()),
        ]
        .concat();
        let text = [
            &b"\x21\x01\x0c"[..],
            &[0; 12],
            &gif_sub_blocks(b"LEAK-PLAIN-TEXT"),
        ]
        .concat();
        let photo = [
            tiny_gif(&[looping.clone(), comment, xmp, text, control.clone()]),
            b"LEAK-AFTER-END".to_vec(),
        ]
        .concat();

        let published = published_bytes("loop.gif", &photo).unwrap();
        assert_gone(
            &published,
            &[
                "LEAK-COMMENT",
                "LEAK-XMP",
                "LEAK-PLAIN-TEXT",
                "LEAK-AFTER-END",
            ],
        );
        // The image with its loop and transparency, and the trailer last.
        assert_eq!(published, tiny_gif(&[looping, control]));
        let plain = tiny_gif(&[]);
        assert_eq!(published_bytes("p.gif", &plain), Some(plain));
    }
}
