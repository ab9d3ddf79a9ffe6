#!/usr/bin/env bash
# Direct uploads (issue 16) against the real stack: the bytes go from curl straight to Ceph
# RGW with presigned requests — a PUT whose length and type are signed, an HTML form POST
# whose policy pins key, length and type, a multipart upload with a presigned URL per part —
# and nothing is ready until the worker's verification job has checked size, type from the
# bytes and SHA-256. Refusals: a wrong length (S3 refuses the signature), a forged form field
# (refused by the policy), a file larger than declared, an expired URL, a size over the limit
# and a type not allowed (before any URL), complete without parts, another tenant's id, HTML
# and SVG bytes (failed, object deleted), a multipart upload completed with a part missing
# (size mismatch: failed, deleted), an abandoned upload swept. awscli reads what is stored.
source "$(dirname "$0")/lib.sh"
P=26180 WP=26181 PX=26182
export MEDIAGATE_QUEUE_PREFIX="mgup-$RUN_ID" MEDIAGATE_UPLOAD_PART_SIZE=$((5 << 20))
export MEDIAGATE_SWEEP_AFTER_S=2 MEDIAGATE_RETRY_ATTEMPTS=2 MEDIAGATE_RETRY_BASE_MS=200
# promotions of objects over 8 MiB take the multipart copy S3 needs past 5 GiB
export MEDIAGATE_SINGLE_PUT_MAX=$((8 << 20))
TEN="up$$" TB="uq$$"
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
sql() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$1"; }
K=$("$MG" apikey create --tenant "$TEN" --scopes read,write 2>/dev/null)
KB=$("$MG" apikey create --tenant "$TB" --scopes read,write 2>/dev/null)
KR=$("$MG" apikey create --tenant "$TEN" --scopes read 2>/dev/null)
env MEDIAGATE_LISTEN=127.0.0.1:$P MEDIAGATE_ADMIN_LISTEN=127.0.0.1:$((P + 1000)) "$MG" serve 2>"$T/serve.log" &
BG_PIDS+=($!)
env MEDIAGATE_LISTEN=127.0.0.1:$PX MEDIAGATE_ADMIN_LISTEN=off MEDIAGATE_UPLOAD_EXPIRES_S=2 "$MG" serve 2>"$T/serve-x.log" &
BG_PIDS+=($!)
env MEDIAGATE_WORKER_LISTEN=127.0.0.1:$WP "$MG" worker 2>"$T/worker.log" &
BG_PIDS+=($!)
wait_port 127.0.0.1 $P && wait_port 127.0.0.1 $PX && wait_port 127.0.0.1 $WP || { bad "servers did not start"; finish; }
A=http://127.0.0.1:$P/api/v1 AX=http://127.0.0.1:$PX/api/v1
wait_for() { local t=$1; shift; for _ in $(seq 1 $((t * 5))); do "$@" && return 0; sleep 0.2; done; return 1; }
status_of() { sql "SELECT status FROM media WHERE id = '$1'"; }
final() { wait_for 30 bash -c "s=\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$1'\"); [ \"\$s\" = ready ] || [ \"\$s\" = failed ]"; }
j() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval("d"+sys.argv[2]))' "$@"; }
start() { # start KEY BASE JSON -> http status; the answer in $T/up.json
  curl -s -o "$T/up.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" -d "$3" "$2/uploads"
}
complete() { # complete KEY ID [JSON] -> http status; the answer in $T/done.json
  curl -s -o "$T/done.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" ${3:+-d "$3"} "$A/uploads/$2/complete"
}
object_exists() { aws_s3 s3api head-object --bucket "$MEDIAGATE_S3_BUCKET" --key "$1" >/dev/null 2>&1; }
# a real PNG (what the sniffer and any decoder check)
$PY - "$T" <<'PY'
import struct, sys, zlib, os
def png(w, h, seed):
    raw = b"".join(b"\x00" + os.urandom(w * 3) for _ in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b"")
