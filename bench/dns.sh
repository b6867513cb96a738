#!/usr/bin/env bash
# Benchmark of `dcv check-dns` on a 120-name CSR (tests/fixtures/many_sans.pem)
# against a loopback Knot DNS server behind a simulated 20 ms round trip
# (bench/delay_proxy.py), compared with a shell loop of `dig` asking the same
# questions one by one, plus peak memory for 1, 10 and 120 names. The zone is
# signed by Knot and dcv validates DNSSEC from its KSK (--trust-anchor), the
# way a CA does since 2026; the same runs with --no-dnssec show the cost.
# The parent zone com has a server of its own (a second knotd behind the
# same delay), so authoritative mode also reads the parent side of the
# delegation, as it does for real names.
#
# Needs: knot, dnsutils (dig), python3, /usr/bin/time (package `time`), jq.
# Runs as root (the authoritative path listens on 127.0.0.2:53 and the
# parent on 127.0.0.3:53; AUTH_IP and PARENT_IP move them).
set -euo pipefail
# Lab names (.test, .example): a note, not the internal_name refusal.
export DCV_LAB=1

here=$(cd "$(dirname "$0")/.." && pwd)
knot_port=${KNOT_PORT:-5354}
proxy_port=${PROXY_PORT:-5355}
auth_ip=${AUTH_IP:-127.0.0.2}
# The parent zone (com) has a server of its own, so authoritative mode reads
# the parent's side of the delegation (NS and glue) as a resolver would.
parent_ip=${PARENT_IP:-127.0.0.3}
parent_port=${PARENT_KNOT_PORT:-5359}
rtt_ms=${RTT_MS:-20}
runs=${RUNS:-5}
csr="$here/tests/fixtures/many_sans.pem"

if [ -z "${DCV:-}" ]; then
    (cd "$here" && cargo build --release --quiet)
    DCV="${CARGO_TARGET_DIR:-$here/target}/release/dcv"
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/zones" "$tmp/db" "$tmp/run"
cat >"$tmp/knot.conf" <<CONF
server:
    rundir: "$tmp/run"
    listen: 127.0.0.1@$knot_port
database:
    storage: "$tmp/db"
control:
    listen: "$tmp/run/knot.sock"
log:
  - target: "$tmp/knot.log"
    any: warning
policy:
  - id: bench
    algorithm: ecdsap256sha256
template:
  - id: default
    storage: "$tmp/zones"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: example.com
    file: example.com.zone
    dnssec-signing: on
    dnssec-policy: bench
  - domain: com
    file: com.zone
  - domain: .
    file: root.zone
CONF
# A lab root, so the chain above com ends at "." (no anchor covers it: the
# names outside example.com are insecure, not indeterminate).
{
    echo "\$ORIGIN ."
    echo "\$TTL 300"
    echo "@ SOA ns.com. hostmaster.com. 1 3600 600 86400 120"
    echo "@ NS ns.com."
    echo "com NS ns.com."
    echo "ns.com A $parent_ip"
} >"$tmp/zones/root.zone"
# The parent's own server: com only, so it answers example.com with a referral.
mkdir -p "$tmp/parent/db" "$tmp/parent/run"
cat >"$tmp/parent.conf" <<CONF
server:
    rundir: "$tmp/parent/run"
    listen: 127.0.0.1@$parent_port
database:
    storage: "$tmp/parent/db"
log:
  - target: "$tmp/parent.log"
    any: warning
template:
  - id: default
    storage: "$tmp/zones"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: com
    file: com.zone
CONF
{
    echo "\$ORIGIN com."
    echo "\$TTL 300"
    echo "@ SOA ns.com. hostmaster.com. 1 3600 600 86400 120"
    echo "@ NS ns.com."
    echo "ns A $parent_ip"
    echo "example NS ns1.example.com."
    echo "ns1.example A $auth_ip"
} >"$tmp/zones/com.zone"
{
    echo "\$ORIGIN example.com."
    echo "\$TTL 300"
    echo "@ SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 120"
    echo "@ NS ns1.example.com."
    echo "ns1 A $auth_ip"
    for i in $(seq 0 119); do echo "host$i A 192.0.2.1"; done
    "$DCV" cname "$csr" --format zone | grep -v '^;'
} >"$tmp/zones/example.com.zone"

knotd -c "$tmp/knot.conf" & pids+=($!)
knotd -c "$tmp/parent.conf" & pids+=($!)
for _ in $(seq 50); do knotc -c "$tmp/knot.conf" zone-status example.com >/dev/null 2>&1 && break; sleep 0.1; done
# Recursive path: the proxy on 127.0.0.1:$proxy_port; authoritative path:
# the proxy on $auth_ip:53, where the zone's NS host points, and the proxy
# on $parent_ip:53 for the parent zone's server.
python3 "$here/bench/delay_proxy.py" 127.0.0.1 "$proxy_port" 127.0.0.1 "$knot_port" "$rtt_ms" >/dev/null & pids+=($!)
python3 "$here/bench/delay_proxy.py" "$auth_ip" 53 127.0.0.1 "$knot_port" "$rtt_ms" >/dev/null & pids+=($!)
python3 "$here/bench/delay_proxy.py" "$parent_ip" 53 127.0.0.1 "$parent_port" "$rtt_ms" >/dev/null & pids+=($!)
# Wait for the proxies (slow to start on a loaded machine).
for _ in $(seq 30); do
    dig +short +tries=1 +time=1 -p "$proxy_port" @127.0.0.1 example.com SOA 2>/dev/null | grep -q . && break
    sleep 0.5
