#!/usr/bin/env bash
# test_scale_out.sh - the statelessness claim, proved on real parts (issue 12, item 1): the
# scaled-out service of deploy/local/replicas.sh (2 serve + 2 worker behind haproxy) on the
# test stack, bounded load, and replicas killed and rolled under it:
#   1. no affinity: a record read through either serve; a revoked key, a deleted record and a
#      spent rate budget are seen by the other replica within the documented windows;
#   2. 500 ingests through haproxy run exactly once, spread over both workers;
#   3. a serve replica killed -9 under steady load: no client request fails (haproxy retries);
#   4. a worker killed -9 during multipart transfers: every job ready exactly once, bytes
#      verified, no multipart upload left open;
#   5. a rolling restart of all four replicas (SIGTERM, the next when the last is ready again)
#      under load: no failed request, no lost or duplicated job.
# "Exactly once" is counted from the workers' logs (appended across restarts): one "ready"
# line per media id. Figures (retries, failures, times) are printed; docs/scaling.md has them.
# Ports: the stack's base + 80..182 (replicas.sh), 26085 (a dripping source on 127.0.0.2),
# 26086-26087 (two low-budget serves).
# shellcheck disable=SC1091
source "$(dirname "$0")/../integration/lib.sh"
command -v haproxy >/dev/null || { echo "SKIP: haproxy is not installed"; exit 77; }
RPORT=${MEDIAGATE_REDIS_URL##*:}; RPORT=${RPORT%%/*}
BASE=$((RPORT - 379))
export MEDIAGATE_PORT_BASE=$BASE MEDIAGATE_BIN=$MG
LB="http://127.0.0.1:$((BASE + 80))"
RS="$SRC/deploy/local/replicas.sh"
LOGS=$MEDIAGATE_STACK_DIR/log
EXIT_HOOKS+=("'$RS' stop")
# the replicas' settings: short windows so each is observable in a test
export MEDIAGATE_QUEUE_PREFIX="scale-$RUN_ID" MEDIAGATE_KEY_CACHE_S=2 MEDIAGATE_RECORD_CACHE_S=3
export MEDIAGATE_CLAIM_TIMEOUT_S=3 MEDIAGATE_SWEEP_AFTER_S=2 MEDIAGATE_PART_SIZE=5242880
export MEDIAGATE_RATE_READ_PER_MIN=10000000 MEDIAGATE_RATE_WRITE_PER_MIN=10000000
export MEDIAGATE_RATE_ANON_PER_MIN=10000000 MEDIAGATE_DRAIN_DELAY_S=3 MEDIAGATE_THREADS=2
export MEDIAGATE_WORKER_CONCURRENCY=4
"$RS" stop 2>/dev/null # a previous test's replicas run with other settings
"$RS" start 2>"$T/start.log" || { bad "replicas.sh start"; cat "$T/start.log"; finish; }
TENANT="scale$$"
KEY=$("$MG" apikey create --tenant "$TENANT" --scopes read,write 2>/dev/null)
SAMPLES="http://127.0.0.2:$((BASE + 90))"
SERVE1="http://127.0.0.1:$((BASE + 81))" SERVE2="http://127.0.0.1:$((BASE + 82))"
pidof_() { local p; read -r p _ <"$MEDIAGATE_STACK_DIR/pids/$1"; echo "$p"; }
wmetric() { curl -s "http://127.0.0.1:$((BASE + 163 + $1))/metrics" | awk -v n="$2" '$1 == n {print $2 + 0}'; }
post() { curl -s -X POST -H "Authorization: Bearer $KEY" -d "{\"source_url\":\"$1\"}" "$LB/api/v1/media"; }
code() { http_code -H "Authorization: Bearer ${2:-$KEY}" "$1"; }
# ingest N SOURCE-BASE OUT: N jobs through haproxy (8 at a time), ids to OUT
ingest() {
  $PY - "$1" "$2" "$3" "$LB" "$KEY" <<'PY'
import concurrent.futures, http.client, json, sys, urllib.parse
n, src, out, lb, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
u = urllib.parse.urlsplit(lb)
def one(i):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    body = json.dumps({"source_url": "%s%sn=%d" % (src, "&" if "?" in src else "?", i)})
    c.request("POST", "/api/v1/media", body, {"Authorization": "Bearer " + key,
              "Idempotency-Key": "%s-%d" % (out, i), "Content-Type": "application/json"})
    r = c.getresponse(); d = json.loads(r.read())
    assert r.status == 202, (r.status, d)
    return d["id"]
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    ids = list(ex.map(one, range(n)))
open(out, "w").write("\n".join(ids) + "\n")
PY
}
# settle IDS-FILE SECONDS: until every id is ready (prints how many are not)
settle() {
  local left i
  for i in $(seq 1 "$2"); do
    left=$(sql_ids "$1" "SELECT count(*) FROM media WHERE id IN (%s) AND status <> 'ready'")
    [ "$left" = 0 ] && break
    sleep 1
  done
  echo "$left"
}
sql_ids() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$(printf "$2" "$(sed "s/.*/'&'/" "$1" | paste -sd,)")"; }
# once IDS-FILE: ids with other than exactly one "ready" line in the workers' logs
once() {
  $PY - "$1" "$LOGS"/worker?.log <<'PY'
import collections, json, sys
n = collections.Counter()
for f in sys.argv[2:]:
    for line in open(f, errors="replace"):
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if str(j.get("msg", "")).startswith("ready:"):
            n[j.get("media_id")] += 1
for i in open(sys.argv[1]).read().split():
    if n[i] != 1:
        print(i, n[i])
PY
}
# GET load through haproxy: THREADS x SECONDS of /url, statuses counted to OUT
url_load() {
  $PY - "$LB" "$KEY" "$1" "$2" "$3" "$4" <<'PY' &
import http.client, sys, threading, time, urllib.parse, json
lb, key, mid, threads, secs, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
u = urllib.parse.urlsplit(lb); seen = {}; lock = threading.Lock(); end = time.time() + secs
def run():
    c = None
    while time.time() < end:
        try:
            if c is None: c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            c.request("GET", "/api/v1/media/%s/url" % mid, headers={"Authorization": "Bearer " + key})
            r = c.getresponse(); r.read(); s = str(r.status)
            if r.getheader("connection", "").lower() == "close": c.close(); c = None
        except (OSError, http.client.HTTPException) as e:
            s = type(e).__name__; c = None
        with lock: seen[s] = seen.get(s, 0) + 1
        time.sleep(0.01)
ts = [threading.Thread(target=run) for _ in range(threads)]
[t.start() for t in ts]; [t.join() for t in ts]
json.dump(seen, open(out, "w"))
PY
}
failed() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(v for k, v in d.items() if k != "200"))' "$1"; }
total() { $PY -c 'import json,sys; print(sum(json.load(open(sys.argv[1])).values()))' "$1"; }
# haproxy's retries and redispatches for the serve backend (stats CSV: wretr, wredis)
lb_retries() { curl -s "http://127.0.0.1:$((BASE + 404))/stats;csv" |
  awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) col[$i] = i} $1 == "serve" && $2 == "BACKEND" {print $col["wretr"] + 0, $col["wredis"] + 0}'; }
