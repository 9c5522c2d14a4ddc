/** `kubectl kserve install`: cert-manager, optionally Knative, then KServe, in order, idempotently. */
import { stringify } from "yaml";
import type { InstallInvocation } from "../args/install.ts";
import { CliError } from "../errors.ts";
import { CERT_MANAGER, CRD_PATH, ISTIO, KNATIVE, TIMINGS } from "../defaults.ts";
import { Kube, type KubeObject } from "../kube/client.ts";
import { ResourceMap } from "../kube/resources.ts";
import { Progress } from "../progress.ts";
import { countOf, writeOut } from "../output.ts";
import { modeName } from "../kserve/versions.ts";
import {
  applyFoundation,
  type ComponentResult,
  type ComponentSpec,
  installComponent,
} from "../install/install_component.ts";
import {
  certManagerSpec,
  clusterResourcesSpec,
  knativeSpec,
  kserveSpec,
  liveKServeConfig,
  networkingSpec,
} from "../install/component_specs.ts";
import { defaultCacheDir, loadManifest, parseSource } from "../install/source.ts";
import { probeCertManagerWebhook } from "../kserve/probes.ts";
import { decideCertManager, needsProbe } from "../install/cert_manager_plan.ts";
import { decideKnative } from "../install/knative_plan.ts";
import { findKnativeServing } from "../kserve/knative.ts";
import { checkWrites, writeNotes } from "../install/conflicts.ts";
import { type ManifestFile, manifestPath, manifestsFor } from "../install/releases.ts";
import { preflight, resolveVersions, switchingNote } from "../install/preflight.ts";
import { fullObject } from "../install/manifest.ts";

