//! `wol sync`: journals on several "machines" (each its own journal and its own
//! `WOL_CONFIG_DIR`, so its own key) kept in step through a bare repository and through
//! `git daemon`; what the remote holds is read with the git CLI, object by object.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{GitDaemon, TestEnv, fails_with, stderr, stdout};

/// One machine: a journal and a config dir of its own.
struct Machine<'e> {
    env: &'e TestEnv,
    dir: PathBuf,
    config: PathBuf,
}

impl<'e> Machine<'e> {
    fn new(env: &'e TestEnv, name: &str) -> Self {
        Machine {
            env,
            dir: env.root.join(name),
            config: env.root.join(format!("config-{name}")),
        }
    }

    /// `wol` with this machine's config dir, outside any journal.
    fn bare_wol(&self) -> assert_cmd::Command {
        let mut cmd = self.env.wol();
        cmd.env("WOL_CONFIG_DIR", &self.config);
        cmd
    }

    fn wol(&self) -> assert_cmd::Command {
        let mut cmd = self.bare_wol();
        cmd.arg("--journal").arg(&self.dir);
        cmd
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> (String, String) {
        let out = self.wol().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "wol {args:?} on {} failed:\n{}{}",
            self.dir.display(),
            stdout(&out),
            stderr(&out)
        );
        (stdout(&out), stderr(&out))
    }

    #[track_caller]
    fn fails(&self, args: &[&str], needle: &str) -> String {
        stderr(&fails_with(self.wol().args(args), 1, needle))
    }

    #[track_caller]
    fn log(&self, args: &[&str]) -> String {
        let (out, _) = self.ok(&[&["log"], args].concat());
        let path = PathBuf::from(out.trim());
        path.strip_prefix(&self.dir).unwrap().display().to_string()
    }

    fn git(&self, args: &[&str]) -> String {
        self.env.git_in(&self.dir, args)
    }

    fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    fn public_key(&self) -> String {
        let text = fs::read_to_string(self.config.join("identity.txt")).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("# public key: "))
            .unwrap()
            .to_string()
    }

    #[track_caller]
    fn consistent(&self) {
        let status = self.git(&["status", "--porcelain", "--untracked-files=all"]);
        assert!(
            status.is_empty(),
            "{}: git status:\n{status}",
            self.dir.display()
        );
    }
}

