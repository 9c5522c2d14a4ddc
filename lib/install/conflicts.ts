/**
 * Server-side apply conflicts are information. Before install changes anything, every object
 * it would write that another field manager also writes is applied as a server-side dry run
 * without force; the API server answers 409 with one cause per field whose value would be taken
 * from that manager (an admin's `kubectl edit` of a webhook rule, a registry mirror in a
 * runtime's image). Install lists them and takes them only with --force-conflicts, as kubectl
 * does. inferenceservice-config never conflicts: it is read-modify-written.
 */
import type { Kube, KubeObject } from "../kube/client.ts";
import { KubeApiError } from "../kube/errors.ts";
import {
  conflictRefusal,
  conflictsOf,
  describeConflicts,
  type FieldConflict,
  objectName,
} from "../kube/conflicts.ts";
import type { ResourceMap } from "../kube/resources.ts";
import { inParallel } from "../async.ts";
import { objectKey, pendingWrites } from "./apply.ts";
import { rawManifest } from "./manifest.ts";

/** An existing object whose new release changes a field the API server never updates. */
export interface Replacement {
  /** "ClusterRoleBinding llmisvc-manager-rolebinding". */
  object: string;
  /** The API server's reason: "cannot change roleRef", "field is immutable". */
  reason: string;
  /** The applied object, to delete and create again. */
  key: string;
}

/** What the pre-check found: fields to take from others, objects to replace. */
export interface WriteCheck {
  conflicts: FieldConflict[];
  replacements: Replacement[];
}

/** The API server's words for an update that must be a delete and a create. */
const IMMUTABLE = /cannot change roleRef|field is immutable/;

/**
 * Applies, as a server-side dry run without force, every object install would change that
 * already exists: 409 names the fields other managers set, 422 with an immutable field names an
 * object an upgrade must replace (a ClusterRoleBinding whose roleRef changes between releases,
 * a Deployment whose selector does). Other failures are left to the real apply, which runs its
 * phases in order (a newer CRD first) where a dry run here cannot. Changes nothing.
 */
export async function checkWrites(
  kube: Kube,
  resources: ResourceMap,
  objects: KubeObject[],
): Promise<WriteCheck> {
  const existing = (await pendingWrites(kube, resources, objects)).filter(({ live }) => live);
  const found = await inParallel(existing, 8, async ({ object }) => {
    const name = objectName(object);
    try {
      await kube.apply(await resources.objectPath(object), rawManifest(object) ?? object, {
        dryRun: true,
        force: false,
        metadataOnly: true,
      });
      return { conflicts: [], replacements: [] };
    } catch (error) {
      if (!(error instanceof KubeApiError)) throw error;
      if (error.status === 409) {
        return { conflicts: conflictsOf(error.causes, name), replacements: [] };
      }
      const immutable = IMMUTABLE.exec(error.message);
      if (error.status === 422 && immutable) {
        return {
          conflicts: [],
          replacements: [{ object: name, reason: immutable[0], key: objectKey(object) }],
        };
      }
      return { conflicts: [], replacements: [] };
    }
  });
  return {
    conflicts: found.flatMap((f) => f.conflicts),
    replacements: found.flatMap((f) => f.replacements),
  };
}

/**
 * What install says about the pre-check before it applies; throws CliError (nothing changed)
 * for conflicts unless `forceConflicts`. A dry run says what it would replace.
 */
export function writeNotes(check: WriteCheck, forceConflicts: boolean, dryRun = false): string[] {
  const { conflicts, replacements } = check;
  if (conflicts.length && !forceConflicts) {
    throw conflictRefusal(
      "Install",
      conflicts,
      "Keep them by leaving this install be, or put the release's values back with --force-conflicts",
    );
  }
  const notes: string[] = [];
  if (conflicts.length) {
    notes.push(
      `Taking ${conflicts.length} field(s) back from other field managers (--force-conflicts):\n  ${
        describeConflicts(conflicts)
      }`,
    );
  }
  if (replacements.length) {
    notes.push(
      `${
        dryRun ? "Would replace" : "Replacing"
      } ${replacements.length} object(s) whose immutable fields change in this release (deleted and created again):\n  ${
        replacements.map((r) => `${r.object} (${r.reason})`).join("\n  ")
      }`,
    );
  }
  return notes;
}
