#!/usr/bin/env bash
# End-to-end DNSSEC checks of `dcv check-dns` against real signed zones.
#
# One knotd on 127.0.0.1:$PORT (never the system service) serves:
#   example.com      signed by Knot (NSEC), with _A (a DCV CNAME),
#                    delegations to sub (with a DS that matches no key) and
#                    lab (no DS: an unsigned child)
#   sub.example.com  signed by Knot, its DS at the parent is wrong
#   lab.example.com  unsigned
#   example.org      signed by Knot with NSEC3
#   expired.test     signed ahead of time by dnssec-signzone, valid 2020-2021
#   nosig.test       signed by dnssec-signzone, the CNAME's RRSIG then removed
# dcv asks it as its resolver (--recursive), with --trust-anchor naming the
# four signed apexes (their KSKs), and must say: secure pass, insecure pass,
# bogus (DS matches no DNSKEY), bogus (expired), bogus (no RRSIG), and a
# validated NSEC3 NXDOMAIN; and with --no-dnssec the DS mismatch passes.
# Needs root only to install knot, bind9-utils and jq when missing.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
port=${DNSSEC_PORT:-5354}

# shellcheck source=tests/e2e/common.sh
. "$here/tests/e2e/common.sh"
need knotd:knot kdig:knot-dnsutils dnssec-signzone:bind9-utils delv:bind9-dnsutils jq:jq
find_dcv

# Hashes of the DCV records: any 32/64 hex digits will do.
md5_of() { printf '%032X' "$1"; }
sha=$(printf 'AB%.0s' $(seq 32))
target="${sha:0:32}.${sha:32:32}.sectigo.com."
A=$(md5_of 10); B=$(md5_of 11); C=$(md5_of 12); D=$(md5_of 13); E=$(md5_of 14); F=$(md5_of 15)

mkdir -p "$tmp/zones" "$tmp/db" "$tmp/run" "$tmp/presign"
soa() { echo "\$ORIGIN $1."; echo '$TTL 300'; echo "@ SOA ns1.example.com. hostmaster.$1. 1 3600 600 86400 300"; echo "@ NS ns1.example.com."; }
{
    soa example.com
    echo "ns1 A 127.0.0.1"
    echo "_$A CNAME $target"
    echo "sub NS ns1.example.com."
    echo "sub DS 12345 13 2 $(printf '%064d' 7)"
    echo "lab NS ns1.example.com."
} >"$tmp/zones/example.com.zone"
{ soa sub.example.com; echo "_$C CNAME $target"; } >"$tmp/zones/sub.example.com.zone"
{ soa lab.example.com; echo "_$B CNAME $target"; } >"$tmp/zones/lab.example.com.zone"
{ soa example.org; echo "www A 127.0.0.1"; } >"$tmp/zones/example.org.zone"

# Zones signed ahead of time with BIND's tools.
presign() { # zone record validity-args...
    local zone=$1 record=$2; shift 2
    (
        cd "$tmp/presign"
        key=$(dnssec-keygen -q -a ECDSAP256SHA256 -f KSK -n ZONE "$zone")
        { soa "$zone"; echo "$record"; echo "\$INCLUDE $tmp/presign/$key.key"; } >"$zone.zone"
        dnssec-signzone -q -z -P -O full "$@" -o "$zone" -f "$zone.signed" "$zone.zone" "$key" >/dev/null
        grep -v '^;' "$key.key" >"$zone.anchor"
    )
}
presign expired.test "_$D CNAME $target" -s 20200101000000 -e 20210101000000
presign nosig.test "_$F CNAME $target"
cp "$tmp/presign/expired.test.signed" "$tmp/zones/expired.test.zone"
# Remove the RRSIG over the CNAME (one record per line in -O full output).
grep -Ev "^_$F\.nosig\.test\.[[:space:]].*RRSIG[[:space:]]+CNAME" "$tmp/presign/nosig.test.signed" >"$tmp/zones/nosig.test.zone"
grep -q "RRSIG.*CNAME" "$tmp/presign/nosig.test.signed" || fail "dnssec-signzone signed no CNAME"
! grep -q "RRSIG[[:space:]]*CNAME" "$tmp/zones/nosig.test.zone" || fail "the CNAME's RRSIG is still there"

{ knot_server_conf "$tmp" "127.0.0.1@$port"; cat; } >"$tmp/knot.conf" <<CONF
policy:
  - id: nsec
    algorithm: ecdsap256sha256
    nsec3: off
  - id: nsec3
    algorithm: ecdsap256sha256
    nsec3: on
template:
  - id: default
    storage: "$tmp/zones"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: example.com
    dnssec-signing: on
    dnssec-policy: nsec
  - domain: sub.example.com
    dnssec-signing: on
    dnssec-policy: nsec
  - domain: lab.example.com
  - domain: example.org
    dnssec-signing: on
    dnssec-policy: nsec3
  - domain: expired.test
  - domain: nosig.test
