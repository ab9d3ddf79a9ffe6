#!/usr/bin/env bash
# Faults (issue 15): sources that misbehave, all at once, between good ones, over two workers.
# A source that resets mid-body (one PUT, and mid-multipart), drips below the low-speed limit,
# stalls, never ends, lies about its length or its type, answers HTML as an image, redirects
# too often or sends huge headers ends explainably failed with nothing stored and no multipart
# upload left; the good sources (including one that lies about its type and one that drips
# slowly but fast enough) end ready with their exact bytes; the invariants hold.
export MEDIAGATE_MAX_BYTES=$((16 << 20)) MEDIAGATE_FETCH_LOW_SPEED_TIME_S=3
export MEDIAGATE_FETCH_DEADLINE_S=40 MEDIAGATE_RETRY_ATTEMPTS=2
source "$(dirname "$0")/common.sh"
start_worker 0
start_worker 1
ten="fs$$"
tenant "$ten" >/dev/null

# URL -> the outcome it must have: ready, or failed with that error class
declare -A WANT=(
  ["$S/f/small.jpg?ct=text/html"]="ready image/jpeg"     # lies about its type: sniffed
  ["$S/f/mid.png?ct=image/jpeg"]="ready image/png"
  ["$S/drip/small.jpg?bps=4096"]="ready image/jpeg"      # slow, above the low-speed limit
  ["$S/drip/big.jpg?bps=4194304"]="ready image/jpeg"     # multipart
  ["$S/chunked/mid.png"]="ready image/png"
  ["$S/truncate/mid.png"]="failed transient"             # FIN before the declared length
  ["$S/reset/mid.png"]="failed transient"                # RST mid-body
  ["$S/reset/big.jpg?chunked=1"]="failed transient"      # RST after the first part was sent
  ["$S/lie/mid.png?extra=5000"]="failed transient"       # declares more than it sends
  ["$S/stall/mid.png"]="failed transient"                # 1 KiB, then silence
  ["$S/drip/mid.png?bps=300"]="failed transient"         # below 1 KiB/s for 3 s
  ["$S/endless"]="failed permanent"                      # past MEDIAGATE_MAX_BYTES
  ["$S/html200"]="failed permanent"                      # an HTML page as image/jpeg
  ["$S/status/404"]="failed permanent"
  ["$S/redirect/9/f/small.jpg"]="failed permanent"       # more than 5 redirects
  ["$S/bigheaders"]="failed permanent"                   # 64 KiB of headers
)
declare -A ID=()
for url in "${!WANT[@]}"; do
  ID[$url]=$("$MG" enqueue --tenant "$ten" "$url" | json_field id)
done
eq "every job was accepted" "$(sql "SELECT count(*) FROM media WHERE tenant_id = '$ten'")" "${#WANT[@]}"
invariants "the invariants hold after every misbehaving source" "$ten" --wait 150

for url in "${!WANT[@]}"; do
  read -r status what <<<"${WANT[$url]}"
  got=$(sql "SELECT status || ' ' || CASE WHEN status = 'ready' THEN content_type
             ELSE coalesce(error_class, '') END FROM media WHERE id = '${ID[$url]}'")
  eq "${url#"$S"}: $status ($what)" "$got" "$status $what"
done
# the good ones hold the source's exact bytes (the checker compared row and object; compare
# the row with the file the source served)
for f in small.jpg mid.png; do
  want=$(sha <"$T/root/$f")
  eq "$f: the stored SHA-256 is the file's" \
    "$(sql "SELECT DISTINCT sha256 FROM media WHERE tenant_id = '$ten' AND status = 'ready'
            AND source_url LIKE '%/$f%' AND source_url NOT LIKE '%drip%'")" "$want"
done
for p in "${WPID[@]}"; do check "worker $p is still alive" kill -0 "$p"; done
finish
