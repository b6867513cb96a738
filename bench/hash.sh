#!/usr/bin/env bash
# Benchmarks `dcv hash` against the openssl pipeline a person would type, the
# batch rate over thousands of files, and peak memory on a 64 MiB input.
# Needs: hyperfine and GNU time (apt-get install -y hyperfine time), openssl.
# Usage: bench/hash.sh            (prints the figures README.md quotes)
set -euo pipefail
# Lab names (.test, .example): a note, not the internal_name refusal.
export DCV_LAB=1
cd "$(dirname "$0")/.."
cargo build --release --quiet
dcv=${CARGO_TARGET_DIR:-$PWD/target}/release/dcv
csr=examples/multi-san-rsa.pem
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== 1. one CSR, whole process: dcv vs openssl (MD5 + SHA-256 of the DER)"
hyperfine --warmup 20 --runs 300 -N --export-json "$work/one.json" \
  "$dcv hash -q $csr" \
  "sh -c 'openssl req -in $csr -outform DER | openssl dgst -md5; openssl req -in $csr -outform DER | openssl dgst -sha256'" \
  >/dev/null
python3 - "$work/one.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
d, o = r[0]["mean"], r[1]["mean"]
print(f"dcv hash:  {d*1000:.2f} ms  (±{r[0]['stddev']*1000:.2f})")
print(f"openssl:   {o*1000:.2f} ms  (±{r[1]['stddev']*1000:.2f})")
print(f"speed-up:  {o/d:.1f}x")
PY

echo "== 2. batch: 5000 CSR files (RSA 2048/3072, EC P-256/P-384, Ed25519) in one call"
i=0
for n in $(seq 1 1000); do
  for f in rsa2048_multi.pem rsa3072_sha384.pem ec256_wildcard.pem ec384.pem ed25519.pem; do
    cp "tests/fixtures/$f" "$work/c$i.pem"; i=$((i+1))
  done
done
# The shell expands the glob; its start-up is noise next to 5000 files.
hyperfine --warmup 1 --runs 5 --ignore-failure --export-json "$work/batch.json" \
  "cd $work && $dcv hash -q c*.pem >/dev/null" >/dev/null
python3 - "$work/batch.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"5000 CSRs: {r['mean']:.3f} s  => {5000/r['mean']:.0f} CSRs/s")
PY
rm -f "$work"/c*.pem

echo "== 3. peak memory on a 64 MiB input (the 1 MiB cap at work)"
head -c $((64*1024*1024)) /dev/zero | tr '\0' 'A' > "$work/big.pem"
/usr/bin/time -f "%M" -o "$work/rss" "$dcv" hash "$work/big.pem" 2>/dev/null || true
kib=$(tail -n 1 "$work/rss")  # GNU time puts "Command exited with …" first
echo "64 MiB file: peak RSS $((kib / 1024)) MiB ($kib KiB)"
/usr/bin/time -f "%M" -o "$work/rss" sh -c "cat '$work/big.pem' | '$dcv' hash - 2>/dev/null" || true
kib=$(tail -n 1 "$work/rss")
echo "64 MiB on stdin: peak RSS $((kib / 1024)) MiB ($kib KiB, largest process of the pipeline)"
