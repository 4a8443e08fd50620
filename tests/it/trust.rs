//! Trust at the edges: what a journal on a real machine throws at wol, and what must hold
//! anyway. Entries without a `visibility` key, git-ignored and symlinked files, URLs
//! with credentials and hand-written names in `wol.toml`, no author to write as, two
//! journals sharing one community folder name, overlapping edits, live and stale git
//! locks, a merge or rebase in progress, odd files in the work tree, servers that never
//! answer, a bare repository or a missing remote where a journal or partner should be.
//!
//! Every check goes through the binary, real git repositories (bare ones by path and a
//! loopback `git daemon`), and the git CLI; what a partner received is read back as
//! every object its repository holds, so "never published" means "in no commit, tree or
//! blob".

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{PermissionsExt as _, symlink};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::common::{
    GitDaemon, TestEnv, draft_path_in, fails_with, stderr, stdout, stem, wait_for,
};

/// Inside ISO week 2026-W47 (Monday 16 to Sunday 22 November 2026), like `NOW`.
const DATE: &str = "2026-11-20T10:00:00+01:00";
const WEEK: &str = "2026-W47";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Every object in the repository at `repo` (bare or not), printed by
/// `git cat-file --batch-all-objects --batch`: loose and packed, reachable or not.
fn all_objects(env: &TestEnv, repo: &Path) -> String {
    let out = env
        .git_cmd_in(repo)
        .args(["cat-file", "--batch-all-objects", "--batch"])
        .output()
        .expect("run git cat-file");
    assert!(
        out.status.success(),
        "git cat-file in {} failed:\n{}",
        repo.display(),
        stderr(&out)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A bare repository with branch `main` at `<root>/remotes/<name>`.
fn bare(env: &TestEnv, name: &str) -> PathBuf {
    let base = env.root.join("remotes");
    fs::create_dir_all(&base).unwrap();
    env.git_in(&base, ["init", "-q", "--bare", "-b", "main", name]);
    base.join(name)
}

/// `wol partner add NAME URL ARGS…`, asserting success.
#[track_caller]
fn add_partner(env: &TestEnv, name: &str, url: &str, args: &[&str]) {
    let out = env
        .wol_j()
        .args(["partner", "add", name, url])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wol partner add {name} {url} failed:\n{}",
        stderr(&out)
    );
}

/// Runs `wol --journal J ARGS` to completion.
fn wol(env: &TestEnv, args: &[&str]) -> Output {
    env.wol_j().args(args).output().unwrap()
}

#[track_caller]
fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

/// Asserts exit code 1 and returns stderr.
#[track_caller]
fn assert_fails(out: &Output, what: &str) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "{what} should fail with exit 1:\nstdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    stderr(out)
}

/// An entry file as a person writes it by hand; `visibility: None` leaves the key out.
fn hand_entry(title: &str, visibility: Option<&str>, body: &str) -> String {
    let visibility = visibility
        .map(|v| format!("visibility = {v:?}\n"))
        .unwrap_or_default();
    format!(
        "+++\ntitle = {title:?}\ndate = {DATE}\nkind = \"progress\"\ntags = [\"trust\"]\n\
         {visibility}author = \"Test Author\"\n+++\n\n{body}\n"
    )
}

/// `git add -A && git commit` in the journal.
fn commit_all(env: &TestEnv, message: &str) {
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", message]);
}

/// Rewrites the journal's wol.toml with `edit` and commits it with the git CLI.
fn edit_config(env: &TestEnv, edit: impl FnOnce(&str) -> String) {
    let text = env.read("wol.toml");
    let new = edit(&text);
    assert_ne!(new, text, "the config edit changed nothing");
    env.write("wol.toml", new);
    env.git(["commit", "-q", "-am", "hand edit of wol.toml"]);
}

/// Appends `extra` to wol.toml and commits it.
fn append_config(env: &TestEnv, extra: &str) {
    edit_config(env, |text| format!("{text}\n{extra}\n"));
}

/// Files git tracks in the journal (`git ls-files`).
fn ls_files(env: &TestEnv) -> String {
    env.git(["ls-files"])
}

/// The journal id `wol init` wrote into wol.toml.
fn journal_id(env: &TestEnv) -> String {
    let text = env.read("wol.toml");
    let line = text
        .lines()
        .find(|l| l.starts_with("id = \""))
        .unwrap_or_else(|| panic!("wol.toml has no id line:\n{text}"));
    line.trim_start_matches("id = \"")
        .trim_end_matches('"')
        .to_string()
}

