#!/usr/bin/env bash
# The queue worker against the stack's Redis, PostgreSQL and Ceph RGW, with a loopback
# source: at-least-once delivery with effect exactly once, reclaim after kill -9, retries,
# dead letters and replay, the outbox across a Redis outage, AOF, the S3 breaker, SIGTERM.
# Runs in a queue prefix and tenant of its own; stops Redis and radosgw of the test stack
# for the fault cases (and always restarts them).
source "$(dirname "$0")/lib.sh"
SP=26004 SRCH=127.0.0.2 BADH=127.0.0.3
S="http://$SRCH:$SP"
BAD="http://$BADH:$SP"      # a second source host that only ever answers 503
STACK=$MEDIAGATE_STACK_DIR
SVC="$SRC/deploy/local/service.sh"
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32,$BADH/32"
export MEDIAGATE_QUEUE_PREFIX="mgtest-$RUN_ID"
export MEDIAGATE_RETRY_BASE_MS=200 MEDIAGATE_RETRY_CAP_MS=1000 MEDIAGATE_RETRY_ATTEMPTS=3
export MEDIAGATE_CLAIM_TIMEOUT_S=4 MEDIAGATE_SWEEP_AFTER_S=2
export MEDIAGATE_BREAKER_FAILURES=2 MEDIAGATE_BREAKER_COOLDOWN_MS=1500
TEN="wt$$"
EXIT_HOOKS+=("'$SVC' start redis" "'$SVC' start radosgw")
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
RPORT=${MEDIAGATE_REDIS_URL##*:}; RPORT=${RPORT%%/*}
DLQ="$MEDIAGATE_QUEUE_PREFIX:dlq"
# a dead letter from 2001, far past the retention: the next dead letter must trim it
redis-cli -p "$RPORT" XADD "$DLQ" 1000000000000-0 media_id old tenant x url http://x attempt 1 \
  request_id r error_class permanent error old http_status 0 worker w failed_at 1000000000000 >/dev/null
sql() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$1"; }
mkdir -p "$T/root"
for i in $(seq 1 200); do fake_jpeg 20000 >"$T/root/s$i.jpg"; done
fake_jpeg $((24 << 20)) >"$T/root/big.jpg"
cp "$T/root/s1.jpg" "$T/root/fixme.jpg"
bg source $PY "$SRC/tests/tools/source_server.py" --bind $SRCH --port $SP --root "$T/root"
bg badsource $PY "$SRC/tests/tools/source_server.py" --bind $BADH --port $SP --root "$T/root"
wait_port $SRCH $SP && wait_port $BADH $SP || { bad "sources did not start"; finish; }

WPIDS=()
start_worker() { # start_worker NAME PORT [env...]
  local name=$1 port=$2; shift 2
  env MEDIAGATE_WORKER_LISTEN=127.0.0.1:$port "$@" "$MG" worker 2>"$T/$name.log" &
  WPIDS+=($!); BG_PIDS+=($!)
  wait_port 127.0.0.1 "$port"
}
enqueue() { "$MG" enqueue --tenant "$TEN" "$@" | json_field id; }
status_of() { sql "SELECT status || ' ' || attempts FROM media WHERE id = '$1'"; }
wait_for() { # wait_for SECONDS CMD...: until the command succeeds
  local t=$1; shift
  for _ in $(seq 1 $((t * 5))); do "$@" && return 0; sleep 0.2; done; return 1
}
count_ready() { sql "SELECT count(*) FROM media WHERE tenant_id = '$TEN' AND status = 'ready'"; }

# ---- 200 jobs, two workers, one killed -9 in the middle of a large multipart transfer ----
big=$(enqueue "$S/drip/big.jpg?bps=4194304")     # chunked, 4 MiB/s: multipart, ~6 s
start_worker w1 26011 MEDIAGATE_WORKER_CONCURRENCY=1
w1=${WPIDS[-1]}
wait_for 10 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$big'\")\" = fetching ]"
eq "worker 1 took the large job" "$(status_of "$big")" "fetching 1"
key=$(sql "SELECT object_key FROM media WHERE id = '$big'")
wait_for 15 bash -c "[ \"\$($AWS --endpoint-url $MEDIAGATE_S3_ENDPOINT s3api list-multipart-uploads --bucket $MEDIAGATE_S3_BUCKET --prefix '$key' --query 'length(Uploads || \`[]\`)')\" = 1 ]"
sleep 2.5   # a part or two is in
kill -KILL "$w1"; wait "$w1" 2>/dev/null
ok "worker 1 killed -9 mid-transfer"
ids=()
for i in $(seq 1 200); do ids+=("$(enqueue "$S/f/s$i.jpg")"); done
start_worker w2 26012 MEDIAGATE_WORKER_CONCURRENCY=4
start_worker w3 26013 MEDIAGATE_WORKER_CONCURRENCY=4
wait_for 120 bash -c "[ \$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT count(*) FROM media WHERE tenant_id = '$TEN' AND status = 'ready'\") -ge 201 ]"
eq "all 201 jobs ready" "$(count_ready)" 201
eq "exactly one row per job (no duplicates)" "$(sql "SELECT count(*) FROM media WHERE tenant_id = '$TEN'")" 201
if grep -q "storage failed" "$T/w1.log"; then
  # worker 1 met a transient S3 failure before the kill: it released the job (attempt not
  # counted) and handed it back, so another worker finished it on one counted attempt
  eq "the job worker 1 released before dying was finished by another worker" "$(status_of "$big")" "ready 1"
else
  eq "the killed job was reclaimed and finished on its second attempt" "$(status_of "$big")" "ready 2"
fi
eq "its SHA-256 matches the source" "$(sql "SELECT sha256 FROM media WHERE id = '$big'")" "$(sha256sum "$T/root/big.jpg" | cut -d' ' -f1)"
eq "no multipart upload left behind (the dead attempt's was aborted)" \
  "$(aws_s3 s3api list-multipart-uploads --bucket "$MEDIAGATE_S3_BUCKET" --prefix "$key" --query 'length(Uploads || `[]`)')" 0
eq "every small job took one attempt" "$(sql "SELECT count(*) FROM media WHERE tenant_id = '$TEN' AND attempts <> 1 AND id <> '$big'")" 0
m=$(curl -s 127.0.0.1:26012/metrics; curl -s 127.0.0.1:26013/metrics)
contains "metrics: jobs counted" "$m" "mediagate_worker_jobs_succeeded_total"
contains "metrics: transfer histogram" "$m" 'mediagate_worker_transfer_duration_seconds_bucket{le="+Inf"}'
contains "metrics: breaker state" "$m" 'mediagate_breaker_state{breaker="s3"} 0'
eq "/health answers" "$(curl -s -o /dev/null -w '%{http_code}' 127.0.0.1:26012/health)" 200
eq "/ready answers 200" "$(curl -s -o /dev/null -w '%{http_code}' 127.0.0.1:26012/ready)" 200
grep -q "\"request_id\":\"cli-" "$T/w2.log"; eq "job log lines carry the request id" "$?" 0

# ---- transient twice, then success: attempts = 3 ----
flaky=$(enqueue "$S/flaky/s1.jpg?fail=2&key=f-$RUN_ID")
wait_for 20 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$flaky'\")\" = ready ]"
eq "a source failing twice ends ready on attempt 3" "$(status_of "$flaky")" "ready 3"

# ---- always failing: dead letter, failed; fixed, replayed: ready ----
touch "$T/root/fixme.jpg.broken"
dead=$(enqueue "$S/toggle/fixme.jpg")
wait_for 20 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$dead'\")\" = failed ]"
eq "always-failing source ends failed after 3 attempts" "$(status_of "$dead")" "failed 3"
dl=$("$MG" dlq list | grep "$dead")
contains "it is in the dead-letter stream" "$dl" "\"media_id\":\"$dead\""
contains "with its error class and status" "$dl" '"error_class":"transient","error":"source answered HTTP 503","http_status":503'
contains "and the worker that gave up" "$dl" '"worker":"'
dlid=$(printf '%s' "$dl" | json_field id)
eq "dead letters older than the retention were trimmed" "$(redis-cli -p "$RPORT" XRANGE "$DLQ" - 1000000000000-0 | grep -c 1000000000000-0)" 0
contains "dlq show finds it" "$("$MG" dlq show "$dlid")" "$dead"
rm "$T/root/fixme.jpg.broken"
eq "dlq replay" "$("$MG" dlq replay "$dlid")" '{"replayed":1}'
wait_for 20 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$dead'\")\" = ready ]"
eq "replayed job succeeds once the source is fixed" "$(status_of "$dead")" "ready 1"
eq "the dead letter is gone after replay" "$("$MG" dlq list | grep -c "$dead")" 0

# ---- dlq replay --all, purge ----
touch "$T/root/fixme.jpg.broken"
dd1=$(enqueue "$S/toggle/fixme.jpg?all=1"); dd2=$(enqueue "$S/toggle/fixme.jpg?all=2")
for id in "$dd1" "$dd2"; do
  wait_for 20 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$id'\")\" = failed ]"
done
rm "$T/root/fixme.jpg.broken"
eq "dlq replay --all replays both" "$("$MG" dlq replay --all)" '{"replayed":2}'
for id in "$dd1" "$dd2"; do
  wait_for 20 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$id'\")\" = ready ]"
  eq "... and each ends ready" "$(status_of "$id")" "ready 1"
done
touch "$T/root/fixme.jpg.broken"
dd3=$(enqueue "$S/toggle/fixme.jpg?purge=1")
wait_for 20 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$dd3'\")\" = failed ]"
rm "$T/root/fixme.jpg.broken"
eq "dlq purge --older-than 1d keeps a young entry" "$("$MG" dlq purge --older-than 1d)" '{"purged":0}'
"$MG" dlq list >"$T/dlq.before-purge"
purged=$("$MG" dlq purge)
eq "dlq purge removes the rest" "$purged" '{"purged":1}'
[ "$purged" = '{"purged":1}' ] || cat "$T/dlq.before-purge"
eq "the dead letters are empty" "$("$MG" dlq list)" ""

# ---- Redis stopped while enqueueing: accepted anyway, completed by the outbox sweeper ----
"$SVC" stop redis
out=()
for i in 1 2 3 4 5; do
  id=$("$MG" enqueue --tenant "$TEN" "$S/f/s$i.jpg?outage=$i" 2>>"$T/enq.err" | json_field id)
  [ -n "$id" ] && out+=("$id")
done
eq "5 jobs accepted while Redis was down" "${#out[@]}" 5
contains "enqueue said the sweeper will enqueue them" "$(cat "$T/enq.err")" "outbox sweeper"
"$SVC" start redis
for id in "${out[@]}"; do
  wait_for 30 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$id'\")\" = ready ]"
  eq "accepted during the outage, then ready" "$(status_of "$id" | cut -d' ' -f1)" ready
done

# ---- jobs survive a Redis restart (AOF) ----
for p in "${WPIDS[@]:1}"; do kill -TERM "$p"; wait "$p" 2>/dev/null; done
WPIDS=()
aof=()
for i in 1 2 3; do aof+=("$(enqueue "$S/f/s$i.jpg?aof=$i")"); done
sleep 1.2   # appendfsync everysec
"$SVC" stop redis; "$SVC" start redis
# (right after a restart redis-cli may answer "LOADING" until the AOF is read back)
wait_for 10 bash -c "[ \"\$(redis-cli -p $RPORT XLEN '$MEDIAGATE_QUEUE_PREFIX:jobs' 2>/dev/null)\" -ge 3 ] 2>/dev/null"
eq "the stream still holds the jobs after the restart" \
  "$(redis-cli -p "$RPORT" XLEN "$MEDIAGATE_QUEUE_PREFIX:jobs" 2>/dev/null | awk '{print ($1 >= 3)}')" 1
start_worker w4 26014 MEDIAGATE_WORKER_CONCURRENCY=2 MEDIAGATE_SWEEP_AFTER_S=3600
for id in "${aof[@]}"; do
  wait_for 20 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$id'\")\" = ready ]"
  eq "job enqueued before the Redis restart completes (from the stream, not the sweeper)" "$(status_of "$id")" "ready 1"
done

# ---- S3 stopped: the breaker opens, no attempts are burned, work resumes ----
"$SVC" stop radosgw
s3ids=()
for i in 1 2 3; do s3ids+=("$(enqueue "$S/f/s$i.jpg?s3down=$i")"); done
wait_for 20 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' 127.0.0.1:26014/ready)\" = 503 ]"
contains "/ready turns 503 with the S3 breaker open" "$(curl -s 127.0.0.1:26014/ready)" '"s3":"breaker_open"'
sleep 3
eq "no job failed while S3 was down" "$(sql "SELECT count(*) FROM media WHERE id IN ('${s3ids[0]}','${s3ids[1]}','${s3ids[2]}') AND status = 'failed'")" 0
"$SVC" start radosgw
for id in "${s3ids[@]}"; do
  wait_for 30 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$id'\")\" = ready ]"
  eq "job ready after S3 returned, with no attempt burned" "$(status_of "$id")" "ready 1"
done

# ---- SIGTERM: drain within the grace period; past it, hand back cleanly ----
slow=$(enqueue "$S/drip/s2.jpg?bps=5000")        # ~4 s
wait_for 10 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$slow'\")\" = fetching ]"
w4=${WPIDS[-1]}
kill -TERM "$w4"; wait "$w4"; rc=$?
eq "SIGTERM with a long grace: exit 0" "$rc" 0
eq "the in-flight job drained to ready" "$(status_of "$slow")" "ready 1"
slow2=$(enqueue "$S/drip/s3.jpg?bps=2000")       # ~10 s
start_worker w5 26015 MEDIAGATE_WORKER_CONCURRENCY=1 MEDIAGATE_SHUTDOWN_GRACE_S=1
w5=${WPIDS[-1]}
wait_for 10 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$slow2'\")\" = fetching ]"
t0=$SECONDS; kill -TERM "$w5"; wait "$w5"; rc=$?
eq "SIGTERM past the grace: exit 0" "$rc" 0
[ $((SECONDS - t0)) -le 5 ]; eq "... within the grace period plus the abort" "$?" 0
eq "the cut transfer is handed back: row queued, attempt not counted" "$(status_of "$slow2")" "queued 0"
key2=$(sql "SELECT object_key FROM media WHERE id = '$slow2'")
aws_s3 s3api head-object --bucket "$MEDIAGATE_S3_BUCKET" --key "$key2" >/dev/null 2>&1; eq "... and nothing stored" "$?" 254
start_worker w6 26016 MEDIAGATE_WORKER_CONCURRENCY=1
wait_for 40 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$slow2'\")\" = ready ]"
eq "another worker reclaims and finishes it" "$(status_of "$slow2" | cut -d' ' -f1)" ready
kill -TERM "${WPIDS[-1]}"; wait "${WPIDS[-1]}" 2>/dev/null   # phases must not overlap

# ---- a failing source host opens its own breaker; other hosts keep flowing ----
start_worker w7 26017 MEDIAGATE_WORKER_CONCURRENCY=2 MEDIAGATE_RETRY_ATTEMPTS=20 \
  MEDIAGATE_BREAKER_COOLDOWN_MS=60000
badids=()
for i in 1 2 3 4; do badids+=("$(enqueue "$BAD/status/503?n=$i")"); done
wait_for 20 bash -c "curl -s 127.0.0.1:26017/metrics | grep -q '^mediagate_breaker_open_hosts 1'"
contains "the failing host's breaker opened" "$(curl -s 127.0.0.1:26017/metrics)" "mediagate_breaker_open_hosts 1"
wait_for 20 bash -c "curl -s 127.0.0.1:26017/metrics | grep -qE '^mediagate_worker_jobs_rescheduled_total [1-9]'"
resched=$(curl -s 127.0.0.1:26017/metrics | awk '/^mediagate_worker_jobs_rescheduled_total/ {print $2}')
[ "${resched:-0}" -ge 1 ]; eq "its jobs are rescheduled while it is open ($resched)" "$?" 0
eq "... without spending attempts: none has used more than the 2 that opened it" \
  "$(sql "SELECT count(*) FROM media WHERE id IN ($(printf "'%s'," "${badids[@]}" | sed 's/,$//')) AND attempts > 2")" 0
other=$(enqueue "$S/f/s7.jpg?while-open=1")
wait_for 20 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$other'\")\" = ready ]"
eq "another host's job completes meanwhile" "$(status_of "$other")" "ready 1"
kill -TERM "${WPIDS[-1]}"; wait "${WPIDS[-1]}" 2>/dev/null
for id in "${badids[@]}"; do sql "UPDATE media SET status = 'failed' WHERE id = '$id'" >/dev/null; done

# ---- poison: a job delivered more times than allowed goes to the dead letters ----
poison=$(enqueue "$S/drip/s4.jpg?bps=2000&poison=1")   # ~10 s
start_worker w8 26018 MEDIAGATE_WORKER_CONCURRENCY=1 MEDIAGATE_MAX_DELIVERIES=1
w8=${WPIDS[-1]}
wait_for 10 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$poison'\")\" = fetching ]"
kill -KILL "$w8"; wait "$w8" 2>/dev/null
start_worker w9 26019 MEDIAGATE_WORKER_CONCURRENCY=1 MEDIAGATE_MAX_DELIVERIES=1
wait_for 30 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$poison'\")\" = failed ]"
eq "a job redelivered past MEDIAGATE_MAX_DELIVERIES ends failed" "$(status_of "$poison" | cut -d' ' -f1)" failed
contains "... and in the dead letters as poison" "$("$MG" dlq list | grep "$poison")" "poison message"
kill -TERM "${WPIDS[-1]}"; wait "${WPIDS[-1]}" 2>/dev/null

# ---- a backlog older than MEDIAGATE_SWEEP_AFTER_S (2 s): accepted rows are not marked
#      published (issue 14), so the sweeper (every 5 s here) finds them queued and stale; it
#      reads the stream's clock and publishes none of the jobs waiting in the stream again ----
slowq=() waiting=()
for i in 1 2 3; do slowq+=("$(enqueue "$S/drip/s$((10 + i)).jpg?bps=5000&backlog=1")"); done # ~4 s each
for i in $(seq 1 6); do waiting+=("$(enqueue "$S/f/s$((20 + i)).jpg?backlog=1")"); done
start_worker w10 26021 MEDIAGATE_WORKER_CONCURRENCY=1
backlog_ready() {
  local n=0 id
  for id in "${slowq[@]}" "${waiting[@]}"; do [ "$(status_of "$id" | cut -d' ' -f1)" = ready ] && n=$((n + 1)); done
  echo "$n"
}
wait_for 60 bash -c "[ \$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT count(*) FROM media WHERE tenant_id = '$TEN' AND source_url LIKE '%backlog=1' AND status = 'ready'\") -ge 9 ]"
eq "the backlog of 9 jobs on one worker thread finished" "$(backlog_ready)" 9
swept=$(for id in "${waiting[@]}"; do grep -c "outbox sweeper re-enqueued media $id" "$T/w10.log"; done | awk '{t += $1} END {print t + 0}')
eq "the sweeper published none of the 6 jobs that waited in the stream again" "$swept" 0
eq "... each ran once" "$(sql "SELECT count(*) FROM media WHERE tenant_id = '$TEN' AND source_url LIKE '%backlog=1' AND attempts = 1")" 9
kill -TERM "${WPIDS[-1]}"; wait "${WPIDS[-1]}" 2>/dev/null

# ---- usage ----
MEDIAGATE_REDIS_URL=rediss://127.0.0.1:6380 "$MG" worker 2>"$T/err"; eq "rediss:// refused: exit 2" "$?" 2
contains "... with a pointer to the TLS sidecar" "$(cat "$T/err")" "stunnel"
finish
