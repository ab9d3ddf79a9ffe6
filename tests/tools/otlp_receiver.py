#!/usr/bin/python3
"""A small OTLP/HTTP JSON trace receiver for the tests: every span it is sent becomes one
JSON line in --out: {"service","traceId","spanId","parentSpanId","name","kind","status",
"attributes": {key: stringValue}}. Answers 200 to POST /v1/traces, 404 elsewhere, 400 for a
body that is not OTLP JSON (and says so in --out as {"bad": ...}). Stop it by PID.

usage: otlp_receiver.py --bind 127.0.0.1 --port P --out FILE
"""
import argparse
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/v1/traces":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            lines = []
            try:
                doc = json.loads(body)
                for rs in doc["resourceSpans"]:
                    attrs = {x["key"]: x["value"].get("stringValue") for x in rs["resource"]["attributes"]}
                    for ss in rs["scopeSpans"]:
                        for s in ss["spans"]:
                            lines.append({
                                "service": attrs.get("service.name"),
                                "traceId": s["traceId"], "spanId": s["spanId"],
                                "parentSpanId": s.get("parentSpanId", ""), "name": s["name"],
                                "kind": s["kind"], "status": s.get("status", {}).get("code", 0),
                                "start": int(s["startTimeUnixNano"]), "end": int(s["endTimeUnixNano"]),
                                "attributes": {x["key"]: x["value"].get("stringValue") for x in s.get("attributes", [])},
                            })
                status = 200
            except (ValueError, KeyError, TypeError) as e:
                lines = [{"bad": str(e)}]
                status = 400
            with lock, open(a.out, "a") as f:
                for l in lines:
                    f.write(json.dumps(l) + "\n")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer((a.bind, a.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
