# Part 2b of tests/e2e/parity.sh (sourced by it; issue 20, SPEC section 8 "One
# resolution, every server, every record — CAA included"): CAA from every
# authoritative server, CAA at an alias, alias chains across zones and a loop,
# with Knot, NSD and PowerDNS as the servers, judged by `delv` and Unbound.
#
# Servers (port 53, beside Part 2's; all started and stopped by parity.sh):
#   127.0.0.3   Part 2's TLD knotd, which also serves `test.` (delegations, glue)
#   127.0.0.9   knotd: the primaries of the split-*/sync-*/forbid-* zones, ch1.test
#   127.0.0.10  NSD: old copies of split-nsd.test and forbid-nsd.test (a lower
#               serial, other CAA: they never got the NOTIFY), an in-sync copy of
#               sync-nsd.test, alias.test, ch2.test
#   127.0.0.11  PowerDNS (bind backend): an old copy of split-pdns.test, an
#               in-sync copy of sync-pdns.test, cdn.test, ch3.test
# Each split-*/sync-*/forbid-* zone has two NS at the parent and in the zone:
# ns1 (the knotd primary) and ns2 (NSD or PowerDNS, the "secondary").
#
# The references: for CAA at every server, `delv -i @SERVER` and `unbound-host`
# forwarding to SERVER read what each server serves at each step of the climb
# (www.ZONE, ZONE, test.); for aliases, delv asks the lab's Unbound resolver
# and unbound-host iterates from the lab root itself. What a CA does follows from what they
# read: RFC 8659 (the first non-empty CAA set of the climb, aliases followed;
# `issue` properties without the CA's name forbid it). A CA checks from
# several perspectives, each of which can land on any server: if one server's
# view forbids the CA, the CA can refuse.
#
# Expected dcv results (SPEC 8): every server permits -> pass; some forbid ->
# fail, and when the servers differ the code is `caa_servers_disagree` and the
# detail names every server and its SOA serial (read with kdig); an alias chain
# both references resolve -> pass (authoritative and --recursive); a loop both
# references fail on -> `alias_loop`.

i20_total=0 i20_ok=0 i20_documented=0 i20_rows=()
i20_ca=sectigo.com   # dcv's default profile's CAA issuer domain

