/**
 * install over another owner's cert-manager that does not work. Field report: install called a
 * cert-manager "working" (its webhook answered) while its cainjector Deployment was missing,
 * kept it, and timed out later waiting for CA bundles nothing injected. cert-manager works only
 * with its controller, cainjector and webhook Available and its webhook answering; install says
 * which is not, before it changes anything, with a fix its owner can run.
 */
import assert from "node:assert/strict";
import { kubectlOk, resetCluster, tempDir } from "../support/cluster.ts";
import { FIXTURES } from "../support/fixtures.ts";
import { install } from "../support/install.ts";
import { runHint } from "../support/hints.ts";
import { certManagerOfPlatformTeam } from "../support/owners.ts";
import { assertSameCluster, settledSnapshot, snapshot } from "../support/snapshot.ts";

const RELEASE_URL =
  "https://github.com/cert-manager/cert-manager/releases/download/v1.18.0/cert-manager.yaml";

async function rolledOut(names: string[]): Promise<void> {
  for (const name of names) {
    await kubectlOk(["rollout", "status", `deployment/${name}`, "-n", "cert-manager"]);
  }
}

/** The hint printed under a refusal. */
function hintOf(stderr: string): string {
  const hint = /^\s*hint: (.*)$/m.exec(stderr)?.[1];
  assert.ok(hint, `no hint in:\n${stderr}`);
  return hint;
}

Deno.test("install stops before any change at another owner's cert-manager whose cainjector Deployment is missing, and its hint re-creates it", async () => {
  await resetCluster();
  await using cache = await tempDir();
  await certManagerOfPlatformTeam();
  await kubectlOk(["delete", "deployment", "cert-manager-cainjector", "-n", "cert-manager"]);

  const before = await settledSnapshot();
  const refused = await install(["--version", "v0.20.0", "--manifests", FIXTURES], cache.path);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(
    refused.stderr,
    /Cannot install: cert-manager v1\.18\.0 in namespace cert-manager, installed by another tool \(field manager platform-team\), is not working \(cert-manager\/cert-manager-cainjector: not found\)/,
  );
  const hint = hintOf(refused.stderr);
  assert.equal(
    hint,
    `Re-create cert-manager-cainjector from the release it came from: kubectl apply --server-side -f ${RELEASE_URL} --field-manager=platform-team; or let install replace it with --force`,
  );
  assertSameCluster(before, await snapshot(), "install refused at a broken cert-manager");

  // The hint's manifest is the pinned release file the fixtures hold (tests download nothing).
  await runHint(hint.replace(RELEASE_URL, `${FIXTURES}cert-manager/v1.18.0/cert-manager.yaml`));
  await rolledOut(["cert-manager-cainjector"]);
  await resetCluster();
});

Deno.test("install stops at another owner's cert-manager whose cainjector is scaled to 0; after its hint, install keeps that cert-manager and finishes", async () => {
  await resetCluster();
  await using cache = await tempDir();
  await certManagerOfPlatformTeam();
  await kubectlOk([
    "scale",
    "deployment/cert-manager-cainjector",
    "-n",
    "cert-manager",
    "--replicas=0",
  ]);

  const before = await settledSnapshot();
  const refused = await install(["--version", "v0.20.0", "--manifests", FIXTURES], cache.path);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(
    refused.stderr,
    /is not working \(cert-manager\/cert-manager-cainjector: scaled to 0\)/,
  );
  const hint = hintOf(refused.stderr);
  assert.equal(
    hint,
    "Scale it up: kubectl scale deployment/cert-manager-cainjector -n cert-manager --replicas=1; or let install replace it with --force",
  );
  assertSameCluster(before, await snapshot(), "install refused at a scaled-down cainjector");

  assert.equal(await runHint(hint), 1);
  await rolledOut(["cert-manager-cainjector"]);
  const installed = await install(["--version", "v0.20.0", "--manifests", FIXTURES], cache.path);
  assert.equal(installed.code, 0, installed.stderr);
  assert.match(
    installed.stderr,
    /cert-manager v1\.18\.0.*skipped: a working cert-manager is already installed/,
  );
  assert.match(installed.stderr, /KServe v0\.20\.0 is installed/);
  await resetCluster();
});
