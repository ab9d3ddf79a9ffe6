#!/usr/bin/python3
"""A webhook receiver for the tests: checks every delivery's signature the way docs/webhooks.md
tells receivers to (HMAC-SHA256 over "<t>.<body>", constant-time compare, 300 s tolerance),
answers as the path says, and logs each request as a JSON line.

usage: webhook_receiver.py --bind 127.0.0.2 --port P --secrets FILE --log FILE

Secrets: one per line in FILE, read on every request (the test adds them as it creates them);
a signature made with any of them is valid.
Paths:
  /ok                 200
  /flaky?fail=N       the first N requests of each delivery id answer 500, then 200
  /always500          500
  /until?file=F       500 until the file F exists, then 200
  /redirect           302 to /ok (a sender must not follow it)
Log lines: {"path","delivery","event","attempt","valid","traceparent","status","body"}.
Stop it by PID.
"""
import argparse
import hashlib
import hmac
import json
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_S = 300


def verify(secrets, header, body):
    """The receiver's check: parse t and v1, reject an old t, compare in constant time."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = int(parts["t"])
        v1 = parts["v1"]
    except (ValueError, KeyError, AttributeError):
        return False
    if abs(time.time() - t) > TOLERANCE_S:
        return False
    msg = str(t).encode() + b"." + body
    return any(hmac.compare_digest(hmac.new(s.encode(), msg, hashlib.sha256).hexdigest(), v1)
               for s in secrets)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--secrets", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    seen = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n)
            try:
                secrets = [s.strip() for s in open(a.secrets) if s.strip()]
            except OSError:
                secrets = []
            u = urllib.parse.urlsplit(self.path)
            q = dict(urllib.parse.parse_qsl(u.query))
            did = self.headers.get("Mediagate-Delivery", "")
            with lock:
                seen[did] = seen.get(did, 0) + 1
                count = seen[did]
            status = 200
            if u.path == "/flaky" and count <= int(q.get("fail", "2")):
                status = 500
            elif u.path == "/always500":
                status = 500
            elif u.path == "/until" and not os.path.exists(q.get("file", "")):
                status = 500
            elif u.path == "/redirect":
                status = 302
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            entry = {"path": u.path, "delivery": did,
                     "event": self.headers.get("Mediagate-Event", ""),
                     "attempt": self.headers.get("Mediagate-Attempt", ""),
                     "valid": verify(secrets, self.headers.get("Mediagate-Signature", ""), body),
                     "traceparent": self.headers.get("traceparent", ""),
                     "status": status, "body": parsed}
            with lock, open(a.log, "a") as f:
                f.write(json.dumps(entry) + "\n")
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer((a.bind, a.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
