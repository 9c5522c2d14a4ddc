/**
 * Knative's webhook writes its configurations' rules when it starts, one reconciler at a time
 * (lib/kserve/webhook_rules.ts). On KServe v0.20.0 with Knative 1.21.1's real webhook, held
 * from writing them by other holders of its Leases: check names the configurations without
 * rules as transient, an install re-run waits for them and stops with check's finding, and
 * both pass once the webhook has written them.
 */
import assert from "node:assert/strict";
import { adminKubeconfig, kubectl, kubectlOk, resetCluster, waitFor } from "../support/cluster.ts";
import { installKServe } from "../support/kserve.ts";
import {
  installServerlessWithin as installServerless,
  serverlessArgs as serverless,
  SMALLEST_KNATIVE_SERVICE as PROBE,
} from "../support/knative.ts";
import { runCheck } from "../support/plugin_json.ts";
import { assertUnchangedBy } from "../support/snapshot.ts";

/** The Lease through which Knative's webhook leads one reconciler (knative.dev/pkg leaderelection). */
async function leaseOf(reconciler: RegExp): Promise<string> {
  const names = await kubectlOk(["get", "leases", "-n", "knative-serving", "-o", "name"]);
  const leases = names.split("\n").filter((n) => reconciler.test(n));
  assert.equal(leases.length, 1, `one lease for ${reconciler} among: ${names}`);
  return leases[0]!.replace(/^.*\//, "");
}

/** Whether a Knative webhook configuration ("mutatingwebhookconfiguration NAME") has rules. */
async function hasRules(config: string): Promise<boolean> {
  const rules = await kubectlOk(
    ["get", ...config.split(" "), "-o", "jsonpath={.webhooks[0].rules}"],
  );
  return rules.trim() !== "";
}

const MUTATING = "mutatingwebhookconfiguration webhook.serving.knative.dev";
const VALIDATING = "validatingwebhookconfiguration validation.webhook.serving.knative.dev";

/** Another holder takes `lease` for an hour, so the webhook cannot lead that reconciler. */
function holdLease(lease: string): Promise<string> {
  return kubectlOk(
    ["patch", "lease", lease, "-n", "knative-serving", "--type=merge", "-p"].concat(
      JSON.stringify({
        spec: {
          holderIdentity: "kubectl-kserve-test",
          leaseDurationSeconds: 3600,
          renewTime: new Date().toISOString().replace("Z", "000Z"),
        },
      }),
    ),
  );
}

/** The dry-run create of a small Knative Service, as kubectl sends it. */
const probe = () =>
  kubectl(["create", "--dry-run=server", "-o", "json", "-f", "-"], { stdin: PROBE });

Deno.test("KServe v0.20.0: Knative's webhook that has not written its configurations' rules: check says so as transient, an install re-run waits for them, and both pass once they are written", async () => {
  await resetCluster();
  await installKServe(serverless("v0.20.0"));
  // The input, as while Knative's webhook starts (its reconcilers write their configurations'
  // rules in no set order; CI once saw validation's before defaulting's): other holders keep
  // the Leases of the defaulting and validation reconcilers, so the webhook started again
  // writes neither configuration's rules, which are removed.
  const defaulting = await leaseOf(/defaulting/i);
  const validation = await leaseOf(/\.validationwebhook\./i);
  await kubectlOk(["scale", "deployment", "webhook", "-n", "knative-serving", "--replicas=0"]);
  await kubectlOk(
    ["wait", "--for=delete", "pod", "-l", "app=webhook", "-n", "knative-serving", "--timeout=60s"],
  );
  await holdLease(defaulting);
  await holdLease(validation);
  for (const config of [MUTATING, VALIDATING]) {
    await kubectlOk(
      ["patch", ...config.split(" "), "--type=json", "-p"]
        .concat('[{"op":"remove","path":"/webhooks/0/rules"}]'),
    );
  }
  await kubectlOk(["scale", "deployment", "webhook", "-n", "knative-serving", "--replicas=1"]);
  await kubectlOk(
    ["rollout", "status", "deployment/webhook", "-n", "knative-serving", "--timeout=120s"],
  );

  // Neither written: the Service is admitted as sent, without its defaults.
  const admitted = await probe();
  assert.equal(admitted.code, 0, admitted.stderr);
  assert.equal(JSON.parse(admitted.stdout).spec.traffic, undefined);
  const neither = (await runCheck([], adminKubeconfig())).byId("mode.knative-webhook")!;
  assert.equal(neither.result, "fail", JSON.stringify(neither));
  assert.equal(
    neither.error,
    `Knative's webhook has not written the rules of ${VALIDATING}, ${MUTATING} yet: it does when it starts, and until then the API server skips them, so a Knative Service is admitted without its defaults (no spec.traffic)`,
  );
  assert.equal(neither.transient, true);

  // Validation's written, defaulting's not (CI's case): the Service reaches validation undefaulted.
  await kubectlOk(["delete", "lease", validation, "-n", "knative-serving"]);
  await waitFor("the webhook to write validation's rules", () => hasRules(VALIDATING), {
    timeoutMs: 90_000,
    intervalMs: 2000,
  });
  const refused = await probe();
  assert.match(refused.stderr, /Traffic targets sum to 0, want 100/);
  assert.equal(await hasRules(MUTATING), false);

  const finding =
    /^Knative's webhook has not written the rules of mutatingwebhookconfiguration webhook\.serving\.knative\.dev yet: it does when it starts, and until then the API server skips it, so a Knative Service reaches the others undefaulted \(.*Traffic targets sum to 0, want 100/;
  const broken = await runCheck([], adminKubeconfig());
  assert.deepEqual(broken.failed, ["mode.knative-webhook"], JSON.stringify(broken.report));
  const webhook = broken.byId("mode.knative-webhook")!;
  assert.match(webhook.error!, finding);
  assert.equal(webhook.transient, true, "the webhook writes them when it leads");
  assert.equal(
    webhook.hint,
    "If it lasts, see why in the webhook's log: kubectl logs deployment/webhook -n knative-serving",
  );

  // An install re-run waits for the rules before it probes, then stops with check's finding.
  const stopped = await assertUnchangedBy(
    "an install waiting for Knative's defaulting rules",
    () => installServerless("v0.20.0", "45s"),
  );
  assert.equal(stopped.code, 124, stopped.stderr);
  assert.match(
    stopped.stderr,
    new RegExp(`The knative-serving webhook did not answer in time: ${finding.source.slice(1)}`),
  );

  // The holder lets go: the webhook takes the Lease and writes the rules; check and install pass.
  await kubectlOk(["delete", "lease", defaulting, "-n", "knative-serving"]);
  await waitFor("the webhook to write defaulting's rules", () => hasRules(MUTATING), {
    timeoutMs: 90_000,
    intervalMs: 2000,
  });
  const fixed = await runCheck([], adminKubeconfig());
  assert.equal(fixed.byId("mode.knative-webhook")?.result, "pass", JSON.stringify(fixed));
  await installKServe(serverless("v0.20.0"));
});

Deno.test("the cluster is left empty for the other test files", async () => {
  await resetCluster();
});
