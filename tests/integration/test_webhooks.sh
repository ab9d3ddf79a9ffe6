#!/usr/bin/env bash
# Webhooks against the real stack (issue 13, items 1 and 6): endpoints registered through the
# API (admin scope), per-request callback_url with the tenant's callback secret, deliveries
# signed (checked by a receiver that verifies like docs/webhooks.md says), retried with the
# same delivery id (500, 500, then 200: three attempts), dead letters after the last attempt
# listed by the CLI and the API and replayed (same id), the endpoint's breaker deferring
# attempts, a target on a refused address never contacted, no redirect followed, and no
# secret in any log.
source "$(dirname "$0")/lib.sh"
P=26150 WP=26151 RP=26152 SP=26153 XP=26154
H=127.0.0.2 XH=127.0.0.3                      # receiver and source; a refused host
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$H/32" MEDIAGATE_QUEUE_PREFIX="mgwh-$RUN_ID"
export MEDIAGATE_WEBHOOK_RETRY_BASE_MS=200 MEDIAGATE_WEBHOOK_RETRY_CAP_MS=600
export MEDIAGATE_WEBHOOK_ATTEMPTS=3 MEDIAGATE_WEBHOOK_POLL_MS=100
export MEDIAGATE_WEBHOOK_BREAKER_FAILURES=3 MEDIAGATE_WEBHOOK_BREAKER_COOLDOWN_MS=6000
export MEDIAGATE_WEBHOOK_TIMEOUT_S=3
TEN="wh$$"
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
sql() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$1"; }
KA=$("$MG" apikey create --tenant "$TEN" --scopes admin 2>/dev/null)
KW=$("$MG" apikey create --tenant "$TEN" --scopes read,write 2>/dev/null)
mkdir -p "$T/root"
fake_jpeg 30000 >"$T/root/a.jpg"
: >"$T/secrets"
bg receiver $PY "$SRC/tests/tools/webhook_receiver.py" --bind $H --port $RP --secrets "$T/secrets" --log "$T/received.jsonl"
bg source $PY "$SRC/tests/tools/source_server.py" --bind $H --port $SP --root "$T/root"
bg refused $PY "$SRC/tests/tools/count_listener.py" --port $XP --out "$T/refused.count" $XH
wait_port $H $RP && wait_port $H $SP && wait_port $XH $XP || { bad "helpers did not start"; finish; }
sleep 0.3; REFUSED0=$(cat "$T/refused.count")   # wait_port's own connection
env MEDIAGATE_LISTEN=127.0.0.1:$P MEDIAGATE_ADMIN_LISTEN=127.0.0.1:$((P + 1000)) "$MG" serve 2>"$T/serve.log" &
BG_PIDS+=($!)
env MEDIAGATE_WORKER_LISTEN=127.0.0.1:$WP "$MG" worker 2>"$T/worker.log" &
BG_PIDS+=($!)
wait_port 127.0.0.1 $P && wait_port 127.0.0.1 $WP || { bad "serve/worker did not start"; finish; }
A=http://127.0.0.1:$P/api/v1
api() { # api KEY METHOD PATH [curl args...]: prints "STATUS BODY" on one line
  local key=$1 m=$2 p=$3; shift 3
  curl -s -X "$m" -H "Authorization: Bearer $key" -w ' %{http_code}' "$A$p" "$@" |
    $PY -c 'import sys; s=sys.stdin.read(); b,_,c=s.rpartition(" "); print(c, b.replace("\n"," "))'
}
jget() { $PY -c 'import json,sys; d=json.loads(sys.stdin.read().split(" ",1)[1]); print(eval("d"+sys.argv[1]))' "$1"; }
wait_for() { local t=$1; shift; for _ in $(seq 1 $((t * 5))); do "$@" && return 0; sleep 0.2; done; return 1; }
received() { # received JQ-ish python filter -> matching log lines
  $PY - "$T/received.jsonl" "$1" <<'PYEOF'
import json, sys
f = eval("lambda e: " + sys.argv[2])
try:
    lines = [json.loads(l) for l in open(sys.argv[1])]
except OSError:
    lines = []
for e in lines:
    if f(e):
        print(json.dumps(e))
PYEOF
}
count_received() { received "$1" | wc -l; }
ingest() { # ingest PATH [extra json] -> id
  curl -s -X POST -H "Authorization: Bearer $KW" -H 'Content-Type: application/json' \
    -d "{\"source_url\":\"http://$H:$SP$1\"${2:-}}" "$A/media" | json_field id
}
status_of() { sql "SELECT status FROM media WHERE id = '$1'"; }

