#!/usr/bin/env bash
# A real browser: headless Chromium (Debian's, over the DevTools protocol) loads the page that
# `mediagate serve` serves at /app, which lists the tenant's ready media and shows each image
# through GET /api/v1/media/{id}/content (302 to a presigned bucket URL). Every image must
# decode at its real size, every /content request must be a 302 answered by the bucket, the
# page's CSP must block nothing, and another tenant's media must not appear. Issue 15, defect
# 8: the page logs in through POST /app/session, which sets an HttpOnly session cookie (a
# token, never the key) that opens the read routes, and other routes only with the page's
# X-Mediagate-App header (which no cross-site form or link can send); the page's script holds
# no credential and no link logs anyone in. Issue 13, item 4: the page submits a URL to
# ingest and shows its status live (queued -> fetching -> ready; failed with its error, then
# retried), and for an admin key the tenant's queue, dead letters and webhook failures, with
# replay.
source "$(dirname "$0")/lib.sh"
SP=26031 SRCH=127.0.0.2 PORT=26032
S="http://$SRCH:$SP"
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32" MEDIAGATE_QUEUE_PREFIX="mgbrowser-$RUN_ID"
export MEDIAGATE_THREADS=2 MEDIAGATE_BACKEND_THREADS=4 MEDIAGATE_DRAIN_DELAY_S=0 MEDIAGATE_KEY_CACHE_S=2
export MEDIAGATE_UPLOAD_PART_SIZE=$((5 << 20))
command -v chromium >/dev/null || { bad "chromium is not installed (deploy/local/deps.sh installs it)"; finish; }
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
sql() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$1"; }

# real PNGs of known sizes (zlib-compressed scanlines, CRCs: what any decoder checks)
mkdir -p "$T/root"
$PY - "$T/root" <<'PY'
import struct, sys, zlib
def png(w, h, rgb):
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
for name, w, h, rgb in [("red", 17, 9, (255, 0, 0)), ("green", 40, 30, (0, 160, 0)), ("blue", 123, 45, (0, 0, 255))]:
    open(f"{sys.argv[1]}/{name}.png", "wb").write(png(w, h, rgb))
PY
bg source $PY "$SRC/tests/tools/source_server.py" --bind $SRCH --port $SP --root "$T/root"
wait_port $SRCH $SP || { bad "source did not start"; finish; }
MEDIAGATE_WORKER_LISTEN=127.0.0.1:26033 MEDIAGATE_RETRY_ATTEMPTS=1 "$MG" worker 2>"$T/worker.log" & BG_PIDS+=($!)
MEDIAGATE_LISTEN=127.0.0.1:$PORT "$MG" serve 2>"$T/serve.log" & BG_PIDS+=($!)
wait_port 127.0.0.1 $PORT || { bad "serve did not start"; finish; }
A=http://127.0.0.1:$PORT
TA="br$$" TB="bo$$"
KA=$("$MG" apikey create --tenant "$TA" --scopes read,write 2>/dev/null)
KB=$("$MG" apikey create --tenant "$TB" --scopes read,write 2>/dev/null)
submit() { curl -s -X POST -H "Authorization: Bearer $1" -d "{\"source_url\":\"$2\"}" "$A/api/v1/media" | json_field id; }
declare -A WANT
for img in red:17 green:40 blue:123; do
  id=$(submit "$KA" "$S/f/${img%%:*}.png"); WANT[$id]=${img#*:}
done
OTHER=$(submit "$KB" "$S/f/red.png")
FAILED=$(submit "$KA" "$S/html200")
for id in "${!WANT[@]}" "$OTHER" "$FAILED"; do
  for _ in $(seq 1 100); do
    st=$(sql "SELECT status FROM media WHERE id = '$id'"); [ "$st" = ready ] || [ "$st" = failed ] && break; sleep 0.2
  done
done
eq "three images ingested for the tenant" "$(sql "SELECT count(*) FROM media WHERE tenant_id = '$TA' AND status = 'ready'")" 3

# ---- the page itself ----
h=$(curl -s -D - -o "$T/app.html" "$A/app" | tr -d '\r')
contains "/app is HTML" "$h" "content-type: text/html"
contains "... with a CSP that allows its own script and the bucket's images only" "$h" "img-src 'self' $MEDIAGATE_S3_ENDPOINT;"
contains "... and no inline script" "$h" "script-src 'self';"
eq "/app.js is served" "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$A/app.js")" "200 text/javascript; charset=utf-8"

