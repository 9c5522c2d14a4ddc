/** Category "kserve": CRDs, version, inferenceservice-config, the webhook certificate, the controller. */
import { REAPPLY, SWITCH_MODE } from "../kserve/hints.ts";
import { describeOwner, fieldTakenBy } from "../kube/owner.ts";
import { configImagesCheck, releaseCheck } from "./release.ts";
import { KSERVE, KSERVE_OBJECTS } from "../defaults.ts";
import { acceptedModes, classifyMode } from "../kserve/versions.ts";
import { crdName, groupVersionOf, KSERVE_KINDS } from "../kserve/api_kinds.ts";
import { DEFAULT_KSERVE_VERSION } from "../kserve/releases.ts";
import { deletingCrdHint, describeDeletingCrd } from "../kserve/detect.ts";
import type { CheckContext } from "./context.ts";
import { type Check, CheckFailed, SkipCheck } from "./check_types.ts";
import { leftoverWebhooks } from "./webhook_configs.ts";
import { configJson } from "./config_json.ts";
import { certificateCheck, controllerCheck } from "./kserve_serving.ts";

const EDIT_HINT = (ns: string) =>
  `Fix it with a read-modify-write of the JSON (never a patch that replaces the whole string): kubectl edit configmap ${KSERVE_OBJECTS.configMap} -n ${ns}, then kubectl rollout restart deployment/${KSERVE.controllerDeployment} -n ${ns}`;

