//! `wol publish`: plan, scan, build each partner's published tree, commit it on
//! `refs/wol/published/<partner>` and push it. `-vv` (or `WOL_LOG=debug`) prints how long
//! each phase took on stderr (used by bench/publish.sh investigations).

use std::io::{IsTerminal as _, Write as _};

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use super::Ctx;
use crate::error::{hinted, user};
use crate::publish::{self, Plan, cache::Cache};
use crate::remote::redact_url;
use crate::site::html::Site;

/// Publish your knowledge log to partners: Markdown, a README index, an HTML site, an
/// Atom feed and a JSON index, pushed to each partner's git remote
///
/// Each partner gets the public entries, the `partners` entries whose `to` is empty or
/// names it, minus those its tag/kind filters exclude; never private ones. Outgoing
/// entries are scanned for secrets first: a hit blocks the whole publish unless
/// --allow-entry names that entry. Publishing touches nothing in your journal except
/// refs/wol/published/* and the cache in .wol/cache/.
///
/// Examples:
///   wol publish --dry-run          # what would go where, and what is held back and why
///   wol publish                    # every partner
///   wol publish gig ouishare       # only these partners
///   wol publish --allow-entry 2026-11-20-1157-aws-setup   # a known false positive
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct PublishArgs {
    /// Partners to publish to [default: all]
    #[arg(value_name = "PARTNER")]
    pub partners: Vec<String>,

    /// Show what would be published where, change nothing
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// Publish this entry even though the secret scan flags it (repeatable)
    #[arg(long = "allow-entry", value_name = "ID")]
    pub allow: Vec<String>,
}

#[derive(Serialize)]
struct PlanJson<'a> {
    partners: Vec<PartnerPlanJson<'a>>,
    malformed: Vec<String>,
    blocked: bool,
}

#[derive(Serialize)]
struct PartnerPlanJson<'a> {
    name: &'a str,
    url: String,
    branch: &'a str,
    publish: Vec<ItemJson<'a>>,
    held_back: Vec<HeldJson<'a>>,
}

#[derive(Serialize)]
struct ItemJson<'a> {
    #[serde(flatten)]
    name: NameJson<'a>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    allowed_secrets: &'a [publish::scan::Hit],
    /// How many attachments go with the entry.
    #[serde(skip_serializing_if = "is_zero")]
    attachments: usize,
    /// Its attachments that stay home: photos wol cannot clean.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments_held_back: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
struct HeldJson<'a> {
    #[serde(flatten)]
    name: NameJson<'a>,
    #[serde(flatten)]
    why: &'a publish::HeldBack,
}

/// An entry's names, masked where the secret scan matched them (see
/// [`publish::Candidate::label`]).
#[derive(Serialize)]
struct NameJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    date: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    withheld: bool,
}

impl<'a> NameJson<'a> {
    fn of(c: &'a publish::Candidate) -> Self {
        match c.redacted() {
            None => NameJson {
                id: Some(c.id()),
                path: Some(&c.path),
                title: Some(c.brief.title()),
                date: c.brief.date().to_rfc3339(),
                withheld: false,
            },
            // The path holds the id: leave it out rather than mask it twice.
            Some((id, title)) => NameJson {
                id: Some(id),
                path: None,
                title: Some(title),
                date: c.brief.date().to_rfc3339(),
                withheld: true,
            },
        }
    }
}

#[derive(Serialize)]
struct ResultJson {
    partner: String,
    status: &'static str,
    entries: usize,
    commit: Option<String>,
    rendered: usize,
    reused: usize,
    error: Option<String>,
    hint: Option<String>,
}

