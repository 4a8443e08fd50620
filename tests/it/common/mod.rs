//! The sealed world every integration test runs in.
//!
//! A [`TestEnv`] owns a temp dir with its own HOME and XDG dirs, a `journal/`
//! path, and a fake `$EDITOR` script; every `wol` and `git` process it starts gets
//! a cleared environment, so neither the developer's git config nor their real
//! journal can leak in (the habit of jj's `cli/tests/common/test_environment.rs`).
//! Time is fixed with `WOL_NOW` and the author with `WOL_AUTHOR`.

use std::ffi::OsStr;
use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// "Now" for every test unless a test overrides it: a Sunday, 14:32 in Vienna.
pub const NOW: &str = "2026-11-22T14:32:05+01:00";
/// The author every entry gets unless a test overrides it.
pub const AUTHOR: &str = "Test Author";
/// The kinds a fresh journal allows (DESIGN.md).
pub const DEFAULT_KINDS: [&str; 5] = ["progress", "learning", "help", "decision", "credit"];

/// How long one `wol` run may take before the test calls it hung.
const WOL_TIMEOUT: Duration = Duration::from_secs(120);

pub struct TestEnv {
    _tmp: tempfile::TempDir,
    /// The temp root; also the cwd of every `wol` run unless a test sets another.
    pub root: PathBuf,
    pub home: PathBuf,
    pub xdg_config: PathBuf,
    pub xdg_data: PathBuf,
    pub xdg_cache: PathBuf,
    /// Where the test's journal lives (not created until `init_journal`).
    pub journal: PathBuf,
    /// The fake editor script `$EDITOR` points at; rewrite it with `fake_editor`.
    pub editor: PathBuf,
    now: Option<String>,
    author: Option<String>,
}

impl TestEnv {
    pub fn new() -> Self {
        let tmp = tempfile::Builder::new()
            .prefix("wol-it-")
            .tempdir()
            .expect("create temp dir");
        // Canonical, so paths wol prints compare equal to ours.
        let root = tmp.path().canonicalize().expect("canonicalize temp dir");
        let home = root.join("home");
        let xdg_config = root.join("xdg_config");
        let xdg_data = root.join("xdg_data");
        let xdg_cache = root.join("xdg_cache");
        for dir in [&home, &xdg_config, &xdg_data, &xdg_cache, &root.join("bin")] {
            fs::create_dir_all(dir).expect("create sealed dir");
        }
        let env = TestEnv {
            journal: root.join("journal"),
            editor: root.join("bin").join("editor.sh"),
            _tmp: tmp,
            root,
            home,
            xdg_config,
            xdg_data,
            xdg_cache,
            now: Some(NOW.to_owned()),
            author: Some(AUTHOR.to_owned()),
        };
        // By default the editor changes nothing (an untouched template).
        env.fake_editor("exit 0");
        env
    }

    /// Overrides `WOL_NOW` for every later run; `None` leaves it unset.
    pub fn with_now(mut self, now: Option<&str>) -> Self {
        self.now = now.map(str::to_owned);
        self
    }

    /// Overrides `WOL_AUTHOR` for every later run; `None` leaves it unset.
    pub fn with_author(mut self, author: Option<&str>) -> Self {
        self.author = author.map(str::to_owned);
        self
    }

    /// The sealed environment shared by `wol` and `git` processes.
    fn seal(&self, cmd: &mut StdCommand) {
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", &self.xdg_config)
            .env("XDG_DATA_HOME", &self.xdg_data)
            .env("XDG_CACHE_HOME", &self.xdg_cache)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("TZ", "UTC")
            .env("LANG", "C.UTF-8")
            // A publish that would take its last build builds anyway, and fails if that
            // made anything else: every test that publishes twice checks it.
            .env("WOL_CHECK_REUSE", "1");
    }

