#!/usr/bin/env bash
# Resident memory of a fresh server process: after start, and 6 s into 256 connections.
# Usage: scripts/bench-rss.sh BINARY [CONFIG] [ENV=VALUE...]
#   BINARY  a release build of smp-guide; CONFIG its config file (e.g. workers = 2 and
#   [limits] max_connections_per_client = 1024, since wrk is one client); ENV settings
#   for the server's environment (e.g. MALLOC_ARENA_MAX=2). Needs wrk. Loopback only.
# Prints: idle_kb N load_kb N rss_anon_kb N rss_file_kb N req_s N p99 T
set -euo pipefail
bin=$1; config=${2:-}; shift $(( $# >= 2 ? 2 : 1 ))
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
args=(serve --addr "127.0.0.1:$port" --database "sqlite://$work/rss.db")
[[ -n "$config" ]] && args+=(--config "$config")
env "$@" "$bin" "${args[@]}" >"$work/server.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.1; done
sleep 1
idle=$(awk '/^VmRSS/{print $2}' /proc/$pid/status)
(sleep 6; awk '/^(VmRSS|RssAnon|RssFile)/{printf "%s %s ", $1, $2} END{print ""}' /proc/$pid/status >"$work/load") &
sampler=$!
out=$(wrk -t2 -c256 -d10s --latency "http://127.0.0.1:$port/guide/risks")
wait "$sampler"
read -r _ load _ anon _ file <"$work/load"
echo "idle_kb $idle load_kb $load rss_anon_kb $anon rss_file_kb $file req_s $(awk '/Requests\/sec/{print $2}' <<<"$out") p99 $(awk '$1=="99%"{print $2}' <<<"$out")"
