#!/usr/bin/env python3
"""Generate a committed wol journal with N entries, for benchmarks.

    python3 bench/gen_journal.py DIR N [--seed S] [--history single|entry] [--newest-month M]

DIR must not exist (or be empty). The journal has the layout of DESIGN.md:

    wol.toml, .gitignore (".wol/"), entries/YYYY/MM/YYYY-MM-DD-HHMM-<slug>.md

Entries run backwards from Sunday 2026-11-22 (ISO week 2026-W47): 5-11 on each working
day (8 on average), now and then one or two on a weekend, back as far as N needs
(10,000 entries go back ~5 years, 100,000 ~48 years). Times are 08:00-19:30 local,
Central European time (+01:00, +02:00 in summer). Bodies are 100-2000 bytes of
Markdown, some with ## Learned / ## Next / ## Help wanted sections, @mentions and #tags.

With --newest-month M, the newest month (2026-11, up to the 22nd) holds M entries,
spread evenly over its days (a team journal, or a month folder `wol list -n 10` must
read in full); the older months are generated as usual until the total is N.

Search words: "zanzibar" is in ~1% of entries (nowhere else: not in titles, tags or
vocabulary), "community" in ~40%.

Deterministic: every day is generated from its own RNG seeded by (seed, date), so the
same seed gives byte-identical files and commit ids, and the newest weeks are the same
whatever N is (so `wol digest --week 2026-W47` reads the same entries at 10k and 100k).

Git: files are written with mtime = the entry's date, then `git init -q -b main` and a
single `git fast-import` stream builds the history (default --history single: one
commit for wol.toml/.gitignore and one with all the entries; --history entry: one
commit per entry, like real use; slower). Finally the index is read from HEAD and
refreshed, so `git status --porcelain` is empty. The script sets GIT_CONFIG_GLOBAL and
GIT_CONFIG_SYSTEM to /dev/null and the author/committer through the environment; it
also writes user.name/user.email into the journal's own .git/config so commands that
commit in it (wol, the git baseline) do not depend on the caller's config, and gc.auto = 0
so that neither packs loose objects by itself in the middle of a benchmark.

Python 3.11+ standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import subprocess
import sys
import time

END = dt.date(2026, 11, 22)
AUTHOR = "Theresa Fend"
EMAIL = "theresa@example.org"

WOL_TOML = """\
# wol journal config — see `wol help` and README.md.
author = "Theresa Fend"
default_visibility = "public"
kinds = ["progress", "learning", "help", "decision", "credit"]
"""
GITIGNORE = ".wol/\n"

RARE_WORD = "zanzibar"
COMMON_WORD = "community"

KINDS = ["progress"] * 40 + ["learning"] * 25 + ["help"] * 10 + ["decision"] * 15 + ["credit"] * 10
TAGS = ["onboarding", "docs", "loomio", "rust", "governance", "meetings", "release",
        "ci", "review", "funding", "events", "translation", "design", "infra",
        "security", "research", "facilitation", "newsletter", "python", "git"]
# A few tags are much more common than the others, as in a real journal.
TAG_WEIGHTS = [8, 10, 5, 9, 4, 4, 3, 3, 4, 1, 2, 1, 2, 2, 1, 2, 2, 1, 2, 2]
PARTNERS = ["gig", "ouishare", "commonsfund", "openlab"]
PEOPLE = ["maria", "gig", "ouishare", "jonas", "aiko", "sam", "priya", "tomasz",
          "lea", "omar", "commonsfund", "openlab"]

TITLE_VERBS = {
    "progress": ["Shipped", "Finished", "Drafted", "Reworked", "Cleaned up", "Set up",
                 "Published", "Merged", "Migrated", "Tested", "Started", "Reviewed"],
    "learning": ["What I learned about", "Notes on", "Understanding", "A closer look at",
                 "Lessons from", "TIL about", "Reading up on", "Pitfalls of"],
    "help": ["Looking for help with", "Need a reviewer for", "Stuck on",
             "Anyone experienced with", "Looking for a partner for", "Questions about"],
    "decision": ["Decided on", "Agreed on", "Dropping", "Switching to", "Postponing",
                 "Keeping", "Voted on"],
    "credit": ["Thanks for", "Credit for", "Kudos for", "Shout-out for", "Grateful for"],
}
TITLE_OBJECTS = [
    "the onboarding guide", "the contributor checklist", "the Loomio proposal template",
    "the release notes", "the CI cache", "the docs site search", "the translation workflow",
    "the weekly call format", "the membership fee model", "the code of conduct",
    "the newsletter", "the funding application", "the meetup in Vienna",
    "the error messages", "the sync crate", "the backup script", "the issue triage rota",
    "the knowledge-sharing agreement", "the facilitation kit", "the accessibility audit",
    "the mentoring programme", "the retrospective", "the roadmap", "the wiki structure",
    "the security policy", "the dependency update", "the packaging scripts",
    "the volunteer survey", "the governance handbook", "the event budget",
]

OPENERS = [
    "Spent most of the morning on this.", "Short session today, but a useful one.",
    "Picked this up again after a week away.", "Paired on this with two others.",
    "This took longer than planned.", "A quick one between calls.",
    "Finally found the time for it.", "Followed up on last week's discussion.",
]
SENTENCES = [
    "The first draft was far too long, so I cut it in half.",
    "Most of the time went into reading the old threads to understand why it was built this way.",
    "We tried two approaches and kept the simpler one.",
    "The tests caught a regression in the date handling before it went out.",
    "Three people left comments within an hour, which helped a lot.",
    "I wrote down the steps so the next person does not have to rediscover them.",
    "The numbers look better than expected: the build is down from nine minutes to four.",
    "There is still an open question about who maintains this in the long run.",
    "Moved the discussion from the chat to the forum so it does not get lost.",
    "The checklist is now in the wiki, linked from the first page.",
    "Half of the work was renaming things so they mean what they say.",
    "Nobody had touched this file in two years, and it showed.",
    "We agreed to try it for a month and then look at it again.",
    "I underestimated how many small decisions were hidden in it.",
    "The feedback from newcomers was clear: fewer words, more examples.",
    "A diagram on the whiteboard did more than the two-page write-up.",
    "Updated the issue with what we know so far and what is still unclear.",
    "It works on Linux and macOS; Windows is untested.",
    "The slides and the recording are linked from the meeting notes.",
    "Wrote a small script to check the links in every page.",
    "The old process needed four manual steps; the new one needs one.",
    "We will revisit the naming once more people have used it.",
]
COMMON_SENTENCES = [
    "Shared it with the community in the Thursday call.",
    "The community chat had good ideas on this.",
    "Asked the community for feedback before merging.",
    "This came up twice in community questions this month.",
]
RARE_SENTENCES = [
    "Named the test fixture zanzibar so it is easy to grep for.",
    "The zanzibar branch is where the experiment lives for now.",
    "Found the old zanzibar notes from the 2019 sprint, still accurate.",
]
LEARNED = [
    "People skip long docs; a checklist works better.",
    "Small, frequent releases are easier to review than big ones.",
    "Asking a specific person gets an answer faster than asking everyone.",
    "Time zones matter more than the tool: say the time in two zones.",
    "A failing test that explains itself saves an hour of debugging.",
    "Writing the decision down, with the reasons, ends most repeat discussions.",
    "Defaults matter: most people never change them.",
    "Recording calls helps the people who cannot attend more than the notes do.",
]
NEXT = [
    "Ask for a review before Friday.", "Write the changelog entry.",
    "Test it with two newcomers next week.", "Put it on the agenda of the next call.",
    "Open an issue for the remaining edge cases.", "Update the wiki page and the pinned message.",
    "Port the same change to the other repository.", "Check back with the working group in two weeks.",
]
HELP = [
    "Someone who has run a Loomio vote for 200+ members.",
    "A reviewer who knows the CI cache settings.",
    "Someone fluent in Italian to check the translation.",
    "A designer with half an hour to look at the contrast of code blocks.",
    "Anyone who has moved a wiki to a static site before.",
    "Someone who understands the accounting side of event budgets.",
]
BULLETS = [
    "collected the open questions in one place", "closed four stale issues",
    "answered the newcomers in the forum", "merged the small fixes",
    "booked the room for the next meetup", "sent the minutes to the list",
    "updated the dependencies", "wrote a first test", "asked for a second opinion",
    "tidied up the labels", "moved the notes to the wiki", "added examples to the guide",
]


def slugify(title: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return s[:60].rstrip("-") or "entry"


def toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def last_sunday(year: int, month: int) -> dt.date:
    d = dt.date(year, month, 31)
    return d - dt.timedelta(days=(d.weekday() + 1) % 7)


_dst_cache: dict[int, tuple[dt.date, dt.date]] = {}


def utc_offset_hours(day: dt.date) -> int:
    """Central European time: +02:00 from the last Sunday of March to the day before the
    last Sunday of October (entries are written between 08:00 and 20:00)."""
    r = _dst_cache.get(day.year)
    if r is None:
        r = _dst_cache[day.year] = (last_sunday(day.year, 3), last_sunday(day.year, 10))
    return 2 if r[0] <= day < r[1] else 1


NEWEST_MONTH: int | None = None


def entries_on(day: dt.date, seed: int) -> int:
    if NEWEST_MONTH is not None and (day.year, day.month) == (END.year, END.month):
        days = END.day
        return NEWEST_MONTH // days + (1 if day.day - 1 < NEWEST_MONTH % days else 0)
    rng = random.Random(f"{seed}:count:{day.isoformat()}")
    if day == END:  # the journal always ends on END (a Sunday), as the example journal does
        return rng.randint(1, 2)
    if day.weekday() < 5:
        return rng.randint(5, 11)
    r = rng.random()
    return 0 if r < 0.75 else (1 if r < 0.95 else 2)


def make_body(rng: random.Random, kind: str) -> str:
    target = min(2000, max(100, int(rng.lognormvariate(6.2, 0.55))))  # median ~490 bytes
    parts: list[str] = []
    size = 0

    def add(text: str) -> None:
        nonlocal size
        parts.append(text)
        size += len(text) + 2

    para = [rng.choice(OPENERS)]
    if rng.random() < 0.40:
        para.append(rng.choice(COMMON_SENTENCES))
    if rng.random() < 0.01:
        para.append(rng.choice(RARE_SENTENCES))
    if rng.random() < 0.5:
        para.append(f"@{rng.choice(PEOPLE)} was in on it.")
    add(" ".join(para))
    # Fill up to the target size with paragraphs and bullet lists.
    budget_for_sections = 0 if target < 250 else min(400, target // 3)
    pool = rng.sample(SENTENCES, len(SENTENCES))  # no sentence twice in an entry (until it runs out)
    bullets_done = False
    while size < target - budget_for_sections:
        if not bullets_done and rng.random() < 0.25:
            bullets_done = True
            add("\n".join(f"- {b}" for b in rng.sample(BULLETS, rng.randint(2, 4))))
        else:
            if len(pool) < 4:
                pool = rng.sample(SENTENCES, len(SENTENCES))
            k = rng.randint(2, 4)
            add(" ".join(pool[:k]))
            del pool[:k]
    if rng.random() < 0.3:
        parts[-1] += " " + " ".join(f"#{t}" for t in rng.sample(TAGS, rng.randint(1, 2)))
    if budget_for_sections:
        if kind == "learning" or rng.random() < 0.35:
            add("## Learned\n" + rng.choice(LEARNED))
        if rng.random() < 0.45:
            nxt = rng.choice(NEXT)
            if rng.random() < 0.3:
                nxt += f" @{rng.choice(PEOPLE)}"
            add("## Next\n" + nxt)
        if kind == "help" or rng.random() < 0.08:
            add("## Help wanted\n" + rng.choice(HELP))
    return "\n\n".join(parts) + "\n"


def day_entries(day: dt.date, count: int, seed: int) -> list[tuple[str, bytes, int, str, int]]:
    """The entries of one day, oldest first: (path, content, epoch, title, offset_h)."""
    rng = random.Random(f"{seed}:day:{day.isoformat()}")
    off = utc_offset_hours(day)
    tz = dt.timezone(dt.timedelta(hours=off))
    minutes = sorted(rng.sample(range(8 * 60, 19 * 60 + 30), count))
    used: set[str] = set()
    out = []
    for m in minutes:
        kind = rng.choice(KINDS)
        title = f"{rng.choice(TITLE_VERBS[kind])} {rng.choice(TITLE_OBJECTS)}"
        tags = sorted(set(rng.choices(TAGS, weights=TAG_WEIGHTS, k=rng.randint(1, 3))))
        v = rng.random()
        visibility = "public" if v < 0.85 else ("partners" if v < 0.95 else "private")
        if PRIVATE_SHARE is not None:
            visibility = "private" if v >= 1 - PRIVATE_SHARE else ("public" if v < 0.85 else "partners")
        to = rng.sample(PARTNERS, rng.randint(1, 2)) if visibility == "partners" and rng.random() < 0.6 else None
        when = dt.datetime(day.year, day.month, day.day, m // 60, m % 60, rng.randint(0, 59), tzinfo=tz)
        body = make_body(rng, kind)
        stem = f"{when:%Y-%m-%d-%H%M}-{slugify(title)}"
        name, n = stem, 2
        while name in used:
            name, n = f"{stem}-{n}", n + 1
        used.add(name)
        fm = [
            f"title = {toml_str(title)}",
            f"date = {when.isoformat()}",
            f"kind = {toml_str(kind)}",
            "tags = [" + ", ".join(toml_str(t) for t in tags) + "]",
            f"visibility = {toml_str(visibility)}",
            f"author = {toml_str(AUTHOR)}",
        ]
        if to:
            fm.append("to = [" + ", ".join(toml_str(t) for t in to) + "]")
        text = "+++\n" + "\n".join(fm) + "\n+++\n\n" + body
        path = f"entries/{when:%Y}/{when:%m}/{name}.md"
        out.append((path, text.encode(), int(when.timestamp()), title, off))
    return out


def plan_days(n: int, seed: int) -> list[tuple[dt.date, int]]:
    """Days (oldest first) with their entry counts, newest day = END, total = n.
    The oldest day keeps only its newest entries if it overshoots."""
    days: list[tuple[dt.date, int]] = []
    total, day = 0, END
    while total < n:
        c = entries_on(day, seed)
        if c:
            days.append((day, c))
            total += c
        day -= dt.timedelta(days=1)
    days.reverse()
    return days


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("GIT_"):
            del env[k]
    env.update(
        GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_SYSTEM="/dev/null", GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME=AUTHOR, GIT_AUTHOR_EMAIL=EMAIL,
        GIT_COMMITTER_NAME=AUTHOR, GIT_COMMITTER_EMAIL=EMAIL,
        GIT_AUTHOR_DATE="2026-11-22T20:00:00+01:00", GIT_COMMITTER_DATE="2026-11-22T20:00:00+01:00",
        LC_ALL="C",
    )
    return env


PRIVATE_SHARE: float | None = None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--history", choices=["single", "entry"], default="single",
                    help="one commit with all entries (default) or one commit per entry")
    ap.add_argument("--private", type=float, default=None, metavar="SHARE",
                    help="share of private entries (default: 5%%; bench/sync.sh uses 0.10)")
    ap.add_argument("--newest-month", type=int, default=None, metavar="M",
                    help="entries in the newest month, 2026-11 (default: ~8 per working day)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()
    global PRIVATE_SHARE, NEWEST_MONTH
    PRIVATE_SHARE = a.private
    NEWEST_MONTH = a.newest_month
    if NEWEST_MONTH is not None and not 0 <= NEWEST_MONTH <= END.day * 690:
        ap.error(f"--newest-month must be between 0 and {END.day * 690}")
    if a.n < 0:
        ap.error("N must be >= 0")
    root = os.path.abspath(a.dir)
    if os.path.exists(root) and os.listdir(root):
        print(f"gen_journal: {root} exists and is not empty; remove it first", file=sys.stderr)
        return 1
    t0 = time.monotonic()
    os.makedirs(root, exist_ok=True)
    env = git_env()

    def git(*args: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=root, env=env, check=True, **kw)

    git("init", "-q", "-b", "main")
    git("config", "user.name", AUTHOR)
    git("config", "user.email", EMAIL)
    # Nothing packs by itself (git's gc.auto, which wol follows too): a packing started
    # by one timed command would run into the next. bench/gc.sh times packing apart.
    git("config", "gc.auto", "0")

    for name, content in (("wol.toml", WOL_TOML), (".gitignore", GITIGNORE)):
        with open(os.path.join(root, name), "w") as f:
            f.write(content)

    days = plan_days(a.n, a.seed)
    first_day = days[0][0] if days else END
    first_off = utc_offset_hours(first_day)
    first_epoch = int(dt.datetime.combine(
        first_day, dt.time(7, 0), dt.timezone(dt.timedelta(hours=first_off))).timestamp())
    fi = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done", "--date-format=raw"],
        cwd=root, env=env, stdin=subprocess.PIPE, bufsize=1 << 20,
    )
    w = fi.stdin.write
    ident = f"{AUTHOR} <{EMAIL}>".encode()

    def commit_header(epoch: int, off: int, msg: str) -> None:
        m = msg.encode()
        stamp = f"{epoch} +0{off}00".encode()
        w(b"commit refs/heads/main\nauthor " + ident + b" " + stamp + b"\ncommitter " + ident + b" "
          + stamp + b"\ndata " + str(len(m)).encode() + b"\n" + m + b"\n")

    def inline(path: str, data: bytes) -> None:
        w(b"M 100644 inline " + path.encode() + b"\ndata " + str(len(data)).encode() + b"\n" + data + b"\n")

    commit_header(first_epoch, first_off, "Initialize wol journal")
    inline("wol.toml", WOL_TOML.encode())
    inline(".gitignore", GITIGNORE.encode())
    if a.history == "single" and days:
        commit_header(int(dt.datetime(2026, 11, 22, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))).timestamp()),
                      1, f"Import {a.n} entries")

    made_dirs: set[str] = set()
    written = 0
    skip = sum(c for _, c in days) - a.n  # oldest day overshoot: drop its oldest entries
    for day, count in days:
        for path, data, epoch, title, off in day_entries(day, count, a.seed):
            if skip:
                skip -= 1
                continue
            d = os.path.dirname(path)
            if d not in made_dirs:
                os.makedirs(os.path.join(root, d), exist_ok=True)
                made_dirs.add(d)
            full = os.path.join(root, path)
            with open(full, "wb") as f:
                f.write(data)
            os.utime(full, (epoch, epoch))
            if a.history == "entry":
                commit_header(epoch, off, f"log: {title}")
            inline(path, data)
            written += 1
    w(b"done\n")
    fi.stdin.close()
    if fi.wait() != 0:
        print("gen_journal: git fast-import failed", file=sys.stderr)
        return 1
    t1 = time.monotonic()
    # Index from HEAD, then refresh the stat data (the contents are hashed once).
    git("read-tree", "HEAD")
    git("update-index", "-q", "--refresh", stdout=subprocess.DEVNULL)
    status = git("status", "--porcelain", capture_output=True).stdout
    if status:
        print("gen_journal: work tree not clean after generation:\n" + status.decode()[:2000], file=sys.stderr)
        return 1
    t2 = time.monotonic()
    if not a.quiet:
        span = f"{days[0][0]} .. {days[-1][0]}" if days else "no entries"
        print(f"gen_journal: {written} entries ({span}) in {root}: "
              f"files+fast-import {t1 - t0:.1f}s, index {t2 - t1:.1f}s, total {t2 - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
