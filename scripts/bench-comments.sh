#!/usr/bin/env bash
# Comment submissions under load, then proof that every accepted comment was stored once.
#
# Starts the release server on a fresh SQLite file with a bench-only config that names
# 127.0.0.1 as a trusted proxy: each request then names its own client in
# X-Forwarded-For, which gets the load past per-client flood control. Production configs
# without trusted_proxies ignore that header, so this cannot happen by accident.
#
#   scripts/bench-comments.sh            (env: DURATION=10 CONNS=64 THREADS=2)
#   POSTGRES_URL=postgres://USER@127.0.0.1/EMPTY_DB scripts/bench-comments.sh
#                                        (the same against a new, empty PostgreSQL database;
#                                         counted with psql)
# Prints wrk's summary, the accepted count, and the stored count; exits 1 on a mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10}"; CONNS="${CONNS:-64}"; THREADS="${THREADS:-2}"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
cargo build --release --locked 2>/dev/null || cargo build --release

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
cat >"$work/bench.toml" <<TOML
log_format = "json"
[comments]
trusted_proxies = ["127.0.0.1"]
TOML
database="${POSTGRES_URL:-sqlite://$work/bench.db}"
target/release/smp-guide serve --addr "127.0.0.1:$port" --database "$database" \
  --config "$work/bench.toml" 2>"$work/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

cat >"$work/post.lua" <<'LUA'
-- Every request is a new comment from a new client address.
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  n = 0
  accepted = 0
  other = 0
end
function request()
  n = n + 1
  client = string.format("%d.%d.%d.%d", 10 + tid, math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  local body = "comment=bench+" .. tid .. "+" .. n .. "&author=Bench+reader&email=bench%40example.org"
  return wrk.format("POST", "/guide/risks/comments", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Forwarded-For"] = client,
  }, body)
end
function response(status, headers, body)
  if status == 303 then accepted = accepted + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local a, o = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("accepted"); o = o + t:get("other") end
  io.write(string.format("accepted=%d other=%d p50_ms=%.2f p99_ms=%.2f\n", a, o, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA

wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port" | tee "$work/wrk.txt"
accepted="$(grep -o 'accepted=[0-9]*' "$work/wrk.txt" | cut -d= -f2)"
kill "$pid"; wait "$pid" 2>/dev/null || true
count="SELECT COUNT(*), COUNT(DISTINCT body) FROM comments WHERE body LIKE 'bench %'"
if [ -n "${POSTGRES_URL:-}" ]; then
  read -r stored distinct <<<"$(psql "$POSTGRES_URL" -tA -F ' ' -c "$count")"
else
  read -r stored distinct <<<"$(python3 - "$work/bench.db" "$count" <<'PY'
import sqlite3, sys
total, distinct = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()
print(total, distinct)
PY
)"
fi
echo "accepted (303) by wrk: $accepted; stored: $stored; distinct: $distinct; per second: $((accepted / DURATION))"
# wrk stops with up to CONNS requests in flight: the server may have stored those without
# wrk seeing the 303. Bodies are unique, so "distinct == stored" means nothing twice.
if [ "$stored" -lt "$accepted" ] || [ $((stored - accepted)) -gt "$CONNS" ] || [ "$stored" != "$distinct" ]; then
  echo "bench-comments: MISMATCH" >&2; exit 1
fi
echo "bench-comments: every accepted comment stored exactly once"
