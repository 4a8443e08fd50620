//! Attachments: `wol log --attach` stores files beside the entry and commits them with
//! it; `show` lists them, `rm` removes them; publish takes them along only with their
//! entry, copies images beside the entry's page and takes location data out of photos.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{TestEnv, stderr, stdout};

/// A real 16×16 JPEG (JFIF, an ICC profile, no EXIF), made by Chromium's encoder.
const TINY_JPEG: &[u8] = include_bytes!("../fixtures/attachments/tiny.jpg");

/// What GPS data in a photo could give away; none of it may be published.
const PLACE: &str = "SECRET-GARDEN-48.2082N";

/// `TINY_JPEG` with what a phone camera and photo apps add: an EXIF `APP1` whose IFD0 has
/// the orientation (6: rotate 90°) and a GPS IFD (latitude ref, latitude, and a map datum
/// text holding [`PLACE`]), an XMP `APP1`, an IPTC `APP13` and a comment repeating the
/// location, and after the image's end a second image (as MPF stores them) with an EXIF
/// of its own.
fn photo_with_location() -> Vec<u8> {
    // TIFF, big-endian. IFD0 at 8: 2 entries (orientation, GPS pointer).
    let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    let gps_ifd: u32 = 8 + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1]);
    tiff.extend_from_slice(&gps_ifd.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD: 3 entries, then its data.
    let data_at = gps_ifd + 2 + 3 * 12 + 4;
    let datum = format!("{PLACE}\0");
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 2, 0, 5, 0, 0, 0, 3]);
    tiff.extend_from_slice(&data_at.to_be_bytes());
    tiff.extend_from_slice(&[0, 0x12, 0, 2]);
    tiff.extend_from_slice(&(datum.len() as u32).to_be_bytes());
    tiff.extend_from_slice(&(data_at + 24).to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    for (num, den) in [(48u32, 1u32), (12, 1), (2952, 100)] {
        tiff.extend_from_slice(&num.to_be_bytes());
        tiff.extend_from_slice(&den.to_be_bytes());
    }
    tiff.extend_from_slice(datum.as_bytes());
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(&tiff);
    let xmp = format!(
        "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF><rdf:Description exif:GPSLatitude=\"48,12.29N\" photoshop:City=\"{PLACE}\"/></rdf:RDF></x:xmpmeta>"
    );
    let segment = |marker: u8, payload: &[u8]| {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    };
    // After SOI and APP0 (JFIF, 2 + 18 bytes), where cameras put them.
    let app0_end = 2 + 2 + u16::from_be_bytes([TINY_JPEG[4], TINY_JPEG[5]]) as usize;
    let mut out = TINY_JPEG[..app0_end].to_vec();
    out.extend(segment(0xE1, &exif));
    out.extend(segment(0xE1, xmp.as_bytes()));
    out.extend(segment(
        0xED,
        format!("Photoshop 3.0\08BIM {PLACE}").as_bytes(),
    ));
    out.extend(segment(0xFE, PLACE.as_bytes()));
    out.extend_from_slice(&TINY_JPEG[app0_end..]);
    out.extend_from_slice(&TINY_JPEG[..2]);
    out.extend(segment(0xE1, &exif));
    out.extend_from_slice(&TINY_JPEG[2..]);
    out
}

/// XMP holding [`PLACE`], as photo apps write it into PNG, WebP and GIF files.
fn xmp_with_location() -> String {
    format!(
        "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF><rdf:Description \
         exif:GPSLatitude=\"48,12.29N\" photoshop:City=\"{PLACE}\"/></rdf:RDF></x:xmpmeta>"
    )
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A 1×1 PNG with [`PLACE`] in XMP (`iTXt`), `tEXt` and `zTXt` chunks and after IEND.
fn png_with_location() -> Vec<u8> {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&crc32(&c[4..]).to_be_bytes());
        c
    };
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    let xmp = format!("XML:com.adobe.xmp\0\0\0\0\0{}", xmp_with_location());
    out.extend(chunk(b"iTXt", xmp.as_bytes()));
    out.extend(chunk(b"tEXt", format!("Location\0{PLACE}").as_bytes()));
    out.extend(chunk(b"zTXt", format!("{PLACE}\0\0\x78\x01").as_bytes()));
    // A grey pixel: filter 0, value 0; zlib, one stored block.
    out.extend(chunk(
        b"IDAT",
        b"\x78\x01\x01\x02\x00\xfd\xff\x00\x00\x00\x02\x00\x01",
    ));
    out.extend(chunk(b"IEND", b""));
    out.extend(chunk(b"tEXt", format!("Location\0{PLACE}").as_bytes()));
    out
}

