/**
 * A routed LLMInferenceService (HTTPRoute, InferencePool and scheduler) on KServe's real llmisvc
 * controller, through the Gateway API double after `install --llm --gateway-class test-double`:
 * deploy --wait ends Ready, status shows the route, the pool and the OpenAI URL, chat answers;
 * --wait fails fast on a False leaf; and check --llm's controller, GatewayClass and Gateway
 * checks each fail on a cluster in that state, with a hint that fixes it.
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  applyYaml,
  kubectlJson,
  kubectlOk,
  resetCluster,
} from "../support/cluster.ts";
import { installKServe, kserveConfigJson, patchKServeConfig } from "../support/kserve.ts";
import { runPlugin } from "../support/plugin.ts";
import { runCheck, untilCheckPasses } from "../support/plugin_json.ts";
import { runHint } from "../support/hints.ts";
import {
  deleteShippedPreset,
  DOUBLE_CLASS,
  installGatewayDouble,
  scaleGatewayDouble,
} from "../support/gateway_api.ts";

const TIMEOUT = ["--request-timeout", "2m"];
const plugin = (args: string[]) => runPlugin(args, { env: { KUBECONFIG: adminKubeconfig() } });
const check = (args: string[] = ["--llm"]) => runCheck(args, adminKubeconfig());
const MODEL = ["--llm", "--storage-uri", "hf://facebook/opt-125m"];
/** vLLM serves the model as --model-name: chat must ask for that name, not the object's. */
const SERVED = ["--model-name", "facebook/opt-125m"];

interface Conditioned {
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
}
const conditionOf = async (kind: string, name: string, namespace: string, type: string) =>
  (await kubectlJson<Conditioned>(["get", kind, name, "-n", namespace, "-o", "json"]))
    .status?.conditions?.find((c) => c.type === type);

/**
 * installKServe, run again (up to three times) when the API server timed a request out: the
 * shared test machine runs several clusters on two cores, and a second run picks up where the
 * first stopped.
 */
async function install(args: string[]): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      await installKServe([...args, ...TIMEOUT]);
      return;
    } catch (error) {
      if (attempt === 3 || !/request did not complete|Timeout/.test(String(error))) throw error;
    }
  }
}

async function installRouted(version: string, gatewayApi: string): Promise<void> {
  await resetCluster();
  await install(["--version", version]);
  await installGatewayDouble(gatewayApi);
  await install(["--version", version, "--llm", "--gateway-class", DOUBLE_CLASS]);
  await kubectlOk(["create", "namespace", "models"]);
}

/**
 * deploy --llm with the router: Ready from the object, the route and the pool of `poolGroup`
 * Accepted in status (the pool its HTTPRoute routes to: v0.20.0 writes one in each group and
 * routes to x-k8s.io's, so the other is shown without a Gateway's status).
 */
async function assertRoutedReady(poolGroup: string): Promise<void> {
  const deployed = await plugin(["deploy", "opt", "-n", "models", ...MODEL, ...SERVED, "--wait"]);
  assert.equal(deployed.code, 0, deployed.stderr);
  assert.match(deployed.stderr, /opt is ready/);
  assert.equal(
    (await conditionOf("llminferenceservice", "opt", "models", "Ready"))?.status,
    "True",
  );
  assert.equal(
    (await conditionOf("llminferenceservice", "opt", "models", "RouterReady"))?.status,
    "True",
  );
  const status = await plugin(["status", "opt", "-n", "models"]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^ {4}RouterReady\s+True$/m, status.stdout);
  assert.match(
    status.stdout,
    /^ {2}HTTPRoute\/opt-kserve-route: Accepted=True.*ResolvedRefs=True/m,
  );
  assert.match(
    status.stdout,
    new RegExp(`^ {2}InferencePool/opt-inference-pool \\(${poolGroup}\\): Accepted=True`, "m"),
  );
  assert.match(
    status.stdout,
    /^Address:\s+http:\/\/opt-kserve-workload-svc\.models\.svc\.cluster\.local:8000$/m,
  );
  assert.match(
    status.stdout,
    /^OpenAI:\s+https:\/\/\S+\/api\/v1\/namespaces\/models\/services\/opt-kserve-workload-svc:8000\/proxy\/v1\/chat\/completions$/m,
  );
}

