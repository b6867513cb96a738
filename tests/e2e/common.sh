# Shared by the end-to-end scripts that run their own knotd: messages named
# after the script, missing packages installed (as root), the dcv binary
# found or built, and a temp dir removed (with the knotd stopped) on exit.
# Source it after setting `here` (the repository root).

name=$(basename "$0")
# The labs' names (.test) are lab names: without this dcv refuses them as a
# public CA does (internal_name).
export DCV_LAB=1
fail() { echo "$name: FAIL: $*" >&2; exit 1; }
say() { echo "$name: $*" >&2; }

# need COMMAND:PACKAGE...: installs the packages whose command is missing.
need() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
    done
    ((${#missing[@]})) || return 0
    [ "$(id -u)" = 0 ] || fail "need root to install ${missing[*]}"
    apt-get update -qq
    # The scripts run their own servers: the packages' system services
    # (knot, unbound) must not start on install.
    local policy=/usr/sbin/policy-rc.d added=
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; added=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null || { [ -z "$added" ] || rm -f "$policy"; return 1; }
    [ -z "$added" ] || rm -f "$policy"
}

# find_dcv: $DCV, or a release build of this checkout.
find_dcv() {
    if [ -z "${DCV:-}" ]; then
        (cd "$here" && cargo build --release --quiet)
        DCV="${CARGO_TARGET_DIR:-$here/target}/release/dcv"
    fi
    [ -x "$DCV" ] || fail "no dcv binary at $DCV"
}

# knot_server_conf DIR LISTEN: the server, database and log sections of a
# knotd config whose run dir, database and log live in DIR (created).
knot_server_conf() {
    mkdir -p "$1/run" "$1/db"
    cat <<CONF
server:
    rundir: "$1/run"
    listen: $2
database:
    storage: "$1/db"
log:
  - target: "$1/knot.log"
    any: info
CONF
}

tmp=$(mktemp -d)
knot_pid=
cleanup() {
    if [ -n "$knot_pid" ]; then kill "$knot_pid" 2>/dev/null || true; wait "$knot_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT

# knot_start LISTEN ZONE: starts a knotd of our own (config, database and
# control socket in $tmp) listening on LISTEN (Knot syntax, e.g.
# 127.0.0.1@5353 or "[ 127.0.0.1@5353, 127.0.0.2@53 ]") and serving the
# unsigned zone ZONE from $tmp/zones/ZONE.zone (written beforehand); waits
# until the zone is loaded. knotc talks to it; cleanup stops it.
knot_start() {
    local listen=$1 zone=$2
    mkdir -p "$tmp/zones" "$tmp/db" "$tmp/run"
    cat >"$tmp/knot.conf" <<CONF
server:
    rundir: "$tmp/run"
    listen: $listen
database:
    storage: "$tmp/db"
control:
    listen: "$tmp/run/knot.sock"
log:
  - target: "$tmp/knot.log"
    any: info
template:
  - id: default
    storage: "$tmp/zones"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: $zone
    file: $zone.zone
CONF
    knotd -c "$tmp/knot.conf" &
    knot_pid=$!
    for _ in $(seq 50); do
        knotc zone-status "$zone" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    cat "$tmp/knot.log" >&2
    fail "knotd did not start"
}
knotc() { command knotc -c "$tmp/knot.conf" "$@"; }
