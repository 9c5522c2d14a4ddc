/**
 * Knative's webhook and revisions, diagnosed like KServe's, on Knative Serving's real controllers:
 * on KServe v0.16.0 and v0.20.0, install proves Knative's webhook admits a Knative Service; check
 * names why it does not (its Service selecting no webhook pod), with a hint that fixes it; an
 * install re-run stops at the webhook with the same finding and changes nothing; deploy --wait
 * fails fast when KServe cannot create the model's Knative Service through it, naming the
 * webhook and the fix. On v0.20.0, status and check name a failed revision's container.
 * (Configurations whose rules the webhook has not written: knative_rules_test.ts.)
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  applyYaml,
  kubectl,
  kubectlOk,
  resetCluster,
  say,
  waitFor,
} from "../support/cluster.ts";
import { runHint } from "../support/hints.ts";
import { installKServe, MODEL_SERVER_IMAGE, SKLEARN } from "../support/kserve.ts";
import {
  installServerlessWithin as installServerless,
  serverlessArgs as serverless,
  SMALLEST_KNATIVE_SERVICE as PROBE,
} from "../support/knative.ts";
import { runPlugin } from "../support/plugin.ts";
import { runCheck } from "../support/plugin_json.ts";
import { assertUnchangedBy } from "../support/snapshot.ts";

const env = { env: { KUBECONFIG: adminKubeconfig() } };

/** check's finding (and install's) on the input below: the cause and the objects it names. */
const FINDING =
  /The API server cannot call Knative's webhook "webhook\.serving\.knative\.dev" \(Service knative-serving\/webhook\): the connection was refused .*: Service knative-serving\/webhook selects app=webhook,app\.kubernetes\.io\/version=1\.14\.0,role=webhook, which matches no pod of Deployment knative-serving\/webhook/;
const SELECTOR_FIX =
  "kubectl set selector service webhook -n knative-serving 'app=webhook,role=webhook'";

/** The Knative webhook's EndpointSlices list no ready endpoint. */
async function webhookEndpoints(): Promise<number> {
  const out = await kubectlOk([
    "get",
    "endpointslices",
    "-n",
    "knative-serving",
    "-l",
    "kubernetes.io/service-name=webhook",
    "-o",
    "jsonpath={.items[*].endpoints[*].addresses[0]}",
  ]);
  return out.trim() ? out.trim().split(/\s+/).length : 0;
}