# ---- the session cookie: issued by the server, HttpOnly, a token, read routes only ----
one=$(printf '%s\n' "${!WANT[@]}" | head -n 1)
hdr=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $KA" "$A/app/session" | tr -d '\r')
contains "POST /app/session with a key: 204" "$hdr" "HTTP/1.1 204"
cookie=$(printf '%s\n' "$hdr" | sed -n 's/^set-cookie: //Ip')
contains "... sets the session cookie" "$cookie" "mediagate_session=mgs_"
contains "... HttpOnly (no script can read it)" "$cookie" "; HttpOnly"
contains "... for /api/v1 only" "$cookie" "Path=/api/v1; Max-Age="
contains "... SameSite=Strict" "$cookie" "SameSite=Strict"
not_contains "... holding a token, not the key" "$cookie" "$KA"
SESS=$(printf '%s' "$cookie" | sed 's/^mediagate_session=\([^;]*\).*/\1/')
sess() { curl -s -o /dev/null -w '%{http_code}' -b "mediagate_session=$SESS" "$@"; }
eq "the session opens the listing" "$(sess "$A/api/v1/media")" 200
eq "... /content (302)" "$(sess "$A/api/v1/media/$one/content")" 302
eq "... /url" "$(sess "$A/api/v1/media/$one/url")" 200
eq "... the record" "$(sess "$A/api/v1/media/$one")" 200
eq "no write without the page's header, though the key has the write scope: POST 401" \
  "$(sess -X POST -d '{"source_url":"http://127.0.0.2:1/x.png"}' "$A/api/v1/media")" 401
eq "... DELETE 401" "$(sess -X DELETE "$A/api/v1/media/$one")" 401
eq "... X-Mediagate-App with another value: 401" "$(sess -H 'X-Mediagate-App: yes' -X DELETE "$A/api/v1/media/$one")" 401
eq "the record was not deleted" "$(sql "SELECT status FROM media WHERE id = '$one'")" ready
eq "with the page's header the session writes with its key's scopes: POST 202" \
  "$(sess -H 'X-Mediagate-App: 1' -X POST -d "{\"source_url\":\"$S/status/404\"}" "$A/api/v1/media")" 202
eq "... but not beyond them: webhooks need admin, 403" "$(sess -H 'X-Mediagate-App: 1' "$A/api/v1/webhooks")" 403
eq "the old key cookie opens nothing any more" "$(curl -s -o /dev/null -w '%{http_code}' -b "mediagate_key=$KA" "$A/api/v1/media/$one/content")" 401
eq "a session cannot be used as a bearer key" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $SESS" "$A/api/v1/media")" 401
TAMPER=$(printf '%s' "$SESS" | sed 's/_\([0-9]*\)_/_9\1_/')     # a later expiry, same MAC
eq "a tampered session (longer life): 401" "$(curl -s -o /dev/null -w '%{http_code}' -b "mediagate_session=$TAMPER" "$A/api/v1/media")" 401
eq "a garbage session: 401" "$(curl -s -o /dev/null -w '%{http_code}' -b "mediagate_session=mgs_nope" "$A/api/v1/media")" 401
SB=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $KB" "$A/app/session" | tr -d '\r' | sed -n 's/^set-cookie: mediagate_session=\([^;]*\).*/\1/Ip')
eq "another tenant's session on /content: 404" "$(curl -s -o /dev/null -w '%{http_code}' -b "mediagate_session=$SB" "$A/api/v1/media/$one/content")" 404
eq "a wrong key gets no session: 401" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer mgk_wrong' "$A/app/session")" 401
out=$(curl -s -D - -o /dev/null -X DELETE "$A/app/session" | tr -d '\r')
contains "DELETE /app/session clears the cookie" "$out" "mediagate_session=; Path=/api/v1; Max-Age=0"
KR=$("$MG" apikey create --tenant "$TA" --scopes read 2>"$T/kr")
KR_ID=$(sed -n 's/.*created key \([0-9a-f-]*\) .*/\1/p' "$T/kr")
SR=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $KR" "$A/app/session" | tr -d '\r' | sed -n 's/^set-cookie: mediagate_session=\([^;]*\).*/\1/Ip')
eq "a read-only key's session works" "$(curl -s -o /dev/null -w '%{http_code}' -b "mediagate_session=$SR" "$A/api/v1/media")" 200
eq "... and cannot write, even with the page's header: 403" "$(curl -s -o /dev/null -w '%{http_code}' -b "mediagate_session=$SR" -H 'X-Mediagate-App: 1' -X POST -d "{\"source_url\":\"$S/f/red.png\"}" "$A/api/v1/media")" 403
"$MG" apikey revoke "$KR_ID" >/dev/null
sleep "${MEDIAGATE_KEY_CACHE_S:-10}"; sleep 1
eq "revoking the key ends its sessions (after the key cache)" "$(curl -s -o /dev/null -w '%{http_code}' -b "mediagate_session=$SR" "$A/api/v1/media")" 401

