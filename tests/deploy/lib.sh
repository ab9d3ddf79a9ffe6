# lib.sh - shared by the deploy tests (tests/deploy/test_*.sh): the integration tests' helpers
# (stack environment, assertions, temporary directory), plus the images and podman's Docker API.
# shellcheck disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
IMAGE=localhost/mediagate:dev           # the tags compose.yaml and the manifests name
LB_IMAGE=localhost/mediagate-haproxy:dev

# skip MESSAGE: this machine lacks what the test needs. CTest reports the test as skipped
# (exit 77), never as passed.
skip() { echo "SKIP: $*"; exit 77; }
need() { local c; for c in "$@"; do command -v "$c" >/dev/null || skip "$c is not installed (deploy/local/deps.sh installs it)"; done; }

# images: the Debian base (made locally when no registry is reachable), then mediagate's
# image and the haproxy image, built from the Dockerfiles as written (podman's layer cache
# makes a second build quick). Build output in $T/build-*.log.
images() {
  "$SRC/deploy/docker/base-image.sh" >"$T/base-image.log" 2>&1 || { cat "$T/base-image.log"; return 1; }
  podman build --format docker --network=host -t "$IMAGE" -f "$SRC/deploy/docker/Dockerfile" "$SRC" \
    >"$T/build-mediagate.log" 2>&1 || { tail -n 30 "$T/build-mediagate.log"; return 1; }
  podman build --format docker --network=host -t "$LB_IMAGE" -f "$SRC/deploy/haproxy/Dockerfile" "$SRC" \
    >"$T/build-haproxy.log" 2>&1 || { tail -n 30 "$T/build-haproxy.log"; return 1; }
}

# docker_api: podman's Docker-compatible API on a socket in $T (for docker-compose), stopped
# by PID at exit. Sets DOCKER_HOST.
docker_api() {
  podman system service -t 0 "unix://$T/podman.sock" >"$T/podman-service.log" 2>&1 &
  BG_PIDS+=($!)
  local i; for i in $(seq 1 100); do [ -S "$T/podman.sock" ] && break; sleep 0.1; done
  export DOCKER_HOST="unix://$T/podman.sock"
}
