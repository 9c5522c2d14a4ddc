/**
 * Deployments scaled to 0: they stay so until someone scales them up, so a check names them
 * with that fix, not as something to wait for.
 */
import type { Deployment } from "../kube/objects.ts";

export function scaledToZero(deployment: Deployment): boolean {
  return deployment.spec?.replicas === 0;
}

/** One `kubectl scale … --replicas=1` per namespace that brings these Deployments back. */
export function scaleUpCommands(deployments: Deployment[]): string {
  const byNamespace = Map.groupBy(deployments, (d) => d.metadata?.namespace);
  return [...byNamespace].map(([namespace, items]) =>
    `kubectl scale ${
      items.map((d) => `deployment/${d.metadata?.name}`).join(" ")
    } -n ${namespace} --replicas=1`
  ).join("; ");
}
