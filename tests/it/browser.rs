//! The published site in a real browser: headless Chromium opens the index, an entry, a
//! tag and a month page at desktop (1280 px) and mobile (375 px) width and the DOM is
//! checked — no horizontal overflow, every internal link and image resolves, no console
//! errors — and screenshots go to `target/site-shots/` for people to look at.
//!
//! Chromium is Debian's `chromium` (`.ci/packages.txt`, installed by `.ci/test`). Where it
//! is not installed the test prints why and returns: the only skip.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::TestEnv;

/// A journal with entries over two months, tags, every kind, an image and a file
/// attached, a long URL, a long code line, a table and a digest, published to a bare
/// partner and cloned: returns the clone (its `docs/` is the site) and the id of the entry
/// with the attachments.
pub fn published_site(env: &TestEnv) -> (PathBuf, String) {
    env.init_journal();
    let toml = env.read("wol.toml");
    assert!(toml.contains("\n[publish]\n"), "{toml}");
    env.write(
        "wol.toml",
        toml.replacen("\n[publish]\n", "\n[publish]\nlicense = \"CC-BY-4.0\"\n", 1),
    );
    env.git(["commit", "-qam", "licence"]);
    env.git_in(
        &env.root,
        ["init", "-q", "--bare", "-b", "main", "site.git"],
    );
    let bare = env.root.join("site.git");
    env.wol_j()
        .args(["partner", "add", "gig", bare.to_str().unwrap()])
        .assert()
        .success();

    let files = env.root.join("files");
    fs::create_dir_all(&files).unwrap();
    fs::write(
        files.join("whiteboard.jpg"),
        include_bytes!("../fixtures/attachments/tiny.jpg"),
    )
    .unwrap();
    fs::write(files.join("agenda.txt"), "1. Welcome\n2. Checklist\n").unwrap();
    let (photo, agenda) = (files.join("whiteboard.jpg"), files.join("agenda.txt"));
    let (photo, agenda) = (photo.to_str().unwrap(), agenda.to_str().unwrap());

    let entries: [&[&str]; 7] = [
        &[
            "Started the onboarding guide",
            "--date",
            "2026-10-05 10:00",
            "-t",
            "onboarding",
            "--next",
            "Ask the crew what they skipped",
        ],
        &[
            "What newcomers actually read",
            "-k",
            "learning",
            "--date",
            "2026-10-20 16:30",
            "-t",
            "onboarding",
            "-t",
            "docs",
            "--learned",
            "People skip long docs; a checklist works better.",
        ],
        &[
            "Looking for someone who ran a Loomio vote for more than two hundred members at once",
            "-k",
            "help",
            "--date",
            "2026-11-03 09:15",
            "-t",
            "governance",
            "--help-wanted",
            "A call of 30 minutes would do. #loomio",
        ],
        &[
            "We vote by consent from now on",
            "-k",
            "decision",
            "--date",
            "2026-11-10 12:00",
            "-t",
            "governance",
        ],
        &[
            "Thanks to @maria for the review",
            "-k",
            "credit",
            "--date",
            "2026-11-16 18:00",
            "-t",
            "docs",
        ],
        &[
            "--date",
            "2026-11-18 14:00",
            "-t",
            "docs",
            "-m",
            "Checklist table for the handbook\n\n| step | who | when |\n| --- | --- | --- |\n| Welcome mail | host | day 1 |\n| Buddy call | buddy | week 1 |\n\n```sh\nwol log \"a very long command line that goes on and on and on and on and on and on and on and on\" -t docs\n```\n",
        ],
        &[
            "--date",
            "2026-11-22 11:00",
            "-t",
            "onboarding",
            "-t",
            "retro",
            "--attach",
            photo,
            "--attach",
            agenda,
            "-m",
            "Retro whiteboard from the onboarding sprint\n\nNotes are in https://example.org/a/very/long/path/that/does/not/break/anywhere/onboarding-sprint-retro-2026-11-22-notes-and-photos.html and on the #onboarding page.\n\n## Learned\nPhotos of the board beat minutes.\n",
        ],
    ];
    let mut with_files = String::new();
    for args in entries {
        let rel = env.log(args);
        if args.contains(&"--attach") {
            with_files = crate::common::stem(&rel);
        }
    }
    env.wol_j()
        .args(["digest", "--week", "this", "--write"])
        .assert()
        .success();
    let out = env.wol_j().arg("publish").output().unwrap();
    assert!(
        out.status.success(),
        "publish failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let clone = env.root.join("clone");
    env.git_in(
        &env.root,
        [
            "clone",
            "-q",
            bare.to_str().unwrap(),
            clone.to_str().unwrap(),
        ],
    );
    assert!(clone.join("docs/index.html").is_file());
    (clone, with_files)
}

/// Debian's Chromium, when installed.
fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .map(|d| d.join("chromium"))
                .find(|p| p.is_file())
        })
}

