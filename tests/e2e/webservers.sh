#!/usr/bin/env bash
# End-to-end: the HTTP causes of issue 17 as real nginx and Apache produce
# them from their own configurations (the way real sites are set up), each
# named with its reason code and the fix for that server:
#   - a dot-directory deny rule (nginx `location ~ /\.`, Apache
#     `<DirectoryMatch "/\.">`): 403, the hint gives that server's exception
#   - a name missing from server_name / ServerAlias: the default site answers
#     404 while the other name passes: http_default_server
#   - nginx `gzip_static always` with only a .gz beside it: the file arrives
#     with Content-Encoding: gzip though none was asked for
#   - Apache `ErrorDocument 404 /` style redirect of missing files to the
#     home page: "the file is probably missing"
#   - nginx `listen ... http2` without TLS (h2c only): named as HTTP/2 only
#   - an Apache RewriteRule to https: a redirect, with the Apache exemption
# and those of issue 23 (installs varnish, haproxy and curl when missing):
#   - Varnish serving the 404 it cached before the file was published:
#     http_cached with its purge (and that purge making the check pass)
#   - HAProxy round-robin over a backend with the file and one without:
#     http_backends_disagree, whichever backend answers first
#   - nginx limit_req: 429 with Retry-After, named with the wait
#   - a blank line between hash and tag; a file saved as <MD5>.txt.txt
# Servers run from configurations in a temp dir on loopback ports; the
# system configurations are never used. Runs as root on a fresh Debian
# (CI): installs nginx-light, apache2 and jq when missing.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/tests/e2e/common.sh"
# The packages would start their system services on port 80 (and the
# second one would fail to): install them with service starts refused
# (policy-rc.d, as container images do), and stop any that runs.
export PATH="$PATH:/usr/sbin:/sbin"
if ! command -v nginx >/dev/null || ! command -v apache2 >/dev/null; then
    (systemctl stop nginx || service nginx stop) >/dev/null 2>&1 || true
    made_policy=
    if [ ! -e /usr/sbin/policy-rc.d ] && [ "$(id -u)" = 0 ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
    fi
    need nginx:nginx-light apache2:apache2
    if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
need jq:jq openssl:openssl
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
APACHE=$(command -v apache2 || echo /usr/sbin/apache2)
(systemctl stop nginx apache2 || { service nginx stop; service apache2 stop; }) >/dev/null 2>&1 || true
find_dcv

CSR="$here/tests/fixtures/rsa2048_multi.pem"
MD5=$(awk -F'\t' '$1=="rsa2048_multi.pem"{print $2}' "$here/tests/fixtures/hashes.tsv")
FILE=".well-known/pki-validation/$MD5.txt"
chmod 755 "$tmp"
mkdir -p "$tmp/good" "$tmp/gz/.well-known/pki-validation" "$tmp/home"
"$DCV" -q file "$CSR" --write "$tmp/good" >/dev/null
gzip -c "$tmp/good/$FILE" >"$tmp/gz/$FILE.gz" # only the .gz: gzip_static always serves it
echo '<html><body>Welcome home</body></html>' >"$tmp/home/index.html"
chmod -R a+rX "$tmp"

# Ports: nginx 18181-18184, Apache 18191-18193 (override with E2E_PORT_BASE).
base=${E2E_PORT_BASE:-18180}
n1=$((base + 1)) n2=$((base + 2)) n3=$((base + 3)) n4=$((base + 4)) n5=$((base + 5)) n6=$((base + 6)) n7=$((base + 7))
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-521 -nodes -days 30 -subj /CN=example.com \
    -addext subjectAltName=DNS:example.com -keyout "$tmp/p521.key" -out "$tmp/p521.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=example.com \
    -addext subjectAltName=DNS:example.com -keyout "$tmp/rsa.key" -out "$tmp/rsa.pem" 2>/dev/null
a1=$((base + 11)) a2=$((base + 12)) a3=$((base + 13))

cat >"$tmp/nginx.conf" <<CONF
daemon on;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events {}
http {
    access_log off;
    # A common hardening rule: hide every dot-file and dot-directory.
    server { listen 127.0.0.1:$n1; root $tmp/good; location ~ /\. { deny all; } }
    # Only www.example.com is configured; anything else gets the default site.
    server { listen 127.0.0.1:$n2 default_server; root $tmp/home; }
    server { listen 127.0.0.1:$n2; server_name www.example.com; root $tmp/good; }
    # Precompressed files served as they are, whatever the client accepts.
    server { listen 127.0.0.1:$n3; root $tmp/gz; gzip_static always; }
    # HTTP/2 without TLS: h2c with prior knowledge only.
    server { listen 127.0.0.1:$n4 http2; root $tmp/good; }
    # A P-521 ECDSA certificate (curl and openssl complete this handshake).
    server { listen 127.0.0.1:$n5 ssl; root $tmp/good;
             ssl_certificate $tmp/p521.pem; ssl_certificate_key $tmp/p521.key; }
    # The same over TLS 1.3 only (ecdsa_secp521r1_sha512 signatures).
    server { listen 127.0.0.1:$n7 ssl; root $tmp/good; ssl_protocols TLSv1.3;
             ssl_certificate $tmp/p521.pem; ssl_certificate_key $tmp/p521.key; }
    # TLS 1.2 with CBC suites only.
    server { listen 127.0.0.1:$n6 ssl; root $tmp/good;
             ssl_certificate $tmp/rsa.pem; ssl_certificate_key $tmp/rsa.key;
             ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES128-SHA:AES128-SHA; }
}
CONF

mods=/usr/lib/apache2/modules
cat >"$tmp/apache.conf" <<CONF
ServerRoot $tmp
PidFile $tmp/apache.pid
ErrorLog $tmp/apache-error.log
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule dir_module $mods/mod_dir.so
LoadModule mime_module $mods/mod_mime.so
LoadModule rewrite_module $mods/mod_rewrite.so
LoadModule alias_module $mods/mod_alias.so
TypesConfig /etc/mime.types
User www-data
Group www-data
ServerName localhost
Listen 127.0.0.1:$a1
Listen 127.0.0.1:$a2
Listen 127.0.0.1:$a3
<Directory />
    Require all granted
</Directory>
# The hardening rule of many Apache setups: no dot-directories.
<VirtualHost 127.0.0.1:$a1>
    DocumentRoot $tmp/good
    <DirectoryMatch "/\.">
        Require all denied
    </DirectoryMatch>
</VirtualHost>
# Missing files go to the home page (a CMS-style error page).
<VirtualHost 127.0.0.1:$a2>
    DocumentRoot $tmp/home
    ErrorDocument 404 http://example.com/
</VirtualHost>
# Everything to https.
<VirtualHost 127.0.0.1:$a3>
    DocumentRoot $tmp/good
    RewriteEngine On
    RewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]
