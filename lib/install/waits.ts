/** The install's waits, all built on the one watch-based waitFor, each bounded by the deadline. */
import { CliError, DeadlineError } from "../errors.ts";
import { CRD_PATH } from "../defaults.ts";
import { fieldTakenBy } from "../kube/owner.ts";
import type { V1CustomResourceDefinition, V1EndpointSlice, V1Pod } from "@kubernetes/client-node";
import type { Kube } from "../kube/client.ts";
import type { Deployment } from "../kube/objects.ts";
import { waitFor } from "../kube/wait.ts";
import {
  configurationCollection,
  type WebhookConfiguration,
  webhooksWithoutRules,
} from "../kserve/webhook_rules.ts";
import {
  deploymentAvailable,
  deploymentRolledOut,
  type Event,
  explainDeployment,
  explainPods,
} from "../kserve/diagnose.ts";

const remaining = (deadline: number) => Math.max(1, deadline - Date.now());

/**
 * Waits until each CRD reports Established (its API is then served). With `since` (the
 * resourceVersion of its creation) a CRD is only watched: listing would fetch its whole schema.
 */
export async function waitEstablished(
  kube: Kube,
  crds: { name: string; since?: string }[],
  deadline: number,
): Promise<void> {
  await Promise.all(crds.map(({ name, since }) =>
    waitFor<V1CustomResourceDefinition>(kube, {
      path: CRD_PATH,
      fieldSelector: `metadata.name=${name}`,
      description: `CRD ${name} to be Established`,
      ready: (items) =>
        items[0]?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
          ? true
          : "not Established yet",
    }, {
      timeoutMs: remaining(deadline),
      ...(since ? { since: { items: [], resourceVersion: since } } : {}),
    })
  ));
}

/**
 * Waits until cainjector has put the CA into each CRD's conversion webhook. Until then the API
 * server cannot convert between the CRD's versions (LLMInferenceService v1alpha1 and v1alpha2).
 */
export async function waitConversionCa(
  kube: Kube,
  names: string[],
  deadline: number,
): Promise<void> {
  await Promise.all(names.map((name) =>
    waitFor<V1CustomResourceDefinition>(kube, {
      path: CRD_PATH,
      fieldSelector: `metadata.name=${name}`,
      description: `cainjector to set the conversion webhook caBundle of CRD ${name}`,
      ready: ([crd]) =>
        crd?.spec?.conversion?.strategy !== "Webhook" ||
          crd.spec.conversion.webhook?.clientConfig?.caBundle
          ? true
          : "caBundle is still empty",
    }, { timeoutMs: remaining(deadline) })
  ));
}

/** Waits until the named Deployments are Available; on timeout says which one and why. */
export async function waitDeployments(
  kube: Kube,
  namespace: string,
  names: string[],
  deadline: number,
): Promise<void> {
  if (names.length === 0) return;
  try {
    await waitFor<Deployment>(kube, {
      path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
      description: `Deployments in ${namespace} to be rolled out`,
      // Rolled out, not only Available: during an upgrade the old release's pod keeps the
      // Deployment Available, and its controller (and webhook) would still be the one answering.
      ready: (items) => {
        const waiting = names.flatMap((name) => {
          const deployment = items.find((d) => d.metadata?.name === name);
          const state = deployment ? deploymentRolledOut(deployment) : "not found";
          return state === true ? [] : [`${name} (${state})`];
        });
        return waiting.length === 0 ? true : `not rolled out: ${waiting.join(", ")}`;
      },
      // Scaled to 0 never becomes Available, however long install waits: say so at once.
      failed: (items) => {
        const stopped = items.find((d) =>
          names.includes(d.metadata?.name ?? "") && d.spec?.replicas === 0
        );
        if (!stopped) return undefined;
        const by = fieldTakenBy(stopped.metadata?.managedFields, ["f:spec", "f:replicas"])[0];
        return new CliError(
          `Deployment ${namespace}/${stopped.metadata?.name} is scaled to 0 replicas${
            by ? ` (by field manager ${by})` : ""
          }, so it can never become Available; install does not scale it back up`,
          {
            hint:
              `kubectl scale deployment/${stopped.metadata?.name} -n ${namespace} --replicas=1, then run install again`,
          },
        );
      },
    }, { timeoutMs: remaining(deadline) });
  } catch (error) {
    if (!(error instanceof DeadlineError)) throw error;
    throw new DeadlineError(`${error.message}. ${await explainNamespace(kube, namespace, names)}`, {
      hint: `kubectl get pods -n ${namespace}; kubectl describe deployment -n ${namespace}`,
    });
  }
}

/** Waits until a Service has a ready endpoint, which is what the API server's webhook calls need. */
export async function waitEndpoints(
  kube: Kube,
  namespace: string,
  service: string,
  deadline: number,
): Promise<void> {
  await waitFor<V1EndpointSlice>(kube, {
    path: `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
    labelSelector: `kubernetes.io/service-name=${service}`,
    description: `Service ${namespace}/${service} to have ready endpoints`,
    ready: (slices) =>
      slices.some((s) => (s.endpoints ?? []).some((e) => e.conditions?.ready !== false))
        ? true
        : "no ready endpoints",
  }, { timeoutMs: remaining(deadline) });
}

/**
 * Waits until every webhook of each configuration has rules: those its own webhook writes when
 * it starts (lib/kserve/webhook_rules.ts). `configs` name them as applied: {kind, name}.
 */
export async function waitRulesWritten(
  kube: Kube,
  configs: { kind: string; name: string }[],
  deadline: number,
): Promise<void> {
  await Promise.all(configs.map(({ kind, name }) =>
    waitFor<WebhookConfiguration>(kube, {
      path: configurationCollection(kind),
      fieldSelector: `metadata.name=${name}`,
      description: `${kind} ${name} to get its rules from its webhook`,
      ready: ([config]) => {
        if (!config) return "it does not exist";
        const without = webhooksWithoutRules(config);
        return without.length ? `no rules yet for ${without.join(", ")}` : true;
      },
    }, { timeoutMs: remaining(deadline) })
  ));
}

async function explainNamespace(kube: Kube, namespace: string, names: string[]): Promise<string> {
  try {
    const [deployments, pods, events] = await Promise.all([
      kube.request<{ items: Deployment[] }>(
        "GET",
        `/apis/apps/v1/namespaces/${namespace}/deployments`,
      ),
      kube.request<{ items: V1Pod[] }>("GET", `/api/v1/namespaces/${namespace}/pods`),
      kube.request<{ items: Event[] }>("GET", `/api/v1/namespaces/${namespace}/events`),
    ]);
    const stuck = deployments.items.filter((d) =>
      names.includes(d.metadata?.name ?? "") && !deploymentAvailable(d)
    );
    const reasons = stuck.map((d) => {
      const selector = d.spec?.selector?.matchLabels ?? {};
      const mine = pods.items.filter((p) =>
        Object.entries(selector).every(([k, v]) => p.metadata?.labels?.[k] === v)
      );
      return `${d.metadata?.name}: ${
        explainPods(mine, events.items) ?? explainDeployment(d) ?? "pods not ready"
      }`;
    });
    return reasons.join("; ");
  } catch {
    return "";
  }
}
