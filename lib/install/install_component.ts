/**
 * Installs one component in dependency order: namespaces and CRDs (then wait for Established),
 * the rest, webhook configurations, then wait for Deployments and webhook endpoints, prove the
 * webhook answers, and only then apply the objects that go through it.
 */
import { DeadlineError } from "../errors.ts";
import { CERT_MANAGER } from "../defaults.ts";
import type { Kube, KubeObject } from "../kube/client.ts";
import type { ResourceMap } from "../kube/resources.ts";
import type { Step } from "../progress.ts";
import { type Applied, applyObjects } from "./apply.ts";
import type { Restart } from "./restart.ts";
import { isWebhookStarting } from "../kube/errors.ts";
import { webhookCallFailure, webhookWords } from "../kserve/webhook_calls.ts";
import { retry as retryWhile } from "../async.ts";
import type { Phases } from "./plan.ts";
import {
  waitConversionCa,
  waitDeployments,
  waitEndpoints,
  waitEstablished,
  waitRulesWritten,
} from "./waits.ts";

export interface ComponentSpec {
  name: string;
  version: string;
  /** What the user should know before it is applied (a value repaired, say). */
  notes?: string[];
  /** Fields it takes whoever set them, as "Kind namespace/name .field" (values it repairs). */
  repairs?: string[];
  phases: Phases;
  /** Services whose endpoints must be ready before the webhook probe. */
  webhookServices?: { namespace: string; name: string }[];
  /**
   * Webhook configurations applied without rules, which the component's webhook writes when it
   * starts (lib/kserve/webhook_rules.ts): the probe means something only once it has.
   */
  rulesFromWebhook?: { kind: string; name: string }[];
  /** Proves the component's webhook admits requests (a server-side dry run). */
  probe?: () => Promise<unknown>;
  /**
   * Why its webhook does not answer, with the fix (`check`'s finding), or undefined when it
   * answers now: asked when the wait for its endpoints or its answer runs out of time.
   */
  diagnoseWebhook?: () => Promise<{ message: string; hint?: string } | undefined>;
  /**
   * Runs once the component's Deployments are rolled out, before its webhook is waited for:
   * restarts what must start again to see the cluster as it now is (KServe's controller after
   * Knative arrived). `plan` says what it would do, for the dry-run plan; `run` returns what it
   * changed, as "restarted Deployment NS/NAME: why", if anything.
   */
  afterRollout?: {
    plan: string;
    run: (deadline: number) => Promise<Restart | undefined>;
  };
}

export interface ComponentResult {
  name: string;
  version: string;
  skipped?: string;
  created: number;
  changed: number;
  /** Deleted and created again (an immutable field changes); absent when none. */
  replaced?: number;
  unchanged: number;
  /** Which objects a run created or changed, as "Kind namespace/name". */
  writes?: string[];
}

/**
 * Applies a component's namespaces and CRDs. They depend on nothing, so the install starts
 * every component's at once: the API server then builds the large KServe schemas while
 * cert-manager starts, instead of afterwards.
 */
export function applyFoundation(
  kube: Kube,
  resources: ResourceMap,
  spec: ComponentSpec,
  options: { deadline: number; dryRun: boolean; replace?: Set<string> },
): Promise<Applied[]> {
  const applied = applyObjects(kube, resources, spec.phases.foundation, {
    dryRun: options.dryRun,
    deadline: options.deadline,
    replace: options.replace,
  });
  applied.catch(() => {}); // reported when the component's turn comes
  return applied;
}

