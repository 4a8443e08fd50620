//! `wol gc` and the packing wol does by itself: every loose object goes into a pack, none
//! is lost or changed (git reads the same objects, byte for byte, and `git fsck` is
//! clean), and it happens past git's own `gc.auto`, in the foreground or detached.

use std::fs;
use std::path::Path;
use std::time::Duration;

use crate::common::{TestEnv, stderr, wait_for};

/// The loose object files under `.git/objects/`.
fn loose(env: &TestEnv) -> Vec<String> {
    let objects = env.journal.join(".git/objects");
    let mut found = Vec::new();
    for dir in fs::read_dir(&objects).unwrap() {
        let dir = dir.unwrap();
        let fan = dir.file_name().to_string_lossy().into_owned();
        if fan.len() != 2 {
            continue;
        }
        for file in fs::read_dir(dir.path()).unwrap() {
            found.push(format!(
                "{fan}{}",
                file.unwrap().file_name().to_string_lossy()
            ));
        }
    }
    found.sort();
    found
}

/// Every object git finds, with its kind and size, then every object's content: what
/// must read the same before and after packing.
fn all_objects(env: &TestEnv) -> (String, Vec<u8>) {
    let list = env.git(["cat-file", "--batch-all-objects", "--batch-check"]);
    let contents = env
        .git_cmd_in(&env.journal)
        .args(["cat-file", "--batch-all-objects", "--batch"])
        .output()
        .unwrap();
    assert!(contents.status.success());
    (list, contents.stdout)
}

/// A journal with commits, published pages and an annotated tag: every kind of object.
fn journal_with_history() -> TestEnv {
    let env = TestEnv::new();
    env.init_journal();
    for n in 0..5 {
        env.log(&[&format!("Worked on part {n}"), "-t", "gc", "--public"]);
    }
    let bare = env.bare_partner("gig");
    assert!(bare.is_dir());
    env.wol_j().arg("publish").assert().success();
    env.git(["tag", "-a", "v1", "-m", "a tag object"]);
    env
}

#[test]
fn gc_packs_every_loose_object_and_changes_none() {
    let env = journal_with_history();
    let before_loose = loose(&env);
    assert!(before_loose.len() > 50, "{before_loose:?}");
    let before = all_objects(&env);
    assert!(before.0.contains(" tag ") && before.0.contains(" commit "));

    let out = env.wol_j().arg("gc").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "packed {} loose git objects (",
            before_loose.len()
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(loose(&env), Vec::<String>::new());
    assert!(
        before == all_objects(&env),
        "the objects read differently once packed"
    );
    env.assert_consistent();
    // git checks the new pack through and through.
    for pack in fs::read_dir(env.journal.join(".git/objects/pack")).unwrap() {
        let path = pack.unwrap().path();
        if path.extension().is_some_and(|e| e == "idx") {
            env.git(["verify-pack", path.to_str().unwrap()]);
        }
    }

    // wol reads what it packed: a new entry, the list, and a publish of them all.
    env.log(&["After the packing", "--public"]);
    env.wol_j().arg("publish").assert().success();
    let list = env.wol_j().arg("list").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&list.stdout).lines().count(),
        6,
        "{}",
        String::from_utf8_lossy(&list.stdout)
    );
    env.assert_consistent();

    // Only what is loose is packed again; none is nothing to do.
    let out = env.wol_j().arg("gc").output().unwrap();
    assert!(stderr(&out).contains("packed"), "{}", stderr(&out));
    let out = env.wol_j().arg("gc").output().unwrap();
    assert!(
        stderr(&out).contains("no loose git objects: nothing to pack"),
        "{}",
        stderr(&out)
    );
    env.assert_consistent();
}

/// Write `count` loose blobs whose ids start with `17`, the folder git counts loose
/// objects by (a 256th of them), so the count is over any `gc.auto` wanted.
fn loose_blobs_in_17(env: &TestEnv, count: usize, salt: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut n = 0u64;
    while ids.len() < count {
        let text = format!("{salt} {n}\n");
        n += 1;
        let id = git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes()).unwrap();
        if !id.to_string().starts_with("17") {
            continue;
        }
        let file = env.root.join("blob.txt");
        fs::write(&file, &text).unwrap();
        let written = env.git(["hash-object", "-w", file.to_str().unwrap()]);
        assert_eq!(written.trim(), id.to_string());
        ids.push(id.to_string());
    }
    ids
}

/// The command whose output is `out` said it packed the loose objects itself.
fn assert_packed_in_foreground(out: &std::process::Output) {
    assert!(
        stderr(out).contains("packing the journal's loose git objects (wol gc)"),
        "{}",
        stderr(out)
    );
}

fn is_loose(env: &TestEnv, id: &str) -> bool {
    env.journal
        .join(".git/objects")
        .join(&id[..2])
        .join(&id[2..])
        .exists()
}

/// How many loose objects folder 17 holds.
fn in_17(env: &TestEnv) -> usize {
    loose(env).iter().filter(|id| id.starts_with("17")).count()
}

/// Loose blobs in folder 17 until it holds `count` (the commands' own objects land there
/// too, now and then).
fn fill_17_to(env: &TestEnv, count: usize, salt: &str) -> Vec<String> {
    let have = in_17(env);
    assert!(have <= count, "folder 17 holds {have} already");
    let added = loose_blobs_in_17(env, count - have, salt);
    assert_eq!(in_17(env), count);
    added
}

