#!/usr/bin/env bash
# ingest_bench.sh - mediagate ingest side by side with the alternatives, same source, same S3.
#
#   bench/ingest_bench.sh     (starts its own stack on ports 27xxx, bluestore, and stops it)
#
# Source: Debian's h2o serving static files on 127.0.0.2 (fast enough not to be the limit).
# Sink: the local stack's Ceph RGW. Contenders:
#   mediagate   `mediagate ingest` (Release build, build-plain/)
#   rclone      `rclone copyurl` (Debian's rclone)
#   python      urllib + boto3 upload_fileobj (bench/ingest_streamer.py)
#   curl-limit  curl PUTting the same bytes from local files: the sink's own limit
# Workloads: one 200 MiB file (MB/s, peak RSS); 1,000 files of 100 KiB at concurrency 1 and 8
# (files/s). Prints a Markdown table (also written to bench/results/ingest-DATE.md).
#
#   PIN_SINK=1 bench/ingest_bench.sh
# gives the sink its own core, as it has in production: Ceph (mon, OSD, RGW) on core 0;
# every contender, the source and PostgreSQL (mediagate's catalog) on core 1. Without it
# everything shares both cores, and the limit case (which neither downloads, hashes nor
# writes a catalog) leaves more of them to the sink.
set -Eeuo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
source tests/tools/fake_media.sh
for p in h2o rclone time; do dpkg -s "$p" >/dev/null 2>&1 || apt-get install -y -qq "$p" >/dev/null; done
# a stack of its own: bluestore (memstore hangs writes once deleted data fills it)
STACK=$(mktemp -u /tmp/mediagate-bench-stack.XXXXXX)
MEDIAGATE_STACK_DIR=$STACK MEDIAGATE_PORT_BASE=27000 MEDIAGATE_OSD_BACKEND=bluestore \
  deploy/local/up.sh >/dev/null
source "$STACK/env"
PIN_SINK=${PIN_SINK:-0}
on_client=()
if [ "$PIN_SINK" = 1 ]; then
  for svc in ceph-mon ceph-osd radosgw; do
    taskset -a -p -c 0 "$(cut -d' ' -f1 "$STACK/pids/$svc")" >/dev/null
  done
  taskset -a -p -c 1 "$(cut -d' ' -f1 "$STACK/pids/postgres")" >/dev/null
  on_client=(taskset -c 1)
fi
cmake -S . -B build-plain -DCMAKE_BUILD_TYPE=Release -DMEDIAGATE_TESTS=OFF -DMEDIAGATE_BENCH=OFF >/dev/null
cmake --build build-plain -j"$(nproc)" --target mediagate >/dev/null
MG=$repo/build-plain/mediagate
"$MG" migrate >/dev/null

W=$(mktemp -d /tmp/mediagate-bench.XXXXXX)
PORT=27100 HOST=127.0.0.2
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; MEDIAGATE_STACK_DIR=$STACK deploy/local/down.sh 2>/dev/null' EXIT
chmod 755 "$W"   # h2o started as root serves as nobody
mkdir -p "$W/www/small"
fake_jpeg $((200 * 1048576 - 4)) >"$W/www/big.jpg"
for i in $(seq -w 1 1000); do fake_jpeg $((102400 - 4)) >"$W/www/small/$i.jpg"; done
cat >"$W/h2o.conf" <<CONF
listen:
  host: $HOST
  port: $PORT
num-threads: 1
hosts:
  default:
    paths:
      /:
        file.dir: $W/www
