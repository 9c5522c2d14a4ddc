// Admission webhooks on the test cluster: a webhook served by the test itself on 127.0.0.1 is
// called and its denial reaches the client; a webhook pointing at a Service with no reachable
// backend makes creates fail with the API server's "failed calling webhook" error.
// Run inside the cluster's netns: deno task cluster exec -- deno test -A tests/cluster/
import assert from "node:assert/strict";
import {
  applyYaml,
  kubectl,
  kubectlOk,
  uniqueName,
  waitFor,
  withNamespace,
} from "../support/cluster.ts";
import { type AdmissionRequest, admissionResponse, serveHttps } from "../support/https.ts";

const LABEL = "kubectl-kserve.test/webhook";

/** A ValidatingWebhookConfiguration for CREATE of ConfigMaps labelled LABEL=<id> in one namespace. */
function webhookConfig(name: string, ns: string, id: string, clientConfig: unknown): string {
  return JSON.stringify({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name },
    webhooks: [{
      name: `${id}.kubectl-kserve.test`,
      clientConfig,
      rules: [{
        operations: ["CREATE"],
        apiGroups: [""],
        apiVersions: ["v1"],
        resources: ["configmaps"],
        scope: "Namespaced",
      }],
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
      objectSelector: { matchLabels: { [LABEL]: id } },
      failurePolicy: "Fail",
      sideEffects: "None",
      admissionReviewVersions: ["v1"],
      timeoutSeconds: 5,
    }],
  });
}

function labelledConfigMap(id: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { generateName: "probe-", labels: { [LABEL]: id } },
    data: { a: "b" },
  });
}

/**
 * Creates labelled ConfigMaps until one is rejected with an error matching `pattern` (the API
 * server picks up a new webhook configuration asynchronously); returns kubectl's stderr.
 */
function createUntilRejected(ns: string, id: string, pattern: RegExp): Promise<string> {
  return waitFor(`creates in ${ns} to be rejected with ${pattern}`, async () => {
    const r = await kubectl(["create", "-f", "-", "-o", "name"], {
      namespace: ns,
      stdin: labelledConfigMap(id),
    });
    if (r.success) {
      await kubectlOk(["delete", r.stdout.trim(), "--wait=false"], { namespace: ns });
      return undefined;
    }
    if (pattern.test(r.stderr)) return r.stderr;
    throw new Error(r.stderr);
  }, { timeoutMs: 30_000 });
}

Deno.test("cluster: a webhook at https://127.0.0.1:PORT is called and its denial reaches the client", async () => {
  const id = uniqueName("deny");
  const message = `denied by test webhook ${id}`;
  const calls: AdmissionRequest[] = [];
  await using server = await serveHttps(async (req) => {
    const review = await req.json() as { request: AdmissionRequest };
    calls.push(review.request);
    return admissionResponse(review.request.uid, false, message);
  });

  await withNamespace("webhook-url", async (ns) => {
    const config = uniqueName("kubectl-kserve-test-url");
    const clientConfig = { url: `${server.url}/validate`, caBundle: server.caBundle };
    await applyYaml(webhookConfig(config, ns, id, clientConfig));
    try {
      const stderr = await createUntilRejected(ns, id, /denied the request/);
      assert.match(stderr, new RegExp(`admission webhook "${id}.kubectl-kserve.test" denied`));
      assert.ok(stderr.includes(message), stderr);
      assert.ok(calls.length > 0);
      assert.equal(calls.at(-1)?.operation, "CREATE");
      assert.equal(calls.at(-1)?.namespace, ns);
      assert.equal(calls.at(-1)?.kind.kind, "ConfigMap");

      // The webhook is scoped: an unlabelled ConfigMap is not sent to it.
      const before = calls.length;
      await kubectlOk(["create", "configmap", "plain", "--from-literal=a=b"], { namespace: ns });
      assert.equal(calls.length, before);
    } finally {
      await kubectlOk(["delete", "validatingwebhookconfiguration", config, "--ignore-not-found"]);
    }
  });
});

Deno.test("cluster: a webhook whose Service has no reachable backend fails creates", async () => {
  const id = uniqueName("unreachable");
  await withNamespace("webhook-svc", async (ns) => {
    await applyYaml(
      JSON.stringify({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "no-backend" },
        spec: { selector: { app: "does-not-exist" }, ports: [{ port: 443, targetPort: 9443 }] },
      }),
      { namespace: ns },
    );
    const config = uniqueName("kubectl-kserve-test-svc");
    const clientConfig = {
      service: { namespace: ns, name: "no-backend", port: 443, path: "/validate" },
    };
    await applyYaml(webhookConfig(config, ns, id, clientConfig));
    try {
      const stderr = await createUntilRejected(ns, id, /failed calling webhook/);
      assert.match(stderr, new RegExp(`failed calling webhook "${id}.kubectl-kserve.test"`));
      assert.match(stderr, /no-backend\.webhook-svc-[a-z0-9]+\.svc/);
    } finally {
      await kubectlOk(["delete", "validatingwebhookconfiguration", config, "--ignore-not-found"]);
    }
    // Without the webhook, the same create goes through again.
    await kubectlOk(["create", "-f", "-"], { namespace: ns, stdin: labelledConfigMap(id) });
  });
});