/// Put at the top of `<head>`: records every error the page raises (scripts, resources
/// that fail to load) and every `console.error`.
const PROBE_HEAD: &str = r#"<script>window.__wolErrors=[];addEventListener('error',function(e){var t=e.target||{};__wolErrors.push(e.message||('failed to load '+(t.src||t.href||t.tagName)))},true);(function(){var f=console.error;console.error=function(){__wolErrors.push(Array.prototype.join.call(arguments,' '));f.apply(console,arguments)}})();</script>"#;

/// Put at the end of `<body>`: once everything has loaded, writes what the test checks
/// as JSON into `<pre id="wol-probe">`.
const PROBE_TAIL: &str = r#"<script>addEventListener('load',function(){var d=document.documentElement,out={scrollWidth:d.scrollWidth,innerWidth:innerWidth,links:[],broken:[],errors:__wolErrors};document.querySelectorAll('a[href],link[href],img[src]').forEach(function(el){var u=new URL(el.getAttribute(el.tagName==='IMG'?'src':'href'),location.href);if(u.protocol==='file:'){out.links.push({path:decodeURIComponent(u.pathname),hash:decodeURIComponent(u.hash.slice(1))})}if(el.tagName==='IMG'&&!(el.complete&&el.naturalWidth>0)){out.broken.push(el.getAttribute('src'))}});var wide=[];document.querySelectorAll('body *').forEach(function(el){var r=el.getBoundingClientRect();if(r.right>innerWidth+1&&wide.length<5){wide.push(el.tagName+'.'+el.className+' right='+Math.round(r.right))}});out.wide=wide;var p=document.createElement('pre');p.id='wol-probe';p.style.display='none';p.textContent=JSON.stringify(out);document.body.appendChild(p);parent.postMessage(JSON.stringify(out),'*')});</script>"#;

