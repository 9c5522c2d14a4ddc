/**
 * check on healthy installs with the real KServe controller, then on each way the install is
 * broken on purpose: exactly the failing check's id, with its fix, and nothing unrelated.
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  applyYaml,
  kubectlOk,
  resetCluster,
  run,
  runnerProcesses,
  waitFor,
} from "../support/cluster.ts";
import {
  installKServe,
  kserveConfigJson,
  kserveWebhookCa,
  patchKServeConfig,
  patchKServeWebhook,
  scaleController,
  SKLEARN,
} from "../support/kserve.ts";
import { type CheckSummary, runCheck, untilCheckPasses } from "../support/plugin_json.ts";
import { assertHintParses, runHint } from "../support/hints.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { runPlugin } from "../support/plugin.ts";
import { assertUnchangedBy } from "../support/snapshot.ts";

const check = (args: string[] = []) => runCheck(args, adminKubeconfig());

/** Asserts `id` is the only failure and its hint says `hint`; returns the hint, which parses. */
async function onlyFailure(summary: CheckSummary, id: string, hint: RegExp): Promise<string> {
  assert.deepEqual(summary.failed, [id], JSON.stringify(summary.report.categories, null, 1));
  assert.equal(summary.code, 1);
  const text = summary.byId(id)!.hint!;
  assert.match(text, hint);
  await assertHintParses(text);
  return text;
}

/** Replaces cainjector's pod: a new one injects every caBundle at start. */
const restartCainjector = () =>
  kubectlOk(["rollout", "restart", "deployment/cert-manager-cainjector", "-n", "cert-manager"]);

/**
 * KServe's serving certificate Secret deleted while cert-manager's controller is paused
 * (SIGSTOP to the double's process, its pod still Ready): a slow cert-manager, not a broken one.
 * Returns the function that lets it go on.
 */
async function certificateNeverIssued(): Promise<() => void> {
  const controller = (await runnerProcesses()).find((p) =>
    p.namespace === "cert-manager" && p.image.includes("cert-manager-controller") && p.pid
  );
  assert.ok(controller?.pid, "the pod runner plays cert-manager's controller");
  const pid = controller.pid;
  Deno.kill(pid, "SIGSTOP");
  await kubectlOk(["delete", "secret", "kserve-webhook-server-cert", "-n", "kserve"]);
  return () => Deno.kill(pid, "SIGCONT");
}

