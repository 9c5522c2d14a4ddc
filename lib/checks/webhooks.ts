/** Category "webhooks": the KServe admission webhooks are wired up and answer, end to end. */
import { REAPPLY } from "../kserve/hints.ts";
import { KSERVE_OBJECTS } from "../defaults.ts";
import { KubeApiError } from "../kube/errors.ts";
import { probeInferenceService, probeKServeWebhook } from "../kserve/probes.ts";
import type { CheckContext, Obj } from "./context.ts";
import { kserveWebhookConfigs, leftoverWebhooks } from "./kserve.ts";
import { type Check, CheckFailed } from "./check_types.ts";
import { caBundleCheck } from "./ca_bundle.ts";

/**
 * The dry-run create behind webhooks.probe. It is the slowest request of a healthy check (the
 * API server calls two webhooks), so `check` starts it with the first requests; when an earlier
 * check fails, its answer is simply never read.
 */
export function startWebhookProbe(ctx: CheckContext): { sent: Obj; created: Promise<Obj> } {
  const target = ctx.options.modelNamespace ?? "default";
  const sent = probeInferenceService(target) as Obj;
  const created = ctx.once(
    "webhooks.probe",
    () => probeKServeWebhook(ctx.kube, target) as Promise<Obj>,
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
        (c.object.webhooks ?? []).filter((w: Obj) =>
          w.clientConfig?.service && w.clientConfig.service.namespace !== namespace
        )
          .map((w: Obj) =>
            `${w.name} -> ${w.clientConfig.service.namespace}/${w.clientConfig.service.name}`
          )
      );
      if (wrong.length) {
        throw new CheckFailed(`These webhooks point outside ${namespace}: ${wrong.join(", ")}`);
      }
    },
  },
  {
    id: "webhooks.endpoints",
    category: "webhooks",
    description: "the KServe webhook Service has ready endpoints",
    hint:
      "The controller pod is not ready; see the kserve.controller check and kubectl get pods -n {kserve-ns}",
    dependsOn: ["kserve.controller", "webhooks.service"],
    retryable: true,
    async run(ctx) {
      const { namespace } = await ctx.kserve();
      const slices = await ctx.list(
        `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
        {
          labelSelector: `kubernetes.io/service-name=${KSERVE_OBJECTS.webhookService}`,
        },
      );
      const ready = slices.flatMap((s) =>
        (s.endpoints ?? []).filter((e: Obj) => e.conditions?.ready !== false)
      );
      if (ready.length === 0) {
        throw new CheckFailed(
          `Service ${namespace}/${KSERVE_OBJECTS.webhookService} has no ready endpoints: this is the "connection refused" of the webhook`,
        );
      }
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
    async run(ctx) {
      const { sent, created: request } = startWebhookProbe(ctx);
      let created: Obj;
      try {
        created = await request;
      } catch (error) {
        if (error instanceof KubeApiError && /failed calling webhook/.test(error.message)) {
          throw new CheckFailed(`The API server cannot call the KServe webhook: ${error.message}`);
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