    /// Any program in the sealed world, with wol's clock and author set (for a shell
    /// script that runs wol and git itself).
    pub fn sealed(&self, program: impl AsRef<OsStr>) -> StdCommand {
        let mut cmd = StdCommand::new(program);
        self.seal(&mut cmd);
        if let Some(now) = &self.now {
            cmd.env("WOL_NOW", now);
        }
        if let Some(author) = &self.author {
            cmd.env("WOL_AUTHOR", author);
        }
        cmd.current_dir(&self.root).stdin(Stdio::null());
        cmd
    }

    /// A `std::process::Command` for `wol` in the sealed world (for tests that
    /// need to spawn, pipe or kill it). stdin is `/dev/null`: no TTY.
    pub fn wol_std(&self) -> StdCommand {
        let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_wol"));
        self.seal(&mut cmd);
        if let Some(now) = &self.now {
            cmd.env("WOL_NOW", now);
        }
        if let Some(author) = &self.author {
            cmd.env("WOL_AUTHOR", author);
        }
        cmd.env("EDITOR", &self.editor);
        cmd.current_dir(&self.root);
        cmd.stdin(Stdio::null());
        cmd
    }

    /// `wol` in the sealed world, cwd = the temp root (outside any journal).
    /// stdin is an empty pipe unless the test writes to it: never a TTY.
    pub fn wol(&self) -> Command {
        let mut cmd = Command::from_std(self.wol_std());
        cmd.timeout(WOL_TIMEOUT);
        cmd
    }

    /// `wol --journal <journal>`.
    pub fn wol_j(&self) -> Command {
        let mut cmd = self.wol();
        cmd.arg("--journal").arg(&self.journal);
        cmd
    }

    /// `wol init <journal>`, asserting success.
    pub fn init_journal(&self) {
        self.wol().arg("init").arg(&self.journal).assert().success();
        assert!(
            self.journal.join("wol.toml").is_file(),
            "wol init wrote no wol.toml"
        );
    }

    /// Runs `wol --journal <journal> log ARGS`, asserts success, and returns the
    /// entry's path relative to the journal (from the absolute path on stdout).
    #[track_caller]
    pub fn log(&self, args: &[&str]) -> PathBuf {
        let out = self
            .wol_j()
            .arg("log")
            .args(args)
            .output()
            .expect("run wol log");
        self.entry_path_from(&out)
    }

    /// A bare repository `<root>/<name>.git`, added as the partner `name`.
    pub fn bare_partner(&self, name: &str) -> PathBuf {
        self.git_in(
            &self.root,
            ["init", "-q", "--bare", "-b", "main", &format!("{name}.git")],
        );
        let bare = self.root.join(format!("{name}.git"));
        self.wol_j()
            .args(["partner", "add", name, bare.to_str().unwrap()])
            .assert()
            .success();
        bare
    }

    /// `wol log - < FILE` (how a kept draft is added again), asserting success; returns
    /// the entry's path relative to the journal.
    #[track_caller]
    pub fn log_file(&self, file: &Path) -> PathBuf {
        let out = self
            .wol_j()
            .args(["log", "-"])
            .write_stdin(std::fs::read(file).expect("read the draft"))
            .output()
            .expect("run wol log -");
        self.entry_path_from(&out)
    }

    /// The entry path printed by a successful `wol log`, relative to the journal.
    #[track_caller]
    pub fn entry_path_from(&self, out: &Output) -> PathBuf {
        assert!(
            out.status.success(),
            "wol log failed ({}):\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8");
        let printed = PathBuf::from(stdout.trim());
        assert!(
            printed.is_absolute(),
            "wol log should print the absolute path of the entry, printed {stdout:?}"
        );
        assert!(
            printed.is_file(),
            "printed entry path does not exist: {}",
            printed.display()
        );
        printed
            .strip_prefix(&self.journal)
            .unwrap_or_else(|_| panic!("{} is not inside the journal", printed.display()))
            .to_path_buf()
    }

