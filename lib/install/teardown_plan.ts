/**
 * Uninstall as a plan, like install: what removing each component means (as data), what the
 * cluster holds of it (read once), and the ordered steps that never hang (kserve-facts §9):
 * models while the controller still runs, then cluster resources, webhooks, LLM configs,
 * RBAC, CRDs and namespaces. `planTeardown` is pure; `uninstall --dry-run` prints its result.
 */
import { TIMINGS } from "../defaults.ts";
import { CliError } from "../errors.ts";
import type { Listed, Ref } from "../kube/delete.ts";
import { describeOwner, namespaceOwner, ownerOf } from "../kube/owner.ts";
import {
  CERT_MANAGER_TEARDOWN,
  type ComponentTeardown,
  KNATIVE_TEARDOWN,
  kserveTeardown,
} from "./component_teardowns.ts";

/** Everything the plan is made from, read from the cluster in one round (inventory.ts). */
export interface Inventory {
  /** Objects of the kinds lib/kserve/api_kinds.ts tears down as "model" (InferenceServices, ...). */
  models: Listed[];
  /** Objects of the "cluster-resource" kinds (admitted by KServe's webhook). */
  clusterResources: Listed[];
  /** Objects of the "llm-config" kind (newer releases' webhook refuses their delete, llmisvc finalizes). */
  llmConfigs: Listed[];
  webhooks: Listed[];
  crds: Listed[];
  clusterRbac: Listed[];
  kubeSystemRbac: Listed[];
  /** The namespaces of the components, those that exist. */
  namespaces: Listed[];
  /** cert-manager Certificates in every namespace. */
  certificates: Listed[];
  /** Whether KServe's webhook answers now (a dead one blocks finalizer removal). */
  kserveWebhookAnswers: boolean;
}

export interface TeardownOptions {
  withCertManager: boolean;
  withKnative: boolean;
  keepCrds: boolean;
  force: boolean;
  /** The namespace KServe is installed in. */
  kserveNamespace: string;
}

/** What follows a delete before the next step starts. */
export interface Settle {
  /** What is awaited, for progress and the timeout message. */
  wait: string;
  /** The objects awaited; the step's own when not given. */
  refs?: Ref[];
  /** Strip finalizers of what is left this many ms after the delete, then wait again. */
  stripAfterMs?: number;
  /** Strip finalizers of what is left at the deadline, then wait this many ms more. */
  graceMs?: number;
}

export type TeardownStep =
  | { component: string; action: "delete"; what: string; refs: Ref[]; settle?: Settle }
  | { component: string; action: "strip-finalizers"; what: string; refs: Ref[] }
  /** The API server drops deleted webhooks from admission a moment later. */
  | { component: string; action: "pause"; what: string; ms: number };

export interface TeardownPlan {
  steps: TeardownStep[];
  /** Per component: the title shown in progress, and the namespaces and CRDs that must be gone. */
  components: { title: string; namespaces: string[]; crdsKept: boolean }[];
}

/**
 * The commands that delete models, at most three: `kubectl kserve delete` for an
 * InferenceService (it waits for the controller's finalizer), kubectl for the kinds the plugin
 * does not serve (InferenceGraph, TrainedModel, LLMInferenceService).
 */
function deleteCommands(models: Listed[]): string {
  const commands = models.slice(0, 3).map((m) =>
    m.kind === "InferenceService"
      ? `kubectl kserve delete ${m.name} -n ${m.namespace}`
      : `kubectl delete ${m.kind.toLowerCase()} ${m.name} -n ${m.namespace}`
  );
  return commands.join("; ") + (models.length > 3 ? `; and ${models.length - 3} more` : "");
}

/**
 * The ordered steps of an uninstall. Throws CliError (nothing changed yet) for what needs
 * --force: models that still exist, and cert-manager Certificates of other owners.
 */
