#!/usr/bin/env bash
# Traces (issue 13, item 3): a client's W3C traceparent/tracestate is continued by serve,
# stored with the job, continued by the worker, sent on the source download and the webhook
# delivery, written in every log line of the request and of the job, and exported as
# OTLP/HTTP JSON spans (serve's server span the child of the client's span, the worker's
# ingest span the child of serve's, the webhook's client span in the same trace) to a local
# receiver. Without (or with a malformed) traceparent a new trace starts. A collector that is
# down costs no request: spans are counted as failed.
source "$(dirname "$0")/lib.sh"
P=26170 WP=26171 SP=26172 RP=26173 OP=26174
H=127.0.0.2
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$H/32" MEDIAGATE_QUEUE_PREFIX="mgtrace-$RUN_ID"
export MEDIAGATE_OTLP_ENDPOINT="http://127.0.0.1:$OP/v1/traces" MEDIAGATE_WEBHOOK_POLL_MS=100
TEN="tr$$"
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
KA=$("$MG" apikey create --tenant "$TEN" --scopes admin 2>/dev/null)
mkdir -p "$T/root"
fake_jpeg 30000 >"$T/root/a.jpg"
: >"$T/secrets"
bg otlp $PY "$SRC/tests/tools/otlp_receiver.py" --port $OP --out "$T/spans.jsonl"
OTLP_PID=${BG_PIDS[-1]}
bg source $PY "$SRC/tests/tools/source_server.py" --bind $H --port $SP --root "$T/root" --trace-log "$T/source-traces"
bg receiver $PY "$SRC/tests/tools/webhook_receiver.py" --bind $H --port $RP --secrets "$T/secrets" --log "$T/received.jsonl"
wait_port 127.0.0.1 $OP && wait_port $H $SP && wait_port $H $RP || { bad "helpers did not start"; finish; }
env MEDIAGATE_LISTEN=127.0.0.1:$P MEDIAGATE_ADMIN_LISTEN=127.0.0.1:$((P + 1000)) "$MG" serve 2>"$T/serve.log" &
BG_PIDS+=($!)
env MEDIAGATE_WORKER_LISTEN=127.0.0.1:$WP "$MG" worker 2>"$T/worker.log" &
BG_PIDS+=($!)
wait_port 127.0.0.1 $P && wait_port 127.0.0.1 $WP || { bad "serve/worker did not start"; finish; }
A=http://127.0.0.1:$P/api/v1
sql() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$1"; }
wait_for() { local t=$1; shift; for _ in $(seq 1 $((t * 5))); do "$@" && return 0; sleep 0.2; done; return 1; }
spans() { # spans PYTHON-FILTER -> matching span lines
  $PY - "$T/spans.jsonl" "$1" <<'PYEOF'
import json, sys
f = eval("lambda s: " + sys.argv[2])
try:
    for l in open(sys.argv[1]):
        if not l.endswith("\n"):
            break  # a line the receiver is still writing
        s = json.loads(l)
        if "bad" not in s and f(s):
            print(json.dumps(s))
except OSError:
    pass
PYEOF
}
field() { $PY -c 'import json,sys; print(json.loads(sys.stdin.readline())[sys.argv[1]])' "$1"; }

r=$(curl -s -X POST -H "Authorization: Bearer $KA" -d "{\"url\":\"http://$H:$RP/ok\",\"events\":[\"media.ready\"]}" "$A/webhooks")
$PY -c 'import json,sys; print(json.loads(sys.argv[1])["secret"])' "$r" >>"$T/secrets"

# ---- a traced request: its trace runs through serve, the job, the source and the webhook ----
TID=4bf92f3577b34da6a3ce929d0e0e4736 CSPAN=00f067aa0ba902b7
id=$(curl -s -X POST -H "Authorization: Bearer $KA" -H "traceparent: 00-$TID-$CSPAN-01" \
  -H "tracestate: vendor=abc" -d "{\"source_url\":\"http://$H:$SP/f/a.jpg\"}" "$A/media" | json_field id)
wait_for 30 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$id'\")\" = ready ]"
eq "the traced media is ready" "$(sql "SELECT status FROM media WHERE id = '$id'")" ready
tp=$(sql "SELECT traceparent FROM media WHERE id = '$id'")
contains "the job row carries the request's trace" "$tp" "00-$TID-"
not_contains "... naming serve's span, not the client's" "$tp" "$CSPAN"
eq "... and the client's tracestate" "$(sql "SELECT tracestate FROM media WHERE id = '$id'")" "vendor=abc"
wait_for 10 grep -q "\"trace_id\":\"$TID\"" "$T/worker.log"
post_line=$(grep '"msg":"request"' "$T/serve.log" | grep '"method":"POST"' | grep "$TID")
contains "serve's access log line names the trace" "$post_line" "\"trace_id\":\"$TID\""
# issue 26, logs: who and what, in every access line
contains "... the client's address" "$post_line" '"client":"127.0.0.1"'
contains "... the tenant" "$post_line" "\"tenant\":\"$(sql "SELECT tenant_id FROM media WHERE id = '$id'")\""
contains "... the key's prefix (never the key)" "$post_line" "\"key_prefix\":\"${KA:0:12}\""
not_contains "... and not the key itself" "$(cat "$T/serve.log")" "$KA"
contains "... the route" "$post_line" '"route":"media"'
contains "... and the bytes sent" "$post_line" '"bytes":'
curl -s -o /dev/null "http://127.0.0.1:$P/health"
not_contains "probes are logged at debug, not info" "$(grep '"msg":"request"' "$T/serve.log")" '"path":"/health"'
jl=$(grep "\"trace_id\":\"$TID\"" "$T/worker.log")
contains "the worker's lines of the job name it" "$jl" "transfer started"
contains "... up to ready" "$jl" "ready: "
eq "every worker line about the job names it" \
  "$(grep -c "$id\|transfer started\|\"msg\":\"ready: " "$T/worker.log")" "$(grep "$id\|transfer started\|\"msg\":\"ready: " "$T/worker.log" | grep -c "\"trace_id\":\"$TID\"")"
