//! Built-in templates (compiled in from `templates/`) and the journal's overrides in
//! `<journal>/templates/`, rendered with minijinja.

use anyhow::{Context as _, Result};
use minijinja::{Environment, ErrorKind, Value, context};

use crate::journal::Journal;

/// Built-in templates by file name.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("entry.md", include_str!("../templates/entry.md")),
    ("digest.md", include_str!("../templates/digest.md")),
    ("digest.txt", include_str!("../templates/digest.txt")),
    (
        "site/base.html",
        include_str!("../templates/site/base.html"),
    ),
    (
        "site/entry.html",
        include_str!("../templates/site/entry.html"),
    ),
    (
        "site/list.html",
        include_str!("../templates/site/list.html"),
    ),
    (
        "site/index.html",
        include_str!("../templates/site/index.html"),
    ),
    ("site/tag.html", include_str!("../templates/site/tag.html")),
    (
        "site/digest.html",
        include_str!("../templates/site/digest.html"),
    ),
    (
        "site/month.html",
        include_str!("../templates/site/month.html"),
    ),
    (
        "site/style.css",
        include_str!("../templates/site/style.css"),
    ),
];

/// The source of template `name`: the journal's override if it has one, else built-in.
pub fn source(journal: &Journal, name: &str) -> Result<String> {
    let custom = journal.root.join("templates").join(name);
    match std::fs::read_to_string(&custom) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BUILT_IN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| text.to_string())
            .with_context(|| format!("no built-in template {name}")),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", custom.display())),
    }
}

/// The fuel every render has (minijinja spends about one fuel an instruction, and one for
/// each 64 bytes of text a template writes or makes): a template override with a loop
/// that does not end fails with [`TooMuchWork`] instead of running for ever. A page that
/// lists things has [`FUEL_PER_ITEM`] more for each (see [`render`]).
///
/// Measured with wol's own templates on a generated journal of 100,000 entries: about 36
/// fuel per entry of a tag page (923,567 for the largest, 25,324 entries), 48 per item
/// of a digest (8.2 million for a digest of all 100,000 entries: 170,000 items, 67 MB
/// of Markdown), 16,166 for the index page. So an item has ten times what it needs,
/// and the base carries a page of 600 MB (an entry's body). A loop doing nothing spends
/// about 40 million fuel a second: it is stopped after a quarter of a second, or after
/// about 1.5 s on a page of 100,000 entries.
pub const BASE_FUEL: u64 = 10_000_000;
/// The fuel a render has for each thing the page lists: see [`BASE_FUEL`].
pub const FUEL_PER_ITEM: u64 = 500;

/// A template ran out of fuel: it did far more work than a page needs, most likely a
/// loop that does not end.
#[derive(Debug)]
pub struct TooMuchWork {
    /// The template that was running, as registered (`digest.md`, `site/list.html`).
    pub template: String,
    /// True when it is wol's own template, not the journal's override.
    pub built_in: bool,
    pub line: Option<usize>,
}

