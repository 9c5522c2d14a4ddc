/**
 * install --llm and check --llm on the real llmisvc controllers of v0.20.0 and v0.16.0, with the
 * Gateway API double (scripts/cluster/gateway-api-double.yaml) as the Gateway implementation:
 * refused without a GatewayClass, nothing changed; the dry run changes nothing; the install keeps
 * another owner's CRD and restarts llmisvc; a re-run writes nothing; and the field reports (a
 * missing preset, the other release's InferencePool group) named with hints that fix them.
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  applyYaml,
  kubectl,
  kubectlJson,
  kubectlOk,
  resetCluster,
  waitFor,
} from "../support/cluster.ts";
import { installKServe } from "../support/kserve.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { deleteShippedPreset, installGatewayDouble } from "../support/gateway_api.ts";
import { runCheck, untilCheckPasses } from "../support/plugin_json.ts";
import { assertHintParses, runHint } from "../support/hints.ts";
import { assertSameCluster, assertUnchangedBy, settledSnapshot } from "../support/snapshot.ts";

const TIMEOUT = ["--request-timeout", "2m"];
const check = (args: string[] = []) => runCheck(args, adminKubeconfig());
const LLM = ["--llm", "--gateway-class", "test-double"];

/**
 * Runs `step` (an install, or a hint that re-applies KServe) again once when the API server timed
 * a request out: the shared test machine runs several clusters on two cores, and an interrupted
 * install converges when run again, as README says.
 */
async function onceMoreOnTimeout<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!/request did not complete within requested timeout/.test(String(error))) throw error;
    return await step();
  }
}

const installFresh = (version: string) =>
  onceMoreOnTimeout(() => installKServe(["--version", version, ...TIMEOUT]));
const runInstallHint = (hint: string) => onceMoreOnTimeout(() => runHint(hint));

/** An LLMInferenceService with a router (route, gateway, scheduler), as plain YAML. */
function llmService(name: string, namespace: string, apiVersion: string, extra = "") {
  return `apiVersion: serving.kserve.io/${apiVersion}
kind: LLMInferenceService
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  model: {uri: "hf://facebook/opt-125m", name: facebook/opt-125m}
  replicas: 1
  router: {route: {}, gateway: {}, scheduler: {}}
${extra}`;
}

async function presetsCombined(name: string, namespace: string) {
  return await waitFor(`PresetsCombined of ${name}`, async () => {
    const svc = await kubectlJson<{ status?: { conditions?: { type: string; status: string }[] } }>(
      ["get", "llminferenceservice", name, "-n", namespace, "-o", "json"],
    );
    const c = svc.status?.conditions?.find((c) => c.type === "PresetsCombined");
    return c?.status === "False" ? c : undefined;
  }, { timeoutMs: 60_000 });
}

Deno.test("install --llm on v0.20.0: refused without a GatewayClass, then with the Gateway API double, a missing preset named and fixed", async (t) => {
  await resetCluster();
  await installFresh("v0.20.0");

  await t.step(
    "no GatewayClass: refused before changing anything, check names the missing CRDs",
    async () => {
      const refused = await assertUnchangedBy(
        "install --llm without a GatewayClass",
        () => installKServe(["--version", "v0.20.0", ...LLM, ...TIMEOUT]).catch((e) => e as Error),
      );
      assert.match(
        String(refused),
        /GatewayClass "test-double" does not exist; no GatewayClass exists/,
      );
      const summary = await check(["--llm"]);
      assert.equal(summary.byId("llm.gateway-api-crds")?.result, "fail");
      assert.match(
        summary.byId("llm.gateway-api-crds")!.error!,
        /gateways\.gateway\.networking\.k8s\.io does not exist/,
      );
      assert.equal(summary.byId("llm.gateway-api-crds")?.transient, undefined);
      // Not run here: no Gateway implementation exists yet, so install --llm would refuse.
      await assertHintParses(summary.byId("llm.gateway-api-crds")!.hint!);
    },
  );

  await installGatewayDouble("v1.5.1");

  await t.step("the dry run changes nothing", async () => {
    await assertUnchangedBy(
      "install --llm --dry-run=client",
      () => installKServe(["--version", "v0.20.0", ...LLM, "--dry-run=client", ...TIMEOUT]),
    );
  });

  await t.step(
    "install keeps the implementation's CRD, creates the Gateway, restarts llmisvc",
    async () => {
      const result = await onceMoreOnTimeout(() =>
        installKServe(["--version", "v0.20.0", ...LLM, ...TIMEOUT, "-o", "json"])
      );
      const report = JSON.parse(result.stdout);
      const llm = report.components.find((c: { name: string }) => c.name === "gateway-api");
      assert.ok(llm.writes.includes("created Gateway kserve/kserve-ingress-gateway"), llm.writes);
      assert.ok(
        llm.writes.some((w: string) =>
          w.startsWith("restarted Deployment kserve/llmisvc-controller-manager: pod")
        ),
        llm.writes,
      );
      assert.ok(
        report.notes.some((n: string) =>
          /gatewayclasses.gateway.networking.k8s.io v1.5.1: installed by another tool \(field manager gateway-implementation\); kept/
            .test(n)
        ),
        report.notes,
      );
      const summary = await untilCheckPasses(["--llm"], adminKubeconfig());
      assert.match(summary.byId("llm.gateway")!.note!, /address 192\.0\.2\.80/);
    },
  );

  await t.step("a re-run writes nothing", async () => {
    const before = await settledSnapshot();
    await installKServe(["--version", "v0.20.0", ...LLM, ...TIMEOUT]);
    assertSameCluster(before, await settledSnapshot(), "install --llm re-run");
  });

  await t.step(
    "a missing shipped preset and a missing own preset are named, the hint fixes the first",
    async () => {
      await kubectlOk(["create", "namespace", "llm"]);
      await deleteShippedPreset("kserve-config-llm-scheduler");
      await applyYaml(llmService("sched", "llm", "v1alpha2"));
      await applyYaml(llmService("own", "llm", "v1alpha2", "  baseRefs: [{name: my-preset}]\n"));
      await presetsCombined("sched", "llm");
      await presetsCombined("own", "llm");
      // No --llm: LLMInferenceServices exist, so check runs the LLM checks.
      const presets = (await check()).byId("llm.presets")!;
      assert.equal(presets.result, "fail");
      assert.match(
        presets.error!,
        /LLMInferenceService llm\/sched: preset LLMInferenceServiceConfig "kserve-config-llm-scheduler" not found; looked for in namespace llm, then kserve \(PresetsCombined False, ConfigNotFound\)\. It ships in KServe v0\.20\.0's kserve-cluster-resources\.yaml/,
      );
      assert.match(
        presets.error!,
        /LLMInferenceService llm\/own: preset LLMInferenceServiceConfig "my-preset" not found; looked for in namespace llm, then kserve .*No KServe release ships it/,
      );
      await runInstallHint(presets.hint!);
      await kubectlOk(["delete", "llminferenceservice", "own", "-n", "llm"]);
      await untilCheckPasses(["--llm"], adminKubeconfig());
    },
  );

  await t.step(
    "without its InferencePool CRD, inference.networking.k8s.io is named as missing",
    async () => {
      await kubectlOk(["delete", "crd", "inferencepools.inference.networking.k8s.io"]);
      const failure = (await check(["--llm"])).byId("llm.inferencepool-crd")!;
      assert.equal(failure.result, "fail");
      assert.match(
        failure.error!,
        /CRD inferencepools\.inference\.networking\.k8s\.io does not exist; only inferencepools\.inference\.networking\.x-k8s\.io \(v1alpha2\) exists.*reconciles InferencePools of inference\.networking\.k8s\.io\/v1.*ships in KServe v0\.20\.0's kserve\.yaml/,
      );
      await runInstallHint(failure.hint!);
      assert.equal((await check(["--llm"])).byId("llm.inferencepool-crd")?.result, "pass");
    },
  );
});

