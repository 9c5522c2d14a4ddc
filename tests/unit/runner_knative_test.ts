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
