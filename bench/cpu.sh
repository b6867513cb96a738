#!/usr/bin/env bash
# CPU per DNS query (issue 24, point 2): `dcv check-dns` (CNAME method,
# authoritative mode, DNSSEC validated from the zone's KSK) over N names of
# one Knot-signed zone (NSEC3, two NS names at 127.0.0.1) on loopback, with
# the queries counted by the server (Knot's mod-stats: every query that
# reached it, retransmissions included) rather than estimated. Prints, per
# run: wall, user and system CPU, peak RSS, queries, CPU per query and per
# name, and the verdicts. With CPU_CALLGRIND=1 it also counts the user-space
# instructions of one run under callgrind (slow, but steady on a shared
# machine, where CPU seconds vary by ±30% with the load).
#
# Needs: knot (knotd, knotc, kdig), jq, /usr/bin/time; valgrind for
#   CPU_CALLGRIND.
# Environment: DCV="path [path...]" (default: release build of this
#   checkout; several binaries are run in turn, for before/after), CPU_N
#   ("1000 10000"), CPU_RUNS (3), CPU_PORT (5395), CPU_CALLGRIND (0).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
port=${CPU_PORT:-5395}
sizes=${CPU_N:-1000 10000}
runs=${CPU_RUNS:-3}
md5=24D70B5796C322160073BBE3C29CB19F
sha=BC870A155ABCFD66FE3193E653E3E28F54F1FD34090414185B0891BE88078E2C
if [ -z "${DCV:-}" ]; then
    (cd "$here" && cargo build --release --quiet)
    DCV="${CARGO_TARGET_DIR:-$here/target}/release/dcv"
fi
max=0
for n in $sizes; do [ "$n" -gt "$max" ] && max=$n; done
tmp=$(mktemp -d)
cleanup() {
    if [ -f "$tmp/run/knot.pid" ]; then kill "$(cat "$tmp/run/knot.pid")" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/zones" "$tmp/db" "$tmp/run"
# shellcheck disable=SC2016 # a zone file's $TTL, not a shell variable
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
} >"$tmp/zones/cpu.test.zone"
cat >"$tmp/knot.conf" <<CONF
server:
    rundir: "$tmp/run"
    pidfile: "$tmp/run/knot.pid"
    listen: 127.0.0.1@$port
database:
    storage: "$tmp/db"
log:
  - target: "$tmp/knot.log"
    any: warning
mod-stats:
  - id: count
    request-protocol: on
policy:
  - id: p
    algorithm: ecdsap256sha256
    nsec3: on
template:
  - id: default
    storage: "$tmp/zones"
    global-module: mod-stats/count
zone:
  - domain: cpu.test
    file: cpu.test.zone
    dnssec-signing: on
    dnssec-policy: p
CONF
knotd -d -c "$tmp/knot.conf"
for _ in $(seq 100); do
    kdig @127.0.0.1 -p "$port" +short DNSKEY cpu.test 2>/dev/null | grep -q '^257' && break
    sleep 0.2
done
kdig @127.0.0.1 -p "$port" DNSKEY cpu.test +noall +answer | awk '$4=="DNSKEY" && $5==257' >"$tmp/anchor"
[ -s "$tmp/anchor" ] || { echo "cpu.sh: the zone was not signed" >&2; exit 1; }

# Queries Knot has received so far (UDP and TCP).
queries() {
    knotc -c "$tmp/knot.conf" stats mod-stats.request-protocol 2>/dev/null |
        awk -F'= ' '{ s += $2 } END { print s + 0 }'
}

# run BINARY N [WRAPPER...]: one check-dns run; prints one line ($extra:
# more dcv arguments).
extra=
run() {
    local dcv=$1 n=$2
    shift 2
    local names before after wall user sys rss verdicts
    names=$(for i in $(seq 0 $((n - 1))); do printf 'n%d.cpu.test ' "$i"; done)
    before=$(queries)
    # shellcheck disable=SC2086
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" env DCV_LAB=1 "$dcv" check-dns --json $extra \
        --trust-anchor "$tmp/anchor" --resolver "127.0.0.1:$port" --ns-port "$port" \
        --md5 "$md5" --sha256 "$sha" $names >"$tmp/out.json" 2>/dev/null || true
    after=$(queries)
    read -r wall user sys rss < <(tail -1 "$tmp/time")
    verdicts=$(jq -r '[.results[] | "\(.check)/\(.status)/\(.dnssec)"] | group_by(.) | map("\(.[0]) \(length)") | join(", ")' "$tmp/out.json")
    awk -v n="$n" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v q=$((after - before)) -v v="$verdicts" 'BEGIN {
        c = u + s
        printf "%6d  %6s  %5s  %5s  %7d  %8d  %7.1f  %7.0f  %s\n", n, w, u, s, r, q, c * 1e6 / q, c * 1e6 / n, v
    }'
}

for dcv in $DCV; do
    echo "== $dcv"
    echo " names  wall_s  user   sys   rss_kib   queries  us/query  us/name  verdicts"
    for n in $sizes; do
        for _ in $(seq "$runs"); do run "$dcv" "$n"; done
    done
    if [ "${CPU_CALLGRIND:-0}" = 1 ]; then
        n=${sizes%% *}
        # Valgrind is ~30 times slower: a longer timeout, so that no
        # question is given up on.
        extra="--timeout 30"
        run "$dcv" "$n" valgrind --tool=callgrind --trace-children=yes \
            --callgrind-out-file="$tmp/cg.%p" -q >/dev/null
        # The largest output is dcv's (the others are from exec'd helpers).
        # shellcheck disable=SC2012
        f=$(ls -S "$tmp"/cg.* | head -1)
        ir=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
        echo "callgrind, $n names: $ir instructions in user space ($((ir / n)) per name)"
        rm -f "$tmp"/cg.*
        extra=
    fi
done
