//! `wol doctor`: a healthy journal passes; each broken journal fails with the right line.

use std::fs;
use std::net::TcpListener;
use std::process::Output;

use crate::common::{GitDaemon, TestEnv, entry_text, stderr, stdout};

fn healthy() -> TestEnv {
    let env = TestEnv::new();
    env.init_journal();
    env.log(&["Shipped the guide", "-t", "docs"]);
    env
}

fn doctor(env: &TestEnv) -> Output {
    env.wol_j().arg("doctor").output().expect("run wol doctor")
}

/// The output line for check `name` with `status` (`ok`, `warn`, `FAIL`).
#[track_caller]
fn line<'a>(out: &'a str, status: &str, name: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(&format!("{status:<4}  {name} ")))
        .unwrap_or_else(|| panic!("no `{status} {name}` line in:\n{out}"))
}

#[track_caller]
fn assert_fails(env: &TestEnv, name: &str, says: &str) -> String {
    let out = doctor(env);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "doctor should fail:\n{text}\n{}",
        stderr(&out)
    );
    let l = line(&text, "FAIL", name);
    assert!(l.contains(says), "the {name} line should say {says:?}: {l}");
    assert!(
        l.contains(" — "),
        "the {name} line should say what to do: {l}"
    );
    assert!(stderr(&out).contains("check(s) failed"), "{}", stderr(&out));
    text
}

