#!/usr/bin/env bash
# down.sh - stop the local stack started by up.sh (and the replicas replicas.sh started on
# it), by recorded PID only, and delete its state.
# KEEP_STATE=1 keeps the directory (logs, data). MEDIAGATE_STACK_DIR as for up.sh.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
STATE=$(realpath -m "${MEDIAGATE_STACK_DIR:-$repo/.stack}")
KEEP_STATE=${KEEP_STATE:-0}
log() { printf '[down %(%T)T] %s\n' -1 "$*" >&2; }

[ -e "$STATE/.mediagate-stack" ] || exit 0   # not ours: touch nothing

# start time of a live (non-zombie) process; empty otherwise
starttime() { awk '$3 != "Z" {print $22}' "/proc/$1/stat" 2>/dev/null; }
# pids/<name> holds "PID STARTTIME"; a PID whose start time differs was reused: not ours.
ours() { [ -n "$2" ] && [ "$(starttime "$1")" = "$2" ]; }
stop() { # stop <name> [signal]: signal, wait up to 15 s, then SIGKILL
  local f="$STATE/pids/$1" sig=${2:-TERM} pid st i
  [ -f "$f" ] || return 0
  read -r pid st <"$f"
  if ours "$pid" "$st"; then
    kill -"$sig" "$pid" 2>/dev/null
    for i in $(seq 1 150); do ours "$pid" "$st" || break; sleep 0.1; done
    if ours "$pid" "$st"; then log "$1 ($pid) ignored SIG$sig; SIGKILL"; kill -KILL "$pid" 2>/dev/null; sleep 0.2; fi
    log "stopped $1 ($pid)"
  fi
  rm -f "$f"
}
# the scaled-out service (replicas.sh) first: it is the stack's client
MEDIAGATE_STACK_DIR="$STATE" "$here/replicas.sh" stop || true
stop pgbouncer   # a client of PostgreSQL
stop radosgw     # clients first, the monitor last
stop ceph-osd
stop ceph-mon
stop redis
stop postgres INT  # PostgreSQL's fast shutdown
if [ "$KEEP_STATE" != 1 ]; then
  # the directories kept outside for the postgres user (dirs.sh), then the stack's own
  out=$(cat "$STATE/outside" 2>/dev/null || true)
  case "$out" in /var/tmp/mediagate-stack.*) rm -rf "$out" ;; esac
  rm -rf "$STATE"
fi
exit 0