fn is_hex_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The entry page among `files` (a published tree's paths) whose name ends with `end`.
fn entry_page(files: &str, end: &str) -> String {
    files
        .lines()
        .find(|f| f.starts_with("docs/2026/") && f.ends_with(end))
        .unwrap_or_else(|| panic!("no entry page:\n{files}"))
        .to_string()
}

/// The text of `rev:path` in the repository at `repo`.
fn show(env: &TestEnv, repo: &Path, spec: &str) -> String {
    env.git_in(repo, ["show", spec])
}

/// Waits at most `limit` for `child` to exit, then collects its output; kills it and
/// panics when it does not exit in time.
fn wait_output(mut child: Child, limit: Duration, what: &str) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            child.kill().ok();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{what} did not finish within {limit:?}:\nstderr: {}",
                stderr(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A shell script at `<root>/bin/<name>`, executable.
fn script(env: &TestEnv, name: &str, body: &str) -> PathBuf {
    let path = env.root.join("bin").join(name);
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Every ref and HEAD of the journal, to show that a refused command moved nothing.
fn refs(env: &TestEnv) -> String {
    let head = env
        .git_cmd_in(&env.journal)
        .args(["rev-parse", "HEAD"])
        .output()
        .unwrap();
    format!(
        "{}HEAD {}",
        env.git(["for-each-ref", "--format=%(refname) %(objectname)"]),
        stdout(&head)
    )
}

/// A `git://` server on 127.0.0.1 that accepts every connection and moves nothing; the
/// sockets stay open until the server is dropped. [`StallingServer::silent`] never says
/// a word; [`StallingServer::dripping`] reads the request, announces a long line and then
/// sends it a byte every 300 ms, so every single read succeeds and only a bound on the
/// operation as a whole ends it.
struct StallingServer {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl StallingServer {
    fn silent() -> StallingServer {
        StallingServer::start(false)
    }

    fn dripping() -> StallingServer {
        StallingServer::start(true)
    }

    fn start(drip: bool) -> StallingServer {
        use std::io::{Read as _, Write as _};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut clients: Vec<TcpStream> = Vec::new();
            let mut last = Instant::now();
            while !flag.load(Ordering::Relaxed) {
                if let Ok((mut socket, _)) = listener.accept() {
                    if drip {
                        socket.set_nonblocking(false).unwrap();
                        socket
                            .set_read_timeout(Some(Duration::from_secs(2)))
                            .unwrap();
                        let _ = socket.read(&mut [0; 4096]);
                        let _ = socket.write_all(b"fff0");
                    }
                    clients.push(socket);
                }
                if drip && last.elapsed() >= Duration::from_millis(300) {
                    last = Instant::now();
                    clients.retain_mut(|c| c.write_all(b"a").is_ok());
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        StallingServer {
            port,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("git://127.0.0.1:{}/x.git", self.port)
    }
}

impl Drop for StallingServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().ok();
        }
    }
}

// ---------------------------------------------------------------------------------------
// 1. An entry without `visibility` takes the journal's default_visibility
// ---------------------------------------------------------------------------------------

#[test]
fn entry_without_visibility_key_takes_a_private_default_and_never_leaves() {
    let env = TestEnv::new();
    env.init_journal();
    edit_config(&env, |t| {
        t.replace(
            "default_visibility = \"public\"",
            "default_visibility = \"private\"",
        )
    });
    let hidden = "2026-11-20-1000-no-visibility-key";
    let shown = "2026-11-20-1100-says-public";
    env.write(
        format!("entries/2026/11/{hidden}.md"),
        hand_entry("Quiet plans novismark4d2e", None, "Body NOVISBODY-4d2e"),
    );
    env.write(
        format!("entries/2026/11/{shown}.md"),
        hand_entry("Open notes", Some("public"), "Body PUBLICBODY-77aa"),
    );
    commit_all(&env, "hand-written entries");
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);

    // list --json: the default applies.
    let list = env.json(&["list"], &[]);
    let vis = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing from wol list --json: {list}"))["visibility"]
            .clone()
    };
    assert_eq!(vis(hidden), "private");
    assert_eq!(vis(shown), "public");

    // digest --for: not in what the partner may see.
    let out = wol(&env, &["digest", "--for", "alpha", "--week", WEEK]);
    assert_ok(&out, "wol digest --for alpha");
    let digest = stdout(&out);
    assert!(
        digest.contains("Open notes"),
        "the public entry belongs in the digest:\n{digest}"
    );
    assert!(
        !digest.contains("novismark4d2e") && !digest.contains("NOVISBODY-4d2e"),
        "the entry without visibility is private here:\n{digest}"
    );

    // publish --dry-run: held back as private.
    let plan = env.json(&["publish", "--dry-run"], &[]);
    let alpha = &plan["partners"][0];
    assert_eq!(alpha["name"], "alpha");
    let ids = |key: &str| -> Vec<String> {
        alpha[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("publish"), vec![shown.to_string()], "{plan}");
    assert_eq!(ids("held_back"), vec![hidden.to_string()], "{plan}");
    assert_eq!(alpha["held_back"][0]["reason"], "private", "{plan}");

    // A real publish: not a trace in any object of the partner.
    assert_ok(&wol(&env, &["publish"]), "wol publish");
    let objects = all_objects(&env, &partner);
    assert!(objects.contains("PUBLICBODY-77aa"), "the public entry went");
    assert!(!objects.contains("novismark4d2e"), "the title leaked");
    assert!(!objects.contains("NOVISBODY-4d2e"), "the body leaked");
    env.assert_consistent();
}

#[test]
fn an_entry_made_private_or_removed_by_hand_and_not_committed_is_held_back() {
    let env = TestEnv::new();
    env.init_journal();
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);
    let private = env.log(&["--public", "Board conflict HANDPRIVMARK"]);
    let gone = env.log(&["--public", "Old plan HANDGONEMARK"]);
    let typo = env.log(&["--public", "Release notes TYPOMARK"]);
    let id = |p: &PathBuf| p.file_stem().unwrap().to_string_lossy().into_owned();
    // Hand edits, none of them committed: publish reads the commit, where all three are
    // still public.
    let text = env.read(&private);
    env.write(
        &private,
        text.replace("visibility = \"public\"", "visibility = \"private\""),
    );
    fs::remove_file(env.journal.join(&gone)).unwrap();
    let text = env.read(&typo);
    env.write(&typo, text.replace("TYPOMARK", "TYPOMARK fixed"));

    let plan = env.json(&["publish", "--dry-run"], &[]);
    let alpha = &plan["partners"][0];
    let ids = |key: &str| -> Vec<String> {
        let mut ids: Vec<String> = alpha[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids("publish"), vec![id(&typo)], "{plan}");
    let mut held = vec![id(&private), id(&gone)];
    held.sort();
    assert_eq!(ids("held_back"), held, "{plan}");
    for e in alpha["held_back"].as_array().unwrap() {
        assert_eq!(e["reason"], "uncommitted", "{plan}");
    }
    let out = wol(&env, &["publish", "--dry-run"]);
    assert_ok(&out, "wol publish --dry-run");
    let said = stdout(&out);
    assert!(
        said.contains("not committed (the file now says visibility: private)")
            && said.contains("not committed (the file is gone)"),
        "the dry run says why:\n{said}"
    );

    assert_ok(&wol(&env, &["publish"]), "wol publish");
    let objects = all_objects(&env, &partner);
    assert!(
        objects.contains("TYPOMARK"),
        "the committed version of the edited entry went"
    );
    assert!(
        !objects.contains("TYPOMARK fixed"),
        "uncommitted text never goes"
    );
    assert!(
        !objects.contains("HANDPRIVMARK"),
        "the entry made private went out"
    );
    assert!(
        !objects.contains("HANDGONEMARK"),
        "the removed entry went out"
    );

    // Once committed, the change is simply what the journal says.
    commit_all(&env, "hand edits");
    assert_ok(&wol(&env, &["publish"]), "wol publish after the commit");
    let objects = all_objects(&env, &partner);
    assert!(objects.contains("TYPOMARK fixed"), "the committed fix went");
    assert!(!objects.contains("HANDPRIVMARK") && !objects.contains("HANDGONEMARK"));
    env.assert_consistent();
}

// ---------------------------------------------------------------------------------------
// 2. Git-ignored entry files
// ---------------------------------------------------------------------------------------

#[test]
fn git_ignored_entry_files_are_neither_committed_nor_published() {
    let env = TestEnv::new();
    env.init_journal();
    let mut ignore = env.read(".gitignore");
    ignore.push_str("entries/**/secret-*.md\n*.draft.md\n");
    env.write(".gitignore", ignore);
    commit_all(&env, "ignore secrets and drafts");
    env.write(
        "entries/2026/11/secret-salaries.md",
        hand_entry("Salaries ignmark1b3c", Some("public"), "IGNBODY-1b3c"),
    );
    env.write(
        "entries/2026/11/2026-11-21-0800-plan.draft.md",
        hand_entry("Draft plan draftmark9e8f", Some("public"), "DRAFTBODY-9e8f"),
    );
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);

    // The next `wol log` in that month commits its own entry, not the ignored files.
    let entry = env.log(&["--public", "Visible work logmark5a5a"]);
    let tracked = ls_files(&env);
    assert!(tracked.contains(&entry.display().to_string()), "{tracked}");
    assert!(!tracked.contains("secret-salaries"), "{tracked}");
    assert!(!tracked.contains("plan.draft.md"), "{tracked}");
    env.git_status_clean();
    let ignored = env.git([
        "status",
        "--porcelain",
        "--ignored",
        "--untracked-files=all",
    ]);
    assert!(
        ignored.contains("!! entries/2026/11/secret-salaries.md")
            && ignored.contains("!! entries/2026/11/2026-11-21-0800-plan.draft.md"),
        "git status should show them as ignored, and only that:\n{ignored}"
    );
    assert!(
        ignored.lines().all(|l| l.starts_with("!! ")),
        "only ignored files may show:\n{ignored}"
    );

    assert_ok(&wol(&env, &["publish"]), "wol publish");
    let objects = all_objects(&env, &partner);
    assert!(objects.contains("logmark5a5a"), "the logged entry went");
    for marker in [
        "ignmark1b3c",
        "IGNBODY-1b3c",
        "draftmark9e8f",
        "DRAFTBODY-9e8f",
    ] {
        assert!(!objects.contains(marker), "{marker} reached the partner");
    }
    assert!(!ls_files(&env).contains("secret-"), "publish committed it");
    env.git_fsck_clean();
}

// ---------------------------------------------------------------------------------------
// 3. Symlinks
// ---------------------------------------------------------------------------------------

#[test]
fn symlinked_entry_file_is_never_committed_or_published_and_is_named() {
    let env = TestEnv::new();
    env.init_journal();
    let outside = env.root.join("outside");
    fs::create_dir_all(&outside).unwrap();
    let target = outside.join("private-notes.md");
    fs::write(
        &target,
        hand_entry("Outside symmark2c7d", Some("public"), "SYMBODY-2c7d"),
    )
    .unwrap();
    let link_rel = "entries/2026/11/2026-11-21-0900-linked.md";
    fs::create_dir_all(env.journal.join("entries/2026/11")).unwrap();
    symlink(&target, env.journal.join(link_rel)).unwrap();
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);

    let out = wol(&env, &["log", "--public", "Real work in that month"]);
    assert_ok(&out, "wol log");
    let warned = stderr(&out);
    assert!(
        warned.contains(link_rel),
        "wol log should warn that {link_rel} is not part of the journal:\n{warned}"
    );
    assert!(!ls_files(&env).contains("linked"), "{}", ls_files(&env));

    let out = wol(&env, &["publish"]);
    assert_ok(&out, "wol publish");
    let objects = all_objects(&env, &partner);
    assert!(objects.contains("Real work in that month"));
    assert!(!objects.contains("symmark2c7d") && !objects.contains("SYMBODY-2c7d"));
    assert!(!ls_files(&env).contains("linked"));
    assert_eq!(
        fs::read_link(env.journal.join(link_rel)).unwrap(),
        target,
        "the user's symlink is left alone"
    );
}

#[test]
fn symlink_committed_with_the_git_cli_is_named_and_not_published() {
    let env = TestEnv::new();
    env.init_journal();
    let target = env.root.join("elsewhere.md");
    fs::write(
        &target,
        hand_entry("Outside gitsymmark6b1a", Some("public"), "GITSYMBODY-6b1a"),
    )
    .unwrap();
    let link_rel = "entries/2026/11/2026-11-21-0900-linked.md";
    fs::create_dir_all(env.journal.join("entries/2026/11")).unwrap();
    symlink(&target, env.journal.join(link_rel)).unwrap();
    commit_all(&env, "a symlink, committed by hand");
    env.log(&["--public", "Ordinary entry"]);
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);

    let out = wol(&env, &["publish"]);
    assert_ok(&out, "wol publish");
    assert!(
        stderr(&out).contains(link_rel),
        "publish should name the symlink it skips:\n{}",
        stderr(&out)
    );
    let objects = all_objects(&env, &partner);
    assert!(objects.contains("Ordinary entry"));
    assert!(!objects.contains("gitsymmark6b1a") && !objects.contains("GITSYMBODY-6b1a"));
}

#[test]
fn symlinked_month_folder_is_neither_committed_nor_published() {
    let env = TestEnv::new();
    env.init_journal();
    let elsewhere = env.root.join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    fs::write(
        elsewhere.join("2026-10-15-1000-foreign.md"),
        hand_entry("Foreign monthmark3f9a", Some("public"), "MONTHBODY-3f9a"),
    )
    .unwrap();
    fs::create_dir_all(env.journal.join("entries/2026")).unwrap();
    symlink(&elsewhere, env.journal.join("entries/2026/10")).unwrap();
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);

    env.log(&["--public", "November work"]);
    // Reading commands do not see it either.
    let list = stdout(&wol(&env, &["list"]));
    assert!(!list.contains("foreign"), "{list}");
    // A log dated into that month must not write through the link.
    let before = env.commit_count();
    let err = env.fails(
        &[
            "log",
            "--public",
            "--date",
            "2026-10-16 09:00",
            "October work",
        ],
        "entries/2026/10",
    );
    assert!(
        err.contains("hint:"),
        "name the symlinked folder and say what to do:\n{err}"
    );
    let listing: Vec<_> = fs::read_dir(&elsewhere)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        listing,
        vec!["2026-10-15-1000-foreign.md".to_string()],
        "wol wrote through the symlinked month folder"
    );
    assert_eq!(env.commit_count(), before);
    assert_eq!(env.git_status(), "?? entries/2026/10\n");

    assert_ok(&wol(&env, &["publish"]), "wol publish");
    let tracked = ls_files(&env);
    assert!(!tracked.contains("entries/2026/10/"), "{tracked}");
    let objects = all_objects(&env, &partner);
    assert!(objects.contains("November work"));
    assert!(!objects.contains("monthmark3f9a") && !objects.contains("MONTHBODY-3f9a"));
    env.git_fsck_clean();
}

// ---------------------------------------------------------------------------------------
// 6. Credentials in URLs, and hand-written names and URLs
// ---------------------------------------------------------------------------------------

/// URLs that carry a credential, and the secret part of each.
const CREDENTIAL_URLS: [(&str, &str); 4] = [
    (
        "https://example.org/log.git?token=tkSECRET1a2b3c",
        "tkSECRET1a2b3c",
    ),
    (
        "https://example.org/log.git?x=1&access_token=atSECRET4d5e6f",
        "atSECRET4d5e6f",
    ),
    ("https://usrSECRET7a8b@example.org/log.git", "usrSECRET7a8b"),
    (
        "https://me:pwSECRET9c0d@example.org/log.git",
        "pwSECRET9c0d",
    ),
];

#[test]
fn partner_and_follow_add_refuse_urls_with_credentials_without_echoing_them() {
    let env = TestEnv::new();
    env.init_journal();
    let config = env.read("wol.toml");
    let commits = env.commit_count();
    for (url, secret) in CREDENTIAL_URLS {
        for cmd in [["partner", "add"], ["follow", "add"]] {
            let out = fails_with(env.wol_j().args(cmd).args(["p", url]), 1, "hint:");
            let err = stderr(&out);
            assert!(
                !err.contains(secret) && !stdout(&out).contains(secret),
                "the secret was echoed:\n{err}"
            );
        }
    }
    assert_eq!(env.read("wol.toml"), config);
    assert_eq!(env.commit_count(), commits);
    env.git_status_clean();
}

/// Commands that load the journal (each must refuse a bad wol.toml).
const LOADING_COMMANDS: [&[&str]; 9] = [
    &["list"],
    &["log", "an entry"],
    &["search", "entry"],
    &["digest"],
    &["publish"],
    &["partner", "list"],
    &["follow", "list"],
    &["pull"],
    &["feed"],
];

