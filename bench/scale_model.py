#!/usr/bin/env python3
"""scale_model.py - what N serve + M worker replicas need from PostgreSQL, Redis and S3.

Takes replica counts and request rates, multiplies them by the per-operation costs measured
by bench/scale_measure.sh (defaults below: bench/results/scale-20261203-*.md, recorded in
docs/scaling.md) and prints the budget, and which resource saturates first against the
capacities given (defaults: stated assumptions, see --help; override with your own).

    bench/scale_model.py --serve 100 --workers 100 --presign-rps 50000 --jobs-per-s 500
"""
import argparse
import math

# Per-operation costs measured here (bench/scale_measure.sh; docs/scaling.md). PG statements
# and Redis commands are counted by mediagate itself (/metrics); CPU is mediagate's own.
# bench/results/scale-20261203-1418.md (release build, 2 cores).
MEASURED = {
    "hot_stmts": 0.0, "hot_cpu_ms": 0.06,                          # cached: no I/O
    "cold_stmts": 1.0, "cold_cpu_ms": 0.18, "cold_pg_cpu_ms": 0.2,  # one catalog read
    "job_stmts": 5.0, "job_redis": 5.12, "job_s3": 1.0,              # accept + transfer (one PUT)
    "job_cpu_ms": 1.2, "job_pg_cpu_ms": 2.25,
    "idle_stmts": 0.1, "idle_redis": 16.05,  # per second, one serve + one worker doing nothing
    "queued_bytes": 334,                     # Redis memory per queued job (stream entry)
}


