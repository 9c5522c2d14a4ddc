/** What a request was sent to, as error messages name it (errors.ts). */
import type { RequestTarget } from "./errors.ts";
import type { KubeconfigSelection } from "./kubeconfig.ts";

/** The request, the server and context it went to, and which CA verified the server. */
export function requestTarget(
  selection: KubeconfigSelection,
  server: string,
  method: string,
  path: string,
): RequestTarget {
  const cluster = selection.cluster.cluster;
  const caSource = cluster["insecure-skip-tls-verify"] === true
    ? "none, insecure-skip-tls-verify is set"
    : typeof cluster["certificate-authority"] === "string"
    ? `file ${cluster["certificate-authority"]}`
    : cluster["certificate-authority-data"]
    ? "certificate-authority-data in the kubeconfig"
    : "the system trust store";
  return {
    method,
    path,
    server,
    contextName: selection.contextName,
    userName: selection.user.name,
    caSource,
  };
}