    /// The text of a file in the journal.
    #[track_caller]
    pub fn read(&self, rel: impl AsRef<Path>) -> String {
        let path = self.journal.join(rel.as_ref());
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    /// Writes a file in the journal, creating its folders.
    pub fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) {
        let path = self.journal.join(rel.as_ref());
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, contents).unwrap();
    }

    /// A `git` command run in `dir` with the sealed environment and a fixed
    /// identity for the commits the tests themselves make.
    pub fn git_cmd_in(&self, dir: &Path) -> StdCommand {
        let mut cmd = StdCommand::new("git");
        self.seal(&mut cmd);
        cmd.env("GIT_AUTHOR_NAME", "Git CLI")
            .env("GIT_AUTHOR_EMAIL", "cli@example.invalid")
            .env("GIT_COMMITTER_NAME", "Git CLI")
            .env("GIT_COMMITTER_EMAIL", "cli@example.invalid")
            .current_dir(dir)
            .stdin(Stdio::null());
        cmd
    }

    /// Runs git in `dir`, asserts success, returns stdout.
    #[track_caller]
    pub fn git_in<I, S>(&self, dir: &Path, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let out = self.git_cmd_in(dir).args(&args).output().expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs git in the journal, asserts success, returns stdout.
    #[track_caller]
    pub fn git<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.git_in(&self.journal, args)
    }

    /// `git status --porcelain --untracked-files=all` in the journal.
    pub fn git_status(&self) -> String {
        self.git(["status", "--porcelain", "--untracked-files=all"])
    }

    /// Asserts HEAD, index and work tree agree: `git status --porcelain` is empty.
    #[track_caller]
    pub fn git_status_clean(&self) {
        let status = self.git_status();
        assert!(status.is_empty(), "git status is not clean:\n{status}");
    }

    /// Asserts `git fsck --strict` finds nothing wrong.
    #[track_caller]
    pub fn git_fsck_clean(&self) {
        let out = self
            .git_cmd_in(&self.journal)
            .args(["fsck", "--strict", "--full", "--no-progress"])
            .output()
            .expect("run git fsck");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "git fsck failed ({}):\n{text}",
            out.status
        );
        for bad in ["error", "missing", "broken", "bad ", "warning"] {
            assert!(!text.contains(bad), "git fsck reports {bad:?}:\n{text}");
        }
    }

    /// Status clean and fsck clean: what must hold after every write.
    #[track_caller]
    pub fn assert_consistent(&self) {
        self.git_status_clean();
        self.git_fsck_clean();
    }

    /// Number of commits reachable from HEAD.
    #[track_caller]
    pub fn commit_count(&self) -> usize {
        self.git(["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .expect("commit count")
    }

    /// Subject of HEAD's commit.
    #[track_caller]
    pub fn head_subject(&self) -> String {
        self.git(["log", "-1", "--format=%s"]).trim().to_owned()
    }

    /// Author name of HEAD's commit.
    #[track_caller]
    pub fn head_author(&self) -> String {
        self.git(["log", "-1", "--format=%an"]).trim().to_owned()
    }

    /// All commit subjects, newest first.
    pub fn subjects(&self) -> Vec<String> {
        self.git(["log", "--format=%s"])
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Files tracked in HEAD (`git ls-tree -r --name-only HEAD`).
    pub fn head_files(&self) -> Vec<String> {
        self.git(["ls-tree", "-r", "--name-only", "HEAD"])
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Every file under `<journal>/entries`, relative to the journal, sorted.
    pub fn entry_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        walk(&self.journal.join("entries"), &mut files);
        let mut rel: Vec<PathBuf> = files
            .into_iter()
            .map(|p| p.strip_prefix(&self.journal).unwrap().to_path_buf())
            .collect();
        rel.sort();
        rel
    }

    /// Every file under `<journal>/.wol/drafts`, absolute, sorted.
    pub fn draft_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        walk(&self.journal.join(".wol").join("drafts"), &mut files);
        files.sort();
        files
    }

    /// Runs `wol --journal <journal> ARGS`, asserts that it fails with exit code 1 and
    /// that stderr contains `needle`; returns stderr. For any other run (another
    /// journal, no `--journal`, stdin, extra env vars) see [`fails_with`].
    #[track_caller]
    pub fn fails(&self, args: &[&str], needle: &str) -> String {
        stderr(&fails_with(self.wol_j().args(args), 1, needle))
    }

    /// Makes `$EDITOR` a shell script with this body; the draft path is `$1`.
    /// E.g. `printf 'Title\n\nBody\n' > "$1"`, `exit 3`, `sleep 30`.
    pub fn fake_editor(&self, body: &str) {
        // Written under a fresh name and renamed into place, so a run never
        // sees a half-written script.
        let tmp = self.editor.with_extension("tmp");
        fs::write(&tmp, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755)).unwrap();
        fs::rename(&tmp, &self.editor).unwrap();
    }

    /// Makes `$EDITOR` do what a terminal does when the person presses Ctrl-C, then
    /// `Ctrl-\`, in vim: SIGINT and SIGQUIT to the whole foreground process group, which
    /// the editor takes as keys, going on. Then it runs `then` (the draft is `$1`). Run
    /// wol with [`TestEnv::wol_j_in_own_group`], so that no other process gets them.
    pub fn fake_editor_pressing_ctrl_c(&self, then: &str) {
        self.fake_editor(&format!(
            "grep '^SigIgn:' /proc/$$/status > '{mask}'\n\
             trap '' INT QUIT\n\
             kill -INT 0\n\
             kill -QUIT 0\n\
             {then}",
            mask = self.root.join("editor-sigign").display(),
        ));
    }

    /// Asserts that the editor [`TestEnv::fake_editor_pressing_ctrl_c`] made was started
    /// with SIGINT and SIGQUIT not ignored (unless this test process ignores them too):
    /// wol may ignore them while the editor runs, the editor must get them.
    #[track_caller]
    pub fn assert_editor_started_with_ctrl_c_not_ignored(&self) {
        let mask = |status: &str| -> u64 {
            let line = status.lines().find(|l| l.starts_with("SigIgn:")).unwrap();
            u64::from_str_radix(line["SigIgn:".len()..].trim(), 16).unwrap()
        };
        let editor = mask(&fs::read_to_string(self.root.join("editor-sigign")).unwrap());
        let ours = mask(&fs::read_to_string("/proc/self/status").unwrap());
        // Bit n-1 is signal n: SIGINT is 2, SIGQUIT 3.
        let int_quit = 0b110;
        assert_eq!(
            editor & int_quit & !ours,
            0,
            "the editor was started with SIGINT or SIGQUIT ignored (SigIgn {editor:x})"
        );
    }

    /// Runs `wol --journal <journal> ARGS` as the leader of a process group of its own,
    /// as a shell runs a foreground job: a signal its editor sends to its group reaches
    /// wol, its shell and its editor, and no other process of the test run.
    pub fn wol_j_in_own_group(&self, args: &[&str]) -> Output {
        use std::os::unix::process::CommandExt as _;
        let mut cmd = self.wol_std();
        cmd.arg("--journal")
            .arg(&self.journal)
            .args(args)
            .process_group(0);
        cmd.output().expect("run wol")
    }

    /// Writes the user config `$XDG_CONFIG_HOME/wol/config.toml`.
    pub fn user_config(&self, toml: &str) {
        let dir = self.xdg_config.join("wol");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("config.toml"), toml).unwrap();
    }

    /// Copies the repository's sample journal `examples/journal/` into the
    /// journal dir, runs `wol init` (which keeps its wol.toml) and commits the
    /// sample entries with the git CLI.
    #[track_caller]
    pub fn copy_examples_journal(&self) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join("journal");
        assert!(
            src.join("wol.toml").is_file(),
            "the sample journal {} (with a wol.toml) is missing",
            src.display()
        );
        copy_dir(&src, &self.journal);
        self.init_journal();
        self.git(["add", "-A"]);
        if !self.git(["status", "--porcelain"]).is_empty() {
            self.git(["commit", "-q", "-m", "import the sample journal"]);
        }
        self.git_status_clean();
    }

    /// Ids (file stems) printed by `wol list --json ARGS`, in order.
    #[track_caller]
    pub fn list_ids(&self, args: &[&str]) -> Vec<String> {
        ids(&self.json(&["list"], args))
    }

    /// Runs `wol --journal J <cmd> --json ARGS`, asserts success, parses stdout.
    #[track_caller]
    pub fn json(&self, cmd: &[&str], args: &[&str]) -> serde_json::Value {
        let out = self
            .wol_j()
            .args(cmd)
            .arg("--json")
            .args(args)
            .output()
            .expect("run wol");
        assert!(
            out.status.success(),
            "wol {cmd:?} --json {args:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "wol {cmd:?} --json printed no valid JSON ({e}):\n{}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }
}

