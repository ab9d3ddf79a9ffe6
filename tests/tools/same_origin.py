#!/usr/bin/python3
"""One origin for a test page and the API: files from --root, and /api/ and /app/ proxied to
--upstream (method, headers, body and the answer's headers, Set-Cookie included), so a page's
fetch() calls are same-origin, as they are for a page served by the application itself.

usage: same_origin.py --port P --root DIR --upstream http://127.0.0.1:PORT
"""
import argparse
import http.client
import os
import urllib.parse
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
       "proxy-authorization", "proxy-authenticate", "host", "content-length"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--upstream", required=True)
    a = ap.parse_args()
    up = urllib.parse.urlsplit(a.upstream)

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kw):
            super().__init__(*args, directory=a.root, **kw)

        def log_message(self, *args):
            pass

        def proxy(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else None
            c = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
            hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            c.request(self.command, self.path, body=body, headers=hdrs)
            r = c.getresponse()
            data = r.read()
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            c.close()

        def route(self):
            if self.path.startswith("/api/") or self.path.startswith("/app/"):
                self.proxy()
            elif self.command == "GET":
                SimpleHTTPRequestHandler.do_GET(self)
            else:
                self.send_error(405)

        do_GET = do_POST = do_PUT = do_DELETE = route

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer((a.bind, a.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
