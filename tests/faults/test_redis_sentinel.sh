#!/usr/bin/env bash
# test_redis_sentinel.sh - Redis high availability (issue 12): a primary, a replica and three
# Debian redis-sentinel processes on loopback; serve and two workers find the master through
# the sentinels. The primary is killed -9 while jobs are being accepted and processed; after
# the failover every accepted job ends ready exactly once (jobs the asynchronous replication
# lost are republished from the catalog, the outbox), rate limiting failed open during the
# switch and limits again after it, and nothing was written to a replica.
# Ports: Redis 26090 (primary), 26091 (replica), sentinels 26092-26094, a second serve 26095.
# shellcheck disable=SC1091
source "$(dirname "$0")/common.sh"
command -v redis-sentinel >/dev/null || { bad "redis-sentinel is not installed (deploy/local/deps.sh)"; finish; }
P=26090 R=26091 SENT=(26092 26093 26094) MASTER=mgha

redis_node() { # redis_node PORT [replicaof-port]
  mkdir -p "$T/r$1"
  local extra=()
  [ -n "${2:-}" ] && extra=(--replicaof 127.0.0.1 "$2")
  bg "redis$1" redis-server --port "$1" --bind 127.0.0.1 --dir "$T/r$1" --save "" \
    --appendonly yes --appendfsync everysec "${extra[@]}"
  wait_port 127.0.0.1 "$1"
}
redis_node $P
redis_node $R $P
PRIMARY_PID=${BG_PIDS[-2]}
for s in "${SENT[@]}"; do
  mkdir -p "$T/s$s"
  cat >"$T/s$s/sentinel.conf" <<EOF
port $s
bind 127.0.0.1
dir $T/s$s
sentinel monitor $MASTER 127.0.0.1 $P 2
sentinel down-after-milliseconds $MASTER 1000
sentinel failover-timeout $MASTER 5000
sentinel parallel-syncs $MASTER 1
EOF
  bg "sentinel$s" redis-sentinel "$T/s$s/sentinel.conf"
  wait_port 127.0.0.1 "$s"
done
rcli() { redis-cli -p "$1" "${@:2}" 2>/dev/null; }
added() { rcli "$1" XINFO STREAM "$MEDIAGATE_QUEUE_PREFIX:jobs" | awk 'p {print; exit} /^entries-added$/ {p = 1}'; }
# the sentinels know the replica and each other before anything depends on them
for _ in $(seq 1 100); do
  n=$(rcli "${SENT[0]}" SENTINEL replicas $MASTER | grep -c '^slave$\|^ip$' || true)
  o=$(rcli "${SENT[0]}" SENTINEL sentinels $MASTER | grep -c '^ip$' || true)
  [ "$(rcli $R ROLE | head -n 1)" = slave ] && [ "$n" -ge 1 ] && [ "$o" -ge 2 ] && break
  sleep 0.2
done
check "replica and three sentinels see each other" test "${o:-0}" -ge 2

export MEDIAGATE_REDIS_SENTINELS="127.0.0.1:${SENT[0]},127.0.0.1:${SENT[1]},127.0.0.1:${SENT[2]}"
export MEDIAGATE_REDIS_MASTER=$MASTER
unset MEDIAGATE_REDIS_URL
start_serve
start_worker 0
start_worker 1
KEY=$(tenant "ha-$RUN_ID")
PROBE=$(tenant "haprobe-$RUN_ID")
admin() { curl -s "http://127.0.0.1:$((API_PORT + 1000))/metrics" | awk -v n="$1" '$1 == n {print $2}'; }
wmetric() { curl -s "http://127.0.0.1:$((26062 + $1))/metrics" | awk -v n="$2" '$1 == n {s += $2} END {print s + 0}'; }

# load: 4 jobs a second for 16 s; the primary dies 5 s in
load "$KEY" 16 4 "$T/accepted" "${GOOD[@]:0:2}" >"$T/load.out" 2>&1 &
LOAD=$!
sleep 5
check "jobs reach the master the sentinels name" test "$(added $P)" -ge 1
kill -9 "$PRIMARY_PID"
killed_at=$(date +%s.%N)
# during the switch: a fresh key's first requests need Redis for its rate budget
probe_codes=""
for id in 1 2 3; do
  probe_codes+="$(http_code -H "Authorization: Bearer $PROBE" "$API/api/v1/media?size=1") "
