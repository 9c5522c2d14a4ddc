#!/usr/bin/env bash
# `deno task install`: puts kubectl-kserve on PATH as a `deno install -g` shim, plus the
# kubectl_complete-kserve helper that kubectl (>= 1.26) runs to complete `kubectl kserve <TAB>`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The same permissions as the `kserve` task in deno.json, each needed for a reason:
#   --allow-read   kubeconfig files, CA and client certificates, the service-account token, manifest dirs
#   --allow-write  the manifest download cache and `manifests pull --dest`
#   --allow-env    KUBECONFIG, HOME, NO_COLOR, and the environment exec credential plugins expect
#   --allow-net    the API server named by the kubeconfig, and release manifest downloads
#   --allow-run    exec credential plugins (aws, gke-gcloud-auth-plugin, kubelogin) and istioctl
#   --allow-sys    host name and OS release, read by the Kubernetes client for its user agent
permissions=$(deno eval --quiet 'import m from "./deno.json" with { type: "json" };
  console.log(m.tasks.kserve.split(" ").filter((w) => w.startsWith("--allow-")).join(" "))')

root=${DENO_INSTALL_ROOT:-$HOME/.deno}
# shellcheck disable=SC2086
deno install --global --force --quiet --root "$root" --name kubectl-kserve \
  --config deno.json $permissions main.ts

# A kubectl plugin should reach only the cluster: no background Deno update check.
shim="$root/bin/kubectl-kserve"
{ head -n 1 "$shim"; echo "export DENO_NO_UPDATE_CHECK=1"; tail -n +2 "$shim"; } >"$shim.tmp"
mv "$shim.tmp" "$shim" && chmod +x "$shim"

cat >"$root/bin/kubectl_complete-kserve" <<'SHIM'
#!/bin/sh
# kubectl runs this with the words typed after `kubectl kserve`; the plugin answers in Cobra's format.
exec kubectl-kserve __complete "$@"
SHIM
chmod +x "$root/bin/kubectl_complete-kserve"

echo "installed kubectl-kserve and kubectl_complete-kserve into $root/bin"
case ":$PATH:" in
  *":$root/bin:"*) ;;
  *) echo "add it to PATH:  export PATH=\"$root/bin:\$PATH\"" ;;
esac
echo "then try:  kubectl kserve version   and   kubectl plugin list"
