/** Arguments of deploy, list, status, delete and predict. */
import type { Command } from "commander";
import { type GlobalOptions, parseDryRun, parseProtocol } from "../options.ts";
import type { Invocation } from "./invocation.ts";
import { UsageError } from "../errors.ts";
import { parseDuration } from "../duration.ts";
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
    )
    .option(
      "--mode <mode>",
      "kserve backend: raw (Standard) or serverless (Knative); default: the cluster's",
    )
    .option("--model-format <format[:version]>", "model format, such as sklearn or huggingface")
    .option("--storage-uri <uri>", "where the model is: gs://, s3://, pvc://, hf://, https://")
    .option("--runtime <name>", "serving runtime to use instead of automatic selection")
    .option("--protocol <protocol>", "inference protocol: v1 or v2 (KServe's default: v1)")
    .option("--image <image>", "serving container image (overrides the runtime's)")
    .option("--arg <arg>", "container argument (repeatable)", collect, [])
    .option("--env <KEY=VALUE>", "environment variable (repeatable)", collect, [])
    .option("--port <port>", "container port the server listens on")
    .option("--cpu <quantity>", "CPU request (also the limit unless --cpu-limit)")
    .option("--memory <quantity>", "memory request (also the limit unless --memory-limit)")
    .option("--cpu-limit <quantity>", "CPU limit")
    .option("--memory-limit <quantity>", "memory limit")
    .option("--gpu <count>", "NVIDIA GPUs (nvidia.com/gpu requests and limits)")
    .option("--min-replicas <n>", "minimum replicas")
    .option("--max-replicas <n>", "maximum replicas")
    .option("--scale-metric <metric>", "autoscaling metric: cpu or memory")
    .option("--scale-target <n>", "autoscaling target utilization in percent")
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
    .option("--dry-run <mode>", "client: print the objects; server: validate them on the server")
    .option(
      "--force-conflicts",
      "take fields that other field managers set on the existing objects (they are listed first)",
      false,
    )
    .option("--wait", "wait until the model serves, or fail fast with the reason", false)
    .option("--timeout <duration>", "how long --wait waits", "5m")
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
    .option("--timeout <duration>", "how long to wait", "2m")
    .option("--no-wait", "return without waiting for the deletion to finish")
    .option("--dry-run <mode>", "client: print what would be deleted; server: validate the delete")
    .action((
      name: string,
      options: { timeout: string; wait: boolean; dryRun?: string },
      command: Command,
    ) => {
      onAction({
        kind: "delete",
        global: globals(command),
        name,
        timeoutMs: parseDuration(options.timeout, "--timeout"),
        wait: options.wait,
        dryRun: parseDryRun(options.dryRun),
      });
    });

  program
    .command("predict")
    .description(
      "send an inference request through the API server's service proxy (no ingress needed)",
    )
    .argument("<name>")
    .requiredOption(
      "-d, --data <json|@file>",
      "request body: JSON, @FILE, or @- for standard input",
    )
    .option(
      "--protocol <protocol>",
      "v1 (/v1/models/NAME:predict) or v2 (/v2/models/NAME/infer)",
      "v1",
    )
    .action((name: string, options: { data: string; protocol: string }, command: Command) => {
      onAction({
        kind: "predict",
        global: globals(command),
        name,
        data: options.data,
        protocol: parseProtocol(options.protocol)!,
      });
    });
}

function deployOptions(
  name: string,
  o: Record<string, unknown>,
  global: GlobalOptions,
): DeployInvocation {
  const text = (key: string) => o[key] as string | undefined;
  const count = (key: string, flag: keyof typeof COUNT_RANGES) =>
    text(key) === undefined ? undefined : parseCount(text(key)!, flag);
  const backend = text("backend");
  if (backend !== undefined && backend !== "kserve" && backend !== "deployment") {
    throw new UsageError(`Unknown backend "${backend}"`, {
      hint: "Use --backend kserve or --backend deployment",
    });
  }
  const mode = text("mode");
  if (mode !== undefined && mode !== "raw" && mode !== "serverless") {
    throw new UsageError(`Unknown mode "${mode}"`, { hint: "Use --mode raw or --mode serverless" });
  }
  const protocol = parseProtocol(text("protocol"));
  const metric = text("scaleMetric");
  if (metric !== undefined && metric !== "cpu" && metric !== "memory") {
    throw new UsageError(`Unknown scale metric "${metric}"`, { hint: "Use cpu or memory" });
  }
  const dryRun = parseDryRun(text("dryRun"));
  const format = text("modelFormat");
  const [formatName, formatVersion] = format?.split(":") ?? [];
  return {
    global,
    backend,
    file: text("filename"),
    dryRun,
    forceConflicts: o.forceConflicts === true,
    wait: o.wait === true,
    timeoutMs: parseDuration(String(o.timeout), "--timeout"),
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
      env: parsePairs(o.env as string[], "--env"),
      port: count("port", "--port"),
      cpu: text("cpu"),
      memory: text("memory"),
      cpuLimit: text("cpuLimit"),
      memoryLimit: text("memoryLimit"),
      gpu: count("gpu", "--gpu"),
      minReplicas: count("minReplicas", "--min-replicas"),
      maxReplicas: count("maxReplicas", "--max-replicas"),
      scaleMetric: metric as "cpu" | "memory" | undefined,
      protocol,
      scaleTarget: count("scaleTarget", "--scale-target"),
      serviceAccount: text("serviceAccount"),
      nodeSelector: parsePairs(o.nodeSelector as string[], "--node-selector"),
      tolerations: (o.toleration as string[]).map(parseToleration),
      annotations: parsePairs(o.annotation as string[], "--annotation"),
      labels: parsePairs(o.label as string[], "--label"),
      mode: mode as "raw" | "serverless" | undefined,
    },
  };
}
