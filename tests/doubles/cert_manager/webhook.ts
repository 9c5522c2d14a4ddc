// The `webhook` role: cert-manager's admission webhook. It keeps its own CA in a Secret (which
// cainjector copies into the webhook configurations), serves HTTPS with a certificate from that
// CA, and admits or refuses each AdmissionReview as cert-manager's webhook does for the kinds
// KServe creates (validation.ts): a probe that passes here must pass against the real one.
import { validationErrors } from "./validation.ts";
import {
  ApiError,
  Informer,
  type Kube,
  log,
  reconcileLoop,
  type Secret,
  waitSynced,
} from "./kube.ts";
import { inspectCertificate, issueCertificate } from "./pki.ts";

export interface WebhookOptions {
  caNamespace: string;
  caName: string;
  dnsNames: string[];
  securePort?: number;
}

/** Reads the dynamic-serving flags from the container's args (`--f=v` or `--f v`, repeatable). */
export function parseWebhookArgs(args: string[]): WebhookOptions {
  const values = (flag: string) =>
    args.flatMap((a, i) => {
      if (a.startsWith(`--${flag}=`)) return [a.slice(flag.length + 3)];
      return a === `--${flag}` && args[i + 1] !== undefined ? [args[i + 1]!] : [];
    });
  const port = values("secure-port").at(-1);
  return {
    caNamespace: values("dynamic-serving-ca-secret-namespace").at(-1) ??
      Deno.env.get("POD_NAMESPACE") ?? "cert-manager",
    caName: values("dynamic-serving-ca-secret-name").at(-1) ?? "cert-manager-webhook-ca",
    dnsNames: values("dynamic-serving-dns-names").flatMap((v) => v.split(",")).filter(Boolean),
    securePort: port ? Number(port) : undefined,
  };
}

interface AdmissionReview {
  apiVersion?: string;
  request?: {
    uid: string;
    operation?: string;
    kind?: { kind?: string };
    namespace?: string;
    name?: string;
    object?: { spec?: Record<string, unknown> };
  };
}

async function handle(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  if (req.method === "GET" && (path === "/healthz" || path === "/livez")) return new Response("ok");
  if (req.method !== "POST" || (path !== "/validate" && path !== "/mutate")) {
    return new Response("not found", { status: 404 });
  }
  const review = await req.json().catch(() => ({})) as AdmissionReview;
  const r = review.request;
  if (!r?.uid) return new Response("expected an AdmissionReview", { status: 400 });
  const obj = [r.namespace, r.name].filter(Boolean).join("/");
  const errors = path === "/validate" && r.operation !== "DELETE"
    ? validationErrors(r.kind?.kind, r.object)
    : [];
  log(
    `${path}: ${errors.length ? "denied" : "allowed"} ${r.operation ?? "?"} ${
      r.kind?.kind ?? "?"
    } ${obj}`,
  );
  return Response.json({
    apiVersion: review.apiVersion ?? "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: errors.length
      ? {
        uid: r.uid,
        allowed: false,
        status: { code: 422, reason: "Invalid", message: errors.join(", ") },
      }
      : { uid: r.uid, allowed: true },
  });
}

export async function runWebhook(kube: Kube, args: string[], signal: AbortSignal): Promise<void> {
  const opts = parseWebhookArgs(args);
  const port = Number(Deno.env.get("WEBHOOK_PORT") ?? opts.securePort ?? 10250);
  const secretKey = `${opts.caNamespace}/${opts.caName}`;
  const secretsPath = `/api/v1/namespaces/${opts.caNamespace}/secrets`;
  const trigger = reconcileLoop(reconcile, signal);
  const caSecret = new Informer<Secret>(
    kube,
    `${secretsPath}?fieldSelector=${encodeURIComponent(`metadata.name=${opts.caName}`)}`,
    trigger,
  );
  let servingCA: string | undefined;
  let server: Deno.HttpServer | undefined;
  // Each listener gets its own stop signal: Deno.serve closes its listener when the signal aborts,
  // and that fails once the listener was already closed for a CA change.
  let serverStop: AbortController | undefined;
  signal.addEventListener("abort", () => serverStop?.abort(), { once: true });
  const checked = new Map<string, boolean>();

  async function usable(s: Secret | undefined): Promise<boolean> {
    const d = s?.data;
    if (!s || !d?.["tls.crt"] || !d["tls.key"] || !d["ca.crt"]) return false;
    const rv = s.metadata.resourceVersion ?? "";
    if (!checked.has(rv)) {
      const ok = await inspectCertificate(atob(d["tls.crt"])).then(
        (info) => info.notAfter > new Date(),
        () => false,
      );
      checked.clear();
      checked.set(rv, ok);
    }
    return checked.get(rv)!;
  }

  /** Creates (or replaces an unusable) CA Secret, as the real webhook's dynamic authority does. */
  async function ensureCA(old: Secret | undefined): Promise<Secret> {
    const ca = await issueCertificate({
      commonName: "cert-manager-webhook-ca",
      dnsNames: [],
      ipAddresses: [],
      days: 365,
      isCA: true,
      keyAlgorithm: "ECDSA",
    });
    const body: Secret = {
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/tls",
      metadata: {
        ...(old?.metadata ?? { name: opts.caName, namespace: opts.caNamespace }),
        annotations: {
          ...old?.metadata.annotations,
          "cert-manager.io/allow-direct-injection": "true",
        },
      },
      data: { "ca.crt": btoa(ca.cert), "tls.crt": btoa(ca.cert), "tls.key": btoa(ca.key) },
    };
    const created = old
      ? await kube.request<Secret>("PUT", `${secretsPath}/${opts.caName}`, { body })
      : await kube.request<Secret>("POST", secretsPath, { body });
    log(`${old ? "replaced unusable" : "created"} CA Secret ${secretKey}`);
    return created;
  }

  async function reconcile(): Promise<void> {
    if (!caSecret.synced) return;
    let secret = caSecret.items.get(secretKey);
    if (!(await usable(secret))) {
      try {
        secret = await ensureCA(secret);
        caSecret.upsert(secret);
      } catch (e) {
        // Another webhook replica created it first; its watch event triggers the next round.
        if (e instanceof ApiError && e.status === 409) return;
        throw e;
      }
    }
    const caPem = atob(secret!.data!["tls.crt"]!);
    if (caPem === servingCA) return;
    const names = opts.dnsNames;
    const isIP = (n: string) => /^[\d.]+$/.test(n) || n.includes(":");
    const serving = await issueCertificate({
      commonName: names.find((n) => !isIP(n)),
      dnsNames: names.filter((n) => !isIP(n)),
      ipAddresses: names.filter(isIP),
      days: 365,
      isCA: false,
      keyAlgorithm: "ECDSA",
      signer: { cert: caPem, key: atob(secret!.data!["tls.key"]!) },
    });
    // Deno.serve cannot swap certificates, so a new CA restarts the listener.
    if (server) {
      serverStop!.abort();
      await server.finished;
    }
    serverStop = new AbortController();
    server = Deno.serve({
      hostname: "127.0.0.1",
      port,
      cert: serving.cert,
      key: serving.key,
      signal: serverStop.signal,
      onListen: ({ hostname, port }) =>
        log(`serving HTTPS on ${hostname}:${port} for ${names.join(", ")} (CA from ${secretKey})`),
    }, handle);
    servingCA = caPem;
  }

  const running = caSecret.run(signal);
  if (await waitSynced([caSecret], signal)) trigger();
  await running;
  await server?.finished;
}
