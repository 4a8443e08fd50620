//! The entry: one Markdown file with TOML front matter between `+++` lines.
//!
//! This module owns the file format — parsing (strict, with path and line in every
//! error), serializing (stable field order, so parse → serialize → parse is identity),
//! slugs, and what the body says (sections, `#tags`, `@mentions`).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// Who may see an entry once it is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Every partner.
    #[default]
    Public,
    /// Only the partners named in `to`, or all partners when `to` is empty.
    Partners,
    /// Never published.
    Private,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Partners => "partners",
            Visibility::Private => "private",
        }
    }

    /// `public`, `partners` or `private`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Visibility::Public),
            "partners" => Some(Visibility::Partners),
            "private" => Some(Visibility::Private),
            _ => None,
        }
    }

    /// [`Visibility::parse`] in any case, with spaces around ignored (`Private`,
    /// `PRIVATE `): how front matter written by hand or by another tool may say it.
    pub fn parse_any_case(s: &str) -> Option<Self> {
        Visibility::parse(&s.trim().to_ascii_lowercase())
    }
}

/// The front matter of an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub title: String,
    pub date: DateTime<FixedOffset>,
    pub kind: String,
    pub tags: Vec<String>,
    pub visibility: Visibility,
    pub author: String,
    /// Audience: partner names. Empty means every partner the visibility allows.
    pub to: Vec<String>,
    /// A stable id that survives renaming the file.
    pub id: Option<String>,
    /// Keys wol does not know, kept so that rewriting an entry never drops them.
    pub extra: toml::Table,
}

/// One journal entry: front matter and Markdown body.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub meta: Meta,
    pub body: String,
}

/// Why an entry file could not be read, with the 1-based line it points at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl ParseError {
    fn new(line: usize, message: impl Into<String>) -> Self {
        ParseError {
            line,
            message: message.into(),
        }
    }
}

const DELIMITER: &str = "+++";

/// What a journal says about its entries that parsing needs: the allowed kinds, and the
/// visibility an entry without a `visibility` key takes (the journal's
/// `default_visibility`, so a missing key can never make an entry more public than the
/// journal's owner chose).
#[derive(Debug, Clone, Copy)]
pub struct Schema<'a> {
    pub kinds: &'a [String],
    pub default_visibility: Visibility,
}

/// The visibility of an entry that does not say its own: the journal's `default`, but
/// an entry that names its partners in `to` is for them only (as `wol log --to` and
/// `wol import` make one), never for every partner.
pub fn unsaid_visibility(default: Visibility, to: &[String]) -> Visibility {
    if default == Visibility::Public && !to.is_empty() {
        Visibility::Partners
    } else {
        default
    }
}

impl Entry {
    /// Parse an entry file against the journal's [`Schema`].
    pub fn parse(bytes: &[u8], schema: &Schema<'_>) -> Result<Entry, ParseError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            ParseError::new(line, "not valid UTF-8 text")
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let (front, body) = split_front_matter(text)?;
        let meta = parse_meta(front, schema)?;
        Ok(Entry {
            meta,
            body: body.to_string(),
        })
    }

    /// The file text: front matter in a fixed field order, a blank line, the body.
    pub fn to_text(&self) -> String {
        let m = &self.meta;
        let mut out = String::with_capacity(256 + self.body.len());
        out.push_str(DELIMITER);
        out.push('\n');
        let _ = writeln!(out, "title = {}", toml_str(&m.title));
        let _ = writeln!(
            out,
            "date = {}",
            m.date.to_rfc3339_opts(SecondsFormat::AutoSi, false)
        );
        let _ = writeln!(out, "kind = {}", toml_str(&m.kind));
        let _ = writeln!(out, "tags = {}", toml_list(&m.tags));
        let _ = writeln!(out, "visibility = {}", toml_str(m.visibility.as_str()));
        let _ = writeln!(out, "author = {}", toml_str(&m.author));
        if !m.to.is_empty() {
            let _ = writeln!(out, "to = {}", toml_list(&m.to));
        }
        if let Some(id) = &m.id {
            let _ = writeln!(out, "id = {}", toml_str(id));
        }
        if !m.extra.is_empty() {
            out.push_str(&toml::to_string(&m.extra).unwrap_or_default());
        }
        out.push_str(DELIMITER);
        out.push('\n');
        if !self.body.is_empty() {
            out.push('\n');
            out.push_str(&self.body);
        }
        out
    }

    /// Front-matter tags and `#tags` from the body, de-duplicated, in first-seen order.
    pub fn all_tags(&self) -> Vec<String> {
        merge_tags(&self.meta.tags, body_tags(&self.body))
    }

    /// True when the entry carries the tag (front matter or body), case-insensitively;
    /// `tag` is normalised first, so `#Docs` and `docs` are the same tag.
    pub fn has_tag(&self, tag: &str) -> bool {
        carries_tag(self.all_tags(), tag)
    }

    /// The text of a `## Heading` section of the body, if present and not empty.
    pub fn section(&self, heading: &str) -> Option<String> {
        section(&self.body, heading)
    }

