/**
 * How requests reach the API server. Most kubeconfigs (client certificates, tokens, token files,
 * exec plugins) are served by Deno's native fetch, which speaks HTTP/2 and costs nothing to load.
 * What fetch cannot express (insecure-skip-tls-verify, tls-server-name, auth-provider plugins)
 * goes through @kubernetes/client-node's KubeConfig, whose import alone takes ~350 ms.
 */
import { TIMINGS } from "../defaults.ts";
import { UsageError } from "../errors.ts";
import type { HttpRequest, HttpResponse, Transport } from "./http.ts";
import { execFailure, pem, readFile } from "./credentials.ts";
import type { KubeconfigSelection } from "./kubeconfig.ts";

/** One HTTP request, already addressed and authenticated by the caller's headers. */
export type { HttpRequest, HttpResponse, Transport } from "./http.ts";

export type TransportPlan = { kind: "native" } | { kind: "client-node"; reason: string };

/** Picks the transport for a kubeconfig selection; pure, so it is unit tested on plain data. */
export function planTransport(selection: KubeconfigSelection): TransportPlan {
  const cluster = selection.cluster.cluster;
  const user = selection.user.user;
  if (cluster["insecure-skip-tls-verify"] === true) {
    return { kind: "client-node", reason: "insecure-skip-tls-verify" };
  }
  if (typeof cluster["tls-server-name"] === "string" && cluster["tls-server-name"]) {
    return { kind: "client-node", reason: "tls-server-name" };
  }
  if (user["auth-provider"]) return { kind: "client-node", reason: "auth-provider" };
  return { kind: "native" };
}

/**
 * The kubeconfig's impersonation (`as`, `as-groups`, `as-uid`) as request headers. Several groups
 * need repeated headers, which fetch folds into one ("a, b": a single group of that name), and
 * client-node sends no groups at all; both are refused rather than silently dropped, since the
 * API server would then grant the impersonated user no groups.
 */
export function impersonationHeaders(user: Record<string, unknown>): Record<string, string> {
  const headers: Record<string, string> = {};
  if (typeof user.as === "string" && user.as) headers["Impersonate-User"] = user.as;
  const groups = Array.isArray(user["as-groups"]) ? user["as-groups"] as unknown[] : [];
  const unsupported = groups.length > 1
    ? "as-groups with more than one group"
    : user["as-user-extra"]
    ? "as-user-extra"
    : undefined;
  if (unsupported) {
    throw new UsageError(
      `The kubeconfig's user impersonates with ${unsupported}, which is not supported`,
      {
        hint: "Use a context that impersonates a user and at most one group, or none",
      },
    );
  }
  if (typeof groups[0] === "string" && groups[0]) headers["Impersonate-Group"] = groups[0];
  if (typeof user["as-uid"] === "string" && user["as-uid"]) {
    headers["Impersonate-Uid"] = user["as-uid"];
  }
  return headers;
}

/**
 * Opens the planned transport, which sends the kubeconfig's impersonation headers with every
 * request; client-node is imported only when the plan asks for it.
 */
export async function openTransport(selection: KubeconfigSelection): Promise<Transport> {
  const impersonation = impersonationHeaders(selection.user.user);
  const plan = planTransport(selection);
  const transport = plan.kind === "native"
    ? new NativeTransport(selection)
    : await (await import("./client_node.ts")).ClientNodeTransport.create(selection);
  if (Object.keys(impersonation).length === 0) return transport;
  return {
    send: (request) =>
      transport.send({ ...request, headers: { ...request.headers, ...impersonation } }),
  };
}

type ExecAuthenticator = InstanceType<
  typeof import("@kubernetes/client-node/dist/exec_auth.js")["ExecAuth"]
>;

/** Deno's fetch with the kubeconfig's CA, client certificate and credentials. */
class NativeTransport implements Transport {
  readonly #cluster: Record<string, unknown>;
  readonly #user: { name: string; user: Record<string, unknown> };
  readonly #clients = new Map<string, Deno.HttpClient>();
  readonly #ca?: string;
  readonly #cert?: string;
  readonly #key?: string;
  #execAuth?: Promise<ExecAuthenticator>;
  /** Exec credentials are fetched one at a time, so parallel first requests run the plugin once. */
  #execQueue: Promise<unknown> = Promise.resolve();
  #tokenFile?: { token: string; readAt: number };
  /** The exit code of the last exec credential plugin run. */
  #execExit?: number;
  #connected?: Promise<void>;

