/**
 * `kubectl kserve uninstall`: remove KServe (and optionally cert-manager, Knative) without
 * hanging. Reads: confirm, connect, read the cluster, plan, print the plan (--dry-run) or carry
 * it out, report. A dry run sends no request that changes anything.
 */
import type { GlobalOptions } from "../options.ts";
import { CliError, UsageError } from "../errors.ts";
import { findKServe } from "../kserve/detect.ts";
import { crdOwnerOf, foreignInstall } from "../kserve/hints.ts";
import { KSERVE } from "../defaults.ts";
import { Kube } from "../kube/client.ts";
import type { Ref } from "../kube/delete.ts";
import { Progress, type Step } from "../progress.ts";
import { writeOut } from "../output.ts";
import {
  describeStep,
  executeTeardown,
  listModelObjects,
  readInventory,
} from "../install/teardown.ts";
import { planTeardown, type TeardownPlan } from "../install/teardown_plan.ts";

export interface UninstallInvocation {
  global: GlobalOptions;
  withCertManager: boolean;
  withKnative: boolean;
  keepCrds: boolean;
  force: boolean;
  dryRun: boolean;
  timeoutMs: number;
  yes: boolean;
}

export async function uninstall(options: UninstallInvocation): Promise<number> {
  if (!options.yes && !options.dryRun) {
    if (
      !Deno.stdin.isTerminal() ||
      !confirm("Remove KServe and everything it installed from this cluster?")
    ) {
      throw new UsageError("Uninstall needs confirmation", {
        hint: "Pass --yes, or --dry-run to see what would be deleted",
      });
    }
  }
  const kube = await Kube.connect(options.global);
  const deadline = Date.now() + options.timeoutMs;
  // Whose KServe it is decides first: Kubeflow's is never this plugin's to remove, and a Helm
  // release or another tool's install only with --force.
  const kserve = await findKServe(kube);
  const foreign = kserve.installed && kserve.owner && kserve.owner.by !== "kubectl-kserve"
    ? foreignInstall(
      kserve,
      "uninstall",
      undefined,
      await crdOwnerOf(kserve, (path) => kube.getOptional(path)),
      await listModelObjects(kube),
    )
    : undefined;
  const kubeflow = kserve.namespace === KSERVE.kubeflowNamespace;
  if (foreign && (!options.force || kubeflow)) {
    throw new CliError(foreign.message, { hint: foreign.hint });
  }
  const teardown = { ...options, kserveNamespace: kserve.namespace };
  const plan = planTeardown(await readInventory(kube, teardown), teardown);
  const json = options.global.output === "json";

  if (options.dryRun) {
    if (json) writeOut(JSON.stringify({ dryRun: true, steps: planData(plan) }, null, 2) + "\n");
    else writeOut(renderTeardownPlan(plan));
    return 0;
  }
  const progress = new Progress({ quiet: json, color: options.global.color });
  let step: Step | undefined;
  const deleted = await executeTeardown(kube, plan, {
    deadline,
    progress: {
      component: (title) => step = progress.start(`Removing ${title}`),
      step: (what) => step?.update(what),
      componentDone: (_title, count) => step?.done(`${count} objects deleted`),
    },
  });
  if (json) {
    writeOut(JSON.stringify({ dryRun: false, deleted: deleted.map(refData) }, null, 2) + "\n");
  }
  return 0;
}

function refData({ kind, name, namespace }: Ref) {
  return { kind, name, ...(namespace ? { namespace } : {}) };
}

function planData(plan: TeardownPlan) {
  return plan.steps.map((step) => ({
    component: step.component,
    action: step.action,
    what: step.what,
    ...(step.action === "pause" ? { ms: step.ms } : { objects: step.refs.map(refData) }),
  }));
}

/** The plan as text: one numbered line per step, the objects of each below it. */
export function renderTeardownPlan(plan: TeardownPlan): string {
  if (plan.steps.length === 0) return "Nothing to uninstall: no KServe object was found.\n";
  const lines = ["Uninstall plan (dry run: nothing is changed):"];
  let component: string | undefined;
  plan.steps.forEach((step, index) => {
    if (step.component !== component) {
      component = step.component;
      lines.push(`${component}:`);
    }
    lines.push(`  ${index + 1}. ${describeStep(step)}`);
    if (step.action !== "pause") {
      for (const ref of step.refs) {
        lines.push(`       ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`);
      }
    }
  });
  const total = new Set(
    plan.steps.flatMap((s) => s.action === "delete" ? s.refs.map((r) => r.path) : []),
  ).size;
  lines.push(`${total} objects would be deleted. Run without --dry-run to delete them.`);
  return lines.join("\n") + "\n";
}
