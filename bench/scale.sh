#!/usr/bin/env bash
# Scale benchmark of issue 24: `dcv check-dns` (CNAME method, authoritative
# mode, DNSSEC validated, warm resolver) over N = 10, 100, 1,000, 10,000 names
# in 1 zone and in 100 zones, behind a simulated round trip, side by side with
# a `dig -f` batch and `adnshost`: wall, round trips, CPU, peak RSS, queries
# (counted by the delaying proxy and by Unbound, not by dcv) and the verdicts,
# which must be the same at every N.
#
# The lab (all loopback; LAB_NET=127.0.24 by default, port 53 everywhere):
#   .1, .2   the zones' two nameservers (ns1/ns2.nic.test.): proxies in front
#            of one knotd (.101) serving scale.test and z0.test … z99.test
#   .3       the TLD test. (ns.nic.test.), signed NSEC3, the trust anchor;
#            delegates every zone, with a DS for the signed ones (knotd .103)
#   .4       the lab root . (ns.root.), unsigned (knotd .104)
#   .53      Unbound, iterating from the lab root (root hints), anchored at
#            test., its cache warmed by one untimed dcv run per shape
# The proxies (examples/delay_proxy.rs, one process) hold every datagram
# RTT_MS/2 each way and count what they forward, per listener and source
# (Unbound sends from .53, so its own upstream questions are told apart).
# Zones: scale.test is signed (NSEC3); among z0…z99 the even ones are signed
# (z0, z4, z8… NSEC; z2, z6, z10… NSEC3) and the odd ones are not (no DS in
# test.: proven insecure). Name I is nI.scale.test, or nI.z(I mod 100).test,
# so the 100-zone shape spreads the names evenly and is half signed at every
# N. Each name has `_<MD5>.nI CNAME <SHA-256 split>.sectigo.com.` and an A
# record, so every result must be a pass: CNAME and CAA secure in signed
# zones, insecure in the others. Every dcv run is made under `ulimit -n 256`
# with `--timeout 2`, and no result may mention a timeout or a deadline.
#
# Comparisons: a `dig -f` batch (N ≤ DIG_MAX, sequential, non-recursive,
# straight at ns1's proxy: the CNAME and the CAA question of every name), and
# `adnshost -a -f` (bulk, asynchronous; the same two questions, CAA as
# type257) at ns1's proxy too; neither validates DNSSEC, finds zone cuts,
# asks both servers or climbs CAA, which dcv does.
#
# Run as root. Needs knot (knotd, keymgr, kdig), unbound (and
# unbound-control), dnsutils (dig), adns-tools (adnshost), jq, python3 and
# time (CPU to the microsecond, peak RSS), iproute2 (ss).
# Environment:
#   DCV=path        the dcv binary measured (default: release build of this
#                   checkout); compare two builds by running this twice
#   DCV_ARGS=       more dcv flags (e.g. --max-in-flight 512, --recursive);
#                   the verdicts must stay the same
#   RTT_MS=40       simulated round trip (0: no delay, the run is CPU-bound)
#   SCALE_MAX=1000  largest N (10000 for the whole table)
#   SHAPES="1 100"  zone counts to run
#   RUNS=3          runs of dcv and of adnshost per row, the fastest shown
#                   (the dig batch runs once: sequential, it hardly varies)
#   DIG_MAX=100     largest N for the dig batch (0: none)
#   ADNS_MAX=       largest N for adnshost (default SCALE_MAX; 0: none)
#   LAB_NET=127.0.24  the lab's /24 on loopback
#   PROXY=path      the delay proxy (default: target/release/examples/
#                   delay_proxy, built from examples/ when missing or stale)
#   OUT=file        also write the table (markdown) there
#   HOLD=1          keep the lab up at the end (Ctrl-C ends it); HOLD=only:
#                   start the lab and hold it, measuring nothing
set -euo pipefail
export DCV_LAB=1

here=$(cd "$(dirname "$0")/.." && pwd)
rtt=${RTT_MS:-40}
max=${SCALE_MAX:-1000}
shapes=${SHAPES:-"1 100"}
dig_max=${DIG_MAX:-100}
adns_max=${ADNS_MAX:-$max}
runs=${RUNS:-3}
extra=${DCV_ARGS:-}
net=${LAB_NET:-127.0.24}
ns1=$net.1 ns2=$net.2 tld=$net.3 root=$net.4 ub=$net.53
md5=24D70B5796C322160073BBE3C29CB19F
sha=BC870A155ABCFD66FE3193E653E3E28F54F1FD34090414185B0891BE88078E2C
target="${sha:0:32}.${sha:32:32}.sectigo.com."

