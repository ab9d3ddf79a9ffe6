#!/usr/bin/env bash
# replicas.sh - the scaled-out service on top of a running local stack (up.sh): 2 `serve`
# and 2 `worker` processes behind haproxy, and a local source of sample images, all on
# loopback, recorded in the stack's pids/ directory (stopped by PID, checked against start
# time, like the stack itself).
#
#   deploy/local/replicas.sh start    start what is not running (a second start reuses)
#   deploy/local/replicas.sh stop     stop them (down.sh does too, before the stack)
#   deploy/local/replicas.sh status   print what runs, one line each
#
# Ports (MEDIAGATE_PORT_BASE as for up.sh, default 15000): haproxy base+80 (API) and
# base+404 (stats page); serve base+81, base+82 (admin base+181, base+182); worker admin
# base+164, base+165; sample source 127.0.0.2:base+90. Binary: MEDIAGATE_BIN (build/mediagate).
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
STATE=$(realpath -m "${MEDIAGATE_STACK_DIR:-$repo/.stack}")
BASE=${MEDIAGATE_PORT_BASE:-15000}
MG=${MEDIAGATE_BIN:-$repo/build/mediagate}
LB=$((BASE + 80)) STATS=$((BASE + 404)) SRC_PORT=$((BASE + 90)) SRC_HOST=127.0.0.2
NAMES=(source serve1 serve2 worker1 worker2 haproxy)

log() { printf '[replicas %(%T)T] %s\n' -1 "$*" >&2; }
starttime() { awk '$3 != "Z" {print $22}' "/proc/$1/stat" 2>/dev/null; }
running() { local pid st; read -r pid st 2>/dev/null <"$STATE/pids/$1" && [ -n "$st" ] &&
  [ "$(starttime "$pid")" = "$st" ]; }
wait_http() { # wait_http URL SECONDS: until it answers 200
  local i; for i in $(seq 1 $(($2 * 10))); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0; sleep 0.1; done; return 1; }
record() { echo "$1 $(starttime "$1")" >"$STATE/pids/$2"; }

# launch NAME CMD...: start it in its own session, output in log/NAME.log
launch() {
  local name=$1; shift
  if running "$name"; then return 0; fi
  setsid "$@" </dev/null >>"$STATE/log/$name.log" 2>&1 &
  record $! "$name"
  log "started $name (pid $!)"
}

samples() { # real images of known sizes: PNG (zlib-compressed, with CRCs) and JPEG (cjpeg)
  local dir=$STATE/samples
  [ -s "$dir/sunset.jpg" ] && return 0
  mkdir -p "$dir"
  python3 - "$dir" <<'PY'
import struct, sys, zlib
d = sys.argv[1]
def png(w, h, px):
    raw = b"".join(b"\x00" + b"".join(bytes(px(x, y)) for x in range(w)) for y in range(h))
    chunk = lambda t, b: struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open(f"{d}/checkers.png", "wb").write(png(240, 160, lambda x, y: (30, 30, 30) if (x // 20 + y // 20) % 2 else (240, 200, 40)))
open(f"{d}/gradient.png", "wb").write(png(320, 120, lambda x, y: (x * 255 // 319, y * 255 // 119, 160)))
# a portable pixmap for cjpeg
w, h = 400, 260
pix = bytearray()
for y in range(h):
    for x in range(w):
        sky = y < h * 0.6
        pix += bytes((255, 120 + y // 3, 60) if sky else (20, 40 + x // 8, 90))
open(f"{d}/sunset.ppm", "wb").write(b"P6 %d %d 255\n" % (w, h) + pix)
PY
  cjpeg -quality 85 -outfile "$dir/sunset.jpg" "$dir/sunset.ppm"
  rm -f "$dir/sunset.ppm"
}

start() {
  [ -f "$STATE/env" ] || { log "no local stack in $STATE: run deploy/local/up.sh first"; exit 2; }
  [ -x "$MG" ] || { log "$MG is missing: build it first (cmake --build build)"; exit 2; }
  # shellcheck disable=SC1091
  source "$STATE/env"
  export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$SRC_HOST/32" # the sample source, nothing else
  export MEDIAGATE_TRUSTED_PROXIES=127.0.0.1/32         # haproxy names the client
  mkdir -p "$STATE/log" "$STATE/pids"
  "$MG" migrate >/dev/null
  samples
  launch source python3 -m http.server --bind "$SRC_HOST" --directory "$STATE/samples" "$SRC_PORT"
  for i in 1 2; do
    launch "serve$i" env MEDIAGATE_LISTEN="127.0.0.1:$((BASE + 80 + i))" \
      MEDIAGATE_ADMIN_LISTEN="127.0.0.1:$((BASE + 180 + i))" "$MG" serve
    launch "worker$i" env MEDIAGATE_WORKER_LISTEN="127.0.0.1:$((BASE + 163 + i))" "$MG" worker
  done
  for i in 1 2; do
    wait_http "http://127.0.0.1:$((BASE + 80 + i))/ready" 30 || { log "serve$i is not ready: $STATE/log/serve$i.log"; exit 1; }
  done
  launch haproxy env MEDIAGATE_SERVE_ADDRS="127.0.0.1:$((BASE + 81)) 127.0.0.1:$((BASE + 82))" \
    MEDIAGATE_LB_BIND="127.0.0.1:$LB" MEDIAGATE_LB_STATS_BIND="127.0.0.1:$STATS" \
    MEDIAGATE_LB_STATE="$STATE/haproxy" "$repo/deploy/haproxy/run.sh"
  wait_http "http://127.0.0.1:$LB/ready" 30 || { log "haproxy does not answer: $STATE/log/haproxy.log"; exit 1; }
}

stop() {
  local name pid st i
  for name in haproxy serve1 serve2 worker1 worker2 source; do
    [ -f "$STATE/pids/$name" ] || continue
    if running "$name"; then
      read -r pid st <"$STATE/pids/$name"
      kill -TERM "$pid" 2>/dev/null
      for i in $(seq 1 400); do running "$name" || break; sleep 0.1; done
      running "$name" && { log "$name ($pid) ignored SIGTERM; SIGKILL"; kill -KILL "$pid"; sleep 0.2; }
      log "stopped $name ($pid)"
    fi
    rm -f "$STATE/pids/$name"
  done
}

status() {
  local name pid st
  for name in "${NAMES[@]}"; do
    if running "$name"; then read -r pid st <"$STATE/pids/$name"; echo "$name running (pid $pid)"
    else echo "$name stopped"; fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) [ -d "$STATE/pids" ] && stop; exit 0 ;;
  status) status ;;
  *) echo "usage: replicas.sh start|stop|status" >&2; exit 2 ;;
esac
