/** `kubectl kserve uninstall`: remove KServe (and optionally cert-manager, Knative) without hanging. */
import type { GlobalOptions } from "../cli.ts";
import { CliError, UsageError } from "../errors.ts";
import { CERT_MANAGER, CRD_PATH, KNATIVE, KSERVE, KSERVE_OBJECTS } from "../defaults.ts";
import { Kube } from "../kube/client.ts";
import { Progress } from "../progress.ts";
import { writeOut } from "../output.ts";
import {
  CLUSTER_RESOURCE_KINDS,
  deleteAll,
  listRefs,
  modelObjects,
  NAMESPACED_RESOURCE_KINDS,
  type Ref,
  stripFinalizers,
  waitDeleted,
  webhookAlive,
} from "../install/teardown.ts";

export interface UninstallInvocation {
  global: GlobalOptions;
  withCertManager: boolean;
  withKnative: boolean;
  keepCrds: boolean;
  force: boolean;
  dryRun: boolean;
  timeoutMs: number;
  yes: boolean;
}

const ADMISSION = "/apis/admissionregistration.k8s.io/v1";

export async function uninstall(options: UninstallInvocation): Promise<number> {
  if (!options.yes && !options.dryRun) {
    if (
      !Deno.stdin.isTerminal() ||
      !confirm("Remove KServe and everything it installed from this cluster?")
    ) {
      throw new UsageError("Uninstall needs confirmation", {
        hint: "Pass --yes, or --dry-run to see what would be deleted",
      });
    }
  }
  const kube = await Kube.connect(options.global);
  const deadline = Date.now() + options.timeoutMs;
  const progress = new Progress({
    quiet: options.global.output === "json",
    color: options.global.color,
  });
  const deleted: Ref[] = [];
  const remove = async (refs: Ref[]) => {
    await deleteAll(kube, refs, { dryRun: options.dryRun });
    deleted.push(...refs);
  };

  // 1. Models first, while the controller can still remove their finalizers.
  const models = await modelObjects(kube);
  if (models.length && !options.force) {
    throw new CliError(
      `Refusing to uninstall: ${models.length} model object(s) exist: ${
        models.map((m) => `${m.kind} ${m.namespace}/${m.name}`).join(", ")
      }`,
      {
        hint: "Delete them first (kubectl kserve delete NAME), or pass --force to delete them too",
      },
    );
  }
  const step = progress.start("Removing KServe");
  const alive = await webhookAlive(kube);
  if (models.length && !options.dryRun) {
    if (!alive) {
      // The webhook would reject the finalizer-removing update: take it away first.
      step.update("the KServe webhook is down: removing its configurations, then finalizers");
      await remove(await kserveWebhooks(kube));
      await stripFinalizers(kube, models);
    }
    step.update(`deleting ${models.length} model object(s)`);
    await remove(models);
    await waitDeleted(kube, models, deadline, "model objects to be deleted").catch(
      async (error) => {
        if (!options.force) throw error;
        await stripFinalizers(kube, models); // the controller did not finish them in time
        await waitDeleted(kube, models, deadline + 30_000, "model objects to be deleted");
      },
    );
  }
  // 2. Cluster resources go through the webhook too (some block DELETE), so before the webhooks.
  step.update("deleting cluster resources");
  const clusterResources = (await Promise.all(
    CLUSTER_RESOURCE_KINDS.map((r) => listRefs(kube, `/apis/${KSERVE.apiGroup}/v1alpha1/${r}`, r)),
  )).flat();
  if (!alive && !options.dryRun) await remove(await kserveWebhooks(kube));
  await remove(clusterResources);
  // 3-6. Webhooks, controller and RBAC, CRDs, namespace.
  step.update("deleting webhooks, controller, CRDs and namespace");
  await remove(await kserveWebhooks(kube));
  // The API server drops deleted webhooks from admission a moment later; a CRD deleted before
  // then can have its instance cleanup refused by them and retried only after a long backoff.
  if (!options.dryRun) await new Promise((resolve) => setTimeout(resolve, 2000));
  // v0.20's webhook refuses deleting its well-known LLMInferenceServiceConfigs, and the llmisvc
  // controller holds a finalizer on each: they go now, webhook gone and controller still running.
  const llmConfigs = (await Promise.all(
    NAMESPACED_RESOURCE_KINDS.map((r) =>
      listRefs(kube, `/apis/${KSERVE.apiGroup}/v1alpha1/${r}`, r)
    ),
  )).flat();
  await remove(llmConfigs);
  if (!options.dryRun && llmConfigs.length) {
    const soon = Math.min(deadline, Date.now() + 10_000);
    await waitDeleted(kube, llmConfigs, soon, "LLMInferenceServiceConfigs to be deleted").catch(
      async () => {
        // The controller did not remove its finalizers (it may be gone): nothing depends on them.
        await stripFinalizers(kube, llmConfigs);
        await waitDeleted(kube, llmConfigs, deadline, "LLMInferenceServiceConfigs to be deleted");
      },
    );
  }
  await remove(
    await byPrefix(kube, "/apis/rbac.authorization.k8s.io/v1/clusterroles", [
      "kserve-",
      "llmisvc-",
    ]),
  );
  await remove(
    await byPrefix(kube, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", [
      "kserve-",
      "llmisvc-",
    ]),
  );
  const crds = options.keepCrds ? [] : await crdsOf(kube, (g) => g === KSERVE.apiGroup);
  await remove(crds);
  const namespaces = await existing(kube, [KSERVE.namespace]);
  await remove(namespaces);
  if (!options.dryRun) {
    // CRDs go once their objects are cleaned up, the namespace once its contents are.
    await waitDeleted(
      kube,
      [...crds, ...namespaces],
      deadline,
      "KServe's CRDs and namespace to be deleted",
    );
  }
  step.done(
    options.dryRun ? `would delete ${deleted.length} objects` : `${deleted.length} objects deleted`,
  );

  if (options.withCertManager) await removeCertManager(kube, options, progress, remove, deadline);
  if (options.withKnative) {
    const knative = progress.start("Removing Knative Serving");
    await remove(
      await byPrefix(
        kube,
        `${ADMISSION}/validatingwebhookconfigurations`,
        [],
        (n) => n.endsWith(".knative.dev"),
      ),
    );
    await remove(
      await byPrefix(
        kube,
        `${ADMISSION}/mutatingwebhookconfigurations`,
        [],
        (n) => n.endsWith(".knative.dev"),
      ),
    );
    if (!options.keepCrds) await remove(await crdsOf(kube, (g) => g.endsWith("knative.dev")));
    await remove(
      await byPrefix(kube, "/apis/rbac.authorization.k8s.io/v1/clusterroles", [
        "knative-",
        "net-kourier",
        "net-istio",
      ]),
    );
    await remove(
      await byPrefix(kube, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", [
        "knative-",
        "net-kourier",
        "net-istio",
      ]),
    );
    const spaces = await existing(kube, [KNATIVE.namespace, KNATIVE.kourierNamespace]);
    await remove(spaces);
    if (!options.dryRun) {
      await waitDeleted(kube, spaces, deadline, "Knative namespaces to be deleted");
    }
    knative.done("removed");
  }
  if (!options.dryRun) await verifyGone(kube, options.keepCrds);
  if (options.global.output === "json") {
    writeOut(
      JSON.stringify(
        {
          dryRun: options.dryRun,
          deleted: deleted.map(({ kind, name, namespace }) => ({ kind, name, namespace })),
        },
        null,
        2,
      ) + "\n",
    );
  }
  return 0;
}

