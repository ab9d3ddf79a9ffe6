#!/usr/bin/env bash
# up.sh - start mediagate's default local stack on 127.0.0.1, all state in one directory:
#   PostgreSQL (its own initdb and port), Redis (AOF on), and Ceph's RADOS Gateway as the
#   S3 server (one monitor, one OSD, one radosgw; pool size 1), plus the bucket and an S3 user.
# Prints the environment to use (also written to $MEDIAGATE_STACK_DIR/env). Stop with down.sh.
#
# Environment (all optional):
#   MEDIAGATE_STACK_DIR   state directory (default: <repo>/.stack)
#   MEDIAGATE_PORT_BASE   ports: base+432 PostgreSQL, +379 Redis, +300 Ceph mon, +480 S3
#                         (default 15000: 15432, 15379, 15300, 15480)
#   MEDIAGATE_OSD_BACKEND memstore (default; RAM) | bluestore (sparse file; for tests that
#                         store more than a few hundred MiB)
#   MEDIAGATE_OSD_BYTES   memstore capacity or bluestore file size (default 1 GiB / 16 GiB)
#   MEDIAGATE_STACK_UP_TIMEOUT  seconds per wait step (default 60)
set -Eeuo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
STATE=$(realpath -m "${MEDIAGATE_STACK_DIR:-$repo/.stack}")
BASE=${MEDIAGATE_PORT_BASE:-15000}
PG_PORT=$((BASE + 432)) REDIS_PORT=$((BASE + 379)) MON_PORT=$((BASE + 300)) RGW_PORT=$((BASE + 480))
BACKEND=${MEDIAGATE_OSD_BACKEND:-memstore}
UP_TIMEOUT=${MEDIAGATE_STACK_UP_TIMEOUT:-60}
BUCKET=${MEDIAGATE_STACK_BUCKET:-mediagate}
REGION=us-east-1
case "$BACKEND" in
  memstore) OSD_BYTES=${MEDIAGATE_OSD_BYTES:-1073741824} ;;
  bluestore) OSD_BYTES=${MEDIAGATE_OSD_BYTES:-17179869184} ;;
  *) echo "up.sh: MEDIAGATE_OSD_BACKEND must be memstore or bluestore" >&2; exit 2 ;;
esac
[ "$BASE" -ge 1024 ] && [ $((BASE + 480)) -lt 32768 ] ||
  { echo "up.sh: MEDIAGATE_PORT_BASE must keep ports in 1024..32767" >&2; exit 2; }

log() { printf '[up %(%T)T] %s\n' -1 "$*" >&2; }
die() {
  trap - ERR
  log "ERROR: $*"
  for f in "$STATE"/log/*.log "$STATE"/log/*.out; do
    [ -s "$f" ] && { echo "--- tail $f" >&2; tail -n 12 "$f" >&2; }
  done
  KEEP_STATE=1 MEDIAGATE_STACK_DIR="$STATE" "$here/down.sh" >&2 || true
  exit 1
}
trap 'die "command failed: line $LINENO: $BASH_COMMAND"' ERR

for b in ceph-mon ceph-osd radosgw radosgw-admin redis-server curl; do
  command -v "$b" >/dev/null || die "$b is missing: run deploy/local/deps.sh first"
done
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PGBIN/initdb" ] || die "PostgreSQL server binaries missing: run deploy/local/deps.sh first"

# pids/<name> holds "PID STARTTIME": the start time (field 22 of /proc/PID/stat) guards
# against PID reuse even for daemons that rewrite their command line (redis does).
starttime() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }
ours() { # ours <pidfile>: the recorded process is still the one we started
  local pid st
  read -r pid st <"$1" 2>/dev/null || return 1
  [ -n "$st" ] && [ "$(starttime "$pid")" = "$st" ]
}

# A stack already running in this directory is reused as-is.
if [ -f "$STATE/env" ] && [ -f "$STATE/.mediagate-stack" ]; then
  alive_all=1
  for name in postgres redis ceph-mon ceph-osd radosgw; do
    ours "$STATE/pids/$name" || alive_all=0
  done
  if [ "$alive_all" = 1 ]; then log "stack already running in $STATE"; cat "$STATE/env"; exit 0; fi
fi
if [ -d "$STATE" ] && [ ! -e "$STATE/.mediagate-stack" ] && [ -n "$(ls -A "$STATE" 2>/dev/null)" ]; then
  die "$STATE exists, is not empty and is not a mediagate stack directory; refusing to use it"
fi
MEDIAGATE_STACK_DIR="$STATE" "$here/down.sh" >&2 || true

for port in "$PG_PORT" "$REDIS_PORT" "$MON_PORT" "$RGW_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "127.0.0.1:$port is already in use"; fi
done

mkdir -p "$STATE"/{pids,log,run,redis,ceph/mon/a,ceph/osd/0,ceph/rgw,ceph/crash,ceph/tmp}
touch "$STATE/.mediagate-stack"
chmod 755 "$STATE"
# shellcheck source=dirs.sh
source "$here/dirs.sh"
PGDIR=$(stack_dir pg) # the real path: PostgreSQL may not be able to enter $STATE

alive() { local st; st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]; }
wait_for() { # wait_for <what> <cmd...>: fail fast when a started daemon died
  local what=$1 t0=$SECONDS f pid; shift
  until "$@" >/dev/null 2>&1; do
    [ $((SECONDS - t0)) -lt "$UP_TIMEOUT" ] || die "timeout waiting for $what"
    for f in "$STATE"/pids/*; do
      [ -e "$f" ] || continue
      read -r pid _ <"$f"
      alive "$pid" || die "${f##*/} exited while waiting for $what"
    done
    sleep 0.1
  done
}
start() { # start <name> <cmd...>: exec'd in its own session (the PID is the daemon's own)
  local name=$1 pid; shift
  setsid "$@" </dev/null >>"$STATE/log/$name.out" 2>&1 &
  pid=$!
  echo "$pid $(starttime "$pid")" >"$STATE/pids/$name"
  log "started $name (pid $pid)"
}

