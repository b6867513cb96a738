#!/usr/bin/env bash
# End-to-end check of the CA rulebook against a real Knot DNS server: CAA
# parameters (RFC 8657 validationmethods and accounturi with the BR's
# ca-tbr-<N> labels), the random-value DNS TXT method and `dcv txt`, and
# the CA profiles' TXT forms.
#
# Runs as root on a fresh Debian machine (CI): installs knot and jq if
# missing, starts its own knotd on loopback (never the system service),
# rewrites the zone per case, reloads, and asserts on dcv's JSON, asking
# Knot directly (--recursive --resolver 127.0.0.1:PORT: Knot answers
# authoritatively for its zone). Exits non-zero on any failure.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
port=${KNOT_PORT:-5363}
csr="$here/tests/fixtures/rsa2048_multi.pem"

# shellcheck source=tests/e2e/common.sh
. "$here/tests/e2e/common.sh"
need knotd:knot jq:jq
find_dcv

serial=1
write_zone() { # extra lines on stdin
    {
        echo "\$ORIGIN example.com."
        echo "\$TTL 300"
        echo "@ SOA ns1.example.com. hostmaster.example.com. $serial 3600 600 86400 120"
        echo "@ NS ns1.example.com."
        echo "ns1 A 127.0.0.1"
        cat
    } >"$tmp/zones/example.com.zone"
    serial=$((serial + 1))
    knotc -b zone-reload example.com >/dev/null || fail "zone-reload"
}

mkdir -p "$tmp/zones"
{
    echo "\$ORIGIN example.com."
    echo "@ SOA ns1.example.com. hostmaster.example.com. 0 3600 600 86400 120"
    echo "@ NS ns1.example.com."
} >"$tmp/zones/example.com.zone"
knot_start "127.0.0.1@$port" example.com
say "knotd $(knotd --version | awk '{print $NF}') on 127.0.0.1:$port"

# run WANT_EXIT JQ_FILTER... -- DCV_ARGS...: every filter must print true.
run() {
    local want=$1; shift
    local filters=()
    while [ "$1" != -- ]; do filters+=("$1"); shift; done
    shift
    local out code=0
    out=$("$DCV" --json "$@" --recursive --resolver "127.0.0.1:$port" --timeout 2 --no-dnssec) || code=$?
    [ "$code" = "$want" ] || fail "$*: exit $code, want $want: $out"
    for f in "${filters[@]}"; do
        [ "$(jq -r "$f" <<<"$out")" = true ] || fail "$*: $f is not true in: $out"
    done
    say "ok: $* -> exit $code"
}
cname='(.results[] | select(.check == "cname" and .domain == "example.com"))'
caa='(.results[] | select(.check == "caa" and .domain == "example.com"))'
record=$("$DCV" cname "$csr" --format zone | grep -v '^;' | grep -F '.example.com.')

# caa_case VALUE WANT_EXIT CNAME_STATUS CAA_STATUS AUTHORIZES_JSON [EXTRA_ARGS...]
caa_case() {
    local value=$1 want=$2 cs=$3 as=$4 auth=$5; shift 5
    printf '%s\n@ CAA 0 issue "%s"\n' "$record" "$value" | write_zone
    run "$want" "$cname.status == \"$cs\"" "$cname.br_label == \"ca-tbr-7\"" \
        "$caa.status == \"$as\"" "$caa.authorizes == $auth" \
        -- check-dns --csr "$csr" example.com "$@"
}

