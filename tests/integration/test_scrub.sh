#!/usr/bin/env bash
# Metadata scrubbing end to end (issue 25) against the real stack: real JPEG, PNG, WebP and GIF
# files made by the formats' own tools (cjpeg, cwebp) and tagged by exiftool with GPS, XMP,
# IPTC, comments, camera and author fields; ingested from a loopback source and uploaded
# directly; then what a presigned URL serves is read back with exiftool and decoded by each
# format's decoder (djpeg, pngtopnm, dwebp, giftopnm): nothing private survives, the pixels
# are the same, orientation survives (all eight values), PNG CRCs hold (pngcheck), the record's
# sha256 describes the served bytes and source_sha256 the bytes sent. A tenant's policy
# (keep, keep-copyright) is set through the CLI and the API and honoured; bytes that cannot
# be parsed are refused, never stored unscrubbed.
source "$(dirname "$0")/lib.sh"
P=26190 WP=26191 SP=26192
SRCH=127.0.0.2
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32" MEDIAGATE_QUEUE_PREFIX="mgscrub-$RUN_ID"
unset MEDIAGATE_METADATA # the service's default: strip
for t in exiftool djpeg cjpeg cwebp dwebp pngtopnm giftopnm pngcheck; do
  command -v $t >/dev/null || { bad "$t is not installed (deploy/local/deps.sh)"; finish; }
done
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
TS="sc$$" TK="sk$$" TC="scc$$"
K=$("$MG" apikey create --tenant "$TS" --scopes read,write 2>/dev/null)
KK=$("$MG" apikey create --tenant "$TK" --scopes read,write 2>/dev/null)
KC=$("$MG" apikey create --tenant "$TC" --scopes read,write,admin 2>/dev/null)
KR=$("$MG" apikey create --tenant "$TC" --scopes read,write 2>/dev/null)
env MEDIAGATE_LISTEN=127.0.0.1:$P MEDIAGATE_ADMIN_LISTEN=off "$MG" serve 2>"$T/serve.log" &
BG_PIDS+=($!)
env MEDIAGATE_WORKER_LISTEN=127.0.0.1:$WP "$MG" worker 2>"$T/worker.log" &
BG_PIDS+=($!)
mkdir -p "$T/root"
bg source $PY "$SRC/tests/tools/source_server.py" --bind $SRCH --port $SP --root "$T/root"
wait_port 127.0.0.1 $P && wait_port 127.0.0.1 $WP && wait_port $SRCH $SP ||
  { bad "servers did not start"; finish; }
A=http://127.0.0.1:$P/api/v1 S=http://$SRCH:$SP/f

