#!/usr/bin/env bash
# End-to-end: `dcv check-dns --evidence DIR` against a real Knot DNS that
# signs its zone (ECDSA P-256, NSEC), with the zone's KSK as trust anchor.
# The bundle must hold the question dcv asked with the server's address,
# the answer's CNAME as Knot serves it (compared with kdig's own answer),
# and, in dnssec.txt, the DNSKEY and RRSIG records the secure verdict relied
# on (compared with kdig +dnssec). Nothing may be written outside DIR.
# Runs as root on a fresh Debian (CI): installs what is missing.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
port=${EVIDENCE_PORT:-5356}

. "$here/tests/e2e/common.sh"
need knotd:knot kdig:knot-dnsutils jq:jq
find_dcv

md5=$(printf '%032X' 42)
sha=$(printf 'CD%.0s' $(seq 32))
target="${sha:0:32}.${sha:32:32}.sectigo.com."

mkdir -p "$tmp/zones"
{
    echo '$ORIGIN example.com.'
    echo '$TTL 300'
    echo '@ SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300'
    echo '@ NS ns1.example.com.'
    echo 'ns1 A 127.0.0.1'
    echo "_$md5 CNAME $target"
} >"$tmp/zones/example.com.zone"
{ knot_server_conf "$tmp" "127.0.0.1@$port"; cat; } >"$tmp/knot.conf" <<CONF
policy:
  - id: nsec
    algorithm: ecdsap256sha256
    nsec3: off
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
CONF
knotd -c "$tmp/knot.conf" &
knot_pid=$!
for _ in $(seq 50); do
    if kdig -p "$port" @127.0.0.1 example.com DNSKEY +short 2>/dev/null | grep -q '^257 '; then break; fi
    sleep 0.2
done
kdig -p "$port" @127.0.0.1 example.com DNSKEY +short | awk '$1 == 257 {print "example.com. IN DNSKEY", $0}' >"$tmp/anchor.txt"
[ -s "$tmp/anchor.txt" ] || { cat "$tmp/knot.log" >&2; fail "knotd did not sign example.com"; }

mkdir "$tmp/out"
code=0
"$DCV" --json check-dns --recursive --resolver "127.0.0.1:$port" --trust-anchor "$tmp/anchor.txt" \
    --md5 "$md5" --sha256 "$sha" example.com --evidence "$tmp/out/bundle" >"$tmp/report.json" || code=$?
[ "$code" = 0 ] || { cat "$tmp/report.json" >&2; fail "dcv check-dns exited $code"; }
b="$tmp/out/bundle"
[ "$(jq -r '.results[] | select(.check == "cname") | .dnssec' "$b/report.json")" = secure ] \
    || fail "the bundle's report does not say secure"
say "ok: the CNAME is secure and the bundle's report.json says so"

q="_$(echo "$md5" | tr 'A-F' 'a-f').example.com."
grep -q "127.0.0.1:$port $q CNAME +rd" "$b/names/example.com/dns.txt" || fail "no CNAME question to 127.0.0.1:$port in dns.txt"
kdig_target=$(kdig -p "$port" @127.0.0.1 "$q" CNAME +short)
grep -qi "CNAME[[:space:]]*$kdig_target" "$b/names/example.com/dns.txt" || fail "dns.txt lacks kdig's answer $kdig_target"
say "ok: dns.txt holds the question, the server and kdig's answer ($kdig_target)"

# The records the verdict relied on: Knot's DNSKEYs and the RRSIG over the CNAME.
kdig -p "$port" @127.0.0.1 example.com DNSKEY +short | awk '{print $1, $2, $3}' | sort -u >"$tmp/keys"
while read -r flags proto alg; do
    grep -Eq "DNSKEY[[:space:]]+$flags[[:space:]]+$proto[[:space:]]+$alg" "$b/names/example.com/dnssec.txt" \
        || fail "dnssec.txt lacks the DNSKEY $flags $proto $alg kdig sees"
done <"$tmp/keys"
kdig -p "$port" @127.0.0.1 "$q" CNAME +dnssec | grep -q 'RRSIG.*CNAME' || fail "kdig sees no RRSIG over the CNAME"
grep -Eq "^$q.*RRSIG[[:space:]]+CNAME" "$b/names/example.com/dnssec.txt" || fail "dnssec.txt lacks the RRSIG over the CNAME"
say "ok: dnssec.txt holds the DNSKEYs and the RRSIG over the CNAME, as kdig sees them"

