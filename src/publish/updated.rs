//! The `updated` time of every entry of a published tree, as [`json::updated_times`]
//! reads it from the tree's `wol.json` and the months kept apart from it, kept in
//! `.wol/cache/updated-<partner>.bin` for the tree a publish built. The next publish
//! reads it instead of inflating and parsing the JSON: 3 MB at 10,000 entries, a tenth of
//! a one-entry publish.
//!
//! The file names the tree it was written for, and the wol build, and carries a SHA-1 of
//! its content: it is used only for that very tree, by that build, intact. Anything else
//! (no file, another tree, another build, a damaged file) falls back to the JSON, which
//! stays the source of truth; deleting the file changes nothing but the time taken.

use std::collections::HashMap;
use std::path::Path;

use git2::{Oid, Repository, Tree};

use crate::site::json;

const MAGIC: &[u8; 12] = b"wol-updated\0";

/// `path` → `updated` of the entries published in `tree`: from `file` when it was
/// written for this tree by this build (then `true`: the file holds this tree's), else
/// from the tree's JSON.
pub fn read(
    repo: &Repository,
    tree: &Tree<'_>,
    file: Option<&Path>,
) -> (HashMap<String, String>, bool) {
    if let Some(times) = file.and_then(|file| read_file(file, tree.id())) {
        crate::diag::debug(format_args!(
            "publish: updated times of the last publish from the cache ({} entries)",
            times.len()
        ));
        return (times, true);
    }
    crate::diag::debug(format_args!(
        "publish: updated times of the last publish from its wol.json"
    ));
    (json::updated_times(repo, tree), false)
}

/// Keep `times` (each entry's path and `updated`, as the build wrote them into the JSON
/// of `tree`) in `file` for the next publish. A failure only costs that publish time, so
/// it is not reported.
pub fn write<'t>(file: &Path, tree: Oid, times: impl Iterator<Item = (&'t str, &'t str)>) {
    let mut body = Vec::new();
    put(&mut body, build().as_bytes());
    body.extend_from_slice(tree.as_bytes());
    let mut count: u32 = 0;
    let at = body.len();
    body.extend_from_slice(&count.to_le_bytes());
    for (path, updated) in times {
        put(&mut body, path.as_bytes());
        put(&mut body, updated.as_bytes());
        count += 1;
    }
    body[at..at + 4].copy_from_slice(&count.to_le_bytes());
    let mut out = Vec::with_capacity(MAGIC.len() + body.len() + 20);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&body);
    out.extend_from_slice(crate::git::blob_id(&body).as_bytes());
    if let Err(e) = crate::journal::write_cache_file(file, &out) {
        crate::diag::debug(format_args!("publish: {} not written: {e}", file.display()));
    }
}

/// What `file` holds, when it was written for `tree` by this build and is whole.
fn read_file(file: &Path, tree: Oid) -> Option<HashMap<String, String>> {
    let data = std::fs::read(file).ok()?;
    let body = data.strip_prefix(MAGIC.as_slice())?;
    let (body, sum) = body.split_at_checked(body.len().checked_sub(20)?)?;
    if crate::git::blob_id(body).as_bytes() != sum {
        return None;
    }
    let mut r = body;
    if take(&mut r)? != build().as_bytes() || take_n(&mut r, 20)? != tree.as_bytes() {
        return None;
    }
    let count = u32::from_le_bytes(take_n(&mut r, 4)?.try_into().ok()?);
    let mut times = HashMap::with_capacity(count.min(1 << 20) as usize);
    for _ in 0..count {
        let path = std::str::from_utf8(take(&mut r)?).ok()?;
        let updated = std::str::from_utf8(take(&mut r)?).ok()?;
        times.insert(path.to_string(), updated.to_string());
    }
    r.is_empty().then_some(times)
}

/// The build whose files these are: what makes the JSON index (wol's version and the
/// source of `site/json.rs`, so what [`json::updated_times`] would read from a tree), and
/// the source of this file, which reads and writes them.
fn build() -> String {
    format!(
        "{}\0{}",
        super::tree::json_maker(),
        crate::git::blob_id(include_bytes!("updated.rs"))
    )
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn take_n<'b>(r: &mut &'b [u8], n: usize) -> Option<&'b [u8]> {
    let (head, rest) = r.split_at_checked(n)?;
    *r = rest;
    Some(head)
}

fn take<'b>(r: &mut &'b [u8]) -> Option<&'b [u8]> {
    let len = u32::from_le_bytes(take_n(r, 4)?.try_into().ok()?);
    take_n(r, len as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(n: u8) -> Oid {
        Oid::from_bytes(&[n; 20]).unwrap()
    }

    #[test]
    fn a_file_is_read_back_only_for_its_tree_and_whole() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cache").join("updated-gig.bin");
        let times = [
            ("entries/2026/11/a.md", "2026-11-20T10:00:00+01:00"),
            ("entries/2026/11/b\tc\n.md", "2026-11-21T10:00:00+00:00"),
        ];
        write(&file, oid(1), times.iter().copied());
        let read = read_file(&file, oid(1)).unwrap();
        assert_eq!(read.len(), 2);
        for (path, updated) in times {
            assert_eq!(read[path], updated);
        }
        assert!(read_file(&file, oid(2)).is_none(), "another tree");
        let data = std::fs::read(&file).unwrap();
        for i in [
            0,
            MAGIC.len(),
            MAGIC.len() + 9,
            data.len() / 2,
            data.len() - 1,
        ] {
            let mut damaged = data.clone();
            damaged[i] ^= 1;
            std::fs::write(&file, &damaged).unwrap();
            assert!(read_file(&file, oid(1)).is_none(), "byte {i} changed");
        }
        std::fs::write(&file, &data[..data.len() - 1]).unwrap();
        assert!(read_file(&file, oid(1)).is_none(), "cut short");
        write(&file, oid(1), std::iter::empty());
        assert_eq!(read_file(&file, oid(1)).unwrap().len(), 0);
    }
}
