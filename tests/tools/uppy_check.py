#!/usr/bin/python3
"""uppy_check.py - open the Uppy test page in headless Chromium (browser_check.py's launcher),
log in with a key (POST /app/session: the session cookie then authenticates Uppy's calls),
upload the given files with the unmodified @uppy/aws-s3 and print Uppy's result as JSON.

usage: uppy_check.py --url http://127.0.0.1:P/ --key KEY --multipart-above BYTES NAME=PATH:TYPE...
(each PATH is served by the page's origin at /files/NAME)
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_check import Page, start_chromium  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--multipart-above", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=90)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    files = []
    for f in a.files:
        name, rest = f.split("=", 1)
        files.append({"name": name, "url": "/files/" + name, "type": rest.rsplit(":", 1)[1]})
    profile = tempfile.mkdtemp(prefix="mediagate-chromium.")
    proc = None
    try:
        proc, port = start_chromium(profile)
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = Page(next(t for t in targets if t.get("type") == "page")["webSocketDebuggerUrl"])
        page.ws.settimeout(a.timeout)
        for domain in ("Page", "Runtime"):
            page.call(f"{domain}.enable")
        page.call("Page.navigate", url=a.url)
        deadline = time.time() + 20
        while time.time() < deadline and not page.evaluate("window.uppyReady === true"):
            time.sleep(0.2)
        script = ("(async () => { const s = await fetch('/app/session', {method: 'POST', headers: "
                  "{Authorization: 'Bearer ' + %s}}); if (!s.ok) return JSON.stringify({login: s.status});"
                  " return JSON.stringify(await window.runUppy(%s, %d)); })()"
                  % (json.dumps(a.key), json.dumps(files), a.multipart_above))
        out = page.evaluate(script)
        print(out)
        return 0 if out else 1
    finally:
        if proc and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