access-log: /dev/null
error-log: $W/h2o-error.log
CONF
"${on_client[@]}" h2o -c "$W/h2o.conf" >"$W/h2o.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do curl -sf -o /dev/null "http://$HOST:$PORT/small/0001.jpg" && break; sleep 0.1; done
curl -sf -o /dev/null "http://$HOST:$PORT/big.jpg" || { echo "h2o does not serve the files" >&2; exit 1; }
export MEDIAGATE_ALLOW_PRIVATE_SOURCES="$HOST/32" MEDIAGATE_MAX_BYTES=$((512 << 20))
export RCLONE_CONFIG_MG_TYPE=s3 RCLONE_CONFIG_MG_PROVIDER=Ceph RCLONE_CONFIG_MG_ENDPOINT=$MEDIAGATE_S3_ENDPOINT
export RCLONE_CONFIG_MG_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_MG_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export RCLONE_CONFIG_MG_REGION=$AWS_REGION
B=$MEDIAGATE_S3_BUCKET
BIG="http://$HOST:$PORT/big.jpg"
mapfile -t SMALL < <(for i in $(seq -w 1 1000); do echo "http://$HOST:$PORT/small/$i.jpg"; done)
S3PUT=(curl -sf --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
       -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
cleanup_prefix() { /usr/bin/aws --endpoint-url "$MEDIAGATE_S3_ENDPOINT" s3 rm "s3://$B/$1" --recursive --quiet >/dev/null 2>&1 || true; }
timed() { # timed OUTFILE CMD...: "seconds peak_rss_kib"
  local out=$1; shift
  /usr/bin/time -f '%e %M' -o "$out" "${on_client[@]}" "$@" >/dev/null 2>"$W/last.err" ||
    { tail -n 3 "$W/last.err" >&2; echo "FAILED: $1 ..." >&2; exit 1; }
}

declare -A secs rss
run() { # run NAME WORKLOAD CMD...: one timed run; keeps the median of the runs so far
  local name=$1 work=$2; shift 2
  timed "$W/t" "$@"
  local s r; read -r s r <"$W/t"
  printf '%-10s %-8s %7ss %8s KiB\n' "$name" "$work" "$s" "$r" >&2
  echo "$s $r" >>"$W/runs.$name.$work"
  read -r secs[$name:$work] rss[$name:$work] < <(sort -n "$W/runs.$name.$work" | awk '{a[NR] = $0} END {print a[int((NR + 1) / 2)]}')
}
# warm-up: the OSD's first writes are slower than its later ones
"${S3PUT[@]}" -T "$W/www/big.jpg" "$MEDIAGATE_S3_ENDPOINT/$B/bench/warmup.jpg" >/dev/null
"$MG" ingest --concurrency 8 "${SMALL[@]:0:200}" >/dev/null
cleanup_prefix bench/
# mediagate and the sink's limit: ROUNDS interleaved rounds, the median kept; rclone and the
# Python streamer (2-15x slower: noise does not change the comparison) once
ROUNDS=${ROUNDS:-3}
for round in $(seq 1 "$ROUNDS"); do
  run mediagate big "$MG" ingest "$BIG"
  run curl-limit big "${S3PUT[@]}" -T "$W/www/big.jpg" "$MEDIAGATE_S3_ENDPOINT/$B/bench/curl/big.jpg"
  if [ "$round" = 1 ]; then
    run rclone big env -u AWS_CA_BUNDLE rclone copyurl "$BIG" "mg:$B/bench/rclone/big.jpg"
    run python big /usr/bin/python3 bench/ingest_streamer.py 1 bench/python-big "$BIG"
  fi
  cleanup_prefix bench/; "$MG" gc --older-than 0s >/dev/null || true
  for c in 1 8; do
    run mediagate "small-c$c" "$MG" ingest --concurrency $c "${SMALL[@]}"
    files=$(printf '%s,' $(seq -w 1 1000)); files=${files%,}
    run curl-limit "small-c$c" "${S3PUT[@]}" --parallel --parallel-max $c -T "$W/www/small/{$files}.jpg" "$MEDIAGATE_S3_ENDPOINT/$B/bench/curl-c$c/"
    if [ "$round" = 1 ]; then
      run rclone "small-c$c" bash -c "printf '%s\n' ${SMALL[*]} | xargs -P $c -I{} sh -c 'env -u AWS_CA_BUNDLE rclone copyurl {} mg:$B/bench/rclone-c$c/\$(basename {})'"
      run python "small-c$c" /usr/bin/python3 bench/ingest_streamer.py $c "bench/python-c$c" "${SMALL[@]}"
    fi
    cleanup_prefix bench/
  done
done

big_mb=$((200 * 1048576))
mbps() { awk -v b=$big_mb -v s="$1" 'BEGIN { printf "%.0f", b / 1e6 / s }'; }
fps() { awk -v s="$1" 'BEGIN { printf "%.0f", 1000 / s }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
mode=$([ "$PIN_SINK" = 1 ] && echo "-pinned" || echo "")
out="bench/results/ingest-$(date -u +%Y%m%d-%H%M)$mode.md"
mkdir -p bench/results
{
  echo "## ingest benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  [ "$PIN_SINK" = 1 ] && echo "Cores: Ceph (mon, OSD, RGW) pinned to core 0; the contenders, the h2o source and PostgreSQL to core 1 (PIN_SINK=1)." && echo
  echo "Machine: $(nproc) vCPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/ {print $2}') GiB, Debian $(cat /etc/debian_version). Source: h2o on $HOST; sink: Ceph RGW of the local stack."
  echo "Command: \`bench/ingest_bench.sh\` (ROUNDS=$ROUNDS). mediagate and curl-limit: median of $ROUNDS interleaved rounds after a warm-up; rclone and python: one round."
  echo
  echo "| contender | 200 MiB: MB/s | 200 MiB: peak RSS | 1000 x 100 KiB, c=1: files/s | c=8: files/s |"
  echo "|---|---|---|---|---|"
  for n in mediagate rclone python curl-limit; do
    echo "| $n | $(mbps "${secs[$n:big]}") | $((${rss[$n:big]} / 1024)) MiB | $(fps "${secs[$n:small-c1]}") | $(fps "${secs[$n:small-c8]}") |"
  done
  echo
  echo "mediagate vs the sink's limit: 200 MiB $(pct "${secs[curl-limit:big]}" "${secs[mediagate:big]}"), small c=8 $(pct "${secs[curl-limit:small-c8]}" "${secs[mediagate:small-c8]}"); vs rclone: $(awk -v a="${secs[rclone:big]}" -v b="${secs[mediagate:big]}" 'BEGIN { printf "%.1fx", a / b }') the throughput at $(pct "${rss[mediagate:big]}" "${rss[rclone:big]}") of its peak RSS."
} | tee "$out"