/// The `id` fields of a JSON array of entry objects.
#[track_caller]
pub fn ids(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected a JSON array, got {value}"))
        .iter()
        .map(|e| {
            e["id"]
                .as_str()
                .unwrap_or_else(|| panic!("entry without id: {e}"))
                .to_owned()
        })
        .collect()
}

/// Runs `cmd` (a `wol` the test has set up itself: another journal, no `--journal`,
/// stdin, extra env vars), asserts that it exits with `code` and that stderr contains
/// `needle`; returns the whole output, for the checks on stdout that often follow.
/// The common case, `wol --journal <journal> ARGS` and exit 1, is [`TestEnv::fails`].
#[track_caller]
pub fn fails_with(cmd: &mut Command, code: i32, needle: &str) -> Output {
    let out = cmd.output().expect("run wol");
    let args: Vec<_> = cmd.get_args().map(|a| a.to_string_lossy()).collect();
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "wol {args:?} should fail with exit {code}:\nstdout: {}\nstderr: {err}",
        stdout(&out)
    );
    assert!(
        err.contains(needle),
        "wol {args:?}: stderr lacks {needle:?}:\n{err}"
    );
    out
}

/// stdout of a finished command as a String.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr of a finished command as a String.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The file stem of an entry path: its id.
pub fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// A well-formed entry file in the DESIGN.md format, as a person would write it.
pub fn entry_text(
    title: &str,
    date: &str,
    kind: &str,
    tags: &[&str],
    visibility: &str,
    author: &str,
    body: &str,
) -> String {
    let tags: Vec<String> = tags.iter().map(|t| format!("{t:?}")).collect();
    format!(
        "+++\ntitle = {title:?}\ndate = {date}\nkind = {kind:?}\ntags = [{}]\n\
         visibility = {visibility:?}\nauthor = {author:?}\n+++\n\n{body}",
        tags.join(", ")
    )
}