# i20_zones DIR: the zone files of every server (DIR/tld/test.zone, DIR/i20-*/).
i20_zones() {
    local d=$1 z n
    mkdir -p "$d/i20-knot" "$d/i20-nsd" "$d/i20-pdns"
    {
        p2soa test 1 ns.nic.test.
        echo "ns.nic A 127.0.0.3"
        for z in split-nsd:10 split-pdns:11 sync-nsd:10 sync-pdns:11 forbid-nsd:10; do
            n=${z%%:*}
            echo "$n NS ns1.$n"; echo "$n NS ns2.$n"
            echo "ns1.$n A 127.0.0.9"; echo "ns2.$n A 127.0.0.${z#*:}"
        done
        echo "alias NS ns.alias"; echo "ns.alias A 127.0.0.10"
        echo "cdn NS ns.cdn"; echo "ns.cdn A 127.0.0.11"
        echo "ch1 NS ns.ch1"; echo "ns.ch1 A 127.0.0.9"
        echo "ch2 NS ns.ch2"; echo "ns.ch2 A 127.0.0.10"
        echo "ch3 NS ns.ch3"; echo "ns.ch3 A 127.0.0.11"
    } >"$d/tld/test.zone"
    # two_ns ZONE SERIAL SECONDARY-ADDRESS CAA-LINE...: a zone served by ns1 and ns2
    two_ns() {
        local z=$1 serial=$2 sec=$3 l; shift 3
        p2soa "$z" "$serial" "ns1.$z." "ns2.$z."
        echo "ns1 A 127.0.0.9"; echo "ns2 A $sec"; echo "www A 127.0.0.1"
        for l in "$@"; do echo "$l"; done
    }
    local now=2026120602 old=2026120401
    two_ns split-nsd.test $now 127.0.0.10 "@ CAA 0 issue \"$i20_ca\"" >"$d/i20-knot/split-nsd.test.zone"
    two_ns split-nsd.test $old 127.0.0.10 '@ CAA 0 issue "letsencrypt.org"' >"$d/i20-nsd/split-nsd.test.zone"
    two_ns split-pdns.test $now 127.0.0.11 "@ CAA 0 issue \"$i20_ca\"" >"$d/i20-knot/split-pdns.test.zone"
    two_ns split-pdns.test $old 127.0.0.11 '@ CAA 0 issue "letsencrypt.org"' >"$d/i20-pdns/split-pdns.test.zone"
    two_ns sync-nsd.test $now 127.0.0.10 "@ CAA 0 issue \"$i20_ca\"" >"$d/i20-knot/sync-nsd.test.zone"
    cp "$d/i20-knot/sync-nsd.test.zone" "$d/i20-nsd/"
    two_ns sync-pdns.test $now 127.0.0.11 "@ CAA 0 issue \"$i20_ca\"" >"$d/i20-knot/sync-pdns.test.zone"
    cp "$d/i20-knot/sync-pdns.test.zone" "$d/i20-pdns/"
    # The primary now forbids every CA; the old copy has no CAA (any CA may issue).
    two_ns forbid-nsd.test $now 127.0.0.10 '@ CAA 0 issue ";"' >"$d/i20-knot/forbid-nsd.test.zone"
    two_ns forbid-nsd.test $old 127.0.0.10 >"$d/i20-nsd/forbid-nsd.test.zone"
    # CAA at an alias (RFC 8659 section 3): alias.test (NSD) CNAMEs into cdn.test (PowerDNS).
    {
        p2soa alias.test 1 ns.alias.test.
        echo "ns A 127.0.0.10"
        echo "@ CAA 0 issue \"$i20_ca\""
        echo "www CNAME edge.cdn.test."   # the target forbids the CA
        echo "ok CNAME ok.cdn.test."      # the target authorizes it
        echo "bare CNAME bare.cdn.test."  # the target has no CAA: the climb goes on at alias.test
    } >"$d/i20-nsd/alias.test.zone"
    {
        p2soa cdn.test 1 ns.cdn.test.
        echo "ns A 127.0.0.11"
        echo "edge CAA 0 issue \"digicert.com\""
        echo "ok CAA 0 issue \"$i20_ca\""
        echo "bare A 127.0.0.1"
    } >"$d/i20-pdns/cdn.test.zone"
    # Alias chains across ch1 (Knot), ch2 (NSD), ch3 (PowerDNS): link i of the
    # N-link chain is _l<i>-n<N>.ch<i mod 3 + 1>.test; the last name holds the TXT.
    local c i files=("$d/i20-knot/ch1.test.zone" "$d/i20-nsd/ch2.test.zone" "$d/i20-pdns/ch3.test.zone")
    for i in 1 2 3; do { p2soa "ch$i.test" 1 "ns.ch$i.test."; echo "ns A 127.0.0.$((i + 8))"; } >"${files[i - 1]}"; done
    for c in 5 8 12; do
        for ((i = 0; i < c; i++)); do
            echo "_l$i-n$c CNAME _l$((i + 1))-n$c.ch$(((i + 1) % 3 + 1)).test." >>"${files[i % 3]}"
        done
        echo "_l$c-n$c TXT \"$value\"" >>"${files[c % 3]}"
    done
    # A loop through the three servers.
    echo "_loop CNAME _loop.ch2.test." >>"${files[0]}"
    echo "_loop CNAME _loop.ch3.test." >>"${files[1]}"
    echo "_loop CNAME _loop.ch1.test." >>"${files[2]}"
}

