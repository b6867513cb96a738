#!/usr/bin/env bash
# End-to-end: `dcv check-http` against a real nginx (nginx-light) started on
# loopback ports with a configuration of our own in a temp dir (the system
# configuration is never used or touched). The webroot is written by
# `dcv file --write`; then the check must pass, and a wrong body, a 404, a
# redirect, a trailing newline, a soft-404 HTML page and (when openssl is
# present) TLS cases must each fail or pass with the right reason.
# Run as root on a fresh Debian by .ci/run; exits non-zero on any failure.
set -euo pipefail
# Lab names (.test, .example): a note, not the internal_name refusal.
export DCV_LAB=1
cd "$(dirname "$0")/../.."
ROOT=$PWD

if { ! command -v nginx && [ ! -x /usr/sbin/nginx ]; } >/dev/null 2>&1 \
  || ! command -v jq >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
  echo "installing nginx-light, jq and openssl"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nginx-light jq openssl >/dev/null
  # The package starts the system nginx on port 80; we do not need it.
  (systemctl stop nginx || service nginx stop || true) >/dev/null 2>&1
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

DCV=${DCV:-${CARGO_TARGET_DIR:-$ROOT/target}/release/dcv}
if [ ! -x "$DCV" ]; then
  cargo build --release --locked
fi
echo "using $DCV and $("$NGINX" -v 2>&1)"

CSR=tests/fixtures/rsa2048_multi.pem
OTHER=tests/fixtures/rsa3072_sha384.pem
MD5=$(awk -F'\t' '$1=="rsa2048_multi.pem"{print $2}' tests/fixtures/hashes.tsv)
SHA=$(awk -F'\t' '$1=="rsa2048_multi.pem"{print $3}' tests/fixtures/hashes.tsv)
FILE=".well-known/pki-validation/$MD5.txt"

WORK=$(mktemp -d)
chmod 755 "$WORK" # nginx workers run as www-data
cleanup() {
  if [ -s "$WORK/nginx.pid" ]; then
    kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    sleep 0.3
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Web roots: the right file, another CSR's file, nothing, a trailing newline,
# and a site that answers every path with its home page (soft 404).
mkdir -p "$WORK/good" "$WORK/other"
"$DCV" -q file "$CSR" --write "$WORK/good" >/dev/null
"$DCV" -q file "$OTHER" --write "$WORK/other" >/dev/null
mkdir -p "$WORK/other/.well-known/pki-validation" "$WORK/empty" "$WORK/newline/.well-known/pki-validation" "$WORK/spa"
mv "$WORK/other/.well-known/pki-validation/"*.txt "$WORK/other/$FILE"
printf '%s\nsectigo.com\n' "$SHA" >"$WORK/newline/$FILE"
echo '<!doctype html><html><head><title>My Shop</title></head><body>Welcome</body></html>' >"$WORK/spa/index.html"
test "$(cat "$WORK/good/$FILE")" = "$(printf '%s\nsectigo.com' "$SHA")"
# DigiCert's random-value file (its docs: .well-known/pki-validation/fileauth.txt).
printf '2024abcdef' >"$WORK/good/.well-known/pki-validation/fileauth.txt"

TLS_SERVERS=""
if command -v openssl >/dev/null 2>&1; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
    -days 2 -subj /CN=www.example.com 2>/dev/null
  TLS_SERVERS="server { listen 127.0.0.1:@TLS@ ssl; server_name www.example.com;
      ssl_certificate $WORK/cert.pem; ssl_certificate_key $WORK/key.pem; root $WORK/good; }"
fi