open(sys.argv[1] + "/small.png", "wb").write(png(64, 48, 1))
open(sys.argv[1] + "/big.png", "wb").write(png(2000, 2100, 2))   # ~12.6 MB: 3 parts of 5 MiB
open(sys.argv[1] + "/page.png", "wb").write(b"<!doctype html><html><body><script>alert(1)</script></body></html>" + b" " * 600)
open(sys.argv[1] + "/vector.png", "wb").write(b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>' + b" " * 600)
PY
size() { stat -c %s "$1"; }

# ---- refused before any URL ----
eq "a size over MEDIAGATE_MAX_BYTES: 413" "$(start "$K" "$A" '{"size_bytes": 209715200}')" 413
not_contains "... and no URL was issued" "$(cat "$T/up.json")" "X-Amz-Signature"
eq "a type that is not stored: 422" "$(start "$K" "$A" '{"size_bytes": 10, "content_type": "text/html"}')" 422
eq "no size: 422" "$(start "$K" "$A" '{"content_type": "image/png"}')" 422
eq "an unknown field: 422" "$(start "$K" "$A" '{"size_bytes": 10, "path": "/etc"}')" 422
eq "malformed JSON: 400" "$(start "$K" "$A" '{"size_bytes": ')" 400
eq "a read-only key: 403" "$(start "$KR" "$A" '{"size_bytes": 10}')" 403

# ---- a presigned PUT: length and type signed ----
S=$(size "$T/small.png")
eq "start an upload: 201" "$(start "$K" "$A" "{\"size_bytes\": $S, \"content_type\": \"image/png\", \"filename\": \"small.png\", \"metadata\": {\"album\": \"x\"}}")" 201
id=$(j "$T/up.json" "['media']['id']"); key=$(sql "SELECT object_key FROM media WHERE id = '$id'")
eq "... the record is uploading" "$(j "$T/up.json" "['media']['status']")" uploading
eq "... with the declared size" "$(j "$T/up.json" "['media']['declared_size']")" "$S"
url=$(j "$T/up.json" "['put']['url']")
contains "... the PUT signs content-length and content-type" "$url" "X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"
cp "$T/small.png" "$T/short.png"; truncate -s $((S - 10)) "$T/short.png"
eq "fewer bytes than declared: S3 refuses the signature (403)" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: image/png' --data-binary @"$T/short.png" "$url")" 403
eq "another type than declared: 403" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: text/html' --data-binary @"$T/small.png" "$url")" 403
check "nothing was stored by the refused PUTs" bash -c "! aws --endpoint-url $MEDIAGATE_S3_ENDPOINT --region $AWS_REGION s3api head-object --bucket $MEDIAGATE_S3_BUCKET --key 'staging/$key' >/dev/null 2>&1"
contains "the URL writes the staging key, never the served one" "$url" "/staging/$key?"
eq "the right bytes: 200" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: image/png' --data-binary @"$T/small.png" "$url")" 200
eq "not ready before it is completed" "$(status_of "$id")" uploading
eq "complete: 202" "$(complete "$K" "$id")" 202
eq "... queued for verification" "$(j "$T/done.json" "['status']")" queued
eq "complete again: 202, the same record" "$(complete "$K" "$id")" 202
final "$id"
eq "verified: ready" "$(status_of "$id")" ready
eq "... once (one attempt)" "$(sql "SELECT attempts FROM media WHERE id = '$id'")" 1
eq "... with the SHA-256 of the bytes" "$(sql "SELECT sha256 FROM media WHERE id = '$id'")" "$(sha <"$T/small.png")"
eq "... the type from the bytes" "$(sql "SELECT content_type FROM media WHERE id = '$id'")" image/png
aws_s3 s3api get-object --bucket "$MEDIAGATE_S3_BUCKET" --key "$key" "$T/back.png" >/dev/null
eq "awscli reads the stored object; its SHA-256 matches" "$(sha <"$T/back.png")" "$(sha <"$T/small.png")"
r=$(curl -s -H "Authorization: Bearer $K" "$A/media/$id/url")
u=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["url"])' "$r")
eq "the same record afterwards: /url serves it" "$(curl -s "$u" | sha)" "$(sha <"$T/small.png")"
contains "... listed with the ingested ones" "$(curl -s -H "Authorization: Bearer $K" "$A/media?status=ready")" "$id"
check "... its staging key was removed when it was promoted" bash -c "! aws --endpoint-url $MEDIAGATE_S3_ENDPOINT --region $AWS_REGION s3api head-object --bucket $MEDIAGATE_S3_BUCKET --key 'staging/$key' >/dev/null 2>&1"
# issue 25, defect 1: the same URL, still valid, after the upload is ready: same-length HTML.
# It used to replace the served object (200, the record keeping the old sha256). Now it lands
# on the staging key: /content and the object keep the verified bytes.
head -c "$S" /dev/zero | tr '\0' ' ' | sed '1s/^/<html><script>alert(1)<\/script>/' | head -c "$S" >"$T/evil.png"
eq "a PUT of other bytes to the used URL after ready: accepted by S3 (the URL lives on)" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: image/png' --data-binary @"$T/evil.png" "$url")" 200
eq "... /url still serves the verified bytes" "$(curl -s "$u" | sha)" "$(sha <"$T/small.png")"
aws_s3 s3api get-object --bucket "$MEDIAGATE_S3_BUCKET" --key "$key" "$T/back2.png" >/dev/null
eq "... and the served object is the verified one" "$(sha <"$T/back2.png")" "$(sql "SELECT sha256 FROM media WHERE id = '$id'")"
# what a late PUT leaves on the staging key goes once the upload's URLs lapse (the second serve
# gives 2 s windows)
start "$K" "$AX" "{\"size_bytes\": $S, \"content_type\": \"image/png\"}" >/dev/null
xid=$(j "$T/up.json" "['media']['id']"); xurl=$(j "$T/up.json" "['put']['url']")
xkey=staging/$(sql "SELECT object_key FROM media WHERE id = '$xid'")
curl -s -o /dev/null -X PUT -H 'Content-Type: image/png' --data-binary @"$T/small.png" "$xurl"
complete "$K" "$xid" >/dev/null
late=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: image/png' --data-binary @"$T/evil.png" "$xurl")
final "$xid"
eq "a 2-second upload verified ready (a late PUT answered $late)" "$(status_of "$xid")" ready
wait_for 30 bash -c "[ -z \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT staged_until FROM media WHERE id = '$xid'\")\" ]"
eq "... after its window the staging sweeper has been by" "$(sql "SELECT staged_until IS NULL FROM media WHERE id = '$xid'")" t
check "... and nothing is left on its staging key" bash -c "! aws --endpoint-url $MEDIAGATE_S3_ENDPOINT --region $AWS_REGION s3api head-object --bucket $MEDIAGATE_S3_BUCKET --key '$xkey' >/dev/null 2>&1"
eq "another tenant's upload id: 404" "$(complete "$KB" "$id")" 404

