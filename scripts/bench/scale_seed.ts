/**
 * Builds the cluster of the scale benchmark through the API, fast and without the KServe
 * controller: KServe's CRDs (from the fixtures), 50 namespaces, InferenceServices spread evenly
 * over them with a status written as the controller would (most Ready, some not), and thousands
 * of Deployments that are not models. Growing is incremental: asking for 10,000 models after
 * 1,000 creates the 9,000 missing ones.
 */
import { parse } from "yaml";
import { KSERVE } from "../../lib/defaults.ts";
import { Kube } from "../../lib/kube/client.ts";
import { ensure, FIXTURES, timed } from "./lib.ts";

export const NAMESPACES = 50;
const CONFIG_MAP = "inferenceservice-config";
const ISVCS = "/apis/serving.kserve.io/v1beta1";
/** Requests in flight at once: enough to keep the API server busy, few enough not to throttle. */
const CONCURRENCY = 48;

export const namespaceOf = (n: number) => `team-${n}`;
/** Model i of a namespace: the same name whatever the total, so a larger cluster keeps them. */
export const modelName = (namespace: number, i: number) => `model-${namespace}-${i}`;

/**
 * From KServe's release manifest: every CRD, and the controller's ConfigMap and Deployment (in
 * its namespace), scaled to 0 so that nothing runs (check finds an install whose models it can
 * check); no webhook configurations, so models are created without a controller. Then the
 * namespaces of the models.
 */
export async function seedBase(): Promise<void> {
  const manifest = await Deno.readTextFile(`${FIXTURES}kserve/v0.20.0/kserve.yaml`);
  const documents = manifest.split(/^---$/m);
  const named = (kind: string, name: string) =>
    documents.find((d) =>
      new RegExp(`^kind: ${kind}$`, "m").test(d) && new RegExp(`^ {2}name: ${name}$`, "m").test(d)
    )!;
  const crds = documents.filter((d) => /^kind: CustomResourceDefinition$/m.test(d));
  const file = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(file, crds.join("\n---\n"));
  ensure(await timed("kubectl", ["apply", "--server-side", "-f", file]), "apply KServe CRDs");
  await Deno.remove(file);
  ensure(
    await timed("kubectl", [
      "wait",
      "--for=condition=Established",
      ...crds.map((d) => `crd/${/^ {2}name: (.*)$/m.exec(d)![1]}`),
    ]),
    "wait for CRDs",
  );
  const kube = await Kube.connect({});
  const controller = parse(named("Deployment", KSERVE.controllerDeployment)) as {
    spec: { replicas?: number };
  };
  controller.spec.replicas = 0;
  for (
    const [path, object] of [
      ["/api/v1/namespaces", { metadata: { name: KSERVE.namespace } }],
      [`/api/v1/namespaces/${KSERVE.namespace}/configmaps`, parse(named("ConfigMap", CONFIG_MAP))],
      [`/apis/apps/v1/namespaces/${KSERVE.namespace}/deployments`, controller],
    ] as const
  ) await createIfMissing(kube, path, object);
  await pool(Array.from({ length: NAMESPACES }, (_, n) => n), async (n) => {
    await createIfMissing(kube, "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespaceOf(n) },
    });
  });
}

/** Grows the cluster to `total` InferenceServices, `total / NAMESPACES` in each namespace. */
export async function seedModels(total: number): Promise<void> {
  const kube = await Kube.connect({});
  const perNamespace = Math.ceil(total / NAMESPACES);
  const existing = new Set<string>();
  for (const item of await listNames(kube, `${ISVCS}/inferenceservices`)) existing.add(item);
  const missing: [number, number][] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    for (let i = 0; i < perNamespace; i++) {
      if (!existing.has(`${namespaceOf(n)}/${modelName(n, i)}`)) missing.push([n, i]);
    }
  }
  await pool(missing, async ([n, i]) => {
    const namespace = namespaceOf(n);
    const name = modelName(n, i);
    const path = `${ISVCS}/namespaces/${namespace}/inferenceservices`;
    const created = await kube.request<{ metadata: Record<string, unknown> }>("POST", path, {
      body: isvc(namespace, name),
    });
    // As the controller would: status through its subresource. One in ten is not Ready.
    await kube.request("PUT", `${path}/${name}/status`, {
      body: {
        ...isvc(namespace, name),
        metadata: created.metadata,
        status: status(namespace, name, i % 10 !== 9),
      },
    });
  });
}

