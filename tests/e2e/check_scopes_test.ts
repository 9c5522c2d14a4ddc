/**
 * check's scopes and its other audiences: -n and -A over the models of a namespace or of all,
 * --mode deployment (option 2, no KServe needed), and users who may not read or create what
 * check reads or a deploy creates. Each makes its check fail, naming what is missing, and where
 * the hint is a grant, runs it and asserts that check passes for the same user.
 */
import assert from "node:assert/strict";
import {
  adminKubeconfig,
  applyYaml,
  kubectl,
  kubectlOk,
  resetCluster,
  waitFor,
} from "../support/cluster.ts";
import { clientCertKubeconfig, editorKubeconfig } from "../support/credentials.ts";
import { inferenceServiceJson, installKServe } from "../support/kserve.ts";
import { runCheck } from "../support/plugin_json.ts";
import { runPlugin, tempDir, writeKubeconfig } from "../support/plugin.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { assertHintParses, runHint } from "../support/hints.ts";

const admin = (args: string[]) => runCheck(args, adminKubeconfig());

/** A model no ClusterServingRuntime supports: it never becomes Ready. */
const UNSERVABLE = inferenceServiceJson(
  { name: "unservable", namespace: "team-a" },
  "no-such-format",
);

/** KServe's condition reason, or the model rule's words for the same (deploy's). */
const NO_RUNTIME =
  /NoSupportingRuntime|no runtime|No ServingRuntime or ClusterServingRuntime supports model format/i;

