// local-variant.mjs BASE_DIR STACK_ENV BASE_PORT PREFIX SECRET_OUT > play.yaml
// The variant of deploy/k8s/base that tests/deploy/test_k8s.sh runs with `podman kube play`
// on this machine. It changes exactly this (the manifests themselves are what users apply):
//   - the serve and worker Deployments: hostNetwork (tests reach loopback only), one replica,
//     the image built here (localhost/mediagate:dev, never pulled), and loopback ports from
//     BASE_PORT: serve API base+1, admin base+2; worker admin base+3. The containers' `ports`
//     go (podman maps them, which host networking refuses) and the probes name those port
//     numbers instead of the ports' names;
//   - the ConfigMap and Secret: the local stack's URLs and credentials, and the test's source
//     (127.0.0.2) exempt from the SSRF guard;
//   - only those objects (podman kube play runs pods, not Services, HPAs or policies, which
//     the schema check covers); and the Secret goes to SECRET_OUT instead of play.yaml, as
//     the data of a podman secret: podman 4.3 stores a Secret document from kube play as YAML
//     but reads it back as a JSON map of base64 values, so the test creates the podman secret
//     of the Secret's name (podman secret create) from that map.
// Probes, security context (non-root, read-only root filesystem), env, args: as written.
import { readFileSync, writeFileSync } from "node:fs";
import { parseAllDocuments, stringify } from "yaml";

const [base, envFile, basePort, prefix, secretOut] = process.argv.slice(2);
const b = Number(basePort);
const stack = {};
for (const line of readFileSync(envFile, "utf8").split("\n")) {
  const m = /^export (\w+)=(.*)$/.exec(line.trim());
  if (m) stack[m[1]] = m[2].replace(/^'(.*)'$/, "$1");
}
const objects = [];
for (const f of ["configmap.yaml", "secret.yaml", "serve.yaml", "worker.yaml"])
  for (const d of parseAllDocuments(readFileSync(`${base}/${f}`, "utf8"))) {
    const o = d.toJS();
    if (o && ["ConfigMap", "Secret", "Deployment"].includes(o.kind)) objects.push(o);
  }
const setEnv = (c, name, value) => {
  c.env = (c.env || []).filter((e) => e.name !== name);
  c.env.push({ name, value });
};
const ports = {
  "mediagate-serve": { MEDIAGATE_LISTEN: `127.0.0.1:${b + 1}`, MEDIAGATE_ADMIN_LISTEN: `127.0.0.1:${b + 2}` },
  "mediagate-worker": { MEDIAGATE_WORKER_LISTEN: `127.0.0.1:${b + 3}`,
                        MEDIAGATE_HEALTHCHECK_URL: `http://127.0.0.1:${b + 3}/health` },
};
for (const o of objects) {
  if (o.kind === "ConfigMap")
    Object.assign(o.data, {
      AWS_REGION: stack.AWS_REGION, MEDIAGATE_S3_ENDPOINT: stack.MEDIAGATE_S3_ENDPOINT,
      MEDIAGATE_S3_PUBLIC_ENDPOINT: stack.MEDIAGATE_S3_PUBLIC_ENDPOINT,
      MEDIAGATE_S3_BUCKET: stack.MEDIAGATE_S3_BUCKET, MEDIAGATE_S3_ADDRESSING: stack.MEDIAGATE_S3_ADDRESSING,
      MEDIAGATE_QUEUE_PREFIX: prefix, MEDIAGATE_TRUSTED_PROXIES: "127.0.0.1/32",
      MEDIAGATE_ALLOW_PRIVATE_SOURCES: "127.0.0.2/32", // the test's source
    });
  if (o.kind === "Secret")
    Object.assign(o.stringData, {
      AWS_ACCESS_KEY_ID: stack.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: stack.AWS_SECRET_ACCESS_KEY,
      MEDIAGATE_DATABASE_URL: stack.MEDIAGATE_DATABASE_URL, MEDIAGATE_REDIS_URL: stack.MEDIAGATE_REDIS_URL,
    });
  if (o.kind === "Deployment") {
    o.spec.replicas = 1;
    const pod = o.spec.template.spec;
    pod.hostNetwork = true;
    for (const c of pod.containers) {
      c.image = "localhost/mediagate:dev";
      c.imagePullPolicy = "Never";
      for (const [k, v] of Object.entries(ports[o.metadata.name])) setEnv(c, k, v);
      // the probes name the container's ports; with host networking they are the loopback
      // ports above, given as numbers, and the port list goes
      const number = { http: b + 1, admin: o.metadata.name === "mediagate-serve" ? b + 2 : b + 3 };
      for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"])
        if (c[probe]?.httpGet) c[probe].httpGet.port = number[c[probe].httpGet.port];
      delete c.ports;
    }
  }
}
const secret = objects.find((o) => o.kind === "Secret");
const data = Object.fromEntries(Object.entries(secret.stringData).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
writeFileSync(secretOut, JSON.stringify(data));
process.stdout.write(objects.filter((o) => o.kind !== "Secret").map((o) => stringify(o)).join("---\n"));
