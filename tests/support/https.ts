/** Local HTTPS servers with their own CA, such as admission webhooks the API server calls. */
import { tempDir } from "./cluster.ts";
import { openssl } from "./credentials.ts";

/** A self-signed CA and a serving cert it signs, for local HTTPS servers (e.g. webhooks). */
export async function servingCert(
  opts: { ips?: string[]; dnsNames?: string[] } = {},
): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  await using dir = await tempDir();
  const d = dir.path;
  const sans = [
    ...(opts.ips ?? ["127.0.0.1"]).map((ip) => `IP:${ip}`),
    ...(opts.dnsNames ?? ["localhost"]).map((n) => `DNS:${n}`),
  ].join(",");
  await openssl(
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", `${d}/ca.key`]
      .concat(["-out", `${d}/ca.crt`, "-days", "2", "-subj", "/CN=kubectl-kserve-test-webhook-ca"])
      .concat(["-addext", "basicConstraints=critical,CA:TRUE"])
      .concat(["-addext", "keyUsage=critical,keyCertSign,digitalSignature"]),
  );
  await Deno.writeTextFile(
    `${d}/ext`,
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n` +
      `extendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`,
  );
  await openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", `${d}/tls.key`]
    .concat(["-out", `${d}/tls.csr`, "-subj", "/CN=kubectl-kserve-test-server"]));
  await openssl(
    ["x509", "-req", "-in", `${d}/tls.csr`, "-CA", `${d}/ca.crt`, "-CAkey"]
      .concat([`${d}/ca.key`, "-set_serial", `0x${crypto.randomUUID().replaceAll("-", "")}`])
      .concat(["-days", "2", "-extfile", `${d}/ext`, "-out", `${d}/tls.crt`]),
  );
  return {
    caPem: await Deno.readTextFile(`${d}/ca.crt`),
    certPem: await Deno.readTextFile(`${d}/tls.crt`),
    keyPem: await Deno.readTextFile(`${d}/tls.key`),
  };
}

/** A running local HTTPS server; use `url` and `caBundle` in a webhook's clientConfig. */
export interface HttpsServer extends AsyncDisposable {
  port: number;
  /** https://127.0.0.1:<port> */
  url: string;
  /** The CA that signed the server cert, base64 PEM (a webhook's `caBundle`). */
  caBundle: string;
  close(): Promise<void>;
}

/** Serves `handler` over HTTPS on 127.0.0.1 (random port) with a fresh cert for 127.0.0.1. */
export async function serveHttps(
  handler: (req: Request) => Response | Promise<Response>,
): Promise<HttpsServer> {
  const { caPem, certPem, keyPem } = await servingCert();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: certPem,
    key: keyPem,
    onListen: () => {},
  }, handler);
  const port = server.addr.port;
  const close = () => server.shutdown();
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    caBundle: btoa(caPem),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Minimal shape of an admission.k8s.io/v1 AdmissionReview request. */
export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  operation: string;
  namespace?: string;
  name?: string;
  object?: { metadata?: { name?: string; generateName?: string; labels?: Record<string, string> } };
}

/** Builds an AdmissionReview response. */
export function admissionResponse(
  uid: string,
  allowed: boolean,
  message?: string,
  code = 403,
): Response {
  return Response.json({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: { uid, allowed, ...(allowed ? {} : { status: { code, message } }) },
  });
}
