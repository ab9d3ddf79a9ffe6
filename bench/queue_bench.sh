#!/usr/bin/env bash
# queue_bench.sh - the path users feel (issue 14, item 1): POST /api/v1/media -> queue ->
# worker -> S3 -> ready, next to the CLI's `ingest` (no queue) as the floor. Measures; asserts
# nothing.
#
# Starts its own stack (ports 28xxx, bluestore), one `serve` and two workers (release build,
# MEDIAGATE_WORKER_CONCURRENCY=QB_CONCURRENCY each, default 4) and a local source on
# 127.0.0.2. QB_TOPOLOGY=haproxy: two `serve` behind haproxy (deploy/haproxy/run.sh) instead,
# the clients talking to haproxy — the scaled-out deployment. Phases:
#   peak     QB_SMALL (2000) 100 KiB images submitted as fast as curl's 16 parallel
#            connections can: jobs/s from the first 202 to the last ready; then the same
#            from the Python client (16 threads) the earlier runs used, for comparison
#   paced    the same images at half that rate for QB_PACED_S (30) s: time-to-ready p50/p95/p99
#   large    QB_LARGE (20) 50 MiB images: MiB/s and time-to-ready
#   cli      the same QB_SMALL images through `mediagate ingest --concurrency 2 x C` (the
#            floor: no API, no queue)
# Time-to-ready is the catalog's own clock: updated_at (ready) - created_at (accepted). CPU
# seconds per job by process come from /proc. Writes bench/results/queue-<date>.md.
set -Eeuo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
SMALL=${QB_SMALL:-2000} LARGE=${QB_LARGE:-20} PACED_S=${QB_PACED_S:-30} CONC=${QB_CONCURRENCY:-4}
TOPOLOGY=${QB_TOPOLOGY:-single}
source bench/lib.sh
bench_start qb build-plain OFF mediagate
export MEDIAGATE_ALLOW_PRIVATE_SOURCES=127.0.0.2/32 MEDIAGATE_QUEUE_PREFIX=qb
export MEDIAGATE_RATE_READ_PER_MIN=100000000 MEDIAGATE_RATE_WRITE_PER_MIN=100000000
export MEDIAGATE_RATE_ANON_PER_MIN=100000000 MEDIAGATE_LOG_LEVEL=warn
export MEDIAGATE_WORKER_CONCURRENCY=$CONC MEDIAGATE_MAX_BYTES=$((64 << 20))
"$MG" migrate >/dev/null
KEY=$("$MG" apikey create --tenant qb --scopes read,write 2>/dev/null)
mkdir -p "$W/root"
fake_jpeg $((100 << 10)) >"$W/root/small.jpg"
fake_jpeg $((50 << 20)) >"$W/root/large.jpg"
python3 tests/tools/source_server.py --bind 127.0.0.2 --port 28001 --root "$W/root" >"$W/source.log" 2>&1 &
SRC=$!; pids+=($!)
if [ "$TOPOLOGY" = haproxy ]; then # clients talk to haproxy on 28100, as to serve otherwise
  export MEDIAGATE_TRUSTED_PROXIES=127.0.0.1/32
  MEDIAGATE_LISTEN=127.0.0.1:28110 MEDIAGATE_ADMIN_LISTEN=127.0.0.1:28111 "$MG" serve 2>"$W/serve.log" &
  SERVE=$!; pids+=($!)
  MEDIAGATE_LISTEN=127.0.0.1:28112 MEDIAGATE_ADMIN_LISTEN=127.0.0.1:28113 "$MG" serve 2>"$W/serve2.log" &
  SERVE2=$!; pids+=($!)
  bench_wait_port 127.0.0.1 28110; bench_wait_port 127.0.0.1 28112
  MEDIAGATE_SERVE_ADDRS="127.0.0.1:28110 127.0.0.1:28112" MEDIAGATE_LB_BIND=127.0.0.1:28100 \
    MEDIAGATE_LB_STATS_BIND=127.0.0.1:28104 MEDIAGATE_LB_STATE="$W/haproxy" \
    deploy/haproxy/run.sh >"$W/haproxy.log" 2>&1 &
  LB=$!; pids+=($!)
else
  MEDIAGATE_LISTEN=127.0.0.1:28100 MEDIAGATE_ADMIN_LISTEN=127.0.0.1:28101 "$MG" serve 2>"$W/serve.log" &
  SERVE=$!; pids+=($!)
fi
MEDIAGATE_WORKER_LISTEN=127.0.0.1:28102 "$MG" worker 2>"$W/worker0.log" & W0=$!; pids+=($!)
MEDIAGATE_WORKER_LISTEN=127.0.0.1:28103 "$MG" worker 2>"$W/worker1.log" & W1=$!; pids+=($!)
for port in 28100 28102 28103; do bench_wait_port 127.0.0.1 "$port"; done
bench_wait_port 127.0.0.2 28001
S=http://127.0.0.2:28001