/// A sync remote `journal.git` served by `git daemon` whose hook refuses every push while
/// the returned `refuse` file exists: (the bare repository, `refuse`, the daemon, its URL).
fn refusing_remote(env: &TestEnv) -> (PathBuf, PathBuf, GitDaemon, String) {
    let base = env.root.join("srv");
    let remote = bare(env, &base, "journal.git");
    let refuse = env.root.join("refuse");
    let hook = remote.join("hooks/pre-receive");
    fs::write(
        &hook,
        format!(
            "#!/bin/sh\nif [ -e \"{}\" ]; then echo refused >&2; exit 1; fi\nexit 0\n",
            refuse.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let daemon = GitDaemon::start(env, &base);
    let url = daemon.url("journal.git");
    (remote, refuse, daemon, url)
}

fn bare(env: &TestEnv, dir: &Path, name: &str) -> PathBuf {
    fs::create_dir_all(dir).unwrap();
    env.git_in(dir, ["init", "-q", "--bare", "-b", "main", name]);
    dir.join(name)
}

/// Machine `a` with a journal synced to `url`, and machine `b` cloned from it after
/// `a` let `b`'s key in.
fn two_machines<'e>(env: &'e TestEnv, url: &str) -> (Machine<'e>, Machine<'e>) {
    let a = Machine::new(env, "a");
    env.wol().arg("init").arg(&a.dir).assert().success();
    a.ok(&["sync", "init", url]);
    a.log(&["Opened the public repo", "--public"]);
    a.ok(&["sync"]);
    let b = let_in(env, &a, "b", url);
    assert_eq!(a.head(), b.head());
    (a, b)
}

/// Machine `name`, cloned from `url` after `by` let its key in: its first clone makes
/// its key and says it is no recipient yet, and leaves nothing behind.
fn let_in<'e>(env: &'e TestEnv, by: &Machine<'_>, name: &str, url: &str) -> Machine<'e> {
    let m = Machine::new(env, name);
    fails_with(
        m.bare_wol().args(["sync", "clone", url]).arg(&m.dir),
        1,
        "add-recipient",
    );
    assert!(!m.dir.exists(), "a failed clone leaves nothing behind");
    by.ok(&["sync", "add-recipient", &m.public_key()]);
    m.bare_wol()
        .args(["sync", "clone", url])
        .arg(&m.dir)
        .assert()
        .success();
    m
}

/// Everything the remote stores, as text, lower-cased.
fn remote_objects(env: &TestEnv, repo: &Path) -> String {
    let out = env
        .git_cmd_in(repo)
        .args(["cat-file", "--batch-all-objects", "--batch"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).to_lowercase()
}

#[track_caller]
fn assert_no_leak(env: &TestEnv, repo: &Path, markers: &[&str]) {
    let all = remote_objects(env, repo);
    assert!(!all.is_empty());
    for m in markers {
        // (With what is around it: a marker must be long enough, or hold a character
        // base64 does not, never to turn up by chance in an age header.)
        if let Some(i) = all.find(&m.to_lowercase()) {
            let before: String = all[..i].chars().rev().take(300).collect();
            let around = before.chars().rev().chain(all[i..].chars().take(300));
            panic!(
                "the remote holds {m:?} in plain text: {:?}",
                around.collect::<String>()
            );
        }
    }
}

#[test]
fn journals_sync_in_every_order_and_end_identical() {
    let env = TestEnv::new();
    let remote = bare(&env, &env.root.join("srv"), "journal.git");
    let url = remote.to_str().unwrap();
    let (a, b) = two_machines(&env, url);
    let c = let_in(&env, &a, "c", url);
    b.ok(&["sync"]);

    let machines = [&a, &b, &c];
    for (round, order) in [[0, 1, 2], [2, 1, 0], [1, 0, 2]].iter().enumerate() {
        for (i, m) in machines.iter().enumerate() {
            m.log(&[&format!("Round {round} public from {i}"), "--public"]);
            m.log(&[&format!("Round {round} private from {i}"), "--private"]);
        }
        for &i in order {
            machines[i].ok(&["sync"]);
        }
        // A second pass brings everyone up to date.
        for &i in order {
            machines[i].ok(&["sync"]);
        }
        let head = a.head();
        for m in machines {
            assert_eq!(m.head(), head, "round {round}: heads differ");
            m.consistent();
        }
    }
    // Nine rounds of entries on every machine, in plain text locally.
    let files = c.git(&["ls-files", "entries"]);
    assert_eq!(files.lines().count(), 1 + 3 * 3 * 2, "{files}");
    assert!(files.contains("round-2-private-from-0"));
    // An up-to-date sync says so and pushes nothing.
    let before = env.git_in(&remote, ["rev-parse", "wol-sync"]);
    let (_, err) = a.ok(&["sync"]);
    assert_eq!(err.trim(), "sync: 0 in, 0 out");
    assert_eq!(env.git_in(&remote, ["rev-parse", "wol-sync"]), before);
    assert_no_leak(&env, &remote, &["private from", "private-from"]);
}

#[test]
fn nothing_private_reaches_the_remote_through_edits_renames_removals_and_visibility_changes() {
    let env = TestEnv::new();
    let remote = bare(&env, &env.root.join("srv"), "journal.git");
    let url = remote.to_str().unwrap();
    let a = Machine::new(&env, "a");
    env.wol().arg("init").arg(&a.dir).assert().success();
    a.ok(&["sync", "init", url]);
    let private = a.log(&[
        "Zanzibar merger talks",
        "--private",
        "--learned",
        "The QUOKKA-CODEWORD budget",
    ]);
    a.log(&[
        "Weeknotes about docs",
        "--public",
        "--learned",
        "Plain and fine",
    ]);
    let turned = a.log(&["Borderline notes", "--public"]);
    a.ok(&["digest", "--write", "--week", "this"]);
    a.ok(&["sync"]);
    let all = remote_objects(&env, &remote);
    assert!(
        all.contains("plain and fine"),
        "public entries are plain on the remote"
    );
    assert!(all.contains("borderline notes"));

    // An edit, a rename, a removal of private entries; a public entry made private with
    // a new secret in it.
    let path = a.dir.join(&private);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        text.replace("budget", "budget and the WOMBAT-LEDGER"),
    )
    .unwrap();
    a.git(&["commit", "-qam", "edit"]);
    let renamed = private.replace("zanzibar-merger-talks", "zanzibar-merger-closing");
    a.git(&["mv", &private, &renamed]);
    a.git(&["commit", "-qm", "rename"]);
    let second = a.log(&["Okapi acquisition", "--private"]);
    a.ok(&["sync"]);
    a.ok(&["rm", "--yes", &second]);
    let tpath = a.dir.join(&turned);
    let text = fs::read_to_string(&tpath).unwrap();
    fs::write(
        &tpath,
        text.replace("visibility = \"public\"", "visibility = \"private\"") + "\nNARWHAL-SECRET\n",
    )
    .unwrap();
    a.git(&["commit", "-qam", "make it private"]);
    let (_, err) = a.ok(&["sync"]);
    assert!(
        err.contains("earlier plain text stays in the sync remote's history"),
        "{err}"
    );

    assert_no_leak(
        &env,
        &remote,
        &[
            "zanzibar",
            "quokka-codeword",
            "wombat-ledger",
            "okapi",
            "narwhal-secret",
            "merger",
            // The digest quotes private entries: sealed, as wol.toml is.
            "default_visibility",
        ],
    );
    // Sealed commits say nothing of what they hold.
    let messages = env.git_in(&remote, ["log", "--format=%B", "wol-sync"]);
    assert!(!messages.contains("log("), "{messages}");
    assert!(
        !messages.to_lowercase().contains("borderline"),
        "{messages}"
    );

    // Another machine gets every byte back.
    let b = let_in(&env, &a, "b", url);
    assert_eq!(a.head(), b.head());
    assert!(
        fs::read_to_string(b.dir.join(&renamed))
            .unwrap()
            .contains("WOMBAT-LEDGER")
    );
    assert!(!b.dir.join(&second).exists());
    b.consistent();
    // ... and after the re-seal, still nothing private on the remote.
    assert_no_leak(
        &env,
        &remote,
        &["zanzibar", "wombat-ledger", "narwhal-secret"],
    );
}

#[test]
fn through_git_daemon_with_dry_run_quiet_and_json() {
    let env = TestEnv::new();
    let base = env.root.join("srv");
    let remote = bare(&env, &base, "journal.git");
    let daemon = GitDaemon::start(&env, &base);
    let url = daemon.url("journal.git");
    let (a, b) = two_machines(&env, &url);

    a.log(&["Secret sauce", "--private"]);
    a.log(&["Open sauce", "--public"]);
    let before = env.git_in(&remote, ["rev-parse", "wol-sync"]);
    let (out, _) = a.ok(&["sync", "--dry-run"]);
    assert!(out.contains("out  added    sealed  entries/"), "{out}");
    assert!(out.contains("out  added    plain   entries/"), "{out}");
    assert!(out.contains("sync --dry-run: 0 in, 2 out"), "{out}");
    assert_eq!(
        env.git_in(&remote, ["rev-parse", "wol-sync"]),
        before,
        "a dry run pushes nothing"
    );

    let (out, err) = a.ok(&["sync", "-q"]);
    assert_eq!((out.as_str(), err.as_str()), ("", ""));
    let (out, _) = b.ok(&["sync", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "synced");
    assert_eq!(v["in"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["out"].as_array().unwrap().len(), 0, "{v}");
    assert_eq!(a.head(), b.head());
    assert_no_leak(&env, &remote, &["secret sauce", "secret-sauce"]);

    // Global flags go after `sync` with a subcommand too; its own flags do not.
    let c = Machine::new(&env, "c");
    let _ = c
        .bare_wol()
        .args(["sync", "clone", &url])
        .arg(&c.dir)
        .output();
    let key = c.public_key();
    let (out, err) = a.ok(&["sync", "-q", "add-recipient", &key]);
    assert_eq!((out.as_str(), err.as_str()), ("", ""));
    fails_with(
        a.wol()
            .args(["sync", "--dry-run", "remove-recipient", &key]),
        2,
        "goes with wol sync alone",
    );
}

#[test]
fn one_new_entry_pushes_one_entrys_objects() {
    let env = TestEnv::new();
    let remote = bare(&env, &env.root.join("srv"), "journal.git");
    let a = Machine::new(&env, "a");
    env.wol().arg("init").arg(&a.dir).assert().success();
    a.ok(&["sync", "init", remote.to_str().unwrap()]);
    for i in 0..20 {
        a.log(&[&format!("Private {i}"), "--private"]);
    }
    a.ok(&["sync"]);
    let count = |env: &TestEnv| {
        env.git_in(
            &remote,
            ["cat-file", "--batch-all-objects", "--batch-check"],
        )
        .lines()
        .count()
    };
    let before = count(&env);
    // Losing the map costs nothing either: it is rebuilt from what was sealed.
    fs::remove_dir_all(a.dir.join(".wol/sync")).unwrap();
    a.log(&["One more private", "--private"]);
    a.ok(&["sync"]);
    let added = count(&env) - before;
    // commit, its root tree, sealed/, the commit metadata, the one sealed file.
    assert!(added <= 6, "one entry added {added} objects");
}

#[test]
fn concurrent_edits_keep_both_sides() {
    let env = TestEnv::new();
    let remote = bare(&env, &env.root.join("srv"), "journal.git");
    let (a, b) = two_machines(&env, remote.to_str().unwrap());
    let shared = a.log(&["Shared notes", "--private"]);
    let doomed = a.log(&["Doomed notes", "--public"]);
    a.ok(&["sync"]);
    b.ok(&["sync"]);

    // The same entry changed on both, one removed on a and changed on b, and wol.toml
    // changed on both.
    for (m, word) in [(&a, "ALPHA-SIDE"), (&b, "BETA-SIDE")] {
        let path = m.dir.join(&shared);
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text + &format!("\n{word}\n")).unwrap();
        let toml = m.dir.join("wol.toml");
        let text = fs::read_to_string(&toml).unwrap();
        fs::write(
            &toml,
            text.replace(
                "kinds = [",
                &format!("kinds = [\"{}\", ", word.to_lowercase()),
            ),
        )
        .unwrap();
        m.git(&["commit", "-qam", "edit on one machine"]);
    }
    a.ok(&["rm", "--yes", &doomed]);
    let path = b.dir.join(&doomed);
    fs::write(&path, fs::read_to_string(&path).unwrap() + "\nKEPT-EDIT\n").unwrap();
    b.git(&["commit", "-qam", "edit the doomed one"]);

    a.ok(&["sync"]);
    let (_, err) = b.ok(&["sync"]);
    assert!(err.contains("conflict"), "{err}");
    assert!(err.contains(".wol/conflicts/wol.toml."), "{err}");
    assert!(err.contains("the change is kept"), "{err}");
    a.ok(&["sync"]);
    assert_eq!(a.head(), b.head());
    a.consistent();
    b.consistent();

    // Both versions of the entry are entries of the journal.
    let stem = shared.trim_end_matches(".md");
    let files = a.git(&["ls-files", "entries"]);
    let copies: Vec<&str> = files.lines().filter(|f| f.starts_with(stem)).collect();
    assert_eq!(copies.len(), 2, "{files}");
    let both: String = copies
        .iter()
        .map(|f| fs::read_to_string(a.dir.join(f)).unwrap())
        .collect();
    assert!(
        both.contains("ALPHA-SIDE") && both.contains("BETA-SIDE"),
        "{both}"
    );
    // The removed entry that was changed meanwhile stays, with the change.
    assert!(
        fs::read_to_string(a.dir.join(&doomed))
            .unwrap()
            .contains("KEPT-EDIT")
    );
    // wol.toml: b's version stays in b's merge; a's is kept aside on b.
    let conflicts: Vec<_> = fs::read_dir(b.dir.join(".wol/conflicts"))
        .unwrap()
        .collect();
    assert_eq!(conflicts.len(), 1);
    let aside = fs::read_to_string(conflicts[0].as_ref().unwrap().path()).unwrap();
    let kept = fs::read_to_string(b.dir.join("wol.toml")).unwrap();
    assert!(
        (aside.contains("alpha-side") && kept.contains("beta-side"))
            || (aside.contains("beta-side") && kept.contains("alpha-side"))
    );
    // The journal still reads.
    a.ok(&["list"]);
}

/// One machine withdraws a name and makes the entry private; the other fixes a typo on
/// the same line. Both versions are kept, and neither may be published until the person
/// merges them: the other machine's version is public and still holds the name.
#[test]
fn an_entry_in_conflict_is_never_published_until_merged() {
    let env = TestEnv::new();
    let remote = bare(&env, &env.root.join("srv"), "journal.git");
    let (a, b) = two_machines(&env, remote.to_str().unwrap());
    let entry = a.log(&[
        "--public",
        "--title",
        "Client meeting",
        "Met WITHDRAWN-CLIENT-4d4d about the rollout",
    ]);
    a.ok(&["sync"]);
    b.ok(&["sync"]);
    let path = a.dir.join(&entry);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        text.replace("visibility = \"public\"", "visibility = \"private\"")
            .replace("WITHDRAWN-CLIENT-4d4d", "a client"),
    )
    .unwrap();
    a.git(&["commit", "-qam", "withdraw the name"]);
    let path = b.dir.join(&entry);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replace("the rollout", "the roll-out")).unwrap();
    b.git(&["commit", "-qam", "typo"]);
    a.ok(&["sync"]);
    let (_, err) = b.ok(&["sync"]);
    assert!(
        err.contains("neither is published until they are merged"),
        "{err}"
    );
    a.ok(&["sync"]);

    let partner = bare(&env, &env.root.join("srv"), "partner.git");
    a.ok(&["partner", "add", "pub", partner.to_str().unwrap()]);
    let dry = a.wol().args(["publish", "--dry-run"]).output().unwrap();
    let dry = stdout(&dry);
    assert!(dry.contains("sync conflict with"), "{dry}");
    a.ok(&["publish"]);
    assert_no_leak(&env, &partner, &["withdrawn-client-4d4d"]);

    // Merged by hand (the copy removed): the entry goes by its own visibility again.
    let stem = entry.trim_end_matches(".md");
    let files = a.git(&["ls-files", "entries"]);
    let copy = files
        .lines()
        .find(|f| f.starts_with(stem) && f.contains(".conflict-"))
        .expect("a conflict copy")
        .to_string();
    let copy_id = copy.rsplit('/').next().unwrap().trim_end_matches(".md");
    a.ok(&["rm", "--yes", copy_id]);
    let kept = fs::read_to_string(a.dir.join(&entry)).unwrap();
    let public = if kept.contains("visibility = \"public\"") {
        1
    } else {
        0
    };
    let (out, _) = a.ok(&["--json", "publish", "--dry-run"]);
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        plan["partners"][0]["publish"].as_array().unwrap().len(),
        1 + public,
        "{plan}"
    );
}

