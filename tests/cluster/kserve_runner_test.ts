// KServe's real controllers behind kwok's pods (the pod runner, scripts/cluster/runner/): with
// kubectl only, cert-manager v1.16.1 (the test double in tests/doubles/) and KServe v0.16.0 or
// v0.20.0 install healthy, the real webhooks admit and default, the real controller turns an
// InferenceService into a Deployment, Service and HPA, and deleting the controller gives the
// guide's "failed calling webhook". Each install starts from `cluster reset`; the last test
// resets again so that the other test files find an empty cluster.
// Run inside the cluster's netns: deno task cluster exec -- deno test -A tests/cluster/
import assert from "node:assert/strict";
import { FIXTURES } from "../support/fixtures.ts";
import {
  applyUntilDone,
  applyYaml,
  check,
  createNamespace,
  deleteNamespace,
  kubectl,
  kubectlJson,
  kubectlOk,
  type Obj,
  pidAlive,
  REPO_ROOT,
  resetCluster,
  run,
  runnerProcesses,
  say,
  secondsSince,
  waitFor,
  withNamespace,
} from "../support/cluster.ts";

type Version = "v0.16.0" | "v0.20.0";

const CERT_MANAGER = `${FIXTURES}cert-manager/v1.16.1/cert-manager.yaml`;

function isvc(name: string, opts: { namespace?: string } = {}): string {
  return JSON.stringify({
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: {
      name,
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      annotations: { "serving.kserve.io/deploymentMode": "Standard" },
    },
    spec: {
      predictor: {
        model: {
          modelFormat: { name: "sklearn" },
          storageUri: "gs://kfserving-examples/models/sklearn/1.0/model",
        },
      },
    },
  });
}

const condition = (o: Obj, type: string) =>
  (o.status?.conditions ?? []).find((c: Obj) => c.type === type)?.status;

/** Resets the cluster and installs cert-manager and KServe as a user would, with kubectl only. */
async function install(version: Version): Promise<void> {
  let start = Date.now();
  say(`cluster reset in ${(await resetCluster()).toFixed(1)}s`);
  start = Date.now();
  await applyUntilDone(CERT_MANAGER);
  await kubectlOk(["wait", "-n", "cert-manager", "--for=condition=Available", "deployment", "--all"]
    .concat(["--timeout=60s"]));
  say(`cert-manager applied and Available in ${secondsSince(start)}`);
  start = Date.now();
  if (version === "v0.20.0") {
    // v0.20.0's kserve.yaml has no Namespace object; v0.16.0's carries these labels.
    await applyYaml(JSON.stringify({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: {
        name: "kserve",
        labels: {
          "control-plane": "kserve-controller-manager",
          "controller-tools.k8s.io": "1.0",
          "istio-injection": "disabled",
        },
      },
    }));
  }
  await applyUntilDone(`${FIXTURES}kserve/${version}/kserve.yaml`);
  // Like KServe's install scripts: every controller Deployment (llmisvc serves the webhooks of
  // the LLMInferenceServiceConfigs in kserve-cluster-resources.yaml).
  await kubectlOk(["wait", "-n", "kserve", "--for=condition=Available", "deployment", "--all"]
    .concat(["--timeout=90s"]));
  say(`kserve ${version} applied and its controllers Available in ${secondsSince(start)}`);
}

/** The runner's process for kserve-controller-manager's `manager` container, if any. */
async function managerProcess() {
  return (await runnerProcesses()).find((p) =>
    p.namespace === "kserve" && p.pod.startsWith("kserve-controller-manager-") &&
    p.container === "manager"
  );
}

