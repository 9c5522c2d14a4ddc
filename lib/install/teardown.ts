/**
 * Carrying out an uninstall plan (teardown_plan.ts): reading what the cluster holds, running
 * the steps in order with their waits, and proving afterwards that nothing is left.
 */
import { allOf, delay } from "../async.ts";
import { CERT_MANAGER, CRD_PATH } from "../defaults.ts";
import { CliError } from "../errors.ts";
import type { Kube } from "../kube/client.ts";
import {
  deleteObjects,
  type Listed,
  listRefs,
  type Ref,
  stripFinalizers,
  waitDeleted,
} from "../kube/delete.ts";
import { kserveWebhookAnswers } from "../kserve/probes.ts";
import { configurationCollection } from "../kserve/webhook_rules.ts";
import { kindPath, KSERVE_KINDS, type KServeKind } from "../kserve/api_kinds.ts";
import type { Inventory, TeardownOptions, TeardownPlan, TeardownStep } from "./teardown_plan.ts";
import { CERT_MANAGER_TEARDOWN, KNATIVE_TEARDOWN, kserveTeardown } from "./component_teardowns.ts";

/** The collections of the KServe kinds uninstall deletes as `role`, each at the version every release serves. */
function kindCollections(role: KServeKind["teardown"]): [string, string][] {
  return KSERVE_KINDS.filter((k) => k.teardown === role).map((k) => [kindPath(k), k.kind]);
}

const WAIT_HINT =
  "Objects wait for their finalizers; see what holds them with: kubectl kserve check; or run uninstall again with --force";

const RBAC = "/apis/rbac.authorization.k8s.io/v1";

/** Reads, in one round of parallel requests, everything planTeardown needs. */
export async function readInventory(kube: Kube, options: TeardownOptions): Promise<Inventory> {
  const namespaceNames = [
    ...kserveTeardown(options.kserveNamespace).namespaces,
    ...(options.withCertManager ? CERT_MANAGER_TEARDOWN.namespaces : []),
    ...(options.withKnative ? KNATIVE_TEARDOWN.namespaces : []),
  ];
  const none = Promise.resolve([] as Listed[]);
  return await allOf({
    models: listModelObjects(kube),
    clusterResources: listAll(kube, kindCollections("cluster-resource")),
    llmConfigs: listAll(kube, kindCollections("llm-config")),
    webhooks: listAll(kube, [
      ...["ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"]
        .map((kind): [string, string] => [configurationCollection(kind), kind]),
    ]),
    crds: listRefs(kube, CRD_PATH, "CustomResourceDefinition", { metadataOnly: true }),
    clusterRbac: listAll(kube, [
      [`${RBAC}/clusterroles`, "ClusterRole"],
      [`${RBAC}/clusterrolebindings`, "ClusterRoleBinding"],
    ]),
    kubeSystemRbac: options.withCertManager
      ? listAll(kube, [
        [`${RBAC}/namespaces/kube-system/roles`, "Role"],
        [`${RBAC}/namespaces/kube-system/rolebindings`, "RoleBinding"],
      ])
      : none,
    namespaces: existingNamespaces(kube, namespaceNames),
    certificates: options.withCertManager
      ? listRefs(kube, `/apis/${CERT_MANAGER.apiGroup}/v1/certificates`, "Certificate")
      : none,
    kserveWebhookAnswers: kserveWebhookAnswers(kube),
  });
}

/** Every model object of KServe's kinds, in every namespace (what deleting the CRDs deletes). */
export function listModelObjects(kube: Kube): Promise<Listed[]> {
  return listAll(kube, kindCollections("model"));
}

async function listAll(kube: Kube, collections: [string, string][]): Promise<Listed[]> {
  return (await Promise.all(collections.map(([path, kind]) => listRefs(kube, path, kind)))).flat();
}