die() { echo "scale.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (servers on port 53 of $net.x)"
for c in knotd keymgr kdig unbound unbound-control dig adnshost jq python3 ss /usr/bin/time; do
    command -v "$c" >/dev/null || die "missing $c (apt-get install knot knot-dnsutils unbound dnsutils adns-tools jq python3 iproute2 time)"
done
for a in $ns1 $ns2 $tld $root $ub $net.101 $net.103 $net.104; do
    if ss -Hlun | awk '{print $4}' | grep -Eqx "(0\.0\.0\.0|\*|\[::\]|${a//./\\.}):53"; then die "port 53 on $a is taken"; fi
done
if [ -z "${DCV:-}" ]; then
    (cd "$here" && cargo build --release --quiet)
    DCV="${CARGO_TARGET_DIR:-$here/target}/release/dcv"
fi
if [ -z "${PROXY:-}" ]; then
    PROXY="${CARGO_TARGET_DIR:-$here/target}/release/examples/delay_proxy"
    # Built only when missing or older than its source: an example links the
    # library, which rebuilds whenever HEAD moves (build.rs stamps the commit),
    # and the proxy does not depend on it.
    if [ ! -x "$PROXY" ] || [ "$here/examples/delay_proxy.rs" -nt "$PROXY" ]; then
        (cd "$here" && cargo build --release --quiet --example delay_proxy)
    fi
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- zones --
zones=()   # the zones served by the zones' knotd
for s in $shapes; do
    case $s in
        1) zones+=(scale.test) ;;
        100) for k in $(seq 0 99); do zones+=("z$k.test"); done ;;
        *) die "SHAPES: 1 and/or 100" ;;
    esac
