#!/usr/bin/env bash
# soak.sh - mixed presign + ingest load for SOAK_SECONDS (default 1800) against one serve and
# two workers (the release build), with the resident memory and open file descriptors of
# every process sampled every SOAK_SAMPLE_S (15) seconds. Starts its own stack (ports 29xxx,
# bluestore) and stops it. Writes bench/results/soak-<date>.md (summary) and .csv (samples).
#
# Load, all at once for the whole run:
#   presign  wrk, 4 connections pausing 10 ms: about 400 GET /api/v1/media/{id}/url a second
#            over 10,000 ready records
#   ingest   tests/faults/load.py, 1 job a second through serve: 20 KB, 2 MiB (one PUT and
#            chunked), 12 MiB multipart (dripped over 3 s), and failing sources (404, HTML)
#   reads    every 2 s: a listing, a record, a /content redirect of a recent ingest
#   deletes  every 5 s: the oldest ingested ready record
# At the end: the fault suite's invariant checker over the ingest tenant.
# Measures; asserts nothing. "Flat" is judged from the table: after the first five minutes.
set -Eeuo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
source tests/tools/fake_media.sh
SECS=${SOAK_SECONDS:-1800} EVERY=${SOAK_SAMPLE_S:-15}
COMMIT=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- media ingest presign cli || echo "+changes")
dpkg -s wrk >/dev/null 2>&1 || apt-get install -y -qq wrk >/dev/null
cmake -S . -B build-plain -DCMAKE_BUILD_TYPE=Release -DMEDIAGATE_TESTS=OFF -DMEDIAGATE_BENCH=OFF >/dev/null
cmake --build build-plain -j"$(nproc)" --target mediagate >/dev/null
MG=$repo/build-plain/mediagate
STACK=$(mktemp -u /tmp/mediagate-soak-stack.XXXXXX)
W=$(mktemp -d /tmp/mediagate-soak.XXXXXX)
pids=()
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  MEDIAGATE_STACK_DIR=$STACK deploy/local/down.sh >/dev/null 2>&1 || true
  if [ "$rc" = 0 ]; then rm -rf "$W"; else echo "soak.sh failed ($rc): its logs are kept in $W" >&2; fi
}
trap cleanup EXIT
trap 'echo "soak.sh: line $LINENO: $BASH_COMMAND failed" >&2' ERR
MEDIAGATE_STACK_DIR=$STACK MEDIAGATE_PORT_BASE=29000 MEDIAGATE_OSD_BACKEND=bluestore deploy/local/up.sh >/dev/null
source "$STACK/env"
export MEDIAGATE_ALLOW_PRIVATE_SOURCES=127.0.0.2/32 MEDIAGATE_QUEUE_PREFIX=soak
export MEDIAGATE_RATE_READ_PER_MIN=100000000 MEDIAGATE_RATE_WRITE_PER_MIN=100000000
export MEDIAGATE_RATE_ANON_PER_MIN=100000000 MEDIAGATE_LOG_LEVEL=warn MEDIAGATE_PART_SIZE=5242880
export MEDIAGATE_RETRY_ATTEMPTS=2 MEDIAGATE_RETRY_BASE_MS=200
"$MG" migrate >/dev/null
KEY=$("$MG" apikey create --tenant soak --scopes read,write 2>/dev/null)
# the presign load's records (objects need not exist to be presigned)
URLKEY=$("$MG" apikey create --tenant soakurl --scopes read 2>/dev/null)
psql -q "$MEDIAGATE_DATABASE_URL" -c "INSERT INTO media (id, tenant_id, status, source_url, request_sha256, bucket, object_key, content_type, size_bytes)
  SELECT gen_random_uuid(), 'soakurl', 'ready', 'https://x/' || g, 'x', '$MEDIAGATE_S3_BUCKET', 'soakurl/' || g, 'image/jpeg', 1000
  FROM generate_series(1, 10000) g"
psql -qAt "$MEDIAGATE_DATABASE_URL" -c "SELECT id FROM media WHERE tenant_id = 'soakurl'" >"$W/ids"

