//! [`Brief`]: what a publish keeps of every entry between reading it and building the
//! partners' trees, packed into one allocation.

use chrono::{DateTime, FixedOffset};

use super::BodyParts;
use crate::entry::{Entry, Meta, Visibility};

/// What the plan and the site need of an entry besides its body: the front matter a
/// partner is chosen by or a follower sees (title, date, kind, author, visibility, `to`,
/// the `id` key) and the body's structured parts, mentions and tags ([`BodyParts`]).
///
/// A publish keeps this of every entry of the journal. As a [`Meta`] and a [`BodyParts`]
/// it was ~0.7 KB an entry at 100,000 entries (a 368-byte struct, then a dozen strings
/// and lists on their own allocations); here it is a 40-byte struct and one string: a
/// header of [`Numbers`] (how many strings each list holds, then each string's length,
/// a byte for most), then the strings end to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brief {
    date: DateTime<FixedOffset>,
    visibility: Visibility,
    /// Which of the optional strings are there (bit `k` for slot `ID + k`): an absent one
    /// is an empty string, and `Some("")` is not `None`.
    has: u8,
    /// The header's length, the header (the lists' sizes: `to`, mentions, tags; then the
    /// length of every string), then the strings: title, kind, author, id, learned, next,
    /// help wanted, then the lists' strings in their order.
    data: Box<str>,
}

const TITLE: usize = 0;
const KIND: usize = 1;
const AUTHOR: usize = 2;
const ID: usize = 3;
const LEARNED: usize = 4;
const NEXT: usize = 5;
const HELP_WANTED: usize = 6;
/// Strings before the lists.
const FIXED: usize = 7;
/// The lists: `to`, mentions, tags.
const LISTS: usize = 3;

impl Brief {
    /// The brief of an entry whose front matter is `meta` (its `tags` are not read: they
    /// lead `parts.tags`) and whose body holds `parts`.
    pub fn new(meta: &Meta, parts: &BodyParts) -> Brief {
        let fixed = [
            Some(meta.title.as_str()),
            Some(meta.kind.as_str()),
            Some(meta.author.as_str()),
            meta.id.as_deref(),
            parts.learned.as_deref(),
            parts.next.as_deref(),
            parts.help_wanted.as_deref(),
        ];
        let lists: [&[String]; LISTS] = [&meta.to, &parts.mentions, &parts.tags];
        let strings = || {
            fixed
                .iter()
                .map(|s| s.unwrap_or_default())
                .chain(lists.iter().flat_map(|l| l.iter().map(String::as_str)))
        };
        let mut header = String::new();
        for n in lists.iter().map(|l| l.len()).chain(strings().map(str::len)) {
            Numbers::put(&mut header, n);
        }
        // (With room for the header's length: a byte or two.)
        let mut data =
            String::with_capacity(header.len() + 4 + strings().map(str::len).sum::<usize>());
        Numbers::put(&mut data, header.len());
        data.push_str(&header);
        strings().for_each(|s| data.push_str(s));
        let has = fixed[ID..]
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some())
            .fold(0, |has, (k, _)| has | 1 << k);
        Brief {
            date: meta.date,
            visibility: meta.visibility,
            has,
            data: data.into_boxed_str(),
        }
    }

    /// The brief of `entry`.
    pub fn of(entry: &Entry) -> Brief {
        Brief::new(&entry.meta, &BodyParts::of(entry))
    }

    pub fn date(&self) -> DateTime<FixedOffset> {
        self.date
    }

    /// The entry's month as numbers, year and month, when its label is `YYYY-MM` (a
    /// year of four digits): see [`super::EntryView::month_numbers`].
    pub fn month_numbers(&self) -> Option<(i32, u32)> {
        use chrono::Datelike as _;
        let day = self.date.date_naive();
        (0..=9999)
            .contains(&day.year())
            .then(|| (day.year(), day.month()))
    }

    pub fn visibility(&self) -> Visibility {
        self.visibility
    }

    pub fn title(&self) -> &str {
        self.slot(TITLE)
    }

    pub fn kind(&self) -> &str {
        self.slot(KIND)
    }

    pub fn author(&self) -> &str {
        self.slot(AUTHOR)
    }

    /// The front matter's `id` key, when it has one.
    pub fn id(&self) -> Option<&str> {
        self.optional(ID)
    }

    /// `## Learned` as plain text, bounded ([`BodyParts::learned`]).
    pub fn learned(&self) -> Option<&str> {
        self.optional(LEARNED)
    }

    pub fn next(&self) -> Option<&str> {
        self.optional(NEXT)
    }

    pub fn help_wanted(&self) -> Option<&str> {
        self.optional(HELP_WANTED)
    }

    /// The partners the front matter's `to` names.
    pub fn to(&self) -> Strings<'_> {
        self.list(0)
    }

    /// The body's `@mentions`.
    pub fn mentions(&self) -> Strings<'_> {
        self.list(1)
    }

    /// Every tag, front matter and body ([`Entry::all_tags`]).
    pub fn tags(&self) -> Strings<'_> {
        self.list(2)
    }

    /// The tags a published entry carries (the first [`super::MAX_PUBLISHED_TAGS`]),
    /// with their slugs.
    pub fn tag_refs(&self) -> impl ExactSizeIterator<Item = super::TagRef<'_>> + Clone {
        self.tags()
            .take(super::MAX_PUBLISHED_TAGS)
            .map(|name| super::tag_ref(std::borrow::Cow::Borrowed(name)))
    }

    /// The lengths of the strings (after the lists' sizes), the lists' sizes, and the
    /// strings end to end.
    fn layout(&self) -> (Numbers<'_>, [usize; LISTS], &str) {
        let bytes = self.data.as_bytes();
        let mut numbers = Numbers(bytes.iter());
        let header = numbers.next().unwrap_or_default();
        let text = bytes.len() - numbers.0.len() + header;
        let counts = [(); LISTS].map(|()| numbers.next().unwrap_or_default());
        (numbers, counts, self.data.get(text..).unwrap_or_default())
    }

    fn slot(&self, k: usize) -> &str {
        let (mut lengths, _, text) = self.layout();
        let start: usize = lengths.by_ref().take(k).sum();
        let end = start + lengths.next().unwrap_or_default();
        text.get(start..end).unwrap_or_default()
    }

    fn optional(&self, k: usize) -> Option<&str> {
        (self.has & (1 << (k - ID)) != 0).then(|| self.slot(k))
    }

    fn list(&self, which: usize) -> Strings<'_> {
        let (mut lengths, counts, text) = self.layout();
        let before = FIXED + counts[..which].iter().sum::<usize>();
        let start = lengths.by_ref().take(before).sum();
        Strings {
            text,
            start,
            lengths,
            left: counts[which],
        }
    }
}