async function existingNamespaces(kube: Kube, names: string[]): Promise<Listed[]> {
  const found = await Promise.all(names.map((name) => namespaceRef(kube, name)));
  return found.filter((n): n is Listed => n !== undefined);
}

async function namespaceRef(kube: Kube, name: string): Promise<Listed | undefined> {
  const path = `/api/v1/namespaces/${name}`;
  const object = await kube.getOptional<Listed["object"]>(path);
  return object ? { path, kind: "Namespace", name, object } : undefined;
}

export interface TeardownProgress {
  /** A new component's steps begin. */
  component(title: string): void;
  /** A step of the current component begins. */
  step(what: string): void;
  /** The current component is done; `deleted` counts its objects. */
  componentDone(title: string, deleted: number): void;
}

/** Runs every step in order; returns the objects deleted. */
export async function executeTeardown(
  kube: Kube,
  plan: TeardownPlan,
  options: { deadline: number; progress: TeardownProgress },
): Promise<Ref[]> {
  const deleted: Ref[] = [];
  let current: string | undefined;
  let count = 0;
  for (const step of plan.steps) {
    if (step.component !== current) {
      if (current !== undefined) options.progress.componentDone(current, count);
      current = step.component;
      count = 0;
      options.progress.component(current);
    }
    options.progress.step(describeStep(step));
    if (step.action === "pause") await delay(step.ms);
    else if (step.action === "strip-finalizers") await stripFinalizers(kube, step.refs);
    else {
      await deleteObjects(kube, step.refs);
      deleted.push(...step.refs);
      count += step.refs.length;
      await settle(kube, step, options.deadline);
    }
  }
  if (current !== undefined) options.progress.componentDone(current, count);
  await verifyGone(kube, plan);
  return deleted;
}

async function settle(
  kube: Kube,
  step: Extract<TeardownStep, { action: "delete" }>,
  deadline: number,
): Promise<void> {
  const spec = step.settle;
  if (!spec) return;
  const refs = spec.refs ?? step.refs;
  if (spec.stripAfterMs === undefined && spec.graceMs === undefined) {
    return await waitDeleted(kube, refs, deadline, spec.wait, WAIT_HINT);
  }
  const firstDeadline = spec.stripAfterMs === undefined
    ? deadline
    : Math.min(deadline, Date.now() + spec.stripAfterMs);
  await waitDeleted(kube, refs, firstDeadline, spec.wait).catch(async () => {
    // Their controller did not finish them in time (it may be gone): nothing depends on them.
    await stripFinalizers(kube, refs);
    await waitDeleted(kube, refs, deadline + (spec.graceMs ?? 0), spec.wait, WAIT_HINT);
  });
}

/** One line for a step: "delete 11 ClusterServingRuntimes ...". */
export function describeStep(step: TeardownStep): string {
  if (step.action === "pause") return `pause ${step.ms / 1000}s ${step.what}`;
  const verb = step.action === "delete" ? "delete" : "remove the finalizers of";
  return `${verb} ${step.what} (${step.refs.length})`;
}

/** Nothing of the removed components may remain: no webhooks, no CRDs, no namespaces. */
async function verifyGone(kube: Kube, plan: TeardownPlan): Promise<void> {
  const left: string[] = [];
  for (const step of plan.steps) {
    if (step.action !== "delete") continue;
    const still = await Promise.all(
      step.refs.filter((r) => isStructural(r)).map(async (r) =>
        await kube.getOptional(r.path) ? `${r.kind} ${r.name}` : undefined
      ),
    );
    left.push(...still.filter((s): s is string => s !== undefined));
  }
  if (left.length) {
    throw new CliError(`Objects remain after uninstall: ${left.join(", ")}`, {
      hint: "Run uninstall again; see what holds them with: kubectl kserve check",
    });
  }
}

/** What must be gone at the end: webhooks, CRDs and namespaces. */
function isStructural(ref: Ref): boolean {
  return /WebhookConfiguration$|^CustomResourceDefinition$|^Namespace$/.test(ref.kind);
}
