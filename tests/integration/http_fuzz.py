#!/usr/bin/python3
"""http_fuzz.py - the HTTP fuzzer of `mediagate serve` (issue 24): every route x every kind of
credential x mutated paths, ids, queries, headers and bodies, against the real serve (and the
worker behind it) built with ASan + UBSan. Run by test_http_fuzz.sh, which starts them and
passes keys, ids and the session cookies in the environment (HF_*).

The routes come from docs/openapi.json (which describes /app/session and the Uppy routes too),
plus the page, /app. Each request is drawn from a seeded
generator (HF_SEED; printed, so a failure can be replayed) until HF_SECONDS have passed.

A request fails the run when serve answers 5xx other than a 503 with Retry-After (an error
the request caused must be a 4xx; only a dependency is a 503), when it does not answer at all
(a crash: test_http_fuzz.sh also reads the sanitizer reports), or takes longer than 15 s; and
the run fails for every status an operation of docs/openapi.json answered that the document
does not list for it (the contract checked against what the routes really do).
Prints the failures with the request that caused them and "N passed, N failed".
"""
import http.client
import json
import os
import random
import socket
import sys
import time

E = os.environ
HOST, PORT = "127.0.0.1", int(E["HF_PORT"])
SEED = int(E.get("HF_SEED") or time.time())
SECONDS = float(E.get("HF_SECONDS", "90"))
rng = random.Random(SEED)

OWN_IDS = E["HF_IDS"].split()          # the tenant's records (ready, failed, deleted ...)
OTHER_ID = E["HF_OTHER_ID"]            # another tenant's record
UPLOAD_ID = E.get("HF_UPLOAD_ID", "")  # an uploading record of the tenant
KEYS = {
    "none": None,
    "garbage": "Bearer mgk_" + "Z" * 43,
    "overlong": "Bearer mgk_" + "A" * 9000,
    "malformed": "Basic dXNlcjpwYXNz",
    "empty bearer": "Bearer ",
    "other tenant": "Bearer " + E["HF_KEY_OTHER"],
    "read-only": "Bearer " + E["HF_KEY_READ"],
    "read/write": "Bearer " + E["HF_KEY_RW"],
    "admin": "Bearer " + E["HF_KEY_ADMIN"],
}
COOKIES = {
    "none": None,
    "session (read)": "mediagate_session=" + E["HF_SESSION_READ"],
    "session (read/write)": "mediagate_session=" + E["HF_SESSION_RW"],
    "forged session": "mediagate_session=" + E["HF_SESSION_RW"][:-6] + "AAAAAA",
    "garbage cookie": "mediagate_session=%zz%00; other=1",
}


DOC = json.load(open(os.path.join(E["HF_SRC"], "docs", "openapi.json")))


def documented(op):
    """The statuses docs/openapi.json lists for an operation (None: not in the document)."""
    path = op[1].replace("{upload}", "{uploadId}").replace("{n}", "{partNumber}")
    item = DOC["paths"].get(path, {}).get(op[0].lower())
    return None if item is None else {int(c) for c in item.get("responses", {}) if c.isdigit()}


