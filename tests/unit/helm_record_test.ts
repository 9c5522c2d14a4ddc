import assert from "node:assert/strict";
import { type HelmRecordSecret, recordProblem } from "../../lib/kube/helm_record.ts";
import { describeOwner } from "../../lib/kube/owner.ts";

const CONTROLLER = { kind: "Deployment", name: "kserve-controller-manager" };

/** A record as Helm 3 writes it: data.release is base64 (the Secret's) of base64 of gzip. */
async function record(
  manifest: string,
  options: { revision?: number; status?: string } = {},
): Promise<HelmRecordSecret> {
  const json = new TextEncoder().encode(JSON.stringify({ name: "kserve", manifest }));
  const gzipped = new Uint8Array(
    await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
  const inner = btoa(String.fromCharCode(...gzipped));
  return {
    metadata: {
      name: `sh.helm.release.v1.kserve.v${options.revision ?? 1}`,
      labels: { owner: "helm", name: "kserve", status: options.status ?? "deployed" },
    },
    type: "helm.sh/release.v1",
    data: { release: btoa(inner) },
  };
}

const MANIFEST = `---
# Source: kserve-resources/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kserve-controller-manager
  namespace: kserve
`;

Deno.test("Helm's labels without a deployed release record: Helm cannot manage it (a mixed install)", async () => {
  // Field report: Helm labels on 2 of 63 objects, no record; every helm hint then failed.
  const problem = await recordProblem([], "kserve", "kserve", CONTROLLER);
  assert.equal(
    problem,
    "Helm has no deployed release kserve in namespace kserve (no Secret sh.helm.release.v1.kserve.vN of type helm.sh/release.v1 with status deployed)",
  );
  const superseded = await recordProblem(
    [await record(MANIFEST, { status: "superseded" })],
    "kserve",
    "kserve",
    CONTROLLER,
  );
  assert.match(superseded!, /no deployed release kserve/);
  assert.match(
    describeOwner({
      by: "other",
      managers: ["kubectl"],
      helmLabels: { release: "kserve", namespace: "kserve", problem },
    }),
    /^a mix of tools: another tool \(field manager kubectl\), with Helm's labels naming release kserve in namespace kserve, which Helm cannot manage \(Helm has no deployed release .*helm upgrade and helm uninstall fail\)$/,
  );
});

Deno.test("A deployed release record that holds the controller: Helm manages it", async () => {
  const secrets = [
    await record("", { revision: 1, status: "superseded" }),
    await record(MANIFEST, { revision: 2 }),
  ];
  assert.equal(await recordProblem(secrets, "kserve", "kserve", CONTROLLER), undefined);
});

Deno.test("A deployed release record that does not hold the controller: Helm does not manage it", async () => {
  const other = MANIFEST.replace("kserve-controller-manager", "something-else");
  assert.equal(
    await recordProblem([await record(other)], "kserve", "kserve", CONTROLLER),
    "Helm's release kserve in namespace kserve (sh.helm.release.v1.kserve.v1) does not hold Deployment kserve-controller-manager",
  );
});
