/**
 * Hugging Face access as KServe reads it. The storage initializer gets HF_TOKEN from a Secret
 * with an `HF_TOKEN` key: KServe's credential builder turns that key into an env var with a
 * secretKeyRef (K@v0.16.0:pkg/credentials/hf/hf_secret.go, BuildSecretEnvs), for the Secret
 * the InferenceService's `serving.kserve.io/storageSecretName` annotation names (the
 * inferenceservice-config credentials.storageSecretNameAnnotation; it takes precedence over the
 * service account's secrets, pkg/credentials/service_account_credentials.go). The server itself
 * (huggingfaceserver, vLLM) reads HF_TOKEN from its own environment. Pure functions.
 */
import type { V1EnvVar } from "@kubernetes/client-node";
import { MANAGED_BY_LABEL, PLUGIN_NAME } from "../defaults.ts";
import type { KubeObject } from "../kube/client.ts";

/** The Secret key, and the env var, that carry the token (hf.HFTokenKey). */
export const HF_TOKEN_KEY = "HF_TOKEN";

/** The annotation that names the storage initializer's credentials Secret. */
export const STORAGE_SECRET_ANNOTATION = "serving.kserve.io/storageSecretName";

/** `creds hf`'s default Secret name. */
export const DEFAULT_HF_SECRET = "hf-token";

/** The Secret `creds hf` applies: Opaque, the token base64-encoded under HF_TOKEN. */
export function hfTokenSecret(name: string, namespace: string, token: string): KubeObject {
  const bytes = new TextEncoder().encode(token);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: PLUGIN_NAME } },
    type: "Opaque",
    data: { [HF_TOKEN_KEY]: btoa(String.fromCharCode(...bytes)) },
  };
}

/** HF_TOKEN from the Secret's key, as KServe's credential builder writes it. */
export function hfTokenEnv(secret: string): V1EnvVar {
  return { name: HF_TOKEN_KEY, valueFrom: { secretKeyRef: { name: secret, key: HF_TOKEN_KEY } } };
}

/** `env` with HF_TOKEN from `secret` in place of any HF_TOKEN it had. */
export function withHfTokenEnv(env: V1EnvVar[] | undefined, secret: string): V1EnvVar[] {
  return [...(env ?? []).filter((e) => e.name !== HF_TOKEN_KEY), hfTokenEnv(secret)];
}
