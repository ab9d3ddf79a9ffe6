#!/usr/bin/env bash
# service.sh - stop or start one daemon of a running local stack (fault tests, operations):
#   deploy/local/service.sh stop|start redis|radosgw|postgres
# Stops by the PID recorded in <state>/pids (checked against its start time); starts with the
# same command line as up.sh (keep the two in step). MEDIAGATE_STACK_DIR as for up.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
STATE=$(realpath -m "${MEDIAGATE_STACK_DIR:-$here/../../.stack}")
action=${1:?stop|start} name=${2:?redis|radosgw|postgres}
[ -f "$STATE/env" ] || { echo "service.sh: no stack in $STATE" >&2; exit 2; }
starttime() { awk '$3 != "Z" {print $22}' "/proc/$1/stat" 2>/dev/null; }
source "$STATE/env"
running() { local pid st; read -r pid st <"$STATE/pids/$name" 2>/dev/null && [ -n "$st" ] && [ "$(starttime "$pid")" = "$st" ]; }
# start is idempotent: a second instance would die on the busy port and overwrite the record
[ "$action" = start ] && running && exit 0
case "$action:$name" in
  stop:redis|stop:radosgw|stop:postgres)
    read -r pid st <"$STATE/pids/$name" || exit 0
    [ -n "$st" ] && [ "$(starttime "$pid")" = "$st" ] || exit 0
    kill -"$([ "$name" = postgres ] && echo INT || echo TERM)" "$pid"
    for _ in $(seq 1 150); do [ "$(starttime "$pid")" = "$st" ] || break; sleep 0.1; done
    ;;
  start:redis)
    port=${MEDIAGATE_REDIS_URL##*:}; port=${port%%/*}
    setsid redis-server --bind 127.0.0.1 --port "$port" --dir "$STATE/redis" \
      --appendonly yes --appendfsync everysec --save "" --protected-mode yes --daemonize no \
      --logfile "$STATE/log/redis.log" </dev/null >>"$STATE/log/redis.out" 2>&1 &
    pid=$!; echo "$pid $(starttime "$pid")" >"$STATE/pids/redis"
    for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    ;;
  start:radosgw)
    setsid radosgw -c "$STATE/ceph/ceph.conf" -n client.rgw.a -f </dev/null \
      >>"$STATE/log/radosgw.out" 2>&1 &
    pid=$!; echo "$pid $(starttime "$pid")" >"$STATE/pids/radosgw"
    for _ in $(seq 1 300); do curl -sf -o /dev/null "$MEDIAGATE_S3_ENDPOINT/" && break; sleep 0.1; done
    ;;
  start:postgres)
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    port=${MEDIAGATE_DATABASE_URL##*:}; port=${port%%/*}
    as_pg=(); [ "$(id -u)" = 0 ] && as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    pgdir=$(realpath "$STATE/pg") # outside the stack directory when postgres cannot enter it
    setsid "${as_pg[@]}" "$PGBIN/postgres" -D "$pgdir/data" -p "$port" \
      -c listen_addresses=127.0.0.1 -c unix_socket_directories="$pgdir/sock" \
      -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
      -c logging_collector=off -c log_min_messages=warning </dev/null >>"$STATE/log/postgres.out" 2>&1 &
    pid=$!; echo "$pid $(starttime "$pid")" >"$STATE/pids/postgres"
    for _ in $(seq 1 100); do "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" && break; sleep 0.1; done
    ;;
  *) echo "usage: service.sh stop|start redis|radosgw|postgres" >&2; exit 2 ;;
esac