#[test]
fn hand_written_credentials_in_wol_toml_fail_every_command_without_echoing_them() {
    for (section, key) in [
        ("partners", "partners.leaky.url"),
        ("follow", "follow.leaky.url"),
    ] {
        for (url, secret) in CREDENTIAL_URLS {
            let env = TestEnv::new();
            env.init_journal();
            append_config(&env, &format!("[{section}.leaky]\nurl = {url:?}\n"));
            let commits = env.commit_count();
            for args in LOADING_COMMANDS {
                let out = fails_with(env.wol_j().args(args), 1, "wol.toml");
                let err = stderr(&out);
                assert!(
                    err.contains(key),
                    "wol {args:?}: the error should name wol.toml and `{key}`:\n{err}"
                );
                assert!(
                    !err.contains(secret) && !stdout(&out).contains(secret),
                    "wol {args:?} echoed the secret:\n{err}"
                );
            }
            assert_eq!(env.commit_count(), commits, "a command committed anyway");
        }
    }
}

#[test]
fn hand_written_bad_names_and_option_like_urls_are_refused_at_load() {
    let cases: [(&str, &str); 6] = [
        ("[partners.\"a/b\"]\nurl = \"/srv/x.git\"\n", "a/b"),
        ("[partners.\"-rf\"]\nurl = \"/srv/x.git\"\n", "-rf"),
        ("[follow.\"a/b\"]\nurl = \"/srv/x.git\"\n", "a/b"),
        ("[partners.ok]\nurl = \"ext::sh -c x\"\n", "partners.ok.url"),
        (
            "[partners.ok]\nurl = \"--upload-pack=x\"\n",
            "partners.ok.url",
        ),
        ("[follow.ok]\nurl = \"ext::sh -c x\"\n", "follow.ok.url"),
    ];
    for (toml, named) in cases {
        let env = TestEnv::new();
        env.init_journal();
        append_config(&env, toml);
        for args in [&["list"][..], &["publish"], &["pull"], &["log", "x"]] {
            let err = env.fails(args, "wol.toml");
            assert!(
                err.contains(named),
                "wol {args:?}: the error should name wol.toml and {named}:\n{err}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// 8. No made-up author
// ---------------------------------------------------------------------------------------

/// Asserts no file under `dir` (outside `.git/objects`) holds the word "anonymous", and no
/// commit in a repository there is by it.
fn assert_no_anonymous(env: &TestEnv, dir: &Path) {
    let mut files = Vec::new();
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                if !p.ends_with("objects") {
                    walk(&p, out);
                }
            } else {
                out.push(p);
            }
        }
    }
    walk(dir, &mut files);
    for f in files {
        let text = String::from_utf8_lossy(&fs::read(&f).unwrap_or_default()).to_lowercase();
        assert!(
            !text.contains("anonymous"),
            "{} says anonymous",
            f.display()
        );
    }
    if dir.join(".git").exists() {
        let out = env
            .git_cmd_in(dir)
            .args(["log", "--all", "--format=%an %cn"])
            .output()
            .unwrap();
        assert!(!stdout(&out).to_lowercase().contains("anonymous"));
    }
}

#[track_caller]
fn assert_no_commit(env: &TestEnv, dir: &Path) {
    if dir.join(".git").exists() {
        let out = env
            .git_cmd_in(dir)
            .args(["rev-parse", "--verify", "-q", "HEAD"])
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{} has a commit: {}",
            dir.display(),
            stdout(&out)
        );
    }
}

#[test]
fn init_without_any_author_fails_with_a_user_name_hint() {
    let env = TestEnv::new().with_author(None);
    let dir = env.root.join("fresh");
    let err = stderr(&fails_with(env.wol().arg("init").arg(&dir), 1, "user.name"));
    assert!(err.contains("hint:"), "{err}");
    assert_no_commit(&env, &dir);
    assert_no_anonymous(&env, &env.root);
}

#[test]
fn log_on_a_fresh_machine_without_any_author_fails_with_a_user_name_hint() {
    let env = TestEnv::new().with_author(None);
    // No --journal: the default journal in the (empty) data dir.
    let err = stderr(&fails_with(env.wol().args(["log", "x"]), 1, "user.name"));
    assert!(err.contains("hint:"), "{err}");
    let default = env.xdg_data.join("wol").join("journal");
    assert_no_commit(&env, &default);
    assert_no_anonymous(&env, &env.root);
}

#[test]
fn log_in_a_new_journal_without_commits_or_author_fails_with_a_user_name_hint() {
    let env = TestEnv::new().with_author(None);
    fs::create_dir_all(&env.journal).unwrap();
    env.git(["init", "-q", "-b", "main"]);
    env.write("wol.toml", "default_visibility = \"public\"\n");
    let err = env.fails(&["log", "x"], "user.name");
    assert!(err.contains("hint:"), "{err}");
    assert_no_commit(&env, &env.journal);
    assert!(env.entry_files().is_empty(), "{:?}", env.entry_files());
    assert_no_anonymous(&env, &env.root);
}

#[test]
fn init_with_author_flag_records_author_and_a_journal_id() {
    let env = TestEnv::new().with_author(None);
    env.wol()
        .arg("init")
        .arg(&env.journal)
        .args(["--author", "Ann Lee"])
        .assert()
        .success();
    let config = env.read("wol.toml");
    assert!(
        config.lines().any(|l| l == "author = \"Ann Lee\""),
        "{config}"
    );
    let id = journal_id(&env);
    assert!(is_hex_id(&id), "id = {id:?} is not 32 hex digits");
    assert_eq!(env.head_author(), "Ann Lee");
    // Later commands write as the recorded author.
    env.log(&["First entry"]);
    assert_eq!(env.head_author(), "Ann Lee");
    assert_eq!(journal_id(&env), id, "the id never changes");
    assert_no_anonymous(&env, &env.root);
    env.assert_consistent();
}

// ---------------------------------------------------------------------------------------
// 9. Journal id and shared community folders
// ---------------------------------------------------------------------------------------

#[test]
fn shared_folder_of_another_journal_is_never_replaced() {
    let bob = TestEnv::new().with_author(Some("Bob Brown"));
    let boeb = TestEnv::new().with_author(Some("Böb Brown"));
    let base = bob.root.join("remotes");
    fs::create_dir_all(&base).unwrap();
    bob.git_in(
        &base,
        ["init", "-q", "--bare", "-b", "main", "community.git"],
    );
    let community = base.join("community.git");
    let daemon = GitDaemon::start(&bob, &base);
    let url = daemon.url("community.git");

    bob.init_journal();
    bob.log(&["--public", "Bob writes bobmark1111"]);
    add_partner(&bob, "community", &url, &["--mode", "shared"]);
    assert_ok(&wol(&bob, &["publish"]), "Bob's publish");
    let bob_folder = bob.git_in(&community, ["rev-parse", "main:logs/bob-brown"]);
    let bob_json = show(&bob, &community, "main:logs/bob-brown/wol.json");
    assert!(bob_json.contains(&journal_id(&bob)), "{bob_json}");

    boeb.init_journal();
    boeb.log(&["--public", "Boeb writes boebmark2222"]);
    add_partner(&boeb, "community", &url, &["--mode", "shared"]);
    let err = boeb.fails(&["publish"], "community");
    assert!(
        err.contains("belongs to another journal"),
        "say whose folder it is:\n{err}"
    );
    assert!(err.contains("slug"), "hint at [publish] slug:\n{err}");
    assert_eq!(
        bob.git_in(&community, ["rev-parse", "main:logs/bob-brown"]),
        bob_folder
    );
    assert!(!all_objects(&bob, &community).contains("boebmark2222"));

    edit_config(&boeb, |t| {
        t.replace("[publish]\n", "[publish]\nslug = \"boeb-brown\"\n")
    });
    assert_ok(&wol(&boeb, &["publish"]), "Böb's publish with a slug");
    assert_eq!(
        bob.git_in(&community, ["rev-parse", "main:logs/bob-brown"]),
        bob_folder,
        "Bob's folder was touched"
    );
    let boeb_json = show(&bob, &community, "main:logs/boeb-brown/wol.json");
    assert!(boeb_json.contains(&journal_id(&boeb)), "{boeb_json}");
    assert!(boeb_json.contains("boebmark2222"), "{boeb_json}");
    // Bob publishes again: his folder is his, and Böb's stays.
    bob.log(&["--public", "Bob again bobmark3333"]);
    assert_ok(&wol(&bob, &["publish"]), "Bob's second publish");
    let tree = bob.git_in(&community, ["ls-tree", "--name-only", "main:logs"]);
    assert_eq!(tree, "bob-brown\nboeb-brown\n");
    assert!(show(&bob, &community, "main:logs/bob-brown/wol.json").contains("bobmark3333"));

    // Feed ids: the same partner name, two journals, two ids.
    let feed_id = |path: &str| {
        let feed = show(&bob, &community, &format!("main:{path}"));
        let start = feed.find("<id>").expect("a feed id") + 4;
        feed[start..start + feed[start..].find("</id>").unwrap()].to_string()
    };
    let (a, b) = (
        feed_id("logs/bob-brown/feed.xml"),
        feed_id("logs/boeb-brown/feed.xml"),
    );
    assert_eq!(a, format!("urn:wol:{}:community", journal_id(&bob)));
    assert_eq!(b, format!("urn:wol:{}:community", journal_id(&boeb)));
    assert_ne!(a, b);
}

/// A folder someone keeps by hand (no `wol.json`) is not wol's to replace.
#[test]
fn shared_folder_wol_did_not_make_is_never_replaced() {
    let bob = TestEnv::new().with_author(Some("Bob Brown"));
    bob.init_journal();
    let community = bare(&bob, "community.git");
    let hand = bob.root.join("hand");
    bob.git_in(
        &bob.root,
        [
            "clone",
            "-q",
            community.to_str().unwrap(),
            hand.to_str().unwrap(),
        ],
    );
    fs::create_dir_all(hand.join("logs/bob-brown")).unwrap();
    fs::write(
        hand.join("logs/bob-brown/notes.md"),
        "Kept by hand handmark4444\n",
    )
    .unwrap();
    bob.git_in(&hand, ["add", "-A"]);
    bob.git_in(
        &hand,
        [
            "-c",
            "user.name=h",
            "-c",
            "user.email=h@x",
            "commit",
            "-qm",
            "hand",
        ],
    );
    bob.git_in(&hand, ["push", "-q", "origin", "HEAD:main"]);
    let before = bob.git_in(&community, ["rev-parse", "main"]);

    bob.log(&["--public", "Bob writes bobmark1111"]);
    add_partner(
        &bob,
        "community",
        community.to_str().unwrap(),
        &["--mode", "shared"],
    );
    let err = bob.fails(&["publish"], "holds files wol did not publish");
    assert!(err.contains("slug"), "{err}");
    assert_eq!(bob.git_in(&community, ["rev-parse", "main"]), before);
    assert!(show(&bob, &community, "main:logs/bob-brown/notes.md").contains("handmark4444"));
}