#[test]
fn a_healthy_journal_passes_every_check() {
    let env = healthy();
    let out = doctor(&env);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    for name in [
        "user-config",
        "config",
        "git",
        "objects",
        "lock",
        "uncommitted",
        "drafts",
        "entries",
        "layout",
        "templates",
    ] {
        line(&text, "ok", name);
    }
    assert!(text.lines().all(|l| l.starts_with("ok  ")), "{text}");

    let json = env.json(&["doctor"], &[]);
    assert_eq!(json["ok"], true);
    assert!(
        json["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "ok"),
        "{json}"
    );
}

#[test]
fn notes_filed_where_no_command_reads_them_are_named() {
    let env = healthy();
    let note = "+++\ntitle = \"Filed by hand\"\ndate = 2026-11-20T10:00:00+01:00\nkind = \"progress\"\ntags = []\nauthor = \"A\"\n+++\n\nText.\n";
    env.write("entries/misc/idea.md", note);
    env.write("entries/2026/11/2026-11-20-1000-shouting.MD", note);
    env.write("entries/2026/1/2026-01-05-0900-one-digit.md", note);
    env.write("entries/2026/11/.DS_Store", "finder\n");
    // An attachment beside its entry is read with the entry.
    let entry = env.log(&["With a file"]);
    let folder = entry.with_extension("");
    env.write(folder.join("sketch.txt"), "attached\n");
    env.git(["add", "-A"]);
    env.git(["commit", "-qm", "by hand"]);
    let out = doctor(&env);
    let text = stdout(&out);
    assert!(out.status.success(), "a warning, not a failure:\n{text}");
    let l = line(&text, "warn", "layout");
    assert!(l.contains("3 file(s) under entries/"), "{l}");
    for stray in [
        "entries/2026/1/2026-01-05-0900-one-digit.md",
        "entries/2026/11/2026-11-20-1000-shouting.MD",
        "entries/misc/idea.md",
    ] {
        assert!(text.contains(stray), "{stray} is named:\n{text}");
    }
    assert!(
        !text.contains("sketch.txt") && !text.contains(".DS_Store"),
        "{text}"
    );
}

#[test]
fn detached_head_fails_the_git_check() {
    let env = healthy();
    env.git(["checkout", "-q", "--detach"]);
    assert_fails(&env, "git", "detached");
}

#[test]
fn a_merge_under_way_fails_the_git_check() {
    let env = healthy();
    env.git(["switch", "-q", "-c", "side"]);
    env.write("notes.txt", "side\n");
    env.git(["add", "notes.txt"]);
    env.git(["commit", "-q", "-m", "side"]);
    env.git(["switch", "-q", "main"]);
    env.git(["merge", "-q", "--no-ff", "--no-commit", "side"]);
    assert_fails(&env, "git", "merge is under way");
}

#[test]
fn an_entry_whose_object_is_gone_fails_the_objects_check() {
    let env = healthy();
    let lost = env.log(&["Second entry"]);
    let lost = lost.to_str().unwrap();
    let oid = env.git(["rev-parse", &format!("HEAD:{lost}")]);
    let oid = oid.trim();
    let object = env
        .journal
        .join(".git/objects")
        .join(&oid[..2])
        .join(&oid[2..]);
    fs::remove_file(&object).expect("the entry's object is a loose file");
    let text = assert_fails(&env, "objects", &format!("(first: {lost})"));
    assert!(text.contains(&format!("      {lost}\n")), "{text}");
    assert!(text.contains("hash-object -w"), "{text}");
    // What the hint says brings it back.
    env.git(["hash-object", "-w", lost]);
    let out = doctor(&env);
    assert!(out.status.success(), "{}", stdout(&out));
}

/// `git add entries` would commit the link: doctor says to put the folder back instead,
/// and still does once the link is committed.
#[test]
fn a_symlinked_entries_folder_fails_with_a_hint_to_replace_it() {
    let env = healthy();
    let entries = env.journal.join("entries");
    let elsewhere = env.root.join("elsewhere");
    fs::rename(&entries, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &entries).unwrap();
    let replace = format!(
        "rm {0} && mv {1} {0}",
        entries.display(),
        elsewhere.display()
    );
    for committed in [false, true] {
        if committed {
            env.git(["add", "entries"]);
            env.git(["commit", "-q", "-m", "entries as a link"]);
        }
        let text = assert_fails(&env, "uncommitted", "entries is a symbolic link");
        let l = line(&text, "FAIL", "uncommitted");
        assert!(l.contains("git stores it as a link"), "{l}");
        assert!(l.contains(&replace), "{l}");
        assert!(!l.contains("git -C"), "{l}");
    }
    fs::remove_file(&entries).unwrap();
    fs::rename(&elsewhere, &entries).unwrap();
    assert_fails(&env, "uncommitted", "not committed");
    env.git(["add", "entries"]);
    env.git(["commit", "-q", "-m", "entries as a folder"]);
    let out = doctor(&env);
    assert!(out.status.success(), "{}", stdout(&out));
}

/// A `wol.toml` that is a folder still marks the journal: `wol log` inside it fails
/// naming the file, instead of filing the entry in another journal, and doctor says so.
#[test]
fn a_wol_toml_that_is_no_file_is_named_not_passed_over() {
    let env = healthy();
    std::fs::remove_file(env.journal.join("wol.toml")).unwrap();
    std::fs::create_dir(env.journal.join("wol.toml")).unwrap();
    let out = env
        .wol()
        .current_dir(&env.journal)
        .args(["log", "Meant for this journal"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("wol.toml is not a file"), "{err}");
    assert!(err.contains("mv "), "{err}");
    assert!(
        !env.xdg_data.join("wol").exists(),
        "an entry went to the default journal"
    );
    let out = env
        .wol()
        .current_dir(&env.journal)
        .arg("doctor")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("wol.toml is not a file"),
        "{}",
        stdout(&out)
    );
}

/// `.wol` that cannot be a folder stops every write command: doctor says so.
#[test]
fn a_wol_folder_that_cannot_be_made_fails_the_lock_check() {
    let env = healthy();
    let _ = std::fs::remove_dir_all(env.journal.join(".wol"));
    std::fs::write(env.journal.join(".wol"), "a file\n").unwrap();
    let out = assert_fails(&env, "lock", "is not a folder");
    assert!(out.contains("mv "), "{out}");
}

#[test]
fn a_held_lock_fails_the_lock_check() {
    let env = healthy();
    let path = env.journal.join(".wol").join("lock");
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = fs::File::create(&path).unwrap();
    file.lock().unwrap();
    assert_fails(&env, "lock", "held by another process");
    file.unlock().unwrap();
    assert!(doctor(&env).status.success());
}

#[test]
fn uncommitted_entry_files_fail_and_are_listed() {
    let env = healthy();
    let rel = "entries/2026/11/2026-11-20-0900-stray.md";
    env.write(
        rel,
        entry_text(
            "Stray",
            "2026-11-20T09:00:00+01:00",
            "progress",
            &[],
            "public",
            "Me",
            "x\n",
        ),
    );
    let text = assert_fails(&env, "uncommitted", "1 entry file(s) not committed");
    assert!(text.contains(&format!("      {rel}")), "{text}");
}

#[test]
fn leftover_drafts_warn_and_say_where() {
    let env = healthy();
    env.write(".wol/drafts/20261122-143205-1.md", "half an entry\n");
    let out = doctor(&env);
    let text = stdout(&out);
    assert!(
        out.status.success(),
        "a draft is a warning, not a failure:\n{text}"
    );
    let l = line(&text, "warn", "drafts");
    assert!(
        l.contains(&env.journal.join(".wol/drafts").display().to_string()),
        "{l}"
    );
    assert!(text.contains("20261122-143205-1.md"), "{text}");
}

#[test]
fn malformed_entries_fail_with_path_and_line() {
    let env = healthy();
    let rel = "entries/2026/11/2026-11-21-0900-broken.md";
    env.write(
        rel,
        "+++\ntitle = \"Broken\"\ndate = \"yesterday\"\nkind = \"progress\"\n+++\n\nbody\n",
    );
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "broken entry"]);
    let text = assert_fails(&env, "entries", "1 of 2 entries are malformed");
    assert!(text.contains(&format!("      {rel}:3: ")), "{text}");
}

