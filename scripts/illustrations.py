#!/usr/bin/env python3
"""Draws the guide's three illustrations into static/img/ (run from the repository root):
smp-journey.svg (numbered sessions), follicle-dots.svg (stubble and dots, a light skin tone)
and hairline-ageing.svg (fading and a touch-up, a deep skin tone).

Every label is a <text> with a font-size attribute of 18 units or more in a viewBox at most
460 units wide, so that on a 360 px phone (326 px of image) no label is under 12 px; the
browser journeys check this. Colours live in one <style> with a prefers-color-scheme block,
so the pictures follow the reader's dark mode. The dot patterns are seeded: reruns give
the same files.
"""
import math
import random
STYLE = """<style>
    .bg{fill:#faf7f2}.frame{fill:none;stroke:#0b5563}.line{stroke:#0b5563}.mark{fill:#0b5563}
    .hollow{fill:#faf7f2;stroke:#0b5563}.on{fill:#fff}.ons{stroke:#fff}.t{fill:#0b5563}.s{fill:#1d2a30}.m{fill:#4b5961}
    text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif}
    @media (prefers-color-scheme:dark){
      .bg{fill:#18242a}.frame{stroke:#74c7d3}.line{stroke:#74c7d3}.mark{fill:#74c7d3}
      .hollow{fill:#18242a;stroke:#74c7d3}.on{fill:#0a1f24}.ons{stroke:#0a1f24}.t{fill:#8ad4df}.s{fill:#e9e6df}.m{fill:#b1bcc1}
    }
  </style>"""

def svg(w, h, body):
    return f'''<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">
  {STYLE}
  <rect class="bg" width="{w}" height="{h}"/>
{body}</svg>
'''

# 1. The journey: a vertical timeline with numbered sessions.
def journey():
    W = 420
    x = 44
    out = []
    items = [
        ("consult", "Consultation", "Agree the look you want"),
        ("session", "Session 1", "A few hours; numbing first"),
        ("heal", "Heal, with aftercare:", "days to weeks"),
        ("session", "Session 2", "More dots build the look"),
        ("heal", "Heal, with aftercare:", "days to weeks"),
        ("session", "Session 3", "More if your plan needs it"),
        ("years", "Years later", None),
        ("touch", "Touch-ups", "When the dots soften"),
    ]
    # (kind, y of the marker)
    layout = [("consult",46),("session",124),("heal",188),("session",254),("heal",318),("session",384),("years",452),("touch",522)]
    H = 572
    # spine
    out.append(f'  <path class="line" d="M{x} 46V384" stroke-width="4" stroke-linecap="round"/>')
    out.append(f'  <path class="line" d="M{x} 384V522" stroke-width="4" stroke-linecap="round" stroke-dasharray="2 10"/>')
    n = 0
    texts = []
    for (kind, yy), (k2, a, b) in zip(layout, items):
        assert kind == k2, (kind, k2)
        if kind == "consult":
            out.append(f'  <circle class="hollow" cx="{x}" cy="{yy}" r="20" stroke-width="4"/>')
            # speech bubble
            out.append(f'  <path class="mark" d="M{x-10} {yy-8}h20a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3h-10l-6 5v-5h-4a3 3 0 0 1-3-3v-9a3 3 0 0 1 3-3z"/>')
        elif kind == "session":
            n += 1
            out.append(f'  <circle class="mark" cx="{x}" cy="{yy}" r="22"/>')
            out.append(f'  <text class="on" x="{x}" y="{yy+8}" font-size="22" font-weight="700" text-anchor="middle">{n}</text>')
        elif kind == "heal":
            out.append(f'  <circle class="hollow" cx="{x}" cy="{yy}" r="8" stroke-width="3"/>')
        elif kind == "years":
            pass
        elif kind == "touch":
            out.append(f'  <circle class="mark" cx="{x}" cy="{yy}" r="22"/>')
            # circular arrow
            out.append(f'  <path class="ons" d="M{x+8} {yy-7}A11 11 0 1 0 {x+11} {yy+3}" fill="none" stroke-width="3.5" stroke-linecap="round"/>')
            out.append(f'  <path class="on" d="M{x+3} {yy-12}l8 5-7 5z"/>')
        tx = 84
        if kind in ("consult","session","touch"):
            texts.append(f'  <text class="t" x="{tx}" y="{yy-4}" font-size="21" font-weight="700">{a}</text>')
            texts.append(f'  <text class="s" x="{tx}" y="{yy+21}" font-size="18">{b}</text>')
        elif kind == "heal":
            texts.append(f'  <text class="m" x="{tx}" y="{yy+6}" font-size="18">{a} {b}</text>')
        elif kind == "years":
            texts.append(f'  <text class="m" x="{tx}" y="{yy+6}" font-size="18" font-style="italic">{a}</text>')
    return svg(W, H, "\n".join(out + texts) + "\n")


SKIN_LIGHT = "#e9c9a9"
SKIN_DEEP = "#9a6442"
INK = "#2a2220"