/// A journal that publishes under a new folder name (a new author name, a `slug`)
/// takes its old folder down: it would go on showing entries made private since.
#[test]
fn shared_folder_under_an_earlier_name_is_taken_down() {
    let ann = TestEnv::new().with_author(Some("Ann Bee"));
    ann.init_journal();
    let community = bare(&ann, "community.git");
    let kept = ann.log(&["--public", "Stays public keptmark5555"]);
    let secret = ann.log(&["--public", "Goes private laterprivate6666"]);
    add_partner(
        &ann,
        "community",
        community.to_str().unwrap(),
        &["--mode", "shared"],
    );
    assert_ok(&wol(&ann, &["publish"]), "first publish");
    assert!(show(&ann, &community, "main:logs/ann-bee/wol.json").contains("laterprivate6666"));
    // Someone else's folder stays whatever happens.
    let carol = TestEnv::new().with_author(Some("Carol Cee"));
    carol.init_journal();
    carol.log(&["--public", "Carol writes carolmark7777"]);
    add_partner(
        &carol,
        "community",
        community.to_str().unwrap(),
        &["--mode", "shared"],
    );
    assert_ok(&wol(&carol, &["publish"]), "Carol's publish");

    let text = ann
        .read(&secret)
        .replace("visibility = \"public\"", "visibility = \"private\"");
    ann.write(&secret, text);
    ann.git(["commit", "-qam", "private now"]);
    edit_config(&ann, |t| {
        t.replace("[publish]\n", "[publish]\nslug = \"ann-b\"\n")
    });
    let out = wol(&ann, &["publish"]);
    assert_ok(&out, "publish under the new name");
    assert!(
        stderr(&out).contains("removed logs/ann-bee/"),
        "{}",
        stderr(&out)
    );
    let tree = ann.git_in(&community, ["ls-tree", "--name-only", "main:logs"]);
    assert_eq!(tree, "ann-b\ncarol-cee\n");
    let head = ann.git_in(&community, ["ls-tree", "-r", "main"]);
    let blobs: String = head
        .lines()
        .map(|l| show(&ann, &community, l.split_whitespace().nth(2).unwrap()))
        .collect();
    assert!(
        !blobs.contains("laterprivate6666"),
        "the head still shows it"
    );
    assert!(blobs.contains("keptmark5555") && blobs.contains("carolmark7777"));
    let _ = kept;
}