</VirtualHost>
CONF

"$NGINX" -c "$tmp/nginx.conf" || fail "nginx did not start"
"$APACHE" -f "$tmp/apache.conf" -k start || { cat "$tmp/apache-error.log" >&2 || true; fail "apache2 did not start"; }
stop_servers() {
    [ -s "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null
    "$APACHE" -f "$tmp/apache.conf" -k stop 2>/dev/null
    sleep 0.3
    true
}
trap 'stop_servers; cleanup' EXIT
for _ in $(seq 50); do
    [ -s "$tmp/apache.pid" ] && [ -s "$tmp/nginx.pid" ] && break
    sleep 0.1
done
sleep 0.3

# expect PORT HOST CODE WORDS-OF-DETAIL-OR-HINT [MORE NAMES...]
expect() {
    local port=$1 host=$2 code=$3 words=$4; shift 4
    local out got
    out=$("$DCV" --json check-http --csr "$CSR" --resolve "*:127.0.0.1" --http-port "$port" "$host" "$@" || true)
    got=$(jq -r --arg n "$host" '.results[] | select(.domain == $n) | .code' <<<"$out")
    [ "$got" = "$code" ] || fail "port $port $host: code $got, expected $code: $out"
    jq -e --arg n "$host" --arg w "$words" '.results[] | select(.domain == $n) | ((.detail + " " + (.hint // "")) | contains($w))' <<<"$out" >/dev/null \
        || fail "port $port $host: no \"$words\" in: $out"
    say "ok: port $port: $code ($words)"
}

# P-521: the handshake completes (as with curl and openssl) and the file passes.
out=$("$DCV" --json check-http --csr "$CSR" --scheme https --resolve "*:127.0.0.1" --https-port "$n5" example.com) \
    || fail "P-521 server: $out"
openssl s_client -connect "127.0.0.1:$n5" -servername example.com </dev/null 2>/dev/null | grep -q "Server public key is 521 bit" \
    || fail "openssl does not see a P-521 key on port $n5"
say "ok: port $n5: a P-521 certificate's handshake completes, as with openssl"
out=$("$DCV" --json check-http --csr "$CSR" --scheme https --resolve "*:127.0.0.1" --https-port "$n7" example.com) \
    || fail "P-521 over TLS 1.3: $out"
say "ok: port $n7: the same over TLS 1.3"
# TLS 1.2 CBC only: openssl connects, dcv cannot, and says it is its own limit.
openssl s_client -connect "127.0.0.1:$n6" -servername example.com </dev/null 2>/dev/null | grep -q "Cipher is .*SHA$" \
    || fail "openssl does not connect with a CBC suite on port $n6"
out=$("$DCV" --json check-http --csr "$CSR" --scheme https --resolve "*:127.0.0.1" --https-port "$n6" example.com || true)
jq -e '.results[0].code == "http_tls" and (.results[0].detail | contains("share no TLS version, cipher suite"))
       and (.results[0].hint | contains("the CA'"'"'s fetcher may still connect")) and (.results[0].hint | contains("the CA'"'"'s will too") | not)' \
    <<<"$out" >/dev/null || fail "CBC-only server: $out"
say "ok: port $n6: TLS 1.2 CBC only is named as dcv's limit, not the CA's"

expect "$n1" example.com http_forbidden 'location ^~ /.well-known/pki-validation/ { allow all; }'
expect "$n2" example.com http_default_server 'add example.com to the server_name' www.example.com
expect "$n3" example.com http_content_encoding 'Content-Encoding: gzip'
expect "$n4" example.com http_protocol 'HTTP/2 only (h2c)'
expect "$a1" example.com http_forbidden '<DirectoryMatch "/\.(?!well-known)">'
expect "$a2" example.com http_redirect 'the file is probably missing'
expect "$a3" example.com http_redirect 'RewriteCond %{REQUEST_URI} !^/\.well-known/pki-validation/'

# Issue 23 (causes people can act on), from real servers: Varnish serving
# the 404 it cached before the file was published, HAProxy round-robin over
# two nginx backends of which one lacks the file, an nginx rate limit with
# Retry-After, a blank line between the two lines, a file saved as .txt.txt.
export DCV_LAB=1
need varnishd:varnish haproxy:haproxy varnishadm:varnish curl:curl
(systemctl stop varnish haproxy || { service varnish stop; service haproxy stop; }) >/dev/null 2>&1 || true
c1=$((base + 21)) c2=$((base + 22)) c3=$((base + 23)) c4=$((base + 24)) c5=$((base + 25)) v1=$((base + 26)) h1=$((base + 27))
mkdir -p "$tmp/late" "$tmp/empty" "$tmp/blank/.well-known/pki-validation" "$tmp/twice/.well-known/pki-validation"
printf '%s\n\n%s' "$(head -1 "$tmp/good/$FILE")" "$(tail -1 "$tmp/good/$FILE")" >"$tmp/blank/$FILE"
cp "$tmp/good/$FILE" "$tmp/twice/$FILE.txt"
chmod -R a+rX "$tmp"
cat >"$tmp/nginx2.conf" <<CONF
daemon on;
pid $tmp/nginx2.pid;
error_log $tmp/nginx2-error.log;
events {}
http {
    access_log off;
    limit_req_zone \$server_port zone=one:1m rate=1r/m;
    # Varnish's backend, and HAProxy's first: the file appears here later.
    server { listen 127.0.0.1:$c1; root $tmp/late; }
    # HAProxy's second backend: no file.
    server { listen 127.0.0.1:$c2; root $tmp/empty; }
    # One request a minute, then 429 with Retry-After.
    server { listen 127.0.0.1:$c3; root $tmp/good; limit_req zone=one; limit_req_status 429;
             add_header Retry-After 60 always; }
    server { listen 127.0.0.1:$c4; root $tmp/blank; }
    server { listen 127.0.0.1:$c5; root $tmp/twice; }
}
CONF
cat >"$tmp/varnish.vcl" <<CONF
vcl 4.1;
backend default { .host = "127.0.0.1"; .port = "$c1"; }
CONF
cat >"$tmp/haproxy.cfg" <<CONF
global
    pidfile $tmp/haproxy.pid
    daemon
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
frontend web
    bind 127.0.0.1:$h1
    default_backend pool
backend pool
    balance roundrobin
    server with_file 127.0.0.1:$c1
    server without 127.0.0.1:$c2
CONF
"$NGINX" -c "$tmp/nginx2.conf" || fail "the second nginx did not start"
varnishd -a "127.0.0.1:$v1" -f "$tmp/varnish.vcl" -n "$tmp/varnish" -P "$tmp/varnish.pid" -s malloc,16m \
    >/dev/null 2>"$tmp/varnishd.err" || { cat "$tmp/varnishd.err" >&2; fail "varnishd did not start"; }
haproxy -f "$tmp/haproxy.cfg" || fail "haproxy did not start"
stop_more() {
    local f
    for f in nginx2 varnish haproxy; do
        [ -s "$tmp/$f.pid" ] && kill "$(cat "$tmp/$f.pid")" 2>/dev/null
    done
    sleep 0.3
    true
}
trap 'stop_more; stop_servers; cleanup' EXIT
for _ in $(seq 50); do
    [ -s "$tmp/nginx2.pid" ] && [ -s "$tmp/varnish.pid" ] && [ -s "$tmp/haproxy.pid" ] && break
    sleep 0.1
done
sleep 0.5

# Varnish: the 404 of a first check is cached; the file is published; the
# next check gets Varnish's stored 404 (Age > 0), named with its purge.
"$DCV" --json check-http --csr "$CSR" --resolve "*:127.0.0.1" --http-port "$v1" example.com >/dev/null || true
"$DCV" -q file "$CSR" --write "$tmp/late" >/dev/null
chmod -R a+rX "$tmp/late"
sleep 1.2
expect "$v1" example.com http_cached 'served from a cache (Varnish)'
expect "$v1" example.com http_cached "varnishadm 'ban req.url ~ ^/.well-known/pki-validation/'"
# The hint's purge works: the next check passes.
varnishadm -n "$tmp/varnish" 'ban req.url ~ ^/.well-known/pki-validation/' >/dev/null || fail "varnishadm ban"
"$DCV" -q check-http --csr "$CSR" --resolve "*:127.0.0.1" --http-port "$v1" example.com >/dev/null \
    || fail "after the hint's ban, the check through Varnish does not pass"
say "ok: port $v1: after the hint's varnishadm ban the check passes"
# HAProxy round-robin: whichever backend answers first, the two fetches differ.
expect "$h1" example.com http_backends_disagree 'publish the file on every backend'
curl -s -o /dev/null "http://127.0.0.1:$h1/" # the other backend first now
expect "$h1" example.com http_backends_disagree 'publish the file on every backend'
# nginx limit_req: the first request passes, the next gets 429 + Retry-After.
curl -s -o /dev/null "http://127.0.0.1:$c3/"
expect "$c3" example.com http_rate_limited 'retry after 60 s'
expect "$c4" example.com http_body_formatting 'a blank line separates'
expect "$c5" example.com http_double_extension 'rename the file'
echo "$name: passed"
