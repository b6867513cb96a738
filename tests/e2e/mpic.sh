#!/usr/bin/env bash
# dcv --mpic against a lab Open MPIC built on open-mpic-core (PyPI): six
# remote perspectives (two per RIR: ARIN, RIPE NCC, APNIC), each its own
# process with its own loopback source address, asking one BIND whose views
# answer by source address (a GeoDNS view for APNIC, a stale CAA view for
# RIPE NCC) and fetching from one nginx whose allow/deny rules treat them
# apart; a coordinator process runs open-mpic-core's MpicCoordinator behind
# the API (POST /mpic). Asserts that what passes here and is refused by the
# CA's perspectives is reported as not ready, naming the perspectives and
# what they saw; that Open MPIC's own quorum decides (4 of 6 pass at 6); that
# an unusable API is exit 3 naming the URL within the timeout; and that the
# API key appears in no output and no evidence file. Run as root (ports 80
# on 127.0.80.1; BIND on 127.0.0.1:18453). Exits non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
name=$(basename "$0")
fail() { echo "$name: FAIL: $*" >&2; exit 1; }
say() { echo "$name: $*" >&2; }
[ "$(id -u)" = 0 ] || fail "run as root (binds port 80 on 127.0.80.1)"
for c in named nginx python3 openssl; do command -v "$c" >/dev/null || fail "missing $c (apt-get install bind9 nginx-light python3-venv openssl)"; done
export DCV_LAB=1

DCV=${DCV:-${CARGO_TARGET_DIR:-$here/target}/release/dcv}
if [ ! -x "$DCV" ]; then (cd "$here" && cargo build --release --quiet); fi
VENV=${MPIC_VENV:-/tmp/dcv-mpic-venv}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import open_mpic_core' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q open-mpic-core
fi
say "open-mpic-core $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("open-mpic-core"))')"