# 1. validationmethods (RFC 8657; BR 4.2.2.1 labels, compared case-insensitively).
caa_case 'sectigo.com; validationmethods=ca-tbr-7' 0 pass pass '["ca-tbr-7"]'
caa_case 'sectigo.com; validationmethods=ca-tbr-18' 1 fail pass '["ca-tbr-18"]'
caa_case 'sectigo.com; validationmethods=dns-01' 1 pass fail '[]'
caa_case 'sectigo.com; validationmethods=http-01' 1 pass fail '[]'
caa_case 'sectigo.com; validationmethods=CA-TBR-7' 0 pass pass '["ca-tbr-7"]'
caa_case 'sectigo.com; validationmethods=ca-tbr-18,ca-tbr-7' 0 pass pass '["ca-tbr-7","ca-tbr-18"]'
# The failed CNAME says which property forbids it and how to fix it.
printf '%s\n@ CAA 0 issue "%s"\n' "$record" 'sectigo.com; validationmethods=ca-tbr-18' | write_zone
run 1 "$cname.detail | contains(\"validationmethods=ca-tbr-18\")" \
    "$cname.hint | contains(\"validationmethods=ca-tbr-18,ca-tbr-7\")" \
    -- check-dns --csr "$csr" example.com

# 2. accounturi: without --account, with the matching one, with another.
acct=https://acme.sectigo.com/acct/42
caa_case "sectigo.com; accounturi=$acct" 1 pass fail '[]'
run 1 "$caa.hint | contains(\"--account\")" -- check-dns --csr "$csr" example.com
caa_case "sectigo.com; accounturi=$acct" 0 pass pass '["ca-tbr-7","ca-tbr-18","ca-tbr-22"]' --account "$acct"
caa_case "sectigo.com; accounturi=$acct" 1 pass fail '[]' --account "$acct/other"

# 3. dcv check chooses the method the CAA authorizes: the CNAME is in
#    place, no web server answers, and the CAA allows only the file.
printf '%s\nwww A 127.0.0.1\n@ CAA 0 issue "%s"\n' "$record" 'sectigo.com; validationmethods=ca-tbr-7' | write_zone
run 0 '(.names[] | select(.domain == "www.example.com")).validated_by == ["cname"]' \
    -- check --csr "$csr" www.example.com --http-port 9 --resolve www.example.com:127.0.0.1
printf '%s\nwww A 127.0.0.1\n@ CAA 0 issue "%s"\n' "$record" 'sectigo.com; validationmethods=ca-tbr-18' | write_zone
run 1 '(.names[] | select(.domain == "www.example.com")).ok == false' \
    '(.results[] | select(.check == "cname" and .domain == "www.example.com")).status == "fail"' \
    -- check --csr "$csr" www.example.com --http-port 9 --resolve www.example.com:127.0.0.1

# 4. The random-value TXT (Sectigo's _pki-validation form), the line
#    `dcv txt --format zone` prints pasted as is.
value='QCw6C+nYGM6BSxgW0gd3Ig=='
txt='(.results[] | select(.check == "txt" and .domain == "www.example.com"))'
line=$("$DCV" txt --random-value "$value" www.example.com --format zone | grep -v '^;')
grep -Fq "_pki-validation.example.com." <<<"$line" || fail "dcv txt printed: $line"
tcheck() { # WANT_EXIT FILTER... (check-dns --random-value for www.example.com)
    local want=$1; shift
    run "$want" "$@" -- check-dns --random-value "$value" www.example.com "${extra[@]}"
}
extra=()
printf '%s\n' "$line" | write_zone
tcheck 0 "$txt.status == \"pass\"" "$txt.adn == \"example.com\"" "$txt.br_label == \"ca-tbr-7\""
# Mistakes: quotes pasted into the value, the bare name, the zone twice,
# a CNAME where the TXT belongs, another order's value, nothing at all.
printf '_pki-validation TXT "\\"%s\\""\n' "$value" | write_zone
tcheck 1 "$txt.detail | contains(\"quotation marks\")"
printf '@ TXT "%s"\n' "$value" | write_zone
tcheck 1 "$txt.detail | contains(\"instead of _pki-validation.example.com\")"
printf '_pki-validation.example.com TXT "%s"\n' "$value" | write_zone
tcheck 1 "$txt.detail | contains(\"appended twice\")"
printf '_pki-validation CNAME dcv.example.com.\n' | write_zone
tcheck 1 "$txt.detail | contains(\"CNAME\")"
printf '_pki-validation TXT "AAAAotherorder0000000=="\n' | write_zone
tcheck 1 "$txt.detail | contains(\"another value\")"
printf '' | write_zone
tcheck 1 "$txt.detail | contains(\"NXDOMAIN\")" "$txt.hint | contains(\"120s\")"
# A CAA that allows only the file fails the TXT; dcv check counts the TXT.
printf '%s\n@ CAA 0 issue "sectigo.com; validationmethods=ca-tbr-18"\n' "$line" | write_zone
tcheck 1 "$txt.status == \"fail\"" "$txt.detail | contains(\"ca-tbr-7\")"
printf '%s\n' "$line" | write_zone
run 0 '([.names[].validated_by] | all(. == ["txt"]))' \
    -- check --csr "$csr" --method txt --random-value "$value" www.example.com example.com