# ---- an HTML form POST: the policy pins key, length and type ----
eq "start a form upload: 201" "$(start "$K" "$A" "{\"size_bytes\": $S, \"content_type\": \"image/png\"}")" 201
pid=$(j "$T/up.json" "['media']['id']")
form_args() { # the signed fields as curl -F arguments (FIELD=VALUE overrides one)
  $PY - "$T/up.json" "${1:-}" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["post"]["fields"]
if sys.argv[2]:
    k, v = sys.argv[2].split("=", 1); f[k] = v
for k, v in f.items():
    print("-F"); print(f"{k}={v}")
PY
}
purl=$(j "$T/up.json" "['post']['url']")
mapfile -t F < <(form_args)
mapfile -t FK < <(form_args "key=$(j "$T/up.json" "['post']['fields']['key']")-forged")
eq "a forged field (another key): refused by the policy (403)" "$(curl -s -o /dev/null -w '%{http_code}' "${FK[@]}" -F "file=@$T/small.png" "$purl")" 403
eq "a larger file than declared: refused by the policy (400)" "$(curl -s -o /dev/null -w '%{http_code}' "${F[@]}" -F "file=@$T/big.png" "$purl")" 400
eq "the form with the right file: 204" "$(curl -s -o /dev/null -w '%{http_code}' "${F[@]}" -F "file=@$T/small.png" "$purl")" 204
complete "$K" "$pid" >/dev/null; final "$pid"
eq "the form upload is verified ready" "$(status_of "$pid")/$(sql "SELECT sha256 FROM media WHERE id = '$pid'")" "ready/$(sha <"$T/small.png")"

