// The `cainjector` role: copies a CA into the caBundle of webhook configurations, CRD conversion
// webhooks and APIServices annotated with cert-manager.io/inject-ca-from(-secret).
import {
  Informer,
  type KObject,
  type Kube,
  log,
  reconcileLoop,
  type Secret,
  waitSynced,
} from "./kube.ts";
import type { Certificate } from "./issuance.ts";

const INJECT_FROM = "cert-manager.io/inject-ca-from";
const INJECT_FROM_SECRET = "cert-manager.io/inject-ca-from-secret";

interface Target extends KObject {
  webhooks?: { clientConfig?: { caBundle?: string } }[];
  spec?: {
    caBundle?: string;
    conversion?: { strategy?: string; webhook?: { clientConfig?: { caBundle?: string } } };
  };
}

/** A caBundle field of a target: its JSON pointer and current value. */
interface Slot {
  path: string;
  value: string | undefined;
}

/** The CA last injected into (or found in) a target, per source annotation. */
export interface Injected {
  source: string;
  ca: string;
  /** The caBundle fields it covered; a field added since (a new webhook) gets the CA too. */
  paths?: string[];
}

/**
 * Decides whether to write `ca` into a target. Unlike the real cainjector, which re-injects on
 * every update of the target, this injects only when the target is new to this process, its
 * annotation changed, the source CA changed, or a caBundle field was added (an upgrade's new
 * webhook, which the real one fills on that update). A test can then empty a caBundle on purpose and
 * the broken state stays, as `check` tests need; restarting the cainjector pod repairs it.
 */
export function shouldInject(
  current: (string | undefined)[],
  ca: string,
  source: string,
  last: Injected | undefined,
  paths: string[] = [],
): boolean {
  if (current.every((c) => c === ca)) return false;
  if (last?.paths && paths.some((p) => !last.paths!.includes(p))) return true;
  return !last || last.source !== source || last.ca !== ca;
}

const KINDS: { kind: string; path: string; slots: (o: Target) => Slot[] }[] = [
  ...["Mutating", "Validating"].map((t) => ({
    kind: `${t}WebhookConfiguration`,
    path: `/apis/admissionregistration.k8s.io/v1/${t.toLowerCase()}webhookconfigurations`,
    slots: (o: Target) =>
      (o.webhooks ?? []).map((w, i) => ({
        path: `/webhooks/${i}/clientConfig/caBundle`,
        value: w.clientConfig?.caBundle,
      })),
  })),
  {
    kind: "CustomResourceDefinition",
    path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    // Like cert-manager: only a CRD whose conversion strategy is Webhook has a caBundle to set.
    slots: (o) => {
      const conv = o.spec?.conversion;
      if (conv?.strategy !== "Webhook" || !conv.webhook?.clientConfig) return [];
      return [{
        path: "/spec/conversion/webhook/clientConfig/caBundle",
        value: conv.webhook.clientConfig.caBundle,
      }];
    },
  },
  {
    kind: "APIService",
    path: "/apis/apiregistration.k8s.io/v1/apiservices",
    slots: (o) => [{ path: "/spec/caBundle", value: o.spec?.caBundle }],
  },
];

export async function runCainjector(kube: Kube, signal: AbortSignal): Promise<void> {
  const trigger = reconcileLoop(reconcileAll, signal);
  const certs = new Informer<Certificate>(kube, "/apis/cert-manager.io/v1/certificates", trigger);
  const secrets = new Informer<Secret>(kube, "/api/v1/secrets", trigger);
  const targets = KINDS.map((k) => ({
    ...k,
    informer: new Informer<Target>(kube, k.path, trigger),
  }));
  const informers = [certs, secrets, ...targets.map((t) => t.informer)];
  const injected = new Map<string, Injected>();
  const problems = new Map<string, string>();

  /** The base64 CA named by the target's annotations, or why it is not available. */
  function sourceCA(
    ann: Record<string, string>,
  ): { source: string; ca?: string; problem?: string } {
    const fromSecret = ann[INJECT_FROM_SECRET];
    if (fromSecret) {
      const source = `secret ${fromSecret}`;
      const s = secrets.items.get(fromSecret);
      if (!s) return { source, problem: `Secret ${fromSecret} not found` };
      // The real cainjector refuses secrets that did not opt in to direct injection.
      if (s.metadata.annotations?.["cert-manager.io/allow-direct-injection"] !== "true") {
        return { source, problem: `Secret ${fromSecret} does not allow direct injection` };
      }
      const ca = s.data?.["ca.crt"];
      return ca ? { source, ca } : { source, problem: `Secret ${fromSecret} has no ca.crt` };
    }
    const from = ann[INJECT_FROM]!;
    const source = `certificate ${from}`;
    const cert = certs.items.get(from);
    if (!cert) return { source, problem: `Certificate ${from} not found` };
    const secretKey = `${cert.metadata.namespace}/${cert.spec.secretName}`;
    const s = secrets.items.get(secretKey);
    if (!s) return { source, problem: `Secret ${secretKey} of Certificate ${from} not found` };
    if (s.metadata.annotations?.["cert-manager.io/certificate-name"] !== cert.metadata.name) {
      return { source, problem: `Secret ${secretKey} is not owned by Certificate ${from}` };
    }
    const ca = s.data?.["ca.crt"];
    return ca ? { source, ca } : { source, problem: `Secret ${secretKey} has no ca.crt` };
  }

  async function reconcileAll(): Promise<void> {
    if (!informers.every((i) => i.synced)) return;
    const failures: string[] = [];
    const seen = new Set<string>();
    for (const t of targets) {
      for (const obj of [...t.informer.items.values()]) {
        const ann = obj.metadata.annotations ?? {};
        if (!ann[INJECT_FROM] && !ann[INJECT_FROM_SECRET]) continue;
        const slots = t.slots(obj);
        if (slots.length === 0) continue;
        const id = `${t.kind}/${obj.metadata.uid}`;
        const what = `${t.kind} ${obj.metadata.name}`;
        seen.add(id);
        const { source, ca, problem } = sourceCA(ann);
        if (!ca) {
          if (problems.get(id) !== problem) log(`${what}: cannot inject CA yet: ${problem}`);
          problems.set(id, problem!);
          // What it last injected no longer counts: once the source is there again (the
          // annotation fixed), it injects, as cainjector does on that update.
          injected.delete(id);
          continue;
        }
        problems.delete(id);
        const paths = slots.map((s) => s.path);
        if (shouldInject(slots.map((s) => s.value), ca, source, injected.get(id), paths)) {
          const ops = [
            { op: "test", path: "/metadata/resourceVersion", value: obj.metadata.resourceVersion },
            ...slots.filter((s) => s.value !== ca).map((s) => ({
              op: "add",
              path: s.path,
              value: ca,
            })),
          ];
          try {
            t.informer.upsert(await kube.jsonPatch<Target>(`${t.path}/${obj.metadata.name}`, ops));
            log(`${what}: injected CA from ${source} into ${ops.length - 1} caBundle field(s)`);
          } catch (e) {
            failures.push(`${what}: ${e instanceof Error ? e.message : e}`);
            continue;
          }
        }
        injected.set(id, { source, ca, paths });
      }
    }
    for (const id of [...injected.keys()]) if (!seen.has(id)) injected.delete(id);
    if (failures.length) throw new Error(failures.join("; "));
  }

  log(`watching ${KINDS.map((k) => k.kind).join(", ")} for ${INJECT_FROM}(-secret)`);
  const running = informers.map((i) => i.run(signal));
  if (await waitSynced(informers, signal)) trigger();
  await Promise.all(running);
}
