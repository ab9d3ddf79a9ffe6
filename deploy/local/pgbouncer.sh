#!/usr/bin/env bash
# pgbouncer.sh - put Debian's pgbouncer, in transaction pooling mode, in front of the local
# stack's PostgreSQL (started by up.sh), the way a deployment of many replicas runs it.
# Listens on 127.0.0.1:<PostgreSQL port + 1>, pools at most MEDIAGATE_POOL_SIZE (20) server
# connections per database, and writes $MEDIAGATE_STACK_DIR/pooler.env: the stack's env with
# MEDIAGATE_DATABASE_URL through the pooler. down.sh stops it (by PID) with the stack.
#
#   deploy/local/pgbouncer.sh            start (again: restart)
#   source .stack/pooler.env             point mediagate at it
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
STATE=$(realpath -m "${MEDIAGATE_STACK_DIR:-$repo/.stack}")
POOL=${MEDIAGATE_POOL_SIZE:-20}
log() { printf '[pgbouncer %(%T)T] %s\n' -1 "$*" >&2; }
die() { log "$*"; exit 1; }
[ -f "$STATE/env" ] && [ -e "$STATE/.mediagate-stack" ] || die "no stack in $STATE (run up.sh)"
command -v pgbouncer >/dev/null || PATH=$PATH:/usr/sbin
command -v pgbouncer >/dev/null || die "pgbouncer is not installed (deploy/local/deps.sh)"
starttime() { awk '$3 != "Z" {print $22}' "/proc/$1/stat" 2>/dev/null; }

# the stack's URL: postgresql://user:pass@127.0.0.1:port/db
url=$(sed -n 's/^export MEDIAGATE_DATABASE_URL=//p' "$STATE/env")
[[ $url =~ ^postgresql://([^:]+):([^@]+)@127\.0\.0\.1:([0-9]+)/(.+)$ ]] || die "unexpected database URL form"
user=${BASH_REMATCH[1]} pass=${BASH_REMATCH[2]} pg_port=${BASH_REMATCH[3]} db=${BASH_REMATCH[4]}
port=$((pg_port + 1))

# shellcheck source=dirs.sh
source "$here/dirs.sh"
dir=$(stack_dir pgbouncer) # the real path: pgbouncer runs as postgres when we are root
if [ -f "$STATE/pids/pgbouncer" ]; then
  read -r pid st <"$STATE/pids/pgbouncer"
  if [ -n "$st" ] && [ "$(starttime "$pid")" = "$st" ]; then kill "$pid"; sleep 0.5; fi
  rm -f "$STATE/pids/pgbouncer"
fi
# auth_file: the password in clear is what SCRAM pass-through needs; 0600, the stack's own
printf '"%s" "%s"\n' "$user" "$pass" >"$dir/userlist.txt"
cat >"$dir/pgbouncer.ini" <<INI
[databases]
; every database on the stack's server (the catalog tests create their own)
* = host=127.0.0.1 port=$pg_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = $POOL
max_client_conn = 1000
server_reset_query =
; after a failed server login (PostgreSQL restarting) pgbouncer refuses every client for this
; long (default 15 s): a restarted server is usable again within a second
server_login_retry = 1
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
INI
as_user=()
if [ "$(id -u)" = 0 ]; then # pgbouncer refuses to run as root
  chown -R postgres: "$dir"
  as_user=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi
chmod 600 "$dir/userlist.txt"
setsid "${as_user[@]}" pgbouncer "$dir/pgbouncer.ini" </dev/null >>"$STATE/log/pgbouncer.out" 2>&1 &
pid=$!
echo "$pid $(starttime "$pid")" >"$STATE/pids/pgbouncer"
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || die "pgbouncer exited: $(tail -n 5 "$STATE/log/pgbouncer.out")"
  sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || die "pgbouncer did not listen on $port"
sed "s|^export MEDIAGATE_DATABASE_URL=.*|export MEDIAGATE_DATABASE_URL=postgresql://$user:$pass@127.0.0.1:$port/$db|" \
  "$STATE/env" >"$STATE/pooler.env"
log "pgbouncer (pid $pid) on 127.0.0.1:$port, transaction pooling, $POOL server connections per database; source $STATE/pooler.env"
