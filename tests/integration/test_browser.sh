#!/usr/bin/env bash
# A real browser: headless Chromium (Debian's, over the DevTools protocol) loads the page that
# `mediagate serve` serves at /app, which lists the tenant's ready media and shows each image
# through GET /api/v1/media/{id}/content (302 to a presigned bucket URL, API key from the
# page's SameSite cookie). Every image must decode at its real size, every /content request
# must be a 302 answered by the bucket, the page's CSP must block nothing, and another
# tenant's media must not appear. Also: the cookie opens /content only.
source "$(dirname "$0")/lib.sh"
SP=26031 SRCH=127.0.0.2 PORT=26032
S="http://$SRCH:$SP"
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32" MEDIAGATE_QUEUE_PREFIX="mgbrowser-$RUN_ID"
export MEDIAGATE_THREADS=2 MEDIAGATE_BACKEND_THREADS=4 MEDIAGATE_DRAIN_DELAY_S=0
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
MEDIAGATE_WORKER_LISTEN=127.0.0.1:26033 "$MG" worker 2>"$T/worker.log" & BG_PIDS+=($!)
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

# ---- the cookie opens GET /content only ----
one=$(printf '%s\n' "${!WANT[@]}" | head -n 1)
eq "/content with the key cookie: 302" "$(curl -s -o /dev/null -w '%{http_code}' -b "mediagate_key=$KA" "$A/api/v1/media/$one/content")" 302
eq "/url with only the cookie: 401" "$(curl -s -o /dev/null -w '%{http_code}' -b "mediagate_key=$KA" "$A/api/v1/media/$one/url")" 401
eq "listing with only the cookie: 401" "$(curl -s -o /dev/null -w '%{http_code}' -b "mediagate_key=$KA" "$A/api/v1/media")" 401
eq "DELETE with only the cookie: 401" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -b "mediagate_key=$KA" "$A/api/v1/media/$one")" 401
eq "another tenant's cookie on /content: 404" "$(curl -s -o /dev/null -w '%{http_code}' -b "mediagate_key=$KB" "$A/api/v1/media/$one/content")" 404
eq "a garbage cookie: 401" "$(curl -s -o /dev/null -w '%{http_code}' -b "mediagate_key=nope" "$A/api/v1/media/$one/content")" 401

# ---- Chromium ----
$PY "$SRC/tests/tools/browser_check.py" --url "$A/app#key=$KA" --out "$T/browser.json" --timeout 40 >"$T/browser.log" 2>&1
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

# ---- a wrong key: the page says so and shows nothing ----
$PY "$SRC/tests/tools/browser_check.py" --url "$A/app#key=wrong" --out "$T/browser.json" --timeout 20 >>"$T/browser.log" 2>&1
eq "a wrong key: the page reports the refusal" "$(q summary)" "0 0 0 listing failed: 401 Authentication required"
finish
