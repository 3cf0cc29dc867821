"""Feed, metadata and HTTP checks that scripts/audit-site.sh adds to shared/audit, run
with the venv that install.sh makes ($AUDIT_HOME/extra/py):

  - feedparser reads /feed.xml: well formed, one entry per section, every link in an
    entry's content absolute once xml:base is applied, and none root-relative as sent;
    and the comment feeds (/feed/comments.xml, /feed/comments/risks.xml, where
    audit-site.sh approves its comments): well formed, not empty, every link absolute;
  - extruct reads the JSON-LD and OpenGraph of every page named, and the page must name
    a twitter:card;
  - REDbot checks the HTTP of pages, feeds, a fingerprinted stylesheet and an SVG: any
    note it rates BAD fails.

Usage: python checks.py BASE_URL PATH...   Last line:
  python-checks: pages=N feed_entries=7 comment_feed_entries=M problems=0 redbot_warnings=K result=pass
"""
import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import extruct
import feedparser

base, paths = sys.argv[1], sys.argv[2:]
problems = []


def get(url):
    with urllib.request.urlopen(url) as response:
        return response.read().decode("utf-8")


# The feed, as a feed reader sees it.
raw = get(base + "/feed.xml")
feed = feedparser.parse(raw)
if feed.bozo:
    problems.append(f"feed: not well formed: {feed.bozo_exception}")
for entry in feed.entries:
    for content in entry.get("content", []):
        for link in re.findall(r'(?:href|src)="([^"]*)"', content.value):
            if not link.startswith(("http://", "https://", "mailto:")):
                problems.append(f"feed: {entry.link}: link {link!r} is not absolute")
if re.search(r"(?:href|src)=&#34;/", raw) or re.search(r'(?:href|src)=&quot;/', raw):
    problems.append("feed: entry content has root-relative links as sent")
sections = len(re.findall(r"<loc>[^<]*/guide/[^<]+</loc>", get(base + "/sitemap.xml")))
if len(feed.entries) != sections:
    problems.append(f"feed: {len(feed.entries)} entries for {sections} sections")

# The comment feeds: audit-site.sh approved comments on the risks section.
comment_entries = 0
for path in ("/feed/comments.xml", "/feed/comments/risks.xml"):
    comments = feedparser.parse(get(base + path))
    if comments.bozo:
        problems.append(f"{path}: not well formed: {comments.bozo_exception}")
    if not comments.entries:
        problems.append(f"{path}: no entries")
    comment_entries += len(comments.entries)
    links = [comments.feed.get("link", "")] + [l.href for l in comments.feed.get("links", [])]
    for entry in comments.entries:
        links += [entry.get("link", ""), entry.get("id", "")]
        for content in entry.get("content", []):
            links += re.findall(r'(?:href|src)="([^"]*)"', content.value)
    for link in links:
        if not link.startswith(("http://", "https://")):
            problems.append(f"{path}: link {link!r} is not absolute")

# Structured data and link-preview metadata on every page.
for path in paths:
    html = get(base + path)
    data = extruct.extract(html, base_url=base + path, syntaxes=["json-ld", "opengraph"], uniform=True)
    if path.startswith("/guide/") or path == "/":
        if not data["json-ld"]:
            problems.append(f"{path}: no JSON-LD")
    if path.startswith("/guide/"):
        pages = [n for block in data["json-ld"] for n in block.get("@graph", []) if n.get("@type") == "MedicalWebPage"]
        if not pages or not isinstance(pages[0].get("commentCount"), int):
            problems.append(f"{path}: no commentCount in the MedicalWebPage")
        elif any(c.get("@type") != "Comment" or not c.get("author") or not c.get("dateCreated") for c in pages[0].get("comment", [])):
            problems.append(f"{path}: a comment item without @type Comment, author or dateCreated")
    og = {k: v for item in data["opengraph"] for k, v in item.items()}
    # extruct's uniform output turns og:type into @type.
    for key in ("og:title", "@type", "og:url"):
        if key not in og:
            problems.append(f"{path}: no {key}")
    if not re.search(r'<meta name="twitter:card" content="summary(_large_image)?">', html):
        problems.append(f"{path}: no twitter:card")

# HTTP, the way REDbot reads it.
home = get(base + "/")
css = re.search(r'<link rel="stylesheet" href="([^"]+)"', home).group(1)
svg = re.search(r'<img src="(/static/[^"]+\.svg)"', get(base + "/guide/process")).group(1)
redbot = Path(sys.executable).with_name("redbot")
warnings = 0
for path in ["/", "/guide/process", "/guide", "/feed.xml", "/feed/comments.xml", "/sitemap.xml", css, svg, "/no-such-page"]:
    out = subprocess.run([str(redbot), "-o", "har", base + path], capture_output=True, text=True, timeout=120)
    try:
        notes = json.loads(out.stdout)["log"]["entries"][0]["_red_messages"]
    except (ValueError, KeyError, IndexError):
        problems.append(f"redbot {path}: no report: {out.stderr.strip()[:300]}")
        continue
    for note in notes:
        if note["level"] == "BAD":
            problems.append(f"redbot {path}: {note['subject']}: {note['summary']}")
        elif note["level"] == "WARN":
            warnings += 1
            print(f"redbot {path}: warning: {note['subject']}: {note['summary']}")

for problem in problems:
    print(problem)
result = "pass" if not problems else "fail"
print(f"python-checks: pages={len(paths)} feed_entries={len(feed.entries)} comment_feed_entries={comment_entries} problems={len(problems)} redbot_warnings={warnings} result={result}")
sys.exit(0 if not problems else 1)