/** Runs the install and prints a report; returns the exit code. */
export async function install(options: InstallInvocation): Promise<number> {
  const versions = resolveVersions(options);
  const files = manifestsFor(options.mode, options.ingress, versions);
  const deadline = Date.now() + options.timeoutMs;
  const json = options.global.output === "json";
  const progress = new Progress({
    quiet: json || options.global.output === "yaml",
    color: options.global.color,
  });

  // Every manifest is fetched and verified before anything is sent to the cluster.
  const texts = new Map<string, string>();
  const source = parseSource(options.manifests);
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
  const manifests = { text: (file: ManifestFile) => texts.get(manifestPath(file))! };

  const kube = await Kube.connect({
    ...options.global,
    requestTimeoutMs: options.global.requestTimeoutMs ?? TIMINGS.requestMs,
  });
  // A dry run refuses what the real run would refuse (preflight only reads, and dry-runs).
  const { installedVersion } = await preflight(kube, options, progress);

  const mode = modeName(options.mode, versions.kserve);
  const [live, istio, existing, knative] = await Promise.all([
    liveKServeConfig(kube),
    kube.getOptional(`${CRD_PATH}/${ISTIO.virtualServiceCrd}`),
    kube.getOptional<KubeObject>(`${CRD_PATH}/${CERT_MANAGER.certificateCrd}`),
    options.mode === "serverless" ? findKnativeServing(kube) : undefined,
  ]);
  const knativeFiles = {
    crds: files.find((f) => f.file === "serving-crds.yaml"),
    core: files.find((f) => f.file === "serving-core.yaml"),
    networking: files.find((f) => f.component === `net-${options.ingress}`),
  };
  const knativeDecision = options.mode === "serverless"
    ? decideKnative(knative, { force: options.force, pinned: knativeFiles.core!.version })
    : undefined;
  const note = switchingNote(live, mode);
  if (note) progress.note(note);
  const kserveSettings = {
    defaultDeploymentMode: mode,
    ingressClass: options.ingressClass,
    // Kourier cannot serve VirtualServices. Without Istio, raw mode turns them off as KServe's
    // warning asks; with Istio, whatever the config says stays.
    ...(knativeDecision?.action === "keep"
      ? { disableIstioVirtualHost: !knativeDecision.istio }
      : options.mode === "serverless"
      ? { disableIstioVirtualHost: options.ingress === "kourier" }
      : istio
      ? {}
      : { disableIstioVirtualHost: true }),
  };

  const specs: ComponentSpec[] = [];
  const skipped: ComponentResult[] = [];
  const certManager = files.find((f) => f.component === "cert-manager")!;
  const facts = {
    existing,
    pinned: certManager.version,
    requested: options.certManagerVersion,
    force: options.force,
  };
  const working = needsProbe(facts)
    ? await probeCertManagerWebhook(kube, "default").then(() => true, () => false)
    : undefined;
  const decision = decideCertManager({ ...facts, working });
  if (decision.action === "keep") {
    skipped.push({
      name: "cert-manager",
      version: decision.version,
      skipped: decision.reason,
      created: 0,
      changed: 0,
      unchanged: 0,
    });
  } else specs.push(certManagerSpec(kube, certManager, manifests));
  if (knativeDecision?.action === "keep") {
    const kept = { version: knativeDecision.version, created: 0, changed: 0, unchanged: 0 };
    skipped.push({ name: "knative-serving", skipped: knativeDecision.reason, ...kept });
  } else if (knativeDecision) {
    const { crds, core, networking } = knativeFiles;
    const ingressClass = options.ingress === "kourier" ? KNATIVE.kourierClass : KNATIVE.istioClass;
    specs.push(knativeSpec({ crds: crds!, core: core! }, manifests, ingressClass));
    specs.push(networkingSpec(networking!, manifests));
  }
  specs.push(
    kserveSpec(kube, files.find((f) => f.file === "kserve.yaml")!, manifests, kserveSettings, live),
  );
  specs.push(
    clusterResourcesSpec(files.find((f) => f.file === "kserve-cluster-resources.yaml")!, manifests),
  );

  const resources = new ResourceMap(kube);
  // Before anything changes: fields other managers set (listed; refused unless
  // --force-conflicts) and objects an upgrade must replace (an immutable field changes).
  const checked = await checkWrites(kube, resources, specs.flatMap(allObjects));
  // A value install repairs (config JSON that does not parse) is taken whoever set it.
  const repairs = new Set(specs.flatMap((spec) => spec.repairs ?? []));
  const writes = {
    ...checked,
    conflicts: checked.conflicts.filter((c) => !repairs.has(`${c.object} ${c.field}`)),
  };
  // --force takes over another owner's install, and with it the fields that owner set.
  const notes = writeNotes(writes, options.forceConflicts || options.force);
  if (options.dryRun === "client") {
    writeOut(
      options.global.output === "yaml"
        ? renderObjects(specs)
        : renderPlan(specs, skipped, { kserve: versions.kserve, installedVersion, mode }) +
          notes.map((n) => `${n}\n`).join(""),
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
  const results = [...skipped];
  for (const result of skipped) {
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
      results.push(result);
    } catch (error) {
      step.fail(error instanceof CliError ? "failed" : "error");
      throw error;
    }
  }
  const report = {
    kserveVersion: versions.kserve,
    mode,
    dryRun: options.dryRun ?? false,
    components: results,
  };
  if (json) writeOut(JSON.stringify(report, null, 2) + "\n");
  else if (options.dryRun) {
    progress.note(
      "Server dry run: the API server validated every object and persisted nothing. Run without --dry-run to install.",
    );
  } else {
    progress.note(
      `KServe ${versions.kserve} is installed; default deployment mode ${mode}. Check it with: kubectl kserve check`,
    );
  }
  return 0;
}

/** Every object of a component, in its phases. */
function allObjects(spec: ComponentSpec): KubeObject[] {
  const { foundation, main, webhookConfigs, afterWebhook } = spec.phases;
  return [...foundation, ...main, ...webhookConfigs, ...afterWebhook];
}

function summary(result: ComponentResult, dryRun: boolean): string {
  if (result.created + result.changed === 0) return `unchanged (${result.unchanged} objects)`;
  const would = dryRun ? "would be " : "";
  return `${result.created} ${would}created, ${result.changed} ${would}changed, ${result.unchanged} unchanged`;
}

function renderPlan(
  specs: ComponentSpec[],
  skipped: ComponentResult[],
  target: { kserve: string; installedVersion?: string; mode: string },
): string {
  const { kserve, installedVersion, mode } = target;
  const title = installedVersion && installedVersion !== kserve
    ? `Upgrade plan: KServe ${installedVersion} -> ${kserve}`
    : `Install plan: KServe ${kserve}`;
  const lines = [`${title}, default deployment mode ${mode} (nothing was changed)`];
  for (const result of skipped) {
    lines.push(`  - ${result.name} ${result.version}: skipped, ${result.skipped}`);
  }
  specs.forEach((spec, index) => {
    const { foundation, main, webhookConfigs, afterWebhook } = spec.phases;
    lines.push(`  ${index + 1}. ${spec.name} ${spec.version}:`);
    if (foundation.length) {
      lines.push(
        `       ${foundation.length} namespaces and CRDs, then wait until the CRDs are Established`,
      );
    }
    if (main.length) {
      lines.push(
        `       ${countOf(main.length, "object")}, then wait for Deployments to be rolled out`,
      );
    }
    if (spec.afterRollout) lines.push(`       then ${spec.afterRollout.plan}`);
    if (webhookConfigs.length) {
      lines.push(
        `       ${
          countOf(webhookConfigs.length, "webhook configuration")
        }, then wait until the webhook answers`,
      );
    }
    if (afterWebhook.length) {
      lines.push(`       ${countOf(afterWebhook.length, "object")} admitted by the webhook`);
    }
  });
  return lines.join("\n") + "\n";
}

function renderObjects(specs: ComponentSpec[]): string {
  return specs.flatMap((
    s,
  ) => [
    ...s.phases.foundation,
    ...s.phases.main,
    ...s.phases.webhookConfigs,
    ...s.phases.afterWebhook,
  ])
    .map((o) => stringify(fullObject(o), { aliasDuplicateObjects: false })).join("---\n");
}