#[test]
fn unknown_keys_in_wol_toml_fail_the_config_check() {
    let env = healthy();
    let mut toml = env.read("wol.toml");
    toml.insert_str(0, "colour = \"red\"\n");
    env.write("wol.toml", toml);
    assert_fails(&env, "config", "colour");
}

#[test]
fn an_invalid_user_config_fails_the_user_config_check() {
    let env = healthy();
    env.user_config("jornal = \"~/j\"\n");
    assert_fails(&env, "user-config", "jornal");
}

#[test]
fn a_template_that_does_not_render_fails_the_templates_check() {
    let env = healthy();
    env.write("templates/entry.md", "{% if %}\n");
    let text = assert_fails(&env, "templates", "1 template(s) do not render");
    assert!(text.contains("      templates/entry.md: line 1"), "{text}");
}

/// Three nested loops of 10,000: a trillion steps, that is for ever.
const ENDLESS: &str = "{% for i in range(10000) %}{% for j in range(10000) %}{% for k in range(10000) %}{% endfor %}{% endfor %}{% endfor %}\n";

#[test]
fn template_overrides_that_loop_for_ever_are_stopped_and_named() {
    let env = healthy();
    env.write("templates/digest.md", ENDLESS);
    // Included by the index, month and tag pages: the error names it, not the page.
    env.write("templates/site/list.html", ENDLESS);
    let text = assert_fails(&env, "templates", "2 template(s) do not render");
    for name in ["digest.md", "site/list.html"] {
        assert!(
            text.contains(&format!(
                "      templates/{name} did too much work (a loop that does not end?): wol stopped it at line 1"
            )),
            "{text}"
        );
    }
    let err = env.fails(
        &["digest", "--week", "this"],
        "error: templates/digest.md did too much work (a loop that does not end?)",
    );
    assert!(
        err.contains("hint: fix or remove the override templates/digest.md"),
        "{err}"
    );
}

