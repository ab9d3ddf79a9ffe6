#!/usr/bin/env bash
# Uppy as it is (issue 16, item 6): @uppy/core and @uppy/aws-s3 installed from npm and bundled
# with esbuild into a test page, pointed at mediagate's Companion-style routes
# (companionEndpoint /api/v1/uppy), drive a small image (a form POST) and a multipart-sized
# one (5 MiB parts) from headless Chromium straight into Ceph RGW; both records end ready with
# the files' SHA-256, after the verification job. An HTML file named .png ends failed, its
# object deleted.
source "$(dirname "$0")/lib.sh"
P=26190 WP=26191 OP=26192
export MEDIAGATE_QUEUE_PREFIX="mguppy-$RUN_ID" MEDIAGATE_SWEEP_AFTER_S=2
TEN="py$$"
command -v npm >/dev/null && command -v chromium >/dev/null || { bad "npm and chromium are needed (deploy/local/deps.sh installs them)"; finish; }
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
sql() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$1"; }
K=$("$MG" apikey create --tenant "$TEN" --scopes read,write 2>/dev/null)

# the page: the packages as published, bundled (node_modules kept between runs in build-test)
W=${MEDIAGATE_UPPY_DIR:-$T/uppy}
mkdir -p "$W/www/files"
cp "$SRC/tests/tools/uppy/package.json" "$SRC/tests/tools/uppy/page.js" "$W/"
cp "$SRC/tests/tools/uppy/index.html" "$W/www/"
if ! (cd "$W" && npm install --no-audit --no-fund --loglevel=error >"$T/npm.log" 2>&1); then
  bad "npm install of @uppy/core, @uppy/aws-s3 and esbuild"; tail -5 "$T/npm.log"; finish
fi
(cd "$W" && ./node_modules/.bin/esbuild page.js --bundle --format=iife --outfile=www/bundle.js --log-level=warning) >"$T/esbuild.log" 2>&1
eq "esbuild bundled the page with Uppy from npm" "$?" 0
ok "uppy versions: $(cd "$W" && node -e 'for (const p of ["@uppy/core","@uppy/aws-s3"]) process.stdout.write(p + "@" + require("./node_modules/" + p + "/package.json").version + " ")')"

$PY - "$W/www/files" <<'PY'
import struct, sys, zlib, os
def png(w, h):
    raw = b"".join(b"\x00" + os.urandom(w * 3) for _ in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b"")
open(sys.argv[1] + "/small.png", "wb").write(png(80, 60))
open(sys.argv[1] + "/large.png", "wb").write(png(1800, 2000))    # ~10.8 MB: 3 parts of 5 MiB
open(sys.argv[1] + "/fake.png", "wb").write(b"<!doctype html><html><body>not an image</body></html>" + b" " * 700)
PY

env MEDIAGATE_LISTEN=127.0.0.1:$P MEDIAGATE_ADMIN_LISTEN=off "$MG" serve 2>"$T/serve.log" &
BG_PIDS+=($!)
env MEDIAGATE_WORKER_LISTEN=127.0.0.1:$WP "$MG" worker 2>"$T/worker.log" &
WPID=$!
BG_PIDS+=($!)
bg origin $PY "$SRC/tests/tools/same_origin.py" --port $OP --root "$W/www" --upstream "http://127.0.0.1:$P"
wait_port 127.0.0.1 $P && wait_port 127.0.0.1 $WP && wait_port 127.0.0.1 $OP || { bad "servers did not start"; finish; }

$PY "$SRC/tests/tools/uppy_check.py" --url "http://127.0.0.1:$OP/" --key "$K" --multipart-above $((6 << 20)) \
  small.png=x:image/png large.png=x:image/png fake.png=x:image/png >"$T/uppy.json" 2>"$T/uppy.err"
