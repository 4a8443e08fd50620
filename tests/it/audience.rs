//! The audience rule is one rule: for random entries (every visibility, a missing
//! `visibility` key, `to` lists in any case, tags with and without `#`, in the front matter
//! and the body) and random partner filters, `wol digest --for P` and
//! `wol publish P --dry-run` agree on every entry.

use std::collections::BTreeSet;

use proptest::prelude::*;

use crate::common::TestEnv;

/// One generated entry: visibility (`None`: no key), `to`, front-matter tags, a body tag,
/// kind.
#[derive(Debug, Clone)]
struct Gen {
    visibility: Option<&'static str>,
    to: Vec<&'static str>,
    tags: Vec<&'static str>,
    body_tag: Option<&'static str>,
    kind: &'static str,
}

fn arb_entry() -> impl Strategy<Value = Gen> {
    (
        prop::sample::select(vec![
            None,
            Some("public"),
            Some("partners"),
            Some("private"),
        ]),
        prop::sample::subsequence(vec!["gig", "GIG", " gig ", "other"], 0..=2),
        prop::sample::subsequence(vec!["docs", "Docs", "#docs", "rust"], 0..=2),
        prop::option::of(prop::sample::select(vec!["docs", "Rust"])),
        prop::sample::select(vec!["progress", "learning", "help"]),
    )
        .prop_map(|(visibility, to, tags, body_tag, kind)| Gen {
            visibility,
            to,
            tags,
            body_tag,
            kind,
        })
}

fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|t| format!("{t:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

fn entry_text(n: usize, e: &Gen) -> String {
    let mut text = format!(
        "+++\ntitle = \"Entry {n}\"\ndate = 2026-11-1{}T10:00:00+01:00\nkind = {:?}\ntags = {}\nauthor = \"A\"\n",
        n % 8,
        e.kind,
        list(&e.tags)
    );
    if let Some(v) = e.visibility {
        text.push_str(&format!("visibility = {v:?}\n"));
    }
    if !e.to.is_empty() {
        text.push_str(&format!("to = {}\n", list(&e.to)));
    }
    text.push_str("+++\n\nDid things.");
    if let Some(tag) = e.body_tag {
        text.push_str(&format!(" #{tag}"));
    }
    text.push('\n');
    text
}

/// Every `id` inside the digest's JSON.
fn ids_in(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(id)) = map.get("id") {
                out.insert(id.clone());
            }
            map.values().for_each(|v| ids_in(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| ids_in(v, out)),
        _ => {}
    }
}

fn check(
    entries: &[Gen],
    default_private: bool,
    tags: &[&str],
    kinds: &[&str],
) -> Result<(), TestCaseError> {
    let env = TestEnv::new();
    env.init_journal();
    let mut toml = env.read("wol.toml");
    if default_private {
        toml = toml.replace(
            "default_visibility = \"public\"",
            "default_visibility = \"private\"",
        );
    }
    toml.push_str(&format!(
        "\n[partners.gig]\nurl = \"../gig.git\"\nbranch = \"main\"\ntags = {}\nkinds = {}\n",
        list(tags),
        list(kinds)
    ));
    env.write("wol.toml", toml);
    for (n, e) in entries.iter().enumerate() {
        env.write(
            format!("entries/2026/11/2026-11-1{}-1000-entry-{n}.md", n % 8),
            entry_text(n, e),
        );
    }
    env.git(["add", "-A"]);
    env.git(["commit", "-q", "-m", "entries"]);

    let digest = env.json(
        &["digest"],
        &["--from", "2026-11-01", "--to", "2026-11-30", "--for", "gig"],
    );
    let mut in_digest = BTreeSet::new();
    ids_in(&digest, &mut in_digest);

    let plan = env.json(&["publish"], &["gig", "--dry-run"]);
    let published: BTreeSet<String> = plan["partners"][0]["publish"]
        .as_array()
        .expect("a publish list")
        .iter()
        .map(|i| i["id"].as_str().expect("an id").to_string())
        .collect();
    prop_assert_eq!(&in_digest, &published, "entries: {:?}", entries);
    // Nothing private ever shows up in either, whatever the key says or omits.
    for (n, e) in entries.iter().enumerate() {
        let private =
            e.visibility == Some("private") || (e.visibility.is_none() && default_private);
        if private {
            let suffix = format!("entry-{n}");
            prop_assert!(!published.iter().any(|id| id.ends_with(&suffix)));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn digest_for_and_publish_dry_run_agree(
        entries in prop::collection::vec(arb_entry(), 1..8),
        default_private in any::<bool>(),
        tags in prop::sample::subsequence(vec!["#docs", "docs", "Rust"], 0..=2),
        kinds in prop::sample::subsequence(vec!["progress", "learning"], 0..=1),
    ) {
        check(&entries, default_private, &tags, &kinds)?;
    }
}