# i20_servers DIR: the knotd, NSD and PowerDNS of Part 2b (their pids join p2_pids).
i20_servers() {
    local d=$1 z f
    need nsd:nsd pdns_server:pdns-server
    # The bind backend is a module, not a command.
    compgen -G '/usr/lib/*/pdns/libbindbackend.so' >/dev/null || need no-such-command:pdns-backend-bind
    local knot_zones=()
    for f in "$d"/i20-knot/*.zone; do z=$(basename "$f" .zone); knot_zones+=("$z."); done
    # start_knot (parity.sh) serves the zones from DIR/i20-knot/ZONE.zone
    start_knot i20-knot "127.0.0.9@53" "${knot_zones[@]}"
    {
        cat <<CONF
server:
    ip-address: 127.0.0.10@53
    do-ip6: no
    username: ""
    chroot: ""
    zonesdir: "$d/i20-nsd"
    pidfile: "$d/i20-nsd/nsd.pid"
    database: ""
    zonelistfile: "$d/i20-nsd/zone.list"
    xfrdfile: "$d/i20-nsd/xfrd.state"
    xfrdir: "$d/i20-nsd"
    logfile: "$d/i20-nsd/nsd.log"
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
CONF
        for f in "$d"/i20-nsd/*.zone; do
            printf 'zone:\n    name: "%s"\n    zonefile: "%s"\n' "$(basename "$f" .zone)" "$(basename "$f")"
        done
    } >"$d/i20-nsd/nsd.conf"
    nsd-checkconf "$d/i20-nsd/nsd.conf" || fail "nsd-checkconf"
    nsd -d -c "$d/i20-nsd/nsd.conf" >"$d/i20-nsd/nsd.out" 2>&1 &
    p2_pids+=($!)
    for f in "$d"/i20-pdns/*.zone; do
        printf 'zone "%s" { type master; file "%s"; };\n' "$(basename "$f" .zone)" "$f"
    done >"$d/i20-pdns/named.conf"
    # --config-dir keeps the system's pdns.conf (and its setuid) out.
    pdns_server --config-dir="$d/i20-pdns" --socket-dir="$d/i20-pdns" --local-address=127.0.0.11 --local-port=53 \
        --launch=bind --bind-config="$d/i20-pdns/named.conf" --daemon=no --guardian=no --disable-syslog \
        --write-pid=no --loglevel=4 >"$d/i20-pdns/pdns.out" 2>&1 &
    p2_pids+=($!)
    local a z ready
    for a in 127.0.0.9:ch1.test 127.0.0.10:ch2.test 127.0.0.11:ch3.test; do
        ready=
        for _ in $(seq 50); do
            if kdig @"${a%%:*}" "${a#*:}" SOA +short +timeout=1 +retry=0 2>/dev/null | grep -q .; then ready=1; break; fi
            sleep 0.2
        done
        [ -n "$ready" ] || { tail "$d"/i20-*/*.log "$d"/i20-*/*.out >&2 2>/dev/null; fail "${a%%:*} does not serve ${a#*:}"; }
    done
}

# i20_ub_conf ADDR PORT: an unbound-host config forwarding everything to
# ADDR@PORT (an authoritative server: what a resolver sent there reads), or,
# for ADDR "root", iterating from the lab root as the lab's Unbound resolver
# does (with a cache of its own, cold at each call). Not forwarding to the
# lab's Unbound: libunbound counts each CNAME of a forwarder's answer as a
# query restart and gives up after 11 (a 12-link chain the iterating Unbound
# follows is SERVFAIL through a forwarder; docs/parity.md).
i20_ub_conf() {
    local f="$d2/ub-$1-$2.conf"
    [ -f "$f" ] && { echo "$f"; return; }
    {
        cat <<CONF
server:
    do-not-query-localhost: no
    module-config: "iterator"
    username: ""
    chroot: ""
    local-zone: "test." nodefault
CONF
        if [ "$1" = root ]; then
            echo "    root-hints: \"$d2/root.hints\""
        else
            printf 'forward-zone:\n    name: "."\n    forward-addr: %s@%s\n' "$1" "$2"
        fi
    } >"$f"
    echo "$f"
}
# ref_records TOOL ADDR[#PORT] NAME TYPE: the TYPE records TOOL (delv or
# unbound) gets for NAME from that server (ADDR "root": delv asks the lab's
# Unbound resolver, unbound-host iterates from the lab root), aliases followed, one rdata a line
# (nothing for NXDOMAIN/NODATA); "FAILED: ..." when the lookup fails. The
# tool's whole output is kept in $tmp/last-ref-TOOL.
ref_records() {
    local tool=$1 addr=${2%#*} p=53 qname=$3 type=$4 out
    [[ $2 == *#* ]] && p=${2#*#}
    case $tool in
        delv)
            [ "$addr" = root ] && { addr=127.0.0.1 p=$ub_port; }
            out=$(timeout 20 delv -i @"$addr" -p "$p" "$qname" "$type" 2>&1 || true)
            printf '%s\n' "$out" >"$tmp/last-ref-delv"
            if grep -q '^;; resolution failed' <<<"$out" && ! grep -q 'ncache nx' <<<"$out"; then
                echo "FAILED: $(grep '^;;' <<<"$out" | tr '\n' ' ')"
            else
                awk -v t="$type" '!/^;/ && $4 == t { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }' <<<"$out"
            fi
            ;;
        unbound)
            out=$(timeout 20 unbound-host -C "$(i20_ub_conf "$addr" "$p")" -t "$type" "$qname" 2>&1 || true)
            printf '%s\n' "$out" >"$tmp/last-ref-unbound"
            if grep -q 'not found' <<<"$out" && ! grep -q 'not found: 3(NXDOMAIN)' <<<"$out"; then
                echo "FAILED: $out"
            else
                sed -n "s/^.* has $type record //p" <<<"$out"
            fi
            ;;
    esac
}
# caa_permits: do the CAA records on stdin (flags tag value) let $i20_ca issue?
# RFC 8659 section 4: a set without `issue` properties does not restrict it.
caa_permits() {
    awk -v ca="$i20_ca" 'tolower($2) == "issue" { n++; v = $0; sub(/^[^"]*"/, "", v); sub(/".*$/, "", v)
        sub(/;.*/, "", v); gsub(/[ \t]/, "", v); if (tolower(v) == ca) ok = 1 }
        END { exit !(n == 0 || ok) }'
}
# ref_caa TOOL NAME@SERVER...: the climb as TOOL reads it, one step a server:
# "permits" / "forbids" / "fails", then what decided it.
ref_caa() {
    local tool=$1 step recs; shift
    for step in "$@"; do
        recs=$(ref_records "$tool" "${step#*@}" "${step%@*}" CAA)
        if grep -q '^FAILED' <<<"$recs"; then echo "fails (${step%@*}: ${recs#FAILED: })"; return; fi
        if [ -n "$recs" ]; then
            if caa_permits <<<"$recs"; then echo -n "permits"; else echo -n "forbids"; fi
            echo " (${step%@*}: $(paste -sd, <<<"$recs"))"
            return
        fi
    done
    echo "permits (no CAA on the climb)"
}