tmp=$(mktemp -d); [ -z "${MPIC_KEEP:-}" ] || echo "$tmp" >"$MPIC_KEEP"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    [ -n "${MPIC_KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

DNS=127.0.0.1 DNS_PORT=18453 WEB=127.0.80.1 API_PORT=18480
KEY="lab-key-$RANDOM$RANDOM-do-not-print"

# The order: one CSR for the case names, another for a GeoDNS view's old target.
csr() { # FILE NAMES...
    local f=$1; shift
    local list; list=$(printf 'DNS:%s.lab.test,' "$@"); list=${list%,}
    openssl req -new -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -subj "/CN=$1.lab.test" \
        -addext "subjectAltName=$list" -out "$f" 2>/dev/null
}
csr "$tmp/order.csr" ok geo caa blocked contain remote txt
csr "$tmp/old.csr" geo
csr "$tmp/ten.csr" n0 n1 n2 n3 n4 n5 n6 n7 n8 n9
field() { "$DCV" --json hash "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
MD5=$(field "$tmp/order.csr" md5) SHA=$(field "$tmp/order.csr" sha256)
OLD_SHA=$(field "$tmp/old.csr" sha256)
TMD5=$(field "$tmp/ten.csr" md5) TSHA=$(field "$tmp/ten.csr" sha256)
target() { echo "${1:0:32}.${1:32:32}.sectigo.com."; }
RANDOM_VALUE="lab-random-$RANDOM$RANDOM"

# DNS: one zone, three views chosen by the asker's source address.
mkdir -p "$tmp/bind"
zone() { # extra lines on stdin
    cat <<ZONE
\$TTL 60
@ SOA ns.lab.test. hostmaster.lab.test. 1 3600 600 86400 60
@ NS ns
ns A $DNS
@ CAA 0 issue "sectigo.com"
ZONE
    for n in ok geo caa blocked contain remote txt n0 n1 n2 n3 n4 n5 n6 n7 n8 n9; do echo "$n A $WEB"; done
    for n in ok caa blocked contain remote; do echo "_$MD5.$n CNAME $(target "$SHA")"; done
    for n in n0 n1 n2 n3 n4 n5 n6 n7 n8 n9; do echo "_$TMD5.$n CNAME $(target "$TSHA")"; done
    echo "_pki-validation.txt TXT \"$RANDOM_VALUE\""
    cat
}
echo "_$MD5.geo CNAME $(target "$SHA")" | zone >"$tmp/bind/base.zone"
echo "_$MD5.geo CNAME $(target "$SHA")" | { zone; echo 'caa CAA 0 issue "letsencrypt.org"'; } >"$tmp/bind/ripe.zone"
echo "_$MD5.geo CNAME $(target "$OLD_SHA")" | zone >"$tmp/bind/apnic.zone"
cat >"$tmp/bind/named.conf" <<CONF
options {
    directory "$tmp/bind";
    pid-file "$tmp/bind/named.pid";
    listen-on port $DNS_PORT { $DNS; };
    listen-on-v6 { none; };
    recursion no;
    notify no;
    dnssec-validation no;
};
controls { };
view "ripe" { match-clients { 127.0.1.3; 127.0.1.4; }; zone "lab.test" { type primary; file "$tmp/bind/ripe.zone"; }; };
view "apnic" { match-clients { 127.0.1.5; 127.0.1.6; }; zone "lab.test" { type primary; file "$tmp/bind/apnic.zone"; }; };
view "default" { match-clients { any; }; zone "lab.test" { type primary; file "$tmp/bind/base.zone"; }; };
CONF
named -g -c "$tmp/bind/named.conf" >"$tmp/bind/named.log" 2>&1 &
pids+=($!)

# The web: the file for every name; blocked refuses APNIC's two perspectives,
# contain serves the body with a trailing newline (as `echo` writes it), remote refuses this host (127.0.0.1).
chmod 755 "$tmp"  # nginx's workers (www-data) read the web roots
www=$tmp/www; mkdir -p "$www/.well-known/pki-validation" "$tmp/contain/.well-known/pki-validation" "$tmp/nginx"
printf '%s\nsectigo.com' "$SHA" >"$www/.well-known/pki-validation/$MD5.txt"
printf '%s\nsectigo.com' "$TSHA" >"$www/.well-known/pki-validation/$TMD5.txt"
printf '%s\nsectigo.com\n' "$SHA" >"$tmp/contain/.well-known/pki-validation/$MD5.txt"
cat >"$tmp/nginx/nginx.conf" <<CONF
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 256; }
http {
    access_log $tmp/nginx/access.log;
    client_body_temp_path $tmp/nginx; proxy_temp_path $tmp/nginx; fastcgi_temp_path $tmp/nginx;
    uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;
    default_type text/plain;
    server { listen $WEB:80 default_server; server_name _; root $www; }
    server { listen $WEB:80; server_name blocked.lab.test; root $www; deny 127.0.1.5; deny 127.0.1.6; }
    server { listen $WEB:80; server_name contain.lab.test; root $tmp/contain; }
    server { listen $WEB:80; server_name remote.lab.test; root $www; deny 127.0.0.1; }
}
CONF
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" &
pids+=($!)

# Open MPIC: six perspectives and the coordinator.
lab=$here/tests/e2e/mpic_lab.py
list=
i=0
for p in us-east-1=ARIN us-west-2=ARIN "eu-west-1=RIPE NCC" "eu-central-1=RIPE NCC" ap-south-1=APNIC ap-northeast-1=APNIC; do
    i=$((i + 1))
    code=${p%%=*}
    "$VENV/bin/python" "$lab" perspective "$code" "127.0.1.$i" $((18400 + i)) "$DNS" "$DNS_PORT" >"$tmp/p$i.log" 2>&1 &
    pids+=($!)
    list+="$p=http://127.0.1.$i:$((18400 + i))/check,"
done
MPIC_LAB_KEY=$KEY "$VENV/bin/python" "$lab" coordinator "$API_PORT" "${list%,}" >"$tmp/coordinator.log" 2>&1 &
pids+=($!)
API=http://127.0.0.1:$API_PORT
for _ in $(seq 100); do
    if python3 - "$API_PORT" <<'PY' 2>/dev/null
import socket, sys
for port in [int(sys.argv[1])] + [18400 + i for i in range(1, 7)]:
    host = "127.0.0.1" if port == int(sys.argv[1]) else f"127.0.1.{port - 18400}"
    socket.create_connection((host, port), 1).close()
socket.create_connection(("127.0.80.1", 80), 1).close()
PY
    then break; fi
    sleep 0.2
done
dig +short @"$DNS" -p "$DNS_PORT" -b 127.0.1.5 "_$MD5.geo.lab.test" CNAME | grep -qi "${OLD_SHA:0:32}" || fail "BIND's APNIC view is not up"

local_flags=(--recursive --resolver "$DNS:$DNS_PORT" --no-dnssec --timeout 2 --scheme http)
run() { # OUTFILE ARGS...: dcv's exit code in $code
    local out=$1; shift
    code=0
    DCV_MPIC_API_KEY=$KEY "$DCV" "$@" >"$out" 2>"$out.err" || code=$?
    # What dcv says on stderr follows its output, but for the one-line note
    # that the lab's .test names are lab names (DCV_LAB=1, SPEC 8), which
    # would make the JSON files unreadable.
    grep -v '^note: lab names (--lab)' "$out.err" >>"$out" || true
    rm -f "$out.err"
}
json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }
expect_code() { [ "$code" = "$1" ] || { cat "$2" >&2; fail "$3: exit $code, expected $1"; }; }