async function removeCertManager(
  kube: Kube,
  options: UninstallInvocation,
  progress: Progress,
  remove: (refs: Ref[]) => Promise<void>,
  deadline: number,
): Promise<void> {
  const step = progress.start("Removing cert-manager");
  const certificates = await listRefs(
    kube,
    `/apis/${CERT_MANAGER.apiGroup}/v1/certificates`,
    "Certificate",
  );
  const others = certificates.filter((c) => c.namespace !== KSERVE.namespace);
  if (others.length && !options.force) {
    step.fail("refused");
    throw new CliError(
      `cert-manager still manages ${others.length} Certificate(s) of other owners: ${
        others.map((c) => `${c.namespace}/${c.name}`).join(", ")
      }`,
      { hint: "Keep cert-manager (drop --with-cert-manager), or pass --force to remove it anyway" },
    );
  }
  await remove(
    await byPrefix(kube, `${ADMISSION}/validatingwebhookconfigurations`, ["cert-manager-"]),
  );
  await remove(
    await byPrefix(kube, `${ADMISSION}/mutatingwebhookconfigurations`, ["cert-manager-"]),
  );
  if (!options.keepCrds) await remove(await crdsOf(kube, (g) => g.endsWith("cert-manager.io")));
  await remove(
    await byPrefix(kube, "/apis/rbac.authorization.k8s.io/v1/clusterroles", ["cert-manager-"]),
  );
  await remove(
    await byPrefix(kube, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", [
      "cert-manager-",
    ]),
  );
  // Its leader-election Roles live in kube-system, which is not deleted.
  for (const kind of ["roles", "rolebindings"]) {
    await remove(
      await byPrefix(kube, `/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/${kind}`, [
        "cert-manager-",
        "cert-manager:",
      ]),
    );
  }
  const spaces = await existing(kube, [CERT_MANAGER.namespace]);
  await remove(spaces);
  if (!options.dryRun) {
    await waitDeleted(kube, spaces, deadline, "namespace cert-manager to be deleted");
  }
  step.done("removed");
}

