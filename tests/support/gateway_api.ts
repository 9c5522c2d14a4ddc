/**
 * The Gateway implementation of the LLM tests: the Gateway API double
 * (scripts/cluster/gateway-api-double.yaml) with its GatewayClass test-double, installed as a
 * real implementation's install would be (its GatewayClass CRD first, under its own manager).
 */
import { kubectlOk, REPO_ROOT } from "./cluster.ts";
import { FIXTURES } from "./fixtures.ts";

/** The double's GatewayClass. */
export const DOUBLE_CLASS = "test-double";

/** The Gateway implementation's install: its GatewayClass CRD, the double and its class. */
export async function installGatewayDouble(gatewayApi: string): Promise<void> {
  await kubectlOk([
    "apply",
    "--server-side",
    "--field-manager",
    "gateway-implementation",
    "-f",
    `${FIXTURES}gateway-api/${gatewayApi}/gateway.networking.k8s.io_gatewayclasses.yaml`,
  ]);
  await kubectlOk([
    "wait",
    "--for=condition=Established",
    "crd/gatewayclasses.gateway.networking.k8s.io",
  ]);
  await kubectlOk([
    "apply",
    "--server-side",
    "-f",
    `${REPO_ROOT}/scripts/cluster/gateway-api-double.yaml`,
  ]);
  // The double runs once it accepts its class (before that, a snapshot would see it start).
  await kubectlOk([
    "wait",
    "--for=condition=Accepted",
    `gatewayclass/${DOUBLE_CLASS}`,
    "--timeout=120s",
  ]);
}

/** Scales the double's Deployment: 0 leaves the cluster without a Gateway implementation. */
export async function scaleGatewayDouble(replicas: number): Promise<void> {
  await kubectlOk([
    "scale",
    "deployment/gateway-api-double",
    "-n",
    "gateway-api-double",
    `--replicas=${replicas}`,
  ]);
  await kubectlOk([
    "rollout",
    "status",
    "deployment/gateway-api-double",
    "-n",
    "gateway-api-double",
    "--timeout=120s",
  ]);
}

/**
 * Deletes one of the presets KServe ships (an LLMInferenceServiceConfig in namespace kserve), as
 * on a cluster that never had it: its webhook refuses to delete a well-known preset, so the
 * webhook configuration goes first. The controller keeps a preset a model uses (its finalizer).
 */
export async function deleteShippedPreset(name: string): Promise<void> {
  const webhooks = await kubectlOk(["get", "validatingwebhookconfiguration", "-o", "name"]);
  for (
    const webhook of webhooks.split("\n").filter((n) => n.includes("llminferenceserviceconfig"))
  ) {
    await kubectlOk(["delete", webhook]);
  }
  await kubectlOk(["delete", "llminferenceserviceconfig", name, "-n", "kserve"]);
}