/// Headless Chromium keeps windows at least 500 px wide, so a page is shown in an iframe
/// of the width under test (media queries and `innerWidth` follow the iframe); the
/// probe's result comes back by `postMessage`.
fn harness(page: &Path, width: u32, height: u32) -> PathBuf {
    let html = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><style>html,body{{margin:0;background:#777}}iframe{{border:0;display:block;background:#fff}}</style></head><body><iframe src="{src}" width="{width}" height="{height}"></iframe><script>addEventListener('message',function(e){{var p=document.createElement('pre');p.id='wol-probe';p.style.display='none';p.textContent=e.data;document.body.appendChild(p)}});</script></body></html>"#,
        src = page.file_name().unwrap().to_string_lossy(),
    );
    let path = page.with_file_name(format!("wol-harness-{width}.html"));
    fs::write(&path, html).unwrap();
    path
}

/// What the probe found on one page at one width.
#[derive(serde::Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
struct Probe {
    scroll_width: u32,
    inner_width: u32,
    links: Vec<Link>,
    broken: Vec<String>,
    errors: Vec<String>,
    wide: Vec<String>,
}

#[derive(serde::Deserialize, Debug)]
struct Link {
    path: String,
    hash: String,
}

/// Run Chromium headless on `url` with `args`; returns stdout and stderr.
fn run_chromium(
    bin: &Path,
    profile: &Path,
    width: u32,
    height: u32,
    args: &[&str],
    url: &str,
) -> (String, String) {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={width},{height}"))
        .args(args)
        .arg(url)
        .env_clear()
        .env("HOME", profile)
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish on {url} within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The page `rel` (under `docs/`) with the probe put in, written beside it so every
/// relative link resolves as it does from the page itself.
fn probe_copy(docs: &Path, rel: &str) -> PathBuf {
    let page = docs.join(rel);
    let html = fs::read_to_string(&page).unwrap();
    let html = html
        .replacen("<head>", &format!("<head>\n{PROBE_HEAD}"), 1)
        .replacen("</body>", &format!("{PROBE_TAIL}\n</body>"), 1);
    let copy = page.with_file_name(format!(
        "wol-probe-{}",
        page.file_name().unwrap().to_string_lossy()
    ));
    fs::write(&copy, html).unwrap();
    copy
}

#[test]
fn the_site_renders_in_chromium_at_desktop_and_mobile_width() {
    let Some(bin) = chromium() else {
        eprintln!(
            "SKIPPED the_site_renders_in_chromium_at_desktop_and_mobile_width: Chromium is not installed (apt-get install chromium; .ci/test installs it)"
        );
        return;
    };
    let env = TestEnv::new();
    let (clone, with_files) = published_site(&env);
    let docs = clone.join("docs");
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/site-shots");
    fs::create_dir_all(&shots).unwrap();
    let profile = env.root.join("chromium-profile");
    fs::create_dir_all(&profile).unwrap();

    let pages = [
        ("index", "index.html".to_string()),
        ("entry", format!("2026/11/{with_files}.html")),
        ("tag", "tags/onboarding.html".to_string()),
        ("month", "2026/11/index.html".to_string()),
    ];
    let mut problems = Vec::new();
    for (name, rel) in &pages {
        assert!(docs.join(rel).is_file(), "no page {rel}");
        let copy = probe_copy(&docs, rel);
        for (width, height) in [(1280u32, 1000u32), (375, 1400)] {
            let frame = harness(&copy, width, height);
            let url = format!("file://{}", frame.display());
            let (dom, log) = run_chromium(
                &bin,
                &profile,
                width.max(500),
                height,
                &["--virtual-time-budget=5000", "--dump-dom"],
                &url,
            );
            let json = dom
                .split("<pre id=\"wol-probe\" style=\"display: none;\">")
                .nth(1)
                .and_then(|rest| rest.split("</pre>").next())
                .unwrap_or_else(|| {
                    panic!("{name} at {width}px: the probe did not run:\n{dom}\n{log}")
                });
            let json = json
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            let probe: Probe = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("{name} at {width}px: {e}: {json}"));
            let at = format!("{name} ({rel}) at {width}px");
            assert_eq!(probe.inner_width, width, "{at}: window size not applied");
            if probe.scroll_width > probe.inner_width {
                problems.push(format!(
                    "{at}: scrolls sideways ({} > {}): {:?}",
                    probe.scroll_width, probe.inner_width, probe.wide
                ));
            }
            for e in &probe.errors {
                problems.push(format!("{at}: error: {e}"));
            }
            for line in log.lines().filter(|l| {
                l.contains("CONSOLE")
                    || l.contains("Uncaught")
                    || l.contains("Failed to load resource")
            }) {
                problems.push(format!("{at}: console: {line}"));
            }
            for img in &probe.broken {
                problems.push(format!("{at}: image does not show: {img}"));
            }
            for link in &probe.links {
                let target = Path::new(&link.path);
                let target = if target.is_dir() {
                    target.join("index.html")
                } else {
                    target.to_path_buf()
                };
                if !target.is_file() {
                    problems.push(format!("{at}: dead link to {}", link.path));
                    continue;
                }
                if !link.hash.is_empty() {
                    let html = fs::read_to_string(&target).unwrap_or_default();
                    if !html.contains(&format!("id=\"{}\"", link.hash)) {
                        problems.push(format!("{at}: no #{} in {}", link.hash, link.path));
                    }
                }
            }
            // Every page links the stylesheet, the feeds and at least one other page.
            assert!(
                probe
                    .links
                    .iter()
                    .any(|l| l.path.ends_with("/docs/style.css")),
                "{at}: no stylesheet"
            );
            assert!(probe.links.len() >= 4, "{at}: {:?}", probe.links);
            if *name == "entry" {
                assert!(
                    probe
                        .links
                        .iter()
                        .any(|l| l.path.ends_with(&format!("{with_files}/whiteboard.jpg"))),
                    "{at}: the attached image is not on the page"
                );
            }

            let shot = shots.join(format!("{name}-{width}.png"));
            let _ = fs::remove_file(&shot);
            let screenshot_arg = format!("--screenshot={}", shot.display());
            let (_, log) = run_chromium(
                &bin,
                &profile,
                width.max(500),
                height,
                &["--virtual-time-budget=3000", &screenshot_arg],
                &url,
            );
            let png =
                fs::read(&shot).unwrap_or_else(|_| panic!("{at}: no screenshot written:\n{log}"));
            assert!(png.starts_with(b"\x89PNG"), "{at}: not a PNG");
            fs::remove_file(frame).unwrap();
        }
        fs::remove_file(copy).unwrap();
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
