/**
 * What `install --llm` adds beside KServe, decided as pure logic: the Gateway API standard CRDs at
 * the version the release pins (lib/kserve/releases.ts gatewayApi), kept where another owner
 * installed them (a Gateway implementation ships its own), and the Gateway
 * kserve/kserve-ingress-gateway of the GatewayClass the user names. The InferencePool CRDs of the
 * group the release reconciles ship in its kserve.yaml, which the kserve component applies.
 * Without that GatewayClass install stops before anything changes: no Gateway implementation
 * would program the Gateway, and no LLMInferenceService would ever be routed.
 */
import { CliError } from "../errors.ts";
import { LLM } from "../defaults.ts";
import type { KubeObject } from "../kube/client.ts";
import { describeOwner, type OwnedMetadata, ownerOf } from "../kube/owner.ts";
import type { ManifestFile } from "./releases.ts";
import { managedByUs } from "./component_specs.ts";

/** What install read for the LLM part before planning. */
export interface LlmFacts {
  /** The names of the GatewayClasses that exist (none when their CRD does not). */
  gatewayClasses: string[];
  /** The Gateway API CRDs that exist, by name. */
  crds: Record<string, KubeObject>;
}

/** The LLM component: the Gateway API files to apply, the CRDs kept, the Gateway's class. */
export interface LlmComponent {
  component: "llm";
  /** The Gateway API version applied. */
  version: string;
  files: ManifestFile[];
  /** CRDs another owner installed, as "name: why"; their objects are not applied. */
  kept: string[];
  gatewayClass: string;
}

/** Where the Gateway implementations are listed, for the refusal's hint. */
const IMPLEMENTATIONS = "https://gateway-api.sigs.k8s.io/implementations/";

/**
 * The CRD a Gateway API file defines, from its name (config/crd/standard/GROUP_RESOURCE.yaml);
 * undefined for a file of other objects (v1.5.1's GROUP_vap_safeupgrades.yaml).
 */
export function gatewayApiCrd(file: ManifestFile): string | undefined {
  const match = /^([a-z0-9.-]+)_([a-z]+)\.yaml$/.exec(file.file);
  return match ? `${match[2]}.${match[1]}` : undefined;
}

/**
 * The LLM component. Throws CliError when GatewayClass `gatewayClass` does not exist. With
 * `force`, CRDs of another owner are applied too (their fields then taken with --force's rules).
 */
export function planLlm(
  request: { gatewayClass: string; force: boolean; gatewayApi: string },
  files: ManifestFile[],
  facts: LlmFacts,
): LlmComponent {
  if (!facts.gatewayClasses.includes(request.gatewayClass)) {
    const found = facts.gatewayClasses.length
      ? `; the GatewayClasses are ${facts.gatewayClasses.join(", ")}`
      : "; no GatewayClass exists, so no Gateway implementation is installed";
    throw new CliError(
      `GatewayClass "${request.gatewayClass}" does not exist${found}. Nothing was changed: the Gateway ${LLM.gatewayNamespace}/${LLM.gatewayName} that LLMInferenceServices route through needs a Gateway implementation to accept its class`,
      {
        hint:
          `Install a Gateway implementation first (${IMPLEMENTATIONS}), then name its GatewayClass: kubectl get gatewayclasses, then kubectl kserve install --llm --gateway-class NAME`,
      },
    );
  }
  const kept: string[] = [];
  const applied = files.filter((file) => {
    const foreign = [gatewayApiCrd(file) ?? ""].map((name) => [name, facts.crds[name]] as const)
      .filter(([, crd]) => crd && !request.force && !managedByUs(crd));
    for (const [name, crd] of foreign) {
      const metadata = (crd?.metadata ?? {}) as OwnedMetadata;
      const bundle = metadata.annotations?.["gateway.networking.k8s.io/bundle-version"];
      kept.push(
        `${name}${bundle ? ` ${bundle}` : ""}: installed by ${describeOwner(ownerOf(metadata))}`,
      );
    }
    return foreign.length === 0;
  });
  return {
    component: "llm",
    version: request.gatewayApi,
    files: applied,
    kept,
    gatewayClass: request.gatewayClass,
  };
}

/** The Gateway LLMInferenceServices route through by default, of class `gatewayClass`. */
export function llmGateway(gatewayClass: string): KubeObject {
  return {
    apiVersion: `${LLM.gatewayApiGroup}/v1`,
    kind: "Gateway",
    metadata: { name: LLM.gatewayName, namespace: LLM.gatewayNamespace },
    spec: {
      gatewayClassName: gatewayClass,
      // KServe's docs' Gateway: one HTTP listener, routes from every namespace.
      listeners: [{
        name: "http",
        protocol: "HTTP",
        port: 80,
        allowedRoutes: { namespaces: { from: "All" } },
      }],
    },
  };
}