    /// `@mentions` in the title and the body, de-duplicated, in first-seen order
    /// (the title first: "Thanks to @maria for …" is credit too).
    pub fn mentions(&self) -> Vec<String> {
        let mut all = mentions(&self.meta.title);
        let mut seen: std::collections::HashSet<String> =
            all.iter().map(|m| m.to_ascii_lowercase()).collect();
        for m in mentions(&self.body) {
            if seen.insert(m.to_ascii_lowercase()) {
                all.push(m);
            }
        }
        all
    }
}

/// Split `+++\n<front>\n+++\n[\n]<body>` into front matter and body.
pub(crate) fn split_front_matter(text: &str) -> Result<(&str, &str), ParseError> {
    let rest = match text.split_once('\n') {
        Some((first, rest)) if first.trim_end() == DELIMITER => rest,
        _ if text.trim_end() == DELIMITER => {
            return Err(ParseError::new(
                1,
                "front matter is not closed by a `+++` line",
            ));
        }
        _ => {
            return Err(ParseError::new(
                1,
                "missing front matter: the file must start with a `+++` line",
            ));
        }
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == DELIMITER {
            let front = &rest[..offset];
            let mut body = &rest[offset + line.len()..];
            body = body
                .strip_prefix("\r\n")
                .or_else(|| body.strip_prefix('\n'))
                .unwrap_or(body);
            return Ok((front, body));
        }
        offset += line.len();
    }
    Err(ParseError::new(
        1,
        "front matter is not closed by a `+++` line",
    ))
}

/// An entry file's `text` with the line `key = "value"` of `add` (if any) added to its
/// front matter and `body` applied to its body, every other byte as it was (a
/// hand-written comment or layout survives); `None` when `text` has no front matter.
/// The line goes at the end of the top-level keys: above the first `[table]` line, after
/// which TOML puts every key into that table.
pub fn edited_in_place(
    text: &str,
    add: Option<(&str, &str)>,
    body: impl FnOnce(&str) -> String,
) -> Option<String> {
    let (front, rest) = split_front_matter(text).ok()?;
    let offset = |part: &str| part.as_ptr() as usize - text.as_ptr() as usize;
    let (front_end, body_start) = (offset(front) + front.len(), offset(rest));
    let at = first_table_line(front).map_or(front_end, |i| offset(front) + i);
    let line = add.map_or(String::new(), |(key, value)| {
        let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
        format!("{key} = {}{eol}", toml_str(value))
    });
    Some(format!(
        "{}{line}{}{}",
        &text[..at],
        &text[at..body_start],
        body(rest)
    ))
}