# The portal's value needs no CSR (issue 22): the names are the arguments.
run 0 '([.names[].validated_by] | all(. == ["txt"]))' '(.subject.md5 == null)' \
    -- check --method txt --random-value "$value" www.example.com example.com

# 5. DigiCert's TXT form (the value in a TXT record at the domain), as dcv txt renders it.
extra=(--ca digicert)
dline=$("$DCV" txt --ca digicert --random-value "$value" www.example.com --format zone | grep -v '^;')
grep -Eq '^example\.com\.' <<<"$dline" || fail "dcv txt --ca digicert printed: $dline"
printf '%s\n' "$dline" | write_zone
tcheck 0 "$txt.status == \"pass\""
printf '@ TXT "2024 other"\n' | write_zone
tcheck 1 "$txt.status == \"fail\""

# 6. The persistent TXT of a wildcard (issue 22): BR 3.2.2.4.22 defines no
#    policy parameter, so without it the name passes with a warning; the line
#    `dcv persist` prints (with policy=wildcard) passes without one.
extra=()
persist='(.results[] | select(.check == "persist" and .domain == "*.example.com"))'
acct=https://acme.sectigo.com/acct/42
printf '_validation-persist TXT "sectigo.com; accounturi=%s"\n' "$acct" | write_zone
run 0 "$persist.status == \"pass\"" "$persist.detail | contains(\"warning\")" \
    "$persist.detail | contains(\"dns-persist-01\")" \
    -- check-dns --persist "sectigo.com=$acct" '*.example.com'
pline=$("$DCV" persist '*.example.com' --issuer sectigo.com --accounturi "$acct" --format zone | grep -v '^;')
grep -Fq 'policy=wildcard' <<<"$pline" || fail "dcv persist printed: $pline"
printf '%s\n' "$pline" | write_zone
run 0 "$persist.status == \"pass\"" "($persist.detail | contains(\"warning\")) | not" \
    -- check-dns --persist "sectigo.com=$acct" '*.example.com'

# 7. Internal names (issue 22): without DCV_LAB a .test name is refused
#    as a public CA refuses it, with its record in place.
printf '%s\n' "$line" | write_zone
code=0
out=$(env -u DCV_LAB "$DCV" --json check-dns --random-value "$value" www.example.com printer.test \
    --recursive --resolver "127.0.0.1:$port" --timeout 2 --no-dnssec) || code=$?
[ "$code" = 1 ] || fail "internal name: exit $code: $out"
[ "$(jq -r '[.results[] | select(.domain == "printer.test" and .check == "input")][0].code' <<<"$out")" = internal_name ] \
    || fail "printer.test is not internal_name: $out"
[ "$(jq -r '[.results[] | select(.domain == "www.example.com")] | all(.status == "pass")' <<<"$out")" = true ] \
    || fail "www.example.com does not pass beside it: $out"
say "ok: printer.test refused as internal_name without DCV_LAB; www.example.com passes"

say "all passed"
