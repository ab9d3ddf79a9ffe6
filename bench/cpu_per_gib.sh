#!/usr/bin/env bash
# cpu_per_gib.sh - mediagate's own CPU per GiB ingested, next to the floor its hashes set
# (issue 14, item 2). Measures; asserts nothing.
#
# Builds the release binary and bench_hash (build-bench), starts its own stack (ports 28xxx,
# bluestore) and a local source on 127.0.0.2 serving a 200 MiB file, then CPU_RUNS (3) times
# ingests it with `mediagate ingest` (one streaming PUT: the length is declared) under
# /usr/bin/time: user + system seconds of the mediagate process per GiB, median of the runs,
# interleaved with as many runs of the same binary with MEDIAGATE_HASH_STITCH=off (the two
# digests side by side through OpenSSL, as before issue 14's change).
# The floor: bench_hash's CPU seconds per GiB for MD5 + SHA-256 over the same bytes in 64 KiB
# updates (the two digests every ingest must compute, each alone through OpenSSL), measured in
# the same run, with the pair's own cost beside it; and what the kernel charges for moving
# the bytes through two loopback sockets (curl alone).
# Scrubbing (issue 25): the source is a real JPEG (cjpeg, quality 95, of noise: entropy data
# with the byte stuffing real photos have), so the default MEDIAGATE_METADATA=strip walks
# every scan byte; each run is interleaved with one under MEDIAGATE_METADATA=keep (no
# scrubber) to give scrubbing's cost as a ratio (target <= 1.1x).
# Writes bench/results/cpu-per-gib-<date>.md.
set -Eeuo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
RUNS=${CPU_RUNS:-3} MIB=${CPU_MIB:-200}
source bench/lib.sh
bench_start cpu build-bench ON mediagate bench_hash
export MEDIAGATE_ALLOW_PRIVATE_SOURCES=127.0.0.2/32 MEDIAGATE_LOG_LEVEL=warn MEDIAGATE_MAX_BYTES=$((1 << 30))
"$MG" migrate >/dev/null
mkdir -p "$W/root"
python3 - "$W/noise.ppm" "$MIB" <<'PY'
import os, sys
w = 4096
h = max(16, int(int(sys.argv[2]) * 1048576 / (1.7 * w)))  # noise at q95: ~1.7 bytes a pixel
with open(sys.argv[1], "wb") as f:
    f.write(b"P6 %d %d 255\n" % (w, h))
    for _ in range(h):
        f.write(os.urandom(3 * w))
PY
cjpeg -quality 95 "$W/noise.ppm" >"$W/root/big.jpg"
rm -f "$W/noise.ppm"
MIB=$(stat -c %s "$W/root/big.jpg" | awk '{printf "%.1f", $1 / 1048576}')
python3 tests/tools/source_server.py --bind 127.0.0.2 --port 28001 --root "$W/root" >"$W/source.log" 2>&1 &
pids+=($!)
bench_wait_port 127.0.0.2 28001
floor=$(build-bench/bench/bench_hash 1024)
# The sockets' share, which the hashing floor leaves out: curl receiving the same source into
# /dev/null, and curl sending the same bytes from a file already in the page cache to the same
# bucket (one copy more than a relay makes: an upper bound). Median of CPU_RUNS each.
io=()
for i in $(seq 1 "$RUNS"); do
  /usr/bin/time -f '%U %S' -o "$W/recv.$i" curl -sS -o /dev/null "http://127.0.0.2:28001/f/big.jpg?io=$i"
  cat "$W/root/big.jpg" >/dev/null
  /usr/bin/time -f '%U %S' -o "$W/send.$i" curl -sS -o /dev/null --aws-sigv4 "aws:amz:${AWS_REGION:-us-east-1}:s3" \
    --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
    -T "$W/root/big.jpg" "$MEDIAGATE_S3_ENDPOINT/$MEDIAGATE_S3_BUCKET/bench/io-floor-$i"
  io+=("$(cat "$W/recv.$i" "$W/send.$i" | awk -v mib="$MIB" '{t += $1 + $2} END {printf "%.3f", t * 1024 / mib}')")
