# common.sh - shared by the fault tests (after tests/integration/lib.sh): a source server
# with fixtures, one serve replica and two workers of the ASan binary, the load driver and the
# invariant checker. Ports: source 127.0.0.2:26060, serve 26061 (admin 27061), workers 26062
# and 26063.
# shellcheck disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
FAULTS="$SRC/tests/faults"
SVC="$SRC/deploy/local/service.sh"
SRCH=127.0.0.2 SP=26060 API_PORT=26061
S="http://$SRCH:$SP"
API="http://127.0.0.1:$API_PORT"
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32"
export MEDIAGATE_QUEUE_PREFIX="mgfault-$RUN_ID"
# short clocks, so a fault heals inside the test's bounds
export MEDIAGATE_CLAIM_TIMEOUT_S=3 MEDIAGATE_SWEEP_AFTER_S=2 MEDIAGATE_PART_SIZE=5242880
export MEDIAGATE_RETRY_BASE_MS=200 MEDIAGATE_RETRY_CAP_MS=2000 MEDIAGATE_RETRY_ATTEMPTS=3
export MEDIAGATE_BREAKER_COOLDOWN_MS=1000 MEDIAGATE_WORKER_CONCURRENCY=3
export MEDIAGATE_KEY_CACHE_S=1 MEDIAGATE_DRAIN_DELAY_S=0 MEDIAGATE_THREADS=2
export MEDIAGATE_RATE_WRITE_PER_MIN=1000000 MEDIAGATE_RATE_READ_PER_MIN=1000000
export MEDIAGATE_RATE_ANON_PER_MIN=1000000
# every dependency is running again when the test ends, whatever happened
EXIT_HOOKS+=("'$SVC' start redis" "'$SVC' start radosgw" "'$SVC' start postgres")
sql() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$1"; }
"$MG" migrate --wait 10 >/dev/null || { bad "migrate"; finish; }

# fixtures: small and medium in one PUT, big by multipart (5 MiB parts)
mkdir -p "$T/root"
fake_jpeg 20000 >"$T/root/small.jpg"
fake_png $((2 << 20)) >"$T/root/mid.png"
fake_jpeg $((12 << 20)) >"$T/root/big.jpg"
bg source $PY "$SRC/tests/tools/source_server.py" --bind $SRCH --port $SP --root "$T/root"
wait_port $SRCH $SP || { bad "source did not start"; finish; }
# sources that behave: one PUT, chunked, and a multipart transfer of about 3 s
GOOD=("$S/f/small.jpg" "$S/f/mid.png" "$S/chunked/mid.png" "$S/drip/big.jpg?bps=4194304")

# start_serve: one replica on API_PORT (log appended: it may be restarted)
start_serve() {
  env MEDIAGATE_LISTEN=127.0.0.1:$API_PORT MEDIAGATE_ADMIN_LISTEN=127.0.0.1:$((API_PORT + 1000)) \
    "$MG" serve 2>>"$T/serve.log" &
  SERVE_PID=$!; BG_PIDS+=($!)
  wait_port 127.0.0.1 $API_PORT
}
# start_worker N: worker N (0 or 1) on port 26062+N, its PID in WPID[N]
WPID=()
start_worker() {
  env MEDIAGATE_WORKER_LISTEN=127.0.0.1:$((26062 + $1)) "$MG" worker 2>>"$T/worker$1.log" &
  WPID[$1]=$!; BG_PIDS+=($!)
  wait_port 127.0.0.1 $((26062 + $1))
}
# tenant NAME: creates it with a read/write key, prints the key
tenant() { "$MG" apikey create --tenant "$1" --scopes read,write 2>/dev/null; }
# load KEY SECONDS RATE OUT SOURCE...: load.py in the foreground
load() {
  local key=$1 secs=$2 rate=$3 out=$4; shift 4
  $PY "$FAULTS/load.py" --api "$API" --key "$key" --seconds "$secs" --rate "$rate" \
    --give-up 90 --tag "$(basename "$out")-$RUN_ID" --out "$out" "$@"
}
# invariants DESCRIPTION TENANT [args...]: the checker's verdict as one result, its report shown
invariants() {
  local d=$1 t=$2 out; shift 2
  out=$($PY "$FAULTS/invariants.py" --tenant "$t" --prefix "$MEDIAGATE_QUEUE_PREFIX" "$@" 2>&1)
  local rc=$?
  printf '%s\n' "$out" | sed 's/^/     /'
  if [ $rc -eq 0 ]; then ok "$d"; else bad "$d"; fi
}
