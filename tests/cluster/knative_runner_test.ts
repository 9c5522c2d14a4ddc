// Knative Serving's real controllers behind kwok's pods (the pod runner plays controller,
// webhook, autoscaler, activator and queue-proxy with binaries built from knative.dev/serving;
// Kourier is the networking double, tests/doubles/knative_networking.ts): with kubectl only,
// Knative Serving and Kourier install healthy, the real webhooks admit and reject, a Knative
// Service becomes Ready, and a request reaches the model-server double through queue-proxy, both
// through the API server's service proxy and through Kourier's gateway. For each Knative release
// KServe v0.16.0 and v0.20.0 pin. Each starts from `cluster reset`, and the last resets again.
// Run inside the cluster's netns: deno task cluster exec -- deno test -A tests/cluster/
import assert from "node:assert/strict";
import { KNATIVE_RELEASES } from "../../lib/kserve/releases.ts";
import { FIXTURES } from "../support/fixtures.ts";
import {
  applyUntilDone,
  applyYaml,
  createNamespace,
  kubectl,
  kubectlJson,
  kubectlOk,
  type Obj,
  resetCluster,
  say,
  secondsSince,
  waitFor,
} from "../support/cluster.ts";

const MODEL = "toy";

async function installKnative(release: string): Promise<void> {
  say(`cluster reset in ${(await resetCluster()).toFixed(1)}s`);
  const start = Date.now();
  await applyUntilDone(`${FIXTURES}knative-serving/${release}/serving-crds.yaml`);
  await applyUntilDone(`${FIXTURES}knative-serving/${release}/serving-core.yaml`, 180_000);
  await applyUntilDone(`${FIXTURES}net-kourier/${KNATIVE_RELEASES[release]!.kourier}/kourier.yaml`);
  for (const ns of ["knative-serving", "kourier-system"]) {
    await kubectlOk(["wait", "-n", ns, "--for=condition=Available", "deployment", "--all"]
      .concat(["--timeout=180s"]));
  }
  say(`Knative Serving ${release} and Kourier Available in ${secondsSince(start)}`);
}

/** `kubectl patch configmap NAME -n knative-serving` with `data` (through the config webhook). */
function patchConfig(name: string, data: Record<string, string>) {
  return kubectl(["patch", "configmap", name, "-n", "knative-serving", "--type=merge", "-p"]
    .concat([JSON.stringify({ data })]));
}

function knativeService(name: string, namespace: string, extra: Obj = {}): string {
  return JSON.stringify({
    apiVersion: "serving.knative.dev/v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: {
      template: {
        metadata: { annotations: { "autoscaling.knative.dev/min-scale": "1" } },
        spec: {
          containers: [{
            image: "kubectl-kserve.test/model-server:knative",
            args: [`--model_name=${MODEL}`],
          }],
          ...extra,
        },
      },
    },
  });
}

/** One HTTP/1.1 GET to `ip:80` with the Host header Kourier routes by; the status line and body. */
async function getThroughGateway(ip: string, host: string, path: string): Promise<string> {
  const conn = await Deno.connect({ hostname: ip, port: 80 });
  try {
    const request = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(request));
    let text = "";
    for await (const chunk of conn.readable.pipeThrough(new TextDecoderStream())) text += chunk;
    return text;
  } finally {
    try {
      conn.close();
    } catch { /* closed by the stream */ }
  }
}

for (const release of ["v1.15.2", "v1.21.1"]) {
  Deno.test(`Knative Serving ${release}'s real controllers make a Knative Service Ready, and requests reach the model server through queue-proxy`, async () => {
    await installKnative(release);
    // The real config webhook rejects a bad value and admits a good one.
    const bad = await patchConfig("config-autoscaler", {
      "container-concurrency-target-default": "-1",
    });
    assert.equal(bad.success, false, "the config webhook admitted a negative concurrency target");
    assert.match(bad.stderr, /config\.webhook\.serving\.knative\.dev/);
    const kourierClass = await patchConfig("config-network", {
      "ingress-class": "kourier.ingress.networking.knative.dev",
    });
    assert.ok(kourierClass.success, kourierClass.stderr);
    // The test registry does not exist: Knative must not resolve its tags to digests.
    const skip = await patchConfig("config-deployment", {
      "registries-skipping-tag-resolving": "kind.local,ko.local,dev.local,kubectl-kserve.test",
    });
    assert.ok(skip.success, skip.stderr);
    const ns = await createNamespace("knative");
    // The real validating webhook rejects a Service Knative would refuse.
    const refused = await kubectl(["apply", "-f", "-"], {
      stdin: knativeService("refused", ns, { containerConcurrency: -5 }),
    });
    assert.equal(refused.success, false);
    assert.match(refused.stderr, /validation\.webhook\.serving\.knative\.dev/);
    let start = Date.now();
    await applyYaml(knativeService("toy", ns));
    const ready = await waitFor("Knative Service toy Ready", async () => {
      const svc = await kubectlJson<Obj>(["get", "ksvc", "toy", "-n", ns]);
      const c = (svc.status?.conditions ?? []).find((c: Obj) => c.type === "Ready");
      if (c?.status === "False") throw new Error(`${c.reason}: ${c.message}`);
      return c?.status === "True" && svc;
    }, { timeoutMs: 180_000, intervalMs: 1000 });
    say(`Knative Service Ready in ${secondsSince(start)} at ${ready.status.url}`);
    const revision = ready.status.latestReadyRevisionName as string;
    // The revision's private Service targets queue-proxy's port (8012); the model server double
    // listens on 8080 in the same pod, so an answer here came through queue-proxy.
    const body = await kubectlOk(["get", "--raw"]
      .concat([
        `/api/v1/namespaces/${ns}/services/${revision}-private:http/proxy/v1/models/${MODEL}`,
      ]));
    assert.deepEqual(JSON.parse(body), { name: MODEL, ready: true });
    // Through Kourier's gateway (the double), by the Service's host: the cluster-local one, as
    // Knative's default domain is svc.cluster.local.
    start = Date.now();
    const kourier = await kubectlJson<Obj>(["get", "service", "kourier-internal", "-n"]
      .concat(["kourier-system"]));
    const host = new URL(ready.status.url).host;
    const answer = await getThroughGateway(kourier.spec.clusterIP, host, `/v1/models/${MODEL}`);
    assert.match(answer, /^HTTP\/1\.1 200/);
    assert.match(answer, new RegExp(`"name":"${MODEL}","ready":true`));
    say(`answered through Kourier's gateway in ${secondsSince(start)}`);
    await kubectlOk(["delete", "namespace", ns, "--wait=false"]);
  });
}

Deno.test("the cluster is left empty for the other test files", async () => {
  say(`cluster reset in ${(await resetCluster()).toFixed(1)}s`);
});