# ---- Chromium ----
$PY "$SRC/tests/tools/browser_check.py" --url "$A/app" --key "$KA" --out "$T/browser.json" --timeout 40 >"$T/browser.log" 2>&1
eq "Chromium loaded the page and it finished" "$?" 0
q() { $PY - "$T/browser.json" "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); g = r["gallery"] or {}; what = sys.argv[2]
if what == "summary": print(g.get("total"), g.get("decoded"), g.get("failed"), g.get("error"))
elif what == "widths": print(" ".join(f"{i['id']}={i['naturalWidth']}" for i in sorted(g.get("images", []), key=lambda i: i["id"]) if i["ok"]))
elif what == "content":  # every /content request: redirect chain and final response
    for q in r["requests"]:
        if "/content" in ((q["chain"][0]["url"] if q["chain"] else q.get("url")) or ""):
            print(" ".join(str(c["status"]) for c in q["chain"]), q.get("url", "").split("?")[0], q.get("status"), q.get("mime"))
elif what == "csp": print(len(r["csp_violations"]))
elif what == "ids": print(" ".join(i["id"] for i in g.get("images", [])))
elif what == "status": print(r["status"])
elif what == "sees": print(json.dumps(r["script_sees"], sort_keys=True))
PY
}
eq "the gallery shows 3 images, all decoded, none failed" "$(q summary)" "3 3 0 None"
want=$(for id in $(printf '%s\n' "${!WANT[@]}" | sort); do printf '%s=%s ' "$id" "${WANT[$id]}"; done)
eq "each decoded at its real width (naturalWidth)" "$(q widths) " "$want"
content=$(q content)
eq "three /content requests" "$(printf '%s\n' "$content" | grep -c .)" 3
bucket_path="$MEDIAGATE_S3_ENDPOINT/$MEDIAGATE_S3_BUCKET/"
bad_hops=$(printf '%s\n' "$content" | grep -vc "^302 ${bucket_path}[^ ]* 200 image/png$")
eq "... each a 302 to the bucket, which answered 200 image/png" "$bad_hops" 0
[ "$bad_hops" = 0 ] || printf '%s\n' "$content"
eq "the page's CSP blocked nothing" "$(q csp)" 0
not_contains "another tenant's media is not on the page" "$(q ids)" "$OTHER"
not_contains "failed media is not on the page" "$(q ids)" "$FAILED"
eq "the page's script holds no credential (cookie HttpOnly, no storage)" "$(q sees)" '{"cookie": "", "local": {}, "session": {}}'

# ---- no link logs anyone in ----
$PY "$SRC/tests/tools/browser_check.py" --url "$A/app#key=$KA" --out "$T/browser.json" --timeout 20 >>"$T/browser.log" 2>&1
eq "/app#key=... shows nothing" "$(q summary)" "0 0 0 None"
eq "... and asks for a key" "$(q status)" "Enter an API key with the read scope."

