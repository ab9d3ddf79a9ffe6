#!/usr/bin/env bash
# The image (deploy/docker/Dockerfile), built with podman from the Dockerfile as written: its
# size, its user, `mediagate version` and `mediagate healthcheck` inside it, and a `serve` and
# a `worker` container (host network, read-only root filesystem) against the local stack that
# ingest and presign an image end to end, then stop on SIGTERM with exit 0.
source "$(dirname "$0")/lib.sh"
need podman mmdebstrap
SP=26201 SRCH=127.0.0.2 API=26202 ADMIN=26203 WADMIN=26204
images || { bad "the images build"; finish; }
# podman schedules HEALTHCHECKs with systemd timers, which this machine may lack: the test
# runs the image's health check command itself (podman exec) instead
RUN=(podman run --rm --network=host --no-healthcheck)
ok "the image builds from deploy/docker/Dockerfile"
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
check "the image is under 150 MB ($((size / 1000000)) MB)" test "$size" -lt 150000000
eq "mediagate version runs in it" "$("${RUN[@]}" "$IMAGE" version)" "mediagate $(cd "$SRC" && sed -n 's/^project(mediagate VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
eq "... as UID 10001, not root" "$("${RUN[@]}" --entrypoint id "$IMAGE" -u)" 10001
eq "its entrypoint is mediagate, its stop signal SIGTERM" \
  "$(podman image inspect --format '{{json .Config.Entrypoint}} {{.Config.StopSignal}}' "$IMAGE")" '["mediagate"] SIGTERM'
contains "its HEALTHCHECK is mediagate healthcheck (no curl needed)" \
  "$(podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE")" '"mediagate","healthcheck"'
"${RUN[@]}" "$IMAGE" healthcheck "http://127.0.0.1:$API/health" 2>"$T/hc.err"
eq "healthcheck against nothing: exit 1" "$?" 1
contains "... saying why" "$(cat "$T/hc.err")" "cannot connect"

# bad configuration: exit 2 with one line naming the variable, never a silent crash loop
"${RUN[@]}" "$IMAGE" serve >/dev/null 2>"$T/cfg1"
eq "no configuration at all: serve exits 2" "$?" 2
eq "... with one line naming the variable" "$(cat "$T/cfg1")" "mediagate serve: MEDIAGATE_DATABASE_URL is not set"
"${RUN[@]}" -e AWS_ACCESS_KEY_ID=x -e AWS_SECRET_ACCESS_KEY=y -e MEDIAGATE_S3_ENDPOINT=minio:9000 \
  -e MEDIAGATE_DATABASE_URL=postgresql://h/d -e MEDIAGATE_REDIS_URL=redis://h "$IMAGE" worker >/dev/null 2>"$T/cfg2"
eq "a wrong S3 endpoint (no scheme): worker exits 2" "$?" 2
eq "... naming it" "$(wc -l <"$T/cfg2") $(grep -c MEDIAGATE_S3_ENDPOINT "$T/cfg2")" "1 1"
"${RUN[@]}" -e AWS_ACCESS_KEY_ID=x -e AWS_SECRET_ACCESS_KEY=y -e MEDIAGATE_S3_BUCKET=media \
  -e MEDIAGATE_DATABASE_URL=postgresql://h/d -e MEDIAGATE_REDIS_URL=rediss://h "$IMAGE" worker >/dev/null 2>"$T/cfg3"
eq "rediss:// (no TLS in this hiredis): exit 2" "$?" 2
contains "... one line naming the variable and the way out" "$(cat "$T/cfg3")" "MEDIAGATE_REDIS_URL: rediss:// (TLS) is not supported"

# ---- serve and worker containers against the local stack ----
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
mkdir -p "$T/root"
$PY - "$T/root/pic.png" <<'PY'
import struct, sys, zlib
w, h = 64, 48
raw = b"".join(b"\x00" + b"".join(bytes((x * 4, y * 5, 99)) for x in range(w)) for y in range(h))
chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
bg source $PY "$SRC/tests/tools/source_server.py" --bind $SRCH --port $SP --root "$T/root"
wait_port $SRCH $SP || { bad "source did not start"; finish; }
NAME="mgimg-$RUN_ID"
EXIT_HOOKS+=("podman rm -f -t 0 $NAME-serve $NAME-worker")
envs=()
for v in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION MEDIAGATE_S3_ENDPOINT MEDIAGATE_S3_PUBLIC_ENDPOINT \
         MEDIAGATE_S3_BUCKET MEDIAGATE_S3_ADDRESSING MEDIAGATE_DATABASE_URL MEDIAGATE_REDIS_URL; do envs+=(-e "$v"); done
envs+=(-e MEDIAGATE_QUEUE_PREFIX="mgimg-$RUN_ID" -e MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRCH/32")
podman run -d --name "$NAME-serve" --network=host --no-healthcheck --read-only "${envs[@]}" \
  -e MEDIAGATE_LISTEN=127.0.0.1:$API -e MEDIAGATE_ADMIN_LISTEN=127.0.0.1:$ADMIN "$IMAGE" serve >/dev/null
podman run -d --name "$NAME-worker" --network=host --no-healthcheck --read-only "${envs[@]}" \
  -e MEDIAGATE_WORKER_LISTEN=127.0.0.1:$WADMIN -e MEDIAGATE_HEALTHCHECK_URL=http://127.0.0.1:$WADMIN/health \
  "$IMAGE" worker >/dev/null
wait_port 127.0.0.1 $API && wait_port 127.0.0.1 $WADMIN || { bad "the containers did not start"; podman logs "$NAME-serve" | tail; finish; }
podman exec "$NAME-serve" mediagate healthcheck "http://127.0.0.1:$ADMIN/health"
eq "the serve container's own healthcheck passes (its admin listener)" "$?" 0
podman exec "$NAME-worker" mediagate healthcheck
eq "the worker container's healthcheck passes (MEDIAGATE_HEALTHCHECK_URL)" "$?" 0
KEY=$("$MG" apikey create --tenant "img$$" --scopes read,write 2>/dev/null)
id=$(curl -s -X POST -H "Authorization: Bearer $KEY" -d "{\"source_url\":\"http://$SRCH:$SP/f/pic.png\"}" \
  "http://127.0.0.1:$API/api/v1/media" | json_field id)
check "the serve container accepted an ingest" test -n "$id"
for _ in $(seq 1 100); do
  st=$(curl -s -H "Authorization: Bearer $KEY" "http://127.0.0.1:$API/api/v1/media/$id" | json_field status)
  [ "$st" = ready ] || [ "$st" = failed ] && break; sleep 0.2
done
eq "the worker container made it ready" "$st" ready
url=$(curl -s -H "Authorization: Bearer $KEY" "http://127.0.0.1:$API/api/v1/media/$id/url" | json_field url)
eq "its presigned URL serves the source's bytes" "$(curl -s "$url" | sha)" "$(sha <"$T/root/pic.png")"
podman stop -t 40 "$NAME-serve" "$NAME-worker" >/dev/null
eq "SIGTERM: both containers exit 0" \
  "$(podman inspect --format '{{.State.ExitCode}}' "$NAME-serve") $(podman inspect --format '{{.State.ExitCode}}' "$NAME-worker")" "0 0"
contains "... serve drained first" "$(podman logs "$NAME-serve" 2>&1)" "draining"
finish
