#!/bin/sh
# run.sh - start haproxy (in the foreground) for the serve replicas in MEDIAGATE_SERVE_ADDRS
# ("host:port host:port ..."), with haproxy.cfg next to this script (or HAPROXY_CFG).
# The server list is written to MEDIAGATE_LB_STATE (a directory, default a temporary one)
# as servers.cfg; --check only checks the configuration (haproxy -c) and exits.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cfg=${HAPROXY_CFG:-$here/haproxy.cfg}
: "${MEDIAGATE_SERVE_ADDRS:?MEDIAGATE_SERVE_ADDRS must list the serve replicas (host:port ...)}"
export MEDIAGATE_LB_BIND="${MEDIAGATE_LB_BIND:-127.0.0.1:8088}"
export MEDIAGATE_LB_STATS_BIND="${MEDIAGATE_LB_STATS_BIND:-127.0.0.1:8404}"
state=${MEDIAGATE_LB_STATE:-$(mktemp -d "${TMPDIR:-/tmp}/mediagate-lb.XXXXXX")}
mkdir -p "$state"
i=0
echo "backend serve from serve_backend" >"$state/servers.cfg.tmp"
for addr in $MEDIAGATE_SERVE_ADDRS; do
  i=$((i + 1))
  echo "    server serve$i $addr" >>"$state/servers.cfg.tmp"
done
mv "$state/servers.cfg.tmp" "$state/servers.cfg"
if [ "${1:-}" = "--check" ]; then
  exec haproxy -c -q -f "$cfg" -f "$state/servers.cfg"
fi
exec haproxy -W -db -f "$cfg" -f "$state/servers.cfg"
