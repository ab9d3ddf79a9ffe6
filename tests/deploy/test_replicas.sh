#!/usr/bin/env bash
# The scaled-out service the README's run command starts (deploy/local/replicas.sh): 2 serve
# and 2 worker processes behind haproxy (deploy/haproxy), on the test stack. The config passes
# `haproxy -c`; images ingested through the load balancer become ready and their presigned
# URLs serve the bytes; both replicas take requests (no stickiness); X-Request-Id is generated
# or passed; a replica stopped with SIGTERM under load is drained without a failed request;
# the stats page answers on loopback; a second start reuses what runs; stop stops it all.
source "$(dirname "$0")/lib.sh"
need haproxy cjpeg
RPORT=${MEDIAGATE_REDIS_URL##*:}; RPORT=${RPORT%%/*}
export MEDIAGATE_PORT_BASE=$((RPORT - 379)) MEDIAGATE_BIN=$MG
LB="http://127.0.0.1:$((MEDIAGATE_PORT_BASE + 80))"
RS="$SRC/deploy/local/replicas.sh"
export MEDIAGATE_RATE_ANON_PER_MIN=20 # the forged X-Forwarded-For check below
EXIT_HOOKS+=("'$RS' stop")
MEDIAGATE_SERVE_ADDRS="127.0.0.1:1 127.0.0.1:2" MEDIAGATE_LB_STATE="$T/lbcheck" \
  "$SRC/deploy/haproxy/run.sh" --check
eq "haproxy -c accepts deploy/haproxy/haproxy.cfg with a generated server list" "$?" 0

"$RS" start 2>"$T/start.log" || { bad "replicas.sh start"; cat "$T/start.log"; finish; }
eq "six processes run (source, 2 serve, 2 worker, haproxy)" "$("$RS" status | grep -c running)" 6
"$RS" start 2>"$T/start2.log"
eq "a second start reuses them (nothing started again)" "$(grep -c started "$T/start2.log")" 0

KEY=$("$MG" apikey create --tenant "rep$$" --scopes read,write 2>/dev/null)
src="http://127.0.0.2:$((MEDIAGATE_PORT_BASE + 90))"
ids=()
for f in sunset.jpg checkers.png gradient.png; do
  ids+=("$(curl -s -X POST -H "Authorization: Bearer $KEY" -d "{\"source_url\":\"$src/$f\"}" "$LB/api/v1/media" | json_field id)")
done
for i in 0 1 2; do
  for _ in $(seq 1 100); do
    st=$(curl -s -H "Authorization: Bearer $KEY" "$LB/api/v1/media/${ids[$i]}" | json_field status)
    [ "$st" = ready ] && break; sleep 0.2
  done
done
n=0; for i in 0 1 2; do f=(sunset.jpg checkers.png gradient.png); f=${f[$i]}
  url=$(curl -s -H "Authorization: Bearer $KEY" "$LB/api/v1/media/${ids[$i]}/url" | json_field url)
  [ "$(curl -s "$url" | sha)" = "$(sha <"$MEDIAGATE_STACK_DIR/samples/$f")" ] && n=$((n + 1))
done
eq "3 sample images (JPEG, PNG) ingested through haproxy, each fetched from its presigned URL" "$n" 3
s1=$(grep -c '"msg":"request"' "$MEDIAGATE_STACK_DIR/log/serve1.log"); s2=$(grep -c '"msg":"request"' "$MEDIAGATE_STACK_DIR/log/serve2.log")
for _ in $(seq 1 20); do curl -s -o /dev/null -H "Authorization: Bearer $KEY" "$LB/api/v1/media?size=1"; done
d1=$(( $(grep -c '"msg":"request"' "$MEDIAGATE_STACK_DIR/log/serve1.log") - s1 )); d2=$(( $(grep -c '"msg":"request"' "$MEDIAGATE_STACK_DIR/log/serve2.log") - s2 ))
check "no stickiness: 20 requests reached both replicas ($d1 and $d2)" test "$d1" -ge 3 -a "$d2" -ge 3
rid=$(curl -s -D - -o /dev/null "$LB/health" | tr -d '\r' | sed -n 's/^x-request-id: //Ip')
check "haproxy makes an X-Request-Id when there is none ($rid)" \
  grep -qE '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' <<<"$rid"
# (the API document, not /health: probes are logged at debug)
eq "... and passes the client's on" "$(curl -s -D - -o /dev/null -H 'X-Request-Id: client-id-42' "$LB/api/v1/openapi.json" | tr -d '\r' | sed -n 's/^x-request-id: //Ip')" client-id-42
grep -q '"request_id":"client-id-42"' "$MEDIAGATE_STACK_DIR"/log/serve?.log
eq "... which the replica logs" "$?" 0

# A delete is seen by every replica at once (issue 29, item 5): both replicas have the record
# in their hot cache; a DELETE through haproxy reaches one, and the other drops its copy on
# the delete's event (Redis pub/sub), not when its cache entry lapses (30 s).
victim=${ids[1]}
for port in $((MEDIAGATE_PORT_BASE + 81)) $((MEDIAGATE_PORT_BASE + 82)); do
  for _ in 1 2 3; do curl -s -o /dev/null -H "Authorization: Bearer $KEY" "http://127.0.0.1:$port/api/v1/media/$victim/url"; done
done
eq "the record is cached on both replicas (200 from each)" \
  "$(for port in $((MEDIAGATE_PORT_BASE + 81)) $((MEDIAGATE_PORT_BASE + 82)); do curl -s -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer $KEY" "http://127.0.0.1:$port/api/v1/media/$victim/url"; done)" "200 200 "
eq "DELETE through haproxy" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $KEY" "$LB/api/v1/media/$victim")" 204
gone_on() { [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "http://127.0.0.1:$1/api/v1/media/$victim/url")" = 404 ]; }
for port in $((MEDIAGATE_PORT_BASE + 81)) $((MEDIAGATE_PORT_BASE + 82)); do
  for _ in $(seq 1 30); do gone_on "$port" && break; sleep 0.1; done
  check "... replica on $port answers 404 for it within 3 s (not after its 30 s cache)" gone_on "$port"
done
codes=$(for _ in $(seq 1 10); do curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $KEY" "$LB/api/v1/media/$victim/url"; done | sort -u | tr '\n' ' ')
eq "... and through haproxy every answer is 404" "$codes" "404 "

# The front door through haproxy (issue 24). Defect 1: the session route with a cookie, the
# page's header and an Idempotency-Key (which haproxy used to retry on an empty answer) and no
# key answers 401, and both replicas live on.
cookie=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $KEY" "$LB/app/session" |
  tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(mediagate_session=[^;]*\).*/\1/p')
check "a session cookie through haproxy" test -n "$cookie"
eq "POST /app/session with the cookie alone (and X-Mediagate-App, Idempotency-Key) -> 401" \
  "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Cookie: $cookie" -H 'X-Mediagate-App: 1' \
     -H 'Idempotency-Key: once' "$LB/app/session")" 401
eq "... and every process still runs" "$("$RS" status | grep -c running)" 6
# Defect 2: the anonymous budget is the client's, whatever X-Forwarded-For it forges. The
# client connects from 127.0.0.3 (not a trusted proxy), so haproxy's line names it; the
# forged first line must not choose the budget (20 a minute per replica here).
codes=$(for i in $(seq 1 90); do
  curl -s -o /dev/null -w '%{http_code}\n' --interface 127.0.0.3 -H "X-Forwarded-For: 198.51.100.$i" "$LB/api/v1/media"
done | sort | uniq -c | tr '\n' ' ')
n429=$(grep -o '[0-9]* 429' <<<"$codes" | cut -d' ' -f1)
check "90 unauthenticated requests with forged X-Forwarded-For values are limited ($codes)" \
  test "${n429:-0}" -ge 40

# SIGTERM to one replica under load: its /ready turns 503, haproxy takes it out, it finishes
# what it has; no client request fails
load() { for _ in $(seq 1 60); do curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $KEY" \
  "$LB/api/v1/media/${ids[0]}/url"; sleep 0.05; done; }
LP=(); for c in 1 2 3; do load >"$T/load.$c" & LP+=($!); done
sleep 0.5
read -r pid _ <"$MEDIAGATE_STACK_DIR/pids/serve1"
kill -TERM "$pid"
for p in "${LP[@]}"; do wait "$p"; done
total=$(cat "$T"/load.* | wc -l); good=$(cat "$T"/load.* | grep -c '^200$')
eq "a replica drained under load: $total requests, all answered 200" "$good" "$total"
contains "... the stats page (loopback) shows it down" \
  "$(curl -s "http://127.0.0.1:$((MEDIAGATE_PORT_BASE + 404))/stats;csv" | grep '^serve,serve1,')" ",DOWN,"
for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done   # drained and gone
"$RS" start 2>/dev/null
eq "start brings the stopped replica back" "$("$RS" status | grep -c running)" 6
"$RS" stop 2>/dev/null
eq "stop stops them all" "$("$RS" status | grep -c stopped)" 6
finish
