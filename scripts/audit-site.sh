#!/usr/bin/env bash
# Audits the site the way CI does, in a real headless Chromium:
#   - every public page, crawled from / (Nu HTML checker, axe-core, broken links),
#   - Lighthouse (desktop and mobile) on every guide page: performance >= 95 and
#     accessibility, best practices and SEO = 100; a performance score below 95 is measured
#     five times more and the median must reach 95 (scripts/audit-extra/lighthouse-median.mjs),
#   - the 404 page and the signed-out sign-in page (HTML and axe);
#   - pa11y (HTML_CodeSniffer, WCAG 2 AA) and webhint (web-recommended) on one page of
#     every type: 0 errors (scripts/audit-extra/checks.mjs);
#   - feedparser on the feed and the comment feeds, extruct on the structured data (with
#     its Comment items) and link-preview tags, and
#     REDbot on the HTTP of pages, feeds and static files (scripts/audit-extra/checks.py).
#   - the moderation pages behind sign-in, which shared/audit cannot reach: every admin page
#     type at both widths, axe-core (every impact) and the Nu checker
#     (scripts/audit-extra/admin.mjs; the browser tests in tests/e2e check them too).
#
# The release server runs on the shipped content with a fresh database on a loopback port;
# a few comments are posted and approved first, so their markup is audited too.
# Usage: scripts/audit-site.sh            (SMP_SHARED=path/to/shared if not ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${SMP_SHARED:-../shared}"
AUDIT="$SHARED/audit/audit.sh"
[ -f "$AUDIT" ] || { echo "audit-site: no $AUDIT (set SMP_SHARED)" >&2; exit 2; }

bash "$SHARED/audit/install.sh"
bash scripts/audit-extra/install.sh
cargo build --release --locked

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
db="sqlite://$work/audit.db"
printf '[comments]\nmin_interval_secs = 0\nmax_per_hour = 0\n' >"$work/audit.toml"
printf '%s' 'audit moderator password' | target/release/smp-guide moderator add auditor --password-stdin --database "$db" >/dev/null

target/release/smp-guide serve --addr "127.0.0.1:$port" --database "$db" \
  --config "$work/audit.toml" 2>"$work/server.log" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 150); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$base/healthz" >/dev/null || { echo "audit-site: the server did not start" >&2; cat "$work/server.log" >&2; exit 2; }

# Comments to audit: one approved with a website link, one reply, one answer.
post() { curl -s -o /dev/null -X POST "$base/guide/$1/comments" --data-urlencode "comment=$2" \
  --data-urlencode "author=$3" --data-urlencode "email=reader@example.com" --data-urlencode "url=$4" --data-urlencode "parent=$5"; }
post risks "Does the numbing cream really help? I found this section reassuring." "Sam" "https://example.org/" ""
curl -s -c "$work/jar" -o /dev/null -H "Origin: $base" --data-urlencode "username=auditor" \
  --data-urlencode "password=audit moderator password" "$base/admin/login"
csrf="$(curl -s -b "$work/jar" "$base/admin" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n1 | sed 's/.*value="//; s/"//')"
approve() { curl -s -o /dev/null -b "$work/jar" -H "Origin: $base" --data "csrf=$csrf" "$base/admin/comments/$1/approve"; }
approve 1
post risks "It did for me: most of the time it felt like light scratching." "Alex" "" 1
approve 2
curl -s -o /dev/null -b "$work/jar" -H "Origin: $base" --data-urlencode "csrf=$csrf" \
  --data-urlencode "answer=Thank you both. Numbing is covered in the process section." "$base/admin/comments/1/answer"

status=0
# audit.sh fails on serious and critical axe findings; this site allows none of any impact.
check_line() {
  case "$1" in
    *" axe_violations=0 "*" result=pass"*) ;;
    *) echo "audit-site: FAILED: $1" >&2; status=1 ;;
  esac
}

echo "== every public page, crawled from /: HTML, axe, links"
# audit ARGS: runs shared/audit, prints its report, and keeps its last line in $last.
audit() { local out; out="$(bash "$AUDIT" "$base" "$@")" || true; echo "$out"; last="$(tail -n1 <<<"$out")"; }
run_audit() { audit "$@"; check_line "$last"; }
run_audit --no-lighthouse --max-pages 60

