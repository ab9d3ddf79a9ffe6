#!/usr/bin/python3
"""Derive the variant of deploy/compose/compose.yaml that the compose test runs on this machine.

usage: compose_variant.py COMPOSE_FILE OUT_FILE --env STACK_ENV --base PORT --prefix P

It changes exactly this, and says so, because the file itself is what users run:
  - every service uses the host network (tests send traffic to loopback only), so published
    ports and the compose network go (podman refuses port bindings with host networking,
    and an override file cannot remove them);
  - postgres, redis and minio become idle stand-ins (no registry can be reached here to pull
    their images): the local stack's PostgreSQL, Redis and Ceph RGW take their place, and the
    mediagate services get the stack's URLs and credentials;
  - `service_healthy` conditions become `service_started` (podman runs HEALTHCHECKs from
    systemd timers, which this machine lacks), and `build` goes (the test builds the images);
  - each replica gets its own loopback ports from --base: haproxy base (API) and base+404
    (stats), serve-N base+N (admin base+100+N), worker-N admin base+200+N.
Everything else — the services, their commands, the one-shot migrate and create-bucket that
the replicas wait for, the images, restart policies — is the file as written.
"""
import argparse
import copy
import shlex

import yaml


def stack_env(path):
    env = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("export "):
            k, _, v = line[7:].partition("=")
            env[k] = shlex.split(v)[0] if v else ""
    return env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("compose")
    ap.add_argument("out")
    ap.add_argument("--env", required=True)
    ap.add_argument("--base", type=int, required=True)
    ap.add_argument("--prefix", required=True)
    a = ap.parse_args()
    doc = yaml.safe_load(open(a.compose))
    env = stack_env(a.env)
    stack = {k: env[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
                                 "MEDIAGATE_S3_ENDPOINT", "MEDIAGATE_S3_PUBLIC_ENDPOINT",
                                 "MEDIAGATE_S3_BUCKET", "MEDIAGATE_S3_ADDRESSING",
                                 "MEDIAGATE_DATABASE_URL", "MEDIAGATE_REDIS_URL")}
    b = a.base
    # replicas written as YAML aliases (serve-2: *serve) load as one shared object: give each
    # its own copy before changing it
    doc["services"] = {n: copy.deepcopy(s) for n, s in doc["services"].items()}
    for name, svc in doc["services"].items():
        svc["network_mode"] = "host"
        svc.pop("ports", None)
        svc.pop("networks", None)
        svc.pop("build", None)
        for dep in (svc.get("depends_on") or {}).values():
            if dep.get("condition") == "service_healthy":
                dep["condition"] = "service_started"
        if name in ("postgres", "redis", "minio"):
            svc.update(image="docker.io/library/debian:bookworm-slim", entrypoint=["sleep", "infinity"],
                       command=[], environment={}, volumes=[], healthcheck={"disable": True})
            continue
        e = svc.setdefault("environment", {})
        if name == "haproxy":
            e.update(MEDIAGATE_SERVE_ADDRS=f"127.0.0.1:{b + 1} 127.0.0.1:{b + 2}",
                     MEDIAGATE_LB_BIND=f"127.0.0.1:{b}", MEDIAGATE_LB_STATS_BIND=f"127.0.0.1:{b + 404}")
            continue
        e.update(stack)
        e.update(MEDIAGATE_QUEUE_PREFIX=a.prefix, MEDIAGATE_TRUSTED_PROXIES="127.0.0.1/32",
                 MEDIAGATE_ALLOW_PRIVATE_SOURCES="127.0.0.2/32")
        if name.startswith("serve-"):
            n = int(name.split("-")[1])
            e.update(MEDIAGATE_LISTEN=f"127.0.0.1:{b + n}", MEDIAGATE_ADMIN_LISTEN=f"127.0.0.1:{b + 100 + n}",
                     MEDIAGATE_HEALTHCHECK_URL=f"http://127.0.0.1:{b + 100 + n}/health")
        elif name.startswith("worker-"):
            n = int(name.split("-")[1])
            e.update(MEDIAGATE_WORKER_LISTEN=f"127.0.0.1:{b + 200 + n}",
                     MEDIAGATE_HEALTHCHECK_URL=f"http://127.0.0.1:{b + 200 + n}/health")
    doc.pop("networks", None)
    doc.pop("volumes", None)
    with open(a.out, "w") as f:
        f.write("# derived from deploy/compose/compose.yaml by tests/deploy/compose_variant.py\n")
        yaml.safe_dump(doc, f, sort_keys=False)


if __name__ == "__main__":
    main()