mkdir -p "$W/root"
fake_jpeg 20000 >"$W/root/small.jpg"
fake_png $((2 << 20)) >"$W/root/mid.png"
fake_jpeg $((12 << 20)) >"$W/root/big.jpg"
python3 tests/tools/source_server.py --bind 127.0.0.2 --port 29001 --root "$W/root" >"$W/source.log" 2>&1 &
pids+=($!)
MEDIAGATE_LISTEN=127.0.0.1:29100 MEDIAGATE_ADMIN_LISTEN=127.0.0.1:29101 "$MG" serve 2>"$W/serve.log" &
SERVE=$!; pids+=($!)
MEDIAGATE_WORKER_LISTEN=127.0.0.1:29102 "$MG" worker 2>"$W/worker0.log" & W0=$!; pids+=($!)
MEDIAGATE_WORKER_LISTEN=127.0.0.1:29103 "$MG" worker 2>"$W/worker1.log" & W1=$!; pids+=($!)
for port in 29100 29102 29103; do for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done; done
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.2/29001) 2>/dev/null && break; sleep 0.1; done
A=http://127.0.0.1:29100 S=http://127.0.0.2:29001

# the samplers' subjects: ours and the stack's daemons
declare -A PROC=([serve]=$SERVE [worker0]=$W0 [worker1]=$W1)
for d in postgres redis radosgw ceph-osd; do read -r pid _ <"$STACK/pids/$d"; PROC[$d]=$pid; done
names=(serve worker0 worker1 postgres redis radosgw ceph-osd)
sample() {
  local t=$1 n pid rss fds line
  line=$t
  for n in "${names[@]}"; do
    pid=${PROC[$n]}
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    if [ ! -d "/proc/$pid" ] && [ -z "${GONE[$n]:-}" ]; then
      GONE[$n]=$t
      echo "soak: $n (pid $pid) is gone at ${t} s" >&2
    fi
    fds=$( (ls "/proc/$pid/fd" 2>/dev/null || true) | wc -l)
    line+=",${rss:-0},$fds"
  done
  echo "$line"
}
declare -A GONE=()
header="seconds"; for n in "${names[@]}"; do header+=",${n}_rss_kb,${n}_fds"; done
echo "$header" >"$W/samples.csv"

start=$(date +%s)
WRK_IDS=$W/ids WRK_KEY=$URLKEY WRK_DELAY_MS=10 wrk -t1 -c4 -d"${SECS}s" --latency -s bench/url_paced.lua "$A/" \
  >"$W/wrk.out" 2>&1 & pids+=($!)
python3 tests/faults/load.py --api "$A" --key "$KEY" --rate 1 --seconds "$SECS" --give-up 30 \
  --tag soak --out "$W/load.out" \
  "$S/f/small.jpg" "$S/f/mid.png" "$S/f/small.jpg" "$S/chunked/mid.png" "$S/f/small.jpg" \
  "$S/drip/big.jpg?bps=4194304" "$S/f/small.jpg" "$S/status/404" "$S/f/small.jpg" "$S/html200" \
  >"$W/load.summary" 2>&1 & LOAD=$!; pids+=($!)
reads=0 deletes=0
aux=()   # the read and delete loops: stopped before the final check
(
  while :; do
    id=$(psql -qAt "$MEDIAGATE_DATABASE_URL" -c "SELECT id FROM media WHERE tenant_id = 'soak' AND status = 'ready' ORDER BY created_at DESC LIMIT 1")
    curl -s -o /dev/null -H "Authorization: Bearer $KEY" "$A/api/v1/media?size=20"
    [ -n "$id" ] && curl -s -o /dev/null -H "Authorization: Bearer $KEY" "$A/api/v1/media/$id" &&
      curl -s -o /dev/null -H "Authorization: Bearer $KEY" "$A/api/v1/media/$id/content"
    echo r >>"$W/reads"
    sleep 2
  done
) & pids+=($!); aux+=($!)
(
  while :; do
    sleep 5
    id=$(psql -qAt "$MEDIAGATE_DATABASE_URL" -c "SELECT id FROM media WHERE tenant_id = 'soak' AND status = 'ready' ORDER BY created_at LIMIT 1")
    [ -n "$id" ] && curl -s -o /dev/null -X DELETE -H "Authorization: Bearer $KEY" "$A/api/v1/media/$id" &&
      echo d >>"$W/deletes"
  done
) & pids+=($!); aux+=($!)
while [ $(($(date +%s) - start)) -lt "$SECS" ]; do
  sample $(($(date +%s) - start)) >>"$W/samples.csv"
  sleep "$EVERY"
