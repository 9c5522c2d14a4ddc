/** `kubectl kserve check`: diagnose an installation down to the root cause, with the fix. */
import type { CheckMode, GlobalOptions } from "../options.ts";
import { ExitCode } from "../errors.ts";
import { Kube } from "../kube/client.ts";
import { selectChecks } from "../checks/catalog.ts";
import { CheckContext, resolveHints } from "../checks/context.ts";
import { runChecks, timedOut, toReport } from "../checks/runner.ts";
import { renderJson, renderText } from "../checks/render.ts";
import { colorEnabled, styles, writeErr, writeOut } from "../output.ts";
import { defaultDeploymentMode } from "../kserve/config.ts";
import { KubeApiError } from "../kube/errors.ts";
import { KSERVE } from "../defaults.ts";
import { llmVersion } from "../kserve/llm_inference_service.ts";

export interface CheckInvocation {
  global: GlobalOptions;
  pre: boolean;
  mode?: CheckMode;
  /** Retry failing retryable checks for this long (ms); exit 124 if they still fail. */
  waitMs?: number;
  allNamespaces: boolean;
  /** --llm: the LLM controller's checks, which also run when LLMInferenceServices exist. */
  llm?: boolean;
}

/** Runs the selected checks and prints the report; returns the exit code. */
export async function check(options: CheckInvocation): Promise<number> {
  const kube = await Kube.connect(options.global);
  const checkOptions = {
    mode: options.mode,
    modelNamespace: options.global.namespace,
    allNamespaces: options.allNamespaces,
  };
  const shared = new CheckContext(kube, checkOptions);
  let first = true;
  const checks = selectChecks({
    pre: options.pre,
    mode: options.mode,
    withModels: options.allNamespaces || options.global.namespace !== undefined,
    withLlm: options.llm || (!options.pre && await llmServicesExist(shared)),
  });
  // The first request opens the connection the others share; what checks prefetch (the two
  // webhook round trips, the slowest requests of a healthy run) starts right behind it.
  shared.get("/version").catch(() => {});
  for (const check of checks) check.prefetch?.(shared);
  const interactive = options.global.output !== "json" && Deno.stderr.isTerminal();
  if (interactive && options.waitMs) {
    writeErr(`waiting up to ${options.waitMs / 1000}s for checks to pass...\n`);
  }
  const results = await runChecks(checks, {
    freshContext: () => {
      if (first) return (first = false, shared);
      return new CheckContext(kube, checkOptions);
    },
    retryUntil: options.waitMs ? Date.now() + options.waitMs : 0,
  }).then((found) => resolveHints(found, shared));
  const facts = await shared.kserve().catch(() => undefined);
  const mode = await defaultMode(shared);
  const report = toReport(results, { kserveVersion: facts?.version, mode });
  if (options.global.output === "json") writeOut(renderJson(report));
  else writeOut(renderText(report, styles(colorEnabled(Deno.stdout, options.global.color))));
  if (report.success) return ExitCode.ok;
  return options.waitMs && timedOut(results) ? ExitCode.timeout : ExitCode.failed;
}

/**
 * Whether any LLMInferenceService exists (its API not served: none). Credentials that may not
 * list them cluster-wide leave the LLM checks to --llm. Any other failure is not an answer: the
 * LLM checks then run, and cluster.api or their own reads report it (skipped behind it).
 */
async function llmServicesExist(ctx: CheckContext): Promise<boolean> {
  try {
    const version = await llmVersion(ctx.kube);
    if (!version) return false;
    const list = await ctx.get<{ items: unknown[] }>(
      `/apis/${KSERVE.apiGroup}/${version}/llminferenceservices`,
      { limit: "1" },
    );
    return (list?.items.length ?? 0) > 0;
  } catch (error) {
    return !(error instanceof KubeApiError && error.status === 403);
  }
}

async function defaultMode(ctx: CheckContext): Promise<string | undefined> {
  try {
    return defaultDeploymentMode((await ctx.kserve()).configMap?.data);
  } catch {
    return undefined;
  }
}
