/** deploy --llm's own flags, read into an LLMRequest; each is refused without --llm. */
import { UsageError } from "../errors.ts";
import type { LLMRequest } from "../deploy/spec.ts";
import { isDnsLabel } from "../kube/names.ts";

/**
 * The LLMRequest of --llm (or --backend llm), or undefined without it (then none of its flags
 * may be given).
 */
export function llmRequest(flags: Record<string, unknown>): LLMRequest | undefined {
  const given = [
    ["--model-name", flags.modelName !== undefined],
    ["--replicas", flags.replicas !== undefined],
    ["--no-router", flags.router === false],
    ["--no-scheduler", flags.scheduler === false],
    ["--gateway", flags.gateway !== undefined],
  ] as const;
  if (flags.llm !== true && flags.backend !== "llm") {
    const flag = given.find(([, set]) => set)?.[0];
    if (flag) {
      throw new UsageError(`${flag} applies only to --llm (an LLMInferenceService)`, {
        hint: `Add --llm, or drop ${flag}`,
      });
    }
    return undefined;
  }
  if (flags.backend !== undefined && flags.backend !== "llm") {
    throw new UsageError(`--llm and --backend ${flags.backend} ask for two different kinds`, {
      hint: "Drop --backend: --llm deploys an LLMInferenceService",
    });
  }
  if (flags.router === false && (flags.gateway !== undefined || flags.scheduler === false)) {
    throw new UsageError(
      `--no-router and ${
        flags.gateway !== undefined ? "--gateway" : "--no-scheduler"
      } contradict each other: without a router there is no Gateway or scheduler`,
      { hint: "Keep --no-router alone, or drop it" },
    );
  }
  return {
    ...(flags.modelName !== undefined ? { modelName: String(flags.modelName) } : {}),
    ...(flags.replicas !== undefined ? { replicas: flags.replicas as number } : {}),
    router: flags.router !== false,
    scheduler: flags.scheduler !== false,
    ...(flags.gateway !== undefined ? { gateway: parseGateway(String(flags.gateway)) } : {}),
  };
}

/** --gateway NAMESPACE/NAME. */
function parseGateway(value: string): { namespace: string; name: string } {
  const [namespace, name, ...rest] = value.split("/");
  if (!namespace || !name || rest.length || !isDnsLabel(namespace)) {
    throw new UsageError(`Invalid --gateway "${value}": expected NAMESPACE/NAME`, {
      hint: "Name an existing Gateway, such as --gateway kserve/kserve-ingress-gateway",
    });
  }
  return { namespace, name };
}
