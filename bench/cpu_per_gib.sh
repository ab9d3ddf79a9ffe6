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
(printf '\xff\xd8\xff\xe0'; head -c $((MIB << 20)) /dev/urandom) >"$W/root/big.jpg"
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
per=() off=()
for i in $(seq 1 "$RUNS"); do
  for mode in on off; do
    MEDIAGATE_HASH_STITCH=$mode /usr/bin/time -f '%U %S %e' -o "$W/time.$i" "$MG" ingest --tenant cpu \
      "http://127.0.0.2:28001/f/big.jpg?run=$i-$mode" >"$W/out.$i"
    grep -q '"status":"ready"' "$W/out.$i" || { echo "run $i did not end ready: $(cat "$W/out.$i")" >&2; exit 1; }
    r=$(awk -v mib="$MIB" '{printf "%.3f %.2f", ($1 + $2) * 1024 / mib, $3}' "$W/time.$i")
    if [ "$mode" = on ]; then per+=("$r"); else off+=("${r%% *}"); fi
  done
done
stamp=$(date +%Y%m%d-%H%M)
out=bench/results/cpu-per-gib-$stamp.md
python3 - "$floor" "$MIB" "$RUNS" "$COMMIT" "${io[*]}" "${off[*]}" "${per[@]}" >"$out" <<'PY'
import statistics, sys
floor = dict(kv.split("=") for kv in sys.argv[1].split())
mib, runs, commit = sys.argv[2], sys.argv[3], sys.argv[4]
io = statistics.median(float(x) for x in sys.argv[5].split())
off = [float(x) for x in sys.argv[6].split()]
cpu = [float(p.split()[0]) for p in sys.argv[7:]]
wall = [float(p.split()[1]) for p in sys.argv[7:]]
f = float(floor["floor_s_per_gib"]); m = statistics.median(cpu)
print("# mediagate CPU per GiB ingested\n")
print("Command: `bench/cpu_per_gib.sh` (CPU_MIB=%s, CPU_RUNS=%s), commit %s, release build; one %s MiB" % (mib, runs, commit, mib))
print("source (local, Content-Length) into Ceph RGW in one streaming PUT (the declared length is under MEDIAGATE_SINGLE_PUT_MAX), on the same 2-core machine.\n")
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
print("| the sockets: curl receiving the source + curl sending the bytes to the bucket, median of %d | %.3f |" % (int(runs), io))
print("\nRatio to the floor: %.2fx (target <= 1.25x). Ratio to the floor plus the sockets' share"
      " (%.3f s/GiB): %.2fx." % (m / f, f + io, m / (f + io)))
PY
cat "$out"