pub fn run(ctx: &Ctx, args: PublishArgs) -> Result<()> {
    let journal = ctx.journal()?;
    if journal.config.partners.is_empty() {
        return Err(hinted(
            "there are no partners to publish to",
            "add one with: wol partner add NAME URL",
        ));
    }
    let selected: Vec<String> = if args.partners.is_empty() {
        journal.config.partners.keys().cloned().collect()
    } else {
        args.partners.clone()
    };
    publish::map_packs_sparingly();
    let t0 = std::time::Instant::now();
    let plan = publish::plan(&journal, &selected, &args.allow, !args.dry_run)?;
    crate::diag::debug(format_args!("publish: plan took {:?}", t0.elapsed()));
    for bad in &plan.malformed {
        eprintln!("warning: {bad} (not published)");
    }
    // A typo in `to` would hold an entry back from everyone without a word; one line
    // per unknown name (with an example entry) keeps big journals readable.
    let mut unknown: std::collections::BTreeMap<String, (usize, &str)> = Default::default();
    // `to` on a public entry narrows nothing (public goes to every partner): whoever
    // wrote it most likely meant the entry for those partners only.
    let mut public_to = (0, "");
    for c in plan.candidates.iter() {
        let visibility = c.brief.visibility();
        if visibility == crate::entry::Visibility::Public && c.brief.to().len() > 0 {
            if public_to.0 == 0 {
                public_to.1 = &c.path;
            }
            public_to.0 += 1;
        }
        if visibility != crate::entry::Visibility::Partners {
            continue;
        }
        for name in c.brief.to() {
            let known = journal
                .config
                .partners
                .keys()
                .any(|k| k.eq_ignore_ascii_case(name.trim()));
            if !known {
                unknown
                    .entry(name.trim().to_string())
                    .or_insert((0, &c.path))
                    .0 += 1;
            }
        }
    }
    if !ctx.global.quiet || args.dry_run {
        for (name, (count, example)) in &unknown {
            eprintln!(
                "warning: `to` names {name:?} in {count} entr{} (e.g. {example}), but {name:?} is not a partner here (see wol partner list)",
                if *count == 1 { "y" } else { "ies" }
            );
        }
    }
    if public_to.0 > 0 && (!ctx.global.quiet || args.dry_run) {
        let (count, example) = public_to;
        eprintln!(
            "warning: {count} public entr{} (e.g. {example}) ha{} a `to` list, which only applies to visibility = \"partners\": public entries go to every partner; to send one only to the partners it names, set visibility = \"partners\" (wol edit)",
            if count == 1 { "y" } else { "ies" },
            if count == 1 { "s" } else { "ve" },
        );
    }
    if args.dry_run {
        return print_plan(ctx, journal.repo()?, &plan);
    }
    let blocking = plan.blocking();
    if !blocking.is_empty() {
        // Never the path, id or title: the secret may be in them, and this goes to
        // terminals, CI logs and cron mail.
        let mut err = std::io::stderr().lock();
        for c in &blocking {
            for h in c.hits() {
                let place = h.place();
                let _ = writeln!(
                    err,
                    "{}: {place} looks like a secret ({})",
                    c.label(),
                    h.rule
                );
            }
        }
        return Err(hinted(
            format!(
                "publish blocked: {} entr{} may contain secrets",
                blocking.len(),
                if blocking.len() == 1 { "y" } else { "ies" },
            ),
            "find them with `wol list --on DATE`; remove the secret (and revoke it if it is \
             real; rename the file with git mv if it is in the file name), or, if it is a false \
             positive, publish anyway with --allow-entry ID",
        ));
    }

    let author = ctx.author(&journal)?;
    let journal_id = journal.ensure_id(ctx.signature(&journal)?)?;
    let journal = crate::journal::Journal::open(&journal.root)?;
    debug_assert_eq!(journal.config.id.as_deref(), Some(journal_id.as_str()));
    let title = format!("{author} — working out loud");
    let site = Site::load(&journal, &title)?;
    let mut cache = Cache::load(&journal);
    let sig = ctx.signature(&journal)?;
    let tty = std::io::stderr().is_terminal() && !ctx.global.quiet;
    let publisher = publish::Publisher {
        journal: &journal,
        site: &site,
        sig: &sig,
        author: &author,
        slug: journal
            .config
            .publish
            .slug
            .clone()
            .unwrap_or_else(|| crate::entry::slugify(&author)),
        today: ctx.now.date_naive(),
        now: ctx.now,
        progress: tty,
    };
    let mut results = Vec::new();
    for p in &plan.partners {
        if tty {
            eprint!("{}: building…", p.name);
        }
        let outcome = publish::publish_partner(&publisher, &plan, p, &mut cache).map(|mut o| {
            o.withdrawn =
                publish::take_withdrawn(&journal, &p.name, std::mem::take(&mut o.withdrawn));
            o
        });
        if tty {
            eprint!("\r\x1b[K");
        }
        crate::diag::debug(format_args!(
            "publish: {} done after {:?}",
            p.name,
            t0.elapsed()
        ));
        if let Ok(o) = &outcome
            && let [first, ..] = &o.withdrawn[..]
        {
            let n = o.withdrawn.len();
            // Where the text it had still is: a branch new there got a history of its
            // own, without it.
            let still = if o.fresh_history {
                format!(
                    "; {} had no branch {} before, so it got a history of its own without {}: the text published before stays in the history it went to (an earlier address of {}, or this one before it was emptied), and in every clone of it",
                    crate::remote::redact_url(&p.config.url),
                    p.config.branch,
                    if n == 1 { "it" } else { "them" },
                    p.name,
                )
            } else {
                ", but the text it had stays in its published history, and in every clone of it"
                    .to_string()
            };
            eprintln!(
                "warning: {}: {n} entr{} it had {} not in what it gets now (e.g. {first}: made private, addressed elsewhere, removed or moved{}){still}",
                p.name,
                if n == 1 { "y" } else { "ies" },
                if n == 1 { "is" } else { "are" },
                // The partner's branch was last published from another machine: what is
                // missing here may be its new entries.
                if o.other_machine {
                    "; or published from another machine of this journal and not synced to \
                     this one yet: run wol sync, then wol publish"
                } else {
                    ""
                },
            );
        }
        results.push(match outcome {
            Ok(o) => ResultJson {
                partner: p.name.clone(),
                status: match o.status {
                    publish::Status::Pushed => "pushed",
                    publish::Status::Unchanged => "unchanged",
                },
                entries: o.entries,
                commit: o.commit.map(|c| c.to_string()),
                rendered: o.rendered,
                reused: o.reused,
                error: None,
                hint: None,
            },
            Err(e) => ResultJson {
                partner: p.name.clone(),
                status: "failed",
                entries: p.include.len(),
                commit: None,
                rendered: 0,
                reused: 0,
                error: Some(format!("{e:#}")),
                hint: crate::error::hint_of(&e),
            },
        });
    }
    // The cache is a convenience: failing to save it must not fail the publish. What a
    // publish to every partner did not use is dead: it goes (see `Cache::save`).
    let built: std::collections::HashSet<&str> =
        plan.partners.iter().map(|p| p.name.as_str()).collect();
    let every_tree_built = journal
        .config
        .partners
        .keys()
        .all(|name| built.contains(name.as_str()))
        && results.iter().all(|r| r.status != "failed");
    if let Err(e) = cache.save(every_tree_built) {
        eprintln!("warning: cannot save the render cache: {e:#}");
    }

    let failed: Vec<&ResultJson> = results.iter().filter(|r| r.status == "failed").collect();
    if ctx.global.json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &results)?;
        writeln!(out)?;
    }
    let mut err = std::io::stderr().lock();
    for r in &results {
        let url = plan
            .partners
            .iter()
            .find(|p| p.name == r.partner)
            .map(|p| (redact_url(&p.config.url), p.config.branch.clone()))
            .unwrap_or_default();
        match r.status {
            "failed" => {
                let _ = writeln!(
                    err,
                    "{}: FAILED: {}",
                    r.partner,
                    r.error.as_deref().unwrap_or("unknown error")
                );
                if let Some(h) = &r.hint {
                    let _ = writeln!(err, "  hint: {h}");
                }
            }
            status if !ctx.global.quiet && !ctx.global.json => {
                let what = if status == "unchanged" {
                    "up to date"
                } else {
                    "published"
                };
                let _ = writeln!(
                    err,
                    "{}: {what}, {} entr{} → {} ({}){}",
                    r.partner,
                    r.entries,
                    if r.entries == 1 { "y" } else { "ies" },
                    url.0,
                    url.1,
                    if r.rendered > 0 {
                        format!(", {} page(s) rendered", r.rendered)
                    } else {
                        String::new()
                    }
                );
            }
            _ => {}
        }
    }
    drop(err);
    // Said after what was published: packing, if due, goes on in the background.
    crate::git_pack::after_writes(&journal);
    // The process ends here: freeing every entry and cache record one by one would only
    // delay the exit (4 ms of a one-entry publish at 10,000 entries). Neither holds
    // anything but memory.
    std::mem::forget(plan);
    std::mem::forget(cache);
    if !failed.is_empty() {
        let names: Vec<&str> = failed.iter().map(|r| r.partner.as_str()).collect();
        return Err(user(format!(
            "publishing failed for {} of {} partner(s): {}",
            failed.len(),
            results.len(),
            names.join(", ")
        )));
    }
    Ok(())
}

