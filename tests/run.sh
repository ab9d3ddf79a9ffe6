#!/usr/bin/env bash
# run.sh - the whole test suite, from a fresh clone: install dependencies, build with
# AddressSanitizer + UndefinedBehaviorSanitizer, check formatting, run the unit tests, start
# the local stack (PostgreSQL, Redis, Ceph RGW) in a temporary directory, run the
# integration tests against it and the real mediagate binary, and stop everything by PID.
#
#   tests/run.sh            everything
#   tests/run.sh unit       unit tests only (no servers)
#   tests/run.sh fuzz       the fuzz targets only (MEDIAGATE_FUZZ_SECONDS each, default 20)
#
# Environment: MEDIAGATE_TEST_PORT_BASE (default 25000: PostgreSQL 25432, Redis 25379,
# Ceph 25300, S3 25480), MEDIAGATE_BUILD_DIR (default build-test), SKIP_DEPS=1.
# Test helpers listen on 127.0.0.2:26001-26010 (source servers) and 127.0.0.1/::1:26002
# (the SSRF target, which must never see a connection).
set -Eeuo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
what=${1:-all}
BUILD=${MEDIAGATE_BUILD_DIR:-build-test}
step() { printf '\n==> %s\n' "$*"; }
# run_ctest ARGS...: ctest, and when it fails, the failed checks of every test once more at
# the very end (a test's whole output can be longer than what a CI log shows of it).
run_ctest() {
  ctest --test-dir "$BUILD" --output-on-failure "$@" && return 0
  printf '\n==> failed checks (from %s)\n' "$BUILD/Testing/Temporary/LastTest.log"
  awk '/^[0-9]+\/[0-9]+ Testing: / { name = $3 }
       /^FAIL |ERROR: (Address|Leak)Sanitizer|runtime error:|[0-9]+ passed, [0-9]+ failed/ {
         if (name != "") print name ": " $0 }' "$BUILD/Testing/Temporary/LastTest.log" |
    grep -v ', 0 failed$' | head -n 60
  return 1
}

if [ "${SKIP_DEPS:-0}" != 1 ]; then
  step "dependencies (deploy/local/deps.sh)"
  if [ "$(id -u)" = 0 ]; then deploy/local/deps.sh; else sudo deploy/local/deps.sh; fi
fi

step "format check (.clang-format)"
mapfile -t sources < <(git ls-files '*.c' '*.h' 2>/dev/null || find media presign ingest cli tests bench -name '*.[ch]')
clang-format --dry-run --Werror "${sources[@]}"

step "adapter borders, held by the compiler (tests/check_borders.sh, cmake/borders.h)"
tests/check_borders.sh

step "build with ASan + UBSan ($BUILD)"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DMEDIAGATE_SANITIZE=ON >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
step "adapter libraries: each third-party library called from its adapter alone (tests/check_adapter_libraries.sh)"
tests/check_adapter_libraries.sh "$BUILD"

step "build without sanitizers (build-plain: memory measurements)"
cmake -S . -B build-plain -DCMAKE_BUILD_TYPE=Release -DMEDIAGATE_TESTS=OFF -DMEDIAGATE_BENCH=OFF >/dev/null
cmake --build build-plain -j"$(nproc)" --target mediagate
export MEDIAGATE_PLAIN_BIN="$repo/build-plain/mediagate"
step "hardening of the release binary (tests/check_hardening.sh)"
tests/check_hardening.sh build-plain/mediagate

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0
export LSAN_OPTIONS="suppressions=$repo/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if [ "$what" != fuzz ]; then
  step "unit tests"
  run_ctest -L unit
  [ "$what" = unit ] && exit 0
fi

# Fuzzing, bounded: every libFuzzer target (tests/fuzz) for MEDIAGATE_FUZZ_SECONDS on a copy
# of its seed corpus, ASan + UBSan; a crash, a hang (over 10 s on one input) or a leak fails.
step "fuzz targets, ${MEDIAGATE_FUZZ_SECONDS:-20} s each (build-fuzz, clang)"
CC=clang-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DMEDIAGATE_FUZZ=ON \
  -DMEDIAGATE_TESTS=OFF -DMEDIAGATE_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)"
fuzzdir=$(mktemp -d "${TMPDIR:-/tmp}/mediagate-fuzz.XXXXXX")
for target in build-fuzz/tests/fuzz/fuzz_*; do
  name=${target##*/fuzz_}
  mkdir -p "$fuzzdir/$name" "$fuzzdir/$name.found"
  cp "tests/fuzz/corpus/$name"/* "$fuzzdir/$name/"
  if ! "$target" -max_total_time="${MEDIAGATE_FUZZ_SECONDS:-20}" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$fuzzdir/$name.found/" "$fuzzdir/$name" >"$fuzzdir/$name.log" 2>&1; then
    tail -n 40 "$fuzzdir/$name.log"
    echo "fuzz_$name failed; its input: $(ls "$fuzzdir/$name.found"/*)" >&2
    exit 1
  fi
  echo "fuzz_$name: $(grep -o '^Done [0-9]* runs' "$fuzzdir/$name.log" | tail -n 1)"
done
rm -rf "$fuzzdir"
[ "$what" = fuzz ] && exit 0

step "local stack in a temporary directory"
stack=$(mktemp -d "${TMPDIR:-/tmp}/mediagate-stack.XXXXXX")
rmdir "$stack"   # up.sh creates it and marks it as a stack directory
cleanup() { MEDIAGATE_STACK_DIR="$stack" deploy/local/down.sh || true; }
trap cleanup EXIT
MEDIAGATE_STACK_DIR="$stack" MEDIAGATE_PORT_BASE=${MEDIAGATE_TEST_PORT_BASE:-25000} \
  MEDIAGATE_OSD_BACKEND=${MEDIAGATE_OSD_BACKEND:-bluestore} deploy/local/up.sh >/dev/null

step "integration tests"
MEDIAGATE_TEST_ENV="$stack/env" run_ctest -L integration

# The same catalog, serve and worker tests with every PostgreSQL connection going through
# pgbouncer in transaction pooling mode (issue 12): nothing may keep session state across
# transactions (migrate and the sweepers take no session locks). 4 server connections per
# database, fewer than one serve process opens, so clients' transactions share them.
step "integration tests through pgbouncer (transaction pooling, 4 server connections)"
MEDIAGATE_STACK_DIR="$stack" MEDIAGATE_POOL_SIZE=4 deploy/local/pgbouncer.sh
# MEDIAGATE_DB_PREPARE stays on (the default): connections must fall back by themselves.
MEDIAGATE_TEST_POOLED=1 MEDIAGATE_TEST_ENV="$stack/pooler.env" run_ctest \
  -R '^integration_(c_catalog|test_catalog_cli|test_serve|test_worker|test_worker_claims)$'
logins=$(grep -c 'login attempt' "$stack/pgbouncer/pgbouncer.log" || true)
echo "pgbouncer: $logins client logins"
[ "$logins" -gt 0 ] || { echo "the pooled run never reached pgbouncer" >&2; exit 1; }
