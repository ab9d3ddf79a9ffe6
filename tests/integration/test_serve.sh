#!/usr/bin/env bash
# `mediagate serve` (real h2o) with a real worker, PostgreSQL, Redis and Ceph RGW: every
# route's success and failure paths, bad input that must change nothing, tenant isolation,
# presigned URLs fetched with curl, rate limits shared by two replicas, /ready per
# dependency, CORS, gzip, request ids, security headers, SIGTERM under load.
source "$(dirname "$0")/lib.sh"
SP=26005 SRCH=127.0.0.2
S="http://$SRCH:$SP"
SVC="$SRC/deploy/local/service.sh"
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32" MEDIAGATE_QUEUE_PREFIX="mgserve-$RUN_ID"
export MEDIAGATE_KEY_CACHE_S=1 MEDIAGATE_DRAIN_DELAY_S=1 MEDIAGATE_THREADS=2 MEDIAGATE_BACKEND_THREADS=4
export MEDIAGATE_CORS_ORIGINS="https://app.example" MEDIAGATE_RETRY_ATTEMPTS=1
export MEDIAGATE_RATE_ANON_PER_MIN=1000000   # this suite sends much from one address (see below)
EXIT_HOOKS+=("'$SVC' start redis" "'$SVC' start radosgw" "'$SVC' start postgres")
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
sql() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$1"; }
mkdir -p "$T/root"
fake_jpeg 30000 >"$T/root/a.jpg"
fake_png 3000 >"$T/root/b.png"
bg source $PY "$SRC/tests/tools/source_server.py" --bind $SRCH --port $SP --root "$T/root"
wait_port $SRCH $SP || { bad "source did not start"; finish; }
TA="sa$$" TB="sb$$"
KA=$("$MG" apikey create --tenant "$TA" --scopes read,write 2>/dev/null)
KR=$("$MG" apikey create --tenant "$TA" --scopes read 2>/dev/null)
KB=$("$MG" apikey create --tenant "$TB" --scopes read,write 2>/dev/null)
KX=$("$MG" apikey create --tenant "$TA" --scopes read 2>"$T/kx")
KX_ID=$(sed -n 's/.*created key \([0-9a-f-]*\) .*/\1/p' "$T/kx")
KL=$("$MG" apikey create --tenant "$TA" --scopes read 2>/dev/null)
MEDIAGATE_WORKER_LISTEN=127.0.0.1:26020 MEDIAGATE_SWEEP_AFTER_S=2 "$MG" worker 2>"$T/worker.log" & BG_PIDS+=($!)
start_serve() { # start_serve NAME PORT [env...]
  local name=$1 port=$2; shift 2
  env MEDIAGATE_LISTEN=127.0.0.1:$port MEDIAGATE_ADMIN_LISTEN=127.0.0.1:$((port + 1000)) "$@" \
    "$MG" serve 2>"$T/$name.log" &
  BG_PIDS+=($!); SERVE_PID=$!
  wait_port 127.0.0.1 "$port"
}
start_serve a 26021
A=http://127.0.0.1:26021
api() { # api KEY METHOD PATH [curl args...]: prints "STATUS BODY"
  local key=$1 m=$2 p=$3; shift 3
  curl -s -o "$T/body" -w '%{http_code}' -X "$m" ${key:+-H "Authorization: Bearer $key"} "$@" "$A$p"
  printf ' '; cat "$T/body"
}
code() { api "$@" | head -n 1 | cut -d' ' -f1; }
# adm URL: the admin listener of the replica serving URL (its port + 1000), where /metrics is
adm() { local p=${1##*:}; p=${p%%/*}; printf 'http://127.0.0.1:%d' $((p + 1000)); }
wait_status() { # wait_status ID STATUS
  for _ in $(seq 1 100); do [ "$(sql "SELECT status FROM media WHERE id = '$1'")" = "$2" ] && return 0; sleep 0.2; done; return 1
}
count_rows() { sql "SELECT count(*) FROM media WHERE tenant_id = '$TA'"; }

# ---- liveness, readiness, docs ----
eq "/health answers 200" "$(code "" GET /health)" 200
r=$(api "" GET /ready)
eq "/ready answers 200" "${r%% *}" 200
contains "/ready lists its components" "$r" '"postgres":"ok","redis":"ok","s3":"ok"'
eq "/api/v1/openapi.json answers" "$(code "" GET /api/v1/openapi.json)" 200

# ---- submit, idempotency ----
hdr=$(curl -s -D - -o "$T/post.json" -X POST -H "Authorization: Bearer $KA" -H 'Idempotency-Key: k1' \
      -d "{\"source_url\":\"$S/f/a.jpg\",\"metadata\":{\"alt\":\"a\"}}" "$A/api/v1/media" | tr -d '\r')
contains "POST answers 202" "$hdr" "HTTP/1.1 202"
ID=$(json_field id <"$T/post.json")
contains "... with a Location" "$hdr" "location: /api/v1/media/$ID"
contains "... and RateLimit headers" "$hdr" "ratelimit-remaining:"
again=$(api "$KA" POST /api/v1/media -H 'Idempotency-Key: k1' -d "{\"source_url\":\"$S/f/a.jpg\",\"metadata\":{\"alt\":\"a\"}}")
eq "same key and body: 202" "${again%% *}" 202
eq "... the same record" "$(printf '%s' "${again#* }" | json_field id)" "$ID"
eq "same key, different body: 409" "$(code "$KA" POST /api/v1/media -H 'Idempotency-Key: k1' -d "{\"source_url\":\"$S/f/b.png\"}")" 409
wait_status "$ID" ready; eq "the worker made it ready" "$(sql "SELECT status FROM media WHERE id = '$ID'")" ready

# ---- bad input of every kind: the documented 4xx, and nothing changes ----
before=$(count_rows)
expect() { eq "$1" "$(code "$2" "$3" "$4" "${@:6}")" "$5"; }
expect "malformed JSON: 400" "$KA" POST /api/v1/media 400 -d '{"source_url":'
expect "a JSON array: 422" "$KA" POST /api/v1/media 422 -d '["x"]'
expect "wrong type: 422" "$KA" POST /api/v1/media 422 -d '{"source_url":5}'
expect "unknown field: 422" "$KA" POST /api/v1/media 422 -d "{\"source_url\":\"$S/f/a.jpg\",\"evil\":1}"
expect "metadata not an object: 422" "$KA" POST /api/v1/media 422 -d "{\"source_url\":\"$S/f/a.jpg\",\"metadata\":[1]}"
expect "missing source_url: 422" "$KA" POST /api/v1/media 422 -d '{}'
expect "ftp source_url: 422" "$KA" POST /api/v1/media 422 -d '{"source_url":"ftp://x/a.jpg"}'
head -c 70000 /dev/zero | tr '\0' 'a' | sed 's/^/{"source_url":"http:\/\/x\/a.jpg","metadata":{"pad":"/; s/$/"}}/' >"$T/big.json"
expect "oversized body: 413" "$KA" POST /api/v1/media 413 --data-binary @"$T/big.json"
big_hdr=$(head -c 20000 /dev/zero | tr '\0' 'h')
expect "oversized headers: 431" "$KA" GET "/api/v1/media/$ID" 431 -H "X-Filler: $big_hdr"
expect "no API key: 401" "" GET /api/v1/media 401
expect "garbage API key: 401" "garbage" GET /api/v1/media 401
expect "wrong scheme: 401" "" GET /api/v1/media 401 -H "Authorization: Basic $KA"
expect "read-only key cannot submit: 403" "$KR" POST /api/v1/media 403 -d "{\"source_url\":\"$S/f/a.jpg\"}"
expect "read-only key cannot delete: 403" "$KR" DELETE "/api/v1/media/$ID" 403
expect "invalid id: 404" "$KA" GET /api/v1/media/not-an-id 404
expect "unknown id: 404" "$KA" GET /api/v1/media/00000000-0000-7000-8000-000000000000 404
expect "other tenant's id: 404 (GET)" "$KB" GET "/api/v1/media/$ID" 404
expect "other tenant's id: 404 (url)" "$KB" GET "/api/v1/media/$ID/url" 404
expect "other tenant's id: 404 (content)" "$KB" GET "/api/v1/media/$ID/content" 404
expect "other tenant's id: 404 (DELETE)" "$KB" DELETE "/api/v1/media/$ID" 404
LONGV=$(printf 'r%.0s' $(seq 1 300))
# (issue 15, defect 8: undecodable or too long values were silently ignored)
for q in "page=0" "size=0" "size=1000" "page=abc" "status=bogus" "status=deleted" "after=junk" \
         "after=%zz" "after=$LONGV" "status=%E2%80" "status=$LONGV" "page=%" "page=1$LONGV" "size=%4"; do
  expect "invalid pagination (${q:0:24}): 400" "$KA" GET "/api/v1/media?$q" 400
done
for q in "expires=0" "expires=abc" "expires=999999" "expires=-5" "expires=%zz" "expires=6$LONGV" \
         "disposition=%zz" "disposition=$LONGV"; do
  expect "bad expiry or disposition (${q:0:24}): 400" "$KA" GET "/api/v1/media/$ID/url?$q" 400
done
expect "bad disposition: 400" "$KA" GET "/api/v1/media/$ID/url?disposition=evil" 400
expect "wrong method: 405" "$KA" PUT /api/v1/media 405
expect "unknown route: 404" "$KA" GET /api/v1/elsewhere 404
expect "unknown sub-resource: 404" "$KA" GET "/api/v1/media/$ID/secrets" 404
eq "none of that changed a row" "$(count_rows)" "$before"
contains "errors are problem+json with a stable type" "$(api "$KA" GET /api/v1/media/not-an-id)" '"type":"urn:mediagate:problem:not-found"'
ct=$(curl -s -o /dev/null -w '%{content_type}' "$A/api/v1/media")
eq "... served as application/problem+json" "$ct" "application/problem+json"

# ---- records and presigned URLs ----
rec=$(api "$KA" GET "/api/v1/media/$ID")
eq "GET record: 200" "${rec%% *}" 200
url=$(printf '%s' "${rec#* }" | json_field url)
contains "a ready record carries a presigned url" "$url" "X-Amz-Signature="
contains "... and its expiry" "$rec" '"url_expires_at":"20'
eq "the url fetches the stored bytes (plain curl)" "$(curl -s "$url" | sha)" "$(sha <"$T/root/a.jpg")"
h=$(curl -s -D - -o /dev/null "$url" | tr -d '\r')
contains "the bucket serves the catalog's type" "$h" "Content-Type: image/jpeg"
contains "... inline, with a safe filename" "$h" "Content-Disposition: inline; filename=\"$ID.jpg\""
u1=$(api "$KA" GET "/api/v1/media/$ID/url?expires=120"); u2=$(api "$KA" GET "/api/v1/media/$ID/url?expires=120")
eq "/url: 200" "${u1%% *}" 200
eq "the same request within the window gives the identical URL" "$(printf '%s' "${u1#* }" | json_field url)" "$(printf '%s' "${u2#* }" | json_field url)"
att=$(api "$KA" GET "/api/v1/media/$ID/url?disposition=attachment" | cut -d' ' -f2- | json_field url)
contains "disposition=attachment is honoured" "$(curl -s -D - -o /dev/null "$att" | tr -d '\r')" "Content-Disposition: attachment"
tampered=${url/X-Amz-Signature=/X-Amz-Signature=0}
eq "a tampered URL is refused by the bucket" "$(http_code "$tampered")" 403
h=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $KA" "$A/api/v1/media/$ID/content" | tr -d '\r')
contains "/content: 302" "$h" "HTTP/1.1 302"
contains "... with a short private cache life" "$h" "cache-control: private, max-age=300"
eq "following /content gives the bytes" "$(curl -s -L -H "Authorization: Bearer $KA" "$A/api/v1/media/$ID/content" | sha)" "$(sha <"$T/root/a.jpg")"
ID2=$(api "$KA" POST /api/v1/media -d "{\"source_url\":\"$S/html200\"}" | cut -d' ' -f2- | json_field id)
wait_status "$ID2" failed
expect "failed media: /content 410" "$KA" GET "/api/v1/media/$ID2/content" 410
expect "failed media: /url 410" "$KA" GET "/api/v1/media/$ID2/url" 410
ID3=$(api "$KA" POST /api/v1/media -d "{\"source_url\":\"$S/drip/a.jpg?bps=1000\"}" | cut -d' ' -f2- | json_field id)
expect "not ready yet: /content 409" "$KA" GET "/api/v1/media/$ID3/content" 409
contains "... saying its status" "$(api "$KA" GET "/api/v1/media/$ID3/url")" "status is"

# ---- listing ----
for i in 1 2 3; do api "$KA" POST /api/v1/media -d "{\"source_url\":\"$S/f/b.png?list=$i\"}" >/dev/null; done
l=$(api "$KA" GET "/api/v1/media?page=1&size=2")
eq "list: 200" "${l%% *}" 200
body=${l#* }
total=$(printf '%s' "$body" | json_field total)
eq "list total counts the tenant's media" "$total" "$(sql "SELECT count(*) FROM media WHERE tenant_id = '$TA' AND status <> 'deleted'")"
eq "list size" "$(printf '%s' "$body" | json_field size)" 2
eq "list pages" "$(printf '%s' "$body" | json_field pages)" $(( (total + 1) / 2 ))
cur=$(printf '%s' "$body" | json_field next_cursor)
k=$(api "$KA" GET "/api/v1/media?size=2&after=$cur")
eq "keyset page: 200" "${k%% *}" 200
eq "keyset continues where the page ended" "$(printf '%s' "${k#* }" | $PY -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')" \
  "$(api "$KA" GET "/api/v1/media?page=2&size=2" | cut -d' ' -f2- | $PY -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"
eq "status filter" "$(api "$KA" GET "/api/v1/media?status=failed" | cut -d' ' -f2- | json_field total)" 1
eq "another tenant sees none of it" "$(api "$KB" GET "/api/v1/media" | cut -d' ' -f2- | json_field total)" 0
gz=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $KA" -H 'Accept-Encoding: gzip' "$A/api/v1/media?size=20" | tr -d '\r')
contains "larger JSON is gzipped" "$gz" "content-encoding: gzip"

# ---- delete ----
key=$(sql "SELECT object_key FROM media WHERE id = '$ID'")
expect "DELETE: 204" "$KA" DELETE "/api/v1/media/$ID" 204
expect "deleted: GET 404" "$KA" GET "/api/v1/media/$ID" 404
expect "deleted: /content 404" "$KA" GET "/api/v1/media/$ID/content" 404
expect "deleted twice: 404" "$KA" DELETE "/api/v1/media/$ID" 404
aws_s3 s3api head-object --bucket "$MEDIAGATE_S3_BUCKET" --key "$key" >/dev/null 2>&1; eq "the object is gone" "$?" 254
eq "the row is soft-deleted" "$(sql "SELECT status FROM media WHERE id = '$ID'")" deleted

# ---- the hot-record cache: filled by reads, dropped by a delete on any replica ----
IDC=$(api "$KA" POST /api/v1/media -d "{\"source_url\":\"$S/f/b.png?cache=1\"}" | cut -d' ' -f2- | json_field id)
wait_status "$IDC" ready
start_serve g 26027 MEDIAGATE_RECORD_CACHE_S=30
G=http://127.0.0.1:26027
for _ in 1 2 3; do curl -s -o /dev/null -H "Authorization: Bearer $KA" "$G/api/v1/media/$IDC/url"; done
hits=$(curl -s "$(adm "$G")/metrics" | sed -n 's/^mediagate_record_cache_total{result="hit"} \([0-9]*\).*/\1/p')
check "repeated reads are answered from the cache ($hits hits)" test "${hits:-0}" -ge 2
expect "a cached record still answers through its own replica" "$KA" GET "/api/v1/media/$IDC/url" 200
expect "DELETE on one replica: 204" "$KA" DELETE "/api/v1/media/$IDC" 204
expect "... that replica stops issuing URLs at once" "$KA" GET "/api/v1/media/$IDC/url" 404
g_url() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KA" "$G/api/v1/media/$IDC/url"; }
for _ in $(seq 1 20); do [ "$(g_url)" = 404 ] && break; sleep 0.1; done
eq "... another replica drops it on the delete's event, long before its 30 s cache (issue 29)" "$(g_url)" 404
eq "... nor through /content" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KA" "$G/api/v1/media/$IDC/content")" 404

# ---- revocation within the cache time ----
expect "a key works" "$KX" GET /api/v1/media 200
"$MG" apikey revoke "$KX_ID"; sleep 1.2
expect "... and not after revocation + MEDIAGATE_KEY_CACHE_S" "$KX" GET /api/v1/media 401

# ---- hygiene ----
h=$(curl -s -D - -o /dev/null -H 'X-Request-Id: abc.123-XY' "$A/api/v1/nowhere" | tr -d '\r')
contains "a well-formed X-Request-Id is echoed" "$h" "x-request-id: abc.123-XY"
contains "security headers on errors too (nosniff)" "$h" "x-content-type-options: nosniff"
contains "... frame denial" "$h" "x-frame-options: DENY"
contains "... a CSP that allows nothing" "$h" "content-security-policy: default-src 'none'"
contains "... no referrer" "$h" "referrer-policy: no-referrer"
not_contains "no HSTS over plain HTTP" "$h" "strict-transport-security"
h=$(curl -s -D - -o /dev/null -H 'X-Request-Id: bad id!' "$A/health" | tr -d '\r')
contains "a malformed X-Request-Id is replaced" "$h" "x-request-id: req-"
grep -q '"request_id":"abc.123-XY"' "$T/a.log"; eq "the access log carries the request id" "$?" 0
h=$(curl -s -D - -o /dev/null -H 'Origin: https://app.example' "$A/health" | tr -d '\r')
contains "an allowed origin gets CORS headers" "$h" "access-control-allow-origin: https://app.example"
h=$(curl -s -D - -o /dev/null -H 'Origin: https://evil.example' "$A/health" | tr -d '\r')
not_contains "another origin does not" "$h" "access-control-allow-origin"
eq "preflight from an allowed origin: 204" "$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS -H 'Origin: https://app.example' "$A/api/v1/media")" 204
eq "preflight from another origin: 403" "$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS -H 'Origin: https://evil.example' "$A/api/v1/media")" 403
# issue 15, defect 8: /metrics is on the admin listener (loopback by default), not the API's
eq "/metrics is not on the API listener" "$(code "" GET /metrics)" 404
m=$(curl -s "$(adm "$A")/metrics")
contains "metrics: requests by route, method and status" "$m" 'mediagate_http_requests_total{route="media_url",method="GET",status="200"}'
contains "metrics: latency histogram" "$m" 'mediagate_http_request_duration_seconds_bucket{route="media_id",method="GET",le="+Inf"}'
contains "metrics: presigns issued" "$m" "mediagate_presigns_total"

# ---- rate limits: two replicas share one budget per key ----
start_serve c 26023 MEDIAGATE_RATE_READ_PER_MIN=6
start_serve d 26024 MEDIAGATE_RATE_READ_PER_MIN=6
codes=""
for i in 1 2 3 4 5 6 7 8; do
  port=$([ $((i % 2)) = 0 ] && echo 26023 || echo 26024)
  codes="$codes $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KL" "http://127.0.0.1:$port/api/v1/media")"
done
eq "6 allowed across both replicas, then 429" "$codes" " 200 200 200 200 200 200 429 429"
h=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $KL" http://127.0.0.1:26023/api/v1/media | tr -d '\r')
contains "429 carries Retry-After" "$h" "retry-after:"
contains "... and RateLimit-Remaining 0" "$h" "ratelimit-remaining: 0"
contains "metrics count rejections" "$(curl -s "$(adm http://127.0.0.1:26023)/metrics")" "mediagate_rate_limited_total"
# a larger budget is spent through local leases (several tokens per Redis call), still shared
kill "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
start_serve e 26028 MEDIAGATE_RATE_READ_PER_MIN=300; E1=$SERVE_PID
start_serve f 26029 MEDIAGATE_RATE_READ_PER_MIN=300; F1=$SERVE_PID
KM=$("$MG" apikey create --tenant "$TA" --scopes read 2>/dev/null)
# half listings (backend), half presigns of a ready record (the loop's fast path once cached):
# both spend the same budget
IDR=$(sql "INSERT INTO media (id, tenant_id, status, source_url, request_sha256, bucket, object_key, content_type, size_bytes)
  VALUES (gen_random_uuid(), '$TA', 'ready', 'https://x/r.png', 'x', '$MEDIAGATE_S3_BUCKET', 'rl/$$.png', 'image/png', 1) RETURNING id" | head -n 1)
urls() { for _ in $(seq 1 125); do
  printf 'url = "http://127.0.0.1:%s/api/v1/media?size=1"\noutput = "/dev/null"\n' "$1"
  printf 'url = "http://127.0.0.1:%s/api/v1/media/%s/url"\noutput = "/dev/null"\n' "$1" "$IDR"; done; }
urls 26028 >"$T/e.cfg"; urls 26029 >"$T/f.cfg"
t0=$(date +%s.%N)
curl -s -K "$T/e.cfg" -H "Authorization: Bearer $KM" -w '%{http_code}\n' >"$T/e.codes" &
curl -s -K "$T/f.cfg" -H "Authorization: Bearer $KM" -w '%{http_code}\n' >"$T/f.codes"
wait $!
t1=$(date +%s.%N)
admitted=$(cat "$T/e.codes" "$T/f.codes" | grep -c '^200$')
refused=$(cat "$T/e.codes" "$T/f.codes" | grep -c '^429$')
most=$($PY -c "print(int(300 + 5 * ($t1 - $t0)) + 1)")
check "500 requests on two replicas, 300/min budget: $admitted admitted (at most $most), $refused refused" \
  test "$admitted" -le "$most" -a "$admitted" -ge 280 -a $((admitted + refused)) = 500
reserved=0
for p in 26028 26029; do
  n=$(curl -s "$(adm "http://127.0.0.1:$p")/metrics" | sed -n 's/^mediagate_rate_limit_reservations_total \([0-9]*\).*/\1/p')
  reserved=$((reserved + ${n:-0}))
done
check "... with fewer Redis reservations ($reserved) than admitted requests" test "$reserved" -gt 0 -a "$reserved" -lt "$admitted"
hits=$(curl -s "$(adm http://127.0.0.1:26028)/metrics" | sed -n 's/^mediagate_record_cache_total{result="hit"} \([0-9]*\).*/\1/p')
check "... the presigns were answered from the cache ($hits hits), inside the same budget" test "${hits:-0}" -gt 10
kill "$E1" "$F1"; wait "$E1" "$F1" 2>/dev/null

# ---- issue 15, defect 8: presigning with a long STS session token ----
TOKEN=$(head -c 1300 /dev/urandom | base64 -w0)   # ~1750 bytes, with + / =
start_serve k 26033 AWS_SESSION_TOKEN="$TOKEN"
KS=$SERVE_PID; K=http://127.0.0.1:26033
IDT=$(sql "INSERT INTO media (id, tenant_id, status, source_url, request_sha256, bucket, object_key, content_type, size_bytes)
  VALUES (gen_random_uuid(), '$TA', 'ready', 'https://x/t.png', 'x', '$MEDIAGATE_S3_BUCKET', 'tok/$$.png', 'image/png', 1) RETURNING id" | head -n 1)
r=$(curl -s -H "Authorization: Bearer $KA" "$K/api/v1/media/$IDT/url")
contains "a ${#TOKEN}-byte session token: /url answers a URL" "$r" '"url":"'
contains "... carrying the whole token" "$(printf '%s' "$r" | json_field url)" "X-Amz-Security-Token=$($PY -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$TOKEN")&"
loc=$(curl -s -o /dev/null -w '%{redirect_url}' -H "Authorization: Bearer $KA" "$K/api/v1/media/$IDT/content")
contains "... and /content redirects to the whole URL" "$loc" "&X-Amz-Signature="
check "... $(printf '%s' "$loc" | wc -c) bytes long" test "$(printf '%s' "$loc" | wc -c)" -gt 2048
contains "the CLI presigns with it too" "$(AWS_SESSION_TOKEN="$TOKEN" "$MG" presign --key k/x.png)" "X-Amz-Signature="
kill "$KS"; wait "$KS" 2>/dev/null

# ---- issue 15, defect 6: unauthenticated load is bounded ----
# h trusts 127.0.0.1 as a proxy (its X-Forwarded-For names the client); i trusts nobody
start_serve h 26030 MEDIAGATE_RATE_ANON_PER_MIN=10 MEDIAGATE_KEY_CACHE_S=30 MEDIAGATE_TRUSTED_PROXIES=127.0.0.1/32
HS=$SERVE_PID; H=http://127.0.0.1:26030
hcode() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
metric() { curl -s "$(adm "$1")/metrics" | sed -n "s/^$2 \([0-9]*\).*/\1/p"; }
eq "a known key, looked up once, is not gated" "$(hcode -H "Authorization: Bearer $KA" -H 'X-Forwarded-For: 198.51.100.1' "$H/api/v1/media")" 200
BADK="mgk_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
l0=$(metric "$H" mediagate_apikey_lookups_total)
for _ in 1 2 3 4 5; do hcode -H "Authorization: Bearer $BADK" -H 'X-Forwarded-For: 198.51.100.1' "$H/api/v1/media" >>"$T/bad.codes"; echo >>"$T/bad.codes"; done
eq "an unknown key: 401 five times" "$(grep -c '^401$' "$T/bad.codes")" 5
eq "... looked up in PostgreSQL once (remembered as unknown)" "$(( $(metric "$H" mediagate_apikey_lookups_total) - l0 ))" 1
for _ in $(seq 1 10); do hcode -H 'X-Forwarded-For: 198.51.100.1' "$H/api/v1/media" >>"$T/anon.codes"; echo >>"$T/anon.codes"; done
# 10 tokens: 1 for the known key's first (uncached) request, 5 for the unknown key, 4 left
eq "no key from one address: its budget (10/min) runs out, then 429" "$(grep -c '^429$' "$T/anon.codes")" 6
curl -s -D "$T/h429" -o "$T/b429" -H 'X-Forwarded-For: 198.51.100.1' "$H/api/v1/media" >/dev/null
contains "... with Retry-After" "$(tr -d '\r' <"$T/h429")" "retry-after: "
contains "... as problem+json" "$(cat "$T/b429")" "urn:mediagate:problem:rate-limited"
eq "another client address (behind the trusted proxy) still gets its own 401" \
  "$(hcode -H 'X-Forwarded-For: 198.51.100.2' "$H/api/v1/media")" 401
eq "a valid cached key from the spent address is served" \
  "$(hcode -H "Authorization: Bearer $KA" -H 'X-Forwarded-For: 198.51.100.1' "$H/api/v1/media")" 200
contains "refusals are counted" "$(curl -s "$(adm "$H")/metrics")" 'mediagate_unauthenticated_refused_total{reason="address_budget"}'
start_serve i 26031 MEDIAGATE_RATE_ANON_PER_MIN=3
IS=$SERVE_PID; I=http://127.0.0.1:26031
for n in 1 2 3 4 5; do hcode -H "X-Forwarded-For: 203.0.113.$n" "$I/api/v1/media" >>"$T/spoof.codes"; echo >>"$T/spoof.codes"; done
eq "without trusted proxies X-Forwarded-For is ignored: spoofed addresses share the budget" "$(grep -c '^429$' "$T/spoof.codes")" 2
# /ready: anyone may ask, the dependencies are checked at most about once a second
r0=$(metric "$I" mediagate_ready_checks_total); t0=$(date +%s.%N)
for _ in $(seq 1 60); do hcode "$I/ready" >>"$T/ready.codes"; echo >>"$T/ready.codes"; done
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'); checks=$(( $(metric "$I" mediagate_ready_checks_total) - ${r0:-0} ))
eq "60 /ready probes answered 200" "$(grep -c '^200$' "$T/ready.codes")" 60
check "... with $checks checks in ${secs}s (at most one a second, plus one)" \
  awk -v c="$checks" -v s="$secs" 'BEGIN { exit !(c >= 1 && c <= int(s) + 2) }'
kill "$HS" "$IS"; wait "$HS" "$IS" 2>/dev/null
# the backend queue is bounded: with PostgreSQL frozen, requests beyond it are shed with 503
start_serve j 26032 MEDIAGATE_BACKEND_THREADS=1 MEDIAGATE_BACKEND_QUEUE=3
JS=$SERVE_PID; J=http://127.0.0.1:26032
# every PostgreSQL process, not only the postmaster: the backends already connected (through
# pgbouncer's pool in the pooled run) would go on answering
PGPID=$(cut -d' ' -f1 "$MEDIAGATE_STACK_DIR/pids/postgres")
kill -STOP "$PGPID"; PGPIDS="$PGPID $(pgrep -P "$PGPID" | tr '\n' ' ')"
EXIT_HOOKS+=("kill -CONT $PGPIDS")
kill -STOP $PGPIDS
QP=()
for n in $(seq 1 10); do curl -s -o /dev/null -w '%{http_code}\n' -m 20 -H "Authorization: Bearer $KL" "$J/api/v1/media" >"$T/q.$n" & QP+=($!); done
sleep 1.5
shed=$(cat "$T"/q.* 2>/dev/null | grep -c '^503$')
eq "PostgreSQL frozen: 1 request on the backend thread, 3 waiting, 6 shed at once" "$shed" 6
kill -CONT $PGPIDS
for p in "${QP[@]}"; do wait "$p"; done
eq "... and the 4 that waited were answered when it came back" "$(cat "$T"/q.* | grep -vc '^503$')" 4
contains "... shed requests are counted" "$(curl -s "$(adm "$J")/metrics")" "mediagate_http_shed_total 6"
kill "$JS"; wait "$JS" 2>/dev/null

# ---- dependencies: /ready stays 200 and says which is down; requests that need one answer
# 503 with Retry-After; the limiter fails open (issue 26: a replica out of rotation for a
# dependency every replica shares leaves the load balancer with none) ----
comp() { api "" GET /ready | grep -o "\"$1\":\"[a-z]*\""; }
back() { for _ in $(seq 1 50); do [ "$(comp "$1")" = "\"$1\":\"ok\"" ] && return 0; sleep 0.2; done; return 1; }
"$SVC" stop redis
sleep 1.1   # /ready answers from a check at most a second old
r=$(api "" GET /ready); eq "Redis down: /ready still 200 (this replica can work)" "${r%% *}" 200
contains "... naming redis down" "$r" '"redis":"down"'
contains "... degraded" "$r" '"status":"degraded"'
contains "... and the metric says so" "$(curl -s "$(adm "$A")/metrics")" 'mediagate_dependency_up{dependency="redis"} 0'
expect "Redis down: requests still answered (limiter fails open)" "$KA" GET /api/v1/media 200
contains "... and it shows in the metrics" "$(curl -s "$(adm "$A")/metrics")" "mediagate_rate_limiter_unavailable_total"
"$SVC" start redis
check "Redis back: /ready says ok" back redis
"$SVC" stop radosgw
sleep 1.1
r=$(api "" GET /ready); eq "S3 down: /ready 200" "${r%% *}" 200
contains "... naming s3" "$r" '"s3":"down"'
"$SVC" start radosgw
check "S3 back: /ready says ok" back s3
# a ready record's URL, cached on this replica before PostgreSQL goes
IDP=$(api "$KA" POST /api/v1/media -d "{\"source_url\":\"$S/f/b.png?dep=1\"}" | cut -d' ' -f2- | json_field id)
wait_status "$IDP" ready
for _ in 1 2 3; do code "$KA" GET "/api/v1/media/$IDP/url" >/dev/null; done
"$SVC" stop postgres
sleep 1.1
r=$(api "" GET /ready); eq "PostgreSQL down: /ready 200" "${r%% *}" 200
contains "... naming postgres" "$r" '"postgres":"down"'
expect "PostgreSQL down: a cached /url still answers 200" "$KA" GET "/api/v1/media/$IDP/url" 200
h=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $KB" "$A/api/v1/media" | tr -d '\r')
contains "PostgreSQL down: an uncached read answers 503, not a hang" "$h" " 503"
contains "... with Retry-After" "$(tr 'A-Z' 'a-z' <<<"$h")" "retry-after:"
"$SVC" start postgres
check "PostgreSQL back: /ready says ok" back postgres
eq "... and 200" "$(code "" GET /ready)" 200

# ---- SIGTERM under load: /ready 503 at once, no request dropped, exit 0 ----
start_serve e 26025 MEDIAGATE_DRAIN_DELAY_S=4
E=$SERVE_PID
ID4=$(api "$KA" POST /api/v1/media -d "{\"source_url\":\"$S/f/b.png?load=1\"}" | cut -d' ' -f2- | json_field id)
[ -n "$ID4" ]; eq "submitting works again after the PostgreSQL restart (no stale connection)" "$?" 0
wait_status "$ID4" ready
eq "... and the job completes" "$(sql "SELECT status FROM media WHERE id = '$ID4'")" ready
# Bounded by time, not by count: each client sends requests until 2 s after SIGTERM, well
# inside the 4 s drain, so a slow machine sends fewer requests instead of sending them after
# the listener has closed. Each line: the microsecond the request started, and its status.
now_us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
t0=$(now_us); term_at=$((t0 + 200000)); stop_at=$((term_at + 2000000))
load() { local t; while t=$(now_us); [ "$t" -lt "$stop_at" ]; do
  echo "$t $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KA" \
    "http://127.0.0.1:26025/api/v1/media/$ID4/url")"; done; }
LOADS=()
for i in 1 2 3 4; do load >"$T/load.$i" & LOADS+=($!); done
sleep 0.2
kill -TERM "$E"; term_at=$(now_us)
sleep 0.2
eq "draining: /ready answers 503" "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:26025/ready)" 503
for p in "${LOADS[@]}"; do wait "$p"; done
wait "$E"; rc=$?
eq "SIGTERM: exit 0" "$rc" 0
n=$(cat "$T"/load.* | wc -l); good=$(cat "$T"/load.* | grep -c ' 200$')
during=$(cat "$T"/load.* | awk -v t="$term_at" '$1 > t' | wc -l)
check "the load ran into the drain ($during of $n requests sent after SIGTERM)" [ "$during" -ge 4 ]
eq "every request sent during the drain was answered 200" "$good" "$n"
[ "$good" = "$n" ] && [ "$rc" = 0 ] || { cut -d' ' -f2 "$T"/load.* | sort | uniq -c; tail -n 30 "$T/e.log"; }

# ---- the OpenAPI document matches the routes ----
$PY "$SRC/tests/integration/openapi_check.py" "$A" "$KA" "$ID4" "$ID2" >"$T/oa" 2>&1
eq "every route in openapi.json answers as documented" "$?" 0
tail -n 1 "$T/oa"
finish