#[test]
fn feed_ids_of_two_journals_with_same_partner_name_differ() {
    let mut feeds = Vec::new();
    for author in ["Bob Brown", "Bob Brown"] {
        let env = TestEnv::new().with_author(Some(author));
        env.init_journal();
        env.log(&["--public", "Same title"]);
        let partner = bare(&env, "pub.git");
        add_partner(&env, "pub", partner.to_str().unwrap(), &[]);
        assert_ok(&wol(&env, &["publish"]), "wol publish");
        let feed = show(&env, &partner, "main:feed.xml");
        let id = journal_id(&env);
        assert!(
            feed.contains(&format!("<id>urn:wol:{id}:pub</id>")),
            "the feed id is made from the journal id {id}:\n{feed}"
        );
        let ids: Vec<String> = feed
            .split("<id>")
            .skip(1)
            .map(|s| s[..s.find("</id>").unwrap()].to_string())
            .collect();
        assert!(ids.len() >= 2, "feed and entry ids:\n{feed}");
        assert!(ids.iter().all(|i| i.starts_with(&format!("urn:wol:{id}:"))));
        feeds.push(ids);
    }
    for id in &feeds[0] {
        assert!(
            !feeds[1].contains(id),
            "{id} appears in both journals' feeds"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 10. Two overlapping edits (or an edit and a removal)
// ---------------------------------------------------------------------------------------

/// Starts `wol edit ID` with an editor that writes FIRST-EDIT text into the draft, says
/// it started, and then waits for the release file. Returns the child and the release
/// file.
fn start_blocked_edit(env: &TestEnv, id: &str) -> (Child, PathBuf) {
    let started = env.root.join("editor-started");
    let release = env.root.join("editor-release");
    let editor = script(
        env,
        "blocking-editor.sh",
        &format!(
            "sed -i 's/The old body text./FIRST-EDIT text from editor one./' \"$1\"\n\
             touch '{}'\n\
             while [ ! -e '{}' ]; do sleep 0.05; done",
            started.display(),
            release.display()
        ),
    );
    let child = env
        .wol_std()
        .arg("--journal")
        .arg(&env.journal)
        .args(["edit", id])
        .env("EDITOR", &editor)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        wait_for(Duration::from_secs(20), || started.exists()),
        "the first editor never started"
    );
    (child, release)
}

#[test]
fn an_edit_overtaken_by_another_edit_fails_and_keeps_its_text_in_a_draft() {
    let env = TestEnv::new();
    env.init_journal();
    let entry = env.log(&["--title", "Edit me", "The old body text."]);
    let id = stem(&entry);
    let (first, release) = start_blocked_edit(&env, &id);

    env.fake_editor(r#"sed -i 's/The old body text./SECOND-EDIT text./' "$1""#);
    assert_ok(&wol(&env, &["edit", &id]), "the second wol edit");
    let commits = env.commit_count();

    fs::write(&release, "").unwrap();
    let out = wait_output(first, Duration::from_secs(30), "the first wol edit");
    let err = assert_fails(&out, "the overtaken wol edit");
    assert!(err.contains("changed"), "say the entry changed:\n{err}");
    let draft = draft_path_in(&err, &env.journal)
        .unwrap_or_else(|| panic!("name the draft under .wol/drafts/:\n{err}"));
    let kept = fs::read_to_string(&draft).unwrap();
    assert!(kept.contains("FIRST-EDIT text from editor one."), "{kept}");
    assert!(!kept.contains("SECOND-EDIT"), "{kept}");

    let text = env.read(&entry);
    assert!(text.contains("SECOND-EDIT text."), "{text}");
    assert!(!text.contains("FIRST-EDIT"), "{text}");
    assert_eq!(env.commit_count(), commits, "the overtaken edit committed");
    let head = env.git(["show".to_string(), format!("HEAD:{}", entry.display())]);
    assert!(head.contains("SECOND-EDIT"), "{head}");
    env.assert_consistent();
}

#[test]
fn an_edit_overtaken_by_rm_fails_and_the_entry_stays_removed() {
    let env = TestEnv::new();
    env.init_journal();
    let entry = env.log(&["--title", "Edit me", "The old body text."]);
    let id = stem(&entry);
    let (first, release) = start_blocked_edit(&env, &id);

    assert_ok(&wol(&env, &["rm", "--yes", &id]), "wol rm --yes");
    let commits = env.commit_count();

    fs::write(&release, "").unwrap();
    let out = wait_output(first, Duration::from_secs(30), "the first wol edit");
    let err = assert_fails(&out, "the wol edit overtaken by rm");
    assert!(err.contains("removed"), "say the entry was removed:\n{err}");
    let draft = draft_path_in(&err, &env.journal)
        .unwrap_or_else(|| panic!("name the draft under .wol/drafts/:\n{err}"));
    assert!(
        fs::read_to_string(&draft)
            .unwrap()
            .contains("FIRST-EDIT text from editor one.")
    );
    assert!(!env.journal.join(&entry).exists(), "the entry came back");
    assert!(!ls_files(&env).contains(&id));
    assert_eq!(env.commit_count(), commits);
    env.assert_consistent();
}

// ---------------------------------------------------------------------------------------
// 11. Git locks: a live one is waited for, a stale one removed
// ---------------------------------------------------------------------------------------

/// A child process (that this test started) killed when the test ends, even by a panic.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

#[test]
fn a_live_git_index_lock_is_waited_for_and_never_deleted() {
    let env = TestEnv::new();
    env.init_journal();
    let lock = env.journal.join(".git/index.lock");
    // A live process holds the lock open, as git does while it works.
    let mut holder = KillOnDrop(
        std::process::Command::new("sh")
            .args(["-c", "exec 3>.git/index.lock; exec sleep 60"])
            .current_dir(&env.journal)
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    assert!(wait_for(Duration::from_secs(10), || lock.exists()));
    let head = refs(&env);

    let start = Instant::now();
    let err = env.fails(&["log", "Written while git works"], "index.lock");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(8) && took < Duration::from_secs(30),
        "wol should wait about 10 s for the lock, took {took:?}"
    );
    assert!(err.contains("hint:"), "{err}");
    assert!(lock.exists(), "a live lock was deleted");
    assert_eq!(refs(&env), head, "a commit was made under the lock");
    // Nothing is left half-done: no entry file, and the entry itself kept as a draft.
    assert!(env.entry_files().is_empty(), "{:?}", env.entry_files());
    let draft = draft_path_in(&err, &env.journal)
        .unwrap_or_else(|| panic!("the error should name the draft:\n{err}"));
    assert!(err.contains("wol log - <"), "{err}");

    holder.0.kill().unwrap();
    holder.0.wait().unwrap();
    // Now the lock is stale: the next write removes it, and the draft comes back once.
    env.log_file(&draft);
    assert!(!lock.exists());
    let out = wol(&env, &["log", "After git finished"]);
    assert_ok(&out, "wol log after that");
    let files = ls_files(&env);
    assert_eq!(
        files.matches("written-while-git-works").count(),
        1,
        "{files}"
    );
    assert!(files.contains("after-git-finished"), "{files}");
    env.assert_consistent();
}

/// A partner repository on this machine whose branch a live process holds locked: wol
/// waits for it, then stops, names the holder and leaves the lock alone. Once that process
/// is gone, the lock it left is removed by the next publish, which then goes out.
#[test]
fn a_live_lock_in_a_partner_on_this_machine_is_waited_for_and_never_deleted() {
    let env = TestEnv::new();
    env.init_journal();
    let partner = env.bare_partner("alpha");
    env.log(&["Shared while the partner is locked", "--public"]);
    let lock = partner.join("refs/heads/main.lock");
    let holder = KillOnDrop(
        std::process::Command::new("sh")
            .args(["-c", "exec 3>refs/heads/main.lock; exec sleep 60"])
            .current_dir(&partner)
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    assert!(wait_for(Duration::from_secs(10), || lock.exists()));

    let start = Instant::now();
    let err = env.fails(&["publish"], "main.lock");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(8) && took < Duration::from_secs(30),
        "wol should wait about 10 s for the lock, took {took:?}"
    );
    assert!(err.contains("held by another process"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    assert!(lock.exists(), "a live lock was deleted");
    assert!(
        env.git_in(&partner, ["for-each-ref"]).trim().is_empty(),
        "something was pushed under the lock"
    );

    drop(holder);
    let out = wol(&env, &["publish"]);
    assert_ok(&out, "wol publish once the holder is gone");
    assert!(
        stderr(&out).contains("a git lock left behind"),
        "{}",
        stderr(&out)
    );
    assert!(!lock.exists());
    let files = env.git_in(&partner, ["ls-tree", "-r", "--name-only", "main"]);
    assert!(
        files.contains("shared-while-the-partner-is-locked"),
        "{files}"
    );
}

/// `git commit` writes `index.lock`, closes it and starts the editor; when the editor is
/// closed it renames the lock over the index. No process has the lock open meanwhile,
/// yet it is live: removed, the person's commit would fail.
#[test]
fn the_index_lock_of_a_git_commit_in_its_editor_is_never_deleted() {
    let env = TestEnv::new();
    env.init_journal();
    let entry = env.log(&["Existing entry"]);
    let mut text = env.read(&entry);
    text.push_str("\nA change by hand.\n");
    env.write(&entry, text);
    // The editor waits until the test lets it write the message.
    let go = env.root.join("editor-may-finish");
    let git_editor = env.root.join("bin/git-editor.sh");
    fs::write(
        &git_editor,
        format!(
            "#!/bin/sh\nwhile [ ! -e '{}' ]; do sleep 0.05; done\necho 'My hand commit' > \"$1\"\n",
            go.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&git_editor, fs::Permissions::from_mode(0o755)).unwrap();
    let mut commit = KillOnDrop(
        env.git_cmd_in(&env.journal)
            .args(["commit", "-a"])
            .env("GIT_EDITOR", &git_editor)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let lock = env.journal.join(".git/index.lock");
    assert!(wait_for(Duration::from_secs(10), || lock.exists()));

    // While the editor stays open, wol waits, then fails naming the command; the lock
    // survives and the entry is kept as a draft.
    let err = env.fails(&["log", "Written while git commits"], "index.lock");
    assert!(
        err.contains("`git commit`") && err.contains(&format!("pid {}", commit.0.id())),
        "name the git command and its pid:\n{err}"
    );
    assert!(err.contains("hint:") && !err.contains("removed"), "{err}");
    assert!(
        lock.exists(),
        "the lock of a running git commit was deleted"
    );
    let draft = draft_path_in(&err, &env.journal)
        .unwrap_or_else(|| panic!("the error should name the draft:\n{err}"));

    // A wol that starts while the editor is open and is still waiting when it closes
    // commits after git does.
    let mut waiting = KillOnDrop(
        env.wol_std()
            .arg("--journal")
            .arg(&env.journal)
            .args(["log", "Written after git committed"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        lock.exists(),
        "the lock of a running git commit was deleted"
    );
    fs::write(&go, "").unwrap();
    let (status, git_err) = status_and_stderr(&mut commit.0);
    assert!(status.success(), "git commit failed ({status}): {git_err}");
    let (status, wol_err) = status_and_stderr(&mut waiting.0);
    assert!(status.success(), "wol log failed ({status}): {wol_err}");
    assert!(!wol_err.contains("removed"), "{wol_err}");

    env.log_file(&draft);
    let subjects = env.subjects();
    assert!(
        subjects.iter().any(|s| s == "My hand commit"),
        "{subjects:?}"
    );
    let files = ls_files(&env);
    assert!(files.contains("written-while-git-commits"), "{files}");
    assert!(files.contains("written-after-git-committed"), "{files}");
    assert!(env.read(&entry).contains("A change by hand."));
    env.assert_consistent();
}

/// Waits for a child started with piped stderr: its exit status and stderr.
fn status_and_stderr(child: &mut Child) -> (std::process::ExitStatus, String) {
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    (status, err)
}

#[test]
fn a_stale_git_index_lock_is_removed_with_a_notice() {
    let env = TestEnv::new();
    env.init_journal();
    let lock = env.journal.join(".git/index.lock");
    fs::write(&lock, "").unwrap();
    let out = wol(&env, &["log", "After a crash"]);
    assert_ok(&out, "wol log with a stale index.lock");
    let err = stderr(&out);
    assert!(
        err.contains("index.lock") && err.contains("removed"),
        "say the stale lock was removed:\n{err}"
    );
    assert!(!lock.exists());
    assert!(ls_files(&env).contains("after-a-crash"));
    env.assert_consistent();
}

// ---------------------------------------------------------------------------------------
// 12. A merge or rebase in progress
// ---------------------------------------------------------------------------------------

/// Branches `main` and `other` that both change `notes.md`, with `main` checked out.
fn conflicting_branches(env: &TestEnv) {
    env.write("notes.md", "base\n");
    commit_all(env, "notes");
    env.git(["checkout", "-q", "-b", "other"]);
    env.write("notes.md", "theirs\n");
    commit_all(env, "their notes");
    env.git(["checkout", "-q", "main"]);
    env.write("notes.md", "ours\n");
    commit_all(env, "our notes");
}

#[track_caller]
fn assert_writers_refuse(env: &TestEnv, entry_id: &str, doing: &str) {
    let before = refs(env);
    let files = env.entry_files();
    for args in [
        &["log", "Not now"][..],
        &["rm", "--yes", entry_id],
        &["digest", "--write", "--week", WEEK],
    ] {
        let err = env.fails(args, doing);
        assert!(
            err.contains("hint:"),
            "wol {args:?}: say a {doing} is in progress and what to do:\n{err}"
        );
        assert_eq!(refs(env), before, "wol {args:?} committed during {doing}");
    }
    assert_eq!(env.entry_files(), files, "the work tree's entries changed");
}

#[test]
fn writers_refuse_to_commit_during_a_merge() {
    let env = TestEnv::new();
    env.init_journal();
    let entry = env.log(&["Keep me"]);
    conflicting_branches(&env);
    let merge = env
        .git_cmd_in(&env.journal)
        .args(["merge", "-q", "other"])
        .output()
        .unwrap();
    assert!(!merge.status.success(), "the merge should conflict");
    assert!(env.journal.join(".git/MERGE_HEAD").exists());
    assert_writers_refuse(&env, &stem(&entry), "merge");
    assert!(env.journal.join(".git/MERGE_HEAD").exists());
}

#[test]
fn writers_refuse_to_commit_during_a_rebase() {
    let env = TestEnv::new();
    env.init_journal();
    let entry = env.log(&["Keep me"]);
    conflicting_branches(&env);
    env.git(["checkout", "-q", "other"]);
    let rebase = env
        .git_cmd_in(&env.journal)
        .args(["rebase", "--merge", "main"])
        .output()
        .unwrap();
    assert!(!rebase.status.success(), "the rebase should conflict");
    assert!(env.journal.join(".git/rebase-merge").is_dir());
    assert_writers_refuse(&env, &stem(&entry), "rebase");
    assert!(env.journal.join(".git/rebase-merge").is_dir());
}

/// A detached HEAD (a rebase, a bisect) holds no branch: publish must not take that for
/// "no entries" and empty the partner's log.
#[test]
fn publish_on_a_detached_head_refuses_and_the_partner_keeps_its_log() {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&["--public", "First entry"]);
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);
    env.wol_j().arg("publish").assert().success();
    let before = env.git_in(&partner, ["rev-parse", "main"]);

    env.git(["checkout", "-q", "--detach"]);
    for args in [&["publish"][..], &["publish", "--dry-run"]] {
        let err = env.fails(args, "is detached");
        assert!(err.contains("nothing was published"), "{args:?}: {err}");
    }
    env.fails(&["digest", "--publish"], "is detached");
    assert_eq!(env.git_in(&partner, ["rev-parse", "main"]), before);
}

// ---------------------------------------------------------------------------------------
// 13. Work-tree oddities do not break publish
// ---------------------------------------------------------------------------------------

#[test]
fn publish_survives_lock_files_odd_folders_hand_edits_and_a_concurrent_rm() {
    let env = TestEnv::new();
    env.init_journal();
    let kept = env.log(&["--public", "--title", "Kept", "COMMITTED-TEXT-5c5c"]);
    let removed = env.log(&["--public", "--title", "Removed", "Going away"]);
    let month = env.journal.join("entries/2026/11");
    // An editor's lock file: a dangling symlink.
    symlink("user@host.4242:1700000000", month.join(".#x.md")).unwrap();
    // A folder whose name looks like an entry.
    fs::create_dir_all(month.join("x.md")).unwrap();
    fs::write(month.join("x.md").join("inside.txt"), "not an entry\n").unwrap();
    // An uncommitted hand edit.
    let committed = env.read(&kept);
    env.write(
        &kept,
        committed.replace("COMMITTED-TEXT-5c5c", "UNCOMMITTED-TEXT-6d6d"),
    );
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);

    let rm = env
        .wol_std()
        .arg("--journal")
        .arg(&env.journal)
        .args(["rm", "--yes", &stem(&removed)])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let publish = wol(&env, &["publish"]);
    let rm = wait_output(rm, Duration::from_secs(60), "the concurrent wol rm");
    assert_ok(&publish, "wol publish");
    assert_ok(&rm, "the concurrent wol rm");

    let objects = all_objects(&env, &partner);
    assert!(
        objects.contains("COMMITTED-TEXT-5c5c"),
        "the committed text goes"
    );
    assert!(
        !objects.contains("UNCOMMITTED-TEXT-6d6d"),
        "an uncommitted edit went"
    );
    assert!(!objects.contains("not an entry"));
    // Publish left the work tree alone.
    assert!(env.read(&kept).contains("UNCOMMITTED-TEXT-6d6d"));
    assert!(fs::symlink_metadata(month.join(".#x.md")).is_ok());
    assert!(!env.journal.join(&removed).exists());
    // And again, now that the removal is committed: it succeeds and drops the entry.
    assert_ok(&wol(&env, &["publish"]), "a second wol publish");
    let published = env.git_in(&partner, ["ls-tree", "-r", "--name-only", "main"]);
    assert!(!published.contains(&stem(&removed)), "{published}");
    assert!(published.contains(&stem(&kept)), "{published}");
    env.git_fsck_clean();
}

// ---------------------------------------------------------------------------------------
// 14. Servers that never answer
// ---------------------------------------------------------------------------------------

#[test]
fn publish_gives_up_on_a_silent_server_and_still_publishes_to_the_others() {
    let env = TestEnv::new();
    env.init_journal();
    append_config(&env, "[remote]\ntimeout = 2");
    env.log(&["--public", "Timeout test timeoutmark8f8f"]);
    let silent = StallingServer::silent();
    // `alpha` comes first: a hang there would stop `beta` too.
    add_partner(&env, "alpha", &silent.url(), &[]);
    let healthy = bare(&env, "beta.git");
    add_partner(&env, "beta", healthy.to_str().unwrap(), &[]);

    let start = Instant::now();
    let child = env
        .wol_std()
        .arg("--journal")
        .arg(&env.journal)
        .arg("publish")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(
        child,
        Duration::from_secs(40),
        "wol publish to a silent server",
    );
    let took = start.elapsed();
    let err = assert_fails(&out, "wol publish to a silent server");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(
        err.contains("alpha") && err.contains("FAILED") && err.contains("did not answer"),
        "name the partner and say it did not answer:\n{err}"
    );
    assert!(
        all_objects(&env, &healthy).contains("timeoutmark8f8f"),
        "the healthy partner was not published:\n{err}"
    );
    env.git_status_clean();
}

/// A URL that reaches something other than a git server (here a mail server's greeting
/// on the port): publish and pull say that it answered, but not as git, and what to
/// check, at once; the other partner still gets the entry.
#[test]
fn a_server_that_does_not_speak_git_is_named_so() {
    use std::io::Write as _;
    let env = TestEnv::new();
    env.init_journal();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { break };
            let _ = socket.write_all(b"220 mail.example.org ESMTP ready\r\n");
        }
    });
    let url = format!("git://127.0.0.1:{port}/log.git");
    env.log(&["--public", "Not git test notgitmark4c"]);
    add_partner(&env, "alpha", &url, &[]);
    let healthy = bare(&env, "beta.git");
    add_partner(&env, "beta", healthy.to_str().unwrap(), &[]);
    assert_ok(
        &wol(&env, &["follow", "add", "mail", &url]),
        "wol follow add",
    );
    for args in [&["publish"][..], &["pull"]] {
        let start = Instant::now();
        let out = wol(&env, args);
        let err = assert_fails(&out, "wol against a mail server");
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{args:?} took too long"
        );
        let all = format!("{err}{}", stdout(&out));
        assert!(
            all.contains(&format!(
                "git://127.0.0.1:{port}/log.git answered, but not as a git server"
            )) && all.contains("not a web page or another service")
                && !all.contains("cannot reach"),
            "{args:?}: say what answered:\n{all}"
        );
    }
    assert!(
        all_objects(&env, &healthy).contains("notgitmark4c"),
        "the healthy partner was published"
    );
}

/// A server that keeps every read alive with a byte now and then, but moves nothing:
/// publish, pull and doctor give up on it in bounded time, and the others still go.
#[test]
fn a_server_that_drips_is_given_up_and_the_others_still_go() {
    let env = TestEnv::new();
    env.init_journal();
    append_config(&env, "[remote]\ntimeout = 1");
    env.log(&["--public", "Drip test dripmark9a9a"]);
    let drip = StallingServer::dripping();
    add_partner(&env, "alpha", &drip.url(), &[]);
    let healthy = bare(&env, "beta.git");
    add_partner(&env, "beta", healthy.to_str().unwrap(), &[]);
    assert_ok(
        &wol(&env, &["follow", "add", "slow", &drip.url()]),
        "wol follow add",
    );

    for (args, healthy_went) in [
        (&["publish"][..], "published"),
        (&["pull"], ""),
        (&["doctor"], ""),
    ] {
        let start = Instant::now();
        let child = env
            .wol_std()
            .arg("--journal")
            .arg(&env.journal)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = wait_output(
            child,
            Duration::from_secs(60),
            "wol against a dripping server",
        );
        let took = start.elapsed();
        let err = assert_fails(&out, "wol against a dripping server");
        assert!(took < Duration::from_secs(25), "{args:?} took {took:?}");
        let all = format!("{err}{}", stdout(&out));
        assert!(
            all.contains("did not answer in time") && all.contains("nothing moved for 1 s"),
            "{args:?}: say it stalled:\n{all}"
        );
        if !healthy_went.is_empty() {
            assert!(
                all_objects(&env, &healthy).contains("dripmark9a9a"),
                "the healthy partner was not published:\n{all}"
            );
        }
    }
    env.git_status_clean();
}

#[test]
fn pull_gives_up_on_a_silent_server_and_still_pulls_the_others() {
    let env = TestEnv::new();
    env.init_journal();
    append_config(&env, "[remote]\ntimeout = 2");
    env.log(&["--public", "Shared log entry"]);
    let healthy = bare(&env, "log.git");
    add_partner(&env, "mine", healthy.to_str().unwrap(), &[]);
    assert_ok(&wol(&env, &["publish"]), "wol publish");
    let silent = StallingServer::silent();
    for (name, url) in [
        ("alpha", silent.url()),
        ("beta", healthy.to_str().unwrap().to_string()),
    ] {
        assert_ok(&wol(&env, &["follow", "add", name, &url]), "wol follow add");
    }

    let start = Instant::now();
    let child = env
        .wol_std()
        .arg("--journal")
        .arg(&env.journal)
        .arg("pull")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_output(
        child,
        Duration::from_secs(40),
        "wol pull from a silent server",
    );
    let took = start.elapsed();
    let err = assert_fails(&out, "wol pull from a silent server");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(
        err.contains("alpha") && err.contains("did not answer"),
        "name the log and say it did not answer:\n{err}"
    );
    assert!(err.contains("beta: "), "the healthy log was pulled:\n{err}");
    // And read: it is this journal's own published log, which the feed leaves out.
    assert!(
        err.contains("beta: it is this journal's own log"),
        "the healthy log was read:\n{err}"
    );
}

// ---------------------------------------------------------------------------------------
// 17. init where no journal can be
// ---------------------------------------------------------------------------------------

#[test]
fn init_in_a_bare_repository_fails_and_creates_no_work_tree() {
    let env = TestEnv::new();
    env.git_in(&env.root, ["init", "-q", "--bare", "b.git"]);
    let bare_dir = env.root.join("b.git");
    let err = stderr(&fails_with(env.wol().args(["init", "b.git"]), 1, "bare"));
    assert!(err.contains("hint:"), "{err}");
    assert!(
        !bare_dir.join(".git").exists(),
        "a .git inside the bare repo"
    );
    assert!(!bare_dir.join("wol.toml").exists());
    assert!(!bare_dir.join(".gitignore").exists());
}

#[test]
fn init_with_an_invalid_hand_written_wol_toml_fails_without_a_commit() {
    let env = TestEnv::new();
    // A folder that is not a repository yet.
    let fresh = env.root.join("fresh");
    fs::create_dir_all(&fresh).unwrap();
    fs::write(fresh.join("wol.toml"), "colour = \"red\"\n").unwrap();
    let err = stderr(&fails_with(env.wol().arg("init").arg(&fresh), 1, "colour"));
    assert!(err.contains("wol.toml"), "{err}");
    assert_no_commit(&env, &fresh);
    assert_eq!(
        fs::read_to_string(fresh.join("wol.toml")).unwrap(),
        "colour = \"red\"\n"
    );

    // A repository with history.
    fs::create_dir_all(&env.journal).unwrap();
    env.git(["init", "-q", "-b", "main"]);
    env.write("README.md", "mine\n");
    commit_all(&env, "first");
    env.write("wol.toml", "kinds = []\n");
    let out = env.wol().arg("init").arg(&env.journal).output().unwrap();
    assert_fails(&out, "wol init with empty kinds");
    assert_eq!(
        env.commit_count(),
        1,
        "wol init committed an invalid config"
    );
}

// ---------------------------------------------------------------------------------------
// 21. A partner path that holds no repository
// ---------------------------------------------------------------------------------------

#[test]
fn publish_to_a_missing_local_repository_names_it_and_hints_git_init_bare() {
    let env = TestEnv::new();
    env.init_journal();
    assert!(!Path::new("/nonexistent/path.git").exists());
    append_config(&env, "[partners.ghost]\nurl = \"/nonexistent/path.git\"");
    env.log(&["--public", "Nowhere to go"]);
    let err = env.fails(&["publish"], "ghost");
    assert!(
        err.contains("git init --bare"),
        "hint git init --bare:\n{err}"
    );
    assert!(
        !err.to_lowercase().contains("unsupported url protocol"),
        "libgit2's raw error leaked:\n{err}"
    );
    assert!(!Path::new("/nonexistent").exists());
}

// ---- 20: a full disk ------------------------------------------------------------------

/// `wol log` on a full disk (a 600 kB tmpfs filled up, mounted in a private user and mount
/// namespace with `unshare`, so no privilege is needed): the error names what could not be
/// written and says what to do; nothing is committed half-way; once there is space again,
/// the next `wol log` works and leaves the repository clean.
#[test]
fn a_full_disk_is_named_with_a_hint_and_nothing_is_lost() {
    let env = TestEnv::new();
    let small = env.root.join("small");
    fs::create_dir(&small).unwrap();
    let journal = small.join("journal");
    let out = env.root.join("out");
    fs::create_dir(&out).unwrap();
    let script = format!(
        r#"set -e
mount -t tmpfs -o size=600k tmpfs "{small}"
"{wol}" init "{journal}" >/dev/null
"{wol}" --journal "{journal}" log "First entry" >/dev/null
dd if=/dev/zero of="{small}/fill" bs=1k count=2000 2>/dev/null || true
set +e
"{wol}" --journal "{journal}" log "Written on a full disk" 2>"{out}/err.txt"
echo $? >"{out}/code.txt"
git -C "{journal}" log --format=%s >"{out}/log-full.txt"
set -e
rm "{small}/fill"
"{wol}" --journal "{journal}" log "After freeing space" >/dev/null
git -C "{journal}" status --porcelain --untracked-files=all >"{out}/status.txt"
git -C "{journal}" log --format=%s >"{out}/log.txt"
git -C "{journal}" fsck --strict --no-progress >"{out}/fsck.txt" 2>&1
"#,
        small = small.display(),
        journal = journal.display(),
        out = out.display(),
        wol = env!("CARGO_BIN_EXE_wol"),
    );
    let run = env
        .sealed("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c", &script])
        .output()
        .expect("run unshare (util-linux)");
    assert!(
        run.status.success(),
        "the full-disk script failed ({}):\n{}{}",
        run.status,
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let read = |name: &str| fs::read_to_string(out.join(name)).unwrap();
    assert_eq!(read("code.txt").trim(), "1");
    let err = read("err.txt");
    assert!(err.contains("error: cannot write"), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(err.contains("hint: the disk is full"), "{err}");
    assert!(!err.contains("no error"), "{err}");
    assert!(!read("log-full.txt").contains("full disk"));
    assert_eq!(read("status.txt"), "");
    let log = read("log.txt");
    assert!(log.contains("After freeing space"), "{log}");
    assert!(log.contains("First entry"), "{log}");
    assert_eq!(read("fsck.txt").trim(), "", "git fsck complains");
}

// ---------------------------------------------------------------------------------------
// A new remote branch gets no old history
// ---------------------------------------------------------------------------------------

/// A partner's published history was made for one remote. A remote branch that does not
/// exist yet — a partner added again under an old name, a URL changed in wol.toml, a
/// repository emptied to take something down — gets only what is published now, as one
/// commit: never entries since made private or no longer chosen.
#[test]
fn a_new_remote_branch_never_receives_history_published_elsewhere() {
    let env = TestEnv::new();
    env.init_journal();
    let old = bare(&env, "old.git");
    bare(&env, "new.git");
    bare(&env, "moved.git");
    let daemon = GitDaemon::start(&env, &env.root.join("remotes"));
    add_partner(&env, "gig", &daemon.url("old.git"), &[]);
    env.log(&["-t", "board", "Board talk BOARD-MARKER-1"]);
    let salary = env.log(&["Salary numbers SALARY-MARKER-2"]);
    env.log(&["-t", "rust", "Rust notes"]);
    assert_ok(&wol(&env, &["publish", "-q"]), "first publish");
    assert!(all_objects(&env, &old).contains("SALARY-MARKER-2"));

    let salary = env.journal.join(salary);
    let text = fs::read_to_string(&salary).unwrap();
    fs::write(
        &salary,
        text.replace("visibility = \"public\"", "visibility = \"private\""),
    )
    .unwrap();
    commit_all(&env, "salary is private");
    assert_ok(&wol(&env, &["partner", "rm", "gig", "-q"]), "partner rm");
    add_partner(&env, "gig", &daemon.url("new.git"), &["--tag", "rust"]);
    let republish = |what: &str| {
        assert_ok(&wol(&env, &["publish", "-q"]), what);
    };
    let only_now = |name: &str, commits: &str| {
        let remote = env.root.join("remotes").join(name);
        let objects = all_objects(&env, &remote);
        for marker in ["BOARD-MARKER-1", "SALARY-MARKER-2"] {
            assert!(!objects.contains(marker), "{marker} reached {name}");
        }
        assert!(
            objects.contains("Rust notes"),
            "{name} lacks what is published now"
        );
        let count = env.git_in(&remote, ["rev-list", "--count", "main"]);
        assert_eq!(count.trim(), commits, "commits on {name}");
    };
    republish("publish to the partner added again");
    only_now("new.git", "1");

    // The next publish there continues that history as usual.
    env.log(&["-t", "rust", "More Rust notes"]);
    republish("second publish to the new remote");
    only_now("new.git", "2");

    // The URL changed by hand in wol.toml, nothing else.
    let config = env.read("wol.toml").replace("new.git", "moved.git");
    env.write("wol.toml", config);
    commit_all(&env, "move the partner");
    republish("publish after the URL changed");
    only_now("moved.git", "1");

    // The repository emptied and made again, with nothing to publish that is new.
    let moved = env.root.join("remotes").join("moved.git");
    fs::remove_dir_all(&moved).unwrap();
    bare(&env, "moved.git");
    republish("publish to the emptied remote");
    only_now("moved.git", "1");
    env.assert_consistent();
}

#[test]
fn publish_says_when_an_entry_a_partner_had_is_withdrawn_and_that_its_history_keeps_it() {
    let env = TestEnv::new();
    env.init_journal();
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);
    let kept = env.log(&["--public", "Stays out there"]);
    let narrowed = env.log(&["--public", "Later made private"]);
    let out = wol(&env, &["publish"]);
    assert_ok(&out, "the first publish");
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));

    // `to` on a public entry narrows nothing: publish says so.
    let text = env.read(&kept);
    env.write(
        &kept,
        text.replace("\nauthor = ", "\nto = [\"alpha\"]\nauthor = "),
    );
    let text = env.read(&narrowed);
    env.write(
        &narrowed,
        text.replace("visibility = \"public\"", "visibility = \"private\""),
    );
    commit_all(&env, "hand edits");
    let out = wol(&env, &["publish"]);
    assert_ok(&out, "the publish after the edits");
    let err = stderr(&out);
    let path = narrowed.to_string_lossy();
    assert!(
        err.contains("alpha: 1 entry it had is not in what it gets now")
            && err.contains(&*path)
            && err.contains("stays in its published history"),
        "publish names the withdrawn entry and says its history keeps it:\n{err}"
    );
    assert!(
        err.contains("1 public entry (e.g. ")
            && err.contains(&*kept.to_string_lossy())
            && err.contains("set visibility = \"partners\""),
        "publish warns that `to` does nothing on a public entry:\n{err}"
    );
    // Said once: the next publish has nothing new to say about it.
    publish_says_no_withdrawal(&env);
}

