#!/usr/bin/env bash
# Instructions per request on the stored-page path, counted by callgrind: repeatable on a
# busy machine, where req/s are not (docs/PERFORMANCE.md, "Serving at nginx's rate").
#
#   scripts/bench-instructions.sh [BINARY] [PATH] [identity|gzip] [REQUESTS]
#
# PATH `@search` sends the 52 reader queries of tests/fixtures/search-queries.toml to
# /search in turn (run it from the checkout), as scripts/search-queries.lua does for wrk.
#
# Starts BINARY (default target/release/smp-guide) under valgrind on a free loopback port
# with a fresh SQLite file, waits until start-up compression is over, sends REQUESTS
# (default 2000) requests one after another on one keep-alive connection with
# instrumentation on, and prints instructions, malloc calls and clock reads per request.
# Needs valgrind and python3.
set -euo pipefail
bin="${1:-target/release/smp-guide}"; path="${2:-/guide/risks}"; mode="${3:-identity}"; n="${4:-2000}"
[[ "$path" =~ ^/[A-Za-z0-9._~/%-]*$ || "$path" == @search ]] || { echo "path must look like /a/b, or be @search" >&2; exit 1; }
queries="$PWD/tests/fixtures/search-queries.toml"
[[ "$path" != @search || -f "$queries" ]] || { echo "@search: run from the checkout ($queries not found)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
work="$(mktemp -d)"; pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat > "$work/client.py" <<'PY'
import re, socket, sys, urllib.parse
port, path, n, gzip = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4] == "gzip"
if path == "@search":
    found = (re.match(r'^q = "(.*)"$', line) for line in open(sys.argv[5]))
    paths = ["/search?q=" + urllib.parse.quote_plus(m.group(1)) for m in found if m]
else:
    paths = [path]
s = socket.create_connection(("127.0.0.1", port))
reqs = [(f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n"
         + ("Accept-Encoding: gzip\r\n" if gzip else "") + "\r\n").encode() for p in paths]
buf = b""
for i in range(n):
    s.sendall(reqs[i % len(reqs)])
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, _, rest = buf.partition(b"\r\n\r\n")
    # Counting the instructions of an error page would measure nothing.
    if not head.startswith(b"HTTP/1.1 200 "):
        sys.exit(f"not 200: {head.splitlines()[0].decode()} for request {i}")
    length = next((int(l.split(b":")[1]) for l in head.split(b"\r\n")
                   if l.lower().startswith(b"content-length:")), 0)
    while len(rest) < length:
        rest += s.recv(65536)
    buf = rest[length:]
PY
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.out" \
  "$bin" serve --addr "127.0.0.1:$port" --database "sqlite://$work/db.sqlite" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q "listening on" "$work/log" && break; sleep 0.2; done
prev=0   # start-up compression runs in the background: wait until the process is quiet
for i in $(seq 120); do
  t=$(awk '{print $14+$15}' "/proc/$pid/stat"); d=$((t - prev)); prev=$t
  (( i > 2 && d < 5 )) && break; sleep 1
done
python3 "$work/client.py" "$port" "$path" 208 "$mode" "$queries"
callgrind_control -i on "$pid" >/dev/null 2>&1
python3 "$work/client.py" "$port" "$path" "$n" "$mode" "$queries"
callgrind_control -i off "$pid" >/dev/null 2>&1
callgrind_control -d "$pid" >/dev/null 2>&1
sleep 1
out="$(ls -S "$work"/cg.out* | head -1)"
total="$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/{gsub(",","",$1); print $1}')"
# callgrind names a function once, as "cfn=(id) name", then by "(id)" alone: map the ids.
ids() { grep -oE "^c?fn=\([0-9]+\) $1\$" "$out" | grep -oE '\([0-9]+\)' | sort -u | tr '\n' '|' | sed 's/|$//; s/[()]/\\&/g'; }
per() { local id; id="$(ids "$1")"; [ -n "$id" ] || { echo 0; return; }
  awk -v ids="^cfn=($id)" -v n="$n" '/^cfn=/{ cur = $0 } /^calls=/{ if (cur ~ ids) { split($0, a, "[= ]"); s += a[2] } } END{ printf "%.1f", s / n }' "$out"; }
echo "$path $mode: $((total / n)) instructions, $(per malloc) malloc calls, $(per 'clock_gettime@@GLIBC_2.17') clock reads per request ($n requests)"
