/**
 * deploy and things being deleted: a Terminating namespace, a model whose delete has not
 * finished, a model deleted while `deploy --wait` watches it, and what `delete` removes, keeps
 * and waits for. Deployment backend (no KServe).
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
import { assertUnchangedBy } from "../support/snapshot.ts";

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
    const result = await assertUnchangedBy(
      "a deploy into a Terminating namespace",
      () =>
        runPlugin(["deploy", "m", ...SKLEARN, "--backend", "deployment", "-n", ns], { env: env() }),
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
      const result = await assertUnchangedBy(
        "a deploy over a model being deleted",
        () =>
          runPlugin(["deploy", "m", ...SKLEARN, "--backend", "deployment", "-n", ns], {
            env: env(),
          }),
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

/** Deploys NAME with the deployment backend into `ns`. */
const deployPlain = (name: string, ns: string, extra: string[] = []) =>
  runPlugin(["deploy", name, ...SKLEARN, "--backend", "deployment", "-n", ns, ...extra], {
    env: env(),
  });

/** The model's own pods and ReplicaSets, by the pair of labels the deployment backend sets. */
async function ownedBy(name: string, ns: string): Promise<string[]> {
  const list = await kubectlJson<{ items: { kind: string; metadata: { name: string } }[] }>([
    "get",
    "replicasets,pods",
    "-n",
    ns,
    "-l",
    `app.kubernetes.io/name=${name},app.kubernetes.io/managed-by=kubectl-kserve`,
    "-o",
    "json",
  ]);
  return list.items.map((o) => `${o.kind}/${o.metadata.name}`);
}

/** Another app's Deployment, Service and HPA named web-api, labelled app.kubernetes.io/name=web. */
function otherApp(ns: string): string {
  const labels = { "app.kubernetes.io/name": "web", tier: "api" };
  const metadata = { name: "web-api", namespace: ns, labels };
  return JSON.stringify({
    apiVersion: "v1",
    kind: "List",
    items: [
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata,
        spec: {
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: "api", image: "registry.invalid/web-api:1" }] },
          },
        },
      },
      {
        apiVersion: "v1",
        kind: "Service",
        metadata,
        spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
      },
      {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web-api" },
          minReplicas: 1,
          maxReplicas: 2,
        },
      },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web", namespace: ns, labels } },
    ],
  });
}

Deno.test("delete removes the deployment backend's Deployment, Service and HPA with their pods, and keeps another app's objects of similar names and labels; list shows a model that is not Ready", async () => {
  await withNamespace("delete-plain", async (ns) => {
    const web = await deployPlain("web", ns, ["--wait", "--timeout", "60s"]);
    assert.equal(web.code, 0, web.stderr);
    // A second model that asks for GPUs no node has: its pod is never scheduled, never Ready.
    const web2 = await deployPlain("web2", ns, ["--gpu", "4"]);
    assert.equal(web2.code, 0, web2.stderr);
    await applyYaml(otherApp(ns));
    const otherPods = async () =>
      (await kubectlJson<{ items: unknown[] }>(
        ["get", "pods", "-n", ns, "-l", "tier=api", "-o", "json"],
      )).items.length;
    await waitFor("the other app's pod", async () => await otherPods() > 0, {
      timeoutMs: 30_000,
      intervalMs: 500,
    });

    const listed = await runPlugin(["list", "-n", ns, "-o", "json"], { env: env() });
    assert.equal(listed.code, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout).items.map((
      r: { name: string; ready: boolean; replicas: string },
    ) => [r.name, r.ready, r.replicas]);
    assert.deepEqual(rows, [["web", true, "1/1"], ["web2", false, "0/1"]]);
    const table = await runPlugin(["list", "-n", ns], { env: env() });
    assert.match(table.stdout, /^web2 +deployment +Deployment +False +\S+ +0\/1 /m);

    const objects = async () =>
      (await kubectlJson<{ items: { kind: string; metadata: { name: string } }[] }>(
        ["get", "deployments,services,hpa,configmaps", "-n", ns, "-o", "json"],
      )).items.map((o) => `${o.kind}/${o.metadata.name}`)
        .filter((o) => o !== "ConfigMap/kube-root-ca.crt").sort();
    const deleted = await runPlugin(["delete", "web", "-n", ns], { env: env() });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stderr, /deployment, service and hpa web deleted/);
    assert.deepEqual(await objects(), [
      "ConfigMap/web",
      "Deployment/web-api",
      "Deployment/web2",
      "HorizontalPodAutoscaler/web-api",
      "HorizontalPodAutoscaler/web2",
      "Service/web-api",
      "Service/web2",
    ]);
    // Nothing the model owned is left when delete returns (foreground, as kubectl
    // --cascade=foreground), and the other app's pod is still there.
    assert.deepEqual(await ownedBy("web", ns), []);
    assert.equal(await otherPods(), 1);
  });
});