echo "== Lighthouse on every guide page and the pages beyond it (desktop and mobile)"
pages=(/ /guide /guide/what-is-smp /guide/process /guide/cost-and-longevity /guide/risks
  /guide/choosing-a-practitioner /guide/pros-and-cons /guide/faq /about /comment-rules /privacy)
audit "${pages[@]}" --lighthouse-mode both --lighthouse-pages "${#pages[@]}" \
  --min-lighthouse 95 --json "$work/lighthouse.json"
case "$last" in
  *a11y:100,bp:100,seo:100*) ;;
  *) echo "audit-site: Lighthouse accessibility, best practices and SEO must all be 100: $last" >&2; status=1 ;;
esac
case "$last" in
  *" axe_violations=0 "*" result=pass") ;;
  *" axe_violations=0 "*" result=fail:lighthouse<95")
    # Only a score fell short in its single run. Performance moves with the machine
    # (docs/TESTING.md), so each low performance score is measured five times more and the
    # page is judged by the median; the other categories had to be 100 above.
    echo "== Lighthouse performance below 95 in one run: five more runs of each, judged by the median"
    median="$(node scripts/audit-extra/lighthouse-median.mjs "$work/lighthouse.json" 95)" || true
    echo "$median"
    case "$(tail -n1 <<<"$median")" in
      *" result=pass") ;;
      *) echo "audit-site: FAILED: $(tail -n1 <<<"$median")" >&2; status=1 ;;
    esac ;;
  *) echo "audit-site: FAILED: $last" >&2; status=1 ;;
esac

echo "== the sign-in page"
run_audit /admin/login --no-lighthouse

echo "== the moderation pages behind sign-in (queue, notice, comment, edit, delete, activity, email link)"
key="$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT value FROM secrets WHERE name = ?", ("email-action-key",)).fetchone()[0].hex())' "$work/audit.db")"
out="$(node scripts/audit-extra/admin.mjs "$base" auditor 'audit moderator password' "$key")" || true
echo "$out"
case "$(tail -n1 <<<"$out")" in
  *" html_errors=0 axe_violations=0 result=pass") ;;
  *) echo "audit-site: FAILED: $(tail -n1 <<<"$out")" >&2; status=1 ;;
esac

echo "== the 404 page (its own address is the only 'broken link' allowed)"
bash "$AUDIT" "$base" /no-such-page --allow-error-pages --no-lighthouse --json "$work/404.json" >"$work/404.txt" || true
python3 - "$work/404.json" "$base/no-such-page" <<'PY' || { cat "$work/404.txt"; status=1; }
import json, sys
page = json.load(open(sys.argv[1]))["pages"][0]
problems = []
if page["status"] != 404: problems.append(f"status {page['status']}, expected 404")
if page["html"]["errors"]: problems.append(f"HTML errors: {page['html']['errors']}")
if sum(page["axeCounts"].values()): problems.append(f"axe violations: {page['axeCounts']}")
broken = [b["url"] for b in page["links"]["broken"] if b["url"].split("#")[0] != sys.argv[2]]
if broken: problems.append(f"broken links: {broken}")
if problems: sys.exit("404 page: " + "; ".join(problems))
print("404 page: 0 HTML errors, 0 axe violations, no broken links")
PY

echo "== pa11y (HTML_CodeSniffer) and webhint on every page type"
type_pages=(/ /guide /guide/process /guide/pros-and-cons /guide/faq /about /privacy "/search?q=pigment" /no-such-page /admin/login)
out="$(node scripts/audit-extra/checks.mjs "$base" "${type_pages[@]}")" || true
echo "$out"
case "$(tail -n1 <<<"$out")" in
  *" pa11y_errors=0 "*" webhint_errors=0 "*"result=pass") ;;
  *) echo "audit-site: FAILED: $(tail -n1 <<<"$out")" >&2; status=1 ;;
esac

echo "== feedparser, extruct and REDbot"
out="$("${AUDIT_HOME:-$HOME/.cache/smp-audit}/extra/py/bin/python" scripts/audit-extra/checks.py "$base" "${pages[@]}" "/search?q=pigment")" || true
echo "$out"
case "$(tail -n1 <<<"$out")" in
  *" problems=0 "*"result=pass") ;;
  *) echo "audit-site: FAILED: $(tail -n1 <<<"$out")" >&2; status=1 ;;
esac

[ "$status" -eq 0 ] && echo "audit-site: pass" || echo "audit-site: FAIL" >&2
exit "$status"