# ---- a wrong key: the page says so and shows nothing ----
$PY "$SRC/tests/tools/browser_check.py" --url "$A/app" --key wrong --out "$T/browser.json" --timeout 20 >>"$T/browser.log" 2>&1
eq "a wrong key: the page reports the refusal" "$(q summary)" "0 0 0 login failed: 401 Authentication required"
# ---- the page does the work: ingest, live status, a failure retried (issue 13, item 4) ----
touch "$T/root/blue.png.broken"             # /toggle/blue.png answers 503 while it exists
SLOW="$S/drip/green.png?bps=40"             # ~3 s: long enough to be seen fetching
$PY "$SRC/tests/tools/browser_check.py" --url "$A/app" --key "$KA" --out "$T/browser.json" --timeout 90 \
  --ingest "$SLOW" --ingest "$S/toggle/blue.png" --unbreak "$T/root/blue.png.broken" --retry-failed \
  >>"$T/browser.log" 2>&1
eq "Chromium ran the ingest scenario" "$?" 0
jq_() { $PY - "$T/browser.json" "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); what = sys.argv[2]; arg = sys.argv[3] if len(sys.argv) > 3 else ""
jobs = r["jobs"]["jobs"]; by_url = {j["source_url"]: j for j in jobs.values()}
if what == "seen": print(" ".join(by_url.get(arg, {}).get("seen", [])))
elif what == "status": print(by_url.get(arg, {}).get("status"))
elif what == "dom": print("\n".join(r["dom"]["jobs"]))
elif what == "submitted": print(len(r["jobs"]["submitted"]))
elif what == "requests":  # METHOD-less: status of every request whose URL contains arg
    print(" ".join(str(q.get("status")) for q in r["requests"] if arg in (q.get("url") or "")))
elif what == "gallery": g = r["gallery"]; print(g["decoded"], g["failed"])
elif what == "admin": print(json.dumps(r["admin"], sort_keys=True))
elif what == "counts": print(r["dom"]["counts"])
elif what == "hooks": print(r["hooks_listed"], r["dom"]["admin_hidden"])
elif what == "errors": print(" | ".join(by_url.get(arg, {}).get("errors", [])))
PY
}
eq "the page submitted both URLs" "$(jq_ submitted)" 2
eq "the slow one was seen queued, then fetching, then ready, in that order" "$(jq_ seen "$SLOW" | sed 's/^fetching/queued fetching/')" "queued fetching ready"
contains "... (the page saw it fetching)" "$(jq_ seen "$SLOW")" "fetching ready"
contains "the broken one was shown failed, with its error, then retried to ready" "$(jq_ seen "$S/toggle/blue.png")" "failed queued"
eq "... and ended ready" "$(jq_ status "$S/toggle/blue.png")" ready
eq "the failure's error was on the page" "$(jq_ errors "$S/toggle/blue.png")" "source answered HTTP 503"
eq "the retry went through the API (202)" "$(jq_ requests /retry)" 202
eq "the catalog agrees: both ready" "$(sql "SELECT count(*) FROM media WHERE tenant_id = '$TA' AND source_url IN ('$SLOW', '$S/toggle/blue.png') AND status = 'ready'")" 2
eq "the two new images were shown and decoded with the three before" "$(jq_ gallery)" "5 0"
contains "the waiting reads were used" "$(jq_ requests 'wait=2' | tr ' ' '\n' | sort -u | tr '\n' ' ')" "200"
eq "the page's script still holds no credential" "$(q sees)" '{"cookie": "", "local": {}, "session": {}}'

# ---- direct uploads from the page (issue 16, item 4): straight into the bucket ----
$PY - "$T/up" <<'PY'
import struct, sys, zlib, os
os.makedirs(sys.argv[1], exist_ok=True)
def png(w, h):
    raw = b"".join(b"\x00" + os.urandom(w * 3) for _ in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b"")
open(sys.argv[1] + "/photo.png", "wb").write(png(31, 17))
open(sys.argv[1] + "/poster.png", "wb").write(png(1800, 2000))   # ~10.8 MB: multipart on the page
open(sys.argv[1] + "/trap.png", "wb").write(b"<!doctype html><html><body>gotcha</body></html>" + b" " * 800)
PY
$PY "$SRC/tests/tools/browser_check.py" --url "$A/app" --key "$KA" --out "$T/browser.json" --timeout 120 \
  --upload "$T/up/photo.png" --upload "$T/up/poster.png" --upload "$T/up/trap.png" >>"$T/browser.log" 2>&1