export function planTeardown(inventory: Inventory, options: TeardownOptions): TeardownPlan {
  const kserve = kserveTeardown(options.kserveNamespace);
  const { models } = inventory;
  if (models.length && !options.force) {
    throw new CliError(
      `Refusing to uninstall: ${models.length} model object(s) exist: ${
        models.map((m) => `${m.kind} ${m.namespace}/${m.name}`).join(", ")
      }`,
      { hint: `Delete them first (${deleteCommands(models)}), or pass --force to delete them too` },
    );
  }
  if (options.withCertManager) {
    const others = inventory.certificates.filter((c) => c.namespace !== options.kserveNamespace);
    if (others.length && !options.force) {
      throw new CliError(
        `cert-manager still manages ${others.length} Certificate(s) of other owners: ${
          others.map((c) => `${c.namespace}/${c.name}`).join(", ")
        }`,
        {
          hint: "Keep cert-manager (drop --with-cert-manager), or pass --force to remove it anyway",
        },
      );
    }
  }

  const steps: TeardownStep[] = [];
  const title = kserve.title;
  const kserveWebhooks = inventory.webhooks.filter((w) => kserve.webhook(w.name));
  let webhooksDeleted = false;
  const deleteKServeWebhooks = (why: string) => {
    if (webhooksDeleted || !kserveWebhooks.length) return;
    steps.push({ component: title, action: "delete", what: why, refs: kserveWebhooks });
    webhooksDeleted = true;
  };
  // 1. Models first, while the controller can still remove their finalizers. A dead webhook
  //    would reject the finalizer-removing update: its configurations go first then.
  if (models.length) {
    if (!inventory.kserveWebhookAnswers) {
      deleteKServeWebhooks("webhook configurations (the KServe webhook does not answer)");
      steps.push({ component: title, action: "strip-finalizers", what: "models", refs: models });
    }
    steps.push({
      component: title,
      action: "delete",
      what: "models",
      refs: models,
      settle: { wait: "model objects to be deleted", graceMs: TIMINGS.modelStripGraceMs },
    });
  }
  // 2. Cluster resources are admitted by the webhook too (some block DELETE), so before it;
  //    when it does not answer, it goes first.
  if (!inventory.kserveWebhookAnswers) deleteKServeWebhooks("webhook configurations");
  pushDelete(steps, title, "cluster resources", inventory.clusterResources);
  // 3. Webhooks, then LLM configs (the webhook refuses deleting the well-known ones, and the
  //    llmisvc controller, still running, holds a finalizer on each).
  deleteKServeWebhooks("webhook configurations");
  if (webhooksDeleted) {
    steps.push({
      component: title,
      action: "pause",
      what: "until the API server stops calling the deleted webhooks",
      ms: TIMINGS.webhookDropMs,
    });
  }
  pushDelete(steps, title, "LLMInferenceServiceConfigs", inventory.llmConfigs, {
    wait: "LLMInferenceServiceConfigs to be deleted",
    stripAfterMs: TIMINGS.llmConfigFinalizeMs,
  });
  // 4. Controller RBAC, CRDs, namespace.
  componentTail(steps, kserve, inventory, options.keepCrds, false);

  const components = [{ title, namespaces: kserve.namespaces, crdsKept: options.keepCrds }];
  for (
    const [wanted, component] of [
      [options.withCertManager, CERT_MANAGER_TEARDOWN],
      [options.withKnative, KNATIVE_TEARDOWN],
    ] as const
  ) {
    if (!wanted) continue;
    componentTail(steps, component, inventory, options.keepCrds, true);
    components.push({
      title: component.title,
      namespaces: component.namespaces,
      crdsKept: options.keepCrds,
    });
  }
  refuseForeign(steps, options.force);
  return { steps, components };
}

/**
 * Objects this plugin did not write (no kubectl-kserve field manager: a Helm release, another
 * tool) are never deleted silently: the plan is refused, naming their owners, unless --force.
 * Models are the user's and are guarded by their own rule above.
 */