# 1. Everything seen by every perspective: ready, corroborated by 5 of 5.
for m in cname http; do
    run "$tmp/ok.$m" --json check --md5 "$MD5" --sha256 "$SHA" --method "$m" ok.lab.test "${local_flags[@]}" --mpic "$API"
    expect_code 0 "$tmp/ok.$m" "ok.lab.test --method $m"
    # The default perspective count is the BR minimum for today (4 before 2026-12-15, then 5).
    want=$(if [[ $(date -u +%F) < 2026-12-15 ]]; then echo 4; else echo 5; fi)
    json "$tmp/ok.$m" "all(r['mpic']['is_valid'] and r['mpic']['perspective_count']==$want for r in d['results'] if r['check']!='input')" | grep -q True \
        || { cat "$tmp/ok.$m"; fail "ok.lab.test $m: not every result corroborated by $want"; }
done
run "$tmp/ok.txt" --json check --method txt --random-value "$RANDOM_VALUE" --md5 "$MD5" --sha256 "$SHA" txt.lab.test "${local_flags[@]}" --mpic "$API"
expect_code 0 "$tmp/ok.txt" "random-value TXT"
# check-http and check-dns (the random-value TXT) send their own checks too.
# check-http asks the zone's own servers (no --recursive): the resolver finds
# lab.test's NS (ns.lab.test = 127.0.0.1), asked on --ns-port.
run "$tmp/ok.checkhttp" --json check-http --md5 "$MD5" --sha256 "$SHA" ok.lab.test --resolver "$DNS:$DNS_PORT" --ns-port "$DNS_PORT" \
    --no-dnssec --timeout 2 --scheme http --mpic "$API"
expect_code 0 "$tmp/ok.checkhttp" "check-http"
json "$tmp/ok.checkhttp" "sorted(r['check'] for r in d['results'] if r.get('mpic',{}).get('is_valid'))" | grep -qF "['caa', 'http']" \
    || { cat "$tmp/ok.checkhttp"; fail "check-http: http and caa not both corroborated"; }
run "$tmp/ok.checkdns" --json check-dns --random-value "$RANDOM_VALUE" txt.lab.test --recursive --resolver "$DNS:$DNS_PORT" --no-dnssec --timeout 2 --mpic "$API"
expect_code 0 "$tmp/ok.checkdns" "check-dns --random-value"
json "$tmp/ok.checkdns" "sorted(r['check'] for r in d['results'] if r.get('mpic',{}).get('is_valid'))" | grep -qF "['caa', 'txt']" \
    || { cat "$tmp/ok.checkdns"; fail "check-dns: txt and caa not both corroborated"; }
run "$tmp/ok.text" check --md5 "$MD5" --sha256 "$SHA" --method cname ok.lab.test "${local_flags[@]}" --mpic "$API" --mpic-perspectives 5
grep -q "corroborated by 5 of 5 perspectives" "$tmp/ok.text" || { cat "$tmp/ok.text"; fail "no 'corroborated by 5 of 5'"; }
say "ready and corroborated: cname, http, txt (check, check-http, check-dns)"

