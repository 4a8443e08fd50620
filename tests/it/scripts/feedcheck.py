"""Read every feed of a published clone with feedparser, as a feed reader would.

Usage: python3 feedcheck.py CLONE_DIR

For each Atom and JSON feed in the clone (feed.xml, feed.json, docs/feed.xml,
docs/feed.json, docs/tags/*.xml, docs/kinds/*.xml): parse it as served from a web server
whose root is the clone (so relative links resolve against where the file is served, as a
reader resolves them), and check that it is
well-formed (no bozo), has a title and entries, and that every entry has an id, a title
and a link that resolves to a file in the clone. Prints one JSON object: {"feeds": n,
"entries": n, "ids": [...], "problems": [...]}.
"""

import glob
import json
import os
import sys
import urllib.parse

import feedparser

# Where the clone is pretended to be served from.
BASE = "http://follower.invalid/"


def json_feed(path, rel, problems):
    """A JSON Feed 1.1 file as a feedparser-like result, or None (with a problem noted)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except ValueError as e:
        problems.append(f"{rel}: not JSON: {e}")
        return None
    if not str(data.get("version", "")).startswith("https://jsonfeed.org/version/1"):
        problems.append(f"{rel}: no JSON Feed version")
    items = data.get("items")
    if not isinstance(items, list):
        problems.append(f"{rel}: no items list")
        return None
    entries = []
    for item in items:
        if not (item.get("content_html") or item.get("content_text")):
            problems.append(f"{rel}: item {item.get('id')} has no content")
        entries.append(feedparser.FeedParserDict(
            id=item.get("id"), title=item.get("title"), link=item.get("url")))
    return feedparser.FeedParserDict(
        bozo=0, feed=feedparser.FeedParserDict(title=data.get("title")), entries=entries)


def main() -> int:
    clone = os.path.abspath(sys.argv[1])
    patterns = ["feed.xml", "feed.json", "docs/feed.xml", "docs/feed.json",
                "docs/tags/*.xml", "docs/kinds/*.xml"]
    paths = sorted({p for pat in patterns for p in glob.glob(os.path.join(clone, pat))})
    problems, ids, entries = [], set(), 0
    for path in paths:
        rel = os.path.relpath(path, clone)
        url = BASE + urllib.parse.quote(rel)
        if path.endswith(".json"):
            # feedparser 6.0 reads Atom and RSS only: a JSON Feed is read as its spec
            # (jsonfeed.org/version/1.1) describes it, into the same shape.
            feed = json_feed(path, rel, problems)
            if feed is None:
                continue
        else:
            with open(path, "rb") as f:
                feed = feedparser.parse(f.read(), response_headers={
                    "content-location": url, "content-type": "application/atom+xml"})
        if feed.bozo:
            problems.append(f"{rel}: not well-formed: {feed.bozo_exception!r}")
            continue
        if not feed.feed.get("title"):
            problems.append(f"{rel}: no feed title")
        if not feed.entries:
            problems.append(f"{rel}: no entries")
        for e in feed.entries:
            entries += 1
            if not e.get("id"):
                problems.append(f"{rel}: an entry without an id")
            else:
                ids.add(e["id"])
            if not e.get("title"):
                problems.append(f"{rel}: an entry without a title")
            link = e.get("link")
            if not link:
                problems.append(f"{rel}: entry {e.get('id')} has no link")
                continue
            target = urllib.parse.urljoin(url, link)
            if not target.startswith(BASE):
                problems.append(f"{rel}: entry link {link} resolves to {target}, outside the site")
                continue
            parsed = urllib.parse.urlparse(target)
            local = os.path.join(clone, urllib.parse.unquote(parsed.path).lstrip("/"))
            if not os.path.isfile(local):
                problems.append(f"{rel}: entry link {link} resolves to {local}, which does not exist")
    print(json.dumps({"feeds": len(paths), "entries": entries, "ids": sorted(ids),
                      "problems": problems}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
