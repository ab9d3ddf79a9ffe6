#!/usr/bin/env bash
# frontend_bench.sh - GET /api/v1/media/{id}/url with wrk over 10,000 ids against the real
# catalog, side by side in one run with (a) Debian's h2o serving a small static file (the
# ceiling for an h2o front end here) and (b) FastAPI + uvicorn + boto3 answering the same
# route (bench/fastapi_url.py). Starts its own stack (ports 28xxx) and stops it.
# The server gets one core (MEDIAGATE_THREADS=1), wrk the other (-t1).
set -Eeuo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
source bench/lib.sh # bench_cpu_ticks
for p in h2o wrk time python3-fastapi uvicorn python3-psycopg2; do
  dpkg -s "$p" >/dev/null 2>&1 || apt-get install -y -qq "$p" >/dev/null
done
cmake -S . -B build-plain -DCMAKE_BUILD_TYPE=Release -DMEDIAGATE_TESTS=OFF -DMEDIAGATE_BENCH=OFF >/dev/null
cmake --build build-plain -j"$(nproc)" --target mediagate >/dev/null
MG=$repo/build-plain/mediagate
STACK=$(mktemp -u /tmp/mediagate-fbench-stack.XXXXXX)
W=$(mktemp -d /tmp/mediagate-fbench.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; MEDIAGATE_STACK_DIR=$STACK deploy/local/down.sh 2>/dev/null' EXIT
MEDIAGATE_STACK_DIR=$STACK MEDIAGATE_PORT_BASE=28000 deploy/local/up.sh >/dev/null
source "$STACK/env"
"$MG" migrate >/dev/null
KEY=$("$MG" apikey create --tenant bench --scopes read 2>/dev/null)
psql -q "$MEDIAGATE_DATABASE_URL" -c "INSERT INTO media (id, tenant_id, status, source_url, request_sha256, bucket, object_key, content_type, size_bytes)
  SELECT gen_random_uuid(), 'bench', 'ready', 'https://x/' || g, 'x', '$MEDIAGATE_S3_BUCKET', 'bench/' || g, 'image/jpeg', 1000
  FROM generate_series(1, 10000) g; ANALYZE media;"
psql -qAt "$MEDIAGATE_DATABASE_URL" -c "SELECT id FROM media WHERE tenant_id = 'bench'" >"$W/ids"
export WRK_IDS=$W/ids WRK_KEY=$KEY

chmod 755 "$W"; mkdir -p "$W/www"; head -c 200 /dev/urandom | base64 >"$W/www/small.json"; chmod -R a+rX "$W/www"
cat >"$W/h2o.conf" <<CONF
listen: {host: 127.0.0.1, port: 28101}
num-threads: 1
hosts: {default: {paths: {/: {file.dir: $W/www}}}}
access-log: /dev/null
error-log: $W/h2o-error.log
CONF
declare -A spid
h2o -c "$W/h2o.conf" >"$W/h2o.log" 2>&1 & pids+=($!); spid[h2o-static]=$!
MEDIAGATE_LISTEN=127.0.0.1:28100 MEDIAGATE_THREADS=1 MEDIAGATE_BACKEND_THREADS=4 \
  MEDIAGATE_RATE_READ_PER_MIN=100000000 MEDIAGATE_LOG_LEVEL=warn "$MG" serve 2>"$W/serve.log" & pids+=($!); spid[mediagate]=$!
(cd bench && MEDIAGATE_S3_PUBLIC_ENDPOINT=$MEDIAGATE_S3_ENDPOINT exec uvicorn --workers 1 --host 127.0.0.1 --port 28102 \
  --log-level warning fastapi_url:app >"$W/fastapi.log" 2>&1) & pids+=($!); spid[fastapi]=$!
for port in 28100 28101 28102; do for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done; done
one_id=$(head -n 1 "$W/ids")
curl -sf -o /dev/null -H "Authorization: Bearer $KEY" "http://127.0.0.1:28100/api/v1/media/$one_id/url"
curl -sf -o /dev/null -H "Authorization: Bearer $KEY" "http://127.0.0.1:28102/api/v1/media/$one_id/url" || { sleep 2; curl -sS -H "Authorization: Bearer $KEY" "http://127.0.0.1:28102/api/v1/media/$one_id/url"; cat "$W/fastapi.log"; exit 1; }

declare -A rps p50 p99 cpu_us deps_us wrk_cpu
# (pids/<name> holds "PID STARTTIME", deploy/local/up.sh)
deps() { local pg r; read -r pg _ <"$STACK/pids/postgres"; read -r r _ <"$STACK/pids/redis"; echo "$pg $r"; }
hz=$(getconf CLK_TCK)
# Besides requests/s, each run records the server's CPU per request (its process and
# threads), that of PostgreSQL + Redis, and wrk's CPU: when wrk uses its whole core the
# client, not the server, set the pace, and CPU per request is the fairer comparison.
bench() { # bench NAME CONNS URL [script]
  local name=$1 c=$2 url=$3; shift 3
  local s0 d0 s1 d1 n
  s0=$(bench_cpu_ticks "${spid[$name]}"); d0=$(bench_cpu_ticks $(deps))
  /usr/bin/time -f "%U %S" -o "$W/$name.$c.time" taskset -c 1 wrk -t1 -c"$c" -d10s --latency "$@" "$url" >"$W/$name.$c.out" 2>&1
  s1=$(bench_cpu_ticks "${spid[$name]}"); d1=$(bench_cpu_ticks $(deps))
  n=$(awk '/requests in/ {print $1}' "$W/$name.$c.out")
  rps[$name:$c]=$(awk '/^Requests\/sec/ {print int($2)}' "$W/$name.$c.out")
  p50[$name:$c]=$(awk '$1 == "50%" {print $2}' "$W/$name.$c.out")
  p99[$name:$c]=$(awk '$1 == "99%" {print $2}' "$W/$name.$c.out")
  cpu_us[$name:$c]=$(awk -v t=$((s1 - s0)) -v n="$n" -v hz="$hz" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')
  deps_us[$name:$c]=$(awk -v t=$((d1 - d0)) -v n="$n" -v hz="$hz" 'BEGIN {printf "%.2f", t * 1e6 / hz / n}')
  wrk_cpu[$name:$c]=$(awk '{printf "%.0f%%", ($1 + $2) * 10}' "$W/$name.$c.time")
  echo "$name c=$c: ${rps[$name:$c]} req/s, p50 ${p50[$name:$c]}, p99 ${p99[$name:$c]}; server ${cpu_us[$name:$c]} us/req, PostgreSQL+Redis ${deps_us[$name:$c]} us/req; wrk ${wrk_cpu[$name:$c]} of its core" >&2
}
# warm-up: every id requested once (fills mediagate's record cache; FastAPI's connection pool)
for port in 28100 28102; do
  taskset -c 1 wrk -t1 -c8 -d4s -s bench/url.lua "http://127.0.0.1:$port/" >/dev/null 2>&1
done
for c in 64 8; do
  bench h2o-static $c http://127.0.0.1:28101/small.json
  bench mediagate $c http://127.0.0.1:28100/ -s bench/url.lua
  bench fastapi $c http://127.0.0.1:28102/ -s bench/url.lua
done
# p99 at 80% of mediagate's peak: 32 connections, each pausing between requests (bench/
# url_paced.lua); the pause is calibrated in two short runs so the offered rate is the target
peak=$(( ${rps[mediagate:64]} > ${rps[mediagate:8]} ? ${rps[mediagate:64]} : ${rps[mediagate:8]} ))
target=$(( peak * 8 / 10 ))
paced() { # paced DELAY_MS SECONDS: writes $W/paced.out
  WRK_DELAY_MS=$1 taskset -c 1 wrk -t1 -c32 -d"$2"s --latency -s bench/url_paced.lua \
    http://127.0.0.1:28100/ >"$W/paced.out" 2>&1
  awk '/^Requests\/sec/ {print int($2)}' "$W/paced.out"
}
delay=$(awk -v t="$target" 'BEGIN {printf "%.3f", 32000 / t}')
for _ in 1 2 3; do
  got=$(paced "$delay" 3)
  # per connection a cycle is pause + latency: keep the latency, fix the pause
  delay=$(awk -v t="$target" -v g="$got" -v d="$delay" 'BEGIN {l = 32000 / g - d; d = 32000 / t - l; printf "%.3f", d < 0 ? 0 : d}')
done
paced_rps=$(paced "$delay" 10)
paced_p50=$(awk '$1 == "50%" {print $2}' "$W/paced.out")
paced_p99=$(awk '$1 == "99%" {print $2}' "$W/paced.out")
echo "mediagate paced at 80% of $peak: $paced_rps req/s, p50 $paced_p50, p99 $paced_p99" >&2
out="bench/results/frontend-$(date -u +%Y%m%d-%H%M).md"
mkdir -p bench/results
{
  echo "## front-end benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) vCPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), Debian $(cat /etc/debian_version). wrk -t1 pinned to core 1; the servers (one event loop or worker each), PostgreSQL and Redis unpinned on the same two cores; 10 s per run."
  echo "Command: \`bench/frontend_bench.sh\`. Route: \`GET /api/v1/media/{id}/url\`, random ids of 10,000, after a 4 s warm-up per server (mediagate's record cache holds them all; MEDIAGATE_RECORD_CACHE_S=30, rate limit on with local leases, access log off: MEDIAGATE_LOG_LEVEL=warn)."
  echo
  echo "| server | c=64 req/s | c=64 p50 | c=64 p99 | c=64 server CPU/req | c=64 PostgreSQL+Redis CPU/req | c=64 wrk CPU | c=8 req/s | c=8 p50 | c=8 p99 |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for n in h2o-static mediagate fastapi; do
    echo "| $n | ${rps[$n:64]} | ${p50[$n:64]} | ${p99[$n:64]} | ${cpu_us[$n:64]} us | ${deps_us[$n:64]} us | ${wrk_cpu[$n:64]} | ${rps[$n:8]} | ${p50[$n:8]} | ${p99[$n:8]} |"
  done
  echo
  echo "Paced: 32 connections offering 80% of mediagate's peak ($target of $peak req/s; pause $delay ms per request): $paced_rps req/s served ($(awk -v a="$paced_rps" -v b="$peak" 'BEGIN {printf "%.0f%%", 100 * a / b}') of peak), p50 $paced_p50, p99 $paced_p99."
  echo
  echo "mediagate: $(awk -v a="${rps[mediagate:64]}" -v b="${rps[h2o-static:64]}" 'BEGIN {printf "%.0f%%", 100 * a / b}') of the static-file ceiling's requests/s and $(awk -v a="${cpu_us[mediagate:64]}" -v d="${deps_us[mediagate:64]}" -v b="${cpu_us[h2o-static:64]}" 'BEGIN {printf "%.0f%%", 100 * b / (a + d)}') of its requests per CPU-second (serve + PostgreSQL + Redis against h2o), $(awk -v a="${rps[mediagate:64]}" -v b="${rps[fastapi:64]}" 'BEGIN {printf "%.1fx", a / b}') FastAPI's requests/s (c=64)."
} | tee "$out"