# ---- one tenant's unused uploads do not hold up another's (issue 25, defect 3) ----
# 150 single uploads of tenant TB, never used; then tenant TEN's form upload, never completed:
# the worker finds its object in the bucket and completes it. It used to look only at the
# 100 earliest-expiring rows of all tenants, so this one waited for its expiry (an hour).
for _ in $(seq 1 150); do start "$KB" "$A" "{\"size_bytes\": 10, \"content_type\": \"image/png\"}" >/dev/null; done
start "$K" "$A" "{\"size_bytes\": $S, \"content_type\": \"image/png\"}" >/dev/null
fid=$(j "$T/up.json" "['media']['id']")
mapfile -t F2 < <(form_args)
eq "another tenant's form upload behind 150 unused ones: 204" "$(curl -s -o /dev/null -w '%{http_code}' "${F2[@]}" -F "file=@$T/small.png" "$(j "$T/up.json" "['post']['url']")")" 204
final "$fid"
eq "... found in the bucket and verified ready without a complete call" "$(status_of "$fid")" ready
sql "DELETE FROM media WHERE tenant_id = '$TB' AND status = 'uploading'" >/dev/null

# ---- multipart: a presigned URL per part, completed by the service ----
B=$(size "$T/big.png")
eq "start a multipart upload: 201" "$(start "$K" "$A" "{\"size_bytes\": $B, \"content_type\": \"image/png\", \"multipart\": true}")" 201
mid=$(j "$T/up.json" "['media']['id']")
eq "... 3 parts of 5 MiB (the last shorter)" "$(j "$T/up.json" "['multipart']['part_size']"),$(j "$T/up.json" "['multipart']['parts'].__len__()")" "$((5 << 20)),3"
put_parts() { # put_parts ANSWER-JSON FILE [SKIP] -> prints the complete body
  $PY - "$1" "$2" "${3:-0}" <<'PY'
import json, subprocess, sys
up = json.load(open(sys.argv[1]))["multipart"]; data = open(sys.argv[2], "rb").read(); skip = int(sys.argv[3])
parts, off = [], 0
for p in up["parts"]:
    chunk = data[off:off + p["size"]]; off += p["size"]
    if p["part_number"] == skip:
        continue
    open("/dev/shm/mg-part", "wb").write(chunk)
    out = subprocess.run(["curl", "-s", "-D", "-", "-o", "/dev/null", "-X", "PUT", "--data-binary", "@/dev/shm/mg-part", p["url"]],
                         capture_output=True, text=True).stdout
    etag = [l.split(":", 1)[1].strip().strip('"') for l in out.splitlines() if l.lower().startswith("etag:")]
    parts.append({"part_number": p["part_number"], "etag": etag[0] if etag else ""})
print(json.dumps({"parts": parts}))
PY
}
body=$(put_parts "$T/up.json" "$T/big.png")
eq "complete without parts: 422" "$(complete "$K" "$mid")" 422
eq "complete with the parts: 202" "$(complete "$K" "$mid" "$body")" 202
final "$mid"
eq "the multipart upload is verified ready" "$(status_of "$mid")" ready
eq "... its SHA-256 is the file's" "$(sql "SELECT sha256 FROM media WHERE id = '$mid'")" "$(sha <"$T/big.png")"
eq "... no multipart upload left open" "$(aws_s3 s3api list-multipart-uploads --bucket "$MEDIAGATE_S3_BUCKET" --prefix "$(sql "SELECT object_key FROM media WHERE id = '$mid'")" --query 'length(Uploads || `[]`)')" 0