  constructor(selection: KubeconfigSelection) {
    this.#cluster = selection.cluster.cluster;
    this.#user = selection.user;
    const user = this.#user.user;
    // Read once, up front, as client-go does, so a missing file fails before any request.
    this.#ca = pem("certificate-authority", this.#cluster);
    this.#cert = pem("client-certificate", user);
    this.#key = pem("client-key", user);
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const credentials = await this.#credentials();
    // Requests sent in parallel before any connection exists would each open their own TLS
    // connection; waiting for the first one lets the rest share it (HTTP/2) and saves handshakes.
    const connected = this.#connected;
    const sent = connected?.then(() => this.#fetch(request, credentials)) ??
      this.#fetch(request, credentials);
    this.#connected ??= sent.then(() => {}, () => {});
    return await sent;
  }

  async #fetch(
    request: HttpRequest,
    credentials: { headers: Record<string, string>; cert?: string; key?: string },
  ): Promise<HttpResponse> {
    const response = await fetch(request.url, {
      method: request.method,
      headers: { ...request.headers, ...credentials.headers },
      body: request.body,
      signal: request.signal,
      client: this.#client(credentials.cert, credentials.key),
    });
    return {
      status: response.status,
      header: (name) => response.headers.get(name),
      text: () => response.text(),
      stream: () => response.body,
    };
  }

  /** Headers and client certificate for the next request, as client-go derives them. */
  async #credentials(): Promise<{ headers: Record<string, string>; cert?: string; key?: string }> {
    const user = this.#user.user;
    const headers: Record<string, string> = {};
    let cert = this.#cert;
    let key = this.#key;
    if (typeof user.token === "string" && user.token) {
      headers.Authorization = `Bearer ${user.token}`;
    } else if (typeof user.tokenFile === "string" && user.tokenFile) {
      headers.Authorization = `Bearer ${this.#readTokenFile(user.tokenFile)}`;
    } else if (typeof user.username === "string" && user.username) {
      headers.Authorization = `Basic ${btoa(`${user.username}:${String(user.password ?? "")}`)}`;
    }
    if (user.exec) {
      // client-node runs the plugin and caches its credential until it expires.
      const options: { headers: Record<string, string>; cert?: string; key?: string } = {
        headers,
      };
      const run = this.#execQueue.then(async () =>
        (await this.#execAuthenticator()).applyAuthentication(
          { name: this.#user.name, exec: user.exec } as never,
          options as never,
        )
      );
      this.#execQueue = run.catch(() => {});
      await run.catch((error) => {
        throw execFailure(
          user.exec as { command?: string },
          this.#user.name,
          error,
          this.#execExit,
        );
      });
      cert = options.cert ?? cert;
      key = options.key ?? key;
    }
    return { headers, cert, key };
  }

  #execAuthenticator(): Promise<ExecAuthenticator> {
    this.#execAuth ??= Promise.all([
      import("@kubernetes/client-node/dist/exec_auth.js"),
      import("node:child_process"),
    ]).then(([m, childProcess]) => {
      const auth = new m.ExecAuth();
      // client-node reports a failed plugin by its stderr alone; the exit code is kept here.
      (auth as unknown as { execFn: typeof childProcess.spawn }).execFn = ((
        ...args: Parameters<typeof childProcess.spawn>
      ) => {
        const child = childProcess.spawn(...args);
        this.#execExit = undefined;
        child.on("close", (code: number | null) => this.#execExit = code ?? undefined);
        return child;
      }) as typeof childProcess.spawn;
      return auth;
    });
    return this.#execAuth;
  }

  /** Re-read at most once a minute, as client-go does, so rotated service account tokens work. */
  #readTokenFile(path: string): string {
    const now = Date.now();
    if (!this.#tokenFile || now - this.#tokenFile.readAt > TIMINGS.tokenFileReuseMs) {
      this.#tokenFile = { token: readFile(path, "tokenFile").trim(), readAt: now };
    }
    return this.#tokenFile.token;
  }

  #client(cert: string | undefined, key: string | undefined): Deno.HttpClient {
    const id = `${cert ?? ""}\n${key ?? ""}`;
    let client = this.#clients.get(id);
    if (!client) {
      const ca = this.#ca;
      const proxy = proxyFor(this.#cluster["proxy-url"]);
      client = Deno.createHttpClient({
        ...(ca ? { caCerts: [ca] } : {}),
        ...(cert && key ? { cert, key } : {}),
        ...(proxy ? { proxy } : {}),
      });
      this.#clients.set(id, client);
    }
    return client;
  }
}

/** The kubeconfig's proxy-url as a fetch proxy (HTTP CONNECT or SOCKS5, as client-go allows). */
export function proxyFor(url: unknown): Deno.Proxy | undefined {
  if (typeof url !== "string" || !url) return undefined;
  const scheme = url.slice(0, url.indexOf(":")).toLowerCase();
  if (scheme === "socks5" || scheme === "socks5h") return { transport: "socks5", url };
  return { transport: scheme === "https" ? "https" : "http", url };
}