/// Where in `front` (TOML) the first table header line (`[name]`, `[[name]]`) starts: a
/// line starting with `[` before which the text is whole TOML (so not a line of a
/// multi-line list or string).
fn first_table_line(front: &str) -> Option<usize> {
    let mut offset = 0;
    for line in front.split_inclusive('\n') {
        if line.trim_start().starts_with('[')
            && toml::from_str::<toml::Table>(&front[..offset]).is_ok()
        {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// Whether the front matter of an entry's `text` sets `visibility`; `None` when `text`
/// has no front matter (not an entry at all). A line scan, not a parse: `wol init` asks
/// it of every entry it adopts.
pub fn sets_visibility(text: &str) -> Option<bool> {
    let (front, _) = split_front_matter(text).ok()?;
    Some(key_line(front, "visibility") > 1)
}

/// The 1-based file line of the front-matter line that sets `key` (line 1 is the `+++`).
fn key_line(front: &str, key: &str) -> usize {
    front
        .lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 2)
}

fn parse_meta(front: &str, schema: &Schema<'_>) -> Result<Meta, ParseError> {
    let kinds = schema.kinds;
    let mut table: toml::Table = toml::from_str(front).map_err(|e| {
        let line = e.span().map_or(0, |s| {
            front[..s.start.min(front.len())].matches('\n').count()
        });
        ParseError::new(line + 2, format!("invalid TOML: {}", e.message()))
    })?;
    let field_err = |key: &str, msg: String| ParseError::new(key_line(front, key), msg);

    let mut take_str = |key: &str, required: bool| -> Result<Option<String>, ParseError> {
        match table.remove(key) {
            Some(toml::Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(field_err(
                key,
                format!("`{key}` must be a string, not {}", other.type_str()),
            )),
            None if required => Err(ParseError::new(1, format!("missing `{key}`"))),
            None => Ok(None),
        }
    };
    let title = take_str("title", true)?.unwrap_or_default();
    let kind = take_str("kind", true)?.unwrap_or_default();
    let author = take_str("author", false)?.unwrap_or_default();
    let id = take_str("id", false)?;
    let said = match take_str("visibility", false)? {
        None => None,
        Some(v) => Some(Visibility::parse(&v).ok_or_else(|| {
            field_err(
                "visibility",
                format!("unknown visibility `{v}` (use public, partners or private)"),
            )
        })?),
    };
    if title.trim().is_empty() {
        return Err(field_err("title", "`title` is empty".into()));
    }
    if !kinds.contains(&kind) {
        return Err(field_err(
            "kind",
            format!(
                "unknown kind `{kind}` (this journal's kinds: {})",
                kinds.join(", ")
            ),
        ));
    }
    let date = match table.remove("date") {
        None => return Err(ParseError::new(1, "missing `date`")),
        Some(value) => parse_date(&value).map_err(|m| field_err("date", m))?,
    };
    let mut take_list = |key: &str| -> Result<Vec<String>, ParseError> {
        match table.remove(key) {
            None => Ok(Vec::new()),
            Some(toml::Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s),
                    other => Err(field_err(
                        key,
                        format!("`{key}` must list strings, found {}", other.type_str()),
                    )),
                })
                .collect(),
            Some(other) => Err(field_err(
                key,
                format!(
                    "`{key}` must be a list of strings, not {}",
                    other.type_str()
                ),
            )),
        }
    };
    let tags = take_list("tags")?
        .iter()
        .filter_map(|t| normalize_tag(t))
        .collect();
    let to = take_list("to")?;
    let visibility = said.unwrap_or_else(|| unsaid_visibility(schema.default_visibility, &to));
    // TOML puts every key after a `[table]` line into that table. `visibility` or `to`
    // written there would be silently ignored, and the entry shared more widely than
    // its author wrote: such a file is refused (and so never published) instead.
    if let Some((key, table)) = misplaced_audience(&table) {
        return Err(field_err(
            key,
            format!(
                "`{key}` is inside the table `[{table}]`, where wol does not read it (TOML puts every key after a `[table]` line into that table); move it above the first `[…]` line"
            ),
        ));
    }
    // `Visibility = "private"` is another key to TOML: kept as one of the author's own,
    // it would leave the entry with the journal's default, maybe public.
    if let Some(key) = table.keys().find(|k| {
        let k = k.trim().to_lowercase();
        k == "visibility" || k == "to"
    }) {
        let wol_key = key.trim().to_lowercase();
        return Err(field_err(
            key,
            format!(
                "`{key}` is not a key wol reads (its keys are lower case), so the entry would not be as private as it says; write `{wol_key}`"
            ),
        ));
    }
    Ok(Meta {
        title,
        date,
        kind,
        tags,
        visibility,
        author,
        to,
        id,
        // An emptied map keeps its node (about 600 bytes): with 100,000 entries held
        // at once (publish) that was 60 MB for nothing.
        extra: if table.is_empty() {
            toml::Table::new()
        } else {
            table
        },
    })
}

/// A `visibility` or `to` key nested in a table of the front matter, in wol's form (a
/// visibility word; a list), with that table's dotted name. A key of the author's own
/// (`[trip] to = "Berlin"`) is left alone.
pub(crate) fn misplaced_audience(table: &toml::Table) -> Option<(&'static str, String)> {
    let audience_like = |t: &toml::Table, key: &str| match (key, t.get(key)) {
        ("visibility", Some(toml::Value::String(v))) => Visibility::parse_any_case(v).is_some(),
        ("to", Some(toml::Value::Array(_))) => true,
        _ => false,
    };
    for (name, value) in table {
        let inner: Vec<&toml::Table> = match value {
            toml::Value::Table(t) => vec![t],
            toml::Value::Array(items) => items.iter().filter_map(|v| v.as_table()).collect(),
            _ => continue,
        };
        for t in inner {
            if let Some(key) = ["visibility", "to"]
                .into_iter()
                .find(|k| audience_like(t, k))
            {
                return Some((key, name.clone()));
            }
            if let Some((key, deeper)) = misplaced_audience(t) {
                return Some((key, format!("{name}.{deeper}")));
            }
        }
    }
    None
}

fn parse_date(value: &toml::Value) -> Result<DateTime<FixedOffset>, String> {
    let text = match value {
        toml::Value::Datetime(dt) => {
            if dt.offset.is_none() || dt.time.is_none() {
                return Err(format!(
                    "`date = {dt}` needs a time and a UTC offset, e.g. 2026-11-22T14:32:05+01:00"
                ));
            }
            dt.to_string()
        }
        toml::Value::String(s) => s.clone(),
        other => return Err(format!("`date` must be a date, not {}", other.type_str())),
    };
    DateTime::parse_from_rfc3339(&text).map_err(|e| format!("bad `date` {text:?}: {e}"))
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn toml_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// An entry's id as people type it: the file name without `.md`.
pub fn file_id(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Most bytes a slug may have.
pub const SLUG_MAX: usize = 60;

/// A file-name-safe slug from a title: lower-case ASCII letters, digits and `-`, at most
/// [`SLUG_MAX`] bytes, never empty, never containing a path separator or `..`.
pub fn slugify(title: &str) -> String {
    let ascii = deunicode::deunicode(title).to_ascii_lowercase();
    let mut slug = String::with_capacity(ascii.len().min(SLUG_MAX + 1));
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() > SLUG_MAX {
            break;
        }
    }
    if slug.len() > SLUG_MAX {
        // Cut at the last word boundary that fits, or hard at the limit.
        let cut = slug[..=SLUG_MAX]
            .rfind('-')
            .filter(|&i| i > 0)
            .unwrap_or(SLUG_MAX);
        slug.truncate(cut);
    }
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "entry".to_string()
    } else {
        slug.to_string()
    }
}

/// A tag as wol stores and compares it: trimmed, without a leading `#`, in Unicode
/// NFC (a `café` typed on macOS arrives decomposed, `e` and a combining accent, and must
/// be the same tag as the composed one); `None` when nothing is left. The one place tags
/// are normalised (front matter, `--tag`, `#tags` in the body, partner filters in
/// `wol.toml`, imports, reading filters).
pub fn normalize_tag(tag: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization as _;
    let t = tag.trim().trim_start_matches('#').trim();
    (!t.is_empty()).then(|| t.nfc().collect())
}

/// A tag is safe in file names and URLs when published: one word of letters (with
/// their combining marks), digits, `-`, `_` or `.` (not only dots).
pub fn valid_tag(tag: &str) -> bool {
    normalize_tag(tag).is_some_and(|t| {
        t.chars().all(|c| {
            c.is_alphanumeric()
                || matches!(c, '-' | '_' | '.')
                || unicode_normalization::char::is_combining_mark(c)
        }) && !t.chars().all(|c| c == '.')
    })
}

/// Lines of the body outside fenced code blocks.
fn prose_lines(body: &str) -> impl Iterator<Item = &str> {
    let mut in_fence = false;
    body.lines().filter(move |line| {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
            return false;
        }
        !in_fence
    })
}