async function assertChatAnswers(): Promise<void> {
  const chat = await plugin(["chat", "opt", "-n", "models", "-m", "Hi", "--no-stream"]);
  assert.equal(chat.code, 0, chat.stderr);
  assert.match(chat.stdout, /facebook\/opt-125m heard: Hi/);
}

/**
 * The ingress config's enableLLMInferenceServiceTLS on (v0.17+): the controller names the
 * workload Service's port https and the presets pass vLLM its certificate, so vLLM (the double,
 * as the pod runner plays it) speaks only HTTPS. status and chat go through the proxy's https:
 * scheme, and chat answers. The setting is put back and the model deleted after.
 */
async function assertChatOverTls(): Promise<void> {
  const ingress = await kserveConfigJson("ingress");
  await patchKServeConfig("ingress", { ...ingress, enableLLMInferenceServiceTLS: true });
  try {
    const deployed = await plugin(
      ["deploy", "secure", "-n", "models", ...MODEL, ...SERVED, "--no-router", "--wait"],
    );
    assert.equal(deployed.code, 0, deployed.stderr);
    const service = await kubectlJson<{ spec: { ports: { name: string }[] } }>(
      ["get", "service", "secure-kserve-workload-svc", "-n", "models", "-o", "json"],
    );
    assert.equal(service.spec.ports[0]?.name, "https");
    const workload = await kubectlOk(
      ["get", "deployment", "secure-kserve", "-n", "models", "-o", "jsonpath={.spec}"],
    );
    assert.match(workload, /--ssl-certfile/, "vLLM is given its certificate");
    const chat = await plugin(["chat", "secure", "-n", "models", "-m", "Hi", "--no-stream"]);
    assert.equal(chat.code, 0, chat.stderr);
    assert.match(chat.stdout, /facebook\/opt-125m heard: Hi/);
    const status = await plugin(["status", "secure", "-n", "models"]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      /^OpenAI:\s+https:\/\/\S+\/api\/v1\/namespaces\/models\/services\/https:secure-kserve-workload-svc:8000\/proxy\/v1\/chat\/completions$/m,
    );
  } finally {
    await plugin(["delete", "secure", "-n", "models"]);
    await patchKServeConfig("ingress", ingress);
  }
}

/** Scales KServe's llmisvc controller (which also serves its conversion webhook). */
async function scaleLlmisvc(replicas: number): Promise<void> {
  const deployment = ["deployment/llmisvc-controller-manager", "-n", "kserve"];
  await kubectlOk(["scale", ...deployment, `--replicas=${replicas}`]);
  await kubectlOk(["rollout", "status", ...deployment, "--timeout=120s"]);
}

/**
 * With llmisvc down its conversion webhook is too: a read at v1alpha1 of the v1alpha2 object
 * fails, one at v1alpha2 (the version discovery prefers, the stored one) does not.
 */
