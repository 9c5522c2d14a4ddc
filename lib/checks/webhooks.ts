/** Category "webhooks": the KServe admission webhooks are wired up and answer, end to end. */
import { REAPPLY } from "../kserve/hints.ts";
import { KSERVE, KSERVE_OBJECTS } from "../defaults.ts";
import { KubeApiError } from "../kube/errors.ts";
import { probeInferenceService, probeKServeWebhook } from "../kserve/probes.ts";
import type { V1EndpointSlice, V1Service } from "@kubernetes/client-node";
import type { InferenceService } from "../kserve/inference_service.ts";
import type { CheckContext } from "./context.ts";
import { kserveWebhookConfigs, leftoverWebhooks } from "./webhook_configs.ts";
import { type Check, CheckFailed } from "./check_types.ts";
import { caBundleCheck } from "./ca_bundle.ts";
import { selectsNoPod, targetsNoPort } from "./selectors.ts";

/**
 * The dry-run create behind webhooks.probe. It is the slowest request of a healthy check (the
 * API server calls two webhooks), so `check` starts it with the first requests; when an earlier
 * check fails, its answer is simply never read.
 */
export function startWebhookProbe(
  ctx: CheckContext,
): { sent: InferenceService; created: Promise<InferenceService> } {
  const target = ctx.options.modelNamespace ?? "default";
  const sent: InferenceService = probeInferenceService(target);
  const created = ctx.once(
    "webhooks.probe",
    (): Promise<InferenceService> => probeKServeWebhook(ctx.kube, target),
  );
  return { sent, created };
}