async function checkHealthyInstall(version: Version): Promise<void> {
  // The Certificate is Ready and cainjector put its CA into every KServe webhook configuration.
  await kubectlOk(["wait", "-n", "kserve", "--for=condition=Ready", "certificate/serving-cert"]
    .concat(["--timeout=30s"]));
  const secret = await kubectlJson<Obj>([
    "get",
    "secret",
    "-n",
    "kserve",
    "kserve-webhook-server-cert",
  ]);
  const ca = secret.data["ca.crt"];
  assert.ok(ca && secret.data["tls.crt"] && secret.data["tls.key"]);
  // cainjector fills caBundle asynchronously, maybe after the controller is Available.
  const start = Date.now();
  await waitFor("caBundle in every KServe webhook configuration", async () => {
    for (const kind of ["mutatingwebhookconfiguration", "validatingwebhookconfiguration"]) {
      const list = await kubectlJson<{ items: Obj[] }>(["get", kind]);
      const mine = list.items.filter((w) =>
        w.metadata.annotations?.["cert-manager.io/inject-ca-from"] === "kserve/serving-cert"
      );
      assert.ok(mine.length > 0, `no ${kind} injected from kserve/serving-cert`);
      for (const w of mine) {
        for (const hook of w.webhooks) {
          assert.equal(hook.clientConfig.caBundle, ca, `${kind} ${w.metadata.name}: ${hook.name}`);
        }
      }
    }
    return true;
  }, { timeoutMs: 30_000 });
  say(`caBundle injected everywhere ${secondsSince(start)} after the controller was Available`);

  // The real manager runs (the binary built for this version) and its pod is Ready.
  const proc = await managerProcess();
  assert.ok(proc?.pid && pidAlive(proc.pid), `no running manager: ${JSON.stringify(proc)}`);
  assert.equal(proc.image, `kserve/kserve-controller:${version}`);
  assert.match(
    await Deno.readLink(`/proc/${proc.pid}/exe`),
    new RegExp(`kserve-${version}/bin/manager$`),
  );
  const pod = await kubectlJson<Obj>(["get", "pod", "-n", "kserve", proc.pod]);
  assert.equal(condition(pod, "Ready"), "True");

  // A server-side dry run goes through the real defaulting and validating webhooks.
  const name = `dry-run-${version.replaceAll(".", "-")}`;
  const out = await kubectlJson<Obj>(["create", "--dry-run=server", "-f", "-"], {
    namespace: "default",
    stdin: isvc(name),
  });
  const model = out.spec.predictor.model;
  assert.deepEqual(model.resources, {}, JSON.stringify(out.spec)); // added by the defaulter
  assert.equal(model.name, "");
  const log = await kubectlOk(["logs", "-n", "kserve", proc.pod, "-c", "manager"]);
  assert.match(log, /Defaulting InferenceService/);
  assert.match(log, new RegExp(`"msg":"validate create","name":"${name}"`));
}

async function checkClusterResources(version: Version): Promise<void> {
  const start = Date.now();
  await applyUntilDone(`${FIXTURES}kserve/${version}/kserve-cluster-resources.yaml`, 30_000);
  const runtimes = await kubectlJson<{ items: Obj[] }>(["get", "clusterservingruntimes"]);
  const names = runtimes.items.map((r) => r.metadata.name);
  assert.ok(names.includes("kserve-sklearnserver"), names.join(" "));
  say(`${names.length} ClusterServingRuntimes applied in ${secondsSince(start)}`);
  // The validating webhook is the real one: it refuses a runtime that gives one model format
  // two different auto-select priorities.
  const dup = JSON.stringify({
    apiVersion: "serving.kserve.io/v1alpha1",
    kind: "ClusterServingRuntime",
    metadata: { name: "conflicting-priorities" },
    spec: {
      containers: [{ name: "kserve-container", image: "example.invalid/sklearn:1" }],
      supportedModelFormats: [
        { name: "sklearn", version: "1", autoSelect: true, priority: 1 },
        { name: "sklearn", version: "2", autoSelect: true, priority: 2 },
      ],
    },
  });
  const r = await kubectl(["create", "--dry-run=server", "-f", "-"], { stdin: dup });
  assert.ok(!r.success, "a duplicate auto-selected runtime was admitted");
  assert.match(
    r.stderr,
    /admission webhook "clusterservingruntime\.kserve-webhook-server\.validator" denied/,
  );
}