CONF
knotd -c "$tmp/knot.conf" &
knot_pid=$!
for _ in $(seq 50); do
    if kdig -p "$port" @127.0.0.1 example.org DNSKEY +short 2>/dev/null | grep -q '^257 '; then break; fi
    sleep 0.2
done

# Trust anchors: the KSKs Knot made, and the pre-signed zones' keys.
anchors="$tmp/anchors.txt"
for zone in example.com example.org; do
    kdig -p "$port" @127.0.0.1 "$zone" DNSKEY +short | awk -v z="$zone." '$1 == 257 {print z, "IN DNSKEY", $0}' >>"$anchors"
done
cat "$tmp/presign/expired.test.anchor" "$tmp/presign/nosig.test.anchor" >>"$anchors"
[ "$(grep -c DNSKEY "$anchors")" = 4 ] || { cat "$anchors" "$tmp/knot.log" >&2; fail "expected 4 anchors"; }

# delv (BIND's validator) as an independent judge of the same answers.
delv_anchors() { # zone
    awk -v z="$1." '$1 == z && $3 == "DNSKEY" {k=""; for (i = 7; i <= NF; i++) k = k $i;
        printf "trust-anchors { %s static-key %s %s %s \"%s\"; };\n", z, $4, $5, $6, k}' "$anchors"
}
# delv_verdict ZONE NAME: secure, insecure or bogus as delv sees NAME's CNAME.
delv_verdict() {
    delv_anchors "$1" >"$tmp/delv-$1.conf"
    local out
    out=$(delv -a "$tmp/delv-$1.conf" +root="$1" -p "$port" @127.0.0.1 "$2" CNAME 2>&1 || true)
    case "$out" in
        *"fully validated"*) echo secure ;;
        *"unsigned answer"*) echo insecure ;;
        *"resolution failed"*|*"validation failed"*|*SERVFAIL*) echo bogus ;;
        *) echo "unknown: $out" ;;
    esac
}
agree() { # ZONE NAME DCV-VERDICT
    local d
    d=$(delv_verdict "$1" "$2")
    [ "$d" = "$3" ] || fail "delv says $d for $2, dcv says $3"
    say "ok: delv agrees: $2 is $3"
}

# check MD5 DOMAIN EXPECTED_EXIT JQ [extra args]: the CNAME result must satisfy JQ.
check() {
    local md5=$1 domain=$2 want=$3 filter=$4; shift 4
    local out code=0
    out=$("$DCV" --json check-dns --recursive --resolver "127.0.0.1:$port" --timeout 2 \
        --md5 "$md5" --sha256 "$sha" "$@" "$domain" 2>"$tmp/stderr") || code=$?
    [ "$code" = "$want" ] || { echo "$out" >&2; cat "$tmp/stderr" >&2; fail "$domain: exit $code, expected $want"; }
    echo "$out" | jq -e ".results[] | select(.check == \"cname\") | $filter" >/dev/null \
        || { echo "$out" | jq . >&2; fail "$domain: cname result does not satisfy $filter"; }
    say "ok: $domain: $(echo "$out" | jq -r '.results[] | select(.check == "cname") | "\(.status) dnssec=\(.dnssec // "-") \(.dnssec_detail // "")"')"
}

ta=(--trust-anchor "$anchors")
check "$A" www.example.com 0 '.status == "pass" and .dnssec == "secure"' "${ta[@]}"
check "$B" lab.example.com 0 '.status == "pass" and .dnssec == "insecure" and (.dnssec_detail | test("no DS for lab.example.com"))' "${ta[@]}"
check "$C" sub.example.com 1 '.status == "fail" and .dnssec == "bogus" and (.detail | test("match none of its DNSKEYs")) and (.hint | test("registrar"))' "${ta[@]}"
check "$D" expired.test 1 '.status == "fail" and .dnssec == "bogus" and (.detail | test("expired at 2021-01-01T00:00:00Z"))' "${ta[@]}"
check "$F" nosig.test 1 '.status == "fail" and .dnssec == "bogus" and (.detail | test("has no RRSIG"))' "${ta[@]}"
check "$E" example.org 1 '.status == "fail" and (.detail | test("NXDOMAIN")) and .dnssec == "secure"' "${ta[@]}"
agree example.com "_$A.example.com" secure
agree example.com "_$B.lab.example.com" insecure
agree example.com "_$C.sub.example.com" bogus
agree expired.test "_$D.expired.test" bogus
agree nosig.test "_$F.nosig.test" bogus
# Validation off: the DS mismatch is not seen, and the report says so.
out=$("$DCV" --json check-dns --recursive --resolver "127.0.0.1:$port" --timeout 2 --no-dnssec \
    --md5 "$C" --sha256 "$sha" sub.example.com 2>/dev/null) || true
echo "$out" | jq -e '.dnssec_off == true and ([.results[] | select(.check == "cname")][0] | .status == "pass" and (has("dnssec") | not))' >/dev/null \
    || { echo "$out" | jq . >&2; fail "--no-dnssec"; }
say "ok: --no-dnssec passes the DS mismatch and says validation was off"
say "all passed"
