/** Arguments of deploy, list, status, delete and predict. */
import type { Command } from "commander";
import {
  choice,
  type DryRunMode,
  type GlobalOptions,
  type KServeMode,
  parseDryRun,
  parseProtocol,
  parseRequestProtocol,
  type PredictRequest,
  type Protocol,
  type RequestProtocol,
  SCALE_METRICS,
  type ScaleMetric,
} from "../options.ts";
import type { Invocation } from "./invocation.ts";
import { UsageError } from "../errors.ts";
import { durationOption, one, parseBackend, parseKServeMode } from "./parsers.ts";
import { type COUNT_RANGES, parseCount, parsePairs, parseToleration } from "../deploy/validate.ts";
import type { DeployInvocation } from "../commands/deploy.ts";

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the model commands to the program. */
export function registerModels(
  program: Command,
  onAction: (invocation: Invocation) => void,
  globals: (command: Command) => GlobalOptions,
): void {
  program
    .command("deploy")
    .description(
      "serve a model as an InferenceService (kserve) or as Deployment + Service + HPA (deployment)",
    )
    .argument("<name>", "model name (a DNS-1123 label)")
    .option(
      "--backend <backend>",
      "kserve or deployment (default: USE_KSERVE, else kserve when KServe is installed)",
      one(parseBackend),
    )
    .option(
      "--mode <mode>",
      "kserve backend: raw (Standard) or serverless (Knative); default: the cluster's",
      one(parseKServeMode),
    )
    .option("--model-format <format[:version]>", "model format, such as sklearn or huggingface")
    .option("--storage-uri <uri>", "where the model is: gs://, s3://, pvc://, hf://, https://")
    .option("--runtime <name>", "serving runtime to use instead of automatic selection")
    .option(
      "--protocol <protocol>",
      "inference protocol: v1 or v2 (KServe's default: v1)",
      one(parseProtocol),
    )
    .option("--image <image>", "serving container image (overrides the runtime's)")
    .option("--arg <arg>", "container argument (repeatable)", collect, [])
    .option("--env <KEY=VALUE>", "environment variable (repeatable)", collect, [])
    .option("--port <port>", "container port the server listens on", count("--port"))
    .option("--cpu <quantity>", "CPU request (also the limit unless --cpu-limit)")
    .option("--memory <quantity>", "memory request (also the limit unless --memory-limit)")
    .option("--cpu-limit <quantity>", "CPU limit")
    .option("--memory-limit <quantity>", "memory limit")
    .option("--gpu <count>", "NVIDIA GPUs (nvidia.com/gpu requests and limits)", count("--gpu"))
    .option("--min-replicas <n>", "minimum replicas", count("--min-replicas"))
    .option("--max-replicas <n>", "maximum replicas", count("--max-replicas"))
    .option(
      "--scale-metric <metric>",
      "autoscaling metric: cpu or memory",
      one(choice("scale metric", "--scale-metric", SCALE_METRICS)),
    )
    .option(
      "--scale-target <n>",
      "autoscaling target utilization in percent",
      count("--scale-target"),
    )
    .option("--service-account <name>", "service account for the model's pods")
    .option(
      "--node-selector <KEY=VALUE>",
      "schedule on nodes with this label (repeatable)",
      collect,
      [],
    )
    .option(
      "--toleration <KEY[=VALUE][:EFFECT]>",
      "tolerate a node taint, such as nvidia.com/gpu:NoSchedule (repeatable)",
      collect,
      [],
    )
    .option("--annotation <KEY=VALUE>", "annotation (repeatable)", collect, [])
    .option("--label <KEY=VALUE>", "label (repeatable)", collect, [])
    .option("-f, --filename <file>", "an InferenceService YAML to start from; flags override it")
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
    .action((name: string, options: Record<string, unknown>, command: Command) => {
      onAction({ kind: "deploy", ...deployOptions(name, options, globals(command)) });
    });

  program
    .command("list")
    .description("list models of both backends")
    .option("-A, --all-namespaces", "list models in every namespace", false)
    .action((options: { allNamespaces: boolean }, command: Command) => {
      onAction({ kind: "list", global: globals(command), allNamespaces: options.allNamespaces });
    });

  program
    .command("status")
    .description(
      "show a model's conditions, pods, events, autoscaler and URL, and why it is not ready",
    )
    .argument("<name>")
    .action((name: string, _options: unknown, command: Command) => {
      onAction({ kind: "status", global: globals(command), name });
    });

  program
    .command("delete")
    .description("delete a model and wait until it is gone")
    .argument("<name>")
    .addOption(durationOption("--timeout <duration>", "how long to wait", "2m"))
    .option("--no-wait", "return without waiting for the deletion to finish")
    .option(
      "--dry-run <mode>",
      "client: print what would be deleted; server: validate the delete",
      one(parseDryRun),
    )
    .action((
      name: string,
      options: { timeout: number; wait: boolean; dryRun?: DryRunMode },
      command: Command,
    ) => {
      onAction({
        kind: "delete",
        global: globals(command),
        name,
        timeoutMs: options.timeout,
        wait: options.wait,
        dryRun: options.dryRun,
      });
    });

  program
    .command("predict")
    .description(
      "send an inference request through the API server's service proxy (no ingress needed)",
    )
    .argument("<name>")
    .option("-d, --data <json|@file>", "request body: JSON, @FILE, or @- for standard input")
    .option(
      "--chat <message>",
      "ask an LLM one question (OpenAI chat completion); prints the answer (all of it with -o json)",
    )
    .option(
      "--protocol <protocol>",
      "v1 (/v1/models/NAME:predict), v2 (/v2/models/NAME/infer) or openai (/openai/v1/chat/completions)",
      one(parseRequestProtocol),
    )
    .action(
      (
        name: string,
        options: { data?: string; chat?: string; protocol?: RequestProtocol },
        command: Command,
      ) => {
        onAction({
          kind: "predict",
          global: globals(command),
          name,
          request: predictRequest(options),
        });
      },
    );
}