/// Another publish, which must succeed and say nothing of withdrawn entries (said once,
/// by the publish whose push carried the change). Its output.
#[track_caller]
fn publish_says_no_withdrawal(env: &TestEnv) -> std::process::Output {
    let out = wol(env, &["publish"]);
    assert_ok(&out, "a third publish");
    assert!(
        !stderr(&out).contains("it had"),
        "said once:\n{}",
        stderr(&out)
    );
    out
}

/// A publish whose push failed has not told the partner anything: the withdrawn entry is
/// said by the next publish, the one whose push carries the change, and then not again.
#[test]
fn an_entry_withdrawn_by_a_publish_whose_push_failed_is_said_when_a_push_carries_it() {
    let env = TestEnv::new();
    env.init_journal();
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);
    let narrowed = env.log(&["--public", "Later made private"]);
    assert_ok(&wol(&env, &["publish"]), "the first publish");
    let text = env.read(&narrowed);
    env.write(
        &narrowed,
        text.replace("visibility = \"public\"", "visibility = \"private\""),
    );
    commit_all(&env, "made private");

    let away = env.root.join("remotes").join("away.git");
    fs::rename(&partner, &away).unwrap();
    let out = wol(&env, &["publish"]);
    assert!(!out.status.success(), "the push should fail");
    fs::rename(&away, &partner).unwrap();

    let out = wol(&env, &["publish"]);
    assert_ok(&out, "the publish whose push lands");
    let err = stderr(&out);
    assert!(
        err.contains("alpha: 1 entry it had is not in what it gets now")
            && err.contains(&*narrowed.to_string_lossy()),
        "said when the change reaches the partner:\n{err}"
    );
    // Nothing new was committed, but the commit the failed push left behind went out.
    assert!(
        err.contains("alpha: published,") && !err.contains("up to date"),
        "a push that lands is reported as published:\n{err}"
    );
    let out = publish_says_no_withdrawal(&env);
    assert!(
        stderr(&out).contains("alpha: up to date,"),
        "nothing to push:\n{}",
        stderr(&out)
    );
}

