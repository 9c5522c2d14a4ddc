/**
 * The kserve.release check: the controllers and the CRDs come from one KServe release. An
 * upgrade that stopped half-way (field report: v0.20.0's CRDs and cert-manager beside v0.16.0's
 * controllers) looks healthy to every other check; this one names the versions it sees.
 */
import { KSERVE } from "../defaults.ts";
import { versionFromImage } from "../kserve/detect.ts";
import { reapplyAt } from "../kserve/hints.ts";
import type { Deployment } from "../kube/objects.ts";
import type { CheckContext } from "./context.ts";
import { type Check, CheckFailed, SkipCheck } from "./check_types.ts";

/**
 * Whether a release's CRDs serve serving.kserve.io/v1alpha2 (LLMInferenceService and its
 * configs), read from the pinned release manifests (install/<version>/kserve.yaml); releases
 * not listed are not judged.
 */
const SERVES_V1ALPHA2: Record<string, boolean> = { "v0.16.0": false, "v0.20.0": true };

/** "kserve/llmisvc-controller:v0.20.0" for each KServe image of the install's Deployments. */
function kserveImages(deployments: Deployment[]): { deployment?: string; version: string }[] {
  return deployments.flatMap((d) =>
    (d.spec?.template?.spec?.containers ?? [])
      .filter((c) => /(^|\/)kserve\/[a-z-]*controller[:@]/.test(c.image ?? ""))
      .map((c) => ({ deployment: d.metadata?.name, version: versionFromImage(c.image!) }))
  );
}

export const releaseCheck: Check<CheckContext> = {
  id: "kserve.release",
  category: "kserve",
  description: "the KServe controllers and CRDs come from one release",
  hint: "Finish the upgrade by running the install of the release you meant again",
  dependsOn: ["kserve.version", "kserve.crds"],
  async run(ctx) {
    const kserve = await ctx.kserve();
    const images = kserveImages(await ctx.deployments({ namespace: kserve.namespace }))
      .filter((i) => i.version !== "unknown");
    const versions = [...new Set(images.map((i) => i.version))];
    if (!kserve.version || kserve.version === "unknown") {
      throw new SkipCheck("the controller version is not known");
    }
    const v1alpha2 = await ctx.get(`/apis/${KSERVE.apiGroup}/v1alpha2`) !== undefined;
    const expectsV1alpha2 = SERVES_V1ALPHA2[kserve.version] ?? v1alpha2;
    const problems: string[] = [];
    if (versions.length > 1) {
      problems.push(
        `controllers of different releases: ${
          images.map((i) => `${i.deployment} ${i.version}`).join(", ")
        }`,
      );
    }
    if (v1alpha2 && !expectsV1alpha2) {
      problems.push(
        `the CRDs serve ${KSERVE.apiGroup}/v1alpha2 (a newer release's, such as v0.20.0) while the controller is ${kserve.version}`,
      );
    } else if (!v1alpha2 && expectsV1alpha2) {
      problems.push(
        `the CRDs do not serve ${KSERVE.apiGroup}/v1alpha2 (an older release's, such as v0.16.0) while the controller is ${kserve.version}`,
      );
    }
    if (problems.length) {
      // Finish with the release the CRDs come from: the older one's CRDs would be refused.
      const newest = v1alpha2 && !expectsV1alpha2
        ? Object.keys(SERVES_V1ALPHA2).filter((v) => SERVES_V1ALPHA2[v]).at(-1)
        : versions.sort().at(-1);
      throw new CheckFailed(
        `KServe is half-upgraded: ${problems.join("; ")}`,
        newest ? `Finish the upgrade to ${newest}: ${reapplyAt(newest)}` : undefined,
      );
    }
    return `${kserve.version}${
      v1alpha2 ? ` (its LLMInferenceService CRDs serve ${KSERVE.apiGroup}/v1alpha2)` : ""
    }`;
  },
};
