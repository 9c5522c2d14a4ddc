/**
 * A webhook Service that misses its pods by its port, on the Services and Deployments of the
 * real manifests (KServe, Knative, cert-manager), each with its targetPort broken.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import {
  type PortedDeployment,
  type PortedService,
  targetsNoPort,
} from "../../lib/checks/selectors.ts";

const FIXTURES = new URL("../../../shared/fixtures/manifests/", import.meta.url);

/** The Service and the Deployment of that name (or `deployment`) in a fixture manifest. */
function pair(
  file: string,
  service: string,
  deployment = service,
): { service: PortedService; deployment: PortedDeployment } {
  const text = Deno.readTextFileSync(new URL(file, FIXTURES));
  const objects = text.split(/^---$/m).map((doc) => parse(doc)).filter(Boolean) as {
    kind: string;
    metadata: { name: string };
  }[];
  const find = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name)!;
  return {
    service: structuredClone(find("Service", service)) as PortedService,
    deployment: find("Deployment", deployment) as PortedDeployment,
  };
}

/** The Service with its port 443 sending to `target`. */
function retargeted(service: PortedService, target: number | string): PortedService {
  const copy = structuredClone(service);
  const port = copy.spec!.ports!.find((p) => p.port === 443)!;
  port.targetPort = target;
  return copy;
}

const CASES = [
  {
    what: "KServe v0.20.0",
    ...pair(
      "kserve/v0.20.0/kserve.yaml",
      "kserve-webhook-server-service",
      "kserve-controller-manager",
    ),
    port: 0,
    fix: 9443,
    byName: '"webhook-server"',
  },
  {
    what: "Knative 1.21.1",
    ...pair("knative-serving/v1.21.1/serving-core.yaml", "webhook"),
    port: 2,
    fix: 8443,
    byName: '"https-webhook"',
  },
  {
    what: "cert-manager v1.18.0",
    ...pair("cert-manager/v1.18.0/cert-manager.yaml", "cert-manager-webhook"),
    port: 0,
    fix: 10250,
    byName: '"https"',
  },
];

for (const c of CASES) {
  Deno.test(`targetsNoPort() on ${c.what}: as shipped, nothing; a wrong number or name, the finding and the patch to the webhook port`, () => {
    assert.equal(targetsNoPort(c.service, c.deployment), undefined);
    const name = c.service.metadata!.name;
    const namespace = c.service.metadata!.namespace;
    const number = targetsNoPort(retargeted(c.service, 9999), c.deployment)!;
    assert.match(
      number.finding,
      new RegExp(
        `^Service ${namespace}/${name} sends port 443 to targetPort 9999, which no container of Deployment ${namespace}/${
          c.deployment.metadata!.name
        } declares \\(it declares .*\\)$`,
      ),
    );
    assert.equal(
      number.fix,
      `kubectl patch service ${name} -n ${namespace} --type=json -p '[{"op":"replace","path":"/spec/ports/${c.port}/targetPort","value":${c.fix}}]'`,
    );
    const named = targetsNoPort(retargeted(c.service, "webhook"), c.deployment)!;
    assert.match(named.fix, new RegExp(`"value":${c.byName}}]'$`));
  });
}

Deno.test("targetsNoPort() says nothing when the containers declare no port, or the Service has no such port", () => {
  const service: PortedService = {
    metadata: { name: "s", namespace: "n" },
    spec: { ports: [{ port: 443, targetPort: 9999 }] },
  };
  assert.equal(
    targetsNoPort(service, { spec: { template: { spec: { containers: [{}] } } } }),
    undefined,
  );
  const declared: PortedDeployment = {
    spec: { template: { spec: { containers: [{ ports: [{ containerPort: 9443 }] }] } } },
  };
  assert.equal(targetsNoPort(service, declared, 8443), undefined);
  // Two free ports named for neither a webhook nor https: no patch is guessed.
  const two: PortedDeployment = {
    metadata: { name: "d" },
    spec: {
      template: {
        spec: {
          containers: [{
            ports: [{ containerPort: 1, name: "a" }, { containerPort: 2, name: "b" }],
          }],
        },
      },
    },
  };
  assert.equal(targetsNoPort(service, two)!.fix, "kubectl describe service s -n n");
});
