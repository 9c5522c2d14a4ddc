/** Category "cluster": the API answers, its version suits KServe, and check may read what it reads. */
import { compareVersions, minimumKubernetes, parseVersion } from "../kserve/versions.ts";
import { KSERVE } from "../defaults.ts";
import type { CheckContext } from "./context.ts";
import { type Check, CheckFailed } from "./check_types.ts";
import { type Access, describeAccess, grantCommands, subjectFlag } from "./grants.ts";

/** What check reads; a missing permission would make later checks fail for the wrong reason. */
const READS: Access[] = [
  { verb: "list", group: "apps", resource: "deployments" },
  { verb: "list", group: "", resource: "pods" },
  { verb: "list", group: "", resource: "events" },
  { verb: "list", group: "", resource: "configmaps" },
  { verb: "list", group: "", resource: "services" },
  { verb: "list", group: "discovery.k8s.io", resource: "endpointslices" },
  {
    verb: "list",
    group: "admissionregistration.k8s.io",
    resource: "validatingwebhookconfigurations",
  },
  {
    verb: "list",
    group: "admissionregistration.k8s.io",
    resource: "mutatingwebhookconfigurations",
  },
  { verb: "get", group: "", resource: "secrets" },
  // webhooks.ca-bundle: the conversion webhooks of KServe's CRDs.
  { verb: "get", group: "apiextensions.k8s.io", resource: "customresourcedefinitions" },
  { verb: "list", group: "serving.kserve.io", resource: "inferenceservices" },
  { verb: "create", group: "serving.kserve.io", resource: "inferenceservices" },
];

/** Asks the API server whether the current user may do each thing; returns those denied. */
export async function deniedPermissions(ctx: CheckContext, wanted: Access[]): Promise<Access[]> {
  const answers = await Promise.all(wanted.map(async (attributes) => {
    const review = await ctx.kube.request<{ status: { allowed: boolean } }>(
      "POST",
      "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      {
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SelfSubjectAccessReview",
          spec: { resourceAttributes: attributes },
        },
      },
    );
    return review.status.allowed ? undefined : attributes;
  }));
  return answers.filter((a): a is Access => a !== undefined);
}

/** Whether this Kubernetes (its gitVersion) is older than what the KServe version needs. */
export function kubernetesVerdict(
  gitVersion: string | undefined,
  kserveVersion: string | undefined,
): { tooOld: boolean; text: string } {
  const actual = parseVersion(gitVersion);
  const minimum = minimumKubernetes(kserveVersion);
  const label = kserveVersion ? `KServe ${kserveVersion} needs` : "current KServe releases need";
  const needs = `${label} ${minimum.major}.${minimum.minor} or newer`;
  return actual && compareVersions(actual, minimum) < 0
    ? { tooOld: true, text: `Kubernetes ${gitVersion} is too old: ${needs}` }
    : { tooOld: false, text: `${gitVersion} (${needs})` };
}

export const clusterChecks: Check<CheckContext>[] = [
  {
    id: "cluster.api",
    category: "cluster",
    description: "the Kubernetes API is reachable",
    hint: "Check the kubeconfig context and that the cluster is up: kubectl cluster-info",
    async run(ctx) {
      const version = await ctx.get<{ gitVersion: string }>("/version");
      return `Kubernetes ${version?.gitVersion ?? "(version unknown)"}`;
    },
  },
  {
    id: "cluster.version",
    category: "cluster",
    description: "the Kubernetes version is supported by the installed KServe",
    hint: "Upgrade the cluster, or use a KServe release that supports this Kubernetes version",
    dependsOn: ["cluster.api"],
    warning: true,
    async run(ctx) {
      const server = await ctx.get<{ gitVersion: string }>("/version");
      const kserve = await ctx.kserve();
      const verdict = kubernetesVerdict(server?.gitVersion, kserve.version);
      if (verdict.tooOld) throw new CheckFailed(verdict.text);
      return verdict.text;
    },
  },
  {
    id: "cluster.permissions",
    category: "cluster",
    description: "you may read everything check reads",
    hint: "Run check as a cluster admin, or ask one to grant you what it reads",
    dependsOn: ["cluster.api"],
    async run(ctx) {
      const { namespace, apiServed } = await ctx.kserve();
      // Without KServe's CRDs its kinds are read as absent, and kubectl could not grant them.
      const reads = READS.filter((r) => apiServed || r.group !== KSERVE.apiGroup);
      const denied = await deniedPermissions(
        ctx,
        reads.map((r) => r.resource === "secrets" ? { ...r, namespace } : r),
      );
      if (denied.length === 0) return;
      // Neither "view" nor "edit" covers webhook configurations: the grant names each read.
      const subject = await subjectFlag(ctx);
      throw new CheckFailed(
        `Not allowed to: ${denied.map(describeAccess).join(", ")}`,
        subject
          ? `Run check as a cluster admin, or have one grant exactly these: ${
            grantCommands(denied, subject, "kubectl-kserve-check")
          }`
          : undefined,
      );
    },
  },
];
