/**
 * deploy and things being deleted: a Terminating namespace, a model whose delete has not
 * finished, and a model deleted while `deploy --wait` watches it. Deployment backend (no KServe).
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  applyYaml,
  kubectlJson,
  kubectlOk,
  uniqueName,
  waitFor,
  waitGone,
  withNamespace,
} from "../support/cluster.ts";
import { runPlugin } from "../support/plugin.ts";
import { SKLEARN } from "../support/kserve.ts";

const env = () => ({ KUBECONFIG: adminKubeconfig() });
const HOLD = "kubectl-kserve.test/hold";
const release = (kind: string, name: string, ns: string) =>
  kubectlOk([
    "patch",
    kind,
    name,
    "-n",
    ns,
    "--type=merge",
    "-p",
    '{"metadata":{"finalizers":null}}',
  ]);

/** A Deployment labelled and selected as the deployment backend makes its own. */
function plainDeployment(
  name: string,
  ns: string,
  extra: { finalizer?: boolean; paused?: boolean },
) {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels: {app.kubernetes.io/managed-by: kubectl-kserve, kubectl-kserve/backend: deployment}
  ${extra.finalizer ? `finalizers: [${HOLD}]` : ""}
spec:
  paused: ${extra.paused === true}
  selector: {matchLabels: {app.kubernetes.io/name: ${name}, app.kubernetes.io/managed-by: kubectl-kserve}}
  template:
    metadata: {labels: {app.kubernetes.io/name: ${name}, app.kubernetes.io/managed-by: kubectl-kserve}}
    spec: {containers: [{name: kserve-container, image: example.invalid/x}]}
`;
}

Deno.test("deploy refuses a Terminating namespace with exit 2, and creates nothing", async () => {
  const ns = uniqueName("deploy-terminating");
  await kubectlOk(["create", "namespace", ns]);
  await applyYaml(
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hold, namespace: ${ns}, finalizers: [${HOLD}]}\n`,
  );
  await kubectlOk(["delete", "namespace", ns, "--wait=false"]);
  try {
    const result = await runPlugin(
      ["deploy", "m", ...SKLEARN, "--backend", "deployment", "-n", ns],
      { env: env() },
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`Namespace "${ns}" is being deleted \\(Terminating\\)`));
    assert.match(result.stderr, /kubectl wait --for=delete namespace\//);
    const left = await kubectlJson<{ items: unknown[] }>([
      "get",
      "deployments",
      "-n",
      ns,
      "-o",
      "json",
    ]);
    assert.deepEqual(left.items, []);
  } finally {
    await release("configmap", "hold", ns);
    await waitGone(["namespace", ns]);
  }
});

Deno.test("deploy refuses a model whose delete has not finished, instead of updating it", async () => {
  await withNamespace("deploy-deleting", async (ns) => {
    await applyYaml(plainDeployment("m", ns, { finalizer: true }));
    await kubectlOk(["delete", "deployment", "m", "-n", ns, "--wait=false"]);
    try {
      const result = await runPlugin(
        ["deploy", "m", ...SKLEARN, "--backend", "deployment", "-n", ns],
        { env: env() },
      );
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`"m" in ${ns} is still being deleted`));
      const services = await kubectlJson<{ items: unknown[] }>(
        ["get", "services", "-n", ns, "-o", "json"],
      );
      assert.deepEqual(services.items, [], "nothing is applied");
    } finally {
      await release("deployment", "m", ns);
    }
  });
});

Deno.test("deploy --wait ends as soon as the model it waits for is deleted", async () => {
  await withNamespace("deploy-deleted", async (ns) => {
    // Paused by another field manager, the rollout never starts, so only the delete ends the wait.
    // That manager also set the image, which this deploy takes knowingly (--force-conflicts).
    await applyYaml(plainDeployment("m", ns, { paused: true }));
    const waiting = runPlugin(
      [
        "deploy",
        "m",
        ...SKLEARN,
        "--backend",
        "deployment",
        "-n",
        ns,
        "--force-conflicts",
        "--wait",
        "--timeout",
        "2m",
      ],
      { env: env() },
    );
    await waitFor("deploy to apply its HPA", async () => {
      const hpa = await kubectlJson<{ items: unknown[] }>(["get", "hpa", "-n", ns, "-o", "json"]);
      return hpa.items.length > 0;
    });
    const started = Date.now();
    await kubectlOk(["delete", "deployment", "m", "-n", ns, "--wait=false"]);
    const result = await waiting;
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /failed: it was deleted while waiting/);
    assert.ok(Date.now() - started < 30_000, "ends long before the timeout");
  });
});
