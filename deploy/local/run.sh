#!/usr/bin/env bash
# run.sh - the "run it" command: install dependencies, build mediagate, start the default
# local stack (PostgreSQL, Redis, Ceph RGW on 127.0.0.1) and show mediagate working against
# it: store an object, presign a URL for it, fetch it with plain curl.
# The stack keeps running; `source .stack/env` to use it, deploy/local/down.sh to stop it.
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
step() { printf '\n==> %s\n' "$*" >&2; }

step "dependencies"
if [ "$(id -u)" = 0 ]; then deploy/local/deps.sh; else sudo deploy/local/deps.sh; fi
step "build (build/mediagate)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
step "local stack"
deploy/local/up.sh >/dev/null
# shellcheck disable=SC1091
source .stack/env

step "mediagate against it"
key="demo/hello $(date +%s).txt"
printf 'hello from mediagate\n' | build/mediagate put --content-type text/plain "$key" -
url=$(build/mediagate presign --key "$key" --expires 300)
echo "presigned URL: $url"
printf 'curl says: '
curl -sf --path-as-is "$url"

cat >&2 <<MSG

The stack is running (state in $repo/.stack). To use it:
  source .stack/env
  build/mediagate --help
Stop it with: deploy/local/down.sh
MSG
