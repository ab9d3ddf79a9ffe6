#!/usr/bin/env bash
# The HTTP fuzzer (issue 24): http_fuzz.py drives every route of docs/openapi.json, /app,
# /app/session and the Uppy routes with every kind of credential (none, garbage, overlong,
# another tenant's, read-only, read/write, admin, the page's session cookie with and without
# X-Mediagate-App, cookie and bearer together) and mutated paths, ids, queries, headers and
# bodies, against serve and a worker built with ASan + UBSan, for MEDIAGATE_HTTP_FUZZ_SECONDS
# (default 90) from seed MEDIAGATE_HTTP_FUZZ_SEED (default: the time, printed). Fails on a
# crash, a sanitizer report, or a 5xx other than a 503 with Retry-After.
source "$(dirname "$0")/lib.sh"
PORT=26230 WP=26231 SP=26232 SRCH=127.0.0.2
export MEDIAGATE_QUEUE_PREFIX="mgfuzz-$RUN_ID" MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32"
export MEDIAGATE_RETRY_ATTEMPTS=1 MEDIAGATE_KEY_CACHE_S=1
# the fuzzer is one client on one address: let its requests through to the routes
export MEDIAGATE_RATE_ANON_PER_MIN=100000000 MEDIAGATE_RATE_READ_PER_MIN=100000000
export MEDIAGATE_RATE_WRITE_PER_MIN=100000000
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
mkdir -p "$T/root"
fake_jpeg 3000 >"$T/root/a.jpg"
bg source $PY "$SRC/tests/tools/source_server.py" --bind $SRCH --port $SP --root "$T/root"
wait_port $SRCH $SP || { bad "source did not start"; finish; }
MEDIAGATE_WORKER_LISTEN=127.0.0.1:$WP "$MG" worker 2>"$T/worker.log" & BG_PIDS+=($!)
MEDIAGATE_LISTEN=127.0.0.1:$PORT MEDIAGATE_ADMIN_LISTEN=off "$MG" serve 2>"$T/serve.log" & BG_PIDS+=($!)
wait_port 127.0.0.1 $PORT && wait_port 127.0.0.1 $WP || { bad "serve/worker did not start"; finish; }
sql() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$1"; }
# the fuzzer opens a thousand direct uploads nobody will use: they go at exit, so the shared
# catalog does not carry them into the next tests (the sweepers would only expire them later)
EXIT_HOOKS+=("psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"DELETE FROM media WHERE tenant_id IN ('hfa$$', 'hfb$$') AND status = 'uploading'\"")

TA="hfa$$" TB="hfb$$"
key() { "$MG" apikey create --tenant "$1" --scopes "$2" 2>/dev/null; }
KR=$(key "$TA" read) KRW=$(key "$TA" read,write) KADM=$(key "$TA" admin,read,write) KB=$(key "$TB" read,write)
A=http://127.0.0.1:$PORT/api/v1
submit() { curl -s -H "Authorization: Bearer $1" -d "{\"source_url\":\"$2\"}" "$A/media" | json_field id; }
I1=$(submit "$KRW" "http://$SRCH:$SP/f/a.jpg?1") I2=$(submit "$KRW" "http://$SRCH:$SP/status/404")
I3=$(submit "$KRW" "http://$SRCH:$SP/f/a.jpg?3") IB=$(submit "$KB" "http://$SRCH:$SP/f/a.jpg?b")
for _ in $(seq 1 100); do
  [ "$(sql "SELECT count(*) FROM media WHERE id IN ('$I1','$I2','$I3','$IB') AND status IN ('ready','failed')")" = 4 ] && break
  sleep 0.2
done
curl -s -o /dev/null -X DELETE -H "Authorization: Bearer $KRW" "$A/media/$I3"
UP=$(curl -s -H "Authorization: Bearer $KRW" -d '{"size_bytes":12,"content_type":"image/png"}' "$A/uploads" |
  $PY -c 'import json,sys; print(json.load(sys.stdin)["media"]["id"])')
session() { curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $1" "http://127.0.0.1:$PORT/app/session" |
  tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: mediagate_session=\([^;]*\).*/\1/p'; }
SR=$(session "$KR") SRW=$(session "$KRW")
check "the fuzzer's fixtures: records, an upload, two sessions" test -n "$I1" -a -n "$UP" -a -n "$SR" -a -n "$SRW"

HF_PORT=$PORT HF_SRC="$SRC" HF_IDS="$I1 $I2 $I3" HF_OTHER_ID=$IB HF_UPLOAD_ID=$UP \
  HF_KEY_READ=$KR HF_KEY_RW=$KRW HF_KEY_ADMIN=$KADM HF_KEY_OTHER=$KB \
  HF_SESSION_READ=$SR HF_SESSION_RW=$SRW \
  HF_SEED=${MEDIAGATE_HTTP_FUZZ_SEED:-} HF_SECONDS=${MEDIAGATE_HTTP_FUZZ_SECONDS:-90} \
  $PY "$SRC/tests/integration/http_fuzz.py" >"$T/fuzz.out" 2>&1
rc=$?
grep -v '^FAIL' "$T/fuzz.out" | head -n 5
grep '^FAIL' "$T/fuzz.out" | head -n 20
eq "the HTTP fuzzer: no crash, no 5xx but a 503 with Retry-After ($(grep -o '^[0-9]* passed' "$T/fuzz.out"))" "$rc" 0
t=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KRW" "$A/media?size=1")
eq "serve still answers after it" "$t" 200
finish