function refuseForeign(steps: TeardownStep[], force: boolean): void {
  if (force) return;
  const foreign = steps.flatMap((step) =>
    step.action === "delete" && step.what !== "models"
      ? step.refs.flatMap((ref) => {
        const object = (ref as Partial<Listed>).object;
        if (!object) return [];
        const owner = ref.kind === "Namespace"
          ? namespaceOwner(object.metadata)
          : ownerOf(object.metadata);
        return owner.by === "kubectl-kserve" ? [] : [{ ref, owner }];
      })
      : []
  );
  if (!foreign.length) return;
  const byOwner = Map.groupBy(foreign, (f) => describeOwner(f.owner));
  const owners = [...byOwner].map(([owner, items]) =>
    `${items.length} by ${owner} (${
      items.slice(0, 3).map((i) => `${i.ref.kind} ${i.ref.name}`).join(", ")
    }${items.length > 3 ? ", ..." : ""})`
  );
  const helm = [
    ...new Set(
      foreign.flatMap(({ owner }) =>
        owner.by === "helm" ? [`helm uninstall ${owner.release} -n ${owner.namespace}`] : []
      ),
    ),
  ];
  // A namespace that existed before install may hold the user's own objects: deleting it
  // deletes them too.
  const namespaces = foreign.filter((f) => f.ref.kind === "Namespace").map((f) => f.ref.name);
  const existedBefore = namespaces.length
    ? ` (namespace ${
      namespaces.join(", ")
    } existed before kubectl-kserve installed into it; deleting it deletes everything in it)`
    : "";
  throw new CliError(
    `Refusing to uninstall: ${foreign.length} object(s) were not installed by kubectl-kserve: ${
      owners.join("; ")
    }${existedBefore}`,
    {
      hint: helm.length
        ? `Remove them with Helm: ${helm.join("; ")}; or pass --force to delete them anyway`
        : "Remove them with the tool that installed them, or pass --force to delete them anyway",
    },
  );
}

/** Webhooks (for the non-KServe components), RBAC, CRDs and namespaces of one component. */
function componentTail(
  steps: TeardownStep[],
  component: ComponentTeardown,
  inventory: Inventory,
  keepCrds: boolean,
  withWebhooks: boolean,
): void {
  const { title } = component;
  if (withWebhooks) {
    pushDelete(
      steps,
      title,
      "webhook configurations",
      inventory.webhooks.filter((w) => component.webhook(w.name)),
    );
  }
  pushDelete(
    steps,
    title,
    "cluster roles and bindings",
    inventory.clusterRbac.filter((r) => component.clusterRbac(r.name)),
  );
  const kubeSystem = component.kubeSystemRbac;
  if (kubeSystem) {
    pushDelete(
      steps,
      title,
      "kube-system roles and bindings",
      inventory.kubeSystemRbac.filter((r) => kubeSystem(r.name)),
    );
  }
  const crds = keepCrds ? [] : inventory.crds.filter((c) => component.crdGroup(groupOf(c)));
  const namespaces = inventory.namespaces.filter((n) => component.namespaces.includes(n.name));
  pushDelete(steps, title, "CRDs", crds);
  pushDelete(steps, title, "namespaces", namespaces);
  // CRDs go once their objects are cleaned up, the namespace once its contents are: the
  // component is done when both are gone.
  const last = steps.at(-1);
  if ((crds.length || namespaces.length) && last?.action === "delete") {
    last.settle = {
      wait: `${title}'s CRDs and namespaces to be deleted`,
      refs: [...crds, ...namespaces],
    };
  }
}

function pushDelete(
  steps: TeardownStep[],
  component: string,
  what: string,
  refs: Ref[],
  settle?: Settle,
): void {
  if (refs.length) steps.push({ component, action: "delete", what, refs, settle });
}

/** A CRD is named <plural>.<group>, so its name gives its group without reading its spec. */
function groupOf(crd: Listed): string {
  return crd.name.slice(crd.name.indexOf(".") + 1);
}