/// A 1×1 lossless WebP with [`PLACE`] in EXIF and XMP chunks, announced in its VP8X.
fn webp_with_location() -> Vec<u8> {
    let mut body = b"WEBP".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        body.extend_from_slice(kind);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    };
    chunk(b"VP8X", &[0x08 | 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    chunk(b"VP8L", b"\x2f\0\0\0\x10\x07\x10\x11\x11\x88\x88\xfe\x07");
    chunk(b"EXIF", format!("MM\0\x2a{PLACE}").as_bytes());
    chunk(b"XMP ", xmp_with_location().as_bytes());
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

/// A 1×1 looping GIF with [`PLACE`] in a comment and in an XMP application extension.
fn gif_with_location() -> Vec<u8> {
    let sub_blocks = |data: &[u8]| {
        let mut out = Vec::new();
        for block in data.chunks(255) {
            out.push(block.len() as u8);
            out.extend_from_slice(block);
        }
        out.push(0);
        out
    };
    let mut out = b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff".to_vec();
    out.extend_from_slice(b"\x21\xff\x0bNETSCAPE2.0\x03\x01\0\0\0");
    out.extend_from_slice(b"\x21\xfe");
    out.extend(sub_blocks(PLACE.as_bytes()));
    out.extend_from_slice(b"\x21\xff\x0bXMP DataXMP");
    out.extend(sub_blocks(xmp_with_location().as_bytes()));
    out.extend_from_slice(b"\x2c\0\0\0\0\x01\0\x01\0\0\x02\x02\x44\x01\0\x3b");
    out
}

/// The bytes from the start-of-scan marker on: the compressed image itself.
fn scan_data(jpeg: &[u8]) -> &[u8] {
    let at = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xDA])
        .expect("a start of scan");
    &jpeg[at..]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Files to attach, outside the journal.
fn outside(env: &TestEnv, name: &str, content: &[u8]) -> PathBuf {
    let dir = env.root.join("files");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    fs::write(&path, content).unwrap();
    path
}

fn published_files(env: &TestEnv, bare: &Path) -> Vec<String> {
    env.git_in(bare, ["ls-tree", "-r", "--name-only", "main"])
        .lines()
        .map(String::from)
        .collect()
}

fn published_blob(env: &TestEnv, bare: &Path, path: &str) -> Vec<u8> {
    let out = env
        .git_cmd_in(bare)
        .args(["show", &format!("main:{path}")])
        .output()
        .unwrap();
    assert!(out.status.success(), "no {path} in the published tree");
    out.stdout
}

/// Every object in `bare`, decompressed: what anyone who clones it can read.
fn every_object(env: &TestEnv, bare: &Path) -> Vec<u8> {
    let out = env
        .git_cmd_in(bare)
        .args(["cat-file", "--batch-all-objects", "--batch", "--unordered"])
        .output()
        .unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn log_attaches_files_beside_the_entry_in_the_same_commit() {
    let env = TestEnv::new();
    env.init_journal();
    let photo = outside(&env, "Board photo.JPG", TINY_JPEG);
    let notes = outside(&env, "notes.md", b"# Notes\n\nNot an entry.\n");
    let before = env.commit_count();
    let rel = env.log(&[
        "Retro with the crew",
        "--learned",
        "Photos beat minutes",
        "--attach",
        photo.to_str().unwrap(),
        "-a",
        notes.to_str().unwrap(),
    ]);
    let id = crate::common::stem(&rel);
    let dir = format!("entries/2026/11/{id}");
    assert_eq!(
        fs::read(env.journal.join(format!("{dir}/Board-photo.JPG"))).unwrap(),
        TINY_JPEG
    );
    assert_eq!(
        env.read(format!("{dir}/notes.md")),
        "# Notes\n\nNot an entry.\n"
    );
    // Linked from the text, before the sections: the image shown, the other file linked.
    let text = env.read(&rel);
    let links = format!("![Board-photo.JPG]({id}/Board-photo.JPG)\n\n[notes.md]({id}/notes.md)");
    assert!(text.contains(&links), "{text}");
    assert!(
        text.find(&links).unwrap() < text.find("## Learned").unwrap(),
        "{text}"
    );
    // One commit with all three files; nothing left over.
    assert_eq!(env.commit_count(), before + 1);
    let mut in_commit: Vec<String> = env
        .git(["show", "--name-only", "--format=", "HEAD"])
        .lines()
        .map(String::from)
        .collect();
    in_commit.sort();
    assert_eq!(
        in_commit,
        [
            format!("{dir}.md"),
            format!("{dir}/Board-photo.JPG"),
            format!("{dir}/notes.md"),
        ]
    );
    env.git_status_clean();

    // The attachment named .md is not an entry: not listed, not in doctor's count.
    assert_eq!(env.list_ids(&[]), vec![id.clone()]);
    let doctor = env.wol_j().args(["doctor", "--json"]).output().unwrap();
    let checks: serde_json::Value = serde_json::from_slice(&doctor.stdout).unwrap();
    let entries = checks
        .as_array()
        .or_else(|| checks["checks"].as_array())
        .unwrap()
        .iter()
        .find(|c| c["name"] == "entries")
        .unwrap()
        .clone();
    assert_eq!(entries["status"], "ok", "{entries}");
    assert!(
        entries["message"].as_str().unwrap().starts_with("1 entry"),
        "{entries}"
    );

    // show lists them: in JSON, and after the entry (on stderr when piped, so the
    // output stays the file).
    let shown = env.json(&["show"], &[&id]);
    assert_eq!(
        shown["attachments"],
        serde_json::json!([format!("{dir}/Board-photo.JPG"), format!("{dir}/notes.md")])
    );
    let out = env.wol_j().args(["show", &id]).output().unwrap();
    assert_eq!(stdout(&out), text);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("Attachments ({dir}/)")), "{err}");
    assert!(err.contains("Board-photo.JPG  770 bytes"), "{err}");

    // The same name twice gets a number.
    let again = env.log(&[
        "Two of the same",
        "--attach",
        notes.to_str().unwrap(),
        "--attach",
        notes.to_str().unwrap(),
    ]);
    let id2 = crate::common::stem(&again);
    let text = env.read(&again);
    assert!(
        text.contains(&format!(
            "[notes.md]({id2}/notes.md)\n\n[notes-2.md]({id2}/notes-2.md)"
        )),
        "{text}"
    );
}