export const webhookChecks: Check<CheckContext>[] = [
  {
    id: "webhooks.orphans",
    category: "webhooks",
    description: "no KServe webhook configuration is left from an earlier install",
    hint: "Delete the leftover configurations",
    dependsOn: ["cluster.api"],
    async run(ctx) {
      const leftovers = await leftoverWebhooks(ctx);
      if (leftovers.length === 0) return;
      const byKind = Map.groupBy(leftovers, (l) => l.kind);
      const commands = [...byKind].map(([kind, items]) =>
        `kubectl delete ${kind} ${items.map((i) => i.name).join(" ")}`
      );
      throw new CheckFailed(
        `${leftovers.length} KServe webhook configuration(s) point at services that do not exist (` +
          leftovers.map((l) => `${l.name} -> ${l.service}`).join(", ") +
          `). The API server rejects every matching InferenceService or pod create and update cluster-wide.`,
        `Delete them: ${commands.join("; ")}`,
      );
    },
  },
  {
    id: "webhooks.service",
    category: "webhooks",
    description: "every KServe webhook points at the webhook Service in the install namespace",
    hint: `Re-apply KServe so that the webhook configurations match its namespace: ${REAPPLY}`,
    dependsOn: ["kserve.installed", "webhooks.orphans"],
    async run(ctx) {
      const { namespace } = await ctx.kserve();
      const configs = await kserveWebhookConfigs(ctx);
      if (configs.length === 0) {
        throw new CheckFailed("No *.serving.kserve.io webhook configuration exists");
      }
      const wrong = configs.flatMap((c) =>
        (c.object.webhooks ?? []).flatMap((w) => {
          const service = w.clientConfig?.service;
          return service && service.namespace !== namespace
            ? [`${w.name} -> ${service.namespace}/${service.name}`]
            : [];
        })
      );
      if (wrong.length) {
        // Whoever re-pointed them now owns those fields: a server-side re-apply conflicts with
        // them unless it forces (Helm 3 patches client-side, and overwrites them anyway).
        const { owner } = await ctx.kserve();
        const force = owner?.by === "helm" ? "" : " --force-conflicts";
        throw new CheckFailed(
          `These webhooks point outside ${namespace}: ${wrong.join(", ")}`,
          `Re-apply KServe, taking back the fields that were changed: ${REAPPLY}${force}`,
        );
      }
    },
  },
  {
    id: "webhooks.endpoints",
    category: "webhooks",
    description: "the KServe webhook Service has ready endpoints",
    hint:
      "Wait for them: kubectl kserve check --wait 1m; if they never come, see kubectl get endpointslices -n {kserve-ns} -l kubernetes.io/service-name=kserve-webhook-server-service",
    dependsOn: ["kserve.controller", "webhooks.service"],
    retryable: true,
    async run(ctx) {
      const { namespace } = await ctx.kserve();
      const slices = await ctx.list<V1EndpointSlice>(
        `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
        {
          labelSelector: `kubernetes.io/service-name=${KSERVE_OBJECTS.webhookService}`,
        },
      );
      const ready = slices.flatMap((s) =>
        (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false)
      );
      if (ready.length === 0) await whyNoEndpoints(ctx);
      return `${ready.length} ready endpoint(s)`;
    },
  },
  caBundleCheck,
  {
    id: "webhooks.probe",
    category: "webhooks",
    description:
      "an InferenceService passes the KServe webhooks (server-side dry run) and is defaulted",
    hint:
      "Fix the first failing check above; if all pass, retry in a minute (a just-started controller needs about 30 s)",
    dependsOn: ["webhooks.endpoints", "webhooks.ca-bundle"],
    retryable: true,
    prefetch(ctx) {
      startWebhookProbe(ctx);
    },
    async run(ctx) {
      const { sent, created: request } = startWebhookProbe(ctx);
      let created: InferenceService;
      try {
        created = await request;
      } catch (error) {
        if (error instanceof KubeApiError && /failed calling webhook/.test(error.message)) {
          // Its endpoints are ready (they do not check ports): a Service sending to a port the
          // controller does not declare refuses every call until someone fixes it.
          const unported = await webhookServiceMissesPort(ctx);
          if (unported) {
            throw new CheckFailed(
              `${unported.finding}, so the API server cannot call the KServe webhook: ${error.message}`,
              unported.fix,
              { transient: false },
            );
          }
          // Its caBundle matches the certificate it serves (the check this one depends on):
          // the API server has yet to use the bundle cainjector just wrote, or the controller
          // is still starting. Both resolve in seconds.
          throw new CheckFailed(
            `The API server cannot call the KServe webhook yet; waiting for it to trust the caBundle cainjector wrote and for the controller to answer: ${error.message}`,
            undefined,
            { transient: true },
          );
        }
        throw error;
      }
      if (
        JSON.stringify(created.spec) === JSON.stringify(sent.spec) && !created.metadata?.annotations
      ) {
        throw new CheckFailed(
          `The create passed but nothing was defaulted: the mutating webhook "${KSERVE_OBJECTS.defaulterWebhook}" did not run`,
          `Check that mutatingwebhookconfiguration inferenceservice.serving.kserve.io exists, or re-apply KServe: ${REAPPLY}`,
        );
      }
    },
  },
];

/** The KServe webhook Service's port sending where the controller declares no port, if so. */
async function webhookServiceMissesPort(
  ctx: CheckContext,
): Promise<{ finding: string; fix: string } | undefined> {
  const { namespace, controller } = await ctx.kserve();
  const service = await ctx.get<V1Service>(
    `/api/v1/namespaces/${namespace}/services/${KSERVE_OBJECTS.webhookService}`,
  );
  return service && controller ? targetsNoPort(service, controller) : undefined;
}

/**
 * Why the webhook Service has no ready endpoints although the controller is Available (this
 * check runs only then): a Service that selects no controller pod needs a fix; otherwise the
 * EndpointSlice is still being filled, which resolves on its own.
 */
async function whyNoEndpoints(ctx: CheckContext): Promise<never> {
  const { namespace } = await ctx.kserve();
  // The controller as listed: its pod template's labels are read.
  const controller = (await ctx.kserve()).controller;
  const name = `${namespace}/${KSERVE_OBJECTS.webhookService}`;
  const service = await ctx.get<V1Service>(
    `/api/v1/namespaces/${namespace}/services/${KSERVE_OBJECTS.webhookService}`,
  );
  if (!service) {
    throw new CheckFailed(`Service ${name} does not exist`, `Re-apply KServe: ${REAPPLY}`, {
      transient: false,
    });
  }
  // KServe's own manifests select the controller by this one label.
  const [key, value] = KSERVE.controllerSelector.split("=") as [string, string];
  const wrong = controller && selectsNoPod(service, controller, { [key]: value });
  if (wrong) {
    throw new CheckFailed(
      `${wrong.finding}: this is the "connection refused" of the webhook`,
      wrong.fix,
      { transient: false },
    );
  }
  throw new CheckFailed(
    `Service ${name} selects the controller pods but has no ready endpoints yet: this is the "connection refused" of the webhook; waiting for its EndpointSlice to list the ready pods`,
    undefined,
    { transient: true },
  );
}
