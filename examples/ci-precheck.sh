#!/bin/sh
# ci-precheck.sh: gate a certificate order on Domain Control Validation.
#
#   examples/ci-precheck.sh request.csr
#
# 1. hash: is the CSR readable, and will a public CA issue from it?
# 2. render: the DNS CNAME (zone lines) and the HTTP file, into $DCV_OUT
# 3. publish: run $DCV_PUBLISH_HOOK (your DNS API call, an rsync of the file...)
# 4. check --wait: poll, on the CAs' own re-check schedule, until every name
#    is validatable or $DCV_WAIT runs out
#
# 5. evidence: $DCV_OUT/evidence/ holds what a CA's support desk asks for
#    (every DNS and HTTP exchange, a summary per name): keep it as an artifact
#
# Exit codes: dcv's own, 0 ready to order, 1 a name cannot be validated
# (or the CA would refuse the CSR), 2 bad usage or an unreadable CSR,
# 3 not checked: no resolver could be used (a broken runner, not your
# records), 130 interrupted; and the script's own 4: the publish hook failed.
#
# Environment:
#   DCV               the dcv binary (default: dcv on PATH)
#   DCV_OUT           where the artifacts and JSON reports go (default: dcv-out)
#   DCV_WAIT          how long to wait for the records (default: 30m)
#   DCV_METHOD        cname, http or any (default: any)
#   DCV_PUBLISH_HOOK  a shell command run after rendering, with DCV_CSR and
#                     DCV_OUT set (default: none: publish by hand or earlier)
#   DCV_CHECK_ARGS    more arguments for dcv check, split on spaces
#                     (e.g. "--resolver 192.0.2.53 --scheme both")
#   DCV_TOKEN         the uniqueValue of the order, if the CA gave one (dcv
#                     reads it itself)
set -u
set -f # DCV_CHECK_ARGS may hold a `--resolve *:80:ADDR`: no globbing

CSR=${1:?usage: ci-precheck.sh CSR}
DCV=${DCV:-dcv}
OUT=${DCV_OUT:-dcv-out}
mkdir -p "$OUT" || exit 2

echo "== dcv hash $CSR"
"$DCV" --json hash "$CSR" >"$OUT/hash.json"
rc=$?
case $rc in
0) ;;
1)
    echo "the CA would refuse this CSR (see $OUT/hash.json, or: dcv hash $CSR)" >&2
    exit 1
    ;;
*) exit "$rc" ;;
esac

echo "== render: $OUT/cname.zone and $OUT/file.json"
"$DCV" cname "$CSR" --format zone >"$OUT/cname.zone" || exit $?
"$DCV" --json file "$CSR" >"$OUT/file.json" || exit $?

if [ -n "${DCV_PUBLISH_HOOK:-}" ]; then
    echo "== publish: $DCV_PUBLISH_HOOK"
    DCV_CSR=$CSR DCV_OUT=$OUT sh -c "$DCV_PUBLISH_HOOK" || {
        echo "the publish hook failed" >&2
        exit 4
    }
fi

echo "== dcv check --wait ${DCV_WAIT:-30m}"
# Progress goes to stderr, one line per round; the report to check.json.
# shellcheck disable=SC2086 # DCV_CHECK_ARGS is a list of arguments
"$DCV" --json check "$CSR" --method "${DCV_METHOD:-any}" --wait "${DCV_WAIT:-30m}" \
    --evidence "$OUT/evidence" ${DCV_CHECK_ARGS:-} >"$OUT/check.json"
rc=$?
case $rc in
0) echo "ready: every name is validatable; place the order" ;;
1) echo "not ready: see $OUT/check.json and $OUT/evidence/summary.txt" >&2 ;;
3) echo "not checked: no resolver could be used (see $OUT/check.json: unusable_resolvers)" >&2 ;;
130) echo "interrupted: $OUT/check.json has the last complete round" >&2 ;;
*) echo "dcv check failed to run (exit $rc)" >&2 ;;
esac
exit "$rc"
