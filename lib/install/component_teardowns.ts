/** What removing each component means, as data: its webhooks, CRD groups, RBAC and namespaces. */
import { CERT_MANAGER, KNATIVE, KSERVE, KSERVE_OBJECTS } from "../defaults.ts";

/** What one component consists of, by name and group: the teardown's data. */
export interface ComponentTeardown {
  /** Shown in progress and in the plan: "KServe". */
  title: string;
  webhook(name: string): boolean;
  crdGroup(group: string): boolean;
  clusterRbac(name: string): boolean;
  /** Roles and RoleBindings it leaves in namespaces that stay (kube-system). */
  kubeSystemRbac?(name: string): boolean;
  namespaces: string[];
}

const startsWithAny = (prefixes: string[]) => (name: string) =>
  prefixes.some((p) => name.startsWith(p));

/** KServe in `namespace` (its release manifests install into "kserve"). */
export function kserveTeardown(namespace: string = KSERVE.namespace): ComponentTeardown {
  return {
    title: "KServe",
    webhook: (name) => name.endsWith(KSERVE_OBJECTS.webhookSuffix),
    crdGroup: (group) => group === KSERVE.apiGroup,
    clusterRbac: startsWithAny(["kserve-", "llmisvc-"]),
    namespaces: [namespace],
  };
}

export const CERT_MANAGER_TEARDOWN: ComponentTeardown = {
  title: "cert-manager",
  webhook: startsWithAny(["cert-manager-"]),
  crdGroup: (group) => group.endsWith(CERT_MANAGER.apiGroup),
  clusterRbac: startsWithAny(["cert-manager-"]),
  // Its leader-election Roles live in kube-system, which is not deleted.
  kubeSystemRbac: startsWithAny(["cert-manager-", "cert-manager:"]),
  namespaces: [CERT_MANAGER.namespace],
};

export const KNATIVE_TEARDOWN: ComponentTeardown = {
  title: "Knative Serving",
  webhook: (name) => name.endsWith(".knative.dev"),
  crdGroup: (group) => group.endsWith("knative.dev"),
  clusterRbac: startsWithAny(["knative-", "net-kourier", "net-istio"]),
  namespaces: [KNATIVE.namespace, KNATIVE.kourierNamespace],
};
