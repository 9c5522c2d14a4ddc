/** Category "cluster": the API answers, its version suits KServe, and check may read what it reads. */
import { compareVersions, minimumKubernetes, parseVersion } from "../kserve/versions.ts";
import type { CheckContext } from "./context.ts";
import { type Check, CheckFailed } from "./check_types.ts";

/** What check reads; a missing permission would make later checks fail for the wrong reason. */
const READS: { verb: string; group: string; resource: string }[] = [
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
  { verb: "list", group: "serving.kserve.io", resource: "inferenceservices" },
  { verb: "create", group: "serving.kserve.io", resource: "inferenceservices" },
];

/** Asks the API server whether the current user may do each thing; returns those denied. */
export async function deniedPermissions(
  ctx: CheckContext,
  wanted: { verb: string; group: string; resource: string; namespace?: string }[],
): Promise<string[]> {
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
    const what = `${attributes.verb} ${attributes.resource}${
      attributes.group ? `.${attributes.group}` : ""
    }${attributes.namespace ? ` in ${attributes.namespace}` : ""}`;
    return review.status.allowed ? undefined : what;
  }));
  return answers.filter((a): a is string => a !== undefined);
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
      const actual = parseVersion(server?.gitVersion);
      const minimum = minimumKubernetes(kserve.version);
      const label = kserve.version
        ? `KServe ${kserve.version} needs`
        : "current KServe releases need";
      if (actual && compareVersions(actual, minimum) < 0) {
        throw new CheckFailed(
          `Kubernetes ${server?.gitVersion} is too old: ${label} ${minimum.major}.${minimum.minor} or newer`,
        );
      }
      return `${server?.gitVersion} (${label} ${minimum.major}.${minimum.minor} or newer)`;
    },
  },
  {
    id: "cluster.permissions",
    category: "cluster",
    description: "you may read everything check reads",
    hint:
      "Run check as a user with cluster-wide read access (the 'view' ClusterRole plus secrets in the KServe namespace)",
    dependsOn: ["cluster.api"],
    async run(ctx) {
      const { namespace } = await ctx.kserve();
      const denied = await deniedPermissions(
        ctx,
        READS.map((r) => r.resource === "secrets" ? { ...r, namespace } : r),
      );
      if (denied.length) throw new CheckFailed(`Not allowed to: ${denied.join(", ")}`);
    },
  },
];