async function checkStandardIsvc(): Promise<void> {
  const start = Date.now();
  await withNamespace("isvc", async (ns) => {
    await applyYaml(isvc("sklearn-iris"), { namespace: ns });
    const ready = await waitFor("InferenceService sklearn-iris Ready", async () => {
      const o = await kubectlJson<Obj>(["get", "inferenceservice", "sklearn-iris"], {
        namespace: ns,
      });
      return condition(o, "Ready") === "True" && o;
    }, { timeoutMs: 60_000 });
    assert.equal(ready.status.deploymentMode, "Standard");
    for (const kind of ["deployment", "service", "horizontalpodautoscaler"]) {
      await kubectlOk(["get", kind, "sklearn-iris-predictor"], { namespace: ns });
    }
    const pods = await kubectlJson<{ items: Obj[] }>(
      ["get", "pods", "-l", "serving.kserve.io/inferenceservice=sklearn-iris"],
      { namespace: ns },
    );
    assert.ok(pods.items.length > 0);
    for (const pod of pods.items) {
      const inits = (pod.spec.initContainers ?? []).map((c: Obj) => c.name);
      assert.ok(inits.includes("storage-initializer"), `${pod.metadata.name}: ${inits}`);
      assert.equal(condition(pod, "Ready"), "True"); // kwok's: the model server is not run
    }
  });
  say(`Standard InferenceService Ready with Deployment, Service and HPA in ${secondsSince(start)}`);
}

/** A kserve-controller-manager look-alike that needs Secret `crash-cert` and crashes without its ConfigMap. */
const CRASHING = JSON.stringify({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "crashing" },
  spec: {
    selector: { matchLabels: { app: "crashing" } },
    template: {
      metadata: { labels: { app: "crashing" } },
      spec: {
        containers: [{
          name: "manager",
          image: "kserve/kserve-controller:v0.16.0",
          command: ["/manager"],
          args: ["--leader-elect"],
          env: [{
            name: "POD_NAMESPACE",
            valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } },
          }],
          readinessProbe: { httpGet: { path: "/readyz", port: 8081 } },
          volumeMounts: [{ name: "cert", mountPath: "/tmp/k8s-webhook-server/serving-certs" }],
        }],
        volumes: [{ name: "cert", secret: { secretName: "crash-cert" } }],
      },
    },
  },
});