declare -A PROC=([serve]=$SERVE [worker0]=$W0 [worker1]=$W1 [source]=$SRC)
for d in postgres redis radosgw ceph-osd; do read -r pid _ <"$STACK/pids/$d"; PROC[$d]=$pid; done
names=(serve worker0 worker1 postgres redis radosgw ceph-osd source)
if [ "$TOPOLOGY" = haproxy ]; then
  PROC[serve2]=$SERVE2 PROC[haproxy]=$LB
  names=(serve serve2 haproxy worker0 worker1 postgres redis radosgw ceph-osd source)
fi
TCK=$(getconf CLK_TCK)
snapshot() { local n; for n in "${names[@]}"; do printf '%s=%s ' "$n" "$(bench_cpu_ticks "${PROC[$n]}")"; done; }

# submit N SOURCE RATE TAG: N jobs through the API from Python, RATE a second (0: as fast as 16
# threads can), tagged for the catalog queries; waits until all are ready
submit() {
  /usr/bin/time -f '%U %S' -o "$W/client.time" python3 - "$@" "$KEY" <<'PY'
import concurrent.futures, http.client, json, sys, threading, time
n, src, rate, tag, key = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
local = threading.local()
def conn():
    if not hasattr(local, "c"):
        local.c = http.client.HTTPConnection("127.0.0.1", 28100, timeout=30)
    return local.c
def one(i):
    body = json.dumps({"source_url": "%s?%s=%d" % (src, tag, i), "metadata": {"bench": tag}})
    c = conn()
    c.request("POST", "/api/v1/media", body, {"Authorization": "Bearer " + key,
              "Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    assert r.status == 202, r.status
t0 = time.time()
with concurrent.futures.ThreadPoolExecutor(16) as ex:
    fs = []
    for i in range(n):
        if rate > 0:
            time.sleep(max(0.0, t0 + i / rate - time.time()))
        fs.append(ex.submit(one, i))
    for f in fs:
        f.result()
PY
  wait_ready "$4"
}
# submit_curl N SOURCE TAG: N jobs as fast as curl's 16 parallel connections can send them (a C
# client: the Python one above costs about 0.35 ms of CPU per job on the same two cores)
submit_curl() {
  local i cfg=$W/curl-$3.cfg
  for i in $(seq 1 "$1"); do
    [ "$i" = 1 ] || echo next
    printf 'url = "http://127.0.0.1:28100/api/v1/media"\nheader = "Authorization: Bearer %s"\n' "$KEY"
    printf 'header = "Content-Type: application/json"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
    printf 'data = "{\\"source_url\\": \\"%s?%s=%d\\", \\"metadata\\": {\\"bench\\": \\"%s\\"}}"\n' "$2" "$3" "$i" "$3"
  done >"$cfg"
  /usr/bin/time -f '%U %S' -o "$W/client.time" curl -sS --no-progress-meter -Z --parallel-max 16 -K "$cfg" >"$W/curl-$3.codes"
  local bad
  bad=$(grep -vc '^202$' "$W/curl-$3.codes" || true)
  [ "$bad" = 0 ] || { echo "submit_curl: $bad of $1 requests not answered 202" >&2; exit 1; }
  wait_ready "$3"
}
# wait_ready TAG: until every job of TAG is ready or failed (at most 10 minutes)
wait_ready() {
  local left
  for _ in $(seq 1 1200); do
    left=$(psql -qAt "$MEDIAGATE_DATABASE_URL" -c "SELECT count(*) FROM media WHERE metadata->>'bench' = '$1' AND status NOT IN ('ready', 'failed')")
    [ "$left" = 0 ] && break
    sleep 0.5
  done
}
# stats TAG: jobs, failed, seconds from first accept to last ready, jobs/s, ttr p50 p95 p99 (ms)
stats() {
  psql -qAt -F' ' "$MEDIAGATE_DATABASE_URL" -c "
    SELECT count(*), count(*) FILTER (WHERE status = 'failed'),
      round(extract(epoch FROM max(updated_at) - min(created_at))::numeric, 2),
      round((count(*) / extract(epoch FROM max(updated_at) - min(created_at)))::numeric, 1),
      round(1000 * percentile_cont(0.50) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at))::numeric, 1),
      round(1000 * percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at))::numeric, 1),
      round(1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at))::numeric, 1)
    FROM media WHERE metadata->>'bench' = '$1'"
}
# cpu_per_job BEFORE AFTER JOBS: "name=ms ..." per job
cpu_per_job() {
  python3 - "$1" "$2" "$3" "$TCK" <<'PY'
import sys
a = dict(kv.split("=") for kv in sys.argv[1].split()); b = dict(kv.split("=") for kv in sys.argv[2].split())
n, tck = int(sys.argv[3]), int(sys.argv[4])
print(" · ".join("%s %.2f" % (k, (int(b[k]) - int(a[k])) / tck / n * 1000) for k in a))
PY
}
# client_per_job JOBS: the load generator's own CPU ms per job (it shares the two cores)
client_per_job() { awk -v n="$1" '{printf "%.2f", ($1 + $2) * 1000 / n}' "$W/client.time"; }

