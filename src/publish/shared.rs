//! `shared` mode: a community repository where each member writes only
//! `logs/<author-slug>/`. Publishing fetches the community branch, replaces the member's
//! own subtree with their published tree, regenerates the community `README.md` from
//! every member's `logs/*/wol.json`, commits on top and pushes; when someone else pushed
//! in between, the push is refused as non-fast-forward and the whole step is retried.
//!
//! Only the member's own subtree and the community README are written: other members'
//! logs are carried over object for object.

use std::fmt::Write as _;

use anyhow::{Context as _, Result};
use git2::{FileMode, ObjectType, Oid, Repository, Signature, Tree};
use serde::Deserialize;

use crate::site::readme::{escape, link};

/// Directory holding the members' logs.
pub const LOGS: &str = "logs";
/// How many entries the community README's "Latest" lists.
const LATEST: usize = 20;

/// The tree of `base` (the community branch, if it exists) with `logs/<slug>` replaced by
/// `own` and the community README regenerated.
///
/// A folder is only ever replaced by the journal that made it: when `logs/<slug>/wol.json`
/// names another journal id (two members whose names give the same slug, "Bob Brown"
/// and "Böb Brown"), or the folder holds no `wol.json` wol can read (someone's own
/// files), publishing fails with a hint instead. A folder from a wol that wrote no id
/// yet is taken as ours. Folders under other names that carry this journal's id (it
/// published under an earlier name or `slug`) are removed: what they hold is no longer
/// what this journal publishes, and may include entries made private since.
pub fn compose(
    repo: &Repository,
    base: Option<Oid>,
    slug: &str,
    journal_id: &str,
    own: Oid,
) -> Result<Oid> {
    let base_tree = match base {
        Some(commit) => Some(repo.find_commit(commit)?.tree()?),
        None => None,
    };
    let logs_base = match base_tree.as_ref().and_then(|t| t.get_name(LOGS)) {
        Some(e) if e.kind() == Some(ObjectType::Tree) => Some(repo.find_tree(e.id())?),
        _ => None,
    };
    let choose = "choose your own folder with `slug = \"your-name\"` under [publish] in wol.toml";
    match logs_base
        .as_ref()
        .map(|logs| folder_owner(repo, logs, slug))
    {
        None | Some(Owner::Nobody | Owner::WolWithoutId) => {}
        Some(Owner::Journal(id)) if id == journal_id => {}
        Some(Owner::Journal(_)) => {
            return Err(crate::error::hinted(
                format!("{LOGS}/{slug}/ in the community repository belongs to another journal"),
                format!("someone whose name gives the same folder name publishes there; {choose}"),
            ));
        }
        Some(Owner::NotWol) => {
            return Err(crate::error::hinted(
                format!(
                    "{LOGS}/{slug}/ in the community repository holds files wol did not publish \
                     (no wol.json it can read); nothing was replaced"
                ),
                format!("ask the community who keeps that folder, or {choose}"),
            ));
        }
    }
    let mut logs = repo.treebuilder(logs_base.as_ref())?;
    if let Some(base) = &logs_base {
        for folder in base.iter() {
            let Ok(name) = folder.name() else { continue };
            if name != slug
                && matches!(folder_owner(repo, base, name), Owner::Journal(id) if id == journal_id)
            {
                logs.remove(name)?;
                crate::error::warn(
                    format!(
                        "removed {LOGS}/{name}/ from the community repository: this journal \
                         published there before, and now publishes to {LOGS}/{slug}/"
                    ),
                    None,
                );
            }
        }
    }
    logs.insert(slug, own, FileMode::Tree.into())?;
    let logs = repo.find_tree(logs.write()?)?;
    let readme = community_readme(repo, &logs)?;
    let mut root = repo.treebuilder(base_tree.as_ref())?;
    root.insert(LOGS, logs.id(), FileMode::Tree.into())?;
    root.insert(
        "README.md",
        repo.blob(readme.as_bytes())?,
        FileMode::Blob.into(),
    )?;
    Ok(root.write()?)
}

/// Commit `tree` on top of `base` and point the partner's published ref at it. Returns
/// `None` when the community branch already has exactly this tree.
pub fn commit(
    repo: &Repository,
    published_ref: &str,
    base: Option<Oid>,
    tree: Oid,
    sig: &Signature<'_>,
    message: &str,
) -> Result<Option<Oid>> {
    let parent = base.map(|b| repo.find_commit(b)).transpose()?;
    if parent.as_ref().is_some_and(|p| p.tree_id() == tree) {
        return Ok(None);
    }
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    let oid = repo.commit(None, sig, sig, message, &repo.find_tree(tree)?, &parents)?;
    crate::git_lock::clear_stale_ref_lock(repo, published_ref)?;
    repo.reference(published_ref, oid, true, "wol publish (shared)")
        .with_context(|| format!("cannot update {published_ref}"))?;
    Ok(Some(oid))
}

