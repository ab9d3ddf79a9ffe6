#!/usr/bin/env bash
# Waiting reads (issue 13, item 2): GET /api/v1/media/{id}?wait=S answers as soon as the
# record leaves queued/fetching — woken by the worker's event through Redis, on another
# replica than the one that accepted the job — or after S seconds with the state as it is
# then; a delete on one replica wakes a read waiting on the other (404); a bad S is refused;
# and waiting reads hold no thread: 40 of them parked on a server with 2 backend threads while
# ordinary requests are answered, the gauge counting them.
source "$(dirname "$0")/lib.sh"
PA=26160 PB=26161 WP=26162 SP=26163
H=127.0.0.2
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$H/32" MEDIAGATE_QUEUE_PREFIX="mgwait-$RUN_ID"
TEN="wr$$"
"$MG" migrate >/dev/null || { bad "migrate"; finish; }
sql() { psql -qAt "$MEDIAGATE_DATABASE_URL" -c "$1"; }
K=$("$MG" apikey create --tenant "$TEN" --scopes read,write 2>/dev/null)
mkdir -p "$T/root"
fake_jpeg 60000 >"$T/root/a.jpg"
bg source $PY "$SRC/tests/tools/source_server.py" --bind $H --port $SP --root "$T/root"
wait_port $H $SP || { bad "source did not start"; finish; }
for p in $PA $PB; do
  env MEDIAGATE_LISTEN=127.0.0.1:$p MEDIAGATE_ADMIN_LISTEN=127.0.0.1:$((p + 1000)) \
    MEDIAGATE_THREADS=1 MEDIAGATE_BACKEND_THREADS=2 "$MG" serve 2>"$T/serve-$p.log" &
  BG_PIDS+=($!)
done
env MEDIAGATE_WORKER_LISTEN=127.0.0.1:$WP "$MG" worker 2>"$T/worker.log" &
BG_PIDS+=($!)
wait_port 127.0.0.1 $PA && wait_port 127.0.0.1 $PB && wait_port 127.0.0.1 $WP || { bad "servers did not start"; finish; }
A=http://127.0.0.1:$PA/api/v1 B=http://127.0.0.1:$PB/api/v1
submit() { # submit SOURCE-PATH -> id (through A)
  curl -s -X POST -H "Authorization: Bearer $K" -d "{\"source_url\":\"http://$H:$SP$1\"}" "$A/media" | json_field id
}
# wait_get BASE ID S -> "<http status> <seconds> <record status>"
wait_get() {
  curl -s -o "$T/wg.$2" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $K" "$1/media/$2?wait=$3"
  printf ' %s\n' "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1])).get("status","-"))' "$T/wg.$2" 2>/dev/null || echo -)"
}
secs_between() { $PY -c 'import sys; print(1 if float(sys.argv[2]) <= float(sys.argv[1]) <= float(sys.argv[3]) else 0)' "$@"; }

# ---- woken by the worker's event, on the other replica ----
id=$(submit "/drip/a.jpg?bps=20000")   # about 3 s of transfer
read -r code secs st <<<"$(wait_get "$B" "$id" 25)"
eq "a read waiting on replica B answers 200" "$code" 200
eq "... with the record ready" "$st" ready
eq "... as soon as it is ready, not at the 25 s deadline" "$(secs_between "$secs" 1.0 12)" 1
ready_at=$(sql "SELECT extract(epoch FROM ready_at) FROM media WHERE id = '$id'")
eq "the record really was ready when it answered" "$(sql "SELECT status FROM media WHERE id = '$id'")" ready
[ -n "$ready_at" ] && ok "ready_at recorded" || bad "ready_at missing"

# ---- a record that stays fetching: the answer at the deadline, with the state then ----
st_id=$(submit "/stall/a.jpg")
sleep 1
read -r code secs st <<<"$(wait_get "$A" "$st_id" 2)"
eq "a read whose record does not change answers 200 at its deadline" "$code" 200
eq "... after about 2 s" "$(secs_between "$secs" 1.8 6)" 1
eq "... with the state then (fetching)" "$st" fetching
read -r code secs st <<<"$(wait_get "$A" "$st_id" 0)"
eq "wait=0 answers at once" "$code/$(secs_between "$secs" 0 1)" "200/1"

# ---- bad values ----
for v in 31 -1 x 1.5 ""; do
  eq "wait=$v: 400" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $K" "$A/media/$st_id?wait=$v")" 400
done

# ---- no thread per waiter: 40 parked on B (2 backend threads), B still answers others ----
ids=()
for i in $(seq 1 40); do ids+=("$(submit "/stall/a.jpg")"); done
pids=()
for i in "${!ids[@]}"; do
  ( wait_get "$B" "${ids[$i]}" 12 >"$T/par.$i" ) & pids+=($!)
done
sleep 2
g=$(curl -s 127.0.0.1:$((PB + 1000))/metrics | awk '/^mediagate_http_waiting_reads / {print $2}')
eq "the gauge counts 40 parked reads" "${g%.*}" 40
t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $K" "$B/media?size=5")
eq "meanwhile a listing (a backend thread) answers 200" "${t%% *}" 200
eq "... promptly" "$(secs_between "${t#* }" 0 2)" 1
t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $K" "$B/media/$id")
eq "meanwhile a record read answers promptly" "${t%% *}/$(secs_between "${t#* }" 0 2)" "200/1"

# ---- a delete on A wakes the read waiting on B (404) ----
victim=${ids[0]}
sleep 0.5
curl -s -o /dev/null -H "Authorization: Bearer $K" -X DELETE "$A/media/$victim"
wait "${pids[0]}"
read -r code secs st <"$T/par.0"
eq "the read of a record deleted on the other replica answers 404" "$code" 404
eq "... at once, not at its 12 s deadline" "$(secs_between "$secs" 0 8)" 1
for p in "${pids[@]:1}"; do wait "$p"; done
n200=$(cat "$T"/par.* | awk '$1 == 200 && ($3 == "fetching" || $3 == "queued")' | wc -l)
eq "the other 39 answered at their deadline with the state then (queued or fetching)" "$n200" 39
g=$(curl -s 127.0.0.1:$((PB + 1000))/metrics | awk '/^mediagate_http_waiting_reads / {print $2}')
eq "the gauge is back to 0" "${g%.*}" 0
m=$(curl -s 127.0.0.1:$((PB + 1000))/metrics)
contains "parked reads have their own latency series (route media_wait: the latency alert leaves them out)" \
  "$m" 'route="media_wait"'

# ---- a client that goes away releases its parked read at once (issue 24, defect 8) ----
gone=$(submit "/stall/a.jpg")
gpids=()
for i in 1 2 3 4 5; do
  curl -s -o /dev/null -H "Authorization: Bearer $K" "$B/media/$gone?wait=25" & gpids+=($!)
done
gauge() { curl -s 127.0.0.1:$((PB + 1000))/metrics | awk '/^mediagate_http_waiting_reads / {print $2}'; }
for _ in $(seq 1 50); do g=$(gauge); [ "${g%.*}" = 5 ] && break; sleep 0.1; done
eq "5 reads parked for 25 s" "${g%.*}" 5
kill "${gpids[@]}" 2>/dev/null; wait "${gpids[@]}" 2>/dev/null
for _ in $(seq 1 50); do g=$(gauge); [ "${g%.*}" = 0 ] && break; sleep 0.1; done
eq "their clients gone, none stays parked (not at the 25 s deadline)" "${g%.*}" 0
sleep 0.5
eq "... each logged once as 499" "$(grep -c "\"status\":499" "$T/serve-$PB.log")" 5
finish