Deno.test("delete waits for the model's pods: one held by a finalizer keeps it waiting until --timeout, and the name is not deployed again meanwhile", async () => {
  await withNamespace("delete-slow", async (ns) => {
    const web = await deployPlain("web", ns, ["--wait", "--timeout", "60s"]);
    assert.equal(web.code, 0, web.stderr);
    const pod = (await ownedBy("web", ns)).find((o) => o.startsWith("Pod/"))!.slice(4);
    await kubectlOk([
      "patch",
      "pod",
      pod,
      "-n",
      ns,
      "--type=merge",
      "-p",
      `{"metadata":{"finalizers":["${HOLD}"]}}`,
    ]);
    try {
      const started = Date.now();
      const held = await runPlugin(["delete", "web", "-n", ns, "--timeout", "8s"], { env: env() });
      assert.equal(held.code, 124, held.stderr);
      assert.match(held.stderr, /still present: web \(blocked by finalizer foregroundDeletion\)/);
      assert.ok(Date.now() - started >= 8000, "it waited for the pod");
      const again = await deployPlain("web", ns);
      assert.equal(again.code, 1, again.stderr);
      assert.match(again.stderr, new RegExp(`"web" in ${ns} is still being deleted`));
    } finally {
      await release("pod", pod, ns);
    }
    await waitGone(["deployment", "web", "-n", ns]);
    assert.deepEqual(await ownedBy("web", ns), []);
  });
});

Deno.test("delete waits for a pod of the model the garbage collector deletes after the model, and neither waits for nor deletes a labelled copy nobody owns", async () => {
  await withNamespace("delete-late-pod", async (ns) => {
    const web = await deployPlain("web", ns, ["--wait", "--timeout", "60s"]);
    assert.equal(web.code, 0, web.stderr);
    const [rs] = (await kubectlJson<{ items: { metadata: { name: string; uid: string } }[] }>(
      ["get", "replicasets", "-n", ns, "-l", "app.kubernetes.io/name=web", "-o", "json"],
    )).items;
    const labels = {
      "app.kubernetes.io/name": "web",
      "app.kubernetes.io/managed-by": "kubectl-kserve",
    };
    const pod = (name: string, extra: Record<string, unknown>) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: ns, labels, ...extra },
      spec: { containers: [{ name: "kserve-container", image: "example.invalid/x" }] },
    });
    // The input: a pod of the model's ReplicaSet the foreground deletion does not wait for (as
    // one the garbage collector has not seen yet), which the collector deletes once its owner
    // is gone; a finalizer keeps it Terminating, as a process still stopping would.
    await applyYaml(JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        pod("web-late", {
          finalizers: [HOLD],
          ownerReferences: [{
            apiVersion: "apps/v1",
            kind: "ReplicaSet",
            name: rs!.metadata.name,
            uid: rs!.metadata.uid,
            blockOwnerDeletion: false,
          }],
        }),
      ],
    }));
    let done = false;
    const deleting = runPlugin(["delete", "web", "-n", ns, "--timeout", "60s"], { env: env() })
      .finally(() => done = true);
    try {
      await waitGone(["deployment", "web", "-n", ns]);
      // The sibling: a pod with the model's labels and no owner, made once its ReplicaSet is
      // gone (which would adopt it): nobody deletes it, so delete must not wait for it.
      await applyYaml(JSON.stringify(pod("web-debug", {})));
      const late = await waitFor(
        "the garbage collector to delete the late pod",
        async () =>
          (await kubectlJson<{ metadata: { deletionTimestamp?: string } }>(
            ["get", "pod", "web-late", "-n", ns, "-o", "json"],
          )).metadata.deletionTimestamp,
      );
      assert.ok(late);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      assert.equal(done, false, "delete returned while the model's pod was still there");
    } finally {
      await release("pod", "web-late", ns);
    }
    const deleted = await deleting;
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await ownedBy("web", ns), ["Pod/web-debug"]);
  });
});
