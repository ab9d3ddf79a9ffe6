#!/usr/bin/env bash
# Faults (issue 15): `serve` and the workers killed -9 at random points under load, and twice a
# worker killed -9 exactly while it is sending a multipart upload. Each victim is started again
# at once. Clients retry what was not accepted with the same Idempotency-Key. Afterwards every
# accepted job is ready exactly once, nothing was lost or duplicated, no object lacks its row,
# no multipart upload is open (the next claim or the sweeper aborted the dead worker's).
# MEDIAGATE_FAULT_SEED replays a run's schedule (it is printed).
# A job whose worker dies MEDIAGATE_MAX_DELIVERIES times is poison by design (it may be what
# kills them; test_worker.sh proves it). Twelve kills in 30 s can hit one long job that often,
# so here the limit is out of the way: this test is about losing nothing.
export MEDIAGATE_MAX_DELIVERIES=50
source "$(dirname "$0")/common.sh"
SEED=${MEDIAGATE_FAULT_SEED:-$((($$ + $(date +%s)) % 32768))}
RANDOM=$SEED
echo "kill schedule seed: $SEED (MEDIAGATE_FAULT_SEED=$SEED replays it)"
start_serve
start_worker 0
start_worker 1
ten="fk$$"
key=$(tenant "$ten")

restart() { # restart serve|0|1
  if [ "$1" = serve ]; then start_serve; else start_worker "$1"; fi
}
kill9() { # kill9 serve|0|1: SIGKILL, reaped, started again
  local pid
  if [ "$1" = serve ]; then pid=$SERVE_PID; else pid=${WPID[$1]}; fi
  kill -KILL "$pid" && wait "$pid" 2>/dev/null
  restart "$1"
}
# the worker process (0 or 1) holding a claim on a row with an open multipart upload
uploading_worker() {
  local owner pid i
  owner=$(sql "SELECT claim_owner FROM media WHERE tenant_id = '$ten' AND upload_id IS NOT NULL
               AND status = 'fetching' LIMIT 1")
  pid=${owner##*-}
  for i in 0 1; do [ -n "$pid" ] && [ "${WPID[$i]}" = "$pid" ] && { echo "$i"; return 0; }; done
  return 1
}

# the mix of transfers, and a faster stream of small ones so kills of serve land mid-request
load "$key" 30 2 "$T/kill.load" "${GOOD[@]}" >"$T/kill.summary" 2>&1 &
lp=$!
load "$key" 30 10 "$T/small.load" "$S/f/small.jpg" >"$T/small.summary" 2>&1 &
lp2=$!
kills=0 targeted=0
t_end=$((SECONDS + 30))
while [ $SECONDS -lt $t_end ]; do
  sleep "$((RANDOM % 3 + 1)).$((RANDOM % 10))"
  if [ $targeted -lt 2 ] && [ $((kills % 3)) = 1 ]; then
    # wait (up to 8 s) for a worker to be mid-multipart, and kill exactly that one
    for _ in $(seq 1 40); do w=$(uploading_worker) && break; sleep 0.2; done
    if [ -n "${w:-}" ]; then
      kill9 "$w"; targeted=$((targeted + 1)); kills=$((kills + 1))
      echo "killed worker $w during its multipart upload"
      continue
    fi
  fi
  victims=(serve 0 1)
  v=${victims[$((RANDOM % 3))]}
  kill9 "$v"; kills=$((kills + 1))
  echo "killed ${v/#[01]/worker $v} at random"
done
wait $lp; eq "the load saw no wrong answer" "$?" 0
wait $lp2; eq "the small-job load saw no wrong answer" "$?" 0
sed 's/^/     /' "$T/kill.summary" "$T/small.summary"
cat "$T/small.load" >>"$T/kill.load"
check "at least 6 processes were killed -9 ($kills)" [ $kills -ge 6 ]
eq "two workers were killed mid-multipart" "$targeted" 2
eq "every request was accepted in the end" "$(awk '$2 == "-"' "$T/kill.load" | wc -l)" 0
invariants "the invariants hold after the kills" "$ten" --wait 150 --accepted "$T/kill.load" --ready .
eq "each job was transferred to a ready row once (one ready row per request)" \
  "$(sql "SELECT count(*) FROM media WHERE tenant_id = '$ten' AND status = 'ready'")" \
  "$(wc -l <"$T/kill.load")"
finish
