#!/usr/bin/env python3
"""Makes tests/fixtures/guide from content/: the same files, front matter and headings, with
only the first two blocks of text under each heading (callouts keep their first lines).

The integration tests run on this copy so that an editor's change to content/ never breaks
a Rust test. Regenerate it only on purpose (when the content's shape changes, e.g. a new
required file or field), then run the tests and fix what they say:

    python3 scripts/make-fixture-guide.py
"""
import glob, os, re, shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC, DST = os.path.join(ROOT, "content"), os.path.join(ROOT, "tests/fixtures/guide")
KEEP_UNDER_HEADING = 2

shutil.rmtree(DST, ignore_errors=True)
shutil.copytree(SRC, DST)
for path in glob.glob(f"{DST}/guide/*.md") + glob.glob(f"{DST}/pages/*.md") + [f"{DST}/home.md"]:
    text = open(path).read()
    parts = text.split("+++")
    front, body = "+++".join(parts[:2]) + "+++", "+++".join(parts[2:])
    out, kept = [], 0
    for block in re.split(r"\n\s*\n", body.strip("\n")):
        first = block.lstrip().split("\n")[0]
        if first.startswith("#"):
            out.append(block); kept = 0
        elif first.startswith("> [!"):
            lines = block.split("\n")
            out.append("\n".join(lines[:1] + [l for l in lines[1:] if l.strip() != ">"][:2]))
        elif first.startswith(("|", "![", "Table:")) or first.strip() in ("{faq}", "{steps}", "{pros-and-cons}"):
            out.append(block)
        elif kept < KEEP_UNDER_HEADING:
            out.append(block); kept += 1
    open(path, "w").write(front + "\n" + "\n\n".join(out) + "\n")
print(f"wrote {DST}")