done
signed() { # ZONE -> nsec | nsec3 | "" (unsigned)
    case $1 in
        scale.test) echo nsec3 ;;
        z*.test) local k=${1#z}; k=${k%.test}
            if ((k % 4 == 0)); then echo nsec; elif ((k % 2 == 0)); then echo nsec3; fi ;;
    esac
}
soa() { # ZONE NS-NAME...
    local z=$1 n; shift
    echo "\$ORIGIN $z."
    # Long TTLs: the warmed cache must outlive the whole run.
    echo "\$TTL 86400"
    echo "@ SOA $1 hostmaster.nic.test. 1 3600 600 864000 86400"
    for n in "$@"; do echo "@ NS $n"; done
}
mkdir -p "$tmp/zones" "$tmp/tld" "$tmp/root"
for z in "${zones[@]}"; do
    {
        soa "$z" ns1.nic.test. ns2.nic.test.
        if [ "$z" = scale.test ]; then
            awk -v n="$max" -v md5="$md5" -v t="$target" 'BEGIN { for (i = 0; i < n; i++) printf "_%s.n%d CNAME %s\nn%d A 127.0.0.1\n", md5, i, t, i }'
        else
            k=${z#z}; k=${k%.test}
            awk -v n="$max" -v k="$k" -v md5="$md5" -v t="$target" 'BEGIN { for (i = k; i < n; i += 100) printf "_%s.n%d CNAME %s\nn%d A 127.0.0.1\n", md5, i, t, i }'
        fi
    } >"$tmp/zones/$z.zone"
done
knot_conf() { # DIR LISTEN ZONE... (zones signed per `signed`)
    local d=$1 l=$2 z p; shift 2
    cat <<CONF
server:
    rundir: "$d"
    listen: $l@53
database:
    storage: "$d/db"
control:
    listen: "$d/knot.sock"
log:
  - target: "$d/knot.log"
    any: warning
policy:
  - id: nsec
    algorithm: ecdsap256sha256
  - id: nsec3
    algorithm: ecdsap256sha256
    nsec3: on
template:
  - id: default
    storage: "$d"
    zonefile-sync: -1
    journal-content: none
zone:
CONF
    for z in "$@"; do
        echo "  - domain: \"$z\""
        if [ "$z" = . ]; then echo "    file: root.zone"; else echo "    file: $z.zone"; fi
        p=$(signed "$z")
        [ "$z" = test ] && p=nsec3
        if [ -n "$p" ]; then echo "    dnssec-signing: on"; echo "    dnssec-policy: $p"; fi
    done
}
start_knot() { # DIR LISTEN ZONE...
    mkdir -p "$1/db"
    knot_conf "$@" >"$1/knot.conf"
    knotd -c "$1/knot.conf" >/dev/null 2>&1 &
    pids+=($!)
}
wait_dnskey() { # SERVER ZONE
    for _ in $(seq 300); do
        kdig @"$1" +short +timeout=1 +retry=0 DNSKEY "$2" 2>/dev/null | grep -q '^257' && return 0
        sleep 0.2
    done
    die "$1 does not serve a signed $2 (see $tmp/*/knot.log)"
}
wait_soa() { # SERVER ZONE
    for _ in $(seq 300); do
        kdig @"$1" +short +timeout=1 +retry=0 SOA "$2" 2>/dev/null | grep -q . && return 0
        sleep 0.2
    done
    die "$1 does not serve $2"
}
t0=$(date +%s)
start_knot "$tmp/zones" "$net.101" "${zones[@]}"
for z in "${zones[@]}"; do
    if [ -n "$(signed "$z")" ]; then wait_dnskey "$net.101" "$z"; else wait_soa "$net.101" "$z"; fi
done
# test.: the delegations, with the DS of every signed zone.
{
    soa test ns.nic.test.
    echo "ns.nic A $tld"
    echo "ns1.nic A $ns1"
    echo "ns2.nic A $ns2"
    for z in "${zones[@]}"; do
        echo "${z%.test} NS ns1.nic.test."
        echo "${z%.test} NS ns2.nic.test."
        if [ -n "$(signed "$z")" ]; then
            keymgr -c "$tmp/zones/knot.conf" "$z" ds | grep -q . || die "no DS for $z"
            keymgr -c "$tmp/zones/knot.conf" "$z" ds
        fi
    done
} >"$tmp/tld/test.zone"
start_knot "$tmp/tld" "$net.103" test
{
    echo "\$ORIGIN ."
    echo "\$TTL 86400"
    echo "@ SOA ns.root. hostmaster.root. 1 3600 600 864000 86400"
    echo "@ NS ns.root."
    echo "ns.root. A $root"
    echo "test. NS ns.nic.test."
    echo "ns.nic.test. A $tld"
} >"$tmp/root/root.zone"
start_knot "$tmp/root" "$net.104" .
wait_dnskey "$net.103" test
wait_soa "$net.104" .
anchor="$tmp/anchor"
kdig @"$net.103" +noall +answer DNSKEY test | awk '$4 == "DNSKEY" && $5 == 257' >"$anchor"
grep -q DNSKEY "$anchor" || die "no KSK for test."

# --------------------------------------------------------------- proxies --
counts="$tmp/proxy.counts"
"$PROXY" --rtt-ms "$rtt" --count-file "$counts" --count-every-ms 100 \
    "$ns1:53=$net.101:53" "$ns2:53=$net.101:53" "$tld:53=$net.103:53" "$root:53=$net.104:53" >"$tmp/proxy.out" 2>&1 &
pids+=($!)
wait_soa "$ns1" "${zones[0]}"
wait_soa "$ns2" "${zones[0]}"
wait_soa "$tld" test
wait_soa "$root" .

# --------------------------------------------------------------- Unbound --
mkdir -p "$tmp/unbound"
printf '.  86400 IN NS ns.root.\nns.root. 86400 IN A %s\n' "$root" >"$tmp/unbound/root.hints"
cat >"$tmp/unbound/unbound.conf" <<CONF
server:
    interface: $ub@53
    outgoing-interface: $ub
    do-ip6: no
    do-not-query-localhost: no
    root-hints: "$tmp/unbound/root.hints"
    trust-anchor-file: "$anchor"
    # test. is one of Unbound's default (RFC 6761) local zones.
    local-zone: "test." nodefault
    username: ""
    chroot: ""
    directory: "$tmp/unbound"
    pidfile: "$tmp/unbound/unbound.pid"
    use-syslog: no
    logfile: "$tmp/unbound/unbound.log"
    verbosity: 1
    access-control: 127.0.0.0/8 allow
    num-threads: 1
    num-queries-per-thread: 4096
    so-rcvbuf: 8m
    # Room for every answer of a 10,000-name run, for the whole run.
    msg-cache-size: 256m
    rrset-cache-size: 256m
    key-cache-size: 16m
    cache-max-negative-ttl: 86400
remote-control:
    control-enable: yes
    control-interface: "$tmp/unbound/unbound.ctl"
    control-use-cert: no
CONF
unbound-checkconf "$tmp/unbound/unbound.conf" >/dev/null || die "unbound-checkconf"
unbound -d -c "$tmp/unbound/unbound.conf" >/dev/null 2>&1 &
pids+=($!)
ubc() { unbound-control -c "$tmp/unbound/unbound.conf" "$@"; }
for _ in $(seq 100); do ubc status >/dev/null 2>&1 && break; sleep 0.1; done
probe=$(kdig @"$ub" +dnssec +timeout=5 CNAME "_$md5.n0.${zones[0]}" 2>/dev/null)
grep -q CNAME <<<"$probe" || die "Unbound does not resolve _$md5.n0.${zones[0]} (see $tmp/unbound/unbound.log)"
echo "lab up in $(($(date +%s) - t0)) s: ${#zones[@]} zones, N ≤ $max, RTT $rtt ms; dcv: $DCV ($("$DCV" --version))"

# ------------------------------------------------------------- measures --
names() { # SHAPE N: the first N names, one a line
    if [ "$1" = 1 ]; then awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "n%d.scale.test\n", i }'
    else awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "n%d.z%d.test\n", i, i % 100 }'; fi
}
# proxy_snapshot: once the counts are written (they are every 100 ms), one
# line "zones_q parents_q tcp_q unanswered unbound_q" of the totals so far,
# the measured program's (every source but Unbound) apart from Unbound's;
# unanswered: UDP queries not answered (yet: 0.3 s after a run ends, never).
proxy_snapshot() {
    sleep 0.3
    awk -F'\t' -v ub="$ub" -v z1="$ns1:53" -v z2="$ns2:53" '
        /^#/ { next }
        $2 == ub { u += $3 + $7; next }
        { if ($1 == z1 || $1 == z2) zq += $3; else pq += $3; tq += $7; lost += $3 - $4 }
        END { printf "%d %d %d %d %d\n", zq, pq, tq, lost, u }' "$counts"
}
# rusage.py FILE CMD...: wall time and CPU (the child's rusage from wait4,
# to the microsecond: GNU time prints CPU to the centisecond, too coarse for
# a 10-name run), and peak RSS from GNU time in between (a child of this
# Python process would inherit its ~10 MiB as a floor; GNU time's is ~1 MiB).
# The CPU includes GNU time's own, ~1–2 ms.
cat >"$tmp/rusage.py" <<'PY'
import os, sys, time
out = sys.argv[1]
t0 = time.monotonic()
pid = os.posix_spawnp("/usr/bin/time", ["/usr/bin/time", "-f", "%M", "-o", out + ".rss"] + sys.argv[2:], os.environ)
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
with open(out + ".rss") as f:
    rss = f.read().split()[-1]
