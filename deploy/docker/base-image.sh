#!/usr/bin/env bash
# base-image.sh - make docker.io/library/debian:bookworm-slim locally, from Debian's archive,
# for machines that reach no container registry (shared/notes/containers.md). The Dockerfile
# names that tag, so it builds unmodified here and anywhere else. Like the official slim
# image, documentation, man pages and locales are left out. Does nothing when the image
# exists (FORCE=1 rebuilds it).
#
#   deploy/docker/base-image.sh            (root; needs mmdebstrap and podman)
set -euo pipefail
TAG=docker.io/library/debian:bookworm-slim
if [ "${FORCE:-0}" != 1 ] && podman image exists "$TAG"; then
  echo "base-image.sh: $TAG exists" >&2
  exit 0
fi
for c in mmdebstrap podman; do
  command -v "$c" >/dev/null || { echo "base-image.sh: $c is missing (deploy/local/deps.sh installs it)" >&2; exit 2; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/mediagate-base.XXXXXX")
trap 'rm -rf "$work"' EXIT
mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
  bookworm "$work/rootfs.tar" >"$work/log" 2>&1 || { tail -n 40 "$work/log" >&2; exit 1; }
podman import --quiet "$work/rootfs.tar" "$TAG" >/dev/null
echo "base-image.sh: made $TAG ($(podman image inspect --format '{{.Size}}' "$TAG") bytes)" >&2
