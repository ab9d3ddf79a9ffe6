#!/usr/bin/env bash
# run.sh - the "run it" command: install dependencies, build mediagate, start the local stack
# (PostgreSQL, Redis, Ceph RGW on 127.0.0.1) and the service scaled out on it — 2 `serve` and
# 2 `worker` processes behind haproxy — then show it working as a client would: ingest real
# sample images through the load balancer (POST /api/v1/media), wait until they are ready,
# fetch each through its presigned URL with plain curl, and print the browser page's address
# and an API key to paste into it. Everything keeps running; a second run reuses it.
# Stop everything with deploy/local/down.sh.
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
step() { printf '\n==> %s\n' "$*" >&2; }
BASE=${MEDIAGATE_PORT_BASE:-15000}
STATE=$(realpath -m "${MEDIAGATE_STACK_DIR:-$repo/.stack}")
LB="http://127.0.0.1:$((BASE + 80))"

step "dependencies"
if [ "$(id -u)" = 0 ]; then deploy/local/deps.sh; else sudo deploy/local/deps.sh; fi
step "build (build/mediagate)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMEDIAGATE_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target mediagate >/dev/null
step "local stack (PostgreSQL, Redis, Ceph RGW)"
deploy/local/up.sh >/dev/null
# shellcheck disable=SC1091
source "$STATE/env"
step "2 serve + 2 worker behind haproxy"
deploy/local/replicas.sh start
deploy/local/replicas.sh status

step "ingest sample images through the load balancer ($LB)"
KEYFILE=$STATE/demo.key
KEY=$(cat "$KEYFILE" 2>/dev/null || true)
if [ -z "$KEY" ] || [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" "$LB/api/v1/media?size=1")" != 200 ]; then
  KEY=$(build/mediagate apikey create --tenant demo --scopes read,write 2>/dev/null)
  (umask 077; printf '%s\n' "$KEY" >"$KEYFILE")
fi
src="http://127.0.0.2:$((BASE + 90))"
declare -A ID
for f in sunset.jpg checkers.png gradient.png; do
  # the same Idempotency-Key on a second run returns the same record: nothing is ingested twice
  body=$(curl -s -X POST -H "Authorization: Bearer $KEY" -H "Idempotency-Key: sample-$f" \
    -H 'Content-Type: application/json' -d "{\"source_url\":\"$src/$f\",\"metadata\":{\"sample\":\"$f\"}}" \
    "$LB/api/v1/media")
  ID[$f]=$(printf '%s' "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') ||
    { echo "submitting $f failed: $body" >&2; exit 1; }
  echo "submitted $f -> media ${ID[$f]}"
done
for f in "${!ID[@]}"; do
  for _ in $(seq 1 150); do
    st=$(curl -s -H "Authorization: Bearer $KEY" "$LB/api/v1/media/${ID[$f]}" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    [ "$st" = ready ] || [ "$st" = failed ] && break
    sleep 0.2
  done
  [ "$st" = ready ] || { echo "$f ended $st" >&2; exit 1; }
done

step "each one through its presigned URL, fetched from the bucket with plain curl"
for f in sunset.jpg checkers.png gradient.png; do
  url=$(curl -s -H "Authorization: Bearer $KEY" "$LB/api/v1/media/${ID[$f]}/url" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
  printf '\n%s (media %s)\n  %s\n' "$f" "${ID[$f]}" "$url"
  got=$(curl -s -o "$STATE/fetched" -w 'HTTP %{http_code}, %{content_type}, %{size_download} bytes' "$url")
  same=$([ "$(sha256sum <"$STATE/fetched" | cut -d' ' -f1)" = "$(sha256sum <"$STATE/samples/$f" | cut -d' ' -f1)" ] && echo "the source's bytes" || echo "DIFFERENT bytes")
  echo "  curl: $got, $same"
done
rm -f "$STATE/fetched"

# The shell environment for what is shown below: the stack's, and the sample source (127.0.0.2,
# a loopback address the SSRF guard refuses unless told) allowed, so the CLI can ingest from it
# too (issue 29, item 2). The stack's own env stays as up.sh wrote it: the tests use it.
(umask 077; cat >"$STATE/run.env" <<ENV
# written by deploy/local/run.sh: source it to use the running service from a shell
source $(printf '%q' "$STATE/env")
export MEDIAGATE_ALLOW_PRIVATE_SOURCES=127.0.0.2/32 # the sample source, nothing else
ENV
)

cat <<MSG

mediagate is running, scaled out on 127.0.0.1:
  API through haproxy   $LB/api/v1/...   (haproxy stats: http://127.0.0.1:$((BASE + 404))/stats)
  browser page          $LB/app
  API key to paste      $KEY
  (tenant "demo", read and write; also in $KEYFILE)
Use it from a shell: source $(printf '%q' "$STATE/run.env")
  then e.g. build/mediagate ingest $src/sunset.jpg   (build/mediagate --help)
Logs: $STATE/log/   What runs: deploy/local/replicas.sh status
Stop everything: deploy/local/down.sh
MSG