#[test]
fn bad_attachments_are_refused_and_nothing_is_written() {
    let env = TestEnv::new();
    env.init_journal();
    let before = env.commit_count();
    let folder = env.root.join("files/folder");
    fs::create_dir_all(&folder).unwrap();
    let good = outside(&env, "ok.txt", b"fine");
    let link = env.root.join("files/link.txt");
    std::os::unix::fs::symlink(&good, &link).unwrap();
    let big = outside(&env, "big.bin", &vec![7u8; 2_000]);
    let missing = env.root.join("files/nope.png");

    let cases: [(&Path, &str); 3] = [
        (&missing, "no such file"),
        (&folder, "it is a folder"),
        (&link, "it is a symbolic link"),
    ];
    for (path, why) in cases {
        let err = env.fails(
            &[
                "log",
                "Should not be written",
                "--attach",
                good.to_str().unwrap(),
                "--attach",
                path.to_str().unwrap(),
            ],
            why,
        );
        assert!(err.contains("nothing was written"), "{err}");
    }

    // The size limit comes from wol.toml and the error says how to raise it.
    let toml = env.read("wol.toml") + "\n[log]\nattachment_max = \"1kB\"\n";
    env.write("wol.toml", toml);
    env.git(["commit", "-qam", "limit"]);
    let before_limit = env.commit_count();
    let err = env.fails(
        &["log", "Too big", "--attach", big.to_str().unwrap()],
        "it is 2 kB, more than the limit of 1 kB",
    );
    assert!(err.contains("[log] attachment_max = \"1MB\""), "{err}");
    assert_eq!(env.commit_count(), before_limit);
    assert_eq!(before_limit, before + 1);
    assert!(env.entry_files().is_empty());
    env.git_status_clean();

    // Under the limit it goes in.
    env.log(&["Small enough", "--attach", good.to_str().unwrap()]);

    // A limit that is not a size is a config error that names the key.
    let toml = env
        .read("wol.toml")
        .replace("attachment_max = \"1kB\"", "attachment_max = \"lots\"");
    env.write("wol.toml", toml);
    env.fails(&["list"], "[log] attachment_max is not a size");
}