src_tp=$(grep '^/f/a.jpg ' "$T/source-traces" | head -1 | cut -d' ' -f2)
contains "the source download carried the trace" "$src_tp" "00-$TID-"
wait_for 15 grep -q "$TID" "$T/received.jsonl"
contains "the webhook delivery carried the trace" "$(grep "$id" "$T/received.jsonl")" "00-$TID-"

# ---- the spans, as the collector received them ----
# serve and the worker each export once a second, independently: wait for every span the
# checks below read (serve's can arrive after the worker's webhook span)
all_spans_in() { # serve's, the job's and the webhook's spans of the trace have arrived
  local got
  got=$(spans "s['traceId'] == '$TID'")
  grep -q '"service": "mediagate-serve"' <<<"$got" && grep -q '"name": "ingest"' <<<"$got" &&
    grep -q '"name": "webhook media.ready"' <<<"$got"
}
wait_for 15 all_spans_in
s_serve=$(spans "s['traceId'] == '$TID' and s['service'] == 'mediagate-serve' and s['attributes'].get('http.request.method') == 'POST'")
eq "serve exported the request's server span" "$(wc -l <<<"$s_serve" | tr -d ' ')/$(field kind <<<"$s_serve")" "1/2"
eq "... the child of the client's span" "$(field parentSpanId <<<"$s_serve")" "$CSPAN"
SERVE_SPAN=$(field spanId <<<"$s_serve")
eq "... whose id the job row names" "$tp" "00-$TID-$SERVE_SPAN-01"
s_job=$(spans "s['traceId'] == '$TID' and s['service'] == 'mediagate-worker' and s['name'] == 'ingest'")
eq "the worker exported the job's span (consumer)" "$(field kind <<<"$s_job")" 5
eq "... the child of serve's span" "$(field parentSpanId <<<"$s_job")" "$SERVE_SPAN"
JOB_SPAN=$(field spanId <<<"$s_job")
eq "the source request names the job's span as its parent" "$src_tp" "00-$TID-$JOB_SPAN-01"
eq "... the job span says ready" "$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["attributes"]["mediagate.outcome"])' "$s_job")" ack
s_hook=$(spans "s['traceId'] == '$TID' and s['name'] == 'webhook media.ready'")
eq "the webhook attempt is a client span of the same trace" "$(field kind <<<"$s_hook" | head -1)" 3
eq "... under serve's span (the event belongs to the request)" "$(field parentSpanId <<<"$s_hook" | head -1)" "$SERVE_SPAN"
eq "no malformed export reached the collector" "$(grep -c '"bad"' "$T/spans.jsonl")" 0

# ---- no traceparent, or a malformed one: a new trace, never an error ----
for hdr in "" "traceparent: 00-$TID-0000000000000000-01" "traceparent: zz-not-a-trace"; do
  rid="trace-new-$RANDOM"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Request-Id: $rid" ${hdr:+-H "$hdr"} -H "Authorization: Bearer $KA" "$A/media/$id")
  eq "GET with '${hdr:-no traceparent}': 200" "$code" 200
  line=$(grep "\"request_id\":\"$rid\"" "$T/serve.log" | grep '"msg":"request"')
  t=$($PY -c 'import json,sys; print(json.loads(sys.argv[1]).get("trace_id",""))' "$line")
  check "... a new 32-hex trace id in its log line" bash -c "[[ '$t' =~ ^[0-9a-f]{32}$ ]] && [ '$t' != '$TID' ]"
done

# ---- the collector down: requests unaffected, spans counted as failed ----
kill "$OTLP_PID"; wait "$OTLP_PID" 2>/dev/null
fails=0
for i in $(seq 1 20); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KA" "$A/media/$id")" = 200 ] || fails=$((fails + 1))
done
eq "with the collector down, 20 requests answered 200" "$fails" 0
wait_for 10 bash -c "curl -s 127.0.0.1:$((P + 1000))/metrics | grep -q 'mediagate_otlp_spans_total{result=\"failed\"} [1-9]'"
contains "the spans that could not be sent are counted" "$(curl -s 127.0.0.1:$((P + 1000))/metrics | grep 'mediagate_otlp_spans_total{result="failed"}')" "failed"
finish
