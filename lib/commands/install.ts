/**
 * `kubectl kserve install`: cert-manager, optionally Knative, then KServe, in order, idempotently.
 * Reads: fetch and verify the manifests, connect, preflight, read the cluster, plan
 * (lib/install/install_plan.ts), then print the plan (--dry-run=client) or apply it, report.
 */
import type { DryRunMode, GlobalOptions, IngressLayer, KServeMode } from "../options.ts";
import { CliError } from "../errors.ts";
import { CERT_MANAGER, CRD_PATH, ISTIO, TIMINGS } from "../defaults.ts";
import { Kube, type KubeObject } from "../kube/client.ts";
import { ResourceMap } from "../kube/resources.ts";
import { Progress } from "../progress.ts";
import { writeOut } from "../output.ts";
import { applyFoundation, installComponent } from "../install/install_component.ts";
import { configBases, liveKServeConfig, type Manifests } from "../install/component_specs.ts";
import {
  defaultCacheDir,
  loadManifest,
  type ManifestSource,
  parseSource,
} from "../install/source.ts";
import { readCertManager } from "../checks/cert_manager.ts";
import { needsProbe } from "../install/cert_manager_plan.ts";
import { findKnativeServing } from "../kserve/knative.ts";
import { checkWrites, writeNotes } from "../install/conflicts.ts";
import { type ManifestFile, manifestPath, manifestsFor } from "../install/releases.ts";
import { preflight, resolveVersions } from "../install/preflight.ts";
import {
  certManagerFacts,
  componentSpecs,
  type InstallFacts,
  planInstall,
  specObjects,
} from "../install/install_plan.ts";
import { renderObjects, renderPlan, summary } from "../install/install_render.ts";
import { readLlmFacts } from "../install/llm_facts.ts";

export interface InstallInvocation {
  global: GlobalOptions;
  mode: KServeMode;
  version: string;
  ingress: IngressLayer;
  ingressClass?: string;
  manifests?: string;
  dryRun?: DryRunMode;
  timeoutMs: number;
  yes: boolean;
  force: boolean;
  /** Take fields that other field managers set (listed first), as kubectl --force-conflicts. */
  forceConflicts: boolean;
  certManagerVersion?: string;
  knativeVersion?: string;
  /** --llm --gateway-class NAME. */
  llm?: { gatewayClass: string };
}

