/**
 * `kubectl kserve creds hf`: the Secret KServe reads a Hugging Face token from (lib/kserve/hf.ts),
 * server-side applied with this tool's field manager. The token's value is never printed: not
 * in output, -v request logs (paths only) or errors (the API server names fields, not values).
 */
import { UsageError } from "../errors.ts";
import { Kube, type KubeObject } from "../kube/client.ts";
import { applyOrRefuse } from "../kube/conflicts.ts";
import { isDnsSubdomain } from "../kube/names.ts";
import { HF_TOKEN_KEY, hfTokenSecret } from "../kserve/hf.ts";
import { type DryRunMode, dryRunSuffix, type GlobalOptions } from "../options.ts";
import { writeOut } from "../output.ts";

export interface CredsHfInvocation {
  global: GlobalOptions;
  /** The environment variable that holds the token. */
  tokenFromEnv: string;
  /** The Secret's name. */
  name: string;
  dryRun?: DryRunMode;
  forceConflicts: boolean;
}

export async function credsHf(options: CredsHfInvocation): Promise<number> {
  const token = readToken(options.tokenFromEnv);
  if (!isDnsSubdomain(options.name)) {
    throw new UsageError(
      `Invalid --name "${options.name}": a Secret's name is lower-case letters, digits, '-' and '.'`,
      { hint: "Use a name such as --name hf-token" },
    );
  }
  const kube = await Kube.connect(options.global);
  const namespace = options.global.namespace ?? kube.namespace;
  const secret = hfTokenSecret(options.name, namespace, token);
  const path = `/api/v1/namespaces/${namespace}/secrets/${options.name}`;
  const line = `secret/${options.name}`;
  const source = `(${HF_TOKEN_KEY} from $${options.tokenFromEnv}, ${token.length} characters)`;
  if (options.dryRun === "client") {
    writeOut(`${line} ${source} would be applied in ${namespace}${dryRunSuffix("client")}\n`);
    return 0;
  }
  const before = await kube.getOptional<KubeObject>(path, {
    accept: "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
  });
  const after = await applyOrRefuse(kube, path, secret, {
    dryRun: options.dryRun === "server",
    force: options.forceConflicts,
    metadataOnly: true,
  }, {
    command: "creds hf",
    hint:
      "Keep the Secret as its owner wrote it (choose another --name), or take the fields with this command plus --force-conflicts",
  });
  const what = !before
    ? "created"
    : before.metadata?.resourceVersion === after.metadata?.resourceVersion
    ? "unchanged"
    : "configured";
  writeOut(`${line} ${what} in ${namespace} ${source}${dryRunSuffix(options.dryRun)}\n`);
  return 0;
}

/** The token from the environment; unset, empty or with blanks in it is refused (exit 2). */
function readToken(variable: string): string {
  const token = Deno.env.get(variable);
  const fix = {
    hint:
      `Set it to a token from https://huggingface.co/settings/tokens (export ${variable}=hf_...), then run again`,
  };
  if (token === undefined) throw new UsageError(`$${variable} is not set`, fix);
  if (token === "") throw new UsageError(`$${variable} is empty`, fix);
  if (/\s/.test(token)) {
    throw new UsageError(`$${variable} has blanks or line breaks in it: a token has none`, fix);
  }
  return token;
}
