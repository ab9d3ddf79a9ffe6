#!/usr/bin/python3
"""A loopback HTTP source for ingest tests: serves fixtures and misbehaves on purpose.

usage: source_server.py --bind 127.0.0.2 --port 26001 --root DIR

Routes (NAME is a file under --root):
  /f/NAME                  the file, with Content-Length (Content-Type from ?ct=, default
                           image/jpeg: sources lie about types, mediagate must not care)
  /chunked/NAME            the file, chunked, no Content-Length
  /lie/NAME?extra=N        declares N bytes more than it sends, then closes
  /truncate/NAME           declares the full length, sends half, then closes
  /reset/NAME[?chunked=1]  sends 60% of the file (declared in full, or chunked), then resets
                           the connection (RST, not FIN)
  /stall/NAME              declares the full length, sends 1 KiB, then nothing for 120 s
  /drip/NAME?bps=N         sends N bytes per second (chunked)
  /endless                 a JPEG header then zeros, forever (chunked)
  /html200                 an HTML error page with status 200 and Content-Type image/jpeg
  /svg                     an SVG image
  /status/CODE             that status (Retry-After: 7 on 429 and 503)
  /flaky/NAME?fail=N&key=K the first N requests for key K answer 503 (no Retry-After), then
                           the file
  /toggle/NAME             503 while the file NAME.broken exists under --root, else NAME
  /redirect/N/REST         302 to /redirect/N-1/REST ... then to /REST
  /redirect-to?url=U       302 to U
  /bigheaders              200 with 64 KiB of response headers
  /hits?key=K              how many requests /flaky saw for key K
With --trace-log FILE, each request's path and traceparent header are appended to FILE.
Every response closes the connection afterwards. Stop it by PID.
"""
import argparse
import os
import socket
import socketserver
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

HITS = {}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."
    trace_log = None

    def log_message(self, *args):
        pass

    def _file(self, name):
        path = os.path.realpath(os.path.join(self.root, name))
        if not path.startswith(os.path.realpath(self.root) + os.sep) or not os.path.isfile(path):
            return None
        return path

    def _head(self, status, length=None, ctype="image/jpeg", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()

    def _chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _send_file(self, path, limit=None):
        with open(path, "rb") as f:
            left = os.path.getsize(path) if limit is None else limit
            while left > 0:
                buf = f.read(min(65536, left))
                if not buf:
                    break
                self.wfile.write(buf)
                left -= len(buf)

    def do_GET(self):
        if self.trace_log:  # which trace each request belongs to (W3C traceparent)
            with LOCK, open(self.trace_log, "a") as f:
                f.write("%s %s\n" % (self.path, self.headers.get("traceparent", "-")))
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        parts = u.path.lstrip("/").split("/", 1)
        route, rest = parts[0], parts[1] if len(parts) > 1 else ""
        self.close_connection = True
        try:
            self.route(route, rest, q)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def route(self, route, rest, q):
        if route == "f":
            path = self._file(rest)
            if not path:
                return self._status(404)
            self._head(200, os.path.getsize(path), q.get("ct", "image/jpeg"))
            return self._send_file(path)
        if route == "chunked":
            path = self._file(rest)
            if not path:
                return self._status(404)
            self._head(200, None)
            with open(path, "rb") as f:
                while True:
                    buf = f.read(65536)
                    if not buf:
                        break
                    self._chunk(buf)
            return self.wfile.write(b"0\r\n\r\n")
        if route == "lie":
            path = self._file(rest)
            size = os.path.getsize(path)
            self._head(200, size + int(q.get("extra", "1000")))
            return self._send_file(path)
        if route == "truncate":
            path = self._file(rest)
            size = os.path.getsize(path)
            self._head(200, size)
            return self._send_file(path, size // 2)
        if route == "reset":
            path = self._file(rest)
            size = os.path.getsize(path)
            chunked = q.get("chunked") == "1"
            self._head(200, None if chunked else size)
            with open(path, "rb") as f:
                left = size * 6 // 10
                while left > 0:
                    buf = f.read(min(65536, left))
                    self._chunk(buf) if chunked else self.wfile.write(buf)
                    left -= len(buf)
            self.wfile.flush()
            # SO_LINGER with a zero timeout: close() sends RST and drops what is unsent
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            return None
        if route == "stall":
            path = self._file(rest)
            self._head(200, os.path.getsize(path))
            self._send_file(path, 1024)
            self.wfile.flush()
            time.sleep(120)
            return None
        if route == "drip":
            path = self._file(rest)
            bps = int(q.get("bps", "100"))
            self._head(200, None)
            with open(path, "rb") as f:
                while True:
                    buf = f.read(bps)
                    if not buf:
                        break
                    self._chunk(buf)
                    self.wfile.flush()
                    time.sleep(1)
            return self.wfile.write(b"0\r\n\r\n")
        if route == "endless":
            self._head(200, None)
            self._chunk(b"\xff\xd8\xff\xe0" + b"\0" * 65532)
            block = b"\0" * 65536
            deadline = time.time() + 120
            while time.time() < deadline:
                self._chunk(block)
            return None
        if route == "html200":
            body = b"<!DOCTYPE html><html><body><h1>Error</h1>Not found</body></html>"
            self._head(200, len(body), "image/jpeg")
            return self.wfile.write(body)
        if route == "svg":
            body = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
            self._head(200, len(body), "image/svg+xml")
            return self.wfile.write(body)
        if route == "status":
            return self._status(int(rest or "500"))
        if route == "flaky":
            key = q.get("key", rest)
            with LOCK:
                HITS[key] = HITS.get(key, 0) + 1
                n = HITS[key]
            if n <= int(q.get("fail", "2")):
                return self._status(503, retry_after=False)
            path = self._file(rest)
            if not path:
                return self._status(404)
            self._head(200, os.path.getsize(path))
            return self._send_file(path)
        if route == "toggle":
            if os.path.exists(os.path.join(self.root, rest + ".broken")):
                return self._status(503, retry_after=False)
            path = self._file(rest)
            self._head(200, os.path.getsize(path))
            return self._send_file(path)
        if route == "hits":
            with LOCK:
                body = str(HITS.get(q.get("key", ""), 0)).encode()
            self._head(200, len(body), "text/plain")
            return self.wfile.write(body)
        if route == "redirect":
            n, _, target = rest.partition("/")
            n = int(n)
            loc = "/%s" % target if n <= 1 else "/redirect/%d/%s" % (n - 1, target)
            return self._redirect(loc)
        if route == "redirect-to":
            return self._redirect(q["url"])
        if route == "bigheaders":
            body = b"\xff\xd8\xff\xe0"
            extra = [("X-Filler-%d" % i, "x" * 1000) for i in range(64)]
            self._head(200, len(body), "image/jpeg", extra)
            return self.wfile.write(body)
        return self._status(404)

    def _status(self, code, retry_after=True):
        body = b"status %d\n" % code
        extra = [("Retry-After", "7")] if retry_after and code in (429, 503) else []
        self._head(code, len(body), "text/plain", extra)
        self.wfile.write(body)

    def _redirect(self, loc):
        self._head(302, 0, "text/plain", [("Location", loc)])


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--trace-log", help="append 'PATH TRACEPARENT' for every request")
    a = ap.parse_args()
    Handler.root = a.root
    Handler.trace_log = a.trace_log
    Server.address_family = __import__("socket").AF_INET6 if ":" in a.bind else __import__("socket").AF_INET
    Server((a.bind, a.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