/** Deployments that are not models (paused, so the controller manager creates no pods). */
export async function seedOtherDeployments(total: number): Promise<void> {
  const kube = await Kube.connect({});
  const existing = new Set(await listNames(kube, "/apis/apps/v1/deployments"));
  const wanted = Array.from({ length: total }, (_, i) => [i % NAMESPACES, i] as const)
    .filter(([n, i]) => !existing.has(`${namespaceOf(n)}/app-${i}`));
  await pool(wanted, async ([n, i]) => {
    await kube.request("POST", `/apis/apps/v1/namespaces/${namespaceOf(n)}/deployments`, {
      body: deployment(namespaceOf(n), `app-${i}`),
    });
  });
}

async function listNames(kube: Kube, path: string): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await kube.request<
      {
        items: { metadata: { name: string; namespace: string } }[];
        metadata: { continue?: string };
      }
    >("GET", path, {
      query: { limit: 500, continue: token },
      accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
    });
    names.push(...(page.items ?? []).map((i) => `${i.metadata.namespace}/${i.metadata.name}`));
    token = page.metadata.continue || undefined;
  } while (token);
  return names;
}

async function createIfMissing(kube: Kube, path: string, body: unknown): Promise<void> {
  try {
    await kube.request("POST", path, { body });
  } catch (error) {
    if ((error as { status?: number }).status !== 409) throw error;
  }
}

/** Runs `work` on every item, CONCURRENCY at a time. */
async function pool<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

function isvc(namespace: string, name: string) {
  return {
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: {
      name,
      namespace,
      annotations: { "serving.kserve.io/deploymentMode": "Standard" },
    },
    spec: {
      predictor: {
        minReplicas: 1,
        model: {
          modelFormat: { name: "sklearn" },
          storageUri: "gs://kfserving-examples/models/sklearn/1.0/model",
          resources: { requests: { cpu: "100m", memory: "256Mi" } },
        },
      },
    },
  };
}

function status(namespace: string, name: string, ready: boolean) {
  const now = new Date().toISOString();
  const condition = (type: string) => ({
    type,
    status: ready ? "True" : "False",
    lastTransitionTime: now,
    ...(ready ? {} : { reason: "MinimumReplicasUnavailable", message: "waiting for replicas" }),
  });
  return {
    deploymentMode: "Standard",
    observedGeneration: 1,
    url: `http://${name}-${namespace}.example.com`,
    address: { url: `http://${name}-predictor.${namespace}.svc.cluster.local` },
    conditions: ["IngressReady", "PredictorReady", "Ready"].map(condition),
    components: { predictor: { latestCreatedRevision: `${name}-predictor-00001` } },
    modelStatus: {
      states: { activeModelState: ready ? "Loaded" : "Pending", targetModelState: "Loaded" },
      transitionStatus: ready ? "UpToDate" : "InProgress",
    },
  };
}

function deployment(namespace: string, name: string) {
  const labels = { app: name, tier: "web" };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels },
    spec: {
      replicas: 2,
      paused: true,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{
            name: "app",
            image: "registry.example.com/team/app:1.0.0",
            ports: [{ containerPort: 8080 }],
            env: Array.from(
              { length: 8 },
              (_, i) => ({ name: `SETTING_${i}`, value: `value-${i}` }),
            ),
            resources: { requests: { cpu: "100m", memory: "128Mi" } },
          }],
        },
      },
    },
  };
}
