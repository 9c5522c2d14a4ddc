/**
 * Release manifests to objects. CRDs are most of a release's bytes (KServe's schemas alone are
 * 6 MB of YAML, 1.5 s to parse), yet only their header is ever read here: a CRD is parsed
 * without its spec and applied from its own text, which the API server parses instead.
 */
import { parse } from "yaml";
import { CliError } from "../errors.ts";
import type { KubeObject } from "../kube/client.ts";

const RAW_TEXT = Symbol("manifest text");

/** An object parsed only in part carries its document's text; JSON.stringify leaves it out. */
type PartialObject = KubeObject & { [RAW_TEXT]?: string };

/** Kinds whose spec this tool never reads, so it is left unparsed. */
const HEADER_ONLY = new Set(["CustomResourceDefinition"]);

/** Parses a multi-document YAML manifest; a syntax error names the file and document. */
export function parseManifest(text: string, origin: string): KubeObject[] {
  const objects: KubeObject[] = [];
  splitDocuments(text).forEach((doc, index) => {
    const fail = (error: unknown): never => {
      const message = error instanceof Error ? error.message : String(error);
      throw new CliError(
        `Cannot parse ${origin}, document ${index + 1}: ${message.split("\n")[0]}`,
      );
    };
    const kind = /^kind:[ \t]*["']?([A-Za-z0-9]+)["']?[ \t]*(?:#.*)?$/m.exec(doc)?.[1];
    let object: unknown;
    try {
      object = kind && HEADER_ONLY.has(kind) ? header(doc) : undefined;
      object ??= parse(doc, { maxAliasCount: -1 });
    } catch (error) {
      fail(error);
    }
    if (object && typeof object === "object" && (object as KubeObject).kind) {
      objects.push(object as KubeObject);
    }
  });
  return objects;
}

/** The document's text if the object was parsed only in part, to be applied verbatim. */
export function rawManifest(object: KubeObject): string | undefined {
  return (object as PartialObject)[RAW_TEXT];
}

/** The whole object, parsing what was left out (for printing it). */
export function fullObject(object: KubeObject): KubeObject {
  const text = rawManifest(object);
  return text === undefined ? object : parse(text, { maxAliasCount: -1 }) as KubeObject;
}

/**
 * Splits on document markers the way kubectl's YAML reader does: a line starting with "---".
 * Such a line cannot occur inside a document's content, which is indented or flow-quoted.
 */
function splitDocuments(text: string): string[] {
  return text.split(/^---(?:[ \t].*)?$/m).filter((doc) => /^[^#\s]/m.test(doc));
}

/**
 * The document without its top-level `spec` and `status`, parsed, with the text attached; or
 * undefined when the document is not a plain block mapping (then it is parsed whole).
 */
function header(doc: string): PartialObject | undefined {
  const kept: string[] = [];
  let skipping = false;
  for (const line of doc.split("\n")) {
    if (/^[^\s#]/.test(line)) {
      const key = /^([A-Za-z][\w.-]*):(?:\s|$)/.exec(line)?.[1];
      if (!key) return undefined;
      skipping = key === "spec" || key === "status";
    }
    if (!skipping) kept.push(line);
  }
  const object = parse(kept.join("\n")) as PartialObject | null;
  if (!object || typeof object !== "object" || !object.metadata?.name) return undefined;
  object[RAW_TEXT] = doc;
  return object;
}
