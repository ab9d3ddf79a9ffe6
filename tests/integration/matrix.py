#!/usr/bin/python3
"""matrix.py - the authorization and hostile-input matrix of `mediagate serve` (issue 15).

Run by test_matrix.sh, which starts serve and a worker, makes the tenants, keys, records and
the session cookie, and passes them in the environment (MX_*). Three phases:

  1. authorization: every route x {no key, unknown key, malformed Authorization, revoked
     key, read-only key, write-only key, admin key, another tenant's key, the read-only
     session cookie, a forged session cookie} -> the status and problem type the API
     documents; reads that are allowed succeed;
  2. hostile input: every route x malformed, oversized, wrongly typed, unicode-edge, NUL,
     CRLF, path-traversal and injection-shaped input -> the documented error;
  3. the catalog is compared with a snapshot taken before phase 1: nothing changed.
  Then the writes the matrix allows are made and checked (phase 4).

Prints "ok ..." / "FAIL ..." per cell and "N passed, N failed"; exit 1 when a cell failed.
"""
import http.client
import json
import os
import socket
import subprocess
import sys
from urllib.parse import quote

E = os.environ
HOST, PORT = "127.0.0.1", int(E["MX_PORT"])
A, A2, AF, B = E["MX_IDA"], E["MX_IDA2"], E["MX_IDF"], E["MX_IDB"]
TA, TB = E["MX_TA"], E["MX_TB"]
PASS = FAIL = 0


def result(good, what):
    global PASS, FAIL
    if good:
        PASS += 1
        print("ok   " + what)
    else:
        FAIL += 1
        print("FAIL " + what)


def call(method, path, headers=None, body=None):
    """(status, problem type or None, parsed JSON body or raw bytes, headers)"""
    c = http.client.HTTPConnection(HOST, PORT, timeout=10)
    try:
        c.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            c.putheader(k, v)
        if body is not None:
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body)
        r = c.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
    except (ConnectionError, http.client.HTTPException, socket.timeout) as e:
        return 0, None, repr(e), {}   # no answer (serve died?): a cell that fails, not a crash
    finally:
        c.close()
    kind, doc = None, data
    try:
        doc = json.loads(data)
        if isinstance(doc, dict) and "type" in doc:
            kind = doc["type"].rsplit(":", 1)[-1]
    except ValueError:
        pass
    return r.status, kind, doc, hdrs


def raw(request):
    """Send bytes as they are (what http.client refuses to send); the status line's code."""
    s = socket.create_connection((HOST, PORT), timeout=10)
    try:
        s.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    parts = data.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def expect(what, got, status, kind=None):
    st, k = got[0], got[1]
    ok = st == status and (kind is None or k == kind)
    result(ok, "%s -> %d%s%s" % (what, status, " " + kind if kind else "",
                                 "" if ok else " (got %s %s: %r)" % (st, k, got[2])))


def bearer(k):
    return {"Authorization": "Bearer " + k}


def snapshot():
    out = subprocess.run(
        ["psql", "-qAt", E["MEDIAGATE_DATABASE_URL"], "-c",
         "SELECT string_agg(id || ' ' || tenant_id || ' ' || status || ' ' || attempts || ' '"
         " || updated_at || ' ' || coalesce(metadata::text, ''), E'\\n' ORDER BY id) FROM media"
         f" WHERE tenant_id IN ('{TA}', '{TB}');"
         " SELECT count(*) || ' keys, ' || count(revoked_at) || ' revoked' FROM api_keys"
         f" WHERE tenant_id IN ('{TA}', '{TB}')"],
        check=True, capture_output=True, text=True).stdout
    return out


