#!/usr/bin/env bash
# Faults (issue 15): PostgreSQL, Redis and the S3 server (radosgw) each stopped for 6 s and
# started again while clients submit jobs through `serve` and two workers transfer them (one
# PUT, chunked, multipart). Clients retry what was not accepted with the same Idempotency-Key.
# After each outage: every accepted job is ready (the sources are good, so a dependency outage
# must not fail one), nothing was lost or duplicated, every object matches its row, no
# multipart upload is open, no dead letter names one of them, and the processes are alive.
source "$(dirname "$0")/common.sh"
start_serve
start_worker 0
start_worker 1

for dep in postgres redis radosgw; do
  ten="fd${dep:0:2}$$"
  key=$(tenant "$ten")
  load "$key" 16 4 "$T/$dep.load" "${GOOD[@]}" >"$T/$dep.summary" 2>&1 &
  lp=$!
  sleep 5
  "$SVC" stop "$dep"
  ok "$dep: stopped under load"
  sleep 6
  "$SVC" start "$dep"
  ok "$dep: started again"
  wait $lp; eq "$dep: the load saw no wrong answer" "$?" 0
  sed 's/^/     /' "$T/$dep.summary"
  eq "$dep: every request was accepted in the end" \
    "$(awk '$2 == "-"' "$T/$dep.load" | wc -l)" 0
  invariants "$dep: the invariants hold after the outage" "$ten" --wait 120 \
    --accepted "$T/$dep.load" --ready .
  for p in "$SERVE_PID" "${WPID[@]}"; do
    check "$dep: process $p survived the outage" kill -0 "$p"
  done
done
finish
