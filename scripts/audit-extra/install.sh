#!/usr/bin/env bash
# Installs the checkers that scripts/audit-site.sh adds to shared/audit, the same way
# shared/audit/install.sh installs its own: pinned versions, into a cache folder, nothing
# written here, a second run only checks. Run shared/audit/install.sh first (Chromium).
#   - npm packages locked in package-lock.json: pa11y (HTML_CodeSniffer runner) and
#     webhint with its web-recommended set        -> $AUDIT_HOME/extra/node_modules
#     (npm ci --ignore-scripts: no browser is downloaded; both drive /usr/bin/chromium)
#   - PyPI packages pinned in requirements.txt: feedparser, extruct, REDbot
#                                                 -> $AUDIT_HOME/extra/py (a venv)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AUDIT_HOME="${AUDIT_HOME:-$HOME/.cache/smp-audit}"
DIR="$AUDIT_HOME/extra"
log() { printf 'install-extra: %s\n' "$*"; }

mkdir -p "$DIR"
SUM="$(cat "$HERE/package.json" "$HERE/package-lock.json" "$HERE/requirements.txt" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$DIR/.lock.sha256" 2>/dev/null)" != "$SUM" ]; then
  rm -f "$DIR/.lock.sha256"
  log "npm ci into $DIR"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$DIR/"
  (cd "$DIR" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  log "pip install into $DIR/py"
  if ! python3 -m venv "$DIR/py" >/dev/null 2>&1; then
    # Debian's own python3 keeps venv in a package of its own.
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$DIR/py"
  fi
  "$DIR/py/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
  printf '%s\n' "$SUM" >"$DIR/.lock.sha256"
fi
log "$(cd "$DIR" && node -p "['pa11y','hint','@pa11y/html_codesniffer'].map(p=>p+'@'+require('./node_modules/'+p+'/package.json').version).join(' ')") $("$DIR/py/bin/python" -c 'import importlib.metadata as m; print(" ".join(f"{p}=={m.version(p)}" for p in ("feedparser","extruct","redbot")))')"
