#!/usr/bin/python3
"""invariants.py - after a fault: nothing accepted was lost, nothing partial was kept.

usage: invariants.py --tenant T --prefix QUEUE_PREFIX [--wait SECONDS] [--accepted FILE]
                     [--ready REGEX]

Reads the stack's environment (MEDIAGATE_DATABASE_URL, MEDIAGATE_REDIS_URL, the S3 settings)
and checks, for every media row of tenant T:
  1. it settles: no row stays queued or fetching, and no upload id stays recorded (the upload
     sweeper aborts and forgets those of failed rows) (waits up to --wait seconds for that);
  2. every failed row is explainably failed: an error class and a message;
  3. no ready row without its object, and the object's size and SHA-256 are the row's;
  4. no object without a row that is ready (objects under the tenant's keys);
  5. no multipart upload left open under the tenant's keys;
  6. nothing in the dead letters that should not be: each dead letter of the tenant names a
     row that is failed, and each failed row has at most one dead letter;
  7. no claim left held and no upload id left recorded on a settled row;
  8. with --accepted (load.py's output): every accepted request has its row (nothing accepted
     was lost), and there is no more than one row per Idempotency-Key sent (no duplicates);
  9. with --ready: every row whose source URL matches REGEX is ready (a good source survives
     any outage the test made).
Prints one line per violation and a summary; exits 1 when any invariant is broken.
"""
import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time

import boto3
from botocore.config import Config


def sql(q):
    out = subprocess.run(["psql", "-qAtF", "\t", os.environ["MEDIAGATE_DATABASE_URL"], "-c", q],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def redis(*args):
    url = os.environ["MEDIAGATE_REDIS_URL"]
    hostport = url.split("//", 1)[1].split("@")[-1].split("/")[0]
    host, port = hostport.rsplit(":", 1)
    return subprocess.run(["redis-cli", "-h", host, "-p", port, *args], check=True,
                          capture_output=True, text=True).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tenant", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--wait", type=float, default=90)
    ap.add_argument("--accepted")
    ap.add_argument("--ready")
    a = ap.parse_args()
    t = a.tenant
    bad = []

    deadline = time.time() + a.wait
    while True:
        busy = sql(f"SELECT count(*) FROM media WHERE tenant_id = '{t}'"
                   " AND (status IN ('queued', 'fetching') OR upload_id IS NOT NULL)")
        if busy[0][0] == "0" or time.time() > deadline:
            break
        time.sleep(0.5)
    rows = sql("SELECT id, status, object_key, coalesce(size_bytes, -1), coalesce(sha256, ''),"
               " coalesce(error_class, ''), coalesce(last_error, ''), coalesce(claim_owner, ''),"
               f" coalesce(upload_id, ''), source_url, coalesce(idempotency_key, '')"
               f" FROM media WHERE tenant_id = '{t}'")
    by_id = {r[0]: r for r in rows}
    counts = {}
    for rid, status, key, size, sha, ecls, err, owner, upload, url, idem in rows:
        counts[status] = counts.get(status, 0) + 1
        if status in ("queued", "fetching"):
            bad.append(f"1 unsettled: {rid} is {status} after {a.wait:.0f} s")
        if status == "failed" and (not ecls or not err):
            bad.append(f"2 unexplained failure: {rid} ({ecls!r}, {err!r})")
        if status in ("ready", "failed") and (owner or upload):
            bad.append(f"7 settled row still holds a claim or an upload: {rid} ({owner!r}, {upload!r})")
        if a.ready and re.search(a.ready, url) and status != "ready":
            bad.append(f"9 a good source's job is {status}: {rid} {url} ({ecls}: {err})")

    if a.accepted:
        sent = set()
        for line in open(a.accepted):
            if not line.strip():
                continue
            idem, mid, url = line.split(" ", 2)
            sent.add(idem)
            if mid != "-" and mid not in by_id:
                bad.append(f"8 accepted and lost: {mid} ({idem})")
        per_key = {}
        for r in rows:
            per_key[r[10]] = per_key.get(r[10], 0) + 1
        for idem, n in per_key.items():
            if idem and n > 1:
                bad.append(f"8 {n} rows for one Idempotency-Key: {idem}")
            if idem and idem not in sent:
                bad.append(f"8 a row for a key never sent: {idem}")

    s3 = boto3.client("s3", endpoint_url=os.environ["MEDIAGATE_S3_ENDPOINT"],
                      region_name=os.environ.get("AWS_REGION", "us-east-1"),
                      config=Config(s3={"addressing_style": "path"}))
    bucket = os.environ["MEDIAGATE_S3_BUCKET"]
    objects = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for o in page.get("Contents", []):
            parts = o["Key"].split("/")
            if len(parts) == 3 and parts[1] == t:
                objects[o["Key"]] = o["Size"]
    for rid, status, key, size, sha, *_ in rows:
        if status != "ready":
            continue
        if key not in objects:
            bad.append(f"3 ready without its object: {rid} ({key})")
            continue
        if int(size) != objects[key]:
            bad.append(f"3 size differs: {rid} row {size}, object {objects[key]}")
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        if hashlib.sha256(body).hexdigest() != sha:
            bad.append(f"3 SHA-256 differs: {rid}")
    ready_keys = {r[2] for r in rows if r[1] == "ready"}
    for key in objects:
        if key not in ready_keys:
            status = next((r[1] for r in rows if r[2] == key), "no row")
            bad.append(f"4 object without a ready row: {key} ({status})")

    uploads = 0
    for page in s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for u in page.get("Uploads", []):
            if len(u["Key"].split("/")) == 3 and u["Key"].split("/")[1] == t:
                uploads += 1
                bad.append(f"5 multipart upload left open: {u['Key']}")

    dead = {}
    for _, fields in json.loads(redis("--json", "XRANGE", f"{a.prefix}:dlq", "-", "+") or "[]"):
        f = dict(zip(fields[0::2], fields[1::2]))
        if f.get("tenant") == t:
            dead[f.get("media_id")] = dead.get(f.get("media_id"), 0) + 1
    for mid, n in dead.items():
        status = by_id.get(mid, [None, "no row"])[1]
        if status != "failed":
            bad.append(f"6 dead letter for a row that is {status}: {mid}")
        if n > 1:
            bad.append(f"6 {n} dead letters for one job: {mid}")

    for b in bad:
        print(b)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    print(f"invariants: {len(rows)} rows ({summary}), {len(objects)} objects, {uploads} open uploads,"
          f" {sum(dead.values())} dead letters: {'BROKEN' if bad else 'hold'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
