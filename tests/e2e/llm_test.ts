/**
 * deploy --llm, list, status, stop, start and delete against KServe's real llmisvc controllers
 * (v0.16.0 and v0.20.0). The models have no router (--no-router): the controller makes them
 * Ready from the workload alone, with no Gateway implementation. GPUs are kwok-node-1's two
 * nvidia.com/gpu: where a pod goes and what the node has left are the scheduler's decisions.
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  kubectl,
  kubectlJson,
  kubectlOk,
  type Obj,
  resetCluster,
  waitFor,
} from "../support/cluster.ts";
import { installKServe, SKLEARN } from "../support/kserve.ts";
import { runPlugin } from "../support/plugin.ts";
import { runHint } from "../support/hints.ts";
import { assertUnchangedBy } from "../support/snapshot.ts";

const plugin = (args: string[]) => runPlugin(args, { env: { KUBECONFIG: adminKubeconfig() } });
const OPT = ["--llm", "--storage-uri", "hf://facebook/opt-125m", "--no-router", "--gpu", "1"];
const SELECTOR = "app.kubernetes.io/part-of=llminferenceservice,app.kubernetes.io/name=opt";

interface Pod {
  metadata: { name: string; namespace: string; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: { resources?: { requests?: Record<string, string> } }[] };
}

/** nvidia.com/gpu the scheduler has given out on each node: the requests of the pods bound there. */
async function gpusInUse(): Promise<Record<string, number>> {
  const pods = await kubectlJson<{ items: Pod[] }>(["get", "pods", "-A", "-o", "json"]);
  const used: Record<string, number> = {};
  for (const pod of pods.items) {
    if (!pod.spec.nodeName) continue;
    const gpus = pod.spec.containers.reduce(
      (sum, c) => sum + Number(c.resources?.requests?.["nvidia.com/gpu"] ?? 0),
      0,
    );
    if (gpus) used[pod.spec.nodeName] = (used[pod.spec.nodeName] ?? 0) + gpus;
  }
  return used;
}

/** The pods in namespace models that `selector` picks. */
const podsOf = (selector: string) =>
  kubectlJson<{ items: Pod[] }>(["get", "pods", "-n", "models", "-l", selector, "-o", "json"])
    .then((list) => list.items);
const modelPods = () => podsOf(SELECTOR);

interface LLMObject {
  apiVersion: string;
  metadata: { annotations?: Record<string, string> };
  spec: { template?: { containers: { name: string; resources?: unknown }[] }; replicas?: number };
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
}
const readOpt = () =>
  kubectlJson<LLMObject>(["get", "llminferenceservice", "opt", "-n", "models", "-o", "json"]);
/** kubectl annotate of the model, as a user would by hand (KEY=VALUE, or KEY- to remove it). */
const annotateOpt = (annotation: string) =>
  kubectlOk(["annotate", "llminferenceservice", "opt", "-n", "models", annotation]);
const STOP = "serving.kserve.io/stop";
const readIris = () =>
  kubectlJson<Obj>([
    "get",
    "inferenceservice",
    "iris",
    "-n",
    "models",
    "--show-managed-fields",
    "-o",
    "json",
  ]);
const condition = (object: LLMObject, type: string) =>
  object.status?.conditions?.find((c) => c.type === type);

async function fresh(version: string): Promise<void> {
  await resetCluster();
  // On a loaded machine the API server can take longer than its own 60 s to store v0.20.0's
  // CRDs; install is safe to run again, and a second run picks up where the first stopped.
  for (let attempt = 1;; attempt++) {
    try {
      await installKServe(["--version", version, "--request-timeout", "2m"]);
      break;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  await kubectlOk(["create", "namespace", "models"]);
}

/** The dry run shows the version discovery prefers, and nothing changes. */
async function assertDryRun(version: string): Promise<void> {
  const dry = await assertUnchangedBy(
    "deploy --llm --dry-run",
    () => plugin(["deploy", "opt", "-n", "models", ...OPT, "--dry-run=client", "-o", "yaml"]),
  );
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`^apiVersion: serving.kserve.io/${version}$`, "m"));
  assert.match(dry.stdout, /^kind: LLMInferenceService$/m);
  assert.match(dry.stdout, /nvidia.com\/gpu: "1"/);
}