CREDS = {
    "no key": {},
    "unknown key": bearer("mgk_" + "Q" * 43),
    "malformed Authorization (Basic)": {"Authorization": "Basic dXNlcjpwYXNz"},
    "malformed Authorization (empty Bearer)": {"Authorization": "Bearer "},
    "malformed Authorization (two tokens)": {"Authorization": "Bearer %s %s" % (E["MX_KR"], E["MX_KR"])},
    "revoked key": bearer(E["MX_KX"]),
    "read-only key": bearer(E["MX_KR"]),
    "write-only key": bearer(E["MX_KW"]),
    "admin key": bearer(E["MX_KADM"]),
    "read/write key": bearer(E["MX_KA"]),
    "other tenant's key": bearer(E["MX_KB"]),
    "session cookie": {"Cookie": "mediagate_session=" + E["MX_SESSION"]},
    "forged session cookie": {"Cookie": "mediagate_session=" + E["MX_SESSION"][:-4] + "AAAA"},
}
BODY = json.dumps({"source_url": E["MX_SOURCE"]}).encode()
# route -> (method, path, body, needs write, what success is)
ROUTES = {
    "POST /media": ("POST", "/api/v1/media", BODY, True, 202),
    "GET /media": ("GET", "/api/v1/media", None, False, 200),
    "GET /media/{id}": ("GET", "/api/v1/media/" + A, None, False, 200),
    "GET /media/{id}/url": ("GET", "/api/v1/media/%s/url" % A, None, False, 200),
    "GET /media/{id}/content": ("GET", "/api/v1/media/%s/content" % A, None, False, 302),
    "DELETE /media/{id}": ("DELETE", "/api/v1/media/" + A, None, True, 204),
}
UNAUTHENTICATED = ("no key", "unknown key", "malformed Authorization (Basic)",
                   "malformed Authorization (empty Bearer)", "malformed Authorization (two tokens)",
                   "revoked key", "forged session cookie")


def phase1():
    for cname, hdrs in CREDS.items():
        for rname, (method, path, body, write, success) in ROUTES.items():
            cell = "%s x %s" % (rname, cname)
            if cname in UNAUTHENTICATED:
                want = (401, "unauthorized")
            elif cname == "session cookie":
                # the session opens read routes only; it never authenticates a write
                want = (401, "unauthorized") if write else (success, None)
            elif cname == "read-only key":
                want = (403, "forbidden") if write else (success, None)
            elif cname == "write-only key":
                want = None if write else (403, "forbidden")
            elif cname == "other tenant's key":
                # another tenant's id is unknown on every route (ids never leak)
                want = None if rname == "POST /media" else \
                    (200, None) if rname == "GET /media" else (404, "not-found")
            else:
                want = None if write else (success, None)
            if want is None:
                continue          # an allowed write: phase 4
            got = call(method, path, dict(hdrs), body)
            expect(cell, got, *want)
            if cname == "other tenant's key" and rname == "GET /media":
                ids = [m["id"] for m in got[2].get("items", [])] if isinstance(got[2], dict) else []
                result(A not in ids and B in ids, cell + ": lists its own media only")
            if got[0] == 401:
                result("www-authenticate" in got[3], cell + ": says how to authenticate")