Deno.test("check on a healthy raw install of v0.16.0, then on each broken piece", async (t) => {
  await resetCluster();
  await installKServe(["--version", "v0.16.0"]);

  await t.step("healthy: every check passes, exit 0; no metrics-server is a warning", async () => {
    const summary = await check();
    assert.deepEqual(summary.failed, [], JSON.stringify(summary.report.categories, null, 1));
    assert.equal(summary.code, 0);
    assert.equal(summary.report.kserveVersion, "v0.16.0");
    assert.equal(summary.report.mode, "Standard");
    assert.ok(summary.passed.includes("webhooks.probe"));
    // The test cluster has no metrics-server: raw-mode models serve, but their HPAs never scale.
    assert.deepEqual(summary.warned, ["mode.metrics"]);
    assert.equal(
      summary.byId("mode.metrics")!.error,
      "metrics.k8s.io is not served: metrics-server is not installed",
    );
    assert.equal(summary.byId("mode.metrics")!.transient, undefined, "needs a fix");
    assert.match(summary.byId("mode.metrics")!.hint!, /^Install metrics-server: kubectl apply -f /);
    // A download: parsed, not run.
    await assertHintParses(summary.byId("mode.metrics")!.hint!);
  });

  await t.step("the cert-manager webhook (double) says no where cert-manager does", async () => {
    const issuer = JSON.stringify({
      apiVersion: "cert-manager.io/v1",
      kind: "Issuer",
      metadata: { name: "no-type", namespace: "default" },
      spec: {},
    });
    const refused = await run("kubectl", ["create", "--dry-run=server", "-f", "-"], {
      stdin: issuer,
    });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /at least one issuer must be configured/);
  });

  await t.step("ingress JSON without ingressGateway", async () => {
    const original = await kserveConfigJson("ingress");
    const { ingressGateway: _dropped, ...broken } = original;
    await patchKServeConfig("ingress", broken);
    // Its hint opens an editor: parsed, not run.
    await onlyFailure(await check(), "kserve.config-ingress", /read-modify-write/);
    await patchKServeConfig("ingress", original);
  });

  await t.step("deploy mode that v0.16.0 does not know", async () => {
    await patchKServeConfig("deploy", { defaultDeploymentMode: "Bogus" });
    const summary = await check();
    // The value was written by another field manager (kubectl patch): the install the hint
    // names takes it back only with --force-conflicts, which the hint adds. Its first command is
    // run (the other opens an editor), and the check then passes.
    const hint = await onlyFailure(
      summary,
      "kserve.config-deploy",
      /kubectl kserve install --mode raw --version v0\.16\.0 --force-conflicts, or /,
    );
    assert.match(
      summary.byId("kserve.config-deploy")!.error!,
      /"Bogus" is not valid for KServe v0\.16\.0/,
    );
    await runHint(hint.split(", or ")[0]!);
    assert.equal((await check()).byId("kserve.config-deploy")!.result, "pass");
  });

  await t.step("default mode Serverless with no Knative", async () => {
    await patchKServeConfig("deploy", { defaultDeploymentMode: "Serverless" });
    const summary = await check();
    // Its hint offers two ways out (raw, or add Knative): parsed, not run.
    await onlyFailure(
      summary,
      "mode.default",
      /kubectl kserve install --mode raw.*kubectl kserve install --mode serverless/,
    );
    assert.match(summary.byId("mode.default")!.error!, /ServerlessModeRejected/);
    await patchKServeConfig("deploy", { defaultDeploymentMode: "Standard" });
  });

  await t.step("controller scaled to 0", async () => {
    await scaleController(0);
    const summary = await check();
    const hint = await onlyFailure(
      summary,
      "kserve.controller",
      /kubectl scale deployment\/kserve-controller-manager -n kserve --replicas=1/,
    );
    assert.equal(summary.byId("webhooks.probe")!.result, "skip");
    await runHint(hint);
    await untilCheckPasses([], adminKubeconfig());
  });

  await t.step(
    "caBundle emptied, then check --wait passes once cainjector puts it back",
    async () => {
      await patchKServeWebhook("/webhooks/0/clientConfig/caBundle", "");
      const hint = await onlyFailure(
        await check(),
        "webhooks.ca-bundle",
        /kubectl rollout restart deployment\/cert-manager-cainjector -n cert-manager/,
      );
      const waiting = runCheck(["--wait", "90s"], adminKubeconfig());
      // Its failure is reported where it is awaited, with the output, not as an uncaught error.
      waiting.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await runHint(hint);
      const summary = await waiting;
      assert.deepEqual(summary.failed, [], JSON.stringify(summary.report.categories, null, 1));
      assert.equal(summary.code, 0);
    },
  );

  await t.step(
    "inject-ca-from naming a Certificate that does not exist is named, and its hint fixes it",
    async () => {
      // Field report: copied from a kubeflow install, the annotation named kubeflow/serving-cert;
      // check blamed a "stale caBundle" and said to restart cainjector.
      const webhook = "validatingwebhookconfiguration";
      const name = "inferenceservice.serving.kserve.io";
      await kubectlOk([
        "annotate",
        webhook,
        name,
        "cert-manager.io/inject-ca-from=kubeflow/serving-cert",
        "--overwrite",
      ]);
      await kubectlOk([
        "patch",
        webhook,
        name,
        "--type",
        "json",
        "-p",
        JSON.stringify([{ op: "replace", path: "/webhooks/0/clientConfig/caBundle", value: "" }]),
      ]);
      const summary = await check();
      await onlyFailure(
        summary,
        "webhooks.ca-bundle",
        /kubectl annotate validatingwebhookconfiguration inferenceservice\.serving\.kserve\.io cert-manager\.io\/inject-ca-from=kserve\/serving-cert --overwrite/,
      );
      const failure = summary.byId("webhooks.ca-bundle")!;
      assert.match(
        failure.error!,
        /is "kubeflow\/serving-cert", a Certificate that does not exist \(KServe's is kserve\/serving-cert\)/,
      );
      assert.doesNotMatch(failure.error!, /stale/);
      assert.equal((failure as { transient?: boolean }).transient, undefined, "needs a fix");
      await runHint(failure.hint!);
      // A fix that needs a fix is not "transient": poll until cainjector has acted on it.
      await untilCheckPasses([], adminKubeconfig(), 90_000);
    },
  );

  await t.step(
    "a caBundle that is not PEM is named as not parsing, not as a CA mismatch",
    async () => {
      await patchKServeWebhook("/webhooks/0/clientConfig/caBundle", btoa("not a certificate"));
      const summary = await check();
      assert.deepEqual(summary.failed.includes("webhooks.ca-bundle"), true);
      const failure = summary.byId("webhooks.ca-bundle")!;
      assert.match(failure.error!, /its caBundle is not a PEM certificate/);
      assert.doesNotMatch(failure.error!, /differs|different CA/);
      await runHint(failure.hint!);
      // A fix that needs a fix is not "transient": poll until cainjector has acted on it.
      await untilCheckPasses([], adminKubeconfig(), 90_000);
    },
  );

  await t.step(
    "a conversion webhook on a CRD that the release ships without one is named, and its hint removes it",
    async () => {
      // v0.17+ converts the LLMInferenceService CRDs with a webhook; v0.16.0 ships them without
      // one. A downgrade by another tool can leave the stanza behind.
      const crd = "llminferenceservices.serving.kserve.io";
      const caBundle = await kserveWebhookCa();
      const service = {
        name: "kserve-webhook-server-service",
        namespace: "kserve",
        path: "/convert",
      };
      const conversion = {
        strategy: "Webhook",
        webhook: { conversionReviewVersions: ["v1"], clientConfig: { caBundle, service } },
      };
      try {
        await kubectlOk([
          "patch",
          "crd",
          crd,
          "--type",
          "merge",
          "-p",
          JSON.stringify({ spec: { conversion } }),
        ]);
        const summary = await check();
        onlyFailure(
          summary,
          "webhooks.ca-bundle",
          /^Remove the stanza KServe v0\.16\.0 does not have: kubectl patch crd llminferenceservices\.serving\.kserve\.io --type json -p /,
        );
        const failure = summary.byId("webhooks.ca-bundle")!;
        assert.equal(
          failure.error,
          "CRD llminferenceservices.serving.kserve.io converts with a webhook (Service kserve/kserve-webhook-server-service) that KServe v0.16.0 does not ship (its llminferenceservices.serving.kserve.io has no conversion stanza)",
        );
        assert.equal((failure as { transient?: boolean }).transient, undefined, "needs a fix");
        await runHint(failure.hint!);
        await untilCheckPasses([], adminKubeconfig(), 90_000);
      } finally {
        await kubectlOk([
          "patch",
          "crd",
          crd,
          "--type",
          "json",
          "-p",
          JSON.stringify([{
            op: "replace",
            path: "/spec/conversion",
            value: { strategy: "None" },
          }]),
        ]).catch(() => {});
      }
    },
  );

  await t.step(
    "a certificate still being issued is transient: check says so and --wait waits for it",
    async () => {
      // Field report: right after an install, "secret kserve-webhook-server-cert not found" was
      // not called transient, and check --wait 2m gave up within seconds.
      // (scaled to 0 is a fix, certmanager.deployments).
      const resume = await certificateNeverIssued();
      const issuing = await check();
      const certificate = issuing.byId("kserve.certificate")!;
      assert.equal(certificate.result, "fail");
      assert.match(certificate.error!, /does not exist: cert-manager is still issuing it/);
      assert.equal(certificate.transient, true);
      const waiting = runCheck(["--wait", "2m"], adminKubeconfig());
      // Its failure is reported where it is awaited, with the output, not as an uncaught error.
      waiting.catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 3000));
      resume();
      const summary = await waiting;
      assert.deepEqual(summary.failed, [], JSON.stringify(summary.report.categories, null, 1));
      assert.equal(summary.code, 0);
    },
  );

  await t.step(
    "--wait gives up with exit 124 only on what it waits for; what needs a fix returns at once with exit 1",
    async () => {
      // What it waits for never comes: cainjector paused, the caBundle it fills emptied.
      const cainjector = (await runnerProcesses()).find((p) =>
        p.namespace === "cert-manager" && p.image.includes("cainjector") && p.pid
      );
      assert.ok(cainjector?.pid, "the pod runner plays cert-manager's cainjector");
      Deno.kill(cainjector.pid, "SIGSTOP");
      try {
        await patchKServeWebhook("/webhooks/0/clientConfig/caBundle", "");
        const summary = await runCheck(["--wait", "5s"], adminKubeconfig());
        assert.equal(summary.code, 124);
        assert.deepEqual(summary.failed, ["webhooks.ca-bundle"]);
      } finally {
        Deno.kill(cainjector.pid, "SIGCONT");
      }
      await restartCainjector();
      // Only the bundle is waited for: after the Secret was re-issued by the step above, the API
      // server's webhook client may keep failing TLS for minutes (left for the steps below).
      for (let i = 0; i < 45; i++) {
        const bundle = (await runCheck([], adminKubeconfig())).byId("webhooks.ca-bundle");
        if (bundle?.result === "pass") break;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
      // Sibling: a controller scaled to 0 stays so: no waiting, exit 1 (field report: a deleted
      // Deployment was "still settling" and --wait spent its whole budget).
      await scaleController(0);
      const started = Date.now();
      const summary = await runCheck(["--wait", "2m"], adminKubeconfig());
      assert.equal(summary.code, 1);
      assert.ok(Date.now() - started < 60_000, `returned after ${Date.now() - started} ms`);
      assert.deepEqual(summary.failed, ["kserve.controller"]);
      await scaleController(1);
    },
  );

  await t.step("Certificate never issued (its Issuer is gone)", async () => {
    await kubectlOk(["delete", "issuer", "selfsigned-issuer", "-n", "kserve"]);
    await kubectlOk(["delete", "secret", "kserve-webhook-server-cert", "-n", "kserve"]);
    let summary = await check();
    for (let i = 0; i < 20 && summary.failed.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500)); // the double notices within a second
      summary = await check();
    }
    const hint = await onlyFailure(
      summary,
      "kserve.certificate",
      /^Re-create the Issuer by re-applying KServe: kubectl kserve install --mode raw --version v0\.16\.0$/,
    );
    assert.match(
      summary.byId("kserve.certificate")!.error!,
      /its Issuer kserve\/selfsigned-issuer does not exist/,
    );
    // The hint re-creates the Issuer, and cert-manager issues the Certificate again.
    await runHint(hint);
    await waitFor(
      "the Certificate to be issued again",
      async () => (await check()).byId("kserve.certificate")?.result === "pass",
      {
        timeoutMs: 60_000,
        intervalMs: 2000,
      },
    );
  });

  await t.step("webhook configurations left after the kserve namespace was deleted", async () => {
    // The namespace itself may stay Terminating (the llmisvc finalizers lose their controller);
    // its Services go at once, and that is what leaves the webhooks pointing nowhere.
    await kubectlOk(["delete", "namespace", "kserve", "--wait=false"]);
    let summary = await check();
    for (let i = 0; i < 60 && summary.failed.join() !== "webhooks.orphans"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      summary = await check();
    }
    const hint = await onlyFailure(
      summary,
      "webhooks.orphans",
      /kubectl delete validatingwebhookconfiguration .*inferenceservice\.serving\.kserve\.io/,
    );
    assert.equal(summary.byId("kserve.installed")!.result, "skip");
    // With the webhooks gone, nothing points at the missing Services any more.
    await runHint(hint);
    assert.notEqual((await check()).byId("webhooks.orphans")?.result, "fail");
  });
  await resetCluster();
});

