#!/usr/bin/env bash
# Scale benchmark, first step of issue 24: `dcv check-dns` (CNAME method,
# authoritative mode, DNSSEC validated from the zone's KSK) over N names of
# one Knot-signed zone (NSEC3) on loopback, no simulated delay: wall time,
# CPU (user + sys), peak RSS and the verdicts, for N = 10, 100, 1000 (and
# 10000 with SCALE_MAX=10000). Loopback without delay makes the run CPU-
# bound, which is what this measures; round trips under a delay are
# bench/dns.sh's business.
#
# Needs: knot (knotd, kdig), jq, /usr/bin/time (package `time`).
# Environment: DCV=path (default: release build of this checkout),
#   SCALE_PORT (5390), SCALE_MAX (1000).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
port=${SCALE_PORT:-5390}
max=${SCALE_MAX:-1000}
md5=24D70B5796C322160073BBE3C29CB19F
sha=BC870A155ABCFD66FE3193E653E3E28F54F1FD34090414185B0891BE88078E2C
if [ -z "${DCV:-}" ]; then
    (cd "$here" && cargo build --release --quiet)
    DCV="${CARGO_TARGET_DIR:-$here/target}/release/dcv"
fi
tmp=$(mktemp -d)
knot_pid=
cleanup() {
    if [ -n "$knot_pid" ]; then kill "$knot_pid" 2>/dev/null || true; fi
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/zones" "$tmp/db" "$tmp/run"
{
    echo '$TTL 300'
    echo '@ SOA ns1 hostmaster 1 3600 600 86400 300'
    echo '@ NS ns1'
    echo '@ NS ns2'
    echo 'ns1 A 127.0.0.1'
    echo 'ns2 A 127.0.0.1'
    for i in $(seq 0 $((max - 1))); do
        echo "_$md5.n$i CNAME ${sha:0:32}.${sha:32:32}.sectigo.com."
        echo "n$i A 127.0.0.1"
    done
} >"$tmp/zones/scale.test.zone"
cat >"$tmp/knot.conf" <<CONF
server:
    rundir: "$tmp/run"
    listen: 127.0.0.1@$port
database:
    storage: "$tmp/db"
log:
  - target: "$tmp/knot.log"
    any: warning
policy:
  - id: p
    algorithm: ecdsap256sha256
    nsec3: on
template:
  - id: default
    storage: "$tmp/zones"
zone:
  - domain: scale.test
    file: scale.test.zone
    dnssec-signing: on
    dnssec-policy: p
CONF
knotd -c "$tmp/knot.conf" >/dev/null 2>&1 &
knot_pid=$!
for _ in $(seq 50); do
    kdig @127.0.0.1 -p "$port" +short DNSKEY scale.test 2>/dev/null | grep -q '^257' && break
    sleep 0.2
done
kdig @127.0.0.1 -p "$port" DNSKEY scale.test +noall +answer | awk '$4=="DNSKEY" && $5==257' >"$tmp/anchor"
echo "names  wall_s  cpu_s  cpu_us_per_name  peak_rss_kib  verdicts"
n=10
while [ "$n" -le "$max" ]; do
    names=$(for i in $(seq 0 $((n - 1))); do printf 'n%d.scale.test ' "$i"; done)
    # shellcheck disable=SC2086
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" env DCV_LAB=1 "$DCV" check-dns --json \
        --trust-anchor "$tmp/anchor" --resolver "127.0.0.1:$port" --ns-port "$port" \
        --md5 "$md5" --sha256 "$sha" $names >"$tmp/out.json" 2>/dev/null || true
    read -r wall user sys rss <"$tmp/time"
    verdicts=$(jq -r '[.results[] | "\(.check)/\(.status)/\(.dnssec)"] | group_by(.) | map("\(.[0]) \(length)") | join(", ")' "$tmp/out.json")
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    per=$(awk -v c="$cpu" -v n="$n" 'BEGIN { printf "%d", c * 1000000 / n }')
    printf '%5d  %6s  %5s  %15s  %12s  %s\n' "$n" "$wall" "$cpu" "$per" "$rss" "$verdicts"
    n=$((n * 10))
done
