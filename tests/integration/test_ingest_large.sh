#!/usr/bin/env bash
# A 300 MiB source streamed into Ceph RGW: SHA-256 equal at both ends, and the ingest
# process's peak RSS under 64 MiB (measured with GNU time on the build without sanitizers,
# MEDIAGATE_PLAIN_BIN; ASan's own memory would say nothing about mediagate's) — stored as sent
# (MEDIAGATE_METADATA=keep: a declared length goes in one PUT), and through the metadata
# scrubber (the default: its length unknown until the end, in parts).
source "$(dirname "$0")/lib.sh"
PLAIN=${MEDIAGATE_PLAIN_BIN:?MEDIAGATE_PLAIN_BIN must name a mediagate built without sanitizers}
SP=26003 SRCH=127.0.0.2
S="http://$SRCH:$SP"
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32" MEDIAGATE_MAX_BYTES=$((512 << 20))
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
mkdir -p "$T/root"
fake_jpeg $((300 * 1048576 - 4)) >"$T/root/big.jpg"
want=$(sha256sum "$T/root/big.jpg" | cut -d' ' -f1)
bg source $PY "$SRC/tests/tools/source_server.py" --bind $SRCH --port $SP --root "$T/root"
wait_port $SRCH $SP || { bad "source did not start"; finish; }

for route in f chunked scrubbed; do
  u="$S/$route/big.jpg" metadata=keep
  [ "$route" = scrubbed ] && u="$S/f/big.jpg?scrubbed" metadata=strip
  MEDIAGATE_METADATA=$metadata /usr/bin/time -f '%M' -o "$T/rss" "$PLAIN" ingest "$u" >"$T/out.jsonl"
  eq "$route: 300 MiB ingest exits 0" "$?" 0
  status=$(rec "$T/out.jsonl" "$u" status)
  eq "$route: ready" "$status" ready
  eq "$route: SHA-256 recorded equals the source's" "$(rec "$T/out.jsonl" "$u" sha256)" "$want"
  etag=$(rec "$T/out.jsonl" "$u" etag)
  case "$route:$etag" in
    *:) bad "$route: no ETag recorded (the ingest did not finish)" ;;
    f:*-*) bad "f: a declared length should go in one PUT, got $etag" ;;
    f:*) ok "f: declared length: one streaming PUT" ;;
    chunked:*-38) ok "chunked: unknown length: 38 parts of 8 MiB" ;;
    scrubbed:*-38) ok "scrubbed: the stored length unknown until the end: 38 parts of 8 MiB" ;;
    *) bad "$route: etag $etag" ;;
  esac
  key=$(rec "$T/out.jsonl" "$u" object_key)
  eq "$route: bytes read back with awscli have the same SHA-256" \
    "$(aws_s3 s3 cp "s3://$MEDIAGATE_S3_BUCKET/$key" - | sha)" "$want"
  rss=$(tail -n 1 "$T/rss")
  # the peak of a process that gave up early says nothing: only a finished ingest counts
  if [ "$status" != ready ] || ! [ "$rss" -gt 0 ] 2>/dev/null; then
    bad "$route: peak RSS not measured over a finished ingest (status '$status', rss '$rss')"
  elif [ "$rss" -lt 65536 ]; then ok "$route: peak RSS ${rss} KiB < 64 MiB"; else bad "$route: peak RSS ${rss} KiB >= 64 MiB"; fi
  aws_s3 s3 rm "s3://$MEDIAGATE_S3_BUCKET/$key" --quiet
done
finish