wait_ready() { local i; for i in $(seq 1 150); do [ "$(http_code "$1/ready")" = 200 ] && return 0; sleep 0.2; done; return 1; }
# restart NAME: whatever of the replicas is missing is started again; NAME is ready after
restart() { "$RS" start 2>>"$T/start.log"; }

# ---- 1. no affinity -------------------------------------------------------------------------
post "$SAMPLES/sunset.jpg" | json_field id >"$T/one"
[ "$(settle "$T/one" 30)" = 0 ] || bad "the first image did not become ready"
ONE=$(cat "$T/one")
eq "the record is read through serve 1" "$(code "$SERVE1/api/v1/media/$ONE/url")" 200
eq "... and through serve 2 (no affinity)" "$(code "$SERVE2/api/v1/media/$ONE/url")" 200
K2=$("$MG" apikey create --tenant "$TENANT" --scopes read 2>/dev/null)
eq "a second key works on serve 1" "$(code "$SERVE1/api/v1/media/$ONE" "$K2")" 200
eq "... and on serve 2 (both caches now hold it)" "$(code "$SERVE2/api/v1/media/$ONE" "$K2")" 200
kid=$("$MG" apikey list --tenant "$TENANT" | $PY -c 'import json,sys; k = sys.argv[1]; print([j["id"] for j in map(json.loads, sys.stdin) if k.startswith(j["prefix"])][0])' "$K2")
"$MG" apikey revoke "$kid" >/dev/null
t0=$(date +%s.%N)
for _ in $(seq 1 60); do
  [ "$(code "$SERVE1/api/v1/media/$ONE" "$K2")" = 401 ] && [ "$(code "$SERVE2/api/v1/media/$ONE" "$K2")" = 401 ] && break
  sleep 0.1