done
per=() off=() keep=()
for i in $(seq 1 "$RUNS"); do
  for mode in on off keep; do
    stitch=$mode metadata=strip
    [ "$mode" = keep ] && stitch=on metadata=keep
    MEDIAGATE_HASH_STITCH=$stitch MEDIAGATE_METADATA=$metadata /usr/bin/time -f '%U %S %e' \
      -o "$W/time.$i" "$MG" ingest --tenant cpu "http://127.0.0.2:28001/f/big.jpg?run=$i-$mode" >"$W/out.$i"
    grep -q '"status":"ready"' "$W/out.$i" || { echo "run $i did not end ready: $(cat "$W/out.$i")" >&2; exit 1; }
    r=$(awk -v mib="$MIB" '{printf "%.3f %.2f", ($1 + $2) * 1024 / mib, $3}' "$W/time.$i")
    case $mode in on) per+=("$r") ;; off) off+=("${r%% *}") ;; keep) keep+=("${r%% *}") ;; esac
  done
done
stamp=$(date +%Y%m%d-%H%M)
out=bench/results/cpu-per-gib-$stamp.md
python3 - "$floor" "$MIB" "$RUNS" "$COMMIT" "${io[*]}" "${off[*]}" "${keep[*]}" "${per[@]}" >"$out" <<'PY'
import statistics, sys
floor = dict(kv.split("=") for kv in sys.argv[1].split())
mib, runs, commit = sys.argv[2], sys.argv[3], sys.argv[4]
io = statistics.median(float(x) for x in sys.argv[5].split())
off = [float(x) for x in sys.argv[6].split()]
keep = [float(x) for x in sys.argv[7].split()]
cpu = [float(p.split()[0]) for p in sys.argv[8:]]
wall = [float(p.split()[1]) for p in sys.argv[8:]]
f = float(floor["floor_s_per_gib"]); m = statistics.median(cpu)
print("# mediagate CPU per GiB ingested\n")
print("Command: `bench/cpu_per_gib.sh` (CPU_RUNS=%s), commit %s, release build; one %s MiB" % (runs, commit, mib))
print("real JPEG (cjpeg q95 of noise) from a local source (Content-Length) into Ceph RGW, on the same 2-core machine;")
print("scrubbed (MEDIAGATE_METADATA=strip, the default) its stored length is unknown until the end, so it goes in parts.\n")
print("| | CPU s per GiB |")
print("|---|---|")
print("| floor: MD5 %.3f + SHA-256 %.3f (bench_hash, 64 KiB updates) | %.3f |" % (
    float(floor["md5_s_per_gib"]), float(floor["sha256_s_per_gib"]), f))
print("| the pair as uploads compute it (media/hash_pair.h, %s) | %.3f |" % (
    "one loop" if floor.get("pair_stitched") == "1" else "side by side: this CPU has no SHA extensions",
    float(floor["pair_s_per_gib"])))
print("| mediagate ingest, user + system, median of %d (%s; wall %s s) | %.3f |" % (
    len(cpu), ", ".join("%.3f" % c for c in cpu), ", ".join("%.1f" % w for w in wall), m))
print("| the same with MEDIAGATE_HASH_STITCH=off (digests side by side), interleaved, median of %d (%s) | %.3f |" % (
    len(off), ", ".join("%.3f" % c for c in off), statistics.median(off)))
print("| the same with MEDIAGATE_METADATA=keep (no scrubber; one streaming PUT), interleaved, median of %d (%s) | %.3f |" % (
    len(keep), ", ".join("%.3f" % c for c in keep), statistics.median(keep)))
print("| the sockets: curl receiving the source + curl sending the bytes to the bucket, median of %d | %.3f |" % (int(runs), io))
print("\nRatio to the floor: %.2fx (target <= 1.25x). Ratio to the floor plus the sockets' share"
      " (%.3f s/GiB): %.2fx. Scrubbing on / off: %.2fx (target <= 1.1x)." % (
          m / f, f + io, m / (f + io), m / statistics.median(keep)))
PY
cat "$out"
