import assert from "node:assert/strict";
import { KSERVE_RELEASES } from "../../lib/kserve/releases.ts";
import {
  KNATIVE_COMMANDS,
  KNATIVE_IMAGE_DIGESTS,
  KNATIVE_IMAGE_PATTERN,
  knativeModuleVersion,
  knativeRelease,
} from "../../scripts/cluster/runner/knative.ts";
import { lookupImage } from "../../scripts/cluster/runner/images.ts";
import { sliceBackends } from "../../scripts/cluster/runner/net.ts";
import { fixture } from "../support/fixtures.ts";

Deno.test("the pod runner knows the image digests of every Knative release KServe pins, as its manifests name them", async () => {
  for (const release of new Set(KSERVE_RELEASES.map((r) => r.knative))) {
    const digests = KNATIVE_IMAGE_DIGESTS[release];
    assert.ok(digests, `no digests for Knative ${release}`);
    const core = await fixture(`knative-serving/${release}/serving-core.yaml`);
    for (const command of KNATIVE_COMMANDS) {
      const image: string = `gcr.io/knative-releases/knative.dev/serving/cmd/${command}@sha256:${
        digests[command]
      }`;
      assert.ok(core.includes(image), `${image} is not in Knative ${release}'s serving-core.yaml`);
      assert.equal(knativeRelease(command, digests[command]), release);
      assert.match(image, new RegExp(KNATIVE_IMAGE_PATTERN));
      assert.ok(lookupImage(image), `${image} is not in the runner's image table`);
    }
  }
});

Deno.test("knative.dev/serving's module version is the release's minor plus 27", () => {
  assert.equal(knativeModuleVersion("v1.15.2"), "v0.42.2");
  assert.equal(knativeModuleVersion("v1.21.1"), "v0.48.1");
  assert.throws(() => knativeModuleVersion("1.15"), /not a Knative release/);
});

Deno.test("an unknown Knative digest is no release", () => {
  assert.equal(knativeRelease("controller", "0".repeat(64)), undefined);
});

Deno.test("the pod runner routes a Service without a selector to the ready addresses of its EndpointSlices, at the port of the same name", () => {
  // Knative's public revision Service at zero: its Endpoints (mirrored into a slice) name the
  // activator's pod, port http 8012 and https 8112.
  const activator = {
    metadata: { name: "iris-predictor-00001-abcde", namespace: "models" },
    endpoints: [
      { addresses: ["10.244.0.4"], conditions: { ready: true } },
      { addresses: ["10.244.0.9"], conditions: { ready: false } },
      { addresses: ["10.244.0.7"] },
    ],
    ports: [{ name: "http", port: 8012 }, { name: "https", port: 8112 }],
  };
  assert.deepEqual(sliceBackends("http", [activator]), [
    { host: "10.244.0.4", port: 8012 },
    { host: "10.244.0.7", port: 8012 },
  ]);
  // Siblings: a port name no slice has; a slice with no ports (no endpoints yet).
  assert.deepEqual(sliceBackends("http2", [activator]), []);
  assert.deepEqual(sliceBackends("http", [{ ...activator, ports: null }]), []);
});
