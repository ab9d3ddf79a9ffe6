#!/usr/bin/env bash
# Regression for issue 15, defect 7 (and defect 4): two workers on one job, and Redis
# stopped during a long transfer. Each claim has an owner and an epoch (a fencing token);
# a second delivery of a job that is being transferred must neither abort the live upload
# nor fail the job, and a worker that cannot refresh its Redis claim keeps its transfer.
# After every case: the job is ready exactly once, its object holds the source's bytes,
# no dead letter was written and no multipart upload is left open.
source "$(dirname "$0")/lib.sh"
SP=26005 SRCH=127.0.0.2
S="http://$SRCH:$SP"
SVC="$SRC/deploy/local/service.sh"
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32"
export MEDIAGATE_QUEUE_PREFIX="mgclaims-$RUN_ID"
export MEDIAGATE_RETRY_BASE_MS=200 MEDIAGATE_RETRY_CAP_MS=1000 MEDIAGATE_RETRY_ATTEMPTS=3
export MEDIAGATE_CLAIM_TIMEOUT_S=2 MEDIAGATE_SWEEP_AFTER_S=2
TEN="wc$$"
EXIT_HOOKS+=("'$SVC' start redis")
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
RPORT=${MEDIAGATE_REDIS_URL##*:}; RPORT=${RPORT%%/*}
JOBS="$MEDIAGATE_QUEUE_PREFIX:jobs" DLQ="$MEDIAGATE_QUEUE_PREFIX:dlq"
sql() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$1"; }
mkdir -p "$T/root"
fake_jpeg $((24 << 20)) >"$T/root/big.jpg"
want_sha=$(sha256sum "$T/root/big.jpg" | cut -d' ' -f1)
want_size=$(stat -c %s "$T/root/big.jpg")
bg source $PY "$SRC/tests/tools/source_server.py" --bind $SRCH --port $SP --root "$T/root"
wait_port $SRCH $SP || { bad "source did not start"; finish; }

WPIDS=()
start_worker() { # start_worker NAME PORT [env...]
  local name=$1 port=$2; shift 2
  env MEDIAGATE_WORKER_LISTEN=127.0.0.1:$port MEDIAGATE_WORKER_CONCURRENCY=1 "$@" "$MG" worker \
    2>"$T/$name.log" &
  WPIDS+=($!); BG_PIDS+=($!)
  wait_port 127.0.0.1 "$port"
}
stop_workers() { local p; for p in "${WPIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; WPIDS=(); }
enqueue() { "$MG" enqueue --tenant "$TEN" "$@" | json_field id; }
status_of() { sql "SELECT status FROM media WHERE id = '$1'"; }
wait_for() { # wait_for SECONDS CMD...
  local t=$1; shift
  for _ in $(seq 1 $((t * 5))); do "$@" && return 0; sleep 0.2; done; return 1
}
is_status() { [ "$(status_of "$1")" = "$2" ]; }
uploads_under() { aws_s3 s3api list-multipart-uploads --bucket "$MEDIAGATE_S3_BUCKET" --prefix "$1" --query 'length(Uploads || `[]`)'; }
has_upload() { [ "$(uploads_under "$1")" = 1 ]; }
finished() { local s; s=$(status_of "$1"); [ "$s" = ready ] || [ "$s" = failed ]; }

# the invariants after a case: ready once, bytes verified, no dead letter, nothing open
check_job() { # check_job CASE ID
  local c=$1 id=$2 key
  key=$(sql "SELECT object_key FROM media WHERE id = '$id'")
  wait_for 60 finished "$id"
  eq "$c: the job ends ready" "$(status_of "$id")" ready
  eq "$c: its SHA-256 and size are the source's" \
    "$(sql "SELECT sha256 || ' ' || size_bytes FROM media WHERE id = '$id'")" "$want_sha $want_size"
  eq "$c: the stored object holds those bytes" "$(aws_s3 s3 cp "s3://$MEDIAGATE_S3_BUCKET/$key" - 2>/dev/null | sha)" "$want_sha"
  eq "$c: no dead letter for it" "$(redis-cli -p "$RPORT" XRANGE "$DLQ" - + 2>/dev/null | grep -c "$id")" 0
  wait_for 10 bash -c "[ \"\$($AWS --endpoint-url $MEDIAGATE_S3_ENDPOINT --region $AWS_REGION s3api list-multipart-uploads --bucket $MEDIAGATE_S3_BUCKET --prefix '$key' --query 'length(Uploads || \`[]\`)')\" = 0 ]"
  eq "$c: no multipart upload left open" "$(uploads_under "$key")" 0
  eq "$c: the row holds no claim and no upload id" \
    "$(sql "SELECT coalesce(claim_owner, '') || '|' || coalesce(upload_id, '') FROM media WHERE id = '$id'")" "|"
}

# ---- case 1: the same job delivered twice while its multipart upload is in progress ----
start_worker w1 26021
w1=${WPIDS[-1]}
big=$(enqueue "$S/drip/big.jpg?bps=4194304&case=dup")     # chunked, ~6 s: multipart
key=$(sql "SELECT object_key FROM media WHERE id = '$big'")
wait_for 15 has_upload "$key"
check "case 1: worker 1 is uploading (a multipart upload is open)" has_upload "$key"
start_worker w2 26022
url=$(sql "SELECT source_url FROM media WHERE id = '$big'")
redis-cli -p "$RPORT" XADD "$JOBS" '*' media_id "$big" tenant "$TEN" url "$url" attempt 0 \
  request_id dup-$RUN_ID >/dev/null
ok "case 1: a second message for the job was added to the stream"
wait_for 10 grep -q "dup-$RUN_ID" "$T/w2.log"
contains "case 1: worker 2 took the duplicate and left the job to its owner" \
  "$(grep "dup-$RUN_ID" "$T/w2.log")" "claimed by another worker"
check_job "case 1" "$big"
eq "case 1: one attempt counted" "$(sql "SELECT attempts FROM media WHERE id = '$big'")" 1
wait_for 10 bash -c "[ \"\$(redis-cli -p $RPORT XPENDING '$JOBS' workers | head -n1)\" = 0 ]"
eq "case 1: nothing left pending in the stream" "$(redis-cli -p "$RPORT" XPENDING "$JOBS" workers | head -n1)" 0
stop_workers

# ---- case 2: Redis stopped for longer than the claim timeout during a long transfer ----
start_worker w3 26023
start_worker w4 26024
big2=$(enqueue "$S/drip/big.jpg?bps=3145728&case=redis")  # ~8 s
key2=$(sql "SELECT object_key FROM media WHERE id = '$big2'")
wait_for 15 has_upload "$key2"
check "case 2: a worker is uploading" has_upload "$key2"
"$SVC" stop redis
ok "case 2: Redis stopped mid-transfer"
sleep 5      # 2.5 claim timeouts: nobody can refresh a claim in Redis
"$SVC" start redis
ok "case 2: Redis back"
check_job "case 2" "$big2"
eq "case 2: one attempt counted" "$(sql "SELECT attempts FROM media WHERE id = '$big2'")" 1
stop_workers

# ---- case 3 (defect 4): SIGTERM past the grace period during a multipart upload ----
start_worker w5 26025 MEDIAGATE_SHUTDOWN_GRACE_S=1
w5=${WPIDS[-1]}
big3=$(enqueue "$S/drip/big.jpg?bps=2097152&case=term")  # ~12 s
key3=$(sql "SELECT object_key FROM media WHERE id = '$big3'")
wait_for 15 has_upload "$key3"
check "case 3: the worker is uploading" has_upload "$key3"
kill -TERM "$w5"; wait "$w5"; rc=$?; WPIDS=()
eq "case 3: the worker exits 0 after its grace period" "$rc" 0
eq "case 3: its multipart upload was aborted on the way out (aborts are never cancelled)" "$(uploads_under "$key3")" 0
eq "case 3: the row is handed back, the attempt not counted" \
  "$(sql "SELECT status || ' ' || attempts || ' ' || coalesce(upload_id, '-') FROM media WHERE id = '$big3'")" "queued 0 -"
start_worker w6 26026
check_job "case 3" "$big3"
stop_workers

# ---- case 4 (defect 4): an upload recorded on a row nobody works on is swept ----
start_worker w7 26027
w7=${WPIDS[-1]}
big4=$(enqueue "$S/drip/big.jpg?bps=2097152&case=sweep")
key4=$(sql "SELECT object_key FROM media WHERE id = '$big4'")
wait_for 15 has_upload "$key4"
kill -KILL "$w7"; wait "$w7" 2>/dev/null; WPIDS=()
ok "case 4: worker killed -9 with its upload open"
eq "case 4: the upload was recorded with the row before any part was sent" \
  "$(sql "SELECT upload_id IS NOT NULL FROM media WHERE id = '$big4'")" t
# the job's message is lost (as in an asynchronous Redis failover) and an operator fails it
redis-cli -p "$RPORT" DEL "$JOBS" >/dev/null
sql "UPDATE media SET status = 'failed', claim_expires_at = NULL, error_class = 'permanent', last_error = 'gave up' WHERE id = '$big4'" >/dev/null
start_worker w8 26028
wait_for 30 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT upload_id IS NULL FROM media WHERE id = '$big4'\")\" = t ]"
eq "case 4: the sweeper aborted it and forgot it" "$(uploads_under "$key4") $(sql "SELECT upload_id IS NULL FROM media WHERE id = '$big4'")" "0 t"
contains "case 4: and said so" "$(cat "$T/w8.log")" "upload sweeper aborted"
stop_workers

# ---- issue 15, defect 8: an add whose reply was lost is not added twice by the resend ----
CP=26029
bg cut $PY "$SRC/tests/tools/cut_proxy.py" --port $CP --upstream "$RPORT" --cut-on XADD --cut-on ":jobs" --log "$T/cut.log"
wait_port 127.0.0.1 $CP || bad "the cutting proxy did not start"
before=$(redis-cli -p "$RPORT" XLEN "$JOBS")
once=$(MEDIAGATE_REDIS_URL="redis://127.0.0.1:$CP/0" "$MG" enqueue --tenant "$TEN" "$S/f/big.jpg?once=1" 2>"$T/once.err" | json_field id)
eq "the proxy lost the reply to the job's XADD once" "$(grep -c cut "$T/cut.log")" 1
eq "... the job was accepted" "$(status_of "$once")" queued
eq "... and is in the stream once, not twice" "$(( $(redis-cli -p "$RPORT" XLEN "$JOBS") - before ))" 1
# the same for a dead letter: a permanent failure, the reply to the dead-letter step lost
kill "${BG_PIDS[-1]}"; wait "${BG_PIDS[-1]}" 2>/dev/null
bg cut2 $PY "$SRC/tests/tools/cut_proxy.py" --port $CP --upstream "$RPORT" --cut-on XADD --cut-on ":dlq" --log "$T/cut2.log"
wait_port 127.0.0.1 $CP || bad "the cutting proxy did not start again"
redis-cli -p "$RPORT" DEL "$JOBS" >/dev/null
gone=$(enqueue "$S/status/404?once=2")
start_worker w9 26030 MEDIAGATE_REDIS_URL="redis://127.0.0.1:$CP/0"
wait_for 30 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$gone'\")\" = failed ]"
wait_for 10 grep -q cut "$T/cut2.log"
eq "the proxy lost the reply to the dead-letter step once" "$(grep -c cut "$T/cut2.log")" 1
sleep 1
eq "... and the job has one dead letter, not two" "$(redis-cli -p "$RPORT" XRANGE "$DLQ" - + | grep -c "$gone")" 1
stop_workers
# the job accepted through the cutting proxy lost its message with the stream: settle it, so no
# later test's outbox sweeper inherits a job whose source is gone
sql "UPDATE media SET status = 'failed', error_class = 'permanent', last_error = 'test over' WHERE id = '$once' AND status = 'queued'" >/dev/null
finish