def phase2():
    K = bearer(E["MX_KA"])
    post = lambda b, h=None: call("POST", "/api/v1/media", {**K, **(h or {})}, b)
    # bodies
    for what, body, status, kind in [
        ("empty body", b"", 400, "malformed-json"),
        ("truncated JSON", b'{"source_url":', 400, "malformed-json"),
        ("not JSON at all", b"<xml/>", 400, "malformed-json"),
        ("a JSON array", b"[]", 422, "invalid-request"),
        ("a JSON string", b'"http://x/a.jpg"', 400, "malformed-json"),
        ("source_url a number", b'{"source_url":123}', 422, "invalid-request"),
        ("source_url null", b'{"source_url":null}', 422, "invalid-request"),
        ("source_url missing", b'{"metadata":{}}', 422, "invalid-request"),
        ("metadata a string", b'{"source_url":"http://x/a.jpg","metadata":"x"}', 422, "invalid-request"),
        ("an unknown field", b'{"source_url":"http://x/a.jpg","admin":true}', 422, "invalid-request"),
        ("duplicate source_url (second hostile)",
         b'{"source_url":"http://x/a.jpg","source_url":"file:///etc/passwd"}', None, None),
        ("file: URL", b'{"source_url":"file:///etc/passwd"}', 422, "invalid-source-url"),
        ("gopher: URL (Redis smuggling)", b'{"source_url":"gopher://127.0.0.1:6379/_FLUSHALL"}', 422, "invalid-source-url"),
        ("URL with CRLF header injection", b'{"source_url":"http://x/a.jpg\\r\\nHost: evil"}', 422, "invalid-source-url"),
        ("URL with a NUL (\\u0000)", b'{"source_url":"http://x/a\\u0000.jpg"}', 400, "malformed-json"),
        ("URL with a raw NUL byte", b'{"source_url":"http://x/a\x00.jpg"}', 400, "malformed-json"),
        ("URL with a space", b'{"source_url":"http://x/a b.jpg"}', 422, "invalid-source-url"),
        ("URL with credentials", b'{"source_url":"http://u:p@x/a.jpg"}', 422, "invalid-source-url"),
        ("URL without a host", b'{"source_url":"http:///a.jpg"}', 422, "invalid-source-url"),
        ("relative URL", b'{"source_url":"/etc/passwd"}', 422, "invalid-source-url"),
        # issue 29, item 7: a literal address the SSRF guard refuses is a 422 at submission
        ("a literal private address", b'{"source_url":"http://10.0.0.1/x.jpg"}', 422, "invalid-source-url"),
        ("a literal loopback address", b'{"source_url":"http://127.0.0.1:9/x.jpg"}', 422, "invalid-source-url"),
        ("loopback spelled 127.1", b'{"source_url":"http://127.1/x.jpg"}', 422, "invalid-source-url"),
        ("the metadata address", b'{"source_url":"http://169.254.169.254/latest/meta-data"}', 422, "invalid-source-url"),
        ("an IPv4-mapped IPv6 loopback", b'{"source_url":"http://[::ffff:127.0.0.1]/x.jpg"}', 422, "invalid-source-url"),
        ("URL of 9000 bytes", json.dumps({"source_url": "http://x/" + "a" * 9000}).encode(), 422, "invalid-source-url"),
        ("invalid UTF-8 in the body", b'{"source_url":"http://x/\xff.jpg"}', 400, "malformed-json"),
        ("overlong UTF-8 '/'", b'{"source_url":"http://x/\xc0\xaf.jpg"}', 400, "malformed-json"),
        ("a lone surrogate escape", b'{"source_url":"http://x/a.jpg","metadata":{"k":"\\ud800"}}', 400, "malformed-json"),
        ("metadata nested 5000 deep", b'{"source_url":"http://x/a.jpg","metadata":' + b'{"a":' * 5000 + b'1' + b'}' * 5001, 400, "malformed-json"),
        ("metadata of 60 KB (over the metadata limit)", json.dumps({"source_url": "http://x/a.jpg", "metadata": {"k": "v" * 60000}}).encode(), 422, "invalid-request"),
        ("a body over MEDIAGATE_BODY_MAX_BYTES", b'{"source_url":"http://x/a.jpg","metadata":{"k":"' + b"v" * 70000 + b'"}}', 413, None),
    ]:
        got = post(body)
        if status is None:   # jansson keeps the last duplicate: the hostile one must be refused
            result(got[0] in (400, 422), "POST body: %s -> 400/422 (got %s)" % (what, got[0]))
        else:
            expect("POST body: " + what, got, status, kind)
    # headers
    ok_body = json.dumps({"source_url": "http://x/a.jpg"}).encode()
    expect("Idempotency-Key of 300 bytes", post(ok_body, {"Idempotency-Key": "k" * 300}), 422, "invalid-request")
    got = post(ok_body, {"Idempotency-Key": "k\xff\xfe".encode("latin-1").decode("latin-1")})
    expect("Idempotency-Key with bytes 0xff 0xfe", got, 422, "invalid-request")
    result("idempotency key" in str(got[2]), "... and the error names the Idempotency-Key")
    expect("a request header of 20 KB", call("GET", "/api/v1/media", {**K, "X-Pad": "p" * 20000}), 431, "headers-too-large")
    for what, req in [
        ("a NUL in the Authorization header",
         b"GET /api/v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + E["MX_KA"].encode() + b"\x00x\r\n\r\n"),
        ("a bare LF and a folded header",
         b"GET /api/v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n " + E["MX_KA"].encode() + b"\r\n\r\n"),
    ]:
        st = raw(req)
        result(st in (400, 401), "%s -> 400 or 401 (got %s)" % (what, st))
    # paths: traversal, encodings, injection shapes; as GET and DELETE
    for what, path in [
        ("'..'", "/api/v1/media/.."),
        ("encoded traversal", "/api/v1/media/..%2f..%2fetc%2fpasswd"),
        ("dot segments", "/api/v1/media/%2e%2e/%2e%2e/etc/passwd"),
        ("a NUL", "/api/v1/media/%00"),
        ("an id with a NUL after it", "/api/v1/media/%s%%00" % A),
        ("CRLF (response splitting)", "/api/v1/media/x%0d%0aSet-Cookie:%20a=b"),
        ("SQL-shaped id", "/api/v1/media/" + quote("' OR '1'='1")),
        ("another SQL-shaped id", "/api/v1/media/" + quote("1; DROP TABLE media;--")),
        ("an id of 5000 characters", "/api/v1/media/" + "a" * 5000),
        ("a non-ASCII id", "/api/v1/media/%C3%A4"),
        ("an unknown sub-resource", "/api/v1/media/%s/raw" % A),
        ("a double slash", "/api/v1/media//%s" % A),
    ]:
        for m in ("GET", "DELETE"):
            got = call(m, path, K)
            result(got[0] == 404 and got[1] in ("not-found", "no-route"),
                   "%s %s -> 404 (got %s %s)" % (m, what, got[0], got[1]))
    # a UUID is case-insensitive (RFC 9562): the uppercase spelling is the same record
    got = call("GET", "/api/v1/media/" + A.upper(), K)
    result(got[0] == 200 and got[2].get("id") == A,
           "GET an uppercase id -> 200, the record under its canonical id (got %s)" % got[0])
    # queries
    for what, q, kind in [
        ("page=-1", "page=-1", "invalid-pagination"),
        ("page=abc", "page=abc", "invalid-pagination"),
        ("size=0", "size=0", "invalid-pagination"),
        ("size=101", "size=101", "invalid-pagination"),
        ("size=1e3", "size=1e3", "invalid-pagination"),
        ("a huge page", "page=99999999999999999999999", "invalid-pagination"),
        ("status=bogus", "status=bogus", "invalid-pagination"),
        ("status with a NUL", "status=ready%00", "invalid-pagination"),
        ("status SQL-shaped", "status=" + quote("ready' OR '1'='1"), "invalid-pagination"),
        ("after=garbage", "after=garbage", "invalid-pagination"),
        ("after undecodable", "after=%ff%fe", "invalid-pagination"),
        ("after and page together", "after=x&page=2", "invalid-pagination"),
        ("a 3000-byte status", "status=" + "r" * 3000, "invalid-pagination"),
    ]:
        expect("GET /media?" + what, call("GET", "/api/v1/media?" + q, K), 400, kind)
    for what, q, kind in [
        ("expires=0", "expires=0", "invalid-expires"),
        ("expires=-1", "expires=-1", "invalid-expires"),
        ("expires=abc", "expires=abc", "invalid-expires"),
        ("expires past the cap", "expires=99999999999", "invalid-expires"),
        ("expires with a NUL", "expires=60%00", "invalid-expires"),
        ("disposition=evil", "disposition=evil", "invalid-disposition"),
        ("disposition with CRLF", "disposition=inline%0d%0aX-Evil:%201", "invalid-disposition"),
    ]:
        for sub in ("url", "content"):
            expect("GET /media/{id}/%s?%s" % (sub, what),
                   call("GET", "/api/v1/media/%s/%s?%s" % (A, sub, q), K), 400, kind)
    # methods
    for m, p in [("PUT", "/api/v1/media"), ("PATCH", "/api/v1/media/" + A),
                 ("POST", "/api/v1/media/" + A), ("DELETE", "/api/v1/media/%s/url" % A),
                 ("PUT", "/api/v1/media/%s/content" % A)]:
        got = call(m, p, K)
        expect("%s %s" % (m, p.replace(A, "{id}")), got, 405, "method-not-allowed")
        result("allow" in got[3], "... with an Allow header")
    # the records of other states answer as documented, to everyone allowed to read them
    expect("GET /media/{failed id}/content", call("GET", "/api/v1/media/%s/content" % AF, K), 410, "media-failed")
    expect("GET /media/{failed id}/url", call("GET", "/api/v1/media/%s/url" % AF, K), 410, "media-failed")


def phase4():
    for cname in ("read/write key", "write-only key", "admin key"):
        got = call("POST", "/api/v1/media", CREDS[cname], BODY)
        expect("POST /media x %s (allowed)" % cname, got, 202)
    got = call("POST", "/api/v1/media", CREDS["other tenant's key"], BODY)
    expect("POST /media x other tenant's key: its own tenant", got, 202)
    result(isinstance(got[2], dict) and got[2].get("tenant") == TB, "... recorded under that tenant")
    expect("DELETE /media/{id} x other tenant's key", call("DELETE", "/api/v1/media/" + A2, CREDS["other tenant's key"]), 404, "not-found")
    expect("DELETE /media/{id} x write-only key (allowed)", call("DELETE", "/api/v1/media/" + A2, CREDS["write-only key"]), 204)
    expect("... and the record is gone", call("GET", "/api/v1/media/" + A2, CREDS["read/write key"]), 404, "not-found")


def alive(what):
    got = call("GET", "/api/v1/media?size=1", bearer(E["MX_KA"]))
    result(got[0] == 200, "serve still answers after %s (got %s)" % (what, got[0]))


def media_count():
    return subprocess.run(
        ["psql", "-qAt", E["MEDIAGATE_DATABASE_URL"], "-c",
         f"SELECT count(*) FROM media WHERE tenant_id = '{TA}'"],
        check=True, capture_output=True, text=True).stdout.strip()


def phase5():
    """The front door (issue 24): each defect the review found, through the real serve."""
    app = {"X-Mediagate-App": "1"}
    # defect 1: the session route with a session cookie and the page's header, no
    # Authorization, crashed serve (and, through haproxy's retries, every replica)
    for cname in ("session cookie", "forged session cookie"):
        got = call("POST", "/app/session", {**CREDS[cname], **app, "Idempotency-Key": "k1"})
        expect("POST /app/session x %s + X-Mediagate-App, no key" % cname, got, 401, "unauthorized")
        alive("POST /app/session with a cookie")
    got = call("POST", "/app/session", CREDS["read-only key"])
    result(got[0] == 204 and "mediagate_session=" in got[3].get("set-cookie", ""),
           "POST /app/session x read-only key -> 204 with a cookie (got %s)" % got[0])
    expect("POST /app/session x write-only key", call("POST", "/app/session", CREDS["write-only key"]),
           403, "forbidden")
    # a session of a read/write key, for the cookie-only writes below
    got = call("POST", "/app/session", CREDS["read/write key"])
    cookie = got[3].get("set-cookie", "").split(";")[0]
    result(cookie.startswith("mediagate_session="), "a session cookie for the read/write key")
    ck = {"Cookie": cookie}
    before = media_count()
    # defect 7: state changes by the cookie alone (a simple cross-site request shape)
    expect("GET /uppy/s3/params x cookie alone", call("GET", "/api/v1/uppy/s3/params?filename=a.png&type=image/png", ck), 401, "unauthorized")
    expect("POST /uppy/s3/multipart (text/plain) x cookie alone",
           call("POST", "/api/v1/uppy/s3/multipart", {**ck, "Content-Type": "text/plain"},
                b'{"filename":"a.png","type":"image/png"}'), 401, "unauthorized")
    expect("POST /uploads x cookie alone", call("POST", "/api/v1/uploads", ck, b'{"size_bytes":10}'), 401, "unauthorized")
    expect("GET /webhooks/deliveries x cookie alone", call("GET", "/api/v1/webhooks/deliveries", ck), 401, "unauthorized")
    result(media_count() == before, "... and no record was created by the cookie alone")
    expect("GET /uppy/s3/params x cookie + Sec-Fetch-Site: cross-site",
           call("GET", "/api/v1/uppy/s3/params?filename=a.png&type=image/png", {**ck, "Sec-Fetch-Site": "cross-site"}),
           401, "unauthorized")
    expect("POST /media x cookie + Sec-Fetch-Site: same-site (a sibling subdomain)",
           call("POST", "/api/v1/media", {**ck, "Sec-Fetch-Site": "same-site"}, BODY), 401, "unauthorized")
    result(media_count() == before, "... and no record was created by them")
    got = call("GET", "/api/v1/uppy/s3/params?filename=a.png&type=image/png", {**ck, **app})
    expect("GET /uppy/s3/params x cookie + X-Mediagate-App (allowed)", got, 200)
    got = call("GET", "/api/v1/uppy/s3/params?filename=a.png&type=image/png", {**ck, "Sec-Fetch-Site": "same-origin"})
    expect("GET /uppy/s3/params x cookie from the page's origin (Uppy; allowed)", got, 200)
    # defect 6: an Idempotency-Key the catalog cannot index is the client's error, on every route
    for path, body in (("/api/v1/uploads", b'{"size_bytes":10}'), ("/api/v1/media", BODY)):
        for what, k in (("6000 bytes", "k" * 6000), ("300 bytes", "k" * 300), ("a tab", "a\tb")):
            expect("POST %s with an Idempotency-Key of %s" % (path, what),
                   call("POST", path, {**bearer(E["MX_KA"]), "Idempotency-Key": k}, body),
                   422, "invalid-request")
    # defect 3: ETags that overflowed the XML escape on both complete routes
    got = call("POST", "/api/v1/uploads", bearer(E["MX_KA"]),
               json.dumps({"size_bytes": 6 << 20, "content_type": "image/png", "multipart": True}).encode())
    up = got[2].get("media", {}).get("id") if isinstance(got[2], dict) else None
    result(got[0] == 201 and up, "a multipart upload to complete (got %s)" % got[0])
    hostile = '"' * 40
    for what, etag in (("40 quotes", hostile), ("markup", "<a>&amp;"), ("100 chars", "e" * 100)):
        body = json.dumps({"parts": [{"part_number": 1, "etag": etag}]}).encode()
        expect("POST /uploads/{id}/complete with an ETag of %s" % what,
               call("POST", "/api/v1/uploads/%s/complete" % up, bearer(E["MX_KA"]), body),
               422, "invalid-request")
    got = call("POST", "/api/v1/uppy/s3/multipart", {**bearer(E["MX_KA"]), "Content-Type": "application/json"},
               b'{"filename":"b.png","type":"image/png"}')
    uid, ukey = (got[2].get("uploadId"), got[2].get("key")) if isinstance(got[2], dict) else (None, None)
    result(got[0] == 200 and uid, "an Uppy multipart upload to complete (got %s)" % got[0])
    body = json.dumps({"parts": [{"PartNumber": 1, "ETag": hostile}]}).encode()
    expect("POST /uppy/s3/multipart/{id}/complete with an ETag of 40 quotes",
           call("POST", "/api/v1/uppy/s3/multipart/%s/complete?key=%s" % (quote(uid or "x", safe=""), quote(ukey or "x", safe="")),
                bearer(E["MX_KA"]), body), 422, "invalid-request")
    alive("hostile ETags")
    # issue 29, item 6: Server-Timing names where the time went
    import re
    got = call("GET", "/api/v1/media?size=1", bearer(E["MX_KA"]))
    st = got[3].get("server-timing", "")
    result(re.search(r"(^|, )db;dur=\d+\.\d{3}", st) and re.search(r"total;dur=\d+\.\d{3}$", st),
           "a listing's Server-Timing has the catalog's time and the total (%r)" % st)
    got = call("POST", "/api/v1/media", bearer(E["MX_KA"]), BODY)
    st = got[3].get("server-timing", "")
    result(got[0] == 202 and "db;dur=" in st and "redis;dur=" in st and "s3;dur=" not in st,
           "an ingest's has the catalog's and the queue's, no S3 (%r)" % st)
    # defect 5: a DELETE spelled in upper case invalidates this replica's cache at once
    K = bearer(E["MX_KA"])
    for _ in range(3):   # cached on the event loop after the first answers
        expect("GET /media/{id}/url before the delete", call("GET", "/api/v1/media/%s/url" % A, K), 200)
    expect("DELETE /media/{ID in upper case}", call("DELETE", "/api/v1/media/" + A.upper(), K), 204)
    expect("GET /media/{id}/url right after it", call("GET", "/api/v1/media/%s/url" % A, K), 404, "not-found")
    expect("GET /media/{id}/content right after it", call("GET", "/api/v1/media/%s/content" % A, K), 404, "not-found")


def main():
    before = snapshot()
    phase1()
    phase2()
    after = snapshot()
    result(before == after and before.strip() != "",
           "nothing in the catalog changed through phases 1 and 2 (%d rows, keys the same)"
           % before.count("\n"))
    if before != after:
        print("     before:\n" + before + "     after:\n" + after)
    phase4()
    phase5()
    print("%d passed, %d failed" % (PASS, FAIL))
    return 1 if FAIL else 0


if __name__ == "__main__":
    sys.exit(main())