export const kserveChecks: Check<CheckContext>[] = [
  {
    id: "kserve.installed",
    category: "kserve",
    description: "KServe is installed",
    hint: "Install it: kubectl kserve install --mode raw",
    dependsOn: ["cluster.api"],
    async run(ctx) {
      const kserve = await ctx.kserve();
      if (kserve.installed) {
        const owner = kserve.owner && kserve.owner.by !== "kubectl-kserve"
          ? `, installed by ${describeOwner(kserve.owner)}`
          : "";
        return `in namespace ${kserve.namespace}${owner}`;
      }
      if (kserve.unreadable) {
        throw new CheckFailed(
          `Whether KServe is installed is not known: ${KSERVE.apiGroup} is served, but these credentials may not read the ${KSERVE.controllerDeployment} Deployment (neither list Deployments cluster-wide nor get it in the usual install namespaces)`,
          `Ask a cluster admin for read access to KServe's namespace, or use a context with more rights (check with: kubectl auth can-i list deployments.apps -A)`,
        );
      }
      if (kserve.crdDeleting) {
        throw new CheckFailed(
          describeDeletingCrd(kserve.crdDeleting),
          deletingCrdHint(kserve.crdDeleting),
        );
      }
      const gone = kserve.terminating
        ? `namespace ${kserve.namespace} is being deleted`
        : "KServe is not installed";
      if ((await leftoverWebhooks(ctx)).length) {
        throw new SkipCheck(
          `${gone}; what an earlier install left behind is reported under webhooks`,
        );
      }
      if (kserve.terminating) {
        throw new CheckFailed(
          `KServe's ${gone}`,
          `Wait for it, or see what holds it: kubectl get namespace ${kserve.namespace} -o yaml`,
        );
      }
      throw new CheckFailed(
        `KServe is not installed: no ${KSERVE.controllerDeployment} Deployment and no ${KSERVE_OBJECTS.configMap} ConfigMap in any namespace`,
      );
    },
  },
  {
    id: "kserve.crds",
    category: "kserve",
    description: "KServe CRDs are installed and Established",
    hint: `Re-apply KServe server-side (the CRDs are too large for client-side apply): ${REAPPLY}`,
    dependsOn: ["kserve.installed"],
    retryable: true,
    async run(ctx) {
      const missing: string[] = [];
      for (const kind of KSERVE_KINDS.filter((k) => k.core)) {
        if (!await ctx.serves(groupVersionOf(kind), kind.resource)) missing.push(crdName(kind));
      }
      if (missing.length === 0) return;
      // A CRD that exists but is not served yet is being Established, which resolves on its
      // own; a deleted one never comes back without a re-apply.
      const found = await Promise.all(
        missing.map((name) =>
          ctx.get(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`)
            .catch(() => null) // may not be read: whether it exists is not known
        ),
      );
      const establishing = found.every((crd) => crd);
      throw new CheckFailed(
        missing.map((name, i) =>
          found[i] === undefined
            ? `CRD ${name} does not exist`
            : found[i] === null
            ? `${name} is not served`
            : `CRD ${name} exists but is not served yet (being Established)`
        ).join("; "),
        undefined,
        { transient: establishing },
      );
    },
  },
  {
    id: "kserve.version",
    category: "kserve",
    description: "the KServe version is known from the controller image",
    hint:
      `Pin the image by tag and digest (${KSERVE.controllerImage}:${DEFAULT_KSERVE_VERSION}@sha256:...), so its version can be read`,
    dependsOn: ["kserve.installed"],
    warning: true,
    async run(ctx) {
      const kserve = await ctx.kserve();
      if (!kserve.controller) {
        throw new CheckFailed(
          `No ${KSERVE.controllerDeployment} Deployment in ${kserve.namespace}`,
        );
      }
      if (!kserve.version || kserve.version === "unknown") {
        throw new CheckFailed(
          `Deployment ${kserve.namespace}/${KSERVE.controllerDeployment} runs image ${
            kserve.image ?? "(none found)"
          }, which has no version tag: checks and hints that depend on the version assume the newest release`,
        );
      }
      return kserve.version;
    },
  },
  releaseCheck,
  configImagesCheck,
  {
    id: "kserve.config-deploy",
    category: "kserve",
    description: `the "deploy" configuration is valid for this KServe version`,
    hint: `Set a valid default: ${SWITCH_MODE.raw}`,
    dependsOn: ["kserve.installed"],
    async run(ctx) {
      const { namespace, version, owner, configMap } = await ctx.kserve();
      const deploy = await configJson(ctx, "deploy");
      const mode = deploy.defaultDeploymentMode;
      if (!mode) {
        throw new CheckFailed(
          `deploy.defaultDeploymentMode is missing; the controller exits ("invalid deploy config, defaultDeploymentMode is required")`,
          EDIT_HINT(namespace),
        );
      }
      if (!classifyMode(String(mode), version)) {
        // This plugin's install re-applies the key server-side: a value another field manager
        // wrote (kubectl patch, edit) conflicts unless it forces. Helm and other owners' hints
        // are their own tools' commands.
        const forced = owner?.by !== "helm" && owner?.by !== "other" &&
          fieldTakenBy(configMap?.metadata.managedFields, ["f:data", "f:deploy"]).length > 0;
        throw new CheckFailed(
          `deploy.defaultDeploymentMode "${mode}" is not valid for KServe ${
            version ?? "(unknown version)"
          }; ` +
            `the controller exits at start. Accepted: ${acceptedModes(version).join(", ")}`,
          `Set the raw mode with ${SWITCH_MODE.raw}${forced ? " --force-conflicts" : ""}, or ${
            EDIT_HINT(namespace)
          }`,
        );
      }
      return `default mode ${mode}`;
    },
  },
  {
    id: "kserve.config-ingress",
    category: "kserve",
    description: `the "ingress" configuration is valid`,
    hint: `Restore the ingress JSON from the release manifest: ${REAPPLY}`,
    dependsOn: ["kserve.installed"],
    async run(ctx) {
      const { namespace } = await ctx.kserve();
      const ingress = await configJson(ctx, "ingress");
      if (!ingress.ingressGateway) {
        throw new CheckFailed(
          `ingress.ingressGateway is empty; the controller exits ("invalid ingress config - ingressGateway is required"), even in raw mode. ` +
            `A kubectl patch that replaces the whole "ingress" string causes this.`,
          `${
            EDIT_HINT(namespace)
          }; add "ingressGateway": "knative-serving/knative-ingress-gateway" to the ingress JSON`,
        );
      }
      if (ingress.enableGatewayApi) {
        if (!/^[^/\s]+\/[^/\s]+$/.test(String(ingress.kserveIngressGateway ?? ""))) {
          throw new CheckFailed(
            `enableGatewayApi is true but kserveIngressGateway "${
              ingress.kserveIngressGateway ?? ""
            }" is not <namespace>/<name>`,
            EDIT_HINT(namespace),
          );
        }
        if (!await ctx.serves("gateway.networking.k8s.io/v1", "httproutes")) {
          throw new CheckFailed(
            'enableGatewayApi is true but the Gateway API CRDs are missing; the controller panics ("Gateway API CRD not available")',
            "Install the Gateway API CRDs (https://gateway-api.sigs.k8s.io/guides/#installing-gateway-api), or set enableGatewayApi to false",
          );
        }
      }
    },
  },
  certificateCheck,
  controllerCheck,
];
