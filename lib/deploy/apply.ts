/** How deploy writes a model's objects: server-side apply that lists conflicts before taking them. */
import type { Kube, KubeObject } from "../kube/client.ts";
import { applyOrRefuse } from "../kube/conflicts.ts";
import type { ResourceMap } from "../kube/resources.ts";
import { appliedStamp } from "../kube/owner.ts";

/**
 * Server-side applies the model's objects without taking other managers' fields unless `force`
 * (`command` names the command in the refusal: deploy, rollout start): a re-deploy over a `kubectl edit` (or a GitOps controller's change) is refused with the fields
 * and their managers listed (CliError, exit 1), as `kubectl apply --server-side` refuses.
 */
export async function applyModel(
  kube: Kube,
  resources: ResourceMap,
  objects: KubeObject[],
  options: { dryRun: boolean; force: boolean; command?: string },
): Promise<KubeObject[]> {
  const command = options.command ?? "deploy";
  const applied: KubeObject[] = [];
  for (const object of objects) {
    applied.push(
      await applyOrRefuse(
        kube,
        await resources.objectPath(object),
        object,
        { dryRun: options.dryRun, force: options.force },
        {
          command: command[0]!.toUpperCase() + command.slice(1),
          hint:
            `Keep them by changing the object with the tool that set them, or take them with this ${command} command plus --force-conflicts`,
        },
      ),
    );
  }
  return applied;
}

/**
 * True when an apply wrote nothing: the object existed, this plugin's managed-fields entry is
 * the same (a server-side apply that changes nothing leaves it, and the object, as it was), and
 * so is the generation (a spec change within the entry's one-second time resolution).
 */
export function unchangedBy(before: KubeObject | undefined, after: KubeObject): boolean {
  const stamp = appliedStamp(after);
  return before !== undefined && stamp !== "" && stamp === appliedStamp(before) &&
    before.metadata?.generation === after.metadata?.generation;
}

/**
 * The objects an apply of `objects` would write, as they are now: those already read (`known`,
 * by kind) and a GET of each other one (absent ones left out). `unchangedBy` compares with them.
 * `read`: the kinds whose object was already looked up (absent when not in `known`): no second
 * GET before the apply. Errors: a failed GET (other than 404) is thrown.
 */
export async function liveObjects(
  kube: Kube,
  resources: ResourceMap,
  objects: KubeObject[],
  known: KubeObject[],
  read: string[] = [],
): Promise<KubeObject[]> {
  const unread = objects.filter((object) =>
    !read.includes(String(object.kind)) && !known.some((k) => k.kind === object.kind)
  );
  const live = await Promise.all(
    unread.map(async (object) => kube.getOptional<KubeObject>(await resources.objectPath(object))),
  );
  return [...known, ...live.filter((o): o is KubeObject => o !== undefined)];
}