def main():
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("--serve", type=int, default=100, help="serve replicas")
    a.add_argument("--workers", type=int, default=100, help="worker replicas")
    a.add_argument("--presign-rps", type=float, default=50000, help="URL requests per second, all replicas")
    a.add_argument("--hit-ratio", type=float, default=0.9, help="share answered from a replica's caches")
    a.add_argument("--jobs-per-s", type=float, default=500, help="ingest jobs per second")
    a.add_argument("--backlog", type=float, default=1e6, help="jobs queued at the worst moment")
    a.add_argument("--backend-threads", type=int, default=8, help="MEDIAGATE_BACKEND_THREADS per serve")
    a.add_argument("--concurrency", type=int, default=4, help="MEDIAGATE_WORKER_CONCURRENCY per worker")
    a.add_argument("--stmt-ms", type=float, default=0.5, help="mean time a statement holds a server connection")
    a.add_argument("--pg-max-connections", type=int, default=500, help="what the PostgreSQL server allows")
    a.add_argument("--pg-cores", type=float, default=8, help="PostgreSQL server cores")
    a.add_argument("--active-keys", type=int, default=1000, help="API keys sending requests in a second")
    a.add_argument("--lease-s", type=float, default=1.0, help="MEDIAGATE_RATE_LEASE_MS / 1000")
    a.add_argument("--redis-ops-per-s", type=float, default=100000, help="one Redis primary (single-threaded, Lua)")
    a.add_argument("--redis-memory-gib", type=float, default=8, help="memory of one Redis primary")
    a.add_argument("--s3-put-per-prefix", type=float, default=3500, help="S3 PUT/POST/DELETE per second per prefix")
    a.add_argument("--s3-get-per-prefix", type=float, default=5500, help="S3 GET/HEAD per second per prefix")
    a.add_argument("--key-prefixes", type=int, default=65536, help="distinct key prefixes (4 hex characters)")
    a.add_argument("--core-ms-per-s", type=float, default=1000, help="CPU of one core")
    for k, v in MEASURED.items():
        a.add_argument("--" + k.replace("_", "-"), type=type(v), default=v, help="measured: %s" % v)
    o = a.parse_args()

    hot = o.presign_rps * o.hit_ratio
    cold = o.presign_rps - hot
    jobs = o.jobs_per_s
    idle_pairs = max(o.serve, o.workers)

    stmts = cold * o.cold_stmts + hot * o.hot_stmts + jobs * o.job_stmts + idle_pairs * o.idle_stmts
    # rate limits: each replica reserves a key's tokens about once per lease, not per request
    rate_limit = min(o.presign_rps, o.active_keys * o.serve / o.lease_s)
    redis = rate_limit + jobs * o.job_redis + idle_pairs * o.idle_redis
    pg_cores = (cold * o.cold_pg_cpu_ms + jobs * o.job_pg_cpu_ms) / o.core_ms_per_s
    s3_writes = jobs * o.job_s3
    s3_reads = o.presign_rps  # every URL handed out is (at most) one client GET, straight to S3
    direct = o.serve * o.backend_threads + o.workers * (o.concurrency + 3)
    busy = stmts * o.stmt_ms / 1000.0  # Little's law: server connections busy at once
    pooled = max(4, math.ceil(busy * 2))  # twice the mean, for bursts
    serve_cores = (hot * o.hot_cpu_ms + cold * o.cold_cpu_ms) / o.core_ms_per_s
    worker_cores = jobs * o.job_cpu_ms / o.core_ms_per_s
    redis_gib = o.backlog * o.queued_bytes / 2**30

    print("replicas: %d serve (%d backend threads), %d worker (concurrency %d)" % (
        o.serve, o.backend_threads, o.workers, o.concurrency))
    print("load: %.0f URL requests/s (%.0f%% from cache), %.1f jobs/s, backlog %.0f jobs" % (
        o.presign_rps, o.hit_ratio * 100, jobs, o.backlog))
    print()
    print("PostgreSQL")
    print("  statements/s            %10.0f" % stmts)
    print("  CPU                     %10.1f cores (measured PostgreSQL CPU per operation)" % pg_cores)
    print("  connections, direct     %10d   (serve x backend threads + worker x (concurrency + 3))" % direct)
    print("  connections, pooled     %10d   (pgbouncer transaction mode: ~%.1f busy at once x 2)" % (pooled, busy))
    print("Redis")
    print("  commands/s              %10.0f   (%.0f of them rate-limit reservations)" % (redis, rate_limit))
    print("  memory for the backlog  %10.2f GiB (%d bytes per queued job)" % (redis_gib, o.queued_bytes))
    print("S3")
    print("  writes/s (mediagate)    %10.0f   (%.3f per prefix over %d prefixes)" % (
        s3_writes, s3_writes / o.key_prefixes, o.key_prefixes))
    print("  reads/s (clients)       %10.0f   (%.3f per prefix)" % (s3_reads, s3_reads / o.key_prefixes))
    print("CPU")
    print("  serve cores             %10.1f   (%.2f per replica)" % (serve_cores, serve_cores / max(o.serve, 1)))
    print("  worker cores (mediagate)%10.1f   (%.2f per replica; downloads and uploads are mostly waiting)" % (
        worker_cores, worker_cores / max(o.workers, 1)))
    print()
    use = {
        "PostgreSQL CPU": pg_cores / o.pg_cores,
        "PostgreSQL connections (direct)": direct / o.pg_max_connections,
        "PostgreSQL connections (pooled)": pooled / o.pg_max_connections,
        "Redis commands": redis / o.redis_ops_per_s,
        "Redis memory": redis_gib / o.redis_memory_gib,
        "S3 writes per prefix": s3_writes / o.key_prefixes / o.s3_put_per_prefix,
        "S3 reads per prefix": s3_reads / o.key_prefixes / o.s3_get_per_prefix,
    }
    print("use of each capacity (1.00 = saturated):")
    for k, v in sorted(use.items(), key=lambda kv: -kv[1]):
        print("  %-34s %6.2f%s" % (k, v, "   <- over" if v >= 1 else ""))
    first = max((kv for kv in use.items() if "direct" not in kv[0]), key=lambda kv: kv[1])
    print("saturates first (with the pooler): %s at %.0f%%" % (first[0], first[1] * 100))
    if use["PostgreSQL connections (direct)"] >= 1:
        print("without the pooler: %d connections exceed max_connections %d" % (direct, o.pg_max_connections))
    if redis / o.redis_ops_per_s >= 0.5 or redis_gib / o.redis_memory_gib >= 0.5:
        print("Redis past half its capacity: shard the streams (docs/scaling.md)")


if __name__ == "__main__":
    main()