async function kserveWebhooks(kube: Kube): Promise<Ref[]> {
  const isKServe = (name: string) => name.endsWith(KSERVE_OBJECTS.webhookSuffix);
  return [
    ...await byPrefix(kube, `${ADMISSION}/validatingwebhookconfigurations`, [], isKServe),
    ...await byPrefix(kube, `${ADMISSION}/mutatingwebhookconfigurations`, [], isKServe),
  ];
}

async function byPrefix(
  kube: Kube,
  collection: string,
  prefixes: string[],
  match?: (name: string) => boolean,
): Promise<Ref[]> {
  const refs = await listRefs(kube, collection, collection.slice(collection.lastIndexOf("/") + 1));
  return refs.filter((r) => match ? match(r.name) : prefixes.some((p) => r.name.startsWith(p)));
}

async function crdsOf(kube: Kube, group: (g: string) => boolean): Promise<Ref[]> {
  const refs = await listRefs(
    kube,
    CRD_PATH,
    "customresourcedefinition",
  );
  return refs.filter((r) => group(String(r.object.spec?.group)));
}

async function existing(kube: Kube, names: string[]): Promise<Ref[]> {
  const found = await Promise.all(names.map((n) => kube.getOptional(`/api/v1/namespaces/${n}`)));
  return names.filter((_, i) => found[i]).map((name) => ({
    path: `/api/v1/namespaces/${name}`,
    kind: "namespace",
    name,
  }));
}

/** Nothing of KServe may remain: no webhooks, no CRDs, no namespace. */
async function verifyGone(kube: Kube, keptCrds: boolean): Promise<void> {
  const left = [
    ...(await kserveWebhooks(kube)).map((r) => `${r.kind} ${r.name}`),
    ...(keptCrds
      ? []
      : (await crdsOf(kube, (g) => g === KSERVE.apiGroup)).map((r) => `CRD ${r.name}`)),
    ...(await existing(kube, [KSERVE.namespace])).map((r) => `namespace ${r.name}`),
  ];
  if (left.length) {
    throw new CliError(`KServe objects remain after uninstall: ${left.join(", ")}`, {
      hint: "Run uninstall again",
    });
  }
}
