#!/usr/bin/env bash
# Benchmark of `dcv check-http` against a loopback server (bench/http_server.py)
# that waits DELAY before each answer:
#   1. one name, then the 120 names of tests/fixtures/many_sans.pem at once:
#      the 120-name run should take about as long as the single fetch;
#   2. a 50 MB response (with Content-Length, then chunked) must fail fast,
#      with the process's peak RSS under 48 MiB.
# Needs python3 and GNU time (/usr/bin/time, Debian package `time`).
# Usage: bench/check_http.sh [DELAY_SECONDS]   (default 0.2)
set -euo pipefail
# Lab names (.test, .example): a note, not the internal_name refusal.
export DCV_LAB=1
cd "$(dirname "$0")/.."
DELAY=${1:-0.2}
DCV=${DCV:-${CARGO_TARGET_DIR:-target}/release/dcv}
[ -x "$DCV" ] || cargo build --release --locked
[ -x /usr/bin/time ] || { echo "install GNU time: apt-get install -y time"; exit 1; }

CSR=tests/fixtures/many_sans.pem
MD5=$(awk -F'\t' '$1=="many_sans.pem"{print $2}' tests/fixtures/hashes.tsv)
SHA=$(awk -F'\t' '$1=="many_sans.pem"{print $3}' tests/fixtures/hashes.tsv)

PORTFILE=$(mktemp)
python3 bench/http_server.py "$DELAY" "$MD5" "$SHA\\nsectigo.com" >"$PORTFILE" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -f "$PORTFILE" "$PORTFILE.time"' EXIT
for _ in $(seq 50); do [ -s "$PORTFILE" ] && break; sleep 0.1; done
PORT=$(cat "$PORTFILE")

resolve=()
for i in $(seq 0 119); do resolve+=(--resolve "host$i.example.com:127.0.0.1"); done

# run LABEL EXPECTED_EXIT ARGS...: prints wall time and peak RSS.
run() {
  local label=$1 want=$2; shift 2
  local code=0 t0 t1
  t0=$EPOCHREALTIME
  /usr/bin/time -v -o "$PORTFILE.time" "$DCV" --json check-http "$@" >"$PORTFILE.out" || code=$?
  t1=$EPOCHREALTIME
  if [ "$code" -ne "$want" ]; then
    echo "unexpected exit $code for $label"; head -c 2000 "$PORTFILE.out"; exit 1
  fi
  local rss
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$PORTFILE.time")
  printf '%-40s wall %6.0f ms   peak RSS %5.1f MiB\n' "$label" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print (b-a)*1000}')" "$(awk -v k="$rss" 'BEGIN{print k/1024}')"
}

echo "dcv $("$DCV" --version | awk '{print $2}'), server delay ${DELAY}s per request, $(nproc) CPU(s)"
run "1 name (host0)" 0 --csr "$CSR" --resolve host0.example.com:127.0.0.1 --http-port "$PORT" host0.example.com
run "120 names at once" 0 --csr "$CSR" "${resolve[@]}" --http-port "$PORT"
passed=$(grep -o '"status":"pass"' "$PORTFILE.out" | wc -l)
echo "  ($passed of 120 names passed)"
run "50 MB body, Content-Length (fails)" 1 --url "http://127.0.0.1:$PORT/big" --expect x
grep -o '"detail":"[^"]*"' "$PORTFILE.out" | head -1 | sed 's/^/  /'
run "50 MB body, chunked (fails)" 1 --url "http://127.0.0.1:$PORT/big-chunked" --expect x
grep -o '"detail":"[^"]*"' "$PORTFILE.out" | head -1 | sed 's/^/  /'