def points(w, h, n, seed, margin=6):
    rnd = random.Random(seed)
    pts = []
    # jittered grid, like follicles
    cols = int(math.sqrt(n * w / h))
    rows = max(1, n // cols)
    for r in range(rows):
        for c in range(cols):
            px = (c + 0.5 + rnd.uniform(-0.38, 0.38)) * w / cols
            py = (r + 0.5 + rnd.uniform(-0.38, 0.38)) * h / rows
            pts.append((px, py, rnd.random()))
    return pts

def patch(x, y, w, h, skin, kind, seed, clip_id, tile=(64, 64)):
    """A rounded patch of scalp: skin, then hair stubble or pigment dots from one seeded,
    jittered tile (a <pattern>), repeated; a tile keeps the file small, and so fast to
    compress when the server starts."""
    tw, th = tile
    # Marks near an edge are drawn again one tile over, so that the tiles join without seams.
    pts = [(px + dx, py + dy, r) for px, py, r in points(tw, th, int(tw * th / 60), seed)
           for dx in (-tw, 0, tw) for dy in (-th, 0, th)
           if -8 <= px + dx <= tw + 8 and -8 <= py + dy <= th + 8]
    if kind == "stubble":
        d = []
        for px, py, r in pts:
            ang = math.radians(-60 + r*25)
            L = 4.5 + r*2
            d.append(f"M{px:.0f} {py:.0f}l{L*math.cos(ang):.1f} {L*math.sin(ang):.1f}")
        mark = f'<path d="{"".join(d)}" stroke="{INK}" stroke-width="1.9" stroke-linecap="round"/>'
    else:
        # Each dot is a zero-length round-capped stroke: a quarter of the bytes of a <circle>.
        width, op, color = {"dots": (3.6, 1, INK), "sharp": (3.6, 1, INK), "faded": (4.8, 0.42, "#3b2c26")}[kind]
        d = "".join(f"M{px:.0f} {py:.0f}h0" for px, py, r in pts)
        mark = f'<path d="{d}" stroke="{color}" stroke-opacity="{op}" stroke-width="{width}" stroke-linecap="round"/>'
    return [
        f'  <pattern id="{clip_id}-marks" width="{tw}" height="{th}" patternUnits="userSpaceOnUse" x="{x}" y="{y}">{mark}</pattern>',
        f'  <rect x="{x}" y="{y}" width="{w}" height="{h}" rx="16" fill="{skin}"/>',
        f'  <rect x="{x}" y="{y}" width="{w}" height="{h}" rx="16" fill="url(#{clip_id}-marks)"/>',
        f'  <rect class="frame" x="{x}" y="{y}" width="{w}" height="{h}" rx="16" stroke-width="2"/>',
    ]

def follicles():
    W, H = 460, 262
    out = []
    out += patch(16, 16, 196, 150, SKIN_LIGHT, "stubble", 7, "left", (98, 75))
    out += patch(248, 16, 196, 150, SKIN_LIGHT, "dots", 7, "right", (98, 75))
    out.append('  <path class="line" d="M218 91h20" stroke-width="3" stroke-linecap="round"/>')
    out.append('  <path class="line" d="M231 84l8 7-8 7" fill="none" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>')
    for cx, a, b, c in [(114, "Short stubble", "hairs cut close", "to the skin"), (346, "SMP dots", "tiny dots of ink in", "a similar pattern")]:
        out.append(f'  <text class="t" x="{cx}" y="198" font-size="21" font-weight="700" text-anchor="middle">{a}</text>')
        out.append(f'  <text class="s" x="{cx}" y="224" font-size="18" text-anchor="middle">{b}</text>')
        out.append(f'  <text class="s" x="{cx}" y="246" font-size="18" text-anchor="middle">{c}</text>')
    return svg(W, H, "\n".join(out) + "\n")

def ageing():
    W, H = 460, 274
    out = []
    w, h, gap, x0 = 128, 128, 28, 10
    kinds = [("sharp", "Healed", "sharp dots"), ("faded", "Years later", "lighter, softer"), ("sharp", "Touch-up", "sharp again")]
    for i, (k, a, b) in enumerate(kinds):
        x = x0 + i*(w+gap)
        out += patch(x, 44, w, h, SKIN_DEEP, k, 11, f"p{i}")
        cx = x + w/2
        out.append(f'  <text class="t" x="{cx:.0f}" y="206" font-size="20" font-weight="700" text-anchor="middle">{a}</text>')
        out.append(f'  <text class="s" x="{cx:.0f}" y="232" font-size="18" text-anchor="middle">{b}</text>')
    # time line above, with the gaps labelled
    out.append(f'  <path class="line" d="M{x0+10} 22H{W-x0-14}" stroke-width="3" stroke-linecap="round"/>')
    out.append(f'  <path class="line" d="M{W-x0-22} 15l9 7-9 7" fill="none" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>')
    out.append(f'  <text class="m" x="{W/2:.0f}" y="264" font-size="18" text-anchor="middle" font-style="italic">Time passes from left to right</text>')
    return svg(W, H, "\n".join(out) + "\n")

for name, draw in [("smp-journey", journey), ("follicle-dots", follicles), ("hairline-ageing", ageing)]:
    with open(f"static/img/{name}.svg", "w") as f:
        f.write(draw())