/// This journal's folder `logs/<slug>/` in the community commit `base`: its tree, when
/// its `wol.json` carries `journal_id` (see [`compose`] for the other cases).
pub fn own_folder(
    repo: &Repository,
    base: Oid,
    slug: &str,
    journal_id: &str,
) -> Result<Option<Oid>> {
    let tree = repo.find_commit(base)?.tree()?;
    let logs = match tree.get_name(LOGS) {
        Some(e) if e.kind() == Some(ObjectType::Tree) => repo.find_tree(e.id())?,
        _ => return Ok(None),
    };
    Ok(match folder_owner(repo, &logs, slug) {
        Owner::Journal(id) if id == journal_id => logs.get_name(slug).map(|e| e.id()),
        _ => None,
    })
}

/// Whose `logs/<slug>/` is, by the journal id its `wol.json` records.
enum Owner {
    /// No such folder.
    Nobody,
    /// A wol that wrote no journal id yet.
    WolWithoutId,
    Journal(String),
    /// A file, or a folder without a `wol.json` wol can read: someone's own files.
    NotWol,
}

/// Whose `logs/<slug>/` is.
fn folder_owner(repo: &Repository, logs: &Tree<'_>, slug: &str) -> Owner {
    let Some(folder) = logs.get_name(slug) else {
        return Owner::Nobody;
    };
    let index = (folder.kind() == Some(ObjectType::Tree))
        .then(|| repo.find_tree(folder.id()).ok())
        .flatten()
        .and_then(|t| crate::site::json::journal_id(repo, &t));
    match index {
        None => Owner::NotWol,
        Some(None) => Owner::WolWithoutId,
        Some(Some(id)) => Owner::Journal(id),
    }
}

#[derive(Deserialize)]
struct MemberIndex {
    #[serde(default)]
    title: String,
    #[serde(default)]
    entries: Vec<MemberEntry>,
    /// Every entry of the log, where it keeps older months apart (`entries` are then the
    /// newest).
    #[serde(default)]
    total: Option<usize>,
}

#[derive(Deserialize)]
struct MemberEntry {
    #[serde(default)]
    path: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    author: String,
}

/// The community README: every member's log and the newest entries across all of them,
/// read from `logs/*/wol.json`. Other members' text is escaped like our own.
fn community_readme(repo: &Repository, logs: &Tree<'_>) -> Result<String> {
    let mut members = Vec::new();
    let mut latest: Vec<(Option<chrono::DateTime<chrono::FixedOffset>>, String)> = Vec::new();
    let mut budget = crate::follow::MAX_INDEX_BYTES;
    for member in logs.iter() {
        let Ok(slug) = member.name() else { continue };
        if member.kind() != Some(ObjectType::Tree) {
            continue;
        }
        let dir = repo.find_tree(member.id())?;
        // Other members' indexes are read within the bound `wol follow` keeps (their
        // sizes together), checked before a byte is loaded: a member who pushes a
        // gigabyte of whitespace is listed without its entries, and costs nothing.
        let index = dir
            .get_name("wol.json")
            .filter(|e| {
                let size = repo
                    .odb()
                    .and_then(|odb| odb.read_header(e.id()))
                    .map_or(u64::MAX, |(size, _)| size as u64);
                let fits = size <= budget;
                if fits {
                    budget -= size;
                }
                fits
            })
            .and_then(|e| repo.find_blob(e.id()).ok())
            .and_then(|b| serde_json::from_slice::<MemberIndex>(b.content()).ok());
        let Some(index) = index else {
            members.push(format!("- [{}]({LOGS}/{}/)", escape(slug), link(slug)));
            continue;
        };
        let title = if index.title.is_empty() {
            slug
        } else {
            &index.title
        };
        // As the member's log says, within reason (no index holds more entries than
        // the bytes wol reads of it).
        let stated = index
            .total
            .unwrap_or(0)
            .min(crate::follow::MAX_INDEX_BYTES as usize);
        let count = stated.max(index.entries.len());
        members.push(format!(
            "- [{}]({LOGS}/{}/README.md) · {} entr{}",
            escape(title),
            link(slug),
            count,
            if count == 1 { "y" } else { "ies" }
        ));
        for e in index.entries.into_iter().take(LATEST) {
            if e.path.split('/').any(|p| p == ".." || p.is_empty()) {
                continue;
            }
            let day = escape(e.date.get(..10).unwrap_or(&e.date));
            // Instants, not text: members write their own offsets.
            latest.push((
                chrono::DateTime::parse_from_rfc3339(&e.date).ok(),
                format!(
                    "- {day} · {} · [{}]({LOGS}/{}/{}) · {}",
                    escape(&e.kind),
                    escape(&e.title),
                    link(slug),
                    link(&e.path),
                    escape(&e.author)
                ),
            ));
        }
    }
    latest.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = String::from(
        "# Community log\n\nWhat our members are working on, learning and asking for help with, newest first. Each member publishes their own log under `logs/`.\n",
    );
    if !latest.is_empty() {
        out.push_str("\n## Latest\n\n");
        for (_, line) in latest.iter().take(LATEST) {
            let _ = writeln!(out, "{line}");
        }
    }
    out.push_str("\n## Members\n\n");
    for m in members {
        let _ = writeln!(out, "{m}");
    }
    Ok(crate::site::valid_chars(out))
}
