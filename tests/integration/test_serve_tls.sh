#!/usr/bin/env bash
# `mediagate serve` over TLS (MEDIAGATE_TLS_CERT/KEY): HTTP/2 by ALPN and HTTP/1.1, HSTS on
# every response, the API end to end over h2 (many streams on one connection), plaintext
# refused on the TLS port, and bad TLS configuration refused at start with exit 2 and a
# message that names the setting but shows nothing of the key.
source "$(dirname "$0")/lib.sh"
PORT=26035
export MEDIAGATE_QUEUE_PREFIX="mgtls-$RUN_ID" MEDIAGATE_THREADS=2 MEDIAGATE_DRAIN_DELAY_S=0
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
cd "$T" || exit 1
cert() { # cert NAME: a self-signed P-256 certificate for 127.0.0.1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" \
    -out "$1.crt" -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
}
cert a && cert b
check "test certificates made" test -s a.crt -a -s a.key -a -s b.key

# ---- bad configuration: refused at start, exit 2, the key never echoed ----
start_bad() { # start_bad ENV...: runs serve, prints "RC<tab>stderr"
  env MEDIAGATE_LISTEN=127.0.0.1:$PORT "$@" "$MG" serve 2>"$T/bad.err" >/dev/null & local p=$!
  local i; for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill "$p" 2>/dev/null; wait "$p"; printf '%s\t%s' "$?" "$(cat "$T/bad.err")"
}
r=$(start_bad MEDIAGATE_TLS_CERT="$T/a.crt")
eq "a certificate without a key: exit 2" "${r%%$'\t'*}" 2
contains "... saying they go together" "$r" "MEDIAGATE_TLS_CERT and MEDIAGATE_TLS_KEY go together"
r=$(start_bad MEDIAGATE_TLS_CERT="$T/a.crt" MEDIAGATE_TLS_KEY="$T/b.key")
eq "a key that does not match: exit 2" "${r%%$'\t'*}" 2
contains "... saying so" "$r" "does not match MEDIAGATE_TLS_CERT"
r=$(start_bad MEDIAGATE_TLS_CERT="$T/nope.crt" MEDIAGATE_TLS_KEY="$T/a.key")
eq "a missing certificate file: exit 2" "${r%%$'\t'*}" 2
r=$(start_bad MEDIAGATE_TLS_CERT="$T/a.key" MEDIAGATE_TLS_KEY="$T/a.crt")
eq "files swapped: exit 2" "${r%%$'\t'*}" 2
not_contains "... and no key material in any message" "$r" "PRIVATE KEY"
not_contains "... (nor the key's base64)" "$r" "$(sed -n 2p a.key | cut -c1-20)"

# ---- serving ----
MEDIAGATE_LISTEN=127.0.0.1:$PORT MEDIAGATE_TLS_CERT="$T/a.crt" MEDIAGATE_TLS_KEY="$T/a.key" \
  "$MG" serve 2>"$T/serve.log" & BG_PIDS+=($!); SERVE=$!
wait_port 127.0.0.1 $PORT || { bad "serve did not start"; finish; }
H="https://127.0.0.1:$PORT"
tls() { curl -s --cacert "$T/a.crt" "$@"; }
eq "HTTP/2 negotiated by ALPN" "$(tls -o /dev/null -w '%{http_version} %{http_code}' "$H/health")" "2 200"
eq "HTTP/1.1 over TLS too" "$(tls --http1.1 -o /dev/null -w '%{http_version} %{http_code}' "$H/health")" "1.1 200"
h=$(tls -D - -o /dev/null "$H/health" | tr -d '\r')
contains "HSTS over TLS" "$h" "strict-transport-security: max-age=31536000"
contains "... with the usual security headers" "$h" "x-content-type-options: nosniff"
contains "the server header names no version" "$h" "server: mediagate"
eq "plaintext HTTP to the TLS port gets no answer" "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")" 000
eq "a client that does not trust the certificate is refused" "$(curl -s -o /dev/null -w '%{http_code}' "$H/health")" 000

# the API end to end over h2: an id the catalog knows, presigned over TLS
KEY=$("$MG" apikey create --tenant "tls$$" --scopes read,write 2>/dev/null)
ID=$(psql -qAt "$MEDIAGATE_DATABASE_URL" -c "INSERT INTO tenants (id) VALUES ('tls$$') ON CONFLICT DO NOTHING;
  INSERT INTO media (id, tenant_id, status, source_url, request_sha256, bucket, object_key, content_type, size_bytes)
  VALUES (gen_random_uuid(), 'tls$$', 'ready', 'https://x/a.png', 'x', '$MEDIAGATE_S3_BUCKET', 'tls/$$.png', 'image/png', 1) RETURNING id" | head -n 1)
r=$(tls -H "Authorization: Bearer $KEY" -w ' %{http_version} %{http_code}' "$H/api/v1/media/$ID/url")
contains "GET /url over h2: 200" "$r" " 2 200"
contains "... a presigned URL" "$r" "X-Amz-Signature="
h=$(tls -D - -o /dev/null -H "Authorization: Bearer $KEY" "$H/api/v1/media/$ID/content" | tr -d '\r')
contains "/content over h2: 302" "$h" "HTTP/2 302"
contains "... to the bucket" "$h" "location: $MEDIAGATE_S3_ENDPOINT/"
args=(); for i in $(seq 1 40); do args+=(-o /dev/null "$H/api/v1/media/$ID/url?n=$i"); done
codes=$(tls --no-progress-meter --parallel --parallel-max 20 -H "Authorization: Bearer $KEY" -w '%{http_version}:%{http_code}\n' "${args[@]}" | sort | uniq -c | xargs)
eq "40 requests as parallel streams over h2: all 200" "$codes" "40 2:200"
eq "POST over h2: 202" "$(tls -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" -d '{"source_url":"https://media.example/a.jpg"}' "$H/api/v1/media")" 202
eq "bad JSON over h2: 400" "$(tls -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" -d '{' "$H/api/v1/media")" 400

kill -TERM "$SERVE"; wait "$SERVE"; eq "SIGTERM: exit 0" "$?" 0
finish