# i20_dcv CHECK ARGS...: dcv's result for CHECK -> "status<TAB>code<TAB>detail hint".
i20_dcv() {
    local check=$1; shift
    DCV_LAB=1 "$DCV" --json check-dns --no-dnssec --timeout 2 "$@" >"$tmp/last-dcv" 2>"$tmp/last-dcv.err" || true
    jq -r --arg c "$check" '[.results[] | select(.check == $c)][0] // {} |
        "\(.status // "none")\t\(.code // "-")\t\(.detail // "") \(.hint // "")"' "$tmp/last-dcv" 2>/dev/null \
        || printf 'none\t-\tno JSON report: %s\n' "$(head -c 300 "$tmp/last-dcv.err" | tr '\n' ' ')"
}
# i20_judge ID DELV UNBOUND WANT OK DCV-STATUS DCV-CODE WHY DETAIL: scores one case.
# A case that is not as SPEC 8 says may be in parity-differences.tsv (delv,
# unbound and dcv columns: the outcome words printed here).
i20_judge() {
    local id=$1 d=$2 u=$3 want=$4 ok=$5 st=$6 code=$7 why=$8 detail=$9 row td tu tc
    i20_total=$((i20_total + 1))
    detail=$(tr '\n' ' ' <<<"$detail")
    if ((ok)); then
        i20_ok=$((i20_ok + 1))
        [ -z "$(table_row "$id")" ] || say "$id is as SPEC 8 now: its row in $(basename "$table") can go"
        i20_rows+=("| $id | ${d//|/\\|} | ${u//|/\\|} | $want | $st ($code) | as SPEC 8 |")
        say "as SPEC $id: delv $d; unbound $u; dcv $st ($code): $detail"
        return
    fi
    row=$(table_row "$id")
    if [ -n "$row" ]; then
        IFS=$'\t' read -r _ td tu tc _ <<<"$row"
        if [ "$tc" = "$st/$code" ]; then
            i20_documented=$((i20_documented + 1))
            i20_rows+=("| $id | ${d//|/\\|} | ${u//|/\\|} | $want | $st ($code) | documented difference (parity-differences.tsv): $why |")
            say "documented $id: delv $d; unbound $u; dcv $st ($code), the table's entry: $why"
            return
        fi
    fi
    i20_rows+=("| $id | ${d//|/\\|} | ${u//|/\\|} | $want | $st ($code) | NOT AS SPEC: $why: ${detail//|/\\|} |")
    say "NOT AS SPEC $id: delv $d; unbound $u; want $want; dcv $st ($code): $why: $detail"
    [ "$keep_going" = 1 ] || { p2_board; i20_board; fail "stopped at $id (PARITY_KEEP_GOING=1 runs all)"; }
}
i20_board() {
    ((i20_total)) || return 0
    {
        echo
        echo "## part 2b: one resolution, every server ($i20_total cases, $i20_ok as SPEC 8, $i20_documented documented, $((i20_total - i20_ok - i20_documented)) not)"
        echo
        echo "| case | delv | Unbound | SPEC 8 wants dcv | dcv | verdict |"
        echo "|---|---|---|---|---|---|"
        printf '%s\n' "${i20_rows[@]}"
    } >"$tmp/i20board.md"
    cat "$tmp/i20board.md" >>"$tmp/scoreboard.md"
    [ -z "$status_file" ] || cp "$tmp/scoreboard.md" "$status_file"
    cat "$tmp/i20board.md" >&2
}

