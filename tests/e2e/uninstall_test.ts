/**
 * uninstall's destructive flags, each by what it deletes and what it keeps: no --yes (and no
 * terminal to ask on), and --keep-crds with --with-cert-manager, whose CRDs hold every
 * Certificate of the cluster, not only KServe's.
 */
import assert from "node:assert/strict";
import { applyYaml, kubectl, kubectlOk, resetCluster, tempDir } from "../support/cluster.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { runPlugin } from "../support/plugin.ts";
import { install, pluginEnv } from "../support/install.ts";
import {
  assertSameCluster,
  diffSnapshots,
  settledSnapshot,
  snapshot,
} from "../support/snapshot.ts";

/** Another team's TLS: a self-signed Issuer and its Certificate in namespace "shop". */
const SHOP_TLS = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: cert-manager.io/v1
kind: Issuer
metadata: {name: self-signed, namespace: shop}
spec: {selfSigned: {}}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web-tls, namespace: shop}
spec:
  secretName: web-tls
  dnsNames: [web.shop.svc]
  issuerRef: {name: self-signed, kind: Issuer}
`;

/** The kind of a snapshot key ("CustomResourceDefinition.apiextensions.k8s.io /name" -> kind). */
const kindOf = (key: string) => key.slice(0, key.indexOf("."));

Deno.test("uninstall without --yes and without a terminal refuses and deletes nothing; --keep-crds --with-cert-manager keeps every CRD (cert-manager's too) and other owners' Certificates, deletes the rest", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const env = pluginEnv(cache.path);
  // KServe's 7 MB of CRDs can take longer than the default 30 s per request on a loaded machine.
  const installed = await install(["--manifests", FIXTURES, "--request-timeout", "2m"], cache.path);
  assert.equal(installed.code, 0, installed.stderr);
  await applyYaml(SHOP_TLS);
  await kubectlOk(["wait", "certificate/web-tls", "-n", "shop", "--for=condition=Ready"]);

  // No --yes, and stdin is not a terminal (none, or a pipe that says "y"): nobody confirmed.
  const before = await settledSnapshot();
  for (const stdin of [undefined, "y\n"]) {
    const unconfirmed = await runPlugin(["uninstall", "--with-cert-manager", "--force"], {
      env,
      stdin,
    });
    assert.equal(unconfirmed.code, 2, unconfirmed.stderr);
    assert.match(unconfirmed.stderr, /Uninstall needs confirmation/);
    assert.match(unconfirmed.stderr, /hint: Pass --yes, or --dry-run to see what would be deleted/);
    assertSameCluster(before, await snapshot(), "uninstall without --yes");
  }

  // The shop's Certificate stops cert-manager's removal unless forced...
  const args = ["uninstall", "--yes", "--with-cert-manager", "--keep-crds", "--timeout", "2m"];
  const refused = await runPlugin(args, { env });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(
    refused.stderr,
    /cert-manager still manages 1 Certificate\(s\) of other owners: shop\/web-tls/,
  );
  assertSameCluster(before, await snapshot(), "a refused uninstall --with-cert-manager");

  // ...and with --force, --keep-crds keeps every CRD: cert-manager's hold the shop's objects.
  const removed = await runPlugin([...args, "--force"], { env });
  assert.equal(removed.code, 0, removed.stderr);
  const diff = diffSnapshots(before, await snapshot());
  const crds = (keys: string[]) => keys.filter((k) => kindOf(k) === "CustomResourceDefinition");
  assert.deepEqual(crds(diff.removed), [], "no CRD is deleted");
  const kept = await kubectlOk(["get", "crd", "-o", "name"]);
  for (const crd of ["certificates.cert-manager.io", "issuers.cert-manager.io"]) {
    assert.match(kept, new RegExp(`/${crd.replaceAll(".", "\\.")}$`, "m"));
  }
  assert.match(kept, /\/inferenceservices\.serving\.kserve\.io$/m);
  const shop = (keys: string[]) => keys.filter((k) => k.includes(" shop/"));
  assert.deepEqual(shop(diff.removed), [], "the shop's objects are kept");
  assert.deepEqual(shop(diff.changed), [], "the shop's objects are unchanged");
  const left = await kubectlOk([
    "get",
    "certificate/web-tls",
    "issuer/self-signed",
    "secret/web-tls",
    "-n",
    "shop",
    "-o",
    "name",
  ]);
  assert.deepEqual(left.trim().split("\n").sort(), [
    "certificate.cert-manager.io/web-tls",
    "issuer.cert-manager.io/self-signed",
    "secret/web-tls",
  ]);
  // What is deleted: both namespaces, and every webhook configuration and cluster role of both.
  for (const namespace of ["kserve", "cert-manager"]) {
    assert.notEqual((await kubectl(["get", "namespace", namespace])).code, 0, namespace);
  }
  const cluster = await kubectlOk([
    "get",
    "validatingwebhookconfigurations,mutatingwebhookconfigurations,clusterroles,clusterrolebindings",
    "-o",
    "name",
  ]);
  assert.doesNotMatch(cluster, /cert-manager|kserve/);
  const removedKinds = new Set(diff.removed.map(kindOf));
  for (const kind of ["Namespace", "ValidatingWebhookConfiguration", "ClusterRole"]) {
    assert.ok(removedKinds.has(kind), `${kind}: ${[...removedKinds]}`);
  }
  await resetCluster();
});

Deno.test("uninstall --with-cert-manager removes the cert-manager install wrote, its bare Namespace too, without --force", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const env = pluginEnv(cache.path);
  const installed = await install(["--manifests", FIXTURES, "--request-timeout", "2m"], cache.path);
  assert.equal(installed.code, 0, installed.stderr);
  // cert-manager's manifest gives its Namespace a name only: install's apply must own a field.
  const managers = await kubectlOk(
    ["get", "namespace", "cert-manager", "-o", "jsonpath={.metadata.managedFields[*].manager}"],
  );
  assert.equal(managers, "kubectl-kserve");
  for (const namespace of ["kserve", "cert-manager"]) {
    assert.equal(
      await managedByLabel(namespace),
      "kubectl-kserve",
      `${namespace}: install made it`,
    );
  }
  const removed = await runPlugin(
    ["uninstall", "--yes", "--with-cert-manager", "--timeout", "2m"],
    { env },
  );
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout + removed.stderr, /Removing cert-manager: \d+ objects deleted/);
  for (const namespace of ["kserve", "cert-manager"]) {
    assert.notEqual((await kubectl(["get", "namespace", namespace])).code, 0, namespace);
  }
  await resetCluster();
});

/** A namespace's app.kubernetes.io/managed-by label, "" when it has none. */
function managedByLabel(namespace: string): Promise<string> {
  return kubectlOk([
    "get",
    "namespace",
    namespace,
    "-o",
    "jsonpath={.metadata.labels.app\\.kubernetes\\.io/managed-by}",
  ]).then((s) => s.trim());
}

Deno.test("uninstall refuses namespaces that existed before install (its labels applied to them or not), deleting nothing; --force deletes them", async () => {
  await resetCluster();
  await using cache = await tempDir();
  const env = pluginEnv(cache.path);
  // The user made both namespaces beforehand, as many guides say to, and keeps a Secret in one.
  for (const namespace of ["kserve", "cert-manager"]) {
    await kubectlOk(["create", "namespace", namespace]);
  }
  await kubectlOk(["create", "secret", "generic", "team-notes", "-n", "cert-manager"]);
  const installed = await install(["--manifests", FIXTURES, "--request-timeout", "2m"], cache.path);
  assert.equal(installed.code, 0, installed.stderr);
  // Install applied KServe's labels to the user's kserve namespace, but no mark of its own.
  assert.equal(
    await kubectlOk(
      ["get", "namespace", "kserve", "-o", "jsonpath={.metadata.labels.control-plane}"],
    ),
    "kserve-controller-manager",
  );
  for (const namespace of ["kserve", "cert-manager"]) {
    assert.equal(await managedByLabel(namespace), "", namespace);
  }

  const before = await settledSnapshot();
  const args = ["uninstall", "--yes", "--with-cert-manager", "--timeout", "2m"];
  const refused = await runPlugin(args, { env });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(
    refused.stderr,
    /Refusing to uninstall: 2 object\(s\) were not installed by kubectl-kserve: 2 by another tool \(field manager kubectl-create\) \(Namespace kserve, Namespace cert-manager\) \(namespace kserve, cert-manager existed before kubectl-kserve installed into it; deleting it deletes everything in it\)/,
  );
  assert.match(refused.stderr, /pass --force to delete them anyway/);
  assertSameCluster(before, await snapshot(), "an uninstall refused for the user's namespaces");

  // A second install changes nothing of that: the namespaces stay the user's.
  const again = await install(["--manifests", FIXTURES, "--request-timeout", "2m"], cache.path);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(await managedByLabel("cert-manager"), "");

  const forced = await runPlugin([...args, "--force"], { env });
  assert.equal(forced.code, 0, forced.stderr);
  for (const namespace of ["kserve", "cert-manager"]) {
    assert.notEqual((await kubectl(["get", "namespace", namespace])).code, 0, namespace);
  }
  await resetCluster();
});
