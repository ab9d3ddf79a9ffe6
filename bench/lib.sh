# lib.sh - shared by the benchmark scripts that start their own stack (scale_measure.sh,
# queue_bench.sh, cpu_per_gib.sh): the release build, a throw-away stack on ports 28xxx
# (bluestore), a work directory, and on exit every process the script recorded in pids and
# the stack stopped, the work directory removed. Source it from the repository root.

# bench_start NAME BUILD_DIR BENCH_OPTION TARGET...: builds TARGETs in BUILD_DIR (Release,
# -DMEDIAGATE_BENCH=BENCH_OPTION), starts the stack and sources its environment. Sets COMMIT,
# MG (the binary), STACK, W (the work directory) and pids=().
bench_start() {
  local name=$1 build=$2 bench=$3
  shift 3
  COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- media ingest presign cli || echo "+changes")
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DMEDIAGATE_TESTS=OFF -DMEDIAGATE_BENCH="$bench" >/dev/null
  cmake --build "$build" -j"$(nproc)" --target "$@" >/dev/null
  MG=$PWD/$build/mediagate
  STACK=$(mktemp -u "/tmp/mediagate-$name-stack.XXXXXX")
  W=$(mktemp -d "/tmp/mediagate-$name.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
  MEDIAGATE_STACK_DIR=$STACK MEDIAGATE_PORT_BASE=28000 MEDIAGATE_OSD_BACKEND=bluestore deploy/local/up.sh >/dev/null
  # shellcheck disable=SC1091
  source "$STACK/env"
}

bench_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  MEDIAGATE_STACK_DIR=$STACK deploy/local/down.sh >/dev/null 2>&1 || true
  rm -rf "$W"
}

# bench_wait_port HOST PORT: until something listens, at most 10 s
bench_wait_port() {
  local _
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && break; sleep 0.1; done
}

# bench_cpu_ticks PID...: CPU time (utime + stime, clock ticks: getconf CLK_TCK) of each
# process and its threads, of the children it reaped (PostgreSQL: backends that ended) and of
# its live children (PostgreSQL's backends, uvicorn's worker), summed
bench_cpu_ticks() {
  local t=0 pid p
  for pid in "$@"; do
    t=$((t + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    for p in $(pgrep -P "$pid" || true); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  done
  echo "$t"
}
source tests/tools/fake_media.sh # synthetic media the scrubbers pass through (fake_jpeg, fake_png)