# caa_servers ID ZONE ADDR=NSNAME...: CAA at www.ZONE as each server of ZONE
# serves it (the climb's last step, test., from the TLD server).
caa_servers() {
    local id=$1 z=$2 spec addr ns dv uv dall="" uall="" permit=0 forbid=0 serial names=() want ok=1 why="" st code detail
    shift 2
    selected "$id" || return 0
    for spec in "$@"; do
        addr=${spec%%=*} ns=${spec#*=}
        dv=$(ref_caa delv "www.$z@$addr" "$z@$addr" "test@127.0.0.3")
        uv=$(ref_caa unbound "www.$z@$addr" "$z@$addr" "test@127.0.0.3")
        [ "${dv%% *}" = "${uv%% *}" ] || fail "$id: lab broken: at $ns delv says '$dv', unbound '$uv'"
        serial=$(kdig @"$addr" "$z" SOA +short +timeout=2 +retry=0 | awk '{print $3}')
        [ -n "$serial" ] || fail "$id: lab broken: $ns ($addr) serves no SOA for $z"
        names+=("$ns:$serial")
        dall+="$ns ($serial) ${dv}; " uall+="$ns ${uv%% *}; "
        case ${dv%% *} in permits) permit=$((permit + 1)) ;; *) forbid=$((forbid + 1)) ;; esac
    done
    IFS=$'\t' read -r st code detail <<<"$(i20_dcv caa --resolver "127.0.0.1:$ub_port" --md5 "$md5" --sha256 "$sha" "www.$z")"
    if ((forbid == 0)); then
        want=pass
        [ "$st" = pass ] || { ok=0; why="every server's CAA permits $i20_ca, dcv does not pass"; }
    elif ((permit == 0)); then
        want=fail
        [ "$st" = fail ] || { ok=0; why="every server's CAA forbids $i20_ca, dcv does not fail"; }
    else
        want="fail caa_servers_disagree, naming ${names[*]}"
        if [ "$st" != fail ]; then ok=0; why="some servers forbid $i20_ca, dcv does not fail"
        elif [ "$code" != caa_servers_disagree ]; then ok=0; why="the servers disagree, the code is $code"
        else
            for spec in "${names[@]}"; do
                grep -qF "${spec%%:*}" <<<"$detail" || { ok=0; why="the detail does not name ${spec%%:*}"; }
                grep -qF "${spec#*:}" <<<"$detail" || { ok=0; why="the detail does not give serial ${spec#*:}"; }
            done
        fi
    fi
    i20_judge "$id" "${dall%; }" "${uall%; }" "$want" "$ok" "$st" "$code" "$why" "$detail"
}
# caa_alias ID NAME PARENT: CAA at NAME as delv (through the lab's Unbound
# resolver) and Unbound (iterating from the lab root) read it, NAME's CNAME
# followed (RFC 8659 section 3); dcv in authoritative mode.
caa_alias() {
    local id=$1 qname=$2 parent=$3 r=root dv uv want ok=1 why="" st code detail
    selected "$id" || return 0
    dv=$(ref_caa delv "$qname@$r" "$parent@$r" "test@$r")
    uv=$(ref_caa unbound "$qname@$r" "$parent@$r" "test@$r")
    [ "${dv%% *}" = "${uv%% *}" ] || fail "$id: references differ: delv '$dv', unbound '$uv'"
    IFS=$'\t' read -r st code detail <<<"$(i20_dcv caa --resolver "127.0.0.1:$ub_port" --md5 "$md5" --sha256 "$sha" "$qname")"
    if [ "${dv%% *}" = permits ]; then
        want=pass
        [ "$st" = pass ] || { ok=0; why="the references' CAA permits $i20_ca, dcv does not pass"; }
    else
        want=fail
        [ "$st" = fail ] || { ok=0; why="the references' CAA forbids $i20_ca, dcv does not fail"; }
    fi
    i20_judge "$id" "$dv" "$uv" "$want" "$ok" "$st" "$code" "$why" "$detail"
}
# chain ID NAME MODE: the TXT at the end of NAME's alias chain, as delv
# (through the lab's Unbound resolver) and Unbound (iterating) read it; dcv --txt NAME=parity in
# MODE (auth: authoritative servers; recursive: through the lab Unbound).
chain() {
    local id=$1 qname=$2 mode=$3 r=root dv uv want ok=1 why="" st code detail args=()
    selected "$id" || return 0
    dv=$(ref_records delv "$r" "$qname" TXT | paste -sd, -)
    uv=$(ref_records unbound "$r" "$qname" TXT | paste -sd, -)
    [ "$mode" = recursive ] && args=(--recursive)
    IFS=$'\t' read -r st code detail <<<"$(i20_dcv txt "${args[@]}" --resolver "127.0.0.1:$ub_port" --txt "$qname=$value")"
    if grep -qF "\"$value\"" <<<"$dv" && grep -qF "\"$value\"" <<<"$uv"; then
        want=pass dv="resolves: $dv" uv="resolves: $uv"
        [ "$st" = pass ] || { ok=0; why="both references resolve the chain to the TXT, dcv does not pass"; }
    elif [[ $dv == FAILED* && $uv == FAILED* ]]; then
        want="fail alias_loop" dv="fails (SERVFAIL)" uv="fails (SERVFAIL)"
        [ "$st" = fail ] && [ "$code" = alias_loop ] || { ok=0; why="both references fail on the loop, dcv does not say alias_loop"; }
    else
        fail "$id: the references differ or the lab is broken: delv '$dv', unbound '$uv'"
    fi
    i20_judge "$id" "$dv" "$uv" "$want" "$ok" "$st" "$code" "$why" "$detail"
}