start_nginx() {
  local base=$1
  HTTP=$base REDIRECT=$((base + 1)) TLS=$((base + 2))
  cat >"$WORK/nginx.conf" <<CONF
daemon on;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/error.log warn;
events { worker_connections 128; }
http {
  access_log $WORK/access.log;
  client_body_temp_path $WORK/body;
  types { text/plain txt; text/html html; }
  default_type application/octet-stream;
  server { listen 127.0.0.1:$HTTP; server_name www.example.com example.com; root $WORK/good; }
  server { listen 127.0.0.1:$HTTP; server_name shop.example.com; root $WORK/other; }
  server { listen 127.0.0.1:$HTTP; server_name api.example.co.uk; root $WORK/empty; }
  server { listen 127.0.0.1:$REDIRECT; server_name www.example.com; return 301 https://www.example.com\$request_uri; }
  server { listen 127.0.0.1:$REDIRECT; server_name example.com; root $WORK/newline; }
  server { listen 127.0.0.1:$REDIRECT; server_name shop.example.com; root $WORK/spa; try_files \$uri /index.html; }
  ${TLS_SERVERS//@TLS@/$TLS}
}
CONF
  "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" 2>>"$WORK/start.log"
}

started=""
for _ in 1 2 3 4 5; do
  if start_nginx $((20000 + RANDOM % 30000)); then started=yes; break; fi
done
if [ -z "$started" ]; then
  echo "FAIL: nginx did not start"; cat "$WORK/start.log" "$WORK/error.log" 2>/dev/null; exit 1
fi
echo "nginx on 127.0.0.1:$HTTP (files), :$REDIRECT (redirect, newline, soft 404)${TLS_SERVERS:+, :$TLS (TLS)}"
for _ in $(seq 50); do [ -s "$WORK/nginx.pid" ] && break; sleep 0.1; done

failures=0
# check NAME EXPECTED_EXIT JQ_FILTER DCV_ARGS...: runs dcv, asserts exit code and JSON.
check() {
  local what=$1 want=$2 filter=$3; shift 3
  local out code=0
  out=$("$DCV" --json check-http --csr "$CSR" --timeout 5 "$@") || code=$?
  if [ "$code" -ne "$want" ]; then
    echo "FAIL: $what: exit $code, expected $want"; echo "$out"; failures=$((failures + 1)); return
  fi
  if ! jq -e "$filter" >/dev/null <<<"$out"; then
    echo "FAIL: $what: JSON does not satisfy $filter"; echo "$out" | jq .; failures=$((failures + 1)); return
  fi
  echo "ok: $what: $(jq -r '[.results[] | "\(.status) \(.domain): \(.detail)"] | join(" | ")' <<<"$out")"
}

pin=(--resolve www.example.com:127.0.0.1 --resolve example.com:127.0.0.1
     --resolve shop.example.com:127.0.0.1 --resolve api.example.co.uk:127.0.0.1)

check "file written by dcv file --write passes" 0 \
  '.ok and ([.results[] | select(.status == "pass")] | length) == 2 and .results[0].attempts[0].status == 200' \
  "${pin[@]}" --http-port "$HTTP" www.example.com example.com

check "another CSR's file fails naming it" 1 \
  '(.ok | not) and .results[0].status == "fail" and (.results[0].detail | startswith("the body is another CSR'"'"'s file"))' \
  "${pin[@]}" --http-port "$HTTP" shop.example.com

check "missing file is a 404" 1 \
  '.results[0].status == "fail" and .results[0].detail == "not found (404)" and .results[0].attempts[0].status == 404' \
  "${pin[@]}" --http-port "$HTTP" api.example.co.uk

check "redirect fails naming the Location" 1 \
  ".results[0].status == \"fail\" and .results[0].detail == \"redirect (301) to https://www.example.com/$FILE\" and .results[0].attempts[0].status == 301" \
  "${pin[@]}" --http-port "$REDIRECT" www.example.com

check "trailing newline is named" 1 \
  '.results[0].detail == "the body differs from the expected one only by a trailing newline"' \
  "${pin[@]}" --http-port "$REDIRECT" example.com

check "soft 404 (HTML page) is named" 1 \
  '.results[0].detail == "an HTML page (title \"My Shop\") where the text file belongs"' \
  "${pin[@]}" --http-port "$REDIRECT" shop.example.com

check "whole CSR: every name checked, two pass and two fail" 1 \
  '([.results[] | .status] | sort) == ["fail", "fail", "pass", "pass"]' \
  "${pin[@]}" --http-port "$HTTP"

check "DigiCert's fileauth.txt with the random value passes (profile digicert)" 0 \
  '.ok and .results[0].br_label == "ca-tbr-18" and (.results[0].attempts[0].url | endswith("/.well-known/pki-validation/fileauth.txt"))' \
  "${pin[@]}" --http-port "$HTTP" --ca digicert --random-value 2024abcdef www.example.com

check "DigiCert's fileauth.txt with another value fails" 1 \
  '.results[0].status == "fail"' \
  "${pin[@]}" --http-port "$HTTP" --ca digicert --random-value 2024other www.example.com

if [ -n "$TLS_SERVERS" ]; then
  check "HTTPS passes without verification, noting the self-signed certificate" 0 \
    '.results[0].check == "https" and .results[0].status == "pass" and (.results[0].detail | contains("self-signed"))' \
    "${pin[@]}" --scheme https --https-port "$TLS" www.example.com
  check "plain HTTP sent to nginx's TLS port is recognised" 1 \
    '.results[0].detail == "the server speaks TLS on this plain-HTTP port"' \
    "${pin[@]}" --http-port "$TLS" www.example.com
  check "TLS sent to a plain-HTTP port is recognised" 1 \
    '.results[0].detail == "the server answered in plain HTTP on this HTTPS port"' \
    "${pin[@]}" --scheme https --https-port "$HTTP" www.example.com
else
  echo "note: openssl not installed; skipping the TLS cases"
fi

# The access log shows what nginx was asked: never a path outside pki-validation.
# (The TLS ClientHello sent to the plain port is logged as a 400; after a 404
# the file is also asked as <MD5>.txt.txt, the name Windows gives it with
# the extension hidden.)
unexpected=$(grep -v "GET /$FILE HTTP/1.1" "$WORK/access.log" | grep -v '" 400 ' |
  grep -v "GET /$FILE.txt HTTP/1.1" |
  grep -v "GET /.well-known/pki-validation/fileauth.txt HTTP/1.1" || true)
if [ -n "$unexpected" ]; then
  echo "FAIL: unexpected requests:"; echo "$unexpected"; failures=$((failures + 1))
fi

if [ "$failures" -ne 0 ]; then
  echo "nginx e2e: $failures failure(s)"; exit 1
fi
echo "nginx e2e: all checks passed"
