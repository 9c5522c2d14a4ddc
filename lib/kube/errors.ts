/**
 * Turns what the API server (or the network) said into errors a person can act on.
 * Pure functions on plain data, so every mapping is unit-tested without a cluster.
 */
import { CliError } from "../errors.ts";
import { explainRefusal, RBAC_DENIAL } from "./api_refusals.ts";

/** What was being attempted, for messages. */
export interface RequestTarget {
  method: string;
  path: string;
  server: string;
  contextName: string;
  userName: string;
  /** Which CA verified the server: a file, inline data from the kubeconfig, or the system store. */
  caSource: string;
}

/** A failed API call; `status` is the HTTP status, 0 when no response arrived. */
export class KubeApiError extends CliError {
  readonly status: number;
  readonly reason: string | undefined;
  /** The Status body's details.causes: for a server-side apply conflict, one per field. */
  readonly causes: StatusCause[];
  /** Whether the API server wrote the answer (a metav1.Status body). Through the service proxy,
   * any other body is the proxied server's own. */
  readonly fromApiServer: boolean;

  constructor(
    message: string,
    options: {
      status: number;
      reason?: string;
      hint?: string;
      cause?: unknown;
      causes?: StatusCause[];
      fromApiServer?: boolean;
    },
  ) {
    super(message, { hint: options.hint, cause: options.cause });
    this.status = options.status;
    this.reason = options.reason;
    this.causes = options.causes ?? [];
    this.fromApiServer = options.fromApiServer ?? true;
  }
}

/** One cause of a Status (metav1.StatusCause, whose Type is sent as "reason"). */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** The API server or a component's API group is not reachable or not installed. */
export class ApiGroupMissingError extends KubeApiError {}

/** API groups whose absence means a known component is missing. */
const COMPONENT_OF_GROUP: Record<string, { name: string; fix: string }> = {
  "serving.kserve.io": { name: "KServe", fix: "kubectl kserve install --mode raw" },
  "cert-manager.io": {
    name: "cert-manager",
    fix: "kubectl kserve install (it installs cert-manager first)",
  },
  "serving.knative.dev": {
    name: "Knative Serving",
    fix: "kubectl kserve install --mode serverless",
  },
  "metrics.k8s.io": {
    name: "metrics-server",
    fix: "install metrics-server (https://github.com/kubernetes-sigs/metrics-server)",
  },
};

interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: StatusCause[] };
}

/** Maps a non-2xx response to a typed error. */
export function errorFromResponse(
  target: RequestTarget,
  status: number,
  bodyText: string,
): KubeApiError {
  const body = parseStatus(bodyText);
  const serverMessage = body?.message ?? bodyText.trim().slice(0, 300);
  const fromApiServer = body?.kind === "Status";
  if (status === 401) {
    return new KubeApiError(
      `Unauthorized: the API server at ${target.server} rejected the credentials of user "${target.userName}" (context "${target.contextName}"); they are expired or wrong`,
      {
        status,
        reason: "Unauthorized",
        fromApiServer,
        hint:
          "Refresh the credentials (log in again for exec plugins such as aws, gcloud or kubelogin), or choose another --context",
      },
    );
  }
  // A webhook's or a terminating CRD's refusal: its own message and hint, whatever the status.
  const refusal = explainRefusal(target.path, serverMessage);
  if (refusal) {
    return new KubeApiError(refusal.message, {
      status,
      reason: body?.reason,
      hint: refusal.hint,
      causes: body?.details?.causes,
      fromApiServer,
    });
  }
  if (status === 403) {
    const who = RBAC_DENIAL.exec(serverMessage);
    const canI = who
      ? `kubectl auth can-i ${who[2]} ${who[3]}${who[4] ? `.${who[4]}` : ""}`
      : undefined;
    return new KubeApiError(`Forbidden: ${stripForbiddenPrefix(serverMessage)}`, {
      status,
      reason: "Forbidden",
      fromApiServer,
      // Only RBAC's own denial is answered by an RBAC rule; NamespaceLifecycle answers 403 too.
      hint: /because it is being terminated/.test(serverMessage)
        ? "Wait until the namespace is gone, then create it again"
        : who
        ? `Ask a cluster admin for an RBAC rule that allows this, or use a context with more rights (check with: ${canI})`
        : undefined,
    });
  }
  if (status === 404 && !body?.details) {
    const group = /^\/apis\/([^/]+)\/([^/]+)/.exec(target.path);
    if (group) {
      const component = COMPONENT_OF_GROUP[group[1]!];
      return new ApiGroupMissingError(
        `The API ${group[1]}/${group[2]} is not served by this cluster${
          component ? `: ${component.name} is not installed` : ""
        }`,
        {
          status,
          reason: "NotFound",
          hint: component
            ? `Install it: ${component.fix}`
            : "Install the component that provides it",
        },
      );
    }
  }
  const reason = body?.reason ?? `HTTP ${status}`;
  return new KubeApiError(serverMessage || `${target.method} ${target.path} failed: ${reason}`, {
    status,
    reason: body?.reason,
    causes: body?.details?.causes,
    fromApiServer,
  });
}