#[test]
fn both_machines_create_the_same_entry_name() {
    let env = TestEnv::new();
    let remote = bare(&env, &env.root.join("srv"), "journal.git");
    let (a, b) = two_machines(&env, remote.to_str().unwrap());
    // Same clock, same title: the same file name on both machines.
    let pa = a.log(&["Same title", "--private", "--learned", "from a"]);
    let pb = b.log(&["Same title", "--private", "--learned", "from b"]);
    assert_eq!(pa, pb);
    a.ok(&["sync"]);
    b.ok(&["sync"]);
    a.ok(&["sync"]);
    assert_eq!(a.head(), b.head());
    let texts: String = a
        .git(&["ls-files", "entries"])
        .lines()
        .filter(|f| f.contains("same-title"))
        .map(|f| fs::read_to_string(a.dir.join(f)).unwrap())
        .collect();
    assert!(
        texts.contains("from a") && texts.contains("from b"),
        "{texts}"
    );
}

#[test]
fn a_wrong_or_missing_key_is_named_and_nothing_is_written() {
    let env = TestEnv::new();
    let remote = bare(&env, &env.root.join("srv"), "journal.git");
    let url = remote.to_str().unwrap();
    let (a, b) = two_machines(&env, url);
    a.log(&["Top secret", "--private"]);
    a.ok(&["sync"]);

    // A stranger's key opens nothing: the error names its key and the recipients.
    let c = Machine::new(&env, "c");
    let err = stderr(&fails_with(
        c.bare_wol().args(["sync", "clone", url]).arg(&c.dir),
        1,
        "none of this machine's keys matches",
    ));
    assert!(err.contains(&c.public_key()[..20]), "{err}");
    assert!(
        err.contains("Sealed-For") || err.contains("recipients"),
        "{err}"
    );
    assert!(!c.dir.exists());

    a.fails(
        &["sync", "remove-recipient", &a.public_key()],
        "this machine's own key",
    );
    a.fails(&["sync", "add-recipient", "age1nope"], "not a public key");
    // b removed from the recipients: told honestly, and b can no longer open new files.
    let (_, said) = a.ok(&["sync", "remove-recipient", &b.public_key()]);
    assert!(
        said.contains("stays readable with the removed key"),
        "{said}"
    );
    a.log(&["After removal", "--private"]);
    a.ok(&["sync"]);
    let before = b.head();
    let err = b.fails(&["sync"], "none of this machine's keys matches");
    // The recipients it could not match, by key where this machine knows them.
    assert!(err.contains(&a.public_key()[..20]), "{err}");
    assert!(err.contains("wol sync add-recipient"), "{err}");
    assert_eq!(b.head(), before);
    b.consistent();
    assert!(!b.git(&["ls-files"]).contains("after-removal"));

    // No key at all.
    let d = Machine::new(&env, "d");
    fs::create_dir_all(&d.config).unwrap();
    let out = d
        .bare_wol()
        .arg("--journal")
        .arg(&a.dir)
        .arg("sync")
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("no key to open sealed files"),
        "{}",
        stderr(&out)
    );
}

