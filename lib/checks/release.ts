/**
 * The kserve.release check: the controllers and the CRDs come from one KServe release. An
 * upgrade that stopped half-way (field report: the newer release's CRDs and cert-manager beside
 * the older one's controllers) looks healthy to every other check; this one names the versions it
 * sees.
 */
import { KSERVE, KSERVE_OBJECTS } from "../defaults.ts";
import { versionFromImage } from "../kserve/detect.ts";
import { configImages } from "../kserve/config.ts";
import { KSERVE_NAMESPACE, ownedByPlugin, reapplyAt } from "../kserve/hints.ts";
import { INSTALLABLE_KSERVE_VERSIONS, KSERVE_RELEASES, releaseOf } from "../kserve/releases.ts";
import type { Deployment } from "../kube/objects.ts";
import type { CheckContext } from "./context.ts";
import { type Check, CheckFailed, SkipCheck } from "./check_types.ts";

/** The API version only newer releases serve (LLMInferenceService and its configs). */
const NEWER_API = "v1alpha2";

/**
 * Whether a release's CRDs serve serving.kserve.io/v1alpha2, from the release table; releases it
 * does not list are not judged (undefined).
 */
function servesNewerApi(version: string): boolean | undefined {
  return releaseOf(version)?.apiVersions.includes(NEWER_API);
}

/** The newest release of the table that serves it, and the newest that does not. */
const withNewerApi = KSERVE_RELEASES.filter((r) => r.apiVersions.includes(NEWER_API)).at(-1);
const withoutNewerApi = KSERVE_RELEASES.filter((r) => !r.apiVersions.includes(NEWER_API)).at(-1);

/** "kserve/llmisvc-controller:<version>" for each KServe image of the install's Deployments. */
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
    const v1alpha2 = await ctx.get(`/apis/${KSERVE.apiGroup}/${NEWER_API}`) !== undefined;
    const expectsV1alpha2 = servesNewerApi(kserve.version) ?? v1alpha2;
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
        `the CRDs serve ${KSERVE.apiGroup}/${NEWER_API} (a newer release's, such as ${withNewerApi?.version}) while the controller is ${kserve.version}`,
      );
    } else if (!v1alpha2 && expectsV1alpha2) {
      problems.push(
        `the CRDs do not serve ${KSERVE.apiGroup}/${NEWER_API} (an older release's, such as ${withoutNewerApi?.version}) while the controller is ${kserve.version}`,
      );
    }
    if (problems.length) {
      // Finish with the release the CRDs come from: the older one's CRDs would be refused.
      const newest = v1alpha2 && !expectsV1alpha2 ? withNewerApi?.version : versions.sort().at(-1);
      throw new CheckFailed(
        `KServe is half-upgraded: ${problems.join("; ")}`,
        newest ? `Finish the upgrade to ${newest}: ${reapplyAt(newest)}` : undefined,
      );
    }
    return `${kserve.version}${
      v1alpha2 ? ` (its LLMInferenceService CRDs serve ${KSERVE.apiGroup}/${NEWER_API})` : ""
    }`;
  },
};

/**
 * The kserve.config-images check: the images inferenceservice-config names for the agent,
 * logger, batcher, router and storage initializer are the controller's release's. Field report:
 * an upgrade v0.16.0 -> v0.20.0 left v0.16.0's images there, which the v0.20.0 controller then
 * put into every new model's pods.
 */
export const configImagesCheck: Check<CheckContext> = {
  id: "kserve.config-images",
  category: "kserve",
  description: `the images in ${KSERVE_OBJECTS.configMap} are the controller's release's`,
  hint:
    `Set the images to the controller's release: kubectl edit configmap ${KSERVE_OBJECTS.configMap} -n ${KSERVE_NAMESPACE}`,
  dependsOn: ["kserve.version"],
  async run(ctx) {
    const kserve = await ctx.kserve();
    const version = kserve.version;
    if (!version || version === "unknown") {
      throw new SkipCheck("the controller version is not known");
    }
    const other = configImages(kserve.configMap?.data).filter((i) =>
      i.version !== undefined && i.version !== version
    );
    if (other.length === 0) return;
    const where = `ConfigMap ${kserve.namespace}/${KSERVE_OBJECTS.configMap}`;
    // Install takes a release's own image for that release's default (config_merge.ts), and
    // changes nothing of an install it does not own.
    const reinstall = ownedByPlugin(kserve) &&
      other.every((i) => i.releaseDefault && installable(i.version!));
    throw new CheckFailed(
      `${where} names images of another release than the controller (${version}): ${
        other.map((i) => `"${i.key}" ${i.field} ${i.image}`).join(", ")
      }; new models' pods get them`,
      reinstall
        ? `Put ${version}'s images in: ${reapplyAt(version)}`
        : `Set their tag to ${version}: kubectl edit configmap ${KSERVE_OBJECTS.configMap} -n ${kserve.namespace}`,
      { transient: false },
    );
  },
};

function installable(version: string): boolean {
  return (INSTALLABLE_KSERVE_VERSIONS as readonly string[]).includes(version);
}
