#!/usr/bin/env bash
# Regenerates the real outputs quoted in docs/check-dns.md: two knotd on
# 127.0.0.2:53 (ns1) and 127.0.0.3:53 (ns2) serving example.com.
# Needs root (binds port 53 on those loopback addresses), knot, jq, python3
# and a release build (DCV=path, or $CARGO_TARGET_DIR/release/dcv).
set -uo pipefail
# Lab names (.test, .example): a note, not the internal_name refusal.
export DCV_LAB=1
here=$(cd "$(dirname "$0")/.." && pwd)
DCV=${DCV:-${CARGO_TARGET_DIR:-$here/target}/release/dcv}
CSR=$here/tests/fixtures/rsa2048_multi.pem
OTHER=$here/tests/fixtures/ec256_wildcard.pem
tmp=$(mktemp -d); pids=()
trap 'for p in "${pids[@]}"; do kill $p; done; wait; rm -rf $tmp' EXIT
start() { # id ip
  mkdir -p $tmp/$1/zones $tmp/$1/db $tmp/$1/run
  cat >$tmp/$1/knot.conf <<CONF
server:
    rundir: "$tmp/$1/run"
    listen: $2@53
database:
    storage: "$tmp/$1/db"
control:
    listen: "$tmp/$1/run/knot.sock"
log:
  - target: "$tmp/$1/knot.log"
    any: info
template:
  - id: default
    storage: "$tmp/$1/zones"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: example.com
    file: example.com.zone
  - domain: example.org
    file: example.org.zone
CONF
  echo 'garbage here' > $tmp/$1/zones/example.org.zone
  zone $1 </dev/null
  knotd -c $tmp/$1/knot.conf & pids+=($!)
  sleep 0.5
}
serial=1
zone() { # id; extra lines on stdin
  { echo '$ORIGIN example.com.'; echo '$TTL 300'
    echo "@ SOA ns1.example.com. hostmaster.example.com. $serial 3600 600 86400 900"
    echo '@ NS ns1.example.com.'; echo '@ NS ns2.example.com.'
    echo 'ns1 A 127.0.0.2'; echo 'ns2 A 127.0.0.3'; echo 'www A 127.0.0.2'
    cat; } > $tmp/$1/zones/example.com.zone
  serial=$((serial+1))
  knotc -c $tmp/$1/knot.conf -b zone-reload example.com >/dev/null 2>&1
}
both() { local l; l=$(cat); echo "$l" | zone a; echo "$l" | zone b; }
start a 127.0.0.2; start b 127.0.0.3
good=$($DCV cname $CSR --format zone | grep -v '^;' | grep -F '.example.com.')
md5=$($DCV --json hash $CSR | jq -r .md5); sha=$($DCV --json hash $CSR | jq -r .sha256)
name="_$md5.example.com."
run() { echo "\$ dcv $*" | sed "s#$CSR#request.csr#"; $DCV "$@"; echo "[exit $?]"; echo; }

echo "### pass"; echo "$good" | both
run check-dns --resolver 127.0.0.2 --csr $CSR
run --json check-dns --resolver 127.0.0.2 --csr $CSR www.example.com
echo "### missing"; both </dev/null
run check-dns --resolver 127.0.0.2 --csr $CSR www.example.com
run --json check-dns --resolver 127.0.0.2 --csr $CSR www.example.com
echo "### nodata"; echo "$name A 192.0.2.1" | both
run check-dns --resolver 127.0.0.2 --csr $CSR example.com
echo "### stale"; echo "$good" | zone a; zone b </dev/null
run check-dns --resolver 127.0.0.2 --csr $CSR www.example.com
echo "### another csr"; echo "$name CNAME $($DCV cname $OTHER | awk '/CNAME/ {print $NF; exit}')" | both
$DCV cname $OTHER --format zone | grep -v '^;' | head -1 | awk -v n="$name" '{print n, "CNAME", $NF}' | both
run check-dns --resolver 127.0.0.2 --csr $CSR www.example.com
echo "### comodoca"; $DCV cname $CSR --format zone --ca comodo | grep -v '^;' | grep -F '.example.com.' | both
run check-dns --resolver 127.0.0.2 --csr $CSR www.example.com
echo "### token"; echo "$good" | both
run check-dns --resolver 127.0.0.2 --csr $CSR --token Abc123 www.example.com
echo "### split"; echo "$name CNAME ${sha:0:40}.${sha:40}.sectigo.com." | both
run check-dns --resolver 127.0.0.2 --csr $CSR www.example.com
echo "### relative"; echo "$name CNAME ${sha:0:32}.${sha:32}.sectigo.com" | both
run check-dns --resolver 127.0.0.2 --csr $CSR www.example.com
echo "### txt"; echo "$name TXT \"${sha:0:32}.${sha:32}.sectigo.com\"" | both
run check-dns --resolver 127.0.0.2 --csr $CSR www.example.com
echo "### twice"; echo "$good" | sed 's/\.example\.com\.\t/.example.com\t/' | both
run check-dns --resolver 127.0.0.2 --csr $CSR www.example.com
echo "### caa"; { echo "$good"; echo '@ CAA 0 issue "letsencrypt.org"'; } | both
run check-dns --resolver 127.0.0.2 --csr $CSR www.example.com
echo "### refused"
run check-dns --recursive --resolver 127.0.0.2 --csr $CSR api.example.co.uk
echo "### servfail"
run check-dns --recursive --resolver 127.0.0.2 --md5 $md5 --sha256 $sha www.example.org
echo "### timeout"
python3 -c 'import socket,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",5399)); time.sleep(30)' & pids+=($!)
sleep 0.3
run check-dns --recursive --resolver 127.0.0.1:5399 --timeout 1 --csr $CSR www.example.com
echo "### txt generic"; echo '_dnsauth TXT "2024abcdef0123"' | both
run check-dns --resolver 127.0.0.2 --txt _dnsauth.example.com=abcdef0123 --txt _other.example.com=x
