/**
 * Whether a serverless install applies Knative Serving (and its networking layer) or keeps the
 * one it finds: a pure decision from what lib/kserve/knative.ts found. A Knative Serving that
 * this plugin did not install (Helm, the Knative Operator, kubectl, or in another namespace)
 * is never applied over silently: kept when its controller is Available, refused when not,
 * replaced only with --force.
 */
import { KNATIVE } from "../defaults.ts";
import { CliError } from "../errors.ts";
import { describeOwner } from "../kube/owner.ts";
import type { KnativeServing } from "../kserve/knative.ts";

export type KnativeDecision =
  | { action: "apply" }
  | {
    action: "keep";
    version: string;
    reason: string;
    /** Whether its networking layer is Istio (KServe keeps its VirtualServices then). */
    istio: boolean;
  };

/** The decision; throws CliError (before anything changed) when install must stop. */
export function decideKnative(
  found: KnativeServing | undefined,
  options: { force: boolean; pinned: string },
): KnativeDecision {
  if (!found || found.owner.by === "kubectl-kserve") return { action: "apply" };
  // A second Knative Serving in knative-serving would fight the first over CRDs and webhooks.
  const elsewhere = found.namespace !== KNATIVE.namespace;
  if (options.force && !elsewhere) return { action: "apply" };
  const version = found.version ? `v${found.version.replace(/^v/, "")}` : "(version unknown)";
  const owner = describeOwner(found.owner);
  const where = elsewhere ? ` in namespace ${found.namespace}` : "";
  if (found.available) {
    return {
      action: "keep",
      version,
      istio: found.ingressClass === KNATIVE.istioClass,
      reason: `installed by ${owner}${where} and working; kept with its networking layer (${
        found.ingressClass ?? "no ingress-class set"
      })`,
    };
  }
  const state = found.controller
    ? `its controller ${found.namespace}/${found.controller.metadata?.name} is not Available`
    : "no Knative Serving controller Deployment was found";
  throw new CliError(
    `Knative Serving ${version} was installed by ${owner}${where}, and ${state}; install will not replace it`,
    {
      hint: elsewhere
        ? `Fix it with the tool that installed it: install cannot replace a Knative Serving outside ${KNATIVE.namespace}, even with --force (a second one would fight it over CRDs and webhooks)`
        : found.owner.by === "helm"
        ? `Fix it with Helm (helm status ${found.owner.release} -n ${found.owner.namespace}), or pass --force to replace it with Knative Serving ${options.pinned}`
        : `Fix it with the tool that installed it, or pass --force to replace it with Knative Serving ${options.pinned}`,
    },
  );
}
