# Shared by the end-to-end scripts that run their own knotd: messages named
# after the script, missing packages installed (as root), the dcv binary
# found or built, and a temp dir removed (with the knotd stopped) on exit.
# Source it after setting `here` (the repository root).

name=$(basename "$0")
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
