/**
 * KServe installed the ways other people install it: Helm with KServe's own charts, plain
 * `kubectl apply` of the release manifest, Kubeflow's kserve_kubeflow.yaml. The plugin must
 * find these, check them, and never take them over or delete them without --force.
 */
import { applyServerSide, kubectlOk, run, waitFor } from "./cluster.ts";
import { CHARTS, FIXTURES } from "./fixtures.ts";

/** Applies a manifest server-side until it goes through (objects behind webhooks that start later). */
export async function applyUntilDone(file: string, timeoutMs = 90_000): Promise<void> {
  await waitFor(`kubectl apply --server-side -f ${file}`, async () => {
    const r = await applyServerSide(file);
    if (r.success) return true;
    throw new Error(r.stderr.split("\n").filter(Boolean).at(-1) ?? "");
  }, { timeoutMs, intervalMs: 1000 });
}

/** cert-manager v1.16.1 applied with kubectl, as KServe's quick start does; waits until Available. */
export async function certManagerWithKubectl(): Promise<void> {
  await applyUntilDone(`${FIXTURES}cert-manager/v1.16.1/cert-manager.yaml`);
  await kubectlOk([
    "wait",
    "-n",
    "cert-manager",
    "--for=condition=Available",
    "deployment",
    "--all",
    "--timeout=90s",
  ]);
}

/**
 * cert-manager v1.18.0 from its release manifest, applied by a platform team's field manager
 * (not this plugin); waits until its Deployments are Available.
 */
export async function certManagerOfPlatformTeam(): Promise<void> {
  await kubectlOk([
    "apply",
    "--server-side",
    "--field-manager=platform-team",
    "-f",
    `${FIXTURES}cert-manager/v1.18.0/cert-manager.yaml`,
  ]);
  await kubectlOk([
    "wait",
    "-n",
    "cert-manager",
    "--for=condition=Available",
    "deployment",
    "--all",
    "--timeout=90s",
  ]);
}

/** Runs the cluster's helm (built by scripts/cluster/build_helm.sh, on PATH in the netns). */
export async function helm(args: string[]): Promise<string> {
  const result = await run("helm", args);
  if (!result.success) throw new Error(`helm ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}

/** `helm install kserve-crd …; helm install kserve …` from KServe v0.16.0's charts, in `kserve`. */
export async function kserveWithHelm(): Promise<void> {
  await helm([
    "install",
    "kserve-crd",
    `${CHARTS}v0.16.0/kserve-crd`,
    "-n",
    "kserve",
    "--create-namespace",
  ]);
  await helm(["install", "kserve", `${CHARTS}v0.16.0/kserve-resources`, "-n", "kserve"]);
  await controllerAvailable("kserve");
}

/** A KServe release manifest applied with `kubectl apply --server-side` (field manager kubectl). */
export async function kserveWithKubectl(file: string, namespace: string): Promise<void> {
  await kubectlOk(["create", "namespace", namespace]).catch(() => {});
  await applyUntilDone(`${FIXTURES}${file}`);
  await controllerAvailable(namespace);
}

async function controllerAvailable(namespace: string): Promise<void> {
  await kubectlOk([
    "rollout",
    "status",
    "deployment/kserve-controller-manager",
    "-n",
    namespace,
    "--timeout=120s",
  ]);
}

/**
 * Writes the documents of a release manifest whose kind is one of `kinds` to a temporary file
 * and returns its path: the runtimes alone, or the CRDs alone, as a user applies them.
 */
export async function manifestPart(file: string, kinds: string[]): Promise<string> {
  const text = await Deno.readTextFile(`${FIXTURES}${file}`);
  const documents = text.split(/^---$/m).filter((d) =>
    kinds.some((kind) => new RegExp(`^kind: ${kind}$`, "m").test(d))
  );
  const path = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(path, documents.join("\n---\n"));
  return path;
}