/** Applies a component and waits until it works; `dryRun` validates on the server without persisting. */
export async function installComponent(
  kube: Kube,
  resources: ResourceMap,
  spec: ComponentSpec,
  options: {
    deadline: number;
    dryRun: boolean;
    step: Step;
    foundation?: Promise<Applied[]>;
    /** Objects to delete and create again (an immutable field changes). */
    replace?: Set<string>;
  },
): Promise<ComponentResult> {
  const { phases } = spec;
  const applied: Applied[] = [];
  const restarts: Restart[] = [];
  const apply = async (objects: KubeObject[], label: string, retry = false) => {
    if (objects.length === 0) return;
    options.step.update(label);
    applied.push(
      ...await applyObjects(kube, resources, objects, {
        dryRun: options.dryRun,
        retry: retry ? isWebhookStarting : undefined,
        deadline: options.deadline,
        replace: options.replace,
      }),
    );
  };

  options.step.update("namespaces and CRDs");
  const foundation = await (options.foundation ?? applyFoundation(kube, resources, spec, options));
  applied.push(...foundation);
  const crds = foundation.filter((a) => a.kind === "CustomResourceDefinition");
  if (!options.dryRun && crds.length) {
    options.step.update("waiting for CRDs to be Established");
    // A CRD nothing but this apply has touched is watched from there; others are listed first.
    await waitEstablished(
      kube,
      crds.map((a) => ({ name: a.name, since: a.pristineVersion })),
      options.deadline,
    );
    resources.forget(); // discovery now serves the new kinds
  }
  // In a server-side dry run new CRDs do not exist, so their objects cannot be validated yet.
  const applicable = options.dryRun ? await dryRunnable(kube, resources, phases.main) : phases.main;
  // Objects of another component's webhook (cert-manager's for Certificates) may still be warming up.
  await apply(applicable, "objects", true);
  await apply(phases.webhookConfigs, "webhook configurations");

  if (!options.dryRun) {
    const deployments = phases.main.filter((o) => o.kind === "Deployment");
    for (const namespace of new Set(deployments.map((d) => String(d.metadata?.namespace)))) {
      options.step.update(`waiting for Deployments in ${namespace}`);
      const names = deployments.filter((d) => d.metadata?.namespace === namespace).map((d) =>
        String(d.metadata?.name)
      );
      await waitDeployments(kube, namespace, names, options.deadline);
    }
    if (spec.afterRollout) {
      options.step.update("checking that the controller has seen the cluster as it is");
      const restarted = await spec.afterRollout.run(options.deadline);
      if (restarted) restarts.push(restarted);
    }
    await waitWebhook(kube, spec, options).catch(async (error) => {
      if (!(error instanceof DeadlineError) || !spec.diagnoseWebhook) throw error;
      const finding = await spec.diagnoseWebhook().catch(() => undefined);
      if (!finding) throw error;
      throw new DeadlineError(
        `The ${spec.name} webhook did not answer in time: ${finding.message}`,
        {
          ...(finding.hint ? { hint: finding.hint } : {}),
        },
      );
    });
    // CRDs whose conversion webhook trusts the component's own certificate get its CA from
    // cainjector once that certificate exists; the install is done only when they have it.
    const injected = phases.foundation.filter((o) =>
      o.kind === "CustomResourceDefinition" &&
      (o.metadata?.annotations as Record<string, string> | undefined)?.[
        CERT_MANAGER.injectAnnotation
      ]
    );
    if (injected.length) {
      options.step.update("waiting for cainjector to trust the conversion webhooks");
      await waitConversionCa(kube, injected.map((o) => String(o.metadata?.name)), options.deadline);
    }
  }
  const admitted = options.dryRun
    ? await dryRunnable(kube, resources, phases.afterWebhook)
    : phases.afterWebhook;
  await apply(admitted, "objects admitted by the webhook", true);
  return { name: spec.name, version: spec.version, ...summarizeWrites(applied, restarts) };
}

/** Waits for the webhook Services' ready endpoints, then until the probe is admitted. */
async function waitWebhook(
  kube: Kube,
  spec: ComponentSpec,
  options: { step: Step; deadline: number },
): Promise<void> {
  for (const service of spec.webhookServices ?? []) {
    options.step.update(`waiting for ${service.name} endpoints`);
    await waitEndpoints(kube, service.namespace, service.name, options.deadline);
  }
  if (spec.rulesFromWebhook?.length) {
    options.step.update("waiting for the webhook to write its configurations' rules");
    await waitRulesWritten(kube, spec.rulesFromWebhook, options.deadline);
  }
  if (!spec.probe) return;
  options.step.update("waiting for the webhook to answer");
  await retryWhile(spec.probe, { retry: isWebhookStarting, deadline: options.deadline }).catch(
    (error) => {
      if (!isWebhookStarting(error)) throw error;
      const failure = webhookCallFailure(error.message);
      const why = failure
        ? `${webhookWords(failure)}: ${failure.cause} (${error.message})`
        : error.message;
      throw new DeadlineError(`The ${spec.name} webhook did not answer in time: ${why}`, {
        hint: "Diagnose it with: kubectl kserve check",
      });
    },
  );
}

/**
 * What an install of one component wrote: counts by action and a line per write. A restart
 * changes a pod template, so a Deployment the apply left unchanged counts as changed (one the
 * apply changed or created is not counted twice).
 */
export function summarizeWrites(
  applied: readonly Applied[],
  restarts: readonly Restart[],
): Pick<ComponentResult, "created" | "changed" | "replaced" | "unchanged" | "writes"> {
  const count = (action: string) => applied.filter((a) => a.action === action).length;
  const restartedUnchanged =
    restarts.filter((r) =>
      applied.some((a) =>
        a.action === "unchanged" && a.kind === "Deployment" && a.namespace === r.namespace &&
        a.name === r.name
      )
    ).length;
  const writes = [
    ...applied.filter((a) => a.action !== "unchanged")
      .map((a) => `${a.action} ${a.kind} ${a.namespace ? `${a.namespace}/` : ""}${a.name}`),
    ...restarts.map((r) => `restarted Deployment ${r.namespace}/${r.name}: ${r.why}`),
  ];
  return {
    created: count("created"),
    changed: count("changed") + restartedUnchanged,
    ...(count("replaced") ? { replaced: count("replaced") } : {}),
    unchanged: count("unchanged") - restartedUnchanged,
    ...(writes.length ? { writes } : {}),
  };
}

/** In a dry run, only objects whose kind is served and whose namespace exists can be validated. */
async function dryRunnable(
  kube: Kube,
  resources: ResourceMap,
  objects: KubeObject[],
): Promise<KubeObject[]> {
  const namespaces = new Map<string, Promise<boolean>>();
  const exists = (name: string) => {
    if (!namespaces.has(name)) {
      namespaces.set(name, kube.getOptional(`/api/v1/namespaces/${name}`).then(Boolean));
    }
    return namespaces.get(name)!;
  };
  const keep = await Promise.all(
    objects.map(async (o) =>
      await resources.serves(String(o.apiVersion), String(o.kind)) &&
      (!o.metadata?.namespace || await exists(o.metadata.namespace))
    ),
  );
  return objects.filter((_, i) => keep[i]);
}
