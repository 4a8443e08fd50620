//! `wol list` over every entry (no `-n`), which prints them without holding them all:
//! the order when hand edits date entries out of their folders, the warnings for
//! malformed files, the kind column's width and `--json` as a whole.

use crate::common::{TestEnv, entry_text, ids, stderr, stdout};

const SEPT: &str = "2026-09-14-1000-sorted-the-september-notes";
const OCT: &str = "2026-10-05-1000-read-the-release-checklist";
const OCT_LATE: &str = "2026-10-20-1000-asked-about-the-mirror";
const NOV: &str = "2026-11-03-0900-thanked-the-packagers";
const NOV_LATE: &str = "2026-11-22-0900-need-a-second-reviewer";

/// Runs `wol list ARGS` (no `-n`) and the same with `-n 100` (which selects another
/// way); asserts both succeed and print the same; returns stdout and stderr.
#[track_caller]
fn list(env: &TestEnv, args: &[&str]) -> (String, String) {
    let out = env.wol_j().arg("list").args(args).output().unwrap();
    assert!(out.status.success(), "list {args:?}: {}", stderr(&out));
    let limited = env
        .wol_j()
        .args(["list", "-n", "100"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        stdout(&limited),
        "list {args:?} and list -n 100 {args:?} differ"
    );
    assert_eq!(stderr(&out), stderr(&limited), "warnings of {args:?}");
    (stdout(&out), stderr(&out))
}

/// The first column (the id) of each line.
fn first_column(text: &str) -> Vec<&str> {
    text.lines()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect()
}

/// Replace the `date = …` line of the entry `id` (in `entries/YYYY/MM/`), as a person
/// editing the file would.
fn hand_date(env: &TestEnv, id: &str, date: &str) {
    let rel = format!("entries/{}/{}/{id}.md", &id[..4], &id[5..7]);
    let text = env.read(&rel);
    let line = text
        .lines()
        .find(|l| l.starts_with("date = "))
        .unwrap_or_else(|| panic!("no date line in {rel}:\n{text}"))
        .to_owned();
    env.write(&rel, text.replacen(&line, &format!("date = {date}"), 1));
}

/// Five entries over three months, logged with `wol log`; then the September entry is
/// dated into late November and the late October one onto the early November one's
/// very minute, by hand.
fn hand_dated() -> TestEnv {
    let env = TestEnv::new();
    env.init_journal();
    let entries: [(&str, &[&str], &str); 5] = [
        (
            "2026-09-14 10:00",
            &["-k", "progress", "-t", "notes"],
            "Sorted the September notes",
        ),
        (
            "2026-10-05 10:00",
            &["-k", "learning", "-t", "notes", "-t", "release"],
            "Read the release checklist",
        ),
        (
            "2026-10-20 10:00",
            &["-k", "help"],
            "Asked about the mirror",
        ),
        (
            "2026-11-03 09:00",
            &["-k", "credit", "-t", "notes"],
            "Thanked the packagers",
        ),
        (
            "2026-11-22 09:00",
            &["-k", "help"],
            "Need a second reviewer",
        ),
    ];
    for (date, flags, message) in entries {
        let out = env
            .wol_j()
            .args(["log", "--date", date])
            .args(flags)
            .arg("--")
            .arg(message)
            .output()
            .unwrap();
        env.entry_path_from(&out);
    }
    hand_date(&env, SEPT, "2026-11-21T08:00:00+01:00");
    hand_date(&env, OCT_LATE, "2026-11-03T09:00:00+01:00");
    env
}

#[test]
fn list_orders_by_front_matter_date_across_month_folders() {
    let env = hand_dated();
    // Newest first by date: the September file second; the two entries of 3 November
    // 09:00 in walk order, November's folder before October's.
    let want = [NOV_LATE, SEPT, NOV, OCT_LATE, OCT];
    for run in ["first run", "with the entry cache"] {
        let (text, err) = list(&env, &[]);
        assert_eq!(err, "", "{run}");
        // `<id>  <kind>  <title>  #tags`, the kind column as wide as the widest kind.
        let expected = [
            format!("{NOV_LATE}  help      Need a second reviewer"),
            format!("{SEPT}  progress  Sorted the September notes  #notes"),
            format!("{NOV}  credit    Thanked the packagers  #notes"),
            format!("{OCT_LATE}  help      Asked about the mirror"),
            format!("{OCT}  learning  Read the release checklist  #notes #release"),
        ];
        assert_eq!(text.lines().collect::<Vec<_>>(), expected, "{run}:\n{text}");

        let (json, _) = list(&env, &["--json"]);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(ids(&value), want, "{run}");
        assert_eq!(value[1]["date"], "2026-11-21T08:00:00+01:00", "{run}");
        assert_eq!(value[1]["path"], format!("entries/2026/09/{SEPT}.md"));
        assert_eq!(value[3]["date"], value[2]["date"], "{run}");
        // Exactly as `serde_json::to_writer_pretty` prints the array, and a newline.
        assert!(json.starts_with("[\n  {\n    \"id\": "), "{json}");
        assert!(json.ends_with("\n  }\n]\n"), "{json}");
    }

    // Filters keep the order; the kind column is as wide as the kinds listed.
    let (text, _) = list(&env, &["--kind", "help"]);
    assert_eq!(
        text,
        format!(
            "{NOV_LATE}  help  Need a second reviewer\n{OCT_LATE}  help  Asked about the mirror\n"
        )
    );
    let (text, _) = list(&env, &["--tag", "notes"]);
    assert_eq!(first_column(&text), [SEPT, NOV, OCT]);
    let (json, _) = list(&env, &["--tag", "notes", "--json"]);
    assert_eq!(ids(&serde_json::from_str(&json).unwrap()), [SEPT, NOV, OCT]);
    let (text, _) = list(&env, &["--until", "2026-11-10"]);
    assert_eq!(first_column(&text), [NOV, OCT_LATE, OCT]);
    // Nothing selected: no lines, an empty JSON array.
    assert_eq!(list(&env, &["--kind", "decision"]).0, "");
    assert_eq!(list(&env, &["--kind", "decision", "--json"]).0, "[]\n");
}

const GOOD_OCT: &str = "2026-10-10-0900-fixed-the-mirror";
const GOOD_NOV: &str = "2026-11-10-0900-credit-to-the-translators";
const GOOD_NOV_LATE: &str = "2026-11-12-0900-need-help-with-arm-builds";
const BAD_DATE: &str = "2026-11-11-0900-bad-date";
const BAD_KIND: &str = "2026-10-11-0900-unknown-kind";

#[test]
fn list_warns_about_malformed_entries_in_walk_order_and_lists_the_rest() {
    let env = TestEnv::new();
    env.init_journal();
    for (id, title, date, kind) in [
        (
            GOOD_OCT,
            "Fixed the mirror",
            "2026-10-10T09:00:00+02:00",
            "help",
        ),
        (
            GOOD_NOV,
            "Credit to the translators",
            "2026-11-10T09:00:00+01:00",
            "credit",
        ),
        (
            GOOD_NOV_LATE,
            "Need help with ARM builds",
            "2026-11-12T09:00:00+01:00",
            "help",
        ),
    ] {
        let body = "Some words.\n";
        let text = entry_text(title, date, kind, &["arm"], "public", "Hand", body);
        env.write(format!("entries/{}/{}/{id}.md", &id[..4], &id[5..7]), text);
    }
    // A date that is no date (line 3), and a kind the journal does not know (line 4);
    // both longer kinds than any listed entry's, which must not widen the column.
    env.write(
        format!("entries/2026/11/{BAD_DATE}.md"),
        "+++\ntitle = \"Bad date\"\ndate = \"last tuesday-ish\"\nkind = \"progress\"\n+++\n\nx\n",
    );
    env.write(
        format!("entries/2026/10/{BAD_KIND}.md"),
        "+++\ntitle = \"Unknown kind\"\ndate = 2026-10-11T09:00:00+02:00\nkind = \"retrospective\"\n+++\n\nx\n",
    );
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "hand-written entries"]);

    let check_warnings = |err: &str| {
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "one warning per malformed file:\n{err}");
        // The newest month folder is walked first.
        let journal = env.journal.display();
        assert!(
            lines[0].starts_with(&format!(
                "warning: {journal}/entries/2026/11/{BAD_DATE}.md:3: "
            )),
            "{err}"
        );
        assert!(
            lines[1].starts_with(&format!(
                "warning: {journal}/entries/2026/10/{BAD_KIND}.md:4: "
            )),
            "{err}"
        );
        assert!(lines[1].contains("retrospective"), "{err}");
        assert!(lines.iter().all(|l| l.ends_with(" (skipped)")), "{err}");
    };

    let (text, err) = list(&env, &[]);
    check_warnings(&err);
    assert_eq!(
        text,
        format!(
            "{GOOD_NOV_LATE}  help    Need help with ARM builds  #arm\n\
             {GOOD_NOV}  credit  Credit to the translators  #arm\n\
             {GOOD_OCT}  help    Fixed the mirror  #arm\n"
        )
    );

    let (json, err) = list(&env, &["--json"]);
    check_warnings(&err);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(ids(&value), [GOOD_NOV_LATE, GOOD_NOV, GOOD_OCT]);

    // A filter that decodes every entry warns the same.
    let (text, err) = list(&env, &["--tag", "arm"]);
    check_warnings(&err);
    assert_eq!(first_column(&text), [GOOD_NOV_LATE, GOOD_NOV, GOOD_OCT]);
}

