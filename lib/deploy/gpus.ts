/**
 * Whether any node can hold a pod asking for N GPUs (nvidia.com/gpu, the NVIDIA device plugin's
 * extended resource): read from the nodes' allocatable, as the scheduler's NodeResourcesFit
 * filter does. Pods already running there are not subtracted: a busy node frees up, a node
 * too small never fits.
 */
import type { Kube } from "../kube/client.ts";

export const GPU_RESOURCE = "nvidia.com/gpu";

/** A node as far as GPUs go. */
export interface GpuNode {
  metadata?: { name?: string };
  spec?: { unschedulable?: boolean };
  status?: { allocatable?: Record<string, string> };
}

/** GPUs a node offers to pods (allocatable; an extended resource is a whole number). */
export function nodeGpus(node: GpuNode): number {
  return Number(node.status?.allocatable?.[GPU_RESOURCE] ?? 0) || 0;
}

/**
 * Why no node can hold a pod asking for `wanted` GPUs, naming each node with GPUs and how many
 * (cordoned ones said so), or undefined when one can.
 */
export function gpuProblem(nodes: GpuNode[], wanted: number): string | undefined {
  const schedulable = nodes.filter((n) => !n.spec?.unschedulable);
  if (schedulable.some((n) => nodeGpus(n) >= wanted)) return undefined;
  const offered = nodes.filter((n) => nodeGpus(n) > 0).map((n) =>
    `${n.metadata?.name} has ${nodeGpus(n)}${n.spec?.unschedulable ? " (cordoned)" : ""}`
  );
  return `--gpu ${wanted}: no node can run a pod with ${wanted} ${GPU_RESOURCE} (${
    offered.length ? offered.join(", ") : `no node offers ${GPU_RESOURCE}`
  })`;
}

/** The cluster's nodes, or undefined when these credentials may not list them (403). */
export async function readGpuNodes(kube: Kube): Promise<GpuNode[] | undefined> {
  try {
    return (await kube.request<{ items: GpuNode[] }>("GET", "/api/v1/nodes")).items;
  } catch (error) {
    if ((error as { status?: number }).status === 403) return undefined;
    throw error;
  }
}