ROWS=()
# warm-up: connections, caches, the bucket's first objects
submit 100 "$S/f/small.jpg" 0 warm

c0=$(snapshot); submit_curl "$SMALL" "$S/f/small.jpg" peak; c1=$(snapshot)
read -r n failed secs rate p50 p95 p99 <<<"$(stats peak)"
ROWS+=("| peak: $n x 100 KiB, curl -Z, 16 connections | $failed | $rate jobs/s | $p50 / $p95 / $p99 ms | $(cpu_per_job "$c0" "$c1" "$n") · client $(client_per_job "$n") |")
c0=$(snapshot); submit "$SMALL" "$S/f/small.jpg" 0 peakpy; c1=$(snapshot)
read -r n failed secs rate_py p50 p95 p99 <<<"$(stats peakpy)"
ROWS+=("| peak, Python client (16 threads; as before 2026-12-03 19:40) | $failed | $rate_py jobs/s | $p50 / $p95 / $p99 ms | $(cpu_per_job "$c0" "$c1" "$n") · client $(client_per_job "$n") |")
PEAK=$rate
HALF=$(python3 -c "print(round($PEAK / 2, 1))")
count=$(python3 -c "print(int($HALF * $PACED_S))")
c0=$(snapshot); submit "$count" "$S/f/small.jpg" "$HALF" paced; c1=$(snapshot)
read -r n failed secs rate p50 p95 p99 <<<"$(stats paced)"
ROWS+=("| paced at 50% of peak ($HALF jobs/s for ${PACED_S} s): $n x 100 KiB | $failed | $rate jobs/s | $p50 / $p95 / $p99 ms | $(cpu_per_job "$c0" "$c1" "$n") · client $(client_per_job "$n") |")
c0=$(snapshot); submit "$LARGE" "$S/f/large.jpg" 0 large; c1=$(snapshot)
read -r n failed secs rate p50 p95 p99 <<<"$(stats large)"
mibs=$(python3 -c "print(round($n * 50 / $secs, 1))")
ROWS+=("| large: $n x 50 MiB | $failed | $rate jobs/s ($mibs MiB/s) | $p50 / $p95 / $p99 ms | $(cpu_per_job "$c0" "$c1" "$n") |")

# the floor: the CLI, no API and no queue, the same images, the workers' total concurrency
kill "$W0" "$W1"; wait "$W0" "$W1" 2>/dev/null || true
urls=$(for i in $(seq 1 "$SMALL"); do printf '%s/f/small.jpg?cli=%d\n' "$S" "$i"; done)
names=(postgres redis radosgw ceph-osd source)
c0=$(snapshot)
t0=$(date +%s.%N)
# shellcheck disable=SC2086
/usr/bin/time -f '%U %S' -o "$W/client.time" \
  "$MG" ingest --tenant qbcli --concurrency $((2 * CONC)) $urls >"$W/cli.out" 2>"$W/cli.err"
t1=$(date +%s.%N)
c1=$(snapshot)
ok=$(grep -c '"status":"ready"' "$W/cli.out" || true)
cli_rate=$(python3 -c "print(round($ok / ($t1 - $t0), 1))")
ROWS+=("| CLI ingest (floor): $SMALL x 100 KiB, concurrency $((2 * CONC)) | $((SMALL - ok)) | $cli_rate jobs/s | — | cli $(client_per_job "$ok") · $(cpu_per_job "$c0" "$c1" "$ok") |")

stamp=$(date +%Y%m%d-%H%M)
out=bench/results/queue-$stamp.md
[ "$TOPOLOGY" = haproxy ] && out=bench/results/queue-haproxy-$stamp.md
mkdir -p bench/results
{
  echo "# Queue path, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Command: \`bench/queue_bench.sh\` (QB_SMALL=$SMALL, QB_LARGE=$LARGE, QB_PACED_S=$PACED_S, QB_CONCURRENCY=$CONC), commit $COMMIT, release build;"
  if [ "$TOPOLOGY" = haproxy ]; then
    echo "$(nproc) cores, Debian 12; QB_TOPOLOGY=haproxy: two serve behind haproxy, two workers ($CONC transfers each), PostgreSQL, Redis, Ceph RGW and the source on the same machine."
  else
    echo "$(nproc) cores, Debian 12; one serve, two workers ($CONC transfers each), PostgreSQL, Redis, Ceph RGW and the source on the same machine."
  fi
  echo
  echo "| run | failed | throughput | time-to-ready p50 / p95 / p99 | CPU ms per job by process |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Queue throughput / CLI: $(python3 -c "print('%.0f%%' % (100 * $PEAK / $cli_rate))") (target >= 90%; with the Python client $(python3 -c "print('%.0f%%' % (100 * $rate_py / $cli_rate))")); p99 time-to-ready at 50% of peak: see the paced row (target < 250 ms)."
} >"$out"
cat "$out"
