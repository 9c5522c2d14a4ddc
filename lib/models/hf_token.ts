/** deploy --hf-token-secret: the Secret is checked, then the model's kind wires it in. */
import { UsageError } from "../errors.ts";
import type { Kube, KubeObject } from "../kube/client.ts";
import { HF_TOKEN_KEY } from "../kserve/hf.ts";
import type { DeployRequest } from "../deploy/spec.ts";
import type { ModelKind } from "./kind.ts";

/**
 * Refuses request.hfTokenSecret (UsageError) before anything is planned or sent: a kind that
 * cannot take a token, a Secret that does not exist or has no HF_TOKEN key (KServe would start
 * the download without a token, and a gated model would fail with 401). Only the Secret's keys
 * are read into messages, never its values.
 */
export async function requireHfTokenSecret(
  kube: Kube,
  kind: ModelKind,
  request: DeployRequest,
): Promise<void> {
  const { namespace, hfTokenSecret: secret } = request;
  if (!secret) return;
  if (!kind.useHfToken) {
    throw new UsageError(
      `--hf-token-secret is for KServe's storage initializer, which the ${request.backend} backend does not run`,
      { hint: "Deploy with --backend kserve, or pass the token to the container with --env" },
    );
  }
  const found = await kube.getOptional<{ data?: Record<string, string> }>(
    `/api/v1/namespaces/${namespace}/secrets/${secret}`,
  );
  const create =
    `kubectl kserve creds hf --token-from-env HF_TOKEN --name ${secret} -n ${namespace}`;
  if (!found) {
    throw new UsageError(`Secret ${namespace}/${secret} (--hf-token-secret) does not exist`, {
      hint: `Create it from your token in $HF_TOKEN: ${create}`,
    });
  }
  const keys = Object.keys(found.data ?? {});
  if (!keys.includes(HF_TOKEN_KEY)) {
    throw new UsageError(
      `Secret ${namespace}/${secret} has no ${HF_TOKEN_KEY} key (its keys: ${
        keys.join(", ") || "none"
      }): KServe passes the token on from that key only`,
      { hint: `Write the token under ${HF_TOKEN_KEY}: ${create}` },
    );
  }
}

/** Wires request.hfTokenSecret into `object` (the kind's main object) through the kind. */
export function useHfToken(kind: ModelKind, object: KubeObject, request: DeployRequest): void {
  if (request.hfTokenSecret) kind.useHfToken?.(object, request.hfTokenSecret);
}