async function assertReadWithoutConversion(): Promise<void> {
  await scaleLlmisvc(0);
  try {
    const list = await plugin(["list", "-n", "models"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^opt\s+llm\s+LLMInferenceService\s+True\s/m);
    const status = await plugin(["status", "opt", "-n", "models"]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^Ready:\s+True$/m);
  } finally {
    await scaleLlmisvc(1);
  }
}

/**
 * A preset the router needs deleted (its webhook removed first, as on a cluster that never had
 * it): deploy --wait stops at PresetsCombined False, long before its timeout.
 */
async function assertWaitFailsFast(): Promise<void> {
  // The controller keeps a preset that a model uses (its finalizer) until that model is gone.
  const deleted = await plugin(["delete", "opt", "-n", "models"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  await deleteShippedPreset("kserve-config-llm-scheduler");
  const started = Date.now();
  const failed = await plugin([
    "deploy",
    "late",
    "-n",
    "models",
    ...MODEL,
    "--wait",
    "--timeout",
    "5m",
  ]);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(failed.code, 1, failed.stderr);
  assert.match(
    failed.stderr,
    /LLMInferenceService models\/late failed: PresetsCombined is False \(\w+\): .*LLMInferenceServiceConfig "kserve-config-llm-scheduler" not found/,
  );
  assert.ok(seconds < 90, `--wait took ${seconds}s to fail`);
}

/** check --llm's controller check fails on llmisvc scaled to 0; its hint scales it back. */
async function assertControllerFails(): Promise<void> {
  await kubectlOk([
    "scale",
    "deployment/llmisvc-controller-manager",
    "-n",
    "kserve",
    "--replicas=0",
  ]);
  const failure = (await check()).byId("llm.controller")!;
  assert.equal(failure.result, "fail", JSON.stringify(failure));
  assert.match(
    failure.error!,
    /Deployment kserve\/llmisvc-controller-manager is scaled to 0, so nothing reconciles LLMInferenceServices/,
  );
  assert.equal(failure.transient, undefined);
  assert.equal(await runHint(failure.hint!), 1);
  await untilCheckPasses(["--llm"], adminKubeconfig());
}

/** The Gateway deleted: llm.gateway names it; its hint (install --llm) creates it again. */
async function assertGatewayFails(): Promise<void> {
  await kubectlOk(["delete", "gateway", "kserve-ingress-gateway", "-n", "kserve"]);
  const failure = (await check()).byId("llm.gateway")!;
  assert.equal(failure.result, "fail", JSON.stringify(failure));
  assert.match(
    failure.error!,
    /Gateway kserve\/kserve-ingress-gateway does not exist: LLMInferenceServices route through it by default/,
  );
  assert.match(failure.hint!, new RegExp(`--llm --gateway-class ${DOUBLE_CLASS}`));
  await runHint(failure.hint!);
  await untilCheckPasses(["--llm"], adminKubeconfig());
}

/**
 * No implementation running (the double scaled to 0) when its GatewayClass is created: nothing
 * accepts it, and llm.gatewayclass says so; the implementation back, it passes.
 */
async function assertGatewayClassFails(): Promise<void> {
  await scaleGatewayDouble(0);
  await kubectlOk(["delete", "gatewayclass", DOUBLE_CLASS]);
  await applyYaml(`apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: ${DOUBLE_CLASS}}
spec: {controllerName: kubectl-kserve.test/gateway-api-double}
`);
  const failure = (await check()).byId("llm.gatewayclass")!;
  assert.equal(failure.result, "fail", JSON.stringify(failure));
  assert.match(
    failure.error!,
    /GatewayClass test-double \(controllerName kubectl-kserve\.test\/gateway-api-double\).*: its implementation is not running, or not yet/,
  );
  assert.equal(failure.transient, true);
  assert.equal((await check()).byId("llm.gateway")?.result, "skip");
  await scaleGatewayDouble(1);
  await untilCheckPasses(["--llm"], adminKubeconfig());
}

Deno.test("a routed LLMInferenceService on v0.20.0: Ready through the Gateway API double, status shows its HTTPRoute, InferencePool and OpenAI URL, chat answers; --wait fails fast on a missing preset", async (t) => {
  await installRouted("v0.20.0", "v1.5.1");
  await t.step(
    "deploy --llm --wait with the router: Ready, route and pool shown",
    () => assertRoutedReady("inference.networking.x-k8s.io/v1alpha2"),
  );
  await t.step("chat answers through the workload Service", assertChatAnswers);
  await t.step(
    "list and status read it at v1alpha2, with the conversion webhook down",
    assertReadWithoutConversion,
  );
  await t.step("with enableLLMInferenceServiceTLS, chat answers over HTTPS", assertChatOverTls);
  await t.step("--wait names PresetsCombined and its reason, at once", assertWaitFailsFast);
});

Deno.test("a routed LLMInferenceService on v0.16.0: Ready through the Gateway API double, its x-k8s.io InferencePool shown, chat answers", async (t) => {
  await installRouted("v0.16.0", "v1.2.1");
  await t.step(
    "deploy --llm --wait with the router: Ready, route and pool shown",
    () => assertRoutedReady("inference.networking.x-k8s.io/v1alpha2"),
  );
  await t.step("chat answers through the workload Service", assertChatAnswers);
});

Deno.test("check --llm on v0.20.0: llmisvc scaled to 0, the Gateway deleted, a GatewayClass no implementation accepted each fail, and the hints fix them", async (t) => {
  await installRouted("v0.20.0", "v1.5.1");
  await t.step("llm.controller", assertControllerFails);
  await t.step("llm.gateway", () => assertGatewayFails());
  await t.step("llm.gatewayclass", assertGatewayClassFails);
});
