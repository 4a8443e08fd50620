//! A partner's branch that moved on without this machine: another machine of the same
//! journal published to it. `wol sync` carries the journal, not
//! `refs/wol/published/<partner>`, so a second machine starts without the published
//! history (or with an older one) and its push is refused as not a fast-forward.
//!
//! [`check`] tells this journal's own published history apart from anyone else's: the
//! branch's tip has a `wol.json` carrying this journal's id, and every commit this
//! machine does not have is one `wol publish` makes (its message, one parent or none).
//! Publish then builds on that tip ([`super::tree::adopt`]); anything else is refused
//! with an error that says what the branch holds, since removing it would delete it.
//! Nothing leaks either way: the commit put on top holds only the tree this machine
//! built, and the history below it is what the partner already has.

use anyhow::Result;
use git2::{Oid, Repository};

use crate::error::hinted;
use crate::term::sanitize;

/// Where [`check`]'s caller fetches the partner's branch to look at it; removed again
/// afterwards, so a branch that is not ours never sits where publish would build on it.
pub fn fetched_ref(partner: &str) -> String {
    format!("refs/wol/fetched/{partner}")
}

/// The branch of a partner, for messages.
pub struct Branch<'a> {
    pub partner: &'a str,
    /// Already redacted ([`crate::remote::redact_url`]).
    pub url: &'a str,
    pub name: &'a str,
}

/// Whether `theirs` (the partner's branch, fetched) is this journal's published history,
/// beyond `ours` (this machine's published ref, if any): `Ok` when publish may build on
/// it, else an error saying what the branch holds and what can be done.
pub fn check(
    repo: &Repository,
    theirs: Oid,
    ours: Option<Oid>,
    journal_id: &str,
    branch: &Branch<'_>,
) -> Result<()> {
    let Branch { partner, url, name } = *branch;
    let look = format!("git fetch {url} {name} && git log --stat FETCH_HEAD");
    let elsewhere = format!(
        "To publish somewhere else, use a branch or repository of your own: wol partner rm \
         {partner} && wol partner add {partner} URL --branch BRANCH"
    );
    let tip = repo.find_commit(theirs)?;
    match journal_id_at(repo, &tip) {
        Index::Missing => {
            return Err(hinted(
                format!(
                    "{url} has commits on {name} that are not a log wol published (no wol.json \
                     at the top; not a fast-forward); nothing was pushed"
                ),
                format!(
                    "the branch holds someone's own files and their history; wol never \
                     replaces them, and removing them would delete them from the partner's \
                     repository. Look at them with: {look}. Check the partner's URL and branch \
                     (wol partner list). {elsewhere}"
                ),
            ));
        }
        Index::WithoutId => {
            return Err(hinted(
                format!(
                    "{url} has a log on {name} published by a wol that recorded no journal id, \
                     so wol cannot tell whether it is this journal's (not a fast-forward); \
                     nothing was pushed"
                ),
                format!(
                    "if it is this journal's, publish once from the machine that published it \
                     (that records the id), then here again. Replacing it would delete that \
                     history from the partner's repository, so wol never does. Look at it \
                     with: {look}. {elsewhere}"
                ),
            ));
        }
        Index::Journal(id) if id != journal_id => {
            return Err(hinted(
                format!(
                    "{url} has another journal's published log on {name} (journal id {}; this \
                     journal's is {journal_id}; not a fast-forward); nothing was pushed",
                    sanitize(&id)
                ),
                format!(
                    "replacing it would delete that journal's published history from the \
                     partner's repository, so wol never does. Check the partner's URL and \
                     branch (wol partner list). {elsewhere}"
                ),
            ));
        }
        Index::Journal(_) => {}
    }
    // This journal's log at the top; every commit this machine does not have must be one
    // wol made, or someone committed on it (or rewrote it) by hand.
    let mut walk = repo.revwalk()?;
    walk.push(theirs)?;
    if let Some(ours) = ours {
        walk.hide(ours)?;
    }
    let mut foreign = Vec::new();
    for oid in walk {
        let commit = repo.find_commit(oid?)?;
        let message = commit.message().unwrap_or("").trim_end_matches('\n');
        if commit.parent_count() > 1 || !super::tree::is_publish_message(message) {
            foreign.push(commit);
        }
    }
    let Some(newest) = foreign.first() else {
        return Ok(());
    };
    // Who put it there (an amended commit keeps its author: the committer rewrote it).
    let committer = newest.committer();
    Err(hinted(
        format!(
            "{url} has {} commit{} on {name} among this journal's published log that wol did \
             not make (the newest: \"{}\" by {}; not a fast-forward); nothing was pushed",
            foreign.len(),
            if foreign.len() == 1 { "" } else { "s" },
            sanitize(&String::from_utf8_lossy(
                newest.summary_bytes().unwrap_or_default()
            )),
            sanitize(&String::from_utf8_lossy(committer.name_bytes())),
        ),
        format!(
            "wol never forces: removing them from the branch would delete that work for \
             everyone who reads the partner's repository, so ask whoever made them. Look at \
             them with: {look}. {elsewhere}"
        ),
    ))
}

/// What the `wol.json` at the top of a published commit says about whose it is.
enum Index {
    /// No `wol.json` wol can read.
    Missing,
    /// One written by a wol that recorded no journal id.
    WithoutId,
    Journal(String),
}

fn journal_id_at(repo: &Repository, commit: &git2::Commit<'_>) -> Index {
    let tree = commit.tree().ok();
    match tree.and_then(|t| crate::site::json::journal_id(repo, &t)) {
        None => Index::Missing,
        Some(None) => Index::WithoutId,
        Some(Some(id)) => Index::Journal(id),
    }
}