/// A `#tag` in the body: `#` at the start of a line or after whitespace or `(`, a letter of
/// any script, then word characters (letters with their combining marks, digits, `_`) and
/// `-`, ending on a word character: `#café`, `#Über`, `#open-source`. As a regex,
/// `(?:^|[\s(])#(\p{L}[\w-]*\w|\p{L})`; [`line_tags`] reads it without one: compiling
/// those Unicode classes was about 6% of `wol log` (0.6 of 10.8 ms at 1,000 entries).
static MENTION_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s(\[])@([A-Za-z0-9][\w.-]*[A-Za-z0-9_]|[A-Za-z0-9])").unwrap()
});

/// Front-matter `tags` and a body's `body` tags ([`body_tags`]), de-duplicated
/// case-insensitively, in first-seen order: [`Entry::all_tags`].
pub fn merge_tags(tags: &[String], body: Vec<String>) -> Vec<String> {
    let mut all: Vec<String> = Vec::with_capacity(tags.len() + body.len());
    if tags.len() + body.len() <= 32 && tags.iter().chain(&body).all(|t| t.is_ascii()) {
        // The usual case, a handful of ASCII tags: compared in place, no set.
        for tag in tags.iter().cloned().chain(body) {
            if !all.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
                all.push(tag);
            }
        }
        return all;
    }
    let mut seen = BTreeSet::new();
    tags.iter()
        .cloned()
        .chain(body)
        .filter(|t| seen.insert(t.to_lowercase()))
        .collect()
}

/// `#tags` written in the body (not in code blocks, not headings, not `#123`).
pub fn body_tags(body: &str) -> Vec<String> {
    let mut tags = collect_unique(body, b'#', line_tags);
    if !tags.iter().all(|t| t.is_ascii()) {
        let mut seen = BTreeSet::new();
        tags = tags
            .iter()
            .filter_map(|t| normalize_tag(t))
            .filter(|t| seen.insert(t.to_lowercase()))
            .collect();
    }
    tags
}

/// The classes of a `#tag`'s characters beyond ASCII, `\p{L}` and `\w`, from the
/// regex crate's own Unicode tables (so they are the classes the regex would use).
struct TagChars {
    letter: Vec<(char, char)>,
    word: Vec<(char, char)>,
}

static TAG_CHARS: LazyLock<TagChars> = LazyLock::new(|| TagChars {
    letter: unicode_class(r"\p{L}"),
    word: unicode_class(r"\w"),
});

/// The ranges of a one-class pattern's characters.
fn unicode_class(pattern: &str) -> Vec<(char, char)> {
    use regex_syntax::hir::{Class, HirKind};
    match regex_syntax::parse(pattern).map(regex_syntax::hir::Hir::into_kind) {
        Ok(HirKind::Class(Class::Unicode(class))) => class
            .ranges()
            .iter()
            .map(|r| (r.start(), r.end()))
            .collect(),
        other => unreachable!("{pattern} is a Unicode class: {other:?}"),
    }
}

fn in_ranges(ranges: &[(char, char)], c: char) -> bool {
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `\p{L}`: a letter of any script.
fn tag_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        in_ranges(&TAG_CHARS.letter, c)
    }
}

/// `\w`: a letter, a combining mark, a digit or a connector such as `_`.
fn tag_word(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        in_ranges(&TAG_CHARS.word, c)
    }
}

