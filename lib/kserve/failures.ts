/**
 * What waiting can fix and what it cannot, in one place: a pod's state, and the events KServe and
 * the controllers report, classified once, so that `deploy --wait`, `status` and `check` describe
 * the same failing model in the same words. Transient is a short, named list (a container being
 * created or initialized, a pod waiting for a scheduler that has not answered, a container that
 * runs but is not ready yet); every other failure is lasting: it needs a fix. Pure functions on
 * plain objects.
 */
import type { V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { countOf } from "../output.ts";
import { eventsOf } from "./events.ts";
import type { Event } from "./events.ts";
import { webhookRefusal } from "./webhook_calls.ts";

/** A failure, in one line, and whether waiting can fix it. */
export interface Finding {
  /** The object and the cause: "pod iris-predictor-x: image ... cannot be pulled (...)". */
  cause: string;
  /** True when waiting cannot fix it; false when the cluster is on its way (`cause` says to what). */
  lasting: boolean;
}

/** Container waiting reasons of a container on its way to start (the kubelet's); others are failures. */
const STARTING = ["ContainerCreating", "PodInitializing"];

/** Waiting reasons of an image the kubelet cannot pull or may not pull. */
const IMAGE_FAILURE = /ImagePull|ErrImage|InvalidImageName/;

/** Log lines that name the cause of a KServe controller crash (kserve-facts §6-7). */
const KNOWN_CRASH_LINES = [
  /unable to get (?:deploy|ingress) config/,
  /invalid ingress config[^"]*/,
  /invalid deploy(?:ment)? (?:config|mode)[^"]*/,
  /Gateway API CRD not available/,
  /unable to get configmap[^"]*/,
  /failed to (?:create|start) manager[^"]*/,
];

/** The most telling line of a crashed container's log: a known cause, an error line, or the last. */
export function crashLine(log: string): string | undefined {
  for (const pattern of KNOWN_CRASH_LINES) {
    const match = pattern.exec(log);
    if (match) return match[0].trim();
  }
  const lines = log.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const errorLine = [...lines].reverse().find((line) => /error|fatal|panic/i.test(line));
  return (errorLine ?? lines.at(-1))?.slice(0, 300);
}

/**
 * A Hugging Face download refused, in a storage initializer's (or server's) log: huggingface_hub
 * raises "401 Client Error" (no token, or an invalid one) or "403 Client Error" (a token without
 * access to a gated repository), naming the URL ("Cannot access gated repo for url
 * https://huggingface.co/ORG/MODEL/resolve/...", "Repository Not Found for url:
 * https://huggingface.co/api/models/ORG/MODEL/..."). The status and repository, or undefined.
 */
export function hfAccessDenied(log: string): { status: 401 | 403; repo?: string } | undefined {
  const status = /\b(401|403) Client Error\b/.exec(log)?.[1];
  if (!status) return undefined;
  const repo = /huggingface\.co\/(?:api\/models\/)?([\w.-]+\/[\w.-]+)/.exec(log)?.[1];
  return { status: Number(status) as 401 | 403, ...(repo ? { repo } : {}) };
}

/** What a refused Hugging Face download means, and the fix (a Secret with the token). */
function hfAccessCause(denied: { status: 401 | 403; repo?: string }, namespace: string): string {
  const repo = denied.repo ?? "the model's repository";
  const fix =
    `kubectl kserve creds hf --token-from-env HF_TOKEN -n ${namespace}, then deploy again with --hf-token-secret hf-token`;
  return denied.status === 401
    ? `the download of ${repo} from Hugging Face was refused (HTTP 401): the token is missing or invalid. Fix: ${fix}`
    : `the download of ${repo} from Hugging Face was refused (HTTP 403): the token lacks access to that repository (a gated model: request access on https://huggingface.co/${
      denied.repo ?? ""
    } with the token's account). Fix: pass a token with access, ${fix}`;
}

/** `(REASON: MESSAGE)` or `(REASON)`. */
function reasonOf(reason: string, message: string | undefined): string {
  return `(${reason}${message ? `: ${message}` : ""})`;
}

/**
 * Why one pod does not serve, and whether waiting can fix it; undefined when it is ready or
 * leaving (being deleted). `events` may hold any events: the pod's own are picked by UID. `log`
 * is the previous log of a crash-looping container (its last lines), when the caller read it.
 * Lasting: an image that cannot be pulled, a crash loop, an OOM kill, a container that cannot
 * be created, an unschedulable pod, a volume that cannot be mounted, a pod that ended.
 */
export function classifyPod(pod: V1Pod, events: Event[] = [], log = ""): Finding | undefined {
  if (pod.metadata?.deletionTimestamp) return undefined;
  const name = `pod ${pod.metadata?.name}`;
  const lasting = (cause: string): Finding => ({ cause, lasting: true });
  const mine = eventsOf(pod, [], events);
  const scheduled = (pod.status?.conditions ?? []).find((c) => c.type === "PodScheduled");
  const failedScheduling = mine.findLast((e) => e.reason === "FailedScheduling");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return lasting(`${name} cannot be scheduled (FailedScheduling): ${scheduled.message}`);
  }
  if (!pod.spec?.nodeName && failedScheduling && scheduled?.status !== "True") {
    return lasting(`${name} cannot be scheduled (FailedScheduling): ${failedScheduling.message}`);
  }
  if (pod.status?.phase === "Failed") {
    return lasting(
      `${name} has failed ${reasonOf(pod.status.reason ?? "Failed", pod.status.message)}`,
    );
  }
  const statuses: V1ContainerStatus[] = [
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.containerStatuses ?? []),
  ];
  const started = statuses.some((s) => s.state?.running || s.state?.terminated);
  const failedMount = mine.findLast((e) => e.reason === "FailedMount");
  if (failedMount && !started) return lasting(`${name} cannot start: ${failedMount.message}`);
  let starting: Finding | undefined;
  for (const status of statuses) {
    const waiting = status.state?.waiting;
    const container = `container ${status.name}`;
    if (
      status.lastState?.terminated?.reason === "OOMKilled" ||
      status.state?.terminated?.reason === "OOMKilled"
    ) {
      return lasting(`${name}: ${container} was OOMKilled (memory limit too low)`);
    }
    // Between two back-offs a crash-looping container runs for a moment (not ready, restarted,
    // its last run failed): still the crash loop, not a pod starting.
    const crashed = (status.lastState?.terminated?.exitCode ?? 0) !== 0 &&
      (status.restartCount ?? 0) > 0 && !status.ready;
    if (waiting?.reason === "CrashLoopBackOff" || (crashed && !waiting)) {
      const denied = hfAccessDenied(log);
      if (denied) {
        return lasting(
          `${name}: ${container} is in CrashLoopBackOff: ${
            hfAccessCause(denied, pod.metadata?.namespace ?? "default")
          }`,
        );
      }
      const line = crashLine(log);
      return lasting(
        `${name}: ${container} is in CrashLoopBackOff (restarted ${
          countOf(status.restartCount ?? 0, "time")
        })${line ? `; its log says: ${line}` : ""}`,
      );
    }
    if (waiting?.reason && IMAGE_FAILURE.test(waiting.reason)) {
      return lasting(
        `${name}: image ${status.image} cannot be pulled ${
          reasonOf(waiting.reason, waiting.message)
        }`,
      );
    }
    if (waiting?.reason && !STARTING.includes(waiting.reason)) {
      return lasting(
        `${name}: ${container} is waiting ${reasonOf(waiting.reason, waiting.message)}`,
      );
    }
    if (waiting) {
      starting ??= {
        cause: `${name} is starting (${container}: ${waiting.reason ?? "waiting"})`,
        lasting: false,
      };
    } else if (status.state?.running && !status.ready) {
      starting ??= {
        cause: `${name} is starting (${container} runs and is not ready yet)`,
        lasting: false,
      };
    }
  }
  if (starting) return starting;
  if (scheduled?.status !== "True" && pod.status?.phase === "Pending") {
    return { cause: `${name} is waiting to be scheduled`, lasting: false };
  }
  return undefined;
}

/**
 * The pods' findings in one line each, lasting ones first (a crash explains more than a pod
 * that is still starting); `logs` by pod name. Undefined when every pod is ready.
 */
export function classifyPods(
  pods: V1Pod[],
  events: Event[] = [],
  logs: Record<string, string> = {},
): Finding | undefined {
  const findings = pods.flatMap((pod) => {
    const finding = classifyPod(pod, events, logs[pod.metadata?.name ?? ""] ?? "");
    return finding ? [finding] : [];
  });
  const lasting = findings.filter((f) => f.lasting);
  const chosen = lasting.length ? lasting : findings;
  if (!chosen.length) return undefined;
  return {
    cause: [...new Set(chosen.map((f) => f.cause))].join("; "),
    lasting: lasting.length > 0,
  };
}

/**
 * What the API server says when it refuses an object KServe rendered from the spec (a field's
 * value, a policy or a quota), or an admission webhook of that object fails the write (denies
 * it, or cannot be called: Knative's webhook down while KServe creates a Knative Service): the
 * same write fails again on every reconcile until the spec or the webhook is fixed.
 */
export const REFUSED_BY_API_SERVER =
  /is invalid|Invalid value|forbidden|exceeded quota|failed calling webhook|denied the request/i;

/**
 * A refusal in words: "REASON: MESSAGE", led by what a webhook failure in it means and the
 * fix (lib/kserve/webhook_calls.ts) when the message names one.
 */
export function refusalWords(reason: string, message: string): string {
  const webhook = webhookRefusal(message);
  return webhook ? `${reason}: ${webhook} (${message})` : `${reason}: ${message}`;
}

/** When an event last happened (RFC 3339, second resolution), by whichever field the producer set. */
export function eventTime(event: Event): string | undefined {
  return event.series?.lastObservedTime ?? event.lastTimestamp ?? event.eventTime ??
    event.firstTimestamp;
}

/**
 * Whether a Warning event reports what waiting cannot fix, for the spec written at `since` (RFC
 * 3339; events before it were about an earlier spec): KServe rejecting the mode
 * (ServerlessModeRejected) or the spec (InferenceServiceInvalid), a ReplicaSet refused a pod by
 * quota or policy (FailedCreate), or the API server refusing what KServe rendered (v0.16:
 * InternalError "... is invalid"; KServe reports an update conflict with the same reason, which
 * passes). Returns "REASON: MESSAGE", or undefined.
 */
export function lastingEvent(event: Event, since = ""): string | undefined {
  if (event.type !== "Warning") return undefined;
  const reason = event.reason ?? "";
  const message = String(event.message ?? "");
  const lasting = reason === "ServerlessModeRejected" || reason === "InferenceServiceInvalid" ||
    (reason === "FailedCreate" && /exceeded quota|forbidden/.test(message)) ||
    (reason === "InternalError" && REFUSED_BY_API_SERVER.test(message) &&
      (eventTime(event) ?? "") >= since);
  return lasting ? refusalWords(reason, message) : undefined;
}

/** A status condition as controllers publish it (metav1.Condition and knative's). */
export interface StatusCondition {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
}

/**
 * Why condition `type` of `object` ("Gateway kserve/kserve-ingress-gateway") is not True, or
 * undefined when it is. Absent or Unknown is transient (its controller has not reported on this
 * object yet, or is working on it); False is the controller's verdict and lasting.
 */
export function conditionFinding(
  object: string,
  conditions: readonly StatusCondition[] | undefined,
  type: string,
): Finding | undefined {
  const condition = conditions?.find((c) => c.type === type);
  if (condition?.status === "True") return undefined;
  if (condition?.status === "False") {
    const why = [condition.reason, condition.message].filter(Boolean).join(": ");
    return { cause: `${object} is not ${type}${why ? ` (${why})` : ""}`, lasting: true };
  }
  return {
    cause: `${object} is not ${type} yet: no controller has reported on it${
      condition?.message ? ` (${condition.message})` : ""
    }`,
    lasting: false,
  };
}