for (const version of ["v0.16.0", "v0.20.0"]) {
  Deno.test(`KServe ${version}: Knative's webhook selecting no pod fails check and an install re-run with the selector fix, and deploy --wait at once naming the webhook`, async () => {
    await resetCluster();
    // install --mode serverless waits until Knative's webhook admits a Knative Service.
    await installKServe(serverless(version));
    const healthy = await runCheck([], adminKubeconfig());
    assert.equal(healthy.byId("mode.knative-webhook")?.result, "pass", JSON.stringify(healthy));

    // The input: the webhook's Service also selects a release label its pods do not carry (one
    // left from another release). Its Deployment stays Available, so only a call through the
    // Service shows it. The manifests set no such label, so an install re-run leaves it as it is.
    await kubectlOk([
      "patch",
      "service",
      "webhook",
      "-n",
      "knative-serving",
      "-p",
      '{"spec":{"selector":{"app.kubernetes.io/version":"1.14.0"}}}',
    ]);
    await waitFor("the webhook's endpoints to go", async () => await webhookEndpoints() === 0);
    // The API server keeps its connection to the pod it called before (as kube-proxy keeps an
    // established flow; Knative 1.21's webhook keeps serving it while it drains): a new pod, as
    // after any restart, is reached only through the Service. `kubectl delete` returns once the
    // old pod's process has stopped, as with a kubelet, so from then on no call reaches it.
    await kubectlOk(["delete", "pod", "-n", "knative-serving", "-l", "app=webhook"]);
    const gone = await kubectl(["create", "--dry-run=server", "-f", "-"], { stdin: PROBE });
    assert.match(gone.stderr, /failed calling webhook.*connection refused/, "the old pod answered");
    await kubectlOk(
      ["rollout", "status", "deployment/webhook", "-n", "knative-serving", "--timeout=120s"],
    );
    const broken = await runCheck([], adminKubeconfig());
    assert.deepEqual(broken.failed, ["mode.knative-webhook"], JSON.stringify(broken.report));
    const webhook = broken.byId("mode.knative-webhook")!;
    assert.match(
      webhook.error!,
      new RegExp(`^${FINDING.source}`),
    );
    assert.notEqual(webhook.transient, true, "needs a fix");
    assert.equal(webhook.hint, SELECTOR_FIX);

    // An install re-run stops at the webhook with check's finding and fix, and changes nothing.
    const stopped = await assertUnchangedBy(
      "an install stopped by Knative's webhook",
      () => installServerless(version, "60s"),
    );
    assert.equal(stopped.code, 124, stopped.stderr);
    assert.match(
      stopped.stderr,
      new RegExp(`The knative-serving webhook did not answer in time: ${FINDING.source}`),
    );
    assert.ok(stopped.stderr.includes(`hint: ${SELECTOR_FIX}`), stopped.stderr);

    // KServe cannot create the model's Knative Service: deploy --wait says so at once.
    await kubectlOk(["create", "namespace", "models"]);
    const start = Date.now();
    const deployed = await runPlugin(
      ["deploy", "iris", "-n", "models", ...SKLEARN, "--mode", "serverless", "--wait"]
        .concat(["--timeout", "5m"]),
      env,
    );
    const seconds = (Date.now() - start) / 1000;
    say(`deploy --wait failed after ${seconds.toFixed(0)} s`);
    assert.notEqual(deployed.code, 0, deployed.stderr);
    assert.ok(seconds < 150, `deploy --wait waited ${seconds} s`);
    assert.match(
      deployed.stderr,
      /the API server cannot call webhook "webhook\.serving\.knative\.dev" \(Service knative-serving\/webhook\): (its Service has no ready endpoints|the connection was refused) .*Find why it does not answer with: kubectl kserve check/,
    );
    // status says the same, not "refuses generation 1".
    const status = await runPlugin(["status", "iris", "-n", "models"], env);
    assert.match(status.stdout, /cannot call webhook "webhook\.serving\.knative\.dev"/);
    assert.doesNotMatch(status.stdout, /refuses generation/);

    await runHint(webhook.hint!);
    await waitFor("the webhook's endpoints to come back", async () => await webhookEndpoints() > 0);
    const fixed = await runCheck([], adminKubeconfig());
    assert.equal(fixed.byId("mode.knative-webhook")?.result, "pass", JSON.stringify(fixed));
    await installKServe(serverless(version));
  });
}

Deno.test("KServe v0.20.0: a Knative revision whose container cannot start: status and check name the container's failure, not IngressReady", async () => {
  await resetCluster();
  await installKServe(serverless("v0.20.0"));
  await kubectlOk(
    ["patch", "configmap", "config-deployment", "-n", "knative-serving", "--type=merge", "-p"]
      .concat([JSON.stringify({
        data: { "registries-skipping-tag-resolving": "kubectl-kserve.test" },
      })]),
  );
  await kubectlOk(["create", "namespace", "models"]);
  // The model server without --model_name exits at once (2, with its usage line).
  await applyYaml(`apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: broken, namespace: models}
spec:
  predictor:
    containers:
      - name: kserve-container
        image: ${MODEL_SERVER_IMAGE}
`);
  // Its revision's pod crash-loops: status and check name that container, not the Route's
  // IngressReady, which is False only because of it.
  const failing =
    /models\/broken: pod broken-predictor-00001-deployment-[\w-]+: container kserve-container is in CrashLoopBackOff/;
  const diagnosis = await waitFor("status to name the container's failure", async () => {
    const status = await runPlugin(["status", "broken", "-n", "models"], env);
    return /^Diagnosis: .*CrashLoopBackOff/m.test(status.stdout) && status.stdout;
  }, { timeoutMs: 180_000, intervalMs: 3000 });
  assert.match(diagnosis, new RegExp(`^Diagnosis: +${failing.source}`, "m"));
  assert.doesNotMatch(diagnosis, /^Diagnosis: .*IngressReady/m);
  const check = await runCheck(["-n", "models"], adminKubeconfig());
  const ready = check.byId("models.ready")!;
  assert.match(ready.error!, failing);
  assert.doesNotMatch(ready.error!, /IngressReady/);
});

Deno.test("the cluster is left empty for the other test files", async () => {
  await resetCluster();
});