#[cfg(test)]
impl Brief {
    /// This brief with another title and tags: for tests that make many entries of one.
    pub fn with_title_and_tags(&self, title: &str, tags: &[String]) -> Brief {
        let meta = Meta {
            title: title.into(),
            date: self.date,
            kind: self.kind().into(),
            tags: Vec::new(),
            visibility: self.visibility,
            author: self.author().into(),
            to: self.to().map(String::from).collect(),
            id: self.id().map(String::from),
            extra: toml::Table::new(),
        };
        let parts = BodyParts {
            learned: self.learned().map(Into::into),
            next: self.next().map(Into::into),
            help_wanted: self.help_wanted().map(Into::into),
            mentions: self.mentions().map(String::from).collect(),
            tags: tags.into(),
        };
        Brief::new(&meta, &parts)
    }
}

/// The numbers of a [`Brief`]'s header: six bits a byte, low bits first, bit 6 set on
/// every byte but a number's last. Each byte is ASCII, so the header is text like the
/// strings after it, and a length under 64 bytes takes one.
#[derive(Debug, Clone)]
struct Numbers<'a>(std::slice::Iter<'a, u8>);

impl Numbers<'_> {
    fn put(out: &mut String, mut n: usize) {
        loop {
            // (Six bits: both casts are exact.)
            let low = (n & 0x3f) as u8;
            n >>= 6;
            if n == 0 {
                out.push(char::from(low));
                return;
            }
            out.push(char::from(low | 0x40));
        }
    }
}

impl Iterator for Numbers<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        // (Nearly every number is one byte: a brief is read a dozen times an entry.)
        let first = *self.0.next()?;
        if first & 0x40 == 0 {
            return Some(usize::from(first & 0x3f));
        }
        let mut n = usize::from(first & 0x3f);
        for shift in (6..usize::BITS).step_by(6) {
            let byte = *self.0.next()?;
            n |= usize::from(byte & 0x3f) << shift;
            if byte & 0x40 == 0 {
                return Some(n);
            }
        }
        None
    }
}

/// The strings of one of a [`Brief`]'s lists, in order.
#[derive(Debug, Clone)]
pub struct Strings<'a> {
    text: &'a str,
    start: usize,
    lengths: Numbers<'a>,
    left: usize,
}

