//! Built-in templates (compiled in from `templates/`) and the journal's overrides in
//! `<journal>/templates/`, rendered with minijinja.

use anyhow::{Context as _, Result};
use minijinja::{Environment, context};

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

/// A template environment with the whitespace rules every wol template uses: the
/// trailing newline is kept, and block tags do not leave blank lines behind.
pub fn environment<'s>() -> Environment<'s> {
    let mut env = Environment::new();
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .expect("the default delimiters are valid");
    env.set_syntax(syntax);
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
    env.get_template("entry.md")?
        .render(context! { kind, date => now.format("%Y-%m-%d %H:%M").to_string(), author })
        .context("cannot render the entry template")
}