grep -q "method DNS CNAME (BR 3.2.2.4.7) \[ca-tbr-7\]: pass, ADN example.com, DNSSEC secure" "$b/summary.txt" \
    || { cat "$b/summary.txt" >&2; fail "summary.txt lacks the method, BR label, ADN and verdict"; }
[ "$(find "$tmp/out" -mindepth 1 -maxdepth 1 | wc -l)" = 1 ] || fail "something was written beside the bundle"
say "ok: summary.txt names method, BR label, ADN and DNSSEC verdict; nothing outside DIR"
# The human report says the zone is secure (issue 17: DNSSEC state visible in text).
"$DCV" --color never check-dns --recursive --resolver "127.0.0.1:$port" --trust-anchor "$tmp/anchor.txt" \
    --md5 "$md5" --sha256 "$sha" example.com >"$tmp/human.txt" 2>/dev/null || fail "human check-dns failed"
grep -q '^DNSSEC: 2 secure' "$tmp/human.txt" || { cat "$tmp/human.txt" >&2; fail "the text does not say secure"; }
say "ok: the text report says: $(grep '^DNSSEC:' "$tmp/human.txt")"

# The bundle is sealed (issue 22): manifest.json lists every other file
# with the SHA-256 sha256sum computes, and names the run.
[ "$(jq -r .ca_profile "$b/manifest.json")" = sectigo ] || fail "manifest: no CA profile"
[ "$(jq -r '.resolvers[0]' "$b/manifest.json")" = "127.0.0.1:$port" ] || fail "manifest: resolvers"
[ "$(jq -r .csr.md5 "$b/manifest.json")" = "$md5" ] || fail "manifest: the MD5"
(cd "$b" && jq -r '.files[] | "\(.sha256)  \(.path)"' manifest.json | sha256sum --check --quiet) \
    || fail "sha256sum disagrees with manifest.json"
listed=$(jq -r '.files[].path' "$b/manifest.json" | sort)
present=$(cd "$b" && find . -type f ! -name manifest.json | sed 's|^\./||' | sort)
[ "$listed" = "$present" ] || fail "manifest.json does not list every file: $listed / $present"
head -1 "$b/summary.txt" | grep -q '^dcv evidence bundle' || fail "summary.txt has no header"
say "ok: manifest.json names the run and sha256sum agrees with every file's hash"
# A second run replaces it whole; a directory holding anything else is refused.
# (An earlier run's folder of another name, as the issue found it.)
mkdir "$b/names/old.example.com" && printf 'name: old.example.com\n  verdict: ready\n' >"$b/names/old.example.com/summary.txt"
"$DCV" --json check-dns --recursive --resolver "127.0.0.1:$port" --trust-anchor "$tmp/anchor.txt" \
    --md5 "$md5" --sha256 "$sha" example.com --evidence "$b" >/dev/null || fail "second run failed"
[ ! -e "$b/names/old.example.com" ] || fail "the second run kept the earlier run's old.example.com"
(cd "$b" && jq -r '.files[] | "\(.sha256)  \(.path)"' manifest.json | sha256sum --check --quiet) \
    || fail "the second bundle's hashes"
mkdir "$tmp/mine" && echo keep >"$tmp/mine/notes.txt"
code=0
"$DCV" check-dns --recursive --resolver "127.0.0.1:$port" --trust-anchor "$tmp/anchor.txt" \
    --md5 "$md5" --sha256 "$sha" example.com --evidence "$tmp/mine" 2>"$tmp/err" >/dev/null || code=$?
[ "$code" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && [ "$(cat "$tmp/mine/notes.txt")" = keep ] \
    || fail "a foreign directory was not refused in one line (exit $code): $(cat "$tmp/err")"
say "ok: a second run replaces the bundle whole; a foreign directory is refused: $(cat "$tmp/err")"

# EVIDENCE_KEEP=DIR keeps a copy of the bundle (docs/evidence.md shows one).
if [ -n "${EVIDENCE_KEEP:-}" ]; then rm -rf "$EVIDENCE_KEEP"; cp -r "$b" "$EVIDENCE_KEEP"; fi
echo "$name: passed"
