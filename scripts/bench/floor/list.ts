/**
 * The least a Deno process can do for `list -n NS`: one GET of the namespace's InferenceServices
 * over TLS with the admin client certificate (read from the test cluster's PKI, so no kubeconfig
 * and no YAML), printed as names. `--with commander` and `--with yaml` load those packages first,
 * as the plugin does, to show what each costs; `--with node-builtins` loads only the `node:`
 * modules commander 15 imports (lib/command.js), which are most of commander's cost.
 * Used by scripts/bench/floor.ts.
 */
const [namespace, ...rest] = Deno.args;
const loads = rest.filter((_, i) => rest[i - 1] === "--with");
if (loads.includes("node-builtins")) {
  await Promise.all(
    ["node:events", "node:child_process", "node:path", "node:fs", "node:process", "node:util"]
      .map((name) => import(name)),
  );
}
if (loads.includes("commander")) await import("commander");
if (loads.includes("yaml")) await import("yaml");
const pki = `${Deno.env.get("KSERVE_CLUSTER_DIR") ?? "/tmp/kubectl-kserve-cluster"}/pki`;
const read = (name: string) => Deno.readTextFileSync(`${pki}/${name}`);
const client = Deno.createHttpClient({
  caCerts: [read("ca.crt")],
  cert: read("admin.crt"),
  key: read("admin.key"),
});
const response = await fetch(
  `https://127.0.0.1:6443/apis/serving.kserve.io/v1beta1/namespaces/${namespace}/inferenceservices?limit=500`,
  { client },
);
const list = await response.json() as { items: { metadata: { name: string } }[] };
console.log(list.items.map((i) => i.metadata.name).join("\n"));
