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
    print("%d passed, %d failed" % (PASS, FAIL))
    return 1 if FAIL else 0


if __name__ == "__main__":
    sys.exit(main())
