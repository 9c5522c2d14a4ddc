/**
 * `kubectl kserve rollout start|promote|undo|status NAME`: canary rollouts of a Knative-mode
 * InferenceService (verbs after `kubectl rollout`, the traffic view after `kn service
 * describe`). The change goes through deploy's plan and apply; the decision is
 * lib/models/rollout_plan.ts's, the reads lib/models/rollout.ts's.
 */
import { stringify } from "yaml";
import { conflictRefusal, objectName } from "../kube/conflicts.ts";
import { Kube } from "../kube/client.ts";
import { KNATIVE } from "../defaults.ts";
import { type DryRunMode, dryRunSuffix, type GlobalOptions } from "../options.ts";
import { applyModel, unchangedBy } from "../deploy/apply.ts";
import {
  canaryOwners,
  changesPredictor,
  noFlags,
  rolloutBase,
  withCanary,
} from "../deploy/rollout_spec.ts";
import type { ModelRequest } from "../deploy/spec.ts";
import type { InferenceService } from "../kserve/inference_service.ts";
import { canaryPercent, predictorStatus } from "../kserve/traffic.ts";
import { checkFlags, planDeploy, startPlanReads } from "../models/plan.ts";
import { readRollout, type RolloutState, waitForSplit } from "../models/rollout.ts";
import { planRollout, refuseUnsupported, type RolloutVerb } from "../models/rollout_plan.ts";
import { writeErr, writeOut } from "../output.ts";
import { renderRollout, rolloutReport } from "./rollout_view.ts";

/** A rollout command line, parsed (lib/args/rollout.ts). */
export interface RolloutInvocation {
  global: GlobalOptions;
  verb: RolloutVerb | "status";
  name: string;
  /** start: the new revision's percent, and the model flags that make the new revision. */
  traffic?: number;
  request?: ModelRequest;
  dryRun?: DryRunMode;
  forceConflicts?: boolean;
  wait: boolean;
  timeoutMs: number;
}

/** Runs the verb; returns the exit code (status: 1 while traffic is not where it is asked). */
export async function rollout(invocation: RolloutInvocation): Promise<number> {
  const kube = await Kube.connect(invocation.global);
  const namespace = invocation.global.namespace ?? kube.namespace;
  const { name, verb } = invocation;
  if (verb === "status") {
    return showStatus(invocation, namespace, await readRollout(kube, namespace, name));
  }
  const ask = {
    global: { ...invocation.global, namespace },
    request: invocation.request ?? noFlags(name),
    backend: "kserve" as const,
  };
  // Deploy's reads start with rollout's own (the install is read once, for both), and so does
  // the discovery of Knative, which deploy checks before it applies a Knative-mode model.
  const reads = startPlanReads(kube, ask, [`${KNATIVE.apiGroup}/v1`]);
  const state = await readRollout(kube, namespace, name, reads.lookups.kserve);

  const facts = {
    verb,
    name,
    namespace,
    live: state.live,
    refusal: state.refusal,
    traffic: invocation.traffic,
    view: state.view,
  };
  // Before deploy's plan: a model whose kind or mode has no split is refused with why first.
  refuseUnsupported(facts);
  const base = rolloutBase(state.live);
  checkFlags(ask, base);
  const { resources, objects } = await planDeploy(kube, ask, base, reads);
  const planned = objects[0] as InferenceService;
  const changesModel = changesPredictor(state.live, planned);
  const change = planRollout({ ...facts, changesModel });
  // promote removes the field; a server-side apply leaves another manager's value in place
  // (even forced), so with --force-conflicts it is taken first and then left out.
  const owners = change.canaryTrafficPercent === undefined && !change.unchanged
    ? canaryOwners(state.live)
    : [];
  if (owners.length && !invocation.forceConflicts) {
    throw conflictRefusal(
      `Rollout ${verb}`,
      owners.map((manager) => ({
        object: objectName(planned),
        field: ".spec.predictor.canaryTrafficPercent",
        manager,
      })),
      `Keep it by changing the object with the tool that set it, or take it with this rollout ${verb} command plus --force-conflicts`,
    );
  }
  const isvc = withCanary(planned, change.canaryTrafficPercent);
  if (invocation.dryRun === "client") {
    writeOut(
      invocation.global.output === "json"
        ? JSON.stringify(isvc, null, 2) + "\n"
        : stringify(isvc, { aliasDuplicateObjects: false }),
    );
    return 0;
  }
  const options = {
    dryRun: invocation.dryRun === "server",
    force: invocation.forceConflicts === true,
    command: `rollout ${verb}`,
  };
  if (owners.length) {
    await applyModel(kube, resources, [withCanary(planned, canaryPercent(state.live))], options);
  }
  const [applied] = await applyModel(kube, resources, [isvc], options);
  const what = !invocation.dryRun && unchangedBy(state.live, applied!)
    ? "unchanged"
    : `applied${dryRunSuffix(invocation.dryRun)}`;
  writeErr(`inferenceservice/${name} ${what}: ${change.summary}\n`);
  if (verb !== "start" || !invocation.wait || invocation.dryRun) return 0;
  const view = await waitForSplit(kube, namespace, name, {
    percent: change.canaryTrafficPercent ?? 100,
    stable: predictorStatus(state.live).latestRolledoutRevision,
    earlier: changesModel ? predictorStatus(state.live).latestCreatedRevision : undefined,
    timeoutMs: invocation.timeoutMs,
    applied: applied as InferenceService,
  });
  const report = rolloutReport(name, namespace, { ...state, view });
  writeOut(
    invocation.global.output === "json"
      ? JSON.stringify(report, null, 2) + "\n"
      : renderRollout(report),
  );
  return 0;
}

function showStatus(invocation: RolloutInvocation, namespace: string, state: RolloutState) {
  const report = rolloutReport(invocation.name, namespace, state);
  writeOut(
    invocation.global.output === "json"
      ? JSON.stringify(report, null, 2) + "\n"
      : renderRollout(report),
  );
  return report.notes.length ? 1 : 0;
}