# 2..4. Ready here, refused by the CA: before (plain) and after (--mpic).
before_after() { # LABEL NAME METHOD [MORE...]
    local label=$1 host=$2 method=$3; shift 3
    run "$tmp/$label.before" check --md5 "$MD5" --sha256 "$SHA" --method "$method" "$host" "${local_flags[@]}" "$@"
    expect_code 0 "$tmp/$label.before" "$label without --mpic"
    run "$tmp/$label.after" check --md5 "$MD5" --sha256 "$SHA" --method "$method" "$host" "${local_flags[@]}" --mpic "$API" --mpic-perspectives 5 "$@"
    expect_code 1 "$tmp/$label.after" "$label with --mpic"
    { echo "--- $label: before"; cat "$tmp/$label.before"; echo "--- $label: after (--mpic)"; cat "$tmp/$label.after"; } >>"$tmp/before-after.txt"
}
before_after blocked blocked.lab.test http
grep -q "ap-south-1 saw HTTP 403 Forbidden" "$tmp/blocked.after" || fail "blocked: the APNIC perspective's 403 is not named"
grep -q "geo-blocking or a firewall" "$tmp/blocked.after" || fail "blocked: no likely cause"
before_after geo geo.lab.test cname
grep -qi "ap-northeast-1 saw ${OLD_SHA:0:32}" "$tmp/geo.after" || fail "geo: the target APNIC saw is not named"
grep -q "GeoDNS or an anycast node" "$tmp/geo.after" || fail "geo: no likely cause"
before_after caa caa.lab.test cname
grep -q 'eu-west-1 saw CAA at caa.lab.test: 0 issue "letsencrypt.org"' "$tmp/caa.after" || fail "caa: the CAA RIPE saw is not named"
say "the three cases: ready here, not ready with --mpic"

# Open MPIC's own quorum: two of six refused → 4 passed, quorum 4 at 6; at 4, 2 of 4 (quorum 3).
run "$tmp/q6" --json check --md5 "$MD5" --sha256 "$SHA" --method http blocked.lab.test "${local_flags[@]}" --mpic "$API" --mpic-perspectives 6
expect_code 0 "$tmp/q6" "blocked at 6 perspectives"
run "$tmp/q4" --json check --md5 "$MD5" --sha256 "$SHA" --method http blocked.lab.test "${local_flags[@]}" --mpic "$API" --mpic-perspectives 4
expect_code 1 "$tmp/q4" "blocked at 4 perspectives"
say "quorum: not ready at 4 and 5, ready at 6"

# Containment: the page holds the body and more: Open MPIC passes, dcv does not.
run "$tmp/out.contain" check --md5 "$MD5" --sha256 "$SHA" --method http contain.lab.test "${local_flags[@]}" --mpic "$API"
expect_code 1 "$tmp/out.contain" "contain"
grep -q "by containment" "$tmp/out.contain" || { cat "$tmp/out.contain"; fail "contain: containment not said"; }
# Only the remote perspectives get the file.
run "$tmp/remote" check --md5 "$MD5" --sha256 "$SHA" --method http remote.lab.test "${local_flags[@]}" --mpic "$API"
expect_code 1 "$tmp/remote" "remote"
grep -q "the remote perspectives get the file and this one does not" "$tmp/remote" || { cat "$tmp/remote"; fail "remote: not said"; }
say "containment and remote-only bodies reported as such"

# The API unusable: exit 3 naming the URL, within the deadline.
unusable() { # LABEL URL WORDS
    local start=$SECONDS
    run "$tmp/api.$1" check --md5 "$MD5" --sha256 "$SHA" --method cname ok.lab.test "${local_flags[@]}" --deadline 3 --mpic "$2"
    expect_code 3 "$tmp/api.$1" "API $1"
    grep -qF "$2" "$tmp/api.$1" || { cat "$tmp/api.$1"; fail "API $1: the URL is not named"; }
    grep -qi "$3" "$tmp/api.$1" || { cat "$tmp/api.$1"; fail "API $1: '$3' not said"; }
    (( SECONDS - start <= 10 )) || fail "API $1 took $((SECONDS - start))s"
}
unusable refused http://127.0.0.1:9 "connection refused"
unusable 500 "$API/fail500" "HTTP 500"
unusable html "$API/html" "not JSON"
unusable notmpic "$API/notmpic" "not an Open MPIC response"
unusable hang "$API/hang" "no answer within"
code=0; DCV_MPIC_API_KEY=wrong "$DCV" check --md5 "$MD5" --sha256 "$SHA" --method cname ok.lab.test "${local_flags[@]}" --mpic "$API" >"$tmp/api.key" 2>&1 || code=$?
expect_code 3 "$tmp/api.key" "a wrong key"
grep -q "HTTP 403" "$tmp/api.key" || fail "wrong key: 403 not said"
code=0; "$DCV" check --md5 "$MD5" --sha256 "$SHA" ok.lab.test --mpic ftp://x >"$tmp/bad" 2>&1 || code=$?
expect_code 2 "$tmp/bad" "--mpic ftp://"
say "API refused / 500 / HTML / not MPIC / hanging / wrong key: exit 3 naming the URL; bad URL: exit 2"

