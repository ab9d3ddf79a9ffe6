// validate.mjs FILE... - check every Kubernetes object in the YAML files against the
// Kubernetes OpenAPI schemas (kubernetes-models). Prints one line per object, "ok KIND NAME"
// or "INVALID KIND NAME: reason", and exits 1 when any is invalid or of an unknown kind.
// Kustomize's own files (kustomize.config.k8s.io) are not Kubernetes objects and are skipped.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

let bad = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) {
      console.log(`INVALID ${file}: ${doc.errors[0].message}`);
      bad++;
      continue;
    }
    const obj = doc.toJS();
    if (!obj) continue;
    const { apiVersion, kind } = obj;
    if (String(apiVersion).startsWith("kustomize.config.k8s.io")) continue;
    const name = obj.metadata?.name ?? "?";
    let Model;
    try {
      Model = (await import(`kubernetes-models/${apiVersion}/${kind}`))[kind];
    } catch (e) {
      console.log(`INVALID ${kind} ${name}: no schema for ${apiVersion}/${kind}`);
      bad++;
      continue;
    }
    try {
      new Model(obj).validate();
      console.log(`ok ${apiVersion}/${kind} ${name}`);
    } catch (e) {
      console.log(`INVALID ${kind} ${name}: ${e.message.split("\n").slice(0, 4).join(" ")}`);
      bad++;
    }
  }
}
process.exit(bad ? 1 : 0);