eq "Chromium ran the upload scenario" "$?" 0
upj() { $PY - "$T/browser.json" "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); name = sys.argv[2]; what = sys.argv[3]
j = [x for x in r["jobs"]["jobs"].values() if x.get("filename") == name]
j = j[0] if j else {}
print(j.get(what) if what != "seen" else " ".join(j.get("seen", [])))
PY
}
for f in photo poster; do
  eq "$f.png: uploaded from the page, verified ready" "$(upj $f.png status)" ready
  id=$(upj $f.png id)
  eq "... its SHA-256 is the file's" "$(sql "SELECT sha256 FROM media WHERE id = '$id'")" "$(sha <"$T/up/$f.png")"
  eq "... progress reached 100%" "$(upj $f.png maxProgress)" 1
done
contains "the large one went up in parts, straight to the bucket" "$($PY -c 'import json,sys; r=json.load(open(sys.argv[1])); print(" ".join(str(q.get("status")) for q in r["requests"] if "partNumber=" in (q.get("url") or "")))' "$T/browser.json")" "200 200 200"
eq "trap.png (HTML named .png) ends failed" "$(upj trap.png status)" failed
contains "... with its error on the page" "$(upj trap.png errors)" "not a media type"
tk=$(sql "SELECT object_key FROM media WHERE id = '$(upj trap.png id)'")
check "... and leaves no object" bash -c "! aws --endpoint-url $MEDIAGATE_S3_ENDPOINT --region $AWS_REGION s3api head-object --bucket $MEDIAGATE_S3_BUCKET --key '$tk' >/dev/null 2>&1"
eq "the page shows the two new images (decoded)" "$(jq_ gallery)" "7 0"
eq "the page's CSP blocked nothing (uploads go to the bucket: connect-src)" "$(q csp)" 0

# ---- an admin key: the tenant's queue, dead letters and webhook failures, with replay ----
KADM=$("$MG" apikey create --tenant "$TA" --scopes admin 2>/dev/null)
RH=127.0.0.3 RPORT=26036
bg refused $PY "$SRC/tests/tools/count_listener.py" --port $RPORT --out "$T/refused.count" $RH
wait_port $RH $RPORT; sleep 0.3; R0=$(cat "$T/refused.count")
curl -s -o /dev/null -X POST -H "Authorization: Bearer $KADM" -d "{\"url\":\"http://$RH:$RPORT/hook\",\"events\":[\"media.deleted\"]}" "$A/api/v1/webhooks"
gone=$(sql "SELECT id FROM media WHERE tenant_id = '$TA' AND source_url = '$S/status/404'")
eq "a failed record deleted (its webhook target is refused)" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $KADM" "$A/api/v1/media/$gone")" 204
for _ in $(seq 1 50); do "$MG" webhooks deliveries --tenant "$TA" --failed | grep -q . && break; sleep 0.2; done
$PY "$SRC/tests/tools/browser_check.py" --url "$A/app" --key "$KADM" --out "$T/browser.json" --timeout 40 \
  --admin --replay-hooks >>"$T/browser.log" 2>&1
eq "Chromium loaded the operations panel" "$?" 0
eq "the panel shows the webhook failure (and is not hidden)" "$(jq_ hooks)" "1 False"
contains "... the queue by status" "$(jq_ counts)" "ready 7"
contains "... and the dead letters" "$(jq_ counts)" "failed 2"
contains "the dead letters list the failed records" "$(jq_ admin)" "\"$FAILED\""
eq "Replay went through the API (202)" "$(jq_ requests /replay)" 202
eq "the replayed delivery was attempted again and failed again (the target stays refused)" \
  "$("$MG" webhooks deliveries --tenant "$TA" --failed | grep -c '"attempts":1')" 1
eq "... and the refused address was never contacted" "$(cat "$T/refused.count")" "$R0"
$PY "$SRC/tests/tools/browser_check.py" --url "$A/app" --key "$KA" --out "$T/browser.json" --timeout 30 --admin >>"$T/browser.log" 2>&1
eq "a key without admin sees no operations panel" "$(jq_ hooks)" "0 True"
finish