def routes():
    doc = DOC
    out = []
    for path, item in doc["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "delete", "patch"):
                out.append((method.upper(), path))
    out.append(("GET", "/app"))  # the page: HTML, not an API operation
    return [(m, p.replace("{uploadId}", "{upload}").replace("{partNumber}", "{n}")) for m, p in out]


def an_id():
    return rng.choice([
        rng.choice(OWN_IDS), rng.choice(OWN_IDS).upper(), OTHER_ID, UPLOAD_ID or OTHER_ID,
        "00000000-0000-0000-0000-000000000000", "x", "..", "%2e%2e", "%00", "a" * 300,
        "%C3%A4", "%27%20OR%20%271%27%3D%271", "%0d%0aX-Evil:%201", "-1", "%7Bid%7D", "",
    ])


def a_string():
    return rng.choice([
        "", "x", "a" * rng.choice([1, 255, 256, 4096, 70000]), "\u00e4\u00f6", "\u2028",
        "%zz", "%00", "\r\n", "<script>", "../../etc/passwd", "http://127.0.0.1:1/x.jpg",
        "http://10.0.0.1/x", "https://example.invalid/a.jpg", "file:///etc/passwd", "1e309",
        "-0", "null", "true", "\"", "\\", "{}", "[]",
    ])


def a_value(depth=0):
    kinds = ["str", "int", "float", "bool", "null", "list", "obj"]
    k = rng.choice(kinds if depth < 3 else kinds[:5])
    if k == "str":
        return a_string()
    if k == "int":
        return rng.choice([0, -1, 1, 2 ** 31, 2 ** 63, -2 ** 63, 10 ** 30, 6 << 20, 5 << 30])
    if k == "float":
        return rng.choice([0.5, -1e308, 1e308, 3.14])
    if k == "bool":
        return rng.choice([True, False])
    if k == "null":
        return None
    if k == "list":
        return [a_value(depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(FIELDS): a_value(depth + 1) for _ in range(rng.randint(0, 5))}


FIELDS = ["source_url", "metadata", "callback_url", "size_bytes", "content_type", "filename",
          "multipart", "parts", "part_number", "etag", "PartNumber", "ETag", "url", "events",
          "filename", "type", "x"]


def a_body():
    r = rng.random()
    if r < 0.1:
        return None
    if r < 0.2:  # raw bytes: truncated, invalid UTF-8, deep nesting
        return rng.choice([b"{", b'{"source_url":', b"\xff\xfe{}", b"[" * 5000 + b"]" * 5000,
                           b'{"a":' * 3000 + b"1" + b"}" * 3000, b"\x00" * 10, b"null"])
    if r < 0.5:  # a plausible body, one field mutated
        base = rng.choice([
            {"source_url": "http://127.0.0.2:1/a.jpg"},
            {"size_bytes": rng.choice([1, 10, 6 << 20]), "content_type": "image/png",
             "filename": "a.png", "multipart": rng.choice([True, False])},
            {"parts": [{"part_number": 1, "etag": "e" * 32}]},
            {"parts": [{"PartNumber": 1, "ETag": "\"" + "e" * 32 + "\""}]},
            {"url": "http://127.0.0.2:1/hook", "events": ["media.ready"]},
            {"filename": "a.png", "type": "image/png", "metadata": {}},
        ])
        base[rng.choice(list(base) + FIELDS)] = a_value()
        return json.dumps(base).encode()
    return json.dumps(a_value()).encode()


def a_request():
    method, path = rng.choice(ROUTES)
    op = (method, path)  # the documented operation it exercises (None once mutated away)
    if rng.random() < 0.05:
        method = rng.choice(["PUT", "PATCH", "OPTIONS", "HEAD", "TRACE"])
        op = None
    ids = [an_id(), an_id()]
    if any(i in ("..", "%2e%2e", "") for i in ids):
        op = None  # the path is another one once normalized: not the operation's any more
    p = path.replace("{id}", ids[0]).replace("{upload}", ids[1]).replace("{n}", rng.choice(["1", "0", "10001", "x", "-1"]))
    if rng.random() < 0.1:
        p += rng.choice(["/", "//", "/x", "%2f", "/..", "?"])
        op = None
    q = []
    for _ in range(rng.randint(0, 3)):
        q.append(rng.choice(["wait", "expires", "disposition", "page", "size", "status", "after",
                             "limit", "key", "filename", "type", "variant", "x"]) + "=" +
                 rng.choice(["1", "0", "-1", "30", "31", "abc", "%zz", "%00", "a" * 3000,
                             "inline", "attachment", "ready", "2.5", ""]))
    if q:
        p += "?" + "&".join(q)
    h = {}
    auth = KEYS[rng.choice(list(KEYS))]
    if auth:
        h["Authorization"] = auth
    cookie = COOKIES[rng.choice(list(COOKIES))]
    if cookie:
        h["Cookie"] = cookie
    if rng.random() < 0.5:
        h["X-Mediagate-App"] = rng.choice(["1", "0", "true", ""])
    for name, values in (
            ("Idempotency-Key", ["k", "k" * 255, "k" * 256, "k" * 6000, "a\tb", "\u00e4"]),
            ("traceparent", ["00-" + "a" * 32 + "-" + "b" * 16 + "-01", "garbage", "00-" + "0" * 32 + "-" + "0" * 16 + "-00", "ff" * 40]),
            ("X-Forwarded-For", ["1.2.3.4", "1.2.3.4, 5.6.7.8", "garbage", "::1", "," * 50]),
            ("Range", ["bytes=0-1", "bytes=-1", "bytes=x"]),
            ("Content-Type", ["application/json", "text/plain", "multipart/form-data", "x" * 500]),
            ("X-Request-Id", ["r1", "bad id!", "a" * 100]),
            ("Origin", ["http://evil.example", "null"]),
            ("Sec-Fetch-Site", ["same-origin", "cross-site", "same-site", "none", ""])):
        if rng.random() < 0.25:
            h[name] = rng.choice(values)
    body = a_body() if method in ("POST", "PUT", "PATCH", "DELETE") else None
    return op, method, p, h, body


def send(method, path, headers, body):
    c = http.client.HTTPConnection(HOST, PORT, timeout=15)
    try:
        c.putrequest(method, path, skip_accept_encoding=True, skip_host=False)
        for k, v in headers.items():
            c.putheader(k, v.encode("utf-8", "surrogateescape") if isinstance(v, str) else v)
        if body is not None:
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body)
        r = c.getresponse()
        r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}
    finally:
        c.close()


ROUTES = routes()


def main():
    print("http_fuzz: seed %d, %.0f s, %d routes" % (SEED, SECONDS, len(ROUTES)))
    passed = failed = 0
    statuses = {}
    undocumented = {}  # (method, path) -> {status: an example request}
    end = time.monotonic() + SECONDS
    while time.monotonic() < end and failed < 20:
        op, method, path, headers, body = a_request()
        shown = "%s %s headers=%s body=%r" % (method, path[:160], {k: v[:60] for k, v in headers.items()},
                                               (body or b"")[:100])
        try:
            st, hdrs = send(method, path, headers, body)
        except (ValueError, http.client.InvalidURL):
            continue  # what the client library itself refuses to send
        except (ConnectionError, socket.timeout, http.client.HTTPException) as e:
            failed += 1
            print("FAIL no answer (%r): %s" % (e, shown))
            try:  # is serve still there at all?
                send("GET", "/health", {}, None)
            except (ConnectionError, socket.timeout, http.client.HTTPException):
                print("FAIL serve is gone after: " + shown)
                break
            continue
        statuses[st] = statuses.get(st, 0) + 1
        if st >= 500 and not (st == 503 and "retry-after" in hdrs):
            failed += 1
            print("FAIL %d: %s" % (st, shown))
        else:
            passed += 1
        doc = documented(op) if op else None
        if doc is not None and st not in doc:
            undocumented.setdefault(op, {}).setdefault(st, shown)
    print("http_fuzz: statuses " + ", ".join("%d x %d" % (n, s) for s, n in sorted(statuses.items())))
    # every status an operation answered is one docs/openapi.json lists for it
    for op, sts in sorted(undocumented.items()):
        for st, example in sorted(sts.items()):
            failed += 1
            print("FAIL %s %s answered %d, which docs/openapi.json does not list: %s" % (op[0], op[1], st, example))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