fn add_partner(env: &TestEnv, name: &str, url: &str) {
    let mut toml = env.read("wol.toml");
    toml.push_str(&format!("\n[partners.{name}]\nurl = {url:?}\n"));
    env.write("wol.toml", toml);
}

fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_reachable_partner_passes() {
    let env = healthy();
    let base = env.root.join("remotes");
    fs::create_dir_all(&base).unwrap();
    env.git_in(&base, ["init", "-q", "--bare", "-b", "main", "gig.git"]);
    let daemon = GitDaemon::start(&env, &base);
    add_partner(&env, "gig", &daemon.url("gig.git"));
    env.git_in(&base, ["init", "-q", "--bare", "-b", "main", "local.git"]);
    add_partner(&env, "local", base.join("local.git").to_str().unwrap());
    let out = doctor(&env);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        line(&text, "ok", "partner gig").contains("answers"),
        "{text}"
    );
    line(&text, "ok", "partner gig credentials");
    assert!(
        line(&text, "ok", "partner local").contains("bare repository"),
        "{text}"
    );
}

#[test]
fn doctor_suggests_a_site_address_for_a_partner_without_one() {
    let env = healthy();
    env.git_in(&env.root, ["init", "-q", "--bare", "-b", "main", "p.git"]);
    let bare = env.root.join("p.git");
    add_partner(&env, "plain", bare.to_str().unwrap());
    let out = doctor(&env);
    let text = stdout(&out);
    // A hint, not a failure: the exit code stays 0.
    assert!(out.status.success(), "{text}");
    let hint = line(&text, "hint", "partner plain site");
    assert!(hint.contains("no site address"), "{hint}");
    assert!(
        hint.contains("site = \"https://…/\" under [partners.plain]"),
        "{hint}"
    );
    // No advice to run a command that refuses an existing partner.
    assert!(!hint.contains("partner add"), "{hint}");
    let json = env.json(&["doctor"], &[]);
    assert_eq!(json["ok"], true);
    let check = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "partner plain site")
        .unwrap();
    assert_eq!(check["status"], "hint", "{check}");

    // With an address, the check names it.
    env.wol_j()
        .args(["partner", "rm", "plain"])
        .assert()
        .success();
    env.wol_j()
        .args([
            "partner",
            "add",
            "plain",
            bare.to_str().unwrap(),
            "--site",
            "https://plain.example.org/log/",
        ])
        .assert()
        .success();
    let text = stdout(&doctor(&env));
    assert!(
        line(&text, "ok", "partner plain site")
            .contains("pages served at https://plain.example.org/log/"),
        "{text}"
    );
}

#[test]
fn an_unreachable_partner_fails() {
    let env = healthy();
    add_partner(
        &env,
        "gig",
        &format!("git://127.0.0.1:{}/gig.git", closed_port()),
    );
    assert_fails(&env, "partner gig", "cannot reach");
}

#[test]
fn a_partner_url_that_does_not_parse_fails() {
    let env = healthy();
    add_partner(&env, "gig", "https://exa mple.org/x.git");
    assert_fails(&env, "partner gig", "not a valid URL");
}

#[test]
fn a_missing_local_partner_repository_fails() {
    let env = healthy();
    add_partner(
        &env,
        "backup",
        env.root.join("nowhere.git").to_str().unwrap(),
    );
    assert_fails(&env, "partner backup", "no bare git repository");
}

#[test]
fn missing_ssh_credentials_fail_and_a_token_is_never_printed() {
    let env = healthy();
    let port = closed_port();
    add_partner(&env, "gig", &format!("ssh://git@127.0.0.1:{port}/gig.git"));
    assert_fails(&env, "partner gig credentials", "no ssh-agent");

    // HTTPS with a token: the check names the variable, never its value.
    let env = healthy();
    add_partner(&env, "web", &format!("https://127.0.0.1:{port}/web.git"));
    assert_fails(&env, "partner web credentials", "no WOL_GIT_TOKEN");
    let out = env
        .wol_j()
        .arg("doctor")
        .env("WOL_GIT_TOKEN", "s3cr3t-t0ken-value")
        .output()
        .unwrap();
    let text = stdout(&out);
    line(&text, "ok", "partner web credentials");
    assert!(
        !text.contains("s3cr3t") && !stderr(&out).contains("s3cr3t"),
        "token printed:\n{text}"
    );
}

