/**
 * What `rollout start|promote|undo` writes, decided on plain data before anything is sent:
 * the predictor's canaryTrafficPercent, or a refusal (UsageError, exit 2) where KServe would
 * ignore it (the model's kind says where: RolloutTraits). KServe reads canaryTrafficPercent only in its Knative reconciler
 * (pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go): the latest
 * revision gets N%, the last rolled-out one (status.components.predictor) the rest, and only
 * when a rolled-out revision exists; 0 sends everything back to it (KServe's documented
 * rollback); removing the field sends 100% to the latest revision (its documented promote).
 */
import { CliError, UsageError } from "../errors.ts";
import type { InferenceService, PredictorStatus } from "../kserve/inference_service.ts";
import { canaryPercent, predictorStatus, type TrafficView } from "../kserve/traffic.ts";
import type { RolloutRefusal } from "./rollout_traits.ts";

export type RolloutVerb = "start" | "promote" | "undo";

/** What the planner knows: the model as read, its mode, and the traffic as the Route sends it. */
export interface RolloutFacts {
  verb: RolloutVerb;
  name: string;
  namespace: string;
  live: InferenceService;
  /** Why the model's kind or mode has no split (RolloutTraits.refusal), undefined in Knative mode. */
  refusal: RolloutRefusal | undefined;
  /** rollout start's --traffic: the new revision's percent (0..100). */
  traffic?: number;
  /** rollout start: whether the flags change the predictor (else no new revision comes). */
  changesModel?: boolean;
  view: TrafficView;
}

/** The change to apply; `canaryTrafficPercent` undefined removes the field. */
export interface RolloutChange {
  canaryTrafficPercent: number | undefined;
  /** True when the spec already says it: nothing is sent (a re-run). */
  unchanged: boolean;
  /** Where traffic goes once KServe has reconciled, one line. */
  summary: string;
}

/** The revision KServe gives the rest of a split: ksvc_reconciler.go's lastRolledoutRevision. */
export function rolledOutRevision(status: PredictorStatus): string | undefined {
  const { latestRolledoutRevision: latest, latestReadyRevision: ready } = status;
  return latest && latest === ready ? status.previousRolledoutRevision : latest;
}

/** Decides the verb's change, or throws why KServe would not do it. */
export function planRollout(facts: RolloutFacts): RolloutChange {
  refuseUnsupported(facts);
  const { verb, live, name, namespace } = facts;
  const status = predictorStatus(live);
  const current = canaryPercent(live);
  const latest = status.latestCreatedRevision ?? "the latest revision";
  if (verb === "start") {
    const traffic = facts.traffic ?? 0;
    const stable = status.latestRolledoutRevision;
    if (!stable) {
      throw new UsageError(
        `"${name}" has no rolled-out revision yet: KServe ignores canaryTrafficPercent on a model's first rollout (there is no previous revision) and sends 100% to the new one`,
        {
          hint:
            `Wait until it is Ready (kubectl kserve status ${name} -n ${namespace}), then start the rollout`,
        },
      );
    }
    // A canary already in the spec (a re-run, a ramp from 10 to 50, a start after undo) needs
    // no new revision; without one, KServe would split between the last two rolled-out ones.
    if (!facts.changesModel && current === undefined) {
      throw new UsageError(
        `Nothing to roll out: the flags change nothing in "${name}"'s predictor, so no new revision would come, and KServe would split the traffic between ${stable} and the revision before it`,
        { hint: "Pass the model flags that change it (such as --storage-uri or --image)" },
      );
    }
    return {
      canaryTrafficPercent: traffic,
      unchanged: !facts.changesModel && current === traffic,
      summary: `${traffic}% to the new revision, ${100 - traffic}% to ${stable}`,
    };
  }
  if (verb === "promote") {
    const failed = facts.view.revisions.find((r) => r.latest && r.ready === "False");
    if (failed && current !== undefined) {
      throw new CliError(
        `The latest revision ${failed.revision} failed${
          failed.reason ? ` (${failed.reason}: ${failed.message ?? ""})` : ""
        }: promoting it would send its share to the latest ready revision, not to it`,
        {
          hint:
            `Return the traffic with: kubectl kserve rollout undo ${name} -n ${namespace}, then roll out a fixed model (rollout start with the model flags that fix it)`,
        },
      );
    }
    return {
      canaryTrafficPercent: undefined,
      unchanged: current === undefined,
      summary: `100% to ${latest}`,
    };
  }
  const previous = rolledOutRevision(status);
  if (!previous) {
    throw new UsageError(
      `"${name}" has no previous rolled-out revision to return to (status.components.predictor names none)`,
      { hint: `See its revisions with: kubectl kserve rollout status ${name} -n ${namespace}` },
    );
  }
  return {
    canaryTrafficPercent: 0,
    unchanged: current === 0,
    summary:
      `100% to ${previous}; ${latest} keeps 0% (the spec still names it: promote sends traffic to it again)`,
  };
}

/** Refuses a model whose kind or mode has no revisions to split traffic between (its kind's answer). */
export function refuseUnsupported(facts: Pick<RolloutFacts, "refusal">): void {
  if (facts.refusal) throw new UsageError(facts.refusal.message, { hint: facts.refusal.hint });
}
