//! The HTML wol writes is valid: HTML Tidy (`tidy -errors -q`, Debian's `tidy`, in
//! `.ci/packages.txt`) reports no error and no warning on the site's index, an entry, a tag, a month and
//! a digest page, nor on `wol export --format html` and `wol digest --format html`.
//! tidy must be installed (`.ci/test` installs it): the test fails without it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::TestEnv;

fn tidy() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|d| d.join("tidy"))
        .find(|p| p.is_file())
}

/// What tidy says about `file`, when it says anything: errors (`-errors`) and warnings
/// (misnested or unclosed elements, empty paragraphs, bad attribute values).
fn errors(tidy: &Path, file: &Path) -> Option<String> {
    let out = Command::new(tidy)
        .args(["-errors", "-q"])
        .arg(file)
        .env_clear()
        .output()
        .expect("run tidy");
    // 0: clean, 1: warnings, 2: errors. Both count: the pages are clean today.
    (out.status.code() != Some(0)).then(|| {
        format!(
            "{}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })
}

#[test]
fn pages_exports_and_digests_are_valid_html() {
    let tidy = tidy().expect(
        "HTML Tidy is not installed: apt-get install tidy (.ci/test installs it from .ci/packages.txt)",
    );
    let env = TestEnv::new();
    let (clone, with_files) = crate::browser::published_site(&env);
    let docs = clone.join("docs");
    let mut files: Vec<PathBuf> = [
        "index.html".to_string(),
        format!("2026/11/{with_files}.html"),
        "tags/onboarding.html".to_string(),
        "2026/11/index.html".to_string(),
        "2026/10/index.html".to_string(),
        "digests/2026-W47.html".to_string(),
    ]
    .iter()
    .map(|rel| docs.join(rel))
    .collect();
    // Every entry page too: tables, code and task lists come out of comrak.
    for month in ["2026/10", "2026/11"] {
        for e in std::fs::read_dir(docs.join(month)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "html") && !files.contains(&p) {
                files.push(p);
            }
        }
    }

    let export = env.root.join("export");
    env.wol_j()
        .args(["export", "--format", "html"])
        .arg(&export)
        .assert()
        .success();
    let mut exported: Vec<PathBuf> = walk(&export)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    assert!(!exported.is_empty(), "the export wrote no HTML");
    files.append(&mut exported);

    let digest = env
        .wol_j()
        .args(["digest", "--week", "this", "--format", "html"])
        .output()
        .unwrap();
    assert!(digest.status.success());
    let digest_file = env.root.join("digest.html");
    std::fs::write(&digest_file, &digest.stdout).unwrap();
    files.push(digest_file);

    let problems: Vec<String> = files
        .iter()
        .inspect(|f| assert!(f.is_file(), "no {}", f.display()))
        .filter_map(|f| errors(&tidy, f))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
