// A test double for cert-manager, run by the test cluster's pod runner in place of the
// containers of cert-manager's three Deployments (its controller cannot be built from the Go
// module proxy). It does only cert-manager's observable job; see cert_manager/*.ts.
//
//   deno run -A tests/doubles/cert_manager.ts <controller|cainjector|webhook> [container args...]
//
// Environment: KUBECONFIG (a kubeconfig with embedded CA and client cert/key data),
// POD_NAMESPACE, POD_NAME, HEALTH_PORTS (127.0.0.1 ports answering health probes with "ok"),
// and for the webhook WEBHOOK_PORT (the 127.0.0.1 port to serve on).
// Runs until SIGTERM or SIGINT; logs one line per action to stderr.
import { runCainjector } from "./cert_manager/cainjector.ts";
import { runController } from "./cert_manager/controller.ts";
import { log, setLogRole } from "./cert_manager/kube.ts";
import { podKube, serveHealth, stopOnSignals } from "./double_process.ts";
import { runWebhook } from "./cert_manager/webhook.ts";

const ROLES = ["controller", "cainjector", "webhook"];

/** Expands `$(VAR)` in container args from the environment, as the kubelet does. */
export function expandArgs(args: string[], env: Record<string, string>): string[] {
  return args.map((a) =>
    a.replace(
      /\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
      (m, name?: string) => m === "$$" ? "$" : env[name!] ?? m,
    )
  );
}

async function main(argv: string[]): Promise<number> {
  const [role, ...rawArgs] = argv;
  if (!role || !ROLES.includes(role)) {
    console.error(`usage: cert_manager.ts <${ROLES.join("|")}> [container args...]`);
    return 2;
  }
  setLogRole(role);
  const kube = podKube();
  if (!kube) return 2;
  const args = expandArgs(rawArgs, Deno.env.toObject());
  const stop = stopOnSignals();
  serveHealth(Deno.env.get("HEALTH_PORTS") ?? "", stop.signal);
  const pod = `${Deno.env.get("POD_NAMESPACE") ?? "?"}/${Deno.env.get("POD_NAME") ?? "?"}`;
  log(`starting for pod ${pod}; args: ${args.join(" ") || "(none)"}`);
  if (role === "controller") await runController(kube, args, stop.signal);
  else if (role === "cainjector") await runCainjector(kube, stop.signal);
  else await runWebhook(kube, args, stop.signal);
  log("stopped");
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