#[test]
fn rm_removes_the_entry_and_its_attachments_in_one_commit() {
    let env = TestEnv::new();
    env.init_journal();
    let photo = outside(&env, "p.jpg", TINY_JPEG);
    let rel = env.log(&["With a photo", "--attach", photo.to_str().unwrap()]);
    let id = crate::common::stem(&rel);
    let before = env.commit_count();
    let out = env.wol_j().args(["rm", &id, "--yes"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("and its attachment"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(env.commit_count(), before + 1);
    assert!(!env.journal.join(format!("entries/2026/11/{id}")).exists());
    assert!(env.head_files().iter().all(|f| !f.contains(&id)));
    env.git_status_clean();
    // History keeps the photo.
    let old = env
        .git_cmd_in(&env.journal)
        .args(["show", &format!("HEAD~1:entries/2026/11/{id}/p.jpg")])
        .output()
        .unwrap();
    assert_eq!(old.stdout, TINY_JPEG);
    // A new entry of the same minute and title does not take over a leftover folder.
    fs::create_dir_all(env.journal.join(format!("entries/2026/11/{id}"))).unwrap();
    fs::write(
        env.journal.join(format!("entries/2026/11/{id}/mine.txt")),
        "x",
    )
    .unwrap();
    let again = env.log(&["With a photo"]);
    assert_ne!(crate::common::stem(&again), id);
}

#[test]
fn attachments_travel_with_their_entry_and_never_without_it() {
    let env = TestEnv::new();
    env.init_journal();
    let bare = env.bare_partner("pub");
    let photo = outside(&env, "board.jpg", TINY_JPEG);
    let plan = outside(&env, "plan.txt", b"The PRIVATE-PLAN-7731 stays home.\n");
    let held = outside(
        &env,
        "held.txt",
        b"HELD-BACK-4410 is for another partner.\n",
    );
    let public = env.log(&[
        "Retro photos",
        "-t",
        "retro",
        "--attach",
        photo.to_str().unwrap(),
    ]);
    let private = env.log(&[
        "Board plan",
        "--private",
        "--attach",
        plan.to_str().unwrap(),
    ]);
    env.log(&[
        "For the other partner",
        "--partners",
        "--to",
        "other",
        "--attach",
        held.to_str().unwrap(),
    ]);
    // A folder of files without an entry, committed by hand.
    env.write(
        "entries/2026/11/2026-11-01-0900-orphan/ORPHAN-9921.txt",
        "ORPHAN-9921\n",
    );
    env.git(["add", "entries"]);
    env.git(["commit", "-qm", "orphan folder"]);
    let dry = env.wol_j().args(["publish", "--dry-run"]).output().unwrap();
    let dry = stdout(&dry);
    assert!(
        dry.contains(&format!(
            "  + {}  Retro photos  (+1 attachment)",
            crate::common::stem(&public)
        )),
        "{dry}"
    );
    let out = env.wol_j().arg("publish").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let id = crate::common::stem(&public);
    let files = published_files(&env, &bare);
    for want in [
        format!("entries/2026/11/{id}.md"),
        format!("entries/2026/11/{id}/board.jpg"),
        format!("docs/2026/11/{id}.html"),
        format!("docs/2026/11/{id}/board.jpg"),
    ] {
        assert!(files.contains(&want), "{want} missing from {files:#?}");
    }
    let private_id = crate::common::stem(&private);
    assert!(
        files
            .iter()
            .all(|f| !f.contains(&private_id) && !f.contains("orphan") && !f.contains("held")),
        "{files:#?}"
    );
    // Not in any object anyone can fetch: no blob, tree or commit holds them.
    let objects = every_object(&env, &bare);
    for secret in [
        "PRIVATE-PLAN-7731",
        "HELD-BACK-4410",
        "ORPHAN-9921",
        "plan.txt",
    ] {
        assert!(
            !contains(&objects, secret.as_bytes()),
            "{secret} reached the partner"
        );
    }

    // The page shows the image, from beside it; the feeds link it from where they are.
    let page = String::from_utf8(published_blob(
        &env,
        &bare,
        &format!("docs/2026/11/{id}.html"),
    ))
    .unwrap();
    assert!(
        page.contains(&format!("<img src=\"{id}/board.jpg\" alt=\"board.jpg\"")),
        "{page}"
    );
    let root_feed = String::from_utf8(published_blob(&env, &bare, "feed.xml")).unwrap();
    assert!(
        root_feed.contains(&format!("src=&quot;docs/2026/11/{id}/board.jpg&quot;")),
        "{root_feed}"
    );
    let docs_feed = String::from_utf8(published_blob(&env, &bare, "docs/feed.xml")).unwrap();
    assert!(
        docs_feed.contains(&format!("src=&quot;2026/11/{id}/board.jpg&quot;")),
        "{docs_feed}"
    );
    let tag_feed = String::from_utf8(published_blob(&env, &bare, "docs/tags/retro.xml")).unwrap();
    assert!(
        tag_feed.contains(&format!("src=&quot;../2026/11/{id}/board.jpg&quot;")),
        "{tag_feed}"
    );
    // And the Markdown's relative link resolves in the published tree (forge view, clone).
    let md = String::from_utf8(published_blob(
        &env,
        &bare,
        &format!("entries/2026/11/{id}.md"),
    ))
    .unwrap();
    assert!(
        md.contains(&format!("![board.jpg]({id}/board.jpg)")),
        "{md}"
    );

    // Removing the entry takes its attachments off the partner too.
    env.wol_j().args(["rm", &id, "--yes"]).assert().success();
    env.wol_j().arg("publish").assert().success();
    let files = published_files(&env, &bare);
    assert!(files.iter().all(|f| !f.contains(&id)), "{files:#?}");
}

#[test]
fn published_photos_lose_their_location_but_keep_their_pixels_and_orientation() {
    let env = TestEnv::new();
    env.init_journal();
    let bare = env.bare_partner("pub");
    let original = photo_with_location();
    assert!(contains(&original, PLACE.as_bytes()));
    let photo = outside(&env, "IMG_0042.jpeg", &original);
    let png = outside(&env, "map.png", &png_with_location());
    let webp = outside(&env, "pond.webp", &webp_with_location());
    let gif = outside(&env, "bees.gif", &gif_with_location());
    let mut log = vec!["Garden visit"];
    for file in [&photo, &png, &webp, &gif] {
        log.extend(["--attach", file.to_str().unwrap()]);
    }
    let rel = env.log(&log);
    let id = crate::common::stem(&rel);
    env.wol_j().arg("publish").assert().success();

    // The journal keeps the author's file as it was.
    assert_eq!(
        fs::read(
            env.journal
                .join(format!("entries/2026/11/{id}/IMG_0042.jpeg"))
        )
        .unwrap(),
        original
    );
    for path in [
        format!("entries/2026/11/{id}/IMG_0042.jpeg"),
        format!("docs/2026/11/{id}/IMG_0042.jpeg"),
    ] {
        let published = published_blob(&env, &bare, &path);
        assert!(
            !contains(&published, PLACE.as_bytes()),
            "{path} has the place"
        );
        assert!(!contains(&published, b"GPSLatitude"), "{path} has XMP GPS");
        assert!(!contains(&published, &[0x88, 0x25]), "{path} has a GPS IFD");
        assert!(
            !contains(&published, b"http://ns.adobe.com/xap"),
            "{path} has XMP"
        );
        // The compressed image is copied as it was, not re-encoded, and ends the file (the
        // second image is gone); the ICC profile stays.
        assert_eq!(scan_data(&published), scan_data(TINY_JPEG));
        assert!(contains(&published, b"ICC_PROFILE"));
        // The orientation stays, so a portrait photo stays upright.
        assert!(
            contains(&published, &[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6]),
            "{path} lost its orientation"
        );
    }
    // The other formats are published too, still whole, without the place.
    for dir in ["entries", "docs"] {
        let png = published_blob(&env, &bare, &format!("{dir}/2026/11/{id}/map.png"));
        assert!(
            png.ends_with(b"\0\0\0\0IEND\xae\x42\x60\x82"),
            "{dir}: map.png"
        );
        let webp = published_blob(&env, &bare, &format!("{dir}/2026/11/{id}/pond.webp"));
        assert_eq!(
            webp[4..8],
            (webp.len() as u32 - 8).to_le_bytes(),
            "{dir}: pond.webp"
        );
        assert_eq!(webp[20], 0, "{dir}: pond.webp still announces EXIF or XMP");
        let gif = published_blob(&env, &bare, &format!("{dir}/2026/11/{id}/bees.gif"));
        assert!(
            contains(&gif, b"NETSCAPE2.0") && gif.ends_with(b"\0\x3b"),
            "{dir}: bees.gif"
        );
        for (name, published) in [("map.png", png), ("pond.webp", webp), ("bees.gif", gif)] {
            assert!(
                !contains(&published, PLACE.as_bytes()),
                "{dir}: {name} has the place"
            );
            assert!(
                !contains(&published, b"GPSLatitude"),
                "{dir}: {name} has XMP GPS"
            );
        }
    }
    // Nothing anyone who clones the partner's repository can read holds the place.
    assert!(!contains(&every_object(&env, &bare), PLACE.as_bytes()));

    // A photo without metadata is published byte for byte.
    let plain = outside(&env, "plain.jpg", TINY_JPEG);
    let rel = env.log(&["Plain photo", "--attach", plain.to_str().unwrap()]);
    env.wol_j().arg("publish").assert().success();
    let id = crate::common::stem(&rel);
    assert_eq!(
        published_blob(&env, &bare, &format!("docs/2026/11/{id}/plain.jpg")),
        TINY_JPEG
    );
}

/// An SVG or HTML attachment can hold scripts; served from the site, they would run with
/// the site's address. They go beside the entry's Markdown, never into `docs/`.
#[test]
fn files_that_run_scripts_stay_off_the_site() {
    let env = TestEnv::new();
    env.init_journal();
    let bare = env.bare_partner("pub");
    let svg = outside(
        &env,
        "diagram.SVG",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>\n",
    );
    let html = outside(&env, "slides.html", b"<script>alert(3)</script>\n");
    let photo = outside(&env, "board.jpg", TINY_JPEG);
    let path = env.log(&[
        "Slides and a diagram",
        "--attach",
        svg.to_str().unwrap(),
        "--attach",
        html.to_str().unwrap(),
        "--attach",
        photo.to_str().unwrap(),
    ]);
    let id = path.file_stem().unwrap().to_str().unwrap().to_string();
    let out = env.wol_j().args(["publish"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    for name in ["diagram.SVG", "slides.html"] {
        assert!(
            err.contains(&format!(
                "{id}/{name} is published beside the entry but not on its site"
            )),
            "{name}: {err}"
        );
    }
    let files = published_files(&env, &bare);
    let month = "2026/11";
    for name in ["diagram.SVG", "slides.html", "board.jpg"] {
        assert!(
            files.contains(&format!("entries/{month}/{id}/{name}")),
            "{files:#?}"
        );
    }
    assert!(
        files.contains(&format!("docs/{month}/{id}/board.jpg")),
        "{files:#?}"
    );
    let on_site: Vec<&String> = files
        .iter()
        .filter(|f| f.starts_with("docs/") && (f.ends_with(".SVG") || f.ends_with("slides.html")))
        .collect();
    assert!(on_site.is_empty(), "{on_site:#?}");
    // The page and the feed point at no file the site lacks; the photo still shows.
    let entry_md = String::from_utf8(published_blob(
        &env,
        &bare,
        &format!("entries/{month}/{id}.md"),
    ))
    .unwrap();
    assert!(
        entry_md.contains(&format!("{id}/diagram.SVG")),
        "the Markdown links it: {entry_md}"
    );
    for file in [format!("docs/{month}/{id}.html"), "feed.xml".to_string()] {
        let text = String::from_utf8(published_blob(&env, &bare, &file)).unwrap();
        for name in ["diagram.SVG", "slides.html"] {
            assert!(!text.contains(&format!("{id}/{name}")), "{file}: {text}");
        }
        assert!(text.contains(&format!("{id}/board.jpg")), "{file}: {text}");
    }
    // The inert link is the file's name, as text.
    let page = String::from_utf8(published_blob(
        &env,
        &bare,
        &format!("docs/{month}/{id}.html"),
    ))
    .unwrap();
    assert!(page.contains("diagram.SVG"), "{page}");
}

#[test]
fn the_secret_scan_reads_attachment_names_and_text() {
    let env = TestEnv::new();
    env.init_journal();
    let bare = env.bare_partner("pub");
    let toml = env
        .read("wol.toml")
        .replace("never = []", "never = [\"falcon\"]");
    env.write("wol.toml", toml);
    env.git(["commit", "-qam", "never"]);
    let named = outside(&env, "project-falcon.pdf", b"%PDF-1.4 nothing to see");
    let inside = outside(&env, "notes.txt", b"line one\nthe falcon lands\n");
    env.log(&["Named badly", "--attach", named.to_str().unwrap()]);
    env.log(&["Text inside", "--attach", inside.to_str().unwrap()]);
    let err = env.fails(
        &["publish"],
        "the name of attachment 1 looks like a secret ([publish] never pattern #1)",
    );
    assert!(
        err.contains("attachment 1, line 2 looks like a secret ([publish] never pattern #1)"),
        "{err}"
    );
    assert!(!err.contains("falcon"), "{err}");
    assert!(env.git_in(&bare, ["for-each-ref"]).is_empty());
}

#[test]
fn exports_take_the_attachments_along() {
    let env = TestEnv::new();
    env.init_journal();
    let photo = outside(&env, "p.jpg", TINY_JPEG);
    let rel = env.log(&["With a photo", "--attach", photo.to_str().unwrap()]);
    let id = crate::common::stem(&rel);
    let md = env.root.join("md");
    env.wol_j()
        .args(["export", "--format", "markdown"])
        .arg(&md)
        .assert()
        .success();
    assert_eq!(
        fs::read(md.join(format!("entries/2026/11/{id}/p.jpg"))).unwrap(),
        TINY_JPEG
    );
    let html = env.root.join("html");
    env.wol_j()
        .args(["export", "--format", "html"])
        .arg(&html)
        .assert()
        .success();
    let page = fs::read_to_string(html.join(format!("entries/2026/11/{id}.html"))).unwrap();
    assert!(page.contains(&format!("<img src=\"{id}/p.jpg\"")), "{page}");
    assert_eq!(
        fs::read(html.join(format!("entries/2026/11/{id}/p.jpg"))).unwrap(),
        TINY_JPEG
    );
}

/// A photo wol cannot clean stays home. The plan says so before anything goes, and the
/// published entry does not link the missing file.
#[test]
fn a_photo_wol_cannot_clean_is_held_back_in_the_plan_and_unlinked() {
    let env = TestEnv::new();
    env.init_journal();
    let bare = env.bare_partner("pub");
    // Not a JPEG at all: its metadata cannot be checked.
    let broken = outside(&env, "holiday.jpg", &[0x5a; 3000]);
    let photo = outside(&env, "board.jpg", TINY_JPEG);
    let path = env.log(&[
        "Trip report",
        "--attach",
        broken.to_str().unwrap(),
        "--attach",
        photo.to_str().unwrap(),
    ]);
    let id = path.file_stem().unwrap().to_str().unwrap().to_string();

    let dry = env.json(&["publish", "--dry-run"], &[]);
    let item = &dry["partners"][0]["publish"][0];
    assert_eq!(item["attachments"], 1, "{dry}");
    assert_eq!(item["attachments_held_back"][0], "holiday.jpg", "{dry}");
    let text = env.wol_j().args(["publish", "--dry-run"]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(
        text.contains("(+1 attachment)")
            && text.contains("held back")
            && text.contains("holiday.jpg"),
        "{text}"
    );

    env.wol_j().arg("publish").assert().success();
    let files = published_files(&env, &bare);
    assert!(
        !files.iter().any(|f| f.ends_with("holiday.jpg")),
        "{files:#?}"
    );
    let md = String::from_utf8(published_blob(
        &env,
        &bare,
        &format!("entries/2026/11/{id}.md"),
    ))
    .unwrap();
    assert!(!md.contains(&format!("{id}/holiday.jpg")), "{md}");
    assert!(md.contains("holiday.jpg"), "the name stays, as text: {md}");
    assert!(md.contains(&format!("]({id}/board.jpg)")), "{md}");
    // The journal's own entry keeps its links.
    assert!(env.read(&path).contains(&format!("]({id}/holiday.jpg)")));
}