#[test]
fn a_command_packs_past_gc_auto_as_git_would_and_not_before() {
    let env = TestEnv::new();
    env.init_journal();
    // 768: more than three loose objects in folder 17 is too many.
    env.git(["config", "gc.auto", "768"]);
    env.git(["config", "gc.autoDetach", "false"]);

    // Three are not too many; four are (`gc --auto` writes nothing itself, so the count
    // is exactly the test's).
    let three = fill_17_to(&env, 3, "three");
    let out = env.wol_j().args(["gc", "--auto"]).output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        stderr(&out)
    );
    assert!(three.iter().all(|id| is_loose(&env, id)));
    let four = fill_17_to(&env, 4, "four");
    env.wol_j().args(["gc", "--auto"]).assert().success();
    assert_eq!(loose(&env), Vec::<String>::new());
    for id in three.iter().chain(&four) {
        assert_eq!(env.git(["cat-file", "-t", id]).trim(), "blob");
    }

    // Off: never.
    env.git(["config", "gc.auto", "0"]);
    let off = fill_17_to(&env, 5, "off");
    let out = env.wol_j().args(["log", "First"]).output().unwrap();
    assert!(!stderr(&out).contains("packing"), "{}", stderr(&out));
    assert!(off.iter().all(|id| is_loose(&env, id)));

    // After a command, in the foreground: done when `wol log` returns.
    env.git(["config", "gc.auto", "768"]);
    let out = env.wol_j().args(["log", "Second"]).output().unwrap();
    assert_packed_in_foreground(&out);
    assert_eq!(loose(&env), Vec::<String>::new());
    for id in &off {
        assert_eq!(env.git(["cat-file", "-t", id]).trim(), "blob");
    }
    env.assert_consistent();

    // Detached (git's default): done soon after.
    env.git(["config", "--unset", "gc.autoDetach"]);
    let detached = fill_17_to(&env, 5, "detached");
    let out = env.wol_j().args(["log", "Third"]).output().unwrap();
    assert!(
        stderr(&out).contains("packing the journal's loose git objects in the background"),
        "{}",
        stderr(&out)
    );
    assert!(
        wait_for(Duration::from_secs(60), || loose(&env).is_empty()),
        "still loose after a minute: {:?}",
        loose(&env)
    );
    // The lock is let go of once the packing is over.
    assert!(wait_for(Duration::from_secs(60), || {
        fs::File::open(env.journal.join(".git/wol-gc.lock")).is_ok_and(|f| f.try_lock().is_ok())
    }));
    for id in &detached {
        assert_eq!(env.git(["cat-file", "-t", id]).trim(), "blob");
    }
    assert!(!env.wol_j().arg("list").output().unwrap().stdout.is_empty());
    env.assert_consistent();
}

#[test]
fn a_second_gc_leaves_the_packing_to_the_first() {
    let env = journal_with_history();
    let lock_path = env.journal.join(".git/wol-gc.lock");
    let lock = fs::File::create(&lock_path).unwrap();
    lock.lock().unwrap();
    let before = loose(&env);
    let out = env.wol_j().arg("gc").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("another wol is packing this journal's git objects"),
        "{}",
        stderr(&out)
    );
    assert_eq!(loose(&env), before);
    drop(lock);
    env.wol_j().arg("gc").assert().success();
    assert_eq!(loose(&env), Vec::<String>::new());
    assert!(Path::new(&lock_path).exists());
    env.assert_consistent();
}

#[test]
fn a_failed_automatic_packing_is_said_and_not_retried_until_wol_gc() {
    let env = TestEnv::new();
    env.init_journal();
    env.git(["config", "gc.auto", "768"]);
    env.git(["config", "gc.autoDetach", "false"]);
    // More damaged loose objects than packing goes around.
    let damaged: Vec<_> = (0..11)
        .map(|n| {
            let path = env
                .journal
                .join(".git/objects/ab")
                .join(format!("{n:02}{}", "c".repeat(36)));
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, b"not zlib").unwrap();
            path
        })
        .collect();
    let waiting = fill_17_to(&env, 5, "waiting");

    let out = env.wol_j().args(["log", "First"]).output().unwrap();
    assert!(out.status.success(), "the entry is logged all the same");
    assert!(
        stderr(&out).contains("cannot pack the journal's loose git objects"),
        "{}",
        stderr(&out)
    );
    assert!(env.journal.join(".git/wol-gc.log").is_file());
    // Not tried again: said, with what to do.
    let out = env.wol_j().args(["log", "Second"]).output().unwrap();
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("the last automatic packing of the journal's git objects failed")
            && err.contains("cannot read the loose object ab")
            && err.contains("run `wol gc`"),
        "{err}"
    );
    assert!(waiting.iter().all(|id| is_loose(&env, id)));

    // Once `wol gc` succeeds, packing by itself resumes.
    for path in &damaged {
        fs::remove_file(path).unwrap();
    }
    env.wol_j().arg("gc").assert().success();
    assert!(!env.journal.join(".git/wol-gc.log").exists());
    fill_17_to(&env, 5, "again");
    let out = env.wol_j().args(["log", "Third"]).output().unwrap();
    assert_packed_in_foreground(&out);
    assert_eq!(loose(&env), Vec::<String>::new());
    env.assert_consistent();
}