/// Finds a path under `.wol/drafts/` named in `text` (an error message) and
/// resolves it against the journal if it is relative.
pub fn draft_path_in(text: &str, journal: &Path) -> Option<PathBuf> {
    let start = text.find(".wol/drafts/")?;
    // Walk back to the start of the path token, forward to its end.
    let begin = text[..start]
        .rfind(|c: char| c.is_whitespace() || "'\"`(".contains(c))
        .map_or(0, |i| i + 1);
    let end = text[start..]
        .find(|c: char| c.is_whitespace() || "'\"`)".contains(c))
        .map_or(text.len(), |i| start + i);
    let token = text[begin..end].trim_end_matches([':', ',', '.', ';']);
    let path = PathBuf::from(token);
    Some(if path.is_absolute() {
        path
    } else {
        journal.join(path)
    })
}

/// Polls `cond` every 20 ms for at most `limit`.
pub fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = fs::read_dir(dir) else { return };
    for entry in read {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    fs::create_dir_all(dst).unwrap();
    for entry in fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == ".git" || name == ".wol" {
            continue;
        }
        let to = dst.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            fs::copy(entry.path(), &to).unwrap();
        }
    }
}

/// A `git-daemon` on 127.0.0.1 serving the repositories under a base dir, with
/// pushes enabled: a real network remote for publish tests (libgit2's local
/// transport skips the receiving side, so a path is no stand-in). Killed on drop.
#[allow(dead_code)]
pub struct GitDaemon {
    child: Child,
    port: u16,
    pub base: PathBuf,
}