done
revoke_s=$($PY -c "import time; print(round(time.time() - $t0, 1))")
eq "a revoked key is refused by both replicas" "$(code "$SERVE1/api/v1/media/$ONE" "$K2") $(code "$SERVE2/api/v1/media/$ONE" "$K2")" "401 401"
check "... within MEDIAGATE_KEY_CACHE_S + 1 s (${revoke_s} s)" $PY -c "import sys; sys.exit(0 if $revoke_s <= 3.0 else 1)"
eq "serve 2 has the record cached" "$(code "$SERVE2/api/v1/media/$ONE/url")" 200
eq "DELETE through serve 1" "$(http_code -X DELETE -H "Authorization: Bearer $KEY" "$SERVE1/api/v1/media/$ONE")" 204
eq "... serve 1 answers 404 at once" "$(code "$SERVE1/api/v1/media/$ONE/url")" 404
t0=$(date +%s.%N)
for _ in $(seq 1 60); do [ "$(code "$SERVE2/api/v1/media/$ONE/url")" = 404 ] && break; sleep 0.1; done
del_s=$($PY -c "import time; print(round(time.time() - $t0, 1))")
eq "... serve 2 answers 404" "$(code "$SERVE2/api/v1/media/$ONE/url")" 404
check "... within MEDIAGATE_RECORD_CACHE_S + 1 s (${del_s} s)" $PY -c "import sys; sys.exit(0 if $del_s <= 4.0 else 1)"
for p in 26086 26087; do
  env MEDIAGATE_LISTEN=127.0.0.1:$p MEDIAGATE_ADMIN_LISTEN=off MEDIAGATE_RATE_READ_PER_MIN=6 \
    MEDIAGATE_RATE_LEASE_MS=0 "$MG" serve 2>>"$T/lowbudget.log" &
  BG_PIDS+=($!)
  wait_port 127.0.0.1 $p
done
codes=""
for _ in 1 2 3 4 5 6; do codes+="$(code "http://127.0.0.1:26086/api/v1/media?size=1") "; done
eq "a 6/min read budget spent through one replica" "$codes" "200 200 200 200 200 200 "
eq "... is spent for the other replica too" "$(code "http://127.0.0.1:26087/api/v1/media?size=1")" 429

# ---- 2. 500 ingests through haproxy, exactly once, over both workers -----------------------
w1=$(wmetric 1 mediagate_worker_jobs_succeeded_total) w2=$(wmetric 2 mediagate_worker_jobs_succeeded_total)
t0=$(date +%s.%N)
ingest 500 "$SAMPLES/checkers.png" "$T/five" || bad "500 ingests accepted"
left=$(settle "$T/five" 240)
secs=$($PY -c "import time; print(round(time.time() - $t0, 1))")
eq "500 ingests through haproxy all ready (${secs} s)" "$left" 0
d1=$(( $(wmetric 1 mediagate_worker_jobs_succeeded_total) - w1 )) d2=$(( $(wmetric 2 mediagate_worker_jobs_succeeded_total) - w2 ))
eq "... the workers' successes add up to 500 ($d1 + $d2)" "$((d1 + d2))" 500
check "... spread over both workers" test "$d1" -ge 50 -a "$d2" -ge 50
eq "... each job has exactly one ready line in the logs" "$(once "$T/five" | head -n 3)" ""

# ---- 3. a serve replica killed -9 under steady load ----------------------------------------
post "$SAMPLES/gradient.png" | json_field id >"$T/hot"
settle "$T/hot" 30 >/dev/null
HOT=$(cat "$T/hot")
read -r r0 rd0 <<<"$(lb_retries)"
url_load "$HOT" 4 8 "$T/kill-serve.json"
LOADP=$!
sleep 3
kill -9 "$(pidof_ serve1)"
wait "$LOADP"
read -r r1 rd1 <<<"$(lb_retries)"
echo "     serve killed -9: $(total "$T/kill-serve.json") requests, $(failed "$T/kill-serve.json") failed, haproxy retried $((r1 - r0)), redispatched $((rd1 - rd0)): $(cat "$T/kill-serve.json")"
eq "no client request failed while a serve replica died" "$(failed "$T/kill-serve.json")" 0
restart
check "the killed replica is back" wait_ready "$SERVE1"