#[test]
fn doctor_json_reports_failures_and_exits_1() {
    let env = healthy();
    env.git(["checkout", "-q", "--detach"]);
    let out = env.wol_j().args(["doctor", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["ok"], false);
    let git = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "git")
        .unwrap();
    assert_eq!(git["status"], "fail");
    assert!(git["fix"].as_str().unwrap().contains("git -C"));
}

#[test]
fn a_directory_without_a_journal_fails() {
    let env = TestEnv::new();
    fs::create_dir_all(&env.journal).unwrap();
    assert_fails(&env, "journal", "not a wol journal");
}

#[test]
fn sync_checks_the_remote_this_machines_key_and_that_it_is_a_recipient() {
    let env = healthy();
    let remote = env.root.join("sync.git");
    env.git_in(&env.root, ["init", "-q", "--bare", "sync.git"]);
    env.wol_j()
        .args(["sync", "init", remote.to_str().unwrap()])
        .assert()
        .success();
    let out = doctor(&env);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", stderr(&out));
    assert!(
        line(&text, "ok", "sync").contains("bare repository"),
        "{text}"
    );
    assert!(
        line(&text, "ok", "sync key").contains("is a recipient"),
        "{text}"
    );

    // The key file readable by others: a warning that says how to fix it.
    let identity = env.xdg_config.join("wol/identity.txt");
    let mode = |m| {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(&identity, fs::Permissions::from_mode(m)).unwrap();
    };
    mode(0o644);
    let text = stdout(&doctor(&env));
    assert!(
        line(&text, "warn", "sync key").contains("chmod 600"),
        "{text}"
    );
    mode(0o600);

    // This machine's key is not among the recipients.
    let toml = env.read("wol.toml");
    let stranger = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
    let start = toml.find("recipients = [").expect("recipients in wol.toml");
    let end = start + toml[start..].find(']').unwrap() + 1;
    env.write(
        "wol.toml",
        format!(
            "{}recipients = [\"{stranger}\"]{}",
            &toml[..start],
            &toml[end..]
        ),
    );
    let text = assert_fails(&env, "sync key", "is a recipient of this journal");
    assert!(
        line(&text, "FAIL", "sync key").contains("wol sync add-recipient age1"),
        "{text}"
    );
    env.write("wol.toml", &toml);

    // No key at all, and the remote gone.
    fs::remove_file(&identity).unwrap();
    assert_fails(&env, "sync key", "no key to open sealed files");
    fs::remove_dir_all(&remote).unwrap();
    assert_fails(&env, "sync", "no bare git repository");
}

/// On a fresh machine doctor's advice names the default journal's path, so running it as
/// written from any folder makes that journal (not a journal of the current folder).
#[test]
fn doctor_on_a_fresh_machine_says_how_to_make_the_default_journal() {
    let env = TestEnv::new();
    let out = env
        .wol()
        .arg("doctor")
        .current_dir(&env.home)
        .output()
        .unwrap();
    let text = stdout(&out);
    let l = line(&text, "warn", "journal");
    let default = env.xdg_data.join("wol/journal");
    let command = format!("wol init {}", default.display());
    assert!(l.contains(&command), "{l}");
    env.wol()
        .current_dir(&env.home)
        .args(command.split(' ').skip(1))
        .assert()
        .success();
    assert!(default.join("wol.toml").is_file());
    assert!(!env.home.join("wol.toml").exists(), "HOME became a journal");
}
