//! Which entries a reading command wants: a date range, kinds, tags, author, visibility.

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::entry::{Entry, Visibility};

/// A selection of entries. Empty fields select everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// First local day included.
    pub since: Option<NaiveDate>,
    /// Last local day included.
    pub until: Option<NaiveDate>,
    pub kinds: Vec<String>,
    /// Any of these tags (front matter or `#tag` in the body).
    pub tags: Vec<String>,
    /// Case-insensitive substring of the author.
    pub author: Option<String>,
    pub visibility: Option<Visibility>,
}

impl Filter {
    /// The day range to walk, for skipping whole month folders.
    pub fn range(&self) -> Option<(NaiveDate, NaiveDate)> {
        if self.since.is_none() && self.until.is_none() {
            return None;
        }
        Some((
            self.since.unwrap_or(NaiveDate::MIN),
            self.until.unwrap_or(NaiveDate::MAX),
        ))
    }

    /// True when every entry matches.
    pub fn takes_everything(&self) -> bool {
        let Filter {
            since,
            until,
            kinds,
            tags,
            author,
            visibility,
        } = self;
        since.is_none()
            && until.is_none()
            && kinds.is_empty()
            && tags.is_empty()
            && author.is_none()
            && visibility.is_none()
    }

    /// True when the date and the kind are all the filter looks at: an entry's
    /// [`Filter::matches_date_and_kind`] is then its [`Filter::matches`].
    pub fn only_date_and_kind(&self) -> bool {
        // Destructured, so that a new field has to be placed on one side or the other.
        let Filter {
            since: _,
            until: _,
            kinds: _,
            tags,
            author,
            visibility,
        } = self;
        tags.is_empty() && author.is_none() && visibility.is_none()
    }

    /// The part of [`Filter::matches`] that looks at the entry's date and kind.
    pub fn matches_date_and_kind(&self, date: &DateTime<FixedOffset>, kind: &str) -> bool {
        let day = date.date_naive();
        self.since.is_none_or(|s| day >= s)
            && self.until.is_none_or(|u| day <= u)
            && (self.kinds.is_empty() || self.kinds.iter().any(|k| k == kind))
    }

    pub fn matches(&self, entry: &Entry) -> bool {
        let m = &entry.meta;
        self.matches_date_and_kind(&m.date, &m.kind)
            && (self.tags.is_empty() || self.tags.iter().any(|t| entry.has_tag(t)))
            && self
                .author
                .as_ref()
                .is_none_or(|a| m.author.to_lowercase().contains(&a.to_lowercase()))
            && self.visibility.is_none_or(|v| v == m.visibility)
    }
}