/// A partner moved to a new address gets a history of its own, without the text of an
/// entry withdrawn meanwhile: the warning says so, and says where that text still is
/// (the history published before), rather than that the partner's history keeps it.
#[test]
fn an_entry_withdrawn_when_the_partner_moved_is_said_to_stay_only_at_the_old_address() {
    let env = TestEnv::new();
    env.init_journal();
    let old = bare(&env, "old.git");
    add_partner(&env, "alpha", old.to_str().unwrap(), &[]);
    let marker = "movedmarker7q";
    let narrowed = env.log(&[
        "--public",
        &format!("Later made private\n\nIt said {marker}."),
    ]);
    assert_ok(&wol(&env, &["publish"]), "the first publish");
    assert!(
        all_objects(&env, &old).contains(marker),
        "published at first"
    );
    let text = env.read(&narrowed);
    env.write(
        &narrowed,
        text.replace("visibility = \"public\"", "visibility = \"private\""),
    );
    commit_all(&env, "made private");
    let new = bare(&env, "new.git");
    edit_config(&env, |t| {
        t.replace(old.to_str().unwrap(), new.to_str().unwrap())
    });

    let out = wol(&env, &["publish"]);
    assert_ok(&out, "the publish to the new address");
    let err = stderr(&out);
    assert!(
        err.contains("alpha: 1 entry it had is not in what it gets now")
            && err.contains(&*narrowed.to_string_lossy())
            && err.contains(&format!(
                "{} had no branch main before, so it got a history of its own without it",
                new.display()
            ))
            && err.contains("stays in the history it went to (an earlier address of alpha")
            && !err.contains("stays in its published history"),
        "the warning says where the text still is:\n{err}"
    );
    assert!(
        !all_objects(&env, &new).contains(marker),
        "the new address got none of the withdrawn text"
    );
    assert!(
        all_objects(&env, &old).contains(marker),
        "the old one keeps it"
    );
    publish_says_no_withdrawal(&env);
}

// ---------------------------------------------------------------------------------------
// What a file name carries
// ---------------------------------------------------------------------------------------

/// A private entry's file name carries the title it was logged with. Made shareable
/// with a new title, it takes the name that title gives, with no `id` keeping the old
/// one: nothing of the old title reaches a partner, in any object.
#[test]
fn a_private_entry_made_shareable_leaves_its_old_name_behind() {
    let env = TestEnv::new();
    env.init_journal();
    let entry = env.log(&["--private", "Acme takeover oldslugmark5c talks"]);
    assert!(
        stem(&entry).contains("oldslugmark5c"),
        "{}",
        entry.display()
    );
    env.fake_editor(
        r#"sed -i -e 's/^visibility = "private"/visibility = "public"/' -e 's/^title = .*/title = "Board meeting"/' -e 's/oldslugmark5c/board/g' "$1""#,
    );
    let out = wol(&env, &["edit", &stem(&entry)]);
    assert_ok(&out, "wol edit");
    assert!(!entry.exists(), "the old name is gone");
    let files = env.entry_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let moved = stem(&files[0]);
    assert!(moved.ends_with("-board-meeting"), "{moved}");
    let text = env.read(&files[0]);
    assert!(
        !text.contains("oldslugmark5c"),
        "no `id` keeps the old name:\n{text}"
    );
    assert!(stderr(&out).contains(&moved), "{}", stderr(&out));

    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);
    assert_ok(&wol(&env, &["publish"]), "wol publish");
    let objects = all_objects(&env, &partner);
    assert!(objects.contains("board-meeting"), "the entry went");
    assert!(!objects.contains("oldslugmark5c"), "the old name leaked");
    env.assert_consistent();
}