Deno.test("check --llm on v0.16.0 with v0.20.0's InferencePool group names the missing group, and the hints fix it", async () => {
  await resetCluster();
  await installFresh("v0.16.0");
  await installGatewayDouble("v1.2.1");
  await installKServe(["--version", "v0.16.0", ...LLM, ...TIMEOUT]);
  await kubectlOk(["delete", "crd", "inferencepools.inference.networking.x-k8s.io"]);
  const text = await Deno.readTextFile(`${FIXTURES}kserve/v0.20.0/kserve.yaml`);
  await applyYaml(
    text.split(/^---$/m).find((d) =>
      d.includes("name: inferencepools.inference.networking.k8s.io")
    )!,
  );
  await kubectlOk(["rollout", "restart", "deployment/llmisvc-controller-manager", "-n", "kserve"]);
  await kubectlOk([
    "rollout",
    "status",
    "deployment/llmisvc-controller-manager",
    "-n",
    "kserve",
    "--timeout=120s",
  ]);
  // The real controller: the model's InferencePool cannot be created, the model is never Ready.
  await kubectlOk(["create", "namespace", "llm"]);
  await applyYaml(llmService("pool", "llm", "v1alpha1"));
  await waitFor("the controller's InferencePool failure", async () => {
    const events = await kubectlOk([
      "get",
      "events",
      "-n",
      "llm",
      "-o",
      "jsonpath={.items[*].message}",
    ]);
    return /no matches for kind "InferencePool" in version "inference\.networking\.x-k8s\.io\/v1alpha2"/
      .test(events);
  }, { timeoutMs: 90_000 });
  const failure = (await check(["--llm"])).byId("llm.inferencepool-crd")!;
  assert.equal(failure.result, "fail");
  assert.match(
    failure.error!,
    /CRD inferencepools\.inference\.networking\.x-k8s\.io does not exist; only inferencepools\.inference\.networking\.k8s\.io \(v1\) exists, of another group\. KServe v0\.16\.0's llmisvc controller reconciles InferencePools of inference\.networking\.x-k8s\.io\/v1alpha2/,
  );
  await runInstallHint(failure.hint!);
  // The CRD is back, newer than the running controller: it does not watch it until restarted.
  const blind = (await check(["--llm"])).byId("llm.controller-saw-crds")!;
  assert.equal(blind.result, "fail", JSON.stringify(blind));
  assert.match(blind.error!, /started before CustomResourceDefinition/);
  await runHint(blind.hint!);
  await waitFor(
    "llm.controller-saw-crds to pass",
    async () => (await check(["--llm"])).byId("llm.controller-saw-crds")?.result === "pass",
    { timeoutMs: 90_000 },
  );
  // The other group's CRD is not v0.16.0's: it goes, as the cluster had it from no release.
  await kubectl(["delete", "crd", "inferencepools.inference.networking.k8s.io"]);
});