/** deploy --wait ends Ready with the GPU pod on the node that has GPUs. */
async function deployReady(): Promise<void> {
  const deployed = await plugin(["deploy", "opt", "-n", "models", ...OPT, "--wait"]);
  assert.equal(deployed.code, 0, deployed.stderr);
  assert.match(deployed.stderr, /llminferenceservice\/opt applied/);
  assert.match(deployed.stderr, /opt is ready/);
  const object = await readOpt();
  assert.equal(condition(object, "Ready")?.status, "True");
  const main = object.spec.template?.containers.find((c) => c.name === "main");
  assert.deepEqual(main?.resources, {
    requests: { "nvidia.com/gpu": "1" },
    limits: { "nvidia.com/gpu": "1" },
  });
  const pods = await modelPods();
  assert.equal(pods.length, 1);
  assert.equal(pods[0]!.spec.nodeName, "kwok-node-1", "only kwok-node-1 has GPUs");
  assert.equal((await gpusInUse())["kwok-node-1"], 1);
}

/** list and status show the model beside the other kinds, with its tree and OpenAI URL. */
async function assertListedAndShown(): Promise<void> {
  const list = await plugin(["list", "-n", "models"]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^opt\s+llm\s+LLMInferenceService\s+True\s+-\s+1\/1/m);
  const status = await plugin(["status", "opt", "-n", "models"]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^Conditions:\n {2}Ready\s+True\n {4}PresetsCombined\s+True/m);
  assert.match(status.stdout, /^ {6}MainWorkloadReady\s+True/m);
  assert.match(
    status.stdout,
    /^OpenAI:\s+https:\/\/\S+\/api\/v1\/namespaces\/models\/services\/opt-kserve-workload-svc:8000\/proxy\/v1\/chat\/completions$/m,
  );
  assert.match(status.stdout, /^ {2}opt-kserve-\S+\s+Running\s+ready 1\/1/m);
}

/** Refusals before sending: each exits 2 and the cluster does not change. */
async function assertRefusals(): Promise<void> {
  await assertUnchangedBy("deploy --llm refusals", async () => {
    const tooMany = await plugin(["deploy", "big", "-n", "models", ...OPT, "--gpu", "3"]);
    assert.equal(tooMany.code, 2, tooMany.stderr);
    assert.match(
      tooMany.stderr,
      /--gpu 3: no node can run a pod with 3 nvidia.com\/gpu \(kwok-node-1 has 2\)/,
    );
    const scheme = await plugin([
      "deploy",
      "gs",
      "-n",
      "models",
      "--llm",
      "--storage-uri",
      "gs://bucket/model",
    ]);
    assert.equal(scheme.code, 2, scheme.stderr);
    assert.match(
      scheme.stderr,
      /gs:\/\/bucket\/model: KServe v0\.\d+\.0's llmisvc controller cannot fetch this scheme/,
    );
  });
}

Deno.test("LLMInferenceService on v0.20.0: dry run, refusals, deploy --wait, list, status, stop/start frees and takes the GPU, delete", async (t) => {
  await fresh("v0.20.0");
  await t.step("dry run shows v1alpha2 and changes nothing", () => assertDryRun("v1alpha2"));
  await t.step("refusals change nothing", assertRefusals);
  await t.step("deploy --wait: Ready, on the GPU node", deployReady);
  await t.step("a re-run writes nothing", async () => {
    const again = await assertUnchangedBy(
      "a deploy --llm re-run",
      () => plugin(["deploy", "opt", "-n", "models", ...OPT]),
    );
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /llminferenceservice\/opt unchanged/);
  });
  await t.step("list and status", assertListedAndShown);
  await t.step("stop --dry-run changes nothing", async () => {
    const dry = await assertUnchangedBy(
      "stop --dry-run=server",
      () => plugin(["stop", "opt", "-n", "models", "--dry-run=server"]),
    );
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /llminferenceservice\/opt stopped \(server dry run\)/);
  });
  await t.step("stop --wait: the pods go and the node's GPU is free again", async () => {
    const stopped = await plugin(["stop", "opt", "-n", "models", "--wait"]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.match(stopped.stderr, /opt is stopped: its pods are gone/);
    assert.deepEqual(await modelPods(), []);
    assert.equal((await gpusInUse())["kwok-node-1"] ?? 0, 0);
    const object = await readOpt();
    assert.equal(object.metadata.annotations?.["serving.kserve.io/stop"], "true");
    assert.equal(condition(object, "MainWorkloadReady")?.reason, "Stopped");
  });
  await t.step(
    "list and status show it stopped, not failed; a second stop writes nothing",
    async () => {
      const list = await plugin(["list", "-n", "models"]);
      assert.match(list.stdout, /^opt\s+llm\s+LLMInferenceService\s+Stopped\s/m);
      const status = await plugin(["status", "opt", "-n", "models"]);
      assert.equal(status.code, 0, status.stdout);
      assert.match(
        status.stdout,
        /^Ready:\s+False \(stopped on purpose; start it with: kubectl kserve start opt -n models\)$/m,
      );
      assert.doesNotMatch(status.stdout, /Diagnosis:/);
      const again = await assertUnchangedBy(
        "a second stop",
        () => plugin(["stop", "opt", "-n", "models"]),
      );
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /already stopped \(unchanged\)/);
    },
  );
  await t.step("start --wait: Ready again, the GPU taken again", async () => {
    const started = await plugin(["start", "opt", "-n", "models", "--wait"]);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stderr, /opt is ready/);
    assert.equal(condition(await readOpt(), "Ready")?.status, "True");
    assert.equal((await gpusInUse())["kwok-node-1"], 1);
  });
  await t.step("delete removes it and its workload", async () => {
    const deleted = await plugin(["delete", "opt", "-n", "models"]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stderr, /llminferenceservice opt deleted/);
    assert.equal((await kubectl(["get", "llminferenceservice", "opt", "-n", "models"])).code, 1);
    assert.deepEqual(await modelPods(), []);
  });
  await t.step(
    "stop and start an InferenceService; stop keeps deploy's spec, a re-deploy keeps it stopped",
    assertInferenceServiceStopStart,
  );
  await t.step(
    "start clears a stop annotation kubectl annotate set; a second start writes nothing",
    assertStartClearsAnnotateStop,
  );
  await t.step(
    "deploy --hf-token-secret: the pod the controller made downloads and serves with the token",
    assertHfTokenReachesPods,
  );
});

