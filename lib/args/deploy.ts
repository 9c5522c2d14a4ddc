/** deploy: serve a model as an InferenceService or as Deployment + Service + HPA. */
import type { Command } from "commander";
import type { DryRunMode } from "../options.ts";
import { parseDryRun } from "../options.ts";
import { UsageError } from "../errors.ts";
import { defineCommand, globals } from "./command.ts";
import { durationOption, one, parseBackend, parseCount } from "./parsers.ts";
import { deployKind, llmRequest } from "./llm_flags.ts";
import { modelFlags, modelRequest } from "./model_flags.ts";
import type { DeployInvocation } from "../commands/deploy.ts";
export type { DeployInvocation };

export const deployArgs = defineCommand({
  kind: "deploy",
  outputs: ["yaml", "json"],
  declare(program, parsed) {
    const command = program
      .command("deploy")
      .description(
        "serve a model as an InferenceService (kserve), Deployment + Service + HPA (deployment) or LLMInferenceService (--llm)",
      )
      .argument("[name]", "model name (a DNS-1123 label; with -f, the file's metadata.name)")
      .option(
        "--backend <backend>",
        "kserve or deployment (default: USE_KSERVE, else kserve when KServe is installed)",
        one(parseBackend),
      );
    modelFlags(command)
      .option(
        "--llm",
        "serve an LLM as an LLMInferenceService (KServe's llmisvc controller)",
        false,
      )
      .option("--model-name <name>", "--llm: the model name the OpenAI API serves")
      .option(
        "--replicas <n>",
        "--llm: model server pods (0 keeps the model without pods)",
        one((value: string) => parseCount(value, "--replicas")),
      )
      .option(
        "--no-router",
        "--llm: no HTTPRoute, Gateway or scheduler (the workload Service only)",
      )
      .option("--no-scheduler", "--llm: route without the managed scheduler (InferencePool)")
      .option("--gateway <namespace/name>", "--llm: route through this existing Gateway")
      .option("-f, --filename <file>", "an InferenceService YAML to start from; flags override it")
      .option(
        "--hf-token-secret <name>",
        "a Secret with an HF_TOKEN key (made by creds hf) for gated Hugging Face models: the download and the server use it",
      )
      .option(
        "--dry-run <mode>",
        "client: print the objects; server: validate them on the server",
        one(parseDryRun),
      )
      .option(
        "--force-conflicts",
        "take fields that other field managers set on the existing objects (they are listed first)",
        false,
      )
      .option("--wait", "wait until the model serves, or fail fast with the reason", false)
      .addOption(durationOption("--timeout <duration>", "how long --wait waits", "5m"))
      .action((name: string | undefined, options: Record<string, unknown>, command: Command) => {
        if (!name && !options.filename) {
          throw new UsageError("Missing NAME: the model's name", {
            hint: "Pass the model's NAME, or -f FILE with an InferenceService that names it",
          });
        }
        const llm = llmRequest(options);
        parsed({
          global: globals(command),
          backend: deployKind(options)?.backend,
          file: options.filename as string | undefined,
          dryRun: options.dryRun as DryRunMode | undefined,
          forceConflicts: options.forceConflicts === true,
          wait: options.wait === true,
          timeoutMs: options.timeout as number,
          request: {
            ...modelRequest(name ?? "", options),
            ...(llm ? { llm } : {}),
            ...(options.hfTokenSecret ? { hfTokenSecret: options.hfTokenSecret as string } : {}),
          },
        });
      });
  },
  run: async (options: DeployInvocation) => (await import("../commands/deploy.ts")).deploy(options),
});
