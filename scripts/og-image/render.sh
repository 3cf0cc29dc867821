#!/usr/bin/env bash
# Renders og-image.html to static/img/og-image.png (1200x630) in headless Chromium.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../static/img/og-image.png"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"${CHROMIUM:-chromium}" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --hide-scrollbars --force-device-scale-factor=1 \
  --window-size=1200,630 --screenshot="$out" "file://$here/og-image.html" 2>/dev/null
python3 - "$out" <<'PY'
import struct, sys
with open(sys.argv[1], "rb") as f:
    head = f.read(24)
w, h = struct.unpack(">II", head[16:24])
assert (w, h) == (1200, 630), (w, h)
print(f"{sys.argv[1]}: {w}x{h}")
PY