/// The `#tags` of one line, without their `#`, in order (see [`body_tags`]).
fn line_tags(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    for (at, c) in line.char_indices() {
        if c == '#' && prev.is_none_or(|p| p.is_whitespace() || p == '(') {
            let rest = &line[at + 1..];
            let mut chars = rest.char_indices();
            if let Some((_, first)) = chars.next()
                && tag_letter(first)
            {
                // The longest run of word characters and `-` that ends on a word
                // character (the letter itself at least).
                let mut end = first.len_utf8();
                for (i, c) in chars {
                    if tag_word(c) {
                        end = i + c.len_utf8();
                    } else if c != '-' {
                        break;
                    }
                }
                // A tag's characters are never `#`, whitespace or `(`: the next tag
                // cannot start inside this one, so the walk goes on from here.
                out.push(&rest[..end]);
            }
        }
        prev = Some(c);
    }
    out
}

/// True when `tags` (an entry's [`Entry::all_tags`]) hold `tag`, case-insensitively;
/// `tag` is normalised first, so `#Docs` and `docs` are the same tag.
pub fn carries_tag<S: AsRef<str>>(tags: impl IntoIterator<Item = S>, tag: &str) -> bool {
    let Some(tag) = normalize_tag(tag) else {
        return false;
    };
    let tag = tag.to_lowercase();
    tags.into_iter().any(|t| t.as_ref().to_lowercase() == tag)
}

/// `@mentions` written in the body (not e-mail addresses, not in code blocks).
pub fn mentions(body: &str) -> Vec<String> {
    collect_unique(body, b'@', |line| {
        MENTION_RE
            .captures_iter(line)
            .filter_map(|cap| cap.get(1))
            .map(|m| m.as_str())
            .collect()
    })
}

/// The words `words_of` finds in the prose lines of `body`, each once
/// (case-insensitively); every word follows `marker`, so other lines are not searched.
fn collect_unique<'b>(
    body: &'b str,
    marker: u8,
    words_of: impl Fn(&'b str) -> Vec<&'b str>,
) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut take = |line: &'b str| {
        for word in words_of(line) {
            if seen.insert(word.to_lowercase()) {
                out.push(word.to_string());
            }
        }
    };
    let marker = char::from(marker);
    if !body.contains(marker) {
        return out;
    }
    if has_fence(body) {
        for line in prose_lines(body) {
            if line.contains(marker) {
                take(line);
            }
        }
    } else {
        // No code fence anywhere, so every line is prose: go from marker to marker
        // instead of line by line.
        let mut from = 0;
        while let Some(at) = body[from..].find(marker).map(|i| from + i) {
            let start = body[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = body[at..].find('\n').map_or(body.len(), |i| at + i);
            let line = &body[start..end];
            take(line.strip_suffix('\r').unwrap_or(line));
            from = end;
        }
    }
    out
}

/// Whether "```" or "~~~" occurs anywhere in `body` (where a code fence could be): one
/// pass for either first byte, where two substring searches took 6% of a `wol search`
/// that printed 4,000 entries (each line shows the entry's `#tags`).
fn has_fence(body: &str) -> bool {
    let bytes = body.as_bytes();
    memchr::memchr2_iter(b'`', b'~', bytes).any(|at| {
        let run = bytes[at];
        bytes.get(at + 1) == Some(&run) && bytes.get(at + 2) == Some(&run)
    })
}

/// `text` without its blank lines at the start and its whitespace at the end: what a
/// message keeps as an entry's body. The first line keeps its indentation: it may open
/// an indented code block, or be a poem's.
pub fn trim_blank_lines(text: &str) -> &str {
    let text = text.trim_end();
    let blank: usize = text
        .split_inclusive('\n')
        .take_while(|line| line.trim().is_empty())
        .map(str::len)
        .sum();
    &text[blank..]
}

/// The text under `## <heading>` up to the next heading of level 1 or 2, trimmed.
pub fn section(body: &str, heading: &str) -> Option<String> {
    let mut lines = body.lines();
    let mut found = false;
    for line in lines.by_ref() {
        if line
            .strip_prefix("## ")
            .is_some_and(|h| h.trim().eq_ignore_ascii_case(heading))
        {
            found = true;
            break;
        }
    }
    if !found {
        return None;
    }
    let mut text = Vec::new();
    for line in lines {
        if line.starts_with("## ") || line.starts_with("# ") {
            break;
        }
        text.push(line);
    }
    let text = text.join("\n").trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// [`section`] of each of `headings` (distinct), in one pass over the body: publish
/// reads three sections of every entry, and three passes were a quarter of reading an
/// entry from the cache.
pub fn sections<const N: usize>(body: &str, headings: [&str; N]) -> [Option<String>; N] {
    section_ranges(body, headings).map(|range| {
        let text = body[range?].lines().collect::<Vec<_>>().join("\n");
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_string())
    })
}

