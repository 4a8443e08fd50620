//! Opening the user's editor on a draft, and cleaning what comes back.

use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;

use anyhow::{Context as _, Result};
use regex::Regex;

use crate::error::hinted;

/// Run `$VISUAL`, else `$EDITOR`, else `vi` on `path`, through `sh -c` so that editors
/// with arguments (`code --wait`) work. Fails when the editor exits non-zero.
///
/// Ctrl-C and `Ctrl-\` typed in the editor go to the whole foreground process group:
/// wol and the shell. Editors take them as keys (vim) and go on, so wol and the shell
/// outlive them until the editor exits, as git does for its editor; else the text saved
/// afterwards would be left in the draft with nobody to commit it.
pub fn edit(path: &Path) -> Result<()> {
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_string());
    let mut cmd = Command::new("sh");
    // A trap that runs a command waits for the foreground command (POSIX) and is reset
    // to the default in the editor; `trap ''` would be inherited, and without a trap a
    // non-interactive shell dies of the signal while the editor goes on.
    cmd.arg("-c")
        .arg(format!("trap : INT QUIT; {editor} \"$1\""))
        .arg("sh")
        .arg(path);
    crate::tls::restore_for_child(&mut cmd);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start the editor `{editor}`"))?;
    // Ignored only once the child runs: a child spawned while wol ignores them would
    // inherit that, and the editor could not be interrupted.
    let status = {
        let _ignored = TerminalSignalsIgnored::new();
        child.wait()
    }
    .with_context(|| format!("cannot wait for the editor `{editor}`"))?;
    if !status.success() {
        return Err(hinted(
            format!("the editor `{editor}` failed ({status})"),
            format!("your text is kept in {}", path.display()),
        ));
    }
    Ok(())
}

/// SIGINT and SIGQUIT ignored in wol while the value lives; the handlers wol had
/// before come back when it drops.
struct TerminalSignalsIgnored {
    before: [(libc::c_int, Option<libc::sigaction>); 2],
}

impl TerminalSignalsIgnored {
    fn new() -> Self {
        let before = [libc::SIGINT, libc::SIGQUIT].map(|signal| {
            // SAFETY: sigaction with a zeroed action whose handler is SIG_IGN, and a
            // valid pointer for the old one; no Rust code runs in a signal handler.
            #[allow(unsafe_code)]
            let old = unsafe {
                let mut ignore: libc::sigaction = std::mem::zeroed();
                ignore.sa_sigaction = libc::SIG_IGN;
                let mut old: libc::sigaction = std::mem::zeroed();
                (libc::sigaction(signal, &ignore, &mut old) == 0).then_some(old)
            };
            (signal, old)
        });
        TerminalSignalsIgnored { before }
    }
}

impl Drop for TerminalSignalsIgnored {
    fn drop(&mut self) {
        for (signal, old) in &self.before {
            if let Some(old) = old {
                // SAFETY: puts back the action sigaction returned for this signal.
                #[allow(unsafe_code)]
                unsafe {
                    libc::sigaction(*signal, old, std::ptr::null_mut());
                }
            }
        }
    }
}

/// Less than this between opening the editor and its return: too soon for a person to
/// have written anything, so the editor most likely went on in the background.
pub const AT_ONCE: std::time::Duration = std::time::Duration::from_secs(1);

/// The hint for an editor that returned [`AT_ONCE`] with nothing changed.
pub fn returned_at_once_hint(draft: &Path) -> String {
    format!(
        "the editor returned at once, before anything could be written: a windowed editor \
         needs its wait flag (EDITOR=\"code --wait\", \"subl -w\", \"gedit -s\", \"mate -w\"). \
         The draft stays in {d}: what you write there can be added with `wol log - < {d}`",
        d = draft.display()
    )
}

static COMMENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<!--.*?-->\n?").unwrap());

/// What the person wrote in a draft opened on `template`: the template's own `<!-- … -->`
/// comments and its `## Section` headings left with nothing under them are removed, and
/// so are the blank lines around the rest (an indented first line stays indented). A
/// comment or an empty heading the person typed is their text, and stays.
pub fn clean(text: &str, template: &str) -> String {
    let mut text = text.to_string();
    for comment in COMMENT.find_iter(template) {
        let comment = comment.as_str().trim_end_matches('\n');
        if let Some(at) = text.find(comment) {
            let end = at + comment.len();
            let end = end + usize::from(text[end..].starts_with('\n'));
            text.replace_range(at..end, "");
        }
    }
    let headings: Vec<&str> = template.lines().filter(|l| l.starts_with("## ")).collect();
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if headings.contains(&line) {
            let next = lines[i + 1..]
                .iter()
                .position(|l| l.starts_with("## ") || l.starts_with("# "))
                .map_or(lines.len(), |p| i + 1 + p);
            if lines[i + 1..next].iter().all(|l| l.trim().is_empty()) {
                i = next;
                continue;
            }
        }
        out.push(line);
        i += 1;
    }
    let mut cleaned = crate::entry::trim_blank_lines(&out.join("\n")).to_string();
    if !cleaned.is_empty() {
        cleaned.push('\n');
    }
    cleaned
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn clean_drops_the_templates_comments_and_empty_sections_only() {
        let template = "<!-- title first -->\n\n## Learned\n\n## Next\n\n## Help wanted\n";
        let t = "<!-- title first -->\nDid a thing\n\n## Learned\n\n## Next\nmore\n\n## Help wanted\n\n";
        assert_eq!(clean(t, template), "Did a thing\n\n## Next\nmore\n");
        assert_eq!(clean(template, template), "");
        // The person's own comments and headings are their words.
        let own =
            "Title\n\n<!-- keep me -->\n```html\n<!-- in code -->\n```\n\n## Mine\n\n## Learned\n";
        assert_eq!(
            clean(&format!("<!-- title first -->\n{own}"), template),
            "Title\n\n<!-- keep me -->\n```html\n<!-- in code -->\n```\n\n## Mine\n"
        );
    }
}