#[allow(dead_code)]
impl GitDaemon {
    /// Starts the daemon serving `base` and waits (≤ 10 s) until it accepts
    /// connections.
    pub fn start(env: &TestEnv, base: &Path) -> GitDaemon {
        Self::start_with(env, base, &[])
    }

    /// [`GitDaemon::start`] with more `git daemon` arguments (an `--access-hook=…`).
    ///
    /// The port is a free one found by binding port 0 and letting it go, so another test
    /// may take it in between. Then this daemon fails to listen, and a probe that only
    /// connects would reach the other test's daemon (and the other test's `gig.git`):
    /// this one passed its pushes there until that test ended. So the daemon's own word
    /// is awaited (`--verbose` logs "Ready to rumble" once it listens), and a daemon that
    /// could not listen is started again on another port.
    pub fn start_with(env: &TestEnv, base: &Path, more: &[String]) -> GitDaemon {
        let exec_path = env.git_in(&env.root, ["--exec-path"]);
        let daemon = Path::new(exec_path.trim()).join("git-daemon");
        for attempt in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("find a free port")
                .port();
            let log_path = env.root.join(format!("git-daemon-{port}-{attempt}.log"));
            let log = fs::File::create(&log_path).expect("create the daemon's log");
            let mut cmd = StdCommand::new(&daemon);
            env.seal(&mut cmd);
            let mut child = cmd
                .args([
                    "--export-all",
                    "--enable=receive-pack",
                    "--reuseaddr",
                    "--informative-errors",
                    "--verbose",
                    "--listen=127.0.0.1",
                ])
                .arg(format!("--port={port}"))
                .arg(format!("--base-path={}", base.display()))
                .args(more)
                .current_dir(base)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", daemon.display()));
            let said = || fs::read_to_string(&log_path).unwrap_or_default();
            let up = wait_for(Duration::from_secs(10), || {
                said().contains("Ready to rumble") || matches!(child.try_wait(), Ok(Some(_)))
            });
            if let Ok(Some(status)) = child.try_wait() {
                if said().contains("unable to allocate any listen sockets") {
                    continue; // the port was taken meanwhile: another one
                }
                panic!("git-daemon exited early ({status}):\n{}", said());
            }
            if !up {
                child.kill().ok();
                child.wait().ok();
                panic!("git-daemon did not listen on 127.0.0.1:{port} within 10 s");
            }
            return GitDaemon {
                child,
                port,
                base: base.to_path_buf(),
            };
        }
        panic!("git-daemon found no free port in 5 tries");
    }

    /// `git://127.0.0.1:N/<repo>` for a repository under the base dir.
    pub fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// The harness itself: the loopback daemon takes a push and serves a clone.
#[test]
fn git_daemon_accepts_push_and_clone() {
    let env = TestEnv::new();
    let base = env.root.join("remotes");
    fs::create_dir_all(&base).unwrap();
    env.git_in(&base, ["init", "-q", "--bare", "-b", "main", "partner.git"]);
    let daemon = GitDaemon::start(&env, &base);

    let work = env.root.join("work");
    fs::create_dir_all(&work).unwrap();
    env.git_in(&work, ["init", "-q", "-b", "main"]);
    fs::write(work.join("README.md"), "hello\n").unwrap();
    env.git_in(&work, ["add", "README.md"]);
    env.git_in(&work, ["commit", "-q", "-m", "first"]);
    env.git_in(&work, ["push", "-q", &daemon.url("partner.git"), "main"]);

    let clone = env.root.join("clone");
    env.git_in(
        &env.root,
        [
            "clone",
            "-q",
            &daemon.url("partner.git"),
            clone.to_str().unwrap(),
        ],
    );
    assert_eq!(
        fs::read_to_string(clone.join("README.md")).unwrap(),
        "hello\n"
    );
}
