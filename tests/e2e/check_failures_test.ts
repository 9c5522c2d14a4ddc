/**
 * check on a raw install of v0.20.0, broken one piece at a time in ways only a cluster shows:
 * each step asserts that exactly the check for that piece fails (or warns), naming the object and
 * the offending value, and where its hint is a fix, runs the hint and asserts the check passes
 * again. Every step puts the cluster back in a finally, so one failure does not cascade.
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
import {
  inferenceServiceJson,
  installKServe,
  kserveControllerPods,
  kserveWebhookCa,
  patchKServeWebhook,
} from "../support/kserve.ts";
import { type CheckSummary, runCheck, untilCheckPasses } from "../support/plugin_json.ts";
import { runHint } from "../support/hints.ts";
import { runPlugin } from "../support/plugin.ts";

const check = (args: string[] = []) => runCheck(args, adminKubeconfig());

/** The one failing check of a run: its id is the only one failing, and the run exits 1. */
function onlyFailure(summary: CheckSummary, id: string) {
  assert.deepEqual(summary.failed, [id], JSON.stringify(summary.report.categories, null, 1));
  assert.equal(summary.code, 1);
  return summary.byId(id)!;
}

/** Polls check until nothing fails: a fix may need a controller to act on it first. */
function untilHealthy(args: string[] = []): Promise<CheckSummary> {
  return untilCheckPasses(args, adminKubeconfig());
}

// Re-applying KServe's CRDs on the shared test machine can take longer than 30 s a request.
const TIMEOUT = ["--request-timeout", "2m"];

/** A JSON patch of a CRD. */
const patchCrd = (crd: string, ops: object[]) =>
  kubectl(["patch", "crd", crd, "--type", "json", "-p", JSON.stringify(ops)]);

const reinstall = () => installKServe(["--version", "v0.20.0", "--force-conflicts", ...TIMEOUT]);