/** Runs the install and prints a report; returns the exit code. */
export async function install(options: InstallInvocation): Promise<number> {
  const versions = resolveVersions(options);
  const files = manifestsFor(options.mode, options.ingress, versions, options.llm !== undefined);
  const deadline = Date.now() + options.timeoutMs;
  const json = options.global.output === "json";
  const progress = new Progress({
    quiet: json || options.global.output === "yaml",
    color: options.global.color,
  });

  const source = parseSource(options.manifests);
  const manifests = await fetchManifests(files, source, progress);
  const kube = await Kube.connect({
    ...options.global,
    requestTimeoutMs: options.global.requestTimeoutMs ?? TIMINGS.requestMs,
  });
  // A dry run refuses what the real run would refuse (preflight only reads, and dry-runs).
  const { installedVersion } = await preflight(kube, options, progress);

  const facts = await readFacts(kube, options, files);
  const plan = planInstall(options, files, versions.kserve, facts);
  if (plan.note) progress.note(plan.note);
  // The releases the live config may come from: their defaults are not the admin's edits.
  const bases = await configBases(
    facts.liveConfig,
    installedVersion,
    (file) =>
      manifests.has(file)
        ? Promise.resolve(manifests.text(file))
        : loadManifest(file, source, { cacheDir: defaultCacheDir() }),
  );
  const specs = componentSpecs(plan, kube, manifests, facts.liveConfig, bases);
  const resources = new ResourceMap(kube);
  // Before anything changes: fields other managers set (listed; refused unless
  // --force-conflicts) and objects an upgrade must replace (an immutable field changes).
  const checked = await checkWrites(kube, resources, specs.flatMap(specObjects));
  // A value install repairs (config JSON that does not parse) is taken whoever set it.
  const repairs = new Set(specs.flatMap((spec) => spec.repairs ?? []));
  const writes = {
    ...checked,
    conflicts: checked.conflicts.filter((c) => !repairs.has(`${c.object} ${c.field}`)),
  };
  // --force takes over another owner's install, and with it the fields that owner set.
  const notes = writeNotes(writes, options.forceConflicts || options.force, !!options.dryRun);
  if (options.dryRun === "client") {
    writeOut(
      options.global.output === "yaml"
        ? renderObjects(specs)
        : renderPlan(plan, specs, installedVersion) +
          [...specs.flatMap((s) => s.notes ?? []), ...notes].map((n) => `${n}\n`).join(""),
    );
    return 0;
  }
  for (const note of notes) progress.note(note);
  const replace = new Set(writes.replacements.map((r) => r.key));
  const foundations = specs.map((spec) =>
    applyFoundation(kube, resources, spec, {
      deadline,
      dryRun: options.dryRun === "server",
      replace,
    })
  );
  const results = [...plan.skipped];
  for (const result of plan.skipped) {
    progress.start(`${result.name} ${result.version}`).done(`skipped: ${result.skipped}`);
  }
  for (const [index, spec] of specs.entries()) {
    for (const note of spec.notes ?? []) progress.note(note);
    const step = progress.start(`${spec.name} ${spec.version}`);
    try {
      const result = await installComponent(kube, resources, spec, {
        deadline,
        dryRun: options.dryRun === "server",
        step,
        foundation: foundations[index],
        replace,
      });
      step.done(summary(result, options.dryRun === "server"));
      // A restart is said, with why: the controller's pods are replaced.
      for (const write of result.writes ?? []) {
        if (write.startsWith("restarted ")) progress.note(write);
      }
      results.push(result);
    } catch (error) {
      step.fail(error instanceof CliError ? "failed" : "error");
      throw error;
    }
  }
  const report = {
    kserveVersion: versions.kserve,
    mode: plan.mode,
    dryRun: options.dryRun ?? false,
    components: results,
    // What progress notes say on a terminal: replacements, the config edits kept.
    notes: [...notes, ...specs.flatMap((spec) => spec.notes ?? [])],
  };
  if (json) writeOut(JSON.stringify(report, null, 2) + "\n");
  else if (options.dryRun) {
    progress.note(
      "Server dry run: the API server validated every object and persisted nothing. Run without --dry-run to install.",
    );
  } else {
    progress.note(
      `KServe ${versions.kserve} is installed; default deployment mode ${plan.mode}. Check it with: kubectl kserve check`,
    );
  }
  return 0;
}

/** Every manifest, fetched and sha256-verified before anything is sent to the cluster. */
async function fetchManifests(
  files: ManifestFile[],
  source: ManifestSource,
  progress: Progress,
): Promise<Manifests & { has(file: ManifestFile): boolean }> {
  const texts = new Map<string, string>();
  const fetching = progress.start("Fetching and verifying manifests");
  await Promise.all(files.map(async (file) => {
    texts.set(
      manifestPath(file),
      await loadManifest(file, source, { cacheDir: defaultCacheDir() }),
    );
  })).catch((error) => {
    fetching.fail("refused");
    throw error;
  });
  fetching.done(`${files.length} files, sha256 verified`);
  return {
    text: (file: ManifestFile) => texts.get(manifestPath(file))!,
    has: (file: ManifestFile) => texts.has(manifestPath(file)),
  };
}

/** What the plan decides on; cert-manager's webhook is probed only when the decision needs it. */
async function readFacts(
  kube: Kube,
  options: InstallInvocation,
  files: ManifestFile[],
): Promise<InstallFacts> {
  const [liveConfig, istio, certManagerCrd, knative, llm] = await Promise.all([
    liveKServeConfig(kube),
    kube.getOptional(`${CRD_PATH}/${ISTIO.virtualServiceCrd}`),
    kube.getOptional<KubeObject>(`${CRD_PATH}/${CERT_MANAGER.certificateCrd}`),
    options.mode === "serverless" ? findKnativeServing(kube) : undefined,
    options.llm ? readLlmFacts(kube, files) : undefined,
  ]);
  // Works: its controller, cainjector and webhook Available, its webhook answering.
  const certManagerFaults = needsProbe(certManagerFacts(options, files, certManagerCrd))
    ? await readCertManager(kube)
    : undefined;
  return { liveConfig, istio: Boolean(istio), certManagerCrd, knative, certManagerFaults, llm };
}
