/** How install's plan and progress read: the dry-run plan, its objects as YAML, a step's summary. */
import { stringify } from "yaml";
import { countOf } from "../output.ts";
import type { ComponentResult, ComponentSpec } from "./install_component.ts";
import { type InstallPlan, specObjects } from "./install_plan.ts";
import { fullObject } from "./manifest.ts";

/**
 * The plan as --dry-run=client prints it: each component kept (and why) or applied, in phases.
 * An upgrade names the version installed now (`installedVersion`).
 */
export function renderPlan(
  plan: InstallPlan,
  specs: ComponentSpec[],
  installedVersion: string | undefined,
): string {
  const { kserve, mode } = plan;
  const title = installedVersion && installedVersion !== kserve
    ? `Upgrade plan: KServe ${installedVersion} -> ${kserve}`
    : `Install plan: KServe ${kserve}`;
  const lines = [`${title}, default deployment mode ${mode} (nothing was changed)`];
  for (const result of plan.skipped) {
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

/** Every object the plan applies, as YAML documents (-o yaml with --dry-run=client). */
export function renderObjects(specs: ComponentSpec[]): string {
  return specs.flatMap(specObjects)
    .map((o) => stringify(fullObject(o), { aliasDuplicateObjects: false })).join("---\n");
}

/** A component's line once it is applied: what was created, changed and left unchanged. */
export function summary(result: ComponentResult, dryRun: boolean): string {
  const replaced = result.replaced ?? 0;
  if (result.created + result.changed + replaced === 0) {
    return `unchanged (${result.unchanged} objects)`;
  }
  const would = dryRun ? "would be " : "";
  return `${result.created} ${would}created, ${result.changed} ${would}changed, ${
    replaced ? `${replaced} ${would}replaced, ` : ""
  }${result.unchanged} unchanged`;
}