with open(out, "w") as f:
    f.write(f"{wall:.3f} {ru.ru_utime:.4f} {ru.ru_stime:.4f} {rss}\n")
sys.exit(os.waitstatus_to_exitcode(status))
PY
# udp_errors: the host's UDP datagrams dropped so far for a full receive
# buffer, and those that found no socket (late answers), from /proc/net/snmp.
udp_errors() { awk '$1 == "Udp:" && $2 ~ /^[0-9]/ { print $6 + 0, $3 + 0 }' /proc/net/snmp; }
ub_queries() { ubc stats_noreset | awk -F= '$1 == "total.num.queries" { print $2 }'; }
# measure IN OUT CMD...: runs CMD (stdin IN, stdout OUT, stderr OUT.err) under
# ulimit -n 256; sets wall (s), cpu (s), rss (KiB), the query deltas zq pq tq
# lost uq dq (see proxy_snapshot; dq: questions asked of Unbound), and drops:
# words for the run's queries the servers left unanswered (which its program
# must have retried) and for the host's UDP errors meanwhile (the machine is
# shared: they may not all be the run's own).
measure() {
    local in=$1 out=$2 before after ub0 ub1 user sys e0 e1 rcvbuf noport
    shift 2
    before=$(proxy_snapshot); ub0=$(ub_queries); e0=$(udp_errors)
    (ulimit -n 256; python3 "$tmp/rusage.py" "$tmp/time" "$@" <"$in" >"$out" 2>"$out.err") || true
    after=$(proxy_snapshot); ub1=$(ub_queries); e1=$(udp_errors)
    read -r wall user sys rss <"$tmp/time"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f", u + s }')
    read -r zq pq tq lost uq <<<"$(awk -v a="$after" -v b="$before" 'BEGIN { n = split(a, x, " "); split(b, y, " "); for (i = 1; i <= n; i++) printf "%d ", x[i] - y[i] }')"
    dq=$((ub1 - ub0))
    read -r rcvbuf noport <<<"$(awk -v a="$e1" -v b="$e0" 'BEGIN { split(a, x, " "); split(b, y, " "); print x[1] - y[1], x[2] - y[2] }')"
    drops=
    [ "$lost" = 0 ] || drops+="; $lost queries unanswered by the servers"
    [ "$rcvbuf" = 0 ] || drops+="; host: $rcvbuf UDP dropped (receive buffer full)"
    [ "$noport" = 0 ] || drops+="; host: $noport UDP to a closed port"
}
rtts() { if [ "$rtt" = 0 ]; then echo -; else awk -v w="$1" -v r="$rtt" 'BEGIN { printf "%.1f", w * 1000 / r }'; fi; }