Deno.test("runner: FailedMount until the Secret exists, then CrashLoopBackOff with the process's log", async () => {
  const start = Date.now();
  await withNamespace("runner-crash", async (ns) => {
    await applyYaml(CRASHING, { namespace: ns });
    const pods = () =>
      kubectlJson<{ items: Obj[] }>(["get", "pods", "-l", "app=crashing"], { namespace: ns });
    const mount = await waitFor("a FailedMount event", async () => {
      const events = await kubectlJson<{ items: Obj[] }>(["get", "events"], { namespace: ns });
      return events.items.find((e) => e.reason === "FailedMount");
    });
    assert.equal(mount.type, "Warning");
    assert.equal(
      mount.message,
      'MountVolume.SetUp failed for volume "cert" : secret "crash-cert" not found',
    );
    assert.equal(mount.source?.component, "kubelet");
    let pod = (await pods()).items[0]!;
    assert.equal(pod.status.phase, "Pending");
    assert.equal(condition(pod, "Ready"), "False");
    assert.equal(pod.status.containerStatuses[0].state.waiting?.reason, "ContainerCreating");
    assert.ok(
      !(await runnerProcesses()).some((p) => p.namespace === ns && p.pid),
      "started without its Secret",
    );

    await kubectlOk(
      ["create", "secret", "generic", "crash-cert", "--from-literal=tls.crt=x"]
        .concat(["--from-literal=tls.key=y"]),
      { namespace: ns },
    );
    pod = await waitFor("CrashLoopBackOff", async () => {
      const p = (await pods()).items[0]!;
      return p.status.containerStatuses?.[0]?.state.waiting?.reason === "CrashLoopBackOff" && p;
    }, { timeoutMs: 30_000 });
    say(`FailedMount, Secret, CrashLoopBackOff in ${secondsSince(start)}`);
    const status = pod.status.containerStatuses[0];
    assert.ok(status.restartCount >= 1, JSON.stringify(status));
    assert.equal(status.lastState.terminated?.exitCode, 1);
    assert.equal(status.ready, false);
    assert.equal(condition(pod, "Ready"), "False");
    assert.equal(pod.status.phase, "Running");

    // The log, through the API server and kwok (kubectl logs), and through the cluster script.
    const name = pod.metadata.name;
    const current = await kubectlOk(["logs", name, "-c", "manager"], { namespace: ns });
    assert.match(current, /unable to get configmap.*inferenceservice-config/);
    const previous = await kubectlOk(["logs", name, "-c", "manager", "--previous"], {
      namespace: ns,
    });
    assert.match(previous, /unable to get configmap/);
    const script = await run("bash", [
      `${REPO_ROOT}/scripts/cluster/cluster.sh`,
      "logs",
      name,
      "-n",
      ns,
    ]);
    assert.match(
      check("cluster logs", script),
      /^\{"level":"info".*\n(.*\n)*.*unable to get configmap/,
    );
  });
  await waitFor(
    "the runner to drop the deleted namespace's pod",
    async () => !(await runnerProcesses()).some((p) => p.namespace.startsWith("runner-crash-")),
  );
});

for (const version of ["v0.16.0", "v0.20.0"] as const) {
  Deno.test(`kserve ${version}: cert-manager and KServe installed with kubectl run the real controller`, async (t) => {
    await t.step("install: Certificate Ready, caBundle injected, manager running", async () => {
      await install(version);
      await checkHealthyInstall(version);
    });
    await t.step("the controller holds its leader lease in its pod's namespace", async () => {
      // As in a pod (scripts/cluster/runner/in_pod.sh): a rolling update's new controller waits.
      const lease = await waitFor("the leader lease", async () => {
        const got = await kubectl(
          ["get", "lease", "kserve-controller-manager-leader-lock", "-o", "json"],
          { namespace: "kserve" },
        );
        return got.success ? JSON.parse(got.stdout) : undefined;
      });
      assert.ok(lease.spec?.holderIdentity, JSON.stringify(lease));
    });
    await t.step(
      "kserve-cluster-resources.yaml passes the real validating webhook",
      () => checkClusterResources(version),
    );
    await t.step("a Standard sklearn InferenceService becomes Ready", () => checkStandardIsvc());
  });
}

Deno.test("kserve: deleting the controller Deployment stops the process; creates fail calling the webhook", async () => {
  try {
    if (!(await managerProcess())?.pid) await install("v0.20.0");
    const proc = (await managerProcess())!;
    const start = Date.now();
    await kubectlOk(["delete", "deployment", "-n", "kserve", "kserve-controller-manager"]);
    await waitFor("the manager process to stop", () => !pidAlive(proc.pid!), { timeoutMs: 20_000 });
    assert.equal(await managerProcess(), undefined);
    say(`manager process ${proc.pid} stopped ${secondsSince(start)} after the delete`);
    const ns = await createNamespace("no-webhook");
    try {
      const r = await kubectl(["create", "-f", "-"], {
        namespace: ns,
        stdin: isvc("sklearn-iris"),
      });
      assert.ok(!r.success, "the InferenceService was admitted without a webhook");
      assert.match(
        r.stderr,
        /failed calling webhook "inferenceservice\.kserve-webhook-server\.defaulter"/,
      );
      assert.match(r.stderr, /kserve-webhook-server-service\.kserve\.svc:443.*connection refused/);
    } finally {
      await deleteNamespace(ns);
    }
  } finally {
    say(`cluster reset in ${(await resetCluster()).toFixed(1)}s`);
  }
});
