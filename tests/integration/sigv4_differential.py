#!/usr/bin/python3
"""Differential test: `mediagate presign` against botocore's S3 SigV4 query signer.

Random keys (spaces, unicode, + ~ % = & ? # /, empty segments), methods, expiries,
response overrides, session tokens, regions, endpoints (ports, schemes) and both addressing
styles. botocore is an independent implementation (Debian's python3-botocore); the key is
encoded the way botocore's S3 serializer does (quote with safe '/~'). For each case the
scheme, host, path and every query parameter, signature included, must be byte-identical.

usage: sigv4_differential.py MEDIAGATE_BIN [CASES] [SEED]
"""
import datetime
import os
import random
import subprocess
import sys
from urllib.parse import quote, urlsplit

import botocore.auth
import botocore.awsrequest
import botocore.credentials


class FixedDatetime(datetime.datetime):
    fixed = None

    @classmethod
    def utcnow(cls):
        return cls.fixed


class FakeDatetimeModule:
    datetime = FixedDatetime


botocore.auth.datetime = FakeDatetimeModule  # botocore reads the clock; we fix it

KEY_ALPHABET = list("abcXYZ019-_.") + list(" +~%=&?#/!$'()*,;:@[]") + ["é", "日本", "😀", "ü", "\u00a0"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "auto"]
ENDPOINTS = ["http://127.0.0.1:15480", "https://s3.example.com", "http://localhost:8080",
             "https://minio.internal:9000", "https://storage.example.net:443", "http://[::1]:9000"]
TYPES = ["image/png", "image/jpeg", "application/octet-stream", "text/plain; charset=utf-8"]
DISPOSITIONS = ['inline', 'attachment; filename="a b.png"', "attachment; filename*=UTF-8''%E2%82%AC.jpg",
                'inline; filename="x&y=z?.gif"']


def rand_key(rng):
    n = rng.randint(1, 40)
    return "".join(rng.choice(KEY_ALPHABET) for _ in range(n))


def rand_secret(rng):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"
    return "".join(rng.choice(alphabet) for _ in range(40))


def parts(url):
    u = urlsplit(url)
    return u.scheme, u.netloc, u.path, sorted(u.query.split("&"))


def main():
    mg = sys.argv[1]
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261122
    rng = random.Random(seed)
    failures = 0
    for i in range(cases):
        method = rng.choice(["GET", "GET", "PUT", "HEAD", "DELETE"])
        key = rand_key(rng)
        bucket = rng.choice(["media", "my-bucket-01", "a.b.c"])
        region = rng.choice(REGIONS)
        endpoint = rng.choice(ENDPOINTS)
        host = urlsplit(endpoint).hostname
        is_ip = host.replace(".", "").isdigit() or ":" in host
        virtual = (not is_ip) and rng.random() < 0.5 and "." not in bucket
        expires = rng.choice([1, 60, 3600, 86400, 604800, rng.randint(1, 604800)])
        when = datetime.datetime(2020, 1, 1) + datetime.timedelta(seconds=rng.randint(0, 300000000))
        token = rng.choice([None, None, "FQoGZXIvYXdzE" + rand_secret(rng) + "=="])
        akid = "AKID" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(16))
        secret = rand_secret(rng)
        ctype = rng.choice([None] + TYPES) if method == "GET" else None
        disp = rng.choice([None] + DISPOSITIONS) if method == "GET" else None

        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "AWS_ACCESS_KEY_ID": akid, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": region,
               "MEDIAGATE_S3_ENDPOINT": endpoint, "MEDIAGATE_S3_BUCKET": bucket,
               "MEDIAGATE_S3_ADDRESSING": "virtual" if virtual else "path"}
        for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if var in os.environ:
                env[var] = os.environ[var]
        if token:
            env["AWS_SESSION_TOKEN"] = token
        args = [mg, "presign", "--method", method, "--key", key, "--expires", str(expires),
                "--at", when.strftime("%Y%m%dT%H%M%SZ")]
        if ctype:
            args += ["--content-type", ctype]
        if disp:
            args += ["--disposition", disp]
        p = subprocess.run(args, env=env, capture_output=True, text=True)
        if p.returncode != 0 or p.stdout.count("\n") != 1:
            print(f"FAIL case {i}: mediagate exit {p.returncode}: {p.stderr.strip()}")
            failures += 1
            continue
        ours = p.stdout.strip()

        u = urlsplit(endpoint)
        netloc = f"{bucket}.{u.netloc}" if virtual else u.netloc
        path = ("/" if virtual else f"/{bucket}/") + quote(key, safe="/~")
        request = botocore.awsrequest.AWSRequest(method=method, url=f"{u.scheme}://{netloc}{path}")
        params = {}
        if ctype:
            params["response-content-type"] = ctype
        if disp:
            params["response-content-disposition"] = disp
        request.params = params
        FixedDatetime.fixed = when
        creds = botocore.credentials.Credentials(akid, secret, token)
        botocore.auth.S3SigV4QueryAuth(creds, "s3", region, expires=expires).add_auth(request)
        theirs = request.url
        # botocore keeps a default port in the URL's netloc; the Host it signs drops it
        a, b = parts(ours), parts(theirs)
        if a[1] != b[1] and b[1].endswith((":443", ":80")):
            b = (b[0], b[1].rsplit(":", 1)[0], b[2], b[3])
        if a != b:
            failures += 1
            print(f"FAIL case {i} (seed {seed}): key={key!r} method={method} virtual={virtual}\n"
                  f"  mediagate: {ours}\n  botocore:  {theirs}")
    print(f"sigv4 differential: {cases} cases, seed {seed}")
    print(f"{cases - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
