# lib.sh - shared by the integration tests: the stack's environment, assertions, temp dirs.
# Source it first. Each test script is one CTest test; it ends with `finish`, which prints
# "N passed, N failed" and exits non-zero when anything failed.
set -uo pipefail

: "${MEDIAGATE_TEST_ENV:?MEDIAGATE_TEST_ENV must name the env file of a running stack (tests/run.sh sets it)}"
# shellcheck disable=SC1090
source "$MEDIAGATE_TEST_ENV"
MG=${MEDIAGATE_BIN:?MEDIAGATE_BIN must name the mediagate binary}
SRC=${MEDIAGATE_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
source "$SRC/tests/tools/fake_media.sh"
AWS=/usr/bin/aws   # Debian's awscli (another 'aws' may shadow it on PATH)
PY=/usr/bin/python3
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
aws_s3() { "$AWS" --endpoint-url "$MEDIAGATE_S3_ENDPOINT" --region "$AWS_REGION" "$@"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/mediagate-test.XXXXXX")
BG_PIDS=()
EXIT_HOOKS=()
# The tests share the stack's catalog but not their queues (each has a prefix of its own).
# Accepted rows are not marked published (docs/queue.md, the outbox), so a row a test leaves
# queued (or fetching, its worker stopped) looks unpublished to a later test's sweeper, which
# would publish it into its own queue: at exit such rows are parked for a day, as one
# deployment's rows never meet another's.
# The shared catalog is the stack's: a test that moves to a database of its own (and drops it at
# exit) leaves nothing there; connecting to a dropped database through PgBouncer would wait
# for its query_wait_timeout.
TEST_STARTED=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
STACK_DATABASE_URL=${MEDIAGATE_DATABASE_URL:-}
park_leftovers() {
  [ -n "$STACK_DATABASE_URL" ] || return 0
  PGCONNECT_TIMEOUT=5 timeout 20 psql -qAt "$STACK_DATABASE_URL" -c "UPDATE media SET next_attempt_at = now() + interval '1 day'
    WHERE status IN ('queued', 'fetching') AND created_at >= '$TEST_STARTED'" >/dev/null 2>&1 || true
}
cleanup() {
  local h p
  for h in "${EXIT_HOOKS[@]}"; do eval "$h" >/dev/null 2>&1; done
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  park_leftovers
  # MEDIAGATE_TEST_KEEP_FAILED=1: a failed test's directory (logs of every process) stays
  if [ "${FAIL:-0}" -gt 0 ] && [ "${MEDIAGATE_TEST_KEEP_FAILED:-0}" = 1 ]; then
    echo "kept for inspection: $T" >&2
  else
    rm -rf "$T"
  fi
}
trap cleanup EXIT
# bg NAME CMD...: start a helper in the background, log in $T/NAME.log, stopped by PID at exit
bg() { local name=$1; shift; "$@" >"$T/$name.log" 2>&1 & BG_PIDS+=($!); }
# wait_port HOST PORT: until something listens (10 s)
wait_port() {
  local i
  for i in $(seq 1 100); do (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on $1:$2" >&2; return 1
}
PASS=0 FAIL=0
RUN_ID=$(date +%s)-$$   # keys of this run never collide with another run's

ok()   { PASS=$((PASS + 1)); printf 'ok   %s\n' "$*"; }
bad()  { FAIL=$((FAIL + 1)); printf 'FAIL %s\n' "$*"; }
# check "description" command...: passes when the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
# eq "description" got want
eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi; }
# contains "description" haystack needle
contains() { case "$2" in *"$3"*) ok "$1" ;; *) bad "$1: '$2' does not contain '$3'" ;; esac; }
not_contains() { case "$2" in *"$3"*) bad "$1: '$2' contains '$3'" ;; *) ok "$1" ;; esac; }
http_code() { curl -s -o /dev/null -w '%{http_code}' --path-as-is "$@"; }
sha() { sha256sum | cut -d' ' -f1; }
json_field() { $PY -c 'import json,sys; print(json.loads(sys.stdin.readline())[sys.argv[1]])' "$1"; }
# rec FILE URL FIELD: FIELD of the JSON line in FILE whose source_url is URL ("" when absent)
rec() {
  $PY - "$@" <<'PYEOF'
import json, sys
path, url, field = sys.argv[1:4]
for line in open(path):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("source_url") == url:
        v = r.get(field)
        print("" if v is None else v)
        break
PYEOF
}
# The servers a test starts run the ASan/UBSan binary and log to $T: any report in any log
# fails the test. The background processes are stopped first (SIGTERM, and waited for), so
# reports written at exit (LeakSanitizer) are read too. Suppressions: tests/lsan.supp only.
SANITIZER_REPORT='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: |WARNING: ThreadSanitizer'
sanitizer_check() {
  local p f
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  BG_PIDS=()
  for f in "$T"/*.log "$T"/*.err "$T"/*.out; do
    [ -f "$f" ] || continue
    if grep -qE "$SANITIZER_REPORT" "$f"; then
      bad "sanitizer report in $(basename "$f")"
      grep -m 3 -A 12 -E "$SANITIZER_REPORT" "$f" | head -n 40
    fi
  done
}
finish() { sanitizer_check; printf '%d passed, %d failed\n' "$PASS" "$FAIL"; [ "$FAIL" -eq 0 ]; exit $?; }