impl<'a> Iterator for Strings<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        self.left = self.left.checked_sub(1)?;
        let end = self.start + self.lengths.next()?;
        let s = self.text.get(self.start..end).unwrap_or_default();
        self.start = end;
        Some(s)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Strings<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(id: Option<&str>, to: &[&str]) -> Meta {
        Meta {
            title: "Ünïcode title".into(),
            date: DateTime::parse_from_rfc3339("2026-11-22T14:32:05+01:00").unwrap(),
            kind: "progress".into(),
            tags: vec!["ignored".into()],
            visibility: Visibility::Partners,
            author: "A. Author".into(),
            to: to.iter().map(|s| s.to_string()).collect(),
            id: id.map(String::from),
            extra: toml::Table::new(),
        }
    }

    #[test]
    fn a_brief_gives_back_every_field_it_was_made_of() {
        let parts = BodyParts {
            learned: Some("".into()),
            next: None,
            help_wanted: Some("Review, please.".into()),
            mentions: vec!["ann".into(), "bo".into()].into_boxed_slice(),
            tags: vec!["rust".into(), "".into(), "café".into()].into_boxed_slice(),
        };
        let m = meta(Some(""), &["ouishare", "Other"]);
        let b = Brief::new(&m, &parts);
        assert_eq!(b.date(), m.date);
        assert_eq!(b.visibility(), Visibility::Partners);
        assert_eq!(
            (b.title(), b.kind(), b.author()),
            ("Ünïcode title", "progress", "A. Author")
        );
        assert_eq!(b.id(), Some(""));
        assert_eq!(
            (b.learned(), b.next(), b.help_wanted()),
            (Some(""), None, Some("Review, please."))
        );
        assert_eq!(b.to().collect::<Vec<_>>(), ["ouishare", "Other"]);
        assert_eq!(b.mentions().len(), 2);
        assert_eq!(b.mentions().collect::<Vec<_>>(), ["ann", "bo"]);
        assert_eq!(b.tags().collect::<Vec<_>>(), ["rust", "", "café"]);

        let bare = Brief::new(&meta(None, &[]), &BodyParts::default());
        assert_eq!(bare.id(), None);
        assert_eq!((bare.learned(), bare.help_wanted()), (None, None));
        assert_eq!(
            bare.to().len() + bare.mentions().len() + bare.tags().len(),
            0
        );
        assert_eq!(bare.title(), "Ünïcode title");
    }

    /// Lengths of one, two, three and four header bytes, either side of each step.
    #[test]
    fn long_strings_read_back_whole() {
        for len in [63, 64, 4095, 4096, 262_143, 262_144, 16_777_216] {
            let long = "é".repeat(len / 2) + &"x".repeat(len % 2);
            let parts = BodyParts {
                learned: Some(long.clone().into_boxed_str()),
                tags: vec![long.clone(), "t".into()].into_boxed_slice(),
                ..BodyParts::default()
            };
            let m = Meta {
                title: long.clone(),
                ..meta(None, &["p"])
            };
            let b = Brief::new(&m, &parts);
            assert_eq!((b.title(), b.kind()), (&*long, "progress"));
            assert_eq!((b.learned(), b.next()), (Some(&*long), None));
            assert_eq!(b.to().collect::<Vec<_>>(), ["p"]);
            assert_eq!(b.tags().collect::<Vec<_>>(), [&*long, "t"]);
        }
    }

    fn strings(n: usize) -> impl proptest::strategy::Strategy<Value = Vec<String>> {
        proptest::collection::vec("\\PC{0,6}", 0..n)
    }

    proptest::proptest! {
        /// Whatever the strings (empty, any script, any number of them), each field reads
        /// back as it went in, and two briefs are equal exactly when their fields are.
        #[test]
        fn any_strings_read_back_as_they_went_in(
            fixed in proptest::collection::vec("\\PC{0,40}", 3),
            optional in proptest::collection::vec(proptest::option::of("\\PC{0,8}"), 4),
            to in strings(4),
            mentions in strings(4),
            tags in strings(6),
            private in proptest::bool::ANY,
        ) {
            let meta = Meta {
                title: fixed[0].clone(),
                kind: fixed[1].clone(),
                author: fixed[2].clone(),
                id: optional[0].clone(),
                to: to.clone(),
                visibility: if private { Visibility::Private } else { Visibility::Public },
                ..meta(None, &[])
            };
            let parts = BodyParts {
                learned: optional[1].clone().map(String::into_boxed_str),
                next: optional[2].clone().map(String::into_boxed_str),
                help_wanted: optional[3].clone().map(String::into_boxed_str),
                mentions: mentions.clone().into_boxed_slice(),
                tags: tags.clone().into_boxed_slice(),
            };
            let b = Brief::new(&meta, &parts);
            proptest::prop_assert_eq!([b.title(), b.kind(), b.author()], [&*fixed[0], &*fixed[1], &*fixed[2]]);
            let read = [b.id(), b.learned(), b.next(), b.help_wanted()];
            proptest::prop_assert_eq!(read, [0, 1, 2, 3].map(|k| optional[k].as_deref()));
            proptest::prop_assert_eq!(b.to().collect::<Vec<_>>(), to);
            proptest::prop_assert_eq!(b.mentions().collect::<Vec<_>>(), mentions);
            proptest::prop_assert_eq!(b.tags().len(), tags.len());
            proptest::prop_assert_eq!(b.tags().collect::<Vec<_>>(), tags);
            proptest::prop_assert_eq!(b.visibility() == Visibility::Private, private);
            let moved = Meta { title: format!("{}x", fixed[0]), ..meta.clone() };
            proptest::prop_assert_ne!(&Brief::new(&moved, &parts), &b);
            proptest::prop_assert_eq!(&Brief::new(&meta, &parts), &b);
        }
    }
}
