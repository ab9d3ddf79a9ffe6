#!/usr/bin/env bash
# scale_measure.sh - what one request and one job cost the shared dependencies, measured on
# real parts: PostgreSQL statements and connections, Redis commands, S3 requests and
# CPU-seconds, per operation, plus Redis memory per queued job. The inputs of
# docs/scaling.md and of bench/scale_model.py.
#
# Starts its own stack (ports 28xxx, bluestore), one `serve` and one `worker` (the release
# build), a local source on 127.0.0.2; stops everything by PID. Each phase reads the
# processes' own counters (/metrics: mediagate_db_statements_total, _redis_commands_total,
# _s3_requests_total), Redis's own (INFO total_commands_processed: everyone's, the idle
# background included) and /proc CPU times (mediagate's processes; PostgreSQL's) before and
# after:
#   idle          20 s of a serve and a worker doing nothing (per second)
#   presign-hot   N x GET /media/{id}/url over 20 ids (the cached path)
#   presign-cold  N x GET /media/{id}/url over N distinct ids, key cache warm, record
#                 cache off (MEDIAGATE_RECORD_CACHE_S=0 on a second serve): one catalog read
#   ingest        J x POST /media (20 KB JPEG), each job to ready (accept + worker)
#   queued        Q jobs enqueued with no worker running: Redis used_memory per job
# Writes bench/results/scale-<date>.md. Measures; asserts nothing.
#
#   bench/scale_measure.sh            N=2000 J=200 Q=20000
set -Eeuo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
N=${SCALE_N:-2000} J=${SCALE_J:-200} Q=${SCALE_Q:-20000}
source bench/lib.sh
bench_start scale build-plain OFF mediagate
export MEDIAGATE_ALLOW_PRIVATE_SOURCES=127.0.0.2/32 MEDIAGATE_QUEUE_PREFIX=scale
export MEDIAGATE_RATE_READ_PER_MIN=100000000 MEDIAGATE_RATE_WRITE_PER_MIN=100000000
export MEDIAGATE_RATE_ANON_PER_MIN=100000000 MEDIAGATE_LOG_LEVEL=warn
"$MG" migrate >/dev/null
KEY=$("$MG" apikey create --tenant scale --scopes read,write 2>/dev/null)
psql -q "$MEDIAGATE_DATABASE_URL" -c "INSERT INTO media (id, tenant_id, status, source_url, request_sha256, bucket, object_key, content_type, size_bytes)
  SELECT gen_random_uuid(), 'scale', 'ready', 'https://x/' || g, 'x', '$MEDIAGATE_S3_BUCKET', 'scale/' || g, 'image/jpeg', 1000
  FROM generate_series(1, $N) g"
psql -qAt "$MEDIAGATE_DATABASE_URL" -c "SELECT id FROM media WHERE tenant_id = 'scale' AND source_url LIKE 'https://x/%'" >"$W/ids"
mkdir -p "$W/root"
fake_jpeg 20000 >"$W/root/small.jpg"
python3 tests/tools/source_server.py --bind 127.0.0.2 --port 28001 --root "$W/root" >"$W/source.log" 2>&1 &
pids+=($!)
MEDIAGATE_LISTEN=127.0.0.1:28100 MEDIAGATE_ADMIN_LISTEN=127.0.0.1:28101 "$MG" serve 2>"$W/serve.log" &
SERVE=$!; pids+=($!)
MEDIAGATE_RECORD_CACHE_S=0 MEDIAGATE_LISTEN=127.0.0.1:28110 MEDIAGATE_ADMIN_LISTEN=127.0.0.1:28111 \
  "$MG" serve 2>"$W/serve-cold.log" & COLD=$!; pids+=($!)