# ---- the API: admin only, validated ----
eq "a key without admin is refused" "$(api "$KW" GET /webhooks | cut -d' ' -f1)" 403
eq "malformed JSON: 400" "$(api "$KA" POST /webhooks -d '{"url":' | cut -d' ' -f1)" 400
eq "unknown event: 422" "$(api "$KA" POST /webhooks -d "{\"url\":\"http://$H:$RP/ok\",\"events\":[\"media.eaten\"]}" | cut -d' ' -f1)" 422
eq "a non-http URL: 422" "$(api "$KA" POST /webhooks -d '{"url":"ftp://example.com/x"}' | cut -d' ' -f1)" 422
eq "a URL with credentials: 422" "$(api "$KA" POST /webhooks -d '{"url":"http://u:p@example.com/x"}' | cut -d' ' -f1)" 422
r=$(api "$KA" POST /webhooks -d "{\"url\":\"http://$H:$RP/flaky?fail=2\",\"events\":[\"media.ready\",\"media.failed\"]}")
eq "an endpoint is created: 201" "${r%% *}" 201
E1=$(jget "['id']" <<<"$r"); S1=$(jget "['secret']" <<<"$r")
contains "its secret is returned once" "$S1" "whsec_"
echo "$S1" >>"$T/secrets"
l=$(api "$KA" GET /webhooks)
contains "the endpoint is listed" "$l" "$E1"
not_contains "the listing never shows the secret" "$l" "$S1"

# ---- media.ready: 500, 500, 200: three attempts, one delivery id, every signature valid ----
id1=$(ingest /f/a.jpg)
wait_for 30 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$id1'\")\" = ready ]"
eq "the media is ready" "$(status_of "$id1")" ready
wait_for 20 grep -q '"status": 200' "$T/received.jsonl"
eq "three attempts reached the receiver" "$(count_received "e['body'] and e['body']['data']['id'] == '$id1'")" 3
eq "all with one delivery id" "$(received "e['body'] and e['body']['data']['id'] == '$id1'" | $PY -c 'import json,sys; print(len({json.loads(l)["delivery"] for l in sys.stdin}))')" 1
eq "numbered 1, 2, 3" "$(received "e['body'] and e['body']['data']['id'] == '$id1'" | $PY -c 'import json,sys; print(",".join(json.loads(l)["attempt"] for l in sys.stdin))')" "1,2,3"
eq "every signature verifies" "$(count_received "e['body'] and e['body']['data']['id'] == '$id1' and e['valid']")" 3
d1=$(received "e['body'] and e['body']['data']['id'] == '$id1'" | head -1)
eq "the event is media.ready" "$(jget "['event']" <<<"x $d1")" media.ready
eq "the body's delivery id is the header's" "$(jget "['body']['id']" <<<"x $d1")" "$(jget "['delivery']" <<<"x $d1")"
eq "the body carries the record as ready" "$(jget "['body']['data']['status']" <<<"x $d1")" ready
eq "with the SHA-256 of the bytes" "$(jget "['body']['data']['sha256']" <<<"x $d1")" "$(sha <"$T/root/a.jpg")"
did1=$(jget "['delivery']" <<<"x $d1")
wait_for 10 bash -c "\"$MG\" webhooks deliveries --tenant $TEN --status delivered | grep -q $did1"
dl=$("$MG" webhooks deliveries --tenant "$TEN" --status delivered | grep "$did1")
contains "the CLI shows it delivered" "$dl" '"status":"delivered"'
contains "after 3 attempts" "$dl" '"attempts":3'

# ---- a tampered body or another secret does not verify (the receiver's check can fail) ----
$PY - "$S1" <<'PYEOF' && ok "the receiver's check rejects a wrong secret, a changed body and an old timestamp" || bad "receiver check"
import hashlib, hmac, sys, time, importlib.util
spec = importlib.util.spec_from_file_location("r", "/dev/null")
secret = sys.argv[1]
sys.path.insert(0, "")
src = open(__import__("os").environ["MEDIAGATE_SOURCE_DIR"] + "/tests/tools/webhook_receiver.py").read()
ns = {}
exec(compile(src.split("def main():")[0], "r", "exec"), ns)
body = b'{"id":"x"}'
t = int(time.time())
good = "t=%d,v1=%s" % (t, hmac.new(secret.encode(), b"%d." % t + body, hashlib.sha256).hexdigest())
old = "t=%d,v1=%s" % (t - 3600, hmac.new(secret.encode(), b"%d." % (t - 3600) + body, hashlib.sha256).hexdigest())
assert ns["verify"]([secret], good, body)
assert not ns["verify"]([secret + "x"], good, body)
assert not ns["verify"]([secret], good, body + b" ")
assert not ns["verify"]([secret], old, body)
PYEOF

