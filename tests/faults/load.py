#!/usr/bin/python3
"""load.py - a bounded ingest load through `mediagate serve`, as a careful client sends it.

usage: load.py --api http://127.0.0.1:PORT --key KEY --rate N --seconds S --out FILE
               [--give-up S] [--tag T] SOURCE_URL...

Sends N requests a second for S seconds (POST /api/v1/media), each for one of the source URLs
in rotation with `?n=<i>` (or `&n=<i>`) appended, each with its own Idempotency-Key. A request
that is not accepted (connection refused or reset, 5xx, 429) is sent again with the same key
and body every 0.3 s until it is accepted or --give-up seconds (default 60) after the load
ended: that is how a client rides out a dead replica or dependency without creating duplicates.

Writes FILE: one line per request, "<idempotency key> <media id or -> <source url>", the id
being the one the service accepted it under ("-" when it never was). Prints a summary of the
answers seen (status -> count) as one JSON line. Exit 0 unless a request was answered with
something a correct service never sends here (a 4xx other than 429, or a 2xx without an id).
"""
import argparse
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def post(api, key, body, idem):
    u = urlsplit(api)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        c.request("POST", "/api/v1/media", body=body,
                  headers={"Authorization": "Bearer " + key, "Content-Type": "application/json",
                           "Idempotency-Key": idem})
        r = c.getresponse()
        data = r.read()
        return r.status, data
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--give-up", type=float, default=60)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tag", default=str(int(time.time())))
    ap.add_argument("sources", nargs="+")
    a = ap.parse_args()

    lock = threading.Lock()
    seen = {}
    wrong = []
    results = []
    t0 = time.time()
    stop_at = t0 + a.seconds + a.give_up

    def one(i):
        src = a.sources[i % len(a.sources)]
        url = src + ("&" if "?" in src else "?") + "n=%d" % i
        idem = "%s-%d" % (a.tag, i)
        body = json.dumps({"source_url": url}).encode()
        mid = "-"
        while time.time() < stop_at:
            try:
                status, data = post(a.api, a.key, body, idem)
            except (OSError, http.client.HTTPException) as e:
                status, data = type(e).__name__, b""
            with lock:
                seen[str(status)] = seen.get(str(status), 0) + 1
            if status in (200, 201, 202):
                try:
                    mid = json.loads(data)["id"]
                except (ValueError, KeyError):
                    with lock:
                        wrong.append("%s: %s without an id: %r" % (idem, status, data[:200]))
                break
            if isinstance(status, int) and 400 <= status < 500 and status != 429:
                with lock:
                    wrong.append("%s: %s %r" % (idem, status, data[:200]))
                break
            time.sleep(0.3)
        with lock:
            results.append("%s %s %s" % (idem, mid, url))

    threads = []
    i = 0
    while time.time() < t0 + a.seconds:
        th = threading.Thread(target=one, args=(i,))
        th.start()
        threads.append(th)
        i += 1
        time.sleep(max(0.0, t0 + i / a.rate - time.time()))
    for th in threads:
        th.join()
    with open(a.out, "w") as f:
        f.write("\n".join(results) + "\n")
    accepted = sum(1 for r in results if r.split()[1] != "-")
    print(json.dumps({"requests": len(results), "accepted": accepted, "answers": seen}))
    for w in wrong:
        print("wrong answer: " + w, file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