# ---- PostgreSQL ----
PG_USER=mediagate PG_PASS=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$PGDIR"
  # PostgreSQL refuses to run as root; setpriv execs (no fork), so the PID we record is the
  # server's own
  as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi
printf '%s\n' "$PG_PASS" >"$PGDIR/.pwfile"
[ "$(id -u)" = 0 ] && chown postgres: "$PGDIR/.pwfile"
"${as_pg[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U "$PG_USER" --pwfile="$PGDIR/.pwfile" \
  --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$STATE/log/initdb.out" 2>&1 \
  || die "initdb failed"
rm -f "$PGDIR/.pwfile"
mkdir -p "$PGDIR/sock"; [ "$(id -u)" = 0 ] && chown postgres: "$PGDIR/sock"
start postgres "${as_pg[@]}" "$PGBIN/postgres" -D "$PGDIR/data" -p "$PG_PORT" \
  -c listen_addresses=127.0.0.1 -c unix_socket_directories="$PGDIR/sock" \
  -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c logging_collector=off -c log_min_messages=warning
wait_for "PostgreSQL" "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"
"${as_pg[@]}" "$PGBIN/createdb" -h "$PGDIR/sock" -p "$PG_PORT" -U "$PG_USER" mediagate

# ---- Redis (AOF persistence, as in production) ----
start redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$STATE/redis" \
  --appendonly yes --appendfsync everysec --save "" --protected-mode yes --daemonize no \
  --logfile "$STATE/log/redis.log"
wait_for "Redis" bash -c "exec 3<>/dev/tcp/127.0.0.1/$REDIS_PORT && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG"

# ---- Ceph: monitor, OSD, radosgw ----
CONF="$STATE/ceph/ceph.conf"
FSID=$(cat /proc/sys/kernel/random/uuid)
cat >"$CONF" <<CONF
[global]
fsid = $FSID
mon_host = [v2:127.0.0.1:$MON_PORT]
public_network = 127.0.0.0/8
ms_bind_ipv4 = true
ms_bind_ipv6 = false
ms_bind_msgr1 = false
ms_bind_msgr2 = true
# no cephx between daemons; radosgw defaults to "secure" mon mode, which 'none' auth cannot do
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_mon_client_mode = crc
run_dir = $STATE/ceph/run
admin_socket = $STATE/ceph/run/\$name.asok
pid_file = $STATE/ceph/run/\$name.pid
log_file = $STATE/log/ceph-\$name.log
crash_dir = $STATE/ceph/crash
keyring = $STATE/ceph/keyring
log_to_stderr = false
err_to_stderr = false
mon_cluster_log_file = $STATE/log/ceph-cluster.log
mon_data_avail_warn = 2
mon_data_avail_crit = 1
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
mon_max_pg_per_osd = 1000
osd_crush_chooseleaf_type = 0
# one monitor: commit map changes at once (rgw's first start creates ~6 pools)
paxos_propose_interval = 0.01
paxos_min_wait = 0.001