# ---- media.failed ----
id2=$(ingest /status/404)
wait_for 30 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$id2'\")\" = failed ]"
wait_for 20 bash -c "grep -q '\"media.failed\".*\"status\": 200' '$T/received.jsonl'"
f=$(received "e['event'] == 'media.failed' and e['status'] == 200" | head -1)
eq "media.failed is delivered with the record's error" "$(jget "['body']['data']['id']" <<<"x $f")/$(jget "['body']['data']['status']" <<<"x $f")" "$id2/failed"

# ---- callback_url: needs the callback secret; signed with it ----
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $KW" -d "{\"source_url\":\"http://$H:$SP/f/a.jpg\",\"callback_url\":\"http://$H:$RP/ok\"}" "$A/media")
eq "callback_url before a callback secret exists: 422" "$r" 422
r=$(api "$KA" POST /webhooks/callback-secret)
eq "the callback secret is created: 201" "${r%% *}" 201
CS=$(jget "['secret']" <<<"$r")
echo "$CS" >>"$T/secrets"
eq "a callback_url that is not http(s): 422" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $KW" -d "{\"source_url\":\"http://$H:$SP/f/a.jpg\",\"callback_url\":\"file:///etc/passwd\"}" "$A/media")" 422
api "$KA" DELETE "/webhooks/$E1" >/dev/null
r=$(api "$KA" POST /webhooks -d "{\"url\":\"http://$H:$RP/endpoint\",\"events\":[\"media.ready\"]}")
E4=$(jget "['id']" <<<"$r"); echo "$(jget "['secret']" <<<"$r")" >>"$T/secrets"
id3=$(ingest /f/a.jpg ",\"callback_url\":\"http://$H:$RP/ok?token=abc\"")
wait_for 30 bash -c "grep -q '$id3.*\"status\": 200\\|\"status\": 200.*$id3' '$T/received.jsonl'"
c=$(received "e['path'] == '/ok' and e['body'] and e['body']['data']['id'] == '$id3'")
eq "the callback got media.ready once" "$(wc -l <<<"$c" | tr -d ' ')/$(jget "['event']" <<<"x $c")" "1/media.ready"
eq "signed with the callback secret" "$(jget "['valid']" <<<"x $c")" True
eq "the record names its callback_url" "$(jget "['body']['data']['callback_url']" <<<"x $c")" "http://$H:$RP/ok?token=abc"
wait_for 20 bash -c "grep -q '/endpoint.*$id3\|$id3.*/endpoint' '$T/received.jsonl'"
e=$(received "e['path'] == '/endpoint' and e['body'] and e['body']['data']['id'] == '$id3'")
eq "the tenant's endpoint got the same media.ready" "$(jget "['body']['event']" <<<"x $e")" media.ready
eq "... without the record's callback_url (its token is the submitter's)" \
  "$(jget "['body']['data'].get('callback_url', 'absent')" <<<"x $e")" absent
api "$KA" DELETE "/webhooks/$E4" >/dev/null
eq "after the endpoint was deleted, it got nothing more" "$(count_received "e['path'] == '/flaky' and e['body'] and e['body']['data']['id'] == '$id3'")" 0

# ---- a refused target is never contacted; a redirect is not followed ----
r=$(api "$KA" POST /webhooks -d "{\"url\":\"http://$XH:$XP/hook\",\"events\":[\"media.deleted\"]}")
E2=$(jget "['id']" <<<"$r")
r=$(api "$KA" POST /webhooks -d "{\"url\":\"http://$H:$RP/redirect\",\"events\":[\"media.deleted\"]}")
E3=$(jget "['id']" <<<"$r"); echo "$(jget "['secret']" <<<"$r")" >>"$T/secrets"
eq "the media is deleted" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $KW" "$A/media/$id1")" 204
wait_for 20 bash -c "\"$MG\" webhooks deliveries --tenant $TEN --failed | grep -q '$XH'"
fl=$("$MG" webhooks deliveries --tenant "$TEN" --failed)
contains "the refused target's delivery is a dead letter at once" "$(grep "$XH" <<<"$fl")" '"attempts":1'
contains "saying why" "$(grep "$XH" <<<"$fl")" "not allowed (never contacted)"
eq "the refused address was never contacted" "$(cat "$T/refused.count")" "$REFUSED0"
wait_for 20 bash -c "[ \$(grep -c '/redirect' '$T/received.jsonl') -ge 3 ]"
eq "the redirect was never followed" "$(count_received "e['path'] == '/ok' and e['event'] == 'media.deleted'")" 0
api "$KA" DELETE "/webhooks/$E2" >/dev/null
api "$KA" DELETE "/webhooks/$E3" >/dev/null
eq "an endpoint deleted twice: 404" "$(api "$KA" DELETE "/webhooks/$E3" | cut -d' ' -f1)" 404

