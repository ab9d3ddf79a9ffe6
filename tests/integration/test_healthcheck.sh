#!/usr/bin/env bash
# mediagate healthcheck knows the role it checks (issue 29, item 4): with no URL it probes
# serve's admin listener, else a worker's, so the image's one HEALTHCHECK fits a serve and a
# worker container alike. Nothing listening, or an explicit URL that fails, is unhealthy.
source "$(dirname "$0")/lib.sh"
AP=26240 WP=26241 SP=26242 NP=26243
export MEDIAGATE_QUEUE_PREFIX="mghc-$RUN_ID"
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
hc() { "$MG" healthcheck --timeout-ms 2000 "$@" >/dev/null 2>"$T/hc.err"; echo $?; }
# no process: unhealthy, and the error names both addresses
eq "nothing listens: unhealthy" "$(MEDIAGATE_ADMIN_LISTEN=127.0.0.1:$NP MEDIAGATE_WORKER_LISTEN=127.0.0.1:$((NP + 1)) hc)" 1
contains "... naming both admin addresses" "$(cat "$T/hc.err")" "127.0.0.1:$NP"

# a worker container: only the worker's admin listener is there
env MEDIAGATE_WORKER_LISTEN=0.0.0.0:$WP "$MG" worker 2>"$T/worker.log" & BG_PIDS+=($!)
wait_port 127.0.0.1 $WP || { bad "worker did not start"; finish; }
eq "the worker's role: healthy (serve's port closed, the worker's answers)" \
  "$(MEDIAGATE_ADMIN_LISTEN=0.0.0.0:$AP MEDIAGATE_WORKER_LISTEN=0.0.0.0:$WP hc)" 0
# a serve container: only serve's admin listener
env MEDIAGATE_LISTEN=127.0.0.1:$SP MEDIAGATE_ADMIN_LISTEN=0.0.0.0:$AP "$MG" serve 2>"$T/serve.log" & BG_PIDS+=($!)
wait_port 127.0.0.1 $AP || { bad "serve did not start"; finish; }
eq "serve's role: healthy" "$(MEDIAGATE_ADMIN_LISTEN=0.0.0.0:$AP MEDIAGATE_WORKER_LISTEN=127.0.0.1:$NP hc)" 0
eq "an explicit URL is what counts" "$(MEDIAGATE_HEALTHCHECK_URL=http://127.0.0.1:$NP/health hc)" 1
eq "... and the URL argument too" "$(hc "http://127.0.0.1:$WP/health")" 0
finish