/// Where the lines of each of `headings`' sections are in `body` (from the start of the
/// first to the end of the last, line endings aside): a section's lines are the ones
/// between its heading and the next `# ` or `## ` line, so they are one run. `None` for a
/// section that is not there or has no line. What [`sections`] reads, and what the entry
/// cache keeps of a body so that a publish need not read it again.
pub fn section_ranges<const N: usize>(
    body: &str,
    headings: [&str; N],
) -> [Option<std::ops::Range<usize>>; N] {
    let mut ranges: [Option<std::ops::Range<usize>>; N] = std::array::from_fn(|_| None);
    let mut found = [false; N];
    let mut current: Option<usize> = None;
    let mut start = 0;
    // The lines `str::lines` gives, with where each starts.
    for raw in body.split_inclusive('\n') {
        let line = raw
            .strip_suffix('\n')
            .map_or(raw, |l| l.strip_suffix('\r').unwrap_or(l));
        if let Some(h) = line.strip_prefix("## ") {
            let h = h.trim();
            current = (0..N).find(|&i| !found[i] && h.eq_ignore_ascii_case(headings[i]));
            if let Some(i) = current {
                found[i] = true;
            }
        } else if line.starts_with("# ") {
            current = None;
        } else if let Some(i) = current {
            let end = start + line.len();
            match &mut ranges[i] {
                Some(range) => range.end = end,
                None => ranges[i] = Some(start..end),
            }
        }
        start += raw.len();
    }
    ranges
}