done
wait "$LOAD" || true
sample $(($(date +%s) - start)) >>"$W/samples.csv"
for p in "${aux[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
sleep 5
invariants=$(python3 tests/faults/invariants.py --tenant soak --prefix soak --wait 120 2>&1 | tail -n 5 || true)
reads=$(wc -l <"$W/reads" 2>/dev/null || echo 0) deletes=$(wc -l <"$W/deletes" 2>/dev/null || echo 0)
counts=$(psql -qAt "$MEDIAGATE_DATABASE_URL" -c "SELECT string_agg(status || ' ' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM media WHERE tenant_id = 'soak' GROUP BY status) s")

stamp=$(date +%Y%m%d-%H%M)
mkdir -p bench/results
cp "$W/samples.csv" "bench/results/soak-$stamp.csv"
python3 - "$W/samples.csv" "$SECS" >"$W/table.md" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
secs = int(sys.argv[2])
names = [k[:-7] for k in rows[0] if k.endswith("_rss_kb")]
warm = [r for r in rows if int(r["seconds"]) >= min(300, secs // 6)]
print("| process | RSS after warm-up | RSS at end | RSS max | RSS slope after warm-up | fds after warm-up | fds at end | fds max |")
print("|---|---|---|---|---|---|---|---|")
for n in names:
    rss = [(int(r["seconds"]), int(r[n + "_rss_kb"])) for r in warm]
    fds = [int(r[n + "_fds"]) for r in warm]
    xs = [t / 60 for t, _ in rss]; ys = [v / 1024 for _, v in rss]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs) or 1
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den
    print("| %s | %.1f MiB | %.1f MiB | %.1f MiB | %+.3f MiB/min | %d | %d | %d |" % (
        n, ys[0], ys[-1], max(ys), slope, fds[0], fds[-1], max(fds)))
PY
{
  echo "# Soak $stamp"
  echo
  echo "Command: \`SOAK_SECONDS=$SECS bench/soak.sh\` (commit $COMMIT)"
  echo "Machine: $(. /etc/os-release; echo "$PRETTY_NAME"), $(nproc) vCPU $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo
  echo "Load over $SECS s: ingest $(head -n 1 "$W/load.summary");"
  echo "presign: $(awk '/requests in/ {print $1, "requests"}' "$W/wrk.out"), $(awk '/^Requests\/sec/ {print int($2), "req/s"}' "$W/wrk.out"), latency p99 $(awk '$1 == "99%" {print $2}' "$W/wrk.out"), non-2xx: $(awk '/Non-2xx/ {print $NF}' "$W/wrk.out" | grep . || echo 0);"
  echo "reads: $reads rounds (list, record, /content); deletes: $deletes."
  echo "Ingest tenant at the end: $counts."
  gone="none"; [ "${#GONE[@]}" -gt 0 ] && gone=$(for n in "${!GONE[@]}"; do printf '%s at %s s; ' "$n" "${GONE[$n]}"; done)
  echo "Processes gone during the run: $gone"
  echo
  echo "Invariant checker at the end:"
  echo
  echo '```'
  echo "$invariants"
  echo '```'
  echo
  echo "Every $EVERY s, resident memory and open descriptors (samples: \`soak-$stamp.csv\`); warm-up = the first five minutes:"
  echo
  cat "$W/table.md"
} >"bench/results/soak-$stamp.md"
cat "bench/results/soak-$stamp.md"