Deno.test("check on a raw install of v0.20.0 broken one piece at a time, each hint run", async (t) => {
  await resetCluster();
  await installKServe(["--version", "v0.20.0", ...TIMEOUT]);

  await t.step(
    "a KServe CRD deleted is named, needs a fix, and the re-apply hint fixes it",
    async () => {
      let fixed = false;
      try {
        await kubectlOk(["delete", "crd", "trainedmodels.serving.kserve.io"]);
        const failure = onlyFailure(await check(), "kserve.crds");
        assert.equal(failure.error, "CRD trainedmodels.serving.kserve.io does not exist");
        assert.equal(failure.transient, undefined, "a deleted CRD never comes back on its own");
        assert.match(failure.hint!, /kubectl kserve install --mode raw --version v0\.20\.0/);
        await runHint(failure.hint!);
        fixed = true;
        assert.equal((await untilHealthy()).byId("kserve.crds")!.result, "pass");
      } finally {
        if (!fixed) await reinstall();
      }
    },
  );

  await t.step(
    "every ClusterServingRuntime and the default ClusterStorageContainer deleted",
    async () => {
      let fixed = false;
      try {
        await kubectlOk(["delete", "clusterservingruntimes", "--all"]);
        await kubectlOk(["delete", "clusterstoragecontainer", "default"]);
        const summary = await check();
        assert.deepEqual(summary.failed, [
          "runtimes.cluster-serving-runtimes",
          "runtimes.storage-container",
        ]);
        const runtimes = summary.byId("runtimes.cluster-serving-runtimes")!;
        assert.match(runtimes.error!, /No ClusterServingRuntime exists/);
        const storage = summary.byId("runtimes.storage-container")!;
        assert.match(storage.error!, /^ClusterStorageContainer default does not exist/);
        // One re-apply brings both back.
        await runHint(runtimes.hint!);
        fixed = true;
        const healthy = await untilHealthy();
        assert.match(healthy.byId("runtimes.cluster-serving-runtimes")!.note!, /^\d+ runtimes$/);
        assert.equal(healthy.byId("runtimes.storage-container")!.result, "pass");
      } finally {
        if (!fixed) await reinstall();
      }
    },
  );

  await t.step(
    "cert-manager's Deployments scaled to 0 are named with the scale that fixes them",
    async () => {
      const all = ["cert-manager", "cert-manager-cainjector", "cert-manager-webhook"]
        .map((name) => `deployment/${name}`);
      try {
        await kubectlOk(["scale", ...all, "-n", "cert-manager", "--replicas=0"]);
        const failure = onlyFailure(await check(), "certmanager.deployments");
        assert.equal(
          failure.error,
          "cert-manager/cert-manager: scaled to 0; cert-manager/cert-manager-cainjector: scaled to 0; " +
            "cert-manager/cert-manager-webhook: scaled to 0",
        );
        assert.equal(failure.transient, undefined, "a Deployment scaled to 0 stays so");
        assert.equal(failure.hint, `kubectl scale ${all.join(" ")} -n cert-manager --replicas=1`);
        await runHint(failure.hint!);
        assert.equal((await untilHealthy()).byId("certmanager.webhook")!.result, "pass");
      } finally {
        await kubectlOk(["scale", ...all, "-n", "cert-manager", "--replicas=1"]);
      }
    },
  );

  await t.step(
    "cert-manager's webhook Service selecting none of its pods, once they restart",
    async () => {
      const service = ["service", "cert-manager-webhook", "-n", "cert-manager"];
      const selector =
        "app.kubernetes.io/component=webhook,app.kubernetes.io/instance=cert-manager,app.kubernetes.io/name=webhook";
      try {
        await kubectlOk(["set", "selector", ...service, "app=nothing"]);
        // The API server keeps its connection to the running pod; a restart ends it.
        const webhook = ["deployment/cert-manager-webhook", "-n", "cert-manager"];
        await kubectlOk(["rollout", "restart", ...webhook]);
        await kubectlOk(["rollout", "status", ...webhook, "--timeout=90s"]);
        const failure = onlyFailure(await check(), "certmanager.webhook");
        assert.match(
          failure.error!,
          /^Service cert-manager\/cert-manager-webhook selects app=nothing, which matches no pod of Deployment cert-manager\/cert-manager-webhook .*connection refused/,
        );
        assert.equal(failure.transient, undefined, "a wrong selector stays wrong");
        assert.equal(failure.hint, `kubectl set selector ${service.join(" ")} '${selector}'`);
        await runHint(failure.hint!);
        assert.equal((await untilHealthy()).byId("certmanager.webhook")!.result, "pass");
      } finally {
        await kubectlOk(["set", "selector", ...service, selector]);
      }
    },
  );

  await t.step("the webhook Service selecting no controller pod has no endpoints", async () => {
    const service = ["service", "kserve-webhook-server-service", "-n", "kserve"];
    try {
      await kubectlOk(["set", "selector", ...service, "control-plane=nothing"]);
      let summary = await check();
      // The EndpointSlice controller empties the slice within a moment.
      for (let i = 0; i < 20 && summary.failed.length === 0; i++) summary = await check();
      const failure = onlyFailure(summary, "webhooks.endpoints");
      assert.match(
        failure.error!,
        /^Service kserve\/kserve-webhook-server-service selects control-plane=nothing, which matches no pod of Deployment kserve\/kserve-controller-manager/,
      );
      assert.equal(failure.transient, undefined, "a wrong selector stays wrong");
      assert.equal(summary.byId("webhooks.probe")!.result, "skip");
      await runHint(failure.hint!);
      assert.match((await untilHealthy()).byId("webhooks.endpoints")!.note!, /1 ready endpoint/);
    } finally {
      await kubectlOk(["set", "selector", ...service, "control-plane=kserve-controller-manager"]);
    }
  });

  await t.step(
    "the webhook Service sending to a port the controller does not declare: ready endpoints, a probe that fails, named as needing a fix, and the hint fixes it",
    async () => {
      const service = ["service", "kserve-webhook-server-service", "-n", "kserve"];
      let fixed = false;
      try {
        await kubectlOk(
          ["patch", ...service, "--type=json", "-p"]
            .concat('[{"op":"replace","path":"/spec/ports/0/targetPort","value":9999}]'),
        );
        // The API server keeps its connection to the pod it called before (as kube-proxy keeps
        // an established flow): the new pod of a restart is reached only through the Service.
        const controller = ["deployment/kserve-controller-manager", "-n", "kserve"];
        await kubectlOk(["rollout", "restart", ...controller]);
        await kubectlOk(["rollout", "status", ...controller, "--timeout=120s"]);
        const failure = await waitFor("the probe to fail through port 9999", async () => {
          const summary = await check();
          return summary.failed.includes("webhooks.probe") &&
            onlyFailure(summary, "webhooks.probe");
        }, { timeoutMs: 60_000, intervalMs: 1000 });
        assert.match(
          failure.error!,
          /^Service kserve\/kserve-webhook-server-service sends port 443 to targetPort 9999, which no container of Deployment kserve\/kserve-controller-manager declares \(it declares webhook-server 9443.*\), so the API server cannot call the KServe webhook: .*failed calling webhook/,
        );
        assert.notEqual(failure.transient, true, "a wrong port stays wrong");
        assert.equal(
          failure.hint,
          `kubectl patch service kserve-webhook-server-service -n kserve --type=json -p '[{"op":"replace","path":"/spec/ports/0/targetPort","value":9443}]'`,
        );
        await runHint(failure.hint!);
        fixed = true;
        await untilHealthy();
      } finally {
        if (!fixed) {
          await kubectlOk(
            ["patch", ...service, "--type=json", "-p"]
              .concat(
                '[{"op":"replace","path":"/spec/ports/0/targetPort","value":"webhook-server"}]',
              ),
          );
        }
      }
    },
  );

  await t.step(
    "a webhook pointing at a Service in another namespace is named, and the forced re-apply fixes it",
    async () => {
      // A Service of that name exists there (an earlier install's), so it is no orphan.
      await kubectlOk(["create", "namespace", "kserve-old"]);
      let fixed = false;
      try {
        await kubectlOk(
          ["create", "service", "clusterip", "kserve-webhook-server-service", "-n", "kserve-old"]
            .concat(["--tcp=443:9443"]),
        );
        await patchKServeWebhook("/webhooks/0/clientConfig/service/namespace", "kserve-old");
        const failure = onlyFailure(await check(), "webhooks.service");
        assert.equal(
          failure.error,
          "These webhooks point outside kserve: inferenceservice.kserve-webhook-server.validator -> kserve-old/kserve-webhook-server-service",
        );
        // kubectl patch now owns that field: a re-apply without force would stop on it.
        assert.match(
          failure.hint!,
          /kubectl kserve install --mode raw --version v0\.20\.0 --force-conflicts$/,
        );
        await runHint(failure.hint!);
        fixed = true;
        assert.equal((await untilHealthy()).byId("webhooks.service")!.result, "pass");
      } finally {
        if (!fixed) await reinstall();
        await kubectl(["delete", "namespace", "kserve-old", "--wait=false"]);
      }
    },
  );

  await t.step(
    "the mutating webhook configuration deleted: the probe sees nothing defaulted",
    async () => {
      let fixed = false;
      try {
        await kubectlOk([
          "delete",
          "mutatingwebhookconfiguration",
          "inferenceservice.serving.kserve.io",
        ]);
        const failure = onlyFailure(await check(), "webhooks.probe");
        assert.equal(
          failure.error,
          'The create passed but nothing was defaulted: the mutating webhook "inferenceservice.kserve-webhook-server.defaulter" did not run',
        );
        assert.match(failure.hint!, /kubectl kserve install --mode raw --version v0\.20\.0$/);
        await runHint(failure.hint!);
        fixed = true;
        // cainjector fills the re-created configuration's caBundle a moment later.
        assert.equal((await untilHealthy()).byId("webhooks.probe")!.result, "pass");
      } finally {
        if (!fixed) await reinstall();
      }
    },
  );

  await t.step(
    "a controller image pinned by digest is a warning that names the image",
    async () => {
      const controller = ["deployment/kserve-controller-manager", "-n", "kserve"];
      const digest = `kserve/kserve-controller@sha256:${"0".repeat(64)}`;
      // Paused, the Deployment keeps its running pods: only the image reference is under test.
      await kubectlOk(["rollout", "pause", ...controller]);
      try {
        await kubectlOk(["set", "image", ...controller, `manager=${digest}`]);
        const summary = await check();
        assert.deepEqual(summary.failed, [], JSON.stringify(summary.report.categories, null, 1));
        assert.deepEqual(summary.warned, ["kserve.version", "mode.metrics"]);
        assert.equal(summary.code, 0, "a warning does not fail the run");
        assert.equal(summary.report.kserveVersion, "unknown");
        assert.match(
          summary.byId("kserve.version")!.error!,
          new RegExp(`^Deployment kserve/kserve-controller-manager runs image ${digest}, which`),
        );
        assert.match(summary.byId("kserve.version")!.hint!, /kserve-controller:v0\.20\.0@sha256:/);
        assert.equal(summary.byId("kserve.release")!.result, "skip");
      } finally {
        await kubectlOk([
          "set",
          "image",
          ...controller,
          "manager=kserve/kserve-controller:v0.20.0",
        ]);
        await kubectlOk(["rollout", "resume", ...controller]);
      }
      assert.equal((await check()).byId("kserve.version")!.note, "v0.20.0");
    },
  );

  await t.step(
    "a stale caBundle on a CRD's conversion webhook is named with the CRD and its Service; uninstall names it too, and the hint fixes it",
    async () => {
      // v0.20 stores LLMInferenceServiceConfigs at v1alpha2; uninstall lists them at v1alpha1,
      // through the conversion webhook. Field report: it failed with the raw server error.
      const crd = "llminferenceserviceconfigs.serving.kserve.io";
      const bundle = "/spec/conversion/webhook/clientConfig/caBundle";
      const patch = async (value: string) => {
        const result = await patchCrd(crd, [{ op: "replace", path: bundle, value }]);
        assert.equal(result.code, 0, result.stderr);
      };
      const stored = await kubectlJson<{ items: unknown[] }>(
        ["get", `llminferenceserviceconfigs.v1alpha2.serving.kserve.io`, "-A", "-o", "json"],
      );
      assert.ok(stored.items.length > 0, "the install holds LLMInferenceServiceConfigs");
      const good = await kubectlOk(
        ["get", "crd", crd, "-o", "jsonpath={.spec.conversion.webhook.clientConfig.caBundle}"],
      );
      // A real CA, another Certificate's: KServe's own webhook certificate.
      const other = await kserveWebhookCa();
      assert.notEqual(other, good);
      let fixed = false;
      try {
        await patch(other);
        const summary = await check();
        assert.ok(summary.failed.includes("webhooks.ca-bundle"), JSON.stringify(summary.failed));
        const failure = summary.byId("webhooks.ca-bundle")!;
        assert.match(
          failure.error!,
          /^CRD llminferenceserviceconfigs\.serving\.kserve\.io's conversion webhook \(Service kserve\/llmisvc-webhook-server-service\): caBundle holds a different CA \(.*\) than ca\.crt of kserve\/llmisvc-webhook-server-cert .*, so every read of llminferenceserviceconfigs\.serving\.kserve\.io at a version other than the stored one fails/,
        );
        assert.equal(failure.transient, undefined, "cainjector runs and will not inject again");
        assert.match(
          failure.hint!,
          /^Make cainjector inject again: kubectl rollout restart deployment\/cert-manager-cainjector -n cert-manager$/,
        );
        const uninstall = await runPlugin(["uninstall", "--dry-run"], {
          env: { KUBECONFIG: adminKubeconfig() },
        });
        assert.equal(uninstall.code, 1, uninstall.stderr);
        assert.match(
          uninstall.stderr,
          /Reading LLMInferenceServiceConfig at serving\.kserve\.io\/v1alpha2 needs the conversion webhook of CRD llminferenceserviceconfigs\.serving\.kserve\.io \(Service kserve\/llmisvc-webhook-server-service\), and it failed: the caBundle of the CRD's conversion webhook does not hold the CA/,
        );
        assert.match(uninstall.stderr, /kubectl kserve check/);
        await runHint(failure.hint!);
        fixed = true;
        assert.equal((await untilHealthy()).byId("webhooks.ca-bundle")!.result, "pass");
        const again = await runPlugin(["uninstall", "--dry-run"], {
          env: { KUBECONFIG: adminKubeconfig() },
        });
        assert.equal(again.code, 0, again.stderr);
      } finally {
        if (!fixed) await patch(good);
      }
    },
  );

  await t.step(
    "check --mode serverless without Knative: its hint installs it; then its controller scaled to 0",
    async () => {
      const failure = onlyFailure(await check(["--mode", "serverless"]), "mode.knative");
      assert.equal(failure.error, "Knative Serving is not installed");
      assert.equal(
        failure.hint,
        "Install Knative Serving and make it the default mode: " +
          "kubectl kserve install --mode serverless --version v0.20.0",
      );
      const crdBefore = Date.now();
      await runHint(failure.hint!);
      let summary = await untilHealthy(["--mode", "serverless"]);
      assert.equal(summary.report.mode, "Knative");
      assert.match(summary.byId("mode.knative")!.note!, /^ingress kourier\.ingress/);
      // Field report: over a raw install, KServe's controller had looked Knative up at start
      // and kept rejecting Knative InferenceServices. install restarted it: read from its pods.
      assert.equal(summary.byId("mode.controller-sees-knative")!.result, "pass");
      const controllerPods = await kserveControllerPods<{ status: { startTime: string } }>();
      assert.ok(controllerPods.length > 0);
      for (const pod of controllerPods) {
        assert.ok(Date.parse(pod.status.startTime) >= crdBefore - 1000, pod.status.startTime);
      }
      // Sibling: Knative's CRD created anew (another tool re-installed Knative) after the
      // controller started. check names the pod, the CRD and the restart; its hint fixes it.
      const crd = await kubectlJson<
        Record<string, unknown> & { metadata: Record<string, unknown> }
      >(
        ["get", "crd", "services.serving.knative.dev", "-o", "json"],
      );
      const { name, labels, annotations } = crd.metadata;
      await kubectlOk(["delete", "crd", "services.serving.knative.dev", "--wait"]);
      await applyYaml(
        JSON.stringify({ ...crd, metadata: { name, labels, annotations }, status: undefined }),
      );
      const blind = onlyFailure(
        await waitFor("check to see the new CRD", async () => {
          const s = await check(["--mode", "serverless"]);
          return s.failed.includes("mode.controller-sees-knative") && s;
        }, { timeoutMs: 60_000, intervalMs: 1000 }),
        "mode.controller-sees-knative",
      );
      assert.match(
        blind.error!,
        /^KServe controller pod kserve-controller-manager-\S+ \(started .*\) started before CustomResourceDefinition services\.serving\.knative\.dev was created .*ServerlessModeRejected/,
      );
      assert.equal(blind.transient, undefined, "needs a fix: not retried under --wait");
      assert.equal(
        blind.hint,
        "kubectl rollout restart deployment/kserve-controller-manager -n kserve",
      );
      await runHint(blind.hint!);
      summary = await untilHealthy(["--mode", "serverless"]);
      assert.equal(summary.byId("mode.controller-sees-knative")!.result, "pass");

      const controller = ["deployment/controller", "-n", "knative-serving"];
      try {
        await kubectlOk(["scale", ...controller, "--replicas=0"]);
        const stopped = onlyFailure(await check(), "mode.knative");
        assert.equal(
          stopped.error,
          "Knative Serving Deployments in knative-serving not Available: controller (scaled to 0)",
        );
        assert.equal(stopped.transient, undefined);
        await runHint(stopped.hint!);
        summary = await untilHealthy();
        assert.equal(summary.byId("mode.knative")!.result, "pass");
      } finally {
        await kubectlOk(["scale", ...controller, "--replicas=1"]);
      }
    },
  );

  await t.step(
    'a KServe CRD stuck deleting is an uninstall that did not finish, named with what holds it, never "not installed"',
    async () => {
      // Field report: an uninstall interrupted after the controller was gone left the CRD
      // waiting for an InferenceService's finalizer; check and version said "not installed".
      const held = inferenceServiceJson({
        name: "held",
        namespace: "default",
        finalizers: ["example.com/hold"],
      });
      await applyYaml(held);
      try {
        await kubectlOk(["delete", "deployment", "kserve-controller-manager", "-n", "kserve"]);
        await kubectlOk(["delete", "configmap", "inferenceservice-config", "-n", "kserve"]);
        await kubectlOk(["delete", "crd", "inferenceservices.serving.kserve.io", "--wait=false"]);
        const stuck = await waitFor("check to see the CRD held", async () => {
          const s = await check();
          const r = s.byId("kserve.installed");
          return /stuck deleting .*\(.+\)$/.test(r?.error ?? "") && r;
        }, { timeoutMs: 60_000, intervalMs: 2000 });
        assert.equal(stuck.result, "fail");
        assert.match(
          stuck.error!,
          /^KServe is being uninstalled and has not finished: CRD inferenceservices\.serving\.kserve\.io is stuck deleting since \S+, held by finalizer customresourcecleanup\.apiextensions\.k8s\.io \((CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon|CustomResource deletion is in progress|could not .*)\)$/,
        );
        assert.doesNotMatch(stuck.hint!, /kubectl kserve install/);
        const version = await runPlugin(["version"], { env: { KUBECONFIG: adminKubeconfig() } });
        assert.match(
          version.stdout,
          /KServe Version: not installed \(KServe is being uninstalled and has not finished: CRD inferenceservices\.serving\.kserve\.io is stuck deleting/,
        );
        // The hint's commands run: they show the CRD and the object that holds it.
        await runHint(stuck.hint!);
      } finally {
        // With the controller gone its webhooks refuse every update: remove them first.
        for (const kind of ["validatingwebhookconfiguration", "mutatingwebhookconfiguration"]) {
          await kubectl([
            "delete",
            kind,
            "inferenceservice.serving.kserve.io",
            "--ignore-not-found",
          ]);
        }
        await kubectl([
          "patch",
          "inferenceservice",
          "held",
          "-n",
          "default",
          "--type",
          "merge",
          "-p",
          JSON.stringify({ metadata: { finalizers: [] } }),
        ]);
      }
    },
  );
  await resetCluster();
});
