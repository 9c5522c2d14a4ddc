/**
 * What `rollout start|promote|undo` writes, decided on plain data before anything is sent:
 * the predictor's canaryTrafficPercent, or a refusal (UsageError, exit 2) where KServe would
 * ignore it. KServe reads canaryTrafficPercent only in its Knative reconciler
 * (pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go): the latest
 * revision gets N%, the last rolled-out one (status.components.predictor) the rest, and only
 * when a rolled-out revision exists; 0 sends everything back to it (KServe's documented
 * rollback); removing the field sends 100% to the latest revision (its documented promote).
 */
import { CliError, UsageError } from "../errors.ts";
import type { Backend } from "../options.ts";
import type { InferenceService, PredictorStatus } from "../kserve/inference_service.ts";
import { factsOf, RAW_CANARY_ROUTING_SINCE } from "../kserve/releases.ts";
import { canaryPercent, predictorStatus, type TrafficView } from "../kserve/traffic.ts";
import type { ModeKind } from "../kserve/versions.ts";

export type RolloutVerb = "start" | "promote" | "undo";

/** What the planner knows: the model as read, its mode, and the traffic as the Route sends it. */
export interface RolloutFacts {
  verb: RolloutVerb;
  name: string;
  namespace: string;
  backend: Backend;
  live: InferenceService;
  /** classifyMode of modelMode(live, the install's default); undefined for an unknown name. */
  mode: { kind: ModeKind | undefined; value: string };
  kserveVersion: string | undefined;
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

/** Refuses a model whose backend or mode has no revisions to split traffic between. */
export function refuseUnsupported(facts: Omit<RolloutFacts, "changesModel">): void {
  const { name, namespace, mode } = facts;
  if (facts.backend !== "kserve") {
    throw new UsageError(
      `"${name}" is a Deployment (the deployment backend): canary rollouts split traffic between the Knative revisions of an InferenceService in Knative mode`,
      {
        hint:
          `Follow a Deployment's rollout with: kubectl rollout status deployment/${name} -n ${namespace}`,
      },
    );
  }
  if (mode.kind === "serverless") return;
  throw new UsageError(standardModeRefusal(name, mode.value, facts.kserveVersion), {
    hint:
      "What works: Knative mode, where each change is a revision and KServe splits traffic between them: add Knative (kubectl kserve install --mode serverless) and deploy the model with --mode serverless (a model's mode is fixed when it is created: a new name, or delete it first)",
  });
}

/**
 * Why a canary does nothing in `mode` on `kserveVersion` (release table: standardCanary):
 * canaryTrafficPercent is ignored outside Knative mode, and spec.canary[] is not weighted.
 */
export function standardModeRefusal(
  name: string,
  mode: string,
  kserveVersion: string | undefined,
): string {
  const facts = factsOf(kserveVersion);
  const canarySpec = facts.standardCanary.specCanary && !facts.standardCanary.weighted
    ? `; its spec.canary[] deploys a second predictor that the main route does not weight (weighted routing came in KServe ${RAW_CANARY_ROUTING_SINCE}, through the Gateway API)`
    : "";
  return `Refusing a canary rollout of "${name}": it runs in ${mode} mode, where KServe ${
    kserveVersion ?? facts.version
  } ignores canaryTrafficPercent (only its Knative reconciler reads it) and sends 100% to the new model${canarySpec}`;
}
