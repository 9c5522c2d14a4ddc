/**
 * Who wrote an object: this plugin, a Helm release, or another tool. The plugin never takes
 * over or deletes what it did not write without --force, and says whose it is.
 * Helm marks what it installs with the label app.kubernetes.io/managed-by=Helm and the
 * annotations meta.helm.sh/release-name and -namespace (Helm 3.2+, pkg/action/validate.go).
 */
import { FIELD_MANAGER, MANAGED_BY_LABEL } from "../defaults.ts";
import type { KubeObject } from "./client.ts";
import type { ManagedFieldsEntry } from "./objects.ts";

export const HELM_RELEASE_NAME = "meta.helm.sh/release-name";
export const HELM_RELEASE_NAMESPACE = "meta.helm.sh/release-namespace";

export type Owner =
  | { by: "kubectl-kserve" }
  | { by: "helm"; release: string; namespace: string }
  /**
   * Written only by other field managers, such as kubectl-client-side-apply or argocd.
   * `helmLabels`: some objects carry Helm's labels, but Helm cannot manage them (a "mixed"
   * install: no deployed release record, or one that does not hold them; kube/helm_record.ts).
   */
  | {
    by: "other";
    managers: string[];
    helmLabels?: { release: string; namespace: string; problem: string };
  };

export interface OwnedMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: { manager?: string; operation?: string; subresource?: string }[];
}

/**
 * The owner of an object from its metadata. A Helm release is named by its annotations; an
 * object this plugin applied carries its field manager. Managers that only update what others
 * created (controllers writing status, cainjector writing caBundle) do not make an owner: an
 * object counts as written by the managers whose operation is Apply, or that created it.
 */
export function ownerOf(metadata: OwnedMetadata): Owner {
  const annotations = metadata.annotations ?? {};
  const release = annotations[HELM_RELEASE_NAME];
  if (metadata.labels?.[MANAGED_BY_LABEL] === "Helm" || release) {
    return {
      by: "helm",
      release: release ?? "(unknown release)",
      namespace: annotations[HELM_RELEASE_NAMESPACE] ?? "(unknown namespace)",
    };
  }
  return ownerByManagers(metadata);
}

/**
 * The owner of a Namespace. Install marks the namespaces it creates with the label
 * app.kubernetes.io/managed-by: kubectl-kserve (install/plan.ts namespaceToApply); one without
 * that mark existed before, whoever applied labels to it since: its other field managers (or
 * none) own it, and uninstall leaves it to them unless --force.
 */
export function namespaceOwner(metadata: OwnedMetadata): Owner {
  if (metadata.labels?.[MANAGED_BY_LABEL] === FIELD_MANAGER) return { by: "kubectl-kserve" };
  const owner = ownerOf(metadata);
  if (owner.by !== "kubectl-kserve") return owner;
  return ownerByManagers({
    managedFields: (metadata.managedFields ?? []).filter((f) => f.manager !== FIELD_MANAGER),
  });
}

/** The owner from the field managers alone (Helm's labels aside). */
export function ownerByManagers(metadata: OwnedMetadata): Owner {
  // Controllers writing status (kube-controller-manager on a Deployment) own nothing we install.
  const fields = (metadata.managedFields ?? []).filter((f) => f.subresource !== "status");
  if (fields.some((f) => f.manager === FIELD_MANAGER)) return { by: "kubectl-kserve" };
  const writers = fields.filter((f) => f.operation === "Apply").map((f) => f.manager);
  const managers = [...new Set(writers.length ? writers : fields.slice(0, 1).map((f) => f.manager))]
    .filter((m): m is string => typeof m === "string");
  return { by: "other", managers };
}

/** "Helm release kserve in namespace kserve", "kubectl-kserve", "field manager kubectl-client-side-apply". */
export function describeOwner(owner: Owner): string {
  switch (owner.by) {
    case "kubectl-kserve":
      return "kubectl-kserve";
    case "helm":
      return `Helm, release ${owner.release} in namespace ${owner.namespace}`;
    case "other": {
      const tool = owner.managers.length
        ? `another tool (field manager ${owner.managers.join(", ")})`
        : "another tool (no field manager recorded)";
      const helm = owner.helmLabels;
      return helm
        ? `a mix of tools: ${tool}, with Helm's labels naming release ${helm.release} in namespace ${helm.namespace}, which Helm cannot manage (${helm.problem}; helm upgrade and helm uninstall fail)`
        : tool;
    }
  }
}

/**
 * What this plugin's last apply wrote to an object: its managed-fields entry (time and field
 * set); "" if it never applied it. A server-side apply that changes nothing leaves the entry as
 * it was, and a controller writing status meanwhile does not touch it.
 */
export function appliedStamp(object: KubeObject): string {
  const fields = (object.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  const ours = fields.find((f) => f.manager === FIELD_MANAGER && f.operation === "Apply");
  return ours ? `${ours.time}|${JSON.stringify(ours.fieldsV1)}` : "";
}

/**
 * The field managers other than this plugin that own the field at `path` of an object
 * (fieldsV1 keys such as ["f:data", "f:deploy"]): a server-side apply of that field conflicts
 * with each of them unless it forces (kubectl's --force-conflicts). Empty when none.
 */
export function fieldTakenBy(
  managedFields: ManagedFieldsEntry[] | undefined,
  path: readonly string[],
): string[] {
  const owns = (entry: ManagedFieldsEntry) => {
    let at: unknown = entry.fieldsV1;
    for (const key of path) at = (at as Record<string, unknown> | undefined)?.[key];
    return at !== undefined;
  };
  return [
    ...new Set(
      (managedFields ?? []).filter((f) => f.manager !== FIELD_MANAGER && owns(f))
        .map((f) => f.manager ?? "(unnamed)"),
    ),
  ];
}