eq "Chromium ran Uppy" "$?" 0
r=$(cat "$T/uppy.json")
contains "Uppy reported every file uploaded" "$r" '"failed":[]'
[ -n "$r" ] || cat "$T/uppy.err"
contains "... the small one" "$r" '"name":"small.png"'
contains "... the large one" "$r" '"name":"large.png"'
contains "... the disguised one (the bucket takes any bytes; the check comes after)" "$r" '"name":"fake.png"'
id_of() { sql "SELECT id FROM media WHERE tenant_id = '$TEN' AND filename = '$1'"; }
final() { for _ in $(seq 1 150); do s=$(sql "SELECT status FROM media WHERE id = '$1'"); [ "$s" = ready ] || [ "$s" = failed ] && return 0; sleep 0.2; done; return 1; }
small=$(id_of small.png) large=$(id_of large.png) fake=$(id_of fake.png)
final "$small"; final "$large"; final "$fake"
eq "the small image (a form POST Uppy never calls back for) is ready" "$(sql "SELECT status FROM media WHERE id = '$small'")" ready
eq "... with its SHA-256" "$(sql "SELECT sha256 FROM media WHERE id = '$small'")" "$(sha <"$W/www/files/small.png")"
eq "the multipart one is ready" "$(sql "SELECT status FROM media WHERE id = '$large'")" ready
eq "... with its SHA-256" "$(sql "SELECT sha256 FROM media WHERE id = '$large'")" "$(sha <"$W/www/files/large.png")"
eq "... its size" "$(sql "SELECT size_bytes FROM media WHERE id = '$large'")" "$(stat -c %s "$W/www/files/large.png")"
eq "the HTML named .png is failed" "$(sql "SELECT status FROM media WHERE id = '$fake'")" failed
contains "... as not a media type" "$(sql "SELECT last_error FROM media WHERE id = '$fake'")" "not a media type"
check "... and its object deleted" bash -c "! aws --endpoint-url $MEDIAGATE_S3_ENDPOINT --region $AWS_REGION s3api head-object --bucket $MEDIAGATE_S3_BUCKET --key 'staging/$(sql "SELECT object_key FROM media WHERE id = '$fake'")' >/dev/null 2>&1"
eq "no multipart upload left open" "$(aws_s3 s3api list-multipart-uploads --bucket "$MEDIAGATE_S3_BUCKET" --prefix "$(sql "SELECT object_key FROM media WHERE id = '$large'")" --query 'length(Uploads || `[]`)')" 0

# ---- the routes refuse what they should ----
eq "no credential: 401" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P/api/v1/uppy/s3/params?filename=a.png&type=image/png")" 401
eq "a type not stored: 422" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $K" "http://127.0.0.1:$P/api/v1/uppy/s3/params?filename=a.html&type=text/html")" 422
KO=$("$MG" apikey create --tenant "o$$" --scopes read,write 2>/dev/null)
created=$(curl -s -X POST -H "Authorization: Bearer $K" -d '{"filename":"x.png","type":"image/png"}' "http://127.0.0.1:$P/api/v1/uppy/s3/multipart")
uid=$(json_field uploadId <<<"$created") key=$(json_field key <<<"$created")
eq "Uppy is given the staging key, never the served one (issue 25)" "$key" "staging/$(sql "SELECT object_key FROM media WHERE upload_id = '$uid'")"
eq "another tenant cannot sign a part of it: 404" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KO" "http://127.0.0.1:$P/api/v1/uppy/s3/multipart/$uid/1?key=$key")" 404
eq "nor with another key: 404" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $K" "http://127.0.0.1:$P/api/v1/uppy/s3/multipart/$uid/1?key=other")" 404
eq "abort: 200" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $K" "http://127.0.0.1:$P/api/v1/uppy/s3/multipart/$uid?key=$key")" 200
eq "... the row is failed" "$(sql "SELECT status FROM media WHERE 'staging/' || object_key = '$key'")" failed

# ---- an Uppy upload that grows past MEDIAGATE_MAX_BYTES (issue 25, defect 4) ----
# Uppy asks for part URLs without sizes, so nothing signed limits what it puts: the workers
# measure open uploads of no declared size (ListParts) and abort one that grew too large.
kill "$WPID"; wait "$WPID" 2>/dev/null
env MEDIAGATE_WORKER_LISTEN=127.0.0.1:$((WP + 100)) MEDIAGATE_MAX_BYTES=$((6 << 20)) "$MG" worker 2>"$T/worker2.log" &
BG_PIDS+=($!)
wait_port 127.0.0.1 $((WP + 100)) || bad "the second worker did not start"
created=$(curl -s -X POST -H "Authorization: Bearer $K" -d '{"filename":"g.png","type":"image/png"}' "http://127.0.0.1:$P/api/v1/uppy/s3/multipart")
uid=$(json_field uploadId <<<"$created") key=$(json_field key <<<"$created")
head -c $((5 << 20)) /dev/urandom >"$T/part"
part_url() { curl -s -H "Authorization: Bearer $K" "http://127.0.0.1:$P/api/v1/uppy/s3/multipart/$uid/$1?key=$key" | json_field url; }
eq "part 1 of a growing upload: 200" "$(http_code -X PUT --data-binary @"$T/part" "$(part_url 1)")" 200
url3=$(part_url 3) # signed while the upload is open: S3 alone decides later
eq "part 2 (10 MiB in all, over the 6 MiB limit): 200 — nothing signed its length" \
  "$(http_code -X PUT --data-binary @"$T/part" "$(part_url 2)")" 200
for _ in $(seq 1 100); do
  [ "$(sql "SELECT status FROM media WHERE upload_id = '$uid' OR ('staging/' || object_key = '$key')")" = failed ] && break
  sleep 0.2
done
eq "the worker failed the row" "$(sql "SELECT status FROM media WHERE 'staging/' || object_key = '$key'")" failed
contains "... saying why" "$(sql "SELECT last_error FROM media WHERE 'staging/' || object_key = '$key'")" "grew past the 6291456-byte limit"
eq "... and aborted the upload in S3: a part URL signed before is refused" "$(http_code -X PUT --data-binary @"$T/part" "$url3")" 404
finish
