#!/usr/bin/env bash
# The search mix against the server, and the same requests against nginx answering every
# one with a stored copy of a search page: how close a search is to serving fixed bytes
# on this machine (docs/PERFORMANCE.md, "Search").
#
#   scripts/search-vs-nginx.sh http://127.0.0.1:PORT [ROUNDS]
#
# Run from the checkout. Saves /search?q=does+it+hurt from the server, starts a private
# nginx on a free loopback port with the shared benchmark's settings (sendfile,
# reuseport, no access log) serving that file for /search whatever the query, then runs
# `wrk -t2 -c64 -d10s --latency -s scripts/search-queries.lua` against the server and
# nginx in turn, ROUNDS times (default 5), and prints req/s, p50 and p99 of each run and
# the median p99 of each side. Needs nginx and wrk (Debian's nginx-light and wrk).
set -euo pipefail
base="${1:?give the server, e.g. http://127.0.0.1:3000}"; rounds="${2:-5}"
[[ "$base" =~ ^http://(127\.0\.0\.1|localhost):[0-9]+$ ]] || { echo "loopback URLs only" >&2; exit 1; }
[[ -f scripts/search-queries.lua ]] || { echo "run from the checkout" >&2; exit 1; }
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
[[ -x "$nginx_bin" ]] && command -v wrk >/dev/null || { echo "needs nginx and wrk" >&2; exit 1; }

work="$(mktemp -d)"; chmod 755 "$work"; nginx_pid=""
trap '[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; rm -rf "$work"' EXIT
curl -fsS -o "$work/search.html" "$base/search?q=does+it+hurt"
chmod 644 "$work/search.html"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
user_line=""; [[ $(id -u) -eq 0 ]] && user_line="user nobody nogroup;"
cat > "$work/nginx.conf" <<EOF
$user_line
worker_processes auto;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 4096; multi_accept on; }
http {
  access_log off;
  sendfile on; tcp_nopush on; tcp_nodelay on;
  keepalive_timeout 65; keepalive_requests 1000000;
  open_file_cache max=1000 inactive=60s; open_file_cache_valid 60s;
  server_tokens off;
  client_body_temp_path $work/body; proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
  server {
    listen 127.0.0.1:$port backlog=4096 reuseport;
    location = /search { types { } default_type text/html; alias $work/search.html; }
  }
}
EOF
"$nginx_bin" -c "$work/nginx.conf" -p "$work" -g 'daemon off;' 2>>"$work/error.log" &
nginx_pid=$!
for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$port/search?q=x" 2>/dev/null && break; sleep 0.1; done

run() {  # run NAME URL: one wrk run of the mix, one line of results
  wrk -t2 -c64 -d10s --latency -s scripts/search-queries.lua "$2" | awk -v name="$1" '
    /Requests\/sec/ { rps = $2 } $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
    END { printf "%-7s %8.0f req/s  p50 %-8s p99 %s\n", name, rps, p50, p99 }'
}
for _ in $(seq "$rounds"); do
  run server "$base"
  run nginx "http://127.0.0.1:$port"
done | tee "$work/runs"
# wrk prints 4.97ms or 850.00us: the median p99 of each side, in ms.
for side in server nginx; do
  awk -v side="$side" '$1 == side { v = $NF; print (v ~ /us$/) ? v / 1000 : v + 0 }' "$work/runs" \
    | sort -g | awk -v side="$side" '{ a[NR] = $1 }
        END { printf "%s: median p99 %.2f ms of %d runs\n", side, a[int((NR + 1) / 2)], NR }'
done