Deno.test("check on healthy installs of v0.20.0 (raw) and v0.16.0 (serverless, Knative and Kourier)", async () => {
  await resetCluster();
  await installKServe(["--version", "v0.20.0"]);
  let summary = await check();
  assert.deepEqual(summary.failed, [], JSON.stringify(summary.report.categories, null, 1));
  assert.equal(summary.report.kserveVersion, "v0.20.0");

  await resetCluster();
  await installKServe(["--version", "v0.16.0", "--mode", "serverless"]);
  summary = await check();
  assert.deepEqual(summary.failed, [], JSON.stringify(summary.report.categories, null, 1));
  assert.equal(summary.report.mode, "Knative");
  assert.equal(summary.byId("mode.knative")!.result, "pass");
  // Knative's autoscaler scales Knative-mode models: no HPA, so no metrics API is needed.
  assert.equal(summary.byId("mode.metrics")!.result, "skip");
  assert.deepEqual(summary.warned, []);

  // Field report: GPU placement in Knative mode needs Knative's podspec features. deploy refuses
  // with the flag to set, before applying; once set, the same deploy passes the API server.
  await kubectlOk(["create", "namespace", "models"]);
  const gpu = [
    "deploy",
    "llm",
    "-n",
    "models",
    "--model-format",
    "sklearn",
    "--storage-uri",
    "gs://a/b",
    "--gpu",
    "1",
    "--node-selector",
    "nvidia.com/gpu.present=true",
    "--toleration",
    "nvidia.com/gpu:NoSchedule",
  ];
  const env = { env: { KUBECONFIG: adminKubeconfig() } };
  const refused = await assertUnchangedBy("a refused GPU deploy", () => runPlugin(gpu, env));
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(
    refused.stderr,
    /Knative rejects a Revision's nodeselector and tolerations unless config-features enables kubernetes\.podspec-nodeselector and kubernetes\.podspec-tolerations \(now: unset, unset\)/,
  );
  assert.match(refused.stderr, /kubectl patch configmap config-features -n knative-serving/);
  // The same placement on a model written by kubectl (Knative mode, the install's default):
  // check and status say what deploy says, with the same fix; the fix is then run.
  await applyYaml(`apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: placed, namespace: models}
spec:
  predictor:
    nodeSelector: {nvidia.com/gpu.present: "true"}
    tolerations: [{key: nvidia.com/gpu, effect: NoSchedule}]
    model: {modelFormat: {name: sklearn}, storageUri: "gs://a/b"}
`);
  const placement =
    /models\/placed: In Serverless \(Knative\) mode, Knative rejects a Revision's nodeselector and tolerations unless config-features enables kubernetes\.podspec-nodeselector and kubernetes\.podspec-tolerations \(now: unset, unset\)\. Fix: (kubectl patch configmap config-features -n knative-serving --type merge -p '[^']+'), or deploy in raw mode/;
  const before = await runCheck(["-n", "models"], adminKubeconfig());
  const found = placement.exec(before.byId("models.spec")!.error ?? "");
  assert.ok(found, JSON.stringify(before.byId("models.spec")));
  assert.match(before.byId("models.ready")!.error!, placement);
  const status = await runPlugin(["status", "placed", "-n", "models"], env);
  assert.match(status.stdout, new RegExp(`Diagnosis: +${placement.source}`));
  await runHint(found[1]!);
  const after = await runCheck(["-n", "models"], adminKubeconfig());
  assert.doesNotMatch(after.byId("models.spec")!.error ?? "", /placed/);
  const accepted = await runPlugin([...gpu, "--dry-run=server"], env);
  assert.equal(accepted.code, 0, accepted.stderr);
  await resetCluster();
});