const NETWORK_REASONS: [RegExp, string][] = [
  [/ECONNREFUSED|connection refused/i, "connection refused"],
  [
    /ENOTFOUND|EAI_AGAIN|failed to lookup address|dns error|Name or service not known/i,
    "DNS lookup failed",
  ],
  [/ENETUNREACH|EHOSTUNREACH|network is unreachable|No route to host/i, "network unreachable"],
  [/ECONNRESET|connection reset/i, "connection reset"],
];

const TLS_PATTERN =
  /CERT|certificate|self[- ]signed|UnknownIssuer|NotValidForName|TLS|SSL|x509|issuer/i;

/** Maps a failure with no HTTP response (network, DNS, TLS, timeout) to a typed error. */
export function errorFromNetwork(
  target: RequestTarget,
  error: unknown,
  timeoutMs: number | undefined,
): KubeApiError {
  const text = describeChain(error);
  const where = `the Kubernetes API server at ${target.server} (context "${target.contextName}")`;
  if (
    /TimeoutError|timed? ?out|UND_ERR_CONNECT_TIMEOUT|ETIMEDOUT|aborted due to timeout/i.test(text)
  ) {
    const after = timeoutMs ? ` after ${timeoutMs / 1000}s` : "";
    return new KubeApiError(`Cannot reach ${where}: the request timed out${after}`, {
      status: 0,
      reason: "Timeout",
      hint: "Check that the cluster is up and reachable from here, or raise --request-timeout",
      cause: error,
    });
  }
  for (const [pattern, reason] of NETWORK_REASONS) {
    if (pattern.test(text)) {
      return new KubeApiError(`Cannot reach ${where}: ${reason}`, {
        status: 0,
        reason: "Unreachable",
        hint:
          "Check that the cluster is running and the server URL is right (kubectl cluster-info)",
        cause: error,
      });
    }
  }
  if (TLS_PATTERN.test(text)) {
    return new KubeApiError(
      `TLS verification of ${target.server} failed (context "${target.contextName}", CA: ${target.caSource}): ${
        tlsReason(text)
      }`,
      {
        status: 0,
        reason: "TLS",
        hint:
          "Make sure the kubeconfig's certificate-authority matches the cluster's CA; verification stays on unless the kubeconfig sets insecure-skip-tls-verify",
        cause: error,
      },
    );
  }
  return new KubeApiError(`Cannot reach ${where}: ${firstLine(text) || "unknown network error"}`, {
    status: 0,
    reason: "Unreachable",
    cause: error,
  });
}

/** Joins an error's messages and codes along its `cause` chain. */
export function describeChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    if (current instanceof Error || typeof current === "object") {
      const e = current as { name?: string; message?: string; code?: string; cause?: unknown };
      parts.push([e.name, e.code, e.message].filter(Boolean).join(": "));
      current = e.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join(" <- ");
}

function tlsReason(text: string): string {
  if (
    /UnknownIssuer|UNABLE_TO_VERIFY|unknown authority|self[- ]signed|UNABLE_TO_GET_ISSUER/i.test(
      text,
    )
  ) {
    return "the server's certificate is not signed by that CA";
  }
  if (/NotValidForName|ALTNAME|hostname|IP address mismatch/i.test(text)) {
    return "the server's certificate does not name this host";
  }
  if (/Expired|CERT_HAS_EXPIRED|NotValidYet/i.test(text)) {
    return "the server's certificate has expired or is not yet valid";
  }
  return firstLine(text);
}

function parseStatus(text: string): StatusBody | undefined {
  try {
    const parsed = JSON.parse(text) as StatusBody;
    return parsed && typeof parsed === "object" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function stripForbiddenPrefix(message: string): string {
  // "deployments.apps is forbidden: User ..." reads better without the repeated prefix.
  return message.replace(/^[\w.-]+(?: "[^"]*")? is forbidden: /, "");
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}

/**
 * The API server gave up on a request it could not finish in its own time limit (504, reason
 * Timeout: "request did not complete within requested timeout"), as a loaded server does with
 * a large apply. Nothing was wrong with the request: an idempotent one may be sent again.
 */
export function isServerTimeout(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 504 && error.reason === "Timeout";
}

/** Errors that mean a webhook is not answering yet, not that the object is wrong. */
export function isWebhookStarting(error: unknown): boolean {
  return error instanceof KubeApiError &&
    /failed calling webhook|connection refused|no endpoints available|x509|context deadline exceeded/i
      .test(error.message);
}
