/**
 * The fallback transport: @kubernetes/client-node's KubeConfig authenticates each request and
 * its fetch library sends it. Used for what Deno's fetch cannot express; see transport.ts.
 */
import { stringify } from "yaml";
import type { KubeconfigSelection } from "./kubeconfig.ts";
import type { HttpRequest, HttpResponse, Transport } from "./http.ts";

type ClientNode = typeof import("@kubernetes/client-node");

export class ClientNodeTransport implements Transport {
  readonly #k8s: ClientNode;
  readonly #kc: InstanceType<ClientNode["KubeConfig"]>;
  readonly #http: ReturnType<ClientNode["createConfiguration"]>["httpApi"];

  private constructor(k8s: ClientNode, selection: KubeconfigSelection) {
    this.#k8s = k8s;
    this.#kc = new k8s.KubeConfig();
    this.#kc.loadFromString(
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [selection.cluster],
        users: [withTokenFileProvider(selection.user)],
        contexts: [{ name: selection.contextName, context: selection.context }],
        "current-context": selection.contextName,
      }),
    );
    this.#http = k8s.createConfiguration().httpApi;
  }

  static async create(selection: KubeconfigSelection): Promise<ClientNodeTransport> {
    return new ClientNodeTransport(await import("@kubernetes/client-node"), selection);
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    const ctx = new this.#k8s.RequestContext(request.url, request.method as never);
    if (request.signal) ctx.setSignal(request.signal);
    for (const [name, value] of Object.entries(request.headers)) ctx.setHeaderParam(name, value);
    if (request.body !== undefined) ctx.setBody(request.body);
    await this.#kc.applySecurityAuthentication(ctx);
    const response = await this.#http.send(ctx).toPromise();
    return {
      status: response.httpStatusCode,
      header: (name) => response.headers[name.toLowerCase()] ?? null,
      text: () => response.body.text(),
      stream: () => (response.body.stream() as ReadableStream<Uint8Array> | undefined) ?? null,
    };
  }
}

/** client-node reads a token file only through its "tokenFile" auth provider. */
function withTokenFileProvider(user: KubeconfigSelection["user"]): KubeconfigSelection["user"] {
  const tokenFile = user.user.tokenFile;
  if (typeof tokenFile !== "string" || user.user["auth-provider"]) return user;
  return {
    ...user,
    user: { ...user.user, "auth-provider": { name: "tokenFile", config: { tokenFile } } },
  };
}