/**
 * creds hf, then deploy --llm --hf-token-secret: read on the pod the llmisvc controller made
 * (not on the spec written), the storage initializer that downloads hf:// and the server both
 * take HF_TOKEN from the Secret.
 */
async function assertHfTokenReachesPods(): Promise<void> {
  const creds = await runPlugin(["creds", "hf", "--token-from-env", "HF_TOKEN", "-n", "models"], {
    env: { KUBECONFIG: adminKubeconfig(), HF_TOKEN: "hf_e2eTokenNotReal" },
  });
  assert.equal(creds.code, 0, creds.stderr);
  const deployed = await plugin([
    "deploy",
    "gated",
    "-n",
    "models",
    "--llm",
    "--storage-uri",
    "hf://meta-llama/Llama-3.2-1B",
    "--no-router",
    "--hf-token-secret",
    "hf-token",
    "--wait",
  ]);
  assert.equal(deployed.code, 0, deployed.stderr);
  const [pod] = await kubectlJson<{ items: Obj[] }>(
    ["get", "pods", "-n", "models", "-l", "app.kubernetes.io/name=gated", "-o", "json"],
  ).then((list) => list.items);
  assert.ok(pod, "the controller made a pod");
  const tokenFrom = (container: Obj | undefined) =>
    container?.env?.find((e: Obj) => e.name === "HF_TOKEN")?.valueFrom?.secretKeyRef;
  const init = pod.spec.initContainers?.find((c: Obj) => c.name === "storage-initializer");
  assert.deepEqual(tokenFrom(init), { name: "hf-token", key: "HF_TOKEN" }, JSON.stringify(init));
  const main = pod.spec.containers.find((c: Obj) => c.name === "main");
  assert.deepEqual(tokenFrom(main), { name: "hf-token", key: "HF_TOKEN" }, JSON.stringify(main));
  const deleted = await plugin(["delete", "gated", "-n", "models"]);
  assert.equal(deleted.code, 0, deleted.stderr);
}

/** stop and start of an InferenceService: the same annotation, its controller's Stopped condition. */
async function assertInferenceServiceStopStart(): Promise<void> {
  const deployed = await plugin(["deploy", "iris", "-n", "models", ...SKLEARN, "--wait"]);
  assert.equal(deployed.code, 0, deployed.stderr);
  const irisPods = () => podsOf("serving.kserve.io/inferenceservice=iris");
  const spec = (await readIris()).spec;
  const stopped = await plugin(["stop", "iris", "-n", "models", "--wait"]);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stderr, /inferenceservice\/iris stopped/);
  assert.deepEqual(await irisPods(), []);
  assert.deepEqual((await readIris()).spec, spec, "stop changes no field deploy applied");
  const list = await plugin(["list", "-n", "models"]);
  assert.match(list.stdout, /^iris\s+kserve\s+\S+\s+Stopped\s/m);
  const redeployed = await plugin(["deploy", "iris", "-n", "models", ...SKLEARN]);
  assert.equal(redeployed.code, 0, redeployed.stderr);
  assert.equal(
    (await readIris()).metadata.annotations?.[STOP],
    "true",
    "a re-deploy keeps a stopped model stopped",
  );
  const started = await plugin(["start", "iris", "-n", "models", "--wait"]);
  assert.equal(started.code, 0, started.stderr);
  assert.match(started.stderr, /iris is ready/);
  assert.equal((await irisPods()).length, 1);
}

