/**
 * The admission probes: server-side dry-run creates that prove a webhook answers end to end
 * (API server -> Service -> pod -> certificate). Nothing is persisted (`dryRun=All`).
 * `check`, `install`, `uninstall` and `delete` all probe the same way, from here: KServe's
 * webhook with an InferenceService, cert-manager's with an Issuer, Knative's with a Service.
 */
import { CERT_MANAGER, KNATIVE, KSERVE } from "../defaults.ts";
import type { Kube, KubeObject } from "../kube/client.ts";

/** The name every probe object carries, so audit logs show where it came from. */
const PROBE_NAME = "kubectl-kserve-check";

/**
 * The smallest InferenceService the webhooks accept; the defaulter fills in the rest.
 * Source: KServe's "first InferenceService" example (docs/samples/v1beta1/sklearn).
 */
export function probeInferenceService(namespace: string): KubeObject {
  return {
    apiVersion: `${KSERVE.apiGroup}/v1beta1`,
    kind: "InferenceService",
    metadata: { name: PROBE_NAME, namespace },
    spec: {
      predictor: {
        model: {
          modelFormat: { name: "sklearn" },
          storageUri: "gs://kfserving-examples/models/sklearn/1.0/model",
        },
      },
    },
  };
}

/**
 * Dry-run creates the probe InferenceService in `namespace`: the KServe defaulter and validator
 * (inferenceservice.kserve-webhook-server.*) must both answer. Resolves to the defaulted object;
 * throws the API server's error (KubeApiError) otherwise.
 */
export function probeKServeWebhook(
  kube: Kube,
  namespace = "default",
): Promise<KubeObject> {
  return kube.request<KubeObject>(
    "POST",
    `/apis/${KSERVE.apiGroup}/v1beta1/namespaces/${namespace}/inferenceservices`,
    { query: { dryRun: "All" }, body: probeInferenceService(namespace) },
  );
}

/** Whether the KServe webhook answers now; any failure counts as no. */
export function kserveWebhookAnswers(kube: Kube): Promise<boolean> {
  return probeKServeWebhook(kube).then(() => true, () => false);
}

/** A server-side dry-run create of a self-signed Issuer: proves cert-manager's webhook answers. */
export function probeCertManagerWebhook(kube: Kube, namespace: string): Promise<unknown> {
  return kube.request("POST", `/apis/${CERT_MANAGER.apiGroup}/v1/namespaces/${namespace}/issuers`, {
    query: { dryRun: "All" },
    body: {
      apiVersion: `${CERT_MANAGER.apiGroup}/v1`,
      kind: "Issuer",
      metadata: { name: PROBE_NAME },
      spec: { selfSigned: {} },
    },
  });
}

/**
 * Dry-run creates the smallest Knative Service (serving.knative.dev/v1) in `namespace`:
 * Knative's defaulting and validation webhooks (webhook.serving.knative.dev,
 * validation.webhook.serving.knative.dev) must both answer, as they must when KServe creates a
 * model's Knative Service. Throws the API server's error (KubeApiError) otherwise. Source:
 * Knative's "first service" example (helloworld-go).
 */
export function probeKnativeWebhook(kube: Kube, namespace = "default"): Promise<KubeObject> {
  return kube.request<KubeObject>(
    "POST",
    `/apis/${KNATIVE.apiGroup}/v1/namespaces/${namespace}/services`,
    {
      query: { dryRun: "All" },
      body: {
        apiVersion: `${KNATIVE.apiGroup}/v1`,
        kind: "Service",
        metadata: { name: PROBE_NAME, namespace },
        spec: {
          template: { spec: { containers: [{ image: "ghcr.io/knative/helloworld-go:latest" }] } },
        },
      },
    },
  );
}