# The key: in no output, no evidence file.
run "$tmp/ev.out" --json check --md5 "$MD5" --sha256 "$SHA" --method any blocked.lab.test "${local_flags[@]}" --mpic "$API" --evidence "$tmp/evidence"
[ -s "$tmp/evidence/names/blocked.lab.test/mpic.txt" ] || fail "no mpic.txt in the evidence"
grep -q '"website-change"' "$tmp/evidence/names/blocked.lab.test/mpic.txt" || fail "the request is not in the evidence"
grep -q '"perspective_code"' "$tmp/evidence/names/blocked.lab.test/mpic.txt" || fail "the response is not in the evidence"
if grep -rqF "$KEY" "$tmp"/*.before "$tmp"/*.after "$tmp"/ok.* "$tmp"/api.* "$tmp"/q* "$tmp/ev.out" "$tmp/evidence"; then fail "the API key appears in output or evidence"; fi
say "evidence holds each request and response; the key appears nowhere"

# Time: ten names, one Open MPIC round per name and method, in parallel.
ten=(n0.lab.test n1.lab.test n2.lab.test n3.lab.test n4.lab.test n5.lab.test n6.lab.test n7.lab.test n8.lab.test n9.lab.test)
plain=() with=()
for round in 1 2 3; do
    t0=$(date +%s.%N)
    run "$tmp/ten.plain" --json check --md5 "$TMD5" --sha256 "$TSHA" "${ten[@]}" "${local_flags[@]}"
    t1=$(date +%s.%N)
    expect_code 0 "$tmp/ten.plain" "ten names without --mpic"
    before=$(grep -c '^request ' "$tmp/coordinator.log" || true)
    run "$tmp/ten.mpic" --json check --md5 "$TMD5" --sha256 "$TSHA" "${ten[@]}" "${local_flags[@]}" --mpic "$API"
    t2=$(date +%s.%N)
    expect_code 0 "$tmp/ten.mpic" "ten names with --mpic"
    sent=$(( $(grep -c '^request ' "$tmp/coordinator.log") - before ))
    # One Open MPIC request per name and check: caa, cname, http.
    [ "$sent" = 30 ] || fail "ten names sent $sent requests to Open MPIC, expected 30"
    plain+=("$(python3 -c "print(f'{$t1-$t0:.2f}')")") with+=("$(python3 -c "print(f'{$t2-$t1:.2f}')")")
done
say "time, 10 names x (caa, cname, http), 30 Open MPIC requests, 3 runs: ${plain[*]} s without --mpic; ${with[*]} s with --mpic"

[ -z "${MPIC_BEFORE_AFTER:-}" ] || cp "$tmp/before-after.txt" "$MPIC_BEFORE_AFTER"

# MPIC_RECORD=DIR: keep the lab's real requests and responses (the
# hermetic tests in tests/cli/mpic.rs replay them from tests/fixtures/mpic/).
if [ -n "${MPIC_RECORD:-}" ]; then
    mkdir -p "$MPIC_RECORD"
    printf '{"md5": "%s", "sha256": "%s", "old_sha256": "%s"}\n' "$MD5" "$SHA" "$OLD_SHA" >"$MPIC_RECORD/hashes.json"
    for c in ok:any geo:cname caa:cname blocked:http; do
        run "$tmp/rec.${c%%:*}" --json check --md5 "$MD5" --sha256 "$SHA" --method "${c#*:}" "${c%%:*}.lab.test" "${local_flags[@]}" \
            --mpic "$API" --mpic-perspectives 5 --evidence "$tmp/rec-${c%%:*}"
        python3 - "$tmp/rec-${c%%:*}/names/${c%%:*}.lab.test/mpic.txt" "$MPIC_RECORD" "${c%%:*}" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().split("\n")
for i, line in enumerate(lines):
    if line.startswith("== "):
        check = line.split()[1]
        request = json.loads(lines[i + 2])
        response = json.loads(lines[i + 3][3:])
        for kind, doc in (("request", request), ("response", response)):
            with open(f"{sys.argv[2]}/{sys.argv[3]}-{check}.{kind}.json", "w") as f:
                json.dump(doc, f, indent=1, sort_keys=True)
                f.write("\n")
PY
    done
    say "recorded into $MPIC_RECORD"
fi
say "ok"