impl std::fmt::Display for TooMuchWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.built_in {
            write!(f, "the built-in template {}", self.template)?;
        } else {
            write!(f, "templates/{}", self.template)?;
        }
        write!(
            f,
            " did too much work (a loop that does not end?): wol stopped it"
        )?;
        match self.line {
            Some(line) => write!(f, " at line {line}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for TooMuchWork {}

impl TooMuchWork {
    /// What to do about it.
    pub fn hint(&self) -> String {
        if self.built_in {
            "wol's own templates should never need that much: please report it as a bug, \
             saying how many entries the page lists"
                .into()
        } else {
            format!(
                "fix or remove the override templates/{} (without it, wol uses its own)",
                self.template
            )
        }
    }
}

/// Render template `name` of `env` with `ctx`, with the fuel of a page that lists `items`
/// things: [`BASE_FUEL`] and [`FUEL_PER_ITEM`] for each. Running out of fuel is a
/// [`TooMuchWork`] naming the template that was running.
pub fn render(env: &Environment<'_>, name: &str, ctx: Value, items: usize) -> Result<String> {
    let fuel = BASE_FUEL.saturating_add(FUEL_PER_ITEM.saturating_mul(items as u64));
    let scaled;
    let env = if env.fuel() == Some(fuel) {
        env
    } else {
        let mut more = env.clone();
        more.set_fuel(Some(fuel));
        scaled = more;
        &scaled
    };
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| {
            // Run out in an included template, the error is that include's, inside.
            let out_of_fuel =
                std::iter::successors(Some(&e as &dyn std::error::Error), |c| c.source())
                    .filter_map(|c| c.downcast_ref::<minijinja::Error>())
                    .find(|c| c.kind() == ErrorKind::OutOfFuel);
            let Some(stopped) = out_of_fuel else {
                return anyhow::Error::new(e).context(format!("cannot render templates/{name}"));
            };
            let template = stopped.name().unwrap_or(name).to_string();
            // An override that is a copy of wol's own counts as wol's.
            let built_in = env.get_template(&template).is_ok_and(|t| {
                BUILT_IN
                    .iter()
                    .any(|&(n, text)| n == template && text == t.source())
            });
            TooMuchWork {
                template,
                built_in,
                line: stopped.line(),
            }
            .into()
        })
}

/// A template environment with the whitespace rules every wol template uses: the
/// trailing newline is kept, and block tags do not leave blank lines behind; and with
/// [`BASE_FUEL`].
pub fn environment<'s>() -> Environment<'s> {
    let mut env = Environment::new();
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .expect("the default delimiters are valid");
    env.set_syntax(syntax);
    env.set_fuel(Some(BASE_FUEL));
    env
}

/// The text the editor opens for a new entry.
pub fn entry_template(
    journal: &Journal,
    kind: &str,
    author: &str,
    now: &chrono::DateTime<chrono::FixedOffset>,
) -> Result<String> {
    let src = source(journal, "entry.md")?;
    let mut env = environment();
    env.add_template("entry.md", &src)
        .context("the entry template templates/entry.md is not valid")?;
    let date = now.format("%Y-%m-%d %H:%M").to_string();
    render(&env, "entry.md", context! { kind, date, author }, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{self, Digest, Item, Period};
    use crate::site::{self, html};

    const ENTRIES: usize = 100_000;

    /// A journal with no entries: wol's own templates, no override.
    fn empty_journal() -> (tempfile::TempDir, Journal) {
        let tmp = tempfile::tempdir().unwrap();
        git2::Repository::init(tmp.path()).unwrap();
        std::fs::write(tmp.path().join(crate::journal::CONFIG_FILE), "").unwrap();
        let journal = Journal::open(tmp.path()).unwrap();
        (tmp, journal)
    }

    /// Titles as long as people write them, with characters the pages escape.
    fn title(i: usize) -> String {
        format!("Entry {i}: \"notes\" & <ideas> from the long afternoon session")
    }

    /// The fuel ([`BASE_FUEL`], [`FUEL_PER_ITEM`]) is enough for wol's own pages at
    /// 100,000 entries.
    #[test]
    fn built_in_site_templates_have_fuel_for_100k_entries() {
        let (_tmp, journal) = empty_journal();
        let site = html::Site::load(&journal, "Big").unwrap();
        let sample = html::sample_view().unwrap();
        // Every entry is tagged `all` and a tag of its own: the tag page lists 100,000
        // entries, the index 100,001 tags (a month page lists its entries as a tag page does).
        let views: std::sync::Arc<Vec<site::EntryView<'static>>> = (0..ENTRIES)
            .map(|i| {
                let mut view = sample.clone();
                let tags = ["all".to_string(), format!("tag-{i}")];
                view.brief = sample.brief.with_title_and_tags(&title(i), &tags).into();
                view
            })
            .collect::<Vec<_>>()
            .into();
        let tags = site::tag_groups(views.as_slice());
        let months = html::months(views.as_slice());
        let all = tags.iter().find(|t| t.slug == "all").unwrap();
        assert_eq!(all.entries.len(), ENTRIES);
        site.tag_page(all, html::listed_views(views.clone(), all.entries.clone()))
            .unwrap();
        site.index_page(views.as_slice(), &tags, &months, &[])
            .unwrap();
        site.month_page(&months[0].with_entries(views.as_slice()))
            .unwrap();
    }

    #[test]
    fn built_in_digest_templates_have_fuel_for_100k_entries() {
        let (_tmp, journal) = empty_journal();
        let day = "2026-11-22".parse().unwrap();
        let items: Vec<Item> = (0..ENTRIES)
            .map(|i| Item {
                title: title(i),
                id: format!("2026-11-22-1200-entry-{i}"),
                path: format!("entries/2026/11/2026-11-22-1200-entry-{i}.md"),
                date: day,
                day: "Sun 22 Nov".into(),
                kind: "progress".into(),
                text: "What was done, and why.\nAnd a second line.".into(),
            })
            .collect();
        let counts = digest::Counts {
            entries: ENTRIES,
            active_days: 1,
            streak: 1,
        };
        let mut digest = Digest::new(Period::range(day, day).unwrap(), None, counts);
        digest.progress = items.clone();
        digest.learned = items;
        for name in ["digest.md", "digest.txt"] {
            digest::render_template(&journal, &digest, name).unwrap();
        }
    }
}