# ---- the files: a picture, then its metadata ----
$PY - "$T" <<'PY'
import struct, sys, zlib
t = sys.argv[1]
w, h = 64, 48
px = b"".join(bytes(((x * 4) % 256, (y * 5) % 256, (x * y) % 256)) for y in range(h) for x in range(w))
open(t + "/pic.ppm", "wb").write(b"P6 %d %d 255\n" % (w, h) + px)
chunk = lambda k, d: struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d) & 0xffffffff)
raw = b"".join(b"\x00" + px[y * w * 3:(y + 1) * w * 3] for y in range(h))
open(t + "/pic.png", "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
# a 2x2 GIF with a global table of 4 colours, one image, LZW data for four pixels
gif = b"GIF89a\x02\x00\x02\x00\x81\x00\x00" + b"\xff\x00\x00\x00\xff\x00\x00\x00\xff\xff\xff\xff"
gif += b"\x2c\x00\x00\x00\x00\x02\x00\x02\x00\x00\x02\x03\x44\x34\x05\x00\x3b"
open(t + "/pic.gif", "wb").write(gif)
# bytes that sniff as a JPEG but end inside an APP1 segment
open(t + "/broken.jpg", "wb").write(b"\xff\xd8\xff\xe1\x40\x00Exif\x00\x00" + b"\x00" * 600)
PY
cjpeg -quality 90 "$T/pic.ppm" >"$T/base.jpg" && cwebp -quiet -q 90 "$T/pic.png" -o "$T/base.webp" ||
  { bad "cjpeg/cwebp"; finish; }
TAGS=(-GPSLatitude=48.8584 -GPSLatitudeRef=N -GPSLongitude=2.2945 -GPSLongitudeRef=E
      -Make=SecretCam -Model=SecretModel -Artist="Ann Smith" -Copyright="(c) Ann Smith"
      -XMP-dc:Creator=SecretCreator -XMP-dc:Rights="(c) Ann Smith")
tag() { exiftool -q -q -overwrite_original "$@" >/dev/null 2>&1; }
for o in 1 2 3 4 5 6 7 8; do
  cp "$T/base.jpg" "$T/root/o$o.jpg"
  tag "${TAGS[@]}" -IPTC:Keywords=SecretKeyword -Comment=SecretComment -Orientation#=$o "$T/root/o$o.jpg"
done
cp "$T/pic.png" "$T/root/p.png"; tag "${TAGS[@]}" -PNG:Comment=SecretComment "$T/root/p.png"
cp "$T/base.webp" "$T/root/w.webp"; tag "${TAGS[@]}" "$T/root/w.webp"
cp "$T/pic.gif" "$T/root/g.gif"; tag -Comment=SecretComment -XMP-dc:Creator=SecretCreator "$T/root/g.gif"
cp "$T/broken.jpg" "$T/root/broken.jpg"
# the fixtures really carry what must go (else the checks below would prove nothing)
contains "fixture: the JPEG has GPS" "$(exiftool -a -G1 "$T/root/o6.jpg")" "GPS Latitude"
contains "fixture: the PNG has GPS" "$(exiftool -a -G1 "$T/root/p.png")" "GPS Latitude"
contains "fixture: the WebP has GPS" "$(exiftool -a -G1 "$T/root/w.webp")" "GPS Latitude"
contains "fixture: the GIF has a comment" "$(exiftool -a -G1 "$T/root/g.gif")" "SecretComment"

PRIVATE='GPS|Secret|Ann Smith|Make|Model|Creator|Keywords|Rights|Artist'
submit() { # submit KEY URL -> the id
  curl -s -X POST -H "Authorization: Bearer $1" -d "{\"source_url\":\"$2\"}" "$A/media" | json_field id
}
wait_final() { # wait_final KEY ID -> the record, once ready or failed
  local r
  for _ in $(seq 1 60); do
    r=$(curl -s -H "Authorization: Bearer $1" "$A/media/$2?wait=2")
    case "$r" in *'"status":"ready"'* | *'"status":"failed"'*) printf '%s' "$r"; return ;; esac
  done
  printf '%s' "$r"
}
served() { curl -s -L -H "Authorization: Bearer $1" "$A/media/$2/content" -o "$3"; }
field() { $PY -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2]))' "$1" "$2"; }
decode() { # decode FILE -> the pixels, as the format's own decoder reads them
  case "$1" in
    *.jpg) djpeg -ppm "$1" ;; *.png) pngtopnm "$1" 2>/dev/null ;;
    *.webp) dwebp -quiet -ppm "$1" -o - ;; *.gif) giftopnm "$1" 2>/dev/null ;;
  esac
}
# check_scrubbed NAME FILE_IN_ROOT KEY ID -> the served copy in $T/out.<ext>
check_scrubbed() {
  local name=$1 f=$2 key=$3 id=$4 r out ext=${2##*.}
  r=$(wait_final "$key" "$id")
  eq "$name: ready" "$(field "$r" status)" ready
  out="$T/out.$ext"
  served "$key" "$id" "$out"
  local meta; meta=$(exiftool -a -G1 "$out" 2>&1)
  if grep -Eq "$PRIVATE" <<<"$meta"; then
    bad "$name: private metadata served: $(grep -E "$PRIVATE" <<<"$meta" | head -n 3 | tr '\n' ';')"
  else ok "$name: nothing private in what is served"; fi
  check "$name: the pixels are the same" cmp -s <(decode "$T/root/$f") <(decode "$out")
  eq "$name: sha256 is the served bytes'" "$(field "$r" sha256)" "$(sha <"$out")"
  eq "$name: source_sha256 is the bytes sent" "$(field "$r" source_sha256)" "$(sha <"$T/root/$f")"
  eq "$name: size_bytes is the served size" "$(field "$r" size_bytes)" "$(stat -c %s "$out")"
}

# ---- ingest, policy strip (the default) ----
for o in 1 2 3 4 5 6 7 8; do ids[$o]=$(submit "$K" "$S/o$o.jpg"); done
for o in 1 2 3 4 5 6 7 8; do
  check_scrubbed "jpeg orientation $o" "o$o.jpg" "$K" "${ids[$o]}"
  eq "jpeg orientation $o: kept" "$(exiftool -s3 -n -Orientation "$T/out.jpg")" "$o"
done
id=$(submit "$K" "$S/p.png"); check_scrubbed "png" p.png "$K" "$id"
check "png: every chunk's CRC holds (pngcheck)" pngcheck -q "$T/out.png"
id=$(submit "$K" "$S/w.webp"); check_scrubbed "webp" w.webp "$K" "$id"
contains "webp: RIFF size and flags valid (dwebp decodes, exiftool reads it)" \
  "$(exiftool -s -FileType "$T/out.webp")" "WEBP"
id=$(submit "$K" "$S/g.gif"); check_scrubbed "gif" g.gif "$K" "$id"
id=$(submit "$K" "$S/broken.jpg"); r=$(wait_final "$K" "$id")
eq "a JPEG that does not parse: failed" "$(field "$r" status)" failed
contains "... saying why" "$(field "$r" error)" "cannot be scrubbed"

# ---- a tenant's own policy: keep (CLI), keep-copyright (API) ----
"$MG" tenant set "$TK" --metadata keep >/dev/null 2>&1
eq "tenant set through the CLI" "$("$MG" tenant show "$TK" 2>/dev/null)" "{\"tenant\":\"$TK\",\"metadata\":\"keep\"}"
id=$(submit "$KK" "$S/o6.jpg"); r=$(wait_final "$KK" "$id"); served "$KK" "$id" "$T/kept.jpg"
eq "policy keep: the bytes as sent" "$(sha <"$T/kept.jpg")" "$(sha <"$T/root/o6.jpg")"
eq "settings need the admin scope" "$(http_code -X PUT -H "Authorization: Bearer $KR" -d '{"metadata":"keep"}' "$A/settings")" 403
eq "an unknown policy: 422" "$(http_code -X PUT -H "Authorization: Bearer $KC" -d '{"metadata":"some"}' "$A/settings")" 422
eq "PUT /settings keep-copyright" \
  "$(curl -s -X PUT -H "Authorization: Bearer $KC" -d '{"metadata":"keep-copyright"}' "$A/settings")" \
  '{"metadata":"keep-copyright"}'
id=$(submit "$KC" "$S/o3.jpg"); r=$(wait_final "$KC" "$id"); served "$KC" "$id" "$T/c.jpg"
meta=$(exiftool -a -s "$T/c.jpg")
contains "keep-copyright: the copyright stays" "$meta" "(c) Ann Smith"
contains "keep-copyright: the artist stays" "$meta" "Artist"
not_contains "keep-copyright: GPS still goes" "$meta" "GPS"
eq "keep-copyright: orientation kept" "$(exiftool -s3 -n -Orientation "$T/c.jpg")" 3

# ---- the upload path: the verification promotes scrubbed bytes ----
f="$T/root/o6.jpg" size=$(stat -c %s "$T/root/o6.jpg")
curl -s -o "$T/up.json" -X POST -H "Authorization: Bearer $K" \
  -d "{\"size_bytes\": $size, \"content_type\": \"image/jpeg\"}" "$A/uploads"
uid=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["media"]["id"])' "$T/up.json")
url=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["put"]["url"])' "$T/up.json")
eq "upload: PUT the tagged JPEG" "$(http_code -X PUT -H 'Content-Type: image/jpeg' --data-binary @"$f" "$url")" 200
eq "upload: complete" "$(http_code -X POST -H "Authorization: Bearer $K" "$A/uploads/$uid/complete")" 202
check_scrubbed "upload jpeg" o6.jpg "$K" "$uid"
eq "upload: orientation kept" "$(exiftool -s3 -n -Orientation "$T/out.jpg")" 6

finish
