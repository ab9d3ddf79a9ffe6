#!/usr/bin/env bash
# The authorization and hostile-input matrix (issue 15): every API route x every kind of
# credential and every kind of hostile input against the real serve (matrix.py), and every
# CLI entry x hostile arguments -> the documented error, exit status and no state change.
source "$(dirname "$0")/lib.sh"
SP=26075 SRCH=127.0.0.2 PORT=26076
S="http://$SRCH:$SP"
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32" MEDIAGATE_QUEUE_PREFIX="mgmatrix-$RUN_ID"
export MEDIAGATE_KEY_CACHE_S=1 MEDIAGATE_RETRY_ATTEMPTS=1 MEDIAGATE_THREADS=2
export MEDIAGATE_RATE_ANON_PER_MIN=1000000 MEDIAGATE_RATE_READ_PER_MIN=1000000
export MEDIAGATE_RATE_WRITE_PER_MIN=1000000
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
sql() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$1"; }
mkdir -p "$T/root"
fake_jpeg 3000 >"$T/root/a.jpg"
bg source $PY "$SRC/tests/tools/source_server.py" --bind $SRCH --port $SP --root "$T/root"
wait_port $SRCH $SP || { bad "source did not start"; finish; }
MEDIAGATE_WORKER_LISTEN=127.0.0.1:26077 "$MG" worker 2>"$T/worker.log" & BG_PIDS+=($!)
MEDIAGATE_LISTEN=127.0.0.1:$PORT MEDIAGATE_ADMIN_LISTEN=127.0.0.1:27076 "$MG" serve 2>"$T/serve.log" &
BG_PIDS+=($!)
wait_port 127.0.0.1 $PORT || { bad "serve did not start"; finish; }

TA="mxa$$" TB="mxb$$"
key() { "$MG" apikey create --tenant "$1" --scopes "$2" 2>/dev/null; }
KA=$(key "$TA" read,write) KR=$(key "$TA" read) KW=$(key "$TA" write) KADM=$(key "$TA" admin)
KB=$(key "$TB" read,write)
KX=$("$MG" apikey create --tenant "$TA" --scopes read,write 2>"$T/kx")
KX_ID=$(sed -n 's/.*created key \([0-9a-f-]*\) .*/\1/p' "$T/kx")
submit() { # submit KEY URL: the new record's id
  curl -s -H "Authorization: Bearer $1" -d "{\"source_url\":\"$2\"}" "http://127.0.0.1:$PORT/api/v1/media" | json_field id
}
IDA=$(submit "$KA" "$S/f/a.jpg?n=1") IDA2=$(submit "$KA" "$S/f/a.jpg?n=2")
IDF=$(submit "$KA" "$S/status/404") IDB=$(submit "$KB" "$S/f/a.jpg?n=3")
settled() { [ "$(sql "SELECT count(*) FROM media WHERE id IN ('$IDA','$IDA2','$IDF','$IDB') AND status IN ('ready','failed')")" = 4 ]; }
for _ in $(seq 1 100); do settled && break; sleep 0.2; done
eq "the matrix's records are ready (one failed)" \
  "$(sql "SELECT string_agg(status::text, ' ' ORDER BY status) FROM media WHERE id IN ('$IDA','$IDA2','$IDF','$IDB')")" \
  "ready ready ready failed"
"$MG" apikey revoke "$KX_ID" >/dev/null
SESSION=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $KR" "http://127.0.0.1:$PORT/app/session" |
  tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: mediagate_session=\([^;]*\).*/\1/p')
check "a session cookie for the read-only key" [ -n "$SESSION" ]
sleep 1.2   # the revocation outlives the key cache

MX_PORT=$PORT MX_TA=$TA MX_TB=$TB MX_IDA=$IDA MX_IDA2=$IDA2 MX_IDF=$IDF MX_IDB=$IDB \
  MX_KA=$KA MX_KR=$KR MX_KW=$KW MX_KADM=$KADM MX_KB=$KB MX_KX=$KX MX_SESSION=$SESSION \
  MX_SOURCE="$S/f/a.jpg?n=matrix" $PY "$SRC/tests/integration/matrix.py" >"$T/matrix.out" 2>&1