i20_cases() {
    say "part 2b: one resolution, every server (SPEC 8): Knot, NSD and PowerDNS"
    if [ "${PARITY_HOLD:-0}" = 2 ]; then
        say "part 2 lab held (Ctrl-C ends it): resolver 127.0.0.1:$ub_port; Knot 127.0.0.9, NSD 127.0.0.10, PowerDNS 127.0.0.11 (port 53)"
        say "  dcv: DCV_LAB=1 $DCV check-dns --no-dnssec --resolver 127.0.0.1:$ub_port --txt _l0-n12.ch1.test=$value"
        while kill -0 "${p2_pids[0]}" 2>/dev/null; do sleep 5; done
        fail "the lab root's knotd ended"
    fi
    # (a) CAA disagreement: a secondary that never got the NOTIFY; and in sync.
    caa_servers caa-split-nsd split-nsd.test 127.0.0.9=ns1.split-nsd.test 127.0.0.10=ns2.split-nsd.test
    caa_servers caa-split-pdns split-pdns.test 127.0.0.9=ns1.split-pdns.test 127.0.0.11=ns2.split-pdns.test
    caa_servers caa-forbid-stale-nsd forbid-nsd.test 127.0.0.9=ns1.forbid-nsd.test 127.0.0.10=ns2.forbid-nsd.test
    caa_servers caa-sync-nsd sync-nsd.test 127.0.0.9=ns1.sync-nsd.test 127.0.0.10=ns2.sync-nsd.test
    caa_servers caa-sync-pdns sync-pdns.test 127.0.0.9=ns1.sync-pdns.test 127.0.0.11=ns2.sync-pdns.test
    # (b) CAA at a CNAME'd name, authoritative mode (alias.test on NSD, cdn.test on PowerDNS).
    caa_alias caa-alias-target-forbids www.alias.test alias.test
    caa_alias caa-alias-target-permits ok.alias.test alias.test
    caa_alias caa-alias-target-without-caa bare.alias.test alias.test
    # (c) chains of 5, 8, 12 links across Knot, NSD and PowerDNS; a loop.
    local n m
    for n in 5 8 12; do
        # recursive first: the SOA and NS questions dcv's authoritative mode
        # sends the lab's Unbound about a long chain can leave it answering
        # SERVFAIL for a few seconds (docs/parity.md)
        for m in recursive auth; do chain "chain-$n-links-$m" "_l0-n$n.ch1.test" "$m"; done
    done
    for m in recursive auth; do chain "chain-loop-$m" _loop.ch1.test "$m"; done
}