# ---- 4. a worker killed -9 mid-transfer (multipart) while jobs flow ------------------------
mkdir -p "$T/root"
fake_jpeg $((12 << 20)) >"$T/root/big.jpg"
bg drip $PY "$SRC/tests/tools/source_server.py" --bind 127.0.0.2 --port 26085 --root "$T/root"
wait_port 127.0.0.2 26085
ingest 8 "http://127.0.0.2:26085/drip/big.jpg?bps=4194304" "$T/big" || bad "multipart jobs accepted"
ingest 40 "$SAMPLES/sunset.jpg" "$T/small" || bad "small jobs accepted"
for _ in $(seq 1 100); do [ "$(wmetric 1 mediagate_worker_inflight)" -ge 1 ] && break; sleep 0.1; done
inflight=$(wmetric 1 mediagate_worker_inflight)
sleep 1 # parts are on their way
kill -9 "$(pidof_ worker1)"
check "worker 1 was killed with $inflight transfer(s) running" test "$inflight" -ge 1
restart
cat "$T/big" "$T/small" >"$T/flow"
eq "after kill -9 every job is ready" "$(settle "$T/flow" 180)" 0
eq "... exactly once (one ready line each)" "$(once "$T/flow" | head -n 3)" ""
$PY "$SRC/tests/faults/invariants.py" --tenant "$TENANT" --prefix "$MEDIAGATE_QUEUE_PREFIX" --wait 60 >"$T/inv4" 2>&1
eq "... bytes verified, no multipart upload left open" "$?" 0
sed 's/^/     /' "$T/inv4" | tail -n 3

# ---- 5. rolling restart of every replica under load ----------------------------------------
url_load "$HOT" 3 60 "$T/roll.json"
LOADP=$!
ROLL="roll$$"
KEY5=$("$MG" apikey create --tenant "$ROLL" --scopes read,write 2>/dev/null)
$PY "$SRC/tests/faults/load.py" --api "$LB" --key "$KEY5" --rate 2 --seconds 40 --give-up 60 \
  --tag "roll-$RUN_ID" --out "$T/roll-accepted" "$SAMPLES/sunset.jpg" "$SAMPLES/checkers.png" >"$T/roll-load.out" 2>&1 &
INGESTP=$!
read -r r0 rd0 <<<"$(lb_retries)"
t0=$(date +%s)
for name in serve1 serve2 worker1 worker2; do
  pid=$(pidof_ "$name")
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  restart
  case $name in
    serve1) wait_ready "$SERVE1" ;; serve2) wait_ready "$SERVE2" ;;
    worker1) wait_ready "http://127.0.0.1:$((BASE + 164))" ;; worker2) wait_ready "http://127.0.0.1:$((BASE + 165))" ;;
  esac || bad "$name did not come back"
  sleep 3 # haproxy's health check (rise 2 x 1 s) takes a serve back before the next goes
done
roll_s=$(( $(date +%s) - t0 ))
wait "$INGESTP"; wait "$LOADP"
read -r r1 rd1 <<<"$(lb_retries)"
echo "     rolling restart (${roll_s} s): $(total "$T/roll.json") requests, $(failed "$T/roll.json") failed, haproxy retried $((r1 - r0)): $(cat "$T/roll.json"); ingest: $(tail -n 1 "$T/roll-load.out")"
eq "no failed request during the rolling restart" "$(failed "$T/roll.json")" 0
awk '$2 != "-" {print $2}' "$T/roll-accepted" >"$T/roll-ids"
eq "every ingest request during it was accepted" "$(grep -c . "$T/roll-ids")" "$(grep -c . "$T/roll-accepted")"
eq "... and each job ready" "$(settle "$T/roll-ids" 120)" 0
eq "... exactly once" "$(once "$T/roll-ids" | head -n 3)" ""
$PY "$SRC/tests/faults/invariants.py" --tenant "$ROLL" --prefix "$MEDIAGATE_QUEUE_PREFIX" --wait 60 \
  --accepted "$T/roll-accepted" >"$T/inv5" 2>&1
eq "nothing lost or duplicated (invariants)" "$?" 0
sed 's/^/     /' "$T/inv5" | tail -n 3
finish