done
dig +short +tries=1 +time=2 -p "$proxy_port" @127.0.0.1 example.com SOA | grep -q . || { echo "proxy not answering" >&2; exit 1; }
# The zone's KSK is the trust anchor.
anchor="$tmp/anchor.txt"
dig +short -p "$knot_port" @127.0.0.1 example.com DNSKEY | awk '$1 == 257 {print "example.com. IN DNSKEY", $0}' >"$anchor"
grep -q DNSKEY "$anchor" || { echo "the zone is not signed" >&2; exit 1; }
validation=(--trust-anchor "$anchor")

ms() { date +%s%N; }
best() { sort -n | head -1; }

run_dcv() { # mode
    local args=(--json check-dns --csr "$csr" "${validation[@]}")
    if [ "$1" = recursive ]; then args+=(--recursive --resolver "127.0.0.1:$proxy_port"); else args+=(--resolver "$auth_ip"); fi
    local t0 t1 out
    t0=$(ms)
    out=$("$DCV" "${args[@]}") || { echo "dcv failed: $(jq -c '[.results[] | select(.status != "pass")][0]' <<<"$out")" >&2; exit 1; }
    t1=$(ms)
    [ "$(jq '[.results[] | select(.status == "pass")] | length' <<<"$out")" = 240 ] || { echo "not 240 passes" >&2; exit 1; }
    if [ "${validation[0]}" = --trust-anchor ]; then
        # The CNAMEs are in the signed example.com: secure. Each CAA climb
        # ends in the lab's unsigned com: insecure (proven: no anchor above).
        [ "$(jq '[.results[] | select(.check == "cname" and .dnssec == "secure")] | length' <<<"$out")" = 120 ] &&
            [ "$(jq '[.results[] | select(.check == "caa" and .dnssec == "insecure")] | length' <<<"$out")" = 120 ] ||
            { echo "unexpected DNSSEC verdicts: $(jq -c "[.results[] | {check, dnssec}] | group_by(.) | map({(.[0].check + \" \" + (.[0].dnssec // \"-\")): length}) | add" <<<"$out")" >&2; exit 1; }
    fi
    echo $(((t1 - t0) / 1000000))
}

# The distinct questions dcv asks in recursive mode: the CNAME at every ADN
# candidate of every name, and CAA up the tree from every name.
md5=$("$DCV" --json hash "$csr" | jq -r .md5)
questions="$tmp/questions"
{
    echo "_$md5.example.com CNAME"
    echo "example.com CAA"
    echo "com CAA"
    for i in $(seq 0 119); do
        echo "_$md5.host$i.example.com CNAME"
        echo "host$i.example.com CAA"
    done
} >"$questions"
nq=$(wc -l <"$questions")

dig_loop() {
    local t0 t1
    t0=$(ms)
    while read -r name type; do
        dig +short +tries=1 +time=2 -p "$proxy_port" @127.0.0.1 "$name" "$type" >/dev/null || true
    done <"$questions"
    t1=$(ms)
    echo $(((t1 - t0) / 1000000))
}

echo "check-dns, 120 names, simulated RTT ${rtt_ms} ms, best of $runs runs"
rec=$(for _ in $(seq "$runs"); do run_dcv recursive; done | best)
auth=$(for _ in $(seq "$runs"); do run_dcv authoritative; done | best)
validation=(--no-dnssec)
rec_off=$(for _ in $(seq "$runs"); do run_dcv recursive; done | best)
auth_off=$(for _ in $(seq "$runs"); do run_dcv authoritative; done | best)
validation=(--trust-anchor "$anchor")
loop=$(dig_loop)
rtts() { awk "BEGIN{printf \"%.1f\", $1/$rtt_ms}"; }
echo "  dcv --recursive, DNSSEC validated:     ${rec} ms  ($(rtts "$rec") RTTs)"
echo "  dcv (authoritative), DNSSEC validated: ${auth} ms  ($(rtts "$auth") RTTs)"
echo "  dcv --recursive --no-dnssec:           ${rec_off} ms  ($(rtts "$rec_off") RTTs)"
echo "  dcv (authoritative) --no-dnssec:       ${auth_off} ms  ($(rtts "$auth_off") RTTs)"
echo "  dig loop, $nq questions: ${loop} ms  (dcv --recursive with validation is $(awk "BEGIN{printf \"%.0f\", $loop/$rec}")x faster)"

echo "peak memory (max RSS, /usr/bin/time -v), recursive mode:"
sha=$("$DCV" --json hash "$csr" | jq -r .sha256)
for n in 1 10 120; do
    names=$(for i in $(seq 0 $((n - 1))); do echo "host$i.example.com"; done)
    # shellcheck disable=SC2086
    kb=$(/usr/bin/time -v "$DCV" --json check-dns --recursive --resolver "127.0.0.1:$proxy_port" "${validation[@]}" \
        --md5 "$md5" --sha256 "$sha" $names 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
    echo "  $n names: ${kb} KiB"
done