Deno.test("check finds Knative Serving installed in a namespace other than knative-serving", async () => {
  await resetCluster();
  await installKServe(["--version", "v0.16.0"]);
  // Field report: reported missing. Its controller is found by its labels, in any namespace.
  await kubectlOk([
    "apply",
    "--server-side",
    "-f",
    `${FIXTURES}knative-serving/v1.15.2/serving-crds.yaml`,
  ]);
  const ns = "serving-platform";
  await applyYaml(
    JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }),
  );
  await applyYaml(JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "controller",
      namespace: ns,
      labels: {
        "app.kubernetes.io/name": "knative-serving",
        "app.kubernetes.io/component": "controller",
      },
    },
    spec: {
      selector: { matchLabels: { app: "controller" } },
      template: {
        metadata: { labels: { app: "controller" } },
        spec: {
          containers: [{
            name: "controller",
            image: "gcr.io/knative-releases/controller:v1.15.2",
          }],
        },
      },
    },
  }));
  for (
    const [name, data] of [
      ["config-network", { "ingress-class": "contour.ingress.networking.knative.dev" }],
      ["config-domain", { "example.com": "" }],
    ] as const
  ) {
    await applyYaml(
      JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace: ns },
        data,
      }),
    );
  }
  await kubectlOk(["rollout", "status", "deployment/controller", "-n", ns, "--timeout=60s"]);
  const summary = await runCheck(["--mode", "serverless"], adminKubeconfig());
  const knative = summary.byId("mode.knative")!;
  assert.equal(knative.result, "pass", JSON.stringify(knative));
  assert.match(
    knative.note!,
    /ingress contour\.ingress\.networking\.knative\.dev, domain example\.com/,
  );
  // GPU placement reads config-features where that controller runs: serving-platform's leaves
  // the node selector off, whatever a config-features in knative-serving says.
  await kubectlOk(["create", "namespace", "knative-serving"]);
  for (const [namespace, flag] of [[ns, "disabled"], ["knative-serving", "enabled"]]) {
    await applyYaml(JSON.stringify({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "config-features", namespace },
      data: { "kubernetes.podspec-nodeselector": flag },
    }));
  }
  await kubectlOk(["create", "namespace", "models"]);
  const placed = await runPlugin(
    ["deploy", "gpu", "-n", "models", ...SKLEARN, "--mode", "serverless"]
      .concat(["--node-selector", "nvidia.com/gpu.present=true", "--dry-run=server"]),
    { env: { KUBECONFIG: adminKubeconfig() } },
  );
  assert.equal(placed.code, 2, placed.stderr);
  assert.match(
    placed.stderr,
    /unless config-features enables kubernetes\.podspec-nodeselector \(now: disabled\).*kubectl patch configmap config-features -n serving-platform /s,
  );
  await resetCluster();
});