# ---- dead letters: every attempt fails -> failed; replay (API) delivers with the same id ----
r=$(api "$KA" POST /webhooks -d "{\"url\":\"http://$H:$RP/until?file=$T/fixed\",\"events\":[\"media.ready\"]}")
E4=$(jget "['id']" <<<"$r"); echo "$(jget "['secret']" <<<"$r")" >>"$T/secrets"
id4=$(ingest /f/a.jpg)
wait_for 30 bash -c "\"$MG\" webhooks deliveries --tenant $TEN --failed | grep -q '\"media_id\":\"$id4\"'"
dead=$("$MG" webhooks deliveries --tenant "$TEN" --failed | grep "\"media_id\":\"$id4\"")
contains "after 3 failed attempts it is a dead letter" "$dead" '"attempts":3'
contains "with the receiver's status" "$dead" '"last_status":500'
did4=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$dead")
eq "the API lists it among the failed" "$(api "$KA" GET '/webhooks/deliveries?status=failed' | grep -c "$did4")" 1
eq "a bad status filter: 400" "$(api "$KA" GET '/webhooks/deliveries?status=lost' | cut -d' ' -f1)" 400
touch "$T/fixed"
eq "replay: 202" "$(api "$KA" POST "/webhooks/deliveries/$did4/replay" | cut -d' ' -f1)" 202
eq "replaying a delivery that is not failed: 404" "$(api "$KA" POST "/webhooks/deliveries/$did4/replay" | cut -d' ' -f1)" 404
wait_for 30 bash -c "grep -q '$did4.*\"status\": 200' '$T/received.jsonl'"
eq "the replay delivered with the same delivery id" "$(count_received "e['delivery'] == '$did4' and e['status'] == 200 and e['valid']")" 1
m=$(curl -s 127.0.0.1:$WP/metrics)
contains "the breaker deferred attempts while open" "$(grep '^mediagate_webhook_deferred_total' <<<"$m")" "mediagate_webhook_deferred_total"
eq "deferrals counted (breaker open after 3 failures)" "$(awk '/^mediagate_webhook_deferred_total/ {print ($2 > 0)}' <<<"$m")" 1
contains "delivered attempts counted" "$m" 'mediagate_webhook_deliveries_total{result="delivered"}'
eq "the CLI replays only failed ones" "$("$MG" webhooks replay "$did4" >/dev/null 2>&1; echo $?)" 2

# ---- one tenant's hanging receiver delays no other tenant (issue 24, defect 4) ----
# Six endpoints of one tenant at a listener that accepts and never answers; then a delivery of
# another tenant. It used to wait behind all six attempts (one sender, in due order): now it
# goes out while the slow tenant holds at most its in-flight cap (4) of connections.
HP=$((RP + 7))
bg hold $PY "$SRC/tests/tools/count_listener.py" --hold --port $HP --out "$T/hold.count" $H
wait_port $H $HP || bad "the hanging listener did not start"
sleep 0.3; HOLD0=$(cat "$T/hold.count")   # wait_port's own connection
TS="slow$$"
KS=$("$MG" apikey create --tenant "$TS" --scopes admin,read,write 2>/dev/null)
for i in 1 2 3 4 5 6; do
  r=$(api "$KS" POST /webhooks -d "{\"url\":\"http://$H:$HP/hang$i\",\"events\":[\"media.ready\"]}")
  echo "$(jget "['secret']" <<<"$r")" >>"$T/secrets"
done
curl -s -o /dev/null -X POST -H "Authorization: Bearer $KS" -d "{\"source_url\":\"http://$H:$SP/f/a.jpg?slow\"}" "$A/media"
wait_for 20 bash -c "[ \$((\$(cat '$T/hold.count') - $HOLD0)) -ge 2 ]"
eq "the slow tenant's deliveries are hanging at its receiver" "$?" 0
r=$(api "$KA" POST /webhooks -d "{\"url\":\"http://$H:$RP/fast\",\"events\":[\"media.ready\"]}")
E5=$(jget "['id']" <<<"$r"); echo "$(jget "['secret']" <<<"$r")" >>"$T/secrets"
id5=$(ingest /f/a.jpg ",\"metadata\":{\"fair\":1}")
wait_for 20 bash -c "grep -q '/fast.*$id5\|$id5.*/fast' '$T/received.jsonl'"
held=$(( $(cat "$T/hold.count") - HOLD0 ))
eq "another tenant's delivery arrived while the slow ones hang" "$(count_received "e['path'] == '/fast' and e['body'] and e['body']['data']['id'] == '$id5'")" 1
check "... with at most 4 of the slow tenant's 6 in flight ($held connections)" test "$held" -le 4
api "$KA" DELETE "/webhooks/$E5" >/dev/null

# ---- secrets never reach a log ----
for s in "$S1" "$CS"; do
  eq "secret ${s:0:10}... in no log" "$(cat "$T/serve.log" "$T/worker.log" | grep -c "$s")" 0
done
finish