fn print_plan(ctx: &Ctx, repo: &git2::Repository, plan: &Plan) -> Result<()> {
    use crate::term;
    // Photos wol cannot clean are held back when the entry goes; the plan says so.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let blocked = !plan.blocking().is_empty();
    if ctx.global.json {
        let json = PlanJson {
            blocked,
            malformed: plan.malformed.iter().map(|m| m.to_string()).collect(),
            partners: plan
                .partners
                .iter()
                .map(|p| PartnerPlanJson {
                    name: &p.name,
                    url: redact_url(&p.config.url),
                    branch: &p.config.branch,
                    publish: p
                        .include
                        .iter()
                        .map(|&i| {
                            let c = &plan.candidates[i];
                            let held = p.withheld(repo, c);
                            ItemJson {
                                name: NameJson::of(c),
                                allowed_secrets: c.hits(),
                                attachments: c.attachments().len() - held.len(),
                                attachments_held_back: held,
                            }
                        })
                        .collect(),
                    held_back: p
                        .held
                        .iter()
                        .map(|(i, why)| {
                            let c = &plan.candidates[*i];
                            HeldJson {
                                name: NameJson::of(c),
                                why,
                            }
                        })
                        .collect(),
                })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(());
    }
    for (n, p) in plan.partners.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        writeln!(
            out,
            "{} → {} ({}): {} to publish, {} held back",
            p.name,
            redact_url(&p.config.url),
            p.config.branch,
            p.include.len(),
            p.held.len()
        )?;
        for &i in &p.include {
            let c = &plan.candidates[i];
            let held = p.withheld(repo, c);
            let mut note = match c.attachments().len() - held.len() {
                0 => String::new(),
                1 => "  (+1 attachment)".to_string(),
                n => format!("  (+{n} attachments)"),
            };
            if !held.is_empty() {
                note.push_str(&format!(
                    "  (held back, a photo whose location data wol cannot check or remove: {})",
                    held.join(", ")
                ));
            }
            if !c.hits().is_empty() {
                note.push_str("  (secret scan overridden by --allow-entry)");
            }
            // Entry text, escaped before it reaches a terminal.
            writeln!(out, "  + {}{note}", term::sanitize(&c.label()))?;
        }
        for (i, why) in &p.held {
            let c = &plan.candidates[*i];
            writeln!(out, "  - {}  [{why}]", term::sanitize(&c.label()))?;
        }
    }
    out.flush()?;
    if blocked {
        eprintln!(
            "note: the secret scan would block this publish; fix the entries marked [secret scan: …] or pass --allow-entry ID"
        );
    }
    Ok(())
}
