#!/usr/bin/env bash
# CPU time a server spends per request, over one wrk run: unlike req/s, it hardly depends
# on how much of the machine other work takes (docs/PERFORMANCE.md, "Under load").
#
#   scripts/cpu-per-request.sh NAME http://127.0.0.1:PORT/PATH PID [PID...]
#
# Reads utime + stime (all threads) of each PID from /proc before and after
# `wrk -t2 -c64 -d10s --latency` against the URL (MODE=gzip sends Accept-Encoding: gzip),
# and prints CPU microseconds per request, req/s, p99 and the load average. For nginx,
# give the master's and the workers' PIDs.
set -euo pipefail
name="$1"; url="$2"; shift 2
[[ "$url" =~ ^http://(127\.0\.0\.1|localhost):[0-9]+/ ]] || { echo "loopback URLs only" >&2; exit 1; }
(( $# >= 1 )) || { echo "give the server's PID(s)" >&2; exit 1; }
mode="${MODE:-identity}"; hdr=()
[[ "$mode" == gzip ]] && hdr=(-H 'Accept-Encoding: gzip')
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
before="$(ticks "$@")"
out="$(wrk -t2 -c64 -d10s --latency "${hdr[@]}" "$url")"
after="$(ticks "$@")"
awk -v name="$name" -v mode="$mode" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" \
    -v load="$(cut -d' ' -f1 /proc/loadavg)" '
  /requests in/ { requests = $1 } /Requests\/sec/ { rps = $2 } $1 == "99%" { p99 = $2 }
  END { printf "%-10s %-8s %6.2f us CPU/request  %9.0f req/s  p99 %s  load %s\n",
        name, mode, ticks / hz * 1e6 / requests, rps, p99, load }' <<<"$out"