/**
 * start clears a stop annotation another field manager wrote (kubectl annotate) once the
 * controller has stopped the model, and leaves no manager holding it; a second start writes
 * nothing.
 */
async function assertStartClearsAnnotateStop(): Promise<void> {
  await kubectlOk(["annotate", "inferenceservice", "iris", "-n", "models", `${STOP}=true`]);
  const holders = (object: Obj) =>
    (object.metadata.managedFields ?? []).filter((f: Obj) =>
      JSON.stringify(f.fieldsV1 ?? {}).includes(`f:${STOP}`)
    ).map((f: Obj) => f.manager);
  assert.deepEqual(holders(await readIris()), ["kubectl-annotate"]);
  await waitFor(
    "the controller to report iris stopped",
    async () =>
      ((await readIris()).status?.conditions ?? []).some((c: Obj) =>
        c.type === "Stopped" && c.status === "True"
      ),
  );
  const started = await plugin(["start", "iris", "-n", "models", "--wait"]);
  assert.equal(started.code, 0, started.stderr);
  assert.match(started.stderr, /inferenceservice\/iris started\n/);
  assert.match(started.stderr, /iris is ready/);
  const iris = await readIris();
  assert.equal(iris.metadata.annotations?.[STOP], undefined);
  assert.deepEqual(holders(iris), []);
  const again = await assertUnchangedBy(
    "a second start",
    () => plugin(["start", "iris", "-n", "models"]),
  );
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /inferenceservice\/iris already started \(unchanged\)/);
}

Deno.test("LLMInferenceService on v0.16.0: v1alpha1, stop refused because its controller keeps the pods, replicas 0 frees the GPU, no controller refused", async (t) => {
  await fresh("v0.16.0");
  await t.step("dry run shows v1alpha1 and changes nothing", () => assertDryRun("v1alpha1"));
  await t.step("refusals change nothing", assertRefusals);
  await t.step("deploy --wait: Ready, on the GPU node", deployReady);
  await t.step("list and status", assertListedAndShown);
  let hint = "";
  await t.step("stop is refused with the reason, changing nothing", async () => {
    const refused = await assertUnchangedBy(
      "stop on v0.16.0",
      () => plugin(["stop", "opt", "-n", "models"]),
    );
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /KServe v0\.16\.0's llmisvc controller ignores serving\.kserve\.io\/stop/,
    );
    hint = /hint: (.*)/.exec(refused.stderr)?.[1] ?? "";
  });
  await t.step("the reason is true: annotated by hand, its pods, GPU and Ready stay", async () => {
    await annotateOpt("serving.kserve.io/stop=true");
    // The controller reconciles the change (its generation is unchanged: only metadata).
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    assert.equal((await modelPods()).length, 1);
    assert.equal((await gpusInUse())["kwok-node-1"], 1);
    assert.equal(condition(await readOpt(), "Ready")?.status, "True");
    const status = await plugin(["status", "opt", "-n", "models"]);
    assert.match(status.stdout, /^Ready:\s+True$/m, "a stop that did not happen is not shown");
    await annotateOpt("serving.kserve.io/stop-");
  });
  await t.step("the hint frees the GPU there: replicas 0 takes the pods down", async () => {
    assert.equal(await runHint(hint), 1);
    await waitFor("the workload's pods to go", async () => (await modelPods()).length === 0, {
      timeoutMs: 60_000,
    });
    assert.equal((await gpusInUse())["kwok-node-1"] ?? 0, 0);
    assert.equal((await readOpt()).spec.replicas, 0);
  });
  await t.step("delete, then --llm without the llmisvc controller is refused", async () => {
    const deleted = await plugin(["delete", "opt", "-n", "models"]);
    assert.equal(deleted.code, 0, deleted.stderr);
    await kubectlOk(["delete", "deployment", "llmisvc-controller-manager", "-n", "kserve"]);
    const refused = await assertUnchangedBy(
      "deploy --llm without its controller",
      () => plugin(["deploy", "opt", "-n", "models", ...OPT]),
    );
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /has no LLMInferenceService controller \(no Deployment llmisvc-controller-manager\)/,
    );
  });
});