rc=$?
grep -v '^ok ' "$T/matrix.out"
eq "the HTTP matrix: every cell as documented ($(grep -c '^ok ' "$T/matrix.out") cells)" "$rc" 0
# the allowed writes queued jobs: let this test's worker finish them, so no later test's
# outbox sweeper inherits jobs whose source is gone
busy() { [ "$(sql "SELECT count(*) FROM media WHERE tenant_id IN ('$TA','$TB') AND status IN ('queued','fetching')")" != 0 ]; }
for _ in $(seq 1 100); do busy || break; sleep 0.2; done
idle() { ! busy; }
check "the jobs the matrix queued are finished" idle

# ---- the CLI: hostile arguments -> exit 2 (usage) or 1, a one-line reason, nothing changed ----
before=$(sql "SELECT count(*) || '/' || max(updated_at) FROM media; SELECT count(*) FROM api_keys")
cli() { # cli WANT-EXIT MESSAGE-PART ARGS...
  local want=$1 msg=$2; shift 2
  "$MG" "$@" </dev/null >"$T/cli.out" 2>"$T/cli.err"
  local rc=$? shown
  shown=$(printf '%q ' "$@" | cut -c1-70)
  eq "mediagate $shown: exit $want" "$rc" "$want"
  contains "... says why" "$(cat "$T/cli.err")" "$msg"
  not_contains "... prints no secret" "$(cat "$T/cli.out" "$T/cli.err")" "$AWS_SECRET_ACCESS_KEY"
}
cli 2 "source URL" enqueue --tenant "$TA" "file:///etc/passwd"
cli 2 "source URL" enqueue --tenant "$TA" "gopher://127.0.0.1:1/_FLUSHALL"
cli 2 "control characters" enqueue --tenant "$TA" $'http://x/a.jpg\r\nHost: evil'
cli 2 "valid UTF-8" enqueue --tenant "$TA" $'http://x/\xc0\xaf.jpg'
cli 2 "--tenant must be" enqueue --tenant "../$TA" "http://x/a.jpg"
cli 2 "--tenant must be" enqueue --tenant "$TA'; DROP TABLE media;--" "http://x/a.jpg"
cli 2 "idempotency key" enqueue --tenant "$TA" --idempotency-key $'k\x01' "http://x/a.jpg"
cli 2 "idempotency key" enqueue --tenant "$TA" --idempotency-key "$(printf 'k%.0s' $(seq 1 300))" "http://x/a.jpg"
cli 2 "metadata" enqueue --tenant "$TA" --metadata '[1]' "http://x/a.jpg"
cli 2 "metadata" enqueue --tenant "$TA" --metadata '{"k":' "http://x/a.jpg"
cli 2 "--tenant must be" apikey create --tenant "a/b" --scopes read
cli 2 "--tenant must be" apikey create --tenant "$(printf 't%.0s' $(seq 1 64))" --scopes read
cli 2 "--scopes" apikey create --tenant "$TA" --scopes root
cli 2 "--scopes" apikey create --tenant "$TA" --scopes "read,write'--"
cli 1 "no such API key" apikey revoke "' OR '1'='1"
cli 2 "dead letter ID" dlq show "1; FLUSHALL"
cli 2 "dead letter ID" dlq replay "../../x"
cli 2 "--older-than" gc --older-than "-5d"
cli 2 "--older-than" dlq purge --older-than "1d; rm -rf /"
cli 2 "--expires" presign --key k --expires 0
cli 2 "--expires" presign --key k --expires 99999999999999999999
cli 2 "--method" presign --key k --method "GET\r\n"
cli 2 "--at" presign --key k --at "2026-13-45"
cli 2 "--wait" migrate --wait -1
cli 2 "--abort-older-than" uploads --abort-older-than x
cli 2 "unknown" frobnicate
eq "nothing in the catalog changed through the CLI cases" \
  "$(sql "SELECT count(*) || '/' || max(updated_at) FROM media; SELECT count(*) FROM api_keys")" "$before"
finish
