#!/usr/bin/env bash
# End-to-end check of `dcv check-dns` against a real Knot DNS server.
#
# Runs as root on a fresh Debian machine (CI): installs knot (and jq) if
# missing, starts its own knotd with its own config and zone in a temp dir on
# loopback (never the system service), loads the line `dcv cname --format
# zone` prints, reloads, and asserts on check-dns's JSON for a missing, a
# wrong and a correct record, in recursive mode (--resolver 127.0.0.1:PORT)
# and, when 127.0.0.2:53 is free, in the default authoritative mode too
# (the zone's NS host resolves to 127.0.0.2 and nameservers are asked on 53).
# Exits non-zero on any failure; cleans up after itself.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
port=${KNOT_PORT:-5353}
auth_ip=127.0.0.2
csr="$here/tests/fixtures/rsa2048_multi.pem"

# shellcheck source=tests/e2e/common.sh
. "$here/tests/e2e/common.sh"
need knotd:knot jq:jq ss:iproute2
find_dcv

listen="[ 127.0.0.1@$port"
auth=no
if ! ss -Hlun | awk '{print $4}' | grep -Eq "^(0\.0\.0\.0|\*|\[::\]|$auth_ip):53$"; then
    listen="$listen, $auth_ip@53"
    auth=yes
fi
listen="$listen ]"

mkdir -p "$tmp/zones"
serial=1
write_zone() { # extra lines on stdin
    {
        echo "\$ORIGIN example.com."
        echo "\$TTL 300"
        echo "@ SOA ns1.example.com. hostmaster.example.com. $serial 3600 600 86400 120"
        echo "@ NS ns1.example.com."
        echo "ns1 A $auth_ip"
        echo "www A $auth_ip"
        echo "@ CAA 0 issue \"sectigo.com\""
        cat
    } >"$tmp/zones/example.com.zone"
    serial=$((serial + 1))
}
reload() { knotc -b zone-reload example.com >/dev/null || fail "zone-reload"; }

write_zone </dev/null
knot_start "$listen" example.com
say "knotd $(knotd --version | awk '{print $NF}') on 127.0.0.1:$port (authoritative path on $auth_ip:53: $auth)"

# check NAME MODE EXPECTED_EXIT JQ_FILTER...: every filter must print true.
check() {
    local mode=$1 want=$2; shift 2
    local args=(--json check-dns --timeout 2 --csr "$csr" www.example.com)
    if [ "$mode" = recursive ]; then
        args+=(--recursive --resolver "127.0.0.1:$port")
    else
        args+=(--resolver "$auth_ip")
    fi
    local out code=0
    out=$("$DCV" "${args[@]}") || code=$?
    [ "$code" = "$want" ] || fail "$mode: exit $code, want $want: $out"
    for f in "$@"; do
        [ "$(jq -r "$f" <<<"$out")" = true ] || fail "$mode: $f is not true in: $out"
    done
    say "ok: $mode exit $code"
}
cname='(.results[] | select(.check == "cname"))'
modes=(recursive)
[ "$auth" = yes ] && modes+=(authoritative)

# 1. Missing: NXDOMAIN at every ADN, with the zone's negative TTL (120 s).
for m in "${modes[@]}"; do
    check "$m" 1 "$cname.status == \"fail\"" \
        "$cname.detail | contains(\"NXDOMAIN\")" \
        "$cname.hint | contains(\"120s\")"
done

# 2. Wrong: the record made with the legacy comodoca.com tag.
"$DCV" cname "$csr" --format zone --ca comodo | grep -v '^;' | grep -F '.example.com.' | write_zone
reload
for m in "${modes[@]}"; do
    check "$m" 1 "$cname.status == \"fail\"" \
        "$cname.detail | contains(\"comodoca.com where sectigo.com\")"
done

# 3. Wrong: the zone name appended twice (a relative name given in full).
"$DCV" cname "$csr" --format zone | grep -v '^;' | grep -F '.example.com.' |
    sed 's/\.example\.com\.\t/.example.com\t/' | write_zone
reload
for m in "${modes[@]}"; do
    check "$m" 1 "$cname.detail | contains(\"appended twice\")"
done

# 4. Right: the line dcv prints, pasted as is.
"$DCV" cname "$csr" --format zone | grep -v '^;' | grep -F '.example.com.' | write_zone
reload
for m in "${modes[@]}"; do
    check "$m" 0 "$cname.status == \"pass\"" "$cname.adn == \"example.com\"" \
        '(.results[] | select(.check == "caa")).status == "pass"'
done
if [ "$auth" = yes ]; then
    check authoritative 0 "[$cname.attempts[] | .server == \"ns1.example.com\" and .address == \"$auth_ip:53\"] | all"
fi
say "all passed"
