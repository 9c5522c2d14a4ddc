/**
 * Server-side apply conflicts are information. Before install changes anything, every object
 * it would write that another field manager also writes is applied as a server-side dry run
 * without force; the API server answers 409 with one cause per field whose value would be taken
 * from that manager (an admin's `kubectl edit` of a webhook rule, a registry mirror in a
 * runtime's image). Install lists them and takes them only with --force-conflicts, as kubectl
 * does. inferenceservice-config never conflicts: it is read-modify-written.
 */
import { FIELD_MANAGER } from "../defaults.ts";
import type { Kube, KubeObject } from "../kube/client.ts";
import { KubeApiError, type StatusCause } from "../kube/errors.ts";
import type { ResourceMap } from "../kube/resources.ts";
import { inParallel } from "../async.ts";
import { pendingWrites } from "./apply.ts";
import { rawManifest } from "./manifest.ts";

/** One field install would take from another manager. */
export interface FieldConflict {
  /** "ValidatingWebhookConfiguration inferenceservice.serving.kserve.io", with namespace/ if any. */
  object: string;
  /** The field path as the API server names it: .webhooks[name="..."].rules */
  field: string;
  /** The field manager that set it: kubectl-edit, kubectl-patch, argocd-controller... */
  manager: string;
}

/** The conflicts in a 409 answer to an apply: `conflict with "kubectl-edit" using v1`. */
export function conflictsOf(causes: StatusCause[], object: string): FieldConflict[] {
  return causes.filter((c) => c.type === "FieldManagerConflict").map((c) => ({
    object,
    field: c.field ?? "(unnamed field)",
    manager: /conflict with "([^"]+)"/.exec(c.message ?? "")?.[1] ?? "another manager",
  }));
}

/** Managers that write only what their controller owns (status), never what install sets. */
function writesSpec(field: { manager?: string; subresource?: string }): boolean {
  return field.manager !== FIELD_MANAGER && field.subresource !== "status";
}

/** The fields install would take from other managers, found without changing anything. */
export async function findConflicts(
  kube: Kube,
  resources: ResourceMap,
  objects: KubeObject[],
): Promise<FieldConflict[]> {
  const shared = (await pendingWrites(kube, resources, objects)).filter(({ live }) =>
    ((live?.metadata?.managedFields ?? []) as { manager?: string; subresource?: string }[])
      .some(writesSpec)
  );
  const found = await inParallel(shared, 8, async ({ object }) => {
    const name = `${object.kind} ${
      object.metadata?.namespace ? `${object.metadata.namespace}/` : ""
    }${object.metadata?.name}`;
    try {
      await kube.apply(await resources.objectPath(object), rawManifest(object) ?? object, {
        dryRun: true,
        force: false,
        metadataOnly: true,
      });
      return [];
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) {
        return conflictsOf(error.causes, name);
      }
      throw error;
    }
  });
  return found.flat();
}

/** "ValidatingWebhookConfiguration x: .webhooks[...].rules (set by kubectl-edit)", one per line. */
export function describeConflicts(conflicts: FieldConflict[]): string {
  return conflicts.map((c) => `${c.object}: ${c.field} (set by ${c.manager})`).join("\n  ");
}
