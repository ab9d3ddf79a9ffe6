#!/usr/bin/env bash
# The compose files (deploy/compose): both pass `docker-compose config`; compose.prod.yaml
# refuses to start without its image names and env files (a one-line reason each); and the
# development file comes up under Debian's docker-compose on podman, in the variant this
# machine allows (tests/deploy/compose_variant.py says exactly what it changes): migrate and
# create-bucket run first, then 2 serve + 2 worker + haproxy, /ready is 200 through haproxy,
# and an image ingested through it is ready and served by its presigned URL.
source "$(dirname "$0")/lib.sh"
need podman docker-compose mmdebstrap
C="$SRC/deploy/compose"
docker-compose -f "$C/compose.yaml" config -q
eq "compose.yaml: docker-compose config" "$?" 0
mkdir -p "$T/env"; for f in mediagate postgres minio; do cp "$C/env/$f.env.example" "$T/env/$f.env"; done
MEDIAGATE_ENV_DIR="$T/env" MEDIAGATE_IMAGE=x MEDIAGATE_LB_IMAGE=y docker-compose -f "$C/compose.prod.yaml" config -q
eq "compose.prod.yaml (with its env files): docker-compose config" "$?" 0
prod=$(MEDIAGATE_ENV_DIR="$T/env" MEDIAGATE_IMAGE=x MEDIAGATE_LB_IMAGE=y docker-compose -f "$C/compose.prod.yaml" config)
eq "compose.prod.yaml publishes haproxy's port only" "$(grep -c 'published:' <<<"$prod")" 1
eq "... every service has limits and reservations" \
  "$($PY -c 'import sys,yaml; d=yaml.safe_load(sys.stdin); print(all("limits" in s["deploy"]["resources"] and "reservations" in s["deploy"]["resources"] for s in d["services"].values()))' <<<"$prod")" True
eq "... and a restart policy" \
  "$($PY -c 'import sys,yaml; d=yaml.safe_load(sys.stdin); print(all(s.get("restart") for s in d["services"].values()))' <<<"$prod")" True
docker-compose -f "$C/compose.prod.yaml" config -q 2>"$T/err"
contains "no image named: one line naming the variable" "$(cat "$T/err")" "MEDIAGATE_IMAGE must name the mediagate image"
MEDIAGATE_ENV_DIR="$T/none" MEDIAGATE_IMAGE=x MEDIAGATE_LB_IMAGE=y docker-compose -f "$C/compose.prod.yaml" config -q 2>"$T/err"
contains "a missing env file: named" "$(cat "$T/err")" "Couldn't find env file: $T/none/"

# ---- the development file, up on podman ----
images || { bad "the images build"; finish; }
RPORT=${MEDIAGATE_REDIS_URL##*:}; RPORT=${RPORT%%/*}
B=26300 SP=26299 SRCH=127.0.0.2
$PY "$SRC/tests/deploy/compose_variant.py" "$C/compose.yaml" "$T/compose.test.yaml" \
  --env "$MEDIAGATE_TEST_ENV" --base $B --prefix "mgcompose-$RUN_ID"
docker-compose -f "$T/compose.test.yaml" config -q
eq "the test variant is a valid compose file too" "$?" 0
docker_api
P="mgc$$"
EXIT_HOOKS+=("docker-compose -p $P -f '$T/compose.test.yaml' down -t 40")
docker-compose -p "$P" -f "$T/compose.test.yaml" up -d >"$T/up.log" 2>&1
eq "docker-compose up (on podman's Docker API)" "$?" 0
for _ in $(seq 1 300); do [ "$(http_code "http://127.0.0.1:$B/ready")" = 200 ] && break; sleep 0.2; done
eq "/ready through haproxy: 200" "$(http_code "http://127.0.0.1:$B/ready")" 200
ps=$(docker-compose -p "$P" -f "$T/compose.test.yaml" ps 2>/dev/null)
contains "migrate ran to completion" "$(grep migrate <<<"$ps")" "Exit 0"
contains "create-bucket ran to completion" "$(grep create-bucket <<<"$ps")" "Exit 0"
up=$(grep -E 'serve-|worker-|haproxy' <<<"$ps" | grep -c ' Up')
eq "2 serve, 2 worker and haproxy are up" "$up" 5
[ "$up" = 5 ] || { printf '%s\n' "$ps"; docker-compose -p "$P" -f "$T/compose.test.yaml" logs --tail 15 2>&1 | grep -v ' sleep\| Up ' | tail -40; }
mkdir -p "$T/root"; fake_png 3000 >"$T/root/c.png"
bg source $PY "$SRC/tests/tools/source_server.py" --bind $SRCH --port $SP --root "$T/root"
wait_port $SRCH $SP || bad "source did not start"
KEY=$("$MG" apikey create --tenant "cmp$$" --scopes read,write 2>/dev/null)
id=$(curl -s -X POST -H "Authorization: Bearer $KEY" -d "{\"source_url\":\"http://$SRCH:$SP/f/c.png\"}" \
  "http://127.0.0.1:$B/api/v1/media" | json_field id)
for _ in $(seq 1 100); do
  st=$(curl -s -H "Authorization: Bearer $KEY" "http://127.0.0.1:$B/api/v1/media/$id" | json_field status)
  [ "$st" = ready ] || [ "$st" = failed ] && break; sleep 0.2
done
eq "an image ingested through haproxy by the compose workers is ready" "$st" ready
url=$(curl -s -H "Authorization: Bearer $KEY" "http://127.0.0.1:$B/api/v1/media/$id/url" | json_field url)
eq "... and its presigned URL serves the bytes" "$(curl -s "$url" | sha)" "$(sha <"$T/root/c.png")"
docker-compose -p "$P" -f "$T/compose.test.yaml" down -t 40 >"$T/down.log" 2>&1
eq "docker-compose down" "$?" 0
finish
