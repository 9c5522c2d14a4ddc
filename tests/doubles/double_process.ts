// What every test double's process does at start, as the pod runner runs it: a client from the
// pod's KUBECONFIG, SIGTERM/SIGINT as the end of its work, and plain-HTTP health endpoints.
import { type Kube, kubeFromKubeconfig, log } from "./cert_manager/kube.ts";

/** A client from $KUBECONFIG, or undefined (logged) when it is not set. */
export function podKube(): Kube | undefined {
  const kubeconfig = Deno.env.get("KUBECONFIG");
  if (!kubeconfig) {
    log("KUBECONFIG is not set");
    return undefined;
  }
  return kubeFromKubeconfig(kubeconfig);
}

/**
 * Aborts on SIGTERM or SIGINT, and exits 3 s later whatever is in flight (an openssl run or an
 * API write should not hold up the pod's deletion).
 */
export function stopOnSignals(): AbortController {
  const stop = new AbortController();
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(sig, () => {
      log(`${sig} received, stopping`);
      stop.abort();
      Deno.unrefTimer(setTimeout(() => Deno.exit(0), 3000));
    });
  }
  return stop;
}

/** Plain-HTTP health endpoints on "a,b" (127.0.0.1 ports), like the real binaries' /livez. */
export function serveHealth(ports: string, signal: AbortSignal): void {
  for (const port of ports.split(",").filter(Boolean).map(Number)) {
    Deno.serve(
      { hostname: "127.0.0.1", port, signal, onListen: () => {} },
      () => new Response("ok"),
    );
  }
}