header="| zones | N | tool | wall s | RTTs | CPU s | peak RSS MiB | queries at the servers (zones + parents) | queries to Unbound | queries per name | µs CPU per query | verdicts / answers |"
rows=()
row() { rows+=("$1"); echo "$1"; }
echo "$header"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"

# The expected verdict counts of SHAPE and N, in the order jq prints them.
expected() {
    local s=$1 n=$2 sec ins
    if [ "$s" = 1 ]; then sec=$n ins=0
    else sec=$(awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) if (i % 100 % 2 == 0) c++; print c + 0 }'); ins=$((n - sec)); fi
    {
        [ "$ins" -gt 0 ] && echo "caa/pass/insecure $ins"
        [ "$sec" -gt 0 ] && echo "caa/pass/secure $sec"
        [ "$ins" -gt 0 ] && echo "cname/pass/insecure $ins"
        [ "$sec" -gt 0 ] && echo "cname/pass/secure $sec"
    } | paste -sd, | sed 's/,/, /g'
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
per() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { printf f, a / b }'; }
# cells N QUERIES: a row's cells from wall to queries per name (measure's
# variables).
cells() {
    local auth=$((zq + pq + tq)) u=$dq
    [ "$uq" = 0 ] || u+=" (+$uq by Unbound)"
    [ "$tq" = 0 ] || auth+=" ($tq over TCP)"
    echo "$wall | $(rtts "$wall") | $cpu | $(mib "$rss") | $auth ($zq + $pq) | $u | $(per "$2" "$1" %.1f)"
}
# verdicts SHAPE N WHAT: checks dcv's report ($tmp/out.json): the verdict
# counts expected, no result mentioning a timeout or a deadline; sets got.
# A failure ends the benchmark, except in the warm-up, where it is noted.
verdicts() {
    local s=$1 n=$2 what=$3 want bad msg=
    got=$(jq -r '[.results[] | "\(.check)/\(.status)/\(.dnssec)"] | group_by(.) | map("\(.[0]) \(length)") | join(", ")' "$tmp/out.json" 2>/dev/null) ||
        got=
    [ -n "$got" ] || got="no results: $(head -c 500 "$tmp/out.json.err")"
    want=$(expected "$s" "$n")
    [ "$got" = "$want" ] || msg="verdicts: got '$got', want '$want' (first non-pass: $(jq -c '[.results[] | select(.status != "pass")][0]' "$tmp/out.json" 2>/dev/null | head -c 600))"
    bad=$(jq -r '.results[] | tostring' "$tmp/out.json" 2>/dev/null | grep -Eic 'timed? ?out|timeout|deadline|in time' || true)
    [ "$bad" = 0 ] || msg+=" $bad results mention a timeout: $(jq -r '.results[] | tostring' "$tmp/out.json" | grep -Ei 'timed? ?out|timeout|deadline|in time' | head -c 600)"
    [ "$lost" = 0 ] || echo "note: $what, $s zones, N=$n: $lost queries unanswered by the servers" >&2
    [ -z "$msg" ] && return
    [ "$what" = warm-up ] && { echo "note: warm-up, $s zones, N=$n: $msg" >&2; return; }
    die "$s zones, N=$n: $msg"
}
dcv_once() { # SHAPE N [warm]
    local s=$1 n=$2 q
    names "$s" "$n" >"$tmp/names"
    # shellcheck disable=SC2046,SC2086 # DCV_ARGS and the names are words
    measure /dev/null "$tmp/out.json" "$DCV" check-dns --json --timeout 2 --trust-anchor "$anchor" --resolver "$ub" \
        --md5 "$md5" --sha256 "$sha" $extra $(cat "$tmp/names")
    if [ "${3:-}" = warm ]; then verdicts "$s" "$n" warm-up; return; fi
    verdicts "$s" "$n" dcv
    q=$((zq + pq + tq + dq))
    line="$(cells "$n" "$q") | $(awk -v c="$cpu" -v q="$q" 'BEGIN { printf "%d", c * 1e6 / q }') | $got$drops"
}
dig_once() { # SHAPE N
    local s=$1 n=$2 cn ok
    { names "$s" "$n" | sed "s/^\(.*\)$/_$md5.\1 CNAME/"; names "$s" "$n" | sed 's/$/ CAA/'; } >"$tmp/dig.in"
    measure /dev/null "$tmp/dig.out" dig +norec +tries=1 +time=2 +noall +comments +answer @"$ns1" -f "$tmp/dig.in"
    cn=$(grep -ci "CNAME[[:space:]]*$target" "$tmp/dig.out" || true)
    ok=$(grep -c 'status: NOERROR' "$tmp/dig.out" || true)
    line="$(cells "$n" $((zq + pq + tq + dq))) | - | $cn CNAME, $ok NOERROR of $((2 * n)) answers$drops"
}
adns_once() { # SHAPE N
    local s=$1 n=$2 cn nodata
    { echo "--qc-query"; echo "--type cname"; names "$s" "$n" | sed "s/^/_$md5./"; echo "--type type257"; names "$s" "$n"; } >"$tmp/adns.in"
    measure "$tmp/adns.in" "$tmp/adns.out" adnshost --config "nameserver $ns1" -a -f
    cn=$(awk '$3 == "ok" && $2 == 1' "$tmp/adns.out" | wc -l)
    nodata=$(grep -c ' nodata ' "$tmp/adns.out" || true)
    line="$(cells "$n" $((zq + pq + tq + dq))) | - | $cn CNAME, $nodata CAA nodata of $n each$drops"
}
# best K LABEL FN SHAPE N: K runs of FN, the row of the fastest, with the
# range of the walls when K > 1.
best() {
    local k=$1 label=$2 fn=$3 s=$4 n=$5 bw='' bl='' walls=()
    for _ in $(seq "$k"); do
        "$fn" "$s" "$n"
        walls+=("$wall")
        if [ -z "$bw" ] || awk -v a="$wall" -v b="$bw" 'BEGIN { exit !(a < b) }'; then bw=$wall bl=$line; fi
    done
    if [ "$k" -gt 1 ]; then
        label+=" (best of $k: $(printf '%s\n' "${walls[@]}" | sort -n | sed -n '1p;$p' | paste -sd' ' | sed 's/ /–/') s)"
    fi
    row "| $s | $n | $label | $bl |"
}