# ---- a large object stored as sent is promoted by a multipart copy (past S3's 5 GiB copy
# limit; here past MEDIAGATE_SINGLE_PUT_MAX, 8 MiB) ----
"$MG" tenant set "$TB" --metadata keep >/dev/null 2>&1
eq "start a multipart upload (tenant keeping metadata): 201" "$(start "$KB" "$A" "{\"size_bytes\": $B, \"content_type\": \"image/png\", \"multipart\": true}")" 201
cid=$(j "$T/up.json" "['media']['id']")
body=$(put_parts "$T/up.json" "$T/big.png")
eq "... complete: 202" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $KB" -d "$body" "$A/uploads/$cid/complete")" 202
final "$cid"
eq "... ready" "$(status_of "$cid")" ready
eq "... the bytes as sent" "$(sql "SELECT sha256 FROM media WHERE id = '$cid'")" "$(sha <"$T/big.png")"
ckey=$(sql "SELECT object_key FROM media WHERE id = '$cid'")
cetag=$(aws_s3 s3api head-object --bucket "$MEDIAGATE_S3_BUCKET" --key "$ckey" --query ETag --output text | tr -d '"')
contains "... the served object was copied in parts (a multipart ETag)" "$cetag" "-"
eq "... the record's ETag is the object's" "$(sql "SELECT etag FROM media WHERE id = '$cid'")" "$cetag"
check "... the staged object is gone" bash -c "! $AWS --endpoint-url $MEDIAGATE_S3_ENDPOINT --region $AWS_REGION s3api head-object --bucket $MEDIAGATE_S3_BUCKET --key 'staging/$ckey' >/dev/null 2>&1"
aws_s3 s3 cp "s3://$MEDIAGATE_S3_BUCKET/$ckey" "$T/copied.png" >/dev/null 2>&1
eq "... and holds the file" "$(sha <"$T/copied.png")" "$(sha <"$T/big.png")"

# ---- deleting an upload in progress aborts it: its part URLs stop working (issue 25, 2) ----
start "$K" "$A" "{\"size_bytes\": $B, \"content_type\": \"image/png\", \"multipart\": true}" >/dev/null
did=$(j "$T/up.json" "['media']['id']"); dkey=$(sql "SELECT object_key FROM media WHERE id = '$did'")
purl1=$(j "$T/up.json" "['multipart']['parts'][0]['url']")
head -c $((5 << 20)) "$T/big.png" >"$T/part1"
eq "a part PUT before the delete: 200" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$T/part1" "$purl1")" 200
eq "DELETE the record while uploading: 204" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $K" "$A/media/$did")" 204
eq "... the same part PUT now fails (NoSuchUpload: 404)" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$T/part1" "$purl1")" 404
eq "... no multipart upload left open for it" "$(aws_s3 s3api list-multipart-uploads --bucket "$MEDIAGATE_S3_BUCKET" --prefix "$dkey" --query 'length(Uploads || `[]`)')" 0

# ---- a part left out: the object is smaller than declared -> failed, deleted ----
start "$K" "$A" "{\"size_bytes\": $B, \"multipart\": true}" >/dev/null
sid=$(j "$T/up.json" "['media']['id']"); skey=staging/$(sql "SELECT object_key FROM media WHERE id = '$sid'")
body=$(put_parts "$T/up.json" "$T/big.png" 2)
eq "completed with part 2 missing: accepted (S3 allows it)" "$(complete "$K" "$sid" "$body")" 202
final "$sid"
eq "... verification fails it" "$(status_of "$sid")" failed
contains "... saying why" "$(sql "SELECT last_error FROM media WHERE id = '$sid'")" "were declared"
check "... and its object is deleted" bash -c "! aws --endpoint-url $MEDIAGATE_S3_ENDPOINT --region $AWS_REGION s3api head-object --bucket $MEDIAGATE_S3_BUCKET --key '$skey' >/dev/null 2>&1"

