#!/usr/bin/env bash
# deps.sh - install every Debian 12 package that mediagate's build, tests and local stack need.
# Safe to run twice: apt-get skips what is installed; the package index is refreshed only
# when a package is missing from it.
set -euo pipefail

PKGS=(
  # build
  build-essential cmake pkg-config clang-format
  # fuzzing (tests/fuzz): clang's libFuzzer and sanitizer runtimes
  clang-14 libclang-rt-14-dev
  libcurl4-openssl-dev libssl-dev libhiredis-dev libpq-dev libjansson-dev
  libh2o-evloop-dev libcmocka-dev
  # local stack: PostgreSQL, Redis, Ceph RADOS Gateway
  postgresql redis-server ceph-mon ceph-osd radosgw ceph-common
  # the connection pooler (deploy/local/pgbouncer.sh, the pooled test run)
  pgbouncer
  # Redis high availability (tests/faults/test_redis_sentinel.sh)
  redis-sentinel
  # promtool: the alert rules and the metrics lint (tests/integration/test_observability.sh)
  prometheus
  # independent clients used by the tests
  curl awscli python3-boto3 procps time openssl
  # the browser test: Debian's Chromium, driven over its DevTools protocol
  chromium python3-websocket
  # the egress-proxy test: a real HTTP proxy
  tinyproxy-bin
  # replicas behind a load balancer (run.sh, the deploy tests): haproxy; sample images
  haproxy libjpeg-turbo-progs
  # the metadata scrubbers' end-to-end test (tests/integration/test_scrub.sh): exiftool tags
  # real files and reads what is served; each format's own tools make and decode them
  libimage-exiftool-perl webp netpbm pngcheck
  # the scanning hook's test (tests/integration/test_scan.sh): a real clamd, with a signature
  # database the test writes
  clamav-daemon
  # containers without a registry or a Docker engine (shared/notes/containers.md): podman
  # builds and runs the image, docker-compose drives podman, podman kube play runs the
  # Kubernetes Deployments; the Debian base image is made with mmdebstrap
  podman buildah catatonit runc mmdebstrap uidmap docker-compose
)

if [ "$(id -u)" != 0 ]; then
  echo "deps.sh: run as root (it calls apt-get)" >&2
  exit 2
fi

# Kubernetes manifests are validated with the npm packages kubernetes-models: Node.js, from
# Debian's archive when the machine has none.
command -v node >/dev/null && command -v npm >/dev/null || PKGS+=(nodejs npm)

# Two podman settings some sandboxes need, in a drop-in of our own (an operator's
# containers.conf is never touched): explicit rlimits (the defaults are refused: "error
# setting rlimit"), and runc (crun refuses cgroups in hybrid mode: "cgroups in hybrid mode
# not supported"; runc runs there and everywhere else).
containers_conf() {
  local f=/etc/containers/containers.conf.d/mediagate.conf
  mkdir -p "${f%/*}"
  printf '# written by mediagate deploy/local/deps.sh\n[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]\n\n[engine]\nruntime = "runc"\n' >"$f.tmp"
  cmp -s "$f.tmp" "$f" 2>/dev/null && rm -f "$f.tmp" || mv "$f.tmp" "$f"
}

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { containers_conf; echo "deps.sh: all ${#PKGS[@]} packages present" >&2; exit 0; }

export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }
echo "deps.sh: installing ${missing[*]}" >&2
if ! apt_get install -y -qq --no-install-recommends "${missing[@]}" >&2; then
  apt_get update -qq >&2
  apt_get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
# Debian starts the distribution's own PostgreSQL and Redis services on install; the local
# stack runs its own instances on other ports, so those are left alone.
containers_conf