[mon]
mon_data = $STATE/ceph/mon/\$id

[osd]
osd_data = $STATE/ceph/osd/\$id
osd_objectstore = $BACKEND
memstore_device_bytes = $OSD_BYTES
memstore_page_set = false
bluestore_block_path = $STATE/ceph/osd/\$id.block
bluestore_block_size = $OSD_BYTES
bluestore_block_create = true
bluestore_block_db_create = false
bluestore_block_wal_create = false
osd_memory_target = 1073741824
osd_crush_initial_weight = 1
osd_op_num_shards = 2
osd_op_num_threads_per_shard = 1

[client]
log_file = $STATE/log/ceph-\$name.log

[client.rgw.a]
rgw_data = $STATE/ceph/rgw
rgw_frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw_thread_pool_size = 64
# virtual-hosted addressing (http://BUCKET.localhost:PORT/) as well as path-style
rgw_dns_name = localhost
# free the data of deleted objects after seconds, not the default 2 hours
rgw_gc_obj_min_wait = 5
rgw_gc_processor_period = 10
CONF
CEPH=(ceph -c "$CONF" --connect-timeout 15)
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$STATE/ceph/tmp/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$STATE/ceph/tmp/monmap" >/dev/null
start ceph-mon ceph-mon -c "$CONF" -i a -f
wait_for "Ceph monitor" "${CEPH[@]}" mon stat
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_ID=$("${CEPH[@]}" osd new "$OSD_UUID")
[ "$OSD_ID" = 0 ] || die "unexpected OSD id '$OSD_ID'"
ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$OSD_UUID" >"$STATE/log/osd-mkfs.out" 2>&1 || die "ceph-osd --mkfs failed"
start ceph-osd ceph-osd -c "$CONF" -i 0 -f
osd_up() { "${CEPH[@]}" osd dump 2>/dev/null | grep -q '^osd\.0 up .* in '; }
wait_for "Ceph OSD" osd_up
start radosgw radosgw -c "$CONF" -n client.rgw.a -f
wait_for "radosgw" curl -sf -o /dev/null "http://127.0.0.1:$RGW_PORT/"

AKID="MGLOCAL$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"
SECRET=$(head -c 30 /dev/urandom | base64 | tr -d '/+=')
radosgw-admin -c "$CONF" user create --uid=mediagate --display-name="mediagate local stack" \
  --access-key="$AKID" --secret="$SECRET" >/dev/null
S3="http://127.0.0.1:$RGW_PORT"
s3curl() { curl -sf --aws-sigv4 "aws:amz:$REGION:s3" --user "$AKID:$SECRET" \
  -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }
wait_for "bucket $BUCKET" s3curl -X PUT -o /dev/null "$S3/$BUCKET"
wait_for "signed listing" s3curl -o /dev/null "$S3/$BUCKET?list-type=2"
# browsers upload straight into the bucket (direct uploads, docs/uploads.md): CORS lets a page
# PUT/POST with presigned requests and read the parts' ETags. Any origin here (the presigned
# request is the credential); a production bucket lists its application's origins instead.
CORS='<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>'
CORS_MD5=$(printf '%s' "$CORS" | openssl md5 -binary | base64)
wait_for "bucket CORS" s3curl -X PUT -H "Content-MD5: $CORS_MD5" -H "Content-Type: application/xml" \
  --data-binary "$CORS" -o /dev/null "$S3/$BUCKET?cors="

umask 077
cat >"$STATE/env" <<ENV
export MEDIAGATE_STACK_DIR=$(printf '%q' "$STATE")
export MEDIAGATE_DATABASE_URL=postgresql://$PG_USER:$PG_PASS@127.0.0.1:$PG_PORT/mediagate
export MEDIAGATE_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export MEDIAGATE_S3_ENDPOINT=$S3
export MEDIAGATE_S3_PUBLIC_ENDPOINT=$S3
export MEDIAGATE_S3_BUCKET=$BUCKET
export MEDIAGATE_S3_ADDRESSING=path
export AWS_REGION=$REGION
export AWS_ACCESS_KEY_ID=$AKID
export AWS_SECRET_ACCESS_KEY=$SECRET
export CEPH_CONF=$(printf '%q' "$CONF")
ENV
log "ready in ${SECONDS}s: PostgreSQL 127.0.0.1:$PG_PORT, Redis 127.0.0.1:$REDIS_PORT, S3 $S3 (bucket $BUCKET)"
log "environment: source $STATE/env"
cat "$STATE/env"
