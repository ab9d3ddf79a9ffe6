#!/usr/bin/env bash
# The scanning hook before `ready` (issue 25) with a real clamd (Debian's clamav-daemon),
# started here on loopback with a one-line signature database this test writes (no signature
# download). Ingests and direct uploads: a clean file is ready; a file carrying the test
# signature ends failed with the signature named, and nothing of it is left in the bucket
# (neither the served key nor the staging key); with clamd stopped a job is retried, never
# passed unscanned, and becomes ready once clamd is back.
source "$(dirname "$0")/lib.sh"
P=26195 WP=26196 SP=26197 CP=26198
SRCH=127.0.0.2
command -v clamd >/dev/null || { echo "clamd is not installed (deploy/local/deps.sh)"; exit 77; }
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32" MEDIAGATE_QUEUE_PREFIX="mgscan-$RUN_ID"
export MEDIAGATE_RETRY_BASE_MS=200 MEDIAGATE_RETRY_CAP_MS=1000 MEDIAGATE_RETRY_ATTEMPTS=30
export MEDIAGATE_SCAN_CLAMD=127.0.0.1:$CP MEDIAGATE_SCAN_TIMEOUT_MS=5000
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
TEN="scan$$"
K=$("$MG" apikey create --tenant "$TEN" --scopes read,write 2>/dev/null)
MARK=MEDIAGATE-TEST-MALWARE-7f3a
mkdir -p "$T/db" "$T/root"
echo "Mediagate.Test.Malware:0:*:$(printf %s "$MARK" | od -An -tx1 | tr -d ' \n')" >"$T/db/test.ndb"
cat >"$T/clamd.conf" <<CONF
Foreground yes
DatabaseDirectory $T/db
TCPSocket $CP
TCPAddr 127.0.0.1
LogFile $T/clamd-own.log
CONF
CLAMD_PID=
clamd_start() { clamd -c "$T/clamd.conf" >>"$T/clamd.log" 2>&1 & CLAMD_PID=$!; BG_PIDS+=($CLAMD_PID); }
clamd_start
env MEDIAGATE_LISTEN=127.0.0.1:$P MEDIAGATE_ADMIN_LISTEN=off "$MG" serve 2>"$T/serve.log" &
BG_PIDS+=($!)
env MEDIAGATE_WORKER_LISTEN=127.0.0.1:$WP "$MG" worker 2>"$T/worker.log" &
BG_PIDS+=($!)
bg source $PY "$SRC/tests/tools/source_server.py" --bind $SRCH --port $SP --root "$T/root"
wait_port 127.0.0.1 $CP && wait_port 127.0.0.1 $P && wait_port 127.0.0.1 $WP && wait_port $SRCH $SP ||
  { bad "servers did not start"; finish; }
A=http://127.0.0.1:$P/api/v1 S=http://$SRCH:$SP/f
# media the scrubbers pass through unchanged, one of them carrying the test signature
fake_jpeg 20000 >"$T/root/clean.jpg"
(fake_jpeg 10000; printf '%s' "$MARK"; head -c 5000 /dev/urandom | tr '\377' '\376') >"$T/root/bad.jpg"
submit() { curl -s -X POST -H "Authorization: Bearer $K" -d "{\"source_url\":\"$1\"}" "$A/media" | json_field id; }
record() { curl -s -H "Authorization: Bearer $K" "$A/media/$1?wait=${2:-2}"; }
field() { $PY -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2]))' "$1" "$2"; }
final() { local r; for _ in $(seq 1 40); do r=$(record "$1"); case "$r" in *'"ready"'* | *'"failed"'*) break ;; esac; done; printf '%s' "$r"; }
in_bucket() { aws_s3 s3api head-object --bucket "$MEDIAGATE_S3_BUCKET" --key "$1" >/dev/null 2>&1; }
absent() { ! in_bucket "$1"; }

# ---- ingest ----
r=$(final "$(submit "$S/clean.jpg")")
eq "a clean file: ready" "$(field "$r" status)" ready
check "... and stored" in_bucket "$(field "$r" object_key)"
id=$(submit "$S/bad.jpg"); r=$(final "$id")
eq "a file with the signature: failed" "$(field "$r" status)" failed
contains "... naming the signature" "$(field "$r" error)" "refused by the malware scanner: Mediagate.Test.Malware"
check "... and nothing stored under its key" absent "$(field "$r" object_key)"
contains "clamd saw it" "$(cat "$T/clamd-own.log")" "Mediagate.Test.Malware.UNOFFICIAL FOUND"

# ---- a direct upload ----
size=$(stat -c %s "$T/root/bad.jpg")
curl -s -o "$T/up.json" -X POST -H "Authorization: Bearer $K" -d "{\"size_bytes\": $size}" "$A/uploads"
uid=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["media"]["id"])' "$T/up.json")
url=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["put"]["url"])' "$T/up.json")
eq "upload: PUT" "$(http_code -X PUT --data-binary @"$T/root/bad.jpg" "$url")" 200
eq "upload: complete" "$(http_code -X POST -H "Authorization: Bearer $K" "$A/uploads/$uid/complete")" 202
r=$(final "$uid")
eq "upload with the signature: failed" "$(field "$r" status)" failed
contains "... naming the signature" "$(field "$r" error)" "Mediagate.Test.Malware"
okey=$(field "$r" object_key)
check "... the staging key is gone" absent "staging/$okey"
check "... and the served key was never written" absent "$okey"

# ---- clamd down: retried, never passed unscanned; ready once it is back ----
kill "$CLAMD_PID"; wait "$CLAMD_PID" 2>/dev/null
id=$(submit "$S/clean.jpg")
sleep 3
r=$(record "$id" 0)
check "clamd down: not ready" test "$(field "$r" status)" != ready
check "... and not failed" test "$(field "$r" status)" != failed
contains "... the worker says why" "$(cat "$T/worker.log")" "malware scanner cannot be reached"
clamd_start
wait_port 127.0.0.1 $CP || bad "clamd did not restart"
r=$(final "$id")
eq "clamd back: ready" "$(field "$r" status)" ready
finish
