/**
 * The fix for a missing permission is a grant an admin runs: these build the exact `kubectl
 * create role`/`rolebinding` commands for what was denied, to the user check ran as, so a hint
 * grants no more than the check needs and can be run as written.
 */
import type { CheckContext } from "./context.ts";

export interface Access {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
}

/** "list deployments.apps in kserve": how a permission reads in a finding. */
export function describeAccess(access: Access): string {
  return `${access.verb} ${access.resource}${access.group ? `.${access.group}` : ""}${
    access.namespace ? ` in ${access.namespace}` : ""
  }`;
}

/**
 * The subject flag of a binding for the user the request ran as (a SelfSubjectReview), or
 * undefined when the API server cannot say (before Kubernetes 1.28).
 */
export async function subjectFlag(ctx: CheckContext): Promise<string | undefined> {
  const review = await ctx.kube.request<{ status?: { userInfo?: { username?: string } } }>(
    "POST",
    "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    { body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } },
  ).catch(() => undefined);
  const user = review?.status?.userInfo?.username;
  if (!user) return undefined;
  const serviceAccount = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user);
  return serviceAccount
    ? `--serviceaccount=${serviceAccount[1]}:${serviceAccount[2]}`
    : `--user=${user}`;
}

/**
 * One role and binding per verb and namespace (a ClusterRole for cluster-wide access), named
 * `${prefix}-${verb}`: granting each verb only on the resources it was denied for.
 */
export function grantCommands(denied: Access[], subject: string, prefix: string): string {
  const groups = Map.groupBy(denied, (a) => `${a.verb} ${a.namespace ?? ""}`);
  return [...groups.values()].flatMap((accesses) => {
    const { verb, namespace } = accesses[0]!;
    const name = `${prefix}-${verb}`;
    const resources = accesses.map((a) => `--resource=${a.resource}${a.group ? `.${a.group}` : ""}`)
      .join(" ");
    return namespace
      ? [
        `kubectl create role ${name} --verb=${verb} ${resources} -n ${namespace}`,
        `kubectl create rolebinding ${name} --role=${name} ${subject} -n ${namespace}`,
      ]
      : [
        `kubectl create clusterrole ${name} --verb=${verb} ${resources}`,
        `kubectl create clusterrolebinding ${name} --clusterrole=${name} ${subject}`,
      ];
  }).join("; ");
}
