/**
 * Server-side apply conflicts as data. An apply without force is answered 409 with one cause
 * per field another field manager set (`conflict with "kubectl-edit" using v1`); commands list
 * them and take them only with --force-conflicts, as `kubectl apply --server-side` does.
 */
import { CliError } from "../errors.ts";
import type { Kube, KubeObject } from "./client.ts";
import { KubeApiError, type StatusCause } from "./errors.ts";

/** One field an apply would take from another manager. */
export interface FieldConflict {
  /** "ValidatingWebhookConfiguration inferenceservice.serving.kserve.io", with namespace/ if any. */
  object: string;
  /** The field path as the API server names it: .webhooks[name="..."].rules */
  field: string;
  /** The field manager that set it: kubectl-edit, kubectl-patch, argocd-controller... */
  manager: string;
}

/** The conflicts in a 409 answer to an apply. */
export function conflictsOf(causes: StatusCause[], object: string): FieldConflict[] {
  return causes.filter((c) => c.reason === "FieldManagerConflict").map((c) => ({
    object,
    field: c.field ?? "(unnamed field)",
    manager: /conflict with "([^"]+)"/.exec(c.message ?? "")?.[1] ?? "another manager",
  }));
}

/** "ValidatingWebhookConfiguration x: .webhooks[...].rules (set by kubectl-edit)", one per line. */
export function describeConflicts(conflicts: FieldConflict[]): string {
  return conflicts.map((c) => `${c.object}: ${c.field} (set by ${c.manager})`).join("\n  ");
}

/** "Kind namespace/name" (or "Kind name" when cluster-scoped), as conflicts name objects. */
export function objectName(
  object: { kind?: string; metadata?: { name?: string; namespace?: string } },
): string {
  const namespace = object.metadata?.namespace;
  return `${object.kind} ${namespace ? `${namespace}/` : ""}${object.metadata?.name}`;
}

/**
 * The refusal when `command` ("Install", "Deploy") would take fields from other managers: the
 * conflicts one per line, and `hint` (how to keep them, or --force-conflicts). Exit code 1.
 */
export function conflictRefusal(
  command: string,
  conflicts: FieldConflict[],
  hint: string,
): CliError {
  return new CliError(
    `${command} would overwrite ${conflicts.length} field(s) that other field managers set:\n  ${
      describeConflicts(conflicts)
    }`,
    { hint },
  );
}

/**
 * kube.apply() without taking other managers' fields unless `options.force`: a 409 that names
 * field conflicts is thrown as conflictRefusal(command, ..., hint); any other failure as it came.
 */
export async function applyOrRefuse<T extends KubeObject>(
  kube: Kube,
  path: string,
  object: T,
  options: { dryRun?: boolean; force: boolean; metadataOnly?: boolean },
  refusal: { command: string; hint: string },
): Promise<T> {
  try {
    return await kube.apply(path, object, options);
  } catch (error) {
    if (!(error instanceof KubeApiError) || error.status !== 409) throw error;
    const conflicts = conflictsOf(error.causes, objectName(object));
    if (!conflicts.length) throw error;
    throw conflictRefusal(refusal.command, conflicts, refusal.hint);
  }
}