t_start=$(date +%s)
[ "${HOLD:-}" = only ] && shapes=
for s in $shapes; do
    # Warm Unbound with every name of the largest N (untimed).
    dcv_once "$s" "$max" warm
    echo "(warm-up, $s zone(s), N=$max, Unbound cold: $wall s)" >&2
    n=10
    while [ "$n" -le "$max" ]; do
        best "$runs" dcv dcv_once "$s" "$n"
        if [ "$n" -le "$dig_max" ]; then best 1 "dig -f (sequential, at ns1)" dig_once "$s" "$n"; fi
        if [ "$n" -le "$adns_max" ]; then best "$runs" "adnshost -a -f (at ns1)" adns_once "$s" "$n"; fi
        n=$((n * 10))
    done
done
echo "measured in $(($(date +%s) - t_start)) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${OUT:-}" ]; then
    { echo "$header"; echo "|---|---|---|---|---|---|---|---|---|---|---|---|"; printf '%s\n' "${rows[@]}"; } >"$OUT"
fi
if [ -n "${HOLD:-}" ]; then
    echo "lab held (Ctrl-C ends it): resolver $ub, zone servers $ns1 $ns2 (RTT $rtt ms), anchor $anchor"
    echo "  DCV_LAB=1 $DCV check-dns --trust-anchor $anchor --resolver $ub --md5 $md5 --sha256 $sha n0.${zones[0]}"
    wait
fi
