// The launchers of the test doubles the pod runner plays for images no registry serves here
// (cert-manager, the model server and vLLM, the Gateway API implementation, Knative's
// networking layer): each runs a script of tests/doubles/ with the container's flags mapped.
import type { Container } from "./types.ts";
import {
  findFlag,
  healthPorts,
  type ImageEntry,
  type Launch,
  missingDouble,
  setFlag,
} from "./launch.ts";

/** The cert-manager test double (tests/doubles/cert_manager.ts) in one of its three roles. */
export const certManager: ImageEntry["launch"] = (ctx) => {
  const role = ctx.match[1]!;
  const script = `${ctx.repoRoot}/tests/doubles/cert_manager.ts`;
  // The repo's deno.json maps the double's imports; the process runs in the pod's dir.
  const config = `${ctx.repoRoot}/deno.json`;
  const args = ["run", "-A", "--quiet", "--config", config, script, role];
  const launch: Launch = { cmd: ctx.deno, args: [...args, ...(ctx.container.args ?? [])] };
  launch.missing = missingDouble(script, "cert-manager");
  launch.env = { HEALTH_PORTS: healthPorts(ctx) };
  if (role === "webhook") {
    const https = ctx.container.ports?.find((p) => p.name === "https")?.containerPort ?? 10250;
    launch.env.WEBHOOK_PORT = String(ctx.port(https));
    // The real webhook answers its HTTP readiness probe on :6080; the double serves /healthz only
    // on its HTTPS port, which opens once its CA exists, so readiness is "that port accepts".
    launch.readiness = { tcpPort: https };
  }
  return launch;
};

/**
 * The model-server test double (tests/doubles/model_server.ts) for the test-only image
 * `kubectl-kserve.test/model-server:<tag>`, which exists in no registry. It takes KServe's server
 * flags (`--model_name=NAME --http_port=PORT`, as the runtimes pass them); `--http_port` is
 * rewritten to the local port backing the pod port.
 */
export const modelServer: ImageEntry["launch"] = (ctx) => {
  const script = `${ctx.repoRoot}/tests/doubles/model_server.ts`;
  const httpPort = Number(findFlag(ctx.container.args ?? [], "http_port")?.value) || 8080;
  const args = setFlag(ctx.container.args ?? [], "http_port", String(ctx.port(httpPort)));
  const launch: Launch = {
    cmd: ctx.deno,
    args: [
      "run",
      "--quiet",
      "--no-config",
      "--allow-net",
      "--allow-env=LISTEN_HOST",
      "--allow-read",
      script,
      ...args,
    ],
  };
  launch.missing = missingDouble(script, "model-server");
  // Beside queue-proxy in a pod network of its own, the pod IP is the pod's, not the runner's.
  if (ctx.ownNetwork) launch.env = { LISTEN_HOST: "0.0.0.0" };
  // Without a readiness probe a kubelet marks the container Ready at once; the double takes a
  // moment to listen, so "its HTTP port accepts" stands in, and a Ready pod answers at once.
  if (!ctx.container.readinessProbe) launch.readiness = { tcpPort: httpPort };
  return launch;
};

/**
 * vLLM as KServe's llmisvc presets run it (the llm-d images, `vllm serve /mnt/models
 * --served-model-name NAME --port 8000 [--ssl-certfile F --ssl-keyfile F]`, as a command line or
 * inside a bash -c script), played by the model-server double: the first served model name, port
 * 8000, and HTTPS with the certificate files when the preset passes them (the files are the
 * Secret volume the runner wrote under the container's root, its working directory).
 */
export const vllm: ImageEntry["launch"] = (ctx) => {
  const line = [...(ctx.container.command ?? []), ...(ctx.container.args ?? [])].join(" ");
  const word = (flag: string) => new RegExp(`${flag}[ =]"?([^"\\s]+)`).exec(line)?.[1];
  const servedModel = word("--served-model-name") ?? "";
  const port = Number(word("--port") ?? 8000);
  const tls = [word("--ssl-certfile"), word("--ssl-keyfile")];
  const container: Container = {
    ...ctx.container,
    args: [
      `--model_name=${servedModel}`,
      `--http_port=${port}`,
      ...(tls[0] && tls[1] ? [`--ssl-certfile=.${tls[0]}`, `--ssl-keyfile=.${tls[1]}`] : []),
    ],
  };
  const launch = modelServer({ ...ctx, container });
  // The presets' probes are on the served port (HTTPS ones are TCP connects here).
  return launch;
};

/**
 * The Gateway API implementation double (tests/doubles/gateway_api.ts) for the test-only image
 * `kubectl-kserve.test/gateway-api:<tag>` (scripts/cluster/gateway-api-double.yaml). It serves
 * no port; it is Ready once started.
 */
export const gatewayApi: ImageEntry["launch"] = (ctx) => {
  const script = `${ctx.repoRoot}/tests/doubles/gateway_api.ts`;
  const config = `${ctx.repoRoot}/deno.json`;
  return {
    cmd: ctx.deno,
    args: ["run", "-A", "--quiet", "--config", config, script],
    missing: missingDouble(script, "gateway-api"),
  };
};

/**
 * The Knative networking double (tests/doubles/knative_networking.ts) in place of net-kourier's
 * controller, Kourier's Envoy gateway (its ports 8080 external and 8081 internal, and /ready)
 * and net-istio's controller.
 */
export function knativeNetworking(role: string): ImageEntry["launch"] {
  return (ctx) => {
    const script = `${ctx.repoRoot}/tests/doubles/knative_networking.ts`;
    const config = `${ctx.repoRoot}/deno.json`;
    const launch: Launch = {
      cmd: ctx.deno,
      args: ["run", "-A", "--quiet", "--config", config, script, role],
      // The gateway answers its own probes (/ready on its internal port).
      env: role === "kourier-gateway"
        ? { GATEWAY_PORTS: `${ctx.port(8080)},${ctx.port(8081)}` }
        : { HEALTH_PORTS: healthPorts(ctx) },
    };
    launch.missing = missingDouble(script, "Knative networking");
    return launch;
  };
}
