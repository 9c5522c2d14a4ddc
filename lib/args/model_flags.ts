/**
 * The flags that describe a model: its format, storage, runtime, container, resources, scaling,
 * scheduling and metadata. deploy declares them, and so does every command that writes a model
 * spec (rollout start takes the same): `modelFlags(command)`, then `modelRequest(name, flags)`.
 */
import type { Command } from "commander";
import {
  choice,
  type KServeMode,
  parseProtocol,
  type Protocol,
  SCALE_METRICS,
} from "../options.ts";
import type { ScaleMetric } from "../options.ts";
import type { ModelRequest } from "../deploy/spec.ts";
import { collect } from "./command.ts";
import { type COUNT_RANGES, one, parseCount, parseKServeMode } from "./parsers.ts";
import { parsePairs, parseToleration } from "./pairs.ts";

/** A model as its flags describe it: everything but where (namespace) and how (backend). */
export type { ModelRequest };

/** Declares the model flags on a command, in the order its help lists them. */
export function modelFlags(command: Command): Command {
  return command
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
    .option("--label <KEY=VALUE>", "label (repeatable)", collect, []);
}

/** The model named `name` from the values commander read for modelFlags(). */
export function modelRequest(name: string, flags: Record<string, unknown>): ModelRequest {
  const text = (key: string) => flags[key] as string | undefined;
  const number = (key: string) => flags[key] as number | undefined;
  const [formatName, formatVersion] = text("modelFormat")?.split(":") ?? [];
  return {
    name,
    ...(formatName
      ? { modelFormat: { name: formatName, ...(formatVersion ? { version: formatVersion } : {}) } }
      : {}),
    storageUri: text("storageUri"),
    runtime: text("runtime"),
    image: text("image"),
    args: flags.arg as string[],
    env: parsePairs(flags.env as string[], "--env", "env"),
    port: number("port"),
    cpu: text("cpu"),
    memory: text("memory"),
    cpuLimit: text("cpuLimit"),
    memoryLimit: text("memoryLimit"),
    gpu: number("gpu"),
    minReplicas: number("minReplicas"),
    maxReplicas: number("maxReplicas"),
    scaleMetric: flags.scaleMetric as ScaleMetric | undefined,
    protocol: flags.protocol as Protocol | undefined,
    scaleTarget: number("scaleTarget"),
    serviceAccount: text("serviceAccount"),
    nodeSelector: parsePairs(flags.nodeSelector as string[], "--node-selector", "label"),
    tolerations: (flags.toleration as string[]).map(parseToleration),
    annotations: parsePairs(flags.annotation as string[], "--annotation", "annotation"),
    labels: parsePairs(flags.label as string[], "--label", "label"),
    mode: flags.mode as KServeMode | undefined,
  };
}

/** A count flag, parsed where commander reads it, within its range (COUNT_RANGES). */
function count(flag: keyof typeof COUNT_RANGES): (value: string) => number {
  return (value: string) => parseCount(value, flag);
}
