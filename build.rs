//! Build script: `wol --version` names the commit it was built from, when built from a git
//! checkout (`wol 0.1.0 (263386f 2026-11-23)`, as jj does); else just the version. Needs
//! only the git CLI, and goes without it.
//!
//! On Linux with glibc it also packs the binary's relocations (`-z pack-relative-relocs`)
//! when the linker and the C library take it: 44,000 pointer fixes at every start, read
//! from a 1 MB table, become a 14 KB bitmap (`wol --version` 0.15 ms faster, `wol log`
//! 0.2 ms; BENCHMARKS.md, sixteenth session).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let described = commit().map_or_else(
        || version.to_string(),
        |(hash, date)| format!("{version} ({hash} {date})"),
    );
    println!("cargo:rustc-env=WOL_VERSION={described}");
    println!("cargo:rustc-env=WOL_SOURCE={}", source_stamp());
    if packed_relocations_link() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// A hash of everything wol is built from (its sources, templates, locked dependencies and
/// this script): what a publish that reuses its last build checks it was made by
/// (`publish::reuse`). Any change, committed or not, gives another stamp. (std's hasher:
/// another Rust release may give another stamp for the same sources, which only costs
/// one build.)
fn source_stamp() -> String {
    use std::hash::Hasher as _;
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut files = Vec::new();
    for top in ["src", "templates", "Cargo.lock", "build.rs"] {
        let path = manifest.join(top);
        println!("cargo:rerun-if-changed={}", path.display());
        collect(&path, &mut files);
    }
    files.sort();
    let mut hasher = std::hash::DefaultHasher::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_default();
        let name = file.strip_prefix(&manifest).unwrap_or(file);
        hasher.write(name.as_os_str().as_encoded_bytes());
        hasher.write_usize(bytes.len());
        hasher.write(&bytes);
    }
    format!("{:016x}{:08x}", hasher.finish(), files.len())
}

/// The files at `path`, a file or a folder walked whole.
fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    match std::fs::read_dir(path) {
        Ok(dir) => {
            for entry in dir.flatten() {
                collect(&entry.path(), files);
            }
        }
        Err(_) if path.is_file() => files.push(path.to_path_buf()),
        Err(_) => {}
    }
}

/// Whether the C compiler cargo links with makes a program with packed relocations
/// without a warning. Older linkers ignore the option with a warning, and an older glibc
/// lacks the `GLIBC_ABI_DT_RELR` it needs: either way wol is linked as before.
fn packed_relocations_link() -> bool {
    let target = |key: &str| std::env::var(format!("CARGO_CFG_TARGET_{key}")).unwrap_or_default();
    // The probe runs the host's compiler: only a native build can trust what it says.
    if target("OS") != "linux"
        || target("ENV") != "gnu"
        || std::env::var("HOST") != std::env::var("TARGET")
    {
        return false;
    }
    let Some(out) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        return false;
    };
    let source = out.join("relr-probe.c");
    if std::fs::write(&source, "int main(void) { return 0; }\n").is_err() {
        return false;
    }
    println!("cargo:rerun-if-env-changed=CC");
    let cc = std::env::var_os("CC").unwrap_or_else(|| "cc".into());
    Command::new(cc)
        .arg(&source)
        .arg("-o")
        .arg(out.join("relr-probe"))
        .arg("-Wl,-z,pack-relative-relocs")
        .output()
        // GNU ld ignores a `-z` it does not know, with a warning only.
        .is_ok_and(|o| o.status.success() && o.stderr.is_empty())
}

/// The short hash and the commit date of HEAD, when this is a git checkout with git on
/// the PATH. Asks cargo to run again when HEAD or the branch it names moves.
fn commit() -> Option<(String, String)> {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    // `.git` is a folder in a clone and a file in a worktree; neither: a source archive.
    if !manifest.join(".git").exists() {
        return None;
    }
    let git_dir = PathBuf::from(git(&manifest, &["rev-parse", "--absolute-git-dir"])?);
    let common = PathBuf::from(git(&manifest, &["rev-parse", "--git-common-dir"])?);
    let common = if common.is_absolute() {
        common
    } else {
        manifest.join(common)
    };
    let mut watch = vec![git_dir.join("HEAD"), common.join("packed-refs")];
    if let Some(branch) = git(&manifest, &["symbolic-ref", "-q", "HEAD"]) {
        watch.push(common.join(branch));
    }
    for path in watch.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let hash = git(&manifest, &["rev-parse", "--short", "HEAD"])?;
    let date = git(&manifest, &["log", "-1", "--format=%cs"])?;
    Some((hash, date))
}

/// Run git in `dir`; its trimmed stdout when it succeeds with some.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}