# ---- HTML and SVG bytes disguised as PNG: failed, object deleted ----
for f in page vector; do
  n=$(size "$T/$f.png")
  start "$K" "$A" "{\"size_bytes\": $n, \"content_type\": \"image/png\", \"filename\": \"$f.png\"}" >/dev/null
  hid=$(j "$T/up.json" "['media']['id']"); hkey=staging/$(sql "SELECT object_key FROM media WHERE id = '$hid'")
  curl -s -o /dev/null -X PUT -H 'Content-Type: image/png' --data-binary @"$T/$f.png" "$(j "$T/up.json" "['put']['url']")"
  complete "$K" "$hid" >/dev/null; final "$hid"
  eq "$f.png (not an image) is failed" "$(status_of "$hid")" failed
  contains "... with a clear error" "$(sql "SELECT last_error FROM media WHERE id = '$hid'")" "not a media type"
  check "... and no object is left" bash -c "! aws --endpoint-url $MEDIAGATE_S3_ENDPOINT --region $AWS_REGION s3api head-object --bucket $MEDIAGATE_S3_BUCKET --key '$hkey' >/dev/null 2>&1"
done

# ---- expiry: an expired URL, a late complete, the abandoned upload swept ----
start "$K" "$AX" "{\"size_bytes\": $S}" >/dev/null
xid=$(j "$T/up.json" "['media']['id']"); xurl=$(j "$T/up.json" "['put']['url']")
start "$K" "$AX" "{\"size_bytes\": $B, \"multipart\": true}" >/dev/null
xm=$(j "$T/up.json" "['media']['id']")
contains "a pending upload is listed by mediagate uploads --direct" "$("$MG" uploads --direct --tenant "$TEN")" "$xid"
sleep 3
eq "an expired URL: S3 refuses it (403)" "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$T/small.png" "$xurl")" 403
eq "completing an expired upload: 409" "$(complete "$K" "$xid")" 409
wait_for 20 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$xid'\")\" = failed ]"
eq "the sweeper failed the abandoned upload" "$(status_of "$xid")" failed
contains "... saying it expired" "$(sql "SELECT last_error FROM media WHERE id = '$xid'")" "expired"
eq "completing it after the sweeper failed it: still 409 (not taken for a completed upload)" "$(complete "$K" "$xid")" 409
wait_for 20 bash -c "[ \"\$(psql -qAt '$MEDIAGATE_DATABASE_URL' -c \"SELECT status FROM media WHERE id = '$xm'\")\" = failed ]"
eq "... and the abandoned multipart one, its upload aborted" "$(aws_s3 s3api list-multipart-uploads --bucket "$MEDIAGATE_S3_BUCKET" --prefix "$(sql "SELECT object_key FROM media WHERE id = '$xm'")" --query 'length(Uploads || `[]`)')" 0
not_contains "mediagate uploads --direct no longer lists it" "$("$MG" uploads --direct --tenant "$TEN")" "$xid"

# ---- idempotency ----
body="{\"size_bytes\": $S, \"content_type\": \"image/png\"}"
a=$(curl -s -X POST -H "Authorization: Bearer $K" -H 'Idempotency-Key: up-1' -d "$body" "$A/uploads" | $PY -c 'import json,sys; print(json.load(sys.stdin)["media"]["id"])')
b=$(curl -s -X POST -H "Authorization: Bearer $K" -H 'Idempotency-Key: up-1' -d "$body" "$A/uploads" | $PY -c 'import json,sys; print(json.load(sys.stdin)["media"]["id"])')
eq "the same Idempotency-Key and body: the same upload" "$a" "$b"
eq "... another body with it: 409" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $K" -H 'Idempotency-Key: up-1' -d "{\"size_bytes\": 7}" "$A/uploads")" 409
finish
