/** deploy --llm's own flags, read into an LLMRequest; each is refused without --llm. */
import { UsageError } from "../errors.ts";
import type { LLMRequest } from "../deploy/spec.ts";
import { isDnsLabel } from "../kube/names.ts";
import type { ModelKind } from "../models/kind.ts";
import { allKinds, kindOf } from "../models/kinds.ts";
import type { Backend } from "../options.ts";

/** The kind whose flags an LLMRequest holds. */
const LLM_KIND = kindOf("llm");

/** A deploy flag as commander names its option ("--no-router" -> router, "--model-name" -> modelName). */
function optionKey(flag: string): string {
  return flag.replace(/^--(no-)?/, "").replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}

/** Whether a deploy flag was given ("--no-X" when X is false). */
function given(flags: Record<string, unknown>, flag: string): boolean {
  const value = flags[optionKey(flag)];
  return flag.startsWith("--no-") ? value === false : value !== undefined;
}

/**
 * The kind deploy's flags pick: a kind's own switch (--llm), else --backend's; undefined for the
 * default. A switch and a --backend of another kind are refused.
 */
export function deployKind(flags: Record<string, unknown>): ModelKind | undefined {
  const switched = allKinds().find((k) =>
    k.deploySwitch && flags[optionKey(k.deploySwitch)] === true
  );
  const backend = flags.backend !== undefined ? kindOf(flags.backend as Backend) : undefined;
  if (switched && backend && backend !== switched) {
    throw new UsageError(
      `${switched.deploySwitch} and --backend ${flags.backend} ask for two different kinds`,
      { hint: `Drop --backend: ${switched.deploySwitch} deploys an ${switched.kind}` },
    );
  }
  return switched ?? backend;
}

/**
 * The LLMRequest of --llm (or --backend llm), or undefined for another kind (then none of the
 * LLMInferenceService's own flags may be given).
 */
export function llmRequest(flags: Record<string, unknown>): LLMRequest | undefined {
  if (deployKind(flags) !== LLM_KIND) {
    const flag = LLM_KIND.deployFlags?.find((f) => given(flags, f));
    if (flag) {
      throw new UsageError(
        `${flag} applies only to ${LLM_KIND.deploySwitch} (an ${LLM_KIND.kind})`,
        {
          hint: `Add ${LLM_KIND.deploySwitch}, or drop ${flag}`,
        },
      );
    }
    return undefined;
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
