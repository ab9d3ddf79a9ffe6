#!/usr/bin/env python3
"""browser_check.py - load mediagate's browser page in headless Chromium (Debian's chromium,
driven over the DevTools protocol) and report what the page and the network saw.

  browser_check.py --url http://127.0.0.1:PORT/app --out result.json [--key KEY] [--timeout 30]

With --key, the page first loads without a session, then the key is typed into the login form
and submitted, and the gallery that follows is reported. Then, in this order:
    --ingest URL (repeatable)  type each URL into the ingest form and submit it; wait until each
                             job is ready or failed on the page
  --upload FILE (repeatable) give the files to the upload control (as a file picker would);
                             wait until each upload is ready or failed on the page
  --unbreak FILE             delete FILE (a source's failure switch), then
  --retry-failed             click Retry on every failed job; wait until each is final again
  --admin                    wait for the operations panel (admin keys)
  --replay-hooks             click Replay on every webhook failure it lists
The result then also has "jobs" (window.mediagateJobs), "admin" (window.mediagateAdmin) and
"dom": the text of the jobs list, the counts, the dead letters and the webhook failures.

Chromium runs with its own throwaway profile, no background networking, and a host resolver
that resolves nothing but 127.0.0.1 (every request the test makes is to that loopback
literal), so the browser sends no traffic anywhere else. The result:
  {"gallery": window.mediagateGallery, "requests": [{url, status, mime, redirected_from}],
   "console": [...], "csp_violations": [...], "status": the page's status line,
   "script_sees": {"cookie": document.cookie, "session": sessionStorage, "local": localStorage}}
Exit 0 when the page finished (gallery.done), 1 otherwise.
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

import websocket  # Debian: python3-websocket


def start_chromium(profile):
    args = [
        "chromium", "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--no-default-browser-check", "--disable-background-networking", "--disable-sync",
        "--disable-component-update", "--disable-default-apps", "--disable-extensions",
        "--metrics-recording-only", "--disable-features=Translate,OptimizationHints,MediaRouter",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=open(os.path.join(profile, "stderr.log"), "w"),
                            start_new_session=True)
    port_file = os.path.join(profile, "DevToolsActivePort")
    for _ in range(300):
        if os.path.exists(port_file):
            lines = open(port_file).read().split()
            if len(lines) >= 1 and lines[0].isdigit():
                return proc, int(lines[0])
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    sys.exit("chromium did not start: " + open(os.path.join(profile, "stderr.log")).read()[-2000:])


class Page:
    def __init__(self, ws_url):
        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def evaluate(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        return r.get("result", {}).get("value")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--key")
    ap.add_argument("--ingest", action="append", default=[])
    ap.add_argument("--upload", action="append", default=[])
    ap.add_argument("--unbreak")
    ap.add_argument("--retry-failed", action="store_true")
    ap.add_argument("--admin", action="store_true")
    ap.add_argument("--replay-hooks", action="store_true")
    a = ap.parse_args()
    profile = tempfile.mkdtemp(prefix="mediagate-chromium.")
    proc = None
    try:
        proc, port = start_chromium(profile)
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page_target = next(t for t in targets if t.get("type") == "page")
        page = Page(page_target["webSocketDebuggerUrl"])
        for domain in ("Page", "Network", "Runtime", "Log"):
            page.call(f"{domain}.enable")
        page.call("Network.setCacheDisabled", cacheDisabled=True)
        page.call("Page.navigate", url=a.url)
        deadline = time.time() + a.timeout

        def wait_done():
            g = None
            while time.time() < deadline:
                g = page.evaluate("window.mediagateGallery ? JSON.parse(JSON.stringify(window.mediagateGallery)) : null")
                if g and g.get("done"):
                    break
                time.sleep(0.2)
            return g

        gallery = wait_done()
        if a.key is not None and gallery and gallery.get("done"):
            page.evaluate("window.mediagateGallery.done = false; document.getElementById('key').value = "
                          + json.dumps(a.key) + "; document.getElementById('login').requestSubmit(); 1")
            gallery = wait_done()
        J = "JSON.parse(JSON.stringify(window.mediagateJobs))"

        def wait_jobs(ids=None):  # every submitted (or given) job ready or failed
            while time.time() < deadline:
                j = page.evaluate(J)
                want = ids if ids is not None else j["submitted"]
                if len(want) >= (len(a.ingest) + len(a.upload) if ids is None else 0) and all(
                        j["jobs"].get(i, {}).get("status") in ("ready", "failed") for i in want):
                    return j
                time.sleep(0.2)
            return page.evaluate(J)

        for url in a.ingest:
            page.evaluate("document.getElementById('source').value = " + json.dumps(url)
                          + "; document.getElementById('ingest').requestSubmit(); 1")
            time.sleep(0.3)
        if a.upload:
            doc = page.call("DOM.getDocument")
            node = page.call("DOM.querySelector", nodeId=doc["root"]["nodeId"], selector="#files")
            page.call("DOM.setFileInputFiles", files=[os.path.abspath(f) for f in a.upload],
                      nodeId=node["nodeId"])
        if a.ingest or a.upload:
            wait_jobs()
        if a.unbreak:
            os.unlink(a.unbreak)
        if a.retry_failed:
            # the jobs this run submitted that failed (not older failures on the page)
            failed = page.evaluate("window.mediagateJobs.submitted.filter(i => window.mediagateJobs.jobs[i].status === 'failed')")
            page.evaluate("window.mediagateJobs.submitted.forEach(i => { const b = document.querySelector("
                          "`#jobs li[data-id=\"${i}\"] button.retry`); if (b) b.click(); }); 1")
            time.sleep(0.5)
            wait_jobs(failed)
        if a.admin or a.replay_hooks:
            while time.time() < deadline and not page.evaluate("window.mediagateAdmin.loaded"):
                time.sleep(0.2)
        hooks_listed = page.evaluate("document.querySelectorAll('#hooks li').length")
        if a.replay_hooks:
            n = page.evaluate("document.querySelectorAll('#hooks button.replay').length")
            page.evaluate("document.querySelectorAll('#hooks button.replay').forEach(b => b.click()); 1")
            while time.time() < deadline and page.evaluate("window.mediagateAdmin.replayed.length") < n:
                time.sleep(0.2)
            time.sleep(0.5)
        page.evaluate("1")  # drain pending events
        requests, console, csp = {}, [], []
        for e in page.events:
            m, p = e["method"], e.get("params", {})
            if m == "Network.requestWillBeSent":
                r = requests.setdefault(p["requestId"], {"chain": []})
                if p.get("redirectResponse"):
                    r["chain"].append({"url": r.get("url"), "status": p["redirectResponse"]["status"]})
                r["url"] = p["request"]["url"]
            elif m == "Network.responseReceived":
                r = requests.setdefault(p["requestId"], {"chain": []})
                r["status"] = p["response"]["status"]
                r["mime"] = p["response"].get("mimeType")
            elif m == "Network.loadingFailed":
                requests.setdefault(p["requestId"], {"chain": []})["failed"] = p.get("errorText")
            elif m == "Runtime.consoleAPICalled":
                console.append(" ".join(str(x.get("value", x.get("description", ""))) for x in p.get("args", [])))
            elif m == "Log.entryAdded":
                text = p["entry"].get("text", "")
                console.append(text)
                if "Content Security Policy" in text:
                    csp.append(text)
        sees = page.evaluate("JSON.stringify({cookie: document.cookie, session: Object.assign({}, sessionStorage),"
                             " local: Object.assign({}, localStorage)})")
        result = {"gallery": gallery, "requests": list(requests.values()), "console": console,
                  "csp_violations": csp, "status": page.evaluate("document.getElementById('status').textContent"),
                  "script_sees": json.loads(sees) if sees else None,
                  "jobs": page.evaluate(J),
                  "admin": page.evaluate("JSON.parse(JSON.stringify(window.mediagateAdmin))"),
                  "dom": page.evaluate("JSON.stringify({jobs: [...document.querySelectorAll('#jobs li')].map(l => l.textContent),"
                                       " counts: document.getElementById('counts').textContent,"
                                       " dead: [...document.querySelectorAll('#dead li')].map(l => l.textContent),"
                                       " hooks: [...document.querySelectorAll('#hooks li')].map(l => l.textContent),"
                                       " admin_hidden: document.getElementById('admin').hidden})")}
        result["dom"] = json.loads(result["dom"]) if result["dom"] else None
        result["hooks_listed"] = hooks_listed  # before any replay
        if a.ingest or a.upload or a.retry_failed:  # the gallery as the scenario left it
            g = page.evaluate("JSON.parse(JSON.stringify(window.mediagateGallery))")
            while time.time() < deadline and g["decoded"] + g["failed"] < g["total"]:
                time.sleep(0.2)
                g = page.evaluate("JSON.parse(JSON.stringify(window.mediagateGallery))")
            result["gallery"] = g
        with open(a.out, "w") as f:
            json.dump(result, f, indent=1)
        return 0 if gallery and gallery.get("done") else 1
    finally:
        if proc and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