Deno.test("check -n, -A and --mode deployment, and users who may not do what check asks", async (t) => {
  await resetCluster();
  await installKServe(["--version", "v0.20.0", "--request-timeout", "2m"]);
  for (const ns of ["team-a", "team-b"]) await kubectlOk(["create", "namespace", ns]);

  await t.step("request counts: a healthy check sends 44, a re-run of install 171", async () => {
    // Both are deterministic on a healthy install; a change here is a change of what they send
    // (update README's benchmark table with it).
    const env = { KUBECONFIG: adminKubeconfig(), KUBECTL_KSERVE_STATS: "1" };
    const sent = (stderr: string) => Number(/stats: api_requests=(\d+)/.exec(stderr)?.[1]);
    const check = await runPlugin(["check", "-v"], { env });
    assert.equal(check.code, 0, check.stdout);
    assert.equal(sent(check.stderr), 44, check.stderr);
    const logged = [...check.stderr.matchAll(/^\[\+\d+ms\] (GET|POST) (\S+) (\d+)/gm)];
    assert.equal(logged.length, 44, "-v logs every request");
    // Each list is asked once (the same path and selectors), and Deployments by selector or
    // namespace: never every Deployment of the cluster.
    const lists = logged.filter((m) => m[1] === "GET").map((m) => m[2]!)
      .filter((request) =>
        /\/(?:api\/v1|apis\/[^/]+\/[^/]+)(?:\/namespaces\/[^/]+)?\/[a-z]+(?:\?|$)/.test(request)
      );
    assert.deepEqual(lists.filter((path, i) => lists.indexOf(path) !== i), [], "listed twice");
    assert.deepEqual(
      lists.filter((request) =>
        /^\/apis\/apps\/v1\/deployments(?:\?(?!.*labelSelector)|$)/.test(request)
      ),
      [],
      "every Deployment of the cluster listed",
    );
    await using cache = await tempDir();
    const install = await runPlugin(
      ["install", "--manifests", FIXTURES, "--version", "v0.20.0", "--request-timeout", "2m"],
      { env: { ...env, XDG_CACHE_HOME: cache.path } },
    );
    assert.equal(install.code, 0, install.stderr);
    // 169, plus Knative's CRD and the controller's pods read once it has rolled out (whether it
    // started before Knative existed: lib/install/restart.ts).
    assert.equal(sent(install.stderr), 171, install.stderr);
  });

  await t.step(
    "check -A names a model that is not Ready in any namespace; -n scopes to one",
    async () => {
      await applyYaml(UNSERVABLE);
      const all = await waitFor("the controller to explain the model", async () => {
        const summary = await admin(["-A"]);
        return NO_RUNTIME.test(summary.byId("models.ready")?.error ?? "") && summary;
      }, { timeoutMs: 90_000, intervalMs: 2000 });
      // deploy's rules hold for a model kubectl wrote: models.spec names it in deploy's words.
      assert.deepEqual(all.failed, ["models.ready", "models.spec"]);
      assert.match(
        all.byId("models.spec")!.error!,
        /team-a\/unservable: No ServingRuntime or ClusterServingRuntime supports model format "no-such-format"/,
      );
      assert.match(all.byId("models.ready")!.error!, /team-a\/unservable/);
      assert.equal(all.code, 1);
      // No runtime serves it: a fix, not settling; the hint names the model that exists.
      assert.equal(all.byId("models.ready")!.transient, undefined);
      assert.match(
        all.byId("models.ready")!.hint!,
        /^See its conditions, pods and events with: kubectl kserve status unservable -n team-a$/,
      );
      // The hint's command shows the model and why it is not Ready.
      const [command] = await assertHintParses(all.byId("models.ready")!.hint!);
      const shown = await runPlugin(command!.slice(2), { env: { KUBECONFIG: adminKubeconfig() } });
      assert.match(shown.stdout + shown.stderr, /unservable/);
      assert.match(shown.stdout + shown.stderr, NO_RUNTIME);

      const teamA = await admin(["-n", "team-a"]);
      assert.deepEqual(teamA.failed, ["models.ready", "models.spec"]);
      assert.match(teamA.byId("models.ready")!.error!, /team-a\/unservable/);

      const teamB = await admin(["-n", "team-b"]);
      assert.deepEqual(teamB.failed, [], JSON.stringify(teamB.report.categories, null, 1));
      assert.equal(teamB.byId("models.ready")!.note, "0 ready");

      // Without -n or -A, models are not checked at all.
      const cluster = await admin([]);
      assert.equal(cluster.byId("models.ready"), undefined);
      assert.equal(cluster.code, 0);
      await kubectlOk(["delete", "isvc", "unservable", "-n", "team-a", "--wait=false"]);
    },
  );

  await t.step(
    "check --mode deployment without metrics-server, then with a broken one",
    async () => {
      let summary = await admin(["--mode", "deployment", "-n", "team-b"]);
      assert.deepEqual(
        summary.report.categories.map((c: { name: string }) => c.name),
        ["cluster", "deployment"],
      );
      assert.deepEqual(summary.failed, ["deployment.metrics"]);
      assert.equal(
        summary.byId("deployment.metrics")!.error,
        "metrics.k8s.io is not served: metrics-server is not installed",
      );
      assert.equal(summary.byId("deployment.permissions")!.note, "in namespace team-b");
      assert.equal(summary.code, 1);
      // Registered, but its Service does not exist: the aggregator marks it not Available.
      const apiService = JSON.stringify({
        apiVersion: "apiregistration.k8s.io/v1",
        kind: "APIService",
        metadata: { name: "v1beta1.metrics.k8s.io" },
        spec: {
          service: { name: "metrics-server", namespace: "kube-system" },
          group: "metrics.k8s.io",
          version: "v1beta1",
          insecureSkipTLSVerify: true,
          groupPriorityMinimum: 100,
          versionPriority: 100,
        },
      });
      try {
        await applyYaml(apiService);
        summary = await waitFor("the aggregator to judge the APIService", async () => {
          const s = await admin(["--mode", "deployment", "-n", "team-b"]);
          return /not Available/.test(s.byId("deployment.metrics")?.error ?? "") && s;
        }, { timeoutMs: 60_000, intervalMs: 1000 });
        assert.match(
          summary.byId("deployment.metrics")!.error!,
          /^metrics\.k8s\.io is not Available: APIService v1beta1\.metrics\.k8s\.io says ServiceNotFound: .*metrics-server/,
        );
        assert.equal(
          summary.byId("deployment.metrics")!.hint,
          "See why its Service kube-system/metrics-server does not answer: kubectl describe apiservice v1beta1.metrics.k8s.io",
        );
        await runHint(summary.byId("deployment.metrics")!.hint!);
        // ServiceNotFound: it does not settle on its own.
        assert.equal(summary.byId("deployment.metrics")!.transient, undefined);
      } finally {
        // An unavailable aggregated API blocks namespace deletion cluster-wide: remove it first.
        await kubectl(["delete", "apiservice", "v1beta1.metrics.k8s.io", "--ignore-not-found"]);
      }
    },
  );

  await t.step(
    "check --mode deployment as a user who may only view the namespace: the grant in its hint fixes it",
    async () => {
      await using viewer = await clientCertKubeconfig("viewer-team-b");
      await kubectlOk([
        "create",
        "rolebinding",
        "viewer-team-b-view",
        "--clusterrole=view",
        "--user=viewer-team-b",
        "-n",
        "team-b",
      ]);
      try {
        const denied = await runCheck(["--mode", "deployment", "-n", "team-b"], viewer.path);
        const failure = denied.byId("deployment.permissions")!;
        assert.equal(failure.result, "fail");
        assert.equal(
          failure.error,
          "Missing permissions: create deployments.apps in team-b, create services in team-b, " +
            "create horizontalpodautoscalers.autoscaling in team-b",
        );
        assert.equal(
          failure.hint,
          "Ask for the 'edit' ClusterRole in the namespace: " +
            "kubectl create rolebinding edit-viewer-team-b --clusterrole=edit --user=viewer-team-b -n team-b",
        );
        // Such a user may not read APIServices; discovery still answers for the metrics API.
        assert.equal(
          denied.byId("deployment.metrics")!.error,
          "metrics.k8s.io is not served (from API discovery)",
        );
        // Field report: the same user's plain check said "Install it" about KServe, which is
        // installed; it may only not read it. Every hint follows from what was found.
        const plain = await runCheck(["-n", "team-b"], viewer.path);
        const installed = plain.byId("kserve.installed")!;
        assert.equal(installed.result, "fail", JSON.stringify(plain.report.categories, null, 1));
        assert.match(
          installed.error!,
          /^Whether KServe is installed is not known: serving\.kserve\.io is served, but these credentials may not read the kserve-controller-manager Deployment/,
        );
        for (const id of [...plain.failed, ...plain.warned]) {
          assert.doesNotMatch(plain.byId(id)?.hint ?? "", /kubectl kserve install|Install it:/, id);
        }
        await runHint(failure.hint!);
        const granted = await runCheck(["--mode", "deployment", "-n", "team-b"], viewer.path);
        assert.equal(granted.byId("deployment.permissions")!.result, "pass");
      } finally {
        await kubectl(["delete", "rolebinding", "viewer-team-b-view", "edit-viewer-team-b"]
          .concat(["-n", "team-b", "--ignore-not-found"]));
      }
    },
  );

  await t.step(
    "check as a user with 'edit' everywhere names the reads it lacks; the grant in its hint fixes it",
    async () => {
      await using editor = await editorKubeconfig();
      try {
        const denied = await runCheck([], editor.path);
        const failure = denied.byId("cluster.permissions")!;
        assert.equal(failure.result, "fail", JSON.stringify(denied.report.categories, null, 1));
        for (
          const read of [
            "list validatingwebhookconfigurations.admissionregistration.k8s.io",
            "list mutatingwebhookconfigurations.admissionregistration.k8s.io",
          ]
        ) {
          assert.ok(failure.error!.includes(read), `${read} should be named in ${failure.error}`);
        }
        assert.match(
          failure.hint!,
          /kubectl create clusterrole kubectl-kserve-check-list --verb=list .*--resource=validatingwebhookconfigurations\.admissionregistration\.k8s\.io/,
        );
        assert.match(
          failure.hint!,
          /kubectl create clusterrolebinding kubectl-kserve-check-list --clusterrole=kubectl-kserve-check-list --user=editor-/,
        );
        await runHint(failure.hint!);
        const granted = await runCheck([], editor.path);
        assert.equal(
          granted.byId("cluster.permissions")!.result,
          "pass",
          JSON.stringify(granted.byId("cluster.permissions")),
        );
      } finally {
        for (const verb of ["list", "get", "create"]) {
          const name = `kubectl-kserve-check-${verb}`;
          await kubectl(["delete", "clusterrolebinding,clusterrole", name, "--ignore-not-found"]);
          await kubectl(["delete", "rolebinding,role", name, "-n", "kserve", "--ignore-not-found"]);
        }
      }
    },
  );
  await resetCluster();
});

Deno.test("check against an API server that refuses connections fails cluster.api and skips the rest", async () => {
  // A loopback port that was just free: nothing listens there, so the connection is refused.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await using dir = await tempDir();
  const kubeconfig = await writeKubeconfig(dir.path, { server: `https://127.0.0.1:${port}` });
  const summary = await runCheck([], kubeconfig);
  assert.equal(summary.code, 1);
  assert.deepEqual(summary.failed, ["cluster.api"]);
  assert.match(
    summary.byId("cluster.api")!.error!,
    new RegExp(
      `^Cannot reach the Kubernetes API server at https://127\\.0\\.0\\.1:${port} \\(context "test"\\)`,
    ),
  );
  assert.deepEqual(summary.passed, []);
  assert.equal(summary.report.success, false);
});
