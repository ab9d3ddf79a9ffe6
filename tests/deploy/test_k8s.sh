#!/usr/bin/env bash
# The Kubernetes manifests (deploy/k8s/base): every object validates against the Kubernetes
# OpenAPI schemas (npm kubernetes-models; a broken copy is refused, so the check bites), and
# the serve and worker Deployments start under `podman kube play` in the local variant
# (tests/deploy/k8s/local-variant.mjs says what it changes), pass their readiness probe
# paths, run as UID 10001 on a read-only root filesystem, and ingest an image end to end.
source "$(dirname "$0")/lib.sh"
need node npm podman mmdebstrap
K="$SRC/deploy/k8s/base"
mkdir -p "$T/k8s"
cp "$SRC"/tests/deploy/k8s/{package.json,package-lock.json,validate.mjs,local-variant.mjs} "$T/k8s/"
(cd "$T/k8s" && npm ci --no-audit --no-fund --loglevel=error) >"$T/npm.log" 2>&1 ||
  { bad "npm ci (kubernetes-models)"; tail "$T/npm.log"; finish; }
node "$T/k8s/validate.mjs" "$K"/*.yaml >"$T/valid.txt"
eq "every object in deploy/k8s/base validates against the Kubernetes schemas" "$?" 0
eq "... $(grep -c '^ok' "$T/valid.txt") objects: Deployments, Services, Jobs, PDBs, HPAs, NetworkPolicies, ConfigMap, Secret" \
  "$(sed 's/^ok \([^ ]*\) .*/\1/' "$T/valid.txt" | sort -u | tr '\n' ' ')" \
  "apps/v1/Deployment autoscaling/v2/HorizontalPodAutoscaler batch/v1/CronJob batch/v1/Job networking.k8s.io/v1/NetworkPolicy policy/v1/PodDisruptionBudget v1/ConfigMap v1/Namespace v1/Secret v1/Service "
sed 's/replicas: 2/replicas: two/' "$K/serve.yaml" >"$T/broken.yaml"
node "$T/k8s/validate.mjs" "$T/broken.yaml" >"$T/broken.txt"
eq "a broken copy is refused (the check bites)" "$?" 1
contains "... naming the field" "$(cat "$T/broken.txt")" "spec/replicas must be integer"
for f in serve worker; do
  grep -q "readOnlyRootFilesystem: true" "$K/$f.yaml" && grep -q "runAsNonRoot: true" "$K/$f.yaml" &&
    grep -q "terminationGracePeriodSeconds: 60" "$K/$f.yaml" && grep -q "topologySpreadConstraints" "$K/$f.yaml"
  eq "$f: non-root, read-only root, grace period, topology spread" "$?" 0
done

# ---- serve and worker under podman kube play ----
images || { bad "the images build"; finish; }
B=26400
node "$T/k8s/local-variant.mjs" "$K" "$MEDIAGATE_TEST_ENV" $B "mgk8s-$RUN_ID" "$T/secret.json" >"$T/play.yaml" ||
  { bad "local variant"; finish; }
podman secret rm mediagate >/dev/null 2>&1
podman secret create mediagate "$T/secret.json" >/dev/null || { bad "podman secret create"; finish; }
EXIT_HOOKS+=("podman kube down '$T/play.yaml'" "podman secret rm mediagate")
podman kube play "$T/play.yaml" >"$T/play.log" 2>&1
eq "podman kube play starts the serve and worker Deployments" "$?" 0
for _ in $(seq 1 150); do [ "$(http_code http://127.0.0.1:$((B + 1))/ready)" = 200 ] && [ "$(http_code http://127.0.0.1:$((B + 3))/ready)" = 200 ] && break; sleep 0.2; done
eq "serve's readiness probe path (/ready on the API port) answers 200" "$(http_code http://127.0.0.1:$((B + 1))/ready)" 200
eq "worker's readiness probe path (/ready on its admin port) answers 200" "$(http_code http://127.0.0.1:$((B + 3))/ready)" 200
eq "... their liveness paths too" "$(http_code http://127.0.0.1:$((B + 2))/health) $(http_code http://127.0.0.1:$((B + 3))/health)" "200 200"
ctr=$(podman ps --format '{{.Names}}' | grep 'mediagate-serve-pod-0-serve' | head -n 1)
eq "the serve container runs as UID 10001" "$(podman exec "$ctr" id -u)" 10001
eq "... on a read-only root filesystem" "$(podman exec "$ctr" awk '$2 == "/" { split($4, o, ","); print o[1] }' /proc/mounts)" ro
mkdir -p "$T/root"; fake_jpeg 5000 >"$T/root/k.jpg"
bg source $PY "$SRC/tests/tools/source_server.py" --bind 127.0.0.2 --port 26499 --root "$T/root"
wait_port 127.0.0.2 26499 || bad "source did not start"
KEY=$("$MG" apikey create --tenant "k8s$$" --scopes read,write 2>/dev/null)
# the pods' sources are refused by the SSRF guard unless allowed: the ConfigMap carries it
id=$(curl -s -X POST -H "Authorization: Bearer $KEY" -d '{"source_url":"http://127.0.0.2:26499/f/k.jpg"}' \
  "http://127.0.0.1:$((B + 1))/api/v1/media" | json_field id)
for _ in $(seq 1 100); do
  st=$(curl -s -H "Authorization: Bearer $KEY" "http://127.0.0.1:$((B + 1))/api/v1/media/$id" | json_field status)
  [ "$st" = ready ] || [ "$st" = failed ] && break; sleep 0.2
done
eq "an image submitted to the serve pod is made ready by the worker pod" "$st" ready
podman kube down "$T/play.yaml" >/dev/null 2>&1
eq "podman kube down removes them" "$(podman pod ps --format '{{.Name}}' | grep -c 'mediagate-\(serve\|worker\)-pod')" 0
finish