/// `.wol/sync/` of a machine's journal.
fn sync_state(m: &Machine<'_>) -> PathBuf {
    m.dir.join(".wol/sync")
}

/// The sync key a machine names sealed files with (`.wol/sync/key`).
fn sync_key(m: &Machine<'_>) -> Vec<u8> {
    let hex = fs::read_to_string(sync_state(m).join("key")).unwrap();
    let hex = hex.trim();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The file names on the remote's sync branch.
fn remote_names(env: &TestEnv, remote: &Path) -> Vec<String> {
    env.git_in(remote, ["ls-tree", "-r", "--name-only", "wol-sync"])
        .lines()
        .map(String::from)
        .collect()
}

/// The sealed name `key` gives the journal file `path`.
fn sealed_name(key: &[u8], path: &str) -> String {
    format!("sealed/{}.age", wol::sync::keys::keyed_name(key, path))
}

/// Every file of `m`'s journal whose sealed name under `key` is on the remote.
fn named_by(env: &TestEnv, remote: &Path, m: &Machine<'_>, key: &[u8]) -> Vec<String> {
    let names = remote_names(env, remote);
    m.git(&["ls-files"])
        .lines()
        .filter(|p| names.contains(&sealed_name(key, p)))
        .map(String::from)
        .collect()
}

/// `remove-recipient` replaces the sync key (the HMAC key that names sealed files), which
/// the removed machine holds: under the old key no file of the remote can be named, what
/// was sealed before included. The machine that stays takes the new key at its next sync,
/// with its own unsynced entry, and nothing comes twice; the removed one is told it can
/// open nothing.
#[test]
fn removing_a_recipient_rotates_the_sync_key_and_the_others_follow() {
    let env = TestEnv::new();
    let remote = bare(&env, &env.root.join("srv"), "journal.git");
    let url = remote.to_str().unwrap();
    let (a, b) = two_machines(&env, url);
    let c = let_in(&env, &a, "c", url);
    let before_private = a.log(&["Before the removal", "--private"]);
    a.ok(&["sync"]);
    b.ok(&["sync"]);
    c.ok(&["sync"]);
    let old = sync_key(&c);
    assert_eq!(sync_key(&a), old);
    assert_eq!(sync_key(&b), old);
    let before_removal = env
        .git_in(&remote, ["rev-parse", "wol-sync"])
        .trim()
        .to_string();
    // b writes without syncing: it has not seen the rotation when it syncs next.
    let from_b_early = b.log(&["Written on b before it heard", "--private"]);

    a.ok(&["sync", "remove-recipient", &c.public_key()]);
    let new = sync_key(&a);
    assert_ne!(new, old, "the sync key was not rotated");
    assert!(!sync_state(&a).join("key.next").exists());
    assert_eq!(
        named_by(&env, &remote, &a, &old),
        Vec::<String>::new(),
        "the removed machine's key still names files on the remote"
    );
    assert!(
        remote_names(&env, &remote).contains(&sealed_name(&new, &before_private)),
        "the history is not named with the new key"
    );
    let secret = a.log(&["Interview at Acme", "--private"]);
    let (_, err) = a.ok(&["sync"]);
    assert_eq!(err.trim(), "sync: 0 in, 1 out");

    // b takes the new key, and seals its own entry under it.
    // In: wol.toml and a's entry, nothing twice; out: b's entry.
    let (_, err) = b.ok(&["sync"]);
    assert_eq!(err.trim(), "sync: 2 in, 1 out", "{err}");
    assert_eq!(sync_key(&b), new);
    let from_b = b.log(&["Written on b after", "--private"]);
    b.ok(&["sync"]);
    let (_, err) = a.ok(&["sync"]);
    assert_eq!(err.trim(), "sync: 2 in, 0 out", "{err}");
    let (_, err) = b.ok(&["sync"]);
    assert_eq!(err.trim(), "sync: 0 in, 0 out", "{err}");
    assert_eq!(a.head(), b.head());
    let files = a.git(&["ls-files", "entries"]);
    for p in [&before_private, &from_b_early, &secret, &from_b] {
        assert!(files.contains(p.as_str()), "{p} missing:\n{files}");
        assert!(remote_names(&env, &remote).contains(&sealed_name(&new, p)));
    }
    assert!(!files.contains("conflict"), "{files}");
    assert_eq!(files, b.git(&["ls-files", "entries"]));
    assert_eq!(
        named_by(&env, &remote, &a, &old),
        Vec::<String>::new(),
        "the removed machine's key names files written after the removal"
    );
    a.consistent();
    b.consistent();

    // c is told, and nothing of its journal changes.
    let before = c.head();
    let err = c.fails(&["sync"], "none of this machine's keys matches");
    assert!(err.contains("no longer a recipient"), "{err}");
    assert_eq!(c.head(), before);
    assert_eq!(sync_key(&c), old);
    c.consistent();

    // A rotation that was pushed but not recorded (a crash right after the push; or
    // after the key was written, before key.next went) is recognised: nothing is sealed
    // or pushed again.
    let head = env.git_in(&remote, ["rev-parse", "wol-sync"]);
    let hex = |k: &[u8]| k.iter().map(|b| format!("{b:02x}")).collect::<String>() + "\n";
    for stale in [&old, &new] {
        fs::write(sync_state(&a).join("key"), hex(stale)).unwrap();
        fs::write(sync_state(&a).join("key.next"), hex(&new)).unwrap();
        let (_, err) = a.ok(&["sync"]);
        assert_eq!(err.trim(), "sync: 0 in, 0 out", "{err}");
        assert_eq!(env.git_in(&remote, ["rev-parse", "wol-sync"]), head);
        assert_eq!(sync_key(&a), new);
        assert!(!sync_state(&a).join("key.next").exists());
    }
    // A lost key is taken from the remote again, not made anew.
    fs::remove_file(sync_state(&b).join("key")).unwrap();
    let late = b.log(&["After the key was lost", "--private"]);
    b.ok(&["sync"]);
    assert_eq!(sync_key(&b), new);
    assert!(remote_names(&env, &remote).contains(&sealed_name(&new, &late)));
    a.ok(&["sync"]);

    // The remote put back to before the removal (by its host, or by the removed machine,
    // which holds the old key): the retired key is never taken back, even with the key
    // file lost, and --rotate-key puts the history back under a new key.
    env.git_in(
        &remote,
        ["update-ref", "refs/heads/wol-sync", &before_removal],
    );
    let after = a.log(&["After the rollback", "--private"]);
    let err = a.fails(&["sync"], "sealed under a sync key this journal retired");
    assert!(err.contains("wol sync --rotate-key"), "{err}");
    fs::remove_file(sync_state(&a).join("key")).unwrap();
    a.fails(&["sync"], "sealed under a sync key this journal retired");
    assert!(
        !remote_names(&env, &remote).contains(&sealed_name(&old, &after)),
        "a new file was named with the retired key"
    );
    a.ok(&["sync", "--rotate-key"]);
    let newest = sync_key(&a);
    assert!(newest != old && newest != new);
    assert!(remote_names(&env, &remote).contains(&sealed_name(&newest, &after)));
    b.ok(&["sync"]);
    assert_eq!(sync_key(&b), newest);
    assert_eq!(a.head(), b.head());
}

/// A `remove-recipient` whose push fails (here the remote refuses it; a crash or a lost
/// connection is the same) has chosen the new key and committed the removal: the next
/// `wol sync` seals everything anew under that key, on top of what another machine
/// pushed meanwhile under the old one, and the other machine follows.
#[test]
fn a_rotation_cut_short_is_finished_by_the_next_sync() {
    let env = TestEnv::new();
    let (remote, refuse, _daemon, url) = refusing_remote(&env);
    let (a, b) = two_machines(&env, &url);
    let c = Machine::new(&env, "c");
    let _ = c
        .bare_wol()
        .args(["sync", "clone", &url])
        .arg(&c.dir)
        .output();
    a.ok(&["sync", "add-recipient", &c.public_key()]);
    b.ok(&["sync"]);
    let old = sync_key(&a);

    fs::write(&refuse, "").unwrap();
    let head = env.git_in(&remote, ["rev-parse", "wol-sync"]);
    let out = a
        .wol()
        .args(["sync", "remove-recipient", &c.public_key()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("run wol sync when the remote can be reached"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.git_in(&remote, ["rev-parse", "wol-sync"]), head);
    assert_eq!(
        sync_key(&a),
        old,
        "a key is recorded before it is on the remote"
    );
    assert!(sync_state(&a).join("key.next").exists());
    let on_a = a.log(&["Written on a meanwhile", "--private"]);
    fs::remove_file(&refuse).unwrap();
    // b pushes under the old key meanwhile.
    let on_b = b.log(&["Written on b meanwhile", "--private"]);
    b.ok(&["sync"]);

    let (_, err) = a.ok(&["sync", "--dry-run"]);
    assert!(
        err.contains("would finish the rotation of the sync key"),
        "{err}"
    );
    let (_, err) = a.ok(&["sync"]);
    assert!(
        err.contains("finishing the rotation of the sync key"),
        "{err}"
    );
    let new = sync_key(&a);
    assert_ne!(new, old);
    assert!(!sync_state(&a).join("key.next").exists());
    // In: wol.toml and a's entry.
    let (_, err) = b.ok(&["sync"]);
    assert_eq!(err.trim(), "sync: 2 in, 0 out", "{err}");
    assert_eq!(sync_key(&b), new);
    assert_eq!(a.head(), b.head());
    let files = b.git(&["ls-files", "entries"]);
    assert!(files.contains(&on_a) && files.contains(&on_b), "{files}");
    assert!(!files.contains("conflict"), "{files}");
    assert_eq!(named_by(&env, &remote, &a, &old), Vec::<String>::new());
    assert!(remote_names(&env, &remote).contains(&sealed_name(&new, &on_b)));
    a.consistent();
    b.consistent();
}

#[test]
fn init_keeps_the_key_private_and_out_of_the_journal() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = TestEnv::new();
    let remote = bare(&env, &env.root.join("srv"), "journal.git");
    let a = Machine::new(&env, "a");
    env.wol().arg("init").arg(&a.dir).assert().success();
    a.ok(&["sync", "init", remote.to_str().unwrap()]);
    let id = a.config.join("identity.txt");
    assert_eq!(
        fs::metadata(&id).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let secret = fs::read_to_string(&id).unwrap();
    let secret = secret
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap();
    let toml = fs::read_to_string(a.dir.join("wol.toml")).unwrap();
    assert!(
        toml.contains("[sync]") && toml.contains(&a.public_key()),
        "{toml}"
    );
    assert!(!toml.contains(secret));
    // A second init keeps the key and the recipients as they are.
    a.ok(&["sync", "init", remote.to_str().unwrap()]);
    let again = fs::read_to_string(a.dir.join("wol.toml")).unwrap();
    assert_eq!(again.matches("age1").count(), 1);
    assert!(fs::read_to_string(&id).unwrap().contains(secret));
    a.consistent();
    // Sync with no [sync] is an error that says how to set it up.
    let b = Machine::new(&env, "b");
    env.wol().arg("init").arg(&b.dir).assert().success();
    b.fails(&["sync"], "not set up for sync");
}

#[test]
fn an_ssh_ed25519_key_can_be_the_identity() {
    let env = TestEnv::new();
    let remote = bare(&env, &env.root.join("srv"), "journal.git");
    let key = env.root.join("id_ed25519");
    let made = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(&key)
        .status();
    // .ci/test installs openssh-client (see .ci/packages.txt).
    assert!(
        made.as_ref().is_ok_and(|s| s.success()),
        "ssh-keygen could not make a key: {made:?}"
    );
    let a = Machine::new(&env, "a");
    env.wol().arg("init").arg(&a.dir).assert().success();
    a.ok(&[
        "sync",
        "init",
        remote.to_str().unwrap(),
        "--ssh-key",
        key.to_str().unwrap(),
    ]);
    assert!(!a.config.join("identity.txt").exists());
    let toml = fs::read_to_string(a.dir.join("wol.toml")).unwrap();
    assert!(toml.contains("ssh-ed25519 "), "{toml}");
    a.log(&["Ssh sealed", "--private"]);
    a.ok(&["sync"]);
    // The same key on another "machine" opens it.
    let b = Machine::new(&env, "b");
    fs::create_dir_all(&b.config).unwrap();
    fs::write(
        b.config.join("config.toml"),
        format!("ssh_key = {:?}\n", key.display().to_string()),
    )
    .unwrap();
    b.bare_wol()
        .args(["sync", "clone", remote.to_str().unwrap()])
        .arg(&b.dir)
        .assert()
        .success();
    assert_eq!(a.head(), b.head());
    assert_no_leak(&env, &remote, &["ssh sealed", "ssh-sealed"]);
}

#[test]
fn sync_and_log_at_once_lose_nothing() {
    let env = TestEnv::new();
    let remote = bare(&env, &env.root.join("srv"), "journal.git");
    let (a, b) = two_machines(&env, remote.to_str().unwrap());
    for i in 0..5 {
        b.log(&[&format!("From b {i}"), "--private"]);
    }
    b.ok(&["sync"]);
    let mut sync = a
        .env
        .wol_std()
        .env("WOL_CONFIG_DIR", &a.config)
        .arg("--journal")
        .arg(&a.dir)
        .args(["sync", "-q"])
        .spawn()
        .unwrap();
    let mut logged = Vec::new();
    for i in 0..5 {
        logged.push(a.log(&[&format!("From a {i}"), "--private"]));
    }
    assert!(sync.wait().unwrap().success());
    a.ok(&["sync"]);
    b.ok(&["sync"]);
    assert_eq!(a.head(), b.head());
    let files = b.git(&["ls-files", "entries"]);
    for p in logged {
        assert!(files.contains(&p), "{p} missing on b:\n{files}");
    }
    a.consistent();
    b.consistent();
}

#[test]
fn a_sync_killed_at_any_point_loses_nothing_and_leaks_nothing() {
    let env = TestEnv::new();
    let remote = bare(&env, &env.root.join("srv"), "journal.git");
    let (a, b) = two_machines(&env, remote.to_str().unwrap());
    let mut logged = Vec::new();
    for round in 0..6u64 {
        logged.push(a.log(&[&format!("Killed round {round} kiwi-ferment"), "--private"]));
        logged.push(b.log(&[&format!("Other round {round}"), "--public"]));
        b.ok(&["sync", "-q"]);
        let mut child = a
            .env
            .wol_std()
            .env("WOL_CONFIG_DIR", &a.config)
            .arg("--journal")
            .arg(&a.dir)
            .args(["sync", "-q"])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(15 * round));
        let _ = child.kill();
        let _ = child.wait();
    }
    a.ok(&["sync"]);
    b.ok(&["sync"]);
    a.ok(&["sync"]);
    assert_eq!(a.head(), b.head());
    a.consistent();
    b.consistent();
    let files = b.git(&["ls-files", "entries"]);
    for p in &logged {
        assert!(files.contains(p.as_str()), "{p} lost:\n{files}");
    }
    // No entry twice.
    assert_eq!(
        files.lines().filter(|f| f.contains("kiwi-ferment")).count(),
        6,
        "{files}"
    );
    assert_no_leak(&env, &remote, &["kiwi-ferment", "killed round"]);
}

/// A sync killed while libgit2 held one of its ref locks leaves `refs/wol/sync/*.lock`
/// behind (seen in the kill -9 test): the next sync removes such a lock, which no live
/// process holds, says so, and syncs.
#[test]
fn a_ref_lock_left_by_a_killed_sync_is_removed_by_the_next() {
    let env = TestEnv::new();
    let remote = bare(&env, &env.root.join("srv"), "journal.git");
    let (a, b) = two_machines(&env, remote.to_str().unwrap());
    b.log(&["From b", "--public"]);
    b.ok(&["sync"]);
    a.log(&["From a", "--private"]);
    let locks = a.dir.join(".git/refs/wol/sync");
    fs::create_dir_all(&locks).unwrap();
    for name in ["remote.lock", "outgoing.lock"] {
        fs::write(locks.join(name), "").unwrap();
    }
    let (_, err) = a.ok(&["sync"]);
    assert!(err.contains("remote.lock, a git lock left behind"), "{err}");
    assert!(!locks.join("remote.lock").exists());
    assert!(!locks.join("outgoing.lock").exists());
    b.ok(&["sync"]);
    assert_eq!(a.head(), b.head());
    a.consistent();
}

/// The remote moves between a sync's fetch and its push (another machine synced in
/// between): the push is refused as non-fast-forward, and the sync fetches again, merges
/// and pushes, losing neither side. The race is made exact with git daemon's access hook,
/// which runs before the daemon serves each request: before the first push it moves the
/// remote branch to a commit machine `b` synced earlier (and that was then rolled back).
#[test]
fn a_push_that_loses_a_race_is_retried_after_a_fresh_fetch() {
    let env = TestEnv::new();
    let base = env.root.join("srv");
    let remote = bare(&env, &base, "journal.git");
    let hook = env.root.join("access-hook.sh");
    let marker = env.root.join("raced");
    fs::write(
        &hook,
        format!(
            "#!/bin/sh\n\
             # git daemon: $1 is the service, $2 the repository.\n\
             if [ \"$1\" = receive-pack ] && [ -e \"{armed}\" ] && [ ! -e \"{marker}\" ]; then\n\
             \x20 touch \"{marker}\"\n\
             \x20 git -C \"$2\" update-ref refs/heads/wol-sync refs/keep/b\n\
             fi\n\
             exit 0\n",
            armed = env.root.join("armed").display(),
            marker = marker.display(),
        ),
    )
    .unwrap();
    fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let daemon = GitDaemon::start_with(&env, &base, &[format!("--access-hook={}", hook.display())]);
    let url = daemon.url("journal.git");
    let (a, b) = two_machines(&env, &url);

    // b syncs an entry; the remote is then rolled back, its commit kept aside for the hook.
    let before = env.git_in(&remote, ["rev-parse", "wol-sync"]);
    let raced = b.log(&["Raced in by b", "--public"]);
    b.ok(&["sync"]);
    env.git_in(&remote, ["update-ref", "refs/keep/b", "wol-sync"]);
    env.git_in(
        &remote,
        ["update-ref", "refs/heads/wol-sync", before.trim()],
    );

    // a fetches the rolled-back remote, then its push meets b's commit.
    let mine = a.log(&["Logged on a", "--private"]);
    fs::write(env.root.join("armed"), "").unwrap();
    let (_, err) = a.ok(&["-v", "sync"]);
    assert!(marker.exists(), "the access hook never moved the remote");
    assert!(err.contains("fetching again (attempt 2)"), "{err}");

    // Both sides are on the remote; b gets a's entry; nothing is lost.
    b.ok(&["sync"]);
    assert_eq!(a.head(), b.head());
    for files in [
        a.git(&["ls-files", "entries"]),
        b.git(&["ls-files", "entries"]),
    ] {
        assert!(files.contains(&raced), "{raced} missing:\n{files}");
        assert!(files.contains(&mine), "{mine} missing:\n{files}");
    }
    a.consistent();
    b.consistent();
}

/// The `updated` time the `wol.json` on `main` of `repo` (the only one, at the top or in a
/// member's folder) gives the entry whose path ends in `file`.
fn published_updated(env: &TestEnv, repo: &Path, file: &str) -> String {
    let files = env.git_in(repo, ["ls-tree", "-r", "--name-only", "main"]);
    let index = files
        .lines()
        .find(|f| *f == "wol.json" || f.ends_with("/wol.json"))
        .unwrap_or_else(|| panic!("no wol.json in:\n{files}"));
    let json = env.git_in(repo, ["show", &format!("main:{index}")]);
    let index: serde_json::Value = serde_json::from_str(&json).unwrap();
    let entry = index["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with(file))
        .unwrap_or_else(|| panic!("{file} is not in wol.json:\n{json}"));
    entry["updated"].as_str().unwrap().to_string()
}

/// Two machines of one journal take turns publishing to a partner added with `args`
/// (after `gig URL`): each publish is one commit on top of the other machine's.
fn publish_from_both_machines(args: &[&str]) {
    let env = TestEnv::new();
    let base = env.root.join("srv");
    let remote = bare(&env, &base, "journal.git");
    // A partner over the network that refuses anything but a fast-forward.
    let partner = bare(&env, &base, "gig.git");
    env.git_in(&partner, ["config", "receive.denyNonFastForwards", "true"]);
    let daemon = GitDaemon::start(&env, &base);
    let (a, b) = two_machines(&env, remote.to_str().unwrap());
    a.ok(&[&["partner", "add", "gig", &daemon.url("gig.git")], args].concat());
    let edited = a.log(&[
        "--date",
        "yesterday 17:00",
        "Edited after publishing",
        "--public",
    ]);
    a.log(&["Kept on a PRIVATE-A-7f3e", "--private"]);
    a.ok(&["publish"]);
    // Edited and published again: the entry's `updated` is now, no longer its date.
    let path = a.dir.join(&edited);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replace("publishing", "publishing, edited")).unwrap();
    a.git(&["commit", "-qam", "edit"]);
    a.ok(&["publish"]);
    let file = edited.rsplit('/').next().unwrap();
    let updated = published_updated(&env, &partner, file);
    assert!(updated.starts_with("2026-11-22"), "{updated}");
    let from_a = env.git_in(&partner, ["rev-parse", "main"]);
    a.ok(&["sync"]);
    b.ok(&["sync"]);

    // b has never published: it builds on what a published, one commit on top.
    let mine = b.log(&["Logged on b", "--public"]);
    b.log(&["Kept on b PRIVATE-B-91c2", "--private"]);
    let (_, err) = b.ok(&["publish"]);
    assert!(err.contains("gig: published, 3 entries"), "{err}");
    assert!(!err.contains("warning") && !err.contains("hint"), "{err}");
    let from_b = env.git_in(&partner, ["rev-parse", "main"]);
    assert_eq!(
        env.git_in(&partner, ["rev-parse", "main^"]),
        from_a,
        "b's commit is not on top of a's"
    );
    assert_eq!(b.git(&["rev-parse", "refs/wol/published/gig"]), from_b);
    assert!(b.git(&["for-each-ref", "refs/wol/fetched"]).is_empty());
    let files = env.git_in(&partner, ["ls-tree", "-r", "--name-only", "main"]);
    assert!(files.contains(&mine) && files.contains(&edited), "{files}");
    assert_eq!(
        published_updated(&env, &partner, file),
        updated,
        "the edited entry's `updated` time went back"
    );

    // a has not synced since: it builds on b's commit too, and says what it leaves out.
    a.log(&["Second on a", "--public"]);
    let (_, err) = a.ok(&["publish"]);
    assert!(
        err.contains("gig: 1 entry it had is not in what it gets now"),
        "{err}"
    );
    assert!(
        err.contains("or published from another machine of this journal and not synced"),
        "{err}"
    );
    assert_eq!(env.git_in(&partner, ["rev-parse", "main^"]), from_b);
    // Synced with b, it publishes everything again, quietly.
    b.ok(&["sync"]);
    a.ok(&["sync"]);
    let (_, err) = a.ok(&["publish"]);
    assert!(err.contains("gig: published, 4 entries"), "{err}");
    assert!(!err.contains("warning"), "{err}");
    let files = env.git_in(&partner, ["ls-tree", "-r", "--name-only", "main"]);
    assert!(files.contains(&mine), "{files}");
    assert_eq!(
        env.git_in(&partner, ["rev-list", "--count", "main"]).trim(),
        "5"
    );
    assert_no_leak(&env, &partner, &["private-a-7f3e", "private-b-91c2"]);
    a.consistent();
    b.consistent();
}

#[test]
fn either_machine_publishes_on_top_of_what_the_other_published() {
    publish_from_both_machines(&[]);
}

#[test]
fn either_machine_publishes_its_folder_of_a_community_repo() {
    publish_from_both_machines(&["--mode", "shared"]);
}

/// An `add-recipient` whose push fails (the remote refuses it here; a crash or a lost
/// connection is the same) has committed the new key: the next `wol sync` seals the whole
/// history anew for it, so the new machine opens the entries written before it came.
#[test]
fn an_add_recipient_cut_short_is_finished_by_the_next_sync() {
    let env = TestEnv::new();
    let (_, refuse, _daemon, url) = refusing_remote(&env);
    let (a, _b) = two_machines(&env, &url);
    let old = a.log(&["Written before c came", "--private"]);
    a.ok(&["sync"]);
    let c = Machine::new(&env, "c");
    let _ = c
        .bare_wol()
        .args(["sync", "clone", &url])
        .arg(&c.dir)
        .output();

    fs::write(&refuse, "").unwrap();
    let out = a
        .wol()
        .args(["sync", "add-recipient", &c.public_key()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not sealed for it yet"),
        "{}",
        stderr(&out)
    );
    fs::remove_file(&refuse).unwrap();
    let (_, err) = a.ok(&["sync"]);
    assert!(
        err.contains("finishing sealing the whole history anew"),
        "{err}"
    );
    // Done once: the next sync has nothing to do.
    let (_, err) = a.ok(&["sync"]);
    assert_eq!(err.trim(), "sync: 0 in, 0 out", "{err}");

    c.bare_wol()
        .args(["sync", "clone", &url])
        .arg(&c.dir)
        .assert()
        .success();
    assert!(c.git(&["ls-files", "entries"]).contains(old.as_str()));
    assert_eq!(c.head(), a.head());
}