function deployOptions(
  name: string,
  o: Record<string, unknown>,
  global: GlobalOptions,
): DeployInvocation {
  const text = (key: string) => o[key] as string | undefined;
  const number = (key: string) => o[key] as number | undefined;
  const format = text("modelFormat");
  const [formatName, formatVersion] = format?.split(":") ?? [];
  return {
    global,
    backend: o.backend as DeployInvocation["backend"],
    file: text("filename"),
    dryRun: o.dryRun as DryRunMode | undefined,
    forceConflicts: o.forceConflicts === true,
    wait: o.wait === true,
    timeoutMs: o.timeout as number,
    request: {
      name,
      ...(formatName
        ? {
          modelFormat: { name: formatName, ...(formatVersion ? { version: formatVersion } : {}) },
        }
        : {}),
      storageUri: text("storageUri"),
      runtime: text("runtime"),
      image: text("image"),
      args: o.arg as string[],
      env: parsePairs(o.env as string[], "--env", "env"),
      port: number("port"),
      cpu: text("cpu"),
      memory: text("memory"),
      cpuLimit: text("cpuLimit"),
      memoryLimit: text("memoryLimit"),
      gpu: number("gpu"),
      minReplicas: number("minReplicas"),
      maxReplicas: number("maxReplicas"),
      scaleMetric: o.scaleMetric as ScaleMetric | undefined,
      protocol: o.protocol as Protocol | undefined,
      scaleTarget: number("scaleTarget"),
      serviceAccount: text("serviceAccount"),
      nodeSelector: parsePairs(o.nodeSelector as string[], "--node-selector", "label"),
      tolerations: (o.toleration as string[]).map(parseToleration),
      annotations: parsePairs(o.annotation as string[], "--annotation", "annotation"),
      labels: parsePairs(o.label as string[], "--label", "label"),
      mode: o.mode as KServeMode | undefined,
    },
  };
}

/** A count flag, parsed where commander reads it, within its range (COUNT_RANGES). */
function count(flag: keyof typeof COUNT_RANGES): (value: string) => number {
  return (value: string) => parseCount(value, flag);
}

/**
 * predict's request from its flags: -d (any protocol; v1 when none is given) or --chat (openai
 * only). Usage errors: neither, both, or --chat with --protocol v1 or v2.
 */
export function predictRequest(
  o: { data?: string; chat?: string; protocol?: RequestProtocol },
): PredictRequest {
  if (o.data !== undefined && o.chat !== undefined) {
    throw new UsageError("-d and --chat both give the request: use one", {
      hint: "Use --chat MESSAGE to ask an LLM, or -d with the whole request body",
    });
  }
  if (o.chat !== undefined) {
    if (o.protocol && o.protocol !== "openai") {
      throw new UsageError(
        `--chat sends an OpenAI chat completion, not a ${o.protocol} request`,
        { hint: `Drop --protocol ${o.protocol}, or send a ${o.protocol} body with -d` },
      );
    }
    if (!o.chat.trim()) {
      throw new UsageError("--chat needs a message", { hint: `Use --chat "Hello"` });
    }
    return { protocol: "openai", chat: o.chat };
  }
  if (o.data === undefined) {
    throw new UsageError("predict needs a request", {
      hint:
        `Pass -d '{"instances": [[6.8, 2.8, 4.8, 1.4]]}', -d @request.json, or --chat "Hello" for an LLM`,
    });
  }
  return { protocol: o.protocol ?? "v1", data: o.data };
}