/// The body before the first `## ` section: what was done.
pub fn summary(body: &str) -> String {
    let end = body
        .lines()
        .scan(0usize, |pos, line| {
            let start = *pos;
            *pos += line.len() + 1;
            Some((start, line))
        })
        .find(|(_, l)| l.starts_with("## "))
        .map_or(body.len(), |(start, _)| start);
    body[..end.min(body.len())].trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn schema(kinds: &[String]) -> Schema<'_> {
        Schema {
            kinds,
            default_visibility: Visibility::Public,
        }
    }

    #[test]
    fn has_fence_is_a_search_for_three_backticks_or_tildes() {
        let texts = [
            "",
            "`",
            "``",
            "```",
            "~~~",
            "~~",
            "``~",
            "~``",
            "`~`",
            "a```b",
            "a``\n`b",
            "x ~~ ~ ~~~",
            "``é``",
            "é~~~",
            "tail ``",
            "tail ~~",
            "```~~~",
            "`` ~~ ``",
        ];
        for text in texts {
            assert_eq!(
                has_fence(text),
                text.contains("```") || text.contains("~~~"),
                "{text:?}"
            );
        }
    }

    fn kinds() -> Vec<String> {
        ["progress", "learning", "help", "decision", "credit"]
            .map(String::from)
            .to_vec()
    }

    const SAMPLE: &str = "+++\ntitle = \"Shipped the onboarding guide\"\ndate = 2026-11-22T14:32:05+01:00\nkind = \"progress\"\ntags = [\"onboarding\", \"docs\"]\nvisibility = \"public\"\nauthor = \"Theresa Fend\"\n+++\n\nWrote the guide with the GIG crew. #writing\n\n## Learned\nPeople skip long docs; a checklist works better.\n\n## Next\nAsk OuiShare to review it. @ouishare\n\n## Help wanted\nSomeone who has run a Loomio vote for 200+ members.\n";

    #[test]
    fn a_line_added_in_place_goes_above_the_first_table() {
        let add =
            |text: &str| edited_in_place(text, Some(("id", "old")), |b| b.to_string()).unwrap();
        assert_eq!(
            add("+++\ntitle = \"T\" # mine\n+++\n\nbody\n"),
            "+++\ntitle = \"T\" # mine\nid = \"old\"\n+++\n\nbody\n"
        );
        assert_eq!(
            add("+++\ntitle = \"T\"\nlist = [\n  [1],\n]\n\n[extra]\nx = 1\n+++\nbody\n"),
            "+++\ntitle = \"T\"\nlist = [\n  [1],\n]\n\nid = \"old\"\n[extra]\nx = 1\n+++\nbody\n"
        );
        let text = add("+++\ntitle = \"T\"\n[[links]]\nto = \"x\"\n+++\n");
        let table: toml::Table = toml::from_str(split_front_matter(&text).unwrap().0).unwrap();
        assert_eq!(table["id"].as_str(), Some("old"), "{text}");
    }

    #[test]
    fn parses_the_design_sample_and_writes_it_back_byte_for_byte() {
        let e = Entry::parse(SAMPLE.as_bytes(), &schema(&kinds())).unwrap();
        assert_eq!(e.meta.title, "Shipped the onboarding guide");
        assert_eq!(e.meta.date.to_rfc3339(), "2026-11-22T14:32:05+01:00");
        assert_eq!(e.meta.tags, ["onboarding", "docs"]);
        assert_eq!(e.all_tags(), ["onboarding", "docs", "writing"]);
        assert_eq!(e.mentions(), ["ouishare"]);
        assert_eq!(
            e.section("Learned").as_deref(),
            Some("People skip long docs; a checklist works better.")
        );
        assert_eq!(
            summary(&e.body),
            "Wrote the guide with the GIG crew. #writing"
        );
        assert_eq!(e.to_text(), SAMPLE);
    }

    #[test]
    fn errors_point_at_the_line() {
        let k = kinds();
        let bad_kind = SAMPLE.replace("\"progress\"", "\"party\"");
        assert_eq!(
            Entry::parse(bad_kind.as_bytes(), &schema(&k))
                .unwrap_err()
                .line,
            4
        );
        let bad_toml = SAMPLE.replace("\"onboarding\", ", "\"onboarding\" ");
        assert_eq!(
            Entry::parse(bad_toml.as_bytes(), &schema(&k))
                .unwrap_err()
                .line,
            5
        );
        let no_offset = SAMPLE.replace("+01:00", "");
        assert_eq!(
            Entry::parse(no_offset.as_bytes(), &schema(&k))
                .unwrap_err()
                .line,
            3
        );
        let unclosed = SAMPLE.replacen("+++\n\n", "\n", 1);
        assert!(Entry::parse(unclosed.as_bytes(), &schema(&k)).is_err());
        let no_front = "just text\n";
        assert_eq!(
            Entry::parse(no_front.as_bytes(), &schema(&k))
                .unwrap_err()
                .line,
            1
        );
        let mut bytes = SAMPLE.as_bytes().to_vec();
        bytes.extend_from_slice(b"\xff\xfe\n");
        assert_eq!(Entry::parse(&bytes, &schema(&k)).unwrap_err().line, 20);
    }

    #[test]
    fn an_audience_key_in_other_case_is_refused_not_ignored() {
        let k = kinds();
        let without = SAMPLE.replace("visibility = \"public\"\n", "");
        for (line, key) in [
            ("Visibility = \"private\"\n", "Visibility"),
            ("VISIBILITY = \"private\"\n", "VISIBILITY"),
            ("To = [\"gig\"]\n", "To"),
        ] {
            let text = without.replacen("+++\n\n", &format!("{line}+++\n\n"), 1);
            let err = Entry::parse(text.as_bytes(), &schema(&k)).unwrap_err();
            assert!(
                err.message
                    .contains(&format!("`{key}` is not a key wol reads")),
                "{err}"
            );
            assert_eq!(text.lines().nth(err.line - 1), Some(line.trim_end()));
        }
    }

    #[test]
    fn an_audience_key_inside_a_table_is_refused_not_ignored() {
        let k = kinds();
        let without = SAMPLE.replace("visibility = \"public\"\n", "");
        for (tail, key, table) in [
            (
                "[source]\nurl = \"x\"\nvisibility = \"private\"\n",
                "visibility",
                "source",
            ),
            ("[a.b]\nto = [\"gig\"]\n", "to", "a.b"),
            (
                "[[links]]\nvisibility = \" Private\"\n",
                "visibility",
                "links",
            ),
        ] {
            let text = without.replacen("+++\n\n", &format!("{tail}+++\n\n"), 1);
            let err = Entry::parse(text.as_bytes(), &schema(&k)).unwrap_err();
            assert!(
                err.message
                    .contains(&format!("`{key}` is inside the table `[{table}]`")),
                "{err}"
            );
            assert_eq!(
                text.lines().nth(err.line - 1).unwrap().split(' ').next(),
                Some(key)
            );
        }
        // Other keys in a table are the author's own, kept as they are.
        let kept = SAMPLE.replacen(
            "+++\n\n",
            "[source]\ntitle = \"A book\"\n[trip]\nto = \"Berlin\"\nvisibility = \"foggy\"\n+++\n\n",
            1,
        );
        let e = Entry::parse(kept.as_bytes(), &schema(&k)).unwrap();
        assert_eq!(e.meta.visibility, Visibility::Public);
        assert!(e.to_text().contains("[source]\ntitle = \"A book\""));
        assert!(e.to_text().contains("to = \"Berlin\""));
    }

    #[test]
    fn slugs_are_safe() {
        assert_eq!(
            slugify("Shipped the onboarding guide!"),
            "shipped-the-onboarding-guide"
        );
        assert_eq!(slugify("../../etc/x"), "etc-x");
        assert_eq!(slugify("/abs"), "abs");
        assert_eq!(slugify(".."), "entry");
        assert_eq!(slugify("Über café"), "uber-cafe");
        let long = slugify(&"word ".repeat(40));
        assert!(long.len() <= SLUG_MAX && !long.ends_with('-'), "{long}");
    }

    #[test]
    fn tags_and_mentions_skip_code_headings_and_email() {
        let body = "Hi #rust and #1 mail me@x.org (@maria)\n## Learned\n```\n#include @x\n```\n";
        assert_eq!(body_tags(body), ["rust"]);
        assert_eq!(mentions(body), ["maria"]);
    }

    /// The tag scanner finds what the regex it stands for finds, tag for tag, in text
    /// made of the characters where they could differ: every kind of letter, mark,
    /// digit and space, `-`, `_`, `(`, `#`.
    #[test]
    fn the_tag_scanner_finds_what_the_tag_regex_finds() {
        let re = Regex::new(r"(?:^|[\s(])#(\p{L}[\w-]*\w|\p{L})").unwrap();
        let pieces = [
            "#", "#", "(", " ", "\t", "\u{a0}", "\u{2003}", "-", "_", "a", "Z", "7", "é",
            "e\u{301}", "\u{301}", "Ⅻ", "٣", "²", "中", "ß", "ǅ", "\u{200d}", "‿", "😀", ".", "[",
            "ʰ", "ㄱ",
        ];
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(
                &prop::collection::vec(prop::sample::select(pieces.to_vec()), 0..24),
                |parts| {
                    let line = parts.concat();
                    let want: Vec<&str> = re
                        .captures_iter(&line)
                        .map(|c| c.get(1).unwrap().as_str())
                        .collect();
                    prop_assert_eq!(line_tags(&line), want, "{:?}", line);
                    Ok(())
                },
            )
            .unwrap();
        // And a few by hand.
        assert_eq!(
            line_tags("#a-b- #c_ (#é-- x#y #1 #-a ##b"),
            ["a-b", "c_", "é"]
        );
        assert_eq!(line_tags("#Ⅻ #ǅx #a\u{301}b"), ["ǅx", "a\u{301}b"]);
    }

    /// Going from marker to marker finds what going line by line finds, in the same
    /// order, whatever the line ends; fenced bodies go line by line.
    #[test]
    fn tags_and_mentions_are_found_the_same_from_marker_to_marker() {
        let pieces = [
            "#a", "#B", "#a-b", "@x", "@X.y", " ", "(", "\n", "\r\n", "\r", "z", "#", "@", "é",
            "```", "~~~", "  ", "#é",
        ];
        let by_lines = |body: &str, marker: char| -> Vec<String> {
            let mut seen = BTreeSet::new();
            let mut out = Vec::new();
            for line in prose_lines(body).filter(|l| l.contains(marker)) {
                let words: Vec<String> = if marker == '#' {
                    line_tags(line).into_iter().map(String::from).collect()
                } else {
                    MENTION_RE
                        .captures_iter(line)
                        .map(|c| c[1].to_string())
                        .collect()
                };
                for w in words {
                    if seen.insert(w.to_lowercase()) {
                        out.push(w);
                    }
                }
            }
            out
        };
        let mut runner = proptest::test_runner::TestRunner::default();
        runner
            .run(
                &prop::collection::vec(prop::sample::select(pieces.to_vec()), 0..40),
                |parts| {
                    let body = parts.concat();
                    prop_assert_eq!(collect_unique(&body, b'#', line_tags), by_lines(&body, '#'));
                    prop_assert_eq!(mentions(&body), by_lines(&body, '@'));
                    Ok(())
                },
            )
            .unwrap();
    }

    fn arb_entry() -> impl Strategy<Value = Entry> {
        let text = "\\PC{0,40}";
        (
            "[^\\x00]{1,40}".prop_filter("non-blank", |s: &String| !s.trim().is_empty()),
            (0i64..4_000_000_000, -50_400i32..50_400, 0u32..1_000_000_000),
            prop::sample::select(kinds()),
            prop::collection::vec(
                text.prop_filter("a normalised tag", |t: &String| {
                    normalize_tag(t).as_deref() == Some(t.as_str())
                }),
                0..4,
            ),
            prop::sample::select(vec![
                Visibility::Public,
                Visibility::Partners,
                Visibility::Private,
            ]),
            text,
            prop::collection::vec("[a-z]{1,8}", 0..3),
            prop::option::of("[a-z0-9-]{1,12}"),
            "(\\PC|\n){0,200}",
        )
            .prop_map(
                |(title, (secs, off, nanos), kind, tags, vis, author, to, id, body)| {
                    let offset = FixedOffset::east_opt(off / 60 * 60).unwrap();
                    let date = DateTime::from_timestamp(secs, nanos)
                        .unwrap()
                        .with_timezone(&offset);
                    Entry {
                        meta: Meta {
                            title,
                            date,
                            kind,
                            tags,
                            visibility: vis,
                            author,
                            to,
                            id,
                            extra: toml::Table::new(),
                        },
                        body,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn has_fence_agrees_with_two_substring_searches(text in "[`~aé \n]{0,16}") {
            prop_assert_eq!(has_fence(&text), text.contains("```") || text.contains("~~~"));
        }

        #[test]
        fn sections_in_one_pass_are_each_section(
            lines in proptest::collection::vec(
                proptest::sample::select(vec![
                    "## Learned", "## learned  ", "##  Next", "## Next\r", "# Next", "## Help wanted",
                    "## HELP WANTED", "## Other", "##Learned", "#  Learned", "text", "  more ",
                    "", "   ", "\r", "a # b", "### Learned",
                ]),
                0..14,
            ),
            crlf in proptest::bool::ANY,
        ) {
            let body = lines.join(if crlf { "\r\n" } else { "\n" });
            let headings = ["Learned", "Next", "Help wanted"];
            prop_assert_eq!(sections(&body, headings), headings.map(|h| section(&body, h)));
        }

        #[test]
        fn parse_serialize_parse_is_identity(entry in arb_entry()) {
            let text = entry.to_text();
            let parsed = Entry::parse(text.as_bytes(), &schema(&kinds())).unwrap();
            prop_assert_eq!(&parsed, &entry);
            prop_assert_eq!(parsed.to_text(), text);
        }
    }
}
