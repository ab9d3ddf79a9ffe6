#!/usr/bin/python3
"""Call every operation in the served OpenAPI document and check the status is documented.

usage: openapi_check.py BASE_URL API_KEY READY_ID FAILED_ID
"""
import json
import sys
import urllib.request
from urllib.error import HTTPError

base, key, ready_id, failed_id = sys.argv[1:5]


def call(method, path, body=None, auth=True):
    req = urllib.request.Request(base + path, method=method, data=body)
    if auth:
        req.add_header("Authorization", "Bearer " + key)
    if body is not None:
        req.add_header("Content-Type", "application/json")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(req, timeout=10).status
    except HTTPError as e:
        return e.code


doc = json.loads(urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=10).read())
failures = checked = 0
for path, item in doc["paths"].items():
    for method, op in item.items():
        if method == "parameters":
            continue
        documented = {int(c) for c in op["responses"]}
        auth = op.get("security", doc.get("security")) != []
        for media_id in ([ready_id, failed_id] if "{id}" in path else [None]):
            p = path.replace("{id}", media_id) if media_id else path
            if method == "delete":
                p = p.replace(ready_id, "00000000-0000-7000-8000-000000000000")
            body = json.dumps({"source_url": "http://127.0.0.2:1/x.jpg"}).encode() if method == "post" else None
            status = call(method.upper(), p, body, auth)
            checked += 1
            if status not in documented:
                failures += 1
                print("FAIL %s %s -> %d, documented %s" % (method.upper(), p, status, sorted(documented)))
print("%d passed, %d failed" % (checked - failures, failures))
sys.exit(1 if failures else 0)
