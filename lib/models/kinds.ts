/**
 * The one dispatch from a model to its kind: every kind of model this tool serves, in the
 * order a name is looked up, and the lookups over all of them (find, require, list).
 */
import { CliError } from "../errors.ts";
import type { Kube, KubeObject } from "../kube/client.ts";
import { waitForModel } from "../deploy/wait.ts";
import type { Backend } from "../options.ts";
import { DEPLOYMENT } from "./deployment.ts";
import { INFERENCE_SERVICE } from "./inference_service.ts";
import { LLM_INFERENCE_SERVICE } from "./llm_inference_service.ts";
import type { Existing, Model, ModelKind, ModelObject, ModelRow } from "./kind.ts";

/**
 * Each backend's kind. A name two hold is the first's found (an InferenceService's first). A new
 * kind is one more file beside these and one more entry here.
 */
const KINDS: Record<Backend, ModelKind> = {
  kserve: INFERENCE_SERVICE,
  deployment: DEPLOYMENT,
  llm: LLM_INFERENCE_SERVICE,
};

/** Every kind, in the order a name is looked up. */
export function allKinds(): ModelKind[] {
  return Object.values(KINDS);
}

/** The kind of a model, or of a backend. */
export function kindOf(model: Model | Backend): ModelKind {
  return KINDS[typeof model === "string" ? model : model.backend];
}

/** The main object of each kind that holds NAME (read in parallel). */
export async function findEach(kube: Kube, namespace: string, name: string): Promise<Existing> {
  const kinds = Object.values(KINDS);
  const found = await Promise.all(kinds.map((kind) => kind.find(kube, namespace, name)));
  return Object.fromEntries(
    kinds.flatMap((kind, i) => found[i] ? [[kind.backend, found[i]]] : []),
  );
}

/**
 * Which kind serves NAME, with its main object, or undefined when it is not deployed. All kinds
 * are read in parallel, and the answer comes as soon as it is known: once the first kind in
 * lookup order that holds NAME has answered and every kind before it has said no (chat's and
 * predict's time to the request). A failed lookup of a kind before it is the error; one after it
 * cannot change the answer and is dropped.
 */
export async function findModel(
  kube: Kube,
  namespace: string,
  name: string,
): Promise<Model | undefined> {
  const kinds = Object.values(KINDS);
  const lookups = kinds.map((kind) => kind.find(kube, namespace, name));
  // Those still running when the answer is known settle unobserved.
  for (const lookup of lookups) lookup.catch(() => {});
  for (const [i, kind] of kinds.entries()) {
    const object = await lookups[i];
    if (object) return { backend: kind.backend, object };
  }
  return undefined;
}

/** Like findModel, but a model that is not there is an error naming how to list the others. */
export async function requireModel(kube: Kube, namespace: string, name: string): Promise<Model> {
  const model = await findModel(kube, namespace, name);
  if (!model) {
    throw new CliError(`No model "${name}" in namespace ${namespace}`, {
      hint: `List them with: kubectl kserve list -n ${namespace}`,
    });
  }
  return model;
}

/** Models of every kind in a namespace, or in all of them, by namespace and name. */
export async function listModels(kube: Kube, namespace: string | undefined): Promise<ModelRow[]> {
  const rows = await Promise.all(Object.values(KINDS).map((kind) => kind.list(kube, namespace)));
  return rows.flat().sort((a, b) =>
    a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)
  );
}

/** The UIDs of a model's pods now (by the label its wait watches them with). */
export async function modelPodUids(
  kube: Kube,
  kind: ModelKind,
  namespace: string,
  name: string,
): Promise<Set<string>> {
  const pods = await kube.request<{ items: { metadata?: { uid?: string } }[] }>(
    "GET",
    `/api/v1/namespaces/${namespace}/pods`,
    { query: { labelSelector: kind.podSelector(name) } },
  );
  return new Set(pods.items.map((p) => p.metadata?.uid ?? ""));
}

/** Waits until a model of `kind` serves (deploy --wait); failures as waitForModel's. */
export async function waitForKind(
  kind: ModelKind,
  kube: Kube,
  namespace: string,
  name: string,
  timeoutMs: number,
  applied?: KubeObject,
  earlierPods?: Set<string>,
): Promise<Model> {
  const wait = kind.wait(namespace, name);
  const object = await waitForModel(kube, wait, timeoutMs, applied as ModelObject, earlierPods);
  return { backend: kind.backend, object };
}