done
for _ in $(seq 1 150); do
  [ "$(rcli "${SENT[1]}" SENTINEL get-master-addr-by-name $MASTER | tail -n 1)" = "$R" ] && break
  sleep 0.1
done
failover_s=$(python3 -c "import time; print(round(time.time() - $killed_at, 1))")
eq "the sentinels promoted the replica" "$(rcli "${SENT[1]}" SENTINEL get-master-addr-by-name $MASTER | tail -n 1)" "$R"
echo "     failover took ${failover_s} s after kill -9"
eq "rate limiting fails open during the switch (no 429/503)" "$probe_codes" "200 200 200 "
wait "$LOAD"
cat "$T/load.out" | sed 's/^/     /'
accepted=$(awk '$2 != "-"' "$T/accepted" | wc -l)
check "jobs were accepted before, during and after the switch ($accepted)" test "$accepted" -ge 50

# the checker reads the dead letters from the new master
MEDIAGATE_REDIS_URL="redis://127.0.0.1:$R/0" invariants \
  "every accepted job ready, bytes verified, nothing lost or left open" "ha-$RUN_ID" \
  --wait 120 --accepted "$T/accepted" --ready '.'
ready=$(sql "SELECT count(*) FROM media WHERE tenant_id = 'ha-$RUN_ID' AND status = 'ready'")
succeeded=$(( $(wmetric 0 mediagate_worker_jobs_succeeded_total) + $(wmetric 1 mediagate_worker_jobs_succeeded_total) ))
eq "each job ran to effect exactly once (workers' successes = ready rows)" "$succeeded" "$ready"
swept=$(( $(wmetric 0 mediagate_worker_outbox_swept_total) + $(wmetric 1 mediagate_worker_outbox_swept_total) ))
echo "     outbox sweeper republished $swept job(s) after the failover"

# after the switch: Redis is the new master's; the limiter limits again
eq "the promoted replica is the master" "$(rcli $R ROLE | head -n 1)" master
check "serve is ready again" test "$(http_code "$API/ready")" = 200
unavailable=$(admin mediagate_rate_limiter_unavailable_total)
check "the limiter counted requests let through while Redis was away (${unavailable:-0})" test "${unavailable:-0}" -ge 1
env MEDIAGATE_LISTEN=127.0.0.1:26095 MEDIAGATE_ADMIN_LISTEN=off MEDIAGATE_RATE_READ_PER_MIN=3 \
  MEDIAGATE_RATE_LEASE_MS=0 "$MG" serve 2>>"$T/serve2.log" &
BG_PIDS+=($!)
wait_port 127.0.0.1 26095
codes=""
for _ in 1 2 3 4 5; do
  codes+="$(http_code -H "Authorization: Bearer $PROBE" "http://127.0.0.1:26095/api/v1/media?size=1") "
done
contains "rate limits hold again on the new master" "$codes" "429"
check "the budget lives on the new master" test "$(rcli $R --scan --pattern "$MEDIAGATE_QUEUE_PREFIX:jobs:rl:*" | grep -c .)" -ge 1

# the old primary comes back: the sentinels make it a replica, and it gets no writes from us
redis_node $P
for _ in $(seq 1 100); do [ "$(rcli $P ROLE | head -n 1)" = slave ] && break; sleep 0.2; done
eq "the old primary rejoined as a replica" "$(rcli $P ROLE | head -n 1)" slave
before=$(added $R)
load "$KEY" 3 4 "$T/accepted2" "${GOOD[0]}" >/dev/null 2>&1
after=$(added $R)
check "jobs after the rejoin go to the master (stream entries added $before -> $after)" test "$after" -gt "$before"
MEDIAGATE_REDIS_URL="redis://127.0.0.1:$R/0" invariants "... and they end ready too" "ha-$RUN_ID" --wait 60 --ready '.'
finish