/// A token pasted into the first line, or a word of `[publish] never`, is left out of
/// the file name `wol log` makes: the text can be edited before a publish, the name
/// cannot without moving the entry.
#[test]
fn a_secret_in_the_first_line_never_becomes_the_file_name() {
    let env = TestEnv::new();
    env.init_journal();
    edit_config(&env, |t| {
        t.replacen("never = []", "never = [\"Zanzicode\"]", 1)
    });
    let token = format!("ghp_{}", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5");
    let first = env.log(&[&format!("deploy key is {token} oops")]);
    let second = env.log(&["Zanzicode kickoff"]);
    assert_eq!(
        stem(&first)[16..],
        *"deploy-key-is-oops",
        "{}",
        first.display()
    );
    assert_eq!(stem(&second)[16..], *"kickoff", "{}", second.display());
    assert!(
        env.read(&first).contains(&token),
        "the text is the person's own"
    );
}

/// An entry whose `to` names its partners is for them only, also when it says no
/// `visibility` and the journal's default is public (as `wol log --to` makes one).
#[test]
fn an_entry_with_to_and_no_visibility_goes_only_to_the_partners_it_names() {
    let env = TestEnv::new();
    env.init_journal();
    let text = hand_entry("For alpha only", None, "Body TOALPHAMARK-9e1f")
        .replace("tags = [", "to = [\"alpha\"]\ntags = [");
    env.write("entries/2026/11/2026-11-20-1000-for-alpha-only.md", text);
    commit_all(&env, "hand-written entry");
    let (alpha, beta) = (bare(&env, "alpha.git"), bare(&env, "beta.git"));
    add_partner(&env, "alpha", alpha.to_str().unwrap(), &[]);
    add_partner(&env, "beta", beta.to_str().unwrap(), &[]);
    let list = env.json(&["list"], &[]);
    assert_eq!(list[0]["visibility"], "partners", "{list}");
    assert_ok(&wol(&env, &["publish"]), "wol publish");
    assert!(all_objects(&env, &alpha).contains("TOALPHAMARK-9e1f"));
    assert!(!all_objects(&env, &beta).contains("TOALPHAMARK-9e1f"));
}

/// A control character in an entry (a terminal title sequence pasted from a shell, as
/// TOML's `\u001b` escapes let front matter hold) never reaches a Markdown file a
/// follower prints with `cat` (README, digests); and an entry without an author still
/// has one in the Atom feed (the log's, at the feed's level), as RFC 4287 requires.
#[test]
fn markdown_files_hold_no_control_characters_and_every_feed_entry_has_an_author() {
    let env = TestEnv::new();
    env.init_journal();
    let text = format!(
        "+++\ntitle = \"Pasted \\u001b]0;pwned\\u0007 title\"\ndate = {DATE}\nkind = \"progress\"\n\
         visibility = \"public\"\n+++\n\nBody with a bell \u{7} and an escape \u{1b}[31m here.\n\n## Learned\nMore \u{1b}[0m text.\n"
    );
    env.write("entries/2026/11/2026-11-20-1000-pasted.md", text);
    commit_all(&env, "hand-written entry");
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);
    assert_ok(
        &wol(&env, &["digest", "--week", WEEK, "--write"]),
        "wol digest --write",
    );
    assert_ok(&wol(&env, &["publish"]), "wol publish");

    let readme = show(&env, &partner, "main:README.md");
    assert!(readme.contains("Pasted \\]0;pwned title"), "{readme}");
    let digest = show(&env, &partner, &format!("main:digests/2026/{WEEK}.md"));
    assert!(digest.contains("Pasted \\]0;pwned title"), "{digest}");
    for (name, text) in [("README.md", &readme), ("the digest", &digest)] {
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\t')),
            "{name} holds a control character: {text:?}"
        );
    }
    let feed = show(&env, &partner, "main:feed.xml");
    let feed_head = &feed[..feed.find("<entry>").expect("an entry")];
    assert!(
        feed_head.contains("<author>"),
        "no author for the entry:\n{feed}"
    );
}

/// A private entry copied (or hard-linked) into a public entry's attachment folder, and
/// a private entry's attachment copied there, are the private bytes themselves: held
/// back, named, and in no object the partner gets. The public entry and its other
/// attachment still go.
#[test]
fn a_private_file_copied_into_a_public_entry_s_folder_stays_home() {
    let env = TestEnv::new();
    env.init_journal();
    let private = env.log(&["--private", "Salary talk\n\nBody PRIVBODYMARK-31c7."]);
    let private_id = stem(&private);
    let private_dir = env.journal.join(private.with_extension(""));
    fs::create_dir_all(&private_dir).unwrap();
    fs::write(private_dir.join("offer.txt"), "PRIVATTACHMARK-8d02\n").unwrap();
    commit_all(&env, "private attachment");
    let public = env.log(&["Team notes\n\nSee the files."]);
    let public_dir = env.journal.join(public.with_extension(""));
    fs::create_dir_all(&public_dir).unwrap();
    fs::hard_link(env.journal.join(&private), public_dir.join("notes.md")).unwrap();
    fs::copy(private_dir.join("offer.txt"), public_dir.join("copy.txt")).unwrap();
    fs::write(public_dir.join("agenda.txt"), "PUBLICATTACH-55aa\n").unwrap();
    commit_all(&env, "attachments");
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);

    let plan = env.json(&["publish", "--dry-run"], &[]);
    let item = &plan["partners"][0]["publish"][0];
    assert_eq!(item["attachments"], 1, "{plan}");
    let held = item["attachments_held_back"].to_string();
    assert!(
        held.contains("notes.md") && held.contains("copy.txt"),
        "{plan}"
    );

    let out = wol(&env, &["publish"]);
    assert_ok(&out, "wol publish");
    assert!(
        stderr(&out).contains("notes.md is not published to alpha"),
        "{}",
        stderr(&out)
    );
    let objects = all_objects(&env, &partner);
    assert!(
        objects.contains("PUBLICATTACH-55aa"),
        "the public attachment went"
    );
    assert!(objects.contains("Team notes"), "the public entry went");
    for marker in [
        "PRIVBODYMARK-31c7",
        "PRIVATTACHMARK-8d02",
        "Salary talk",
        &private_id,
    ] {
        assert!(!objects.contains(marker), "{marker} leaked");
    }
}

/// Every tag link on a page points at a tag page the site has: a `#word` that is no tag
/// of the entry (struck through, glued to a link) stays text.
#[test]
fn every_tag_link_points_at_a_page_that_is_there() {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&[
        "Tags and non-tags\n\nA #real one, ~~#struck~~ and <https://x.example/a>#glued; [what is next](#next).\n\n## Next\nMore.",
    ]);
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);
    assert_ok(&wol(&env, &["publish"]), "wol publish");
    let files = env.git_in(&partner, ["ls-tree", "-r", "--name-only", "main"]);
    let page_path = entry_page(&files, "tags-and-non-tags.html");
    let page = show(&env, &partner, &format!("main:{page_path}"));
    assert!(page.contains("tags/real.html"), "{page}");
    let linked = regex::Regex::new(r#"href="((?:\.\./)*)tags/([^"]+)\.html""#).unwrap();
    for m in linked.captures_iter(&page) {
        let tag_page = format!("docs/tags/{}.html", &m[2]);
        assert!(
            files.lines().any(|f| f == tag_page),
            "{tag_page} linked, not there:\n{page}"
        );
    }
    assert!(
        !page.contains("tags/struck.html") && !page.contains("tags/glued.html"),
        "{page}"
    );
    // In the feed, a link to a heading goes to the entry's page, not to the feed.
    let feed = show(&env, &partner, "main:feed.xml");
    let page_in_feed = page_path.strip_prefix("docs/").unwrap();
    assert!(
        feed.contains(&format!("href=&quot;docs/{page_in_feed}#next&quot;")),
        "{feed}"
    );
}

/// A bidi override or embedding in an entry turns the text after it around, past the
/// entry's own text: on a list line the date, in a heading what follows, and
/// `Report <RLO>gnp.exe` reads `Report exe.png`. What followers read (pages, feed,
/// README) holds none; `wol.json`, which is data, keeps the title as written; the marks,
/// which reach no further than the next letters, stay.
#[test]
fn published_text_holds_no_bidi_control_that_reaches_past_it() {
    let env = TestEnv::new();
    env.init_journal();
    let title = "Report \u{202e}gnp.exe";
    let text = format!(
        "+++\ntitle = \"Report \\u202Egnp.exe\"\ndate = {DATE}\nkind = \"progress\"\n\
         visibility = \"public\"\n+++\n\nAn isolate left open \u{2067}here, an embedding \u{202b}there.\n\
         A mark stays: \u{5e9}\u{5dc}\u{5d5}\u{5dd}\u{200f}!\n"
    );
    env.write("entries/2026/11/2026-11-20-1000-report.md", text);
    commit_all(&env, "hand-written entry");
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);
    assert_ok(&wol(&env, &["publish"]), "wol publish");

    let files = env.git_in(&partner, ["ls-tree", "-r", "--name-only", "main"]);
    let page = entry_page(&files, ".html");
    let reach = |c: char| matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    for name in ["README.md", "feed.xml", "docs/index.html", page.as_str()] {
        let text = show(&env, &partner, &format!("main:{name}"));
        assert!(
            text.contains("Report gnp.exe"),
            "{name} lost the title: {text}"
        );
        assert!(
            !text.chars().any(reach),
            "{name} holds a bidi control: {text:?}"
        );
    }
    let page_text = show(&env, &partner, &format!("main:{page}"));
    assert!(page_text.contains("\u{5dd}\u{200f}!"), "{page_text}");
    let json = show(&env, &partner, "main:wol.json");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let titles: Vec<&str> = json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["title"].as_str())
        .collect();
    assert!(titles.contains(&title), "{titles:?}");
}

/// An entry dated far ahead (a typo for 2062) is published as new as of the publish, not
/// as of its date: its date would otherwise hold the feed's `updated` there, and a
/// reader that goes by it would see nothing new until then.
#[test]
fn an_entry_dated_far_ahead_does_not_hold_the_feed_s_updated() {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&["--date", "2099-01-01 10:00", "Far ahead"]);
    let partner = bare(&env, "alpha.git");
    add_partner(&env, "alpha", partner.to_str().unwrap(), &[]);
    assert_ok(&wol(&env, &["publish"]), "wol publish");
    let feed = show(&env, &partner, "main:feed.xml");
    let head = &feed[..feed.find("<entry>").expect("an entry")];
    assert!(
        head.contains("<updated>") && !head.contains("2099"),
        "the feed's updated is the entry's date: {head}"
    );
    let entry = &feed[feed.find("<entry>").unwrap()..];
    assert!(entry.contains("<published>2099-01-01"), "{entry}");
    assert!(!entry.contains("<updated>2099"), "{entry}");
}
