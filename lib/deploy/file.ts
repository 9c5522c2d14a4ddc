/** The InferenceService a user gives with `deploy -f FILE`: exactly one, in our words when not. */
import { parseAllDocuments } from "yaml";
import { KSERVE } from "../defaults.ts";
import { UsageError } from "../errors.ts";
import type { InferenceService } from "../kserve/inference_service.ts";

/**
 * An InferenceService from a user's file: the fields deploy reads (lib/kserve/
 * inference_service.ts); the rest passes through.
 */
export type InferenceServiceFile = InferenceService;

/** Reads FILE; throws UsageError naming the file (and line) for anything but one InferenceService. */
export function readInferenceService(path: string): InferenceServiceFile {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    throw new UsageError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  // Every document is read, so that a file of several is named as such, in our words.
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  for (const document of list) {
    const error = document.errors[0];
    if (error) {
      const line = error.linePos?.[0].line;
      throw new UsageError(
        `Cannot parse ${path}${line ? `:${line}` : ""}: ${error.message.split("\n")[0]}`,
      );
    }
  }
  const objects = list.map((d) => d.toJS() as InferenceServiceFile | null)
    .filter((o) => o !== null && o !== undefined);
  if (objects.length !== 1) {
    throw new UsageError(
      `${path} holds ${objects.length} YAML documents; -f takes exactly one InferenceService`,
      { hint: "Put one InferenceService in the file; deploy each model with its own -f" },
    );
  }
  const object = objects[0]!;
  if (
    object?.kind !== "InferenceService" ||
    !String(object.apiVersion).startsWith(`${KSERVE.apiGroup}/`)
  ) {
    throw new UsageError(`${path} is not an InferenceService (kind: ${object?.kind ?? "none"})`, {
      hint: "-f takes one serving.kserve.io/v1beta1 InferenceService",
    });
  }
  return object;
}

/** Which model a -f file deploys, and where: its metadata, checked against NAME and -n. */
export interface FileIdentity {
  name: string;
  /** The file's namespace, or -n; undefined when neither names one (the context's applies). */
  namespace?: string;
}

/**
 * NAME and namespace from the file, as kubectl takes them: NAME may be left out, and one that
 * differs from metadata.name is refused; a namespace that differs from -n is refused in
 * kubectl's words. Throws UsageError (exit 2) naming the field.
 */
export function fileIdentity(
  path: string,
  object: InferenceServiceFile,
  given: { name?: string; namespace?: string },
): FileIdentity {
  const fileName = object.metadata?.name;
  if (given.name && fileName && given.name !== fileName) {
    throw new UsageError(
      `NAME "${given.name}" differs from metadata.name "${fileName}" in ${path}`,
      { hint: "Leave NAME out (the file names the model), or change metadata.name in the file" },
    );
  }
  const name = given.name || fileName;
  if (!name) {
    throw new UsageError(`${path} has no metadata.name, and no NAME was given`, {
      hint: "Set metadata.name in the file, or pass the model's NAME",
    });
  }
  const fileNamespace = object.metadata?.namespace;
  if (given.namespace && fileNamespace && given.namespace !== fileNamespace) {
    throw new UsageError(
      `the namespace from the provided object "${fileNamespace}" does not match the namespace "${given.namespace}". You must pass '--namespace=${fileNamespace}' to perform this operation.`,
    );
  }
  return { name, namespace: given.namespace ?? fileNamespace };
}