/// Entries logged in zones on both sides of month ends. Each is filed in its local
/// month, so an entry of an older folder can be later, by instant, than entries of the
/// next month's folder: late on 30 November in Seattle is 1 December in Berlin, and an
/// offset may lie up to a day west of UTC. `-n N` is still the first N entries of the
/// whole list, with and without filters.
#[test]
fn list_n_is_the_head_of_list_when_zones_cross_a_month_end() {
    let env = TestEnv::new().with_now(Some("2027-01-03T12:00:00+01:00"));
    env.init_journal();
    // (date, title, tagged): newest first by instant, G H C D A B E F.
    let entries = [
        ("2026-11-30T23:30:00-08:00", "A Seattle late", true), // 1 Dec 07:30 UTC
        ("2026-12-01T01:00:00+01:00", "B Berlin night", false), // 1 Dec 00:00 UTC
        ("2026-11-30T23:00:00-23:00", "C Far west", true),     // 1 Dec 22:00 UTC
        ("2026-12-01T12:00:00+00:00", "D London noon", true),  // 1 Dec 12:00 UTC
        ("2026-12-01T00:30:00+14:00", "E Kiritimati", true),   // 30 Nov 10:30 UTC
        ("2026-10-15T10:00:00+02:00", "F October", true),
        ("2026-12-31T23:30:00-08:00", "G New year in LA", true), // 1 Jan 07:30 UTC
        ("2027-01-01T01:00:00+01:00", "H New year in Berlin", true), // 1 Jan 00:00 UTC
    ];
    for (date, title, tagged) in entries {
        let mut args = vec!["--date", date, "-k", "progress"];
        if tagged {
            args.extend(["-t", "travel"]);
        }
        args.extend(["--", title]);
        env.log(&args);
    }
    let titles = |json: &serde_json::Value| -> Vec<String> {
        json.as_array()
            .unwrap()
            .iter()
            .map(|e| e["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = titles(&env.json(&["list"], &[]));
    let letters: String = all.iter().map(|t| &t[..1]).collect();
    assert_eq!(letters, "GHCDABEF", "{all:?}");
    for filter in [&[][..], &["--since", "2026-11-01"], &["--tag", "travel"]] {
        let (text, _) = list(&env, filter);
        let whole = titles(&env.json(&["list"], filter));
        for n in 0..=whole.len() + 1 {
            let n_arg = n.to_string();
            let args: Vec<&str> = ["-n", n_arg.as_str()]
                .iter()
                .chain(filter)
                .copied()
                .collect();
            let out = env.wol_j().arg("list").args(&args).output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            let head: Vec<&str> = text.lines().take(n).collect();
            assert_eq!(
                stdout(&out).lines().collect::<Vec<_>>(),
                head,
                "list {args:?}"
            );
            let json = titles(&env.json(&["list"], &args));
            assert_eq!(json, whole[..n.min(whole.len())], "list --json {args:?}");
        }
    }
}