MEDIAGATE_WORKER_LISTEN=127.0.0.1:28102 "$MG" worker 2>"$W/worker.log" & WORKER=$!; pids+=($!)
for port in 28100 28110 28102; do bench_wait_port 127.0.0.1 "$port"; done
bench_wait_port 127.0.0.2 28001
read -r PG_PID _ <"$STACK/pids/postgres"
REDIS_PORT=${MEDIAGATE_REDIS_URL##*:}; REDIS_PORT=${REDIS_PORT%%/*}

# counters: "<statements> <redis commands> <s3 requests>" from a process's /metrics
metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 == n {print $2}'; }
counters() { echo "$(metric "$1" mediagate_db_statements_total) $(metric "$1" mediagate_redis_commands_total) $(metric "$1" mediagate_s3_requests_total)"; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, clock ticks
pg_cpu() { local t=0 p; for p in $(pgrep -P "$PG_PID") "$PG_PID"; do t=$((t + $(cpu "$p"))); done; echo "$t"; }
redis_cmds() { redis-cli -p "$REDIS_PORT" INFO stats | awk -F: '/^total_commands_processed/ {print $2+0}'; }
redis_mem() { redis-cli -p "$REDIS_PORT" INFO memory | awk -F: '/^used_memory:/ {print $2+0}'; }
TCK=$(getconf CLK_TCK)

ROWS=()
# measure NAME COUNT ADMIN_PORTS PIDS -- CMD...: run CMD, report per-operation deltas
measure() {
  local name=$1 count=$2 ports=$3 procs=$4; shift 5
  local p a b c s0=0 r0=0 k0=0 s1=0 r1=0 k1=0 c0=0 c1=0 rc0 rc1 pc0 pc1 t0 t1
  for p in $ports; do read -r a b c <<<"$(counters "$p")"; s0=$((s0 + a)); r0=$((r0 + b)); k0=$((k0 + c)); done
  for p in $procs; do c0=$((c0 + $(cpu "$p"))); done
  rc0=$(redis_cmds) pc0=$(pg_cpu) t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  for p in $ports; do read -r a b c <<<"$(counters "$p")"; s1=$((s1 + a)); r1=$((r1 + b)); k1=$((k1 + c)); done
  for p in $procs; do c1=$((c1 + $(cpu "$p"))); done
  rc1=$(redis_cmds) pc1=$(pg_cpu)
  ROWS+=("$(python3 -c '
import sys
n, count, s, r, k, c, rc, pc, tck, secs = sys.argv[1], *map(float, sys.argv[2:])
print("| %s | %d | %.2f | %.2f | %.2f | %.1f | %.3f | %.3f | %.1f |" % (n, count, s / count,
      r / count, k / count, rc / count, c / tck / count * 1000, pc / tck / count * 1000, count / secs))
' "$name" "$count" $((s1 - s0)) $((r1 - r0)) $((k1 - k0)) $((c1 - c0)) \
    $((rc1 - rc0)) $((pc1 - pc0)) "$TCK" "$(python3 -c "print($t1 - $t0)")")")
  echo "${ROWS[-1]}" >&2
}

hot() { head -n 20 "$W/ids" >"$W/hot"; WRK_IDS=$W/hot WRK_KEY=$KEY python3 - "$N" <<'PY'
import http.client, os, sys
n = int(sys.argv[1]); ids = open(os.environ["WRK_IDS"]).read().split(); key = os.environ["WRK_KEY"]
c = http.client.HTTPConnection("127.0.0.1", 28100)
for i in range(n):
    c.request("GET", "/api/v1/media/%s/url" % ids[i % len(ids)], headers={"Authorization": "Bearer " + key})
    r = c.getresponse(); r.read(); assert r.status == 200, r.status
PY
}
cold() { WRK_IDS=$W/ids WRK_KEY=$KEY python3 - <<'PY'
import http.client, os
ids = open(os.environ["WRK_IDS"]).read().split(); key = os.environ["WRK_KEY"]
c = http.client.HTTPConnection("127.0.0.1", 28110)
for i in ids:
    c.request("GET", "/api/v1/media/%s/url" % i, headers={"Authorization": "Bearer " + key})
    r = c.getresponse(); r.read(); assert r.status == 200, r.status
PY
}
ingest() { WRK_KEY=$KEY python3 - "$J" <<'PY'
import http.client, json, os, sys, time
j = int(sys.argv[1]); key = os.environ["WRK_KEY"]
c = http.client.HTTPConnection("127.0.0.1", 28100)
ids = []
for i in range(j):
    body = json.dumps({"source_url": "http://127.0.0.2:28001/f/small.jpg?n=%d" % i})
    c.request("POST", "/api/v1/media", body, {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    r = c.getresponse(); d = json.loads(r.read()); assert r.status == 202, (r.status, d); ids.append(d["id"])
deadline = time.time() + 300
for i in ids:
    while True:
        c.request("GET", "/api/v1/media/" + i, headers={"Authorization": "Bearer " + key})
        r = c.getresponse(); d = json.loads(r.read())
        if d["status"] == "ready": break
        assert d["status"] in ("queued", "fetching"), d
        assert time.time() < deadline, "jobs did not finish"
        time.sleep(0.05)
PY
}

# warm both serves' key caches and the hot records first
WRK_IDS=$W/ids; for port in 28100 28110; do
  curl -s -o /dev/null -H "Authorization: Bearer $KEY" "http://127.0.0.1:$port/api/v1/media/$(head -n 1 "$W/ids")/url"; done
hot >/dev/null
# idle: what a serve and a worker cost doing nothing for 20 s (per second): the worker's
# blocking reads, promotion, claims and sweeps; readiness checks
measure "idle serve + worker (per second)" 20 "28101 28102" "$SERVE $WORKER" -- sleep 20
measure presign-hot "$N" 28101 "$SERVE" -- hot
measure presign-cold "$N" 28111 "$COLD" -- cold
# ingest: the status polls are reads on the hot path; their cost is in presign-hot's order
measure "ingest (accept + job)" "$J" "28101 28102" "$SERVE $WORKER" -- ingest

# Redis memory per queued job: the worker stopped, Q jobs accepted through the API (the
# production path: a catalog row, then one stream entry each)
WORKER_CONNS=$(metric 28102 'mediagate_db_connections{state="open"}')
WORKER_MAX=$(metric 28102 mediagate_db_connections_max)
kill "$WORKER"; wait "$WORKER" 2>/dev/null || true
m0=$(redis_mem)
WRK_KEY=$KEY python3 - "$Q" <<'PY'
import http.client, json, os, sys
q = int(sys.argv[1]); key = os.environ["WRK_KEY"]
c = http.client.HTTPConnection("127.0.0.1", 28100)
for i in range(q):
    body = json.dumps({"source_url": "http://127.0.0.2:28001/f/small.jpg?q=%d" % i})
    c.request("POST", "/api/v1/media", body, {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    r = c.getresponse(); r.read(); assert r.status == 202, r.status
PY
m1=$(redis_mem)
qlen=$(redis-cli -p "$REDIS_PORT" XLEN "$MEDIAGATE_QUEUE_PREFIX:jobs")
per_job=$(( (m1 - m0) / Q ))
echo "redis: $Q jobs accepted (stream length $qlen), $((m1 - m0)) bytes, $per_job bytes each" >&2

stamp=$(date +%Y%m%d-%H%M)
out=bench/results/scale-$stamp.md
mkdir -p bench/results
{
  echo "# Per-operation cost, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Command: \`bench/scale_measure.sh\` (N=$N, J=$J, Q=$Q), commit $COMMIT, release build;"
  echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), Ceph RGW (bluestore), PostgreSQL $(psql -qAt "$MEDIAGATE_DATABASE_URL" -c 'SHOW server_version'), Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2)."
  echo
  echo "| operation | count | PostgreSQL statements | Redis commands | S3 requests | Redis commands (server: everyone's) | mediagate CPU ms | PostgreSQL CPU ms | ops/s (one client) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Per operation. PostgreSQL connections held: serve $(metric 28101 'mediagate_db_connections{state="open"}') of $(metric 28101 mediagate_db_connections_max), worker $WORKER_CONNS of $WORKER_MAX."
  echo "Redis memory per queued job ($Q accepted, stream length $qlen): $per_job bytes."
} >"$out"
cat "$out"
