#!/usr/bin/env bash
# Peak memory of a release server through bursts of simultaneous sign-ins (docs/SECURITY.md,
# finding 1). Starts target/release/smp-guide on 127.0.0.1:3997 with a throwaway database,
# sends ROUNDS bursts of N sign-ins for unknown users from N different client addresses
# (through X-Forwarded-For, the server trusting 127.0.0.1 as its proxy), and prints the
# status codes and the server's VmHWM (peak RSS) after each burst.
#   scripts/sign-in-burst.sh            # N=200 ROUNDS=3
set -euo pipefail
N="${N:-200}"
ROUNDS="${ROUNDS:-3}"
ADDR=127.0.0.1:3997
cd "$(dirname "$0")/.."
dir="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
printf '[comments]\ntrusted_proxies = ["127.0.0.1"]\n' >"$dir/smp.toml"
target/release/smp-guide serve --addr "$ADDR" --content content \
    --database "sqlite://$dir/burst.db" --config "$dir/smp.toml" >"$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf "http://$ADDR/healthz" >/dev/null && break; sleep 0.1; done
echo "before: $(grep VmRSS /proc/$pid/status)"
for round in $(seq "$ROUNDS"); do
    # Client n is 198.ROUND.(n / 250).(n % 250 + 1): one address each.
    codes=$(seq 0 $((N - 1)) | awk -v r="$round" '{ print "198." r "." int($1 / 250) "." ($1 % 250 + 1) }' |
        xargs -P "$N" -I{} curl -s -o /dev/null -w '%{http_code}\n' \
            -H "Origin: http://$ADDR" -H "X-Forwarded-For: {}" \
            --data 'username=nobody&password=not-the-password' "http://$ADDR/admin/login" |
        sort | uniq -c | tr -s ' \n' ' ')
    echo "burst $round of $N: statuses$codes; $(grep VmHWM /proc/$pid/status)"
done
